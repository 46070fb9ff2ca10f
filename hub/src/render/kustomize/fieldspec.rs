//! Field specs: kustomize's way of naming where a transformer writes
//! (`spec/template/metadata/labels` for Deployments, …). A path walks
//! mappings by key and every element of a sequence it meets.

use super::patch::Doc;
use super::resource::Gvk;
use serde_norway::Mapping;

/// Where a transformer applies: an optional group/version/kind filter and a path.
#[derive(Debug, Clone, Copy)]
pub struct FieldSpec {
    pub group: &'static str,
    pub version: &'static str,
    pub kind: &'static str,
    pub path: &'static str,
    pub create: bool,
}

impl FieldSpec {
    pub const fn new(kind: &'static str, path: &'static str, create: bool) -> FieldSpec {
        FieldSpec { group: "", version: "", kind, path, create }
    }

    pub const fn grouped(group: &'static str, kind: &'static str, path: &'static str, create: bool) -> FieldSpec {
        FieldSpec { group, version: "", kind, path, create }
    }

    /// Whether this spec selects a resource of this type (empty parts match anything).
    pub fn selects(&self, gvk: &Gvk) -> bool {
        (self.group.is_empty() || self.group == gvk.group)
            && (self.version.is_empty() || self.version == gvk.version)
            && (self.kind.is_empty() || self.kind == gvk.kind)
    }
}

/// Splits a field path on `/`, honouring `\/` escapes and dropping `[]`.
pub fn segments(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'/') => {
                cur.push('/');
                chars.next();
            }
            '/' => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out.into_iter().map(|s| s.trim_end_matches("[]").to_string()).collect()
}

/// Calls `visit` on every node the path reaches (each element, when the
/// path ends at a sequence). With `create`, a missing
/// final field (and missing mappings on the way) is created as null first.
pub fn visit(doc: &mut Doc, path: &str, create: bool, visit: &mut dyn FnMut(&mut Doc)) {
    let segs = segments(path);
    walk(doc, &segs, create, visit);
}

fn walk(doc: &mut Doc, segs: &[String], create: bool, visit: &mut dyn FnMut(&mut Doc)) {
    if let Doc::Sequence(items) = doc {
        for item in items {
            walk(item, segs, create, visit);
        }
        return;
    }
    let Some((first, rest)) = segs.split_first() else {
        visit(doc);
        return;
    };
    if create && doc.is_null() {
        *doc = Doc::Mapping(Mapping::new());
    }
    let Some(map) = doc.as_mapping_mut() else { return };
    if !map.contains_key(first.as_str()) {
        if !create {
            return;
        }
        let fresh = if rest.is_empty() { Doc::Null } else { Doc::Mapping(Mapping::new()) };
        map.insert(Doc::String(first.clone()), fresh);
    }
    let Some(next) = map.get_mut(first.as_str()) else { return };
    if rest.is_empty() {
        match next {
            Doc::Sequence(items) => {
                for item in items {
                    visit(item);
                }
            }
            node => visit(node),
        }
    } else {
        walk(next, rest, create, visit);
    }
}

/// Sets string pairs into the mapping at a node (a null node becomes a mapping).
pub fn merge_pairs(node: &mut Doc, pairs: &[(String, String)]) {
    if node.is_null() {
        *node = Doc::Mapping(Mapping::new());
    }
    if let Some(map) = node.as_mapping_mut() {
        for (k, v) in pairs {
            map.insert(Doc::String(k.clone()), Doc::String(v.clone()));
        }
    }
}
