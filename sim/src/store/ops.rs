//! The API verbs over one cluster's state: get/list, create, update, patch,
//! server-side apply and delete, with the apiserver's bookkeeping (uids,
//! resourceVersions, generation, optimistic concurrency, managedFields,
//! defaulting, validation, dry-run).

use super::meta::{self, Now, name_of, rv_of};
use super::scale::{scale_of, with_replicas};
use super::{ClusterState, apply_defaults, validate};
use crate::apply::{self, UpdateRequest};
use crate::error::{ApiError, ApiResult};
use crate::patch;
use crate::resources::{ResourceType, Schema, types_from_crd};
use crate::watch::EventType;
use serde_json::{Value, json};
use std::sync::Arc;

/// Who writes and how: the request's field manager and options.
#[derive(Debug, Clone)]
pub struct WriteCtx {
    pub manager: String,
    pub dry_run: bool,
    pub force: bool,
    pub now: Now,
}

impl WriteCtx {
    pub fn system(manager: &str, now: Now) -> WriteCtx {
        WriteCtx { manager: manager.to_string(), dry_run: false, force: false, now }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchType {
    Merge,
    Json,
    Strategic,
    Apply,
}

/// Spec-like content: everything except metadata and status; a change bumps generation.
fn spec_changed(old: &Value, new: &Value) -> bool {
    let strip = |v: &Value| -> Vec<(String, Value)> {
        v.as_object()
            .map(|m| {
                m.iter()
                    .filter(|(k, _)| !matches!(k.as_str(), "metadata" | "status" | "apiVersion" | "kind"))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            })
            .unwrap_or_default()
    };
    strip(old) != strip(new)
}

impl ClusterState {
    pub(super) fn check_namespace(&self, rt: &ResourceType, ns: &str, obj: &mut Value) -> ApiResult<()> {
        let body_ns = meta::namespace_of(obj).to_string();
        if !rt.namespaced {
            meta::meta_mut(obj).remove("namespace");
            return Ok(());
        }
        if ns.is_empty() {
            return Err(ApiError::BadRequest("the server could not find the requested resource".into()));
        }
        if !body_ns.is_empty() && body_ns != ns {
            return Err(ApiError::BadRequest(
                "the namespace of the provided object does not match the namespace sent on the request".into(),
            ));
        }
        meta::meta_mut(obj).insert("namespace".into(), json!(ns));
        Ok(())
    }

    pub(super) fn check_type(rt: &ResourceType, obj: &mut Value) -> ApiResult<()> {
        if !obj.is_object() {
            return Err(ApiError::BadRequest("the body of the request must be a JSON object".into()));
        }
        let want = rt.api_version();
        match obj.get("apiVersion").and_then(Value::as_str) {
            Some(v) if v != want => {
                return Err(ApiError::BadRequest(format!(
                    "the API version in the data ({v}) does not match the expected API version ({want})"
                )));
            }
            _ => {}
        }
        match obj.get("kind").and_then(Value::as_str) {
            Some(k) if k != rt.kind => {
                return Err(ApiError::BadRequest(format!(
                    "the kind in the data ({k}) does not match the expected kind ({})",
                    rt.kind
                )));
            }
            _ => {}
        }
        if let Some(m) = obj.as_object_mut() {
            m.insert("apiVersion".into(), json!(want));
            m.insert("kind".into(), json!(rt.kind));
        }
        Ok(())
    }

    pub fn create(
        &mut self,
        rt: &Arc<ResourceType>,
        ns: &str,
        mut obj: Value,
        ctx: &WriteCtx,
    ) -> ApiResult<Arc<Value>> {
        Self::check_type(rt, &mut obj)?;
        self.check_namespace(rt, ns, &mut obj)?;
        if name_of(&obj).is_empty()
            && let Some(prefix) = obj.pointer("/metadata/generateName").and_then(Value::as_str)
        {
            let name = format!("{prefix}{}", self.ids.suffix(5));
            meta::meta_mut(&mut obj).insert("name".into(), json!(name));
        }
        validate::validate_name(rt, name_of(&obj))?;
        if rt.namespaced {
            let ns_type = self.types[0].clone();
            match self.get(&ns_type, "", ns) {
                None => return Err(ApiError::not_found(&ns_type, ns)),
                Some(n) if n.pointer("/metadata/deletionTimestamp").is_some() && rt.kind != "Event" => {
                    return Err(ApiError::Unavailable(format!(
                        "{} \"{}\" is forbidden: unable to create new content in namespace {ns} because it is being terminated",
                        rt.plural,
                        name_of(&obj)
                    )));
                }
                _ => {}
            }
        }
        if self.get(rt, ns, name_of(&obj)).is_some() {
            return Err(ApiError::already_exists(rt, name_of(&obj)));
        }
        if rt.status
            && let Some(m) = obj.as_object_mut()
        {
            m.remove("status");
        }
        self.finish_write(rt, None, obj, ctx, Some(""))
    }

    /// Bookkeeping, defaulting, validation, ownership and storage shared by
    /// every write. `record` is the subresource an Update is recorded for, or
    /// None when server-side apply already set managedFields.
    pub(super) fn finish_write(
        &mut self,
        rt: &Arc<ResourceType>,
        old: Option<Arc<Value>>,
        mut new: Value,
        ctx: &WriteCtx,
        record: Option<&str>,
    ) -> ApiResult<Arc<Value>> {
        if let Some(m) = new.as_object_mut() {
            m.insert("apiVersion".into(), json!(rt.api_version()));
            m.insert("kind".into(), json!(rt.kind));
        }
        let md = meta::meta_mut(&mut new);
        match &old {
            Some(o) => {
                for f in [
                    "uid",
                    "creationTimestamp",
                    "deletionTimestamp",
                    "deletionGracePeriodSeconds",
                    "generation",
                    "namespace",
                    "name",
                ] {
                    match o.pointer(&format!("/metadata/{f}")) {
                        Some(v) => md.insert(f.into(), v.clone()),
                        None => md.remove(f),
                    };
                }
                md.insert("resourceVersion".into(), json!(rv_of(o)));
            }
            None => {
                md.insert("uid".into(), json!(self.ids.uid()));
                md.insert("creationTimestamp".into(), json!(ctx.now.rfc3339()));
                for f in ["resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"] {
                    md.remove(f);
                }
                if rt.generation {
                    md.insert("generation".into(), json!(1));
                } else {
                    md.remove("generation");
                }
            }
        }
        apply_defaults(&rt.kind, &mut new);
        self.kind_hooks(rt, old.as_deref(), &mut new)?;
        validate::validate(rt, &new)?;
        if let Some(o) = &old
            && rt.generation
            && spec_changed(o, &new)
        {
            let g = o.pointer("/metadata/generation").and_then(Value::as_i64).unwrap_or(0) + 1;
            meta::meta_mut(&mut new).insert("generation".into(), json!(g));
        }
        if let Some(sub) = record {
            let req = UpdateRequest {
                manager: &ctx.manager,
                subresource: sub,
                api_version: &rt.api_version(),
                schema: rt.schema,
                has_status: rt.status,
                now: &ctx.now.rfc3339(),
            };
            apply::record_update(old.as_deref(), &mut new, &req);
        }
        if let Some(o) = &old
            && **o == new
        {
            return Ok(o.clone());
        }
        let terminating_done =
            new.pointer("/metadata/deletionTimestamp").is_some() && meta::finalizers(&new).is_empty();
        if ctx.dry_run {
            return Ok(Arc::new(new));
        }
        if terminating_done {
            let ns = meta::namespace_of(&new).to_string();
            let name = name_of(&new).to_string();
            self.on_removed(rt, &new);
            return Ok(self.remove(rt, &ns, &name).unwrap_or_else(|| Arc::new(new)));
        }
        let ty = if old.is_some() { EventType::Modified } else { EventType::Added };
        let stored = self.commit(rt, new, ty);
        if rt.kind == "CustomResourceDefinition"
            && let Ok(types) = types_from_crd(&stored)
        {
            self.set_types_for_crd(name_of(&stored), types);
        }
        Ok(stored)
    }

    pub(super) fn existing(&self, rt: &ResourceType, ns: &str, name: &str) -> ApiResult<Arc<Value>> {
        self.get(rt, ns, name).cloned().ok_or_else(|| ApiError::not_found(rt, name))
    }

    /// PUT: replaces the object (or its status), with optimistic concurrency.
    pub fn update(
        &mut self,
        rt: &Arc<ResourceType>,
        ns: &str,
        name: &str,
        mut obj: Value,
        sub: &str,
        ctx: &WriteCtx,
    ) -> ApiResult<Arc<Value>> {
        Self::check_type(rt, &mut obj)?;
        let old = self.existing(rt, ns, name)?;
        if !name_of(&obj).is_empty() && name_of(&obj) != name {
            return Err(ApiError::BadRequest("the name of the object does not match the name on the URL".into()));
        }
        let rv = rv_of(&obj);
        if !rv.is_empty() && rv != rv_of(&old) {
            return Err(ApiError::conflict(
                rt,
                name,
                "the object has been modified; please apply your changes to the latest version and try again",
            ));
        }
        if rt.kind == "Pod" && sub.is_empty() && old.get("spec") != obj.get("spec") {
            let changed_only_images = {
                let mut a = old.get("spec").cloned().unwrap_or(Value::Null);
                let b = obj.get("spec").cloned().unwrap_or(Value::Null);
                if let (Some(ac), Some(bc)) = (
                    a.pointer_mut("/containers").and_then(Value::as_array_mut),
                    b.pointer("/containers").and_then(Value::as_array),
                ) {
                    for (x, y) in ac.iter_mut().zip(bc) {
                        if let (Some(x), Some(img)) = (x.as_object_mut(), y.get("image")) {
                            x.insert("image".into(), img.clone());
                        }
                    }
                }
                let mut b2 = b.clone();
                apply_defaults_pod_spec(&mut a);
                apply_defaults_pod_spec(&mut b2);
                a == b2
            };
            if !changed_only_images {
                return Err(ApiError::invalid(
                    rt,
                    name,
                    "spec",
                    "Forbidden: pod updates may not change fields other than `spec.containers[*].image`".into(),
                ));
            }
        }
        let new = self.merge_subresource(rt, &old, obj, sub);
        self.finish_write(rt, Some(old), new, ctx, Some(sub))
    }

    /// Builds the new object for a write through `sub`: the status
    /// subresource changes only status, the main resource everything else.
    fn merge_subresource(&self, rt: &ResourceType, old: &Value, mut obj: Value, sub: &str) -> Value {
        match sub {
            "status" => {
                let mut new = old.clone();
                if let Some(m) = new.as_object_mut() {
                    match obj.get("status") {
                        Some(s) => m.insert("status".into(), s.clone()),
                        None => m.remove("status"),
                    };
                }
                new
            }
            _ if rt.status => {
                if let Some(m) = obj.as_object_mut() {
                    match old.get("status") {
                        Some(s) => m.insert("status".into(), s.clone()),
                        None => m.remove("status"),
                    };
                }
                obj
            }
            _ => obj,
        }
    }

    /// PATCH in any of the four flavours. Apply may create the object.
    pub fn patch(
        &mut self,
        rt: &Arc<ResourceType>,
        ns: &str,
        name: &str,
        (ty, body): (PatchType, &Value),
        sub: &str,
        ctx: &WriteCtx,
    ) -> ApiResult<Arc<Value>> {
        // Apply may create the object, so it must not require one to exist.
        if ty == PatchType::Apply {
            return self.apply(rt, ns, name, body, ctx);
        }
        let old = self.existing(rt, ns, name)?;
        let base = if sub == "scale" { scale_of(rt, &old) } else { (*old).clone() };
        let mut patched = match ty {
            PatchType::Merge => {
                let mut t = base.clone();
                patch::merge_patch(&mut t, body);
                t
            }
            PatchType::Json => patch::json_patch(&base, body).map_err(|e| ApiError::Invalid {
                kind: rt.kind.clone(),
                group: rt.group.clone(),
                name: name.to_string(),
                causes: vec![(String::new(), e.to_string())],
            })?,
            PatchType::Strategic => {
                if rt.schema == Schema::Custom {
                    return Err(ApiError::UnsupportedMediaType(
                        "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
                            .into(),
                    ));
                }
                let mut t = base.clone();
                patch::strategic_merge(&mut t, body).map_err(|e| ApiError::BadRequest(e.to_string()))?;
                t
            }
            PatchType::Apply => return self.apply(rt, ns, name, body, ctx),
        };
        if rv_of(&patched) != rv_of(&base) && !rv_of(&patched).is_empty() {
            return Err(ApiError::conflict(
                rt,
                name,
                "the object has been modified; please apply your changes to the latest version and try again",
            ));
        }
        if sub == "scale" {
            patched = with_replicas(&old, &patched)?;
            return self.finish_write(rt, Some(old), patched, ctx, Some("scale"));
        }
        Self::check_type(rt, &mut patched)?;
        let new = self.merge_subresource(rt, &old, patched, sub);
        self.finish_write(rt, Some(old), new, ctx, Some(sub))
    }
}

fn apply_defaults_pod_spec(spec: &mut Value) {
    if let Some(m) = spec.as_object_mut() {
        super::default_pod_spec(m, "Always");
    }
}
