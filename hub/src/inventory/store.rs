//! The cluster inventory persisted in redb (`<state-dir>/inventory.redb`),
//! so registrations and label changes survive restarts.

use super::Cluster;
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use std::path::{Path, PathBuf};

const CLUSTERS: TableDefinition<&str, &[u8]> = TableDefinition::new("clusters");

#[derive(Debug, thiserror::Error)]
#[error("cluster inventory {path}: {detail}")]
pub struct StoreError {
    pub path: PathBuf,
    pub detail: String,
}

pub struct InventoryStore {
    db: Database,
    path: PathBuf,
}

impl InventoryStore {
    pub fn open(state_dir: &Path) -> Result<InventoryStore, StoreError> {
        let path = state_dir.join("inventory.redb");
        let err = |d: String| StoreError { path: path.clone(), detail: d };
        std::fs::create_dir_all(state_dir).map_err(|e| err(e.to_string()))?;
        let db = Database::create(&path).map_err(|e| err(e.to_string()))?;
        Ok(InventoryStore { db, path })
    }

    fn err(&self, e: impl std::fmt::Display) -> StoreError {
        StoreError { path: self.path.clone(), detail: e.to_string() }
    }

    /// Adds or replaces clusters, all in one transaction.
    pub fn put_all(&self, clusters: &[Cluster]) -> Result<(), StoreError> {
        let txn = self.db.begin_write().map_err(|e| self.err(e))?;
        {
            let mut t = txn.open_table(CLUSTERS).map_err(|e| self.err(e))?;
            for c in clusters {
                let bytes = serde_json::to_vec(c).map_err(|e| self.err(e))?;
                t.insert(c.name.as_str(), bytes.as_slice()).map_err(|e| self.err(e))?;
            }
        }
        txn.commit().map_err(|e| self.err(e))
    }

    /// Removes a cluster; whether it existed.
    pub fn remove(&self, name: &str) -> Result<bool, StoreError> {
        let txn = self.db.begin_write().map_err(|e| self.err(e))?;
        let existed = {
            let mut t = txn.open_table(CLUSTERS).map_err(|e| self.err(e))?;
            t.remove(name).map_err(|e| self.err(e))?.is_some()
        };
        txn.commit().map_err(|e| self.err(e))?;
        Ok(existed)
    }

    /// Every cluster, by name.
    pub fn list(&self) -> Result<Vec<Cluster>, StoreError> {
        let txn = self.db.begin_read().map_err(|e| self.err(e))?;
        let t = match txn.open_table(CLUSTERS) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
            Err(e) => return Err(self.err(e)),
        };
        let mut out = Vec::new();
        for entry in t.iter().map_err(|e| self.err(e))? {
            let (k, v) = entry.map_err(|e| self.err(e))?;
            let c: Cluster =
                serde_json::from_slice(v.value()).map_err(|e| self.err(format!("record {}: {e}", k.value())))?;
            out.push(c);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clusters_survive_reopen_and_can_be_relabelled_and_removed() {
        let dir = tempfile::tempdir().unwrap();
        {
            let s = InventoryStore::open(dir.path()).unwrap();
            s.put_all(&[Cluster::new("b").with_label("env", "staging"), Cluster::new("a")]).unwrap();
        }
        let s = InventoryStore::open(dir.path()).unwrap();
        let names: Vec<_> = s.list().unwrap().into_iter().map(|c| c.name).collect();
        assert_eq!(names, ["a", "b"]);
        s.put_all(&[Cluster::new("b").with_label("env", "production")]).unwrap();
        assert_eq!(s.list().unwrap()[1].labels["env"], "production");
        assert!(s.remove("a").unwrap());
        assert!(!s.remove("a").unwrap());
        assert_eq!(s.list().unwrap().len(), 1);
    }
}
