//! In which order a bundle's resources are applied, as Argo CD orders a
//! sync: by phase (PreSync hooks, Sync, PostSync hooks; SyncFail hooks only
//! when the sync fails), then within the Sync phase Namespaces and CRDs
//! first, then by sync wave, then by Argo CD's kind order, then by name.
//! Each wave is applied only once the previous one is healthy.
//!
//! Hooks come from `argocd.argoproj.io/hook` or, as Argo CD maps them,
//! Helm's `helm.sh/hook` (pre-install/pre-upgrade → PreSync,
//! post-install/post-upgrade → PostSync); `helm.sh/hook-weight` is their wave.

use serde_json::Value;

pub const SYNC_WAVE: &str = "argocd.argoproj.io/sync-wave";
pub const HOOK: &str = "argocd.argoproj.io/hook";
pub const HOOK_DELETE_POLICY: &str = "argocd.argoproj.io/hook-delete-policy";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    PreSync,
    Sync,
    PostSync,
    SyncFail,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeletePolicy {
    HookSucceeded,
    HookFailed,
    BeforeHookCreation,
}

/// What an object's annotations make of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// An ordinary resource, applied in the Sync phase.
    Resource,
    /// A hook run in these phases, deleted per its policies.
    Hook { phases: Vec<Phase>, delete: Vec<DeletePolicy> },
    /// `argocd.argoproj.io/hook: Skip`, or a Helm hook Argo CD does not run.
    Skip,
}

fn annotation<'a>(obj: &'a Value, key: &str) -> Option<&'a str> {
    obj.pointer("/metadata/annotations").and_then(|a| a.get(key)).and_then(Value::as_str)
}

pub fn role(obj: &Value) -> Role {
    if let Some(spec) = annotation(obj, HOOK) {
        let mut phases = Vec::new();
        for p in spec.split(',').map(str::trim) {
            match p {
                "PreSync" => phases.push(Phase::PreSync),
                "Sync" => phases.push(Phase::Sync),
                "PostSync" => phases.push(Phase::PostSync),
                "SyncFail" => phases.push(Phase::SyncFail),
                "Skip" => return Role::Skip,
                _ => {}
            }
        }
        if phases.is_empty() {
            return Role::Resource;
        }
        let delete = policies(annotation(obj, HOOK_DELETE_POLICY));
        return Role::Hook { phases, delete };
    }
    if let Some(spec) = annotation(obj, "helm.sh/hook") {
        let mut phases = Vec::new();
        for p in spec.split(',').map(str::trim) {
            match p {
                "pre-install" | "pre-upgrade" => phases.push(Phase::PreSync),
                "post-install" | "post-upgrade" => phases.push(Phase::PostSync),
                "crd-install" => return Role::Resource,
                _ => {}
            }
        }
        phases.sort();
        phases.dedup();
        if phases.is_empty() {
            // test, pre-delete, rollback...: not part of a sync.
            return Role::Skip;
        }
        let delete = policies(annotation(obj, "helm.sh/hook-delete-policy"));
        return Role::Hook { phases, delete };
    }
    Role::Resource
}

fn policies(spec: Option<&str>) -> Vec<DeletePolicy> {
    let mut out: Vec<DeletePolicy> = spec
        .unwrap_or_default()
        .split(',')
        .filter_map(|p| match p.trim() {
            "HookSucceeded" | "hook-succeeded" => Some(DeletePolicy::HookSucceeded),
            "HookFailed" | "hook-failed" => Some(DeletePolicy::HookFailed),
            "BeforeHookCreation" | "before-hook-creation" => Some(DeletePolicy::BeforeHookCreation),
            _ => None,
        })
        .collect();
    if out.is_empty() {
        out.push(DeletePolicy::BeforeHookCreation);
    }
    out
}

/// The sync wave: `argocd.argoproj.io/sync-wave`, or a Helm hook's weight;
/// 0 when absent or not an integer.
pub fn wave(obj: &Value) -> i32 {
    annotation(obj, SYNC_WAVE)
        .or_else(|| annotation(obj, "helm.sh/hook").and(annotation(obj, "helm.sh/hook-weight")))
        .and_then(|w| w.trim().parse().ok())
        .unwrap_or(0)
}

/// Argo CD's kind order: listed kinds first, in this order, then all others.
const KIND_ORDER: &[&str] = &[
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
];

fn kind_rank(kind: &str) -> usize {
    KIND_ORDER.iter().position(|k| *k == kind).unwrap_or(KIND_ORDER.len())
}

fn is_foundation(obj: &Value) -> bool {
    let api = obj["apiVersion"].as_str().unwrap_or_default();
    matches!(
        (api, obj["kind"].as_str().unwrap_or_default()),
        ("v1", "Namespace") | ("apiextensions.k8s.io/v1" | "apiextensions.k8s.io/v1beta1", "CustomResourceDefinition")
    )
}

/// One group of resources applied together; the next waits for it to be healthy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub phase: Phase,
    /// `None` for the Namespaces-and-CRDs step that precedes all waves.
    pub wave: Option<i32>,
    /// Indexes into the object list, in apply order.
    pub objects: Vec<usize>,
}

