//! One simulated cluster's state: its objects, resource-version counter,
//! served types (built-ins plus CRDs) and the recent event history watches
//! resume from. Pure data and logic: the shell owns the lock, the clock and
//! the sockets. Writes record events in `pending` for the shell to broadcast.

mod defaults;
mod delete;
mod gc;
mod hooks;
mod list;
pub mod meta;
mod ops;
mod scale;
mod server_apply;
mod validate;

pub use defaults::{apply_defaults, default_pod_spec};
pub use delete::{DeleteOptions, Propagation};
pub use list::{ListOptions, ListResult};
pub use meta::{IdGen, Now};
pub use ops::{PatchType, WriteCtx};

use crate::resources::{BUILTIN_TYPES, ResourceType};
use crate::watch::{Event, EventType};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;

/// A past event kept for watches that resume from an older
/// resourceVersion. Stored serialised: a JSON buffer is several times
/// smaller than a parsed `Value`, and resuming from history is rare next to
/// writing it on every change.
struct Past {
    rv: u64,
    store_key: String,
    namespace: String,
    ty: EventType,
    json: Box<[u8]>,
}

impl Past {
    fn of(ev: &Event) -> Past {
        Past {
            rv: ev.rv,
            store_key: ev.store_key.clone(),
            namespace: ev.namespace.clone(),
            ty: ev.ty,
            json: serde_json::to_vec(&*ev.object).unwrap_or_default().into_boxed_slice(),
        }
    }

    fn event(&self) -> Option<Arc<Event>> {
        let object = Arc::new(serde_json::from_slice(&self.json).ok()?);
        Some(Arc::new(Event {
            rv: self.rv,
            store_key: self.store_key.clone(),
            namespace: self.namespace.clone(),
            ty: self.ty,
            object,
            previous: None,
        }))
    }
}

/// Events kept for watches that resume from an older resourceVersion.
pub const HISTORY: usize = 64;

pub type ObjKey = (String, String);

pub struct ClusterState {
    pub name: String,
    rv: u64,
    pub ids: IdGen,
    objects: HashMap<String, BTreeMap<ObjKey, Arc<Value>>>,
    types: Vec<Arc<ResourceType>>,
    history: VecDeque<Past>,
    pending: Vec<Arc<Event>>,
    next_cluster_ip: u32,
    /// Set when a deletion may leave work for the garbage collector.
    gc_needed: bool,
    /// Bumped whenever the set of served types changes (discovery caches).
    pub types_generation: u64,
    /// Controller clocks (pod start times, rollout progress), in unix ms,
    /// keyed by purpose and uid. Not persisted: after a restart pods simply
    /// become ready one delay later.
    pub timers: HashMap<String, u64>,
    /// Store keys written since the controllers last looked, so a write to
    /// a ConfigMap does not make every controller scan the cluster.
    pub changed_kinds: std::collections::HashSet<String>,
}

impl ClusterState {
    pub fn new(name: &str, seed: u64) -> ClusterState {
        let mut s = ClusterState {
            name: name.to_string(),
            rv: 0,
            ids: IdGen::new(seed),
            objects: HashMap::new(),
            types: BUILTIN_TYPES.clone(),
            history: VecDeque::with_capacity(16),
            pending: Vec::new(),
            next_cluster_ip: 1,
            gc_needed: false,
            types_generation: 0,
            timers: HashMap::new(),
            changed_kinds: std::collections::HashSet::new(),
        };
        s.rv = 1;
        s.seed_objects(Now::from_system());
        s.pending.clear();
        s
    }

