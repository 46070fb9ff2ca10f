//! The agent's link to the hub: it dials out (so agents behind NAT work),
//! proves its identity with its certificate, says `Hello`, and then receives
//! bundles, verifies them and acknowledges them.
//!
//! - [`dial`]: the quinn client endpoint and its transport settings.
//! - [`session`]: handshake and the running session.
//! - [`errors`]: turning QUIC and TLS failures into messages a person can act on.

pub mod dial;
pub mod errors;
pub mod session;

pub use errors::UplinkError;
pub use session::{Delivery, Incoming, Refusal, Uplink, UplinkConfig};
