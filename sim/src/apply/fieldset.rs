//! Sets of field paths, the unit of field ownership: built from an object,
//! combined with set algebra, and encoded in the apiserver's `FieldsV1` JSON
//! (`{"f:spec":{"f:replicas":{}}}`, `k:{"name":"x"}` for list items, `.` for a
//! node that is itself a member).

use super::schema::{ListKind, item_key, item_matches, list_kind};
use crate::resources::Schema;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldSet {
    /// This path itself is owned (a leaf, or a list item as a whole).
    pub member: bool,
    pub children: BTreeMap<String, FieldSet>,
}

impl FieldSet {
    pub fn is_empty(&self) -> bool {
        !self.member && self.children.is_empty()
    }

    /// The fields `obj` sets, under the list semantics of `schema`.
    pub fn from_value(obj: &Value, schema: Schema) -> FieldSet {
        let mut out = FieldSet::default();
        if let Value::Object(m) = obj {
            walk_object(m, schema, &mut out);
        }
        out
    }

    pub fn union_with(&mut self, other: &FieldSet) {
        self.member |= other.member;
        for (k, v) in &other.children {
            self.children.entry(k.clone()).or_default().union_with(v);
        }
    }

    pub fn difference(&self, other: &FieldSet) -> FieldSet {
        let mut out = FieldSet { member: self.member && !other.member, children: BTreeMap::new() };
        for (k, v) in &self.children {
            let d = match other.children.get(k) {
                Some(o) => v.difference(o),
                None => v.clone(),
            };
            if !d.is_empty() {
                out.children.insert(k.clone(), d);
            }
        }
        out
    }

    pub fn intersection(&self, other: &FieldSet) -> FieldSet {
        let mut out = FieldSet { member: self.member && other.member, children: BTreeMap::new() };
        for (k, v) in &self.children {
            if let Some(o) = other.children.get(k) {
                let i = v.intersection(o);
                if !i.is_empty() {
                    out.children.insert(k.clone(), i);
                }
            }
        }
        out
    }

    /// Whether any path at or below `path` is in the set.
    pub fn touches(&self, path: &[String]) -> bool {
        match path.split_first() {
            None => !self.is_empty(),
            Some((first, rest)) => self.children.get(first).is_some_and(|c| c.touches(rest)),
        }
    }

    /// Every member path, depth first.
    pub fn members(&self) -> Vec<Vec<String>> {
        let mut out = Vec::new();
        let mut path = Vec::new();
        self.collect(&mut path, &mut out);
        out
    }

    fn collect(&self, path: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
        if self.member {
            out.push(path.clone());
        }
        for (k, v) in &self.children {
            path.push(k.clone());
            v.collect(path, out);
            path.pop();
        }
    }

    pub fn to_fields_v1(&self) -> Value {
        let mut m = Map::new();
        if self.member && !self.children.is_empty() {
            m.insert(".".into(), Value::Object(Map::new()));
        }
        for (k, v) in &self.children {
            m.insert(k.clone(), v.to_fields_v1());
        }
        Value::Object(m)
    }

    pub fn from_fields_v1(v: &Value) -> FieldSet {
        let mut out = FieldSet::default();
        if let Value::Object(m) = v {
            for (k, child) in m {
                if k == "." {
                    out.member = true;
                    continue;
                }
                let mut c = FieldSet::from_fields_v1(child);
                if c.children.is_empty() {
                    c.member = true;
                }
                out.children.insert(k.clone(), c);
            }
        }
        out
    }
}

fn walk_object(m: &Map<String, Value>, schema: Schema, out: &mut FieldSet) {
    for (k, child) in m {
        if child.is_null() {
            continue;
        }
        let key = format!("f:{k}");
        let node = match child {
            Value::Object(cm) if !cm.is_empty() => {
                let mut s = FieldSet::default();
                walk_object(cm, schema, &mut s);
                s
            }
            Value::Array(items) if !items.is_empty() => list_set(k, items, schema),
            _ => FieldSet { member: true, children: BTreeMap::new() },
        };
        out.children.insert(key, node);
    }
}

fn list_set(field: &str, items: &[Value], schema: Schema) -> FieldSet {
    let leaf = FieldSet { member: true, children: BTreeMap::new() };
    match list_kind(schema, field, items) {
        ListKind::Atomic => leaf,
        ListKind::Set => {
            let mut s = FieldSet::default();
            for i in items {
                s.children.insert(format!("v:{i}"), leaf.clone());
            }
            s
        }
        ListKind::Map(keys) => {
            let mut s = FieldSet::default();
            for item in items {
                let (Some(k), Value::Object(im)) = (item_key(item, keys), item) else {
                    return leaf;
                };
                let mut is = FieldSet { member: true, children: BTreeMap::new() };
                walk_object(im, schema, &mut is);
                s.children.insert(k, is);
            }
            s
        }
    }
}

/// The value at one path element below `v`.
pub fn child<'a>(v: &'a Value, elem: &str) -> Option<&'a Value> {
    if let Some(f) = elem.strip_prefix("f:") {
        return v.get(f);
    }
    let items = v.as_array()?;
    if let Some(k) = elem.strip_prefix("k:") {
        let key: Map<String, Value> = serde_json::from_str(k).ok()?;
        return items.iter().find(|i| item_matches(i, &key));
    }
    if let Some(val) = elem.strip_prefix("v:") {
        let want: Value = serde_json::from_str(val).ok()?;
        return items.iter().find(|i| **i == want);
    }
    let idx: usize = elem.strip_prefix("i:")?.parse().ok()?;
    items.get(idx)
}

