//! The `kustomization.yaml` file: parsed strictly (an unknown field is an
//! error naming it), with the fields convoy cannot honour yet refused so
//! nothing renders silently wrong.

use super::error::{KustomizeError, Result};
use super::patch::Doc;
use serde_norway::Mapping;

/// File names kustomize looks for, in its order.
pub const FILE_NAMES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// A parsed kustomization (or component).
#[derive(Debug, Clone, Default)]
pub struct Kustomization {
    /// The file it was read from.
    pub file: String,
    pub is_component: bool,
    pub resources: Vec<String>,
    pub components: Vec<String>,
    pub namespace: Option<String>,
    pub name_prefix: String,
    pub name_suffix: String,
    pub common_labels: Vec<(String, String)>,
    pub labels: Vec<LabelSet>,
    pub common_annotations: Vec<(String, String)>,
    pub images: Vec<Image>,
    pub replicas: Vec<(String, i64)>,
    pub config_maps: Vec<GeneratorArgs>,
    pub secrets: Vec<GeneratorArgs>,
    pub generator_options: GeneratorOptions,
    pub patches: Vec<PatchEntry>,
    pub patches_strategic_merge: Vec<String>,
    pub patches_json6902: Vec<PatchEntry>,
    pub sort_options: Option<SortOptions>,
}

/// An entry of `labels:`.
#[derive(Debug, Clone, Default)]
pub struct LabelSet {
    pub pairs: Vec<(String, String)>,
    pub include_selectors: bool,
    pub include_templates: bool,
}

/// An entry of `images:`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Image {
    pub name: String,
    pub new_name: Option<String>,
    pub new_tag: Option<String>,
    pub digest: Option<String>,
}

/// A configMapGenerator or secretGenerator entry.
#[derive(Debug, Clone, Default)]
pub struct GeneratorArgs {
    pub name: String,
    pub namespace: Option<String>,
    pub behavior: Option<String>,
    pub literals: Vec<String>,
    pub files: Vec<String>,
    pub envs: Vec<String>,
    /// Secret `type`.
    pub kind_type: Option<String>,
    pub options: Option<GeneratorOptions>,
}

/// `generatorOptions` (or a generator's own `options`).
#[derive(Debug, Clone, Default)]
pub struct GeneratorOptions {
    pub labels: Vec<(String, String)>,
    pub annotations: Vec<(String, String)>,
    pub disable_name_suffix_hash: Option<bool>,
    pub immutable: Option<bool>,
}

/// A `patches:` or `patchesJson6902:` entry.
#[derive(Debug, Clone, Default)]
pub struct PatchEntry {
    pub path: Option<String>,
    pub patch: Option<String>,
    pub target: Option<Doc>,
    pub allow_name_change: bool,
    pub allow_kind_change: bool,
}

/// `sortOptions`.
#[derive(Debug, Clone, PartialEq)]
pub enum SortOptions {
    Fifo,
    Legacy { first: Option<Vec<String>>, last: Option<Vec<String>> },
}

/// Fields kustomize knows that convoy refuses, with the reason.
const REFUSED: &[(&str, &str)] = &[
    ("helmCharts", "helmCharts in kustomizations are not supported yet"),
    ("helmGlobals", "helmCharts in kustomizations are not supported yet"),
    ("helmChartInflationGenerator", "helmCharts in kustomizations are not supported yet"),
    ("generators", "generator plugins are not supported (convoy runs no plugins or exec functions)"),
    ("transformers", "transformer plugins are not supported (convoy runs no plugins or exec functions)"),
    ("validators", "validator plugins are not supported (convoy runs no plugins or exec functions)"),
    ("vars", "vars are not supported yet"),
    ("replacements", "replacements are not supported yet"),
    ("configurations", "custom transformer configurations are not supported yet"),
    ("crds", "crds are not supported yet"),
    ("openapi", "custom openapi schemas are not supported yet"),
    ("buildMetadata", "buildMetadata is not supported yet"),
    ("nameReference", "unknown field"),
];

