//! One sync of one app, in Argo CD's order: PreSync hooks, then Namespaces
//! and CRDs, then each sync wave, prune, then PostSync hooks; SyncFail hooks
//! when anything fails. When the sync has more than one step, each step
//! waits for the previous one to be healthy (a Degraded resource or a
//! failed hook fails the sync), as gitops-engine does.
//!
//! Every resource is recorded in the app's inventory in redb *before* it is
//! applied, so a crash between the two never leaves an object the agent
//! forgot it made.

use super::SyncError;
use super::target::Target;
use crate::cluster::{Cluster, ClusterError};
use crate::engine::desired::DesiredApp;
use crate::engine::diff::drift;
use crate::engine::health::assess;
use crate::engine::inventory::{Keep, Propagation, ResourceKey, may_prune};
use crate::engine::order::{DeletePolicy, Phase, Role, Step, role, sync_steps};
use crate::state::{AgentState, AppRecord, TrackedResource};
use convoy_protocol::status::HealthState;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct OperationOptions {
    /// Ask the API server what would happen; store nothing.
    pub dry_run: bool,
    /// How long one step may take to become healthy.
    pub step_timeout: Duration,
    pub poll_interval: Duration,
}

impl Default for OperationOptions {
    fn default() -> Self {
        OperationOptions {
            dry_run: false,
            step_timeout: Duration::from_secs(300),
            poll_interval: Duration::from_millis(250),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Created,
    Configured,
    Unchanged,
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Change::Created => "created",
            Change::Configured => "configured",
            Change::Unchanged => "unchanged",
        })
    }
}

/// What a sync is doing, as it does it.
#[derive(Debug, Clone)]
pub enum Progress {
    Step {
        app: String,
        phase: Phase,
        wave: Option<i32>,
        resources: usize,
    },
    Applied {
        app: String,
        resource: String,
        change: Change,
    },
    Pruned {
        app: String,
        resource: String,
    },
    /// Left out of the desired set but kept (prune off, `Prune=false`).
    Kept {
        app: String,
        resource: String,
        reason: String,
    },
    HookDeleted {
        app: String,
        resource: String,
    },
}

#[derive(Debug, Clone, Default)]
pub struct SyncOutcome {
    pub applied: usize,
    pub changed: usize,
    pub pruned: Vec<String>,
    /// Resources that left the bundle but were kept, with why.
    pub kept: Vec<(ResourceKey, String)>,
}

/// Runs one sync of `app`.
pub async fn sync_app(
    cluster: &Cluster,
    state: &AgentState,
    app: &DesiredApp,
    options: &OperationOptions,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> Result<SyncOutcome, SyncError> {
    if app.objects.is_empty() && !app.policy.allow_empty {
        return Err(SyncError::Empty);
    }
    let mut op = Operation { cluster, state, app, options, progress, outcome: SyncOutcome::default(), hooks: vec![] };
    let steps = sync_steps(&app.objects);
    match op.run(&steps).await {
        Ok(()) => {
            op.delete_hooks(DeletePolicy::HookSucceeded).await?;
            Ok(op.outcome)
        }
        Err(e) => {
            // SyncFail hooks are best effort: the sync has already failed.
            for step in steps.iter().filter(|s| s.phase == Phase::SyncFail) {
                if let Err(hook_err) = op.run_step(step, false).await {
                    tracing::warn!(app = %app.name, error = %hook_err, "SyncFail hook");
                }
            }
            let _ = op.delete_hooks(DeletePolicy::HookFailed).await;
            Err(e)
        }
    }
}

struct Operation<'a> {
    cluster: &'a Cluster,
    state: &'a AgentState,
    app: &'a DesiredApp,
    options: &'a OperationOptions,
    progress: &'a (dyn Fn(Progress) + Send + Sync),
    outcome: SyncOutcome,
    /// Hooks created by this operation, with their delete policies.
    hooks: Vec<(Target, Vec<DeletePolicy>)>,
}