pub fn child_mut<'a>(v: &'a mut Value, elem: &str) -> Option<&'a mut Value> {
    if let Some(f) = elem.strip_prefix("f:") {
        return v.get_mut(f);
    }
    let items = v.as_array_mut()?;
    if let Some(k) = elem.strip_prefix("k:") {
        let key: Map<String, Value> = serde_json::from_str(k).ok()?;
        return items.iter_mut().find(|i| item_matches(i, &key));
    }
    if let Some(val) = elem.strip_prefix("v:") {
        let want: Value = serde_json::from_str(val).ok()?;
        return items.iter_mut().find(|i| **i == want);
    }
    let idx: usize = elem.strip_prefix("i:")?.parse().ok()?;
    items.get_mut(idx)
}

/// Removes the value at `elem` directly below `v`.
pub fn remove_child(v: &mut Value, elem: &str) {
    if let Some(f) = elem.strip_prefix("f:") {
        if let Some(m) = v.as_object_mut() {
            m.remove(f);
        }
        return;
    }
    let Some(items) = v.as_array_mut() else { return };
    if let Some(k) = elem.strip_prefix("k:") {
        if let Ok(key) = serde_json::from_str::<Map<String, Value>>(k) {
            items.retain(|i| !item_matches(i, &key));
        }
    } else if let Some(val) = elem.strip_prefix("v:")
        && let Ok(want) = serde_json::from_str::<Value>(val)
    {
        items.retain(|i| *i != want);
    }
}

/// The paths of `scope` whose value differs between `old` and `new`: leaves
/// whose values changed, and list items that appeared or disappeared.
pub fn changed_within(old: Option<&Value>, new: Option<&Value>, scope: &FieldSet) -> FieldSet {
    let mut out = FieldSet::default();
    if scope.member {
        out.member = if scope.children.is_empty() { old != new } else { old.is_none() != new.is_none() };
    }
    for (elem, sub) in &scope.children {
        let o = old.and_then(|v| child(v, elem));
        let n = new.and_then(|v| child(v, elem));
        let c = changed_within(o, n, sub);
        if !c.is_empty() {
            out.children.insert(elem.clone(), c);
        }
    }
    out
}

/// `.spec.containers[name="web"].image`: how conflict messages name a path.
pub fn path_string(path: &[String]) -> String {
    let mut s = String::new();
    for elem in path {
        if let Some(f) = elem.strip_prefix("f:") {
            s.push('.');
            s.push_str(f);
        } else if let Some(k) = elem.strip_prefix("k:") {
            let key: Map<String, Value> = serde_json::from_str(k).unwrap_or_default();
            let parts: Vec<String> = key.iter().map(|(k, v)| format!("{k}={v}")).collect();
            s.push_str(&format!("[{}]", parts.join(",")));
        } else if let Some(v) = elem.strip_prefix("v:") {
            s.push_str(&format!("[={v}]"));
        } else if let Some(i) = elem.strip_prefix("i:") {
            s.push_str(&format!("[{i}]"));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn fields_v1_round_trip() {
        let obj = json!({"metadata": {"labels": {"app": "x"}, "finalizers": ["a"]},
            "spec": {"replicas": 2, "template": {"spec": {"containers": [{"name": "web", "image": "nginx"}]}}}});
        let set = FieldSet::from_value(&obj, Schema::Builtin);
        let enc = set.to_fields_v1();
        assert_eq!(
            enc,
            json!({"f:metadata": {"f:finalizers": {"v:\"a\"": {}}, "f:labels": {"f:app": {}}},
                "f:spec": {"f:replicas": {}, "f:template": {"f:spec": {"f:containers": {
                    "k:{\"name\":\"web\"}": {".": {}, "f:image": {}, "f:name": {}}}}}}})
        );
        assert_eq!(FieldSet::from_fields_v1(&enc), set);
    }

    #[test]
    fn changed_detects_leaf_and_items() {
        let old = json!({"spec": {"replicas": 1, "c": [{"name": "a"}]}});
        let new = json!({"spec": {"replicas": 2, "c": [{"name": "a"}]}});
        let scope = FieldSet::from_value(&new, Schema::Builtin);
        let ch = changed_within(Some(&old), Some(&new), &scope);
        assert_eq!(ch.members(), vec![vec!["f:spec".to_string(), "f:replicas".to_string()]]);
        assert_eq!(path_string(&ch.members()[0]), ".spec.replicas");
    }

    fn arb_set() -> impl Strategy<Value = FieldSet> {
        let leaf = any::<bool>().prop_map(|m| FieldSet { member: m, children: BTreeMap::new() });
        leaf.prop_recursive(3, 16, 3, |inner| {
            (any::<bool>(), prop::collection::btree_map("f:[a-c]", inner, 0..3))
                .prop_map(|(member, children)| FieldSet { member, children })
        })
    }

    fn norm(s: &FieldSet) -> FieldSet {
        s.difference(&FieldSet::default())
    }

    proptest! {
        #[test]
        fn set_algebra_laws(a in arb_set(), b in arb_set()) {
            let a = norm(&a);
            let b = norm(&b);
            let mut u = a.clone();
            u.union_with(&b);
            // (a ∪ b) − b ⊆ a and is disjoint from b.
            let d = u.difference(&b);
            prop_assert!(d.intersection(&b).is_empty());
            prop_assert_eq!(d.difference(&a), FieldSet::default());
            // a ∩ b ⊆ a
            prop_assert!(a.intersection(&b).difference(&a).is_empty());
        }
    }
}
