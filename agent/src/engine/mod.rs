//! The agent engine's decisions, as pure functions over Kubernetes objects
//! (JSON values): how healthy a resource is ([`health`]), in which order a
//! bundle's resources are applied ([`order`]) and whether a live object has
//! drifted from what the bundle says ([`diff`]), which app owns a resource
//! and what may be pruned ([`inventory`]). The kube-rs shell that
//! applies, watches and prunes calls into these.

pub mod backoff;
pub mod desired;
pub mod diff;
pub mod health;
pub mod inventory;
pub mod order;
pub mod status;
