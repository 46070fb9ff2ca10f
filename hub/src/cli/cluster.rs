//! `convoy-hub cluster import|list|remove`: the persistent cluster inventory.

use super::Output;
use anyhow::Context;
use clap::{Args, Subcommand};
use convoy_hub::inventory::clusters_from_documents;
use convoy_hub::inventory::store::InventoryStore;
use convoy_hub::manifest::read_stream;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum ClusterCommand {
    /// Import clusters from Argo CD cluster Secrets (and/or convoy Cluster objects).
    Import(ImportArgs),
    /// List registered clusters.
    List(ListArgs),
    /// Remove a cluster from the inventory.
    Remove(RemoveArgs),
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// A multi-document YAML file of Argo CD cluster Secrets.
    #[arg(long = "argocd-secrets")]
    file: PathBuf,
    /// The hub's state directory.
    #[arg(long, default_value = ".convoy-state")]
    state_dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[arg(long, default_value = ".convoy-state")]
    state_dir: PathBuf,
    #[arg(long, short, value_enum, default_value_t)]
    output: Output,
}

#[derive(Debug, Args)]
pub struct RemoveArgs {
    name: String,
    #[arg(long, default_value = ".convoy-state")]
    state_dir: PathBuf,
}

pub fn run(cmd: ClusterCommand) -> anyhow::Result<()> {
    match cmd {
        ClusterCommand::Import(a) => {
            let file = clusters_from_documents(&read_stream(&a.file)?)?;
            for skipped in &file.skipped {
                eprintln!("warning: {skipped}: not an Argo CD cluster Secret; skipped");
            }
            anyhow::ensure!(!file.clusters.is_empty(), "{}: no cluster found", a.file.display());
            InventoryStore::open(&a.state_dir)?.put_all(&file.clusters)?;
            for c in &file.clusters {
                println!("imported cluster {} ({}) with {} labels", c.name, c.server, c.labels.len());
            }
        }
        ClusterCommand::List(a) => {
            let clusters = InventoryStore::open(&a.state_dir)?.list()?;
            match a.output {
                Output::Json => println!("{}", serde_json::to_string_pretty(&clusters).context("encoding JSON")?),
                Output::Table => {
                    println!("{:<24} {:<40} LABELS", "NAME", "SERVER");
                    for c in clusters {
                        let labels: Vec<String> = c.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
                        println!("{:<24} {:<40} {}", c.name, c.server, labels.join(","));
                    }
                }
            }
        }
        ClusterCommand::Remove(a) => {
            anyhow::ensure!(InventoryStore::open(&a.state_dir)?.remove(&a.name)?, "no cluster named {}", a.name);
            println!("removed cluster {}", a.name);
        }
    }
    Ok(())
}
