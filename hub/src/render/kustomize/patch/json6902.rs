//! JSON 6902 patches (add, remove, replace, move, copy, test) with RFC 6901
//! pointers, following the semantics of the json-patch library kustomize
//! uses (negative array indices count from the end; `-` appends).

use super::smp::scalar_text;
use super::{Doc, PatchError};

/// Applies all operations in order; the first failure is an error naming
/// the operation index and path.
pub(crate) fn apply_ops(doc: &mut Doc, ops: &[Doc]) -> Result<(), PatchError> {
    let mut work = doc.clone();
    // During a kustomize build every resource carries internal annotations,
    // so `metadata.annotations` always exists while patches run.
    let added = match work.get_mut("metadata").and_then(Doc::as_mapping_mut) {
        Some(m) if !m.contains_key("annotations") => {
            m.insert(Doc::from("annotations"), Doc::Mapping(Default::default()));
            true
        }
        _ => false,
    };
    for (i, op) in ops.iter().enumerate() {
        let name = op.get("op").map(scalar_text).unwrap_or_default();
        let path = op.get("path").map(scalar_text);
        let shown = path.clone().unwrap_or_default();
        apply_one(&mut work, op, &name, path.as_deref())
            .map_err(|e| PatchError(format!("json patch operation {i} ({name} {shown:?}): {e}")))?;
    }
    if added
        && let Some(m) = work.get_mut("metadata").and_then(Doc::as_mapping_mut)
        && m.get("annotations").and_then(Doc::as_mapping).is_some_and(|a| a.is_empty())
    {
        m.shift_remove("annotations");
    }
    *doc = work;
    Ok(())
}

fn apply_one(doc: &mut Doc, op: &Doc, name: &str, path: Option<&str>) -> Result<(), String> {
    let path = path.ok_or("missing path")?;
    // Like the json-patch library, a missing value is null.
    let value = || -> Result<Doc, String> { Ok(op.get("value").cloned().unwrap_or(Doc::Null)) };
    let from = || op.get("from").map(scalar_text).ok_or_else(|| "missing from".to_string());
    match name {
        "add" => add(doc, path, value()?),
        "remove" => remove(doc, path).map(|_| ()),
        "replace" => replace(doc, path, value()?),
        "move" => {
            let f = from()?;
            let v = remove(doc, &f)?;
            add(doc, path, v)
        }
        "copy" => {
            let f = from()?;
            let v = get(doc, &parse_pointer(&f)?).cloned().ok_or_else(|| format!("copy from {f:?}: path not found"))?;
            add(doc, path, v)
        }
        "test" => {
            let expected = op.get("value").cloned().unwrap_or(Doc::Null);
            let actual = get(doc, &parse_pointer(path)?).cloned().unwrap_or(Doc::Null);
            if actual == expected { Ok(()) } else { Err(format!("testing value {path} failed")) }
        }
        "" => Err("missing op".into()),
        other => Err(format!("unexpected op {other:?}")),
    }
}

fn parse_pointer(p: &str) -> Result<Vec<String>, String> {
    if p.is_empty() {
        return Ok(Vec::new());
    }
    let rest = p.strip_prefix('/').ok_or_else(|| format!("JSON pointer {p:?} must start with '/'"))?;
    Ok(rest.split('/').map(|t| t.replace("~1", "/").replace("~0", "~")).collect())
}

fn index(tok: &str, len: usize, allow_end: bool) -> Result<usize, String> {
    let n: i64 = tok.parse().map_err(|_| format!("invalid array index {tok:?}"))?;
    let len_i = len as i64;
    let idx = if n < 0 { n + len_i } else { n };
    let max = if allow_end { len_i } else { len_i - 1 };
    if idx < 0 || idx > max || (n < 0 && -n > len_i) {
        return Err(format!("array index {tok} out of bounds (length {len})"));
    }
    Ok(idx as usize)
}

fn get<'a>(doc: &'a Doc, toks: &[String]) -> Option<&'a Doc> {
    let mut cur = doc;
    for t in toks {
        cur = match cur {
            Doc::Mapping(m) => m.iter().find(|(k, _)| scalar_text(k) == *t).map(|(_, v)| v)?,
            Doc::Sequence(s) => s.get(index(t, s.len(), false).ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

fn get_mut<'a>(doc: &'a mut Doc, toks: &[String]) -> Option<&'a mut Doc> {
    let mut cur = doc;
    for t in toks {
        cur = match cur {
            Doc::Mapping(m) => m.iter_mut().find(|(k, _)| scalar_text(k) == *t).map(|(_, v)| v)?,
            Doc::Sequence(s) => {
                let i = index(t, s.len(), false).ok()?;
                s.get_mut(i)?
            }
            _ => return None,
        };
    }
    Some(cur)
}

/// The parent container of `path` and the last token.
fn parent<'a>(doc: &'a mut Doc, path: &str, op: &str) -> Result<(&'a mut Doc, String), String> {
    let mut toks = parse_pointer(path)?;
    let last = toks.pop().ok_or("the root has no parent")?;
    let p =
        get_mut(doc, &toks).ok_or_else(|| format!("{op} operation does not apply: doc is missing path: {path:?}"))?;
    Ok((p, last))
}

fn key_of(m: &serde_norway::Mapping, tok: &str) -> Option<Doc> {
    m.keys().find(|k| scalar_text(k) == tok).cloned()
}

fn add(doc: &mut Doc, path: &str, value: Doc) -> Result<(), String> {
    if path.is_empty() {
        *doc = value;
        return Ok(());
    }
    let (p, last) = parent(doc, path, "add")?;
    match p {
        Doc::Mapping(m) => {
            let k = key_of(m, &last).unwrap_or(Doc::String(last));
            m.insert(k, value);
            Ok(())
        }
        Doc::Sequence(s) => {
            if last == "-" {
                s.push(value);
            } else {
                let i = index(&last, s.len(), true)?;
                s.insert(i, value);
            }
            Ok(())
        }
        _ => Err(format!("add operation does not apply: parent of {path:?} is not a container")),
    }
}

fn remove(doc: &mut Doc, path: &str) -> Result<Doc, String> {
    if path.is_empty() {
        return Err("cannot remove the document root".into());
    }
    let (p, last) = parent(doc, path, "remove")?;
    match p {
        Doc::Mapping(m) => {
            let k = key_of(m, &last).ok_or_else(|| format!("unable to remove nonexistent key: {last}"))?;
            Ok(m.shift_remove(&k).unwrap_or(Doc::Null))
        }
        Doc::Sequence(s) => {
            let i = index(&last, s.len(), false)?;
            Ok(s.remove(i))
        }
        _ => Err(format!("remove operation does not apply: parent of {path:?} is not a container")),
    }
}

fn replace(doc: &mut Doc, path: &str, value: Doc) -> Result<(), String> {
    if path.is_empty() {
        *doc = value;
        return Ok(());
    }
    let (p, last) = parent(doc, path, "replace")?;
    match p {
        Doc::Mapping(m) => {
            let k = key_of(m, &last)
                .ok_or_else(|| format!("replace operation does not apply: doc is missing key: {path}"))?;
            m.insert(k, value);
            Ok(())
        }
        Doc::Sequence(s) => {
            let i = index(&last, s.len(), false)?;
            s[i] = value;
            Ok(())
        }
        _ => Err(format!("replace operation does not apply: parent of {path:?} is not a container")),
    }
}
