//! Watch events and the filtering and encoding a watch stream needs. The
//! store records events; the HTTP shell decides which to send using a
//! `WatchFilter` and writes them with `encode_event`.

use crate::selectors::{FieldSelector, LabelSelector};
use serde_json::{Value, json};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    Added,
    Modified,
    Deleted,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Added => "ADDED",
            EventType::Modified => "MODIFIED",
            EventType::Deleted => "DELETED",
        }
    }
}

#[derive(Debug)]
pub struct Event {
    pub rv: u64,
    pub store_key: String,
    pub namespace: String,
    pub ty: EventType,
    pub object: Arc<Value>,
    /// The version a MODIFIED event replaced (live events only), so a
    /// selector-filtered watch can tell an object entering or leaving it.
    pub previous: Option<Arc<Value>>,
}

/// Which events one watch wants.
#[derive(Debug, Clone)]
pub struct WatchFilter {
    pub store_key: String,
    pub namespace: Option<String>,
    pub labels: LabelSelector,
    pub fields: FieldSelector,
}

impl WatchFilter {
    fn selects(&self, obj: &Value) -> bool {
        self.labels.matches_object(obj) && self.fields.matches(obj)
    }

    pub fn matches(&self, ev: &Event) -> bool {
        self.decide(ev).is_some()
    }

    /// The event type this watch sees for `ev`, if any: as with the
    /// apiserver, a modification that moves an object into the selection
    /// is ADDED and one that moves it out is DELETED.
    pub fn decide(&self, ev: &Event) -> Option<EventType> {
        if ev.store_key != self.store_key || self.namespace.as_deref().is_some_and(|n| n != ev.namespace) {
            return None;
        }
        let now = self.selects(&ev.object);
        match (ev.ty, ev.previous.as_deref().map(|p| self.selects(p))) {
            (EventType::Modified, Some(before)) => match (before, now) {
                (true, true) => Some(EventType::Modified),
                (false, true) => Some(EventType::Added),
                (true, false) => Some(EventType::Deleted),
                (false, false) => None,
            },
            (ty, _) => now.then_some(ty),
        }
    }
}

/// One line of a watch stream (newline-delimited JSON, as the apiserver sends).
pub fn encode_event(ty: &str, object: &Value, api_version: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(b"{\"type\":\"");
    out.extend_from_slice(ty.as_bytes());
    out.extend_from_slice(b"\",\"object\":");
    // Objects of every version share storage; the watch speaks the requested one.
    if object.get("apiVersion").and_then(Value::as_str) == Some(api_version) || api_version.is_empty() {
        let _ = serde_json::to_writer(&mut out, &crate::wire::Wire(object));
    } else {
        let mut o = object.clone();
        if let Some(m) = o.as_object_mut() {
            m.insert("apiVersion".into(), json!(api_version));
        }
        let _ = serde_json::to_writer(&mut out, &crate::wire::Wire(&o));
    }
    out.extend_from_slice(b"}\n");
    out
}

pub fn bookmark(kind: &str, api_version: &str, rv: u64) -> Vec<u8> {
    let obj = json!({"kind": kind, "apiVersion": api_version, "metadata": {"resourceVersion": rv.to_string()}});
    encode_event("BOOKMARK", &obj, api_version)
}

pub fn expired(rv: u64, oldest: u64) -> Vec<u8> {
    let status = crate::error::ApiError::Gone { requested: rv, oldest }.to_status();
    encode_event("ERROR", &status, "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_entering_and_leaving_a_selection() {
        let with = |v: &str| Arc::new(json!({"metadata": {"name": "a", "labels": {"tier": v}}}));
        let f = WatchFilter {
            store_key: "k".into(),
            namespace: None,
            labels: LabelSelector::parse("tier=web").unwrap(),
            fields: FieldSelector::default(),
        };
        let ev = |old: &str, new: &str| Event {
            rv: 1,
            store_key: "k".into(),
            namespace: String::new(),
            ty: EventType::Modified,
            object: with(new),
            previous: Some(with(old)),
        };
        assert_eq!(f.decide(&ev("db", "web")), Some(EventType::Added));
        assert_eq!(f.decide(&ev("web", "db")), Some(EventType::Deleted));
        assert_eq!(f.decide(&ev("web", "web")), Some(EventType::Modified));
        assert_eq!(f.decide(&ev("db", "db")), None);
    }

    #[test]
    fn filter_and_encode() {
        let obj = Arc::new(
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": "x", "labels": {"k": "v"}}}),
        );
        let ev = Event {
            rv: 5,
            store_key: "/configmaps".into(),
            namespace: "x".into(),
            ty: EventType::Added,
            object: obj.clone(),
            previous: None,
        };
        let mut f = WatchFilter {
            store_key: "/configmaps".into(),
            namespace: Some("x".into()),
            labels: LabelSelector::parse("k=v").unwrap(),
            fields: FieldSelector::parse("metadata.name=a").unwrap(),
        };
        assert!(f.matches(&ev));
        f.namespace = Some("y".into());
        assert!(!f.matches(&ev));
        let line = encode_event("ADDED", &obj, "v1");
        let parsed: Value = serde_json::from_slice(&line).unwrap();
        assert_eq!(parsed["type"], "ADDED");
        assert_eq!(parsed["object"]["metadata"]["name"], "a");
        let e: Value = serde_json::from_slice(&expired(1, 10)).unwrap();
        assert_eq!(e["object"]["code"], 410);
    }
}
