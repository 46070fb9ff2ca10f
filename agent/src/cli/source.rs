//! The options every command that reads a bundle file shares.

use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct BundleSource {
    /// The signed bundle file (as `convoy-hub bundle` writes it).
    #[arg(long)]
    pub bundle: PathBuf,
    /// The cluster to work on.
    #[arg(long)]
    pub kubeconfig: PathBuf,
    /// Where the agent keeps its state (bundle, inventory, status).
    #[arg(long, default_value = ".convoy-agent")]
    pub state_dir: PathBuf,
    /// Hub public key(s), PEM; default: <state-dir>/trusted-keys.pem.
    #[arg(long = "trusted-keys")]
    pub trusted_keys: Vec<PathBuf>,
    /// The cluster this agent serves; default: the one the state belongs
    /// to, or else the one the bundle names.
    #[arg(long)]
    pub cluster: Option<String>,
}
