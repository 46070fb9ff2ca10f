//! The simulated kubelet on the single node `sim-node`: a pod is Pending
//! until the cluster's ready delay has passed since it was first seen, then
//! Running and Ready, or Succeeded for run-to-completion pods; pods with a
//! `:broken` image crash-loop (or fail, for restartPolicy Never).

use super::{Tick, is_broken, live, pod_terminal, set_status, ty};
use crate::store::ClusterState;
use crate::store::meta;
use serde_json::{Value, json};
use std::collections::HashSet;

fn container_status(c: &Value, state: Value, ready: bool, restarts: i64, uid_short: &str) -> Value {
    let name = c.get("name").and_then(Value::as_str).unwrap_or("");
    let image = c.get("image").and_then(Value::as_str).unwrap_or("");
    json!({
        "name": name,
        "image": image,
        "imageID": format!("docker.io/library/{image}@sha256:{:0>64}", uid_short),
        "containerID": format!("containerd://{uid_short}{name}"),
        "ready": ready,
        "started": ready,
        "restartCount": restarts,
        "state": state,
    })
}

pub fn reconcile(s: &mut ClusterState, t: &mut Tick) {
    let Some(pod_rt) = ty(s, "", "Pod") else { return };
    let pods = live(s, &pod_rt);
    let uids: HashSet<String> = pods.iter().map(|p| meta::uid_of(p).to_string()).collect();
    s.timers.retain(|k, _| k.strip_prefix("ready/").is_none_or(|u| uids.contains(u)));
    let now = t.now;
    let now_s = now.rfc3339();
    for (i, pod) in pods.iter().enumerate() {
        if pod_terminal(pod) {
            continue;
        }
        let uid = meta::uid_of(pod).to_string();
        let seen = *s.timers.entry(format!("ready/{uid}")).or_insert(now.ms);
        let due = seen + t.ready_delay_ms;
        let spec = pod.get("spec").cloned().unwrap_or(json!({}));
        let broken = is_broken(&spec);
        let restart = spec.get("restartPolicy").and_then(Value::as_str).unwrap_or("Always");
        if now.ms >= due && settled(pod, &spec, broken, restart) {
            continue;
        }
        let started = pod.pointer("/status/startTime").cloned().unwrap_or(json!(now_s));
        let containers = spec.get("containers").and_then(Value::as_array).cloned().unwrap_or_default();
        let short: String = uid.chars().filter(char::is_ascii_hexdigit).take(12).collect();
        let base = |phase: &str| {
            json!({
                "phase": phase,
                "hostIP": "10.0.0.1",
                "hostIPs": [{"ip": "10.0.0.1"}],
                "podIP": format!("10.244.{}.{}", (i / 250) % 250, i % 250 + 2),
                "startTime": started,
                "qosClass": "BestEffort",
            })
        };
        let cond = |ty: &str, ok: bool, reason: Option<&str>| {
            let mut c = json!({"type": ty, "status": if ok { "True" } else { "False" }, "lastProbeTime": null, "lastTransitionTime": now_s});
            if let Some(r) = reason {
                c["reason"] = json!(r);
            }
            c
        };
        let status = if now.ms < due {
            t.wake_at(due);
            if pod.pointer("/status/conditions").is_some() {
                continue;
            }
            let mut st = base("Pending");
            st["conditions"] = json!([cond("PodScheduled", true, None)]);
            st["containerStatuses"] = json!(
                containers
                    .iter()
                    .map(|c| container_status(c, json!({"waiting": {"reason": "ContainerCreating"}}), false, 0, &short))
                    .collect::<Vec<_>>()
            );
            st
        } else if broken && restart == "Never" {
            let mut st = base("Failed");
            st["conditions"] = json!([
                cond("PodScheduled", true, None),
                cond("Initialized", true, None),
                cond("Ready", false, Some("PodFailed")),
                cond("ContainersReady", false, Some("PodFailed"))
            ]);
            st["containerStatuses"] = json!(containers.iter().map(|c| container_status(c,
                json!({"terminated": {"exitCode": 1, "reason": "Error", "startedAt": now_s, "finishedAt": now_s}}), false, 0, &short)).collect::<Vec<_>>());
            st
        } else if broken {
            let mut st = base("Running");
            st["conditions"] = json!([
                cond("PodScheduled", true, None),
                cond("Initialized", true, None),
                cond("Ready", false, Some("ContainersNotReady")),
                cond("ContainersReady", false, Some("ContainersNotReady"))
            ]);
            st["containerStatuses"] = json!(
                containers
                    .iter()
                    .map(|c| {
                        let name = c.get("name").and_then(Value::as_str).unwrap_or("");
                        container_status(
                            c,
                            json!({"waiting": {"reason": "CrashLoopBackOff",
                    "message": format!("back-off 10s restarting failed container={name} pod={}", meta::name_of(pod))}}),
                            false,
                            1,
                            &short,
                        )
                    })
                    .collect::<Vec<_>>()
            );
            st["containerStatuses"].as_array_mut().into_iter().flatten().for_each(|cs| {
                cs["lastState"] = json!({"terminated": {"exitCode": 1, "reason": "Error", "startedAt": now_s, "finishedAt": now_s}});
            });
            st
        } else if restart != "Always" {
            let mut st = base("Succeeded");
            st["conditions"] = json!([
                cond("PodScheduled", true, None),
                cond("Initialized", true, None),
                cond("Ready", false, Some("PodCompleted")),
                cond("ContainersReady", false, Some("PodCompleted"))
            ]);
            st["containerStatuses"] = json!(containers.iter().map(|c| container_status(c,
                json!({"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": now_s, "finishedAt": now_s}}), false, 0, &short)).collect::<Vec<_>>());
            st
        } else {
            let mut st = base("Running");
            st["conditions"] = json!([
                cond("PodReadyToStartContainers", true, None),
                cond("PodScheduled", true, None),
                cond("Initialized", true, None),
                cond("Ready", true, None),
                cond("ContainersReady", true, None)
            ]);
            st["containerStatuses"] = json!(
                containers
                    .iter()
                    .map(|c| container_status(c, json!({"running": {"startedAt": now_s}}), true, 0, &short))
                    .collect::<Vec<_>>()
            );
            st
        };
        // Timestamps differ on every pass; only a change of state is worth a write.
        if pod.get("status").map(signature) == Some(signature(&status)) {
            continue;
        }
        set_status(s, &pod_rt, pod, status, "kubelet", now);
    }
}

