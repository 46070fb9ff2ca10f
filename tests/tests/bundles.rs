//! Signed bundles over real QUIC on loopback: delivery, refusals, size.

use convoy_agent::uplink::{Incoming, Refusal, Uplink, UplinkError};
use convoy_hub::delivery::HubEvent;
use convoy_protocol::messages::{Ack, AckOutcome, AppliedBundle};
use convoy_protocol::signing::Freshness;
use convoy_protocol::{BundleSigner, VerifiedBundle, VerifyError};
use convoy_tests::{HubFixture, sample_bundle, wait_for};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

const WAIT: Duration = Duration::from_secs(20);

/// An agent session whose consumer stores every verified bundle (acks
/// `Stored`) and forwards what happened to the test.
struct Agent {
    seen: mpsc::UnboundedReceiver<Result<VerifiedBundle, Refusal>>,
    session: JoinHandle<UplinkError>,
}

async fn run_agent(
    f: &HubFixture,
    cluster: &str,
    hello_says: Option<AppliedBundle>,
    knows: Option<AppliedBundle>,
) -> Agent {
    let uplink = Uplink::connect(f.uplink(), f.agent(cluster), hello_says).await.expect("connect");
    let (tx, mut rx) = mpsc::channel(4);
    let (_status_tx, status_rx) = mpsc::channel(1);
    let session = tokio::spawn(async move {
        let _keep_status_open = _status_tx;
        uplink.run(knows, tx, status_rx).await
    });
    let (seen_tx, seen) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(incoming) = rx.recv().await {
            match incoming {
                Incoming::Bundle(d) => {
                    let verified = d.verified.clone();
                    d.ack(AckOutcome::Stored);
                    let _ = seen_tx.send(Ok(verified));
                }
                Incoming::Refused(r) => {
                    let _ = seen_tx.send(Err(r));
                }
            }
        }
    });
    Agent { seen, session }
}

impl Agent {
    async fn next(&mut self) -> Result<VerifiedBundle, Refusal> {
        tokio::time::timeout(WAIT, self.seen.recv()).await.expect("agent saw nothing in time").expect("agent gone")
    }
}

async fn next_ack(events: &mut tokio::sync::broadcast::Receiver<HubEvent>) -> Ack {
    wait_for(events, WAIT, |e| match e {
        HubEvent::Acked { ack, .. } => Some(ack.clone()),
        _ => None,
    })
    .await
}

#[tokio::test]
async fn a_published_bundle_is_delivered_verified_and_acknowledged() {
    let f = HubFixture::start();
    let mut events = f.events();
    let mut agent = run_agent(&f, "prod-1", None, None).await;
    let signed = f.signer().sign(&sample_bundle("prod-1", 1, 3, 100)).unwrap();
    let digest = signed.digest;
    f.hub.outbox().publish("prod-1", 1, signed);

    let verified = agent.next().await.expect("verified");
    assert_eq!(verified.bundle.generation, 1);
    assert_eq!(verified.bundle.manifest_count(), 3);
    assert_eq!(verified.freshness, Freshness::New);
    let ack = next_ack(&mut events).await;
    assert_eq!((ack.generation, ack.digest, ack.outcome), (1, digest, AckOutcome::Stored));

    // A newer generation follows on the same session.
    f.hub.outbox().publish("prod-1", 2, f.signer().sign(&sample_bundle("prod-1", 2, 4, 100)).unwrap());
    assert_eq!(agent.next().await.expect("verified").bundle.generation, 2);
    assert_eq!(next_ack(&mut events).await.generation, 2);
    agent.session.abort();
}

