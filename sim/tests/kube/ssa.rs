//! Server-side apply through kube-rs: managedFields, conflicts with other
//! managers, force, field removal, and dry-run.

use crate::{deployment, start};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, Patch, PatchParams};
use serde_json::json;

fn managers(d: &Deployment) -> Vec<(String, String)> {
    d.metadata
        .managed_fields
        .iter()
        .flatten()
        .map(|m| (m.manager.clone().unwrap_or_default(), m.operation.clone().unwrap_or_default()))
        .collect()
}

#[tokio::test]
async fn apply_conflict_force_and_ownership() {
    let env = start().await;
    let deps: Api<Deployment> = Api::namespaced(env.client.clone(), "default");
    let convoy = PatchParams::apply("convoy");
    let d = deps.patch("web", &convoy, &Patch::Apply(deployment("web", 2, "nginx:1.27"))).await.expect("apply creates");
    assert_eq!(managers(&d), vec![("convoy".to_string(), "Apply".to_string())]);
    let fields = serde_json::to_value(&d.metadata.managed_fields.as_ref().unwrap()[0].fields_v1).unwrap();
    assert!(
        fields["f:spec"]["f:template"]["f:spec"]["f:containers"]["k:{\"name\":\"main\"}"]["f:image"].is_object(),
        "{fields}"
    );

    // Another manager (kubectl edit) changes replicas: it takes the field.
    let edit = PatchParams { field_manager: Some("kubectl-edit".into()), ..Default::default() };
    let d = deps.patch("web", &edit, &Patch::Strategic(json!({"spec": {"replicas": 5}}))).await.expect("edit");
    assert_eq!(d.spec.as_ref().unwrap().replicas, Some(5));
    let m = managers(&d);
    assert!(m.contains(&("kubectl-edit".to_string(), "Update".to_string())), "{m:?}");
    let edit_fields =
        d.metadata.managed_fields.iter().flatten().find(|m| m.manager.as_deref() == Some("kubectl-edit")).unwrap();
    assert_eq!(serde_json::to_value(&edit_fields.fields_v1).unwrap(), json!({"f:spec": {"f:replicas": {}}}));

    // Re-applying the old value conflicts, naming the manager and the field.
    let err = deps.patch("web", &convoy, &Patch::Apply(deployment("web", 2, "nginx:1.27"))).await.unwrap_err();
    match &err {
        kube::Error::Api(e) => {
            assert_eq!((e.code, e.reason.as_str()), (409, "Conflict"));
            assert!(
                e.message.contains("conflict with \"kubectl-edit\"") && e.message.contains(".spec.replicas"),
                "{}",
                e.message
            );
        }
        other => panic!("{other:?}"),
    }
    // Force takes the field back; kubectl-edit loses it.
    let d = deps
        .patch("web", &convoy.clone().force(), &Patch::Apply(deployment("web", 2, "nginx:1.27")))
        .await
        .expect("force");
    assert_eq!(d.spec.as_ref().unwrap().replicas, Some(2));
    assert_eq!(managers(&d), vec![("convoy".to_string(), "Apply".to_string())]);
    env.sim.stop().await.unwrap();
}

#[tokio::test]
async fn removed_fields_are_pruned_and_shared_fields_kept() {
    let env = start().await;
    let cms: Api<ConfigMap> = Api::namespaced(env.client.clone(), "default");
    let cfg = |data: serde_json::Value| json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": data});
    cms.patch("c", &PatchParams::apply("a"), &Patch::Apply(cfg(json!({"x": "1", "y": "2"})))).await.unwrap();
    cms.patch("c", &PatchParams::apply("b"), &Patch::Apply(cfg(json!({"y": "2"})))).await.unwrap();
    let c = cms.patch("c", &PatchParams::apply("a"), &Patch::Apply(cfg(json!({})))).await.unwrap();
    let data = c.data.unwrap_or_default();
    assert_eq!(data.get("x"), None, "x only owned by a: removed");
    assert_eq!(data.get("y").map(String::as_str), Some("2"), "y co-owned by b: kept");
    env.sim.stop().await.unwrap();
}

#[tokio::test]
async fn dry_run_apply_stores_nothing_and_matches_live_when_unchanged() {
    let env = start().await;
    let deps: Api<Deployment> = Api::namespaced(env.client.clone(), "default");
    let convoy = PatchParams::apply("convoy").force();
    deps.patch("dry", &convoy, &Patch::Apply(deployment("dry", 1, "nginx:1.27"))).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let live = deps.get("dry").await.unwrap();

    let same =
        deps.patch("dry", &convoy.clone().dry_run(), &Patch::Apply(deployment("dry", 1, "nginx:1.27"))).await.unwrap();
    assert_eq!(serde_json::to_value(&same).unwrap(), serde_json::to_value(&live).unwrap(), "no-op dry-run equals live");

    let changed =
        deps.patch("dry", &convoy.clone().dry_run(), &Patch::Apply(deployment("dry", 4, "nginx:1.27"))).await.unwrap();
    assert_eq!(changed.spec.unwrap().replicas, Some(4));
    let after = deps.get("dry").await.unwrap();
    assert_eq!(after.spec.unwrap().replicas, Some(1));
    assert_eq!(after.metadata.resource_version, live.metadata.resource_version);

    // A dry-run create stores nothing either.
    deps.patch("ghost", &convoy.clone().dry_run(), &Patch::Apply(deployment("ghost", 1, "nginx:1"))).await.unwrap();
    assert!(deps.get_opt("ghost").await.unwrap().is_none());
    // A real no-op apply does not bump the resourceVersion.
    let again = deps.patch("dry", &convoy, &Patch::Apply(deployment("dry", 1, "nginx:1.27"))).await.unwrap();
    assert_eq!(again.metadata.resource_version, live.metadata.resource_version);
    env.sim.stop().await.unwrap();
}

#[tokio::test]
async fn apply_requires_field_manager_and_matching_name() {
    let env = start().await;
    let cms: Api<ConfigMap> = Api::namespaced(env.client.clone(), "default");
    let cfg = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "other"}});
    let err = cms.patch("c", &PatchParams::apply("m"), &Patch::Apply(cfg)).await.unwrap_err();
    assert!(matches!(&err, kube::Error::Api(e) if e.code == 400), "{err:?}");
    env.sim.stop().await.unwrap();
}