/// What a pod status says, without its timestamps.
fn signature(status: &Value) -> String {
    let mut sig = status.get("phase").and_then(Value::as_str).unwrap_or("").to_string();
    for c in status.get("containerStatuses").and_then(Value::as_array).into_iter().flatten() {
        let state = c.get("state").and_then(Value::as_object);
        let kind = state.and_then(|m| m.keys().next()).map(String::as_str).unwrap_or("");
        let reason =
            state.and_then(|m| m.values().next()).and_then(|v| v.get("reason")).and_then(Value::as_str).unwrap_or("");
        sig.push_str(&format!(
            "|{}:{}:{kind}:{reason}",
            c.get("image").and_then(Value::as_str).unwrap_or(""),
            c.get("ready") == Some(&json!(true))
        ));
    }
    sig
}

/// Whether a pod already shows the final state its spec leads to, checked
/// without building the status (most pods, most passes).
fn settled(pod: &Value, spec: &Value, broken: bool, restart: &str) -> bool {
    let (phase, ready) = match (broken, restart) {
        (true, "Never") => ("Failed", false),
        (true, _) => ("Running", false),
        (false, "Always") => ("Running", true),
        (false, _) => ("Succeeded", false),
    };
    let images_match = spec
        .get("containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .all(|(i, c)| pod.pointer(&format!("/status/containerStatuses/{i}/image")) == c.get("image"));
    pod.pointer("/status/phase").and_then(Value::as_str) == Some(phase)
        && super::pod_ready(pod) == ready
        && images_match
}