    /// The objects every fresh cluster has.
    fn seed_objects(&mut self, now: Now) {
        let ctx = WriteCtx::system("kube-apiserver", now);
        let ns_type = self.types[0].clone();
        for ns in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            let body = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}});
            // A fresh cluster cannot fail to create its own namespaces.
            let _ = self.create(&ns_type, "", body, &ctx);
        }
        if let Some(node_type) = self.lookup_kind("", "Node") {
            let node = json!({"apiVersion": "v1", "kind": "Node",
                "metadata": {"name": "sim-node", "labels": {"kubernetes.io/hostname": "sim-node", "kubernetes.io/os": "linux"}},
                "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}],
                    "capacity": {"cpu": "64", "memory": "256Gi", "pods": "10000"},
                    "allocatable": {"cpu": "64", "memory": "256Gi", "pods": "10000"},
                    "nodeInfo": {"kubeletVersion": "v1.32.0", "architecture": "amd64", "operatingSystem": "linux"}}});
            let _ = self.create(&node_type, "", node, &ctx);
        }
    }

    pub fn resource_version(&self) -> u64 {
        self.rv
    }

    pub fn types(&self) -> &[Arc<ResourceType>] {
        &self.types
    }

    pub fn lookup(&self, group: &str, version: &str, plural: &str) -> Option<Arc<ResourceType>> {
        self.types.iter().find(|t| t.plural == plural && t.group == group && t.version == version).cloned()
    }

    pub fn lookup_kind(&self, group: &str, kind: &str) -> Option<Arc<ResourceType>> {
        self.types.iter().find(|t| t.kind == kind && t.group == group).cloned()
    }

    pub fn lookup_api_version(&self, api_version: &str, kind: &str) -> Option<Arc<ResourceType>> {
        let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
        self.types.iter().find(|t| t.kind == kind && t.group == group && t.version == version).cloned()
    }

    pub(crate) fn set_types_for_crd(&mut self, crd_name: &str, new: Vec<ResourceType>) {
        let Some((plural, group)) = crd_name.split_once('.') else { return };
        self.types.retain(|t| !(t.group == group && t.plural == plural));
        self.types.extend(new.into_iter().map(Arc::new));
        self.types_generation += 1;
    }

    pub fn get(&self, rt: &ResourceType, ns: &str, name: &str) -> Option<&Arc<Value>> {
        let ns = if rt.namespaced { ns } else { "" };
        self.objects.get(&rt.store_key())?.get(&(ns.to_string(), name.to_string()))
    }

    /// All objects of a type, optionally in one namespace, in key order,
    /// starting strictly after `after`.
    pub fn iter<'a>(
        &'a self,
        rt: &ResourceType,
        ns: Option<&'a str>,
        after: Option<&'a ObjKey>,
    ) -> impl Iterator<Item = (&'a ObjKey, &'a Arc<Value>)> + 'a {
        let map = self.objects.get(&rt.store_key());
        map.into_iter().flat_map(move |m| {
            let start = match (after, ns) {
                (Some(a), _) => std::ops::Bound::Excluded(a.clone()),
                (None, Some(n)) => std::ops::Bound::Included((n.to_string(), String::new())),
                (None, None) => std::ops::Bound::Unbounded,
            };
            m.range((start, std::ops::Bound::Unbounded)).take_while(move |(k, _)| ns.is_none_or(|n| k.0 == n))
        })
    }

    /// Every stored object of every type (for GC and persistence).
    pub fn all_objects(&self) -> impl Iterator<Item = (&String, &Arc<Value>)> {
        self.objects.iter().flat_map(|(k, m)| m.values().map(move |v| (k, v)))
    }

    pub fn object_count(&self) -> usize {
        self.objects.values().map(BTreeMap::len).sum()
    }

    fn bump(&mut self) -> u64 {
        self.rv += 1;
        self.rv
    }

    /// Stores `obj` under a new resourceVersion and records the event.
    fn commit(&mut self, rt: &ResourceType, mut obj: Value, ty: EventType) -> Arc<Value> {
        let rv = self.bump();
        meta::meta_mut(&mut obj).insert("resourceVersion".into(), json!(rv.to_string()));
        let ns = if rt.namespaced { meta::namespace_of(&obj).to_string() } else { String::new() };
        let key = (ns.clone(), meta::name_of(&obj).to_string());
        let obj = Arc::new(obj);
        let previous = self.objects.entry(rt.store_key()).or_default().insert(key, obj.clone());
        self.record(rt, ns, ty, obj.clone(), previous, rv);
        obj
    }

    /// Removes an object for good; the DELETED event carries a fresh resourceVersion.
    fn remove(&mut self, rt: &ResourceType, ns: &str, name: &str) -> Option<Arc<Value>> {
        let ns = if rt.namespaced { ns } else { "" };
        let old = self.objects.get_mut(&rt.store_key())?.remove(&(ns.to_string(), name.to_string()))?;
        let rv = self.bump();
        let mut last = (*old).clone();
        meta::meta_mut(&mut last).insert("resourceVersion".into(), json!(rv.to_string()));
        let last = Arc::new(last);
        self.record(rt, ns.to_string(), EventType::Deleted, last.clone(), None, rv);
        self.gc_needed = true;
        Some(last)
    }

    fn record(
        &mut self,
        rt: &ResourceType,
        namespace: String,
        ty: EventType,
        object: Arc<Value>,
        previous: Option<Arc<Value>>,
        rv: u64,
    ) {
        let ev = Arc::new(Event { rv, store_key: rt.store_key(), namespace, ty, object, previous });
        if !self.changed_kinds.contains(&ev.store_key) {
            self.changed_kinds.insert(ev.store_key.clone());
        }
        if self.history.len() >= HISTORY {
            self.history.pop_front();
        }
        self.history.push_back(Past::of(&ev));
        self.pending.push(ev);
    }

    /// Events recorded since the last call, for the shell to broadcast.
    pub fn take_pending(&mut self) -> Vec<Arc<Event>> {
        std::mem::take(&mut self.pending)
    }

    /// Events after `rv`, or Err(oldest) if the history no longer reaches back that far.
    pub fn events_since(&self, rv: u64) -> Result<Vec<Arc<Event>>, u64> {
        let oldest = self.history.front().map(|e| e.rv).unwrap_or(self.rv + 1);
        if rv + 1 < oldest && rv < self.rv {
            return Err(oldest);
        }
        Ok(self.history.iter().filter(|e| e.rv > rv).filter_map(Past::event).collect())
    }

    fn allocate_cluster_ip(&mut self) -> String {
        let n = self.next_cluster_ip;
        self.next_cluster_ip += 1;
        format!("10.96.{}.{}", (n >> 8) & 0xff, n & 0xff)
    }

    /// Replaces the whole object set (loading a state file). Types for stored
    /// CRDs are registered again; history starts empty.
    pub fn restore(&mut self, rv: u64, objects: Vec<(String, Value)>) {
        self.objects.clear();
        self.history.clear();
        self.types = BUILTIN_TYPES.clone();
        for (key, obj) in objects {
            if key == "apiextensions.k8s.io/customresourcedefinitions"
                && let Ok(types) = crate::resources::types_from_crd(&obj)
            {
                self.set_types_for_crd(meta::name_of(&obj), types);
            }
            let ns = meta::namespace_of(&obj).to_string();
            let name = meta::name_of(&obj).to_string();
            self.objects.entry(key).or_default().insert((ns, name), Arc::new(obj));
        }
        self.rv = rv.max(self.rv);
        self.next_cluster_ip = 1 + self.object_count() as u32;
        self.pending.clear();
    }
}

#[cfg(test)]
mod tests;
