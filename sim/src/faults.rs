//! Fault injection: a cluster can be told to answer with errors, slow down,
//! hang, or drop connections, and be put back. The settings are data; the
//! HTTP shell asks `decide` what to do with each request.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FaultMode {
    #[default]
    Healthy,
    /// Answer every request with `status` (500 or 503 typically).
    Error,
    /// Accept requests and never answer until the mode changes.
    Hang,
    /// Close connections without an answer.
    Refuse,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Faults {
    #[serde(default)]
    pub mode: FaultMode,
    /// HTTP status for `mode: error` (defaults to 503).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Extra latency added before every answer.
    #[serde(default)]
    pub latency_ms: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultAction {
    Pass,
    Error(u16),
    Hang,
    Refuse,
}

impl Faults {
    pub fn error(status: u16) -> Faults {
        Faults { mode: FaultMode::Error, status: Some(status), latency_ms: 0 }
    }

    pub fn latency(ms: u64) -> Faults {
        Faults { latency_ms: ms, ..Faults::default() }
    }

    pub fn hang() -> Faults {
        Faults { mode: FaultMode::Hang, ..Faults::default() }
    }

    pub fn refuse() -> Faults {
        Faults { mode: FaultMode::Refuse, ..Faults::default() }
    }

    pub fn decide(&self) -> FaultAction {
        match self.mode {
            FaultMode::Healthy => FaultAction::Pass,
            FaultMode::Error => {
                let s = self.status.unwrap_or(503);
                FaultAction::Error(if (400..600).contains(&s) { s } else { 503 })
            }
            FaultMode::Hang => FaultAction::Hang,
            FaultMode::Refuse => FaultAction::Refuse,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_decide() {
        let f: Faults = serde_json::from_str(r#"{"mode":"error","status":500}"#).unwrap();
        assert_eq!(f.decide(), FaultAction::Error(500));
        let f: Faults = serde_json::from_str(r#"{"mode":"error","status":42}"#).unwrap();
        assert_eq!(f.decide(), FaultAction::Error(503));
        let f: Faults = serde_json::from_str(r#"{"latencyMs":20}"#).unwrap();
        assert_eq!((f.decide(), f.latency_ms), (FaultAction::Pass, 20));
        assert!(serde_json::from_str::<Faults>(r#"{"mode":"explode"}"#).is_err());
    }
}
