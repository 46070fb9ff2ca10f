//! The agent's command line. Exit codes: 0 success, 1 failure, 2 usage.

mod apply;
mod diff;
mod output;
mod run;
mod source;
mod status;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "convoy-agent", version, about = "convoy agent: applies signed bundles from the hub to its cluster")]
pub struct Cli {
    /// More log output (-v info, -vv debug); RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Dial the hub, receive and verify bundles, keep the latest in the state directory.
    Run(run::RunArgs),
    /// Verify a signed bundle file, apply it and keep enforcing it (self-heal).
    Apply(apply::ApplyArgs),
    /// Per-app sync and health, per-resource detail and recent events.
    Status(status::StatusArgs),
    /// What applying a bundle file would change.
    Diff(diff::DiffArgs),
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Run(args) => run::run(args).await,
        Command::Apply(args) => apply::run(args).await,
        Command::Status(args) => status::run(args),
        Command::Diff(args) => diff::run(args).await,
    }
}

pub fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    use std::io::IsTerminal;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .init();
}
