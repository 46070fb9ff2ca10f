//! A commit's tree, read once into memory and shared.
//!
//! gix repositories are not `Sync`, and apps render on many threads, so the
//! tree's structure is walked once when the tree is opened; blobs are read
//! on demand through a thread-safe handle and kept, since manifests are
//! small and the same files are read by many apps.

use super::GitError;
use crate::repo::{Entry, Tree, join};
use gix::ObjectId;
use std::collections::HashMap;
use std::sync::Mutex;

pub struct GitTree {
    repo: gix::ThreadSafeRepository,
    commit: String,
    dirs: HashMap<String, Vec<Entry>>,
    files: HashMap<String, ObjectId>,
    blobs: Mutex<HashMap<ObjectId, std::sync::Arc<Vec<u8>>>>,
}

impl GitTree {
    /// Reads the tree of `commit` in `repo`.
    pub fn open(repo: &gix::Repository, commit: ObjectId, label: &str) -> Result<GitTree, GitError> {
        let err = |e: &dyn std::fmt::Display| GitError::new(label, e);
        let tree = repo.find_object(commit).map_err(|e| err(&e))?.peel_to_tree().map_err(|e| err(&e))?;
        let mut dirs = HashMap::new();
        let mut files = HashMap::new();
        walk(repo, tree.id, "", &mut dirs, &mut files).map_err(|e| err(&e))?;
        Ok(GitTree {
            repo: repo.clone().into_sync(),
            commit: commit.to_string(),
            dirs,
            files,
            blobs: Mutex::new(HashMap::new()),
        })
    }
}

fn walk(
    repo: &gix::Repository,
    tree: ObjectId,
    path: &str,
    dirs: &mut HashMap<String, Vec<Entry>>,
    files: &mut HashMap<String, ObjectId>,
) -> Result<(), String> {
    let tree = repo.find_tree(tree).map_err(|e| e.to_string())?;
    let mut entries = Vec::new();
    let mut subtrees = Vec::new();
    for entry in tree.iter() {
        let entry = entry.map_err(|e| e.to_string())?;
        let name = entry.filename().to_string();
        let child = join(path, &name);
        let mode = entry.mode();
        if mode.is_tree() {
            entries.push(Entry { name, is_dir: true });
            subtrees.push((entry.object_id(), child));
        } else if mode.is_blob() {
            // Executable or not, a file; symlinks and submodules are skipped,
            // as they cannot be followed safely inside a commit.
            entries.push(Entry { name, is_dir: false });
            files.insert(child, entry.object_id());
        }
    }
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    dirs.insert(path.to_string(), entries);
    for (id, child) in subtrees {
        walk(repo, id, &child, dirs, files)?;
    }
    Ok(())
}

impl Tree for GitTree {
    fn list(&self, dir: &str) -> Result<Vec<Entry>, String> {
        self.dirs.get(dir).cloned().ok_or_else(|| format!("{dir}: no such directory at commit {}", &self.commit[..12]))
    }

    fn read(&self, path: &str) -> Result<Vec<u8>, String> {
        let id =
            *self.files.get(path).ok_or_else(|| format!("{path}: no such file at commit {}", &self.commit[..12]))?;
        let mut cache = self.blobs.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(b) = cache.get(&id) {
            return Ok(b.as_ref().clone());
        }
        let repo = self.repo.to_thread_local();
        let blob = repo.find_blob(id).map_err(|e| format!("{path}: {e}"))?;
        let data = std::sync::Arc::new(blob.data.clone());
        cache.insert(id, data.clone());
        Ok(data.as_ref().clone())
    }

    fn revision(&self) -> &str {
        &self.commit
    }
}
