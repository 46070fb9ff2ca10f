//! Delivery: the hub's QUIC endpoint that agents dial, and what it sends them.
//!
//! - [`handshake`]: the pure decision on an agent's `Hello`.
//! - [`outbox`]: the latest signed bundle per cluster and what each agent has
//!   acknowledged; decides what a session must send.
//! - [`session`]: one agent connection (control stream, bundle streams).
//! - [`endpoint`]: the quinn endpoint, the accept loop and the revocation sweep.

pub mod endpoint;
pub mod handshake;
pub mod outbox;
pub mod session;

pub use endpoint::{HubEndpoint, HubEndpointConfig, HubEvent};
pub use outbox::{DeliveryDecision, Outbox};
