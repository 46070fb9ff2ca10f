//! One agent connection, from `Hello` to disconnect.
//!
//! Three activities run side by side until any of them ends the session: a
//! control-stream reader (acks, status, heartbeats), a control-stream writer
//! (heartbeats), and the delivery loop that sends the cluster's newest bundle
//! on its own stream whenever the outbox says the agent lacks it.

use super::endpoint::HubEvent;
use super::handshake::{HelloVerdict, HubGreeting, judge_hello};
use super::outbox::{DeliveryDecision, Outbox, OutgoingBundle};
use convoy_protocol::frame::io::{read_frame, read_message, write_message};
use convoy_protocol::messages::{Ack, Heartbeat, close};
use convoy_protocol::transfer::bundle_messages;
use convoy_protocol::{ClusterIdentity, Message, tls};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::broadcast;
use tracing::Instrument;

const HELLO_TIMEOUT: Duration = Duration::from_secs(10);

pub(crate) struct SessionContext {
    pub outbox: Arc<Outbox>,
    pub events: broadcast::Sender<HubEvent>,
    pub registry: Arc<SessionRegistry>,
    pub greeting: HubGreeting,
    pub max_frame_len: usize,
    pub heartbeat_interval: Duration,
}

/// The live sessions, one per cluster: a new connection from a cluster
/// replaces the old one (the agent reconnected before the hub noticed the
/// old path was dead).
#[derive(Default)]
pub struct SessionRegistry {
    sessions: Mutex<HashMap<String, Registered>>,
    next_id: AtomicU64,
}

struct Registered {
    id: u64,
    identity: ClusterIdentity,
    conn: quinn::Connection,
}

impl SessionRegistry {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Registered>> {
        self.sessions.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn register(&self, identity: ClusterIdentity, conn: quinn::Connection) -> u64 {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let cluster = identity.cluster.to_string();
        if let Some(old) = self.lock().insert(cluster, Registered { id, identity, conn }) {
            old.conn.close(close::SUPERSEDED.into(), b"superseded by a newer connection");
        }
        id
    }

    fn deregister(&self, cluster: &str, id: u64) {
        let mut sessions = self.lock();
        if sessions.get(cluster).is_some_and(|r| r.id == id) {
            sessions.remove(cluster);
        }
    }

    pub fn clusters(&self) -> Vec<String> {
        let mut v: Vec<String> = self.lock().keys().cloned().collect();
        v.sort();
        v
    }

