//! The Job controller: runs pods until `completions` succeed (Complete), or
//! more than `backoffLimit` fail (Failed, reason BackoffLimitExceeded).
//! CronJobs are stored but left idle: nothing is scheduled from them.

use super::{Tick, condition, create_pod, int, live, owned, pod_ready, set_status, ty};
use crate::store::ClusterState;
use crate::store::meta;
use serde_json::{Value, json};

fn finished(job: &Value) -> bool {
    job.pointer("/status/conditions").and_then(Value::as_array).into_iter().flatten().any(|c| {
        matches!(c.get("type").and_then(Value::as_str), Some("Complete" | "Failed"))
            && c.get("status").and_then(Value::as_str) == Some("True")
    })
}

pub fn reconcile(s: &mut ClusterState, t: &mut Tick) {
    let (Some(job_rt), Some(pod_rt)) = (ty(s, "batch", "Job"), ty(s, "", "Pod")) else { return };
    for job in live(s, &job_rt) {
        if finished(&job) || job.pointer("/spec/suspend").and_then(Value::as_bool) == Some(true) {
            continue;
        }
        let ns = meta::namespace_of(&job).to_string();
        let uid = meta::uid_of(&job).to_string();
        let name = meta::name_of(&job).to_string();
        let completions = int(&job, "/spec/completions").max(1);
        let parallelism = int(&job, "/spec/parallelism").max(1);
        let backoff = int(&job, "/spec/backoffLimit");
        let phase = |p: &Value| p.pointer("/status/phase").and_then(Value::as_str).unwrap_or("").to_string();
        let count = |s: &ClusterState| {
            let pods = owned(s, &pod_rt, &ns, &uid);
            let succeeded = pods.iter().filter(|p| phase(p) == "Succeeded").count() as i64;
            let failed = pods.iter().filter(|p| phase(p) == "Failed").count() as i64;
            let active: Vec<_> =
                pods.into_iter().filter(|p| !matches!(phase(p).as_str(), "Succeeded" | "Failed")).collect();
            (succeeded, failed, active)
        };
        let (succeeded, failed, active) = count(s);
        let template = job.pointer("/spec/template").cloned().unwrap_or(json!({}));
        if succeeded < completions && failed <= backoff {
            let room = (parallelism - active.len() as i64).min(completions - succeeded - active.len() as i64);
            for _ in 0..room.max(0) {
                let pod_name = format!("{name}-{}", s.ids.suffix(5));
                create_pod(s, &job, &template, &pod_name, &[], t.now);
            }
        }
        let (succeeded, failed, active) = count(s);
        let now_s = t.now.rfc3339();
        let start = job.pointer("/status/startTime").cloned().unwrap_or(json!(now_s));
        let mut status = json!({
            "startTime": start,
            "active": active.len(),
            "ready": active.iter().filter(|p| pod_ready(p)).count(),
            "succeeded": succeeded,
            "failed": failed,
            "terminating": 0,
            "uncountedTerminatedPods": {},
        });
        if succeeded >= completions {
            status["completionTime"] = json!(now_s);
            status["conditions"] = json!([
                condition(
                    &job,
                    "SuccessCriteriaMet",
                    "True",
                    "CompletionsReached",
                    "Reached expected number of succeeded pods",
                    &now_s,
                    false
                ),
                condition(
                    &job,
                    "Complete",
                    "True",
                    "CompletionsReached",
                    "Reached expected number of succeeded pods",
                    &now_s,
                    false
                ),
            ]);
        } else if failed > backoff {
            status["conditions"] = json!([
                condition(
                    &job,
                    "FailureTarget",
                    "True",
                    "BackoffLimitExceeded",
                    "Job has reached the specified backoff limit",
                    &now_s,
                    false
                ),
                condition(
                    &job,
                    "Failed",
                    "True",
                    "BackoffLimitExceeded",
                    "Job has reached the specified backoff limit",
                    &now_s,
                    false
                ),
            ]);
        }
        for k in ["active", "ready", "succeeded", "failed"] {
            if status[k] == json!(0)
                && k != "ready"
                && let Some(m) = status.as_object_mut()
            {
                m.remove(k);
            }
        }
        let current = s.get(&job_rt, &ns, &name).cloned().unwrap_or(job);
        set_status(s, &job_rt, &current, status, "kube-controller-manager", t.now);
    }
}
