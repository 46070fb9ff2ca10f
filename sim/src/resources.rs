//! The kinds a simulated cluster knows: the built-in table and the types a
//! CustomResourceDefinition adds. Everything that routes, stores or discovers
//! objects looks the type up here.

use serde_json::Value;
use std::sync::{Arc, LazyLock};

/// How the fields of a kind are merged: built-in kinds have list merge keys
/// (containers by name, ...), custom resources without a schema treat every
/// list as atomic, like the apiserver's deduced type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schema {
    Builtin,
    Custom,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ResourceType {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub plural: String,
    pub singular: String,
    pub namespaced: bool,
    pub short_names: Vec<String>,
    pub categories: Vec<String>,
    pub status: bool,
    pub scale: bool,
    /// Kinds with a spec whose changes bump metadata.generation.
    pub generation: bool,
    pub schema: Schema,
}

impl ResourceType {
    pub fn api_version(&self) -> String {
        if self.group.is_empty() { self.version.clone() } else { format!("{}/{}", self.group, self.version) }
    }

    /// `deployments.apps`, or `pods` for the core group: what error messages name.
    pub fn qualified_plural(&self) -> String {
        if self.group.is_empty() { self.plural.clone() } else { format!("{}.{}", self.plural, self.group) }
    }

    /// The key objects are stored under: shared by all versions of a kind.
    pub fn store_key(&self) -> String {
        format!("{}/{}", self.group, self.plural)
    }

    pub fn list_kind(&self) -> String {
        format!("{}List", self.kind)
    }
}

struct Builtin {
    gv: &'static str,
    kind: &'static str,
    plural: &'static str,
    namespaced: bool,
    short: &'static [&'static str],
    status: bool,
    scale: bool,
    generation: bool,
}

const fn b(
    gv: &'static str,
    kind: &'static str,
    plural: &'static str,
    namespaced: bool,
    short: &'static [&'static str],
    flags: (bool, bool, bool),
) -> Builtin {
    Builtin { gv, kind, plural, namespaced, short, status: flags.0, scale: flags.1, generation: flags.2 }
}

const NONE: (bool, bool, bool) = (false, false, false);
const STATUS: (bool, bool, bool) = (true, false, false);
const WORKLOAD: (bool, bool, bool) = (true, true, true);
const GEN: (bool, bool, bool) = (false, false, true);
const STATUS_GEN: (bool, bool, bool) = (true, false, true);

