//! The matrix generator: the product of two children's parameter sets. The
//! second child is rendered with each parameter set of the first, so it can
//! depend on it (a git path from a cluster label, say).

use super::{Context, child_params};
use crate::appset::params::{Params, combine, merge_override};
use serde_json::Value;

pub fn generate(spec: &Value, ctx: &Context) -> Result<Vec<Params>, String> {
    let children = spec.get("generators").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    match children.len() {
        0 | 1 => return Err("found less than two generators, Matrix support only two".into()),
        2 => {}
        _ => return Err("found more than two generators, Matrix support only two".into()),
    }
    let first = child_params(&children[0], ctx, &Params::new())
        .map_err(|e| format!("error failed to get params for first generator in matrix generator: {e}"))?;
    let mut out = Vec::new();
    for a in &first {
        let second = child_params(&children[1], ctx, a)
            .map_err(|e| format!("failed to get params for second generator in the matrix generator: {e}"))?;
        for b in &second {
            if ctx.go_template {
                let mut merged = Params::new();
                merge_override(&mut merged, b);
                merge_override(&mut merged, a);
                out.push(merged);
            } else {
                out.push(combine(a, b)?);
            }
        }
    }
    Ok(out)
}
