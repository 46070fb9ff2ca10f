//! Simulated controllers and kubelet: pure reconcile passes over a
//! cluster's state that create ReplicaSets and Pods, move pods to Running
//! and Ready after a delay (or into CrashLoopBackOff for `:broken` images),
//! and write workload statuses and conditions as the real controllers do.
//! `reconcile` returns when it next needs to run; `runner` owns the timing.

mod daemonset;
mod deployment;
mod job;
mod kubelet;
mod misc;
mod replicaset;
pub mod runner;
mod statefulset;

pub use runner::run;

use crate::resources::ResourceType;
use crate::store::meta::{self, Now};
use crate::store::{ClusterState, WriteCtx};
use serde_json::{Value, json};
use std::sync::Arc;

/// Per-pass inputs: the time and the simulated pod start-up delay.
pub struct Tick {
    pub now: Now,
    pub ready_delay_ms: u64,
    /// Earliest time some controller wants to look again.
    pub next_due: Option<u64>,
}

impl Tick {
    pub fn wake_at(&mut self, ms: u64) {
        self.next_due = Some(self.next_due.map_or(ms, |d| d.min(ms)));
    }
}

type Controller = fn(&mut ClusterState, &mut Tick);

/// Each controller with the store keys whose changes it reacts to.
const CONTROLLERS: &[(&[&str], Controller)] = &[
    (&["apps/deployments", "apps/replicasets"], deployment::reconcile),
    (&["apps/replicasets", "/pods"], replicaset::reconcile),
    (&["apps/statefulsets", "/pods"], statefulset::reconcile),
    (&["apps/daemonsets", "/pods"], daemonset::reconcile),
    (&["batch/jobs", "/pods"], job::reconcile),
    (&["/pods"], kubelet::reconcile),
    (&["/persistentvolumeclaims", "/services"], misc::reconcile),
];

/// One reconcile pass. `all` runs every controller (a timer fired);
/// otherwise only those whose kinds changed since the last pass run, and
/// the kinds they change themselves are left flagged for the next pass.
/// Returns the next wake-up time.
pub fn reconcile(s: &mut ClusterState, now: Now, ready_delay_ms: u64, all: bool) -> Option<u64> {
    let mut t = Tick { now, ready_delay_ms, next_due: None };
    let dirty = std::mem::take(&mut s.changed_kinds);
    for (kinds, run) in CONTROLLERS {
        if all || kinds.iter().any(|k| dirty.contains(*k) || s.changed_kinds.contains(*k)) {
            run(s, &mut t);
        }
    }
    t.next_due
}

pub(crate) fn ty(s: &ClusterState, group: &str, kind: &str) -> Option<Arc<ResourceType>> {
    s.lookup_kind(group, kind)
}

pub(crate) fn ctx(manager: &str, now: Now) -> WriteCtx {
    WriteCtx::system(manager, now)
}

/// Live (not deleting) objects of a type, cloned out so the state can be written.
pub(crate) fn live(s: &ClusterState, rt: &ResourceType) -> Vec<Arc<Value>> {
    s.iter(rt, None, None)
        .map(|(_, o)| o.clone())
        .filter(|o| o.pointer("/metadata/deletionTimestamp").is_none())
        .collect()
}

/// Objects of `rt` in `ns` whose controller owner is `uid`.
pub(crate) fn owned(s: &ClusterState, rt: &ResourceType, ns: &str, uid: &str) -> Vec<Arc<Value>> {
    s.iter(rt, Some(ns), None).map(|(_, o)| o.clone()).filter(|o| meta::owner_uids(o).any(|u| u == uid)).collect()
}

pub(crate) fn controller_ref(owner: &Value) -> Value {
    json!([{
        "apiVersion": owner.get("apiVersion").cloned().unwrap_or(Value::Null),
        "kind": owner.get("kind").cloned().unwrap_or(Value::Null),
        "name": meta::name_of(owner),
        "uid": meta::uid_of(owner),
        "controller": true,
        "blockOwnerDeletion": true,
    }])
}

pub(crate) fn int(v: &Value, ptr: &str) -> i64 {
    v.pointer(ptr).and_then(Value::as_i64).unwrap_or(0)
}

