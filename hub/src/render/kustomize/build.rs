//! Building one kustomization directory: resources, generators and
//! components are accumulated, then the transformers run in kustomize's
//! order (patchesStrategicMerge, patches, namespace, prefix, suffix, labels,
//! annotations, patchesJson6902, replicas, images). Bases build on their own
//! first; components work on the accumulator of the kustomization that uses
//! them.

use super::cache::BaseCache;
use super::error::{KustomizeError, Result};
use super::generator;
use super::loader::{Loader, PathKind, is_remote, is_within, resolve};
use super::model::{Kustomization, PatchEntry};
use super::patch::{self, Doc, Patch, PatchOptions, Target};
use super::resource::{Resource, str_at};
use super::transform;
use std::sync::Arc;

/// Edits the root kustomization before it is built.
pub type Overlay<'o> = &'o dyn Fn(&mut Kustomization) -> Result<()>;

/// A build in progress: the directories being built, for cycle detection.
pub struct Builder<'a> {
    pub loader: Loader<'a>,
    stack: Vec<String>,
    /// Built bases to reuse, with the revision of the tree they belong to.
    cache: Option<(&'a BaseCache, String)>,
}

impl<'a> Builder<'a> {
    pub fn new(loader: Loader<'a>) -> Builder<'a> {
        Builder { loader, stack: Vec::new(), cache: None }
    }

    /// Reuses bases built earlier from the same tree (`revision` names it).
    pub fn with_cache(mut self, cache: &'a BaseCache, revision: &str) -> Builder<'a> {
        self.cache = Some((cache, revision.to_string()));
        self
    }

    /// A base (a directory in `resources`), from the cache when possible.
    fn build_base(&mut self, dir: &str) -> Result<Vec<Resource>> {
        if let Some((cache, revision)) = &self.cache
            && let Some(hit) = cache.get(revision, dir)
            && !self.stack.iter().any(|d| d == dir)
        {
            return Ok(hit.as_ref().clone());
        }
        let built = self.build_dir(dir, false, Vec::new(), None)?;
        if let Some((cache, revision)) = &self.cache {
            cache.put(revision, dir, Arc::new(built.clone()));
        }
        Ok(built)
    }

    /// Builds the kustomization in `dir`; `overlay` may adjust it first
    /// (Argo CD's `kustomize:` options on the root).
    pub fn build_dir(
        &mut self,
        dir: &str,
        expect_component: bool,
        acc: Vec<Resource>,
        overlay: Option<Overlay>,
    ) -> Result<Vec<Resource>> {
        if self.stack.iter().any(|d| d == dir) {
            let mut chain = self.stack.clone();
            chain.push(dir.to_string());
            return Err(KustomizeError::new(dir, format!("cycle in kustomizations: {}", chain.join(" -> "))));
        }
        let file = self.loader.kustomization_file(dir)?;
        let mut k = Kustomization::parse(&file, &self.loader.read_text(&file)?)?;
        if let Some(overlay) = overlay {
            overlay(&mut k)?;
        }
        if expect_component && !k.is_component {
            return Err(KustomizeError::new(&file, "expected kind 'Component' for a components entry"));
        }
        if !expect_component && k.is_component {
            return Err(KustomizeError::new(&file, "a Component may only be used in components, not resources"));
        }
        self.stack.push(dir.to_string());
        let out = self.accumulate(dir, &k, acc);
        self.stack.pop();
        out
    }

    fn accumulate(&mut self, dir: &str, k: &Kustomization, mut acc: Vec<Resource>) -> Result<Vec<Resource>> {
        let file = k.file.as_str();
        for entry in &k.resources {
            if is_remote(entry) {
                return Err(KustomizeError::new(
                    file,
                    format!("remote resource {entry:?}: remote bases are not supported"),
                ));
            }
            let path = resolve(dir, entry).map_err(|e| KustomizeError::new(file, e))?;
            match self.loader.kind(&path) {
                PathKind::File => {
                    if !is_within(&path, dir) {
                        return Err(KustomizeError::new(
                            file,
                            format!("security; file {entry:?} is not in or below the kustomization directory"),
                        ));
                    }
                    for doc in read_documents(&path, &self.loader.read_text(&path)?)? {
                        append(&mut acc, Resource::new(doc), &path)?;
                    }
                }
                PathKind::Dir => {
                    for r in self.build_base(&path)? {
                        append(&mut acc, r, &path)?;
                    }
                }
                PathKind::Missing => {
                    return Err(KustomizeError::new(file, format!("resource {entry:?}: no such file or directory")));
                }
            }
        }
        for (args, secret) in k.config_maps.iter().map(|a| (a, false)).chain(k.secrets.iter().map(|a| (a, true))) {
            let generated = generator::generate(&self.loader, dir, file, args, &k.generator_options, secret)?;
            match args.behavior.as_deref() {
                None | Some("create") => append(&mut acc, generated, file)?,
                Some(b) => {
                    let id = generated.id();
                    let found = acc.iter_mut().find(|r| {
                        r.kind() == id.gvk.kind
                            && r.all_ids()
                                .iter()
                                .any(|p| p.name == id.name && (id.namespace.is_empty() || p.namespace == id.namespace))
                    });
                    let Some(existing) = found else {
                        return Err(KustomizeError::new(
                            file,
                            format!("{} {:?} has behavior {b} but no such resource exists", id.gvk.kind, id.name),
                        ));
                    };
                    generator::merge_into(existing, generated, b == "replace");
                }
            }
        }
        for entry in &k.components {
            if is_remote(entry) {
                return Err(KustomizeError::new(
                    file,
                    format!("remote component {entry:?}: remote bases are not supported"),
                ));
            }
            let path = resolve(dir, entry).map_err(|e| KustomizeError::new(file, e))?;
            if self.loader.kind(&path) != PathKind::Dir {
                return Err(KustomizeError::new(file, format!("component {entry:?}: not a directory")));
            }
            acc = self.build_dir(&path, true, acc, None)?;
        }
        self.transform(dir, k, &mut acc)?;
        Ok(acc)
    }

    fn transform(&self, dir: &str, k: &Kustomization, acc: &mut Vec<Resource>) -> Result<()> {
        let file = k.file.as_str();
        for entry in &k.patches_strategic_merge {
            let path = resolve(dir, entry).ok().filter(|p| self.loader.kind(p) == PathKind::File);
            let (text, origin) = match path {
                Some(p) => (self.loader.read_text(&p)?, p),
                None => (entry.clone(), file.to_string()),
            };
            let parsed = patch::parse_patch(&text).map_err(|e| KustomizeError::new(&origin, e.0))?;
            apply_patch(acc, &parsed, None, &PatchOptions::default(), &origin)?;
        }
        for entry in &k.patches {
            self.run_patch(dir, file, entry, false, acc)?;
        }
        if let Some(ns) = k.namespace.as_deref().filter(|n| !n.is_empty()) {
            transform::namespace(acc, ns);
        }
        transform::prefix(acc, &k.name_prefix);
        transform::suffix(acc, &k.name_suffix);
        transform::common_labels(acc, &k.common_labels);
        for set in &k.labels {
            transform::labels(acc, set);
        }
        transform::annotations(acc, &k.common_annotations);
        for entry in &k.patches_json6902 {
            self.run_patch(dir, file, entry, true, acc)?;
        }
        for (name, count) in &k.replicas {
            transform::replicas(acc, name, *count);
        }
        for image in &k.images {
            transform::images(acc, image);
        }
        Ok(())
    }

    fn run_patch(
        &self,
        dir: &str,
        file: &str,
        entry: &PatchEntry,
        legacy: bool,
        acc: &mut Vec<Resource>,
    ) -> Result<()> {
        let (text, origin) = match (&entry.path, &entry.patch) {
            (Some(p), _) => {
                let path = resolve(dir, p).map_err(|e| KustomizeError::new(file, e))?;
                (self.loader.read_text(&path)?, path)
            }
            (None, Some(inline)) => (inline.clone(), file.to_string()),
            (None, None) => return Err(KustomizeError::new(file, "a patch needs a path or a patch")),
        };
        let parsed = patch::parse_patch(&text).map_err(|e| KustomizeError::new(&origin, e.0))?;
        if legacy && entry.target.is_none() {
            return Err(KustomizeError::new(file, "patchesJson6902 entries need a target"));
        }
        let target = entry
            .target
            .as_ref()
            .map(Target::from_doc)
            .transpose()
            .map_err(|e| KustomizeError::new(file, format!("patch target: {}", e.0)))?;
        let options =
            PatchOptions { allow_name_change: entry.allow_name_change, allow_kind_change: entry.allow_kind_change };
        apply_patch(acc, &parsed, target.as_ref(), &options, &origin)
    }
}

/// Applies a patch to the accumulated documents, keeping each resource's
/// history (matched by position, or by id when the patch deleted some).
fn apply_patch(
    acc: &mut Vec<Resource>,
    p: &Patch,
    target: Option<&Target>,
    opts: &PatchOptions,
    origin: &str,
) -> Result<()> {
    let mut docs: Vec<Doc> = acc.iter().map(|r| r.doc.clone()).collect();
    let renamed;
    let p = match (p, target) {
        (Patch::StrategicMerge(patches), None) => {
            renamed = Patch::StrategicMerge(patches.iter().map(|d| follow_renames(d, acc)).collect());
            &renamed
        }
        _ => p,
    };
    patch::apply(&mut docs, p, target, opts).map_err(|e| KustomizeError::new(origin, e.0))?;
    if docs.len() == acc.len() {
        for (r, doc) in acc.iter_mut().zip(docs) {
            if Resource::new(doc.clone()).id() != r.id() {
                r.remember();
            }
            r.doc = doc;
        }
        return Ok(());
    }
    let mut kept = Vec::with_capacity(docs.len());
    for doc in docs {
        let id = Resource::new(doc.clone()).id();
        if let Some(pos) = acc.iter().position(|r| r.id() == id) {
            let mut r = acc.remove(pos);
            r.doc = doc;
            kept.push(r);
        } else {
            kept.push(Resource::new(doc));
        }
    }
    *acc = kept;
    Ok(())
}

/// An untargeted strategic merge patch names its resource as it was
/// written (kustomize matches any of a resource's previous ids): when only
/// an earlier name or namespace matches, the patch is pointed at the
/// resource's current one.
fn follow_renames(patch_doc: &Doc, acc: &[Resource]) -> Doc {
    let probe = Resource::new(patch_doc.clone());
    let id = probe.id();
    let effective = |ns: &str| if ns.is_empty() { "default".to_string() } else { ns.to_string() };
    if acc.iter().any(|r| r.id().gvk.kind == id.gvk.kind && r.name() == id.name) {
        return patch_doc.clone();
    }
    let matches: Vec<&Resource> = acc
        .iter()
        .filter(|r| {
            r.previous.iter().any(|p| {
                p.gvk.kind == id.gvk.kind
                    && p.name == id.name
                    && (id.namespace.is_empty() || effective(&p.namespace) == effective(&id.namespace))
            })
        })
        .collect();
    let [found] = matches.as_slice() else { return patch_doc.clone() };
    let mut out = Resource::new(patch_doc.clone());
    out.set_name(found.name());
    if !found.namespace().is_empty() {
        out.set_namespace(found.namespace());
    } else if let Some(meta) = out.doc.get_mut("metadata").and_then(Doc::as_mapping_mut) {
        meta.remove("namespace");
    }
    out.doc
}

/// Parses a YAML stream of resources; `kind: List` items are flattened and
/// empty documents skipped.
pub fn read_documents(path: &str, text: &str) -> Result<Vec<Doc>> {
    let mut out = Vec::new();
    for de in serde_norway::Deserializer::from_str(text) {
        let doc = <Doc as serde::Deserialize>::deserialize(de)
            .map_err(|e| KustomizeError::new(path, format!("invalid YAML: {e}")))?;
        match &doc {
            Doc::Null => continue,
            Doc::Mapping(m) if m.is_empty() => continue,
            Doc::Mapping(_) => {}
            _ => return Err(KustomizeError::new(path, "a resource must be a mapping")),
        }
        let kind = str_at(&doc, &["kind"]).unwrap_or_default();
        if kind == "List" || (kind.ends_with("List") && doc.get("items").is_some_and(Doc::is_sequence)) {
            for item in doc.get("items").and_then(Doc::as_sequence).into_iter().flatten() {
                out.push(item.clone());
            }
            continue;
        }
        if kind.is_empty() {
            return Err(KustomizeError::new(path, "missing kind in a resource"));
        }
        if str_at(&doc, &["metadata", "name"]).is_none_or(str::is_empty) {
            return Err(KustomizeError::new(path, format!("missing metadata.name in a {kind}")));
        }
        out.push(doc);
    }
    Ok(out)
}

/// Adds a resource, refusing a second resource with the same id.
fn append(acc: &mut Vec<Resource>, r: Resource, origin: &str) -> Result<()> {
    let id = r.id();
    if acc.iter().any(|o| o.id() == id) {
        return Err(KustomizeError::new(
            origin,
            format!("may not add resource with an already registered id: {} {}/{}", id.gvk.kind, id.namespace, id.name),
        ));
    }
    acc.push(r);
    Ok(())
}
