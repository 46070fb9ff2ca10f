//! `convoy-hub plan`: what every cluster would get, without any agent.

use super::Output;
use anyhow::Context;
use clap::Args;
use convoy_hub::config::HubConfig;
use convoy_hub::engine::{Plan, PlannedApp, Refresher};
use serde_json::json;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The hub configuration file.
    #[arg(long)]
    config: PathBuf,
    #[arg(long, short, value_enum, default_value_t)]
    output: Output,
}

pub fn run(args: PlanArgs) -> anyhow::Result<()> {
    let config = HubConfig::load(&args.config)?;
    let clusters = config.all_clusters().map_err(anyhow::Error::msg)?;
    let result = Refresher::new(config).map_err(anyhow::Error::msg)?.refresh(&clusters);
    match args.output {
        super::Output::Json => {
            println!("{}", serde_json::to_string_pretty(&to_json(&result)).context("encoding JSON")?)
        }
        super::Output::Table => print_table(&result),
    }
    Ok(())
}

fn app_json(a: &PlannedApp) -> serde_json::Value {
    json!({
        "name": a.name,
        "project": a.project,
        "namespace": a.namespace,
        "revision": a.revision,
        "automated": a.sync_policy.automated,
        "resources": a.objects.len(),
        "ships": a.ships(),
        "conditions": a.conditions,
    })
}

fn to_json(p: &Plan) -> serde_json::Value {
    json!({
        "clusters": p.clusters.iter().map(|c| json!({
            "name": c.cluster.name,
            "server": c.cluster.server,
            "labels": c.cluster.labels,
            "apps": c.apps.iter().map(app_json).collect::<Vec<_>>(),
            "resources": c.apps.iter().filter(|a| a.ships()).map(|a| a.objects.len()).sum::<usize>(),
        })).collect::<Vec<_>>(),
        "unplaced": p.unplaced.iter().map(app_json).collect::<Vec<_>>(),
        "errors": p.errors,
    })
}

fn print_table(p: &Plan) {
    println!("{:<20} {:<32} {:<14} {:<8} {:>9}  STATUS", "CLUSTER", "APP", "PROJECT", "SYNC", "RESOURCES");
    let status = |a: &PlannedApp| match a.conditions.first() {
        None => "OK".to_string(),
        Some(c) => format!("{}: {}", c.kind, c.message),
    };
    for c in &p.clusters {
        if c.apps.is_empty() {
            println!("{:<20} {:<32} {:<14} {:<8} {:>9}  no apps", c.cluster.name, "-", "-", "-", 0);
        }
        for a in &c.apps {
            let sync = if a.sync_policy.automated { "auto" } else { "manual" };
            println!(
                "{:<20} {:<32} {:<14} {:<8} {:>9}  {}",
                c.cluster.name,
                a.name,
                a.project,
                sync,
                a.objects.len(),
                status(a)
            );
        }
    }
    for a in &p.unplaced {
        println!("{:<20} {:<32} {:<14} {:<8} {:>9}  {}", "<none>", a.name, a.project, "-", a.objects.len(), status(a));
    }
    for e in &p.errors {
        eprintln!("warning: {e}");
    }
}
