//! The messages hub and agent exchange, one per frame.
//!
//! A session runs on one QUIC connection that the agent dials:
//! - the agent opens a bidirectional *control stream* and sends [`Hello`];
//!   the hub answers [`Welcome`] or [`Reject`] and both then exchange
//!   [`Heartbeat`], [`Ack`], [`StatusReport`] and finally [`Goodbye`] on it;
//! - the hub opens one bidirectional stream per bundle delivery and sends
//!   either [`Message::Bundle`] or, for bundles larger than a frame,
//!   [`Message::BundleBegin`] followed by [`Message::BundleChunk`]s; the agent
//!   answers with one [`Ack`] on the same stream.
//!
//! The first three variants (`Hello`, `Welcome`, `Reject`) and the leading
//! `protocol` field of [`Hello`] are frozen across major versions so that a
//! hub can always read a newer or older agent's version and reject it with a
//! message the agent understands (see [`peek_hello_version`]).

use crate::bundle::BundleDigest;
use crate::signing::SignedBundle;
use crate::status::StatusReport;
use crate::transfer::{BundleBegin, BundleChunk};
use crate::version::ProtocolVersion;
use serde::{Deserialize, Serialize};
use std::fmt;

/// One protocol message. Variant order is part of the wire format.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Message {
    Hello(Hello),
    Welcome(Welcome),
    Reject(Reject),
    Bundle(SignedBundle),
    BundleBegin(BundleBegin),
    BundleChunk(BundleChunk),
    Ack(Ack),
    StatusReport(StatusReport),
    Heartbeat(Heartbeat),
    Goodbye(Goodbye),
}

impl Message {
    /// A short name for logs and error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Message::Hello(_) => "Hello",
            Message::Welcome(_) => "Welcome",
            Message::Reject(_) => "Reject",
            Message::Bundle(_) => "Bundle",
            Message::BundleBegin(_) => "BundleBegin",
            Message::BundleChunk(_) => "BundleChunk",
            Message::Ack(_) => "Ack",
            Message::StatusReport(_) => "StatusReport",
            Message::Heartbeat(_) => "Heartbeat",
            Message::Goodbye(_) => "Goodbye",
        }
    }
}

/// Agent → hub, first message on the control stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    /// Must stay the first field: see [`peek_hello_version`].
    pub protocol: ProtocolVersion,
    /// The cluster the agent believes it is; must match its certificate.
    pub cluster: String,
    /// The agent's build version, for the hub's inventory.
    pub agent_version: String,
    /// The last bundle the agent applied, so the hub resends only what is newer.
    pub last_applied: Option<AppliedBundle>,
    /// Optional features the agent understands (see `version::capability`).
    pub capabilities: Vec<String>,
}

/// A bundle generation together with its digest; two bundles with the same
/// generation but different digests are never the same bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AppliedBundle {
    pub generation: u64,
    pub digest: BundleDigest,
}

/// Hub → agent: the session is accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Welcome {
    pub protocol: ProtocolVersion,
    pub hub_version: String,
    /// The cluster name the hub read from the agent's certificate.
    pub cluster: String,
    /// How often each side should send a heartbeat on the control stream.
    pub heartbeat_interval_ms: u64,
    /// The largest frame the hub accepts from this agent.
    pub max_frame_len: u32,
}

/// Hub → agent: the session is refused; the agent should not retry quickly
/// for codes a retry cannot fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reject {
    pub code: RejectCode,
    /// What happened and what the operator can do about it.
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RejectCode {
    UnsupportedVersion,
    IdentityMismatch,
    Revoked,
    UnknownCluster,
    ProtocolViolation,
    Internal,
}

impl RejectCode {
    /// Whether reconnecting later can succeed without operator action.
    pub fn is_retryable(self) -> bool {
        matches!(self, RejectCode::Internal | RejectCode::UnknownCluster)
    }
}

impl fmt::Display for RejectCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            RejectCode::UnsupportedVersion => "unsupported protocol version",
            RejectCode::IdentityMismatch => "identity mismatch",
            RejectCode::Revoked => "certificate revoked",
            RejectCode::UnknownCluster => "unknown cluster",
            RejectCode::ProtocolViolation => "protocol violation",
            RejectCode::Internal => "internal hub error",
        };
        f.write_str(s)
    }
}

/// Agent → hub: what became of a delivered bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ack {
    pub generation: u64,
    pub digest: BundleDigest,
    pub outcome: AckOutcome,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AckOutcome {
    /// Verified and persisted; applying follows.
    Stored,
    /// Applied to the cluster.
    Applied,
    /// Refused; the agent keeps its previous bundle.
    Rejected { reason: String },
}

/// Either side, on the control stream, so idle sessions are noticed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Heartbeat {
    /// Sender's wall clock, milliseconds since the Unix epoch.
    pub sent_at_ms: u64,
}

/// Either side: the session ends on purpose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Goodbye {
    pub reason: String,
}

/// QUIC application close codes, so the side that did not close can tell why.
pub mod close {
    /// Orderly shutdown (hub restart, agent stop).
    pub const SHUTDOWN: u32 = 0;
    /// The hub sent `Reject`; its reason was on the control stream.
    pub const REJECTED: u32 = 1;
    /// A peer broke the protocol (bad frame, unexpected message).
    pub const PROTOCOL_ERROR: u32 = 2;
    /// A newer connection of the same cluster replaced this one.
    pub const SUPERSEDED: u32 = 3;
    /// The agent's certificate was revoked while it was connected.
    pub const REVOKED: u32 = 4;

    /// A word for a close code, for error messages.
    pub fn describe(code: u64) -> &'static str {
        match code {
            0 => "shut down",
            1 => "rejected",
            2 => "protocol error",
            3 => "superseded by a newer connection",
            4 => "certificate revoked",
            _ => "unknown reason",
        }
    }
}

/// Reads the protocol version from an encoded `Hello` without decoding the
/// rest, so a peer from another major version can be rejected by name even
/// when the remainder of its `Hello` has a different layout.
/// Returns `None` when the bytes are not a `Hello`.
pub fn peek_hello_version(encoded_message: &[u8]) -> Option<ProtocolVersion> {
    let (variant, rest) = postcard::take_from_bytes::<u32>(encoded_message).ok()?;
    if variant != 0 {
        return None;
    }
    postcard::take_from_bytes::<ProtocolVersion>(rest).ok().map(|(v, _)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_version_can_be_read_across_majors() {
        let hello = Message::Hello(Hello {
            protocol: ProtocolVersion { major: 7, minor: 3 },
            cluster: "edge-1".into(),
            agent_version: "9.9.9".into(),
            last_applied: None,
            capabilities: vec![],
        });
        let bytes = postcard::to_stdvec(&hello).unwrap();
        assert_eq!(peek_hello_version(&bytes), Some(ProtocolVersion { major: 7, minor: 3 }));
        let hb = postcard::to_stdvec(&Message::Heartbeat(Heartbeat { sent_at_ms: 1 })).unwrap();
        assert_eq!(peek_hello_version(&hb), None);
    }

    #[test]
    fn only_transient_rejects_are_retryable() {
        assert!(RejectCode::Internal.is_retryable());
        assert!(!RejectCode::Revoked.is_retryable());
        assert!(!RejectCode::UnsupportedVersion.is_retryable());
    }
}
