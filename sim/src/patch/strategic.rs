//! Strategic merge patch for built-in kinds: like a merge patch, but lists
//! with a `patchMergeKey` (containers, env, volumes, ports, ...) merge item by
//! item, and the `$patch`, `$retainKeys`, `$setElementOrder/…` and
//! `$deleteFromPrimitiveList/…` directives that kubectl edit/patch emit work.

use serde_json::{Map, Value};

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum StrategicError {
    #[error("strategic merge patch must be a JSON object")]
    NotAnObject,
    #[error("invalid $patch directive {0:?}")]
    BadDirective(String),
}

/// The merge key of a list field, or None for lists that are replaced.
fn merge_key(field: &str, items: &[Value]) -> Option<&'static str> {
    match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "volumes"
        | "env"
        | "imagePullSecrets"
        | "volumeClaimTemplates"
        | "containerStatuses" => Some("name"),
        "volumeMounts" => Some("mountPath"),
        "volumeDevices" => Some("devicePath"),
        "conditions" => Some("type"),
        "ownerReferences" => Some("uid"),
        "hostAliases" => Some("ip"),
        "topologySpreadConstraints" => Some("topologyKey"),
        "ports" => {
            if items.iter().any(|i| i.get("containerPort").is_some()) {
                Some("containerPort")
            } else if items.iter().any(|i| i.get("port").is_some()) {
                Some("port")
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Lists of scalars the apiserver merges as sets.
fn is_primitive_merge(field: &str) -> bool {
    field == "finalizers"
}

pub fn strategic_merge(target: &mut Value, patch: &Value) -> Result<(), StrategicError> {
    let Value::Object(p) = patch else {
        return Err(StrategicError::NotAnObject);
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    if let Value::Object(t) = target {
        merge_map(t, p)?;
    }
    Ok(())
}

/// Drops `$` directives from a value that is inserted as is.
fn stripped(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter().filter(|(k, _)| !k.starts_with('$')).map(|(k, v)| (k.clone(), stripped(v))).collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(stripped).collect()),
        v => v.clone(),
    }
}

fn directive(m: &Map<String, Value>) -> Result<Option<&str>, StrategicError> {
    match m.get("$patch") {
        None => Ok(None),
        Some(Value::String(s)) if matches!(s.as_str(), "replace" | "delete" | "merge") => Ok(Some(s)),
        Some(other) => Err(StrategicError::BadDirective(other.to_string())),
    }
}

fn merge_map(t: &mut Map<String, Value>, p: &Map<String, Value>) -> Result<(), StrategicError> {
    if directive(p)? == Some("replace") {
        *t = match stripped(&Value::Object(p.clone())) {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        return Ok(());
    }
    for (k, v) in p {
        if k.starts_with('$') {
            continue;
        }
        if v.is_null() {
            t.remove(k);
            continue;
        }
        if let Value::Object(pm) = v
            && directive(pm)? == Some("delete")
        {
            t.remove(k);
            continue;
        }
        match (t.get_mut(k), v) {
            (Some(Value::Object(tm)), Value::Object(pm)) => merge_map(tm, pm)?,
            (Some(Value::Array(ta)), Value::Array(pa)) => merge_list(k, ta, pa)?,
            (_, v) => {
                t.insert(k.clone(), stripped(v));
            }
        }
    }
    for (k, v) in p {
        if let Some(field) = k.strip_prefix("$deleteFromPrimitiveList/")
            && let (Some(Value::Array(ta)), Value::Array(del)) = (t.get_mut(field), v)
        {
            ta.retain(|x| !del.contains(x));
        }
        if let Some(field) = k.strip_prefix("$setElementOrder/")
            && let (Some(Value::Array(ta)), Value::Array(order)) = (t.get_mut(field), v)
        {
            reorder(field, ta, order);
        }
    }
    if let Some(Value::Array(keep)) = p.get("$retainKeys") {
        t.retain(|k, _| keep.iter().any(|x| x.as_str() == Some(k)));
    }
    Ok(())
}

fn merge_list(field: &str, t: &mut Vec<Value>, p: &[Value]) -> Result<(), StrategicError> {
    let replace = p.iter().any(|i| i.get("$patch").and_then(Value::as_str) == Some("replace"));
    if replace {
        *t = p.iter().filter(|i| i.get("$patch").is_none()).map(stripped).collect();
        return Ok(());
    }
    if let Some(key) = merge_key(field, p).or_else(|| merge_key(field, t)) {
        for item in p {
            let Value::Object(pm) = item else {
                t.push(item.clone());
                continue;
            };
            let id = pm.get(key);
            let pos = id.and_then(|id| t.iter().position(|x| x.get(key) == Some(id)));
            if directive(pm)? == Some("delete") {
                if let Some(id) = id {
                    t.retain(|x| x.get(key) != Some(id));
                }
                continue;
            }
            match pos {
                Some(i) => {
                    if let Value::Object(tm) = &mut t[i] {
                        merge_map(tm, pm)?;
                    }
                }
                None => t.push(stripped(item)),
            }
        }
        return Ok(());
    }
    if is_primitive_merge(field) {
        for item in p {
            if !t.contains(item) {
                t.push(item.clone());
            }
        }
        return Ok(());
    }
    *t = p.iter().map(stripped).collect();
    Ok(())
}

/// `$setElementOrder`: listed items first, in the given order.
fn reorder(field: &str, t: &mut Vec<Value>, order: &[Value]) {
    let key = merge_key(field, order).or_else(|| merge_key(field, t));
    let id_of = |v: &Value| -> Value {
        match key {
            Some(k) => v.get(k).cloned().unwrap_or(Value::Null),
            None => v.clone(),
        }
    };
    let mut rest: Vec<Value> = std::mem::take(t);
    for o in order {
        let want = id_of(o);
        if let Some(i) = rest.iter().position(|x| id_of(x) == want) {
            t.push(rest.remove(i));
        }
    }
    t.extend(rest);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn smp(mut t: Value, p: Value) -> Value {
        strategic_merge(&mut t, &p).unwrap();
        t
    }

    #[test]
    fn containers_merge_by_name() {
        let t = json!({"spec": {"containers": [{"name": "a", "image": "x"}, {"name": "b", "image": "y"}]}});
        let out = smp(t, json!({"spec": {"containers": [{"name": "b", "image": "z"}]}}));
        assert_eq!(out, json!({"spec": {"containers": [{"name": "a", "image": "x"}, {"name": "b", "image": "z"}]}}));
    }

    #[test]
    fn directives() {
        let t = json!({"c": [{"name": "a"}, {"name": "b"}], "env": [{"name": "x", "value": "1"}],
            "finalizers": ["f1", "f2"], "m": {"k": 1, "j": 2}, "s": {"type": "A", "a": {}}});
        let out = smp(
            t,
            json!({
                "c": [{"$patch": "replace"}, {"name": "z"}],
                "env": [{"name": "x", "$patch": "delete"}],
                "$deleteFromPrimitiveList/finalizers": ["f1"],
                "m": {"$patch": "replace", "q": 3},
                "s": {"$retainKeys": ["type"], "type": "B"}
            }),
        );
        assert_eq!(
            out,
            json!({"c": [{"name": "z"}], "env": [], "finalizers": ["f2"], "m": {"q": 3}, "s": {"type": "B"}})
        );
    }

    #[test]
    fn set_element_order_and_ports() {
        let t = json!({"ports": [{"containerPort": 80}, {"containerPort": 443}]});
        let out = smp(
            t,
            json!({"$setElementOrder/ports": [{"containerPort": 443}, {"containerPort": 80}],
            "ports": [{"containerPort": 443, "name": "https"}]}),
        );
        assert_eq!(out, json!({"ports": [{"containerPort": 443, "name": "https"}, {"containerPort": 80}]}));
    }

    #[test]
    fn bad_patches() {
        assert_eq!(strategic_merge(&mut json!({}), &json!([1])), Err(StrategicError::NotAnObject));
        assert!(strategic_merge(&mut json!({}), &json!({"a": {"$patch": 5}})).is_err());
    }
}
