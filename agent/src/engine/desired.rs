//! One app's desired state as the engine works with it: the bundle's
//! manifests parsed into objects, its sync options, and the
//! `ignoreDifferences` rules that apply to each object.

use super::diff::{Ignore, ignore_applies};
use super::inventory::SyncOptions;
use convoy_protocol::bundle::{AppBundle, IgnoreDifference, SyncPolicy};
use serde_json::Value;

/// A manifest in the bundle that the agent cannot work with. The hub checks
/// manifests before signing, so this means a hub bug or a hand-made bundle.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("app {app}: manifest {index} ({resource}): {detail}")]
pub struct DesiredError {
    pub app: String,
    pub index: usize,
    pub resource: String,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DesiredApp {
    pub name: String,
    /// The destination namespace of namespaced objects that name none.
    pub namespace: String,
    pub revision: String,
    pub policy: SyncPolicy,
    pub options: SyncOptions,
    pub ignore: Vec<IgnoreDifference>,
    pub objects: Vec<Value>,
}

impl DesiredApp {
    pub fn from_bundle(app: &AppBundle) -> Result<DesiredApp, DesiredError> {
        let mut objects = Vec::with_capacity(app.manifests.len());
        for (index, m) in app.manifests.iter().enumerate() {
            let err = |detail: String| DesiredError {
                app: app.name.clone(),
                index,
                resource: format!("{}/{}", m.kind, m.name),
                detail,
            };
            let obj: Value = serde_json::from_str(&m.json).map_err(|e| err(format!("not JSON: {e}")))?;
            for (field, pointer) in
                [("apiVersion", "/apiVersion"), ("kind", "/kind"), ("metadata.name", "/metadata/name")]
            {
                if obj.pointer(pointer).and_then(Value::as_str).is_none_or(str::is_empty) {
                    return Err(err(format!("missing {field}")));
                }
            }
            objects.push(obj);
        }
        Ok(DesiredApp {
            name: app.name.clone(),
            namespace: app.namespace.clone(),
            revision: app.revision.clone(),
            options: SyncOptions::parse(&app.sync_policy.sync_options),
            policy: app.sync_policy.clone(),
            ignore: app.ignore_differences.clone(),
            objects,
        })
    }

    /// Every `ignoreDifferences` rule that applies to `obj`, merged.
    pub fn ignore_for(&self, obj: &Value) -> Ignore {
        let mut out = Ignore::default();
        for rule in self.ignore.iter().filter(|r| ignore_applies(r, obj)) {
            out.json_pointers.extend(rule.json_pointers.iter().cloned());
            out.jq_paths.extend(rule.jq_path_expressions.iter().cloned());
            out.managers.extend(rule.managed_fields_managers.iter().cloned());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use convoy_protocol::Manifest;

    fn manifest(json: &str) -> Manifest {
        Manifest {
            api_version: "v1".into(),
            kind: "ConfigMap".into(),
            namespace: String::new(),
            name: "c".into(),
            json: json.into(),
        }
    }

    #[test]
    fn manifests_parse_and_rules_merge() {
        let app = AppBundle {
            name: "web".into(),
            namespace: "prod".into(),
            manifests: vec![manifest(r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}"#)],
            ignore_differences: vec![
                IgnoreDifference {
                    kind: "ConfigMap".into(),
                    json_pointers: vec!["/data/a".into()],
                    ..Default::default()
                },
                IgnoreDifference { kind: "Secret".into(), json_pointers: vec!["/data/b".into()], ..Default::default() },
                IgnoreDifference {
                    kind: "*".into(),
                    managed_fields_managers: vec!["kube-controller-manager".into()],
                    ..Default::default()
                },
            ],
            sync_policy: SyncPolicy { sync_options: vec!["CreateNamespace=true".into()], ..Default::default() },
            ..Default::default()
        };
        let d = DesiredApp::from_bundle(&app).unwrap();
        assert!(d.options.create_namespace);
        let ignore = d.ignore_for(&d.objects[0]);
        assert_eq!(ignore.json_pointers, ["/data/a"]);
        assert_eq!(ignore.managers, ["kube-controller-manager"]);
    }

    #[test]
    fn a_bad_manifest_names_app_index_and_field() {
        let app = AppBundle {
            name: "web".into(),
            manifests: vec![manifest(r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{}}"#)],
            ..Default::default()
        };
        let err = DesiredApp::from_bundle(&app).unwrap_err();
        assert_eq!(err.to_string(), "app web: manifest 0 (ConfigMap/c): missing metadata.name");
        let app = AppBundle { name: "web".into(), manifests: vec![manifest("{nope")], ..Default::default() };
        assert!(DesiredApp::from_bundle(&app).unwrap_err().detail.starts_with("not JSON"));
    }
}
