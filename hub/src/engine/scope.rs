//! Whether a kind is cluster-scoped, known without asking a cluster: the
//! built-in cluster-scoped kinds of Kubernetes, plus CRDs rendered alongside
//! (`spec.scope: Cluster`). Anything else is taken as namespaced, as
//! `kubectl apply` would if the object carries a namespace.

use serde_json::Value;
use std::collections::HashSet;

const CLUSTER_SCOPED: &[(&str, &str)] = &[
    ("", "Namespace"),
    ("", "Node"),
    ("", "PersistentVolume"),
    ("", "ComponentStatus"),
    ("rbac.authorization.k8s.io", "ClusterRole"),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
    ("apiextensions.k8s.io", "CustomResourceDefinition"),
    ("apiregistration.k8s.io", "APIService"),
    ("storage.k8s.io", "StorageClass"),
    ("storage.k8s.io", "CSIDriver"),
    ("storage.k8s.io", "CSINode"),
    ("storage.k8s.io", "VolumeAttachment"),
    ("scheduling.k8s.io", "PriorityClass"),
    ("node.k8s.io", "RuntimeClass"),
    ("networking.k8s.io", "IngressClass"),
    ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
    ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
    ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
    ("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"),
    ("certificates.k8s.io", "CertificateSigningRequest"),
    ("flowcontrol.apiserver.k8s.io", "FlowSchema"),
    ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"),
];

/// The group of an `apiVersion` (`apps/v1` → `apps`, `v1` → ``).
pub fn group_of(api_version: &str) -> &str {
    api_version.rsplit_once('/').map(|(g, _)| g).unwrap_or("")
}

/// Cluster-scoped kinds: built-ins and those declared by CRDs in `objects`.
pub struct Scopes {
    cluster: HashSet<(String, String)>,
}

impl Scopes {
    pub fn new(objects: &[&Value]) -> Scopes {
        let mut cluster: HashSet<(String, String)> =
            CLUSTER_SCOPED.iter().map(|(g, k)| (g.to_string(), k.to_string())).collect();
        for o in objects {
            if o["kind"] == "CustomResourceDefinition"
                && o["spec"]["scope"] == "Cluster"
                && let (Some(g), Some(k)) = (o["spec"]["group"].as_str(), o["spec"]["names"]["kind"].as_str())
            {
                cluster.insert((g.to_string(), k.to_string()));
            }
        }
        Scopes { cluster }
    }

    pub fn is_namespaced(&self, group: &str, kind: &str) -> bool {
        !self.cluster.contains(&(group.to_string(), kind.to_string()))
    }
}
