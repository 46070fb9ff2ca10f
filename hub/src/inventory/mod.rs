//! The hub's cluster inventory: every cluster it can deliver to, with the
//! labels and annotations the cluster generator selects on.
//!
//! Clusters come from convoy `Cluster` objects or from Argo CD cluster
//! Secrets (so a migration keeps labels such as `env: production`).

pub mod store;

use crate::manifest::{Document, ManifestError, Origin, required_str, type_of};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// The address Argo CD gives the cluster it runs in.
pub const IN_CLUSTER_SERVER: &str = "https://kubernetes.default.svc";
/// The name Argo CD gives the cluster it runs in.
pub const IN_CLUSTER_NAME: &str = "in-cluster";
/// The label that marks an Argo CD Secret as a cluster.
pub const ARGO_SECRET_TYPE_LABEL: &str = "argocd.argoproj.io/secret-type";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cluster {
    pub name: String,
    /// The API server URL; for convoy clusters without one, `convoy://<name>`
    /// (agents reach their own API server locally, so the hub needs only a
    /// unique address to match `destination.server` against).
    pub server: String,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    /// Argo CD's optional `project` scoping of a cluster Secret.
    pub project: Option<String>,
}

impl Cluster {
    pub fn new(name: impl Into<String>) -> Cluster {
        let name = name.into();
        Cluster {
            server: format!("convoy://{name}"),
            name,
            labels: BTreeMap::new(),
            annotations: BTreeMap::new(),
            project: None,
        }
    }

    pub fn with_label(mut self, key: &str, value: &str) -> Cluster {
        self.labels.insert(key.to_string(), value.to_string());
        self
    }
}

/// What reading a cluster file found.
#[derive(Debug, Default)]
pub struct ClusterFile {
    pub clusters: Vec<Cluster>,
    /// Documents that are neither convoy Clusters nor Argo CD cluster Secrets.
    pub skipped: Vec<Origin>,
}

/// Reads convoy `Cluster` objects and Argo CD cluster Secrets.
pub fn clusters_from_documents(docs: &[Document]) -> Result<ClusterFile, ManifestError> {
    let mut out = ClusterFile::default();
    for doc in docs {
        match type_of(&doc.value) {
            ("convoy.dev/v1alpha1", "Cluster") => out.clusters.push(from_convoy(doc)?),
            ("v1", "Secret") if is_argo_cluster_secret(&doc.value) => out.clusters.push(from_argo_secret(doc)?),
            _ => out.skipped.push(doc.origin.clone()),
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for c in &out.clusters {
        if !seen.insert(c.name.as_str()) {
            return Err(ManifestError::File {
                file: docs.first().map(|d| d.origin.file.clone()).unwrap_or_default(),
                message: format!("cluster {:?} is defined more than once", c.name),
            });
        }
    }
    Ok(out)
}

fn is_argo_cluster_secret(v: &Value) -> bool {
    v.pointer("/metadata/labels").and_then(|l| l.get(ARGO_SECRET_TYPE_LABEL)).and_then(Value::as_str) == Some("cluster")
}

fn string_map(origin: &Origin, v: &Value, pointer: &str) -> Result<BTreeMap<String, String>, ManifestError> {
    match v.pointer(pointer) {
        None | Some(Value::Null) => Ok(BTreeMap::new()),
        Some(Value::Object(m)) => m
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => Ok((k.clone(), s.clone())),
                other => Err(ManifestError::field(
                    origin,
                    format!("{}.{k}", crate::manifest::dotted(pointer)),
                    format!("must be a string, not {}", crate::manifest::kind(other)),
                )),
            })
            .collect(),
        Some(other) => Err(ManifestError::field(
            origin,
            crate::manifest::dotted(pointer),
            format!("must be a map of strings, not {}", crate::manifest::kind(other)),
        )),
    }
}

fn from_convoy(doc: &Document) -> Result<Cluster, ManifestError> {
    let (o, v) = (&doc.origin, &doc.value);
    let name = required_str(o, v, "/metadata/name")?.to_string();
    let server = match v.pointer("/spec/server") {
        None | Some(Value::Null) => format!("convoy://{name}"),
        Some(_) => required_str(o, v, "/spec/server")?.to_string(),
    };
    Ok(Cluster {
        name,
        server,
        labels: string_map(o, v, "/metadata/labels")?,
        annotations: string_map(o, v, "/metadata/annotations")?,
        project: None,
    })
}