impl Operation<'_> {
    async fn run(&mut self, steps: &[Step]) -> Result<(), SyncError> {
        self.create_namespace().await?;
        let runnable: Vec<&Step> = steps.iter().filter(|s| s.phase != Phase::SyncFail).collect();
        let multi_step = runnable.len() > 1;
        let mut pruned = false;
        for (i, step) in runnable.iter().enumerate() {
            if step.phase == Phase::PostSync && !pruned && !self.app.options.prune_last {
                self.prune().await?;
                pruned = true;
            }
            let wait = multi_step && i + 1 < runnable.len();
            self.run_step(step, wait).await?;
        }
        if !pruned {
            self.prune().await?;
        }
        Ok(())
    }

    fn dry_run(&self) -> bool {
        self.options.dry_run
    }

    async fn create_namespace(&mut self) -> Result<(), SyncError> {
        if !self.app.options.create_namespace || self.app.namespace.is_empty() {
            return Ok(());
        }
        // Like Argo CD, the namespace is created but not tracked: it is not
        // pruned with the app.
        let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": self.app.namespace}});
        let kind = self.cluster.kind("v1", "Namespace").await?;
        if self.cluster.get(&kind, "", &self.app.namespace).await?.is_none() {
            self.cluster.apply(&kind, "", &ns, self.dry_run()).await?;
            (self.progress)(Progress::Applied {
                app: self.app.name.clone(),
                resource: format!("Namespace/{}", self.app.namespace),
                change: Change::Created,
            });
        }
        Ok(())
    }

    async fn run_step(&mut self, step: &Step, wait: bool) -> Result<(), SyncError> {
        (self.progress)(Progress::Step {
            app: self.app.name.clone(),
            phase: step.phase,
            wave: step.wave,
            resources: step.objects.len(),
        });
        let mut targets = Vec::with_capacity(step.objects.len());
        for &i in &step.objects {
            let obj = &self.app.objects[i];
            let target = match Target::resolve(self.cluster, &self.app.name, &self.app.namespace, obj).await {
                Ok(t) => t,
                // A dry run creates no CRD, so the kinds the bundle defines stay
                // unknown: their objects would be created.
                Err(ClusterError::UnknownKind { .. }) if self.dry_run() && self.defined_scope(obj).is_some() => {
                    let namespaced = self.defined_scope(obj) == Some(true);
                    let key = ResourceKey::of(obj, namespaced, &self.app.namespace);
                    self.report_label(key.to_string(), Change::Created);
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            let hook = match role(obj) {
                Role::Hook { delete, .. } => Some(delete),
                _ => None,
            };
            targets.push((target, hook));
        }
        if !self.dry_run() {
            let mut record = self.state.app_record(&self.app.name)?;
            let before = record.clone();
            record.preserve_on_deletion = self.app.policy.preserve_resources_on_deletion;
            record.propagation = self.app.options.propagation;
            record.resources.extend(targets.iter().filter(|(_, h)| h.is_none()).map(|(t, _)| t.tracked()));
            if record != before {
                self.state.put_app_record(&self.app.name, &record)?;
            }
        }
        for (target, hook) in &targets {
            match hook {
                Some(policies) => self.create_hook(target, policies).await?,
                None => self.apply(target).await?,
            }
        }
        if !self.dry_run() {
            if wait {
                self.wait_healthy(&targets).await?;
            } else if targets.iter().any(|(_, h)| h.is_some()) {
                // Hooks always run to completion, even in the last step: the
                // sync has not succeeded until its PostSync hooks have, and
                // a HookSucceeded hook is deleted only once it succeeded.
                let hooks: Vec<_> = targets.iter().filter(|(_, h)| h.is_some()).cloned().collect();
                self.wait_healthy(&hooks).await?;
            }
        }
        Ok(())
    }

    async fn apply(&mut self, target: &Target) -> Result<(), SyncError> {
        let opts = self.app.options.for_resource(&target.obj);
        let live = target.live(self.cluster).await?;
        if opts.apply_out_of_sync_only
            && let Some(live) = &live
        {
            let would_be = target.apply(self.cluster, false, true).await?;
            if drift(live, &would_be, &self.app.ignore_for(live)).is_empty() {
                self.report_applied(target, Change::Unchanged);
                return Ok(());
            }
        }
        let respected;
        let target = if opts.respect_ignore_differences {
            respected = target.respecting(live.as_ref(), &self.app.ignore_for(live.as_ref().unwrap_or(&target.obj)));
            &respected
        } else {
            target
        };
        let applied = match target.apply(self.cluster, opts.replace, self.dry_run()).await {
            Ok(applied) => applied,
            // A dry run creates no namespace either: objects in one this sync
            // would create are reported as created.
            Err(e)
                if self.dry_run()
                    && live.is_none()
                    && e.status() == Some(404)
                    && self.creates_namespace(&target.key.namespace) =>
            {
                self.report_applied(target, Change::Created);
                return Ok(());
            }
            Err(e) => return Err(e.into()),
        };
        let change = match &live {
            None => Change::Created,
            Some(l) if l.pointer("/metadata/resourceVersion") == applied.pointer("/metadata/resourceVersion") => {
                Change::Unchanged
            }
            Some(_) if self.dry_run() => {
                let ignore = self.app.ignore_for(&applied);
                if drift(live.as_ref().unwrap_or(&Value::Null), &applied, &ignore).is_empty() {
                    Change::Unchanged
                } else {
                    Change::Configured
                }
            }
            Some(_) => Change::Configured,
        };
        self.report_applied(target, change);
        Ok(())
    }

    fn report_applied(&mut self, target: &Target, change: Change) {
        self.report_label(target.label(), change);
    }

    fn report_label(&mut self, resource: String, change: Change) {
        self.outcome.applied += 1;
        if change != Change::Unchanged {
            self.outcome.changed += 1;
        }
        (self.progress)(Progress::Applied { app: self.app.name.clone(), resource, change });
    }

    /// Whether this sync creates `namespace` (CreateNamespace, or a
    /// Namespace among the app's objects).
    fn creates_namespace(&self, namespace: &str) -> bool {
        (self.app.options.create_namespace && namespace == self.app.namespace)
            || self
                .app
                .objects
                .iter()
                .any(|o| o["apiVersion"] == "v1" && o["kind"] == "Namespace" && o["metadata"]["name"] == namespace)
    }

    /// Whether `obj`'s kind is namespaced, when the app's objects include
    /// its CRD; `None` when they do not.
    fn defined_scope(&self, obj: &Value) -> Option<bool> {
        let api = obj["apiVersion"].as_str().unwrap_or_default();
        let group = api.rsplit_once('/').map_or("", |(g, _)| g);
        let crd = self.app.objects.iter().find(|o| {
            o["kind"] == "CustomResourceDefinition"
                && o["spec"]["group"] == group
                && o["spec"]["names"]["kind"] == obj["kind"]
        })?;
        Some(crd["spec"]["scope"] != "Cluster")
    }

    async fn create_hook(&mut self, target: &Target, policies: &[DeletePolicy]) -> Result<(), SyncError> {
        if self.dry_run() {
            self.report_applied(target, Change::Created);
            return Ok(());
        }
        if policies.contains(&DeletePolicy::BeforeHookCreation) && target.live(self.cluster).await?.is_some() {
            self.delete_and_wait(target).await?;
        }
        target.apply(self.cluster, false, false).await?;
        self.report_applied(target, Change::Created);
        self.hooks.push((target.clone(), policies.to_vec()));
        Ok(())
    }

    async fn delete_and_wait(&self, target: &Target) -> Result<(), SyncError> {
        let (kind, ns, name) = (&target.kind, &target.key.namespace, &target.key.name);
        self.cluster.delete(kind, ns, name, Propagation::Foreground).await?;
        let deadline = tokio::time::Instant::now() + self.options.step_timeout;
        while self.cluster.get(kind, ns, name).await?.is_some() {
            if tokio::time::Instant::now() > deadline {
                return Err(SyncError::Timeout {
                    seconds: self.options.step_timeout.as_secs(),
                    waiting: format!("{} to be deleted", target.label()),
                });
            }
            tokio::time::sleep(self.options.poll_interval).await;
        }
        Ok(())
    }

    async fn delete_hooks(&mut self, when: DeletePolicy) -> Result<(), SyncError> {
        for (target, policies) in std::mem::take(&mut self.hooks) {
            if policies.contains(&when) {
                let (kind, ns, name) = (&target.kind, &target.key.namespace, &target.key.name);
                self.cluster.delete(kind, ns, name, Propagation::Background).await?;
                (self.progress)(Progress::HookDeleted { app: self.app.name.clone(), resource: target.label() });
            }
        }
        Ok(())
    }

    /// Waits until every target is healthy (or has no health notion).
    async fn wait_healthy(&self, targets: &[(Target, Option<Vec<DeletePolicy>>)]) -> Result<(), SyncError> {
        let deadline = tokio::time::Instant::now() + self.options.step_timeout;
        let mut pending: Vec<&(Target, Option<Vec<DeletePolicy>>)> = targets.iter().collect();
        loop {
            let mut still = Vec::new();
            let mut last_message = String::new();
            for entry in pending {
                let (target, hook) = entry;
                let Some(live) = target.live(self.cluster).await? else {
                    return Err(SyncError::Missing { resource: target.label() });
                };
                let Some(health) = assess(&live) else { continue };
                match (health.state, hook.is_some()) {
                    (HealthState::Healthy, _) => {}
                    (HealthState::Degraded | HealthState::Unknown, true) => {
                        return Err(SyncError::HookFailed { hook: target.label(), message: health.message });
                    }
                    (HealthState::Degraded, false) => {
                        return Err(SyncError::Unhealthy {
                            resource: target.label(),
                            health: health.state.to_string(),
                            message: health.message,
                        });
                    }
                    _ => {
                        last_message = format!("{} ({}: {})", target.label(), health.state, health.message);
                        still.push(entry);
                    }
                }
            }
            if still.is_empty() {
                return Ok(());
            }
            if tokio::time::Instant::now() > deadline {
                return Err(SyncError::Timeout { seconds: self.options.step_timeout.as_secs(), waiting: last_message });
            }
            pending = still;
            tokio::time::sleep(self.options.poll_interval).await;
        }
    }

    /// Deletes what the app applied before and no longer declares.
    async fn prune(&mut self) -> Result<(), SyncError> {
        let mut desired = BTreeSet::new();
        for obj in self.app.objects.iter().filter(|o| matches!(role(o), Role::Resource)) {
            // Kinds that cannot be resolved yet (a CRD still to come) are
            // not in the inventory either, so they cannot be pruned.
            if let Ok(t) = Target::resolve(self.cluster, &self.app.name, &self.app.namespace, obj).await {
                desired.insert(t.tracked());
            }
        }
        let mut record: AppRecord = self.state.app_record(&self.app.name)?;
        let mut gone: Vec<TrackedResource> = record.resources.difference(&desired).cloned().collect();
        // Dependents before what they live in.
        gone.sort_by_key(|t| matches!(t.key.kind.as_str(), "Namespace" | "CustomResourceDefinition"));
        for tracked in gone {
            let resource = tracked.key.to_string();
            let keep = match self.prune_one(&tracked).await? {
                Pruned::Deleted => {
                    self.outcome.pruned.push(resource.clone());
                    (self.progress)(Progress::Pruned { app: self.app.name.clone(), resource });
                    false
                }
                Pruned::Absent | Pruned::Kept(Keep::NotOurs) => false,
                Pruned::Kept(why) => {
                    let reason = match why {
                        Keep::PruneDisabled => "Prune=false".to_string(),
                        _ => "prune is off for this app; the resource requires pruning".to_string(),
                    };
                    self.outcome.kept.push((tracked.key.clone(), reason.clone()));
                    (self.progress)(Progress::Kept { app: self.app.name.clone(), resource, reason });
                    // Kept resources stay in the inventory: the app reports them
                    // as requiring pruning (OutOfSync, as Argo CD does), and a
                    // later prune finds them once the annotation or policy allows.
                    true
                }
            };
            if !keep && !self.dry_run() {
                record.resources.remove(&tracked);
                self.state.put_app_record(&self.app.name, &record)?;
            }
        }
        Ok(())
    }

    async fn prune_one(&self, tracked: &TrackedResource) -> Result<Pruned, SyncError> {
        let kind = match self.cluster.kind(&tracked.api_version, &tracked.key.kind).await {
            Ok(k) => k,
            // The kind itself is gone (its CRD was deleted): so is the object.
            Err(crate::cluster::ClusterError::UnknownKind { .. }) => return Ok(Pruned::Absent),
            Err(e) => return Err(e.into()),
        };
        let key = &tracked.key;
        let Some(live) = self.cluster.get(&kind, &key.namespace, &key.name).await? else {
            return Ok(Pruned::Absent);
        };
        if let Err(why) = may_prune(&live, key, &self.app.name) {
            return Ok(Pruned::Kept(why));
        }
        if !self.app.policy.prune {
            return Ok(Pruned::Kept(Keep::DeleteDisabled));
        }
        if !self.dry_run() {
            self.cluster.delete(&kind, &key.namespace, &key.name, self.app.options.propagation).await?;
        }
        Ok(Pruned::Deleted)
    }
}

enum Pruned {
    Deleted,
    Absent,
    Kept(Keep),
}

/// Deletes an app that left the bundle: every resource it owns, unless
/// it asked to preserve them; then forgets it.
pub async fn delete_app(
    cluster: &Cluster,
    state: &AgentState,
    app: &str,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> Result<(), SyncError> {
    let mut record = state.app_record(app)?;
    if !record.preserve_on_deletion {
        let mut resources: Vec<TrackedResource> = record.resources.iter().cloned().collect();
        resources.sort_by_key(|t| matches!(t.key.kind.as_str(), "Namespace" | "CustomResourceDefinition"));
        for tracked in resources {
            let key = &tracked.key;
            if let Ok(kind) = cluster.kind(&tracked.api_version, &key.kind).await
                && let Some(live) = cluster.get(&kind, &key.namespace, &key.name).await?
            {
                match crate::engine::inventory::may_delete(&live, key, app) {
                    Ok(()) => {
                        cluster.delete(&kind, &key.namespace, &key.name, record.propagation).await?;
                        progress(Progress::Pruned { app: app.to_string(), resource: key.to_string() });
                    }
                    Err(why) => progress(Progress::Kept {
                        app: app.to_string(),
                        resource: key.to_string(),
                        reason: format!("{why:?}"),
                    }),
                }
            }
            record.resources.remove(&tracked);
            state.put_app_record(app, &record)?;
        }
    }
    state.remove_app_record(app)?;
    Ok(())
}
