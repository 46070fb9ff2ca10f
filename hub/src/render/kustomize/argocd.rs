//! Argo CD's `kustomize:` source options. Argo CD runs `kustomize edit set
//! …` on a copy of the root kustomization before building; convoy applies
//! the same edits to the parsed root kustomization.

use super::error::{KustomizeError, Result};
use super::model::{Image, Kustomization, LabelSet, PatchEntry};
use super::patch::Doc;
use super::transform::split_image;
use serde_json::Value;

/// Applies a source's `kustomize:` block to the root kustomization.
pub fn overlay(options: &Value, k: &mut Kustomization) -> Result<()> {
    let err = |m: String| KustomizeError::new(&k.file, format!("Application kustomize options: {m}"));
    let Some(map) = options.as_object() else {
        return if options.is_null() { Ok(()) } else { Err(err("expected an object".into())) };
    };
    for (key, value) in map {
        match key.as_str() {
            "namePrefix" => k.name_prefix = string(value).map_err(&err)?,
            "nameSuffix" => k.name_suffix = string(value).map_err(&err)?,
            "namespace" => {
                let ns = string(value).map_err(&err)?;
                if !ns.is_empty() {
                    k.namespace = Some(ns);
                }
            }
            "images" => {
                for v in value.as_array().into_iter().flatten() {
                    let image = parse_image(&string(v).map_err(&err)?);
                    match k.images.iter_mut().find(|i| i.name == image.name) {
                        Some(slot) => *slot = image,
                        None => k.images.push(image),
                    }
                }
            }
            "replicas" => {
                for v in value.as_array().into_iter().flatten() {
                    let name = v.get("name").and_then(Value::as_str).unwrap_or_default().to_string();
                    let count = match v.get("count") {
                        Some(Value::Number(n)) => n.as_i64(),
                        Some(Value::String(s)) => s.parse().ok(),
                        _ => None,
                    }
                    .ok_or_else(|| err(format!("replicas {name:?}: count must be an integer")))?;
                    match k.replicas.iter_mut().find(|(n, _)| *n == name) {
                        Some(slot) => slot.1 = count,
                        None => k.replicas.push((name, count)),
                    }
                }
            }
            "commonLabels" | "commonAnnotations" => {
                let force_key = if key == "commonLabels" { "forceCommonLabels" } else { "forceCommonAnnotations" };
                let force = map.get(force_key).and_then(Value::as_bool).unwrap_or(false);
                let without_selector = map.get("labelWithoutSelector").and_then(Value::as_bool).unwrap_or(false);
                if key == "commonLabels" && without_selector {
                    // `kustomize edit add label --without-selector [--include-templates]`
                    let include_templates = map.get("labelIncludeTemplates").and_then(Value::as_bool).unwrap_or(false);
                    let mut pairs = Vec::new();
                    for (name, v) in value.as_object().into_iter().flatten() {
                        pairs.push((name.clone(), string(v).map_err(&err)?));
                    }
                    k.labels.push(LabelSet { pairs, include_selectors: false, include_templates });
                    continue;
                }
                let target = if key == "commonLabels" { &mut k.common_labels } else { &mut k.common_annotations };
                for (name, v) in value.as_object().into_iter().flatten() {
                    let v = string(v).map_err(&err)?;
                    match target.iter_mut().find(|(n, _)| n == name) {
                        Some(slot) if force => slot.1 = v,
                        Some(_) => return Err(err(format!("{key}: {name:?} is already set (use force{})", &key[6..]))),
                        None => target.push((name.clone(), v)),
                    }
                }
            }
            "patches" => {
                for (i, v) in value.as_array().into_iter().flatten().enumerate() {
                    k.patches.push(patch_entry(v).map_err(|e| err(format!("patches entry {}: {e}", i + 1)))?);
                }
            }
            "components" => {
                for v in value.as_array().into_iter().flatten() {
                    k.components.push(string(v).map_err(&err)?);
                }
            }
            "forceCommonLabels" | "forceCommonAnnotations" | "labelWithoutSelector" | "labelIncludeTemplates" => {}
            // The kustomize version to run: convoy is its own.
            "version" => {}
            other => return Err(err(format!("option {other} is not supported yet"))),
        }
    }
    Ok(())
}

fn string(v: &Value) -> std::result::Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Null => Ok(String::new()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => Err(format!("expected a string, got {v}")),
    }
}

/// `[old=]new[:tag][@digest]`, as `kustomize edit set image` reads it.
pub fn parse_image(spec: &str) -> Image {
    let (old, new) = match spec.split_once('=') {
        Some((o, n)) => (Some(o.to_string()), n),
        None => (None, spec),
    };
    let (name, tag, digest) = split_image(new);
    let opt = |s: String| if s.is_empty() { None } else { Some(s) };
    match old {
        Some(old) => Image { name: old, new_name: Some(name), new_tag: opt(tag), digest: opt(digest) },
        None => Image { name, new_name: None, new_tag: opt(tag), digest: opt(digest) },
    }
}

fn patch_entry(v: &Value) -> std::result::Result<PatchEntry, String> {
    let map = v.as_object().ok_or("expected an object")?;
    let get = |k: &str| map.get(k).and_then(Value::as_str).map(str::to_string);
    let target: Option<Doc> = match map.get("target") {
        Some(t) if !t.is_null() => Some(serde_norway::to_value(t).map_err(|e| e.to_string())?),
        _ => None,
    };
    let options = map.get("options");
    let flag = |k: &str| options.and_then(|o| o.get(k)).and_then(Value::as_bool).unwrap_or(false);
    let entry = PatchEntry {
        path: get("path"),
        patch: get("patch"),
        target,
        allow_name_change: flag("allowNameChange"),
        allow_kind_change: flag("allowKindChange"),
    };
    if entry.path.is_some() == entry.patch.is_some() {
        return Err("exactly one of path and patch is required".into());
    }
    Ok(entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_argo_image_overrides() {
        let i = parse_image("nginx=registry.local/nginx:1.25");
        assert_eq!(i.name, "nginx");
        assert_eq!(i.new_name.as_deref(), Some("registry.local/nginx"));
        assert_eq!(i.new_tag.as_deref(), Some("1.25"));
        let i = parse_image("nginx:1.25");
        assert_eq!((i.name.as_str(), i.new_name, i.new_tag.as_deref()), ("nginx", None, Some("1.25")));
    }

    #[test]
    fn overlays_prefix_namespace_and_labels() {
        let mut k = Kustomization { file: "k.yaml".into(), ..Kustomization::default() };
        let opts = serde_json::json!({"namePrefix": "p-", "namespace": "ns", "commonLabels": {"a": "b"}});
        overlay(&opts, &mut k).unwrap();
        assert_eq!(k.name_prefix, "p-");
        assert_eq!(k.namespace.as_deref(), Some("ns"));
        assert_eq!(k.common_labels, vec![("a".to_string(), "b".to_string())]);
        let opts = serde_json::json!({"commonLabels": {"x": "y"}, "labelWithoutSelector": true});
        overlay(&opts, &mut k).unwrap();
        assert_eq!(k.labels.len(), 1);
        assert!(!k.labels[0].include_selectors);
        let bad = serde_json::json!({"helm": 1});
        assert!(overlay(&bad, &mut k).unwrap_err().to_string().contains("not supported"));
    }
}
