//! Minimal OpenAPI v3 documents: one per group-version, listing each
//! resource's paths with their `x-kubernetes-group-version-kind` and the
//! `fieldValidation`/`dryRun`/`fieldManager` query parameters. kubectl reads
//! them to learn that the server validates fields itself, so it sends
//! `fieldValidation=Strict` instead of downloading schemas. No schemas are
//! served (`kubectl explain` is not supported).

use crate::resources::ResourceType;
use serde_json::{Map, Value, json};
use std::sync::Arc;

fn gv_path(group: &str, version: &str) -> String {
    if group.is_empty() { format!("api/{version}") } else { format!("apis/{group}/{version}") }
}

/// `/openapi/v3`: where each group-version's document lives.
pub fn root(types: &[Arc<ResourceType>], generation: u64) -> Value {
    let mut paths = Map::new();
    for t in types {
        let p = gv_path(&t.group, &t.version);
        paths
            .entry(p.clone())
            .or_insert_with(|| json!({"serverRelativeURL": format!("/openapi/v3/{p}?hash={generation:016X}")}));
    }
    json!({"paths": paths})
}

fn operation(t: &ResourceType, verb: &str) -> Value {
    let params: Vec<Value> = ["fieldValidation", "dryRun", "fieldManager", "force"]
        .iter()
        .map(|n| json!({"name": n, "in": "query", "schema": {"type": "string", "uniqueItems": true}}))
        .collect();
    json!({
        "operationId": format!("{verb}{}", t.kind),
        "parameters": params,
        "responses": {"200": {"description": "OK"}},
        "x-kubernetes-action": verb,
        "x-kubernetes-group-version-kind": {"group": t.group, "version": t.version, "kind": t.kind},
    })
}

/// `/openapi/v3/apis/{group}/{version}` (or `api/v1`).
pub fn group_version(types: &[Arc<ResourceType>], gv: &str) -> Option<Value> {
    let mut paths = Map::new();
    for t in types.iter().filter(|t| gv_path(&t.group, &t.version) == gv) {
        let ns = if t.namespaced { "namespaces/{namespace}/" } else { "" };
        let base = format!("/{gv}/{ns}{}", t.plural);
        paths.insert(base.clone(), json!({"get": operation(t, "list"), "post": operation(t, "post")}));
        paths.insert(
            format!("{base}/{{name}}"),
            json!({"get": operation(t, "get"), "put": operation(t, "put"), "patch": operation(t, "patch"), "delete": operation(t, "delete")}),
        );
    }
    if paths.is_empty() {
        return None;
    }
    Some(json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1.32.0"},
        "paths": paths,
        "components": {"schemas": {}},
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::BUILTIN_TYPES;

    #[test]
    fn docs_list_patch_with_field_validation() {
        let r = root(&BUILTIN_TYPES, 1);
        assert!(
            r["paths"]["apis/apps/v1"]["serverRelativeURL"]
                .as_str()
                .unwrap()
                .starts_with("/openapi/v3/apis/apps/v1?hash=")
        );
        let d = group_version(&BUILTIN_TYPES, "apis/apps/v1").unwrap();
        let patch = &d["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"];
        assert_eq!(patch["x-kubernetes-group-version-kind"]["kind"], "Deployment");
        assert!(patch["parameters"].as_array().unwrap().iter().any(|p| p["name"] == "fieldValidation"));
        assert!(group_version(&BUILTIN_TYPES, "apis/nope/v1").is_none());
    }
}
