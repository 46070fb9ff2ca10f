//! Server-side apply and field ownership (`metadata.managedFields`).
//!
//! `fieldset` is the path-set algebra and its FieldsV1 encoding, `schema` the
//! list-merge knowledge, `merge` the value surgery and `managed` the rules that
//! decide who owns what after each write.

pub mod fieldset;
pub mod managed;
pub mod merge;
pub mod schema;

pub use managed::{ApplyRequest, UpdateRequest, apply, record_update};
