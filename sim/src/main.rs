//! The `convoy-sim` binary: `convoy-sim serve --clusters N ...` runs N
//! simulated clusters until interrupted, writing a kubeconfig for each.

use anyhow::Context;
use clap::{Parser, Subcommand};
use convoy_sim::{SimConfig, Simulator};
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;
use tokio::signal::unix::{SignalKind, signal};

#[derive(Parser)]
#[command(name = "convoy-sim", about = "A Kubernetes API simulator: many fake clusters over real HTTP")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve simulated clusters until interrupted.
    Serve {
        /// How many clusters (named cluster-1 … cluster-N unless --names is given).
        #[arg(long, default_value_t = 1)]
        clusters: usize,
        /// Comma-separated cluster names (overrides --clusters).
        #[arg(long, value_delimiter = ',')]
        names: Vec<String>,
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: SocketAddr,
        /// Directory receiving one `<cluster>.kubeconfig` per cluster.
        #[arg(long)]
        kubeconfig_dir: PathBuf,
        /// Persist objects here (atomically) and reload them on start.
        #[arg(long)]
        state_file: Option<PathBuf>,
        /// Serve HTTPS with a generated CA (written into the kubeconfigs).
        #[arg(long)]
        tls: bool,
        /// Milliseconds simulated pods take to become ready.
        #[arg(long, default_value_t = 300)]
        ready_delay_ms: u64,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match cli.command {
        Command::Serve { clusters, names, listen, kubeconfig_dir, state_file, tls, ready_delay_ms } => {
            let mut cfg = SimConfig::new(clusters);
            if !names.is_empty() {
                cfg.cluster_names = names;
            }
            cfg.listen = listen;
            cfg.tls = tls;
            cfg.state_file = state_file;
            cfg.ready_delay = Duration::from_millis(ready_delay_ms);
            // Handlers go in before the address is printed: whoever reads it
            // may signal us at once.
            let mut interrupt = signal(SignalKind::interrupt()).context("installing SIGINT handler")?;
            let mut terminate = signal(SignalKind::terminate()).context("installing SIGTERM handler")?;
            let sim = Simulator::start(cfg).await.context("starting the simulator")?;
            let files = sim.write_kubeconfigs(&kubeconfig_dir).context("writing kubeconfigs")?;
            // Whoever started us may stop reading stdout; that must not stop the server.
            let mut out = std::io::stdout();
            let _ = writeln!(out, "convoy-sim listening on {} ({} clusters)", sim.base_url(), files.len());
            let _ = writeln!(out, "kubeconfigs in {}", kubeconfig_dir.display());
            let _ = out.flush();
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
            sim.stop().await.context("stopping")?;
        }
    }
    Ok(())
}
