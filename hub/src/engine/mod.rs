//! The hub engine: from root sources to, per cluster, the apps it must run.
//!
//! - [`evaluate`]: reads the roots, interprets every Application,
//!   ApplicationSet and AppProject found (recursively: app-of-apps), and
//!   renders each app's sources once per distinct input ([`cache`]).
//! - [`refresh`]: fetches with backoff and keeps each root's last good
//!   state when a fetch or a parse fails.
//! - [`plan`]: resolves destinations, enforces AppProjects and the safety
//!   rules, and groups the result by cluster.
//!
//! Both are synchronous and pure over a [`RepoReader`](crate::repo::RepoReader)
//! and the cluster inventory; fetching and scheduling are the caller's.

pub mod cache;
pub mod evaluate;
pub mod plan;
pub mod refresh;
pub mod scope;

pub use evaluate::{EvaluatedApp, Evaluation, evaluate};
pub use plan::{ClusterPlan, Plan, PlannedApp, plan};
pub use refresh::{Backoff, Refresher};

/// Something wrong with one app, shown to the operator as Argo CD shows
/// Application conditions.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Condition {
    /// A CamelCase type, like Argo CD's (`InvalidSpecError`, `ComparisonError`...).
    #[serde(rename = "type")]
    pub kind: String,
    pub message: String,
}

impl Condition {
    pub fn new(kind: &str, message: impl Into<String>) -> Condition {
        Condition { kind: kind.to_string(), message: message.into() }
    }

    /// Warnings (kinds ending in `Warning`, as Argo CD names them) inform;
    /// every other condition stops the app from shipping.
    pub fn is_warning(&self) -> bool {
        self.kind.ends_with("Warning")
    }
}
