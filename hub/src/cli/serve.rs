//! `convoy-hub serve`: run the QUIC endpoint agents dial.

use anyhow::Context;
use clap::Args;
use convoy_certs::{CaDir, LedgerRevocationCheck};
use convoy_hub::delivery::{HubEndpoint, HubEndpointConfig, HubEvent, Outbox};
use convoy_protocol::tls::{load_certs, load_key};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The CA directory made by `convoy-hub certs init`.
    #[arg(long)]
    certs_dir: PathBuf,
    /// UDP address for the QUIC endpoint.
    #[arg(long, default_value = "0.0.0.0:7443")]
    listen: SocketAddr,
}

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let dir = CaDir::new(&args.certs_dir);
    let config = HubEndpointConfig::new(
        args.listen,
        load_certs(&dir.ca_cert())?,
        load_certs(&dir.hub_cert())?,
        load_key(&dir.hub_key())?,
        Arc::new(LedgerRevocationCheck::new(dir.ledger())),
    );
    let endpoint = HubEndpoint::start(config, Arc::new(Outbox::default())).context("starting the QUIC endpoint")?;
    println!("convoy-hub listening on {} (QUIC, ALPN convoy/1)", endpoint.local_addr()?);
    let mut events = endpoint.subscribe();
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => break,
            event = events.recv() => match event {
                Ok(HubEvent::Connected { cluster, remote, hello }) => {
                    println!("agent {cluster} connected from {remote} (agent {}, last applied {:?})", hello.agent_version, hello.last_applied);
                }
                Ok(HubEvent::Disconnected { cluster, reason }) => println!("agent {cluster} disconnected: {reason}"),
                Ok(HubEvent::Rejected { cluster, remote, reject }) => println!("rejected {cluster} from {remote}: {}", reject.reason),
                Ok(HubEvent::HandshakeFailed { remote, error }) => println!("handshake from {remote} failed: {error}"),
                Ok(_) => {}
                Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => tracing::warn!(skipped = n, "event display fell behind"),
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            },
        }
    }
    endpoint.shutdown().await;
    Ok(())
}
