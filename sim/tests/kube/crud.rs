//! Discovery, create/get/list/update/delete, selectors, paging, optimistic
//! concurrency and cascading deletion through kube-rs.

use crate::{deployment, eventually, start};
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams, PropagationPolicy};
use kube::discovery::{Discovery, Scope};
use serde_json::json;

#[tokio::test]
async fn discovery_legacy_and_aggregated() {
    let env = start().await;
    let d = Discovery::new(env.client.clone()).run().await.expect("discovery");
    let (ar, caps) =
        d.resolve_gvk(&kube::api::GroupVersionKind::gvk("apps", "v1", "Deployment")).expect("deployments discovered");
    assert_eq!(ar.plural, "deployments");
    assert_eq!(caps.scope, Scope::Namespaced);
    assert!(
        caps.subresources.iter().any(|(s, _)| s.plural == "deployments/scale" || s.plural == "scale"),
        "{:?}",
        caps.subresources
    );
    let (_, caps) = d.resolve_gvk(&kube::api::GroupVersionKind::gvk("", "v1", "Namespace")).expect("namespaces");
    assert_eq!(caps.scope, Scope::Cluster);
    let agg = Discovery::new(env.client.clone()).run_aggregated().await.expect("aggregated discovery");
    assert!(
        agg.resolve_gvk(&kube::api::GroupVersionKind::gvk("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding"))
            .is_some()
    );
    let v = env.client.apiserver_version().await.expect("version");
    assert_eq!(v.major, "1");
    env.sim.stop().await.unwrap();
}

#[tokio::test]
async fn create_get_list_update_delete() {
    let env = start().await;
    let cms: Api<ConfigMap> = Api::namespaced(env.client.clone(), "default");
    for i in 0..5 {
        let cm: ConfigMap = serde_json::from_value(json!({
            "metadata": {"name": format!("cm-{i}"), "labels": {"idx": i.to_string(), "tier": if i % 2 == 0 { "even" } else { "odd" }}},
            "data": {"k": "v"}
        })).unwrap();
        cms.create(&PostParams::default(), &cm).await.expect("create");
    }
    let dup = cms.create(&PostParams::default(), &cms.get("cm-0").await.unwrap()).await.unwrap_err();
    assert!(matches!(&dup, kube::Error::Api(e) if e.code == 409 && e.reason == "AlreadyExists"), "{dup:?}");

    let got = cms.get("cm-1").await.expect("get");
    assert!(got.metadata.uid.is_some() && got.metadata.creation_timestamp.is_some());
    let evens = cms.list(&ListParams::default().labels("tier=even")).await.unwrap();
    assert_eq!(evens.items.len(), 3);
    let not_in = cms.list(&ListParams::default().labels("idx notin (0,1),tier")).await.unwrap();
    assert_eq!(not_in.items.len(), 3);
    let by_name = cms.list(&ListParams::default().fields("metadata.name=cm-3")).await.unwrap();
    assert_eq!(by_name.items.len(), 1);

    // limit/continue pages through everything exactly once.
    let mut seen = Vec::new();
    let mut lp = ListParams::default().limit(2);
    loop {
        let page = cms.list(&lp).await.unwrap();
        seen.extend(page.items.iter().filter_map(|c| c.metadata.name.clone()));
        match page.metadata.continue_ {
            Some(c) if !c.is_empty() => lp = lp.continue_token(&c),
            _ => break,
        }
    }
    assert_eq!(seen, vec!["cm-0", "cm-1", "cm-2", "cm-3", "cm-4"]);

    // Optimistic concurrency: a stale resourceVersion is a 409.
    let mut a = cms.get("cm-2").await.unwrap();
    let mut stale = a.clone();
    a.data = Some([("k".to_string(), "new".to_string())].into());
    let updated = cms.replace("cm-2", &PostParams::default(), &a).await.expect("replace");
    assert_ne!(updated.metadata.resource_version, stale.metadata.resource_version);
    stale.data = Some([("k".to_string(), "lost".to_string())].into());
    let err = cms.replace("cm-2", &PostParams::default(), &stale).await.unwrap_err();
    assert!(matches!(&err, kube::Error::Api(e) if e.code == 409 && e.reason == "Conflict"), "{err:?}");

    cms.delete("cm-0", &DeleteParams::default()).await.expect("delete");
    let err = cms.get("cm-0").await.unwrap_err();
    match err {
        kube::Error::Api(e) => {
            assert_eq!(e.code, 404);
            assert_eq!(e.message, "configmaps \"cm-0\" not found");
        }
        other => panic!("unexpected {other:?}"),
    }
    env.sim.stop().await.unwrap();
}

