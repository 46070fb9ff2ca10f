//! Deletion: preconditions, propagation policy finalizers, deletionTimestamp,
//! and removal (the garbage collector in `gc` does the cascading).

use super::ClusterState;
use super::meta::{self, Now, rv_of};
use crate::error::{ApiError, ApiResult};
use crate::resources::ResourceType;
use crate::watch::EventType;
use serde_json::{Value, json};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Propagation {
    Background,
    Foreground,
    Orphan,
}

#[derive(Debug, Clone, Default)]
pub struct DeleteOptions {
    pub propagation: Option<Propagation>,
    pub uid: Option<String>,
    pub resource_version: Option<String>,
    pub dry_run: bool,
}

impl ClusterState {
    pub fn delete(
        &mut self,
        rt: &Arc<ResourceType>,
        ns: &str,
        name: &str,
        opts: &DeleteOptions,
        now: Now,
    ) -> ApiResult<Arc<Value>> {
        let old = self.existing(rt, ns, name)?;
        if opts.uid.as_deref().is_some_and(|u| u != meta::uid_of(&old)) {
            return Err(ApiError::conflict(
                rt,
                name,
                &format!(
                    "Precondition failed: UID in precondition: {}, UID in object meta: {}",
                    opts.uid.as_deref().unwrap_or(""),
                    meta::uid_of(&old)
                ),
            ));
        }
        if opts.resource_version.as_deref().is_some_and(|r| r != rv_of(&old)) {
            return Err(ApiError::conflict(
                rt,
                name,
                "the object has been modified; please apply your changes to the latest version and try again",
            ));
        }
        let default = if rt.kind == "Job" { Propagation::Orphan } else { Propagation::Background };
        let prop = opts.propagation.unwrap_or(default);
        let mut new = (*old).clone();
        let mut fin = meta::finalizers(&old);
        match prop {
            Propagation::Foreground if !fin.iter().any(|f| f == "foregroundDeletion") => {
                fin.push("foregroundDeletion".into())
            }
            Propagation::Orphan if !fin.iter().any(|f| f == "orphan") => fin.push("orphan".into()),
            _ => {}
        }
        if rt.kind == "Namespace" {
            if let Some(m) = new.as_object_mut() {
                m.insert("status".into(), json!({"phase": "Terminating"}));
            }
            fin.push("kubernetes".into());
        }
        if fin.is_empty() {
            if opts.dry_run {
                return Ok(old);
            }
            self.on_removed(rt, &old);
            return self.remove(rt, ns, name).ok_or_else(|| ApiError::not_found(rt, name));
        }
        let md = meta::meta_mut(&mut new);
        if md.get("deletionTimestamp").is_none() {
            md.insert("deletionTimestamp".into(), json!(now.rfc3339()));
            md.insert("deletionGracePeriodSeconds".into(), json!(0));
        }
        let stored_fin: Vec<String> = fin.into_iter().filter(|f| f != "kubernetes").collect();
        if stored_fin.is_empty() {
            md.remove("finalizers");
        } else {
            md.insert("finalizers".into(), json!(stored_fin));
        }
        if opts.dry_run {
            return Ok(Arc::new(new));
        }
        if *old == new {
            return Ok(old);
        }
        self.gc_needed = true;
        Ok(self.commit(rt, new, EventType::Modified))
    }

    /// Cleanup when an object leaves the store for good.
    pub(super) fn on_removed(&mut self, rt: &ResourceType, obj: &Value) {
        self.gc_needed = true;
        self.on_removed_pub(rt, obj);
    }
}
