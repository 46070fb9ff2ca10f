//! `convoy-agent status`: what the agent last saw, from its state
//! directory, while it runs or after it stopped.

use super::output::{Output, apps_table, events_table, resources_table};
use clap::Args;
use convoy_agent::sync::report::read_snapshot;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[arg(long, default_value = ".convoy-agent")]
    state_dir: PathBuf,
    #[arg(short, long, value_enum, default_value = "table")]
    output: Output,
}

pub fn run(args: StatusArgs) -> anyhow::Result<()> {
    let snap =
        read_snapshot(&args.state_dir).map_err(|e| anyhow::anyhow!("no status yet ({e}); has the agent run?"))?;
    match args.output {
        Output::Json => println!("{}", serde_json::to_string_pretty(&snap)?),
        Output::Yaml => print!("{}", serde_norway::to_string(&snap)?),
        Output::Table => {
            println!("cluster {}, bundle generation {}", snap.cluster, snap.report.generation);
            println!();
            print!("{}", apps_table(&snap.report.apps));
            println!();
            print!("{}", resources_table(&snap.report.apps));
            if !snap.report.events.is_empty() {
                println!();
                print!("{}", events_table(&snap.report.events));
            }
        }
    }
    Ok(())
}
