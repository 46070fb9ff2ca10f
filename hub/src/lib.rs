//! The convoy hub.
//!
//! - [`config`]: the hub's configuration file.
//! - [`manifest`]: reading YAML/JSON streams with precise errors.
//! - [`inventory`]: the clusters the hub delivers to.
//! - [`selector`]: Kubernetes label selectors.
//! - [`apps`]: Argo CD Applications.
//! - [`projects`]: AppProject enforcement.
//! - [`appset`] and [`generators`]: ApplicationSets, generated exactly as
//!   Argo CD generates them.
//! - [`git`]: Git mirrors, revisions and commit trees (gix).
//! - [`repo`]: what generators and renderers read of a repository.
//! - [`render`]: Application sources to manifests.
//! - [`engine`]: from root sources to a per-cluster plan.
//! - [`delivery`]: the QUIC endpoint agents dial.
//!
//! The binary adds the CLI (`src/cli/`).

pub mod apps;
pub mod appset;
pub mod config;
pub mod delivery;
pub mod engine;
pub mod generators;
pub mod git;
pub mod inventory;
pub mod manifest;
pub mod projects;
pub mod render;
pub mod repo;
pub mod selector;
