//! The agent engine against convoy-sim over a resource's life: prune (and
//! what is never pruned), app deletion, an agent restart in the middle of a
//! sync, and an API server outage.

mod agent;

use agent::*;
use convoy_agent::sync::enforcer::{EnforcerStatus, OperationState};
use convoy_protocol::bundle::SyncPolicy;
use convoy_protocol::status::{HealthState, SyncState};
use convoy_sim::Faults;
use serde_json::{Value, json};
use std::time::Duration;

fn versioned(mut a: convoy_protocol::bundle::AppBundle, revision: &str) -> convoy_protocol::bundle::AppBundle {
    a.revision = revision.into();
    a
}

/// The app's sync of `revision` finished and nothing is progressing.
fn done(s: &EnforcerStatus, app: &str, revision: &str) -> bool {
    s.settled()
        && s.operations.get(app) == Some(&OperationState::Succeeded)
        && s.report.apps.iter().any(|a| a.name == app && a.revision == revision)
}

fn resource_version(obj: &Option<Value>) -> String {
    obj.as_ref().and_then(|o| o["metadata"]["resourceVersion"].as_str()).unwrap_or("absent").to_string()
}

/// Removed resources are pruned; `Prune=false` keeps one; objects the agent
/// did not create (a stranger, and a look-alike of a pruned resource that
/// kubectl re-created) are never touched; with prune off a removed
/// resource is kept and the app is OutOfSync until prune is back on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prune_removes_only_what_the_agent_made() {
    let f = Fixture::start().await;
    let mut agent = f.enforcer().await;
    // No self-heal, so the look-alike below can take a pruned resource's place.
    let policy = with_namespace(SyncPolicy { automated: true, prune: true, ..Default::default() });
    let mut keep = configmap("shop", "keep");
    keep["metadata"]["annotations"] = json!({"argocd.argoproj.io/sync-options": "Prune=false"});
    let secret = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "creds", "namespace": "shop"},
                        "stringData": {"password": "hunter2"}});
    let all = [configmap("shop", "a"), configmap("shop", "b"), configmap("shop", "c"), keep, secret.clone()];
    agent.send(bundle("cluster-0", 1, vec![versioned(app("shop", "shop", policy.clone(), &all), "rev1")]));
    let s = agent.until("rev1", Duration::from_secs(30), |s| done(s, "shop", "rev1")).await;
    assert_eq!(app_of(&s, "shop").sync, SyncState::Synced);

    let foreign = |name: &str| {
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "shop"},
               "data": {"owner": "someone-else"}})
    };
    f.create(&foreign("stranger"));
    f.kubectl(&["delete", "configmap", "c", "-n", "shop"]);
    f.create(&foreign("c"));
    let stranger = resource_version(&f.get("v1", "ConfigMap", "shop", "stranger").await);
    let look_alike = resource_version(&f.get("v1", "ConfigMap", "shop", "c").await);

    let rev2 = [configmap("shop", "a"), secret.clone()];
    agent.send(bundle("cluster-0", 2, vec![versioned(app("shop", "shop", policy.clone(), &rev2), "rev2")]));
    let s = agent.until("rev2", Duration::from_secs(30), |s| done(s, "shop", "rev2")).await;
    eventually("b pruned", Duration::from_secs(10), || async { f.get("v1", "ConfigMap", "shop", "b").await.is_none() })
        .await;
    assert!(f.get("v1", "ConfigMap", "shop", "keep").await.is_some(), "Prune=false resource deleted");
    assert!(f.get("v1", "ConfigMap", "shop", "a").await.is_some());
    assert_eq!(resource_version(&f.get("v1", "ConfigMap", "shop", "stranger").await), stranger, "stranger touched");
    assert_eq!(resource_version(&f.get("v1", "ConfigMap", "shop", "c").await), look_alike, "look-alike touched");
    // Kept by Prune=false, it still awaits pruning: OutOfSync, as Argo CD shows it.
    let shop = app_of(&s, "shop");
    assert_eq!((shop.sync, shop.health), (SyncState::OutOfSync, HealthState::Healthy), "{shop:#?}");
    assert_eq!(shop.message, "1 resource(s) require pruning, e.g. ConfigMap/shop/keep", "{shop:#?}");
    assert_eq!(shop.resources.len(), 2);

    // Prune off: `a` leaves the bundle but stays, and the app says so.
    let no_prune = SyncPolicy { prune: false, ..policy.clone() };
    let rev3 = [secret.clone()];
    agent.send(bundle("cluster-0", 3, vec![versioned(app("shop", "shop", no_prune, &rev3), "rev3")]));
    let s = agent.until("rev3", Duration::from_secs(30), |s| done(s, "shop", "rev3")).await;
    let shop = app_of(&s, "shop");
    assert_eq!(shop.sync, SyncState::OutOfSync, "{shop:#?}");
    assert_eq!(shop.message, "2 resource(s) require pruning, e.g. ConfigMap/shop/a", "{shop:#?}");
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(f.get("v1", "ConfigMap", "shop", "a").await.is_some(), "pruned with prune off");

    // Prune back on: the inventory still knows `a`.
    agent.send(bundle("cluster-0", 4, vec![versioned(app("shop", "shop", policy, &rev3), "rev4")]));
    let s = agent.until("rev4", Duration::from_secs(30), |s| done(s, "shop", "rev4")).await;
    eventually("a pruned", Duration::from_secs(10), || async { f.get("v1", "ConfigMap", "shop", "a").await.is_none() })
        .await;
    let shop = app_of(&s, "shop");
    assert_eq!(
        shop.message, "1 resource(s) require pruning, e.g. ConfigMap/shop/keep",
        "only `keep` is left: {shop:#?}"
    );
    let left = f.names("v1", "ConfigMap", "shop").await;
    for name in ["keep", "stranger", "c"] {
        assert!(left.contains(name), "{name} gone: {left:?}");
    }
    assert_eq!(resource_version(&f.get("v1", "ConfigMap", "shop", "stranger").await), stranger);
    assert_eq!(resource_version(&f.get("v1", "ConfigMap", "shop", "c").await), look_alike);
}