/// The ordered steps of a sync of `objects`. Skipped objects appear nowhere.
pub fn sync_steps(objects: &[Value]) -> Vec<Step> {
    let mut keyed: Vec<((Phase, Option<i32>), usize)> = Vec::new();
    for (i, obj) in objects.iter().enumerate() {
        match role(obj) {
            Role::Skip => {}
            Role::Resource if is_foundation(obj) => keyed.push(((Phase::Sync, None), i)),
            Role::Resource => keyed.push(((Phase::Sync, Some(wave(obj))), i)),
            Role::Hook { phases, .. } => {
                for p in phases {
                    keyed.push(((p, Some(wave(obj))), i));
                }
            }
        }
    }
    keyed.sort_by(|(ka, a), (kb, b)| {
        ka.cmp(kb).then_with(|| {
            let (oa, ob) = (&objects[*a], &objects[*b]);
            let kind = |o: &Value| kind_rank(o["kind"].as_str().unwrap_or_default());
            let name = |o: &Value| o["metadata"]["name"].as_str().unwrap_or_default().to_string();
            kind(oa).cmp(&kind(ob)).then_with(|| name(oa).cmp(&name(ob)))
        })
    });
    let mut steps: Vec<Step> = Vec::new();
    for ((phase, wave), i) in keyed {
        match steps.last_mut() {
            Some(s) if s.phase == phase && s.wave == wave => s.objects.push(i),
            _ => steps.push(Step { phase, wave, objects: vec![i] }),
        }
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(api: &str, kind: &str, name: &str, annotations: Value) -> Value {
        json!({"apiVersion": api, "kind": kind, "metadata": {"name": name, "annotations": annotations}})
    }

    fn names(objects: &[Value], steps: &[Step]) -> Vec<(Phase, Option<i32>, Vec<String>)> {
        steps
            .iter()
            .map(|s| {
                (
                    s.phase,
                    s.wave,
                    s.objects.iter().map(|i| objects[*i]["metadata"]["name"].as_str().unwrap().to_string()).collect(),
                )
            })
            .collect()
    }

    #[test]
    fn namespaces_and_crds_then_waves_then_kind_order() {
        let objects = vec![
            obj("apps/v1", "Deployment", "web", json!({})),
            obj("autoscaling/v2", "HorizontalPodAutoscaler", "web-hpa", json!({SYNC_WAVE: "1"})),
            obj("v1", "ConfigMap", "app-config", json!({SYNC_WAVE: "-1"})),
            obj("v1", "Service", "web", json!({})),
            obj("example.com/v1", "Widget", "w", json!({})),
            obj("apiextensions.k8s.io/v1", "CustomResourceDefinition", "widgets.example.com", json!({})),
            obj("v1", "Namespace", "prod", json!({})),
            obj("v1", "Secret", "creds", json!({})),
        ];
        let steps = sync_steps(&objects);
        assert_eq!(
            names(&objects, &steps),
            vec![
                (Phase::Sync, None, vec!["prod".into(), "widgets.example.com".into()]),
                (Phase::Sync, Some(-1), vec!["app-config".into()]),
                (Phase::Sync, Some(0), vec!["creds".into(), "web".into(), "web".into(), "w".into()]),
                (Phase::Sync, Some(1), vec!["web-hpa".into()]),
            ]
        );
        // Within wave 0: Secret, Service, Deployment, then the unknown kind.
        let wave0: Vec<&str> = steps[2].objects.iter().map(|i| objects[*i]["kind"].as_str().unwrap()).collect();
        assert_eq!(wave0, ["Secret", "Service", "Deployment", "Widget"]);
    }

    #[test]
    fn hooks_run_in_their_phases() {
        let objects = vec![
            obj("batch/v1", "Job", "migrate", json!({HOOK: "PreSync", HOOK_DELETE_POLICY: "HookSucceeded"})),
            obj("batch/v1", "Job", "smoke", json!({HOOK: "PostSync"})),
            obj("batch/v1", "Job", "alert", json!({HOOK: "SyncFail"})),
            obj("v1", "ConfigMap", "skipped", json!({HOOK: "Skip"})),
            obj(
                "batch/v1",
                "Job",
                "helm-pre",
                json!({"helm.sh/hook": "pre-install,pre-upgrade", "helm.sh/hook-weight": "-5"}),
            ),
            obj("v1", "Pod", "helm-test", json!({"helm.sh/hook": "test"})),
            obj("v1", "ConfigMap", "plain", json!({})),
        ];
        let steps = sync_steps(&objects);
        assert_eq!(
            names(&objects, &steps),
            vec![
                (Phase::PreSync, Some(-5), vec!["helm-pre".into()]),
                (Phase::PreSync, Some(0), vec!["migrate".into()]),
                (Phase::Sync, Some(0), vec!["plain".into()]),
                (Phase::PostSync, Some(0), vec!["smoke".into()]),
                (Phase::SyncFail, Some(0), vec!["alert".into()]),
            ]
        );
        assert_eq!(
            role(&objects[0]),
            Role::Hook { phases: vec![Phase::PreSync], delete: vec![DeletePolicy::HookSucceeded] }
        );
        assert_eq!(
            role(&objects[1]),
            Role::Hook { phases: vec![Phase::PostSync], delete: vec![DeletePolicy::BeforeHookCreation] }
        );
    }

    #[test]
    fn malformed_waves_are_zero() {
        assert_eq!(wave(&obj("v1", "ConfigMap", "x", json!({SYNC_WAVE: "soon"}))), 0);
        assert_eq!(wave(&obj("v1", "ConfigMap", "x", json!({SYNC_WAVE: " 3 "}))), 3);
    }
}