impl Kustomization {
    /// Parses a kustomization file's text.
    pub fn parse(file: &str, text: &str) -> Result<Kustomization> {
        let err = |m: String| KustomizeError::new(file, m);
        let doc: Doc = serde_norway::from_str(text).map_err(|e| err(format!("invalid YAML: {e}")))?;
        let map = match doc {
            Doc::Mapping(m) => m,
            Doc::Null => Mapping::new(),
            _ => return Err(err("a kustomization must be a mapping".into())),
        };
        let mut k = Kustomization { file: file.to_string(), ..Kustomization::default() };
        let kind = map.get("kind").and_then(Doc::as_str).unwrap_or("Kustomization");
        let api = map.get("apiVersion").and_then(Doc::as_str).unwrap_or("kustomize.config.k8s.io/v1beta1");
        match (api, kind) {
            ("kustomize.config.k8s.io/v1beta1", "Kustomization") => {}
            ("kustomize.config.k8s.io/v1alpha1", "Component") => k.is_component = true,
            _ => return Err(err(format!("unsupported apiVersion/kind {api}/{kind}"))),
        }
        for (key, value) in &map {
            let key = key.as_str().ok_or_else(|| err("field names must be strings".into()))?;
            let field = |m: String| KustomizeError::new(file, format!("field {key}: {m}"));
            match key {
                "apiVersion" | "kind" | "metadata" => {}
                "resources" | "bases" => k.resources.extend(strings(value).map_err(field)?),
                "components" => k.components = strings(value).map_err(field)?,
                "namespace" => k.namespace = opt_string(value).map_err(field)?,
                "namePrefix" => k.name_prefix = opt_string(value).map_err(field)?.unwrap_or_default(),
                "nameSuffix" => k.name_suffix = opt_string(value).map_err(field)?.unwrap_or_default(),
                "commonLabels" => k.common_labels = pairs(value).map_err(field)?,
                "commonAnnotations" => k.common_annotations = pairs(value).map_err(field)?,
                "labels" => k.labels = list(value, label_set).map_err(field)?,
                "images" => k.images = list(value, image).map_err(field)?,
                "replicas" => k.replicas = list(value, replica).map_err(field)?,
                "configMapGenerator" => k.config_maps = list(value, generator).map_err(field)?,
                "secretGenerator" => k.secrets = list(value, generator).map_err(field)?,
                "generatorOptions" => k.generator_options = generator_options(value).map_err(field)?,
                "patches" => k.patches = list(value, patch_entry).map_err(field)?,
                "patchesStrategicMerge" => k.patches_strategic_merge = strings(value).map_err(field)?,
                "patchesJson6902" => k.patches_json6902 = list(value, patch_entry).map_err(field)?,
                "sortOptions" => k.sort_options = sort_options(value).map_err(field)?,
                other => {
                    let why = REFUSED.iter().find(|(n, _)| *n == other).map(|(_, w)| *w).unwrap_or("unknown field");
                    return Err(err(format!("field {other}: {why}")));
                }
            }
        }
        Ok(k)
    }
}

type Parsed<T> = std::result::Result<T, String>;

fn scalar(v: &Doc) -> Parsed<String> {
    match v {
        Doc::String(s) => Ok(s.clone()),
        Doc::Null => Ok(String::new()),
        Doc::Bool(_) | Doc::Number(_) => Err(format!("expected a string, got {}; quote it", scalar_text(v))),
        _ => Err("expected a string".into()),
    }
}

fn scalar_text(v: &Doc) -> String {
    serde_norway::to_string(v).map(|s| s.trim_end().to_string()).unwrap_or_default()
}

fn opt_string(v: &Doc) -> Parsed<Option<String>> {
    if v.is_null() { Ok(None) } else { scalar(v).map(Some) }
}

fn strings(v: &Doc) -> Parsed<Vec<String>> {
    match v {
        Doc::Null => Ok(Vec::new()),
        Doc::Sequence(items) => items.iter().map(scalar).collect(),
        _ => Err("expected a list of strings".into()),
    }
}

fn pairs(v: &Doc) -> Parsed<Vec<(String, String)>> {
    match v {
        Doc::Null => Ok(Vec::new()),
        Doc::Mapping(m) => m.iter().map(|(k, v)| Ok((scalar(k)?, scalar(v)?))).collect(),
        _ => Err("expected a mapping of strings".into()),
    }
}

