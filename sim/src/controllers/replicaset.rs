//! The ReplicaSet controller: keeps `spec.replicas` pods, named
//! `<replicaset>-<suffix>`, and reports replicas/ready/available.

use super::{Tick, create_pod, int, live, owned, pod_ready, pod_terminal, set_status, ty};
use crate::store::meta;
use crate::store::{ClusterState, DeleteOptions};
use serde_json::{Value, json};

pub fn reconcile(s: &mut ClusterState, t: &mut Tick) {
    let (Some(rs_rt), Some(pod_rt)) = (ty(s, "apps", "ReplicaSet"), ty(s, "", "Pod")) else { return };
    for rs in live(s, &rs_rt) {
        let ns = meta::namespace_of(&rs).to_string();
        let uid = meta::uid_of(&rs).to_string();
        let name = meta::name_of(&rs).to_string();
        let want = int(&rs, "/spec/replicas").max(0) as usize;
        let template = rs.pointer("/spec/template").cloned().unwrap_or(json!({}));
        let active = |s: &ClusterState| -> Vec<_> {
            owned(s, &pod_rt, &ns, &uid)
                .into_iter()
                .filter(|p| !pod_terminal(p) && p.pointer("/metadata/deletionTimestamp").is_none())
                .collect()
        };
        let mut pods = active(s);
        if pods.len() < want {
            for _ in pods.len()..want {
                let pod_name = format!("{name}-{}", s.ids.suffix(5));
                create_pod(s, &rs, &template, &pod_name, &[], t.now);
            }
            pods = active(s);
        } else if pods.len() > want {
            // Not-ready pods go first, then the newest, as the real controller ranks them.
            pods.sort_by_key(|p| (pod_ready(p), std::cmp::Reverse(meta::rv_of(p).parse::<u64>().unwrap_or(0))));
            let excess: Vec<String> = pods[..pods.len() - want].iter().map(|p| meta::name_of(p).to_string()).collect();
            for p in excess {
                let _ = s.delete(&pod_rt, &ns, &p, &DeleteOptions::default(), t.now);
            }
            pods = active(s);
        }
        let ready = pods.iter().filter(|p| pod_ready(p)).count();
        let status = json!({
            "replicas": pods.len(),
            "fullyLabeledReplicas": pods.len(),
            "readyReplicas": ready,
            "availableReplicas": ready,
            "observedGeneration": int(&rs, "/metadata/generation"),
        });
        let status = strip_zero(status, &["fullyLabeledReplicas", "readyReplicas", "availableReplicas"]);
        let current = s.get(&rs_rt, &ns, &name).cloned().unwrap_or(rs);
        set_status(s, &rs_rt, &current, status, "kube-controller-manager", t.now);
    }
}

/// The apiserver omits zero-valued optional counters.
pub(super) fn strip_zero(mut v: Value, keys: &[&str]) -> Value {
    if let Some(m) = v.as_object_mut() {
        for k in keys {
            if m.get(*k) == Some(&json!(0)) {
                m.remove(*k);
            }
        }
    }
    v
}
