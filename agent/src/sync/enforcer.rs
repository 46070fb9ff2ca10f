//! The long-running loop that keeps the cluster matching the bundle, with
//! or without a hub: a worker per app syncs each new version of the app,
//! retries failed syncs with the app's backoff (transient API errors
//! always), checks every watched change for drift, reverts it when
//! selfHeal is on, and publishes the app's status as it changes.

use super::live::{LiveEvent, LiveWatches};
use super::operation::{OperationOptions, Progress, delete_app, sync_app};
use super::target::Target;
use crate::cluster::Cluster;
use crate::engine::backoff::{HealGovernor, RetrySchedule};
use crate::engine::desired::DesiredApp;
use crate::engine::diff::drift;
use crate::engine::inventory::ResourceKey;
use crate::engine::order::{Role, role};
use crate::engine::status::{Observed, app_status, resource_status};
use crate::state::AgentState;
use convoy_protocol::Bundle;
use convoy_protocol::status::{AppStatus, HealthState, StatusEvent, StatusReport, SyncState};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;
use tracing::Instrument;

pub type ProgressFn = Arc<dyn Fn(Progress) + Send + Sync>;

#[derive(Debug, Clone)]
pub struct EnforcerConfig {
    pub cluster_name: String,
    pub operation: OperationOptions,
    /// How often every resource is re-read, whatever the watches say.
    pub resync: Duration,
    /// How many recent events a status report carries.
    pub event_history: usize,
}

impl EnforcerConfig {
    pub fn new(cluster_name: impl Into<String>) -> EnforcerConfig {
        EnforcerConfig {
            cluster_name: cluster_name.into(),
            operation: OperationOptions::default(),
            resync: Duration::from_secs(180),
            event_history: 50,
        }
    }
}

/// Where an app's latest sync stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum OperationState {
    Syncing,
    Succeeded,
    /// Failed; another attempt is scheduled.
    Retrying,
    /// Failed with no retry left (until the app changes or the next resync).
    Failed,
}

/// What the enforcer publishes: the report the hub gets, and where each
/// app's sync operation stands (for `apply --once` to know when to stop).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EnforcerStatus {
    pub report: StatusReport,
    pub operations: BTreeMap<String, OperationState>,
}

impl EnforcerStatus {
    /// Every app of the bundle has finished a sync (or given up) and none is
    /// still progressing.
    pub fn settled(&self) -> bool {
        !self.operations.is_empty()
            && self.operations.values().all(|o| matches!(o, OperationState::Succeeded | OperationState::Failed))
            && self.operations.keys().all(|a| self.report.apps.iter().any(|s| &s.name == a))
            && self.report.apps.iter().all(|a| a.health != HealthState::Progressing && a.sync != SyncState::Unknown)
    }
}

/// Status and events from a worker.
enum Update {
    Status(AppStatus),
    Event(StatusEvent),
    Operation(OperationState),
}

pub struct Enforcer {
    cluster: Arc<Cluster>,
    state: Arc<AgentState>,
    watches: Arc<LiveWatches>,
    config: EnforcerConfig,
    progress: ProgressFn,
}

struct Worker {
    desired: watch::Sender<Arc<DesiredApp>>,
    task: tokio::task::JoinHandle<()>,
}

/// A worker lives no longer than the enforcer that started it: when the
/// enforcer's future is dropped (its task aborted), its workers stop too
/// instead of syncing on unsupervised and holding the state open.
impl Drop for Worker {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Enforcer {
    pub fn new(
        cluster: Arc<Cluster>,
        state: Arc<AgentState>,
        config: EnforcerConfig,
        progress: ProgressFn,
    ) -> Enforcer {
        let watches = Arc::new(LiveWatches::new(cluster.clone()));
        Enforcer { cluster, state, watches, config, progress }
    }

