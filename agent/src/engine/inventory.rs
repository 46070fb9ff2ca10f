//! Which resources belong to which app, and what may be pruned.
//!
//! Every resource the agent applies carries `convoy.dev/tracking-id` in
//! Argo CD's tracking-id format, `<app>:<group>/<kind>:<namespace>/<name>`.
//! The id repeats the resource's own identity so an annotation copied onto
//! another object (by `kubectl get -o yaml | kubectl apply`, say) does not
//! make that object the app's. Only objects whose id names them and the app
//! are ever pruned; `Prune=false` and `Delete=false` sync options, per
//! resource, keep a resource through a prune or an app deletion.

use serde_json::Value;
use std::collections::BTreeSet;
use std::fmt;

pub const TRACKING_ANNOTATION: &str = "convoy.dev/tracking-id";
pub const SYNC_OPTIONS_ANNOTATION: &str = "argocd.argoproj.io/sync-options";

/// A resource's identity.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct ResourceKey {
    pub group: String,
    pub kind: String,
    /// Empty for cluster-scoped resources.
    pub namespace: String,
    pub name: String,
}

impl fmt::Display for ResourceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.group.is_empty(), self.namespace.is_empty()) {
            (true, true) => write!(f, "{}/{}", self.kind, self.name),
            (true, false) => write!(f, "{}/{}/{}", self.kind, self.namespace, self.name),
            (false, true) => write!(f, "{}.{}/{}", self.kind, self.group, self.name),
            (false, false) => write!(f, "{}.{}/{}/{}", self.kind, self.group, self.namespace, self.name),
        }
    }
}

impl ResourceKey {
    /// The key of an object; namespaced objects without a namespace take
    /// `default_namespace` (the app's destination namespace).
    pub fn of(obj: &Value, namespaced: bool, default_namespace: &str) -> ResourceKey {
        let api = obj["apiVersion"].as_str().unwrap_or_default();
        let namespace = if namespaced {
            obj.pointer("/metadata/namespace")
                .and_then(Value::as_str)
                .filter(|n| !n.is_empty())
                .unwrap_or(default_namespace)
                .to_string()
        } else {
            String::new()
        };
        ResourceKey {
            group: api.rsplit_once('/').map_or("", |(g, _)| g).to_string(),
            kind: obj["kind"].as_str().unwrap_or_default().to_string(),
            namespace,
            name: obj.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default().to_string(),
        }
    }

    pub fn tracking_id(&self, app: &str) -> String {
        format!("{app}:{}/{}:{}/{}", self.group, self.kind, self.namespace, self.name)
    }
}

/// Marks `obj` as `app`'s.
pub fn annotate(obj: &mut Value, app: &str, key: &ResourceKey) {
    let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) else { return };
    let annotations = meta.entry("annotations").or_insert_with(|| Value::Object(Default::default()));
    if let Some(a) = annotations.as_object_mut() {
        a.insert(TRACKING_ANNOTATION.into(), Value::String(key.tracking_id(app)));
    }
}

/// The app a live object belongs to, if its tracking id names this very object.
pub fn owner(obj: &Value, key: &ResourceKey) -> Option<String> {
    let id = obj.pointer("/metadata/annotations").and_then(|a| a.get(TRACKING_ANNOTATION)).and_then(Value::as_str)?;
    let (app, rest) = id.split_once(':')?;
    (rest == key.tracking_id("").trim_start_matches(':')).then(|| app.to_string())
}

/// The resource-level sync options (`argocd.argoproj.io/sync-options`).
pub fn resource_options(obj: &Value) -> Vec<String> {
    obj.pointer("/metadata/annotations")
        .and_then(|a| a.get(SYNC_OPTIONS_ANNOTATION))
        .and_then(Value::as_str)
        .map(|s| s.split(',').map(|o| o.trim().to_string()).filter(|o| !o.is_empty()).collect())
        .unwrap_or_default()
}

/// Why a live resource is kept rather than deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Keep {
    NotOurs,
    PruneDisabled,
    DeleteDisabled,
}

/// Whether a live resource that left the app's desired set may be pruned.
pub fn may_prune(live: &Value, key: &ResourceKey, app: &str) -> Result<(), Keep> {
    if owner(live, key).as_deref() != Some(app) {
        return Err(Keep::NotOurs);
    }
    if resource_options(live).iter().any(|o| o == "Prune=false") {
        return Err(Keep::PruneDisabled);
    }
    Ok(())
}

/// Whether a live resource may be deleted with its app.
pub fn may_delete(live: &Value, key: &ResourceKey, app: &str) -> Result<(), Keep> {
    if owner(live, key).as_deref() != Some(app) {
        return Err(Keep::NotOurs);
    }
    if resource_options(live).iter().any(|o| o == "Delete=false") {
        return Err(Keep::DeleteDisabled);
    }
    Ok(())
}

/// Resources the inventory holds that the desired set no longer has.
pub fn gone(inventory: &BTreeSet<ResourceKey>, desired: &BTreeSet<ResourceKey>) -> Vec<ResourceKey> {
    inventory.difference(desired).cloned().collect()
}

/// How dependents are deleted (`PrunePropagationPolicy=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum Propagation {
    #[default]
    Foreground,
    Background,
    Orphan,
}

