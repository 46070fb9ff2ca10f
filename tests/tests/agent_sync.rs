//! The agent engine against convoy-sim, through the kubeconfig path: sync
//! order (CRDs, waves, hooks), updates, health, drift and self-heal,
//! `ignoreDifferences`. Prune, app deletion, restarts and outages are in
//! `agent_lifecycle.rs`.

mod agent;

use agent::*;
use convoy_agent::sync::enforcer::{EnforcerStatus, OperationState};
use convoy_protocol::bundle::{IgnoreDifference, SyncPolicy};
use convoy_protocol::status::{HealthState, SyncState};
use serde_json::{Value, json};
use std::time::Duration;
use tokio::time::Instant;

fn job(ns: &str, name: &str, annotations: Value) -> Value {
    json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name, "namespace": ns, "annotations": annotations},
           "spec": {"backoffLimit": 0, "template": {"spec": {"restartPolicy": "Never",
                    "containers": [{"name": "run", "image": "busybox:1.36"}]}}}})
}

/// The app finished a sync of `revision` and is Synced and Healthy.
fn converged(s: &EnforcerStatus, app: &str, revision: &str) -> bool {
    s.operations.get(app) == Some(&OperationState::Succeeded)
        && s.report.apps.iter().any(|a| {
            a.name == app && a.revision == revision && a.sync == SyncState::Synced && a.health == HealthState::Healthy
        })
}

fn available(obj: &Option<Value>) -> bool {
    obj.as_ref().is_some_and(|d| {
        let want = d.pointer("/spec/replicas").and_then(Value::as_i64).unwrap_or(1);
        d.pointer("/status/availableReplicas").and_then(Value::as_i64).unwrap_or(0) >= want
            && d.pointer("/status/observedGeneration") == d.pointer("/metadata/generation")
    })
}

fn job_complete(obj: &Option<Value>) -> bool {
    obj.as_ref()
        .and_then(|j| j.pointer("/status/conditions"))
        .and_then(Value::as_array)
        .is_some_and(|c| c.iter().any(|c| c["type"] == "Complete" && c["status"] == "True"))
}

