//! The deployment controller: one ReplicaSet per pod template (named by its
//! pod-template-hash), the new one scaled up and old ones scaled down once it
//! is available, and the Deployment status with Available/Progressing
//! conditions, including ProgressDeadlineExceeded.

use super::{Tick, condition, controller_ref, int, live, owned, set_status, ty};
use crate::store::ClusterState;
use crate::store::meta::{self, safe_hash};
use serde_json::{Value, json};

const HASH: &str = "pod-template-hash";
const REVISION: &str = "deployment.kubernetes.io/revision";

fn rs_hash(rs: &Value) -> &str {
    rs.pointer("/metadata/labels/pod-template-hash").and_then(Value::as_str).unwrap_or("")
}

fn revision(rs: &Value) -> i64 {
    rs.pointer("/metadata/annotations")
        .and_then(|a| a.get(REVISION))
        .and_then(Value::as_str)
        .and_then(|r| r.parse().ok())
        .unwrap_or(0)
}

/// `maxUnavailable` resolved against the replica count (25% rounds down).
fn max_unavailable(d: &Value, replicas: i64) -> i64 {
    match d.pointer("/spec/strategy/rollingUpdate/maxUnavailable") {
        Some(Value::Number(n)) => n.as_i64().unwrap_or(0),
        Some(Value::String(s)) if s.ends_with('%') => {
            s.trim_end_matches('%').parse::<i64>().map(|p| replicas * p / 100).unwrap_or(0)
        }
        _ if d.pointer("/spec/strategy/type").and_then(Value::as_str) == Some("Recreate") => replicas,
        _ => replicas / 4,
    }
}

