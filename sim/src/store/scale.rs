//! The scale subresource (autoscaling/v1 Scale), as `kubectl scale` uses it.

use super::meta::{self, name_of, rv_of};
use super::{ClusterState, WriteCtx};
use crate::error::{ApiError, ApiResult};
use crate::resources::ResourceType;
use serde_json::{Value, json};
use std::sync::Arc;

impl ClusterState {
    /// GET of the scale subresource.
    pub fn get_scale(&self, rt: &ResourceType, ns: &str, name: &str) -> ApiResult<Value> {
        if !rt.scale {
            return Err(ApiError::UnknownResource);
        }
        let obj = self.existing(rt, ns, name)?;
        Ok(scale_of(rt, &obj))
    }

    /// PUT of the scale subresource.
    pub fn update_scale(
        &mut self,
        rt: &Arc<ResourceType>,
        ns: &str,
        name: &str,
        scale: &Value,
        ctx: &WriteCtx,
    ) -> ApiResult<Value> {
        let old = self.existing(rt, ns, name)?;
        let rv = rv_of(scale);
        if !rv.is_empty() && rv != rv_of(&old) {
            return Err(ApiError::conflict(
                rt,
                name,
                "the object has been modified; please apply your changes to the latest version and try again",
            ));
        }
        let new = with_replicas(&old, scale)?;
        let stored = self.finish_write(rt, Some(old), new, ctx, Some("scale"))?;
        Ok(scale_of(rt, &stored))
    }
}

/// The autoscaling/v1 Scale view of a workload.
pub(super) fn scale_of(rt: &ResourceType, obj: &Value) -> Value {
    let selector = obj
        .pointer("/spec/selector")
        .map(|s| {
            let mut parts: Vec<String> = s
                .get("matchLabels")
                .and_then(Value::as_object)
                .map(|m| m.iter().map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or(""))).collect())
                .unwrap_or_default();
            parts.sort();
            parts.join(",")
        })
        .unwrap_or_default();
    json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": name_of(obj),
            "namespace": meta::namespace_of(obj),
            "uid": meta::uid_of(obj),
            "resourceVersion": rv_of(obj),
            "creationTimestamp": obj.pointer("/metadata/creationTimestamp").cloned().unwrap_or(Value::Null),
        },
        "spec": {"replicas": obj.pointer("/spec/replicas").cloned().unwrap_or(json!(rt.scale as i64))},
        "status": {
            "replicas": obj.pointer("/status/replicas").cloned().unwrap_or(json!(0)),
            "selector": selector,
        }
    })
}

pub(super) fn with_replicas(old: &Value, scale: &Value) -> ApiResult<Value> {
    let replicas = scale
        .pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .ok_or_else(|| ApiError::BadRequest("spec.replicas must be an integer".into()))?;
    if replicas < 0 {
        return Err(ApiError::Invalid {
            kind: "Scale.autoscaling".into(),
            group: "autoscaling".into(),
            name: name_of(old).to_string(),
            causes: vec![(
                "spec.replicas".into(),
                format!("Invalid value: {replicas}: must be greater than or equal to 0"),
            )],
        });
    }
    let mut new = old.clone();
    if let Some(spec) = new.get_mut("spec").and_then(Value::as_object_mut) {
        spec.insert("replicas".into(), json!(replicas));
    }
    Ok(new)
}
