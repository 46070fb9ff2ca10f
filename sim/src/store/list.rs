//! Listing: label/field selection and limit/continue paging in key order.

use super::{ClusterState, ObjKey};
use crate::error::{ApiError, ApiResult};
use crate::resources::ResourceType;
use crate::selectors::{FieldSelector, LabelSelector};
use base64::Engine;
use serde_json::{Value, json};
use std::sync::Arc;

#[derive(Debug, Clone, Default)]
pub struct ListOptions {
    pub labels: LabelSelector,
    pub fields: FieldSelector,
    pub limit: Option<usize>,
    pub continue_token: Option<String>,
}

pub struct ListResult {
    pub items: Vec<Arc<Value>>,
    pub resource_version: u64,
    pub continue_token: Option<String>,
    pub remaining: Option<usize>,
}

fn decode_continue(token: &str) -> ApiResult<ObjKey> {
    let bad = || {
        ApiError::BadRequest(
            "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)".into(),
        )
    };
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(token).map_err(|_| bad())?;
    let v: Value = serde_json::from_slice(&raw).map_err(|_| bad())?;
    let ns = v.get("ns").and_then(Value::as_str).ok_or_else(bad)?;
    let name = v.get("name").and_then(Value::as_str).ok_or_else(bad)?;
    Ok((ns.to_string(), name.to_string()))
}

fn encode_continue(key: &ObjKey, rv: u64) -> String {
    let v = json!({"ns": key.0, "name": key.1, "rv": rv});
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
}

impl ClusterState {
    pub fn list(&self, rt: &ResourceType, ns: Option<&str>, opts: &ListOptions) -> ApiResult<ListResult> {
        let after = opts.continue_token.as_deref().map(decode_continue).transpose()?;
        let ns = if rt.namespaced { ns } else { None };
        let mut items = Vec::new();
        let mut last_key = None;
        let mut remaining = 0usize;
        for (k, obj) in self.iter(rt, ns, after.as_ref()) {
            if !opts.labels.matches_object(obj) || !opts.fields.matches(obj) {
                continue;
            }
            if opts.limit.is_some_and(|l| items.len() >= l) {
                remaining += 1;
                continue;
            }
            items.push(obj.clone());
            last_key = Some(k.clone());
        }
        let continue_token = match (remaining, last_key) {
            (r, Some(k)) if r > 0 => Some(encode_continue(&k, self.rv)),
            _ => None,
        };
        Ok(ListResult {
            items,
            resource_version: self.rv,
            remaining: continue_token.as_ref().map(|_| remaining),
            continue_token,
        })
    }
}
