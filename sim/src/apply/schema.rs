//! How lists merge: the `x-kubernetes-list-type`/`patchMergeKey` knowledge the
//! real apiserver takes from its OpenAPI schema, reduced to a table keyed by
//! field name. Built-in kinds use the table; custom resources (no structural
//! list annotations here) treat lists as atomic, as the deduced schema does.

use crate::resources::Schema;
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKind {
    /// Replaced as a whole; owned as one leaf.
    Atomic,
    /// A set of scalars (`finalizers`), owned per value (`v:"x"`).
    Set,
    /// An associative list keyed by these fields (`k:{"name":"x"}`).
    Map(&'static [&'static str]),
}

const NAME: &[&str] = &["name"];
const CONTAINER_PORT: &[&str] = &["containerPort", "protocol"];
const SERVICE_PORT: &[&str] = &["port", "protocol"];

/// The list kind of field `field` whose items are `items`.
pub fn list_kind(schema: Schema, field: &str, items: &[Value]) -> ListKind {
    match field {
        "finalizers" => return ListKind::Set,
        "ownerReferences" => return ListKind::Map(&["uid"]),
        _ => {}
    }
    if schema == Schema::Custom {
        return ListKind::Atomic;
    }
    match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "volumes"
        | "env"
        | "imagePullSecrets"
        | "volumeClaimTemplates"
        | "containerStatuses"
        | "initContainerStatuses"
        | "resourceClaims" => ListKind::Map(NAME),
        "volumeMounts" => ListKind::Map(&["mountPath"]),
        "volumeDevices" => ListKind::Map(&["devicePath"]),
        "conditions" => ListKind::Map(&["type"]),
        "hostAliases" => ListKind::Map(&["ip"]),
        "topologySpreadConstraints" => ListKind::Map(&["topologyKey", "whenUnsatisfiable"]),
        "ports" => {
            if items.iter().any(|i| i.get("containerPort").is_some()) {
                ListKind::Map(CONTAINER_PORT)
            } else if items.iter().all(|i| i.get("port").is_some()) && !items.is_empty() {
                ListKind::Map(SERVICE_PORT)
            } else {
                ListKind::Atomic
            }
        }
        _ => ListKind::Atomic,
    }
}

/// Values the apiserver defaults into key fields, so an applied item without
/// them still matches the stored one.
pub fn key_default(field: &str) -> Option<Value> {
    match field {
        "protocol" => Some(Value::String("TCP".into())),
        _ => None,
    }
}

/// The `k:{...}` path element of `item`, or None if it lacks a required key.
pub fn item_key(item: &Value, keys: &[&str]) -> Option<String> {
    let mut parts = Vec::with_capacity(keys.len());
    for k in keys {
        let v = match item.get(*k) {
            Some(v) if !v.is_null() => v.clone(),
            _ => key_default(k)?,
        };
        // Key fields are listed in sorted order in the tables above, matching
        // the apiserver's canonical encoding.
        parts.push(format!("{}:{}", Value::String((*k).to_string()), v));
    }
    Some(format!("k:{{{}}}", parts.join(",")))
}

/// Whether `item` matches the parsed key object of a `k:` path element.
pub fn item_matches(item: &Value, key: &serde_json::Map<String, Value>) -> bool {
    key.iter().all(|(k, want)| match item.get(k) {
        Some(v) if !v.is_null() => v == want,
        _ => key_default(k).as_ref() == Some(want),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ports_are_keyed_with_default_protocol() {
        let items = vec![json!({"containerPort": 80})];
        let ListKind::Map(keys) = list_kind(Schema::Builtin, "ports", &items) else {
            panic!("ports must be associative");
        };
        assert_eq!(item_key(&items[0], keys).unwrap(), r#"k:{"containerPort":80,"protocol":"TCP"}"#);
        let key = json!({"containerPort": 80, "protocol": "TCP"});
        assert!(item_matches(&items[0], key.as_object().unwrap()));
    }

    #[test]
    fn custom_lists_are_atomic() {
        assert_eq!(list_kind(Schema::Custom, "containers", &[]), ListKind::Atomic);
        assert_eq!(list_kind(Schema::Custom, "finalizers", &[]), ListKind::Set);
    }
}
