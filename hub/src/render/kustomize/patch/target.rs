//! Resource identity and `target:` selection, as kustomize's resmap does.
//!
//! Names, namespaces, groups, versions and kinds in a target are anchored
//! regular expressions; an empty or absent field matches anything. Name and
//! namespace match either the current or a previous (pre-rename) id, which
//! kustomize records in `internal.config.kubernetes.io/previous*`
//! annotations. Namespaces compare as kustomize's "effective" namespace:
//! "" means `default`, cluster-scoped kinds have none.

use super::labels;
use super::regex::Regex;
use super::schema;
use super::smp::scalar_text;
use super::{Doc, PatchError, Target};

const PREV_NAMES: &str = "internal.config.kubernetes.io/previousNames";
const PREV_NAMESPACES: &str = "internal.config.kubernetes.io/previousNamespaces";
const PREV_KINDS: &str = "internal.config.kubernetes.io/previousKinds";
const NO_NAMESPACE: &str = "_non_namespaceable_";

pub(crate) fn target_from_doc(d: &Doc) -> Result<Target, PatchError> {
    let Some(m) = d.as_mapping() else {
        return Err(PatchError::new("patch target must be a mapping"));
    };
    let mut t = Target::default();
    for (k, v) in m {
        let key = scalar_text(k);
        let val = match v {
            Doc::Null => None,
            Doc::String(_) | Doc::Number(_) | Doc::Bool(_) => Some(scalar_text(v)),
            _ => return Err(PatchError(format!("patch target field '{key}' must be a string"))),
        };
        let slot = match key.as_str() {
            "group" => &mut t.group,
            "version" => &mut t.version,
            "kind" => &mut t.kind,
            "name" => &mut t.name,
            "namespace" => &mut t.namespace,
            "labelSelector" => &mut t.label_selector,
            "annotationSelector" => &mut t.annotation_selector,
            other => return Err(PatchError(format!("unknown field '{other}' in patch target"))),
        };
        *slot = val;
    }
    Ok(t)
}

/// A string field of `metadata`.
pub(crate) fn meta_str(d: &Doc, field: &str) -> Option<String> {
    d.get("metadata").and_then(|m| m.get(field)).filter(|v| !v.is_null()).map(scalar_text)
}

fn top_str(d: &Doc, field: &str) -> String {
    d.get(field).filter(|v| !v.is_null()).map(scalar_text).unwrap_or_default()
}

fn split_api_version(av: &str) -> (String, String) {
    match av.split_once('/') {
        Some((g, v)) => (g.to_string(), v.to_string()),
        None => (String::new(), av.to_string()),
    }
}

/// A kustomize resource id: group, version, kind, name, namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResId {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub name: String,
    pub namespace: String,
}

impl ResId {
    pub(crate) fn of(d: &Doc) -> ResId {
        let (group, version) = split_api_version(&top_str(d, "apiVersion"));
        ResId {
            group,
            version,
            kind: top_str(d, "kind"),
            name: meta_str(d, "name").unwrap_or_default(),
            namespace: meta_str(d, "namespace").unwrap_or_default(),
        }
    }

    fn effective_namespace(&self) -> String {
        if schema::is_cluster_scoped(&self.kind) {
            NO_NAMESPACE.to_string()
        } else if self.namespace.is_empty() || self.namespace == "default" {
            "default".to_string()
        } else {
            self.namespace.clone()
        }
    }

    fn equals(&self, o: &ResId) -> bool {
        self.effective_namespace() == o.effective_namespace()
            && self.group == o.group
            && self.version == o.version
            && self.kind == o.kind
            && self.name == o.name
    }
}

impl std::fmt::Display for ResId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let or = |s: &str, d: &'static str| if s.is_empty() { d.to_string() } else { s.to_string() };
        write!(
            f,
            "{}.{}.{}/{}.{}",
            or(&self.kind, "[noKind]"),
            or(&self.version, "[noVer]"),
            or(&self.group, "[noGrp]"),
            or(&self.name, "[noName]"),
            or(&self.namespace, "[noNs]")
        )
    }
}

