//! The name suffix kustomize adds to generated ConfigMaps and Secrets: a
//! sha256 over a canonical JSON encoding (Go's `json.Marshal` of a map, so
//! keys sorted and `<`, `>`, `&` escaped), first ten hex digits, with a few
//! letters swapped so the suffix never looks like a number or a word.
//!
//! kustomize looks the name up with a path that never matches, so the name
//! it hashes is always the empty string; reproduced here.

use super::patch::Doc;
use sha2::{Digest, Sha256};
use std::fmt::Write;

/// The hash suffix of a ConfigMap or Secret document.
pub fn suffix(doc: &Doc) -> String {
    let kind = doc.get("kind").and_then(Doc::as_str).unwrap_or_default();
    let mut fields: Vec<(&str, String)> = vec![("kind", json_string(kind)), ("name", json_string(""))];
    let field = |key: &str| match doc.get(key) {
        None | Some(Doc::Null) => json_string(""),
        Some(v) => json_value(v),
    };
    fields.push(("data", field("data")));
    if kind == "Secret" {
        fields.push(("type", field("type")));
        if doc.get("stringData").is_some_and(Doc::is_mapping) {
            fields.push(("stringData", field("stringData")));
        }
    } else if doc.get("binaryData").is_some_and(Doc::is_mapping) {
        fields.push(("binaryData", field("binaryData")));
    }
    fields.sort_by(|a, b| a.0.cmp(b.0));
    let body: Vec<String> = fields.iter().map(|(k, v)| format!("{}:{v}", json_string(k))).collect();
    encode(&format!("{{{}}}", body.join(",")))
}

/// sha256, first ten hex digits, `0 1 3 a e` → `g h k m t`.
pub fn encode(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    let mut hex = String::new();
    for b in digest.iter().take(5) {
        let _ = write!(hex, "{b:02x}");
    }
    hex.chars()
        .map(|c| match c {
            '0' => 'g',
            '1' => 'h',
            '3' => 'k',
            'a' => 'm',
            'e' => 't',
            c => c,
        })
        .collect()
}

fn json_value(v: &Doc) -> String {
    match v {
        Doc::Null => "null".into(),
        Doc::Bool(b) => b.to_string(),
        Doc::Number(n) => n.to_string(),
        Doc::String(s) => json_string(s),
        Doc::Sequence(items) => format!("[{}]", items.iter().map(json_value).collect::<Vec<_>>().join(",")),
        Doc::Mapping(m) => {
            let mut entries: Vec<(String, String)> = m
                .iter()
                .map(|(k, v)| (k.as_str().map(str::to_string).unwrap_or_else(|| json_value(k)), json_value(v)))
                .collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            let body: Vec<String> = entries.iter().map(|(k, v)| format!("{}:{v}", json_string(k))).collect();
            format!("{{{}}}", body.join(","))
        }
        Doc::Tagged(t) => json_value(&t.value),
    }
}

/// A JSON string as Go's encoding/json writes it (HTML-safe).
fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    convoy_gotemplate::json::push_str(&mut out, s, true);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Doc {
        serde_norway::from_str(text).unwrap()
    }

    // Expected suffixes taken from `kubectl kustomize` (v5.5.0).
    #[test]
    fn config_map_hash_matches_kustomize() {
        let cm = doc("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {a: '1', b: '<x&y>'}\n");
        assert_eq!(suffix(&cm), "cchh4fmt2g");
    }

    #[test]
    fn empty_config_map_hash_matches_kustomize() {
        assert_eq!(suffix(&doc("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: empty}\n")), "6ct58987ht");
    }

    #[test]
    fn secret_hash_matches_kustomize() {
        let s = doc("apiVersion: v1\nkind: Secret\nmetadata: {name: sec}\ntype: Opaque\ndata: {p: cQ==}\n");
        assert_eq!(suffix(&s), "hb2dth72f6");
    }

    #[test]
    fn name_does_not_change_the_hash() {
        let a = doc("kind: ConfigMap\nmetadata: {name: a}\ndata: {k: v}\n");
        let b = doc("kind: ConfigMap\nmetadata: {name: b}\ndata: {k: v}\n");
        assert_eq!(suffix(&a), suffix(&b));
    }
}
