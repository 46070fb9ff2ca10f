//! The timing shell around `reconcile`: runs a pass after every write to the
//! cluster and whenever a controller asked to be woken, and sleeps otherwise,
//! so a thousand idle clusters cost nothing.

use crate::cluster::Cluster;
use crate::store::Now;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// Upper bound on a pass's sleep, so a missed wake-up heals itself.
const MAX_SLEEP: Duration = Duration::from_secs(30);

pub async fn run(cluster: Arc<Cluster>, mut shutdown: watch::Receiver<bool>) {
    let mut all = true;
    // A selective pass skips the controllers that asked for a timer, so the
    // earliest requested wake-up is kept until a full pass replaces it.
    let mut due: Option<u64> = None;
    loop {
        let now = Now::from_system();
        if due.is_some_and(|d| d <= now.ms) {
            all = true;
        }
        let delay = cluster.ready_delay().as_millis() as u64;
        let next = cluster.write(|s| super::reconcile(s, now, delay, all));
        due = if all { next } else { [due, next].into_iter().flatten().min() };
        let sleep = due.map_or(MAX_SLEEP, |d| {
            Duration::from_millis(d.saturating_sub(Now::from_system().ms).max(1)).min(MAX_SLEEP)
        });
        tokio::select! {
            _ = cluster.wake.notified() => {
                // Coalesce bursts of writes (an apply of many objects) into one pass.
                tokio::time::sleep(Duration::from_millis(5)).await;
                all = false;
            }
            _ = tokio::time::sleep(sleep) => all = true,
            _ = shutdown.changed() => return,
        }
    }
}
