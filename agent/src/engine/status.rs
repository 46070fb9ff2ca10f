//! Sync and health status of an app from what the agent knows of each of
//! its resources: the live object (or its absence), the last drift check,
//! and how the last sync went. Argo CD's rules: an app is Synced when every
//! resource is and nothing awaits pruning; its health is the worst of its
//! resources', Missing for a resource that does not exist.

use super::health::{Health, assess, worst};
use super::inventory::ResourceKey;
use convoy_protocol::status::{AppStatus, HealthState, ResourceStatus, SyncState};
use serde_json::Value;

/// What the agent knows of one desired resource.
pub struct Observed<'a> {
    pub key: &'a ResourceKey,
    pub api_version: &'a str,
    /// `None`: not found in the cluster.
    pub live: Option<&'a Value>,
    /// Differing fields at the last check; `None` when not checked yet.
    pub drift: Option<&'a [String]>,
}

pub fn resource_status(o: &Observed<'_>) -> ResourceStatus {
    let (sync, health) = match (o.live, o.drift) {
        (None, _) => (SyncState::OutOfSync, Health::new(HealthState::Missing, "resource does not exist")),
        (Some(live), drift) => {
            let health = assess(live).unwrap_or_else(|| Health::new(HealthState::Healthy, ""));
            let sync = match drift {
                None => SyncState::Unknown,
                Some([]) => SyncState::Synced,
                Some(_) => SyncState::OutOfSync,
            };
            (sync, health)
        }
    };
    let message = match o.drift {
        Some(paths) if !paths.is_empty() && o.live.is_some() => {
            let mut m = format!("differs at {}", paths.iter().take(5).cloned().collect::<Vec<_>>().join(", "));
            if paths.len() > 5 {
                m.push_str(&format!(" and {} more", paths.len() - 5));
            }
            if !health.message.is_empty() {
                m = format!("{}; {m}", health.message);
            }
            m
        }
        _ => health.message,
    };
    ResourceStatus {
        group: o.key.group.clone(),
        version: o.api_version.rsplit('/').next().unwrap_or_default().to_string(),
        kind: o.key.kind.clone(),
        namespace: o.key.namespace.clone(),
        name: o.key.name.clone(),
        sync,
        health: health.state,
        message,
    }
}

/// An app's status. `awaiting_prune` are resources that left the bundle but
/// are still live (prune off); `failure` is the last sync's error, if it failed.
pub fn app_status(
    name: &str,
    revision: &str,
    resources: Vec<ResourceStatus>,
    awaiting_prune: &[ResourceKey],
    failure: Option<&str>,
) -> AppStatus {
    let health = worst(resources.iter().map(|r| &r.health));
    let sync = if !awaiting_prune.is_empty() || resources.iter().any(|r| r.sync == SyncState::OutOfSync) {
        SyncState::OutOfSync
    } else if resources.iter().any(|r| r.sync == SyncState::Unknown) {
        SyncState::Unknown
    } else {
        SyncState::Synced
    };
    let message = if let Some(f) = failure {
        format!("sync failed: {f}")
    } else if let Some(r) = resources.iter().find(|r| r.health == health && !r.message.is_empty())
        && health != HealthState::Healthy
    {
        format!("{}/{}: {}", r.kind, r.name, r.message)
    } else if let Some(k) = awaiting_prune.first() {
        format!("{} resource(s) require pruning, e.g. {k}", awaiting_prune.len())
    } else if let Some(r) = resources.iter().find(|r| r.sync == SyncState::OutOfSync) {
        format!("{}/{}: {}", r.kind, r.name, r.message)
    } else {
        String::new()
    };
    AppStatus { name: name.to_string(), revision: revision.to_string(), sync, health, message, resources }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn key(kind: &str, name: &str) -> ResourceKey {
        ResourceKey { group: "apps".into(), kind: kind.into(), namespace: "w".into(), name: name.into() }
    }

    #[test]
    fn worst_health_and_any_drift_decide() {
        let k1 = key("Deployment", "web");
        let k2 = key("ConfigMap", "cfg");
        let healthy = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "generation": 1},
            "spec": {"replicas": 1}, "status": {"observedGeneration": 1, "replicas": 1, "updatedReplicas": 1, "availableReplicas": 1}});
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}});
        let drift = vec!["/spec/replicas".to_string()];
        let r1 =
            resource_status(&Observed { key: &k1, api_version: "apps/v1", live: Some(&healthy), drift: Some(&[]) });
        let r2 = resource_status(&Observed { key: &k2, api_version: "v1", live: Some(&cm), drift: Some(&drift) });
        assert_eq!((r1.sync, r1.health, r1.version.as_str()), (SyncState::Synced, HealthState::Healthy, "v1"));
        assert_eq!((r2.sync, r2.message.as_str()), (SyncState::OutOfSync, "differs at /spec/replicas"));
        let app = app_status("web", "abc", vec![r1.clone(), r2], &[], None);
        assert_eq!((app.sync, app.health), (SyncState::OutOfSync, HealthState::Healthy));

        let missing = resource_status(&Observed { key: &k2, api_version: "v1", live: None, drift: None });
        let app = app_status("web", "abc", vec![r1.clone(), missing], &[], None);
        assert_eq!((app.sync, app.health), (SyncState::OutOfSync, HealthState::Missing));
        assert_eq!(app.message, "ConfigMap/cfg: resource does not exist");

        let app = app_status("web", "abc", vec![r1.clone()], std::slice::from_ref(&k2), None);
        assert_eq!(app.sync, SyncState::OutOfSync, "awaiting prune is out of sync");
        let app = app_status("web", "abc", vec![r1], &[], Some("boom"));
        assert_eq!((app.sync, app.message.as_str()), (SyncState::Synced, "sync failed: boom"));
    }
}
