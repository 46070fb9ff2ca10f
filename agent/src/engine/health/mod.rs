//! Resource health as Argo CD assesses it.
//!
//! Built-in kinds follow gitops-engine's checks (workloads, pods, jobs,
//! services, ingresses, PVCs, HPAs, APIServices) and Argo CD's bundled
//! rules for CronJobs and CRDs. Any other object with `status.conditions`
//! is read the kstatus way: `Stalled=True` is Degraded, `Reconciling=True`
//! or `Ready=False` is Progressing, `Ready`/`Available=True` is Healthy.
//! Objects with no health notion get `None` and do not affect their app.

mod extras;
mod pods;
mod workloads;

use convoy_protocol::status::HealthState;
use serde_json::Value;

/// A resource's health with the reason a person reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Health {
    pub state: HealthState,
    pub message: String,
}

impl Health {
    pub fn new(state: HealthState, message: impl Into<String>) -> Health {
        Health { state, message: message.into() }
    }
    fn healthy() -> Health {
        Health::new(HealthState::Healthy, "")
    }
}

/// The health of a live object; `None` when its kind has no health notion.
pub fn assess(obj: &Value) -> Option<Health> {
    if obj.pointer("/metadata/deletionTimestamp").is_some_and(|t| !t.is_null()) {
        return Some(Health::new(HealthState::Progressing, "Pending deletion"));
    }
    let api = obj["apiVersion"].as_str().unwrap_or_default();
    let group = api.rsplit_once('/').map_or("", |(g, _)| g);
    let kind = obj["kind"].as_str().unwrap_or_default();
    match (group, kind) {
        ("apps", "Deployment") => Some(workloads::deployment(obj)),
        ("apps", "StatefulSet") => Some(workloads::statefulset(obj)),
        ("apps", "DaemonSet") => Some(workloads::daemonset(obj)),
        ("apps", "ReplicaSet") => Some(workloads::replicaset(obj)),
        ("", "Pod") => Some(pods::pod(obj)),
        ("batch", "Job") => Some(pods::job(obj)),
        ("batch", "CronJob") => Some(pods::cronjob(obj)),
        ("", "Service") => Some(extras::service(obj)),
        ("", "PersistentVolumeClaim") => Some(extras::pvc(obj)),
        ("networking.k8s.io" | "extensions", "Ingress") => Some(extras::ingress(obj)),
        ("autoscaling", "HorizontalPodAutoscaler") => Some(extras::hpa(obj)),
        ("apiregistration.k8s.io", "APIService") => Some(extras::apiservice(obj)),
        ("apiextensions.k8s.io", "CustomResourceDefinition") => Some(extras::crd(obj)),
        _ => extras::conditions(obj),
    }
}

/// An app's health: the worst of its resources' (Argo CD's order), Healthy
/// when none has a health notion.
pub fn worst<'a>(healths: impl IntoIterator<Item = &'a HealthState>) -> HealthState {
    healths.into_iter().copied().max().unwrap_or(HealthState::Healthy)
}

/// An integer field, 0 when absent (as Go's zero values).
fn int(obj: &Value, pointer: &str) -> i64 {
    obj.pointer(pointer).and_then(Value::as_i64).unwrap_or(0)
}

/// An optional integer field.
fn opt_int(obj: &Value, pointer: &str) -> Option<i64> {
    obj.pointer(pointer).and_then(Value::as_i64)
}

fn str_at<'a>(obj: &'a Value, pointer: &str) -> &'a str {
    obj.pointer(pointer).and_then(Value::as_str).unwrap_or_default()
}

/// The condition of a type in `status.conditions`.
fn condition<'a>(obj: &'a Value, kind: &str) -> Option<&'a Value> {
    obj.pointer("/status/conditions")?.as_array()?.iter().find(|c| c["type"] == kind)
}

#[cfg(test)]
mod tests;
