//! What agents report about their cluster: per-app sync and health state,
//! per-resource detail and recent events.
//!
//! The shapes follow Argo CD's Application status so operators read familiar
//! words; reasons are free strings (like Kubernetes event reasons) so new ones
//! need no protocol change.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Agent → hub: the state of every app of the bundle the agent runs.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StatusReport {
    /// The bundle generation this report describes.
    pub generation: u64,
    /// Increases by one per report from this agent, across restarts, so the
    /// hub can tell a gap (reports lost while partitioned) from a quiet agent.
    pub sequence: u64,
    /// When the agent observed this state, milliseconds since the Unix epoch.
    pub observed_at_ms: u64,
    pub apps: Vec<AppStatus>,
    /// Events since the previous report, oldest first.
    pub events: Vec<StatusEvent>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppStatus {
    pub name: String,
    /// The Git revision of the manifests the app runs.
    pub revision: String,
    pub sync: SyncState,
    pub health: HealthState,
    /// A person-readable summary (the worst resource's message, say).
    pub message: String,
    pub resources: Vec<ResourceStatus>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceStatus {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub sync: SyncState,
    pub health: HealthState,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusEvent {
    pub at_ms: u64,
    pub app: String,
    /// A CamelCase reason such as `DriftReverted` or `SyncFailed`.
    pub reason: String,
    /// `Kind/namespace/name` of the resource concerned, if any.
    pub resource: Option<String>,
    pub message: String,
}

/// Argo CD's sync states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum SyncState {
    Synced,
    OutOfSync,
    #[default]
    Unknown,
}

/// Argo CD's health states. `Ord` follows Argo CD's severity, so the health of
/// an app is the maximum over its resources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
pub enum HealthState {
    Healthy,
    Suspended,
    Progressing,
    Missing,
    Degraded,
    #[default]
    Unknown,
}

impl fmt::Display for SyncState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

impl fmt::Display for HealthState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}
