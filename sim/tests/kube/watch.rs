//! Watch semantics: ordered ADDED/MODIFIED/DELETED, resuming from a
//! resourceVersion, bookmarks, timeouts, 410 Gone, and kube's watcher.

use crate::start;
use futures_util::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, DeleteParams, Patch, PatchParams, PostParams, WatchEvent, WatchParams};
use serde_json::json;
use std::time::Duration;

fn cm(name: &str) -> ConfigMap {
    serde_json::from_value(json!({"metadata": {"name": name, "labels": {"w": "yes"}}, "data": {"a": "1"}})).unwrap()
}

#[tokio::test]
async fn events_in_order_and_resume() {
    let env = start().await;
    let cms: Api<ConfigMap> = Api::namespaced(env.client.clone(), "default");
    let start_rv = cms.list_metadata(&Default::default()).await.unwrap().metadata.resource_version.unwrap();
    let mut stream = cms.watch(&WatchParams::default().labels("w=yes").timeout(10), &start_rv).await.unwrap().boxed();
    cms.create(&PostParams::default(), &cm("x")).await.unwrap();
    cms.patch("x", &PatchParams::default(), &Patch::Merge(json!({"data": {"a": "2"}}))).await.unwrap();
    cms.delete("x", &DeleteParams::default()).await.unwrap();
    let mut kinds = Vec::new();
    let mut rvs = Vec::new();
    while kinds.len() < 3 {
        let ev = tokio::time::timeout(Duration::from_secs(5), stream.try_next())
            .await
            .expect("event in time")
            .unwrap()
            .unwrap();
        match ev {
            WatchEvent::Added(o) => {
                kinds.push("ADDED");
                rvs.push(o.metadata.resource_version.unwrap())
            }
            WatchEvent::Modified(o) => {
                kinds.push("MODIFIED");
                rvs.push(o.metadata.resource_version.unwrap())
            }
            WatchEvent::Deleted(o) => {
                kinds.push("DELETED");
                rvs.push(o.metadata.resource_version.unwrap())
            }
            WatchEvent::Bookmark(_) => {}
            WatchEvent::Error(e) => panic!("{e:?}"),
        }
    }
    assert_eq!(kinds, ["ADDED", "MODIFIED", "DELETED"]);
    let nums: Vec<u64> = rvs.iter().map(|r| r.parse().unwrap()).collect();
    assert!(nums.windows(2).all(|w| w[0] < w[1]), "{nums:?}");

    // Resuming from the ADDED event's version replays the two later ones.
    let mut resumed = cms.watch(&WatchParams::default().timeout(2), &rvs[0]).await.unwrap().boxed();
    let first = resumed.try_next().await.unwrap().unwrap();
    assert!(matches!(first, WatchEvent::Modified(_)));
    let second = resumed.try_next().await.unwrap().unwrap();
    assert!(matches!(second, WatchEvent::Deleted(_)));
    // timeoutSeconds ends the stream.
    let ended = tokio::time::timeout(Duration::from_secs(5), async {
        while resumed.try_next().await.ok().flatten().is_some() {}
    })
    .await;
    assert!(ended.is_ok(), "watch must end after timeoutSeconds");
    env.sim.stop().await.unwrap();
}

#[tokio::test]
async fn too_old_resource_version_is_gone() {
    let env = start().await;
    let cms: Api<ConfigMap> = Api::namespaced(env.client.clone(), "default");
    let cluster = env.sim.cluster("cluster-1").unwrap();
    // Push the history window past rv 2 quickly through the library.
    cluster.write(|s| {
        let rt = s.lookup("", "v1", "configmaps").unwrap();
        let ctx = convoy_sim::store::WriteCtx::system("test", convoy_sim::store::Now::from_system());
        for i in 0..(convoy_sim::store::HISTORY + 10) {
            s.create(&rt, "default", json!({"metadata": {"name": format!("h{i}")}}), &ctx).unwrap();
        }
    });
    let mut stream = cms.watch(&WatchParams::default().timeout(5), "2").await.unwrap().boxed();
    match stream.try_next().await.unwrap().unwrap() {
        WatchEvent::Error(e) => assert_eq!(e.code, 410),
        other => panic!("expected 410, got {other:?}"),
    }
    env.sim.stop().await.unwrap();
}

#[tokio::test]
async fn bookmarks_and_runtime_watcher() {
    let mut cfg = convoy_sim::SimConfig::new(1);
    cfg.bookmark_interval = Duration::from_millis(200);
    let env = crate::start_with(cfg).await;
    let cms: Api<ConfigMap> = Api::namespaced(env.client.clone(), "default");
    let rv = cms.list_metadata(&Default::default()).await.unwrap().metadata.resource_version.unwrap();
    let mut stream =
        cms.watch(&WatchParams { bookmarks: true, ..WatchParams::default() }.timeout(5), &rv).await.unwrap().boxed();
    let ev = tokio::time::timeout(Duration::from_secs(3), stream.try_next()).await.unwrap().unwrap().unwrap();
    assert!(matches!(ev, WatchEvent::Bookmark(_)), "{ev:?}");

    // kube-runtime's watcher (list + watch, re-lists on 410) sees a new object.
    let w = kube::runtime::watcher(cms.clone(), kube::runtime::watcher::Config::default());
    let mut objs = Box::pin(kube::runtime::WatchStreamExt::applied_objects(w));
    cms.create(&PostParams::default(), &cm("seen")).await.unwrap();
    let found = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(o) = objs.try_next().await.unwrap() {
            if o.metadata.name.as_deref() == Some("seen") {
                return true;
            }
        }
        false
    })
    .await
    .unwrap();
    assert!(found);

    // Streaming lists (sendInitialEvents + the initial-events-end bookmark).
    let cfg = kube::runtime::watcher::Config::default().streaming_lists();
    let w = kube::runtime::watcher(cms.clone(), cfg);
    let mut objs = Box::pin(kube::runtime::WatchStreamExt::applied_objects(w));
    let first = tokio::time::timeout(Duration::from_secs(5), objs.try_next()).await.unwrap().unwrap().unwrap();
    assert_eq!(first.metadata.name.as_deref(), Some("seen"));
    cms.create(&PostParams::default(), &cm("later")).await.unwrap();
    let next = tokio::time::timeout(Duration::from_secs(5), objs.try_next()).await.unwrap().unwrap().unwrap();
    assert_eq!(next.metadata.name.as_deref(), Some("later"));
    env.sim.stop().await.unwrap();
}
