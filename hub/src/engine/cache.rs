//! Renders keyed by their inputs, so an app deployed to a thousand clusters
//! is rendered once: the key is the repository, the resolved commit, the
//! path and the source's options, never the cluster.

use crate::apps::Source;
use crate::render::{RenderError, render_source};
use crate::repo::{RepoReader, Tree, local::normalize_url};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub type Rendered = Result<Arc<Vec<Value>>, RenderError>;

/// The result of rendering one source: the commit it was read at, and the objects.
#[derive(Clone)]
pub struct SourceRender {
    pub revision: String,
    pub objects: Rendered,
}

#[derive(Default)]
pub struct RenderCache {
    entries: Mutex<HashMap<String, Rendered>>,
    /// Revisions resolve once per evaluation: `main` means one commit throughout.
    trees: Mutex<HashMap<(String, String), Arc<dyn Tree>>>,
    hits: std::sync::atomic::AtomicUsize,
    misses: std::sync::atomic::AtomicUsize,
}

impl RenderCache {
    /// Renders `source`, or returns the earlier render of the same inputs.
    pub fn render(&self, repos: &dyn RepoReader, source: &Source) -> Result<SourceRender, RenderError> {
        let tree =
            self.tree(repos, &source.repo_url, source.revision()).map_err(|e| RenderError::new(&source.repo_url, e))?;
        let options =
            serde_json::json!([source.path, source.chart, source.directory_json(), source.helm, source.kustomize]);
        let key = format!("{}\0{}\0{}", normalize_url(&source.repo_url), tree.revision(), options);
        if let Some(hit) = self.entries.lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
            self.hits.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            return Ok(SourceRender { revision: tree.revision().to_string(), objects: hit.clone() });
        }
        self.misses.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let objects: Rendered = render_source(source, tree.as_ref()).map(Arc::new);
        self.entries.lock().unwrap_or_else(|p| p.into_inner()).insert(key, objects.clone());
        Ok(SourceRender { revision: tree.revision().to_string(), objects })
    }

    /// The tree of a repository at a revision, resolved once.
    pub fn tree(&self, repos: &dyn RepoReader, repo_url: &str, revision: &str) -> Result<Arc<dyn Tree>, String> {
        let key = (normalize_url(repo_url), revision.to_string());
        if let Some(t) = self.trees.lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
            return Ok(t.clone());
        }
        let tree = repos.tree(repo_url, revision)?;
        self.trees.lock().unwrap_or_else(|p| p.into_inner()).insert(key, tree.clone());
        Ok(tree)
    }

    /// (hits, misses) so far.
    pub fn stats(&self) -> (usize, usize) {
        (self.hits.load(std::sync::atomic::Ordering::Relaxed), self.misses.load(std::sync::atomic::Ordering::Relaxed))
    }
}
