//! ApplicationSet generators: each turns its spec into parameter sets.
//!
//! [`transform`] is Argo CD's `Transform`: it finds which generator a spec
//! holds, completes the generator's own `template` with the
//! ApplicationSet's, runs it, and drops parameter sets that fail the
//! generator-level `selector`. Matrix and merge call back into it for their
//! children; a matrix's second child is first rendered with each parameter
//! set of the first.

pub mod cluster;
pub mod git;
pub mod list;
pub mod matrix;
pub mod merge;

use crate::appset::params::{Params, flatten};
use crate::appset::render::{Templater, fill_zero, render_value};
use crate::inventory::Cluster;
use crate::repo::RepoReader;
use crate::selector::LabelSelector;
use serde_json::{Map, Value};

/// What generators may consult.
pub struct Context<'a> {
    pub clusters: &'a [Cluster],
    pub repos: &'a dyn RepoReader,
    pub go_template: bool,
    pub templater: &'a dyn Templater,
    /// The templater used to pre-resolve a nested generator's `values` in Go
    /// mode (`missingkey=error`, falling back to the raw text on a missing
    /// key, as Argo CD does).
    pub strict_templater: &'a dyn Templater,
    /// Whether the cluster generator offers Argo CD's implicit local cluster.
    pub include_in_cluster: bool,
}

/// The parameter sets one generator produced, with the template to render
/// them with.
#[derive(Debug, Clone)]
pub struct Batch {
    pub params: Vec<Params>,
    pub template: Value,
}

/// The generator kinds, in the order Argo CD's generator struct declares them.
const KINDS: &[&str] =
    &["list", "clusters", "git", "scmProvider", "clusterDecisionResource", "pullRequest", "matrix", "merge", "plugin"];

/// Runs one generator spec (one entry of `spec.generators`, or a child of a
/// matrix or merge). `outer` are parameters to interpolate into the spec
/// first (a matrix's first child's), empty otherwise.
pub fn transform(spec: &Value, base_template: &Value, ctx: &Context, outer: &Params) -> Result<Vec<Batch>, String> {
    let Value::Object(fields) = spec else { return Err("a generator must be a map".into()) };
    let spec = if outer.is_empty() { spec.clone() } else { interpolate(spec, ctx, outer)? };
    let selector = match fields.get("selector") {
        None | Some(Value::Null) => None,
        Some(s) => Some(
            serde_json::from_value::<LabelSelector>(s.clone())
                .map_err(|e| format!("selector: {e}"))?
                .compile()
                .map_err(|e| format!("selector: {e}"))?,
        ),
    };
    if let Some(unknown) = fields.keys().find(|k| !KINDS.contains(&k.as_str()) && k.as_str() != "selector") {
        return Err(format!("unknown generator {unknown:?}"));
    }
    let mut out = Vec::new();
    for kind in KINDS {
        let Some(generator) = spec.get(*kind).filter(|g| !g.is_null()) else { continue };
        let params = match *kind {
            "list" => list::generate(generator, ctx),
            "clusters" => cluster::generate(generator, ctx),
            "git" => git::generate(generator, ctx),
            "matrix" => matrix::generate(generator, ctx),
            "merge" => merge::generate(generator, ctx),
            other => Err(format!(
                "the {other} generator is not supported by convoy (it needs a service convoy does not run)"
            )),
        }
        .map_err(|e| format!("{kind}: {e}"))?;
        let mut template = generator.get("template").cloned().unwrap_or_else(|| Value::Object(Map::new()));
        fill_zero(&mut template, base_template);
        let params = match &selector {
            None => params,
            Some(sel) => params
                .into_iter()
                .filter(|p| {
                    let flat: std::collections::BTreeMap<String, String> = flatten(p).into_iter().collect();
                    sel.matches_map(&flat)
                })
                .collect(),
        };
        out.push(Batch { params, template });
    }
    if out.is_empty() {
        return Err("ApplicationSet is empty: the generator names no known generator".into());
    }
    Ok(out)
}

/// Runs a child of a matrix or merge, which must hold exactly one generator.
pub fn child_params(spec: &Value, ctx: &Context, outer: &Params) -> Result<Vec<Params>, String> {
    let mut batches = transform(spec, &Value::Object(Map::new()), ctx, outer)?;
    match batches.len() {
        1 => Ok(batches.remove(0).params),
        _ => Err("found more than one generator in matrix.Generators".into()),
    }
}

/// Renders a generator spec with parameters from another generator. In Go
/// mode a `values` map is resolved strictly and keeps its raw text where a
/// key is missing, so it can still refer to its own generator's parameters.
fn interpolate(spec: &Value, ctx: &Context, outer: &Params) -> Result<Value, String> {
    let Value::Object(fields) = spec else { return Ok(spec.clone()) };
    let mut out = Map::new();
    for (kind, generator) in fields {
        let rendered = match generator {
            Value::Object(g) if ctx.go_template && g.contains_key("values") => {
                let mut g2 = Map::new();
                for (k, v) in g {
                    if k == "values" {
                        g2.insert(k.clone(), resolve_values(v, ctx, outer)?);
                    } else if !v.is_null() {
                        g2.insert(ctx.templater.render(k, outer)?, render_value(v, ctx.templater, outer)?);
                    }
                }
                Value::Object(g2)
            }
            other => render_value(other, ctx.templater, outer)?,
        };
        out.insert(kind.clone(), rendered);
    }
    Ok(Value::Object(out))
}

fn resolve_values(values: &Value, ctx: &Context, outer: &Params) -> Result<Value, String> {
    let Value::Object(m) = values else { return Ok(values.clone()) };
    let mut out = Map::new();
    for (k, v) in m {
        let text = v.as_str().ok_or_else(|| format!("values.{k} must be a string"))?;
        let resolved = match ctx.strict_templater.render(text, outer) {
            Ok(s) => s,
            Err(e) if e.contains("map has no entry for key") || e.contains("can't evaluate field") => text.to_string(),
            Err(e) => return Err(format!("failed to pre-resolve Values key {k:?}: {e}")),
        };
        out.insert(k.clone(), Value::String(resolved));
    }
    Ok(Value::Object(out))
}

/// Argo CD's `appendTemplatedValues`: a generator's `values` are rendered
/// with its own parameters and added as `values.<key>` (or under `values`
/// in Go mode).
pub fn append_values(values: Option<&Value>, params: &mut Params, ctx: &Context) -> Result<(), String> {
    let Some(Value::Object(values)) = values else { return Ok(()) };
    let mut rendered = Map::new();
    for (k, v) in values {
        let text = v.as_str().ok_or_else(|| format!("values.{k} must be a string"))?;
        let s = ctx.templater.render(text, params).map_err(|e| format!("failed to replace templated string: {e}"))?;
        rendered.insert(k.clone(), Value::String(s));
    }
    if ctx.go_template {
        params.insert("values".into(), Value::Object(rendered));
    } else {
        for (k, v) in rendered {
            params.insert(format!("values.{k}"), v);
        }
    }
    Ok(())
}
