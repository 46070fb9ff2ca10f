//! The convoy hub.
//!
//! - [`manifest`]: reading YAML/JSON streams with precise errors.
//! - [`inventory`]: the clusters the hub delivers to.
//! - [`selector`]: Kubernetes label selectors.
//! - [`apps`]: Argo CD Applications.
//! - [`appset`] and [`generators`]: ApplicationSets, generated exactly as
//!   Argo CD generates them.
//! - [`repo`]: what generators and renderers read of a repository.
//! - [`render`]: Application sources to manifests.
//! - [`delivery`]: the QUIC endpoint agents dial.
//!
//! The binary adds the CLI (`src/cli/`).

pub mod apps;
pub mod appset;
pub mod delivery;
pub mod generators;
pub mod inventory;
pub mod manifest;
pub mod render;
pub mod repo;
pub mod selector;
