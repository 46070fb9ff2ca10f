//! Kustomize patch engine: strategic merge patches (kyaml `merge2` semantics)
//! and JSON 6902 patches, with kustomize's target selection.
//!
//! [`apply`] applies one `patches:` entry to a list of resources the way
//! kustomize v5's `PatchTransformer` does; the legacy `patchesStrategicMerge`
//! and `patchesJson6902` fields map onto the same call.
//!
//! Files: `smp.rs` (strategic merge walker), `schema.rs` (merge keys from the
//! Kubernetes OpenAPI data kustomize embeds, `schema.tsv`), `json6902.rs`,
//! `target.rs` (selectors and resource ids), `labels.rs` (label selectors),
//! `regex.rs` (the small anchored regex engine selectors need).

mod json6902;
mod labels;
mod regex;
mod schema;
mod smp;
mod target;

#[cfg(test)]
mod difftests;
#[cfg(test)]
mod tests;

/// A YAML document; mappings keep insertion order.
pub type Doc = serde_norway::Value;

/// A patch could not be parsed or applied.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct PatchError(pub String);

impl PatchError {
    pub(crate) fn new(msg: impl Into<String>) -> PatchError {
        PatchError(msg.into())
    }
}

/// A parsed patch: strategic merge documents, or JSON 6902 operations.
#[derive(Debug, Clone, PartialEq)]
pub enum Patch {
    StrategicMerge(Vec<Doc>),
    Json6902(Vec<Doc>),
}

/// A `target:` selector. Group, version, kind, name and namespace are
/// anchored regular expressions; the selectors are label-selector syntax.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Target {
    pub group: Option<String>,
    pub version: Option<String>,
    pub kind: Option<String>,
    pub name: Option<String>,
    pub namespace: Option<String>,
    pub label_selector: Option<String>,
    pub annotation_selector: Option<String>,
}

/// Per-entry `options:` of a `patches:` item.
#[derive(Debug, Clone, Default)]
pub struct PatchOptions {
    pub allow_name_change: bool,
    pub allow_kind_change: bool,
}

impl Target {
    /// Reads a kustomization `target:` mapping; unknown fields are an error.
    pub fn from_doc(d: &Doc) -> Result<Target, PatchError> {
        target::target_from_doc(d)
    }
}

/// Parses patch text (YAML or JSON): a list of operations is a JSON 6902
/// patch; one or more mappings are strategic merge patches.
pub fn parse_patch(text: &str) -> Result<Patch, PatchError> {
    let mut docs = Vec::new();
    for de in serde_norway::Deserializer::from_str(text) {
        let v = <Doc as serde::Deserialize>::deserialize(de)
            .map_err(|e| PatchError(format!("unable to parse SM or JSON patch: {e}")))?;
        if !v.is_null() {
            docs.push(v);
        }
    }
    if docs.is_empty() {
        return Err(PatchError::new("unable to parse SM or JSON patch: the patch is empty"));
    }
    if docs.iter().all(|d| d.is_mapping()) {
        return smp_docs(docs).map(Patch::StrategicMerge);
    }
    match docs.as_slice() {
        [Doc::Sequence(ops)] => {
            for (i, op) in ops.iter().enumerate() {
                if !op.is_mapping() {
                    return Err(PatchError(format!("json patch operation {i} is not a mapping")));
                }
            }
            Ok(Patch::Json6902(ops.clone()))
        }
        _ => Err(PatchError::new("unable to parse SM or JSON patch: expected mappings or a list of operations")),
    }
}

/// Validates strategic merge documents as kustomize's resource factory
/// does: empty documents are dropped, `kind` and `metadata.name` are
/// required (not for `…List` kinds), `null` list items are refused, and a
/// `FooList` with `items` stands for its items.
fn smp_docs(docs: Vec<Doc>) -> Result<Vec<Doc>, PatchError> {
    let mut out = Vec::new();
    for d in docs {
        if d.as_mapping().is_some_and(|m| m.is_empty()) {
            continue;
        }
        let kind = d.get("kind").map(smp::scalar_text).unwrap_or_default();
        if kind.is_empty() {
            return Err(PatchError::new("unable to parse SM or JSON patch: missing kind in a patch document"));
        }
        let is_list = kind.ends_with("List");
        if !is_list && target::meta_str(&d, "name").is_none_or(|n| n.is_empty()) {
            return Err(PatchError(format!(
                "unable to parse SM or JSON patch: missing metadata.name in a {kind} patch"
            )));
        }
        if let Some(path) = nil_list_entry(&d, "") {
            return Err(PatchError(format!("unable to parse SM or JSON patch: empty item at {path}")));
        }
        match d.get("items") {
            Some(Doc::Sequence(items)) if is_list => {
                let items: Vec<Doc> = items.iter().filter(|i| !i.is_null()).cloned().collect();
                out.extend(smp_docs(items)?);
            }
            Some(Doc::Null) if is_list => {}
            Some(_) if is_list => {
                return Err(PatchError(format!("unable to parse SM or JSON patch: expected array in {kind}/items")));
            }
            _ => out.push(d),
        }
    }
    if out.is_empty() {
        return Err(PatchError::new("unable to parse SM or JSON patch: the patch is empty"));
    }
    Ok(out)
}

