//! Deployments, StatefulSets, DaemonSets and ReplicaSets.

use super::{Health, condition, int, opt_int, str_at};
use convoy_protocol::status::HealthState::{Degraded, Healthy, Progressing, Suspended};
use serde_json::Value;

pub fn deployment(d: &Value) -> Health {
    if d.pointer("/spec/paused").and_then(Value::as_bool) == Some(true) {
        return Health::new(Suspended, "Deployment is paused");
    }
    if int(d, "/metadata/generation") > int(d, "/status/observedGeneration") {
        return Health::new(
            Progressing,
            "Waiting for rollout to finish: observed deployment generation less than desired generation",
        );
    }
    let updated = int(d, "/status/updatedReplicas");
    let replicas = int(d, "/status/replicas");
    let available = int(d, "/status/availableReplicas");
    if condition(d, "Progressing").is_some_and(|c| c["reason"] == "ProgressDeadlineExceeded") {
        let name = str_at(d, "/metadata/name");
        return Health::new(Degraded, format!("Deployment {name:?} exceeded its progress deadline"));
    }
    if let Some(desired) = opt_int(d, "/spec/replicas")
        && updated < desired
    {
        return Health::new(
            Progressing,
            format!("Waiting for rollout to finish: {updated} out of {desired} new replicas have been updated..."),
        );
    }
    if replicas > updated {
        return Health::new(
            Progressing,
            format!("Waiting for rollout to finish: {} old replicas are pending termination...", replicas - updated),
        );
    }
    if available < updated {
        return Health::new(
            Progressing,
            format!("Waiting for rollout to finish: {available} of {updated} updated replicas are available..."),
        );
    }
    Health::healthy()
}

pub fn statefulset(s: &Value) -> Health {
    let observed = int(s, "/status/observedGeneration");
    if observed == 0 || int(s, "/metadata/generation") > observed {
        return Health::new(Progressing, "Waiting for statefulset spec update to be observed...");
    }
    let ready = int(s, "/status/readyReplicas");
    let desired = opt_int(s, "/spec/replicas");
    if let Some(desired) = desired
        && ready < desired
    {
        return Health::new(Progressing, format!("Waiting for {} pods to be ready...", desired - ready));
    }
    let strategy = str_at(s, "/spec/updateStrategy/type");
    let updated = int(s, "/status/updatedReplicas");
    if strategy == "RollingUpdate" && s.pointer("/spec/updateStrategy/rollingUpdate").is_some_and(|r| !r.is_null()) {
        if let (Some(desired), Some(partition)) = (desired, opt_int(s, "/spec/updateStrategy/rollingUpdate/partition"))
            && updated < desired - partition
        {
            return Health::new(
                Progressing,
                format!(
                    "Waiting for partitioned roll out to finish: {updated} out of {} new pods have been updated...",
                    desired - partition
                ),
            );
        }
        return Health::new(Healthy, format!("partitioned roll out complete: {updated} new pods have been updated..."));
    }
    if strategy == "OnDelete" {
        return Health::new(Healthy, format!("statefulset has {ready} ready pods"));
    }
    let (update_rev, current_rev) = (str_at(s, "/status/updateRevision"), str_at(s, "/status/currentRevision"));
    if update_rev != current_rev {
        return Health::new(
            Progressing,
            format!("waiting for statefulset rolling update to complete {updated} pods at revision {update_rev}..."),
        );
    }
    Health::new(
        Healthy,
        format!(
            "statefulset rolling update complete {} pods at revision {current_rev}...",
            int(s, "/status/currentReplicas")
        ),
    )
}

pub fn daemonset(d: &Value) -> Health {
    if int(d, "/metadata/generation") > int(d, "/status/observedGeneration") {
        return Health::new(
            Progressing,
            "Waiting for rollout to finish: observed daemon set generation less than desired generation",
        );
    }
    let (updated, desired) = (int(d, "/status/updatedNumberScheduled"), int(d, "/status/desiredNumberScheduled"));
    if str_at(d, "/spec/updateStrategy/type") == "OnDelete" {
        return Health::new(Healthy, format!("daemon set {updated} out of {desired} new pods have been updated"));
    }
    let name = str_at(d, "/metadata/name");
    if updated < desired {
        return Health::new(
            Progressing,
            format!(
                "Waiting for daemon set {name:?} rollout to finish: {updated} out of {desired} new pods have been updated..."
            ),
        );
    }
    let available = int(d, "/status/numberAvailable");
    if available < desired {
        return Health::new(
            Progressing,
            format!(
                "Waiting for daemon set {name:?} rollout to finish: {available} of {desired} updated pods are available..."
            ),
        );
    }
    Health::healthy()
}

pub fn replicaset(r: &Value) -> Health {
    if int(r, "/metadata/generation") > int(r, "/status/observedGeneration") {
        return Health::new(
            Progressing,
            "Waiting for rollout to finish: observed replica set generation less than desired generation",
        );
    }
    if let Some(c) = condition(r, "ReplicaFailure")
        && c["status"] == "True"
    {
        return Health::new(Degraded, c["message"].as_str().unwrap_or_default());
    }
    let available = int(r, "/status/availableReplicas");
    if let Some(desired) = opt_int(r, "/spec/replicas")
        && available < desired
    {
        return Health::new(
            Progressing,
            format!("Waiting for rollout to finish: {available} out of {desired} new replicas are available..."),
        );
    }
    Health::healthy()
}
