//! The agent's hands in its cluster: a kube-rs client built from a
//! kubeconfig (the same path for a real cluster and for convoy-sim), API
//! discovery, and the few verbs the engine needs: server-side apply (also
//! as a dry run), get and delete.
//!
//! Discovery is cached and refreshed when a kind is not found, so a CRD
//! applied earlier in the same sync makes its kind usable at once.

use crate::engine::inventory::Propagation;
use kube::api::{Api, DeleteParams, DynamicObject, Patch, PatchParams, PostParams};
use kube::discovery::{ApiCapabilities, ApiResource, Discovery, Scope};
use serde_json::Value;
use std::path::Path;
use tokio::sync::RwLock;

/// The field manager the agent applies as.
pub const FIELD_MANAGER: &str = "convoy-agent";

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("kubeconfig {path}: {detail}")]
    Kubeconfig { path: String, detail: String },
    #[error("the cluster serves no kind {kind} in {api_version}")]
    UnknownKind { api_version: String, kind: String },
    #[error("{verb} {resource}: {source}")]
    Api { verb: &'static str, resource: String, source: kube::Error },
    #[error("{resource}: {detail}")]
    Invalid { resource: String, detail: String },
}

impl ClusterError {
    /// The HTTP status the API server answered with, if any.
    pub fn status(&self) -> Option<u16> {
        match self {
            ClusterError::Api { source: kube::Error::Api(status), .. } => Some(status.code),
            _ => None,
        }
    }

    /// Whether trying again later may succeed without any change on our
    /// side: the API server overloaded or unreachable, or a conflict.
    pub fn is_transient(&self) -> bool {
        match self {
            ClusterError::Api { source: kube::Error::Api(s), .. } => s.code >= 500 || s.code == 429 || s.code == 409,
            ClusterError::Api { .. } => true,
            ClusterError::Kubeconfig { .. } | ClusterError::UnknownKind { .. } | ClusterError::Invalid { .. } => false,
        }
    }
}

pub struct Cluster {
    client: kube::Client,
    discovery: RwLock<Option<Discovery>>,
}

/// A resolved kind: how to address it.
#[derive(Debug, Clone)]
pub struct Kind {
    pub resource: ApiResource,
    pub namespaced: bool,
}

impl Cluster {
    /// Connects with a kubeconfig file and its current context.
    pub async fn from_kubeconfig(path: &Path) -> Result<Cluster, ClusterError> {
        let err = |d: String| ClusterError::Kubeconfig { path: path.display().to_string(), detail: d };
        let kubeconfig = kube::config::Kubeconfig::read_from(path).map_err(|e| err(e.to_string()))?;
        let mut config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
            .await
            .map_err(|e| err(e.to_string()))?;
        // kube retries 429/503/504 itself, up to 15 times with backoff growing
        // to minutes, which would hide an outage inside one request: the
        // engine retries on its own schedule (at most 10 s apart) and reports
        // the failure meanwhile.
        config.default_retry = false;
        let client = kube::Client::try_from(config).map_err(|e| err(e.to_string()))?;
        Ok(Cluster { client, discovery: RwLock::new(None) })
    }

    pub fn client(&self) -> &kube::Client {
        &self.client
    }

    async fn refresh_discovery(&self) -> Result<(), ClusterError> {
        let d = Discovery::new(self.client.clone()).run().await.map_err(|source| ClusterError::Api {
            verb: "discover",
            resource: "APIs".into(),
            source,
        })?;
        *self.discovery.write().await = Some(d);
        Ok(())
    }

    fn find(d: &Discovery, group: &str, version: &str, kind: &str) -> Option<(ApiResource, ApiCapabilities)> {
        d.get(group)?.versioned_resources(version).into_iter().find(|(r, _)| r.kind == kind)
    }

    /// Resolves `apiVersion` + `kind`, refreshing discovery once on a miss.
    pub async fn kind(&self, api_version: &str, kind: &str) -> Result<Kind, ClusterError> {
        let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
        for attempt in 0..2 {
            if attempt == 1 || self.discovery.read().await.is_none() {
                self.refresh_discovery().await?;
            }
            if let Some(d) = self.discovery.read().await.as_ref()
                && let Some((resource, caps)) = Cluster::find(d, group, version, kind)
            {
                return Ok(Kind { resource, namespaced: caps.scope == Scope::Namespaced });
            }
        }
        Err(ClusterError::UnknownKind { api_version: api_version.to_string(), kind: kind.to_string() })
    }