    /// Enforces each bundle that arrives on `bundles`, publishing the status
    /// on `status`, until `bundles` closes.
    pub async fn run(self, mut bundles: watch::Receiver<Option<Arc<Bundle>>>, status: watch::Sender<EnforcerStatus>) {
        let (updates_tx, mut updates) = mpsc::unbounded_channel::<(String, Update)>();
        let mut workers: HashMap<String, Worker> = HashMap::new();
        let mut report = EnforcerStatus::default();
        let mut apps: BTreeMap<String, AppStatus> = BTreeMap::new();
        let mut events: VecDeque<StatusEvent> = VecDeque::new();
        let mut fresh = true;
        loop {
            let bundle = if fresh { bundles.borrow_and_update().clone() } else { None };
            fresh = false;
            if let Some(bundle) = bundle {
                report.report.generation = bundle.generation;
                let span =
                    tracing::info_span!("bundle", cluster = %self.config.cluster_name, generation = bundle.generation);
                self.apply_bundle(&bundle, &mut workers, &mut apps, &mut report, &updates_tx).instrument(span).await;
                self.publish(&status, &mut report, &apps, &events);
            }
            tokio::select! {
                changed = bundles.changed() => {
                    if changed.is_err() {
                        break;
                    }
                    fresh = true;
                }
                Some((app, update)) = updates.recv() => {
                    let mut pending = vec![(app, update)];
                    while let Ok(more) = updates.try_recv() {
                        pending.push(more);
                    }
                    for (app, update) in pending {
                        match update {
                            Update::Status(s) if workers.contains_key(&app) => { apps.insert(app, s); }
                            Update::Operation(o) if workers.contains_key(&app) => { report.operations.insert(app, o); }
                            Update::Status(_) | Update::Operation(_) => {}
                            Update::Event(e) => {
                                events.push_back(e);
                                while events.len() > self.config.event_history {
                                    events.pop_front();
                                }
                            }
                        }
                    }
                    self.publish(&status, &mut report, &apps, &events);
                }
            }
        }
        for (_, w) in workers {
            w.task.abort();
        }
    }

    fn publish(
        &self,
        status: &watch::Sender<EnforcerStatus>,
        state: &mut EnforcerStatus,
        apps: &BTreeMap<String, AppStatus>,
        events: &VecDeque<StatusEvent>,
    ) {
        let report = &mut state.report;
        report.sequence += 1;
        report.observed_at_ms = now_ms();
        report.apps = apps.values().cloned().collect();
        report.events = events.iter().cloned().collect();
        status.send_replace(state.clone());
    }