fn reverted_events(s: &EnforcerStatus, app: &str) -> usize {
    s.report.events.iter().filter(|e| e.app == app && e.reason == "DriftReverted").count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bundle_is_applied_healthy_and_drift_is_reverted() {
    let f = Fixture::start().await;
    let mut agent = f.enforcer().await;
    agent.send(bundle(
        "cluster-0",
        1,
        vec![app(
            "web",
            "web",
            with_namespace(auto_heal()),
            &[deployment("web", "web", "nginx:1.27"), configmap("web", "cfg")],
        )],
    ));
    let s = agent.settled(Duration::from_secs(30)).await;
    let web = app_of(&s, "web");
    assert_eq!((web.sync, web.health), (SyncState::Synced, HealthState::Healthy), "{web:#?}");

    f.kubectl(&["scale", "deployment/web", "-n", "web", "--replicas=5"]);
    let healed = agent
        .until("drift reverted", Duration::from_secs(5), |s| {
            s.report.events.iter().any(|e| e.reason == "DriftReverted")
        })
        .await;
    let ev = healed.report.events.iter().find(|e| e.reason == "DriftReverted").unwrap();
    assert!(ev.message.contains("/spec/replicas"), "{ev:?}");
    let replicas = f.kubectl(&["get", "deployment/web", "-n", "web", "-o", "jsonpath={.spec.replicas}"]);
    assert_eq!(replicas, "2");
}

/// Two apps: one brings a CRD and custom resources of it (in two waves),
/// the other PreSync/PostSync hooks and three waves, each waiting for the
/// previous one's Deployment to be available (pods take 1.5 s to be ready).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crds_waves_and_hooks_are_applied_in_argo_order() {
    let f = Fixture::start().await;
    let cluster = f.sim.cluster_names()[0].clone();
    f.sim.set_ready_delay(&cluster, Duration::from_millis(1500)).unwrap();
    let crd = json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced",
                 "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList"},
                 "versions": [{"name": "v1", "served": true, "storage": true,
                               "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}]}});
    let widget = |name: &str| json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": name, "namespace": "shop"}, "spec": {"size": 3}});
    // Listed in an order the engine must not follow: custom resources before their CRD.
    let platform =
        app("platform", "shop", with_namespace(auto_heal()), &[wave(widget("w2"), 2), widget("w1"), crd.clone()]);
    let mut db = wave(deployment("shop", "db", "postgres:16"), 0);
    db["spec"]["replicas"] = json!(1);
    let shop = app(
        "shop",
        "shop",
        with_namespace(auto_heal()),
        &[
            job("shop", "smoke", json!({"argocd.argoproj.io/hook": "PostSync"})),
            wave(deployment("shop", "web", "nginx:1.27"), 1),
            wave(
                json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "shop"},
                        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}}),
                1,
            ),
            db,
            wave(configmap("shop", "settings"), -1),
            job(
                "shop",
                "migrate",
                json!({"argocd.argoproj.io/hook": "PreSync", "argocd.argoproj.io/hook-delete-policy": "HookSucceeded"}),
            ),
        ],
    );
    let mut agent = f.enforcer().await;
    agent.send(bundle("cluster-0", 1, vec![platform, shop]));

    // Watch the cluster while the sync runs.
    let started = Instant::now();
    let (mut saw_db_waiting, mut checked_settings, mut checked_web, mut checked_smoke) = (false, false, false, false);
    while !(checked_settings && checked_web && checked_smoke) {
        assert!(started.elapsed() < Duration::from_secs(60), "the sync did not get through its waves in 60 s");
        let settings = f.get("v1", "ConfigMap", "shop", "settings").await;
        let migrate = f.get("batch/v1", "Job", "shop", "migrate").await;
        let db = f.get("apps/v1", "Deployment", "shop", "db").await;
        let web = f.get("apps/v1", "Deployment", "shop", "web").await;
        let smoke = f.get("batch/v1", "Job", "shop", "smoke").await;
        if settings.is_some() && !checked_settings {
            assert!(job_complete(&migrate), "wave -1 was applied before the PreSync hook completed: {migrate:#?}");
            checked_settings = true;
        }
        if settings.is_none() {
            assert!(db.is_none() && web.is_none(), "a later wave came before wave -1");
        }
        if db.is_some() && web.is_none() && !available(&db) {
            saw_db_waiting = true;
        }
        if web.is_some() && !checked_web {
            assert!(available(&db), "wave 1 was applied while wave 0's Deployment was not available: {db:#?}");
            checked_web = true;
        }
        if smoke.is_some() && !checked_smoke {
            assert!(available(&web), "the PostSync hook ran before the Sync phase was healthy: {web:#?}");
            checked_smoke = true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(saw_db_waiting, "wave 1 never waited for wave 0 (db was never seen unavailable without web)");

    let s = agent.settled(Duration::from_secs(60)).await;
    for name in ["platform", "shop"] {
        let a = app_of(&s, name);
        assert_eq!((a.sync, a.health), (SyncState::Synced, HealthState::Healthy), "{a:#?}");
        assert_eq!(s.operations[name], OperationState::Succeeded);
    }
    assert_eq!(app_of(&s, "platform").resources.len(), 3, "the CRD and both widgets are the app's resources");
    assert_eq!(app_of(&s, "shop").resources.len(), 4, "hooks are not resources of the app");
    assert_eq!(f.names("example.com/v1", "Widget", "shop").await, ["w1".to_string(), "w2".to_string()].into());
    // The PreSync hook is deleted once it succeeded; the PostSync hook ran to completion and stays.
    eventually("the PreSync hook deleted", Duration::from_secs(10), || async {
        f.get("batch/v1", "Job", "shop", "migrate").await.is_none()
    })
    .await;
    let smoke = f.get("batch/v1", "Job", "shop", "smoke").await;
    assert!(job_complete(&smoke), "the sync succeeded before its PostSync hook completed: {smoke:#?}");
    let tracking = f.kubectl(&[
        "get",
        "configmap/settings",
        "-n",
        "shop",
        "-o",
        "jsonpath={.metadata.annotations.convoy\\.dev/tracking-id}",
    ]);
    assert_eq!(tracking, "shop:/ConfigMap:shop/settings");
}

/// A new bundle generation with a changed image rolls the Deployment to a
/// new ReplicaSet and the app comes back Healthy on the new revision.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_image_update_rolls_out_and_becomes_healthy() {
    let f = Fixture::start().await;
    let mut agent = f.enforcer().await;
    let web = |rev: &str, image: &str| {
        let mut a = app("web", "web", with_namespace(auto_heal()), &[deployment("web", "web", image)]);
        a.revision = rev.into();
        a
    };
    agent.send(bundle("cluster-0", 1, vec![web("rev1", "nginx:1.27")]));
    agent.until("rev1 healthy", Duration::from_secs(30), |s| converged(s, "web", "rev1")).await;
    let before = f.names("apps/v1", "ReplicaSet", "web").await;
    assert_eq!(before.len(), 1);

    agent.send(bundle("cluster-0", 2, vec![web("rev2", "nginx:1.28")]));
    agent.until("rev2 healthy", Duration::from_secs(30), |s| converged(s, "web", "rev2")).await;
    let live = f.get("apps/v1", "Deployment", "web", "web").await.unwrap();
    assert_eq!(live.pointer("/spec/template/spec/containers/0/image"), Some(&json!("nginx:1.28")));
    assert_eq!(live.pointer("/status/updatedReplicas"), Some(&json!(2)), "{live:#?}");
    assert_eq!(live.pointer("/status/availableReplicas"), Some(&json!(2)), "{live:#?}");
    let sets = f.list("apps/v1", "ReplicaSet", "web").await;
    assert_eq!(sets.len(), 2, "one ReplicaSet per template");
    for rs in &sets {
        let old = before.contains(rs["metadata"]["name"].as_str().unwrap());
        let replicas = rs.pointer("/spec/replicas").and_then(Value::as_i64).unwrap();
        assert_eq!(replicas, if old { 0 } else { 2 }, "old ReplicaSet scaled down, new one up: {rs:#?}");
    }
}

