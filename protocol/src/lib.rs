//! The convoy wire protocol, shared by the hub and its agents.
//!
//! Everything here is sans-IO apart from the thin async helpers in
//! [`frame::io`]: message types ([`messages`]), length-prefixed postcard
//! framing ([`frame`]), chunked transfer of large bundles ([`transfer`]),
//! the bundle format ([`bundle`]) with its ed25519 signatures ([`signing`]),
//! the cluster identity carried in certificates ([`identity`]) and the rustls
//! configurations both ends use for mutually authenticated QUIC ([`tls`]).

pub mod bundle;
pub mod frame;
pub mod identity;
pub mod messages;
pub mod signing;
pub mod status;
pub mod tls;
pub mod transfer;
pub mod version;

pub use bundle::{AppBundle, Bundle, BundleDigest, Manifest, SyncPolicy};
pub use identity::{ClusterIdentity, ClusterName, IdentityDir};
pub use messages::Message;
pub use signing::{BundleSigner, KeyId, SignedBundle, TrustedKeys, VerifiedBundle, VerifyError};
pub use version::{ALPN, PROTOCOL_VERSION, ProtocolVersion};
