//! The agent's persistent state in redb: the last verified bundle, the
//! marker (generation + digest) of what was applied, and the inventory of
//! every resource each app has applied, so prune and app deletion are right
//! after a restart too.
//!
//! The bundle is stored as the signed bytes the hub sent, so it is verified
//! again on load: a state file edited on disk cannot smuggle in manifests.

use crate::engine::inventory::{Propagation, ResourceKey};
use convoy_protocol::messages::AppliedBundle;
use convoy_protocol::{BundleDigest, SignedBundle, TrustedKeys, VerifiedBundle};
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A resource an app applied, with the version it was applied as (needed to
/// address it again once it has left the bundle).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TrackedResource {
    pub api_version: String,
    pub key: ResourceKey,
}

/// What the agent remembers of an app between syncs and restarts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppRecord {
    pub resources: BTreeSet<TrackedResource>,
    /// The app's own policy, kept for when it leaves the bundle.
    pub preserve_on_deletion: bool,
    pub propagation: Propagation,
}

const BUNDLE: TableDefinition<&str, &[u8]> = TableDefinition::new("bundle");
const INVENTORY: TableDefinition<&str, &[u8]> = TableDefinition::new("inventory");
const META: TableDefinition<&str, &str> = TableDefinition::new("meta");
const CURRENT: &str = "current";
const APPLIED: &str = "applied";

#[derive(Debug, thiserror::Error)]
#[error("agent state {path}: {detail}")]
pub struct StateError {
    pub path: PathBuf,
    pub detail: String,
}

pub struct AgentState {
    db: Database,
    path: PathBuf,
}

impl AgentState {
    /// Opens (or creates) `dir/agent.redb`.
    pub fn open(dir: &Path) -> Result<AgentState, StateError> {
        let path = dir.join("agent.redb");
        let err = |detail: String| StateError { path: path.clone(), detail };
        std::fs::create_dir_all(dir).map_err(|e| err(e.to_string()))?;
        let db = Database::create(&path).map_err(|e| err(e.to_string()))?;
        Ok(AgentState { db, path })
    }

    fn err(&self, e: impl std::fmt::Display) -> StateError {
        StateError { path: self.path.clone(), detail: e.to_string() }
    }

    /// Stores a verified bundle as the current one, atomically with its marker.
    pub fn store_bundle(&self, signed: &SignedBundle, generation: u64) -> Result<(), StateError> {
        let bytes = signed.to_bytes().map_err(|e| self.err(e))?;
        let marker =
            postcard::to_stdvec(&AppliedBundle { generation, digest: signed.digest }).map_err(|e| self.err(e))?;
        let txn = self.db.begin_write().map_err(|e| self.err(e))?;
        {
            let mut t = txn.open_table(BUNDLE).map_err(|e| self.err(e))?;
            t.insert(CURRENT, bytes.as_slice()).map_err(|e| self.err(e))?;
            t.insert(APPLIED, marker.as_slice()).map_err(|e| self.err(e))?;
        }
        txn.commit().map_err(|e| self.err(e))
    }

