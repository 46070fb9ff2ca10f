//! Who a peer is: cluster names and how they are carried in certificates.
//!
//! An agent's certificate names its cluster in a URI subject alternative name
//! `spiffe://convoy/cluster/<name>`. The hub takes the cluster identity only
//! from a certificate its CA verified, never from what a peer claims.

use std::fmt;
use std::path::{Path, PathBuf};
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::{FromDer, X509Certificate};

/// The URI prefix of an agent identity.
pub const SPIFFE_CLUSTER_PREFIX: &str = "spiffe://convoy/cluster/";

/// A cluster name: a DNS-1123 subdomain (lowercase letters, digits, `-` and
/// `.`, starting and ending alphanumeric, at most 253 characters), so it is
/// safe in URIs, file names and Kubernetes object names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClusterName(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    #[error(
        "invalid cluster name {0:?}: use lowercase letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters"
    )]
    InvalidName(String),
    #[error("certificate cannot be parsed: {0}")]
    BadCertificate(String),
    #[error("certificate carries no {SPIFFE_CLUSTER_PREFIX}<name> URI SAN")]
    NoClusterIdentity,
    #[error("certificate carries several cluster identities: {0:?}")]
    AmbiguousIdentity(Vec<String>),
}

impl ClusterName {
    pub fn new(name: impl Into<String>) -> Result<ClusterName, IdentityError> {
        let name = name.into();
        let bytes = name.as_bytes();
        let ok_char = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-' || *c == b'.';
        let alnum = |c: Option<&u8>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
        if bytes.is_empty()
            || bytes.len() > 253
            || !bytes.iter().all(ok_char)
            || !alnum(bytes.first())
            || !alnum(bytes.last())
        {
            return Err(IdentityError::InvalidName(name));
        }
        Ok(ClusterName(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The URI SAN that carries this identity in a certificate.
    pub fn spiffe_uri(&self) -> String {
        format!("{SPIFFE_CLUSTER_PREFIX}{}", self.0)
    }
}

impl fmt::Display for ClusterName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a verified agent certificate says about its holder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterIdentity {
    pub cluster: ClusterName,
    /// The certificate serial number, big-endian bytes as encoded.
    pub serial: Vec<u8>,
    /// Expiry, seconds since the Unix epoch.
    pub not_after: i64,
}

impl ClusterIdentity {
    /// Reads the identity from a DER certificate. Does not verify it.
    pub fn from_certificate_der(der: &[u8]) -> Result<ClusterIdentity, IdentityError> {
        let (_, cert) = X509Certificate::from_der(der).map_err(|e| IdentityError::BadCertificate(e.to_string()))?;
        let mut names = Vec::new();
        if let Ok(Some(san)) = cert.subject_alternative_name() {
            for gn in &san.value.general_names {
                if let GeneralName::URI(uri) = gn
                    && let Some(name) = uri.strip_prefix(SPIFFE_CLUSTER_PREFIX)
                {
                    names.push(name.to_string());
                }
            }
        }
        let name = match names.len() {
            0 => return Err(IdentityError::NoClusterIdentity),
            1 => names.remove(0),
            _ => return Err(IdentityError::AmbiguousIdentity(names)),
        };
        Ok(ClusterIdentity {
            cluster: ClusterName::new(name)?,
            serial: cert.raw_serial().to_vec(),
            not_after: cert.validity().not_after.timestamp(),
        })
    }

    pub fn serial_hex(&self) -> String {
        hex::encode(&self.serial)
    }
}

/// The files an agent runs with, as `convoy-hub certs issue-agent` writes
/// them (and, later, as `convoy-agent join` stores them): its key and
/// certificate, the CA it trusts for the hub's certificate, and the hub keys
/// it accepts bundles from.
#[derive(Debug, Clone)]
pub struct IdentityDir {
    root: PathBuf,
}

impl IdentityDir {
    pub fn new(root: impl Into<PathBuf>) -> IdentityDir {
        IdentityDir { root: root.into() }
    }
    pub fn root(&self) -> &Path {
        &self.root
    }
    pub fn cert(&self) -> PathBuf {
        self.root.join("agent.crt")
    }
    pub fn key(&self) -> PathBuf {
        self.root.join("agent.key")
    }
    pub fn ca_cert(&self) -> PathBuf {
        self.root.join("ca.crt")
    }
    pub fn trusted_keys(&self) -> PathBuf {
        self.root.join("trusted-keys.pem")
    }
    pub fn all(&self) -> Vec<PathBuf> {
        vec![self.cert(), self.key(), self.ca_cert(), self.trusted_keys()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_names_follow_dns_1123() {
        for good in ["a", "prod-eu-1", "edge.site-7", "0abc"] {
            assert!(ClusterName::new(good).is_ok(), "{good}");
        }
        for bad in ["", "-a", "a-", "Prod", "a_b", "a/b", "spiffe://x", &"a".repeat(254)] {
            assert!(ClusterName::new(bad).is_err(), "{bad}");
        }
    }
}
