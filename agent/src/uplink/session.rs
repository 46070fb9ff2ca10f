//! One session with the hub: dial, `Hello`/`Welcome`, then bundles in and
//! acknowledgements, heartbeats and status reports out.
//!
//! Bundles arrive one per stream. Each is reassembled, verified against the
//! trusted keys, this agent's cluster and the last applied generation, and
//! only then handed to the consumer as a [`Delivery`]; the consumer's answer
//! becomes the `Ack`. A bundle that fails is answered with a rejection and
//! reported as a [`Refusal`], and the agent keeps what it had.

use super::dial::client_endpoint;
use super::errors::UplinkError;
use crate::identity::AgentIdentity;
use convoy_protocol::frame::DEFAULT_MAX_FRAME_LEN;
use convoy_protocol::frame::io::{read_message, write_message};
use convoy_protocol::messages::{Ack, AckOutcome, AppliedBundle, Goodbye, Heartbeat, Hello, Welcome, close};
use convoy_protocol::status::StatusReport;
use convoy_protocol::transfer::{BundleAssembler, DEFAULT_MAX_BUNDLE_LEN, Progress, TransferError};
use convoy_protocol::version::capability;
use convoy_protocol::{BundleDigest, Message, PROTOCOL_VERSION, ProtocolVersion, VerifiedBundle, VerifyError};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::{mpsc, oneshot};

/// How the agent dials the hub.
#[derive(Debug, Clone)]
pub struct UplinkConfig {
    pub hub: SocketAddr,
    /// The name the hub's certificate must carry (what the agent "dialled").
    pub server_name: String,
    pub max_frame_len: usize,
    pub max_bundle_len: u64,
    pub keep_alive: Duration,
    pub idle_timeout: Duration,
    pub handshake_timeout: Duration,
    /// The version announced in `Hello`; only tests change it.
    pub protocol: ProtocolVersion,
}

impl UplinkConfig {
    pub fn new(hub: SocketAddr, server_name: impl Into<String>) -> UplinkConfig {
        UplinkConfig {
            hub,
            server_name: server_name.into(),
            max_frame_len: DEFAULT_MAX_FRAME_LEN,
            max_bundle_len: DEFAULT_MAX_BUNDLE_LEN,
            keep_alive: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
            handshake_timeout: Duration::from_secs(10),
            protocol: PROTOCOL_VERSION,
        }
    }
}

/// What the session hands to the agent.
#[derive(Debug)]
pub enum Incoming {
    /// A verified bundle; answer it through [`Delivery::ack`].
    Bundle(Delivery),
    /// A bundle that was refused; the session already told the hub.
    Refused(Refusal),
}

#[derive(Debug)]
pub struct Delivery {
    pub verified: VerifiedBundle,
    reply: oneshot::Sender<AckOutcome>,
}