    /// The stored bundle and its marker, if any.
    pub fn current(&self) -> Result<Option<(SignedBundle, AppliedBundle)>, StateError> {
        let txn = self.db.begin_read().map_err(|e| self.err(e))?;
        let t = match txn.open_table(BUNDLE) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(e) => return Err(self.err(e)),
        };
        let (Some(bundle), Some(marker)) =
            (t.get(CURRENT).map_err(|e| self.err(e))?, t.get(APPLIED).map_err(|e| self.err(e))?)
        else {
            return Ok(None);
        };
        let signed = SignedBundle::from_bytes(bundle.value()).map_err(|e| self.err(format!("stored bundle: {e}")))?;
        let marker: AppliedBundle =
            postcard::from_bytes(marker.value()).map_err(|e| self.err(format!("stored marker: {e}")))?;
        if marker.digest != signed.digest || BundleDigest::of(&signed.payload) != signed.digest {
            return Err(self.err("stored bundle does not match its digest"));
        }
        Ok(Some((signed, marker)))
    }

    /// The stored bundle, verified again with `keys` for `cluster` as if it
    /// had just arrived: this is what the agent enforces after a restart.
    pub fn verified_current(&self, keys: &TrustedKeys, cluster: &str) -> Result<Option<VerifiedBundle>, StateError> {
        let Some((signed, _)) = self.current()? else { return Ok(None) };
        keys.verify(signed, cluster, None).map(Some).map_err(|e| self.err(format!("stored bundle: {e}")))
    }

    pub fn applied(&self) -> Result<Option<AppliedBundle>, StateError> {
        Ok(self.current()?.map(|(_, m)| m))
    }

    /// The cluster this state belongs to, once recorded: a state directory
    /// never serves two clusters.
    pub fn cluster_name(&self) -> Result<Option<String>, StateError> {
        let txn = self.db.begin_read().map_err(|e| self.err(e))?;
        let t = match txn.open_table(META) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(e) => return Err(self.err(e)),
        };
        Ok(t.get("cluster").map_err(|e| self.err(e))?.map(|v| v.value().to_string()))
    }

    pub fn set_cluster_name(&self, name: &str) -> Result<(), StateError> {
        let txn = self.db.begin_write().map_err(|e| self.err(e))?;
        txn.open_table(META).map_err(|e| self.err(e))?.insert("cluster", name).map_err(|e| self.err(e))?;
        txn.commit().map_err(|e| self.err(e))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every app's inventory record.
    pub fn app_records(&self) -> Result<BTreeMap<String, AppRecord>, StateError> {
        let txn = self.db.begin_read().map_err(|e| self.err(e))?;
        let t = match txn.open_table(INVENTORY) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(BTreeMap::new()),
            Err(e) => return Err(self.err(e)),
        };
        let mut out = BTreeMap::new();
        for row in t.iter().map_err(|e| self.err(e))? {
            let (k, v) = row.map_err(|e| self.err(e))?;
            let record: AppRecord =
                postcard::from_bytes(v.value()).map_err(|e| self.err(format!("inventory of {}: {e}", k.value())))?;
            out.insert(k.value().to_string(), record);
        }
        Ok(out)
    }

    /// The inventory record of one app (empty if none).
    pub fn app_record(&self, app: &str) -> Result<AppRecord, StateError> {
        Ok(self.app_records()?.remove(app).unwrap_or_default())
    }

    /// Replaces an app's record; durable when this returns.
    pub fn put_app_record(&self, app: &str, record: &AppRecord) -> Result<(), StateError> {
        let bytes = postcard::to_stdvec(record).map_err(|e| self.err(e))?;
        let txn = self.db.begin_write().map_err(|e| self.err(e))?;
        txn.open_table(INVENTORY).map_err(|e| self.err(e))?.insert(app, bytes.as_slice()).map_err(|e| self.err(e))?;
        txn.commit().map_err(|e| self.err(e))
    }

    pub fn remove_app_record(&self, app: &str) -> Result<(), StateError> {
        let txn = self.db.begin_write().map_err(|e| self.err(e))?;
        txn.open_table(INVENTORY).map_err(|e| self.err(e))?.remove(app).map_err(|e| self.err(e))?;
        txn.commit().map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use convoy_protocol::BundleSigner;

    #[test]
    fn a_stored_bundle_is_verified_again_on_load() {
        let dir = tempfile::tempdir().unwrap();
        let hub = BundleSigner::generate();
        let mut keys = TrustedKeys::new();
        keys.add(hub.verifying_key());
        let bundle = convoy_protocol::Bundle {
            cluster: "c1".into(),
            generation: 3,
            source_revision: "r".into(),
            created_at_ms: 0,
            apps: vec![],
        };
        let s = AgentState::open(dir.path()).unwrap();
        s.store_bundle(&hub.sign(&bundle).unwrap(), 3).unwrap();
        assert_eq!(s.verified_current(&keys, "c1").unwrap().unwrap().bundle, bundle);
        assert!(s.verified_current(&keys, "c2").is_err(), "addressee is checked");
        // A bundle planted by something holding another key does not load.
        s.store_bundle(&BundleSigner::generate().sign(&bundle).unwrap(), 3).unwrap();
        let err = s.verified_current(&keys, "c1").unwrap_err();
        assert!(err.detail.contains("does not trust"), "{err}");
    }

    #[test]
    fn inventory_survives_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let key =
            ResourceKey { group: "apps".into(), kind: "Deployment".into(), namespace: "w".into(), name: "web".into() };
        let record = AppRecord {
            resources: [TrackedResource { api_version: "apps/v1".into(), key }].into(),
            preserve_on_deletion: true,
            propagation: Propagation::Background,
        };
        {
            let s = AgentState::open(dir.path()).unwrap();
            assert!(s.app_records().unwrap().is_empty());
            s.put_app_record("web", &record).unwrap();
            s.put_app_record("gone", &AppRecord::default()).unwrap();
            s.remove_app_record("gone").unwrap();
        }
        let s = AgentState::open(dir.path()).unwrap();
        assert_eq!(s.app_records().unwrap(), BTreeMap::from([("web".to_string(), record)]));
    }

    #[test]
    fn bundle_survives_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let signed = BundleSigner::generate().sign_payload(vec![1, 2, 3]);
        {
            let s = AgentState::open(dir.path()).unwrap();
            assert!(s.current().unwrap().is_none());
            s.store_bundle(&signed, 9).unwrap();
        }
        let s = AgentState::open(dir.path()).unwrap();
        let (back, marker) = s.current().unwrap().unwrap();
        assert_eq!(back, signed);
        assert_eq!(marker, AppliedBundle { generation: 9, digest: signed.digest });
    }
}
