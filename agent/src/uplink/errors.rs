//! Why the link to the hub failed, in words an operator can act on.

use convoy_protocol::messages::{Reject, close};

#[derive(Debug, thiserror::Error)]
pub enum UplinkError {
    #[error("agent configuration: {0}")]
    Config(String),
    #[error("the hub's certificate was not accepted: {0}")]
    HubCertificate(String),
    #[error("the hub refused this agent's certificate ({0})")]
    CertificateRefused(String),
    #[error("the hub rejected this agent: {} ({})", .0.reason, .0.code)]
    Rejected(Reject),
    #[error("the hub closed the connection: {reason} ({})", close::describe(*.code))]
    Closed { code: u64, reason: String },
    #[error("timed out {0}")]
    Timeout(&'static str),
    #[error("protocol error: {0}")]
    Protocol(String),
    #[error("connection to the hub lost: {0}")]
    Lost(String),
}

impl UplinkError {
    /// Whether reconnecting later can help without an operator.
    pub fn is_retryable(&self) -> bool {
        match self {
            UplinkError::Rejected(r) => r.code.is_retryable(),
            UplinkError::Closed { code, .. } => *code != u64::from(close::REVOKED),
            UplinkError::Timeout(_) | UplinkError::Lost(_) | UplinkError::Protocol(_) => true,
            UplinkError::Config(_) | UplinkError::HubCertificate(_) | UplinkError::CertificateRefused(_) => false,
        }
    }
}

impl From<quinn::ConnectionError> for UplinkError {
    fn from(e: quinn::ConnectionError) -> UplinkError {
        use quinn::ConnectionError as E;
        match e {
            // Raised locally: our TLS stack refused the hub.
            E::TransportError(t) if is_crypto(u64::from(t.code)) => UplinkError::HubCertificate(t.reason),
            // Raised by the hub: its TLS stack refused us.
            E::ConnectionClosed(c) if is_crypto(u64::from(c.error_code)) => {
                UplinkError::CertificateRefused(alert_meaning(u64::from(c.error_code) - 0x100).to_string())
            }
            E::ApplicationClosed(c) => UplinkError::Closed {
                code: c.error_code.into_inner(),
                reason: String::from_utf8_lossy(&c.reason).into_owned(),
            },
            E::TimedOut => UplinkError::Lost("no answer from the hub within the idle timeout".into()),
            other => UplinkError::Lost(other.to_string()),
        }
    }
}

fn is_crypto(code: u64) -> bool {
    (0x100..0x200).contains(&code)
}

/// TLS alert descriptions (RFC 8446 §6) that a certificate refusal produces.
fn alert_meaning(alert: u64) -> &'static str {
    match alert {
        40 => "handshake failure",
        42 => "bad certificate: not issued by the hub's CA, or malformed",
        43 => "unsupported certificate",
        44 => "certificate revoked",
        45 => "certificate expired",
        46 => "certificate unknown",
        48 => "unknown CA: the certificate was not issued by the hub's CA",
        49 => "access denied",
        // webpki matched an issuer by name but its signature did not verify:
        // a certificate from another CA that has the same name as the hub's.
        51 => "signature check failed: the certificate was not issued by the hub's CA",
        116 => "a client certificate is required",
        120 => "no common application protocol (ALPN convoy/1)",
        _ => "TLS alert",
    }
}
