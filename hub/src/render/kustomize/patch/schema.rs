//! Merge-key schema: which lists merge, and by which keys, per built-in kind.
//!
//! `schema.tsv` is generated from the Kubernetes v1.21.2 OpenAPI bundle that
//! kyaml embeds (kustomize's source of `x-kubernetes-patch-strategy`,
//! `x-kubernetes-patch-merge-key` and `x-kubernetes-list-map-keys`). Lines:
//! `C kind` (cluster-scoped kind), `T group version kind definition` (root
//! type of a resource), `D definition` followed by `F field shape ref
//! strategy keys` lines, shape being `o` object, `a` array, `m` map, `s` leaf.
//! Only fields that lead to other definitions or carry a patch strategy are
//! listed; everything else has no merge behaviour.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

#[derive(Debug)]
pub(crate) struct Field {
    shape: u8,
    reference: String,
    strategy: String,
    keys: Vec<String>,
}

struct Schema {
    types: HashMap<(String, String, String), String>,
    defs: HashMap<String, HashMap<String, Field>>,
    cluster: HashSet<String>,
}

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| load(include_str!("schema.tsv")));

fn load(text: &str) -> Schema {
    let mut s = Schema { types: HashMap::new(), defs: HashMap::new(), cluster: HashSet::new() };
    let mut current: Option<String> = None;
    for line in text.lines() {
        let cols: Vec<&str> = line.split('\t').collect();
        match cols.as_slice() {
            ["C", kind] => {
                s.cluster.insert((*kind).to_string());
            }
            ["T", g, v, k, def] => {
                s.types.insert((g.to_string(), v.to_string(), k.to_string()), def.to_string());
            }
            ["D", def] => {
                current = Some(def.to_string());
                s.defs.entry(def.to_string()).or_default();
            }
            ["F", name, shape, reference, strategy, keys] => {
                if let Some(d) = current.as_ref().and_then(|c| s.defs.get_mut(c)) {
                    let keys = keys.split(',').filter(|k| !k.is_empty()).map(str::to_string).collect();
                    let f = Field {
                        shape: shape.bytes().next().unwrap_or(b's'),
                        reference: reference.to_string(),
                        strategy: strategy.to_string(),
                        keys,
                    };
                    d.insert(name.to_string(), f);
                }
            }
            _ => {}
        }
    }
    s
}

/// Whether a kind is cluster-scoped per the built-in schema.
pub(crate) fn is_cluster_scoped(kind: &str) -> bool {
    SCHEMA.cluster.contains(kind)
}

/// A position in the schema: the definition whose properties apply here,
/// and the field that led here (its strategy and keys).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Node {
    def: Option<&'static str>,
    field: Option<&'static Field>,
    /// For arrays and maps: the item/value definition.
    inner: Option<&'static str>,
}

/// The schema of a resource of the given apiVersion and kind, if built in.
pub(crate) fn for_type(api_version: &str, kind: &str) -> Option<Node> {
    let (g, v) = match api_version.split_once('/') {
        Some((g, v)) => (g, v),
        None => ("", api_version),
    };
    let (key, def) = SCHEMA.types.get_key_value(&(g.to_string(), v.to_string(), kind.to_string()))?;
    let _ = key;
    Some(Node { def: Some(def.as_str()), field: None, inner: None })
}

fn def_name(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        return None;
    }
    SCHEMA.defs.get_key_value(name).map(|(k, _)| k.as_str())
}

impl Node {
    /// The schema of a mapping field.
    pub(crate) fn field(&self, name: &str) -> Option<Node> {
        if let Some(def) = self.def {
            let f = SCHEMA.defs.get(def)?.get(name)?;
            let target = def_name(&f.reference);
            return Some(match f.shape {
                b'o' => Node { def: target, field: Some(f), inner: None },
                b'a' | b'm' => Node { def: None, field: Some(f), inner: target },
                _ => Node { def: None, field: Some(f), inner: None },
            });
        }
        // A map field (additionalProperties): every value has the inner definition.
        let f = self.field?;
        if f.shape == b'm' {
            return Some(Node { def: self.inner, field: None, inner: None });
        }
        None
    }

    /// The schema of the elements of an array.
    pub(crate) fn elements(&self) -> Option<Node> {
        let f = self.field?;
        if f.shape != b'a' {
            return None;
        }
        Some(Node { def: self.inner, field: None, inner: None })
    }

    /// For an associative list: its merge keys (possibly empty for lists of
    /// scalars); `None` when the list is replaced as a whole.
    pub(crate) fn merge_keys(&self) -> Option<&'static [String]> {
        let f = self.field?;
        if f.strategy.split(',').any(|s| s == "merge") { Some(&f.keys) } else { None }
    }
}
