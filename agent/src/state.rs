//! The agent's persistent state in redb: the last verified bundle and the
//! marker (generation + digest) of what was applied.
//!
//! The bundle is stored as the signed bytes the hub sent, so it is verified
//! again on load: a state file edited on disk cannot smuggle in manifests.

use convoy_protocol::messages::AppliedBundle;
use convoy_protocol::{BundleDigest, SignedBundle, TrustedKeys, VerifiedBundle};
use redb::{Database, ReadableDatabase, TableDefinition};
use std::path::{Path, PathBuf};

const BUNDLE: TableDefinition<&str, &[u8]> = TableDefinition::new("bundle");
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
