//! The merge generator: the first child's parameter sets, each overridden by
//! the later children's sets that agree with it on every merge key. Sets are
//! kept in the first child's order (Argo CD's order is a Go map's, unstable).

use super::{Context, child_params};
use crate::appset::params::{Params, merge_override};
use serde_json::{Map, Value};
use std::collections::BTreeSet;

pub fn generate(spec: &Value, ctx: &Context) -> Result<Vec<Params>, String> {
    let children = spec.get("generators").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    if children.len() < 2 {
        return Err("found less than two generators, Merge requires two or more".into());
    }
    let keys: BTreeSet<String> = spec
        .get("mergeKeys")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default();
    if keys.is_empty() {
        return Err("no merge keys were provided in the merge generator".into());
    }
    let mut sets = Vec::with_capacity(children.len());
    for (i, child) in children.iter().enumerate() {
        let params = child_params(child, ctx, &Params::new())
            .map_err(|e| format!("error getting params from generator {} of {}: {e}", i + 1, children.len()))?;
        sets.push(params);
    }
    let mut base = keyed(&keys, std::mem::take(&mut sets[0]))?;
    for overrides in sets.into_iter().skip(1) {
        let overrides: std::collections::HashMap<String, Params> = keyed(&keys, overrides)?.into_iter().collect();
        for (key, params) in base.iter_mut() {
            if let Some(o) = overrides.get(key) {
                if ctx.go_template {
                    merge_override(params, o);
                } else {
                    params.extend(o.iter().map(|(k, v)| (k.clone(), v.clone())));
                }
            }
        }
    }
    Ok(base.into_iter().map(|(_, p)| p).collect())
}

/// Pairs each parameter set with the JSON of its merge-key values; two sets
/// with the same key values are an error, as in Argo CD.
fn keyed(keys: &BTreeSet<String>, sets: Vec<Params>) -> Result<Vec<(String, Params)>, String> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(sets.len());
    for p in sets {
        let key: Map<String, Value> =
            keys.iter().map(|k| (k.clone(), p.get(k).cloned().unwrap_or(Value::Null))).collect();
        let key = serde_json::to_string(&key).map_err(|e| e.to_string())?;
        if !seen.insert(key.clone()) {
            return Err(format!(
                "the parameters from a generator were not unique by the given mergeKeys, Merge requires all param sets to be unique. Duplicate key was {key}"
            ));
        }
        out.push((key, p));
    }
    Ok(out)
}
