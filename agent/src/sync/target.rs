//! A desired object made ready to apply: its kind resolved through
//! discovery, its namespace filled in from the app's destination when it
//! names none, and the tracking annotation that marks it as the app's.

use crate::cluster::{Cluster, ClusterError, Kind};
use crate::engine::inventory::{ResourceKey, annotate};
use crate::state::TrackedResource;
use serde_json::Value;

#[derive(Debug, Clone)]
pub struct Target {
    pub kind: Kind,
    pub api_version: String,
    pub key: ResourceKey,
    /// The object to send, annotated.
    pub obj: Value,
}

impl Target {
    pub async fn resolve(
        cluster: &Cluster,
        app: &str,
        default_namespace: &str,
        obj: &Value,
    ) -> Result<Target, ClusterError> {
        let api_version = obj["apiVersion"].as_str().unwrap_or_default().to_string();
        let kind = cluster.kind(&api_version, obj["kind"].as_str().unwrap_or_default()).await?;
        let namespace = if default_namespace.is_empty() { "default" } else { default_namespace };
        let key = ResourceKey::of(obj, kind.namespaced, namespace);
        let mut obj = obj.clone();
        if kind.namespaced {
            obj["metadata"]["namespace"] = Value::String(key.namespace.clone());
        } else if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.remove("namespace");
        }
        annotate(&mut obj, app, &key);
        Ok(Target { kind, api_version, key, obj })
    }

    pub fn tracked(&self) -> TrackedResource {
        TrackedResource { api_version: self.api_version.clone(), key: self.key.clone() }
    }

    /// `kind/name`, or `kind/namespace/name`, for messages.
    pub fn label(&self) -> String {
        self.key.to_string()
    }

    /// With `RespectIgnoreDifferences`, the same target with the ignored
    /// fields set to their live values.
    pub fn respecting(&self, live: Option<&Value>, ignore: &crate::engine::diff::Ignore) -> Target {
        let mut t = self.clone();
        if let Some(live) = live {
            crate::engine::diff::respect_ignored(&mut t.obj, live, ignore);
        }
        t
    }

    pub async fn apply(&self, cluster: &Cluster, replace: bool, dry_run: bool) -> Result<Value, ClusterError> {
        if replace && !dry_run {
            cluster.replace(&self.kind, &self.key.namespace, &self.obj).await
        } else {
            cluster.apply(&self.kind, &self.key.namespace, &self.obj, dry_run).await
        }
    }

    pub async fn live(&self, cluster: &Cluster) -> Result<Option<Value>, ClusterError> {
        cluster.get(&self.kind, &self.key.namespace, &self.key.name).await
    }
}
