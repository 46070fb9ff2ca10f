//! The latest signed bundle of each cluster and what its agent acknowledged.
//!
//! Only the newest generation per cluster is kept: publishing a new bundle
//! replaces the old one, and sessions always send what is newest when they
//! get to it, so a burst of commits costs an agent one transfer, not many.

use convoy_protocol::messages::{Ack, AckOutcome, AppliedBundle};
use convoy_protocol::{BundleDigest, SignedBundle};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::watch;

/// A bundle ready to go, with the facts a session needs without decoding it.
#[derive(Debug, Clone)]
pub struct OutgoingBundle {
    pub generation: u64,
    pub signed: Arc<SignedBundle>,
}

impl OutgoingBundle {
    pub fn marker(&self) -> AppliedBundle {
        AppliedBundle { generation: self.generation, digest: self.signed.digest }
    }
}

/// What a session should do about a cluster's latest bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryDecision {
    /// Nothing published yet.
    Nothing,
    /// The agent already has it.
    UpToDate,
    /// Send it.
    Send,
    /// The agent reports a newer generation than the hub has (the hub lost
    /// its state, say); sending would be refused as a rollback.
    AgentAhead,
}

/// Decides whether `latest` must be sent to an agent that has `agent_has`.
pub fn decide(latest: Option<AppliedBundle>, agent_has: Option<AppliedBundle>) -> DeliveryDecision {
    match (latest, agent_has) {
        (None, _) => DeliveryDecision::Nothing,
        (Some(_), None) => DeliveryDecision::Send,
        (Some(l), Some(a)) if l == a => DeliveryDecision::UpToDate,
        (Some(l), Some(a)) if l.generation > a.generation => DeliveryDecision::Send,
        (Some(_), Some(_)) => DeliveryDecision::AgentAhead,
    }
}

#[derive(Debug)]
struct Slot {
    latest: watch::Sender<Option<OutgoingBundle>>,
    /// What the agent last said it holds (from `Hello` or an `Ack`).
    agent_has: Option<AppliedBundle>,
    last_ack: watch::Sender<Option<Ack>>,
}

impl Slot {
    fn new() -> Slot {
        Slot { latest: watch::channel(None).0, agent_has: None, last_ack: watch::channel(None).0 }
    }
}

/// Shared between the publisher (the hub loop, or a test) and the sessions.
#[derive(Debug, Default)]
pub struct Outbox {
    slots: Mutex<HashMap<String, Slot>>,
}

impl Outbox {
    fn slots(&self) -> MutexGuard<'_, HashMap<String, Slot>> {
        // A panic elsewhere while holding the lock leaves plain data behind,
        // still consistent field by field; keep serving.
        self.slots.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Makes `signed` the bundle for `cluster`, replacing any older one.
    pub fn publish(&self, cluster: &str, generation: u64, signed: SignedBundle) {
        let mut slots = self.slots();
        let slot = slots.entry(cluster.to_string()).or_insert_with(Slot::new);
        slot.latest.send_replace(Some(OutgoingBundle { generation, signed: Arc::new(signed) }));
    }

    /// A receiver that changes whenever `cluster` gets a new bundle.
    pub fn subscribe(&self, cluster: &str) -> watch::Receiver<Option<OutgoingBundle>> {
        self.slots().entry(cluster.to_string()).or_insert_with(Slot::new).latest.subscribe()
    }

    /// A receiver of the latest acknowledgement from `cluster`'s agent.
    pub fn acks(&self, cluster: &str) -> watch::Receiver<Option<Ack>> {
        self.slots().entry(cluster.to_string()).or_insert_with(Slot::new).last_ack.subscribe()
    }

    pub fn latest(&self, cluster: &str) -> Option<OutgoingBundle> {
        self.slots().get(cluster).and_then(|s| s.latest.borrow().clone())
    }

    /// Records what an agent holds, as stated in its `Hello`.
    pub fn agent_holds(&self, cluster: &str, has: Option<AppliedBundle>) {
        self.slots().entry(cluster.to_string()).or_insert_with(Slot::new).agent_has = has;
    }

    /// Records an acknowledgement.
    pub fn record_ack(&self, cluster: &str, ack: Ack) {
        let mut slots = self.slots();
        let slot = slots.entry(cluster.to_string()).or_insert_with(Slot::new);
        if matches!(ack.outcome, AckOutcome::Stored | AckOutcome::Applied) {
            slot.agent_has = Some(AppliedBundle { generation: ack.generation, digest: ack.digest });
        }
        slot.last_ack.send_replace(Some(ack));
    }

    /// What to do about `cluster` right now.
    pub fn decision(&self, cluster: &str) -> (DeliveryDecision, Option<OutgoingBundle>) {
        let slots = self.slots();
        let Some(slot) = slots.get(cluster) else { return (DeliveryDecision::Nothing, None) };
        let latest = slot.latest.borrow().clone();
        (decide(latest.as_ref().map(OutgoingBundle::marker), slot.agent_has), latest)
    }

    /// Whether the agent already refused exactly this bundle, so it is not
    /// sent again in a loop.
    pub fn refused(&self, cluster: &str, digest: &BundleDigest) -> bool {
        self.slots().get(cluster).is_some_and(|s| {
            s.last_ack
                .borrow()
                .as_ref()
                .is_some_and(|a| a.digest == *digest && matches!(a.outcome, AckOutcome::Rejected { .. }))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(generation: u64, d: u8) -> AppliedBundle {
        AppliedBundle { generation, digest: BundleDigest([d; 32]) }
    }

    #[test]
    fn decisions() {
        assert_eq!(decide(None, Some(m(1, 1))), DeliveryDecision::Nothing);
        assert_eq!(decide(Some(m(1, 1)), None), DeliveryDecision::Send);
        assert_eq!(decide(Some(m(2, 2)), Some(m(1, 1))), DeliveryDecision::Send);
        assert_eq!(decide(Some(m(2, 2)), Some(m(2, 2))), DeliveryDecision::UpToDate);
        assert_eq!(decide(Some(m(2, 2)), Some(m(3, 3))), DeliveryDecision::AgentAhead);
        assert_eq!(decide(Some(m(2, 2)), Some(m(2, 9))), DeliveryDecision::AgentAhead);
    }

    #[test]
    fn acks_advance_what_the_agent_has_but_rejections_do_not() {
        let outbox = Outbox::default();
        let signer = convoy_protocol::BundleSigner::generate();
        let signed = signer.sign_payload(vec![1, 2, 3]);
        let digest = signed.digest;
        outbox.publish("c", 1, signed);
        assert_eq!(outbox.decision("c").0, DeliveryDecision::Send);
        outbox.record_ack("c", Ack { generation: 1, digest, outcome: AckOutcome::Rejected { reason: "no".into() } });
        assert_eq!(outbox.decision("c").0, DeliveryDecision::Send);
        assert!(outbox.refused("c", &digest));
        outbox.record_ack("c", Ack { generation: 1, digest, outcome: AckOutcome::Stored });
        assert_eq!(outbox.decision("c").0, DeliveryDecision::UpToDate);
        assert!(!outbox.refused("c", &digest));
    }
}
