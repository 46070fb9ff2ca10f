//! A Git repository as a [`RepoReader`]: revisions resolve to commits, and
//! each commit's tree is read once and shared by every reader.

use super::{GitError, GitTree, resolve};
use crate::repo::{RepoReader, Tree};
use gix::ObjectId;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

pub struct GitRepo {
    repo: gix::ThreadSafeRepository,
    label: String,
    trees: Mutex<HashMap<ObjectId, Arc<GitTree>>>,
}

impl GitRepo {
    /// Opens a repository (a work tree's `.git`, or a bare repository).
    pub fn open(path: &Path) -> Result<GitRepo, GitError> {
        let label = path.display().to_string();
        let repo = gix::open(path).map_err(|e| GitError::new(&label, e))?;
        Ok(GitRepo::from_repository(repo, label))
    }

    pub fn from_repository(repo: gix::Repository, label: String) -> GitRepo {
        GitRepo { repo: repo.into_sync(), label, trees: Mutex::new(HashMap::new()) }
    }

    /// Whether `path` holds a Git repository.
    pub fn is_repository(path: &Path) -> bool {
        path.join(".git").exists() || (path.join("HEAD").is_file() && path.join("objects").is_dir())
    }

    /// The commit a revision names.
    pub fn resolve(&self, revision: &str) -> Result<ObjectId, GitError> {
        resolve(&self.repo.to_thread_local(), &self.label, revision)
    }

    /// The tree of a revision, shared with every other reader of that commit.
    pub fn tree_at(&self, revision: &str) -> Result<Arc<GitTree>, GitError> {
        let commit = self.resolve(revision)?;
        if let Some(t) = self.trees.lock().unwrap_or_else(|p| p.into_inner()).get(&commit) {
            return Ok(t.clone());
        }
        let tree = Arc::new(GitTree::open(&self.repo.to_thread_local(), commit, &self.label)?);
        self.trees.lock().unwrap_or_else(|p| p.into_inner()).insert(commit, tree.clone());
        Ok(tree)
    }
}

impl RepoReader for GitRepo {
    fn tree(&self, _repo_url: &str, revision: &str) -> Result<Arc<dyn Tree>, String> {
        self.tree_at(revision).map(|t| t as Arc<dyn Tree>).map_err(|e| e.to_string())
    }
}
