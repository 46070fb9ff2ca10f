//! The hub's QUIC endpoint: binds, accepts agents, runs a [`session`] per
//! connection, and closes sessions whose certificate gets revoked.
//!
//! [`session`]: super::session

use super::handshake::HubGreeting;
use super::outbox::Outbox;
use super::session::{self, SessionContext, SessionRegistry};
use convoy_protocol::frame::DEFAULT_MAX_FRAME_LEN;
use convoy_protocol::messages::{Ack, Hello, Reject, close};
use convoy_protocol::status::StatusReport;
use convoy_protocol::tls::{self, RevocationCheck, TlsError};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;
use tokio::task::JoinHandle;
use tracing::Instrument;

/// How the endpoint is set up.
pub struct HubEndpointConfig {
    pub listen: SocketAddr,
    pub ca_certs: Vec<CertificateDer<'static>>,
    pub cert_chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
    pub revocation: Arc<dyn RevocationCheck>,
    pub max_frame_len: usize,
    pub heartbeat_interval: Duration,
    /// A connection silent for this long is dropped. Agents send QUIC
    /// keep-alives well within it.
    pub idle_timeout: Duration,
}

impl HubEndpointConfig {
    pub fn new(
        listen: SocketAddr,
        ca_certs: Vec<CertificateDer<'static>>,
        cert_chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
        revocation: Arc<dyn RevocationCheck>,
    ) -> HubEndpointConfig {
        HubEndpointConfig {
            listen,
            ca_certs,
            cert_chain,
            key,
            revocation,
            max_frame_len: DEFAULT_MAX_FRAME_LEN,
            heartbeat_interval: Duration::from_secs(15),
            idle_timeout: Duration::from_secs(30),
        }
    }
}

/// Things that happened at the endpoint, for logs, metrics and tests.
#[derive(Debug, Clone)]
pub enum HubEvent {
    Connected { cluster: String, remote: SocketAddr, hello: Hello },
    Rejected { cluster: String, remote: SocketAddr, reject: Reject },
    HandshakeFailed { remote: SocketAddr, error: String },
    Acked { cluster: String, ack: Ack },
    Status { cluster: String, report: Box<StatusReport> },
    Disconnected { cluster: String, reason: String },
}

#[derive(Debug, thiserror::Error)]
pub enum EndpointError {
    #[error(transparent)]
    Tls(#[from] TlsError),
    #[error("QUIC configuration rejected: {0}")]
    Quic(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
}

/// A running endpoint. Dropping it without [`HubEndpoint::shutdown`] aborts
/// its tasks.
pub struct HubEndpoint {
    endpoint: quinn::Endpoint,
    outbox: Arc<Outbox>,
    events: broadcast::Sender<HubEvent>,
    registry: Arc<SessionRegistry>,
    tasks: Vec<JoinHandle<()>>,
}

impl HubEndpoint {
    pub fn start(config: HubEndpointConfig, outbox: Arc<Outbox>) -> Result<HubEndpoint, EndpointError> {
        let tls = tls::server_config(&config.ca_certs, config.cert_chain, config.key, config.revocation.clone())?;
        let crypto =
            quinn::crypto::rustls::QuicServerConfig::try_from(tls).map_err(|e| EndpointError::Quic(e.to_string()))?;
        let mut server = quinn::ServerConfig::with_crypto(Arc::new(crypto));
        server.transport_config(Arc::new(transport(config.idle_timeout)?));
        let endpoint = quinn::Endpoint::server(server, config.listen)
            .map_err(|source| EndpointError::Bind { addr: config.listen, source })?;
        let (events, _) = broadcast::channel(1024);
        let registry = Arc::new(SessionRegistry::default());
        let ctx = Arc::new(SessionContext {
            outbox: outbox.clone(),
            events: events.clone(),
            registry: registry.clone(),
            greeting: HubGreeting {
                hub_version: env!("CARGO_PKG_VERSION").to_string(),
                heartbeat_interval_ms: config.heartbeat_interval.as_millis() as u64,
                max_frame_len: config.max_frame_len as u32,
            },
            max_frame_len: config.max_frame_len,
            heartbeat_interval: config.heartbeat_interval,
        });
        let accept = tokio::spawn(accept_loop(endpoint.clone(), ctx));
        let sweep = tokio::spawn(revocation_sweep(registry.clone(), config.revocation));
        Ok(HubEndpoint { endpoint, outbox, events, registry, tasks: vec![accept, sweep] })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.endpoint.local_addr()
    }

    pub fn outbox(&self) -> &Arc<Outbox> {
        &self.outbox
    }

    pub fn subscribe(&self) -> broadcast::Receiver<HubEvent> {
        self.events.subscribe()
    }

    pub fn connected_clusters(&self) -> Vec<String> {
        self.registry.clusters()
    }

    /// Closes every connection and waits briefly for the closes to go out.
    pub async fn shutdown(self) {
        self.endpoint.close(close::SHUTDOWN.into(), b"hub shutting down");
        let _ = tokio::time::timeout(Duration::from_secs(2), self.endpoint.wait_idle()).await;
        for t in &self.tasks {
            t.abort();
        }
    }
}

impl Drop for HubEndpoint {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

fn transport(idle_timeout: Duration) -> Result<quinn::TransportConfig, EndpointError> {
    let mut t = quinn::TransportConfig::default();
    let idle = quinn::IdleTimeout::try_from(idle_timeout).map_err(|e| EndpointError::Quic(e.to_string()))?;
    t.max_idle_timeout(Some(idle));
    // Bundles are large and one-directional: let a stream have several MiB
    // in flight so one connection fills a fast link.
    t.stream_receive_window(quinn::VarInt::from_u32(8 * 1024 * 1024));
    t.receive_window(quinn::VarInt::from_u32(16 * 1024 * 1024));
    t.send_window(16 * 1024 * 1024);
    Ok(t)
}

async fn accept_loop(endpoint: quinn::Endpoint, ctx: Arc<SessionContext>) {
    while let Some(incoming) = endpoint.accept().await {
        let ctx = ctx.clone();
        let remote = incoming.remote_address();
        tokio::spawn(
            async move {
                match incoming.await {
                    Ok(conn) => session::run(conn, ctx).await,
                    Err(e) => {
                        tracing::info!(%remote, error = %e, "agent handshake failed");
                        let _ = ctx.events.send(HubEvent::HandshakeFailed { remote, error: e.to_string() });
                    }
                }
            }
            .instrument(tracing::info_span!("agent", %remote)),
        );
    }
}

/// Re-checks connected agents against the revocation list, so revoking a
/// certificate also ends the sessions that already use it.
async fn revocation_sweep(registry: Arc<SessionRegistry>, revocation: Arc<dyn RevocationCheck>) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tick.tick().await;
        for (identity, conn) in registry.snapshot() {
            if let Err(reason) = revocation.check(&identity) {
                tracing::warn!(cluster = %identity.cluster, %reason, "closing session of revoked certificate");
                conn.close(close::REVOKED.into(), reason.as_bytes());
            }
        }
    }
}
