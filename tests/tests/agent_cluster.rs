//! The agent's kube-rs client against convoy-sim, through a kubeconfig the
//! simulator writes: the same path the agent takes to a real cluster.

use convoy_agent::cluster::{Cluster, FIELD_MANAGER};
use convoy_agent::engine::health::assess;
use convoy_agent::engine::inventory::Propagation;
use convoy_protocol::status::HealthState;
use convoy_sim::{SimConfig, Simulator};
use serde_json::json;
use std::time::Duration;

async fn sim() -> (Simulator, tempfile::TempDir, Cluster) {
    let mut config = SimConfig::new(1);
    config.listen = "127.0.0.1:0".parse().unwrap();
    let sim = Simulator::start(config).await.expect("simulator");
    let dir = tempfile::tempdir().unwrap();
    let files = sim.write_kubeconfigs(dir.path()).unwrap();
    let cluster = Cluster::from_kubeconfig(&files[0]).await.expect("kubeconfig");
    (sim, dir, cluster)
}

fn deployment(image: &str) -> serde_json::Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "default"},
           "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                    "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "app", "image": image}]}}}})
}

#[tokio::test]
async fn apply_dry_run_get_and_delete_through_a_kubeconfig() {
    let (sim, _dir, cluster) = sim().await;
    let kind = cluster.kind("apps/v1", "Deployment").await.unwrap();
    assert!(kind.namespaced);

    let dry = cluster.apply(&kind, "default", &deployment("web:1"), true).await.unwrap();
    assert_eq!(dry["spec"]["replicas"], 2);
    assert!(cluster.get(&kind, "default", "web").await.unwrap().is_none(), "a dry run stores nothing");

    let applied = cluster.apply(&kind, "default", &deployment("web:1"), false).await.unwrap();
    let managers: Vec<&str> = applied["metadata"]["managedFields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["manager"].as_str().unwrap())
        .collect();
    assert!(managers.contains(&FIELD_MANAGER), "{managers:?}");

    // The simulated controllers make it healthy, and the agent sees it so.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let live = cluster.get(&kind, "default", "web").await.unwrap().unwrap();
        if assess(&live).map(|h| h.state) == Some(HealthState::Healthy) {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "never healthy: {:?}", assess(&live));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    cluster.delete(&kind, "default", "web", Propagation::Foreground).await.unwrap();
    cluster.delete(&kind, "default", "web", Propagation::Foreground).await.expect("deleting twice is fine");
    sim.stop().await.unwrap();
}

#[tokio::test]
async fn a_broken_image_is_degraded_and_a_crd_becomes_usable_in_the_same_run() {
    let (sim, _dir, cluster) = sim().await;
    let kind = cluster.kind("apps/v1", "Deployment").await.unwrap();
    let mut broken = deployment("web:broken");
    broken["spec"]["progressDeadlineSeconds"] = json!(1);
    cluster.apply(&kind, "default", &broken, false).await.unwrap();

    let crd_kind = cluster.kind("apiextensions.k8s.io/v1", "CustomResourceDefinition").await.unwrap();
    let crd = json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced",
                 "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
                 "versions": [{"name": "v1", "served": true, "storage": true, "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}]}});
    cluster.apply(&crd_kind, "", &crd, false).await.unwrap();
    // Discovery is refreshed on the miss, so the new kind resolves.
    let widget = cluster.kind("example.com/v1", "Widget").await.expect("new kind found");
    let w = json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w1", "namespace": "default"}, "spec": {"size": 3}});
    cluster.apply(&widget, "default", &w, false).await.unwrap();
    assert!(cluster.kind("example.com/v1", "Gadget").await.is_err());

    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let live = cluster.get(&kind, "default", "web").await.unwrap().unwrap();
        let health = assess(&live).unwrap();
        if health.state == HealthState::Degraded {
            assert!(health.message.contains("exceeded its progress deadline"), "{}", health.message);
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "never degraded: {health:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    sim.stop().await.unwrap();
}
