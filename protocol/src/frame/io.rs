//! Frames over async byte streams (QUIC streams in practice).

use super::{FrameError, HEADER_LEN, body_len, decode_body, encode};
use crate::messages::Message;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Reads one message. `Ok(None)` means the stream ended cleanly between
/// frames; ending inside a frame is [`FrameError::Truncated`].
pub async fn read_message<R: AsyncRead + Unpin>(reader: &mut R, max_len: usize) -> Result<Option<Message>, FrameError> {
    match read_frame(reader, max_len).await? {
        Some(body) => decode_body(&body).map(Some),
        None => Ok(None),
    }
}

/// Reads one frame body without decoding it, for callers that must look at
/// the bytes first (see `messages::peek_hello_version`).
pub async fn read_frame<R: AsyncRead + Unpin>(reader: &mut R, max_len: usize) -> Result<Option<Vec<u8>>, FrameError> {
    let mut header = [0u8; HEADER_LEN];
    let got = read_full(reader, &mut header).await?;
    if got == 0 {
        return Ok(None);
    }
    if got < HEADER_LEN {
        return Err(FrameError::Truncated { expected: HEADER_LEN, received: got });
    }
    let len = body_len(header, max_len)?;
    // The length is within our own limit here, so allocating it is our choice.
    let mut body = vec![0u8; len];
    let got = read_full(reader, &mut body).await?;
    if got < len {
        return Err(FrameError::Truncated { expected: HEADER_LEN + len, received: HEADER_LEN + got });
    }
    Ok(Some(body))
}

/// Writes one message as a frame.
pub async fn write_message<W: AsyncWrite + Unpin>(
    writer: &mut W,
    message: &Message,
    max_len: usize,
) -> Result<(), FrameError> {
    let frame = encode(message, max_len)?;
    writer.write_all(&frame).await?;
    Ok(())
}

/// Fills `buf` unless the stream ends first; returns how much was read.
async fn read_full<R: AsyncRead + Unpin>(reader: &mut R, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        let n = reader.read(&mut buf[filled..]).await?;
        if n == 0 {
            break;
        }
        filled += n;
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages::Heartbeat;

    #[tokio::test]
    async fn round_trip_and_clean_end() {
        let (mut a, mut b) = tokio::io::duplex(64);
        let writer = tokio::spawn(async move {
            for i in 0..10 {
                write_message(&mut a, &Message::Heartbeat(Heartbeat { sent_at_ms: i }), 1024).await.unwrap();
            }
        });
        for i in 0..10 {
            let m = read_message(&mut b, 1024).await.unwrap().unwrap();
            assert_eq!(m, Message::Heartbeat(Heartbeat { sent_at_ms: i }));
        }
        writer.await.unwrap();
        assert!(read_message(&mut b, 1024).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn truncated_and_oversized_streams_are_errors() {
        let frame = encode(&Message::Heartbeat(Heartbeat { sent_at_ms: 9 }), 1024).unwrap();
        let mut cut: &[u8] = &frame[..frame.len() - 2];
        assert!(matches!(read_message(&mut cut, 1024).await, Err(FrameError::Truncated { .. })));
        let mut half_header: &[u8] = &frame[..2];
        assert!(matches!(read_message(&mut half_header, 1024).await, Err(FrameError::Truncated { .. })));
        let mut big: &[u8] = &[0x7f, 0xff, 0xff, 0xff];
        assert!(matches!(read_message(&mut big, 1024).await, Err(FrameError::Oversized { .. })));
    }
}
