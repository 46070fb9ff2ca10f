//! `convoy-agent diff`: what applying a bundle would change, resource by
//! resource, from a server-side dry run compared with the live objects.

use super::source::BundleSource;
use anyhow::Context;
use clap::Args;
use convoy_agent::cluster::Cluster;
use convoy_agent::engine::desired::DesiredApp;
use convoy_agent::engine::diff::drift;
use convoy_agent::engine::order::{Role, role};
use convoy_agent::offline::{trusted_keys, verify_file};
use convoy_agent::state::AgentState;
use convoy_agent::sync::target::Target;
use serde_json::Value;
use std::collections::BTreeSet;

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// (`--state-dir`: the agent's inventory there tells what would be pruned.)
    #[command(flatten)]
    source: BundleSource,
}

pub async fn run(args: DiffArgs) -> anyhow::Result<()> {
    let keys = trusted_keys(&args.source.trusted_keys, &args.source.state_dir)?;
    // Read-only: the state is consulted only if it already exists.
    let state = if args.source.state_dir.join("agent.redb").exists() {
        Some(AgentState::open(&args.source.state_dir)?)
    } else {
        None
    };
    let verified = verify_file(&args.source.bundle, &keys, state.as_ref(), args.source.cluster.as_deref())?;
    let cluster = Cluster::from_kubeconfig(&args.source.kubeconfig).await?;
    let records = state.as_ref().map(AgentState::app_records).transpose()?.unwrap_or_default();
    let mut changes = 0usize;
    for app in &verified.bundle.apps {
        let desired = DesiredApp::from_bundle(app)?;
        let mut seen = BTreeSet::new();
        println!("app {} (revision {}):", app.name, app.revision);
        for obj in desired.objects.iter().filter(|o| matches!(role(o), Role::Resource)) {
            let target = match Target::resolve(&cluster, &desired.name, &desired.namespace, obj).await {
                Ok(t) => t,
                Err(e) => {
                    println!(
                        "  {}/{}: would be created ({e})",
                        obj["kind"].as_str().unwrap_or(""),
                        obj["metadata"]["name"].as_str().unwrap_or("")
                    );
                    changes += 1;
                    continue;
                }
            };
            seen.insert(target.tracked());
            let live = target.live(&cluster).await.with_context(|| target.label())?;
            let Some(live) = live else {
                println!("  {}: would be created", target.label());
                changes += 1;
                continue;
            };
            let would_be = target.apply(&cluster, false, true).await.with_context(|| target.label())?;
            let paths = drift(&live, &would_be, &desired.ignore_for(&live));
            if paths.is_empty() {
                continue;
            }
            changes += 1;
            println!("  {}: would be configured", target.label());
            for p in paths {
                println!("    {p}: {} -> {}", short(live.pointer(&p)), short(would_be.pointer(&p)));
            }
        }
        if let Some(record) = records.get(&app.name) {
            for gone in record.resources.difference(&seen) {
                let verb = if app.sync_policy.prune { "would be pruned" } else { "requires pruning (prune is off)" };
                println!("  {}: {verb}", gone.key);
                changes += 1;
            }
        }
    }
    for app in records.keys().filter(|a| !verified.bundle.apps.iter().any(|b| &b.name == *a)) {
        println!("app {app}: would be deleted with its resources (it left the bundle)");
        changes += 1;
    }
    println!("{changes} change(s)");
    Ok(())
}

fn short(v: Option<&Value>) -> String {
    let s = v.map_or("(absent)".to_string(), Value::to_string);
    if s.chars().count() > 80 { format!("{}…", s.chars().take(79).collect::<String>()) } else { s }
}