    pub(crate) fn snapshot(&self) -> Vec<(ClusterIdentity, quinn::Connection)> {
        self.lock().values().map(|r| (r.identity.clone(), r.conn.clone())).collect()
    }
}

/// Why a session ended.
#[derive(Debug, thiserror::Error)]
enum SessionEnd {
    #[error("agent said goodbye: {0}")]
    Goodbye(String),
    #[error("connection lost: {0}")]
    Connection(#[from] quinn::ConnectionError),
    #[error("protocol error: {0}")]
    Protocol(String),
}

pub(crate) async fn run(conn: quinn::Connection, ctx: Arc<SessionContext>) {
    let remote = conn.remote_address();
    let identity = conn
        .peer_identity()
        .and_then(|any| any.downcast::<Vec<rustls::pki_types::CertificateDer<'static>>>().ok())
        .and_then(|chain| tls::peer_identity(&chain));
    let Some(identity) = identity else {
        // The TLS verifier already insists on an identity; this is defence in depth.
        conn.close(close::PROTOCOL_ERROR.into(), b"no cluster identity in certificate");
        return;
    };
    let cluster = identity.cluster.to_string();
    let span = tracing::info_span!("session", cluster = %cluster);
    async move {
        match handshake(&conn, &identity, &ctx).await {
            Ok(Some((send, recv))) => {
                let id = ctx.registry.register(identity.clone(), conn.clone());
                let end = serve(&conn, &cluster, send, recv, &ctx).await;
                ctx.registry.deregister(&cluster, id);
                tracing::info!(reason = %end, "agent disconnected");
                if let SessionEnd::Protocol(reason) = &end {
                    conn.close(close::PROTOCOL_ERROR.into(), reason.as_bytes());
                }
                let _ = ctx.events.send(HubEvent::Disconnected { cluster, reason: end.to_string() });
            }
            Ok(None) => {}
            Err(e) => {
                tracing::info!(error = %e, "session ended during handshake");
                if let SessionEnd::Protocol(reason) = &e {
                    conn.close(close::PROTOCOL_ERROR.into(), reason.as_bytes());
                }
                let _ = ctx.events.send(HubEvent::HandshakeFailed { remote, error: e.to_string() });
            }
        }
    }
    .instrument(span)
    .await
}

/// Reads `Hello` and answers it. `Ok(None)` when the agent was rejected.
async fn handshake(
    conn: &quinn::Connection,
    identity: &ClusterIdentity,
    ctx: &SessionContext,
) -> Result<Option<(quinn::SendStream, quinn::RecvStream)>, SessionEnd> {
    let (mut send, mut recv) = tokio::time::timeout(HELLO_TIMEOUT, conn.accept_bi())
        .await
        .map_err(|_| SessionEnd::Protocol("no control stream within 10 s".into()))??;
    let body = tokio::time::timeout(HELLO_TIMEOUT, read_frame(&mut recv, ctx.max_frame_len))
        .await
        .map_err(|_| SessionEnd::Protocol("no Hello within 10 s".into()))?
        .map_err(|e| SessionEnd::Protocol(e.to_string()))?
        .ok_or_else(|| SessionEnd::Protocol("control stream closed before Hello".into()))?;
    match judge_hello(&body, identity, &ctx.greeting) {
        HelloVerdict::Reject(reject) => {
            tracing::warn!(code = ?reject.code, reason = %reject.reason, "rejecting agent");
            let _ = write_message(&mut send, &Message::Reject(reject.clone()), ctx.max_frame_len).await;
            let _ = send.finish();
            // Give the Reject a moment to reach the agent before closing.
            let _ = tokio::time::timeout(Duration::from_secs(2), send.stopped()).await;
            conn.close(close::REJECTED.into(), reject.reason.as_bytes());
            let _ = ctx.events.send(HubEvent::Rejected {
                cluster: identity.cluster.to_string(),
                remote: conn.remote_address(),
                reject,
            });
            Ok(None)
        }
        HelloVerdict::Accept { hello, welcome } => {
            write_message(&mut send, &Message::Welcome(welcome), ctx.max_frame_len)
                .await
                .map_err(|e| SessionEnd::Protocol(e.to_string()))?;
            let cluster = identity.cluster.to_string();
            ctx.outbox.agent_holds(&cluster, hello.last_applied);
            tracing::info!(agent_version = %hello.agent_version, last_applied = ?hello.last_applied, "agent connected");
            let _ = ctx.events.send(HubEvent::Connected { cluster, remote: conn.remote_address(), hello });
            Ok(Some((send, recv)))
        }
    }
}

async fn serve(
    conn: &quinn::Connection,
    cluster: &str,
    mut send: quinn::SendStream,
    mut recv: quinn::RecvStream,
    ctx: &SessionContext,
) -> SessionEnd {
    let reader = async {
        loop {
            match read_message(&mut recv, ctx.max_frame_len).await {
                Ok(Some(Message::Ack(ack))) => record_ack(ctx, cluster, ack),
                Ok(Some(Message::StatusReport(report))) => {
                    let _ =
                        ctx.events.send(HubEvent::Status { cluster: cluster.to_string(), report: Box::new(report) });
                }
                Ok(Some(Message::Heartbeat(_))) => {}
                Ok(Some(Message::Goodbye(g))) => return SessionEnd::Goodbye(g.reason),
                Ok(Some(other)) => {
                    return SessionEnd::Protocol(format!("unexpected {} on control stream", other.kind()));
                }
                Ok(None) => return SessionEnd::Goodbye("control stream closed".into()),
                Err(e) => return connection_or_protocol(conn, e.to_string()),
            }
        }
    };
    let heartbeats = async {
        let mut tick = tokio::time::interval(ctx.heartbeat_interval);
        tick.tick().await;
        loop {
            tick.tick().await;
            let hb = Message::Heartbeat(Heartbeat { sent_at_ms: now_ms() });
            if let Err(e) = write_message(&mut send, &hb, ctx.max_frame_len).await {
                return connection_or_protocol(conn, e.to_string());
            }
        }
    };
    let deliveries = deliver_loop(conn, cluster, ctx);
    tokio::select! {
        end = reader => end,
        end = heartbeats => end,
        end = deliveries => end,
    }
}

fn record_ack(ctx: &SessionContext, cluster: &str, ack: Ack) {
    tracing::info!(generation = ack.generation, outcome = ?ack.outcome, "bundle acknowledged");
    ctx.outbox.record_ack(cluster, ack.clone());
    let _ = ctx.events.send(HubEvent::Acked { cluster: cluster.to_string(), ack });
}

/// Prefers the connection's own close reason over a stream error it caused.
fn connection_or_protocol(conn: &quinn::Connection, detail: String) -> SessionEnd {
    match conn.close_reason() {
        Some(e) => SessionEnd::Connection(e),
        None => SessionEnd::Protocol(detail),
    }
}

async fn deliver_loop(conn: &quinn::Connection, cluster: &str, ctx: &SessionContext) -> SessionEnd {
    let mut changes = ctx.outbox.subscribe(cluster);
    loop {
        let (decision, latest) = ctx.outbox.decision(cluster);
        match (decision, latest) {
            (DeliveryDecision::Send, Some(bundle)) if !ctx.outbox.refused(cluster, &bundle.signed.digest) => {
                match deliver(conn, &bundle, ctx.max_frame_len).await {
                    Ok(ack) => record_ack(ctx, cluster, ack),
                    Err(end) => return end,
                }
                continue;
            }
            (DeliveryDecision::AgentAhead, Some(bundle)) => {
                tracing::warn!(
                    hub_generation = bundle.generation,
                    "agent holds a newer generation than the hub; not sending"
                );
            }
            _ => {}
        }
        if changes.changed().await.is_err() {
            return SessionEnd::Goodbye("hub outbox closed".into());
        }
    }
}

/// Sends one bundle on a fresh stream and waits for the agent's verdict.
async fn deliver(conn: &quinn::Connection, bundle: &OutgoingBundle, max_frame_len: usize) -> Result<Ack, SessionEnd> {
    let started = std::time::Instant::now();
    let messages = bundle_messages(&bundle.signed, max_frame_len).map_err(|e| SessionEnd::Protocol(e.to_string()))?;
    let (mut send, mut recv) = conn.open_bi().await?;
    for m in &messages {
        write_message(&mut send, m, max_frame_len).await.map_err(|e| connection_or_protocol(conn, e.to_string()))?;
    }
    let _ = send.finish();
    let ack = match read_message(&mut recv, max_frame_len).await {
        Ok(Some(Message::Ack(ack))) => ack,
        Ok(Some(other)) => return Err(SessionEnd::Protocol(format!("expected Ack for bundle, got {}", other.kind()))),
        Ok(None) => return Err(connection_or_protocol(conn, "bundle stream closed without Ack".into())),
        Err(e) => return Err(connection_or_protocol(conn, e.to_string())),
    };
    if ack.digest != bundle.signed.digest {
        return Err(SessionEnd::Protocol(format!(
            "Ack names bundle {} but {} was sent",
            ack.digest, bundle.signed.digest
        )));
    }
    tracing::info!(
        generation = bundle.generation,
        bytes = bundle.signed.payload.len(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "bundle delivered"
    );
    Ok(ack)
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}
