//! The convoy agent.
//!
//! For now: its identity ([`identity`]), its link to the hub ([`uplink`]) and
//! the redb state that keeps the last verified bundle across restarts
//! ([`state`]). Applying bundles to the cluster arrives with the agent engine.

pub mod cluster;
pub mod engine;
pub mod identity;
pub mod offline;
pub mod state;
pub mod sync;
pub mod uplink;
