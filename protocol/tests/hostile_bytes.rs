//! Network input is hostile: random and mutated bytes fed to every decoder
//! must give errors, never panics or oversized allocations.

use convoy_protocol::bundle::{AppBundle, Bundle, Manifest};
use convoy_protocol::frame::{self, FrameDecoder, io::read_message};
use convoy_protocol::messages::{Ack, AckOutcome, Heartbeat, Hello, peek_hello_version};
use convoy_protocol::transfer::{BundleAssembler, bundle_messages};
use convoy_protocol::{BundleSigner, Message, PROTOCOL_VERSION, SignedBundle, TrustedKeys};
use proptest::prelude::*;

const MAX: usize = 64 * 1024;

fn sample_messages(signer: &BundleSigner) -> Vec<Message> {
    let bundle = Bundle {
        cluster: "edge-1".into(),
        generation: 3,
        source_revision: "deadbeef".into(),
        created_at_ms: 1,
        apps: vec![AppBundle {
            name: "web".into(),
            manifests: vec![Manifest { kind: "ConfigMap".into(), json: "{}".into(), ..Default::default() }],
            ..Default::default()
        }],
    };
    let signed = signer.sign(&bundle).unwrap();
    vec![
        Message::Hello(Hello {
            protocol: PROTOCOL_VERSION,
            cluster: "edge-1".into(),
            agent_version: "0.1.0".into(),
            last_applied: None,
            capabilities: vec!["chunked-bundles".into()],
        }),
        Message::Ack(Ack {
            generation: 3,
            digest: signed.digest,
            outcome: AckOutcome::Rejected { reason: "x".into() },
        }),
        Message::Heartbeat(Heartbeat { sent_at_ms: 5 }),
        Message::Bundle(signed),
    ]
}

/// Drives a decoder over `bytes` in pieces of `step`, collecting outcomes.
fn decode_all(bytes: &[u8], step: usize) -> usize {
    let mut d = FrameDecoder::new(MAX);
    let mut decoded = 0;
    for piece in bytes.chunks(step.max(1)) {
        d.push(piece);
        loop {
            match d.next_message() {
                Ok(Some(_)) => decoded += 1,
                Ok(None) => break,
                Err(_) => return decoded,
            }
        }
    }
    let _ = d.finish();
    decoded
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048), step in 1usize..64) {
        decode_all(&bytes, step);
        let _ = frame::decode_body(&bytes);
        let _ = peek_hello_version(&bytes);
        let _ = SignedBundle::from_bytes(&bytes);
        let _ = Bundle::decode(&bytes);
    }

    #[test]
    fn mutated_frames_never_panic(seed in 0usize..4, flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8), cut in any::<usize>()) {
        let signer = BundleSigner::generate();
        let msgs = sample_messages(&signer);
        let mut wire = frame::encode(&msgs[seed], MAX).unwrap();
        for (pos, x) in flips {
            let i = pos % wire.len();
            wire[i] ^= x;
        }
        wire.truncate(cut % (wire.len() + 1));
        decode_all(&wire, 7);
    }

    #[test]
    fn mutated_signed_bundles_are_refused_not_panicking(flips in proptest::collection::vec((any::<usize>(), 1u8..=255), 1..4)) {
        let signer = BundleSigner::generate();
        let mut trust = TrustedKeys::new();
        trust.add(signer.verifying_key());
        let Message::Bundle(signed) = sample_messages(&signer).pop().unwrap() else { unreachable!() };
        let mut bytes = signed.to_bytes().unwrap();
        for (pos, x) in flips {
            let i = pos % bytes.len();
            bytes[i] ^= x;
        }
        // Any change to the bytes must either fail to decode or fail to verify.
        if let Ok(mutated) = SignedBundle::from_bytes(&bytes)
            && mutated != signed
        {
            let verdict = trust.verify(mutated.clone(), "edge-1", None);
            let same_content = mutated.payload == signed.payload
                && mutated.digest == signed.digest
                && mutated.signature == signed.signature;
            prop_assert!(verdict.is_err() || same_content, "mutated bundle verified: {mutated:?}");
        }
    }

    #[test]
    fn assembler_survives_hostile_sequences(ops in proptest::collection::vec((0u8..4, any::<u32>(), any::<u64>(), proptest::collection::vec(any::<u8>(), 0..64)), 0..32)) {
        use convoy_protocol::transfer::{BundleBegin, BundleChunk};
        let mut a = BundleAssembler::new(1024);
        for (kind, index, len, data) in ops {
            let m = match kind {
                0 => Message::BundleBegin(BundleBegin { generation: 1, digest: convoy_protocol::BundleDigest([0; 32]), total_len: len % 4096, chunk_count: index }),
                1 => Message::BundleChunk(BundleChunk { index: index % 4, data }),
                2 => Message::Heartbeat(Heartbeat { sent_at_ms: len }),
                _ => Message::BundleChunk(BundleChunk { index, data }),
            };
            if a.accept(m).is_err() {
                a = BundleAssembler::new(1024);
            }
        }
        let _ = a.finish();
    }
}

#[test]
fn chunked_transfer_survives_tiny_frames() {
    let signer = BundleSigner::generate();
    let Message::Bundle(signed) = sample_messages(&signer).pop().unwrap() else { unreachable!() };
    let msgs = bundle_messages(&signed, 300).unwrap();
    assert!(msgs.len() > 1, "expected a chunked transfer");
    let mut a = BundleAssembler::new(1 << 20);
    let mut done = None;
    for m in msgs {
        if let convoy_protocol::transfer::Progress::Complete(s) = a.accept(m).unwrap() {
            done = Some(s);
        }
    }
    assert_eq!(done.unwrap(), signed);
}

#[tokio::test]
async fn a_stream_claiming_four_gigabytes_is_refused_at_the_header() {
    let mut wire: &[u8] = &[0xff, 0xff, 0xff, 0xff, 1, 2, 3];
    let err = read_message(&mut wire, MAX).await.unwrap_err();
    assert!(err.to_string().contains("exceeds the maximum"), "{err}");
}
