//! Length-prefixed postcard frames.
//!
//! A frame is a 4-byte big-endian length followed by that many bytes of one
//! postcard-encoded [`Message`]. The length is checked against the receiver's
//! maximum *before* anything is buffered for it, so a hostile peer cannot make
//! us allocate what it merely claims. [`FrameDecoder`] is the sans-IO core;
//! [`io`] wraps it for async streams.

pub mod io;

use crate::messages::Message;

/// Bytes in the length prefix.
pub const HEADER_LEN: usize = 4;
/// The default largest frame body; bundles above it travel in chunks.
pub const DEFAULT_MAX_FRAME_LEN: usize = 16 * 1024 * 1024;

/// What was wrong with a frame. Every variant names the offending sizes or
/// the decoder's complaint, so a protocol error can be reported as is.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("frame of {len} bytes exceeds the maximum of {max} bytes")]
    Oversized { len: usize, max: usize },
    #[error("stream ended inside a frame: expected {expected} bytes, got {received}")]
    Truncated { expected: usize, received: usize },
    #[error("undecodable {len}-byte frame: {source}")]
    Undecodable { len: usize, source: postcard::Error },
    #[error("cannot encode {kind} message: {source}")]
    Unencodable { kind: &'static str, source: postcard::Error },
    #[error("i/o error on stream: {0}")]
    Io(#[from] std::io::Error),
}

/// Encodes one message as a complete frame (header and body).
pub fn encode(message: &Message, max_len: usize) -> Result<Vec<u8>, FrameError> {
    let mut out = vec![0u8; HEADER_LEN];
    let mut out = postcard::to_extend(message, std::mem::take(&mut out))
        .map_err(|source| FrameError::Unencodable { kind: message.kind(), source })?;
    let len = out.len() - HEADER_LEN;
    if len > max_len {
        return Err(FrameError::Oversized { len, max: max_len });
    }
    out[..HEADER_LEN].copy_from_slice(&(len as u32).to_be_bytes());
    Ok(out)
}

/// Decodes a frame body.
pub fn decode_body(body: &[u8]) -> Result<Message, FrameError> {
    postcard::from_bytes(body).map_err(|source| FrameError::Undecodable { len: body.len(), source })
}

/// Reads a frame header, checking the announced length against `max_len`.
pub fn body_len(header: [u8; HEADER_LEN], max_len: usize) -> Result<usize, FrameError> {
    let len = u32::from_be_bytes(header) as usize;
    if len > max_len {
        return Err(FrameError::Oversized { len, max: max_len });
    }
    Ok(len)
}

/// Turns a byte stream, fed in arbitrary pieces, into messages.
#[derive(Debug)]
pub struct FrameDecoder {
    buf: Vec<u8>,
    max_len: usize,
}

impl FrameDecoder {
    pub fn new(max_len: usize) -> FrameDecoder {
        FrameDecoder { buf: Vec::new(), max_len }
    }

    /// Appends received bytes.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// The next complete message, `Ok(None)` if more bytes are needed.
    /// After an error the stream is unusable and must be closed.
    pub fn next_message(&mut self) -> Result<Option<Message>, FrameError> {
        let Some(header) = self.buf.first_chunk::<HEADER_LEN>() else {
            return Ok(None);
        };
        let len = body_len(*header, self.max_len)?;
        if self.buf.len() < HEADER_LEN + len {
            return Ok(None);
        }
        let message = decode_body(&self.buf[HEADER_LEN..HEADER_LEN + len]);
        self.buf.drain(..HEADER_LEN + len);
        message.map(Some)
    }

    /// Called at end of stream: an error if a frame was cut off.
    pub fn finish(&self) -> Result<(), FrameError> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let expected = match self.buf.first_chunk::<HEADER_LEN>() {
            Some(h) => HEADER_LEN + u32::from_be_bytes(*h) as usize,
            None => HEADER_LEN,
        };
        Err(FrameError::Truncated { expected, received: self.buf.len() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages::{Goodbye, Heartbeat};

    #[test]
    fn frames_survive_arbitrary_splits() {
        let msgs =
            vec![Message::Heartbeat(Heartbeat { sent_at_ms: 42 }), Message::Goodbye(Goodbye { reason: "done".into() })];
        let mut wire = Vec::new();
        for m in &msgs {
            wire.extend(encode(m, DEFAULT_MAX_FRAME_LEN).unwrap());
        }
        for split in 0..wire.len() {
            let mut d = FrameDecoder::new(DEFAULT_MAX_FRAME_LEN);
            let mut got = Vec::new();
            for piece in [&wire[..split], &wire[split..]] {
                d.push(piece);
                while let Some(m) = d.next_message().unwrap() {
                    got.push(m);
                }
            }
            d.finish().unwrap();
            assert_eq!(got, msgs);
        }
    }

    #[test]
    fn oversized_header_is_refused_before_buffering() {
        let mut d = FrameDecoder::new(1024);
        d.push(&u32::MAX.to_be_bytes());
        let err = d.next_message().unwrap_err();
        assert!(matches!(err, FrameError::Oversized { len, max: 1024 } if len == u32::MAX as usize));
    }

    #[test]
    fn truncated_frame_is_reported_at_end_of_stream() {
        let frame = encode(&Message::Heartbeat(Heartbeat { sent_at_ms: 1 }), 1024).unwrap();
        let mut d = FrameDecoder::new(1024);
        d.push(&frame[..frame.len() - 1]);
        assert!(d.next_message().unwrap().is_none());
        assert!(matches!(d.finish(), Err(FrameError::Truncated { .. })));
    }

    #[test]
    fn garbage_body_is_undecodable() {
        let mut d = FrameDecoder::new(1024);
        d.push(&[0, 0, 0, 2, 0xff, 0xff]);
        assert!(matches!(d.next_message(), Err(FrameError::Undecodable { len: 2, .. })));
    }

    #[test]
    fn encoder_refuses_frames_over_the_limit() {
        let m = Message::Goodbye(Goodbye { reason: "x".repeat(100) });
        assert!(matches!(encode(&m, 50), Err(FrameError::Oversized { .. })));
    }
}
