//! Server-side apply as a store operation: checks the applied
//! configuration against the URL, merges it with field ownership (see
//! `crate::apply`) and creates or updates the object.

use super::meta::{self, name_of};
use super::{ClusterState, WriteCtx};
use crate::apply::{self, ApplyRequest};
use crate::error::{ApiError, ApiResult};
use crate::resources::ResourceType;
use serde_json::{Value, json};
use std::sync::Arc;

impl ClusterState {
    /// Server-side apply (`application/apply-patch+yaml`).
    pub(super) fn apply(
        &mut self,
        rt: &Arc<ResourceType>,
        ns: &str,
        name: &str,
        body: &Value,
        ctx: &WriteCtx,
    ) -> ApiResult<Arc<Value>> {
        if ctx.manager.is_empty() {
            return Err(ApiError::Invalid {
                kind: "PatchOptions.meta.k8s.io".into(),
                group: "meta.k8s.io".into(),
                name: String::new(),
                causes: vec![("fieldManager".into(), "Required value: is required for apply patch".into())],
            });
        }
        let mut cfg = body.clone();
        if cfg.get("apiVersion").is_none() || cfg.get("kind").is_none() {
            return Err(ApiError::BadRequest("apiVersion and kind must be set in an apply patch".into()));
        }
        Self::check_type(rt, &mut cfg)?;
        if name_of(&cfg) != name {
            return Err(ApiError::BadRequest(format!(
                "metadata.name in the apply patch ({:?}) does not match the name in the URL ({name:?})",
                name_of(&cfg)
            )));
        }
        let body_ns = meta::namespace_of(&cfg);
        if rt.namespaced && !body_ns.is_empty() && body_ns != ns {
            return Err(ApiError::BadRequest(
                "the namespace of the provided object does not match the namespace sent on the request".into(),
            ));
        }
        let old = self.get(rt, ns, name).cloned();
        let live = match &old {
            Some(o) => (**o).clone(),
            None => {
                let mut md = serde_json::Map::new();
                md.insert("name".into(), json!(name));
                if rt.namespaced {
                    md.insert("namespace".into(), json!(ns));
                }
                json!({"apiVersion": rt.api_version(), "kind": rt.kind, "metadata": md})
            }
        };
        let now = ctx.now.rfc3339();
        let api_version = rt.api_version();
        let req = ApplyRequest {
            manager: &ctx.manager,
            force: ctx.force,
            api_version: &api_version,
            schema: rt.schema,
            has_status: rt.status,
            now: &now,
        };
        let merged = apply::apply(&live, &cfg, &req).map_err(ApiError::ApplyConflict)?;
        match old {
            Some(o) => self.finish_write(rt, Some(o), merged, ctx, None),
            None => {
                let mut merged = merged;
                self.check_namespace(rt, ns, &mut merged)?;
                if rt.namespaced && self.get(&self.types[0].clone(), "", ns).is_none() {
                    return Err(ApiError::not_found(&self.types[0].clone(), ns));
                }
                self.finish_write(rt, None, merged, ctx, None)
            }
        }
    }
}
