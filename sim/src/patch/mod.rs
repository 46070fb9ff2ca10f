//! The three PATCH flavours the apiserver accepts besides apply: JSON merge
//! patch, JSON patch and strategic merge patch. Pure functions over values.

pub mod json;
pub mod merge;
pub mod strategic;

pub use json::{JsonPatchError, json_patch};
pub use merge::merge_patch;
pub use strategic::{StrategicError, strategic_merge};