/// Writes `status` through the status subresource if it differs.
pub(crate) fn set_status(
    s: &mut ClusterState,
    rt: &Arc<ResourceType>,
    obj: &Value,
    status: Value,
    manager: &str,
    now: Now,
) {
    if obj.get("status") == Some(&status) {
        return;
    }
    let mut new = obj.clone();
    if let Some(m) = new.as_object_mut() {
        m.insert("status".into(), status);
    }
    let ns = meta::namespace_of(obj).to_string();
    let name = meta::name_of(obj).to_string();
    if let Err(e) = s.update(rt, &ns, &name, new, "status", &ctx(manager, now)) {
        tracing::debug!(error = %e, %name, "controller status update failed");
    }
}

/// A condition that keeps its transition time while its status holds.
pub(crate) fn condition(
    old: &Value,
    ty: &str,
    status: &str,
    reason: &str,
    message: &str,
    now: &str,
    with_update: bool,
) -> Value {
    let prev = old
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .and_then(|cs| cs.iter().find(|c| c.get("type").and_then(Value::as_str) == Some(ty)));
    let same_status = prev.is_some_and(|p| p.get("status").and_then(Value::as_str) == Some(status));
    let same_all = same_status
        && prev.is_some_and(|p| {
            p.get("reason").and_then(Value::as_str) == Some(reason)
                && p.get("message").and_then(Value::as_str) == Some(message)
        });
    let transition = match prev {
        Some(p) if same_status => p.get("lastTransitionTime").cloned().unwrap_or(json!(now)),
        _ => json!(now),
    };
    let mut c = json!({"type": ty, "status": status});
    if with_update {
        let update = match prev {
            Some(p) if same_all => p.get("lastUpdateTime").cloned().unwrap_or(json!(now)),
            _ => json!(now),
        };
        c["lastUpdateTime"] = update;
    }
    c["lastTransitionTime"] = transition;
    c["reason"] = json!(reason);
    c["message"] = json!(message);
    c
}

