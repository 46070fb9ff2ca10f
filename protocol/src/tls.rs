//! rustls configurations for the hub's and the agents' ends of the QUIC
//! connection: TLS 1.3 only, ring as the crypto provider, ALPN `convoy/1`,
//! and mandatory client certificates from the convoy CA on the hub.
//!
//! The hub's client verifier wraps webpki's with two more checks: the
//! certificate must carry a cluster identity, and a [`RevocationCheck`]
//! (backed by the hub's revocation list) must accept it. Because the check is
//! consulted on every handshake, a revocation takes effect without a restart.

use crate::identity::ClusterIdentity;
use crate::version::ALPN;
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{CryptoProvider, ring};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, UnixTime};
use rustls::server::WebPkiClientVerifier;
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, RootCertStore, SignatureScheme};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read {what} from {path}: {detail}")]
    Pem { what: &'static str, path: PathBuf, detail: String },
    #[error("{path} holds no {what}")]
    Empty { what: &'static str, path: PathBuf },
    #[error("TLS configuration rejected: {0}")]
    Config(#[from] rustls::Error),
    #[error("client verifier: {0}")]
    Verifier(String),
}

/// Decides whether a CA-verified agent certificate may still be used.
pub trait RevocationCheck: Send + Sync + fmt::Debug {
    /// `Err(reason)` refuses the certificate.
    fn check(&self, identity: &ClusterIdentity) -> Result<(), String>;
}

/// A revocation check that accepts everything, for agents' tests and tools.
#[derive(Debug, Default)]
pub struct NoRevocation;

impl RevocationCheck for NoRevocation {
    fn check(&self, _identity: &ClusterIdentity) -> Result<(), String> {
        Ok(())
    }
}

/// The crypto provider both ends use.
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(ring::default_provider())
}

/// Reads all certificates of a PEM file.
pub fn load_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let pem_err = |detail: String| TlsError::Pem { what: "certificates", path: path.to_owned(), detail };
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| pem_err(e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| pem_err(e.to_string()))?;
    if certs.is_empty() {
        return Err(TlsError::Empty { what: "certificate", path: path.to_owned() });
    }
    Ok(certs)
}

/// Reads the private key of a PEM file.
pub fn load_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    PrivateKeyDer::from_pem_file(path).map_err(|e| TlsError::Pem {
        what: "private key",
        path: path.to_owned(),
        detail: e.to_string(),
    })
}

fn root_store(ca_certs: &[CertificateDer<'static>]) -> Result<RootCertStore, TlsError> {
    let mut roots = RootCertStore::empty();
    for ca in ca_certs {
        roots.add(ca.clone())?;
    }
    Ok(roots)
}

/// The hub's server configuration.
pub fn server_config(
    ca_certs: &[CertificateDer<'static>],
    cert_chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    revocation: Arc<dyn RevocationCheck>,
) -> Result<rustls::ServerConfig, TlsError> {
    let provider = provider();
    let inner = WebPkiClientVerifier::builder_with_provider(Arc::new(root_store(ca_certs)?), provider.clone())
        .build()
        .map_err(|e| TlsError::Verifier(e.to_string()))?;
    let verifier = Arc::new(AgentCertVerifier { inner, revocation });
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .with_client_cert_verifier(verifier)
        .with_single_cert(cert_chain, key)?;
    config.alpn_protocols = vec![ALPN.to_vec()];
    Ok(config)
}

/// An agent's client configuration: trusts only the convoy CA and presents
/// the agent's certificate.
pub fn client_config(
    ca_certs: &[CertificateDer<'static>],
    cert_chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<rustls::ClientConfig, TlsError> {
    let mut config = rustls::ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .with_root_certificates(root_store(ca_certs)?)
        .with_client_auth_cert(cert_chain, key)?;
    config.alpn_protocols = vec![ALPN.to_vec()];
    Ok(config)
}

/// A client configuration without a client certificate. The hub refuses it;
/// it exists so that refusal can be tested and reported.
pub fn anonymous_client_config(ca_certs: &[CertificateDer<'static>]) -> Result<rustls::ClientConfig, TlsError> {
    let mut config = rustls::ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .with_root_certificates(root_store(ca_certs)?)
        .with_no_client_auth();
    config.alpn_protocols = vec![ALPN.to_vec()];
    Ok(config)
}

struct AgentCertVerifier {
    inner: Arc<dyn ClientCertVerifier>,
    revocation: Arc<dyn RevocationCheck>,
}

impl fmt::Debug for AgentCertVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AgentCertVerifier").field("revocation", &self.revocation).finish()
    }
}

impl ClientCertVerifier for AgentCertVerifier {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        true
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.inner.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        let verified = self.inner.verify_client_cert(end_entity, intermediates, now)?;
        let identity = ClusterIdentity::from_certificate_der(end_entity).map_err(|e| {
            tracing::warn!(error = %e, "refusing agent certificate without a usable identity");
            rustls::Error::InvalidCertificate(CertificateError::ApplicationVerificationFailure)
        })?;
        if let Err(reason) = self.revocation.check(&identity) {
            tracing::warn!(cluster = %identity.cluster, serial = %identity.serial_hex(), %reason, "refusing revoked agent certificate");
            return Err(rustls::Error::InvalidCertificate(CertificateError::Revoked));
        }
        Ok(verified)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// Reads the cluster identity of the peer of an established connection from
/// its DER certificate chain (end entity first).
pub fn peer_identity(chain: &[CertificateDer<'_>]) -> Option<ClusterIdentity> {
    chain.first().and_then(|c| ClusterIdentity::from_certificate_der(c).ok())
}
