//! Loading the agent's identity directory: certificate, key, the CA that
//! vouches for the hub, and the hub keys bundles must be signed with.

use convoy_protocol::identity::{ClusterIdentity, IdentityDir};
use convoy_protocol::tls::{TlsError, load_certs, load_key};
use convoy_protocol::{ClusterName, TrustedKeys};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::path::PathBuf;

/// Everything the agent needs to dial the hub and check what it sends.
pub struct AgentIdentity {
    pub cluster: ClusterName,
    pub ca_certs: Vec<CertificateDer<'static>>,
    pub cert_chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
    pub trusted_keys: TrustedKeys,
    /// Certificate expiry, seconds since the Unix epoch.
    pub not_after: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error(transparent)]
    Tls(#[from] TlsError),
    #[error("{path}: {detail}")]
    File { path: PathBuf, detail: String },
}

impl AgentIdentity {
    pub fn load(dir: &IdentityDir) -> Result<AgentIdentity, IdentityError> {
        let cert_chain = load_certs(&dir.cert())?;
        let file_err = |path: PathBuf| move |detail: String| IdentityError::File { path, detail };
        let id =
            ClusterIdentity::from_certificate_der(&cert_chain[0]).map_err(|e| file_err(dir.cert())(e.to_string()))?;
        let keys_pem =
            std::fs::read_to_string(dir.trusted_keys()).map_err(|e| file_err(dir.trusted_keys())(e.to_string()))?;
        let mut trusted_keys = TrustedKeys::new();
        trusted_keys.add_pem(&keys_pem).map_err(|e| file_err(dir.trusted_keys())(e.to_string()))?;
        Ok(AgentIdentity {
            cluster: id.cluster,
            ca_certs: load_certs(&dir.ca_cert())?,
            cert_chain,
            key: load_key(&dir.key())?,
            trusted_keys,
            not_after: id.not_after,
        })
    }
}