/// An app's sync options, as Argo CD reads them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncOptions {
    pub create_namespace: bool,
    pub prune_last: bool,
    pub propagation: Propagation,
    pub server_side_apply: bool,
    pub replace: bool,
    pub apply_out_of_sync_only: bool,
    pub respect_ignore_differences: bool,
}

impl SyncOptions {
    /// Parses `Name=value` options; unknown ones are ignored, as Argo CD does.
    pub fn parse(options: &[String]) -> SyncOptions {
        let mut o = SyncOptions::default();
        for opt in options {
            let (name, value) = opt.split_once('=').unwrap_or((opt.as_str(), "true"));
            let on = value.trim().eq_ignore_ascii_case("true");
            match name.trim() {
                "CreateNamespace" => o.create_namespace = on,
                "PruneLast" => o.prune_last = on,
                "ServerSideApply" => o.server_side_apply = on,
                "Replace" => o.replace = on,
                "ApplyOutOfSyncOnly" => o.apply_out_of_sync_only = on,
                "RespectIgnoreDifferences" => o.respect_ignore_differences = on,
                "PrunePropagationPolicy" => {
                    o.propagation = match value.trim() {
                        "background" => Propagation::Background,
                        "orphan" => Propagation::Orphan,
                        _ => Propagation::Foreground,
                    }
                }
                _ => {}
            }
        }
        o
    }

    /// Per-resource options override the app's.
    pub fn for_resource(&self, obj: &Value) -> SyncOptions {
        let mut o = self.clone();
        let extra = SyncOptions::parse(&resource_options(obj));
        let set = resource_options(obj);
        let has = |n: &str| set.iter().any(|s| s.starts_with(&format!("{n}=")));
        if has("ServerSideApply") {
            o.server_side_apply = extra.server_side_apply;
        }
        if has("Replace") {
            o.replace = extra.replace;
        }
        if has("PruneLast") {
            o.prune_last = extra.prune_last;
        }
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cm(name: &str, annotations: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "web", "annotations": annotations}})
    }

    #[test]
    fn tracking_ids_name_the_object_and_the_app() {
        let mut obj = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}});
        let key = ResourceKey::of(&obj, true, "prod");
        assert_eq!(key.to_string(), "Deployment.apps/prod/web");
        annotate(&mut obj, "web-prod", &key);
        assert_eq!(obj["metadata"]["annotations"][TRACKING_ANNOTATION], "web-prod:apps/Deployment:prod/web");
        assert_eq!(owner(&obj, &key).as_deref(), Some("web-prod"));
        // The same annotation copied onto another object does not make it ours.
        let mut copy = obj.clone();
        copy["metadata"]["name"] = json!("web-copy");
        assert_eq!(owner(&copy, &ResourceKey::of(&copy, true, "prod")), None);
        let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "prod"}});
        assert_eq!(ResourceKey::of(&ns, false, "ignored").tracking_id("a"), "a:/Namespace:/prod");
    }

    #[test]
    fn prune_and_delete_respect_ownership_and_options() {
        let key = ResourceKey::of(&cm("c", json!({})), true, "web");
        let ours = cm("c", json!({TRACKING_ANNOTATION: key.tracking_id("app")}));
        assert_eq!(may_prune(&ours, &key, "app"), Ok(()));
        assert_eq!(may_prune(&ours, &key, "other-app"), Err(Keep::NotOurs));
        assert_eq!(
            may_prune(&cm("c", json!({})), &key, "app"),
            Err(Keep::NotOurs),
            "never touch what we did not create"
        );
        let keep =
            cm("c", json!({TRACKING_ANNOTATION: key.tracking_id("app"), SYNC_OPTIONS_ANNOTATION: "Prune=false"}));
        assert_eq!(may_prune(&keep, &key, "app"), Err(Keep::PruneDisabled));
        assert_eq!(may_delete(&keep, &key, "app"), Ok(()));
        let stay = cm(
            "c",
            json!({TRACKING_ANNOTATION: key.tracking_id("app"), SYNC_OPTIONS_ANNOTATION: "Delete=false, Replace=true"}),
        );
        assert_eq!(may_delete(&stay, &key, "app"), Err(Keep::DeleteDisabled));
    }

    #[test]
    fn sync_options_parse_like_argo() {
        let o = SyncOptions::parse(&[
            "CreateNamespace=true".into(),
            "PrunePropagationPolicy=background".into(),
            "PruneLast=true".into(),
            "Bogus=1".into(),
        ]);
        assert!(o.create_namespace && o.prune_last && !o.replace);
        assert_eq!(o.propagation, Propagation::Background);
        assert_eq!(SyncOptions::parse(&[]).propagation, Propagation::Foreground);
        let res = cm("c", json!({SYNC_OPTIONS_ANNOTATION: "Replace=true,ServerSideApply=false"}));
        let per = SyncOptions { server_side_apply: true, ..o.clone() }.for_resource(&res);
        assert!(per.replace && !per.server_side_apply);
    }

    #[test]
    fn gone_is_a_set_difference() {
        let k = |n: &str| ResourceKey {
            group: String::new(),
            kind: "ConfigMap".into(),
            namespace: "w".into(),
            name: n.into(),
        };
        let inv: BTreeSet<_> = [k("a"), k("b"), k("c")].into();
        let desired: BTreeSet<_> = [k("a"), k("c"), k("d")].into();
        assert_eq!(gone(&inv, &desired), [k("b")]);
    }
}
