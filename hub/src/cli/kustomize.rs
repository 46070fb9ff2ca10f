//! `convoy-hub kustomize build DIR`: the YAML stream `kustomize build DIR`
//! prints, rendered natively.
//!
//! The directory is read through a tree rooted at the filesystem root, so
//! bases outside DIR (`../../base`) load as they do with kustomize; errors
//! name files by their absolute path.

use anyhow::Context;
use clap::{Args, Subcommand};
use convoy_hub::render::kustomize::{build, to_yaml};
use convoy_hub::repo::{DirRepo, RepoReader};
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum KustomizeCommand {
    /// Build a kustomization directory and print the resources.
    Build(BuildArgs),
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// The directory holding kustomization.yaml.
    dir: PathBuf,
}

pub fn run(cmd: KustomizeCommand) -> anyhow::Result<()> {
    let KustomizeCommand::Build(args) = cmd;
    let abs = std::fs::canonicalize(&args.dir).with_context(|| format!("{}", args.dir.display()))?;
    anyhow::ensure!(abs.is_dir(), "{}: not a directory", args.dir.display());
    let rel = abs.to_string_lossy().trim_start_matches('/').to_string();
    let tree = DirRepo::new("/").tree("", "").map_err(anyhow::Error::msg)?;
    let docs = build(tree.as_ref(), &rel)
        .map_err(|e| anyhow::anyhow!("/{}: {}", e.file.trim_start_matches('/'), e.message))?;
    let text = to_yaml(&docs)?;
    std::io::stdout().lock().write_all(text.as_bytes()).context("writing the output")?;
    Ok(())
}
