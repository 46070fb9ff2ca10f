//! convoy's certificate authority.
//!
//! - [`authority`]: the CA itself, issuing the hub's server certificate and
//!   agents' client certificates (identity `spiffe://convoy/cluster/<name>`).
//! - [`layout`]: the files a CA directory holds and how they are written
//!   (atomically, keys with mode 0600, never overwritten by accident).
//! - [`ledger`]: the redb record of every certificate issued and revoked.
//! - [`revocation`]: the hub's live view of that ledger, consulted on every
//!   TLS handshake so a revocation takes effect without a restart.

pub mod authority;
pub mod layout;
pub mod ledger;
pub mod revocation;

pub use authority::{CertificateAuthority, IssuedCertificate, Validity};
pub use layout::CaDir;
pub use ledger::Ledger;
pub use revocation::LedgerRevocationCheck;

/// Everything that can go wrong in this crate, with the file or name involved.
#[derive(Debug, thiserror::Error)]
pub enum CertsError {
    #[error("certificate generation failed: {0}")]
    Generate(#[from] rcgen::Error),
    #[error("{path}: {source}")]
    Io { path: std::path::PathBuf, source: std::io::Error },
    #[error("{path} already exists; pass --force to overwrite")]
    Exists { path: std::path::PathBuf },
    #[error("{path}: {detail}")]
    Invalid { path: std::path::PathBuf, detail: String },
    #[error("{0}")]
    Identity(#[from] convoy_protocol::identity::IdentityError),
    #[error("ledger {path}: {detail}")]
    Ledger { path: std::path::PathBuf, detail: String },
    #[error("invalid certificate signing request: {0}")]
    Csr(String),
}
