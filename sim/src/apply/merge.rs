//! Value surgery for server-side apply: merging an applied configuration into
//! the live object (associative lists by key, sets by value, everything else
//! replaced) and removing the fields a manager stopped applying.

use super::fieldset::{FieldSet, child_mut, remove_child};
use super::schema::{ListKind, item_key, list_kind};
use crate::resources::Schema;
use serde_json::Value;

/// Merges `src` (an applied configuration) into `dst`.
pub fn merge_applied(dst: &mut Value, src: &Value, schema: Schema) {
    match (dst, src) {
        (Value::Object(d), Value::Object(s)) => {
            for (k, sv) in s {
                if sv.is_null() {
                    continue;
                }
                match d.get_mut(k) {
                    Some(dv) => merge_field(dv, sv, k, schema),
                    None => {
                        d.insert(k.clone(), sv.clone());
                    }
                }
            }
        }
        (dst, src) => *dst = src.clone(),
    }
}

fn merge_field(dv: &mut Value, sv: &Value, field: &str, schema: Schema) {
    match (dv, sv) {
        (Value::Array(d), Value::Array(s)) => match list_kind(schema, field, s) {
            ListKind::Atomic => *d = s.clone(),
            ListKind::Set => {
                for item in s {
                    if !d.contains(item) {
                        d.push(item.clone());
                    }
                }
            }
            ListKind::Map(keys) => {
                let mut merged = Vec::with_capacity(s.len().max(d.len()));
                // Items keep the applied order; live-only items (owned by
                // others) follow, as the apiserver's merge does.
                let mut used = vec![false; d.len()];
                for item in s {
                    let key = item_key(item, keys);
                    let pos = key.as_ref().and_then(|k| d.iter().position(|x| item_key(x, keys).as_ref() == Some(k)));
                    match pos {
                        Some(p) => {
                            used[p] = true;
                            let mut x = d[p].clone();
                            merge_applied(&mut x, item, schema);
                            merged.push(x);
                        }
                        None => merged.push(item.clone()),
                    }
                }
                for (i, x) in d.iter().enumerate() {
                    if !used[i] {
                        merged.push(x.clone());
                    }
                }
                *d = merged;
            }
        },
        (dv @ Value::Object(_), sv @ Value::Object(_)) => merge_applied(dv, sv, schema),
        (dv, sv) => *dv = sv.clone(),
    }
}

/// Removes every member path of `remove` from `obj`, unless `keep` still
/// owns something at or below it. Maps left empty by a removal are dropped.
pub fn remove_fields(obj: &mut Value, remove: &FieldSet, keep: &FieldSet) {
    for (elem, sub) in &remove.children {
        let keep_sub = keep.children.get(elem);
        if sub.member && keep_sub.is_none_or(FieldSet::is_empty) {
            remove_child(obj, elem);
            continue;
        }
        let empty = FieldSet::default();
        let Some(c) = child_mut(obj, elem) else { continue };
        remove_fields(c, sub, keep_sub.unwrap_or(&empty));
        let now_empty = matches!(c, Value::Object(m) if m.is_empty());
        if now_empty && elem.starts_with("f:") && keep_sub.is_none_or(FieldSet::is_empty) {
            remove_child(obj, elem);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merges_containers_by_name() {
        let mut live =
            json!({"spec": {"containers": [{"name": "a", "image": "x", "tty": true}, {"name": "b", "image": "y"}]}});
        let cfg = json!({"spec": {"containers": [{"name": "a", "image": "z"}]}});
        merge_applied(&mut live, &cfg, Schema::Builtin);
        assert_eq!(
            live,
            json!({"spec": {"containers": [{"name": "a", "image": "z", "tty": true}, {"name": "b", "image": "y"}]}})
        );
    }

    #[test]
    fn removes_unowned_fields_only() {
        let mut live = json!({"metadata": {"labels": {"a": "1", "b": "2"}}, "data": {"k": "v"}});
        let remove = FieldSet::from_value(&json!({"metadata": {"labels": {"a": "", "b": ""}}}), Schema::Builtin);
        let keep = FieldSet::from_value(&json!({"metadata": {"labels": {"b": ""}}}), Schema::Builtin);
        remove_fields(&mut live, &remove, &keep);
        assert_eq!(live, json!({"metadata": {"labels": {"b": "2"}}, "data": {"k": "v"}}));
        remove_fields(&mut live, &keep, &FieldSet::default());
        assert_eq!(live, json!({"data": {"k": "v"}}));
    }
}
