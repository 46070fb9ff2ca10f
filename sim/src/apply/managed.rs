//! `metadata.managedFields`: who owns which fields. Server-side apply checks
//! and moves ownership here; every other write (create, update, patch) hands
//! the fields it changed to its manager with operation `Update`, as the
//! apiserver does, which is what lets a GitOps agent see drift by manager.

use super::fieldset::{FieldSet, changed_within, path_string};
use super::merge::{merge_applied, remove_fields};
use crate::error::Conflict;
use crate::resources::Schema;
use serde_json::{Map, Value, json};

#[derive(Debug, Clone, PartialEq)]
pub struct ManagedEntry {
    pub manager: String,
    pub operation: String,
    pub api_version: String,
    pub time: String,
    pub subresource: String,
    pub set: FieldSet,
}

impl ManagedEntry {
    fn same_slot(&self, manager: &str, operation: &str, subresource: &str) -> bool {
        self.manager == manager && self.operation == operation && self.subresource == subresource
    }
}

pub fn decode(obj: &Value) -> Vec<ManagedEntry> {
    let Some(list) = obj.pointer("/metadata/managedFields").and_then(Value::as_array) else {
        return Vec::new();
    };
    let s = |e: &Value, k: &str| e.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    list.iter()
        .map(|e| ManagedEntry {
            manager: s(e, "manager"),
            operation: s(e, "operation"),
            api_version: s(e, "apiVersion"),
            time: s(e, "time"),
            subresource: s(e, "subresource"),
            set: match e.get("fieldsV1") {
                // The stored form (see `wire`): compact JSON text.
                Some(Value::String(text)) => {
                    serde_json::from_str::<Value>(text).map(|v| FieldSet::from_fields_v1(&v)).unwrap_or_default()
                }
                Some(v) => FieldSet::from_fields_v1(v),
                None => FieldSet::default(),
            },
        })
        .collect()
}

pub fn encode(entries: &[ManagedEntry]) -> Value {
    let list: Vec<Value> = entries
        .iter()
        .filter(|e| !e.set.is_empty())
        .map(|e| {
            let mut m = Map::new();
            m.insert("manager".into(), json!(e.manager));
            m.insert("operation".into(), json!(e.operation));
            m.insert("apiVersion".into(), json!(e.api_version));
            m.insert("time".into(), json!(e.time));
            m.insert("fieldsType".into(), json!("FieldsV1"));
            m.insert("fieldsV1".into(), Value::String(e.set.to_fields_v1().to_string()));
            if !e.subresource.is_empty() {
                m.insert("subresource".into(), json!(e.subresource));
            }
            Value::Object(m)
        })
        .collect();
    Value::Array(list)
}