/// An app that leaves the bundle is deleted with its resources (not with
/// objects it did not make); `preserveResourcesOnDeletion` keeps them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removed_apps_take_their_resources_unless_preserved() {
    let f = Fixture::start().await;
    let mut agent = f.enforcer().await;
    let doomed = app(
        "doomed",
        "doomed",
        with_namespace(auto_heal()),
        &[configmap("doomed", "cfg"), deployment("doomed", "web", "nginx:1.27")],
    );
    let preserve = SyncPolicy { preserve_resources_on_deletion: true, ..with_namespace(auto_heal()) };
    let kept = app("kept", "kept", preserve, &[configmap("kept", "cfg")]);
    let stays = app("stays", "stays", with_namespace(auto_heal()), &[configmap("stays", "cfg")]);
    agent.send(bundle("cluster-0", 1, vec![doomed, kept.clone(), stays.clone()]));
    agent.until("three apps", Duration::from_secs(30), |s| s.settled() && s.report.apps.len() == 3).await;
    f.create(
        &json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "stranger", "namespace": "doomed"}}),
    );
    let stays_rv = resource_version(&f.get("v1", "ConfigMap", "stays", "cfg").await);

    agent.send(bundle("cluster-0", 2, vec![kept, stays.clone()]));
    let s = agent
        .until("doomed deleted", Duration::from_secs(30), |s| {
            s.report.events.iter().any(|e| e.app == "doomed" && e.reason == "AppDeleted")
        })
        .await;
    assert!(s.report.apps.iter().all(|a| a.name != "doomed"), "{:#?}", s.report.apps);
    assert!(!s.operations.contains_key("doomed"));
    eventually("doomed's resources gone", Duration::from_secs(30), || async {
        f.get("apps/v1", "Deployment", "doomed", "web").await.is_none()
            && f.get("v1", "ConfigMap", "doomed", "cfg").await.is_none()
    })
    .await;
    assert!(f.get("v1", "ConfigMap", "doomed", "stranger").await.is_some(), "an object the agent did not make");
    assert!(f.get("v1", "Namespace", "", "doomed").await.is_some(), "CreateNamespace namespaces are not the app's");
    assert!(f.get("v1", "ConfigMap", "kept", "cfg").await.is_some());

    agent.send(bundle("cluster-0", 3, vec![stays]));
    let s = agent
        .until("kept removed", Duration::from_secs(30), |s| {
            s.report.events.iter().any(|e| e.app == "kept" && e.reason == "AppDeleted")
        })
        .await;
    assert!(s.report.apps.iter().all(|a| a.name != "kept"));
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(f.get("v1", "ConfigMap", "kept", "cfg").await.is_some(), "preserveResourcesOnDeletion ignored");
    assert_eq!(resource_version(&f.get("v1", "ConfigMap", "stays", "cfg").await), stays_rv);
    assert_eq!(app_of(&s, "stays").sync, SyncState::Synced);
}

