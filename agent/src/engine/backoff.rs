//! When to try again: the app's `retry` policy for failed syncs, a fixed
//! schedule for transient API errors, and the self-heal governor that slows
//! the agent down when something keeps changing a resource back (a fight
//! with another controller should not become a hot loop).

use convoy_protocol::bundle::RetryPolicy;
use std::time::Duration;

/// Argo CD's retry backoff: `duration * factor^attempt`, capped at
/// `maxDuration`; `limit` retries after the first attempt, negative for no limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrySchedule {
    limit: Option<u32>,
    base_ms: u64,
    factor: u64,
    max_ms: u64,
}

impl RetrySchedule {
    /// The app's policy; without one a failed sync is not retried until
    /// something changes, as in Argo CD.
    pub fn of(policy: Option<&RetryPolicy>) -> RetrySchedule {
        match policy {
            None => RetrySchedule { limit: Some(0), base_ms: 5_000, factor: 2, max_ms: 180_000 },
            Some(p) => RetrySchedule {
                limit: u32::try_from(p.limit).ok(),
                base_ms: if p.backoff_duration_ms == 0 { 5_000 } else { p.backoff_duration_ms },
                factor: p.backoff_factor.max(1) as u64,
                max_ms: if p.backoff_max_duration_ms == 0 { 180_000 } else { p.backoff_max_duration_ms },
            },
        }
    }

    /// For API errors that say nothing about the manifests (5xx, 429, a
    /// refused connection): always retried, at most 10 s apart.
    pub fn transient() -> RetrySchedule {
        RetrySchedule { limit: None, base_ms: 500, factor: 2, max_ms: 10_000 }
    }

    /// The wait before retry number `retry` (0 = the first retry), or `None`
    /// when the limit is spent.
    pub fn delay(&self, retry: u32) -> Option<Duration> {
        if self.limit.is_some_and(|l| retry >= l) {
            return None;
        }
        let ms = self.factor.checked_pow(retry).and_then(|f| self.base_ms.checked_mul(f)).unwrap_or(u64::MAX);
        Some(Duration::from_millis(ms.min(self.max_ms)))
    }
}

/// Paces self-heal per resource: the first revert is immediate; reverts
/// that follow within `window` of the previous one wait 1 s, 2 s, 4 s ...
/// up to a minute; a quiet window resets it.
#[derive(Debug, Clone, Default)]
pub struct HealGovernor {
    last_heal_ms: Option<u64>,
    streak: u32,
}

impl HealGovernor {
    const WINDOW_MS: u64 = 120_000;
    const MAX_DELAY_MS: u64 = 60_000;

    /// How long to wait before reverting drift seen at `now_ms`.
    pub fn delay(&self, now_ms: u64) -> Duration {
        match self.last_heal_ms {
            Some(last) if now_ms.saturating_sub(last) < Self::WINDOW_MS && self.streak > 0 => {
                let ms = 1_000u64.saturating_mul(1 << (self.streak - 1).min(16)).min(Self::MAX_DELAY_MS);
                Duration::from_millis(ms.saturating_sub(now_ms.saturating_sub(last)))
            }
            _ => Duration::ZERO,
        }
    }

    /// Records a revert made at `now_ms`.
    pub fn healed(&mut self, now_ms: u64) {
        let within = self.last_heal_ms.is_some_and(|l| now_ms.saturating_sub(l) < Self::WINDOW_MS);
        self.streak = if within { self.streak + 1 } else { 1 };
        self.last_heal_ms = Some(now_ms);
    }

    /// Reverts in the current streak (1 after the first).
    pub fn streak(&self) -> u32 {
        self.streak
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argo_retry_backoff() {
        let p =
            RetryPolicy { limit: 3, backoff_duration_ms: 5_000, backoff_factor: 2, backoff_max_duration_ms: 12_000 };
        let s = RetrySchedule::of(Some(&p));
        let delays: Vec<_> = (0..4).map(|i| s.delay(i).map(|d| d.as_millis())).collect();
        assert_eq!(delays, [Some(5_000), Some(10_000), Some(12_000), None]);
        let unlimited = RetrySchedule::of(Some(&RetryPolicy { limit: -1, ..p }));
        assert_eq!(unlimited.delay(1_000), Some(Duration::from_millis(12_000)), "no overflow, capped");
        assert_eq!(RetrySchedule::of(None).delay(0), None, "no policy, no retry");
        assert_eq!(RetrySchedule::transient().delay(0), Some(Duration::from_millis(500)));
        assert_eq!(RetrySchedule::transient().delay(40), Some(Duration::from_millis(10_000)));
    }

    #[test]
    fn heal_governor_slows_repeated_fights_and_forgets_them() {
        let mut g = HealGovernor::default();
        assert_eq!(g.delay(0), Duration::ZERO, "first revert at once");
        g.healed(0);
        assert_eq!(g.delay(200), Duration::from_millis(800), "second within the window waits out 1 s");
        g.healed(1_000);
        assert_eq!(g.delay(1_000), Duration::from_millis(2_000));
        g.healed(3_000);
        assert_eq!(g.streak(), 3);
        assert_eq!(g.delay(3_000 + HealGovernor::WINDOW_MS), Duration::ZERO, "quiet window resets");
        g.healed(3_000 + HealGovernor::WINDOW_MS);
        assert_eq!(g.streak(), 1);
    }
}
