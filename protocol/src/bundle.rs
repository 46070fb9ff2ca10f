//! The bundle: everything one cluster must run, as rendered by the hub.
//!
//! A [`Bundle`] is addressed to one cluster and numbered by a per-cluster
//! `generation` that only grows. Manifests travel as JSON text (postcard
//! cannot carry a self-describing `serde_json::Value`), with their identity
//! fields beside them so the agent can index a bundle without parsing it.

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use std::fmt;

/// A bundle for one cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bundle {
    /// The cluster this bundle is for; agents refuse bundles for others.
    pub cluster: String,
    /// Grows by at least one each time the cluster's content changes.
    pub generation: u64,
    /// The Git commit(s) the content was rendered from.
    pub source_revision: String,
    /// When the hub built it, milliseconds since the Unix epoch.
    pub created_at_ms: u64,
    pub apps: Vec<AppBundle>,
}

/// One Argo CD-style Application, rendered for this cluster.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AppBundle {
    pub name: String,
    pub project: String,
    /// The destination namespace namespaced resources without one go to.
    pub namespace: String,
    /// The Git revision this app was rendered from.
    pub revision: String,
    pub sync_policy: SyncPolicy,
    pub ignore_differences: Vec<IgnoreDifference>,
    pub manifests: Vec<Manifest>,
}

/// The parts of Argo CD's `syncPolicy` the agent acts on.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SyncPolicy {
    pub automated: bool,
    pub prune: bool,
    pub self_heal: bool,
    pub allow_empty: bool,
    /// Argo CD sync options verbatim, e.g. `CreateNamespace=true`.
    pub sync_options: Vec<String>,
    pub retry: Option<RetryPolicy>,
    /// Leave the app's resources in place when the app leaves the bundle.
    pub preserve_resources_on_deletion: bool,
}

/// Argo CD's `retry` block; durations in milliseconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetryPolicy {
    /// Attempts after the first; negative means unlimited, as in Argo CD.
    pub limit: i64,
    pub backoff_duration_ms: u64,
    pub backoff_factor: i64,
    pub backoff_max_duration_ms: u64,
}

/// One entry of Argo CD's `ignoreDifferences`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct IgnoreDifference {
    pub group: String,
    pub kind: String,
    pub name: String,
    pub namespace: String,
    pub json_pointers: Vec<String>,
    pub jq_path_expressions: Vec<String>,
    pub managed_fields_managers: Vec<String>,
}

/// One rendered Kubernetes object.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Manifest {
    pub api_version: String,
    pub kind: String,
    /// Empty for cluster-scoped objects and for namespaced objects that take
    /// the app's destination namespace.
    pub namespace: String,
    pub name: String,
    /// The whole object as JSON text.
    pub json: String,
}

/// The sha256 of a bundle's encoded payload.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct BundleDigest(pub [u8; 32]);

impl BundleDigest {
    pub fn of(bytes: &[u8]) -> BundleDigest {
        BundleDigest(Sha256::digest(bytes).into())
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Parses the `sha256:<hex>` form printed by `Display`, or bare hex.
    pub fn parse(text: &str) -> Option<BundleDigest> {
        let hex_part = text.strip_prefix("sha256:").unwrap_or(text);
        let mut out = [0u8; 32];
        hex::decode_to_slice(hex_part, &mut out).ok()?;
        Some(BundleDigest(out))
    }
}

impl fmt::Display for BundleDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sha256:{}", self.to_hex())
    }
}

impl fmt::Debug for BundleDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Twelve hex digits identify a bundle in logs, as short Git SHAs do.
        write!(f, "sha256:{}", &self.to_hex()[..12])
    }
}

/// Encoding a bundle failed; only possible for values serde cannot represent.
#[derive(Debug, thiserror::Error)]
#[error("cannot encode bundle: {0}")]
pub struct EncodeError(#[from] pub postcard::Error);

impl Bundle {
    /// The canonical encoding that is hashed and signed.
    pub fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        Ok(postcard::to_stdvec(self)?)
    }

    pub fn decode(bytes: &[u8]) -> Result<Bundle, postcard::Error> {
        postcard::from_bytes(bytes)
    }

    pub fn manifest_count(&self) -> usize {
        self.apps.iter().map(|a| a.manifests.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Bundle {
        Bundle {
            cluster: "prod-eu".into(),
            generation: 4,
            source_revision: "0123abcd".into(),
            created_at_ms: 1_700_000_000_000,
            apps: vec![AppBundle {
                name: "web".into(),
                namespace: "web".into(),
                manifests: vec![Manifest {
                    api_version: "v1".into(),
                    kind: "ConfigMap".into(),
                    namespace: "web".into(),
                    name: "cfg".into(),
                    json: r#"{"apiVersion":"v1","kind":"ConfigMap"}"#.into(),
                }],
                ..Default::default()
            }],
        }
    }

    #[test]
    fn encoding_round_trips_and_is_deterministic() {
        let b = sample();
        let bytes = b.encode().unwrap();
        assert_eq!(Bundle::decode(&bytes).unwrap(), b);
        assert_eq!(bytes, b.clone().encode().unwrap());
    }

    #[test]
    fn digest_text_round_trips() {
        let d = BundleDigest::of(b"hello");
        assert_eq!(BundleDigest::parse(&d.to_string()), Some(d));
        assert_eq!(BundleDigest::parse(&d.to_hex()), Some(d));
        assert_eq!(BundleDigest::parse("sha256:zz"), None);
    }
}
