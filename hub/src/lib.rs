//! The convoy hub.
//!
//! For now: the QUIC endpoint agents dial ([`delivery`]); the binary adds
//! the CLI (`src/cli/`). Git, ApplicationSets and rendering
//! arrive with the hub engine.

pub mod delivery;