    /// All objects of a kind, in every namespace: what a watcher watches.
    pub fn api_all(&self, kind: &Kind) -> Api<DynamicObject> {
        Api::all_with(self.client.clone(), &kind.resource)
    }

    fn api(&self, kind: &Kind, namespace: &str) -> Api<DynamicObject> {
        if kind.namespaced {
            Api::namespaced_with(self.client.clone(), namespace, &kind.resource)
        } else {
            Api::all_with(self.client.clone(), &kind.resource)
        }
    }

    /// Server-side applies `obj` as [`FIELD_MANAGER`] (forcing conflicts on
    /// fields it declares, as Argo CD's server-side apply does); with
    /// `dry_run` nothing is stored and the would-be object is returned.
    pub async fn apply(&self, kind: &Kind, namespace: &str, obj: &Value, dry_run: bool) -> Result<Value, ClusterError> {
        let name = obj.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default();
        let resource = format!("{}/{name}", kind.resource.kind);
        let mut params = PatchParams::apply(FIELD_MANAGER).force();
        params.dry_run = dry_run;
        let applied = self.api(kind, namespace).patch(name, &params, &Patch::Apply(obj)).await.map_err(|source| {
            ClusterError::Api {
                verb: if dry_run { "dry-run apply" } else { "apply" },
                resource: resource.clone(),
                source,
            }
        })?;
        serde_json::to_value(applied).map_err(|e| ClusterError::Invalid { resource, detail: e.to_string() })
    }

    /// Replaces an object (the `Replace=true` sync option), creating it if absent.
    pub async fn replace(&self, kind: &Kind, namespace: &str, obj: &Value) -> Result<Value, ClusterError> {
        let name = obj.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default();
        let resource = format!("{}/{name}", kind.resource.kind);
        let api = self.api(kind, namespace);
        let invalid =
            |e: serde_json::Error| ClusterError::Invalid { resource: resource.clone(), detail: e.to_string() };
        let mut typed: DynamicObject = serde_json::from_value(obj.clone()).map_err(invalid)?;
        let result = match api.get_opt(name).await.map_err(|source| ClusterError::Api {
            verb: "get",
            resource: resource.clone(),
            source,
        })? {
            Some(live) => {
                typed.metadata.resource_version = live.metadata.resource_version;
                api.replace(name, &PostParams::default(), &typed).await
            }
            None => api.create(&PostParams::default(), &typed).await,
        }
        .map_err(|source| ClusterError::Api { verb: "replace", resource: resource.clone(), source })?;
        serde_json::to_value(result).map_err(invalid)
    }

    pub async fn get(&self, kind: &Kind, namespace: &str, name: &str) -> Result<Option<Value>, ClusterError> {
        let resource = format!("{}/{name}", kind.resource.kind);
        let live = self.api(kind, namespace).get_opt(name).await.map_err(|source| ClusterError::Api {
            verb: "get",
            resource: resource.clone(),
            source,
        })?;
        live.map(|o| serde_json::to_value(o).map_err(|e| ClusterError::Invalid { resource, detail: e.to_string() }))
            .transpose()
    }

    /// Deletes an object; absent objects are fine.
    pub async fn delete(
        &self,
        kind: &Kind,
        namespace: &str,
        name: &str,
        propagation: Propagation,
    ) -> Result<(), ClusterError> {
        let params = match propagation {
            Propagation::Foreground => DeleteParams::foreground(),
            Propagation::Background => DeleteParams::background(),
            Propagation::Orphan => DeleteParams::orphan(),
        };
        match self.api(kind, namespace).delete(name, &params).await {
            Ok(_) => Ok(()),
            Err(kube::Error::Api(s)) if s.code == 404 => Ok(()),
            Err(source) => {
                Err(ClusterError::Api { verb: "delete", resource: format!("{}/{name}", kind.resource.kind), source })
            }
        }
    }
}
