//! JSON patch (RFC 6902): add, remove, replace, move, copy, test.

use serde_json::Value;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum JsonPatchError {
    #[error("the patch is not a list of operations")]
    NotAList,
    #[error("operation {0} has no valid \"op\"")]
    BadOp(usize),
    #[error("operation {index}: path {path:?} does not exist")]
    Missing { index: usize, path: String },
    #[error("operation {index}: test failed at {path:?}")]
    TestFailed { index: usize, path: String },
    #[error("operation {index}: invalid path {path:?}")]
    BadPath { index: usize, path: String },
}

fn unescape(s: &str) -> String {
    s.replace("~1", "/").replace("~0", "~")
}

fn split(path: &str) -> Option<(String, String)> {
    if path.is_empty() {
        return None;
    }
    let (parent, last) = path.rsplit_once('/')?;
    Some((parent.to_string(), unescape(last)))
}

fn add(doc: &mut Value, path: &str, value: Value) -> Result<(), ()> {
    if path.is_empty() {
        *doc = value;
        return Ok(());
    }
    let (parent, last) = split(path).ok_or(())?;
    match doc.pointer_mut(&parent).ok_or(())? {
        Value::Object(m) => {
            m.insert(last, value);
            Ok(())
        }
        Value::Array(a) => {
            if last == "-" {
                a.push(value);
                return Ok(());
            }
            let i: usize = last.parse().map_err(|_| ())?;
            if i > a.len() {
                return Err(());
            }
            a.insert(i, value);
            Ok(())
        }
        _ => Err(()),
    }
}

fn remove(doc: &mut Value, path: &str) -> Result<Value, ()> {
    let (parent, last) = split(path).ok_or(())?;
    match doc.pointer_mut(&parent).ok_or(())? {
        Value::Object(m) => m.remove(&last).ok_or(()),
        Value::Array(a) => {
            let i: usize = last.parse().map_err(|_| ())?;
            if i >= a.len() {
                return Err(());
            }
            Ok(a.remove(i))
        }
        _ => Err(()),
    }
}

/// Applies `patch` to a copy of `doc`; `doc` is untouched on error.
pub fn json_patch(doc: &Value, patch: &Value) -> Result<Value, JsonPatchError> {
    let ops = patch.as_array().ok_or(JsonPatchError::NotAList)?;
    let mut out = doc.clone();
    for (index, op) in ops.iter().enumerate() {
        let path = op.get("path").and_then(Value::as_str).unwrap_or("").to_string();
        let missing = || JsonPatchError::Missing { index, path: path.clone() };
        let bad = || JsonPatchError::BadPath { index, path: path.clone() };
        if !path.is_empty() && !path.starts_with('/') {
            return Err(bad());
        }
        let value = || op.get("value").cloned().ok_or(JsonPatchError::BadOp(index));
        let from = || op.get("from").and_then(Value::as_str).map(str::to_string).ok_or(JsonPatchError::BadOp(index));
        match op.get("op").and_then(Value::as_str) {
            Some("add") => add(&mut out, &path, value()?).map_err(|_| bad())?,
            Some("remove") => {
                remove(&mut out, &path).map_err(|_| missing())?;
            }
            Some("replace") => {
                if out.pointer(&path).is_none() {
                    return Err(missing());
                }
                let v = value()?;
                if let Some(slot) = out.pointer_mut(&path) {
                    *slot = v;
                }
            }
            Some("move") => {
                let f = from()?;
                let v = remove(&mut out, &f).map_err(|_| missing())?;
                add(&mut out, &path, v).map_err(|_| bad())?;
            }
            Some("copy") => {
                let f = from()?;
                let v = out.pointer(&f).cloned().ok_or_else(missing)?;
                add(&mut out, &path, v).map_err(|_| bad())?;
            }
            Some("test") => {
                if out.pointer(&path) != Some(&value()?) {
                    return Err(JsonPatchError::TestFailed { index, path });
                }
            }
            _ => return Err(JsonPatchError::BadOp(index)),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn operations() {
        let doc = json!({"a": {"b": 1}, "l": [1, 2]});
        let p = json!([
            {"op": "add", "path": "/a/c", "value": 2},
            {"op": "replace", "path": "/a/b", "value": 3},
            {"op": "add", "path": "/l/-", "value": 3},
            {"op": "remove", "path": "/l/0"},
            {"op": "copy", "from": "/a/c", "path": "/d"},
            {"op": "move", "from": "/d", "path": "/e"},
            {"op": "test", "path": "/e", "value": 2}
        ]);
        assert_eq!(json_patch(&doc, &p).unwrap(), json!({"a": {"b": 3, "c": 2}, "l": [2, 3], "e": 2}));
    }

    #[test]
    fn failures_leave_doc_alone() {
        let doc = json!({"a": 1});
        assert!(json_patch(&doc, &json!([{"op": "remove", "path": "/x"}])).is_err());
        assert!(json_patch(&doc, &json!([{"op": "test", "path": "/a", "value": 2}])).is_err());
        assert!(json_patch(&doc, &json!({"op": "add"})).is_err());
        assert!(json_patch(&doc, &json!([{"op": "jump", "path": "/a"}])).is_err());
        assert_eq!(doc, json!({"a": 1}));
    }
}
