//! AppProjects, enforced when the hub renders: which repositories an app may
//! take sources from, which clusters and namespaces it may deploy to, and
//! which resource kinds it may create — with Argo CD's matching rules.
//!
//! Argo CD's built-in `default` project allows everything. A project with an
//! empty `clusterResourceWhitelist` allows no cluster-scoped kind, while a
//! missing `namespaceResourceWhitelist` allows every namespaced kind.

use crate::manifest::{Document, ManifestError, required_str};
use crate::repo::glob::{gobwas_match, gobwas_match_paths, path_match};
use crate::repo::local::normalize_url;
use serde::Deserialize;

#[derive(Debug, Clone, PartialEq)]
pub struct AppProject {
    pub name: String,
    pub spec: ProjectSpec,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectSpec {
    #[serde(default)]
    pub source_repos: Vec<String>,
    #[serde(default)]
    pub destinations: Vec<DestinationRule>,
    #[serde(default)]
    pub cluster_resource_whitelist: Vec<ResourceRule>,
    #[serde(default)]
    pub cluster_resource_blacklist: Vec<ResourceRule>,
    /// `None` (absent) allows all namespaced kinds; `Some([])` allows none.
    #[serde(default)]
    pub namespace_resource_whitelist: Option<Vec<ResourceRule>>,
    #[serde(default)]
    pub namespace_resource_blacklist: Vec<ResourceRule>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct DestinationRule {
    #[serde(default)]
    pub server: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub namespace: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ResourceRule {
    #[serde(default)]
    pub group: String,
    #[serde(default)]
    pub kind: String,
    /// Cluster-scoped rules may name objects too.
    #[serde(default)]
    pub name: String,
}

impl AppProject {
    /// Argo CD's `default` project.
    pub fn default_project() -> AppProject {
        AppProject {
            name: "default".into(),
            spec: ProjectSpec {
                source_repos: vec!["*".into()],
                destinations: vec![DestinationRule { server: "*".into(), name: "*".into(), namespace: "*".into() }],
                cluster_resource_whitelist: vec![ResourceRule {
                    group: "*".into(),
                    kind: "*".into(),
                    name: String::new(),
                }],
                ..Default::default()
            },
        }
    }

    pub fn from_document(doc: &Document) -> Result<AppProject, ManifestError> {
        let name = required_str(&doc.origin, &doc.value, "/metadata/name")?.to_string();
        let spec = match doc.value.get("spec") {
            None | Some(serde_json::Value::Null) => ProjectSpec::default(),
            Some(s) => serde_json::from_value(s.clone())
                .map_err(|e| ManifestError::field(&doc.origin, "spec", e.to_string()))?,
        };
        Ok(AppProject { name, spec })
    }

    /// Whether a source repository is permitted (`!` entries deny).
    pub fn source_permitted(&self, repo_url: &str) -> bool {
        let src = normalize_url(repo_url);
        let mut any = false;
        for pattern in &self.spec.source_repos {
            let (deny, p) = match pattern.strip_prefix('!') {
                Some(rest) => (true, normalize_url(rest)),
                None => (false, normalize_url(pattern)),
            };
            let hit = p == "*" || gobwas_match_paths(&p, &src);
            match (deny, hit) {
                (true, true) => return false,
                (true, false) => any = true,
                (false, true) => any = true,
                (false, false) => {}
            }
        }
        any
    }

    /// Whether a cluster (by name and server) and namespace are permitted.
    pub fn destination_permitted(&self, cluster_name: &str, server: &str, namespace: &str) -> bool {
        let mut any = false;
        for rule in &self.spec.destinations {
            let name_hit = !cluster_name.is_empty() && glob(&rule.name, cluster_name);
            let server_hit = !server.is_empty() && glob(&rule.server, server);
            let ns_hit = glob(&rule.namespace, namespace);
            // Argo CD's rules, in its order: a match permits; an unmatched
            // deny entry for the cluster (or, with the cluster matched, for
            // the namespace) forbids outright.
            let cluster_denied =
                (!name_hit && rule.name.starts_with('!')) || (!server_hit && rule.server.starts_with('!')) && ns_hit;
            let namespace_denied = !ns_hit && rule.namespace.starts_with('!') && server_hit;
            if (server_hit || name_hit) && ns_hit {
                any = true;
            } else if cluster_denied || namespace_denied {
                return false;
            }
        }
        any
    }

    /// Whether a resource kind (and, cluster-scoped, name) is permitted.
    pub fn resource_permitted(&self, group: &str, kind: &str, name: &str, namespaced: bool) -> bool {
        if namespaced {
            let allowed = match &self.spec.namespace_resource_whitelist {
                None => true,
                Some(list) => in_list(list, group, kind, None),
            };
            return allowed && !in_list(&self.spec.namespace_resource_blacklist, group, kind, None);
        }
        in_list(&self.spec.cluster_resource_whitelist, group, kind, Some(name))
            && !in_list(&self.spec.cluster_resource_blacklist, group, kind, Some(name))
    }
}

/// Argo CD's `globMatch` without separators, with `!` negation.
fn glob(pattern: &str, value: &str) -> bool {
    match pattern.strip_prefix('!') {
        Some(p) => !gobwas_match(p, value),
        None => pattern == "*" || gobwas_match(pattern, value),
    }
}

/// Kinds and groups match as Go's `filepath.Match`; a rule's empty name matches any.
fn in_list(list: &[ResourceRule], group: &str, kind: &str, name: Option<&str>) -> bool {
    list.iter().any(|r| {
        path_match(&r.kind, kind)
            && path_match(&r.group, group)
            && match name {
                Some(n) => r.name.is_empty() || path_match(&r.name, n),
                None => true,
            }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::parse_stream;

    /// The seed's production project.
    const PRODUCTION: &str = r#"
apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata: {name: production, namespace: argocd}
spec:
  destinations:
  - {namespace: production, server: https://kubernetes.default.svc}
  sourceRepos: [https://github.com/myorg/k8s-config.git]
  clusterResourceWhitelist: [{group: "", kind: Namespace}]
  namespaceResourceWhitelist:
  - {group: apps, kind: Deployment}
  - {group: "", kind: Service}
  - {group: "", kind: ConfigMap}
  - {group: networking.k8s.io, kind: Ingress}
"#;

    fn project(yaml: &str) -> AppProject {
        AppProject::from_document(&parse_stream("p.yaml", yaml).unwrap()[0]).unwrap()
    }

    #[test]
    fn the_seed_production_project() {
        let p = project(PRODUCTION);
        assert!(p.source_permitted("https://github.com/MyOrg/k8s-config"));
        assert!(!p.source_permitted("https://github.com/myorg/other.git"));
        assert!(p.destination_permitted("in-cluster", "https://kubernetes.default.svc", "production"));
        assert!(!p.destination_permitted("in-cluster", "https://kubernetes.default.svc", "kube-system"));
        assert!(p.resource_permitted("apps", "Deployment", "x", true));
        assert!(!p.resource_permitted("", "Secret", "x", true));
        assert!(p.resource_permitted("", "Namespace", "production", false));
        assert!(!p.resource_permitted("rbac.authorization.k8s.io", "ClusterRole", "x", false));
    }

    #[test]
    fn deny_patterns_and_defaults() {
        let p = project(
            "kind: AppProject\nmetadata: {name: p}\nspec:\n  sourceRepos: ['*', '!https://github.com/evil/*']\n  destinations:\n  - {server: '*', namespace: '*'}\n  - {server: '*', namespace: '!kube-system'}\n",
        );
        assert!(p.source_permitted("https://github.com/good/repo"));
        assert!(!p.source_permitted("https://github.com/evil/repo"));
        assert!(p.destination_permitted("c", "https://c", "apps"));
        assert!(!p.destination_permitted("c", "https://c", "kube-system"));
        assert!(p.resource_permitted("", "ConfigMap", "x", true), "no namespace whitelist allows all namespaced kinds");
        assert!(
            !p.resource_permitted("", "Namespace", "x", false),
            "no cluster whitelist allows no cluster-scoped kind"
        );
        let d = AppProject::default_project();
        assert!(
            d.source_permitted("anything")
                && d.destination_permitted("x", "y", "z")
                && d.resource_permitted("a", "B", "c", false)
        );
    }
}