/// The ids a resource was known by before renames, from build annotations.
fn previous_ids(d: &Doc) -> Vec<ResId> {
    let ann = |k: &str| d.get("metadata").and_then(|m| m.get("annotations")).and_then(|a| a.get(k)).map(scalar_text);
    let Some(names) = ann(PREV_NAMES) else { return Vec::new() };
    let nss = ann(PREV_NAMESPACES).unwrap_or_default();
    let kinds = ann(PREV_KINDS).unwrap_or_default();
    let (names, nss, kinds): (Vec<&str>, Vec<&str>, Vec<&str>) =
        (names.split(',').collect(), nss.split(',').collect(), kinds.split(',').collect());
    if names.len() != nss.len() || names.len() != kinds.len() {
        return Vec::new();
    }
    let (group, version) = split_api_version(&top_str(d, "apiVersion"));
    (0..names.len())
        .map(|i| ResId {
            group: group.clone(),
            version: version.clone(),
            kind: kinds[i].to_string(),
            name: names[i].to_string(),
            namespace: nss[i].to_string(),
        })
        .collect()
}

/// Whether a resource's current or a previous id equals `id`.
pub(crate) fn matches_any_id(res: &Doc, id: &ResId) -> bool {
    if res.as_mapping().is_none_or(|m| m.is_empty()) {
        return false;
    }
    previous_ids(res).iter().chain(std::iter::once(&ResId::of(res))).any(|r| r.equals(id))
}

/// A compiled target.
pub(crate) struct Selector {
    group: Option<Regex>,
    version: Option<Regex>,
    kind: Option<Regex>,
    name: Option<Regex>,
    namespace: Option<Regex>,
    labels: Option<labels::Selector>,
    annotations: Option<labels::Selector>,
}

fn compile(field: &str, p: &Option<String>) -> Result<Option<Regex>, PatchError> {
    match p.as_deref() {
        None | Some("") => Ok(None),
        Some(p) => Regex::new(p).map(Some).map_err(|e| PatchError(format!("invalid target {field} regex {p:?}: {e}"))),
    }
}

fn selector(what: &str, s: &Option<String>) -> Result<Option<labels::Selector>, PatchError> {
    match s.as_deref() {
        None => Ok(None),
        Some(s) => labels::Selector::parse(s).map(Some).map_err(|e| PatchError(format!("invalid {what} {s:?}: {e}"))),
    }
}

impl Selector {
    pub(crate) fn new(t: &Target) -> Result<Selector, PatchError> {
        Ok(Selector {
            group: compile("group", &t.group)?,
            version: compile("version", &t.version)?,
            kind: compile("kind", &t.kind)?,
            name: compile("name", &t.name)?,
            namespace: compile("namespace", &t.namespace)?,
            labels: selector("labelSelector", &t.label_selector)?,
            annotations: selector("annotationSelector", &t.annotation_selector)?,
        })
    }

    pub(crate) fn matches(&self, res: &Doc) -> Result<bool, PatchError> {
        if res.as_mapping().is_none_or(|m| m.is_empty()) {
            return Ok(false);
        }
        let cur = ResId::of(res);
        let prev = previous_ids(res);
        // kustomize matches the original id (the first recorded) or the current one.
        let org = prev.first().unwrap_or(&cur);
        let ok = |r: &Option<Regex>, s: &str| r.as_ref().is_none_or(|r| r.is_full_match(s));
        if !ok(&self.namespace, &org.effective_namespace()) && !ok(&self.namespace, &cur.effective_namespace()) {
            return Ok(false);
        }
        if !ok(&self.name, &org.name) && !ok(&self.name, &cur.name) {
            return Ok(false);
        }
        if !ok(&self.group, &cur.group) || !ok(&self.version, &cur.version) || !ok(&self.kind, &cur.kind) {
            return Ok(false);
        }
        let map_of = |field: &str| -> Vec<(String, String)> {
            res.get("metadata")
                .and_then(|m| m.get(field))
                .and_then(Doc::as_mapping)
                .map(|m| m.iter().map(|(k, v)| (scalar_text(k), scalar_text(v))).collect())
                .unwrap_or_default()
        };
        if let Some(l) = &self.labels
            && !l.matches(&map_of("labels"))
        {
            return Ok(false);
        }
        if let Some(a) = &self.annotations
            && !a.matches(&map_of("annotations"))
        {
            return Ok(false);
        }
        Ok(true)
    }
}
