//! Per-kind write rules, as the apiserver's registry strategies apply them:
//! Service cluster IPs and node ports, Namespace phase, Pod initial status,
//! Job selectors, and CRD status conditions.

use super::ClusterState;
use super::meta::{self, name_of};
use crate::error::{ApiError, ApiResult};
use crate::resources::{ResourceType, types_from_crd};
use serde_json::{Value, json};

impl ClusterState {
    /// Per-kind rules the apiserver's strategies apply on write.
    pub(super) fn kind_hooks(&mut self, rt: &ResourceType, old: Option<&Value>, new: &mut Value) -> ApiResult<()> {
        match (rt.group.as_str(), rt.kind.as_str()) {
            ("", "Service") => {
                let ty = new.pointer("/spec/type").and_then(Value::as_str).unwrap_or("ClusterIP").to_string();
                let old_ip = old.and_then(|o| o.pointer("/spec/clusterIP")).cloned();
                if ty != "ExternalName"
                    && let Some(spec) = new.get_mut("spec").and_then(Value::as_object_mut)
                {
                    let ip = match (spec.get("clusterIP").and_then(Value::as_str), old_ip) {
                        (Some(ip), _) if !ip.is_empty() => json!(ip),
                        (_, Some(old)) => old,
                        _ => json!(self.allocate_cluster_ip()),
                    };
                    spec.insert("clusterIPs".into(), json!([ip.clone()]));
                    spec.insert("clusterIP".into(), ip);
                    if ty == "NodePort" || ty == "LoadBalancer" {
                        let base = 30000 + (self.rv % 2000) as i64;
                        if let Some(ports) = spec.get_mut("ports").and_then(Value::as_array_mut) {
                            for (i, p) in ports.iter_mut().enumerate() {
                                if let Some(p) = p.as_object_mut()
                                    && p.get("nodePort").is_none()
                                {
                                    p.insert("nodePort".into(), json!(base + i as i64));
                                }
                            }
                        }
                    }
                }
                if old.is_none() && ty == "LoadBalancer" {
                    new.as_object_mut().map(|m| m.insert("status".into(), json!({"loadBalancer": {}})));
                }
            }
            ("", "Namespace") => {
                if new.pointer("/status/phase").is_none()
                    && let Some(m) = new.as_object_mut()
                {
                    m.insert("status".into(), json!({"phase": "Active"}));
                }
            }
            ("batch", "Job") if old.is_none() => {
                // The apiserver generates a Job's selector from its uid.
                let uid = meta::uid_of(new).to_string();
                let name = name_of(new).to_string();
                let manual = new.pointer("/spec/manualSelector").and_then(Value::as_bool) == Some(true);
                if !manual && let Some(spec) = new.get_mut("spec").and_then(Value::as_object_mut) {
                    spec.insert("selector".into(), json!({"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}));
                    if let Some(t) = spec.get_mut("template").and_then(Value::as_object_mut) {
                        let md = t.entry("metadata").or_insert_with(|| json!({}));
                        if let Some(md) = md.as_object_mut() {
                            let labels = md.entry("labels").or_insert_with(|| json!({}));
                            if let Some(l) = labels.as_object_mut() {
                                for (k, v) in [
                                    ("batch.kubernetes.io/controller-uid", &uid),
                                    ("batch.kubernetes.io/job-name", &name),
                                    ("controller-uid", &uid),
                                    ("job-name", &name),
                                ] {
                                    l.insert(k.into(), json!(v));
                                }
                            }
                        }
                    }
                }
            }
            ("", "Pod") if old.is_none() => {
                if let Some(m) = new.as_object_mut() {
                    m.insert("status".into(), json!({"phase": "Pending", "qosClass": "BestEffort"}));
                }
            }
            ("apiextensions.k8s.io", "CustomResourceDefinition") => {
                let types =
                    types_from_crd(new).map_err(|e| ApiError::invalid(rt, name_of(new), "spec", e.to_string()))?;
                if types.is_empty() {
                    return Err(ApiError::invalid(
                        rt,
                        name_of(new),
                        "spec.versions",
                        "Invalid value: must have exactly one version marked as storage version".into(),
                    ));
                }
                let names = new.pointer("/spec/names").cloned().unwrap_or(json!({}));
                let now =
                    old.and_then(|o| o.pointer("/status/conditions/0/lastTransitionTime")).cloned().unwrap_or_else(
                        || json!(new.pointer("/metadata/creationTimestamp").cloned().unwrap_or(Value::Null)),
                    );
                let stored: Vec<Value> = new
                    .pointer("/spec/versions")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter(|v| v.get("storage").and_then(Value::as_bool) == Some(true))
                    .filter_map(|v| v.get("name").cloned())
                    .collect();
                if let Some(m) = new.as_object_mut() {
                    m.insert("status".into(), json!({
                        "acceptedNames": names,
                        "conditions": [
                            {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts", "message": "no conflicts found", "lastTransitionTime": now},
                            {"type": "Established", "status": "True", "reason": "InitialNamesAccepted", "message": "the initial names have been accepted", "lastTransitionTime": now}
                        ],
                        "storedVersions": stored,
                    }));
                }
            }
            _ => {}
        }
        Ok(())
    }
}
