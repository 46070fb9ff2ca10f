//! Drift: does the live object differ from what applying the bundle would
//! make of it?
//!
//! The agent asks the API server for a server-side dry-run apply (so
//! defaulting, admission and other managers' fields are accounted for by
//! the server) and compares that result with the live object. Before
//! comparing, both sides drop bookkeeping fields and everything the app's
//! `ignoreDifferences` names: JSON pointers, jq paths (`.a.b`, `.a[]`,
//! `.a[0]`, `.a[] | select(.name == "x")`), and the fields owned by
//! listed managers according to the live object's `managedFields`.

use serde_json::Value;

/// One `ignoreDifferences` entry that applies to an object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ignore {
    pub json_pointers: Vec<String>,
    pub jq_paths: Vec<String>,
    pub managers: Vec<String>,
}

/// Whether an `ignoreDifferences` entry (Argo CD's shape) applies to `obj`.
pub fn ignore_applies(rule: &convoy_protocol::bundle::IgnoreDifference, obj: &Value) -> bool {
    let api = obj["apiVersion"].as_str().unwrap_or_default();
    let group = api.rsplit_once('/').map_or("", |(g, _)| g);
    let field = |p: &str| obj.pointer(p).and_then(Value::as_str).unwrap_or_default();
    (rule.group == group || rule.group == "*")
        && (rule.kind == field("/kind") || rule.kind == "*")
        && (rule.name.is_empty() || rule.name == field("/metadata/name"))
        && (rule.namespace.is_empty() || rule.namespace == field("/metadata/namespace"))
}

/// JSON pointers (RFC 6901) where `live` and `desired` differ, after
/// normalising both.
pub fn drift(live: &Value, desired: &Value, ignore: &Ignore) -> Vec<String> {
    let mut a = live.clone();
    let mut b = desired.clone();
    for manager in &ignore.managers {
        for fields in owned_fields(live, manager) {
            remove_fields(&mut a, &fields);
            remove_fields(&mut b, &fields);
        }
    }
    for v in [&mut a, &mut b] {
        normalise(v);
        for p in &ignore.json_pointers {
            remove_pointer(v, p);
        }
        for q in &ignore.jq_paths {
            remove_jq(v, q);
        }
    }
    let mut out = Vec::new();
    compare(&a, &b, String::new(), &mut out);
    out
}

/// Drops what the API server maintains and no manifest sets.
fn normalise(v: &mut Value) {
    if let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        for k in ["managedFields", "resourceVersion", "generation", "uid", "creationTimestamp", "selfLink"] {
            meta.remove(k);
        }
        if meta.get("annotations").and_then(Value::as_object).is_some_and(|a| a.is_empty()) {
            meta.remove("annotations");
        }
    }
    if let Some(o) = v.as_object_mut() {
        o.remove("status");
    }
}

fn compare(a: &Value, b: &Value, path: String, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let p = format!("{path}/{}", k.replace('~', "~0").replace('/', "~1"));
                match (x.get(k), y.get(k)) {
                    (Some(va), Some(vb)) => compare(va, vb, p, out),
                    _ => out.push(p),
                }
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (va, vb)) in x.iter().zip(y).enumerate() {
                compare(va, vb, format!("{path}/{i}"), out);
            }
        }
        (x, y) if x == y => {}
        _ => out.push(if path.is_empty() { "/".into() } else { path }),
    }
}

fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// `RespectIgnoreDifferences=true`: the fields the app ignores take their
/// live values in what is applied, so a sync does not undo what another
/// controller (an HPA scaling replicas) owns. Only JSON pointers are
/// carried over, as Argo CD does.
pub fn respect_ignored(desired: &mut Value, live: &Value, ignore: &Ignore) {
    for pointer in &ignore.json_pointers {
        let (Some(value), Some((parent, last))) = (live.pointer(pointer), pointer.rsplit_once('/')) else { continue };
        let key = last.replace("~1", "/").replace("~0", "~");
        if let Some(obj) = desired.pointer_mut(parent).and_then(Value::as_object_mut) {
            obj.insert(key, value.clone());
        }
    }
}

/// Removes the value at an RFC 6901 pointer, if present.
pub fn remove_pointer(v: &mut Value, pointer: &str) {
    let Some(rest) = pointer.strip_prefix('/') else { return };
    let tokens: Vec<String> = rest.split('/').map(unescape).collect();
    let Some((last, parents)) = tokens.split_last() else { return };
    let mut cur = v;
    for t in parents {
        cur = match cur {
            Value::Object(m) => match m.get_mut(t) {
                Some(x) => x,
                None => return,
            },
            Value::Array(a) => match t.parse::<usize>().ok().and_then(|i| a.get_mut(i)) {
                Some(x) => x,
                None => return,
            },
            _ => return,
        };
    }
    match cur {
        Value::Object(m) => {
            m.remove(last);
        }
        Value::Array(a) => {
            if let Ok(i) = last.parse::<usize>()
                && i < a.len()
            {
                a.remove(i);
            }
        }
        _ => {}
    }
}