#[tokio::test]
async fn generation_bumps_on_spec_only() {
    let env = start().await;
    let deps: Api<Deployment> = Api::namespaced(env.client.clone(), "default");
    let pp = PatchParams::apply("convoy");
    let d = deps.patch("gen", &pp, &Patch::Apply(deployment("gen", 1, "nginx:1"))).await.unwrap();
    assert_eq!(d.metadata.generation, Some(1));
    let d = deps
        .patch("gen", &PatchParams::default(), &Patch::Merge(json!({"metadata": {"labels": {"x": "y"}}})))
        .await
        .unwrap();
    assert_eq!(d.metadata.generation, Some(1));
    let d = deps.patch("gen", &PatchParams::default(), &Patch::Merge(json!({"spec": {"replicas": 3}}))).await.unwrap();
    assert_eq!(d.metadata.generation, Some(2));
    env.sim.stop().await.unwrap();
}

async fn workload(env: &crate::Env, name: &str) -> (Api<Deployment>, Api<ReplicaSet>, Api<Pod>) {
    let deps: Api<Deployment> = Api::namespaced(env.client.clone(), "default");
    let rss: Api<ReplicaSet> = Api::namespaced(env.client.clone(), "default");
    let pods: Api<Pod> = Api::namespaced(env.client.clone(), "default");
    deps.patch(name, &PatchParams::apply("convoy"), &Patch::Apply(deployment(name, 2, "nginx:1.27"))).await.unwrap();
    let sel = format!("app={name}");
    eventually(5, || {
        let pods = pods.clone();
        let sel = sel.clone();
        async move { (pods.list(&ListParams::default().labels(&sel)).await.ok()?.items.len() == 2).then_some(()) }
    })
    .await;
    (deps, rss, pods)
}

#[tokio::test]
async fn delete_propagation_policies() {
    let env = start().await;
    for (name, policy, survives) in [
        ("bg", PropagationPolicy::Background, false),
        ("fg", PropagationPolicy::Foreground, false),
        ("orphan", PropagationPolicy::Orphan, true),
    ] {
        let (deps, rss, pods) = workload(&env, name).await;
        let dp = DeleteParams { propagation_policy: Some(policy), ..Default::default() };
        deps.delete(name, &dp).await.expect("delete");
        let sel = format!("app={name}");
        eventually(5, || {
            let deps = deps.clone();
            async move { deps.get_opt(name).await.ok()?.is_none().then_some(()) }
        })
        .await;
        let rs_left = rss.list(&ListParams::default().labels(&sel)).await.unwrap().items;
        let pods_left = pods.list(&ListParams::default().labels(&sel)).await.unwrap().items;
        if survives {
            assert_eq!(rs_left.len(), 1, "{name}: orphaned ReplicaSet stays");
            assert!(rs_left[0].metadata.owner_references.as_ref().is_none_or(Vec::is_empty));
            assert_eq!(pods_left.len(), 2);
        } else {
            assert!(rs_left.is_empty() && pods_left.is_empty(), "{name}: dependents gone");
        }
    }
    env.sim.stop().await.unwrap();
}
