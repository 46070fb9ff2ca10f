//! The async shell around the engine's decisions: it talks to the cluster
//! and the state store.
//!
//! - [`target`]: a desired object made ready to apply (kind resolved,
//!   namespace filled, tracking annotation set).
//! - [`operation`]: one sync of one app: hooks, namespaces and CRDs, waves
//!   that wait for health, prune, with progress reported as it goes.
//! - [`live`]: watches of every kind the agent manages, feeding drift checks.
//! - [`enforcer`]: the long-running loop: a worker per app that syncs new
//!   bundles, retries failures, reverts drift and keeps the status current.
//! - [`report`]: status snapshots, persisted for `convoy-agent status`.

pub mod enforcer;
pub mod live;
pub mod operation;
pub mod report;
pub mod target;

use crate::cluster::ClusterError;
use crate::engine::desired::DesiredError;
use crate::state::StateError;

/// Why a sync did not complete.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Cluster(#[from] ClusterError),
    #[error(transparent)]
    State(#[from] StateError),
    #[error(transparent)]
    Desired(#[from] DesiredError),
    #[error("{resource} is {health}: {message}")]
    Unhealthy { resource: String, health: String, message: String },
    #[error("hook {hook} failed: {message}")]
    HookFailed { hook: String, message: String },
    #[error("{resource} is missing, it might have been deleted")]
    Missing { resource: String },
    #[error("timed out after {seconds}s waiting for {waiting}")]
    Timeout { seconds: u64, waiting: String },
    #[error("the application has no resources and allowEmpty is off")]
    Empty,
}

impl SyncError {
    /// A failure the next attempt may not repeat even though nothing changed
    /// (the API server was down): retried without limit.
    pub fn is_transient(&self) -> bool {
        match self {
            SyncError::Cluster(e) => e.is_transient(),
            SyncError::Timeout { .. } => true,
            _ => false,
        }
    }
}