/// Fields of the object that ownership is tracked for: identity, bookkeeping
/// and the parts a subresource does not cover are left out.
pub fn tracked_view(obj: &Value, subresource: &str, has_status: bool) -> Value {
    let Value::Object(m) = obj else { return Value::Object(Map::new()) };
    let mut out = Map::new();
    for (k, v) in m {
        match k.as_str() {
            "apiVersion" | "kind" => {}
            "status" if subresource != "status" && has_status => {}
            "status" => {
                out.insert(k.clone(), v.clone());
            }
            _ if subresource == "status" => {}
            "metadata" => {
                let mut md = v.as_object().cloned().unwrap_or_default();
                for f in [
                    "name",
                    "namespace",
                    "uid",
                    "resourceVersion",
                    "generation",
                    "creationTimestamp",
                    "deletionTimestamp",
                    "deletionGracePeriodSeconds",
                    "managedFields",
                    "selfLink",
                    "generateName",
                ] {
                    md.remove(f);
                }
                if !md.is_empty() {
                    out.insert(k.clone(), Value::Object(md));
                }
            }
            _ => {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    Value::Object(out)
}

pub struct ApplyRequest<'a> {
    pub manager: &'a str,
    pub force: bool,
    pub api_version: &'a str,
    pub schema: Schema,
    pub has_status: bool,
    pub now: &'a str,
}

/// Server-side apply of `config` onto `live` (an empty object if creating).
/// Returns the merged object with updated managedFields, or the conflicts.
pub fn apply(live: &Value, config: &Value, req: &ApplyRequest) -> Result<Value, Vec<Conflict>> {
    let mut entries = decode(live);
    let cfg_view = tracked_view(config, "", req.has_status);
    let cfg_set = FieldSet::from_value(&cfg_view, req.schema);
    let slot = entries.iter().position(|e| e.same_slot(req.manager, "Apply", ""));
    let previous = slot.map(|i| entries[i].set.clone()).unwrap_or_default();
    let mut others = FieldSet::default();
    for (i, e) in entries.iter().enumerate() {
        if Some(i) != slot {
            others.union_with(&e.set);
        }
    }

    let mut merged = live.clone();
    remove_fields(&mut merged, &previous.difference(&cfg_set), &others);
    let mut cfg_body = cfg_view;
    if let Some(md) = config.get("metadata") {
        // Identity fields are not owned but still come from the config on create.
        if let (Some(cm), Some(md)) = (cfg_body.as_object_mut(), md.as_object()) {
            let mut full = cm.get("metadata").and_then(Value::as_object).cloned().unwrap_or_default();
            for f in ["name", "namespace", "generateName"] {
                if let Some(v) = md.get(f) {
                    full.insert(f.into(), v.clone());
                }
            }
            cm.insert("metadata".into(), Value::Object(full));
        }
    }
    merge_applied(&mut merged, &cfg_body, req.schema);

    let changed = changed_within(Some(live), Some(&merged), &cfg_set);
    let mut conflicts = Vec::new();
    for (i, e) in entries.iter_mut().enumerate() {
        if Some(i) == slot {
            continue;
        }
        let clash = e.set.intersection(&changed);
        if clash.is_empty() {
            continue;
        }
        if req.force {
            e.set = e.set.difference(&clash);
            continue;
        }
        for path in clash.members() {
            conflicts.push(Conflict {
                manager: e.manager.clone(),
                api_version: e.api_version.clone(),
                field: path_string(&path),
            });
        }
    }
    if !conflicts.is_empty() {
        return Err(conflicts);
    }
    match slot {
        Some(i) => {
            if entries[i].set != cfg_set || entries[i].api_version != req.api_version {
                entries[i].set = cfg_set;
                entries[i].time = req.now.to_string();
                entries[i].api_version = req.api_version.to_string();
            }
        }
        None => entries.push(ManagedEntry {
            manager: req.manager.to_string(),
            operation: "Apply".into(),
            api_version: req.api_version.to_string(),
            time: req.now.to_string(),
            subresource: String::new(),
            set: cfg_set,
        }),
    }
    set_managed(&mut merged, &entries);
    Ok(merged)
}

pub struct UpdateRequest<'a> {
    pub manager: &'a str,
    pub subresource: &'a str,
    pub api_version: &'a str,
    pub schema: Schema,
    pub has_status: bool,
    pub now: &'a str,
}

/// Records a non-apply write: `manager` takes the fields that changed from
/// `old` to `new` (all of `new` on create); fields that disappeared leave
/// every manager. Writes the result into `new`'s managedFields.
pub fn record_update(old: Option<&Value>, new: &mut Value, req: &UpdateRequest) {
    // A client may send managedFields itself (kubectl edit round-trips them);
    // the apiserver takes them as the starting point, else keeps the old ones.
    let mut entries = match new.pointer("/metadata/managedFields") {
        Some(Value::Array(a)) if !a.is_empty() => decode(new),
        _ => old.map(decode).unwrap_or_default(),
    };
    let new_view = tracked_view(new, req.subresource, req.has_status);
    let new_set = FieldSet::from_value(&new_view, req.schema);
    let changed = match old {
        None => new_set.clone(),
        Some(o) => {
            let old_view = tracked_view(o, req.subresource, req.has_status);
            let old_set = FieldSet::from_value(&old_view, req.schema);
            let gone = old_set.difference(&new_set);
            if !gone.is_empty() {
                for e in entries.iter_mut() {
                    e.set = e.set.difference(&gone);
                }
            }
            changed_within(Some(&old_view), Some(&new_view), &new_set)
        }
    };
    if !changed.is_empty() {
        let mut mine = None;
        for (i, e) in entries.iter_mut().enumerate() {
            if e.same_slot(req.manager, "Update", req.subresource) {
                mine = Some(i);
            } else {
                e.set = e.set.difference(&changed);
            }
        }
        match mine {
            Some(i) => {
                entries[i].set.union_with(&changed);
                entries[i].time = req.now.to_string();
                entries[i].api_version = req.api_version.to_string();
            }
            None => entries.push(ManagedEntry {
                manager: req.manager.to_string(),
                operation: "Update".into(),
                api_version: req.api_version.to_string(),
                time: req.now.to_string(),
                subresource: req.subresource.to_string(),
                set: changed,
            }),
        }
    }
    set_managed(new, &entries);
}

fn set_managed(obj: &mut Value, entries: &[ManagedEntry]) {
    let encoded = encode(entries);
    if let Some(md) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        if encoded.as_array().is_some_and(Vec::is_empty) {
            md.remove("managedFields");
        } else {
            md.insert("managedFields".into(), encoded);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(v: &Value) -> Value {
        serde_json::from_str(v.as_str().expect("stored as text")).unwrap()
    }

    fn areq<'a>(manager: &'a str, force: bool) -> ApplyRequest<'a> {
        ApplyRequest { manager, force, api_version: "apps/v1", schema: Schema::Builtin, has_status: true, now: "t" }
    }

    fn ureq(manager: &str) -> UpdateRequest<'_> {
        UpdateRequest {
            manager,
            subresource: "",
            api_version: "apps/v1",
            schema: Schema::Builtin,
            has_status: true,
            now: "t",
        }
    }

    fn cfg(replicas: i64, labels: Value) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "d", "labels": labels}, "spec": {"replicas": replicas}})
    }

    #[test]
    fn apply_tracks_and_removes_fields() {
        let live = json!({"metadata": {"name": "d"}});
        let a = apply(&live, &cfg(2, json!({"a": "1", "b": "2"})), &areq("convoy", false)).unwrap();
        let mf = &a["metadata"]["managedFields"][0];
        assert_eq!(mf["manager"], "convoy");
        assert_eq!(mf["operation"], "Apply");
        assert_eq!(
            fields(&mf["fieldsV1"]),
            json!({"f:metadata": {"f:labels": {"f:a": {}, "f:b": {}}}, "f:spec": {"f:replicas": {}}})
        );
        let b = apply(&a, &cfg(2, json!({"a": "1"})), &areq("convoy", false)).unwrap();
        assert_eq!(b["metadata"]["labels"], json!({"a": "1"}));
    }

    #[test]
    fn update_takes_ownership_and_apply_conflicts() {
        let live = json!({"metadata": {"name": "d"}});
        let a = apply(&live, &cfg(2, json!({"a": "1"})), &areq("convoy", false)).unwrap();
        let mut edited = a.clone();
        edited["spec"]["replicas"] = json!(5);
        record_update(Some(&a), &mut edited, &ureq("kubectl-edit"));
        let mf = edited["metadata"]["managedFields"].as_array().unwrap();
        assert_eq!(mf.len(), 2);
        assert_eq!(mf[1]["manager"], "kubectl-edit");
        assert_eq!(fields(&mf[1]["fieldsV1"]), json!({"f:spec": {"f:replicas": {}}}));
        assert_eq!(fields(&mf[0]["fieldsV1"]), json!({"f:metadata": {"f:labels": {"f:a": {}}}}));

        let err = apply(&edited, &cfg(2, json!({"a": "1"})), &areq("convoy", false)).unwrap_err();
        assert_eq!(
            err,
            vec![Conflict {
                manager: "kubectl-edit".into(),
                api_version: "apps/v1".into(),
                field: ".spec.replicas".into()
            }]
        );
        // Same value as the other owner: shared, no conflict.
        assert!(apply(&edited, &cfg(5, json!({"a": "1"})), &areq("convoy", false)).is_ok());
        let forced = apply(&edited, &cfg(2, json!({"a": "1"})), &areq("convoy", true)).unwrap();
        assert_eq!(forced["spec"]["replicas"], 2);
        let mf = forced["metadata"]["managedFields"].as_array().unwrap();
        assert_eq!(mf.len(), 1, "kubectl-edit lost its only field: {mf:?}");
    }

    #[test]
    fn shared_field_survives_removal_by_one_owner() {
        let live = json!({"metadata": {"name": "d"}});
        let a = apply(&live, &cfg(2, json!({"a": "1"})), &areq("one", false)).unwrap();
        let b = apply(&a, &cfg(2, json!({"a": "1"})), &areq("two", false)).unwrap();
        let c = apply(&b, &json!({"metadata": {"name": "d"}, "spec": {"replicas": 2}}), &areq("one", false)).unwrap();
        assert_eq!(c["metadata"]["labels"], json!({"a": "1"}));
    }

    #[test]
    fn status_is_not_applied_through_main_resource() {
        let live = json!({"metadata": {"name": "d"}, "status": {"replicas": 1}});
        let mut c = cfg(1, json!({}));
        c["status"] = json!({"replicas": 9});
        let a = apply(&live, &c, &areq("m", false)).unwrap();
        assert_eq!(a["status"]["replicas"], 1);
    }
}
