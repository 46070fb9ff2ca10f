//! Reading source repositories: a [`Tree`] is a repository at one revision
//! (a Git commit, or a plain directory standing in for one); [`RepoReader`]
//! resolves a repository URL and revision to a tree. Generators and
//! renderers read only through these, so they never know which it is.

pub mod configured;
pub mod glob;
pub mod local;

use std::path::PathBuf;
use std::sync::Arc;

/// An entry of a tree directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub is_dir: bool,
}

/// A repository at one revision. Paths are repository-relative and
/// `/`-separated; `""` is the root.
pub trait Tree: Send + Sync {
    /// The entries of a directory, sorted by name.
    fn list(&self, dir: &str) -> Result<Vec<Entry>, String>;
    /// A file's bytes.
    fn read(&self, path: &str) -> Result<Vec<u8>, String>;
    /// The revision this tree is (a commit SHA, or a label for a directory).
    fn revision(&self) -> &str;
}

/// Resolves repositories to trees.
pub trait RepoReader {
    fn tree(&self, repo_url: &str, revision: &str) -> Result<Arc<dyn Tree>, String>;

    /// Every directory below the root, depth first in name order, skipping
    /// hidden ones, as Argo CD's repo server lists them.
    fn directories(&self, repo_url: &str, revision: &str) -> Result<Vec<String>, String> {
        let tree = self.tree(repo_url, revision)?;
        let mut out = Vec::new();
        walk(tree.as_ref(), "", &mut |path, is_dir| {
            if is_dir {
                out.push(path.to_string());
            }
        })?;
        Ok(out)
    }

    /// Every file matching a git pathspec, with its contents.
    fn files(&self, repo_url: &str, revision: &str, pattern: &str) -> Result<Vec<(String, Vec<u8>)>, String> {
        let tree = self.tree(repo_url, revision)?;
        let mut paths = Vec::new();
        walk(tree.as_ref(), "", &mut |path, is_dir| {
            if !is_dir && glob::pathspec_match(pattern, path) {
                paths.push(path.to_string());
            }
        })?;
        paths.into_iter().map(|p| tree.read(&p).map(|b| (p, b))).collect()
    }
}

/// Visits every entry below `dir`, skipping hidden names (`.git` among them).
pub fn walk(tree: &dyn Tree, dir: &str, visit: &mut dyn FnMut(&str, bool)) -> Result<(), String> {
    for entry in tree.list(dir)? {
        if entry.name.starts_with('.') {
            continue;
        }
        let path = join(dir, &entry.name);
        visit(&path, entry.is_dir);
        if entry.is_dir {
            walk(tree, &path, visit)?;
        }
    }
    Ok(())
}

/// Joins repository paths.
pub fn join(dir: &str, name: &str) -> String {
    match (dir.is_empty(), name.is_empty()) {
        (true, _) => name.to_string(),
        (false, true) => dir.to_string(),
        (false, false) => format!("{dir}/{name}"),
    }
}

/// No repository: every read is an error naming the repository asked for.
pub struct NoRepos;

impl RepoReader for NoRepos {
    fn tree(&self, repo_url: &str, _: &str) -> Result<Arc<dyn Tree>, String> {
        Err(format!("no repository is available for {repo_url:?}"))
    }
}

/// A plain directory, standing for every repository and revision.
#[derive(Clone)]
pub struct DirRepo {
    tree: Arc<DirTree>,
}

impl DirRepo {
    pub fn new(root: impl Into<PathBuf>) -> DirRepo {
        DirRepo { tree: Arc::new(DirTree { root: root.into(), label: "working-tree".into() }) }
    }
}

impl RepoReader for DirRepo {
    fn tree(&self, _: &str, _: &str) -> Result<Arc<dyn Tree>, String> {
        Ok(self.tree.clone())
    }
}

/// A directory on disk as a tree. Symbolic links are followed only when
/// they stay inside the root, as Argo CD's repo server requires.
pub struct DirTree {
    root: PathBuf,
    label: String,
}

impl DirTree {
    fn inside(&self, path: &str) -> Result<PathBuf, String> {
        if path.split('/').any(|seg| seg == "..") {
            return Err(format!("{path}: path leaves the repository"));
        }
        let full = self.root.join(path);
        let real = full.canonicalize().map_err(|e| format!("{path}: {e}"))?;
        let root = self.root.canonicalize().map_err(|e| format!("{}: {e}", self.root.display()))?;
        if !real.starts_with(&root) {
            return Err(format!("{path}: symbolic link leaves the repository"));
        }
        Ok(real)
    }
}

impl Tree for DirTree {
    fn list(&self, dir: &str) -> Result<Vec<Entry>, String> {
        let base = self.inside(dir)?;
        let mut out = Vec::new();
        for entry in std::fs::read_dir(&base).map_err(|e| format!("{}: {e}", display(dir)))? {
            let entry = entry.map_err(|e| format!("{}: {e}", display(dir)))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = join(dir, &name);
            // Dangling or escaping links are skipped, as Argo CD skips them.
            let Ok(real) = self.inside(&path) else { continue };
            let Ok(meta) = std::fs::metadata(&real) else { continue };
            if meta.is_dir() || meta.is_file() {
                out.push(Entry { name, is_dir: meta.is_dir() });
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    fn read(&self, path: &str) -> Result<Vec<u8>, String> {
        std::fs::read(self.inside(path)?).map_err(|e| format!("{path}: {e}"))
    }

    fn revision(&self) -> &str {
        &self.label
    }
}

fn display(dir: &str) -> &str {
    if dir.is_empty() { "." } else { dir }
}