/// The agent is stopped while a wave waits for health; a new one on the
/// same state directory finishes the sync without duplicating or losing
/// anything, and a later bundle prunes what an earlier agent applied.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_mid_sync_resumes_from_the_state() {
    let f = Fixture::start().await;
    let cluster = f.sim.cluster_names()[0].clone();
    f.sim.set_ready_delay(&cluster, Duration::from_secs(3)).unwrap();
    let objects = [
        wave(configmap("shop", "early"), 0),
        wave(deployment("shop", "db", "postgres:16"), 0),
        wave(deployment("shop", "web", "nginx:1.27"), 1),
        wave(configmap("shop", "late"), 1),
    ];
    let gen1 = bundle("cluster-0", 1, vec![app("shop", "shop", with_namespace(auto_heal()), &objects)]);

    let first = f.enforcer().await;
    first.send(gen1.clone());
    eventually("wave 0 applied", Duration::from_secs(20), || async {
        f.get("apps/v1", "Deployment", "shop", "db").await.is_some()
    })
    .await;
    assert!(f.get("apps/v1", "Deployment", "shop", "web").await.is_none(), "wave 1 should still wait");
    drop(first);
    // The stopped agent does nothing more: wave 1 stays unapplied past db's readiness.
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert!(f.get("apps/v1", "Deployment", "shop", "web").await.is_none(), "the stopped agent kept syncing");

    let mut second = f.enforcer().await;
    second.send(gen1);
    let s = second.settled(Duration::from_secs(60)).await;
    let shop = app_of(&s, "shop");
    assert_eq!((shop.sync, shop.health), (SyncState::Synced, HealthState::Healthy), "{shop:#?}");
    assert_eq!(f.names("apps/v1", "Deployment", "shop").await, ["db".to_string(), "web".to_string()].into());
    let cms = f.names("v1", "ConfigMap", "shop").await;
    assert!(cms.contains("early") && cms.contains("late"), "{cms:?}");
    let sets = f.list("apps/v1", "ReplicaSet", "shop").await;
    assert_eq!(sets.len(), 2, "one ReplicaSet per Deployment, no second rollout: {sets:#?}");
    let pods = f.list("v1", "Pod", "shop").await;
    assert_eq!(pods.len(), 4, "2 replicas each");
    drop(second);

    // A third agent gets a bundle without `early`: only the redb inventory knows it.
    let mut third = f.enforcer().await;
    let gen2 = bundle(
        "cluster-0",
        2,
        vec![versioned(app("shop", "shop", with_namespace(auto_heal()), &objects[1..]), "rev2")],
    );
    third.send(gen2);
    let s = third.until("rev2", Duration::from_secs(60), |s| done(s, "shop", "rev2")).await;
    eventually("early pruned", Duration::from_secs(10), || async {
        f.get("v1", "ConfigMap", "shop", "early").await.is_none()
    })
    .await;
    assert!(f.get("v1", "ConfigMap", "shop", "late").await.is_some());
    assert_eq!(app_of(&s, "shop").sync, SyncState::Synced);
}

/// The API server answers 503 for 30 s while a new generation arrives; the
/// agent reports the failed sync, keeps retrying and converges once the
/// server recovers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_outage_of_30s_is_ridden_out() {
    let f = Fixture::start().await;
    let cluster = f.sim.cluster_names()[0].clone();
    let mut agent = f.enforcer().await;
    let web = |image: &str, extra: &[Value]| {
        let mut objects = vec![deployment("web", "web", image), configmap("web", "cfg")];
        objects.extend_from_slice(extra);
        app("web", "web", with_namespace(auto_heal()), &objects)
    };
    agent.send(bundle("cluster-0", 1, vec![web("nginx:1.27", &[])]));
    agent.until("rev1", Duration::from_secs(30), |s| done(s, "web", "rev1")).await;

    f.sim.set_faults(&cluster, Faults::error(503)).unwrap();
    agent.send(bundle("cluster-0", 2, vec![versioned(web("nginx:1.28", &[configmap("web", "new")]), "rev2")]));
    let s = agent
        .until("the sync fails and is retried", Duration::from_secs(20), |s| {
            s.operations.get("web") == Some(&OperationState::Retrying)
        })
        .await;
    assert!(s.report.events.iter().any(|e| e.reason == "SyncFailed" && e.message.contains("503")), "{s:#?}");
    tokio::time::sleep(Duration::from_secs(30)).await;
    f.sim.set_faults(&cluster, Faults::default()).unwrap();

    let s = agent
        .until("converged after the outage", Duration::from_secs(60), |s| {
            done(s, "web", "rev2") && app_of(s, "web").health == HealthState::Healthy
        })
        .await;
    assert_eq!(app_of(&s, "web").sync, SyncState::Synced);
    assert!(f.get("v1", "ConfigMap", "web", "new").await.is_some());
    let image =
        f.kubectl(&["get", "deployment/web", "-n", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image}"]);
    assert_eq!(image, "nginx:1.28");

    // Self-heal still works: drift is reverted within 5 s. (convoy-sim's
    // error mode answers new requests only; established watches carry on.)
    let before = agent.status.borrow().report.events.iter().filter(|e| e.reason == "DriftReverted").count();
    f.kubectl(&["scale", "deployment/web", "-n", "web", "--replicas=5"]);
    agent
        .until("drift reverted after the outage", Duration::from_secs(5), |s| {
            s.report.events.iter().filter(|e| e.reason == "DriftReverted").count() > before
        })
        .await;
    assert_eq!(f.kubectl(&["get", "deployment/web", "-n", "web", "-o", "jsonpath={.spec.replicas}"]), "2");
}
