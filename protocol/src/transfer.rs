//! Moving a signed bundle across a stream, in one frame or in chunks.
//!
//! Bundles can be far larger than one frame (100 MiB is a supported size), so
//! the sender encodes the [`SignedBundle`] once and, if it does not fit in a
//! frame, sends a [`BundleBegin`] announcing the total size followed by
//! [`BundleChunk`]s. [`BundleAssembler`] is the receiving state machine: it
//! checks the announced size against its own limit before reserving memory,
//! requires chunks in order, and checks the result against the announcement.

use crate::bundle::BundleDigest;
use crate::messages::Message;
use crate::signing::SignedBundle;
use serde::{Deserialize, Serialize};

/// Bytes of bundle data per chunk frame.
pub const DEFAULT_CHUNK_LEN: usize = 1024 * 1024;
/// The largest encoded bundle an agent accepts by default.
pub const DEFAULT_MAX_BUNDLE_LEN: u64 = 512 * 1024 * 1024;
/// Room left in a frame for the message envelope around a chunk or bundle.
const ENVELOPE_ALLOWANCE: usize = 256;

/// Announces a chunked bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleBegin {
    pub generation: u64,
    /// The digest of the bundle payload inside, as in [`SignedBundle::digest`].
    pub digest: BundleDigest,
    /// Length of the encoded [`SignedBundle`] that the chunks carry.
    pub total_len: u64,
    pub chunk_count: u32,
}

/// One piece of an encoded [`SignedBundle`].
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleChunk {
    pub index: u32,
    #[serde(with = "serde_bytes")]
    pub data: Vec<u8>,
}

