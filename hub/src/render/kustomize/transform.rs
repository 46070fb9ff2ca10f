//! The built-in transformers a kustomization's fields configure:
//! namespace, name prefix and suffix, labels, annotations, replicas, images.

use super::fieldspec::{FieldSpec, merge_pairs, visit};
use super::model::Image;
use super::patch::Doc;
use super::resource::{Gvk, Resource, is_cluster_scoped};
use super::specs;

/// `namespace:`: sets metadata.namespace on namespaced resources, renames
/// v1 Namespaces, and moves RoleBinding subjects named `default`.
pub fn namespace(resources: &mut [Resource], namespace: &str) {
    for r in resources.iter_mut() {
        if r.doc.as_mapping().is_none_or(|m| m.is_empty()) {
            continue;
        }
        r.remember();
        let gvk = Gvk::of(&r.doc);
        if !is_cluster_scoped(&gvk) {
            r.set_namespace(namespace);
        }
        let ns = Doc::String(namespace.to_string());
        let set = &mut |n: &mut Doc| *n = ns.clone();
        if gvk.kind == "Namespace" && gvk.group.is_empty() && gvk.version == "v1" {
            visit(&mut r.doc, "metadata/name", true, set);
        }
        if gvk.kind == "APIService" && gvk.group == "apiregistration.k8s.io" {
            visit(&mut r.doc, "spec/service/namespace", true, set);
        }
        if gvk.kind == "CustomResourceDefinition" && gvk.group == "apiextensions.k8s.io" {
            visit(&mut r.doc, "spec/conversion/webhook/clientConfig/service/namespace", false, set);
        }
        if matches!(gvk.kind.as_str(), "RoleBinding" | "ClusterRoleBinding") {
            let Some(subjects) = r.doc.get_mut("subjects").and_then(Doc::as_sequence_mut) else { continue };
            for subject in subjects.iter_mut().filter_map(Doc::as_mapping_mut) {
                if subject.get("name").and_then(Doc::as_str) == Some("default") {
                    subject.insert(Doc::String("namespace".into()), ns.clone());
                }
            }
        }
    }
}

fn skips_rename(id_gvk: &Gvk) -> bool {
    id_gvk.kind == "CustomResourceDefinition"
        || id_gvk.kind == "Namespace"
        || (id_gvk.kind == "APIService" && id_gvk.group == "apiregistration.k8s.io")
}

/// `namePrefix:`.
pub fn prefix(resources: &mut [Resource], prefix: &str) {
    for r in resources.iter_mut() {
        if skips_rename(&r.original().gvk) {
            continue;
        }
        r.prefixes.push(prefix.to_string());
        if !prefix.is_empty() {
            r.remember();
            let name = format!("{prefix}{}", r.name());
            r.set_name(&name);
        }
    }
}

/// `nameSuffix:`.
pub fn suffix(resources: &mut [Resource], suffix: &str) {
    for r in resources.iter_mut() {
        if skips_rename(&r.original().gvk) {
            continue;
        }
        r.suffixes.push(suffix.to_string());
        if !suffix.is_empty() {
            r.remember();
            let name = format!("{}{suffix}", r.name());
            r.set_name(&name);
        }
    }
}

/// Writes string pairs at every field spec that selects each resource.
pub fn pairs(resources: &mut [Resource], pairs: &[(String, String)], field_specs: &[&[FieldSpec]]) {
    if pairs.is_empty() {
        return;
    }
    let mut sorted = pairs.to_vec();
    sorted.sort();
    for r in resources.iter_mut() {
        let gvk = Gvk::of(&r.doc);
        for spec in field_specs.iter().flat_map(|s| s.iter()).filter(|s| s.selects(&gvk)) {
            visit(&mut r.doc, spec.path, spec.create, &mut |node| merge_pairs(node, &sorted));
        }
    }
}

/// `commonLabels:`: metadata, templates and selectors.
pub fn common_labels(resources: &mut [Resource], labels: &[(String, String)]) {
    pairs(resources, labels, &[specs::SELECTOR_LABELS, specs::METADATA_LABELS, specs::VOLUME_CLAIM_LABELS]);
}

/// One `labels:` entry.
pub fn labels(resources: &mut [Resource], set: &super::model::LabelSet) {
    if set.include_selectors {
        common_labels(resources, &set.pairs);
    } else if set.include_templates {
        pairs(resources, &set.pairs, &[specs::METADATA_LABELS]);
    } else {
        pairs(resources, &set.pairs, &[&specs::METADATA_LABELS[..1]]);
    }
}

