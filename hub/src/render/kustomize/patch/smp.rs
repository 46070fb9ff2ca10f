//! Strategic merge patch, following kyaml's `merge2` walk as kustomize runs
//! it (lists grow by prepending patch elements).
//!
//! - Maps merge field by field; new fields are appended in sorted order.
//! - A `null` in the patch deletes the field.
//! - Lists whose schema says `x-kubernetes-patch-strategy: merge` merge by
//!   their merge keys (`schema.rs`); all other lists are replaced. Unknown
//!   kinds (CRDs) have no schema, so their lists are replaced.
//! - `$patch: delete|replace|merge` on maps and as a list element.
//! - Like kustomize, `$setElementOrder/…`, `$retainKeys` and
//!   `$deleteFromPrimitiveList/…` are not interpreted: they are merged as
//!   ordinary fields.

use super::PatchError;
use super::schema::{self, Node};
use serde_norway::{Mapping, Value};

/// Result of walking one position.
enum Out {
    /// Remove the field / element.
    Clear,
    Keep(Value),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Directive {
    Merge,
    Replace,
    Delete,
}

/// Merges `patch` into `res`; `None` when the patch deletes the resource.
pub(crate) fn merge_resource(res: &Value, patch: &Value) -> Result<Option<Value>, PatchError> {
    let sch = type_schema(res).or_else(|| type_schema(patch));
    let mut path = Vec::new();
    match walk(Some(res.clone()), Some(patch), sch, &mut path)? {
        Out::Clear => Ok(None),
        Out::Keep(Value::Null) => Ok(None),
        Out::Keep(v) => Ok(Some(v)),
    }
}

fn type_schema(v: &Value) -> Option<Node> {
    let kind = v.get("kind")?.as_str()?;
    let av = v.get("apiVersion")?.as_str()?;
    if kind.is_empty() || av.is_empty() {
        return None;
    }
    schema::for_type(av, kind)
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Map,
    Seq,
    Scalar,
}

fn kind_of(v: &Value) -> Option<Kind> {
    match v {
        Value::Null => None,
        Value::Mapping(_) => Some(Kind::Map),
        Value::Sequence(_) => Some(Kind::Seq),
        _ => Some(Kind::Scalar),
    }
}

fn kind_name(k: Kind) -> &'static str {
    match k {
        Kind::Map => "MappingNode",
        Kind::Seq => "SequenceNode",
        Kind::Scalar => "ScalarNode",
    }
}

fn is_null(v: Option<&Value>) -> bool {
    matches!(v, None | Some(Value::Null))
}

fn walk(
    dest: Option<Value>,
    origin: Option<&Value>,
    sch: Option<Node>,
    path: &mut Vec<String>,
) -> Result<Out, PatchError> {
    let kd = dest.as_ref().and_then(kind_of);
    let ko = origin.and_then(kind_of);
    let kind = kd.or(ko);
    if let (Some(a), Some(b)) = (kd, ko)
        && a != b
    {
        return Err(PatchError(format!(
            "wrong node kind at {}: expected {} but got {} in the patch",
            show_path(path),
            kind_name(a),
            kind_name(b)
        )));
    }
    match kind {
        None | Some(Kind::Map) => walk_map(dest, origin, sch, path),
        Some(Kind::Seq) => match sch.and_then(|s| s.merge_keys()) {
            Some(keys) => walk_assoc(dest, origin, sch, keys, path),
            None => Ok(match origin {
                Some(Value::Null) => Out::Clear,
                Some(o) => Out::Keep(o.clone()),
                None => dest.map_or(Out::Clear, Out::Keep),
            }),
        },
        Some(Kind::Scalar) => Ok(match origin {
            Some(Value::Null) => Out::Clear,
            Some(o) => Out::Keep(o.clone()),
            None => dest.map_or(Out::Clear, Out::Keep),
        }),
    }
}

fn show_path(path: &[String]) -> String {
    if path.is_empty() { "the document root".to_string() } else { path.join(".") }
}

/// The string kyaml compares keys by: a scalar's text, "" otherwise.
pub(crate) fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Tagged(t) => scalar_text(&t.value),
        _ => String::new(),
    }
}

fn map_directive(origin: &Value) -> Result<(Directive, Value), PatchError> {
    let Some(m) = origin.as_mapping() else { return Ok((Directive::Merge, origin.clone())) };
    let Some(v) = m.get("$patch") else { return Ok((Directive::Merge, origin.clone())) };
    let d = parse_directive(&scalar_text(v))?;
    let mut m = m.clone();
    m.shift_remove("$patch");
    Ok((d, Value::Mapping(m)))
}

