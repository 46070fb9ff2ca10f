//! Bundles carried in on a file, for air-gapped sites and for
//! `convoy-agent apply|diff --bundle`: the file holds the signed bundle
//! exactly as the hub signs it, and is verified with the trusted hub keys
//! like one that came over the network.

use crate::state::{AgentState, StateError};
use convoy_protocol::{Bundle, SignedBundle, TrustedKeys, VerifiedBundle, VerifyError};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum OfflineError {
    #[error("{path}: {detail}")]
    File { path: PathBuf, detail: String },
    #[error("no trusted hub key: pass --trusted-keys FILE or put the hub's public key(s) in {default}")]
    NoKeys { default: PathBuf },
    #[error("bundle {path}: {source}")]
    Verify { path: PathBuf, source: VerifyError },
    #[error("bundle {path} is for cluster {bundle}, but this agent's state belongs to cluster {state}")]
    OtherCluster { path: PathBuf, bundle: String, state: String },
    #[error(transparent)]
    State(#[from] StateError),
}

/// The default trusted-keys file in a state directory.
pub fn default_keys_file(state_dir: &Path) -> PathBuf {
    state_dir.join("trusted-keys.pem")
}

/// Loads hub public keys (PEM) from `files`, or from the state directory's
/// `trusted-keys.pem` when none is given.
pub fn trusted_keys(files: &[PathBuf], state_dir: &Path) -> Result<TrustedKeys, OfflineError> {
    let default = default_keys_file(state_dir);
    let files: Vec<PathBuf> = if files.is_empty() {
        if !default.exists() {
            return Err(OfflineError::NoKeys { default });
        }
        vec![default]
    } else {
        files.to_vec()
    };
    let mut keys = TrustedKeys::new();
    for path in files {
        let err = |detail: String| OfflineError::File { path: path.clone(), detail };
        let pem = std::fs::read_to_string(&path).map_err(|e| err(e.to_string()))?;
        let added = keys.add_pem(&pem).map_err(|e| err(e.to_string()))?;
        if added.is_empty() {
            return Err(err("no PUBLIC KEY block".into()));
        }
    }
    Ok(keys)
}

pub fn read_signed(path: &Path) -> Result<SignedBundle, OfflineError> {
    let err = |detail: String| OfflineError::File { path: path.to_path_buf(), detail };
    let bytes = std::fs::read(path).map_err(|e| err(e.to_string()))?;
    SignedBundle::from_bytes(&bytes).map_err(|e| err(format!("not a convoy signed bundle: {e}")))
}

/// Verifies a bundle file for the cluster this state belongs to (or,
/// before the first bundle, for `cluster` or the cluster the bundle
/// names), refusing rollbacks below what the state has applied.
pub fn verify_file(
    path: &Path,
    keys: &TrustedKeys,
    state: Option<&AgentState>,
    cluster: Option<&str>,
) -> Result<VerifiedBundle, OfflineError> {
    let signed = read_signed(path)?;
    let recorded = state.map(AgentState::cluster_name).transpose()?.flatten();
    let named = Bundle::decode(&signed.payload).map(|b| b.cluster).unwrap_or_default();
    let expected = match (&recorded, cluster) {
        (Some(r), Some(c)) if r != c => {
            return Err(OfflineError::OtherCluster { path: path.into(), bundle: c.into(), state: r.clone() });
        }
        (Some(r), _) => r.clone(),
        (None, Some(c)) => c.to_string(),
        (None, None) => named.clone(),
    };
    if let Some(r) = &recorded
        && !named.is_empty()
        && named != *r
    {
        return Err(OfflineError::OtherCluster { path: path.into(), bundle: named, state: r.clone() });
    }
    let last = state.map(AgentState::applied).transpose()?.flatten();
    keys.verify(signed, &expected, last).map_err(|source| OfflineError::Verify { path: path.into(), source })
}

#[cfg(test)]
mod tests {
    use super::*;
    use convoy_protocol::BundleSigner;

    fn bundle(cluster: &str, generation: u64) -> Bundle {
        Bundle { cluster: cluster.into(), generation, source_revision: "r".into(), created_at_ms: 0, apps: vec![] }
    }

    #[test]
    fn files_are_verified_locked_to_one_cluster_and_never_rolled_back() {
        let dir = tempfile::tempdir().unwrap();
        let hub = BundleSigner::generate();
        std::fs::write(default_keys_file(dir.path()), hub.public_key_pem().unwrap()).unwrap();
        let keys = trusted_keys(&[], dir.path()).unwrap();
        let state = AgentState::open(&dir.path().join("state")).unwrap();
        let write = |name: &str, b: &Bundle| {
            let p = dir.path().join(name);
            std::fs::write(&p, hub.sign(b).unwrap().to_bytes().unwrap()).unwrap();
            p
        };
        let v2 = write("v2.bundle", &bundle("edge-1", 2));
        let ok = verify_file(&v2, &keys, Some(&state), None).unwrap();
        state.store_bundle(&ok.signed, 2).unwrap();
        state.set_cluster_name("edge-1").unwrap();

        let v1 = write("v1.bundle", &bundle("edge-1", 1));
        let err = verify_file(&v1, &keys, Some(&state), None).unwrap_err().to_string();
        assert!(err.contains("v1.bundle") && err.contains("older"), "{err}");

        let other = write("other.bundle", &bundle("edge-2", 3));
        let err = verify_file(&other, &keys, Some(&state), None).unwrap_err().to_string();
        assert!(err.contains("cluster edge-2") && err.contains("belongs to cluster edge-1"), "{err}");

        let forged = dir.path().join("forged.bundle");
        std::fs::write(&forged, BundleSigner::generate().sign(&bundle("edge-1", 9)).unwrap().to_bytes().unwrap())
            .unwrap();
        assert!(verify_file(&forged, &keys, Some(&state), None).is_err());

        let junk = dir.path().join("junk.bundle");
        std::fs::write(&junk, b"hello").unwrap();
        let err = verify_file(&junk, &keys, None, None).unwrap_err().to_string();
        assert!(err.contains("junk.bundle") && err.contains("not a convoy signed bundle"), "{err}");
        let err = trusted_keys(&[], &dir.path().join("nowhere")).unwrap_err().to_string();
        assert!(err.contains("--trusted-keys"), "{err}");
    }
}
