//! The hub's command line: `certs` (the CA), `serve` (the endpoint),
//! `generate` (ApplicationSets), `render` (Applications) and `plan`
//! (everything, per cluster).
//! Exit codes: 0 success, 1 invalid input or failure, 2 usage (from clap).

mod certs;
mod cluster;
mod generate;
mod kustomize;
mod plan;
mod render;
mod serve;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(name = "convoy-hub", version, about = "convoy hub: renders GitOps state and ships signed bundles to agents")]
pub struct Cli {
    /// More log output (-v info, -vv debug); RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Manage the certificate authority, hub certificate and agent certificates.
    #[command(subcommand)]
    Certs(certs::CertsCommand),
    /// Manage the persistent cluster inventory.
    #[command(subcommand)]
    Cluster(cluster::ClusterCommand),
    /// Accept agents on the QUIC endpoint.
    Serve(serve::ServeArgs),
    /// Print the Applications an ApplicationSet generates.
    Generate(generate::GenerateArgs),
    /// Print the manifests an Application renders to.
    Render(render::RenderArgs),
    /// Show, for every cluster, the apps it gets and their resource counts.
    Plan(plan::PlanArgs),
    /// Build a kustomization natively (`kustomize build DIR`).
    #[command(subcommand)]
    Kustomize(kustomize::KustomizeCommand),
}

#[derive(Debug, Clone, Copy, Default, ValueEnum)]
pub enum Output {
    #[default]
    Table,
    Json,
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Certs(cmd) => certs::run(cmd),
        Command::Cluster(cmd) => cluster::run(cmd),
        Command::Serve(args) => serve::run(args).await,
        Command::Generate(args) => generate::run(args),
        Command::Render(args) => render::run(args),
        Command::Plan(args) => plan::run(args),
        Command::Kustomize(cmd) => kustomize::run(cmd),
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