fn parse_directive(s: &str) -> Result<Directive, PatchError> {
    match s {
        "delete" => Ok(Directive::Delete),
        "replace" => Ok(Directive::Replace),
        "merge" => Ok(Directive::Merge),
        other => Err(PatchError(format!("unknown patch strategy '{other}'"))),
    }
}

fn seq_directive(origin: &[Value]) -> Result<(Directive, Vec<Value>), PatchError> {
    let found = origin.iter().find_map(|e| e.as_mapping().filter(|m| m.contains_key("$patch")));
    let Some(elem) = found else { return Ok((Directive::Merge, origin.to_vec())) };
    if elem.len() > 1 {
        return Ok((Directive::Merge, origin.to_vec()));
    }
    let text = elem.get("$patch").map(scalar_text).unwrap_or_default();
    let d = parse_directive(&text)?;
    let kept = origin
        .iter()
        .filter(|e| e.as_mapping().and_then(|m| m.get("$patch")).is_none_or(|v| scalar_text(v) != text))
        .cloned()
        .collect();
    Ok((d, kept))
}

fn walk_map(
    dest: Option<Value>,
    origin: Option<&Value>,
    sch: Option<Node>,
    path: &mut Vec<String>,
) -> Result<Out, PatchError> {
    let (base, origin) = if is_null(dest.as_ref()) {
        match origin {
            None => return Ok(dest.map_or(Out::Clear, Out::Keep)),
            Some(Value::Null) => return Ok(Out::Clear),
            Some(o) => {
                let (d, o) = map_directive(o).unwrap_or((Directive::Merge, o.clone()));
                if d == Directive::Delete {
                    return Ok(Out::Clear);
                }
                (o.clone(), Some(o))
            }
        }
    } else {
        match origin {
            Some(Value::Null) => return Ok(Out::Clear),
            None => (dest.unwrap_or(Value::Null), None),
            Some(o) => {
                let (d, o) = map_directive(o)?;
                match d {
                    Directive::Delete => return Ok(Out::Clear),
                    Directive::Replace => (o.clone(), Some(o)),
                    Directive::Merge => (dest.unwrap_or(Value::Null), Some(o)),
                }
            }
        }
    };
    let Value::Mapping(mut base) = base else { return Ok(Out::Keep(base)) };
    let empty = Mapping::new();
    let om = origin.as_ref().and_then(Value::as_mapping).unwrap_or(&empty);
    let mut names: Vec<(String, Value)> = Vec::new();
    for k in base.keys().chain(om.keys()) {
        let t = scalar_text(k);
        if !names.iter().any(|(n, _)| *n == t) {
            names.push((t, k.clone()));
        }
    }
    names.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, key) in names {
        let d = lookup(&base, &name).cloned();
        let o = lookup(om, &name);
        path.push(name.clone());
        let r = walk(d, o, sch.and_then(|s| s.field(&name)), path)?;
        path.pop();
        let existing = base.keys().find(|k| scalar_text(k) == name).cloned();
        match (r, existing) {
            (Out::Clear, Some(k)) => {
                base.shift_remove(&k);
            }
            (Out::Clear, None) => {}
            (Out::Keep(v), Some(k)) => {
                base.insert(k, v);
            }
            (Out::Keep(v), None) => {
                base.insert(key, v);
            }
        }
    }
    Ok(Out::Keep(Value::Mapping(base)))
}

fn lookup<'a>(m: &'a Mapping, name: &str) -> Option<&'a Value> {
    m.iter().find(|(k, _)| scalar_text(k) == name).map(|(_, v)| v)
}

