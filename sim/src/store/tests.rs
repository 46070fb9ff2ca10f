//! Store operations without sockets or clocks: bookkeeping, concurrency,
//! dry-run, apply no-ops, patches and scale.

use super::*;
use crate::error::ApiError;
use serde_json::json;

fn setup() -> (ClusterState, WriteCtx) {
    (ClusterState::new("t", 3), WriteCtx::system("test", Now { ms: 1_800_000_000_000 }))
}

fn deployment(replicas: i64) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"a": "b"}},
            "template": {"metadata": {"labels": {"a": "b"}}, "spec": {"containers": [{"name": "c", "image": "i:1"}]}}}})
}

#[test]
fn fresh_cluster_has_default_namespaces() {
    let (s, _) = setup();
    let ns = s.lookup("", "v1", "namespaces").unwrap();
    for n in ["default", "kube-system"] {
        let o = s.get(&ns, "", n).unwrap();
        assert_eq!(o["status"]["phase"], "Active");
        assert_eq!(o["metadata"]["labels"]["kubernetes.io/metadata.name"], n);
    }
}

#[test]
fn resource_versions_are_monotonic_and_stale_updates_conflict() {
    let (mut s, ctx) = setup();
    let rt = s.lookup("", "v1", "configmaps").unwrap();
    let a = s.create(&rt, "default", json!({"metadata": {"name": "a"}, "data": {"k": "1"}}), &ctx).unwrap();
    let mut upd = (*a).clone();
    upd["data"]["k"] = json!("2");
    let b = s.update(&rt, "default", "a", upd.clone(), "", &ctx).unwrap();
    assert!(meta::rv_of(&b).parse::<u64>().unwrap() > meta::rv_of(&a).parse::<u64>().unwrap());
    let err = s.update(&rt, "default", "a", upd, "", &ctx).unwrap_err();
    assert!(matches!(err, ApiError::Conflict { .. }), "{err}");
    assert!(a.get("metadata").unwrap().get("generation").is_none(), "ConfigMaps have no generation");
}

#[test]
fn dry_run_and_noop_apply_leave_state_alone() {
    let (mut s, ctx) = setup();
    let rt = s.lookup("apps", "v1", "deployments").unwrap();
    let apply = |force| WriteCtx { manager: "m".into(), force, ..ctx.clone() };
    let live = s.patch(&rt, "default", "d", (PatchType::Apply, &deployment(2)), "", &apply(false)).unwrap();
    let rv = s.resource_version();
    let dry = WriteCtx { dry_run: true, ..apply(false) };
    let out = s.patch(&rt, "default", "d", (PatchType::Apply, &deployment(5)), "", &dry).unwrap();
    assert_eq!(out["spec"]["replicas"], 5);
    assert_eq!(s.resource_version(), rv);
    let same = s.patch(&rt, "default", "d", (PatchType::Apply, &deployment(2)), "", &apply(false)).unwrap();
    assert_eq!(same, live, "unchanged apply is a no-op");
    assert_eq!(s.resource_version(), rv);
    assert!(s.take_pending().len() == 1, "only the create was recorded");
}

#[test]
fn failed_patches_change_nothing() {
    let (mut s, ctx) = setup();
    let rt = s.lookup("apps", "v1", "deployments").unwrap();
    s.create(&rt, "default", deployment(1), &ctx).unwrap();
    let before = s.get(&rt, "default", "d").cloned().unwrap();
    let bad_json = json!([{"op": "replace", "path": "/spec/nope/x", "value": 1}]);
    assert!(s.patch(&rt, "default", "d", (PatchType::Json, &bad_json), "", &ctx).is_err());
    let invalid = json!({"spec": {"selector": {"matchLabels": {"a": "zzz"}}}});
    let err = s.patch(&rt, "default", "d", (PatchType::Merge, &invalid), "", &ctx).unwrap_err();
    assert_eq!(err.code(), 422);
    assert_eq!(s.get(&rt, "default", "d").cloned().unwrap(), before);
}

#[test]
fn scale_subresource_and_generation() {
    let (mut s, ctx) = setup();
    let rt = s.lookup("apps", "v1", "deployments").unwrap();
    s.create(&rt, "default", deployment(1), &ctx).unwrap();
    let scale = s.get_scale(&rt, "default", "d").unwrap();
    assert_eq!((scale["spec"]["replicas"].clone(), scale["status"]["selector"].clone()), (json!(1), json!("a=b")));
    let kctx = WriteCtx { manager: "kubectl".into(), ..ctx.clone() };
    s.patch(&rt, "default", "d", (PatchType::Merge, &json!({"spec": {"replicas": 4}})), "scale", &kctx).unwrap();
    let d = s.get(&rt, "default", "d").unwrap();
    assert_eq!(d["spec"]["replicas"], 4);
    assert_eq!(d["metadata"]["generation"], 2);
    let mf = d["metadata"]["managedFields"].as_array().unwrap();
    assert!(mf.iter().any(|m| m["manager"] == "kubectl" && m["subresource"] == "scale"), "{mf:?}");
}

#[test]
fn namespaced_and_cluster_scope_are_enforced() {
    let (mut s, ctx) = setup();
    let cm = s.lookup("", "v1", "configmaps").unwrap();
    assert!(matches!(s.create(&cm, "", json!({"metadata": {"name": "x"}}), &ctx), Err(ApiError::BadRequest(_))));
    assert!(matches!(
        s.create(&cm, "missing", json!({"metadata": {"name": "x"}}), &ctx),
        Err(ApiError::NotFound { .. })
    ));
    let cr = s.lookup("rbac.authorization.k8s.io", "v1", "clusterroles").unwrap();
    let made = s.create(&cr, "default", json!({"metadata": {"name": "r", "namespace": "default"}}), &ctx).unwrap();
    assert!(made["metadata"].get("namespace").is_none(), "cluster-scoped objects carry no namespace");
}
