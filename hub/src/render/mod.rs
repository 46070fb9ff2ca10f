//! Rendering an Application source to Kubernetes manifests.
//!
//! The source type is detected as Argo CD detects it: a `chart` or a
//! `Chart.yaml` means Helm, a `kustomization.yaml` (or a `kustomize:` block)
//! means Kustomize, anything else is a plain directory. Renderers read only
//! through a [`Tree`], so a Git commit and a directory render the same.

pub mod directory;
pub mod kustomize;

use crate::apps::Source;
use crate::repo::Tree;
use serde_json::Value;

/// What kind of source a path holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    Directory,
    Kustomize,
    Helm,
    /// A `ref`-only source: it provides files (`$values`) to others.
    Reference,
}

/// Rendering failed; names the source path or file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct RenderError {
    pub path: String,
    pub message: String,
}

impl RenderError {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> RenderError {
        RenderError { path: path.into(), message: message.into() }
    }
}

/// Normalises a source path (`./apps/x/` → `apps/x`, `.` and `/` → root).
pub fn normalize(path: &str) -> String {
    let p = path.trim().trim_start_matches("./").trim_matches('/');
    if p == "." { String::new() } else { p.to_string() }
}

/// Detects the kind of a source.
pub fn detect(source: &Source, tree: &dyn Tree) -> Result<SourceKind, RenderError> {
    if source.chart.is_some() {
        return Ok(SourceKind::Helm);
    }
    let Some(path) = source.path.as_deref() else {
        return if source.reference.is_some() {
            Ok(SourceKind::Reference)
        } else {
            Err(RenderError::new(&source.repo_url, "source has neither path nor chart"))
        };
    };
    let dir = normalize(path);
    let entries = tree.list(&dir).map_err(|e| RenderError::new(display(&dir), e))?;
    let has = |name: &str| entries.iter().any(|e| !e.is_dir && e.name == name);
    if source.helm.is_some() || has("Chart.yaml") {
        return Ok(SourceKind::Helm);
    }
    if source.kustomize.is_some() || has("kustomization.yaml") || has("kustomization.yml") || has("Kustomization") {
        return Ok(SourceKind::Kustomize);
    }
    Ok(SourceKind::Directory)
}

/// Renders one source to manifests.
pub fn render_source(source: &Source, tree: &dyn Tree) -> Result<Vec<Value>, RenderError> {
    let path = normalize(source.path.as_deref().unwrap_or_default());
    match detect(source, tree)? {
        SourceKind::Directory => directory::render(tree, &path, &source.directory.clone().unwrap_or_default()),
        SourceKind::Reference => Ok(Vec::new()),
        SourceKind::Kustomize => {
            let docs = kustomize::build_with(tree, &path, source.kustomize.as_ref())
                .map_err(|e| RenderError::new(e.file.clone(), e.message))?;
            docs.iter()
                .map(|d| {
                    serde_json::to_value(d)
                        .map_err(|e| RenderError::new(display(&path), format!("converting a rendered document: {e}")))
                })
                .collect()
        }
        SourceKind::Helm => Err(RenderError::new(
            source.chart.clone().unwrap_or_else(|| display(&path).to_string()),
            "Helm sources are not supported by this build of convoy yet; nothing is rendered for this source",
        )),
    }
}

fn display(path: &str) -> &str {
    if path.is_empty() { "." } else { path }
}
