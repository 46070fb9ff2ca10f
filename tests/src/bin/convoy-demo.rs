//! `convoy-demo`: the local demo. Today it shows the secure channel end to
//! end: a fresh CA, a hub endpoint, agents that dial it over mutually
//! authenticated QUIC, and signed bundles delivered, verified and
//! acknowledged. Git, rendering and convoy-sim clusters join it as the hub
//! engine and the agent engine land.

use anyhow::Context;
use clap::Parser;
use convoy_agent::uplink::{Incoming, Uplink};
use convoy_hub::delivery::HubEvent;
use convoy_protocol::messages::AckOutcome;
use convoy_tests::{HubFixture, sample_bundle};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

#[derive(Debug, Parser)]
#[command(name = "convoy-demo", about = "Run convoy locally: a hub and agents over mTLS QUIC")]
struct Args {
    /// How many clusters (agents) to start.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..=100))]
    clusters: u16,
    /// Exit once every agent has acknowledged its bundle instead of running until Ctrl-C.
    #[arg(long)]
    once: bool,
}

#[derive(Default, Clone)]
struct Row {
    connected: bool,
    generation: u64,
    outcome: String,
    digest: String,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let started = Instant::now();
    let fixture = HubFixture::start();
    let mut events = fixture.events();
    println!("[{:>5.1}s] CA created in {}", started.elapsed().as_secs_f64(), fixture.ca.root().display());
    println!(
        "[{:>5.1}s] hub listening on {} (QUIC, mTLS, ALPN convoy/1)",
        started.elapsed().as_secs_f64(),
        fixture.addr
    );

    let names: Vec<String> = (1..=args.clusters).map(|i| format!("cluster-{i}")).collect();
    let mut table: BTreeMap<String, Row> = names.iter().map(|n| (n.clone(), Row::default())).collect();
    let signer = fixture.signer();
    for (i, name) in names.iter().enumerate() {
        let bundle = sample_bundle(name, 1, 5 + i, 256);
        fixture.hub.outbox().publish(name, 1, signer.sign(&bundle).context("signing")?);
        let identity = fixture.agent(name);
        let uplink =
            Uplink::connect(fixture.uplink(), identity, None).await.with_context(|| format!("agent {name}"))?;
        let (tx, mut rx) = mpsc::channel(4);
        let (status_tx, status_rx) = mpsc::channel(1);
        tokio::spawn(async move {
            let _keep = status_tx;
            uplink.run(None, tx, status_rx).await
        });
        tokio::spawn(async move {
            while let Some(incoming) = rx.recv().await {
                if let Incoming::Bundle(d) = incoming {
                    d.ack(AckOutcome::Stored);
                }
            }
        });
    }
    println!(
        "[{:>5.1}s] {} agents dialled the hub; waiting for their acknowledgements",
        started.elapsed().as_secs_f64(),
        names.len()
    );

    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while table.values().any(|r| r.outcome != "Stored") {
        let event =
            tokio::time::timeout_at(deadline, events.recv()).await.context("agents did not converge within 30 s")?;
        match event {
            Ok(HubEvent::Connected { cluster, .. }) => {
                if let Some(r) = table.get_mut(&cluster) {
                    r.connected = true;
                }
                println!("[{:>5.1}s] {cluster}: connected", started.elapsed().as_secs_f64());
            }
            Ok(HubEvent::Acked { cluster, ack }) => {
                if let Some(r) = table.get_mut(&cluster) {
                    r.generation = ack.generation;
                    r.outcome = match &ack.outcome {
                        AckOutcome::Stored => "Stored".into(),
                        AckOutcome::Applied => "Applied".into(),
                        AckOutcome::Rejected { reason } => format!("Rejected: {reason}"),
                    };
                    r.digest = ack.digest.to_hex()[..12].to_string();
                }
                println!(
                    "[{:>5.1}s] {cluster}: generation {} acknowledged",
                    started.elapsed().as_secs_f64(),
                    ack.generation
                );
            }
            _ => {}
        }
    }
    println!();
    println!("{:<12} {:<10} {:<11} {:<13} BUNDLE", "CLUSTER", "CONNECTED", "GENERATION", "DIGEST");
    for (name, r) in &table {
        println!("{:<12} {:<10} {:<11} {:<13} {}", name, r.connected, r.generation, r.digest, r.outcome);
    }
    if args.once {
        return Ok(());
    }
    println!("\nconvoy is running; press Ctrl-C to stop.");
    tokio::signal::ctrl_c().await.context("waiting for Ctrl-C")?;
    fixture.hub.shutdown().await;
    Ok(())
}