fn list<T>(v: &Doc, each: fn(&Mapping) -> Parsed<T>) -> Parsed<Vec<T>> {
    match v {
        Doc::Null => Ok(Vec::new()),
        Doc::Sequence(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let map = item.as_mapping().ok_or_else(|| format!("entry {}: expected a mapping", i + 1))?;
                each(map).map_err(|e| format!("entry {}: {e}", i + 1))
            })
            .collect(),
        _ => Err("expected a list".into()),
    }
}

/// Checks that a mapping holds only the given keys.
fn only(map: &Mapping, allowed: &[&str]) -> Parsed<()> {
    for key in map.keys() {
        let k = key.as_str().unwrap_or_default();
        if !allowed.contains(&k) {
            return Err(format!("unknown field {k:?}"));
        }
    }
    Ok(())
}

fn get_str(map: &Mapping, key: &str) -> Parsed<Option<String>> {
    map.get(key).map(opt_string).transpose().map(Option::flatten).map_err(|e| format!("{key}: {e}"))
}

fn get_bool(map: &Mapping, key: &str) -> Parsed<Option<bool>> {
    match map.get(key) {
        None | Some(Doc::Null) => Ok(None),
        Some(Doc::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(format!("{key}: expected true or false")),
    }
}

fn label_set(map: &Mapping) -> Parsed<LabelSet> {
    only(map, &["pairs", "includeSelectors", "includeTemplates", "fields"])?;
    if map.contains_key("fields") {
        return Err("labels with custom fields are not supported yet".into());
    }
    Ok(LabelSet {
        pairs: map.get("pairs").map(pairs).transpose()?.unwrap_or_default(),
        include_selectors: get_bool(map, "includeSelectors")?.unwrap_or(false),
        include_templates: get_bool(map, "includeTemplates")?.unwrap_or(false),
    })
}

fn image(map: &Mapping) -> Parsed<Image> {
    only(map, &["name", "newName", "newTag", "digest"])?;
    Ok(Image {
        name: get_str(map, "name")?.unwrap_or_default(),
        new_name: get_str(map, "newName")?,
        new_tag: get_str(map, "newTag")?,
        digest: get_str(map, "digest")?,
    })
}

fn replica(map: &Mapping) -> Parsed<(String, i64)> {
    only(map, &["name", "count"])?;
    let count = map.get("count").and_then(Doc::as_i64).ok_or("count: expected an integer")?;
    Ok((get_str(map, "name")?.unwrap_or_default(), count))
}

fn generator(map: &Mapping) -> Parsed<GeneratorArgs> {
    only(map, &["name", "namespace", "behavior", "literals", "files", "envs", "env", "type", "options"])?;
    let mut envs = map.get("envs").map(strings).transpose()?.unwrap_or_default();
    if let Some(env) = get_str(map, "env")? {
        envs.insert(0, env);
    }
    let behavior = get_str(map, "behavior")?;
    if let Some(b) = &behavior
        && !matches!(b.as_str(), "create" | "merge" | "replace" | "")
    {
        return Err(format!("behavior: unknown behavior {b:?} (create, merge or replace)"));
    }
    Ok(GeneratorArgs {
        name: get_str(map, "name")?.unwrap_or_default(),
        namespace: get_str(map, "namespace")?,
        behavior: behavior.filter(|b| !b.is_empty()),
        literals: map.get("literals").map(strings).transpose()?.unwrap_or_default(),
        files: map.get("files").map(strings).transpose()?.unwrap_or_default(),
        envs,
        kind_type: get_str(map, "type")?,
        options: map.get("options").map(generator_options).transpose()?,
    })
}

fn generator_options(v: &Doc) -> Parsed<GeneratorOptions> {
    let Some(map) = v.as_mapping() else {
        return if v.is_null() { Ok(GeneratorOptions::default()) } else { Err("expected a mapping".into()) };
    };
    only(map, &["labels", "annotations", "disableNameSuffixHash", "immutable"])?;
    Ok(GeneratorOptions {
        labels: map.get("labels").map(pairs).transpose()?.unwrap_or_default(),
        annotations: map.get("annotations").map(pairs).transpose()?.unwrap_or_default(),
        disable_name_suffix_hash: get_bool(map, "disableNameSuffixHash")?,
        immutable: get_bool(map, "immutable")?,
    })
}

fn patch_entry(map: &Mapping) -> Parsed<PatchEntry> {
    only(map, &["path", "patch", "target", "options"])?;
    let mut entry = PatchEntry {
        path: get_str(map, "path")?,
        patch: get_str(map, "patch")?,
        target: map.get("target").filter(|t| !t.is_null()).cloned(),
        ..PatchEntry::default()
    };
    if let Some(options) = map.get("options").and_then(Doc::as_mapping) {
        only(options, &["allowNameChange", "allowKindChange"]).map_err(|e| format!("options: {e}"))?;
        entry.allow_name_change = get_bool(options, "allowNameChange")?.unwrap_or(false);
        entry.allow_kind_change = get_bool(options, "allowKindChange")?.unwrap_or(false);
    }
    if entry.path.is_some() == entry.patch.is_some() {
        return Err("exactly one of path and patch is required".into());
    }
    Ok(entry)
}

fn sort_options(v: &Doc) -> Parsed<Option<SortOptions>> {
    let Some(map) = v.as_mapping() else {
        return if v.is_null() { Ok(None) } else { Err("expected a mapping".into()) };
    };
    only(map, &["order", "legacySortOptions"])?;
    let legacy = map.get("legacySortOptions").and_then(Doc::as_mapping);
    match get_str(map, "order")?.as_deref() {
        Some("fifo") => {
            if legacy.is_some() {
                return Err("legacySortOptions is only allowed with order legacy".into());
            }
            Ok(Some(SortOptions::Fifo))
        }
        Some("legacy") => {
            let (first, last) = match legacy {
                Some(l) => {
                    only(l, &["orderFirst", "orderLast"])?;
                    (l.get("orderFirst").map(strings).transpose()?, l.get("orderLast").map(strings).transpose()?)
                }
                None => (None, None),
            };
            Ok(Some(SortOptions::Legacy { first, last }))
        }
        other => Err(format!("order: expected legacy or fifo, got {other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> String {
        Kustomization::parse("app/kustomization.yaml", text).unwrap_err().to_string()
    }

    #[test]
    fn unknown_fields_name_file_and_field() {
        let e = error("resources: []\nnamePrefx: a-\n");
        assert!(e.starts_with("app/kustomization.yaml: "), "{e}");
        assert!(e.contains("namePrefx") && e.contains("unknown field"), "{e}");
        let e = error("images:\n- name: x\n  newTage: y\n");
        assert!(e.contains("images") && e.contains("newTage"), "{e}");
    }

    #[test]
    fn out_of_scope_fields_are_refused() {
        assert!(error("helmCharts: []\n").contains("helmCharts in kustomizations are not supported yet"));
        assert!(error("transformers: [x.yaml]\n").contains("plugins"));
        assert!(error("generators: [x.yaml]\n").contains("plugins"));
        assert!(error("replacements: []\n").contains("not supported"));
    }

    #[test]
    fn typed_fields_are_checked() {
        assert!(error("nameSuffix: -1\n").contains("nameSuffix"));
        assert!(error("sortOptions:\n  order: random\n").contains("sortOptions"));
        assert!(error("configMapGenerator:\n- name: a\n  behavior: upsert\n").contains("behavior"));
        assert!(error("patches:\n- target: {kind: X}\n").contains("path and patch"));
        assert!(error("apiVersion: v1\nkind: ConfigMap\n").contains("unsupported apiVersion"));
    }

    #[test]
    fn parses_a_full_kustomization() {
        let k = Kustomization::parse(
            "k.yaml",
            "namespace: ns\nnamePrefix: p-\nbases: [../b]\nresources: [a.yaml]\ncommonLabels: {a: b}\n\
             labels:\n- pairs: {c: d}\n  includeSelectors: true\nimages:\n- {name: n, newTag: '1'}\n\
             replicas:\n- {name: w, count: 2}\nsortOptions: {order: fifo}\n",
        )
        .unwrap();
        assert_eq!(k.resources, vec!["../b", "a.yaml"]);
        assert_eq!(k.namespace.as_deref(), Some("ns"));
        assert!(k.labels[0].include_selectors);
        assert_eq!(k.replicas, vec![("w".to_string(), 2)]);
        assert_eq!(k.sort_options, Some(SortOptions::Fifo));
        let c =
            Kustomization::parse("c.yaml", "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n").unwrap();
        assert!(c.is_component);
    }
}