pub fn reconcile(s: &mut ClusterState, t: &mut Tick) {
    let (Some(dep_rt), Some(rs_rt)) = (ty(s, "apps", "Deployment"), ty(s, "apps", "ReplicaSet")) else { return };
    for d in live(s, &dep_rt) {
        if d.pointer("/spec/paused").and_then(Value::as_bool) == Some(true) {
            continue;
        }
        let ns = meta::namespace_of(&d).to_string();
        let uid = meta::uid_of(&d).to_string();
        let name = meta::name_of(&d).to_string();
        let replicas = int(&d, "/spec/replicas");
        let template = d.pointer("/spec/template").cloned().unwrap_or(json!({}));
        let hash = safe_hash(&template);
        let rss = owned(s, &rs_rt, &ns, &uid);
        let now = t.now;
        let ctx = super::ctx("kube-controller-manager", now);
        let new_rs = rss.iter().find(|r| rs_hash(r) == hash).cloned();
        let new_rs = match new_rs {
            Some(r) => {
                if int(&r, "/spec/replicas") != replicas {
                    let mut upd = (*r).clone();
                    upd["spec"]["replicas"] = json!(replicas);
                    let _ = s.update(&rs_rt, &ns, meta::name_of(&r), upd, "", &ctx);
                }
                s.get(&rs_rt, &ns, meta::name_of(&r)).cloned().unwrap_or(r)
            }
            None => {
                let rev = rss.iter().map(|r| revision(r)).max().unwrap_or(0) + 1;
                let mut tpl = template.clone();
                tpl["metadata"]["labels"][HASH] = json!(hash);
                let mut selector = d.pointer("/spec/selector").cloned().unwrap_or(json!({}));
                selector["matchLabels"][HASH] = json!(hash);
                let labels = tpl.pointer("/metadata/labels").cloned().unwrap_or(json!({}));
                let rs = json!({
                    "apiVersion": "apps/v1", "kind": "ReplicaSet",
                    "metadata": {"name": format!("{name}-{hash}"), "labels": labels,
                        "annotations": {REVISION: rev.to_string(),
                            "deployment.kubernetes.io/desired-replicas": replicas.to_string(),
                            "deployment.kubernetes.io/max-replicas": (replicas + (replicas + 3) / 4).to_string()},
                        "ownerReferences": controller_ref(&d)},
                    "spec": {"replicas": replicas, "selector": selector, "template": tpl},
                });
                t.timers_reset(s, &uid);
                match s.create(&rs_rt, &ns, rs, &ctx) {
                    Ok(r) => r,
                    Err(e) => {
                        tracing::debug!(error = %e, deployment = %name, "replicaset create failed");
                        continue;
                    }
                }
            }
        };
        let new_available = int(&new_rs, "/status/availableReplicas");
        let new_name = meta::name_of(&new_rs).to_string();
        if new_available >= replicas {
            for old in rss.iter().filter(|r| rs_hash(r) != hash) {
                if let Some(cur) = s.get(&rs_rt, &ns, meta::name_of(old)).cloned()
                    && int(&cur, "/spec/replicas") != 0
                {
                    let mut upd = (*cur).clone();
                    upd["spec"]["replicas"] = json!(0);
                    let _ = s.update(&rs_rt, &ns, meta::name_of(old), upd, "", &ctx);
                }
            }
        }
        // Fresh view of every owned ReplicaSet for the status sums.
        let rss = owned(s, &rs_rt, &ns, &uid);
        let sum = |p: &str| rss.iter().map(|r| int(r, p)).sum::<i64>();
        let total = sum("/status/replicas");
        let ready = sum("/status/readyReplicas");
        let available = sum("/status/availableReplicas");
        let updated = int(&new_rs, "/status/replicas");
        let old_pods: i64 = rss.iter().filter(|r| rs_hash(r) != hash).map(|r| int(r, "/status/replicas")).sum();
        let complete = new_available >= replicas && updated == replicas && old_pods == 0;

        let key = format!("progress/{uid}");
        let marker_key = format!("progress-marker/{uid}");
        let marker = (new_available as u64) << 32 | (updated as u64);
        if s.timers.get(&marker_key) != Some(&marker) {
            s.timers.insert(marker_key, marker);
            s.timers.insert(key.clone(), now.ms);
        }
        let since = *s.timers.entry(key).or_insert(now.ms);
        let deadline_ms = (int(&d, "/spec/progressDeadlineSeconds").max(0) as u64) * 1000;
        let now_s = now.rfc3339();
        let available_ok = available >= replicas - max_unavailable(&d, replicas);
        let avail_cond = if available_ok {
            condition(
                &d,
                "Available",
                "True",
                "MinimumReplicasAvailable",
                "Deployment has minimum availability.",
                &now_s,
                true,
            )
        } else {
            condition(
                &d,
                "Available",
                "False",
                "MinimumReplicasUnavailable",
                "Deployment does not have minimum availability.",
                &now_s,
                true,
            )
        };
        let prog_cond = if complete {
            condition(
                &d,
                "Progressing",
                "True",
                "NewReplicaSetAvailable",
                &format!("ReplicaSet \"{new_name}\" has successfully progressed."),
                &now_s,
                true,
            )
        } else if now.ms >= since + deadline_ms {
            condition(
                &d,
                "Progressing",
                "False",
                "ProgressDeadlineExceeded",
                &format!("ReplicaSet \"{new_name}\" has timed out progressing."),
                &now_s,
                true,
            )
        } else {
            t.wake_at(since + deadline_ms);
            condition(
                &d,
                "Progressing",
                "True",
                "ReplicaSetUpdated",
                &format!("ReplicaSet \"{new_name}\" is progressing."),
                &now_s,
                true,
            )
        };
        let mut status = json!({
            "observedGeneration": int(&d, "/metadata/generation"),
            "replicas": total,
            "updatedReplicas": updated,
            "readyReplicas": ready,
            "availableReplicas": available,
            "conditions": [avail_cond, prog_cond],
        });
        let unavailable = (replicas - available).max(total - available).max(0);
        if unavailable > 0 {
            status["unavailableReplicas"] = json!(unavailable);
        }
        for k in ["replicas", "updatedReplicas", "readyReplicas", "availableReplicas"] {
            if status[k] == json!(0)
                && let Some(m) = status.as_object_mut()
            {
                m.remove(k);
            }
        }
        let current = s.get(&dep_rt, &ns, &name).cloned().unwrap_or(d);
        set_status(s, &dep_rt, &current, status, "kube-controller-manager", now);
    }
}

impl Tick {
    /// A new ReplicaSet restarts the progress clock.
    fn timers_reset(&self, s: &mut ClusterState, uid: &str) {
        s.timers.insert(format!("progress/{uid}"), self.now.ms);
        s.timers.remove(&format!("progress-marker/{uid}"));
    }
}
