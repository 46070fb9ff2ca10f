//! Plain directory sources, as Argo CD's repo server reads them: `.yaml`,
//! `.yml` and `.json` files of the path (and of its subdirectories with
//! `recurse`), filtered by `include`/`exclude` globs on the path relative to
//! the source; `List` objects are expanded; YAML that does not parse is
//! ignored unless it looks like a manifest; documents that are not
//! Kubernetes objects (no `apiVersion` or `kind`) are ignored.

use super::RenderError;
use crate::apps::DirectoryOptions;
use crate::repo::{Tree, glob, join};
use serde::Deserialize;
use serde_json::Value;

pub fn render(tree: &dyn Tree, path: &str, options: &DirectoryOptions) -> Result<Vec<Value>, RenderError> {
    if options.jsonnet.as_ref().is_some_and(|j| !j.is_null() && j.as_object().is_none_or(|m| !m.is_empty())) {
        return Err(RenderError::new(path, "jsonnet options are not supported by convoy"));
    }
    let mut out = Vec::new();
    visit(tree, path, "", options, &mut out)?;
    Ok(out)
}

fn visit(
    tree: &dyn Tree,
    root: &str,
    rel: &str,
    options: &DirectoryOptions,
    out: &mut Vec<Value>,
) -> Result<(), RenderError> {
    let dir = join(root, rel);
    let entries = tree.list(&dir).map_err(|e| RenderError::new(if dir.is_empty() { "." } else { &dir }, e))?;
    for entry in entries {
        let rel_path = join(rel, &entry.name);
        if entry.is_dir {
            if options.recurse && entry.name != ".git" {
                visit(tree, root, &rel_path, options, out)?;
            }
            continue;
        }
        let is_json = entry.name.ends_with(".json");
        if !(is_json || entry.name.ends_with(".yaml") || entry.name.ends_with(".yml")) {
            if entry.name.ends_with(".jsonnet") {
                return Err(RenderError::new(join(root, &rel_path), "jsonnet files are not supported by convoy"));
            }
            continue;
        }
        if !options.exclude.is_empty() && glob::gobwas_match(&options.exclude, &rel_path) {
            continue;
        }
        if !options.include.is_empty() && !glob::gobwas_match(&options.include, &rel_path) {
            continue;
        }
        let file = join(root, &rel_path);
        let bytes = tree.read(&file).map_err(|e| RenderError::new(&file, e))?;
        let text = String::from_utf8_lossy(&bytes);
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        for object in parse_file(&file, text, is_json)? {
            expand(object, out);
        }
    }
    Ok(())
}

fn parse_file(file: &str, text: &str, is_json: bool) -> Result<Vec<Value>, RenderError> {
    if is_json {
        return match serde_json::from_str::<Value>(text) {
            Ok(v @ Value::Object(_)) => Ok(vec![v]),
            Ok(_) => Ok(Vec::new()),
            Err(e) => Err(RenderError::new(file, format!("Failed to unmarshal: {e}"))),
        };
    }
    let mut docs = Vec::new();
    for (i, de) in serde_norway::Deserializer::from_str(text).enumerate() {
        match Value::deserialize(de) {
            Ok(Value::Null) => {}
            Ok(v) => docs.push(v),
            Err(e) => {
                // Argo CD skips YAML it cannot read unless it looks like a manifest.
                let looks_like_manifest =
                    text.contains("apiVersion:") && text.contains("kind:") && text.contains("metadata:");
                if looks_like_manifest || !docs.is_empty() {
                    let line = e.location().map(|l| format!(" (line {})", l.line())).unwrap_or_default();
                    return Err(RenderError::new(
                        file,
                        format!("document {}{line}: failed to unmarshal manifest: {e}", i + 1),
                    ));
                }
                return Ok(Vec::new());
            }
        }
    }
    Ok(docs)
}

/// Adds a Kubernetes object, expanding `List` kinds into their items.
fn expand(object: Value, out: &mut Vec<Value>) {
    let kind = object.get("kind").and_then(Value::as_str).unwrap_or_default();
    let is_object = object.get("apiVersion").and_then(Value::as_str).is_some_and(|a| !a.is_empty()) && !kind.is_empty();
    if kind.ends_with("List") && object.get("spec").is_none() {
        if let Some(Value::Array(items)) = object.get("items") {
            for item in items.clone() {
                expand(item, out);
            }
            return;
        }
        if object.get("items").is_some_and(Value::is_null) {
            return;
        }
    }
    if is_object {
        out.push(object);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repo::{DirRepo, RepoReader};

    fn tree(files: &[(&str, &str)]) -> (tempfile::TempDir, std::sync::Arc<dyn Tree>) {
        let dir = tempfile::tempdir().unwrap();
        for (path, content) in files {
            let p = dir.path().join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, content).unwrap();
        }
        let t = DirRepo::new(dir.path()).tree("", "").unwrap();
        (dir, t)
    }

    fn names(objs: &[Value]) -> Vec<String> {
        objs.iter()
            .map(|o| format!("{}/{}", o["kind"].as_str().unwrap(), o["metadata"]["name"].as_str().unwrap_or("?")))
            .collect()
    }

    const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: NAME}\n";

    #[test]
    fn reads_yaml_and_json_ignoring_other_files() {
        let (_d, t) = tree(&[
            ("app/a.yaml", &format!("{}---\n{}", CM.replace("NAME", "a1"), CM.replace("NAME", "a2"))),
            ("app/b.json", r#"{"apiVersion":"v1","kind":"Service","metadata":{"name":"b"}}"#),
            ("app/values.yaml", "replicaCount: 2\nimage: {tag: x}\n"),
            ("app/README.md", "# hi"),
            ("app/notes.yaml", "this: [is not: valid"),
            ("app/sub/c.yaml", &CM.replace("NAME", "c")),
        ]);
        let objs = render(t.as_ref(), "app", &DirectoryOptions::default()).unwrap();
        assert_eq!(names(&objs), ["ConfigMap/a1", "ConfigMap/a2", "Service/b"]);
        let recursive = DirectoryOptions { recurse: true, ..Default::default() };
        assert_eq!(names(&render(t.as_ref(), "app", &recursive).unwrap()).len(), 4);
    }

    #[test]
    fn include_exclude_and_lists() {
        let list = "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: l1}}\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: l2}}\n";
        let (_d, t) = tree(&[
            ("x/list.yaml", list),
            ("x/skip/s.yaml", &CM.replace("NAME", "s")),
            ("x/keep/k.yml", &CM.replace("NAME", "k")),
        ]);
        let opts = DirectoryOptions { recurse: true, exclude: "skip/*".into(), ..Default::default() };
        assert_eq!(names(&render(t.as_ref(), "x", &opts).unwrap()), ["ConfigMap/k", "ConfigMap/l1", "ConfigMap/l2"]);
        let opts = DirectoryOptions { recurse: true, include: "{keep,skip}/*".into(), ..Default::default() };
        assert_eq!(names(&render(t.as_ref(), "x", &opts).unwrap()), ["ConfigMap/k", "ConfigMap/s"]);
    }

    #[test]
    fn a_broken_manifest_is_an_error_naming_the_file() {
        let (_d, t) = tree(&[("m/bad.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [oops\n")]);
        let err = render(t.as_ref(), "m", &DirectoryOptions::default()).unwrap_err();
        assert_eq!(err.path, "m/bad.yaml");
        assert!(err.message.contains("document 1"), "{err}");
        let (_d, t) = tree(&[("m/x.jsonnet", "{}")]);
        assert!(render(t.as_ref(), "m", &DirectoryOptions::default()).unwrap_err().message.contains("jsonnet"));
    }
}
