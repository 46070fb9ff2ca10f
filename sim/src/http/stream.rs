//! Watch streams: a snapshot (or history replay from a resourceVersion) and
//! then live events, newline-delimited, with bookmarks and timeouts.

use super::Shared;
use super::body::SimBody;
use super::query::Query;
use crate::cluster::Cluster;
use crate::error::{ApiError, ApiResult};
use crate::resources::ResourceType;
use crate::selectors::{FieldSelector, LabelSelector};
use crate::watch::{self, Event, EventType, WatchFilter};
use bytes::Bytes;
use hyper::Response;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};

/// The apiserver's default watch lifetime is 30-60 minutes; clients re-watch.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1800);

enum Start {
    Events(Vec<(EventType, Arc<Value>)>),
    Gone { requested: u64, oldest: u64 },
}

#[allow(clippy::too_many_arguments)]
pub fn watch(
    shared: &Shared,
    cluster: &Arc<Cluster>,
    rt: Arc<ResourceType>,
    ns: Option<&str>,
    labels: LabelSelector,
    fields: FieldSelector,
    q: &Query,
) -> ApiResult<Response<SimBody>> {
    let filter = WatchFilter {
        store_key: rt.store_key(),
        namespace: if rt.namespaced { ns.map(str::to_string) } else { None },
        labels,
        fields,
    };
    let rv_param = q.get("resourceVersion").unwrap_or("");
    let send_initial = q.get("sendInitialEvents") == Some("true");
    let bookmarks = q.flag("allowWatchBookmarks");
    let timeout = match q.get("timeoutSeconds") {
        Some(t) if !t.is_empty() => Duration::from_secs(
            t.parse::<u64>().map_err(|_| ApiError::BadRequest(format!("timeoutSeconds: invalid value {t:?}")))?,
        ),
        _ => DEFAULT_TIMEOUT,
    };
    let from_rv = if rv_param.is_empty() || rv_param == "0" || send_initial {
        None
    } else {
        Some(
            rv_param
                .parse::<u64>()
                .map_err(|_| ApiError::BadRequest(format!("resourceVersion: Invalid value: {rv_param:?}")))?,
        )
    };
    let ((start, start_rv), rx) = cluster.snapshot_and_subscribe(|s| {
        let cur = s.resource_version();
        let start = match from_rv {
            None => Start::Events(
                s.iter(&rt, filter.namespace.as_deref(), None)
                    .filter(|(_, o)| filter.labels.matches_object(o) && filter.fields.matches(o))
                    .map(|(_, o)| (EventType::Added, o.clone()))
                    .collect(),
            ),
            Some(rv) => match s.events_since(rv) {
                Ok(evs) => {
                    Start::Events(evs.iter().filter_map(|e| Some((filter.decide(e)?, e.object.clone()))).collect())
                }
                Err(oldest) => Start::Gone { requested: rv, oldest },
            },
        };
        (start, cur)
    });
    let (tx, body_rx) = mpsc::channel::<Bytes>(64);
    let api_version = rt.api_version();
    let kind = rt.kind.clone();
    let interval = shared.bookmark_interval;
    tokio::spawn(async move {
        let events = match start {
            Start::Gone { requested, oldest } => {
                let _ = tx.send(Bytes::from(watch::expired(requested, oldest))).await;
                return;
            }
            Start::Events(e) => e,
        };
        for (ty, obj) in events {
            if tx.send(Bytes::from(watch::encode_event(ty.as_str(), &obj, &api_version))).await.is_err() {
                return;
            }
        }
        if send_initial && bookmarks {
            let obj = json!({"kind": kind, "apiVersion": api_version, "metadata": {
                "resourceVersion": start_rv.to_string(), "annotations": {"k8s.io/initial-events-end": "true"}}});
            if tx.send(Bytes::from(watch::encode_event("BOOKMARK", &obj, &api_version))).await.is_err() {
                return;
            }
        }
        follow(rx, tx, filter, start_rv, bookmarks, interval, timeout, &kind, &api_version).await;
    });
    let mut r = Response::new(SimBody::Stream(body_rx));
    r.headers_mut().insert(hyper::header::CONTENT_TYPE, hyper::header::HeaderValue::from_static("application/json"));
    Ok(r)
}

#[allow(clippy::too_many_arguments)]
async fn follow(
    mut rx: broadcast::Receiver<Arc<Event>>,
    tx: mpsc::Sender<Bytes>,
    filter: WatchFilter,
    start_rv: u64,
    bookmarks: bool,
    interval: Duration,
    timeout: Duration,
    kind: &str,
    api_version: &str,
) {
    let mut last_rv = start_rv;
    let deadline = tokio::time::sleep(timeout);
    tokio::pin!(deadline);
    let mut ticker = tokio::time::interval(interval);
    ticker.tick().await;
    loop {
        tokio::select! {
            r = rx.recv() => match r {
                Ok(ev) => {
                    if ev.rv <= last_rv {
                        continue;
                    }
                    last_rv = ev.rv;
                    if let Some(ty) = filter.decide(&ev)
                        && tx.send(Bytes::from(watch::encode_event(ty.as_str(), &ev.object, api_version))).await.is_err()
                    {
                        return;
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    let _ = tx.send(Bytes::from(watch::expired(last_rv, last_rv + 1))).await;
                    return;
                }
                Err(broadcast::error::RecvError::Closed) => return,
            },
            _ = ticker.tick(), if bookmarks => {
                if tx.send(Bytes::from(watch::bookmark(kind, api_version, last_rv))).await.is_err() {
                    return;
                }
            }
            _ = &mut deadline => return,
            _ = tx.closed() => return,
        }
    }
}
