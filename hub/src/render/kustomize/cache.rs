//! Built bases, shared between builds of one immutable tree: a fleet of
//! overlays over one base builds the base once. A base's build does not
//! depend on who uses it (kustomize builds each base on its own, then the
//! overlay transforms the result), so its resources can be reused as they
//! are. Only trees whose revision is a commit SHA are cached implicitly
//! ([`BaseCache::global`]); a directory on disk can change under us.

use super::resource::Resource;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Most bases remembered before the cache starts over.
const CAPACITY: usize = 4096;

/// Built bases by (tree revision, directory).
type Built = HashMap<(String, String), Arc<Vec<Resource>>>;

#[derive(Default)]
pub struct BaseCache {
    built: Mutex<Built>,
}

impl BaseCache {
    /// The process-wide cache for trees at a Git commit.
    pub fn global() -> &'static BaseCache {
        static CACHE: OnceLock<BaseCache> = OnceLock::new();
        CACHE.get_or_init(BaseCache::default)
    }

    /// Whether a tree's revision names immutable content (a full commit SHA).
    pub fn is_immutable(revision: &str) -> bool {
        matches!(revision.len(), 40 | 64) && revision.bytes().all(|b| b.is_ascii_hexdigit())
    }

    pub fn get(&self, revision: &str, dir: &str) -> Option<Arc<Vec<Resource>>> {
        self.lock().get(&(revision.to_string(), dir.to_string())).cloned()
    }

    pub fn put(&self, revision: &str, dir: &str, resources: Arc<Vec<Resource>>) {
        let mut built = self.lock();
        if built.len() >= CAPACITY {
            built.clear();
        }
        built.insert((revision.to_string(), dir.to_string()), resources);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Built> {
        self.built.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_commit_shas_are_immutable() {
        assert!(BaseCache::is_immutable(&"a".repeat(40)));
        assert!(!BaseCache::is_immutable("main"));
        assert!(!BaseCache::is_immutable("dir:/tmp/x"));
    }
}