#[tokio::test]
async fn tampered_foreign_and_misaddressed_bundles_are_each_refused_with_their_own_error() {
    let f = HubFixture::start();
    let mut events = f.events();
    let mut agent = run_agent(&f, "prod-1", None, None).await;

    let mut tampered = f.signer().sign(&sample_bundle("prod-1", 1, 1, 10)).unwrap();
    let last = tampered.payload.len() - 1;
    tampered.payload[last] ^= 0x20;
    f.hub.outbox().publish("prod-1", 1, tampered);
    assert!(matches!(agent.next().await, Err(Refusal::Verify(VerifyError::DigestMismatch { .. }))));
    let ack = next_ack(&mut events).await;
    assert!(matches!(&ack.outcome, AckOutcome::Rejected { reason } if reason.contains("altered")), "{ack:?}");

    let foreign = BundleSigner::generate().sign(&sample_bundle("prod-1", 2, 1, 10)).unwrap();
    f.hub.outbox().publish("prod-1", 2, foreign);
    assert!(matches!(agent.next().await, Err(Refusal::Verify(VerifyError::UnknownKey { .. }))));
    assert!(matches!(next_ack(&mut events).await.outcome, AckOutcome::Rejected { .. }));

    let misaddressed = f.signer().sign(&sample_bundle("prod-2", 3, 1, 10)).unwrap();
    f.hub.outbox().publish("prod-1", 3, misaddressed);
    assert!(matches!(agent.next().await, Err(Refusal::Verify(VerifyError::WrongCluster { .. }))));
    assert!(matches!(next_ack(&mut events).await.outcome, AckOutcome::Rejected { .. }));

    // After all that, a good bundle still goes through.
    f.hub.outbox().publish("prod-1", 4, f.signer().sign(&sample_bundle("prod-1", 4, 1, 10)).unwrap());
    assert_eq!(agent.next().await.expect("good bundle").bundle.generation, 4);
    agent.session.abort();
}

#[tokio::test]
async fn an_old_generation_is_refused_as_a_rollback() {
    // The agent applied generation 5; the hub (restarted without its state,
    // or compromised) believes the agent has nothing and sends generation 3.
    let f = HubFixture::start();
    let mut events = f.events();
    let applied = AppliedBundle { generation: 5, digest: convoy_protocol::BundleDigest([7; 32]) };
    let mut agent = run_agent(&f, "prod-1", None, Some(applied)).await;
    f.hub.outbox().publish("prod-1", 3, f.signer().sign(&sample_bundle("prod-1", 3, 1, 10)).unwrap());
    let refusal = agent.next().await.expect_err("refused");
    assert_eq!(refusal, Refusal::Verify(VerifyError::Rollback { generation: 3, applied: 5 }));
    assert!(matches!(next_ack(&mut events).await.outcome, AckOutcome::Rejected { .. }));

    // The same generation with other content is a replay, refused too.
    let mut other = sample_bundle("prod-1", 5, 2, 10);
    other.source_revision = "another".into();
    f.hub.outbox().publish("prod-1", 5, f.signer().sign(&other).unwrap());
    assert!(matches!(agent.next().await, Err(Refusal::Verify(VerifyError::GenerationReused { generation: 5, .. }))));
    agent.session.abort();
}

#[tokio::test]
async fn the_hub_sends_only_what_the_agent_lacks_and_only_the_newest() {
    let f = HubFixture::start();
    let mut events = f.events();
    let signer = f.signer();
    for generation in 1..=3 {
        f.hub.outbox().publish("prod-1", generation, signer.sign(&sample_bundle("prod-1", generation, 1, 10)).unwrap());
    }
    let mut agent = run_agent(&f, "prod-1", None, None).await;
    assert_eq!(agent.next().await.expect("newest").bundle.generation, 3, "older generations were superseded");
    assert_eq!(next_ack(&mut events).await.generation, 3);
    agent.session.abort();

    // Reconnecting with generation 3 applied: nothing is resent.
    let current = f.hub.outbox().latest("prod-1").unwrap().marker();
    let mut again = run_agent(&f, "prod-1", Some(current), Some(current)).await;
    assert!(
        tokio::time::timeout(Duration::from_millis(800), again.seen.recv()).await.is_err(),
        "nothing must be resent"
    );
    again.session.abort();
}

#[tokio::test]
async fn a_100_mib_bundle_crosses_the_wire_and_verifies() {
    let f = HubFixture::start();
    let mut events = f.events();
    let mut agent = run_agent(&f, "big", None, None).await;
    // 100 ConfigMaps of 1 MiB each: 100 MiB of manifests.
    let bundle = sample_bundle("big", 1, 100, 1024 * 1024);
    let signed = f.signer().sign(&bundle).unwrap();
    assert!(signed.payload.len() >= 100 * 1024 * 1024);
    let digest = signed.digest;
    f.hub.outbox().publish("big", 1, signed);
    let verified = agent.next().await.expect("verified");
    assert_eq!(verified.digest, digest);
    assert_eq!(verified.bundle, bundle);
    assert_eq!(next_ack(&mut events).await.outcome, AckOutcome::Stored);
    agent.session.abort();
}
