//! `convoy-agent run`: stay connected to the hub, keep the latest verified
//! bundle in the state directory and, given a kubeconfig, enforce it: apply,
//! prune, self-heal and report status to the hub. Enforcement does not
//! depend on the connection: the stored bundle is enforced from the start,
//! through partitions and restarts.

use anyhow::Context;
use clap::Args;
use convoy_agent::cluster::Cluster;
use convoy_agent::identity::AgentIdentity;
use convoy_agent::state::AgentState;
use convoy_agent::sync::enforcer::{Enforcer, EnforcerConfig, EnforcerStatus};
use convoy_agent::sync::report::{StatusSnapshot, write_snapshot};
use convoy_agent::uplink::{Incoming, Uplink, UplinkConfig};
use convoy_protocol::IdentityDir;
use convoy_protocol::messages::AckOutcome;
use convoy_protocol::status::StatusReport;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};

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
    /// The cluster to enforce bundles on. Without it the agent only
    /// receives, verifies and stores bundles (to carry them elsewhere).
    #[arg(long)]
    kubeconfig: Option<PathBuf>,
}

pub async fn run(args: RunArgs) -> anyhow::Result<()> {
    let identity =
        Arc::new(AgentIdentity::load(&IdentityDir::new(&args.identity)).context("loading the agent identity")?);
    let state = Arc::new(AgentState::open(&args.state_dir)?);
    println!("agent for cluster {} dialling {}", identity.cluster, args.hub);
    let cluster_name = identity.cluster.as_str().to_string();
    // The stored bundle is enforced at once, hub or no hub.
    let stored = match state.verified_current(&identity.trusted_keys, &cluster_name) {
        Ok(v) => v.map(|v| Arc::new(v.bundle)),
        Err(e) => {
            eprintln!("not enforcing the stored bundle: {e}");
            None
        }
    };
    let (bundle_tx, bundle_rx) = watch::channel(stored);
    let (report_tx, report_rx) = watch::channel(StatusReport::default());
    if let Some(kubeconfig) = &args.kubeconfig {
        let cluster = Arc::new(Cluster::from_kubeconfig(kubeconfig).await?);
        state.set_cluster_name(&cluster_name)?;
        let enforcer =
            Enforcer::new(cluster, state.clone(), EnforcerConfig::new(cluster_name.clone()), Arc::new(|_| {}));
        let (status_tx, status_rx) = watch::channel(EnforcerStatus::default());
        tokio::spawn(enforcer.run(bundle_rx, status_tx));
        tokio::spawn(keep_status(status_rx, report_tx, args.state_dir.clone(), cluster_name.clone()));
    } else {
        eprintln!("no --kubeconfig: bundles are stored, not applied");
    }
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
        let (status_tx, status_rx) = mpsc::channel(4);
        let forward = tokio::spawn(forward_status(report_rx.clone(), status_tx));
        let session = tokio::spawn(uplink.run(applied, tx, status_rx));
        while let Some(incoming) = rx.recv().await {
            match incoming {
                Incoming::Bundle(delivery) => {
                    let bundle = &delivery.verified.bundle;
                    let (generation, apps, manifests) = (bundle.generation, bundle.apps.len(), bundle.manifest_count());
                    let outcome = match state.store_bundle(&delivery.verified.signed, generation) {
                        Ok(()) => {
                            bundle_tx.send_replace(Some(Arc::new(delivery.verified.bundle.clone())));
                            AckOutcome::Stored
                        }
                        Err(e) => AckOutcome::Rejected { reason: e.to_string() },
                    };
                    println!("bundle generation {generation}: {apps} apps, {manifests} manifests: {outcome:?}");
                    delivery.ack(outcome);
                }
                Incoming::Refused(refusal) => eprintln!("refused a bundle: {refusal}"),
            }
        }
        let end = session.await.context("session task")?;
        forward.abort();
        if !end.is_retryable() {
            return Err(end).context("the hub ended the session for good");
        }
        eprintln!("session ended: {end}; reconnecting");
    }
}

/// Keeps the status snapshot on disk and the latest report for the hub.
async fn keep_status(
    mut status: watch::Receiver<EnforcerStatus>,
    report: watch::Sender<StatusReport>,
    state_dir: PathBuf,
    cluster: String,
) {
    while status.changed().await.is_ok() {
        let current = status.borrow_and_update().report.clone();
        let snapshot = StatusSnapshot { cluster: cluster.clone(), report: current.clone() };
        if let Err(e) = write_snapshot(&state_dir, &snapshot) {
            tracing::warn!(error = %e, "cannot write the status snapshot");
        }
        report.send_replace(current);
        // Coalesce bursts: at most a few reports a second.
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Sends the latest report to the hub whenever it changes (and once at
/// the start of each session, so the hub knows the state at once).
async fn forward_status(mut reports: watch::Receiver<StatusReport>, to_hub: mpsc::Sender<StatusReport>) {
    loop {
        let current = reports.borrow_and_update().clone();
        if current.sequence > 0 && to_hub.send(current).await.is_err() {
            return;
        }
        if reports.changed().await.is_err() {
            return;
        }
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
