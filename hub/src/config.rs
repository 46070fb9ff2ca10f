//! The hub's configuration file (`hub.yaml`): repositories, root sources and
//! clusters.
//!
//! ```yaml
//! apiVersion: convoy.dev/v1alpha1
//! kind: HubConfig
//! cacheDir: .convoy-cache            # relative paths are relative to this file
//! stateDir: .convoy-state            # the persistent cluster inventory and hub state
//! inCluster: prod-eu                 # the cluster Argo CD's in-cluster address stands for
//! repositories:
//! - url: https://github.com/org/gitops.git
//!   pollInterval: 30s
//!   local: ./gitops                  # read a local directory or Git repository instead of fetching
//! - url: https://git.example.com/org/private.git
//!   username: convoy                 # basic authentication: username + passwordFile,
//!   passwordFile: secrets/password   #   or tokenFile alone (sent as user x-access-token
//!   # tokenFile: secrets/token       #   unless username is set), as Argo CD repo secrets
//!   caFile: secrets/git-ca.pem       # PEM CA certificates trusted for this repository,
//!                                    #   in addition to the system's roots
//! - url: git@github.com:org/infra.git   # or ssh://git@host:2222/org/infra.git
//!   sshKeyFile: secrets/id_ed25519   # the only key ssh offers
//!   knownHostsFile: secrets/known_hosts  # the only trusted host keys (default: the
//!                                    #   user's known_hosts); unknown keys are refused
//! roots:
//! - repoURL: https://github.com/org/gitops.git
//!   targetRevision: main
//!   path: argocd/applicationsets
//! clusters:
//! - {name: prod-eu, labels: {env: production}}
//! clusterFiles: [argocd-cluster-secrets.yaml]
//! ```
//!
//! Secret files are read at every fetch (a trailing line break is dropped),
//! so rotated secrets apply without a restart; credentials that do not fit
//! the URL's scheme are rejected, and none are ever sent over plain http.

use crate::apps::parse_duration_ms;
use crate::inventory::{Cluster, clusters_from_documents};
use crate::manifest::{ManifestError, Origin, read_stream};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct HubConfig {
    pub file: PathBuf,
    pub cache_dir: PathBuf,
    pub state_dir: PathBuf,
    pub in_cluster: Option<String>,
    pub repositories: Vec<RepositoryConfig>,
    pub roots: Vec<RootSource>,
    pub clusters: Vec<Cluster>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RepositoryConfig {
    pub url: String,
    pub poll_interval_ms: u64,
    pub local: Option<PathBuf>,
    pub credentials: Credentials,
}

/// How to authenticate to a repository and whom to trust; secrets are read
/// from files so the configuration itself can be shared. See
/// [`crate::git::credentials`] for how each field is used.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Credentials {
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password_file: Option<PathBuf>,
    #[serde(default)]
    pub token_file: Option<PathBuf>,
    #[serde(default)]
    pub ssh_key_file: Option<PathBuf>,
    #[serde(default)]
    pub known_hosts_file: Option<PathBuf>,
    /// PEM CA certificates trusted for this HTTPS repository besides the
    /// system's roots.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
}

