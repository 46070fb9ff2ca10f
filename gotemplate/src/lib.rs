//! Go's `text/template`, reimplemented in Rust with Go-exact semantics,
//! output and error messages, plus sprig's function library and a pluggable
//! function map — for Argo CD ApplicationSet `goTemplate` and Helm rendering.
//!
//! ```
//! use convoy_gotemplate::{FuncMap, MissingKey, Options, TemplateSet, Value};
//! let mut set = TemplateSet::new(FuncMap::argocd());
//! set.parse("t", "Hello {{ .name | upper }}!").unwrap();
//! let data = Value::from_json(&serde_json::json!({"name": "convoy"}));
//! let opts = Options { missing_key: MissingKey::Error, ..Options::default() };
//! assert_eq!(set.execute("t", &data, &opts).unwrap(), "Hello CONVOY!");
//! ```
//!
//! # Using it
//! * Functions are fixed when parsing (Go checks names at parse time):
//!   build a [`FuncMap`] (`FuncMap::sprig()`, `FuncMap::argocd()`, or
//!   `FuncMap::new()` for builtins only), add or override entries with
//!   [`FuncMap::insert`], then create the [`TemplateSet`].
//! * Functions receive a [`Ctx`]: [`Ctx::execute_template`] and
//!   [`Ctx::execute_text`] are what Helm's `include` and `tpl` need.
//! * Data: [`Value::from_json`] turns every JSON number into `float64` (what
//!   Helm sees); [`Value::from_json_with`] with [`NumberMode::IntWhenIntegral`]
//!   keeps integers as `int`.
//! * Helm compatibility: use [`MissingKey::Zero`] (Helm's non-strict mode)
//!   and, like Helm, replace `<no value>` in the output with `""`;
//!   [`yaml::to_yaml`] / [`yaml::from_yaml`] give Helm's `toYaml`/`fromYaml`
//!   formatting.
//! * Limits ([`Options`]): template nesting depth, evaluation steps, output
//!   bytes and native stack usage; exceeding one is an error, never a crash.
//! * Host objects ([`value::Object`]) give data Go-style fields and methods
//!   with arguments (Helm's `.Files.Get "x"`, `.Capabilities.APIVersions.Has`).
//! * Maps are shared and mutable like Go maps (`set`, `merge` mutate in
//!   place); slices carry their Go element type (`[]string` from
//!   `splitList`, `[]int` from `until`) for `typeOf`/`deepEqual`.
//!
//! Modules: [`lexer`] and [`parse`] build trees; [`exec`] runs them;
//! [`value`] is the data model; [`printf`] is Go's `fmt`; [`funcs`] holds
//! the function map and sprig; [`json`]/[`yaml`] are Go-compatible encoders.

pub mod error;
pub mod exec;
pub mod funcs;
pub mod json;
pub mod lexer;
mod numfmt;
mod object;
pub mod parse;
pub mod printf;
mod quote;
pub mod template;
pub mod value;
pub mod yaml;
mod yaml_decode;
mod yaml_resolve;
mod yaml_scalar;

pub use error::{Error, FuncError};
pub use funcs::{Arity, Ctx, Func, FuncMap, FuncResult};
pub use template::{MissingKey, Options, TemplateSet};
pub use value::{Elem, ListRef, Map, MapRef, NumberMode, Value};
