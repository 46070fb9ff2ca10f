//! Small controllers: PersistentVolumeClaims bind to a made-up volume, and
//! LoadBalancer Services get an ingress IP from 192.0.2.0/24 (TEST-NET-1,
//! a value only: nothing ever connects to it).

use super::{Tick, live, set_status, ty};
use crate::store::ClusterState;
use crate::store::meta;
use serde_json::{Value, json};

pub fn reconcile(s: &mut ClusterState, t: &mut Tick) {
    let ctx = super::ctx("kube-controller-manager", t.now);
    if let Some(pvc_rt) = ty(s, "", "PersistentVolumeClaim") {
        for pvc in live(s, &pvc_rt) {
            if pvc.pointer("/status/phase").and_then(Value::as_str) == Some("Bound") {
                continue;
            }
            let ns = meta::namespace_of(&pvc).to_string();
            let name = meta::name_of(&pvc).to_string();
            let mut cur = (*pvc).clone();
            if cur.pointer("/spec/volumeName").is_none() {
                cur["spec"]["volumeName"] = json!(format!("pvc-{}", meta::uid_of(&pvc)));
                let ann = cur["metadata"].as_object_mut().map(|m| m.entry("annotations").or_insert(json!({})).clone());
                if let Some(mut a) = ann {
                    a["pv.kubernetes.io/bind-completed"] = json!("yes");
                    a["pv.kubernetes.io/bound-by-controller"] = json!("yes");
                    cur["metadata"]["annotations"] = a;
                }
                match s.update(&pvc_rt, &ns, &name, cur, "", &ctx) {
                    Ok(u) => cur = (*u).clone(),
                    Err(e) => {
                        tracing::debug!(error = %e, "pvc bind failed");
                        continue;
                    }
                }
            }
            let status = json!({
                "phase": "Bound",
                "accessModes": cur.pointer("/spec/accessModes").cloned().unwrap_or(json!(["ReadWriteOnce"])),
                "capacity": {"storage": cur.pointer("/spec/resources/requests/storage").cloned().unwrap_or(json!("1Gi"))},
            });
            set_status(s, &pvc_rt, &cur, status, "kube-controller-manager", t.now);
        }
    }
    if let Some(svc_rt) = ty(s, "", "Service") {
        for (i, svc) in live(s, &svc_rt).iter().enumerate() {
            if svc.pointer("/spec/type").and_then(Value::as_str) != Some("LoadBalancer")
                || svc.pointer("/status/loadBalancer/ingress").is_some()
            {
                continue;
            }
            let ip = format!("192.0.2.{}", i % 254 + 1);
            set_status(
                s,
                &svc_rt,
                svc,
                json!({"loadBalancer": {"ingress": [{"ip": ip, "ipMode": "VIP"}]}}),
                "kube-controller-manager",
                t.now,
            );
        }
    }
}
