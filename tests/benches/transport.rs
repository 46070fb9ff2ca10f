//! Bundle throughput over one QUIC connection on loopback: the hub publishes
//! a bundle, the agent reassembles and verifies it and acknowledges; one
//! iteration is one such round trip.
//!
//! Run: `cargo bench -p convoy-tests --bench transport`

use convoy_agent::uplink::{Incoming, Uplink};
use convoy_hub::delivery::HubEvent;
use convoy_protocol::messages::AckOutcome;
use convoy_tests::{HubFixture, sample_bundle};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

fn throughput(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let mut group = c.benchmark_group("quic_bundle_transfer");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    for mib in [1usize, 16, 64] {
        let fixture = rt.block_on(async { HubFixture::start() });
        let mut events = fixture.events();
        let (tx, mut rx) = mpsc::channel(4);
        let (_status_tx, status_rx) = mpsc::channel(1);
        rt.block_on(async {
            let uplink = Uplink::connect(fixture.uplink(), fixture.agent("bench"), None).await.unwrap();
            tokio::spawn(uplink.run(None, tx, status_rx));
            tokio::spawn(async move {
                while let Some(Incoming::Bundle(d)) = rx.recv().await {
                    d.ack(AckOutcome::Stored);
                }
            });
        });
        let signer = fixture.signer();
        let bundle_bytes = sample_bundle("bench", 1, mib, 1024 * 1024).encode().unwrap().len();
        group.throughput(Throughput::Bytes(bundle_bytes as u64));
        let mut generation = 0u64;
        group.bench_function(format!("{mib}MiB"), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    generation += 1;
                    let signed = signer.sign(&sample_bundle("bench", generation, mib, 1024 * 1024)).unwrap();
                    let start = Instant::now();
                    fixture.hub.outbox().publish("bench", generation, signed);
                    rt.block_on(async {
                        loop {
                            if let Ok(HubEvent::Acked { ack, .. }) = events.recv().await
                                && ack.generation == generation
                            {
                                break;
                            }
                        }
                    });
                    total += start.elapsed();
                }
                total
            })
        });
    }
    group.finish();
}

criterion_group!(benches, throughput);
criterion_main!(benches);