impl std::fmt::Debug for BundleChunk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BundleChunk {{ index: {}, len: {} }}", self.index, self.data.len())
    }
}

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum TransferError {
    #[error("bundle of {len} bytes exceeds this agent's limit of {max} bytes")]
    TooLarge { len: u64, max: u64 },
    #[error("{0} message arrived before BundleBegin")]
    NotStarted(&'static str),
    #[error("BundleBegin arrived while a transfer was in progress")]
    AlreadyStarted,
    #[error("chunk {got} arrived, expected chunk {expected}")]
    OutOfOrder { expected: u32, got: u32 },
    #[error("chunks carry more than the announced {announced} bytes")]
    Overrun { announced: u64 },
    #[error("transfer ended after {received} of {announced} bytes")]
    Incomplete { received: u64, announced: u64 },
    #[error("reassembled bundle cannot be decoded: {0}")]
    Undecodable(String),
    #[error("reassembled bundle has digest {actual}, BundleBegin announced {announced}")]
    DigestMismatch { announced: BundleDigest, actual: BundleDigest },
    #[error("unexpected {0} message in a bundle transfer")]
    Unexpected(&'static str),
}

/// The frames that carry `signed`, given the receiver's frame limit.
pub fn bundle_messages(
    signed: &SignedBundle,
    max_frame_len: usize,
) -> Result<Vec<Message>, crate::bundle::EncodeError> {
    let encoded = signed.to_bytes()?;
    if encoded.len() + ENVELOPE_ALLOWANCE <= max_frame_len {
        return Ok(vec![Message::Bundle(signed.clone())]);
    }
    let chunk_len = DEFAULT_CHUNK_LEN.min(max_frame_len.saturating_sub(ENVELOPE_ALLOWANCE)).max(1);
    let chunks: Vec<Message> = encoded
        .chunks(chunk_len)
        .enumerate()
        .map(|(i, c)| Message::BundleChunk(BundleChunk { index: i as u32, data: c.to_vec() }))
        .collect();
    let mut out = Vec::with_capacity(chunks.len() + 1);
    out.push(Message::BundleBegin(BundleBegin {
        generation: generation_hint(signed),
        digest: signed.digest,
        total_len: encoded.len() as u64,
        chunk_count: chunks.len() as u32,
    }));
    out.extend(chunks);
    Ok(out)
}

/// The generation inside a signed payload, for progress reporting only: the
/// receiver trusts nothing in `BundleBegin` that it does not verify later.
fn generation_hint(signed: &SignedBundle) -> u64 {
    // `cluster` (a string) precedes `generation` in the encoding.
    postcard::take_from_bytes::<String>(&signed.payload)
        .and_then(|(_, rest)| postcard::take_from_bytes::<u64>(rest))
        .map(|(g, _)| g)
        .unwrap_or(0)
}

/// Receiver side of one bundle transfer.
#[derive(Debug)]
pub struct BundleAssembler {
    max_bundle_len: u64,
    state: State,
}

#[derive(Debug)]
enum State {
    Idle,
    Receiving { begin: BundleBegin, buf: Vec<u8>, next: u32 },
}

/// What the assembler wants next.
#[derive(Debug)]
pub enum Progress {
    /// More chunks are needed; `received` of `total` bytes so far.
    NeedMore { received: u64, total: u64 },
    /// The bundle is complete (still to be verified by the caller).
    Complete(SignedBundle),
}

impl BundleAssembler {
    pub fn new(max_bundle_len: u64) -> BundleAssembler {
        BundleAssembler { max_bundle_len, state: State::Idle }
    }

    /// Feeds one message of a bundle stream.
    pub fn accept(&mut self, message: Message) -> Result<Progress, TransferError> {
        match (message, &mut self.state) {
            (Message::Bundle(signed), State::Idle) => Ok(Progress::Complete(signed)),
            (Message::BundleBegin(begin), State::Idle) => {
                if begin.total_len > self.max_bundle_len {
                    return Err(TransferError::TooLarge { len: begin.total_len, max: self.max_bundle_len });
                }
                // Reserve at most one chunk's worth up front; the rest grows
                // only as data actually arrives.
                let initial = begin.total_len.min(DEFAULT_CHUNK_LEN as u64) as usize;
                let total = begin.total_len;
                self.state = State::Receiving { begin, buf: Vec::with_capacity(initial), next: 0 };
                self.progress_or_complete(0, total)
            }
            (Message::BundleBegin(_), State::Receiving { .. }) => Err(TransferError::AlreadyStarted),
            (Message::BundleChunk(_), State::Idle) => Err(TransferError::NotStarted("BundleChunk")),
            (Message::BundleChunk(chunk), State::Receiving { begin, buf, next }) => {
                if chunk.index != *next {
                    return Err(TransferError::OutOfOrder { expected: *next, got: chunk.index });
                }
                let received = buf.len() as u64 + chunk.data.len() as u64;
                if received > begin.total_len {
                    return Err(TransferError::Overrun { announced: begin.total_len });
                }
                buf.extend_from_slice(&chunk.data);
                *next += 1;
                let total = begin.total_len;
                self.progress_or_complete(received, total)
            }
            (other, _) => Err(TransferError::Unexpected(other.kind())),
        }
    }

    /// Called when the stream ends: an error unless nothing is pending.
    pub fn finish(&self) -> Result<(), TransferError> {
        match &self.state {
            State::Idle => Ok(()),
            State::Receiving { begin, buf, .. } => {
                Err(TransferError::Incomplete { received: buf.len() as u64, announced: begin.total_len })
            }
        }
    }

    fn progress_or_complete(&mut self, received: u64, total: u64) -> Result<Progress, TransferError> {
        if received < total {
            return Ok(Progress::NeedMore { received, total });
        }
        let State::Receiving { begin, buf, .. } = std::mem::replace(&mut self.state, State::Idle) else {
            unreachable!("progress_or_complete is only called while receiving");
        };
        let signed = SignedBundle::from_bytes(&buf).map_err(|e| TransferError::Undecodable(e.to_string()))?;
        if signed.digest != begin.digest {
            return Err(TransferError::DigestMismatch { announced: begin.digest, actual: signed.digest });
        }
        Ok(Progress::Complete(signed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::{AppBundle, Bundle, Manifest};
    use crate::messages::Heartbeat;
    use crate::signing::BundleSigner;

    fn signed_of_size(approx: usize) -> SignedBundle {
        let bundle = Bundle {
            cluster: "c".into(),
            generation: 77,
            source_revision: "r".into(),
            created_at_ms: 0,
            apps: vec![AppBundle {
                name: "big".into(),
                manifests: vec![Manifest { json: "x".repeat(approx), ..Default::default() }],
                ..Default::default()
            }],
        };
        BundleSigner::generate().sign(&bundle).unwrap()
    }

    fn assemble(messages: Vec<Message>, max: u64) -> Result<SignedBundle, TransferError> {
        let mut a = BundleAssembler::new(max);
        for m in messages {
            if let Progress::Complete(s) = a.accept(m)? {
                return Ok(s);
            }
        }
        a.finish()?;
        panic!("no bundle");
    }

    #[test]
    fn small_bundle_goes_in_one_frame() {
        let s = signed_of_size(100);
        let msgs = bundle_messages(&s, 1 << 20).unwrap();
        assert_eq!(msgs.len(), 1);
        assert_eq!(assemble(msgs, 1 << 20).unwrap(), s);
    }

    #[test]
    fn large_bundle_is_chunked_and_reassembled() {
        let s = signed_of_size(10_000);
        let msgs = bundle_messages(&s, 1024).unwrap();
        assert!(msgs.len() > 10);
        let Message::BundleBegin(begin) = &msgs[0] else { panic!("no begin") };
        assert_eq!(begin.generation, 77);
        assert_eq!(assemble(msgs, 1 << 20).unwrap(), s);
    }

    #[test]
    fn limits_and_order_are_enforced() {
        let s = signed_of_size(10_000);
        let msgs = bundle_messages(&s, 1024).unwrap();
        assert!(matches!(assemble(msgs.clone(), 100), Err(TransferError::TooLarge { .. })));

        let mut swapped = msgs.clone();
        swapped.swap(1, 2);
        assert!(matches!(assemble(swapped, 1 << 20), Err(TransferError::OutOfOrder { expected: 0, got: 1 })));

        let mut cut = msgs.clone();
        cut.pop();
        assert!(matches!(assemble(cut, 1 << 20), Err(TransferError::Incomplete { .. })));

        let mut lying = msgs.clone();
        if let Message::BundleBegin(b) = &mut lying[0] {
            b.digest = crate::bundle::BundleDigest([9; 32]);
        }
        assert!(matches!(assemble(lying, 1 << 20), Err(TransferError::DigestMismatch { .. })));

        let mut a = BundleAssembler::new(1 << 20);
        assert!(matches!(
            a.accept(Message::Heartbeat(Heartbeat { sent_at_ms: 0 })),
            Err(TransferError::Unexpected("Heartbeat"))
        ));
        assert!(matches!(a.accept(msgs[1].clone()), Err(TransferError::NotStarted(_))));
    }
}