impl Credentials {
    fn resolve_paths(&mut self, resolve: impl Fn(&Path) -> PathBuf) {
        for file in [
            &mut self.password_file,
            &mut self.token_file,
            &mut self.ssh_key_file,
            &mut self.known_hosts_file,
            &mut self.ca_file,
        ]
        .into_iter()
        .flatten()
        {
            *file = resolve(file);
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RootSource {
    #[serde(rename = "repoURL")]
    pub repo_url: String,
    #[serde(default)]
    pub target_revision: Option<String>,
    #[serde(default)]
    pub path: String,
    /// Read subdirectories of `path` too.
    #[serde(default)]
    pub recurse: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    api_version: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    cache_dir: Option<PathBuf>,
    #[serde(default)]
    state_dir: Option<PathBuf>,
    #[serde(default)]
    in_cluster: Option<String>,
    #[serde(default)]
    repositories: Vec<RawRepository>,
    #[serde(default)]
    roots: Vec<RootSource>,
    #[serde(default)]
    clusters: Vec<RawCluster>,
    #[serde(default)]
    cluster_files: Vec<PathBuf>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawRepository {
    url: String,
    #[serde(default)]
    poll_interval: Option<String>,
    #[serde(default)]
    local: Option<PathBuf>,
    #[serde(flatten)]
    credentials: Credentials,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCluster {
    name: String,
    #[serde(default)]
    server: Option<String>,
    #[serde(default)]
    labels: BTreeMap<String, String>,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
}

impl HubConfig {
    pub fn load(path: &Path) -> Result<HubConfig, ManifestError> {
        let docs = read_stream(path)?;
        let file = path.display().to_string();
        let doc = docs
            .first()
            .ok_or_else(|| ManifestError::File { file: file.clone(), message: "empty configuration".into() })?;
        let raw: RawConfig = serde_json::from_value(doc.value.clone())
            .map_err(|e| ManifestError::File { file: file.clone(), message: e.to_string() })?;
        let origin = &doc.origin;
        if raw.kind.as_deref().is_some_and(|k| k != "HubConfig")
            || raw.api_version.as_deref().is_some_and(|a| a != "convoy.dev/v1alpha1")
        {
            return Err(ManifestError::field(origin, "kind", "expected convoy.dev/v1alpha1 HubConfig"));
        }
        let base = path.parent().unwrap_or(Path::new("."));
        let resolve = |p: &Path| if p.is_absolute() { p.to_path_buf() } else { base.join(p) };
        let mut repositories = Vec::new();
        for (i, r) in raw.repositories.into_iter().enumerate() {
            let poll_interval_ms = match &r.poll_interval {
                None => 30_000,
                Some(s) => parse_duration_ms(s).filter(|ms| *ms > 0).ok_or_else(|| {
                    ManifestError::field(
                        origin,
                        format!("repositories[{i}].pollInterval"),
                        format!("{s:?} is not a duration such as 30s"),
                    )
                })?,
            };
            let mut credentials = r.credentials;
            credentials.resolve_paths(resolve);
            if r.local.is_none() {
                crate::git::credentials::check(&r.url, &credentials)
                    .map_err(|e| ManifestError::field(origin, format!("repositories[{i}]"), e))?;
            }
            repositories.push(RepositoryConfig {
                url: r.url,
                poll_interval_ms,
                local: r.local.as_deref().map(resolve),
                credentials,
            });
        }
        for (i, root) in raw.roots.iter().enumerate() {
            if !repositories.iter().any(|r| same_repo(&r.url, &root.repo_url)) {
                return Err(ManifestError::field(
                    origin,
                    format!("roots[{i}].repoURL"),
                    format!("{} is not one of the configured repositories", root.repo_url),
                ));
            }
        }
        let mut clusters: Vec<Cluster> = raw
            .clusters
            .into_iter()
            .map(|c| {
                let mut cluster = Cluster::new(c.name);
                if let Some(s) = c.server {
                    cluster.server = s;
                }
                cluster.labels = c.labels;
                cluster.annotations = c.annotations;
                cluster
            })
            .collect();
        for f in &raw.cluster_files {
            clusters.extend(clusters_from_documents(&read_stream(&resolve(f))?)?.clusters);
        }
        let mut names = std::collections::BTreeSet::new();
        for c in &clusters {
            if !names.insert(c.name.clone()) {
                return Err(ManifestError::field(
                    origin,
                    "clusters",
                    format!("cluster {:?} is defined more than once", c.name),
                ));
            }
        }
        if let Some(ic) = &raw.in_cluster
            && !names.contains(ic)
        {
            return Err(ManifestError::field(origin, "inCluster", format!("{ic:?} is not a configured cluster")));
        }
        Ok(HubConfig {
            file: path.to_path_buf(),
            cache_dir: resolve(raw.cache_dir.as_deref().unwrap_or(Path::new(".convoy-cache"))),
            state_dir: resolve(raw.state_dir.as_deref().unwrap_or(Path::new(".convoy-state"))),
            in_cluster: raw.in_cluster,
            repositories,
            roots: raw.roots,
            clusters,
        })
    }

    /// The configured clusters plus those registered in the persistent
    /// inventory (which win on a name clash: they are the live registry).
    pub fn all_clusters(&self) -> Result<Vec<Cluster>, String> {
        let mut all: BTreeMap<String, Cluster> = self.clusters.iter().map(|c| (c.name.clone(), c.clone())).collect();
        if self.state_dir.join("inventory.redb").exists() {
            let store = crate::inventory::store::InventoryStore::open(&self.state_dir).map_err(|e| e.to_string())?;
            for c in store.list().map_err(|e| e.to_string())? {
                all.insert(c.name.clone(), c);
            }
        }
        Ok(all.into_values().collect())
    }

    pub fn origin(&self) -> Origin {
        Origin { file: self.file.display().to_string(), document: 1 }
    }
}

pub fn same_repo(a: &str, b: &str) -> bool {
    crate::repo::local::normalize_url(a) == crate::repo::local::normalize_url(b)
}