/// A jq path step.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
    Each,
    Select(String, Value),
}

/// Parses the jq subset; `None` for anything else (which is then ignored
/// as a whole rather than guessed at).
fn parse_jq(expr: &str) -> Option<Vec<Step>> {
    let mut steps = Vec::new();
    for part in expr.split('|').map(str::trim) {
        if let Some(cond) = part.strip_prefix("select(").and_then(|s| s.strip_suffix(')')) {
            let (lhs, rhs) = cond.split_once("==")?;
            let key = lhs.trim().strip_prefix('.')?.to_string();
            let value: Value = serde_json::from_str(rhs.trim()).ok()?;
            steps.push(Step::Select(key, value));
            continue;
        }
        let mut rest = part.strip_prefix('.')?;
        while !rest.is_empty() {
            if let Some(r) = rest.strip_prefix("[]") {
                steps.push(Step::Each);
                rest = r.strip_prefix('.').unwrap_or(r);
            } else if let Some(r) = rest.strip_prefix('[') {
                let (idx, r) = r.split_once(']')?;
                steps.push(Step::Index(idx.parse().ok()?));
                rest = r.strip_prefix('.').unwrap_or(r);
            } else {
                let end = rest.find(['.', '[']).unwrap_or(rest.len());
                steps.push(Step::Key(rest[..end].trim_matches('"').to_string()));
                rest = rest[end..].strip_prefix('.').unwrap_or(&rest[end..]);
            }
        }
    }
    Some(steps)
}

/// Removes what a jq path selects.
pub fn remove_jq(v: &mut Value, expr: &str) {
    if let Some(steps) = parse_jq(expr) {
        remove_steps(v, &steps);
    }
}

fn remove_steps(v: &mut Value, steps: &[Step]) {
    let Some((first, rest)) = steps.split_first() else { return };
    if rest.is_empty() {
        match (first, v) {
            (Step::Key(k), Value::Object(m)) => {
                m.remove(k);
            }
            (Step::Index(i), Value::Array(a)) if *i < a.len() => {
                a.remove(*i);
            }
            (Step::Each, Value::Array(a)) => a.clear(),
            (Step::Select(k, want), Value::Array(a)) => a.retain(|x| x.get(k) != Some(want)),
            _ => {}
        }
        return;
    }
    match (first, v) {
        (Step::Key(k), Value::Object(m)) => {
            if let Some(x) = m.get_mut(k) {
                remove_steps(x, rest);
            }
        }
        (Step::Index(i), Value::Array(a)) => {
            if let Some(x) = a.get_mut(*i) {
                remove_steps(x, rest);
            }
        }
        (Step::Each, Value::Array(a)) => {
            // `.a[] | select(...)` filters the elements themselves.
            if let Some(Step::Select(k, want)) = rest.first() {
                for x in a.iter_mut().filter(|x| x.get(k) == Some(want)) {
                    remove_steps(x, &rest[1..]);
                }
                if rest.len() == 1 {
                    a.retain(|x| x.get(k) != Some(want));
                }
            } else {
                for x in a.iter_mut() {
                    remove_steps(x, rest);
                }
            }
        }
        _ => {}
    }
}

/// The `fieldsV1` trees a manager owns in `obj`'s managedFields.
fn owned_fields(obj: &Value, manager: &str) -> Vec<Value> {
    obj.pointer("/metadata/managedFields")
        .and_then(Value::as_array)
        .map(|entries| {
            entries.iter().filter(|e| e["manager"] == manager).filter_map(|e| e.get("fieldsV1").cloned()).collect()
        })
        .unwrap_or_default()
}

/// Removes from `v` every leaf field a `fieldsV1` tree names (`f:name` for
/// fields, `k:{...}` for list items by key, `v:...` for set values).
fn remove_fields(v: &mut Value, fields: &Value) {
    let Value::Object(tree) = fields else { return };
    for (key, sub) in tree {
        let leaf = sub.as_object().is_none_or(|m| m.is_empty() || (m.len() == 1 && m.contains_key(".")));
        if let Some(name) = key.strip_prefix("f:") {
            if let Value::Object(m) = v {
                if leaf {
                    m.remove(name);
                } else if let Some(child) = m.get_mut(name) {
                    remove_fields(child, sub);
                }
            }
        } else if let Some(spec) = key.strip_prefix("k:") {
            let Ok(Value::Object(want)) = serde_json::from_str::<Value>(spec) else { continue };
            if let Value::Array(items) = v {
                let matches = |item: &Value| want.iter().all(|(k, val)| item.get(k) == Some(val));
                if leaf {
                    items.retain(|i| !matches(i));
                } else {
                    for item in items.iter_mut().filter(|i| matches(i)) {
                        remove_fields(item, sub);
                    }
                }
            }
        } else if let Some(spec) = key.strip_prefix("v:")
            && let (Value::Array(items), Ok(want)) = (&mut *v, serde_json::from_str::<Value>(spec))
        {
            items.retain(|i| *i != want);
        }
    }
}

