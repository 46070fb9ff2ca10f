//! Watches of every kind the agent manages, routed to the app that owns
//! each object. One watch per kind, cluster-wide (the agent cannot tell its
//! objects apart by label, only by the tracking annotation), started the
//! first time an app needs that kind and kept for the agent's life. Objects
//! no app claims are dropped on arrival, so memory follows what the agent
//! manages, not what the cluster holds.

use crate::cluster::{Cluster, Kind};
use crate::engine::inventory::ResourceKey;
use futures_util::StreamExt;
use kube::runtime::{WatchStreamExt, watcher};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

/// What a watch saw happen to an object an app claims.
#[derive(Debug, Clone)]
pub enum LiveEvent {
    Changed(ResourceKey, Box<Value>),
    Deleted(ResourceKey),
}

#[derive(Default)]
struct Routes {
    /// Which app claims which object.
    claims: HashMap<ResourceKey, String>,
    apps: HashMap<String, mpsc::UnboundedSender<LiveEvent>>,
}

pub struct LiveWatches {
    cluster: Arc<Cluster>,
    routes: Arc<Mutex<Routes>>,
    watched: Mutex<HashSet<String>>,
    tasks: Mutex<Vec<tokio::task::JoinHandle<()>>>,
}

impl LiveWatches {
    pub fn new(cluster: Arc<Cluster>) -> LiveWatches {
        LiveWatches { cluster, routes: Arc::default(), watched: Mutex::default(), tasks: Mutex::default() }
    }

    /// Registers an app; its events arrive on the returned receiver.
    pub fn subscribe(&self, app: &str) -> mpsc::UnboundedReceiver<LiveEvent> {
        let (tx, rx) = mpsc::unbounded_channel();
        lock(&self.routes).apps.insert(app.to_string(), tx);
        rx
    }

    /// Forgets an app and everything it claimed.
    pub fn unsubscribe(&self, app: &str) {
        let mut routes = lock(&self.routes);
        routes.apps.remove(app);
        routes.claims.retain(|_, a| a != app);
    }

    /// Makes `keys` the objects `app` claims, and watches their kinds.
    pub fn claim(&self, app: &str, keys: impl IntoIterator<Item = (ResourceKey, Kind)>) {
        let mut kinds = Vec::new();
        {
            let mut routes = lock(&self.routes);
            routes.claims.retain(|_, a| a != app);
            for (key, kind) in keys {
                routes.claims.insert(key, app.to_string());
                kinds.push(kind);
            }
        }
        for kind in kinds {
            self.watch(kind);
        }
    }

    fn watch(&self, kind: Kind) {
        let id = format!("{}/{}/{}", kind.resource.group, kind.resource.version, kind.resource.kind);
        if !lock(&self.watched).insert(id.clone()) {
            return;
        }
        let api = self.cluster.api_all(&kind);
        let routes = self.routes.clone();
        let task = tokio::spawn(async move {
            let mut stream = watcher(api, watcher::Config::default()).default_backoff().boxed();
            while let Some(event) = stream.next().await {
                let (obj, deleted) = match event {
                    Ok(watcher::Event::Apply(o) | watcher::Event::InitApply(o)) => (o, false),
                    Ok(watcher::Event::Delete(o)) => (o, true),
                    Ok(watcher::Event::Init | watcher::Event::InitDone) => continue,
                    Err(e) => {
                        tracing::debug!(kind = %id, error = %e, "watch interrupted; resuming");
                        continue;
                    }
                };
                let Ok(mut value) = serde_json::to_value(&obj) else { continue };
                // Watch events of dynamic objects may lack apiVersion/kind.
                value["apiVersion"] = Value::String(kind.resource.api_version.clone());
                value["kind"] = Value::String(kind.resource.kind.clone());
                let key = ResourceKey::of(&value, kind.namespaced, "");
                let routes = lock(&routes);
                let Some(app) = routes.claims.get(&key) else { continue };
                if let Some(tx) = routes.apps.get(app) {
                    let _ = tx.send(if deleted {
                        LiveEvent::Deleted(key)
                    } else {
                        LiveEvent::Changed(key, Box::new(value))
                    });
                }
            }
        });
        lock(&self.tasks).push(task);
    }
}

impl Drop for LiveWatches {
    fn drop(&mut self) {
        for t in lock(&self.tasks).drain(..) {
            t.abort();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