/// `commonAnnotations:`.
pub fn annotations(resources: &mut [Resource], annotations: &[(String, String)]) {
    pairs(resources, annotations, &[specs::ANNOTATIONS]);
}

/// One `replicas:` entry: every workload that has (or had) that name.
pub fn replicas(resources: &mut [Resource], name: &str, count: i64) {
    for r in resources.iter_mut() {
        if !r.all_ids().iter().any(|id| id.name == name) {
            continue;
        }
        let gvk = Gvk::of(&r.doc);
        for spec in specs::REPLICAS.iter().filter(|s| s.selects(&gvk)) {
            visit(&mut r.doc, spec.path, spec.create, &mut |n| *n = Doc::Number(count.into()));
        }
    }
}

/// One `images:` entry: every `containers`/`initContainers` image anywhere,
/// and image volumes in pod specs.
pub fn images(resources: &mut [Resource], image: &Image) {
    for r in resources.iter_mut() {
        walk_containers(&mut r.doc, image);
        for path in ["spec/volumes/image/reference", "spec/template/spec/volumes/image/reference"] {
            visit(&mut r.doc, path, false, &mut |n| update_image(n, image));
        }
    }
}

fn walk_containers(doc: &mut Doc, image: &Image) {
    match doc {
        Doc::Mapping(map) => {
            for (key, value) in map.iter_mut() {
                let is_list = matches!(key.as_str(), Some("containers" | "initContainers"));
                if is_list && let Some(items) = value.as_sequence_mut() {
                    for item in items.iter_mut().filter_map(Doc::as_mapping_mut) {
                        if let Some(v) = item.get_mut("image") {
                            update_image(v, image);
                        }
                    }
                } else {
                    walk_containers(value, image);
                }
            }
        }
        Doc::Sequence(items) => items.iter_mut().for_each(|i| walk_containers(i, image)),
        _ => {}
    }
}

fn update_image(node: &mut Doc, image: &Image) {
    let Some(value) = node.as_str() else { return };
    let (name, tag, digest) = split_image(value);
    if name != image.name {
        return;
    }
    let mut name = image.new_name.clone().unwrap_or(name);
    let (mut tag, mut digest) = (tag, digest);
    match (&image.new_tag, &image.digest) {
        (Some(t), Some(d)) => (tag, digest) = (t.clone(), d.clone()),
        (Some(t), None) => (tag, digest) = (t.clone(), String::new()),
        (None, Some(d)) => (tag, digest) = (String::new(), d.clone()),
        (None, None) => {}
    }
    if !tag.is_empty() {
        name = format!("{name}:{tag}");
    }
    if !digest.is_empty() {
        name = format!("{name}@{digest}");
    }
    *node = Doc::String(name);
}

/// Splits an image reference into name, tag and digest as kustomize does
/// (a `:` before the first `/` is a registry port, not a tag).
pub fn split_image(image: &str) -> (String, String, String) {
    let slash = image.find('/').filter(|i| *i > 0).unwrap_or(0);
    let search = &image[slash..];
    let at = search.find('@').map(|i| i + slash);
    let colon = search.find(':').map(|i| i + slash);
    match (colon, at) {
        (None, None) => (image.to_string(), String::new(), String::new()),
        (None, Some(a)) => (image[..a].to_string(), String::new(), image[a + 1..].to_string()),
        (Some(c), Some(a)) if a < c => (image[..a].to_string(), String::new(), image[a + 1..].to_string()),
        (Some(c), Some(a)) => (image[..c].to_string(), image[c + 1..a].to_string(), image[a + 1..].to_string()),
        (Some(c), None) => (image[..c].to_string(), image[c + 1..].to_string(), String::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::split_image;

    #[test]
    fn splits_images() {
        let s = |a: &str, b: &str, c: &str| (a.to_string(), b.to_string(), c.to_string());
        assert_eq!(split_image("nginx"), s("nginx", "", ""));
        assert_eq!(split_image("nginx:1.2"), s("nginx", "1.2", ""));
        assert_eq!(split_image("reg:5000/nginx"), s("reg:5000/nginx", "", ""));
        assert_eq!(split_image("reg:5000/nginx:1@sha256:ab"), s("reg:5000/nginx", "1", "sha256:ab"));
        assert_eq!(split_image("nginx@sha256:ab"), s("nginx", "", "sha256:ab"));
    }
}