impl Delivery {
    /// Tells the hub what became of the bundle.
    pub fn ack(self, outcome: AckOutcome) {
        let _ = self.reply.send(outcome);
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("bundle failed verification: {0}")]
    Verify(#[from] VerifyError),
    #[error("bundle transfer failed: {0}")]
    Transfer(#[from] TransferError),
}

/// An established session.
pub struct Uplink {
    endpoint: quinn::Endpoint,
    conn: quinn::Connection,
    control_send: quinn::SendStream,
    control_recv: quinn::RecvStream,
    welcome: Welcome,
    identity: Arc<AgentIdentity>,
    config: UplinkConfig,
}

impl Uplink {
    /// Dials the hub and completes the `Hello`/`Welcome` exchange.
    pub async fn connect(
        config: UplinkConfig,
        identity: Arc<AgentIdentity>,
        last_applied: Option<AppliedBundle>,
    ) -> Result<Uplink, UplinkError> {
        let endpoint = client_endpoint(config.hub, &identity, config.keep_alive, config.idle_timeout)?;
        let connecting = endpoint
            .connect(config.hub, &config.server_name)
            .map_err(|e| UplinkError::Config(format!("cannot dial {}: {e}", config.hub)))?;
        let timeout = config.handshake_timeout;
        let conn = tokio::time::timeout(timeout, connecting)
            .await
            .map_err(|_| UplinkError::Timeout("connecting to the hub"))??;
        let hello = Hello {
            protocol: config.protocol,
            cluster: identity.cluster.to_string(),
            agent_version: env!("CARGO_PKG_VERSION").to_string(),
            last_applied,
            capabilities: vec![capability::CHUNKED_BUNDLES.to_string(), capability::STATUS_REPORTS.to_string()],
        };
        let exchange = async {
            let (mut send, mut recv) = conn.open_bi().await?;
            write_message(&mut send, &Message::Hello(hello), config.max_frame_len)
                .await
                .map_err(|e| stream_error(&conn, e.to_string()))?;
            match read_message(&mut recv, config.max_frame_len).await {
                Ok(Some(Message::Welcome(w))) => Ok((send, recv, w)),
                Ok(Some(Message::Reject(r))) => Err(UplinkError::Rejected(r)),
                Ok(Some(other)) => Err(UplinkError::Protocol(format!("expected Welcome, got {}", other.kind()))),
                Ok(None) => Err(stream_error(&conn, "hub closed the control stream".into())),
                Err(e) => Err(stream_error(&conn, e.to_string())),
            }
        };
        let (control_send, control_recv, welcome) = tokio::time::timeout(timeout, exchange)
            .await
            .map_err(|_| UplinkError::Timeout("waiting for Welcome"))??;
        tracing::info!(hub = %config.hub, hub_version = %welcome.hub_version, "connected to hub");
        Ok(Uplink { endpoint, conn, control_send, control_recv, welcome, identity, config })
    }

    pub fn welcome(&self) -> &Welcome {
        &self.welcome
    }

    /// Runs the session until it ends; returns why. `last_applied` is what
    /// the agent holds now; `status` feeds reports to the hub.
    pub async fn run(
        self,
        mut last_applied: Option<AppliedBundle>,
        incoming: mpsc::Sender<Incoming>,
        mut status: mpsc::Receiver<StatusReport>,
    ) -> UplinkError {
        let Uplink { endpoint, conn, mut control_send, mut control_recv, welcome, identity, config } = self;
        let heartbeat = Duration::from_millis(welcome.heartbeat_interval_ms.max(100));
        let reader = async {
            loop {
                match read_message(&mut control_recv, config.max_frame_len).await {
                    Ok(Some(Message::Heartbeat(_))) => {}
                    Ok(Some(Message::Goodbye(g))) => {
                        return UplinkError::Closed { code: close::SHUTDOWN.into(), reason: g.reason };
                    }
                    Ok(Some(other)) => {
                        return UplinkError::Protocol(format!("unexpected {} on control stream", other.kind()));
                    }
                    Ok(None) => return stream_error(&conn, "hub closed the control stream".into()),
                    Err(e) => return stream_error(&conn, e.to_string()),
                }
            }
        };
        let writer = async {
            let mut tick = tokio::time::interval(heartbeat);
            loop {
                let message = tokio::select! {
                    _ = tick.tick() => Message::Heartbeat(Heartbeat { sent_at_ms: now_ms() }),
                    Some(report) = status.recv() => Message::StatusReport(report),
                };
                if let Err(e) = write_message(&mut control_send, &message, config.max_frame_len).await {
                    return stream_error(&conn, e.to_string());
                }
            }
        };
        let bundles = async {
            loop {
                let (send, recv) = match conn.accept_bi().await {
                    Ok(s) => s,
                    Err(e) => return UplinkError::from(e),
                };
                match receive_bundle(send, recv, &identity, &config, last_applied, &incoming).await {
                    Ok(Some(applied)) => last_applied = Some(applied),
                    Ok(None) => {}
                    Err(e) => return e,
                }
            }
        };
        let end = tokio::select! {
            e = reader => e,
            e = writer => e,
            e = bundles => e,
        };
        conn.close(close::SHUTDOWN.into(), b"session ended");
        drop(endpoint);
        end
    }

    /// Ends the session politely.
    pub async fn close(mut self, reason: &str) {
        let bye = Message::Goodbye(Goodbye { reason: reason.to_string() });
        let _ = write_message(&mut self.control_send, &bye, self.config.max_frame_len).await;
        let _ = self.control_send.finish();
        self.conn.close(close::SHUTDOWN.into(), reason.as_bytes());
        let _ = tokio::time::timeout(Duration::from_secs(1), self.endpoint.wait_idle()).await;
    }
}

/// Receives one bundle stream. Returns the new applied marker when the
/// consumer stored or applied the bundle.
async fn receive_bundle(
    mut send: quinn::SendStream,
    mut recv: quinn::RecvStream,
    identity: &AgentIdentity,
    config: &UplinkConfig,
    last_applied: Option<AppliedBundle>,
    incoming: &mpsc::Sender<Incoming>,
) -> Result<Option<AppliedBundle>, UplinkError> {
    let mut assembler = BundleAssembler::new(config.max_bundle_len);
    let mut announced: Option<(u64, BundleDigest)> = None;
    let signed = loop {
        let message = match read_message(&mut recv, config.max_frame_len).await {
            Ok(Some(m)) => m,
            Ok(None) => {
                let refusal = assembler.finish().err().unwrap_or(TransferError::Unexpected("end of stream"));
                return refuse(&mut send, announced, refusal.into(), incoming, config).await.map(|_| None);
            }
            Err(e) => return Err(UplinkError::Protocol(format!("bundle stream: {e}"))),
        };
        if let Message::BundleBegin(b) = &message {
            announced = Some((b.generation, b.digest));
        }
        match assembler.accept(message) {
            Ok(Progress::Complete(signed)) => break signed,
            Ok(Progress::NeedMore { .. }) => {}
            Err(e) => return refuse(&mut send, announced, e.into(), incoming, config).await.map(|_| None),
        }
    };
    let generation_hint = announced.map(|a| a.0).unwrap_or(0);
    let digest = signed.digest;
    let verified = match identity.trusted_keys.verify(signed, identity.cluster.as_str(), last_applied) {
        Ok(v) => v,
        Err(e) => {
            return refuse(&mut send, Some((generation_hint, digest)), e.into(), incoming, config).await.map(|_| None);
        }
    };
    let marker = verified.applied_marker();
    let (reply, answer) = oneshot::channel();
    if incoming.send(Incoming::Bundle(Delivery { verified, reply })).await.is_err() {
        return Err(UplinkError::Config("the agent stopped taking bundles".into()));
    }
    let outcome = answer.await.unwrap_or(AckOutcome::Rejected { reason: "the agent dropped the bundle".into() });
    let accepted = matches!(outcome, AckOutcome::Stored | AckOutcome::Applied);
    let ack = Message::Ack(Ack { generation: marker.generation, digest: marker.digest, outcome });
    write_message(&mut send, &ack, config.max_frame_len).await.map_err(|e| UplinkError::Protocol(e.to_string()))?;
    let _ = send.finish();
    Ok(accepted.then_some(marker))
}

async fn refuse(
    send: &mut quinn::SendStream,
    announced: Option<(u64, BundleDigest)>,
    refusal: Refusal,
    incoming: &mpsc::Sender<Incoming>,
    config: &UplinkConfig,
) -> Result<(), UplinkError> {
    tracing::warn!(error = %refusal, "refusing bundle");
    let (generation, digest) = announced.unwrap_or((0, BundleDigest([0; 32])));
    let ack = Message::Ack(Ack { generation, digest, outcome: AckOutcome::Rejected { reason: refusal.to_string() } });
    let _ = incoming.send(Incoming::Refused(refusal)).await;
    write_message(send, &ack, config.max_frame_len).await.map_err(|e| UplinkError::Protocol(e.to_string()))?;
    let _ = send.finish();
    Ok(())
}

/// A stream failed: report the connection's reason if it has one.
fn stream_error(conn: &quinn::Connection, detail: String) -> UplinkError {
    match conn.close_reason() {
        Some(e) => UplinkError::from(e),
        None => UplinkError::Protocol(detail),
    }
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}