#[cfg(test)]
mod respect_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ignored_pointers_take_live_values() {
        let mut desired = json!({"spec": {"replicas": 2, "template": {"x": 1}}});
        let live = json!({"spec": {"replicas": 7, "template": {"x": 9}}});
        let ignore =
            Ignore { json_pointers: vec!["/spec/replicas".into(), "/spec/absent".into()], ..Default::default() };
        respect_ignored(&mut desired, &live, &ignore);
        assert_eq!(desired, json!({"spec": {"replicas": 7, "template": {"x": 1}}}));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deploy(replicas: i64, image: &str) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
               "metadata": {"name": "web", "namespace": "prod", "resourceVersion": "7", "generation": 3, "uid": "u"},
               "spec": {"replicas": replicas, "template": {"spec": {"containers": [{"name": "app", "image": image}, {"name": "sidecar", "image": "proxy:1"}]}}},
               "status": {"readyReplicas": replicas}})
    }

    #[test]
    fn identical_objects_do_not_drift_despite_bookkeeping() {
        let mut live = deploy(3, "web:1");
        live["metadata"]["resourceVersion"] = json!("99");
        live["status"] = json!({"readyReplicas": 0});
        assert!(drift(&live, &deploy(3, "web:1"), &Ignore::default()).is_empty());
    }

    #[test]
    fn changes_are_reported_as_pointers() {
        let d = drift(&deploy(5, "web:2"), &deploy(3, "web:1"), &Ignore::default());
        assert_eq!(d, ["/spec/replicas", "/spec/template/spec/containers/0/image"]);
    }

    #[test]
    fn json_pointers_and_jq_paths_are_ignored() {
        let ignore = Ignore { json_pointers: vec!["/spec/replicas".into()], ..Default::default() };
        assert!(drift(&deploy(5, "web:1"), &deploy(3, "web:1"), &ignore).is_empty(), "the seed's HPA-owned replicas");
        let ignore = Ignore {
            jq_paths: vec![".spec.template.spec.containers[] | select(.name == \"app\") | .image".into()],
            ..Default::default()
        };
        assert!(drift(&deploy(3, "web:9"), &deploy(3, "web:1"), &ignore).is_empty());
        let mut sidecar = deploy(3, "web:1");
        sidecar["spec"]["template"]["spec"]["containers"][1]["image"] = json!("proxy:2");
        assert_eq!(
            drift(&sidecar, &deploy(3, "web:1"), &ignore),
            ["/spec/template/spec/containers/1/image"],
            "other containers still count"
        );
        let ignore = Ignore { jq_paths: vec![".spec.replicas".into(), "not a path".into()], ..Default::default() };
        assert!(drift(&deploy(4, "web:1"), &deploy(3, "web:1"), &ignore).is_empty());
    }

    #[test]
    fn fields_owned_by_listed_managers_are_ignored() {
        let mut live = deploy(7, "web:1");
        live["metadata"]["managedFields"] = json!([
            {"manager": "kube-controller-manager", "operation": "Update", "fieldsV1": {"f:spec": {"f:replicas": {}}}},
            {"manager": "convoy-agent", "operation": "Apply", "fieldsV1": {"f:spec": {"f:template": {}}}}
        ]);
        let ignore = Ignore { managers: vec!["kube-controller-manager".into()], ..Default::default() };
        assert!(drift(&live, &deploy(3, "web:1"), &ignore).is_empty());
        assert_eq!(drift(&live, &deploy(3, "web:1"), &Ignore::default()), ["/spec/replicas"]);
    }

    #[test]
    fn list_items_by_key() {
        let mut live = deploy(3, "web:1");
        live["metadata"]["managedFields"] = json!([{"manager": "injector", "fieldsV1":
            {"f:spec": {"f:template": {"f:spec": {"f:containers": {"k:{\"name\":\"sidecar\"}": {".": {}, "f:image": {}}}}}}}}]);
        live["spec"]["template"]["spec"]["containers"][1]["image"] = json!("proxy:9");
        let ignore = Ignore { managers: vec!["injector".into()], ..Default::default() };
        assert!(drift(&live, &deploy(3, "web:1"), &ignore).is_empty());
    }

    #[test]
    fn rules_apply_by_group_kind_and_name() {
        let rule = convoy_protocol::bundle::IgnoreDifference {
            group: "apps".into(),
            kind: "Deployment".into(),
            ..Default::default()
        };
        assert!(ignore_applies(&rule, &deploy(1, "x")));
        let named = convoy_protocol::bundle::IgnoreDifference { name: "other".into(), ..rule.clone() };
        assert!(!ignore_applies(&named, &deploy(1, "x")));
    }
}
