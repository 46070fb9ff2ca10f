//! Building the agent's QUIC client endpoint.

use super::errors::UplinkError;
use crate::identity::AgentIdentity;
use convoy_protocol::tls;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// A client endpoint bound to an ephemeral local port of the hub's family.
pub fn client_endpoint(
    hub: SocketAddr,
    identity: &AgentIdentity,
    keep_alive: Duration,
    idle_timeout: Duration,
) -> Result<quinn::Endpoint, UplinkError> {
    let tls = tls::client_config(&identity.ca_certs, identity.cert_chain.clone(), identity.key.clone_key())
        .map_err(|e| UplinkError::Config(e.to_string()))?;
    endpoint_with(hub, tls, keep_alive, idle_timeout)
}

/// As [`client_endpoint`] with an arbitrary rustls configuration (tests use
/// it to present no certificate at all).
pub fn endpoint_with(
    hub: SocketAddr,
    tls: rustls::ClientConfig,
    keep_alive: Duration,
    idle_timeout: Duration,
) -> Result<quinn::Endpoint, UplinkError> {
    let crypto =
        quinn::crypto::rustls::QuicClientConfig::try_from(tls).map_err(|e| UplinkError::Config(e.to_string()))?;
    let mut client = quinn::ClientConfig::new(Arc::new(crypto));
    let mut transport = quinn::TransportConfig::default();
    // Keep-alives both detect a dead hub and keep NAT mappings open; 10 s is
    // well under the 30 s UDP timeouts common in NAT devices.
    transport.keep_alive_interval(Some(keep_alive));
    transport.max_idle_timeout(Some(
        quinn::IdleTimeout::try_from(idle_timeout).map_err(|e| UplinkError::Config(e.to_string()))?,
    ));
    transport.stream_receive_window(quinn::VarInt::from_u32(8 * 1024 * 1024));
    transport.receive_window(quinn::VarInt::from_u32(16 * 1024 * 1024));
    client.transport_config(Arc::new(transport));
    let local: SocketAddr = if hub.is_ipv4() { ([0, 0, 0, 0], 0).into() } else { ([0u16; 8], 0).into() };
    let mut endpoint =
        quinn::Endpoint::client(local).map_err(|e| UplinkError::Config(format!("cannot open a UDP socket: {e}")))?;
    endpoint.set_default_client_config(client);
    Ok(endpoint)
}
