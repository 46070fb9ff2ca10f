//! One simulated cluster in the running server: its state behind its own
//! lock (clusters never contend with each other), the broadcast channel
//! watches listen on, its fault settings and controller tuning.

use crate::faults::Faults;
use crate::store::{ClusterState, Now};
use crate::watch::Event;
use parking_lot::Mutex;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::{Notify, broadcast};

/// Capacity of a cluster's event channel; a watcher that falls further
/// behind gets 410 Gone and re-lists, as with a real apiserver.
const EVENT_BUFFER: usize = 256;

pub struct Cluster {
    pub name: String,
    state: Mutex<ClusterState>,
    events: broadcast::Sender<Arc<Event>>,
    faults: Mutex<Faults>,
    /// Wakes the controller loop after a write.
    pub(crate) wake: Notify,
    ready_delay_ms: AtomicU64,
    dirty: AtomicBool,
}

impl Cluster {
    pub fn new(name: &str, seed: u64, ready_delay: Duration) -> Cluster {
        let (events, _) = broadcast::channel(EVENT_BUFFER);
        Cluster {
            name: name.to_string(),
            state: Mutex::new(ClusterState::new(name, seed)),
            events,
            faults: Mutex::new(Faults::default()),
            wake: Notify::new(),
            ready_delay_ms: AtomicU64::new(ready_delay.as_millis() as u64),
            dirty: AtomicBool::new(false),
        }
    }

    pub fn read<R>(&self, f: impl FnOnce(&ClusterState) -> R) -> R {
        f(&self.state.lock())
    }

    /// Runs a mutation, then garbage-collects, broadcasts the resulting
    /// events (still under the lock, so watchers see them in order) and wakes
    /// the controllers.
    pub fn write<R>(&self, f: impl FnOnce(&mut ClusterState) -> R) -> R {
        let mut s = self.state.lock();
        let r = f(&mut s);
        if s.gc_needed() {
            s.collect_garbage(Now::from_system());
        }
        let events = s.take_pending();
        if !events.is_empty() {
            for e in events {
                // No receivers is fine: nobody is watching.
                let _ = self.events.send(e);
            }
            self.dirty.store(true, Ordering::Release);
            self.wake.notify_one();
        }
        r
    }

    /// Runs `f` under the lock and subscribes to later events atomically, so
    /// a watch neither misses nor duplicates events around its snapshot.
    pub fn snapshot_and_subscribe<R>(
        &self,
        f: impl FnOnce(&ClusterState) -> R,
    ) -> (R, broadcast::Receiver<Arc<Event>>) {
        let s = self.state.lock();
        let r = f(&s);
        (r, self.events.subscribe())
    }

    pub fn faults(&self) -> Faults {
        self.faults.lock().clone()
    }

    pub fn set_faults(&self, f: Faults) {
        tracing::info!(cluster = %self.name, faults = ?f, "fault settings changed");
        *self.faults.lock() = f;
    }

    pub fn ready_delay(&self) -> Duration {
        Duration::from_millis(self.ready_delay_ms.load(Ordering::Relaxed))
    }

    pub fn set_ready_delay(&self, d: Duration) {
        self.ready_delay_ms.store(d.as_millis() as u64, Ordering::Relaxed);
        self.wake.notify_one();
    }

    /// Whether anything changed since the last call (for persistence).
    pub fn take_dirty(&self) -> bool {
        self.dirty.swap(false, Ordering::AcqRel)
    }
}