/// Argo CD keeps `name`, `server` and `project` in the Secret's data,
/// base64-encoded under `data` or plain under `stringData` (which wins, as
/// the API server merges it over `data`).
fn from_argo_secret(doc: &Document) -> Result<Cluster, ManifestError> {
    let (o, v) = (&doc.origin, &doc.value);
    let field = |key: &str| -> Result<Option<String>, ManifestError> {
        if let Some(s) = v.pointer(&format!("/stringData/{key}")) {
            return match s {
                Value::String(s) => Ok(Some(s.clone())),
                other => Err(ManifestError::field(
                    o,
                    format!("stringData.{key}"),
                    format!("must be a string, not {}", crate::manifest::kind(other)),
                )),
            };
        }
        match v.pointer(&format!("/data/{key}")) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(b64)) => {
                use base64::Engine;
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(b64.trim())
                    .map_err(|e| ManifestError::field(o, format!("data.{key}"), format!("is not base64: {e}")))?;
                String::from_utf8(bytes)
                    .map(Some)
                    .map_err(|_| ManifestError::field(o, format!("data.{key}"), "is not UTF-8 text"))
            }
            Some(other) => Err(ManifestError::field(
                o,
                format!("data.{key}"),
                format!("must be a string, not {}", crate::manifest::kind(other)),
            )),
        }
    };
    let server = field("server")?
        .ok_or_else(|| ManifestError::field(o, "data.server", "is required in an Argo CD cluster Secret"))?;
    // The inventory is keyed by name; a Secret without one is keyed by its
    // server URL instead.
    let name = field("name")?.filter(|n| !n.is_empty()).unwrap_or_else(|| server.clone());
    Ok(Cluster {
        name,
        server,
        labels: string_map(o, v, "/metadata/labels")?,
        annotations: string_map(o, v, "/metadata/annotations")?,
        project: field("project")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::parse_stream;

    const FILE: &str = r#"
apiVersion: v1
kind: Secret
metadata:
  name: prod-eu
  namespace: argocd
  labels:
    argocd.argoproj.io/secret-type: cluster
    env: production
stringData:
  name: prod-eu
  server: https://prod-eu.example:6443
---
apiVersion: v1
kind: Secret
metadata:
  name: staging
  labels: {argocd.argoproj.io/secret-type: cluster, env: staging}
data:
  name: c3RhZ2luZw==
  server: aHR0cHM6Ly9zdGFnaW5nLmV4YW1wbGU=
  project: cGxhdGZvcm0=
---
apiVersion: v1
kind: Secret
metadata: {name: not-a-cluster}
stringData: {password: x}
---
apiVersion: convoy.dev/v1alpha1
kind: Cluster
metadata:
  name: edge-1
  labels: {env: production, region: edge}
"#;

    #[test]
    fn reads_argo_secrets_and_convoy_clusters() {
        let f = clusters_from_documents(&parse_stream("clusters.yaml", FILE).unwrap()).unwrap();
        let names: Vec<_> = f.clusters.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["prod-eu", "staging", "edge-1"]);
        assert_eq!(f.clusters[1].server, "https://staging.example");
        assert_eq!(f.clusters[1].project.as_deref(), Some("platform"));
        assert_eq!(f.clusters[0].labels["env"], "production");
        assert_eq!(f.clusters[2].server, "convoy://edge-1");
        assert_eq!(f.skipped.len(), 1);
    }

    #[test]
    fn bad_cluster_fields_are_named() {
        let docs = parse_stream("c.yaml", "apiVersion: v1\nkind: Secret\nmetadata: {labels: {argocd.argoproj.io/secret-type: cluster}}\ndata: {server: '%%%'}\n").unwrap();
        let err = clusters_from_documents(&docs).unwrap_err().to_string();
        assert!(err.starts_with("c.yaml: document 1: field data.server: is not base64"), "{err}");
        let docs =
            parse_stream("c.yaml", "apiVersion: convoy.dev/v1alpha1\nkind: Cluster\nmetadata: {labels: {a: 1}}\n")
                .unwrap();
        assert_eq!(
            clusters_from_documents(&docs).unwrap_err().to_string(),
            "c.yaml: document 1: field metadata.name: is required"
        );
    }
}