/// The `broken` image convention: any container image with tag `broken`.
pub fn is_broken(pod_spec: &Value) -> bool {
    pod_spec
        .get("containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| c.get("image").and_then(Value::as_str))
        .any(|img| {
            let last = img.rsplit('/').next().unwrap_or(img);
            last.split_once(':').is_some_and(|(_, tag)| tag == "broken")
        })
}

pub(crate) fn pod_ready(pod: &Value) -> bool {
    pod.pointer("/status/conditions").and_then(Value::as_array).into_iter().flatten().any(|c| {
        c.get("type").and_then(Value::as_str) == Some("Ready")
            && c.get("status").and_then(Value::as_str) == Some("True")
    })
}

pub(crate) fn pod_terminal(pod: &Value) -> bool {
    matches!(pod.pointer("/status/phase").and_then(Value::as_str), Some("Succeeded" | "Failed"))
}

/// Creates a pod from a template, owned by `owner`.
pub(crate) fn create_pod(
    s: &mut ClusterState,
    owner: &Value,
    template: &Value,
    name: &str,
    extra_labels: &[(&str, &str)],
    now: Now,
) -> bool {
    let Some(pod_rt) = ty(s, "", "Pod") else { return false };
    let mut labels = template.pointer("/metadata/labels").cloned().unwrap_or(json!({}));
    for (k, v) in extra_labels {
        labels[*k] = json!(v);
    }
    let mut spec = template.get("spec").cloned().unwrap_or(json!({}));
    spec["nodeName"] = json!("sim-node");
    let mut md = json!({"name": name, "labels": labels, "ownerReferences": controller_ref(owner)});
    if let Some(a) = template.pointer("/metadata/annotations") {
        md["annotations"] = a.clone();
    }
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": md, "spec": spec});
    let ns = meta::namespace_of(owner).to_string();
    match s.create(&pod_rt, &ns, pod, &ctx("kube-controller-manager", now)) {
        Ok(_) => true,
        Err(e) => {
            tracing::debug!(error = %e, %name, "pod create failed");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broken_convention() {
        assert!(is_broken(&json!({"containers": [{"image": "nginx:broken"}]})));
        assert!(is_broken(&json!({"containers": [{"image": "registry:5000/x/nginx:broken"}]})));
        assert!(!is_broken(&json!({"containers": [{"image": "registry:5000/broken"}]})));
        assert!(!is_broken(&json!({"containers": [{"image": "nginx:1.27"}]})));
    }
}

#[cfg(test)]
mod reconcile_tests {
    use super::*;
    use crate::store::PatchType;

    fn deployment(image: &str, deadline: i64) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"replicas": 2, "progressDeadlineSeconds": deadline, "selector": {"matchLabels": {"app": "web"}},
                "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": image}]}}}})
    }

    /// Runs passes until nothing changes (as the runner would after each write).
    fn settle(s: &mut ClusterState, now: Now) {
        for _ in 0..10 {
            reconcile(s, now, 300, true);
            let _ = s.take_pending();
        }
    }

    fn get(s: &ClusterState, group: &str, kind: &str, name: &str) -> Value {
        let rt = ty(s, group, kind).unwrap();
        (**s.get(&rt, "default", name).unwrap()).clone()
    }

    fn cond(d: &Value, ty: &str) -> (String, String) {
        let c = d["status"]["conditions"].as_array().unwrap().iter().find(|c| c["type"] == ty).unwrap();
        (c["status"].as_str().unwrap().into(), c["reason"].as_str().unwrap().into())
    }

    #[test]
    fn deployment_becomes_available_after_the_ready_delay() {
        let mut s = ClusterState::new("t", 7);
        let t0 = Now { ms: 1_800_000_000_000 };
        let rt = ty(&s, "apps", "Deployment").unwrap();
        s.patch(
            &rt,
            "default",
            "web",
            (PatchType::Apply, &deployment("nginx:1", 600)),
            "",
            &WriteCtx { force: true, ..ctx("convoy", t0) },
        )
        .unwrap();
        settle(&mut s, t0);
        let d = get(&s, "apps", "Deployment", "web");
        assert_eq!(d["status"]["replicas"], 2);
        assert!(d["status"].get("availableReplicas").is_none(), "not ready before the delay");
        assert_eq!(cond(&d, "Progressing").1, "ReplicaSetUpdated");
        let pod_rt = ty(&s, "", "Pod").unwrap();
        assert_eq!(s.iter(&pod_rt, Some("default"), None).count(), 2);

        settle(&mut s, Now { ms: t0.ms + 301 });
        let d = get(&s, "apps", "Deployment", "web");
        assert_eq!(d["status"]["availableReplicas"], 2);
        assert_eq!(cond(&d, "Available"), ("True".into(), "MinimumReplicasAvailable".into()));
        assert_eq!(cond(&d, "Progressing"), ("True".into(), "NewReplicaSetAvailable".into()));
    }

    #[test]
    fn broken_image_hits_the_progress_deadline() {
        let mut s = ClusterState::new("t", 7);
        let t0 = Now { ms: 1_800_000_000_000 };
        let rt = ty(&s, "apps", "Deployment").unwrap();
        s.patch(
            &rt,
            "default",
            "web",
            (PatchType::Apply, &deployment("nginx:broken", 2)),
            "",
            &WriteCtx { force: true, ..ctx("convoy", t0) },
        )
        .unwrap();
        settle(&mut s, t0);
        settle(&mut s, Now { ms: t0.ms + 1000 });
        assert_eq!(cond(&get(&s, "apps", "Deployment", "web"), "Progressing").0, "True");
        let pod_rt = ty(&s, "", "Pod").unwrap();
        let pod = s.iter(&pod_rt, Some("default"), None).next().unwrap().1.clone();
        assert_eq!(pod["status"]["containerStatuses"][0]["state"]["waiting"]["reason"], "CrashLoopBackOff");
        settle(&mut s, Now { ms: t0.ms + 2001 });
        assert_eq!(
            cond(&get(&s, "apps", "Deployment", "web"), "Progressing"),
            ("False".into(), "ProgressDeadlineExceeded".into())
        );
    }

    #[test]
    fn writes_to_unrelated_kinds_run_no_controller() {
        let mut s = ClusterState::new("t", 7);
        let now = Now { ms: 1_800_000_000_000 };
        settle(&mut s, now);
        let rv = s.resource_version();
        let cm = ty(&s, "", "ConfigMap").unwrap();
        s.create(&cm, "default", json!({"metadata": {"name": "x"}}), &ctx("t", now)).unwrap();
        assert_eq!(reconcile(&mut s, now, 300, false), None);
        assert_eq!(s.resource_version(), rv + 1);
    }
}
