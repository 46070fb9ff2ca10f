//! `convoy-agent apply`: verify a signed bundle file, apply it, and (without
//! `--once`) keep enforcing it. The same engine as under the hub, fed from
//! a file: how air-gapped sites are served.

use super::output::{Output, apps_table, progress_line};
use super::source::BundleSource;
use anyhow::Context;
use clap::Args;
use convoy_agent::cluster::Cluster;
use convoy_agent::engine::desired::DesiredApp;
use convoy_agent::offline::{trusted_keys, verify_file};
use convoy_agent::state::AgentState;
use convoy_agent::sync::enforcer::{Enforcer, EnforcerConfig, EnforcerStatus, OperationState};
use convoy_agent::sync::operation::{OperationOptions, sync_app};
use convoy_agent::sync::report::{StatusSnapshot, write_snapshot};
use convoy_protocol::status::HealthState;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

#[derive(Debug, Args)]
pub struct ApplyArgs {
    #[command(flatten)]
    source: BundleSource,
    /// Show what would be applied and pruned (server-side dry run); change nothing.
    #[arg(long)]
    dry_run: bool,
    /// Apply once, wait for the apps to settle, print the status and exit
    /// (1 if a sync failed or an app is Degraded/Missing).
    #[arg(long)]
    once: bool,
    /// With --once: how long to wait for the apps to settle.
    #[arg(long, default_value = "300s", value_parser = parse_duration)]
    timeout: Duration,
    #[arg(short, long, value_enum, default_value = "table")]
    output: Output,
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    let (n, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = n.parse().map_err(|_| format!("not a duration: {s}"))?;
    match unit {
        "ms" => Ok(Duration::from_millis(n)),
        "" | "s" => Ok(Duration::from_secs(n)),
        "m" => Ok(Duration::from_secs(n * 60)),
        "h" => Ok(Duration::from_secs(n * 3600)),
        _ => Err(format!("not a duration: {s} (use ms, s, m or h)")),
    }
}

pub async fn run(args: ApplyArgs) -> anyhow::Result<()> {
    let keys = trusted_keys(&args.source.trusted_keys, &args.source.state_dir)?;
    let state = Arc::new(AgentState::open(&args.source.state_dir)?);
    let verified = verify_file(&args.source.bundle, &keys, Some(&state), args.source.cluster.as_deref())?;
    let bundle = verified.bundle.clone();
    let cluster = Arc::new(Cluster::from_kubeconfig(&args.source.kubeconfig).await?);
    eprintln!(
        "bundle {} for cluster {}: generation {}, {} app(s), {} manifest(s), signed by {}",
        args.source.bundle.display(),
        bundle.cluster,
        bundle.generation,
        bundle.apps.len(),
        bundle.manifest_count(),
        verified.key_id.0
    );
    if args.dry_run {
        return dry_run(&cluster, &state, &bundle).await;
    }
    state.store_bundle(&verified.signed, bundle.generation)?;
    state.set_cluster_name(&bundle.cluster)?;

    let mut config = EnforcerConfig::new(bundle.cluster.clone());
    config.operation = OperationOptions::default();
    let progress = Arc::new(|p| {
        if let Some(line) = progress_line(&p) {
            eprintln!("{line}");
        }
    });
    let enforcer = Enforcer::new(cluster, state.clone(), config, progress);
    let (_bundle_tx, bundle_rx) = watch::channel(Some(Arc::new(bundle.clone())));
    let (status_tx, mut status_rx) = watch::channel(EnforcerStatus::default());
    let task = tokio::spawn(enforcer.run(bundle_rx, status_tx));

    let deadline = tokio::time::Instant::now() + args.timeout;
    let mut printed_events = 0usize;
    let mut settled_once = false;
    let mut last_write = tokio::time::Instant::now() - Duration::from_secs(1);
    loop {
        let wait_until = if args.once { deadline } else { tokio::time::Instant::now() + Duration::from_secs(3600) };
        tokio::select! {
            changed = status_rx.changed() => {
                if changed.is_err() {
                    break;
                }
            }
            _ = tokio::time::sleep_until(wait_until) => {
                let status = status_rx.borrow().clone();
                print_status(&status, args.output)?;
                snapshot(&args.source.state_dir, &bundle.cluster, &status);
                task.abort();
                anyhow::bail!("the apps did not settle within {:?}", args.timeout);
            }
            _ = tokio::signal::ctrl_c() => {
                snapshot(&args.source.state_dir, &bundle.cluster, &status_rx.borrow());
                task.abort();
                return Ok(());
            }
        }
        let status = status_rx.borrow_and_update().clone();
        if last_write.elapsed() >= Duration::from_millis(250) || status.settled() {
            snapshot(&args.source.state_dir, &bundle.cluster, &status);
            last_write = tokio::time::Instant::now();
        }
        if settled_once {
            // Keep the operator informed of what the agent does on its own.
            for e in status.report.events.iter().filter(|e| e.at_ms > 0).skip(printed_events) {
                eprintln!(
                    "[{}] {}{}: {}",
                    e.app,
                    e.reason,
                    e.resource.as_ref().map_or(String::new(), |r| format!(" {r}")),
                    e.message
                );
            }
        }
        printed_events = status.report.events.len();
        if status.settled() && !settled_once {
            settled_once = true;
            print_status(&status, args.output)?;
            if args.once {
                task.abort();
                let failed: Vec<String> = status
                    .report
                    .apps
                    .iter()
                    .filter(|a| {
                        status.operations.get(&a.name) == Some(&OperationState::Failed)
                            || matches!(a.health, HealthState::Degraded | HealthState::Missing | HealthState::Unknown)
                    })
                    .map(|a| a.name.clone())
                    .collect();
                if failed.is_empty() {
                    return Ok(());
                }
                anyhow::bail!("not healthy: {}", failed.join(", "));
            }
            eprintln!("enforcing generation {}; Ctrl-C to stop", bundle.generation);
        }
    }
    Ok(())
}

fn snapshot(state_dir: &std::path::Path, cluster: &str, status: &EnforcerStatus) {
    let snap = StatusSnapshot { cluster: cluster.to_string(), report: status.report.clone() };
    if let Err(e) = write_snapshot(state_dir, &snap) {
        tracing::warn!(error = %e, "cannot write the status snapshot");
    }
}

fn print_status(status: &EnforcerStatus, output: Output) -> anyhow::Result<()> {
    match output {
        Output::Table => print!("{}", apps_table(&status.report.apps)),
        Output::Json => println!("{}", serde_json::to_string_pretty(&status.report)?),
        Output::Yaml => print!("{}", serde_norway::to_string(&status.report)?),
    }
    Ok(())
}

async fn dry_run(cluster: &Cluster, state: &AgentState, bundle: &convoy_protocol::Bundle) -> anyhow::Result<()> {
    let options = OperationOptions { dry_run: true, ..Default::default() };
    let progress = |p| {
        if let Some(line) = progress_line(&p) {
            println!("{line} (dry run)");
        }
    };
    for app in &bundle.apps {
        let desired = DesiredApp::from_bundle(app)?;
        sync_app(cluster, state, &desired, &options, &progress).await.with_context(|| format!("app {}", app.name))?;
    }
    let records = state.app_records()?;
    for app in records.keys().filter(|a| !bundle.apps.iter().any(|b| &b.name == *a)) {
        println!("[{app}] would be deleted with its resources (it left the bundle)");
    }
    Ok(())
}