/// A `broken` image never becomes available: Degraded with Argo CD's
/// message once the progress deadline passes; in an earlier wave it fails
/// the sync and the later wave is never applied.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_image_is_degraded_with_its_message() {
    let f = Fixture::start().await;
    let mut agent = f.enforcer().await;
    let mut bad = deployment("bad", "bad", "nginx:broken");
    bad["spec"]["progressDeadlineSeconds"] = json!(2);
    let mut gate = wave(deployment("gated", "gate", "nginx:broken"), 0);
    gate["spec"]["progressDeadlineSeconds"] = json!(2);
    agent.send(bundle(
        "cluster-0",
        1,
        vec![
            app("bad", "bad", with_namespace(auto_heal()), &[bad]),
            app("gated", "gated", with_namespace(auto_heal()), &[gate, wave(configmap("gated", "after"), 1)]),
        ],
    ));
    let s = agent
        .until("both apps degraded", Duration::from_secs(30), |s| {
            EnforcerStatus::settled(s)
                && s.report.apps.iter().filter(|a| a.health == HealthState::Degraded).count() == 2
        })
        .await;
    let bad = app_of(&s, "bad");
    assert_eq!(s.operations["bad"], OperationState::Succeeded, "one wave: applied, then assessed");
    assert!(bad.message.contains("exceeded its progress deadline"), "{bad:#?}");
    let res = &bad.resources[0];
    assert_eq!((res.kind.as_str(), res.health), ("Deployment", HealthState::Degraded));
    assert_eq!(res.message, "Deployment \"bad\" exceeded its progress deadline");

    let gated = app_of(&s, "gated");
    assert_eq!(s.operations["gated"], OperationState::Failed, "no retry policy: the failed sync is not retried");
    assert!(
        gated.message.contains("Deployment.apps/gated/gate is Degraded") && gated.message.contains("progress deadline"),
        "{gated:#?}"
    );
    let after = f.get("v1", "ConfigMap", "gated", "after").await;
    assert!(after.is_none(), "wave 1 applied after a degraded wave 0: {after:#?} {:#?}", s.report.events);
    assert!(s.report.events.iter().any(|e| e.app == "gated" && e.reason == "SyncFailed"));
}