    async fn apply_bundle(
        &self,
        bundle: &Bundle,
        workers: &mut HashMap<String, Worker>,
        apps: &mut BTreeMap<String, AppStatus>,
        report: &mut EnforcerStatus,
        updates: &mpsc::UnboundedSender<(String, Update)>,
    ) {
        let mut wanted = std::collections::HashSet::new();
        for app in &bundle.apps {
            wanted.insert(app.name.clone());
            let desired = match DesiredApp::from_bundle(app) {
                Ok(d) => Arc::new(d),
                Err(e) => {
                    tracing::error!(app = %app.name, error = %e, "unusable app in a verified bundle");
                    apps.insert(app.name.clone(), failed_status(&app.name, &app.revision, &e.to_string()));
                    report.operations.insert(app.name.clone(), OperationState::Failed);
                    continue;
                }
            };
            match workers.get(&app.name) {
                Some(w) => {
                    let changed = w.desired.send_if_modified(|d| {
                        let changed = **d != *desired;
                        if changed {
                            *d = desired.clone();
                        }
                        changed
                    });
                    if changed {
                        report.operations.insert(app.name.clone(), OperationState::Syncing);
                    }
                }
                None => {
                    report.operations.insert(app.name.clone(), OperationState::Syncing);
                    let (tx, rx) = watch::channel(desired.clone());
                    let worker = AppWorker::new(self, desired, updates.clone());
                    let events = self.watches.subscribe(&app.name);
                    let span = tracing::info_span!("app", cluster = %self.config.cluster_name, app = %app.name, generation = bundle.generation);
                    let task = tokio::spawn(worker.run(rx, events).instrument(span));
                    workers.insert(app.name.clone(), Worker { desired: tx, task });
                }
            }
        }
        // Apps that left the bundle, including ones known only from the
        // inventory (they left while the agent was down).
        let mut leaving: Vec<String> = workers.keys().filter(|a| !wanted.contains(*a)).cloned().collect();
        if let Ok(records) = self.state.app_records() {
            leaving.extend(records.into_keys().filter(|a| !wanted.contains(a) && !workers.contains_key(a)));
        }
        for app in leaving {
            if let Some(w) = workers.remove(&app) {
                w.task.abort();
            }
            self.watches.unsubscribe(&app);
            apps.remove(&app);
            report.operations.remove(&app);
            let (cluster, state, progress, updates) =
                (self.cluster.clone(), self.state.clone(), self.progress.clone(), updates.clone());
            tokio::spawn(async move {
                let result = delete_app(&cluster, &state, &app, &*progress).await;
                let (reason, message) = match &result {
                    Ok(()) => ("AppDeleted", "the app left the bundle; its resources were deleted".to_string()),
                    Err(e) => ("AppDeleteFailed", e.to_string()),
                };
                let _ = updates.send((app.clone(), Update::Event(event(&app, reason, None, message))));
            });
        }
    }
}

fn failed_status(app: &str, revision: &str, message: &str) -> AppStatus {
    AppStatus {
        name: app.to_string(),
        revision: revision.to_string(),
        sync: SyncState::Unknown,
        health: HealthState::Unknown,
        message: message.to_string(),
        resources: vec![],
    }
}

pub fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

fn event(app: &str, reason: &str, resource: Option<String>, message: String) -> StatusEvent {
    StatusEvent { at_ms: now_ms(), app: app.to_string(), reason: reason.to_string(), resource, message }
}

/// A hash of what a manifest can set: status and server bookkeeping left
/// out, so status churn does not cost a drift check.
fn fingerprint(obj: &Value) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut v = obj.clone();
    if let Some(o) = v.as_object_mut() {
        o.remove("status");
    }
    if let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        for k in ["resourceVersion", "managedFields", "generation"] {
            meta.remove(k);
        }
    }
    let mut h = std::collections::hash_map::DefaultHasher::new();
    v.to_string().hash(&mut h);
    h.finish()
}

/// The manager that most recently wrote to `live`, other than the agent.
fn last_writer(live: &Value) -> Option<String> {
    live.pointer("/metadata/managedFields")?
        .as_array()?
        .iter()
        .filter(|m| m["manager"].as_str().is_some_and(|n| n != crate::cluster::FIELD_MANAGER))
        .max_by(|a, b| a["time"].as_str().unwrap_or_default().cmp(b["time"].as_str().unwrap_or_default()))
        .and_then(|m| {
            let manager = m["manager"].as_str()?;
            Some(match m["subresource"].as_str() {
                Some(sub) if !sub.is_empty() => format!("{manager} (via {sub})"),
                _ => manager.to_string(),
            })
        })
}

struct AppWorker {
    cluster: Arc<Cluster>,
    state: Arc<AgentState>,
    watches: Arc<LiveWatches>,
    config: EnforcerConfig,
    progress: ProgressFn,
    updates: mpsc::UnboundedSender<(String, Update)>,
    desired: Arc<DesiredApp>,
    targets: BTreeMap<ResourceKey, Target>,
    /// The key of each desired object, by its position in the app (None
    /// for hooks and for kinds the cluster does not serve yet).
    keys: Vec<Option<ResourceKey>>,
    live: HashMap<ResourceKey, Value>,
    drift: HashMap<ResourceKey, Vec<String>>,
    clean: HashMap<ResourceKey, u64>,
    governors: HashMap<ResourceKey, HealGovernor>,
    heal_due: BTreeMap<ResourceKey, Instant>,
    awaiting_prune: Vec<ResourceKey>,
    failure: Option<String>,
    last_published: Option<AppStatus>,
}

