//! configMapGenerator and secretGenerator: key/value pairs from literals,
//! env files and files become a ConfigMap or Secret (hash suffix added at
//! the very end of the build, see [`super::hash`]).

use super::error::{KustomizeError, Result};
use super::loader::{Loader, base_name, is_within, resolve};
use super::model::{GeneratorArgs, GeneratorOptions};
use super::patch::Doc;
use super::resource::Resource;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_norway::Mapping;

/// Builds one generated ConfigMap (`secret == false`) or Secret.
pub fn generate(
    loader: &Loader,
    dir: &str,
    file: &str,
    args: &GeneratorArgs,
    global: &GeneratorOptions,
    secret: bool,
) -> Result<Resource> {
    let what = if secret { "secretGenerator" } else { "configMapGenerator" };
    let err = |m: String| KustomizeError::new(file, format!("{what} {:?}: {m}", args.name));
    if args.name.is_empty() {
        return Err(err("a generator needs a name".into()));
    }
    let mut pairs: Vec<(String, Vec<u8>)> = Vec::new();
    for env in &args.envs {
        let path = local(dir, env).map_err(&err)?;
        let text = loader.read_text(&path)?;
        for (i, line) in text.trim_start_matches('\u{feff}').lines().enumerate() {
            let line = line.trim_start();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((k, v)) = line.split_once('=') else {
                return Err(KustomizeError::new(
                    &path,
                    format!("line {}: {line:?} has no '=' (values from the environment are not supported)", i + 1),
                ));
            };
            pairs.push((k.to_string(), v.as_bytes().to_vec()));
        }
    }
    for literal in &args.literals {
        let Some((k, v)) = literal.split_once('=') else {
            return Err(err(format!("literal {literal:?} must be key=value")));
        };
        pairs.push((k.to_string(), unquote(v).as_bytes().to_vec()));
    }
    for source in &args.files {
        let (key, rel) = match source.split_once('=') {
            Some((k, p)) if !k.is_empty() => (k.to_string(), p),
            Some(_) => return Err(err(format!("file source {source:?} has an empty key"))),
            None => (base_name(source).to_string(), source.as_str()),
        };
        let path = local(dir, rel).map_err(&err)?;
        pairs.push((key, loader.read_bytes(&path)?));
    }
    let mut seen = std::collections::HashSet::new();
    for (k, _) in &pairs {
        if !seen.insert(k.as_str()) {
            return Err(err(format!("key {k:?} appears more than once")));
        }
    }
    pairs.sort_by(|a, b| a.0.cmp(&b.0));

    let mut data = Mapping::new();
    let mut binary = Mapping::new();
    for (k, v) in pairs {
        let key = Doc::String(k);
        if secret {
            data.insert(key, Doc::String(STANDARD.encode(&v)));
        } else {
            match String::from_utf8(v) {
                Ok(s) => data.insert(key, Doc::String(s)),
                Err(e) => binary.insert(key, Doc::String(STANDARD.encode(e.as_bytes()))),
            };
        }
    }

    let options = merge_options(global, args.options.as_ref());
    let mut meta = Mapping::new();
    if !options.annotations.is_empty() {
        meta.insert("annotations".into(), string_map(&options.annotations));
    }
    if !options.labels.is_empty() {
        meta.insert("labels".into(), string_map(&options.labels));
    }
    meta.insert("name".into(), Doc::String(args.name.clone()));
    if let Some(ns) = args.namespace.as_deref().filter(|n| !n.is_empty()) {
        meta.insert("namespace".into(), Doc::String(ns.to_string()));
    }
    let mut doc = Mapping::new();
    doc.insert("apiVersion".into(), "v1".into());
    if !binary.is_empty() {
        doc.insert("binaryData".into(), Doc::Mapping(binary));
    }
    if !data.is_empty() {
        doc.insert("data".into(), Doc::Mapping(data));
    }
    if options.immutable == Some(true) {
        doc.insert("immutable".into(), Doc::Bool(true));
    }
    doc.insert("kind".into(), if secret { "Secret" } else { "ConfigMap" }.into());
    doc.insert("metadata".into(), Doc::Mapping(meta));
    if secret {
        doc.insert("type".into(), Doc::String(args.kind_type.clone().unwrap_or_else(|| "Opaque".into())));
    }
    let mut r = Resource::new(Doc::Mapping(doc));
    r.needs_hash = options.disable_name_suffix_hash != Some(true);
    r.behavior = args.behavior.clone();
    Ok(r)
}

