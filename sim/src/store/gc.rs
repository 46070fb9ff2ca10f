//! The garbage collector and namespace finalizer: dependents of deleted
//! owners are deleted (background/foreground) or orphaned, objects with a
//! deletionTimestamp leave once their finalizers are gone, and a terminating
//! namespace is emptied before it disappears.

use super::meta::{self, Now, name_of, namespace_of, uid_of};
use super::{ClusterState, DeleteOptions, Propagation};
use crate::resources::ResourceType;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::sync::Arc;

enum Action {
    Delete(Arc<ResourceType>, String, String, Propagation),
    DropFinalizer(Arc<ResourceType>, String, String, &'static str),
    Orphan(Arc<ResourceType>, String, String, String),
}

impl ClusterState {
    pub fn gc_needed(&self) -> bool {
        self.gc_needed
    }

    fn type_for_key(&self, key: &str) -> Option<Arc<ResourceType>> {
        self.types.iter().find(|t| t.store_key() == key).cloned()
    }

    /// Runs collection to a fixed point; returns whether anything changed.
    pub fn collect_garbage(&mut self, now: Now) -> bool {
        let mut changed = false;
        // Each round removes at least one level of an owner tree; the bound
        // only guards against a cycle of ownerReferences.
        for _ in 0..16 {
            if !self.gc_needed {
                break;
            }
            self.gc_needed = false;
            let actions = self.plan();
            if actions.is_empty() {
                break;
            }
            changed = true;
            for a in actions {
                self.act(a, now);
            }
        }
        changed
    }

    fn plan(&self) -> Vec<Action> {
        let uids: HashSet<&str> = self.all_objects().map(|(_, o)| uid_of(o)).collect();
        let mut actions = Vec::new();
        let terminating_ns: HashSet<&str> = self
            .iter(&self.types[0], None, None)
            .filter(|(_, o)| o.pointer("/metadata/deletionTimestamp").is_some())
            .map(|(k, _)| k.1.as_str())
            .collect();
        let mut ns_nonempty: HashSet<&str> = HashSet::new();
        for (key, obj) in self.all_objects() {
            let Some(rt) = self.type_for_key(key) else { continue };
            let ns = namespace_of(obj).to_string();
            let name = name_of(obj).to_string();
            if rt.namespaced && terminating_ns.contains(namespace_of(obj)) {
                ns_nonempty.insert(namespace_of(obj));
                if obj.pointer("/metadata/deletionTimestamp").is_none() {
                    actions.push(Action::Delete(rt.clone(), ns.clone(), name.clone(), Propagation::Background));
                }
            }
            let owners: Vec<&str> = meta::owner_uids(obj).collect();
            if !owners.is_empty()
                && owners.iter().all(|u| !uids.contains(u))
                && obj.pointer("/metadata/deletionTimestamp").is_none()
            {
                actions.push(Action::Delete(rt.clone(), ns.clone(), name.clone(), Propagation::Background));
            }
            if obj.pointer("/metadata/deletionTimestamp").is_none() {
                continue;
            }
            let fins = meta::finalizers(obj);
            let uid = uid_of(obj);
            let dependents: Vec<(String, &Arc<Value>)> = self
                .all_objects()
                .filter(|(_, d)| meta::owner_uids(d).any(|u| u == uid))
                .map(|(k, d)| (k.clone(), d))
                .collect();
            if fins.iter().any(|f| f == "orphan") {
                for (k, d) in &dependents {
                    if let Some(drt) = self.type_for_key(k) {
                        actions.push(Action::Orphan(drt, namespace_of(d).into(), name_of(d).into(), uid.into()));
                    }
                }
                actions.push(Action::DropFinalizer(rt.clone(), ns.clone(), name.clone(), "orphan"));
            }
            if fins.iter().any(|f| f == "foregroundDeletion") {
                let pending: Vec<_> =
                    dependents.iter().filter(|(_, d)| d.pointer("/metadata/deletionTimestamp").is_none()).collect();
                if dependents.is_empty() {
                    actions.push(Action::DropFinalizer(rt.clone(), ns.clone(), name.clone(), "foregroundDeletion"));
                }
                for (k, d) in pending {
                    if let Some(drt) = self.type_for_key(k) {
                        actions.push(Action::Delete(
                            drt,
                            namespace_of(d).into(),
                            name_of(d).into(),
                            Propagation::Foreground,
                        ));
                    }
                }
            }
        }
        for (_, o) in self.iter(&self.types[0], None, None) {
            let name = name_of(o);
            if terminating_ns.contains(name) && !ns_nonempty.contains(name) {
                actions.push(Action::DropFinalizer(
                    self.types[0].clone(),
                    String::new(),
                    name.to_string(),
                    "kubernetes",
                ));
            }
        }
        actions
    }

    fn act(&mut self, a: Action, now: Now) {
        match a {
            Action::Delete(rt, ns, name, prop) => {
                let opts = DeleteOptions { propagation: Some(prop), ..Default::default() };
                let _ = self.delete(&rt, &ns, &name, &opts, now);
            }
            Action::DropFinalizer(rt, ns, name, fin) => {
                let Some(obj) = self.get(&rt, &ns, &name).cloned() else { return };
                if rt.kind == "Namespace" && fin == "kubernetes" {
                    self.on_removed_pub(&rt, &obj);
                    self.remove(&rt, &ns, &name);
                    return;
                }
                let rest: Vec<String> = meta::finalizers(&obj).into_iter().filter(|f| f != fin).collect();
                let mut new = (*obj).clone();
                let md = meta::meta_mut(&mut new);
                if rest.is_empty() {
                    md.remove("finalizers");
                    self.on_removed_pub(&rt, &obj);
                    self.remove(&rt, &ns, &name);
                } else {
                    md.insert("finalizers".into(), json!(rest));
                    self.commit(&rt, new, crate::watch::EventType::Modified);
                }
            }
            Action::Orphan(rt, ns, name, owner) => {
                let Some(obj) = self.get(&rt, &ns, &name).cloned() else { return };
                let mut new = (*obj).clone();
                let md = meta::meta_mut(&mut new);
                if let Some(Value::Array(refs)) = md.get_mut("ownerReferences") {
                    refs.retain(|r| r.get("uid").and_then(Value::as_str) != Some(owner.as_str()));
                    if refs.is_empty() {
                        md.remove("ownerReferences");
                    }
                }
                self.commit(&rt, new, crate::watch::EventType::Modified);
            }
        }
        self.gc_needed = true;
    }

