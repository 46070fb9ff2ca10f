//! The agent engine's decisions, as pure functions over Kubernetes objects
//! (JSON values): how healthy a resource is ([`health`]) and in which order
//! a bundle's resources are applied ([`order`]). The kube-rs shell that
//! applies, watches and prunes calls into these.

pub mod health;
pub mod order;