fn walk_assoc(
    dest: Option<Value>,
    origin: Option<&Value>,
    sch: Option<Node>,
    keys: &[String],
    path: &mut Vec<String>,
) -> Result<Out, PatchError> {
    let (dest_list, origin_list): (Vec<Value>, Vec<Value>) = if is_null(dest.as_ref()) {
        match origin {
            None | Some(Value::Null) => return Ok(Out::Clear),
            Some(o) => {
                // kyaml takes a new list as is: no directive processing here.
                let items = o.as_sequence().cloned().unwrap_or_default();
                (items.clone(), items)
            }
        }
    } else {
        let dl = dest.as_ref().and_then(Value::as_sequence).cloned().unwrap_or_default();
        match origin {
            Some(Value::Null) => return Ok(Out::Clear),
            None => (dl, Vec::new()),
            Some(o) => {
                let items = o.as_sequence().cloned().unwrap_or_default();
                let (d, items) = seq_directive(&items)?;
                match d {
                    Directive::Delete => return Ok(Out::Clear),
                    Directive::Replace => (items.clone(), items),
                    Directive::Merge => (dl, items),
                }
            }
        }
    };
    let elem_sch = sch.and_then(|s| s.elements());
    let result = if keys.is_empty() {
        merge_primitive(dest_list, &origin_list)
    } else {
        merge_keyed(dest_list, &origin_list, elem_sch, keys, path)?
    };
    Ok(Out::Keep(Value::Sequence(result)))
}

/// Lists of scalars with a merge strategy (e.g. finalizers): the union,
/// patch values first.
fn merge_primitive(dest: Vec<Value>, origin: &[Value]) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for v in origin.iter().chain(dest.iter()) {
        let t = scalar_text(v);
        if !out.iter().any(|e| scalar_text(e) == t) {
            out.push(v.clone());
        }
    }
    out
}

fn tuple(elem: &Value, keys: &[String]) -> Vec<String> {
    keys.iter()
        .map(|k| match elem.as_mapping().and_then(|m| lookup(m, k)) {
            Some(v) => scalar_text(v),
            None => String::new(),
        })
        .collect()
}

/// kyaml's `mergeValues`: tuples that agree on their common non-empty
/// values are unified.
fn merge_values(list: &mut [Vec<String>]) {
    for i in 0..list.len() {
        for j in 0..list.len() {
            let (a, b) = (&list[i], &list[j]);
            if a.len() != b.len() {
                continue;
            }
            let mut common = false;
            let mut res = Vec::with_capacity(a.len());
            let mut ok = true;
            for (x, y) in a.iter().zip(b) {
                if x == y {
                    common = true;
                    res.push(x.clone());
                } else if !x.is_empty() && !y.is_empty() {
                    ok = false;
                    break;
                } else if !x.is_empty() {
                    res.push(x.clone());
                } else {
                    res.push(y.clone());
                }
            }
            if ok && common {
                list[i] = res.clone();
                list[j] = res;
            }
        }
    }
}

/// kyaml's `validateKeys`: drop keys that no tuple has a value for.
fn valid_keys(list: &[Vec<String>], values: &[String], keys: &[String]) -> (Vec<String>, Vec<String>) {
    let valid: Vec<bool> =
        (0..keys.len()).map(|i| list.iter().any(|t| t.get(i).is_some_and(|v| !v.is_empty()))).collect();
    if !valid.iter().any(|v| *v) {
        return (keys.to_vec(), values.to_vec());
    }
    let ks = keys.iter().zip(&valid).filter(|(_, v)| **v).map(|(k, _)| k.clone()).collect();
    let vs = values.iter().zip(&valid).filter(|(_, v)| **v).map(|(x, _)| x.clone()).collect();
    (ks, vs)
}

/// kyaml's `FieldMatcher` as list code uses it: with an empty `value`, any
/// element that has the field matches; with `name` empty, scalar elements
/// are compared by text.
fn field_match(elem: &Value, name: &str, value: &str) -> bool {
    if elem.is_null() {
        return false;
    }
    if name.is_empty() {
        return !elem.is_mapping() && !elem.is_sequence() && scalar_text(elem) == value;
    }
    let Some(m) = elem.as_mapping() else { return false };
    match lookup(m, name) {
        Some(f) => value.is_empty() || (!f.is_null() && scalar_text(f) == value),
        None => false,
    }
}

/// kyaml's `ElementMatcher` (`ElementList`): the first element whose key
/// fields have exactly these values.
fn element_list(list: &[Value], keys: &[String], values: &[String]) -> Option<usize> {
    let first = |v: &[String]| v.first().cloned().unwrap_or_default();
    if keys.is_empty() || keys[0].is_empty() {
        let want = first(values);
        return list.iter().position(|e| !e.is_mapping() && !e.is_sequence() && scalar_text(e) == want);
    }
    list.iter().position(|e| {
        let Some(m) = e.as_mapping() else { return false };
        keys.iter().enumerate().all(|(i, k)| {
            let want = values.get(i).cloned().unwrap_or_default();
            lookup(m, k).is_some_and(|f| if f.is_null() { want.is_empty() } else { scalar_text(f) == want })
        })
    })
}

