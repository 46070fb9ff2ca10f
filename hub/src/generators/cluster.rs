//! The cluster generator: one parameter set per cluster of the inventory
//! whose labels match the selector.
//!
//! As in Argo CD: parameters are `name`, `nameNormalized`, `server`,
//! `project` and the cluster's labels and annotations (`metadata.labels.<k>`
//! flat, or a `metadata` map in Go mode); `values` are rendered per cluster;
//! Argo CD's own cluster, `in-cluster`, is offered only when there is no
//! selector and no cluster already points at the in-cluster address;
//! `flatList` gathers all clusters into one parameter set.
//! Clusters come in name order (Argo CD iterates a Go map, so its order is
//! not stable), with `in-cluster` last.

use super::{Context, append_values};
use crate::appset::params::{Params, sanitize_name};
use crate::inventory::{Cluster, IN_CLUSTER_NAME, IN_CLUSTER_SERVER};
use crate::selector::LabelSelector;
use serde_json::{Map, Value};

pub fn generate(spec: &Value, ctx: &Context) -> Result<Vec<Params>, String> {
    let selector: LabelSelector = match spec.get("selector") {
        None | Some(Value::Null) => LabelSelector::default(),
        Some(s) => serde_json::from_value(s.clone()).map_err(|e| format!("selector: {e}"))?,
    };
    let compiled = selector.compile().map_err(|e| format!("selector: {e}"))?;
    let flat_list = spec.get("flatList").and_then(Value::as_bool).unwrap_or(false);
    let values = spec.get("values");

    let mut matching: Vec<&Cluster> = ctx.clusters.iter().filter(|c| compiled.matches_map(&c.labels)).collect();
    matching.sort_by(|a, b| a.name.cmp(&b.name));
    let mut out = Vec::with_capacity(matching.len() + 1);
    for cluster in &matching {
        let mut params = cluster_params(cluster, ctx.go_template);
        append_values(values, &mut params, ctx)?;
        out.push(params);
    }
    let has_local = ctx.clusters.iter().any(|c| c.server == IN_CLUSTER_SERVER);
    if ctx.include_in_cluster && selector.is_empty() && !has_local {
        let mut params = Params::new();
        params.insert("name".into(), IN_CLUSTER_NAME.into());
        params.insert("nameNormalized".into(), IN_CLUSTER_NAME.into());
        params.insert("server".into(), IN_CLUSTER_SERVER.into());
        params.insert("project".into(), "".into());
        append_values(values, &mut params, ctx)?;
        out.push(params);
    }
    if flat_list {
        let mut one = Params::new();
        one.insert("clusters".into(), Value::Array(out.into_iter().map(Value::Object).collect()));
        return Ok(vec![one]);
    }
    Ok(out)
}

fn cluster_params(c: &Cluster, go_template: bool) -> Params {
    let mut p = Params::new();
    p.insert("name".into(), c.name.clone().into());
    p.insert("nameNormalized".into(), sanitize_name(&c.name).into());
    p.insert("server".into(), c.server.clone().into());
    p.insert("project".into(), c.project.clone().unwrap_or_default().into());
    let to_map = |m: &std::collections::BTreeMap<String, String>| {
        Value::Object(m.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect::<Map<_, _>>())
    };
    if go_template {
        let mut meta = Map::new();
        if !c.annotations.is_empty() {
            meta.insert("annotations".into(), to_map(&c.annotations));
        }
        if !c.labels.is_empty() {
            meta.insert("labels".into(), to_map(&c.labels));
        }
        p.insert("metadata".into(), Value::Object(meta));
    } else {
        for (k, v) in &c.annotations {
            p.insert(format!("metadata.annotations.{k}"), v.clone().into());
        }
        for (k, v) in &c.labels {
            p.insert(format!("metadata.labels.{k}"), v.clone().into());
        }
    }
    p
}
