//! The StatefulSet controller: pods `<name>-0..n-1` created in order (each
//! after the previous is ready, unless podManagementPolicy is Parallel),
//! replaced when the template revision changes, PVCs from
//! volumeClaimTemplates, and the revision-tracking status.

use super::replicaset::strip_zero;
use super::{Tick, create_pod, int, live, owned, pod_ready, set_status, ty};
use crate::store::meta::{self, safe_hash};
use crate::store::{ClusterState, DeleteOptions};
use serde_json::{Value, json};

const REV: &str = "controller-revision-hash";

pub fn reconcile(s: &mut ClusterState, t: &mut Tick) {
    let (Some(sts_rt), Some(pod_rt)) = (ty(s, "apps", "StatefulSet"), ty(s, "", "Pod")) else { return };
    for sts in live(s, &sts_rt) {
        let ns = meta::namespace_of(&sts).to_string();
        let uid = meta::uid_of(&sts).to_string();
        let name = meta::name_of(&sts).to_string();
        let want = int(&sts, "/spec/replicas").max(0);
        let template = sts.pointer("/spec/template").cloned().unwrap_or(json!({}));
        let revision = format!("{name}-{}", safe_hash(&template));
        let parallel = sts.pointer("/spec/podManagementPolicy").and_then(Value::as_str) == Some("Parallel");
        let pods = owned(s, &pod_rt, &ns, &uid);
        let ordinal = |p: &Value| meta::name_of(p).rsplit('-').next().and_then(|o| o.parse::<i64>().ok()).unwrap_or(-1);
        for p in &pods {
            let stale = p.pointer("/metadata/labels").and_then(|l| l.get(REV)).and_then(Value::as_str)
                != Some(revision.as_str());
            if (ordinal(p) >= want || stale) && p.pointer("/metadata/deletionTimestamp").is_none() {
                let _ = s.delete(&pod_rt, &ns, meta::name_of(p), &DeleteOptions::default(), t.now);
            }
        }
        for i in 0..want {
            let pod_name = format!("{name}-{i}");
            match s.get(&pod_rt, &ns, &pod_name).cloned() {
                Some(p) if pod_ready(&p) => continue,
                Some(_) if parallel => continue,
                Some(_) => break,
                None => {
                    create_claims(s, &sts, &name, i, t);
                    create_pod(
                        s,
                        &sts,
                        &template,
                        &pod_name,
                        &[
                            (REV, &revision),
                            ("statefulset.kubernetes.io/pod-name", &pod_name),
                            ("apps.kubernetes.io/pod-index", &i.to_string()),
                        ],
                        t.now,
                    );
                    if !parallel {
                        break;
                    }
                }
            }
        }
        let pods = owned(s, &pod_rt, &ns, &uid);
        let ready = pods.iter().filter(|p| pod_ready(p)).count();
        let updated = pods
            .iter()
            .filter(|p| {
                p.pointer("/metadata/labels").and_then(|l| l.get(REV)).and_then(Value::as_str)
                    == Some(revision.as_str())
            })
            .count();
        let current_rev = if updated == pods.len() && pods.len() as i64 == want {
            revision.clone()
        } else {
            sts.pointer("/status/currentRevision").and_then(Value::as_str).unwrap_or(&revision).to_string()
        };
        let status = json!({
            "observedGeneration": int(&sts, "/metadata/generation"),
            "replicas": pods.len(),
            "readyReplicas": ready,
            "currentReplicas": if current_rev == revision { updated } else { pods.len() - updated },
            "updatedReplicas": updated,
            "availableReplicas": ready,
            "currentRevision": current_rev,
            "updateRevision": revision,
            "collisionCount": 0,
        });
        let status = strip_zero(status, &["readyReplicas", "currentReplicas", "updatedReplicas"]);
        let current = s.get(&sts_rt, &ns, &name).cloned().unwrap_or(sts);
        set_status(s, &sts_rt, &current, status, "kube-controller-manager", t.now);
    }
}

/// PVCs `<template>-<statefulset>-<ordinal>`, kept when the pod goes (Retain).
fn create_claims(s: &mut ClusterState, sts: &Value, name: &str, i: i64, t: &Tick) {
    let Some(pvc_rt) = ty(s, "", "PersistentVolumeClaim") else { return };
    let ns = meta::namespace_of(sts).to_string();
    for tpl in sts.pointer("/spec/volumeClaimTemplates").and_then(Value::as_array).cloned().unwrap_or_default() {
        let claim = format!("{}-{name}-{i}", meta::name_of(&tpl));
        if s.get(&pvc_rt, &ns, &claim).is_some() {
            continue;
        }
        let mut labels = sts.pointer("/spec/selector/matchLabels").cloned().unwrap_or(json!({}));
        if let Some(l) = tpl.pointer("/metadata/labels").and_then(Value::as_object) {
            for (k, v) in l {
                labels[k] = v.clone();
            }
        }
        let pvc = json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": claim, "labels": labels}, "spec": tpl.get("spec").cloned().unwrap_or(json!({}))});
        if let Err(e) = s.create(&pvc_rt, &ns, pvc, &super::ctx("kube-controller-manager", t.now)) {
            tracing::debug!(error = %e, "statefulset claim create failed");
        }
    }
}