impl AppWorker {
    fn new(e: &Enforcer, desired: Arc<DesiredApp>, updates: mpsc::UnboundedSender<(String, Update)>) -> AppWorker {
        AppWorker {
            cluster: e.cluster.clone(),
            state: e.state.clone(),
            watches: e.watches.clone(),
            config: e.config.clone(),
            progress: e.progress.clone(),
            updates,
            desired,
            targets: BTreeMap::new(),
            keys: vec![],
            live: HashMap::new(),
            drift: HashMap::new(),
            clean: HashMap::new(),
            governors: HashMap::new(),
            heal_due: BTreeMap::new(),
            awaiting_prune: vec![],
            failure: None,
            last_published: None,
        }
    }

    fn name(&self) -> &str {
        &self.desired.name
    }

    fn event(&self, reason: &str, resource: Option<String>, message: String) {
        tracing::info!(reason, resource = resource.as_deref().unwrap_or(""), "{message}");
        let _ =
            self.updates.send((self.name().to_string(), Update::Event(event(self.name(), reason, resource, message))));
    }

    fn operation(&self, state: OperationState) {
        let _ = self.updates.send((self.name().to_string(), Update::Operation(state)));
    }

    async fn run(
        mut self,
        mut desired: watch::Receiver<Arc<DesiredApp>>,
        mut live: mpsc::UnboundedReceiver<LiveEvent>,
    ) {
        let mut need_sync = true;
        let mut retry = 0u32;
        let mut wake_at = Some(Instant::now());
        let mut resync = tokio::time::interval_at(Instant::now() + self.config.resync, self.config.resync);
        loop {
            if need_sync && wake_at.is_some_and(|w| w <= Instant::now()) {
                let app = self.desired.clone();
                self.operation(OperationState::Syncing);
                let result = tokio::select! {
                    r = sync_app(&self.cluster, &self.state, &app, &self.config.operation, &*self.progress) => Some(r),
                    _ = desired.changed() => None,
                };
                let finished = result.is_some();
                match result {
                    // A newer version of the app arrived mid-sync: start over with it.
                    None => {
                        self.desired = desired.borrow_and_update().clone();
                        retry = 0;
                    }
                    Some(Ok(outcome)) => {
                        need_sync = false;
                        retry = 0;
                        self.failure = None;
                        self.awaiting_prune = outcome.kept.iter().map(|(k, _)| k.clone()).collect();
                        let msg = format!(
                            "{} resources applied, {} changed, {} pruned",
                            outcome.applied,
                            outcome.changed,
                            outcome.pruned.len()
                        );
                        self.event("SyncSucceeded", None, format!("revision {}: {msg}", app.revision));
                        self.operation(OperationState::Succeeded);
                    }
                    Some(Err(e)) => {
                        let schedule = if e.is_transient() {
                            RetrySchedule::transient()
                        } else {
                            RetrySchedule::of(app.policy.retry.as_ref())
                        };
                        let delay = schedule.delay(retry);
                        retry += 1;
                        wake_at = delay.map(|d| Instant::now() + d);
                        let next = delay
                            .map_or("no retry left".to_string(), |d| format!("retrying in {:.1}s", d.as_secs_f64()));
                        self.event("SyncFailed", None, format!("{e}; {next}"));
                        self.failure = Some(e.to_string());
                        self.heal_due.clear();
                        self.operation(if delay.is_some() { OperationState::Retrying } else { OperationState::Failed });
                    }
                }
                if finished {
                    self.observe_all().await;
                    self.publish();
                }
            }
            let next_heal = self.heal_due.values().min().copied();
            let next_wake = [next_heal, wake_at.filter(|_| need_sync)].into_iter().flatten().min();
            tokio::select! {
                changed = desired.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    self.desired = desired.borrow_and_update().clone();
                    need_sync = true;
                    retry = 0;
                    wake_at = Some(Instant::now());
                }
                Some(ev) = live.recv() => {
                    let mut batch = vec![ev];
                    while let Ok(more) = live.try_recv() {
                        batch.push(more);
                    }
                    for ev in batch {
                        self.on_live(ev).await;
                    }
                    self.publish();
                }
                _ = tokio::time::sleep_until(next_wake.unwrap_or_else(|| Instant::now() + Duration::from_secs(3600))) => {
                    self.heal_due_now().await;
                    self.publish();
                }
                _ = resync.tick() => {
                    if self.failure.is_some() && !need_sync {
                        // A failed sync with no retries left gets another chance per resync, as Argo CD's
                        // periodic refresh would start one when the app is still out of sync.
                        need_sync = true;
                        wake_at = Some(Instant::now());
                    }
                    self.observe_all().await;
                    self.publish();
                }
            }
        }
    }

    /// Resolves every desired resource, claims it for the watches and reads
    /// it back, checking drift.
    async fn observe_all(&mut self) {
        let mut targets = BTreeMap::new();
        let mut keys = vec![None; self.desired.objects.len()];
        for (i, obj) in self.desired.objects.iter().enumerate() {
            if !matches!(role(obj), Role::Resource) {
                continue;
            }
            match Target::resolve(&self.cluster, self.name(), &self.desired.namespace, obj).await {
                Ok(t) => {
                    keys[i] = Some(t.key.clone());
                    targets.insert(t.key.clone(), t);
                }
                Err(e) => tracing::debug!(error = %e, "cannot resolve a resource yet"),
            }
        }
        self.keys = keys;
        self.watches.claim(self.name(), targets.iter().map(|(k, t)| (k.clone(), t.kind.clone())));
        self.live.retain(|k, _| targets.contains_key(k));
        self.drift.retain(|k, _| targets.contains_key(k));
        self.clean.clear();
        self.targets = targets;
        let keys: Vec<ResourceKey> = self.targets.keys().cloned().collect();
        for key in keys {
            let Some(target) = self.targets.get(&key) else { continue };
            match target.live(&self.cluster).await {
                Ok(Some(obj)) => {
                    self.live.insert(key.clone(), obj);
                    self.check(&key).await;
                }
                Ok(None) => {
                    self.live.remove(&key);
                    self.drift.remove(&key);
                    self.schedule_heal(&key);
                }
                Err(e) => tracing::debug!(resource = %key, error = %e, "read failed"),
            }
        }
    }

    async fn on_live(&mut self, ev: LiveEvent) {
        match ev {
            LiveEvent::Changed(key, obj) => {
                let unchanged = self.clean.get(&key) == Some(&fingerprint(&obj));
                self.live.insert(key.clone(), *obj);
                if !unchanged {
                    self.check(&key).await;
                }
            }
            LiveEvent::Deleted(key) => {
                if self.live.remove(&key).is_some() {
                    self.drift.remove(&key);
                    self.clean.remove(&key);
                    self.schedule_heal(&key);
                }
            }
        }
    }

    /// Compares the live object with a dry-run apply of the desired one.
    async fn check(&mut self, key: &ResourceKey) {
        let (Some(target), Some(live)) = (self.targets.get(key), self.live.get(key)) else { return };
        let would_be = match target.apply(&self.cluster, false, true).await {
            Ok(v) => v,
            Err(e) => {
                tracing::debug!(resource = %key, error = %e, "drift check failed");
                return;
            }
        };
        let paths = drift(live, &would_be, &self.desired.ignore_for(live));
        if paths.is_empty() {
            self.clean.insert(key.clone(), fingerprint(live));
            self.drift.insert(key.clone(), paths);
        } else {
            self.clean.remove(key);
            self.drift.insert(key.clone(), paths);
            self.schedule_heal(key);
        }
    }

    fn schedule_heal(&mut self, key: &ResourceKey) {
        // After a failed sync, self-heal waits for the next sync attempt (a
        // retry, a new bundle or the resync), as Argo CD skips auto-sync of a
        // revision whose sync failed: healing a resource of a wave the
        // failed sync never reached would skip the waves before it.
        if !(self.desired.policy.automated && self.desired.policy.self_heal)
            || self.failure.is_some()
            || self.heal_due.contains_key(key)
        {
            return;
        }
        let delay = self.governors.entry(key.clone()).or_default().delay(now_ms());
        self.heal_due.insert(key.clone(), Instant::now() + delay);
    }

    async fn heal_due_now(&mut self) {
        let now = Instant::now();
        let due: Vec<ResourceKey> = self.heal_due.iter().filter(|(_, t)| **t <= now).map(|(k, _)| k.clone()).collect();
        for key in due {
            self.heal_due.remove(&key);
            if let Err(e) = self.heal(&key).await {
                self.event("SelfHealFailed", Some(key.to_string()), e.to_string());
                // Try again, paced by the governor.
                self.governors.entry(key.clone()).or_default().healed(now_ms());
                self.schedule_heal(&key);
            }
        }
    }

    async fn heal(&mut self, key: &ResourceKey) -> Result<(), crate::cluster::ClusterError> {
        let Some(target) = self.targets.get(key).cloned() else { return Ok(()) };
        let live = target.live(&self.cluster).await?;
        let what = match &live {
            None => "was deleted".to_string(),
            Some(live) => {
                let would_be = target.apply(&self.cluster, false, true).await?;
                let paths = drift(live, &would_be, &self.desired.ignore_for(live));
                if paths.is_empty() {
                    self.live.insert(key.clone(), live.clone());
                    self.clean.insert(key.clone(), fingerprint(live));
                    self.drift.insert(key.clone(), paths);
                    return Ok(());
                }
                let by = last_writer(live).map_or(String::new(), |m| format!(" by {m}"));
                format!("{} changed{by}", paths.join(", "))
            }
        };
        let opts = self.desired.options.for_resource(&target.obj);
        let target = match (&live, opts.respect_ignore_differences) {
            (Some(l), true) => target.respecting(Some(l), &self.desired.ignore_for(l)),
            _ => target,
        };
        let applied = target.apply(&self.cluster, opts.replace, false).await?;
        self.governors.entry(key.clone()).or_default().healed(now_ms());
        let streak = self.governors.get(key).map_or(1, HealGovernor::streak);
        let fights = if streak > 1 { format!(" (revert {streak} in a row; backing off)") } else { String::new() };
        self.clean.insert(key.clone(), fingerprint(&applied));
        self.drift.insert(key.clone(), vec![]);
        self.live.insert(key.clone(), applied);
        self.event("DriftReverted", Some(key.to_string()), format!("{what}; reverted{fights}"));
        Ok(())
    }

    fn publish(&mut self) {
        let mut resources = Vec::new();
        for (i, obj) in self.desired.objects.iter().enumerate() {
            if !matches!(role(obj), Role::Resource) {
                continue;
            }
            let found = self.keys.get(i).cloned().flatten().and_then(|k| self.targets.get(&k));
            let fallback;
            let (key, api_version) = match found {
                Some(t) => (&t.key, t.api_version.as_str()),
                None => {
                    fallback = ResourceKey::of(obj, obj.pointer("/metadata/namespace").is_some(), "");
                    (&fallback, obj["apiVersion"].as_str().unwrap_or_default())
                }
            };
            resources.push(resource_status(&Observed {
                key,
                api_version,
                live: self.live.get(key),
                drift: self.drift.get(key).map(Vec::as_slice),
            }));
        }
        let status =
            app_status(self.name(), &self.desired.revision, resources, &self.awaiting_prune, self.failure.as_deref());
        if self.last_published.as_ref() != Some(&status) {
            self.last_published = Some(status.clone());
            let _ = self.updates.send((self.name().to_string(), Update::Status(status)));
        }
    }
}