/// kyaml's `ElementSetter`: drops null and empty-map elements, then removes
/// (no `element`) or replaces the elements matching `keys`/`values`,
/// appending `element` when nothing matched.
fn element_setter(list: &mut Vec<Value>, element: Option<Value>, keys: &[String], values: &[String]) {
    let empty_key = [String::new()];
    let keys = if keys.is_empty() { &empty_key[..] } else { keys };
    let mapping_setter = !keys[0].is_empty() && values.first().is_some_and(|v| !v.is_empty());
    let mut out = Vec::with_capacity(list.len() + 1);
    let mut matched = false;
    for x in list.drain(..) {
        if x.is_null() || x.as_mapping().is_some_and(Mapping::is_empty) {
            continue;
        }
        if !x.is_mapping() && mapping_setter {
            out.push(x);
            continue;
        }
        let mut val = false;
        let mut found = true;
        for (j, k) in keys.iter().enumerate() {
            if let Some(v) = values.get(j) {
                val = field_match(&x, k, v);
            }
            if !val {
                found = false;
                break;
            }
        }
        if !found {
            if !values.is_empty() {
                out.push(x);
            }
            continue;
        }
        matched = true;
        if let Some(e) = &element {
            out.push(e.clone());
        }
    }
    *list = out;
    if let Some(e) = element
        && !e.is_null()
        && !matched
    {
        list.push(e);
    }
}

/// kyaml's `appendListNode(dst, src, keys)`.
fn append_list_node(mut dst: Vec<Value>, src: Vec<Value>, keys: &[String]) -> Vec<Value> {
    for elem in src {
        if keys.is_empty() || keys[0].is_empty() {
            let v = scalar_text(&elem);
            element_setter(&mut dst, Some(elem), &[String::new()], &[v]);
            continue;
        }
        let mut v = Vec::new();
        for k in keys {
            match elem.as_mapping().and_then(|m| lookup(m, k)) {
                Some(f) => v.push(scalar_text(f)),
                None => dst.push(elem.clone()),
            }
        }
        if keys.len() > 1 {
            element_setter(&mut dst, None, keys, &v);
        }
        element_setter(&mut dst, Some(elem), keys, &v);
    }
    dst
}

fn merge_keyed(
    mut dest: Vec<Value>,
    origin: &[Value],
    elem_sch: Option<Node>,
    keys: &[String],
    path: &mut Vec<String>,
) -> Result<Vec<Value>, PatchError> {
    let mut list: Vec<Vec<String>> = Vec::new();
    for e in origin.iter().chain(dest.iter()) {
        let t = tuple(e, keys);
        if !list.contains(&t) {
            list.push(t);
        }
    }
    if keys.len() > 1 {
        merge_values(&mut list);
    }
    let mut items: Vec<Value> = Vec::new();
    let mut last_keys = keys.to_vec();
    for values in list.clone() {
        let (vk, vv) = valid_keys(&list, &values, keys);
        last_keys = vk.clone();
        // Elements are looked up by the keys this tuple has values for.
        let (mk, mv) = valid_keys(std::slice::from_ref(&vv), &vv, &vk);
        let d_idx = element_list(&dest, &mk, &mv);
        let o_el = element_list(origin, &mk, &mv).map(|i| &origin[i]);
        let d_el = d_idx.map(|i| dest[i].clone());
        path.push(format!("[{}]", vv.join(",")));
        let r = walk(d_el, o_el, elem_sch, path)?;
        path.pop();
        let mut val = match r {
            Out::Keep(v) if !v.is_null() && v.as_mapping().is_none_or(|m| !m.is_empty()) => v,
            _ => {
                element_setter(&mut dest, None, &vk, &vv);
                continue;
            }
        };
        if let Some(m) = val.as_mapping_mut() {
            for (k, v) in vk.iter().zip(&vv) {
                if !v.is_empty() && lookup(m, k).is_none() {
                    let parsed = serde_norway::from_str::<Value>(v).unwrap_or_else(|_| Value::String(v.clone()));
                    m.insert(Value::String(k.clone()), parsed);
                }
            }
        }
        // In kyaml the merged element is the destination node itself.
        if let Some(i) = d_idx {
            dest[i] = val.clone();
        }
        element_setter(&mut items, Some(val), &vk, &vv);
    }
    Ok(append_list_node(items, dest, &last_keys))
}