    pub(super) fn on_removed_pub(&mut self, rt: &ResourceType, obj: &Value) {
        if rt.kind == "CustomResourceDefinition" {
            let name = name_of(obj).to_string();
            // Custom objects go first, each with its DELETED event, so
            // watchers of the kind see them leave as on a real cluster.
            if let Some((plural, group)) = name.split_once('.') {
                let key = format!("{group}/{plural}");
                if let Some(cr_type) = self.type_for_key(&key) {
                    let keys: Vec<(String, String)> =
                        self.objects.get(&key).map(|m| m.keys().cloned().collect()).unwrap_or_default();
                    for (ns, n) in keys {
                        self.remove(&cr_type, &ns, &n);
                    }
                }
                self.objects.remove(&key);
            }
            self.set_types_for_crd(&name, Vec::new());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::WriteCtx;

    fn setup() -> (ClusterState, WriteCtx) {
        (ClusterState::new("t", 1), WriteCtx::system("test", Now { ms: 1_000_000 }))
    }

    fn cm(name: &str, owner: Option<&str>) -> Value {
        let mut v = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}});
        if let Some(u) = owner {
            v["metadata"]["ownerReferences"] =
                json!([{"apiVersion": "v1", "kind": "ConfigMap", "name": "p", "uid": u}]);
        }
        v
    }

    #[test]
    fn background_foreground_and_orphan() {
        for (prop, child_survives) in
            [(Propagation::Background, false), (Propagation::Foreground, false), (Propagation::Orphan, true)]
        {
            let (mut s, ctx) = setup();
            let rt = s.lookup("", "v1", "configmaps").unwrap();
            let parent = s.create(&rt, "default", cm("p", None), &ctx).unwrap();
            s.create(&rt, "default", cm("c", Some(uid_of(&parent))), &ctx).unwrap();
            s.delete(&rt, "default", "p", &DeleteOptions { propagation: Some(prop), ..Default::default() }, ctx.now)
                .unwrap();
            s.collect_garbage(ctx.now);
            assert!(s.get(&rt, "default", "p").is_none(), "{prop:?}");
            let child = s.get(&rt, "default", "c");
            assert_eq!(child.is_some(), child_survives, "{prop:?}");
            if let Some(c) = child {
                assert!(c.pointer("/metadata/ownerReferences").is_none());
            }
        }
    }

    #[test]
    fn namespace_deletion_empties_it() {
        let (mut s, ctx) = setup();
        let ns = s.lookup("", "v1", "namespaces").unwrap();
        let rt = s.lookup("", "v1", "configmaps").unwrap();
        s.create(&ns, "", json!({"metadata": {"name": "x"}}), &ctx).unwrap();
        s.create(&rt, "x", cm("a", None), &ctx).unwrap();
        let d = s.delete(&ns, "", "x", &DeleteOptions::default(), ctx.now).unwrap();
        assert_eq!(d["status"]["phase"], "Terminating");
        s.collect_garbage(ctx.now);
        assert!(s.get(&rt, "x", "a").is_none());
        assert!(s.get(&ns, "", "x").is_none());
    }

    #[test]
    fn deleting_a_crd_deletes_its_objects_with_events() {
        let (mut s, ctx) = setup();
        let crd_rt = s.lookup("apiextensions.k8s.io", "v1", "customresourcedefinitions").unwrap();
        let crd = json!({"metadata": {"name": "widgets.example.com"}, "spec": {"group": "example.com",
            "names": {"plural": "widgets", "kind": "Widget"}, "scope": "Namespaced",
            "versions": [{"name": "v1", "served": true, "storage": true}]}});
        s.create(&crd_rt, "", crd, &ctx).unwrap();
        let w = s.lookup("example.com", "v1", "widgets").unwrap();
        s.create(&w, "default", json!({"metadata": {"name": "a"}}), &ctx).unwrap();
        s.take_pending();
        s.delete(&crd_rt, "", "widgets.example.com", &DeleteOptions::default(), ctx.now).unwrap();
        let events = s.take_pending();
        assert!(
            events.iter().any(|e| e.store_key == "example.com/widgets" && e.ty == crate::watch::EventType::Deleted)
        );
        assert!(s.lookup("example.com", "v1", "widgets").is_none());
    }

    #[test]
    fn finalizer_blocks_until_removed() {
        let (mut s, ctx) = setup();
        let rt = s.lookup("", "v1", "configmaps").unwrap();
        let mut o = cm("f", None);
        o["metadata"]["finalizers"] = json!(["example.com/hold"]);
        s.create(&rt, "default", o, &ctx).unwrap();
        let d = s.delete(&rt, "default", "f", &DeleteOptions::default(), ctx.now).unwrap();
        assert!(d.pointer("/metadata/deletionTimestamp").is_some());
        let mut upd = (*d).clone();
        upd["metadata"]["finalizers"] = json!([]);
        s.update(&rt, "default", "f", upd, "", &ctx).unwrap();
        assert!(s.get(&rt, "default", "f").is_none());
    }
}
