//! Kubernetes label selectors (`matchLabels` + `matchExpressions`), as used
//! by the cluster generator and by generators' `selector` post-filter.
//!
//! Semantics follow `metav1.LabelSelectorAsSelector`: every requirement must
//! hold; `In`/`NotIn` need values, `Exists`/`DoesNotExist` take none; `NotIn`
//! and `DoesNotExist` match objects that lack the key. An empty selector
//! matches everything.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelSelector {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub match_labels: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub match_expressions: Vec<Requirement>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requirement {
    pub key: String,
    pub operator: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectorError {
    #[error("matchExpressions[{index}]: operator {operator:?} is not one of In, NotIn, Exists, DoesNotExist")]
    UnknownOperator { index: usize, operator: String },
    #[error("matchExpressions[{index}]: operator {operator} needs at least one value")]
    MissingValues { index: usize, operator: String },
    #[error("matchExpressions[{index}]: operator {operator} takes no values")]
    UnexpectedValues { index: usize, operator: String },
}

/// A selector checked once, so matching many objects cannot fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompiledSelector {
    labels: Vec<(String, String)>,
    expressions: Vec<Expression>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Expression {
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    DoesNotExist(String),
}

impl LabelSelector {
    pub fn is_empty(&self) -> bool {
        self.match_labels.is_empty() && self.match_expressions.is_empty()
    }

    pub fn compile(&self) -> Result<CompiledSelector, SelectorError> {
        let mut expressions = Vec::with_capacity(self.match_expressions.len());
        for (index, r) in self.match_expressions.iter().enumerate() {
            let operator = r.operator.clone();
            let e = match r.operator.as_str() {
                "In" | "NotIn" if r.values.is_empty() => {
                    return Err(SelectorError::MissingValues { index, operator });
                }
                "Exists" | "DoesNotExist" if !r.values.is_empty() => {
                    return Err(SelectorError::UnexpectedValues { index, operator });
                }
                "In" => Expression::In(r.key.clone(), sorted(&r.values)),
                "NotIn" => Expression::NotIn(r.key.clone(), sorted(&r.values)),
                "Exists" => Expression::Exists(r.key.clone()),
                "DoesNotExist" => Expression::DoesNotExist(r.key.clone()),
                _ => return Err(SelectorError::UnknownOperator { index, operator }),
            };
            expressions.push(e);
        }
        Ok(CompiledSelector {
            labels: self.match_labels.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            expressions,
        })
    }
}

fn sorted(values: &[String]) -> Vec<String> {
    let mut v = values.to_vec();
    v.sort();
    v.dedup();
    v
}

impl CompiledSelector {
    pub fn everything() -> CompiledSelector {
        CompiledSelector { labels: Vec::new(), expressions: Vec::new() }
    }

    /// Whether `get(key)` labels satisfy the selector.
    pub fn matches<'a>(&self, get: impl Fn(&str) -> Option<&'a str>) -> bool {
        self.labels.iter().all(|(k, v)| get(k) == Some(v.as_str()))
            && self.expressions.iter().all(|e| match e {
                Expression::In(k, vs) => get(k).is_some_and(|v| vs.binary_search_by(|x| x.as_str().cmp(v)).is_ok()),
                Expression::NotIn(k, vs) => get(k).is_none_or(|v| vs.binary_search_by(|x| x.as_str().cmp(v)).is_err()),
                Expression::Exists(k) => get(k).is_some(),
                Expression::DoesNotExist(k) => get(k).is_none(),
            })
    }

    pub fn matches_map(&self, labels: &BTreeMap<String, String>) -> bool {
        self.matches(|k| labels.get(k).map(String::as_str))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn sel(yaml: &str) -> CompiledSelector {
        serde_norway::from_str::<LabelSelector>(yaml).unwrap().compile().unwrap()
    }

    #[test]
    fn match_labels_and_every_operator() {
        let prod_edge = labels(&[("env", "production"), ("region", "edge")]);
        let staging = labels(&[("env", "staging")]);
        assert!(sel("matchLabels: {env: production}").matches_map(&prod_edge));
        assert!(!sel("matchLabels: {env: production}").matches_map(&staging));
        let in_ = sel("matchExpressions: [{key: env, operator: In, values: [production, staging]}]");
        assert!(in_.matches_map(&prod_edge) && in_.matches_map(&staging) && !in_.matches_map(&labels(&[])));
        let not_in = sel("matchExpressions: [{key: region, operator: NotIn, values: [edge]}]");
        assert!(!not_in.matches_map(&prod_edge) && not_in.matches_map(&staging), "missing key satisfies NotIn");
        let exists = sel("matchExpressions: [{key: region, operator: Exists}]");
        assert!(exists.matches_map(&prod_edge) && !exists.matches_map(&staging));
        let absent = sel("matchExpressions: [{key: region, operator: DoesNotExist}]");
        assert!(!absent.matches_map(&prod_edge) && absent.matches_map(&staging));
        assert!(sel("{}").matches_map(&staging), "empty selector matches everything");
    }

    #[test]
    fn malformed_requirements_are_refused() {
        let bad = |yaml: &str| serde_norway::from_str::<LabelSelector>(yaml).unwrap().compile().unwrap_err();
        assert!(matches!(
            bad("matchExpressions: [{key: a, operator: Equals, values: [x]}]"),
            SelectorError::UnknownOperator { .. }
        ));
        assert!(matches!(bad("matchExpressions: [{key: a, operator: In}]"), SelectorError::MissingValues { .. }));
        assert!(matches!(
            bad("matchExpressions: [{key: a, operator: Exists, values: [x]}]"),
            SelectorError::UnexpectedValues { .. }
        ));
    }
}
