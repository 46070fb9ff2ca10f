//! The DaemonSet controller for a one-node cluster: one pod per DaemonSet on
//! `sim-node`, replaced when the template changes, and the scheduling status.

use super::replicaset::strip_zero;
use super::{Tick, create_pod, int, live, owned, pod_ready, set_status, ty};
use crate::store::meta::{self, safe_hash};
use crate::store::{ClusterState, DeleteOptions};
use serde_json::{Value, json};

const REV: &str = "controller-revision-hash";

pub fn reconcile(s: &mut ClusterState, t: &mut Tick) {
    let (Some(ds_rt), Some(pod_rt)) = (ty(s, "apps", "DaemonSet"), ty(s, "", "Pod")) else { return };
    for ds in live(s, &ds_rt) {
        let ns = meta::namespace_of(&ds).to_string();
        let uid = meta::uid_of(&ds).to_string();
        let name = meta::name_of(&ds).to_string();
        let template = ds.pointer("/spec/template").cloned().unwrap_or(json!({}));
        let revision = safe_hash(&template);
        let rev_of = |p: &Value| {
            p.pointer("/metadata/labels").and_then(|l| l.get(REV)).and_then(Value::as_str).map(str::to_string)
        };
        let pods: Vec<_> = owned(s, &pod_rt, &ns, &uid)
            .into_iter()
            .filter(|p| p.pointer("/metadata/deletionTimestamp").is_none())
            .collect();
        for p in pods.iter().filter(|p| rev_of(p).as_deref() != Some(revision.as_str())) {
            let _ = s.delete(&pod_rt, &ns, meta::name_of(p), &DeleteOptions::default(), t.now);
        }
        if !pods.iter().any(|p| rev_of(p).as_deref() == Some(revision.as_str())) {
            let pod_name = format!("{name}-{}", s.ids.suffix(5));
            create_pod(s, &ds, &template, &pod_name, &[(REV, &revision)], t.now);
        }
        let pods: Vec<_> = owned(s, &pod_rt, &ns, &uid)
            .into_iter()
            .filter(|p| p.pointer("/metadata/deletionTimestamp").is_none())
            .collect();
        let ready = pods.iter().filter(|p| pod_ready(p)).count();
        let updated = pods.iter().filter(|p| rev_of(p).as_deref() == Some(revision.as_str())).count();
        let status = json!({
            "currentNumberScheduled": pods.len(),
            "desiredNumberScheduled": 1,
            "numberMisscheduled": 0,
            "numberReady": ready,
            "numberAvailable": ready,
            "numberUnavailable": 1 - ready.min(1),
            "updatedNumberScheduled": updated,
            "observedGeneration": int(&ds, "/metadata/generation"),
        });
        let status = strip_zero(status, &["numberAvailable", "numberUnavailable", "updatedNumberScheduled"]);
        let current = s.get(&ds_rt, &ns, &name).cloned().unwrap_or(ds);
        set_status(s, &ds_rt, &current, status, "kube-controller-manager", t.now);
    }
}
