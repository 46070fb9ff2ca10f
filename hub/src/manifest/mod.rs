//! Reading YAML/JSON manifest streams into JSON values, with errors that
//! name the file, the document (1-based, as people count `---` sections)
//! and, where the parser knows it, the line.

use serde::Deserialize;
use serde_json::Value;
use std::fmt;

/// One parsed document of a stream.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub origin: Origin,
    pub value: Value,
}

/// Where a document came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub file: String,
    /// 1-based index among the stream's documents.
    pub document: usize,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: document {}", self.file, self.document)
    }
}

/// A problem with an input file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    #[error("{file}: document {document}{}: {message}", line.map(|l| format!(" (line {l})")).unwrap_or_default())]
    Syntax { file: String, document: usize, line: Option<usize>, message: String },
    #[error("{origin}: field {field}: {message}")]
    Field { origin: Origin, field: String, message: String },
    #[error("{file}: {message}")]
    File { file: String, message: String },
}

impl ManifestError {
    pub fn field(origin: &Origin, field: impl Into<String>, message: impl Into<String>) -> ManifestError {
        ManifestError::Field { origin: origin.clone(), field: field.into(), message: message.into() }
    }
}

/// Parses a multi-document YAML (or JSON) text. Empty documents (a lone
/// `---`, comments only) are skipped but still counted, so numbers match
/// what a person sees in the file.
pub fn parse_stream(file: &str, text: &str) -> Result<Vec<Document>, ManifestError> {
    let mut out = Vec::new();
    for (i, de) in serde_norway::Deserializer::from_str(text).enumerate() {
        let document = i + 1;
        let value = Value::deserialize(de).map_err(|e| ManifestError::Syntax {
            file: file.to_string(),
            document,
            line: e.location().map(|l| l.line()),
            message: strip_location(&e.to_string()),
        })?;
        if value.is_null() {
            continue;
        }
        out.push(Document { origin: Origin { file: file.to_string(), document }, value });
    }
    Ok(out)
}

/// serde_norway appends " at line L column C"; we report the line ourselves.
fn strip_location(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// Reads `path` and parses it as a stream.
pub fn read_stream(path: &std::path::Path) -> Result<Vec<Document>, ManifestError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| ManifestError::File { file: file.clone(), message: e.to_string() })?;
    parse_stream(&file, &text)
}

/// `apiVersion` and `kind` of a document, empty when absent.
pub fn type_of(value: &Value) -> (&str, &str) {
    (value["apiVersion"].as_str().unwrap_or_default(), value["kind"].as_str().unwrap_or_default())
}

/// A string field that must be present.
pub fn required_str<'a>(origin: &Origin, value: &'a Value, pointer: &str) -> Result<&'a str, ManifestError> {
    match value.pointer(pointer) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s),
        Some(Value::String(_)) | None | Some(Value::Null) => {
            Err(ManifestError::field(origin, dotted(pointer), "is required"))
        }
        Some(other) => {
            Err(ManifestError::field(origin, dotted(pointer), format!("must be a string, not {}", kind(other))))
        }
    }
}

/// An optional list of strings at `field` (a dotted path, for errors).
pub fn string_list(origin: &Origin, value: Option<&Value>, field: &str) -> Result<Vec<String>, ManifestError> {
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => a
            .iter()
            .enumerate()
            .map(|(i, x)| {
                x.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| ManifestError::field(origin, format!("{field}[{i}]"), "must be a string"))
            })
            .collect(),
        Some(other) => Err(ManifestError::field(origin, field, format!("must be a list, not {}", kind(other)))),
    }
}

/// A JSON pointer as the dotted field path people write (`/spec/server` → `spec.server`).
pub fn dotted(pointer: &str) -> String {
    pointer.trim_start_matches('/').replace('/', ".")
}

/// A word for a JSON value's type, for error messages.
pub fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_numbered_as_people_count_them() {
        let docs = parse_stream("f.yaml", "a: 1\n---\n# only a comment\n---\nb: 2\n").unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1].origin.document, 3);
        assert_eq!(docs[1].value["b"], 2);
    }

    #[test]
    fn syntax_errors_name_file_document_and_line() {
        let err = parse_stream("apps.yaml", "a: 1\n---\nb: [1, 2\nc: 3\n").unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("apps.yaml: document 2 (line "), "{text}");
    }

    #[test]
    fn required_fields_are_named() {
        let docs = parse_stream("c.yaml", "spec: {server: 3}\n").unwrap();
        let d = &docs[0];
        assert_eq!(
            required_str(&d.origin, &d.value, "/metadata/name").unwrap_err().to_string(),
            "c.yaml: document 1: field metadata.name: is required"
        );
        assert_eq!(
            required_str(&d.origin, &d.value, "/spec/server").unwrap_err().to_string(),
            "c.yaml: document 1: field spec.server: must be a string, not a number"
        );
    }
}
