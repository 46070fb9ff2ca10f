//! `convoy-agent run`: stay connected to the hub and keep the latest
//! verified bundle in the state directory.

use anyhow::Context;
use clap::Args;
use convoy_agent::identity::AgentIdentity;
use convoy_agent::state::AgentState;
use convoy_agent::uplink::{Incoming, Uplink, UplinkConfig};
use convoy_protocol::IdentityDir;
use convoy_protocol::messages::AckOutcome;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The hub's QUIC address.
    #[arg(long)]
    hub: SocketAddr,
    /// The name the hub's certificate must carry.
    #[arg(long, default_value = "localhost")]
    hub_name: String,
    /// Directory with agent.crt, agent.key, ca.crt and trusted-keys.pem.
    #[arg(long)]
    identity: PathBuf,
    /// Where the agent keeps its state.
    #[arg(long)]
    state_dir: PathBuf,
}

pub async fn run(args: RunArgs) -> anyhow::Result<()> {
    let identity =
        Arc::new(AgentIdentity::load(&IdentityDir::new(&args.identity)).context("loading the agent identity")?);
    let state = AgentState::open(&args.state_dir)?;
    println!("agent for cluster {} dialling {}", identity.cluster, args.hub);
    let mut backoff = Backoff::default();
    loop {
        let applied = state.applied()?;
        let config = UplinkConfig::new(args.hub, args.hub_name.clone());
        let uplink = tokio::select! {
            r = Uplink::connect(config, identity.clone(), applied) => r,
            _ = tokio::signal::ctrl_c() => return Ok(()),
        };
        let uplink = match uplink {
            Ok(u) => u,
            Err(e) if e.is_retryable() => {
                let wait = backoff.next();
                eprintln!("cannot reach the hub: {e}; retrying in {:.1}s", wait.as_secs_f64());
                tokio::time::sleep(wait).await;
                continue;
            }
            Err(e) => return Err(e).context("the hub refused this agent; an operator must act"),
        };
        backoff = Backoff::default();
        println!("connected to hub {} (hub {})", args.hub, uplink.welcome().hub_version);
        let (tx, mut rx) = mpsc::channel(4);
        let (_status_tx, status_rx) = mpsc::channel(4);
        let session = tokio::spawn(uplink.run(applied, tx, status_rx));
        while let Some(incoming) = rx.recv().await {
            match incoming {
                Incoming::Bundle(delivery) => {
                    let bundle = &delivery.verified.bundle;
                    let (generation, apps, manifests) = (bundle.generation, bundle.apps.len(), bundle.manifest_count());
                    let outcome = match state.store_bundle(&delivery.verified.signed, generation) {
                        Ok(()) => AckOutcome::Stored,
                        Err(e) => AckOutcome::Rejected { reason: e.to_string() },
                    };
                    println!("bundle generation {generation}: {apps} apps, {manifests} manifests: {outcome:?}");
                    delivery.ack(outcome);
                }
                Incoming::Refused(refusal) => eprintln!("refused a bundle: {refusal}"),
            }
        }
        let end = session.await.context("session task")?;
        if !end.is_retryable() {
            return Err(end).context("the hub ended the session for good");
        }
        eprintln!("session ended: {end}; reconnecting");
    }
}

/// Exponential backoff with full jitter, capped at 30 s.
#[derive(Default)]
struct Backoff {
    attempt: u32,
}

impl Backoff {
    fn next(&mut self) -> Duration {
        use rand_core::RngCore;
        let cap_ms = (500u64 << self.attempt.min(6)).min(30_000);
        self.attempt += 1;
        Duration::from_millis(cap_ms / 2 + rand_core::OsRng.next_u64() % (cap_ms / 2 + 1))
    }
}
