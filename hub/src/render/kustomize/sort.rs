//! Output order: kustomize's `legacy` order (by kind priority, then
//! group/version/kind, then namespace and name) unless `sortOptions` says
//! `fifo` (the order resources were accumulated in).

use super::model::SortOptions;
use super::resource::{Gvk, Resource};
use std::cmp::Ordering;
use std::collections::HashMap;

const ORDER_FIRST: [&str; 22] = [
    "Namespace",
    "ResourceQuota",
    "StorageClass",
    "CustomResourceDefinition",
    "ServiceAccount",
    "PodSecurityPolicy",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "ConfigMap",
    "Secret",
    "Endpoints",
    "Service",
    "LimitRange",
    "PriorityClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "Deployment",
    "StatefulSet",
    "CronJob",
    "PodDisruptionBudget",
];
const ORDER_LAST: [&str; 2] = ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"];

/// Sorts resources as `kustomize build` does.
pub fn sort(resources: &mut [Resource], options: Option<&SortOptions>) {
    let (first, last): (Vec<String>, Vec<String>) = match options {
        Some(SortOptions::Fifo) => return,
        Some(SortOptions::Legacy { first, last }) => (
            first.clone().unwrap_or_else(|| ORDER_FIRST.map(String::from).to_vec()),
            last.clone().unwrap_or_else(|| ORDER_LAST.map(String::from).to_vec()),
        ),
        None => (ORDER_FIRST.map(String::from).to_vec(), ORDER_LAST.map(String::from).to_vec()),
    };
    let mut orders: HashMap<String, i64> = HashMap::new();
    let n = first.len() as i64;
    for (i, k) in first.iter().enumerate() {
        orders.insert(k.clone(), i as i64 - n);
    }
    for (i, k) in last.iter().enumerate() {
        orders.insert(k.clone(), 1 + i as i64);
    }
    resources.sort_by(|a, b| compare(a, b, &orders));
}

fn compare(a: &Resource, b: &Resource, orders: &HashMap<String, i64>) -> Ordering {
    let (ga, gb) = (Gvk::of(&a.doc), Gvk::of(&b.doc));
    if ga != gb {
        let (ia, ib) = (orders.get(&ga.kind).copied().unwrap_or(0), orders.get(&gb.kind).copied().unwrap_or(0));
        if ia != ib {
            return ia.cmp(&ib);
        }
        let (sa, sb) = (gvk_key(&ga), gvk_key(&gb));
        if ga.kind == "Namespace" && gb.kind == "Namespace" && (ga.group.is_empty() || gb.group.is_empty()) {
            return sb.cmp(&sa);
        }
        return sa.cmp(&sb);
    }
    id_key(a).cmp(&id_key(b))
}

fn gvk_key(g: &Gvk) -> String {
    let or = |s: &str, d: &str| if s.is_empty() { d.to_string() } else { s.to_string() };
    format!("{}_{}_{}", or(&g.group, "~G"), or(&g.version, "~V"), or(&g.kind, "~K"))
}

fn id_key(r: &Resource) -> String {
    let ns = if r.namespace().is_empty() { "~X" } else { r.namespace() };
    let name = if r.name().is_empty() { "~N" } else { r.name() };
    format!("{ns}|{name}")
}
