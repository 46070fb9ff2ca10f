//! The files of a CA directory and of an agent identity directory.
//!
//! Every file is written atomically (temporary file, fsync, rename) so a crash
//! never leaves half a key behind; private keys are created with mode 0600
//! from the start rather than chmod-ed afterwards.

use crate::CertsError;
use crate::authority::{CertificateAuthority, IssuedCertificate, Validity};
use crate::ledger::{IssuedRecord, Ledger, Role};
use convoy_protocol::identity::IdentityDir;
use convoy_protocol::{BundleSigner, ClusterName};
use std::fs;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// A hub's CA directory, as made by `convoy-hub certs init`.
#[derive(Debug, Clone)]
pub struct CaDir {
    root: PathBuf,
}

/// What `init` wrote.
#[derive(Debug)]
pub struct InitReport {
    pub written: Vec<PathBuf>,
    pub hub_names: Vec<String>,
    pub signing_key_id: String,
}

impl CaDir {
    pub fn new(root: impl Into<PathBuf>) -> CaDir {
        CaDir { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }
    pub fn ca_cert(&self) -> PathBuf {
        self.root.join("ca.crt")
    }
    pub fn ca_key(&self) -> PathBuf {
        self.root.join("ca.key")
    }
    pub fn hub_cert(&self) -> PathBuf {
        self.root.join("hub.crt")
    }
    pub fn hub_key(&self) -> PathBuf {
        self.root.join("hub.key")
    }
    pub fn signing_key(&self) -> PathBuf {
        self.root.join("bundle-signing.key")
    }
    pub fn signing_pub(&self) -> PathBuf {
        self.root.join("bundle-signing.pub")
    }
    pub fn ledger(&self) -> PathBuf {
        self.root.join("ledger.redb")
    }

    /// Creates the CA, the hub's server certificate for `hub_names` and the
    /// bundle signing key pair. Refuses to replace existing files unless
    /// `force`.
    pub fn init(&self, hub_names: &[String], force: bool) -> Result<InitReport, CertsError> {
        let outputs =
            [self.ca_cert(), self.ca_key(), self.hub_cert(), self.hub_key(), self.signing_key(), self.signing_pub()];
        if !force && let Some(existing) = outputs.iter().find(|p| p.exists()) {
            return Err(CertsError::Exists { path: existing.clone() });
        }
        fs::create_dir_all(&self.root).map_err(|source| CertsError::Io { path: self.root.clone(), source })?;
        let ca = CertificateAuthority::generate("convoy CA")?;
        let hub = ca.issue_server(hub_names, Validity::days_from_now(825))?;
        let signer = BundleSigner::generate();
        let key_err = |path: PathBuf| {
            move |e: convoy_protocol::signing::KeyError| CertsError::Invalid { path, detail: e.to_string() }
        };
        let signing_pem = signer.to_pkcs8_pem().map_err(key_err(self.signing_key()))?;
        let public_pem = signer.public_key_pem().map_err(key_err(self.signing_pub()))?;

        write_atomic(&self.ca_key(), ca.key_pem().as_bytes(), 0o600)?;
        write_atomic(&self.ca_cert(), ca.cert_pem().as_bytes(), 0o644)?;
        write_atomic(&self.hub_key(), hub.key_pem.as_deref().unwrap_or_default().as_bytes(), 0o600)?;
        write_atomic(&self.hub_cert(), hub.cert_pem.as_bytes(), 0o644)?;
        write_atomic(&self.signing_key(), signing_pem.as_bytes(), 0o600)?;
        write_atomic(&self.signing_pub(), public_pem.as_bytes(), 0o644)?;
        Ledger::open(&self.ledger())?
            .record_issued(&hub.serial_hex, &IssuedRecord::new(hub_names.join(","), Role::Hub, hub.not_after))?;
        Ok(InitReport {
            written: outputs.to_vec(),
            hub_names: hub_names.to_vec(),
            signing_key_id: signer.key_id().to_string(),
        })
    }

    pub fn load_ca(&self) -> Result<CertificateAuthority, CertsError> {
        let cert = read_text(&self.ca_cert())?;
        let key = read_text(&self.ca_key())?;
        CertificateAuthority::from_pem(&cert, &key)
            .map_err(|e| CertsError::Invalid { path: self.ca_key(), detail: e.to_string() })
    }

    pub fn load_signer(&self) -> Result<BundleSigner, CertsError> {
        let pem = read_text(&self.signing_key())?;
        BundleSigner::from_pkcs8_pem(&pem)
            .map_err(|e| CertsError::Invalid { path: self.signing_key(), detail: e.to_string() })
    }

    /// Issues an agent certificate for `cluster`, records it in the ledger
    /// and writes everything the agent needs into `out`.
    pub fn issue_agent(
        &self,
        cluster: &ClusterName,
        validity: Validity,
        out: &Path,
        force: bool,
    ) -> Result<IssuedCertificate, CertsError> {
        let files = IdentityDir::new(out);
        if !force && let Some(existing) = files.all().into_iter().find(|p| p.exists()) {
            return Err(CertsError::Exists { path: existing });
        }
        let ca = self.load_ca()?;
        let signing_pub = read_text(&self.signing_pub())?;
        let issued = ca.issue_agent(cluster, validity)?;
        Ledger::open(&self.ledger())?.record_issued(
            &issued.serial_hex,
            &IssuedRecord::new(cluster.to_string(), Role::Agent, issued.not_after),
        )?;
        fs::create_dir_all(out).map_err(|source| CertsError::Io { path: out.to_owned(), source })?;
        write_atomic(&files.key(), issued.key_pem.as_deref().unwrap_or_default().as_bytes(), 0o600)?;
        write_atomic(&files.cert(), issued.cert_pem.as_bytes(), 0o644)?;
        write_atomic(&files.ca_cert(), ca.cert_pem().as_bytes(), 0o644)?;
        write_atomic(&files.trusted_keys(), signing_pub.as_bytes(), 0o644)?;
        Ok(issued)
    }

    /// Revokes every unrevoked agent certificate issued to `cluster`;
    /// returns their serials (empty if there were none).
    pub fn revoke(&self, cluster: &ClusterName) -> Result<Vec<String>, CertsError> {
        Ledger::open(&self.ledger())?.revoke_subject(cluster.as_str())
    }
}

/// Reads a UTF-8 file, naming it in the error.
pub fn read_text(path: &Path) -> Result<String, CertsError> {
    fs::read_to_string(path).map_err(|source| CertsError::Io { path: path.to_owned(), source })
}

/// Writes `contents` to `path` atomically with the given mode.
pub fn write_atomic(path: &Path, contents: &[u8], mode: u32) -> Result<(), CertsError> {
    let io = |source| CertsError::Io { path: path.to_owned(), source };
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = fs::OpenOptions::new().write(true).create(true).truncate(true).mode(mode).open(&tmp)?;
        f.write_all(contents)?;
        f.sync_all()?;
        fs::rename(&tmp, path)?;
        fs::File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn init_writes_keys_private_and_refuses_to_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let ca = CaDir::new(dir.path().join("ca"));
        let names = vec!["hub.example".to_string(), "127.0.0.1".to_string()];
        ca.init(&names, false).unwrap();
        for key in [ca.ca_key(), ca.hub_key(), ca.signing_key()] {
            let mode = fs::metadata(&key).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{}", key.display());
        }
        let before = fs::read(ca.ca_key()).unwrap();
        assert!(matches!(ca.init(&names, false), Err(CertsError::Exists { .. })));
        assert_eq!(fs::read(ca.ca_key()).unwrap(), before, "refused init must not touch files");
        ca.init(&names, true).unwrap();
        assert_ne!(fs::read(ca.ca_key()).unwrap(), before);
    }

    #[test]
    fn agent_identity_is_issued_and_revoked_through_the_ledger() {
        let dir = tempfile::tempdir().unwrap();
        let ca = CaDir::new(dir.path().join("ca"));
        ca.init(&["localhost".to_string()], false).unwrap();
        let cluster = ClusterName::new("prod-1").unwrap();
        let out = dir.path().join("agent");
        let issued = ca.issue_agent(&cluster, Validity::days_from_now(90), &out, false).unwrap();
        let mode = fs::metadata(out.join("agent.key")).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert!(matches!(
            ca.issue_agent(&cluster, Validity::days_from_now(90), &out, false),
            Err(CertsError::Exists { .. })
        ));
        assert_eq!(ca.revoke(&cluster).unwrap(), vec![issued.serial_hex.clone()]);
        assert!(ca.revoke(&cluster).unwrap().is_empty(), "second revoke finds nothing new");
        assert!(Ledger::read_revoked(&ca.ledger()).unwrap().contains(&issued.serial_hex));
    }
}