fn nil_list_entry(d: &Doc, path: &str) -> Option<String> {
    match d {
        Doc::Mapping(m) => m.iter().find_map(|(k, v)| nil_list_entry(v, &format!("{path}.{}", smp::scalar_text(k)))),
        Doc::Sequence(s) => s.iter().enumerate().find_map(|(i, v)| {
            if v.is_null() { Some(format!("{path}[{i}]")) } else { nil_list_entry(v, &format!("{path}[{i}]")) }
        }),
        _ => None,
    }
}

/// Applies one `patches:` entry to `resources`, as kustomize's
/// `PatchTransformer` does. Resources deleted by `$patch: delete` are removed.
pub fn apply(
    resources: &mut Vec<Doc>,
    patch: &Patch,
    target: Option<&Target>,
    options: &PatchOptions,
) -> Result<(), PatchError> {
    match patch {
        Patch::StrategicMerge(docs) => apply_smp(resources, docs, target, options),
        Patch::Json6902(ops) => {
            let Some(t) = target else {
                return Err(PatchError::new("must specify a target for JSON patch"));
            };
            let sel = target::Selector::new(t)?;
            for res in resources.iter_mut() {
                if sel.matches(res)? {
                    json6902::apply_ops(res, ops)?;
                }
            }
            Ok(())
        }
    }
}

fn apply_smp(
    resources: &mut Vec<Doc>,
    docs: &[Doc],
    target: Option<&Target>,
    options: &PatchOptions,
) -> Result<(), PatchError> {
    if let Some(t) = target {
        if docs.len() > 1 {
            return Err(PatchError::new(
                "Multiple Strategic-Merge Patches in one `patches` entry is not allowed to set `patches.target` field",
            ));
        }
        let sel = target::Selector::new(t)?;
        let mut selected = Vec::new();
        for (i, res) in resources.iter().enumerate() {
            if sel.matches(res)? {
                selected.push(i);
            }
        }
        let mut deleted = Vec::new();
        for i in selected {
            let mut p = docs[0].clone();
            // kustomize gives the patch copy the target's apiVersion.
            if let (Some(pm), Some(av)) = (p.as_mapping_mut(), resources[i].get("apiVersion").cloned()) {
                pm.insert(Doc::from("apiVersion"), av);
            }
            if !smp_one(&mut resources[i], &p, options)? {
                deleted.push(i);
            }
        }
        remove_indices(resources, &deleted);
        return Ok(());
    }
    for p in docs {
        let id = target::ResId::of(p);
        let matches: Vec<usize> =
            resources.iter().enumerate().filter(|(_, r)| target::matches_any_id(r, &id)).map(|(i, _)| i).collect();
        match matches.as_slice() {
            [i] => {
                let i = *i;
                if !smp_one(&mut resources[i], p, options)? {
                    resources.remove(i);
                }
            }
            [] => {
                return Err(PatchError(format!(
                    "no resource matches strategic merge patch \"{id}\": no matches for Id {id}; failed to find unique target for patch {id}"
                )));
            }
            _ => {
                return Err(PatchError(format!(
                    "no resource matches strategic merge patch \"{id}\": multiple matches for Id {id}; failed to find unique target for patch {id}"
                )));
            }
        }
    }
    Ok(())
}

fn remove_indices(resources: &mut Vec<Doc>, idx: &[usize]) {
    for &i in idx.iter().rev() {
        resources.remove(i);
    }
}

/// Merges `patch` into `res`; returns false when the resource was deleted.
fn smp_one(res: &mut Doc, patch: &Doc, options: &PatchOptions) -> Result<bool, PatchError> {
    let name = target::meta_str(res, "name");
    let ns = target::meta_str(res, "namespace");
    let kind = res.get("kind").cloned();
    let merged = smp::merge_resource(res, patch)?;
    let Some(mut out) = merged else { return Ok(false) };
    if out.as_mapping().is_none_or(|m| m.is_empty()) {
        return Ok(false);
    }
    let m = out.as_mapping_mut().expect("checked mapping");
    if !options.allow_kind_change {
        match kind {
            Some(k) => {
                m.insert(Doc::from("kind"), k);
            }
            None => {
                m.shift_remove("kind");
            }
        }
    }
    if !options.allow_name_change {
        set_meta(m, "name", name.map(Doc::from).or(Some(Doc::from(""))));
    }
    set_meta(m, "namespace", ns.filter(|s| !s.is_empty()).map(Doc::from));
    *res = out;
    Ok(true)
}

fn set_meta(m: &mut serde_norway::Mapping, field: &str, value: Option<Doc>) {
    match value {
        Some(v) => {
            let meta = m.entry(Doc::from("metadata")).or_insert_with(|| Doc::Mapping(Default::default()));
            if !meta.is_mapping() {
                *meta = Doc::Mapping(Default::default());
            }
            if let Some(mm) = meta.as_mapping_mut() {
                mm.insert(Doc::from(field), v);
            }
        }
        None => {
            if let Some(mm) = m.get_mut("metadata").and_then(Doc::as_mapping_mut) {
                mm.shift_remove(field);
            }
        }
    }
}
