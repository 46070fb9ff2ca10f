//! Protocol versions and their negotiation.
//!
//! Within one major version the wire types are frozen: postcard is not
//! self-describing, so a field added to a struct would shift every byte after
//! it. New behaviour within a major version is therefore added only as new
//! [`Message`](crate::Message) variants at the end of the enum, sent only to a
//! peer that advertised the matching capability in its `Hello`. Anything else
//! needs a new major version, which the hub rejects with a clear message.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The ALPN protocol id both ends require on the QUIC handshake.
pub const ALPN: &[u8] = b"convoy/1";

/// The version this build speaks.
pub const PROTOCOL_VERSION: ProtocolVersion = ProtocolVersion { major: 1, minor: 0 };

/// A protocol version: peers with the same `major` interoperate; `minor`
/// tells which optional messages a peer may understand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ProtocolVersion {
    pub major: u16,
    pub minor: u16,
}

impl ProtocolVersion {
    /// Whether a peer speaking `other` can talk to us.
    pub fn is_compatible_with(self, other: ProtocolVersion) -> bool {
        self.major == other.major
    }
}

impl fmt::Display for ProtocolVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// Capabilities an agent advertises in its `Hello`. Unknown names are
/// ignored by the hub, so agents can be upgraded before the hub.
pub mod capability {
    /// The agent reassembles bundles sent as `BundleBegin`/`BundleChunk` frames.
    pub const CHUNKED_BUNDLES: &str = "chunked-bundles";
    /// The agent sends `StatusReport` messages.
    pub const STATUS_REPORTS: &str = "status-reports";
}