static BUILTINS: &[Builtin] = &[
    b("v1", "Namespace", "namespaces", false, &["ns"], STATUS),
    b("v1", "ConfigMap", "configmaps", true, &["cm"], NONE),
    b("v1", "Secret", "secrets", true, &[], NONE),
    b("v1", "Service", "services", true, &["svc"], STATUS),
    b("v1", "ServiceAccount", "serviceaccounts", true, &["sa"], NONE),
    b("v1", "Pod", "pods", true, &["po"], STATUS),
    b("v1", "Event", "events", true, &["ev"], NONE),
    b("v1", "PersistentVolumeClaim", "persistentvolumeclaims", true, &["pvc"], STATUS),
    b("v1", "PersistentVolume", "persistentvolumes", false, &["pv"], STATUS),
    b("v1", "Node", "nodes", false, &["no"], STATUS),
    b("v1", "Endpoints", "endpoints", true, &["ep"], NONE),
    b("apps/v1", "Deployment", "deployments", true, &["deploy"], WORKLOAD),
    b("apps/v1", "ReplicaSet", "replicasets", true, &["rs"], WORKLOAD),
    b("apps/v1", "StatefulSet", "statefulsets", true, &["sts"], WORKLOAD),
    b("apps/v1", "DaemonSet", "daemonsets", true, &["ds"], STATUS_GEN),
    b("apps/v1", "ControllerRevision", "controllerrevisions", true, &[], NONE),
    b("batch/v1", "Job", "jobs", true, &[], STATUS_GEN),
    b("batch/v1", "CronJob", "cronjobs", true, &["cj"], STATUS_GEN),
    b("networking.k8s.io/v1", "Ingress", "ingresses", true, &["ing"], STATUS_GEN),
    b("networking.k8s.io/v1", "NetworkPolicy", "networkpolicies", true, &["netpol"], GEN),
    b("networking.k8s.io/v1", "IngressClass", "ingressclasses", false, &[], GEN),
    b("autoscaling/v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", true, &["hpa"], STATUS),
    b("policy/v1", "PodDisruptionBudget", "poddisruptionbudgets", true, &["pdb"], STATUS_GEN),
    b("rbac.authorization.k8s.io/v1", "Role", "roles", true, &[], NONE),
    b("rbac.authorization.k8s.io/v1", "RoleBinding", "rolebindings", true, &[], NONE),
    b("rbac.authorization.k8s.io/v1", "ClusterRole", "clusterroles", false, &[], NONE),
    b("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "clusterrolebindings", false, &[], NONE),
    b(
        "apiextensions.k8s.io/v1",
        "CustomResourceDefinition",
        "customresourcedefinitions",
        false,
        &["crd", "crds"],
        STATUS_GEN,
    ),
    b("coordination.k8s.io/v1", "Lease", "leases", true, &[], NONE),
    b("events.k8s.io/v1", "Event", "events", true, &["ev"], NONE),
];

fn from_builtin(x: &Builtin) -> ResourceType {
    let (group, version) = match x.gv.split_once('/') {
        Some((g, v)) => (g.to_string(), v.to_string()),
        None => (String::new(), x.gv.to_string()),
    };
    let categories = match x.plural {
        "pods"
        | "services"
        | "deployments"
        | "replicasets"
        | "statefulsets"
        | "daemonsets"
        | "jobs"
        | "cronjobs"
        | "horizontalpodautoscalers" => vec!["all".to_string()],
        _ => vec![],
    };
    ResourceType {
        group,
        version,
        kind: x.kind.to_string(),
        singular: x.kind.to_lowercase(),
        plural: x.plural.to_string(),
        namespaced: x.namespaced,
        short_names: x.short.iter().map(|s| s.to_string()).collect(),
        categories,
        status: x.status,
        scale: x.scale,
        generation: x.generation,
        schema: Schema::Builtin,
    }
}

/// All built-in types, in discovery order.
pub static BUILTIN_TYPES: LazyLock<Vec<Arc<ResourceType>>> =
    LazyLock::new(|| BUILTINS.iter().map(|x| Arc::new(from_builtin(x))).collect());

/// Errors a CRD's spec can have that stop it from becoming a served type.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CrdError {
    #[error("spec.{0}: Required value")]
    Missing(&'static str),
    #[error("metadata.name: Invalid value: \"{name}\": must be spec.names.plural+\".\"+spec.group")]
    Name { name: String },
}

/// The served types a CRD object declares (one per served version).
pub fn types_from_crd(crd: &Value) -> Result<Vec<ResourceType>, CrdError> {
    let spec = crd.get("spec").ok_or(CrdError::Missing("spec"))?;
    let group = spec.get("group").and_then(Value::as_str).ok_or(CrdError::Missing("group"))?;
    let names = spec.get("names").ok_or(CrdError::Missing("names"))?;
    let plural = names.get("plural").and_then(Value::as_str).ok_or(CrdError::Missing("names.plural"))?;
    let kind = names.get("kind").and_then(Value::as_str).ok_or(CrdError::Missing("names.kind"))?;
    let name = crd.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("");
    if name != format!("{plural}.{group}") {
        return Err(CrdError::Name { name: name.to_string() });
    }
    let singular =
        names.get("singular").and_then(Value::as_str).map(str::to_string).unwrap_or_else(|| kind.to_lowercase());
    let strings = |v: Option<&Value>| -> Vec<String> {
        v.and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default()
    };
    let short_names = strings(names.get("shortNames"));
    let categories = strings(names.get("categories"));
    let namespaced = spec.get("scope").and_then(Value::as_str) != Some("Cluster");
    let versions = spec.get("versions").and_then(Value::as_array).ok_or(CrdError::Missing("versions"))?;
    let mut out = Vec::new();
    for v in versions {
        if v.get("served").and_then(Value::as_bool) == Some(false) {
            continue;
        }
        let Some(version) = v.get("name").and_then(Value::as_str) else {
            continue;
        };
        let sub = v.get("subresources");
        out.push(ResourceType {
            group: group.to_string(),
            version: version.to_string(),
            kind: kind.to_string(),
            plural: plural.to_string(),
            singular: singular.clone(),
            namespaced,
            short_names: short_names.clone(),
            categories: categories.clone(),
            status: sub.and_then(|s| s.get("status")).is_some(),
            scale: sub.and_then(|s| s.get("scale")).is_some(),
            generation: true,
            schema: Schema::Custom,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn crd_versions_become_types() {
        let crd = json!({
            "metadata": {"name": "widgets.example.com"},
            "spec": {"group": "example.com", "scope": "Cluster",
                "names": {"plural": "widgets", "kind": "Widget", "shortNames": ["wd"]},
                "versions": [
                    {"name": "v1", "served": true, "storage": true, "subresources": {"status": {}}},
                    {"name": "v0", "served": false, "storage": false}
                ]}
        });
        let types = types_from_crd(&crd).unwrap();
        assert_eq!(types.len(), 1);
        assert!(!types[0].namespaced);
        assert!(types[0].status);
        assert_eq!(types[0].short_names, vec!["wd"]);
    }

    #[test]
    fn crd_name_must_match() {
        let crd = json!({"metadata": {"name": "x.example.com"},
            "spec": {"group": "example.com", "names": {"plural": "widgets", "kind": "Widget"}, "versions": []}});
        assert!(matches!(types_from_crd(&crd), Err(CrdError::Name { .. })));
    }
}