/// The global options overlaid with a generator's own.
fn merge_options(global: &GeneratorOptions, own: Option<&GeneratorOptions>) -> GeneratorOptions {
    let Some(own) = own else { return global.clone() };
    let merge = |a: &[(String, String)], b: &[(String, String)]| {
        let mut out = a.to_vec();
        for (k, v) in b {
            match out.iter_mut().find(|(ok, _)| ok == k) {
                Some(slot) => slot.1 = v.clone(),
                None => out.push((k.clone(), v.clone())),
            }
        }
        out
    };
    GeneratorOptions {
        labels: merge(&global.labels, &own.labels),
        annotations: merge(&global.annotations, &own.annotations),
        disable_name_suffix_hash: own.disable_name_suffix_hash.or(global.disable_name_suffix_hash),
        immutable: own.immutable.or(global.immutable),
    }
}

fn string_map(pairs: &[(String, String)]) -> Doc {
    let mut sorted = pairs.to_vec();
    sorted.sort();
    Doc::Mapping(sorted.into_iter().map(|(k, v)| (Doc::String(k), Doc::String(v))).collect())
}

/// A generator file must lie in or below the kustomization's directory.
fn local(dir: &str, rel: &str) -> std::result::Result<String, String> {
    let path = resolve(dir, rel)?;
    if !is_within(&path, dir) {
        return Err(format!("security; file {rel:?} is not in or below {:?}", if dir.is_empty() { "." } else { dir }));
    }
    Ok(path)
}

/// Strips one pair of matching surrounding quotes, as kustomize does for literals.
fn unquote(v: &str) -> &str {
    let b = v.as_bytes();
    if b.len() >= 2 && b[0] == b[b.len() - 1] && (b[0] == b'"' || b[0] == b'\'') { &v[1..v.len() - 1] } else { v }
}

/// Applies a generator with `behavior: merge` or `replace` onto the
/// resource it names (already accumulated from a base).
pub fn merge_into(existing: &mut Resource, generated: Resource, replace: bool) {
    let Some(new) = generated.doc.as_mapping() else { return };
    if replace {
        let name = existing.name().to_string();
        let ns = existing.namespace().to_string();
        existing.doc = generated.doc.clone();
        existing.set_name(&name);
        if !ns.is_empty() {
            existing.set_namespace(&ns);
        }
    } else {
        for field in ["data", "binaryData"] {
            if let Some(Doc::Mapping(add)) = new.get(field) {
                let slot = existing
                    .doc
                    .as_mapping_mut()
                    .map(|m| m.entry(Doc::String(field.into())).or_insert_with(|| Doc::Mapping(Mapping::new())));
                if let Some(Doc::Mapping(target)) = slot {
                    for (k, v) in add {
                        target.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        for field in ["labels", "annotations"] {
            if let Some(Doc::Mapping(add)) = new.get("metadata").and_then(|m| m.get(field)) {
                let meta = existing.doc.get_mut("metadata").and_then(Doc::as_mapping_mut);
                if let Some(meta) = meta {
                    let target = meta.entry(Doc::String(field.into())).or_insert_with(|| Doc::Mapping(Mapping::new()));
                    if let Some(target) = target.as_mapping_mut() {
                        for (k, v) in add {
                            target.insert(k.clone(), v.clone());
                        }
                    }
                }
            }
        }
    }
    existing.needs_hash = generated.needs_hash;
}
