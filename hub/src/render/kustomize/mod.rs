//! Native Kustomize rendering: `kustomize build` in-process, reading only
//! through a [`Tree`].
//!
//! A build accumulates the root kustomization ([`build`]), then, once for
//! the whole tree as kustomize does, adds the hash suffixes of generated
//! ConfigMaps and Secrets ([`hash`]), rewrites name references
//! ([`nameref`]), drops `config.kubernetes.io/local-config` resources and
//! sorts ([`sort`]). Patches live in [`patch`].

pub mod argocd;
pub mod build;
pub mod cache;
pub mod emit;
pub mod error;
pub mod fieldspec;
pub mod generator;
pub mod hash;
pub mod loader;
pub mod model;
pub mod nameref;
pub mod patch;
pub mod resource;
pub mod sort;
pub mod specs;
pub mod transform;

pub use cache::BaseCache;
pub use emit::to_yaml;
pub use error::KustomizeError;

use crate::repo::Tree;
use build::Builder;
use error::Result;
use loader::Loader;
use model::{Kustomization, SortOptions};
use patch::Doc;

/// Builds the kustomization in `dir` (repository-relative, `""` for the root).
pub fn build(tree: &dyn Tree, dir: &str) -> Result<Vec<Doc>> {
    build_with(tree, dir, None)
}

/// Builds with Argo CD's `kustomize:` source options applied to the root.
///
/// Bases are reused from [`BaseCache::global`] when the tree is a commit.
pub fn build_with(tree: &dyn Tree, dir: &str, argo_options: Option<&serde_json::Value>) -> Result<Vec<Doc>> {
    let cache = BaseCache::is_immutable(tree.revision()).then(BaseCache::global);
    build_cached(tree, dir, argo_options, cache)
}

/// Builds reusing (and filling) `cache` for bases; the cache must only ever
/// see this tree's revision with this content.
pub fn build_cached(
    tree: &dyn Tree,
    dir: &str,
    argo_options: Option<&serde_json::Value>,
    cache: Option<&BaseCache>,
) -> Result<Vec<Doc>> {
    let mut builder = Builder::new(Loader { tree });
    if let Some(cache) = cache {
        builder = builder.with_cache(cache, tree.revision());
    }
    let root_sort: std::cell::RefCell<Option<SortOptions>> = std::cell::RefCell::new(None);
    let overlay = |k: &mut Kustomization| -> Result<()> {
        if let Some(options) = argo_options {
            argocd::overlay(options, k)?;
        }
        *root_sort.borrow_mut() = k.sort_options.clone();
        Ok(())
    };
    let mut resources = builder.build_dir(dir, false, Vec::new(), Some(&overlay))?;
    for r in resources.iter_mut().filter(|r| r.needs_hash) {
        let suffix = hash::suffix(&r.doc);
        r.remember();
        let name = format!("{}-{suffix}", r.name());
        r.set_name(&name);
    }
    nameref::fix(&mut resources).map_err(|e| KustomizeError::new(dir, e))?;
    resources.retain(|r| {
        resource::str_at(&r.doc, &["metadata", "annotations", "config.kubernetes.io/local-config"]) != Some("true")
    });
    sort::sort(&mut resources, root_sort.borrow().as_ref());
    Ok(resources.into_iter().map(|r| r.doc).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cached_bases_build_the_same_overlays() {
        let dir = tempfile::tempdir().expect("tempdir");
        let w = |p: &str, t: &str| {
            let f = dir.path().join(p);
            std::fs::create_dir_all(f.parent().expect("parent")).expect("mkdir");
            std::fs::write(f, t).expect("write");
        };
        w("base/kustomization.yaml", "resources: [cm.yaml]\nconfigMapGenerator:\n- name: gen\n  literals: [a=1]\n");
        w("base/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n");
        w("a/kustomization.yaml", "resources: [../base]\nnamePrefix: a-\n");
        w("b/kustomization.yaml", "resources: [../base]\nnamespace: b\n");
        let tree = DirRepo::new(dir.path()).tree("", "").expect("tree");
        let cache = BaseCache::default();
        for overlay in ["a", "b", "a"] {
            let cached = build_cached(tree.as_ref(), overlay, None, Some(&cache)).expect("cached");
            assert_eq!(cached, build(tree.as_ref(), overlay).expect("uncached"), "{overlay}");
        }
        assert!(cache.get(tree.revision(), "base").is_some(), "the base was cached");
    }
    use crate::repo::{DirRepo, RepoReader};

    fn tree_with(files: &[(&str, &str)]) -> (tempfile::TempDir, std::sync::Arc<dyn Tree>) {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let full = dir.path().join(path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, text).unwrap();
        }
        let tree = DirRepo::new(dir.path()).tree("", "").unwrap();
        (dir, tree)
    }

    const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  \
        template:\n    spec:\n      containers:\n      - name: c\n        image: nginx:1.25\n";

    #[test]
    fn argo_cd_options_overlay_the_root() {
        let (_dir, tree) =
            tree_with(&[("app/kustomization.yaml", "resources: [d.yaml]\n"), ("app/d.yaml", DEPLOYMENT)]);
        let options = serde_json::json!({
            "namePrefix": "argo-", "namespace": "apps", "images": ["nginx=mirror/nginx:1.27"],
            "replicas": [{"name": "web", "count": 3}], "commonAnnotations": {"team": "a"},
        });
        let docs = build_with(tree.as_ref(), "app", Some(&options)).unwrap();
        let d = serde_json::to_value(&docs[0]).unwrap();
        assert_eq!(d["metadata"]["name"], "argo-web");
        assert_eq!(d["metadata"]["namespace"], "apps");
        assert_eq!(d["metadata"]["annotations"]["team"], "a");
        assert_eq!(d["spec"]["replicas"], 3);
        assert_eq!(d["spec"]["template"]["spec"]["containers"][0]["image"], "mirror/nginx:1.27");
    }

    #[test]
    fn errors_name_the_file() {
        let (_dir, tree) = tree_with(&[
            ("a/kustomization.yaml", "resources: [../b]\n"),
            ("b/kustomization.yaml", "resources: [../a]\n"),
        ]);
        let e = build(tree.as_ref(), "a").unwrap_err();
        assert!(e.message.contains("cycle"), "{e}");
        let (_dir, tree) = tree_with(&[("k/kustomization.yaml", "resources: [https://example.com/x.yaml]\n")]);
        let e = build(tree.as_ref(), "k").unwrap_err();
        assert_eq!(e.file, "k/kustomization.yaml");
        assert!(e.message.contains("remote"), "{e}");
        let (_dir, tree) = tree_with(&[("k/kustomization.yaml", "resources: [bad.yaml]\n"), ("k/bad.yaml", "a: [\n")]);
        let e = build(tree.as_ref(), "k").unwrap_err();
        assert_eq!(e.file, "k/bad.yaml");
        let (_dir, tree) = tree_with(&[("k/other.yaml", "")]);
        assert!(build(tree.as_ref(), "k").unwrap_err().message.contains("unable to find"));
    }

    #[test]
    fn yaml_output_is_a_document_stream() {
        let (_dir, tree) = tree_with(&[(
            "kustomization.yaml",
            "configMapGenerator:\n- name: a\n  literals: [x=1]\n- name: b\n  literals: [y=2]\n",
        )]);
        let text = to_yaml(&build(tree.as_ref(), "").unwrap()).unwrap();
        assert_eq!(text.matches("\n---\n").count(), 1, "{text}");
        assert!(text.contains("name: a-") && text.contains("name: b-"), "{text}");
    }
}
