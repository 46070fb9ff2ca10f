//! The hub's live revocation list.
//!
//! Consulted on every agent handshake. It re-reads the ledger only when the
//! file's modification stamp changed, so the common case costs one `stat`,
//! and a `certs revoke` run while the hub is serving takes effect on the next
//! handshake. If the ledger cannot be read at that moment (another process
//! holds it), the previous list stays in force and the read is retried next
//! time: a revocation is never forgotten, only possibly delayed.

use crate::ledger::Ledger;
use convoy_protocol::ClusterIdentity;
use convoy_protocol::tls::RevocationCheck;
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

#[derive(Debug)]
pub struct LedgerRevocationCheck {
    path: PathBuf,
    cache: Mutex<Cache>,
}

#[derive(Debug, Default)]
struct Cache {
    stamp: Option<(SystemTime, u64)>,
    revoked: HashSet<String>,
}

impl LedgerRevocationCheck {
    pub fn new(ledger_path: impl Into<PathBuf>) -> LedgerRevocationCheck {
        LedgerRevocationCheck { path: ledger_path.into(), cache: Mutex::new(Cache::default()) }
    }

    /// Whether a serial (hex) is revoked, refreshing from disk if needed.
    pub fn is_revoked(&self, serial_hex: &str) -> bool {
        let mut cache = match self.cache.lock() {
            Ok(c) => c,
            Err(poisoned) => poisoned.into_inner(),
        };
        let stamp = std::fs::metadata(&self.path).ok().and_then(|m| Some((m.modified().ok()?, m.len())));
        if stamp != cache.stamp {
            // One attempt only: this runs inside a TLS handshake.
            match Ledger::read_revoked_within(&self.path, Duration::ZERO) {
                Ok(revoked) => {
                    cache.revoked = revoked;
                    cache.stamp = stamp;
                }
                Err(e) => tracing::warn!(error = %e, "cannot refresh revocation list; keeping the previous one"),
            }
        }
        cache.revoked.contains(serial_hex)
    }
}

impl RevocationCheck for LedgerRevocationCheck {
    fn check(&self, identity: &ClusterIdentity) -> Result<(), String> {
        if self.is_revoked(&identity.serial_hex()) {
            return Err(format!("certificate {} of cluster {} is revoked", identity.serial_hex(), identity.cluster));
        }
        Ok(())
    }
}