/// `kubectl patch` drift is reverted within 5 s with selfHeal on; with it
/// off the app is OutOfSync naming the differing field, and nothing moves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patched_drift_is_reverted_or_reported() {
    let f = Fixture::start().await;
    let mut agent = f.enforcer().await;
    let manual = SyncPolicy { automated: true, prune: true, self_heal: false, ..Default::default() };
    agent.send(bundle(
        "cluster-0",
        1,
        vec![
            app(
                "healed",
                "healed",
                with_namespace(auto_heal()),
                &[deployment("healed", "web", "nginx:1.27"), configmap("healed", "cfg")],
            ),
            app("manual", "manual", with_namespace(manual), &[configmap("manual", "cfg")]),
        ],
    ));
    let s = agent.settled(Duration::from_secs(30)).await;
    for name in ["healed", "manual"] {
        assert_eq!(app_of(&s, name).sync, SyncState::Synced, "{s:#?}");
    }

    let start = Instant::now();
    f.kubectl(&["patch", "configmap/cfg", "-n", "healed", "--type=merge", "-p", r#"{"data":{"k":"evil"}}"#]);
    let s = agent.until("cm drift reverted", Duration::from_secs(5), |s| reverted_events(s, "healed") >= 1).await;
    let ev = s.report.events.iter().find(|e| e.reason == "DriftReverted").unwrap();
    assert!(ev.message.contains("/data/k"), "{ev:?}");
    assert_eq!(ev.resource.as_deref(), Some("ConfigMap/healed/cfg"));
    assert!(ev.message.contains("by kubectl"), "the event names who changed it: {ev:?}");
    assert_eq!(f.kubectl(&["get", "configmap/cfg", "-n", "healed", "-o", "jsonpath={.data.k}"]), "v");
    assert!(start.elapsed() < Duration::from_secs(5));

    let start = Instant::now();
    f.kubectl(&[
        "patch",
        "deployment/web",
        "-n",
        "healed",
        "--type=json",
        "-p",
        r#"[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"nginx:evil"}]"#,
    ]);
    let s = agent.until("image drift reverted", Duration::from_secs(5), |s| reverted_events(s, "healed") >= 2).await;
    let ev = s.report.events.iter().rfind(|e| e.reason == "DriftReverted").unwrap();
    assert!(ev.message.contains("/spec/template/spec/containers/0/image"), "{ev:?}");
    let image = f.kubectl(&[
        "get",
        "deployment/web",
        "-n",
        "healed",
        "-o",
        "jsonpath={.spec.template.spec.containers[0].image}",
    ]);
    assert_eq!(image, "nginx:1.27");
    assert!(start.elapsed() < Duration::from_secs(5));

    // Deleted: re-created.
    let start = Instant::now();
    f.kubectl(&["delete", "configmap/cfg", "-n", "healed", "--wait=false"]);
    let s = agent.until("deletion reverted", Duration::from_secs(5), |s| reverted_events(s, "healed") >= 3).await;
    let ev = s.report.events.iter().rfind(|e| e.reason == "DriftReverted").unwrap();
    assert!(ev.message.contains("was deleted"), "{ev:?}");
    assert_eq!(f.kubectl(&["get", "configmap/cfg", "-n", "healed", "-o", "jsonpath={.data.k}"]), "v");
    assert!(start.elapsed() < Duration::from_secs(5));

    f.kubectl(&["patch", "configmap/cfg", "-n", "manual", "--type=merge", "-p", r#"{"data":{"k":"evil"}}"#]);
    let s = agent
        .until("manual app out of sync", Duration::from_secs(5), |s| {
            s.report.apps.iter().any(|a| a.name == "manual" && a.sync == SyncState::OutOfSync)
        })
        .await;
    let manual = app_of(&s, "manual");
    let cfg = &manual.resources[0];
    assert_eq!((cfg.name.as_str(), cfg.sync), ("cfg", SyncState::OutOfSync));
    assert!(cfg.message.contains("/data/k"), "{cfg:#?}");
    assert!(manual.message.contains("/data/k"), "{manual:#?}");
    // Longer than self-heal would take: nothing is reverted.
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert_eq!(f.kubectl(&["get", "configmap/cfg", "-n", "manual", "-o", "jsonpath={.data.k}"]), "evil");
    let s = agent.status.borrow().clone();
    assert_eq!(reverted_events(&s, "manual"), 0, "{:#?}", s.report.events);
    assert_eq!(app_of(&s, "manual").sync, SyncState::OutOfSync);
}

/// Replicas owned by someone else (an HPA) are not drift when
/// `ignoreDifferences` says so, by JSON pointer or by field manager.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_owned_by_another_manager_are_ignored() {
    let f = Fixture::start().await;
    let mut agent = f.enforcer().await;
    let mut pointer = app("api", "hpa", with_namespace(auto_heal()), &[deployment("hpa", "api", "nginx:1.27")]);
    pointer.ignore_differences = vec![IgnoreDifference {
        group: "apps".into(),
        kind: "Deployment".into(),
        json_pointers: vec!["/spec/replicas".into()],
        ..Default::default()
    }];
    let mut managers = app("worker", "hpa", with_namespace(auto_heal()), &[deployment("hpa", "worker", "nginx:1.27")]);
    managers.ignore_differences = vec![IgnoreDifference {
        group: "apps".into(),
        kind: "Deployment".into(),
        name: "worker".into(),
        managed_fields_managers: vec!["hpa-controller".into()],
        ..Default::default()
    }];
    agent.send(bundle("cluster-0", 1, vec![pointer, managers]));
    agent.settled(Duration::from_secs(30)).await;

    f.kubectl(&["scale", "deployment/api", "-n", "hpa", "--replicas=4"]);
    let scale = f.dir.path().join("scale.json");
    std::fs::write(
        &scale,
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "worker", "namespace": "hpa"},
               "spec": {"replicas": 5}})
        .to_string(),
    )
    .unwrap();
    f.kubectl(&[
        "apply",
        "--server-side",
        "--field-manager=hpa-controller",
        "--force-conflicts",
        "-f",
        scale.to_str().unwrap(),
    ]);
    // Longer than the 5 s self-heal bound: neither is reverted.
    tokio::time::sleep(Duration::from_secs(6)).await;
    let replicas =
        |name: &str| f.kubectl(&["get", &format!("deployment/{name}"), "-n", "hpa", "-o", "jsonpath={.spec.replicas}"]);
    assert_eq!(replicas("api"), "4");
    assert_eq!(replicas("worker"), "5");
    let s = agent
        .until("scaled and healthy", Duration::from_secs(30), |s| {
            s.report.apps.iter().all(|a| a.health == HealthState::Healthy)
        })
        .await;
    assert!(s.report.events.iter().all(|e| e.reason != "DriftReverted"), "{:#?}", s.report.events);
    for name in ["api", "worker"] {
        let a = app_of(&s, name);
        assert_eq!(a.sync, SyncState::Synced, "{a:#?}");
    }
    let live = f.get("apps/v1", "Deployment", "hpa", "api").await.unwrap();
    assert_eq!(live.pointer("/status/availableReplicas"), Some(&json!(4)));
}
