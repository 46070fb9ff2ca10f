//! `convoy-hub generate`: the Applications an ApplicationSet generates.

use anyhow::Context;
use clap::{Args, ValueEnum};
use convoy_hub::appset::ApplicationSet;
use convoy_hub::inventory::clusters_from_documents;
use convoy_hub::manifest::read_stream;
use convoy_hub::repo::local::open_local;
use convoy_hub::repo::{NoRepos, RepoReader};
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// A file with one or more ApplicationSets.
    #[arg(long)]
    appset: PathBuf,
    /// Clusters for the cluster generator: Argo CD cluster Secrets and/or
    /// convoy Cluster objects, in one multi-document YAML file.
    #[arg(long)]
    clusters: Option<PathBuf>,
    /// The repository (a Git work tree or a plain directory) git generators read.
    #[arg(long)]
    repo: Option<PathBuf>,
    #[arg(long, short, value_enum, default_value_t)]
    output: GenerateOutput,
}

#[derive(Debug, Clone, Copy, Default, ValueEnum)]
pub enum GenerateOutput {
    #[default]
    Json,
    Yaml,
}

pub fn run(args: GenerateArgs) -> anyhow::Result<()> {
    let clusters = match &args.clusters {
        Some(path) => {
            let file = clusters_from_documents(&read_stream(path)?)?;
            for skipped in &file.skipped {
                eprintln!("warning: {skipped}: neither a convoy Cluster nor an Argo CD cluster Secret; ignored");
            }
            file.clusters
        }
        None => Vec::new(),
    };
    let repos: Box<dyn RepoReader> = match &args.repo {
        Some(dir) => {
            anyhow::ensure!(dir.is_dir(), "--repo {}: not a directory", dir.display());
            open_local(dir).map_err(anyhow::Error::msg)?
        }
        None => Box::new(NoRepos),
    };
    let docs = read_stream(&args.appset)?;
    anyhow::ensure!(!docs.is_empty(), "{}: no ApplicationSet in the file", args.appset.display());
    let mut apps = Vec::new();
    for doc in &docs {
        let appset = ApplicationSet::from_document(doc)?;
        apps.extend(appset.generate(&clusters, repos.as_ref(), true)?);
    }
    let text = match args.output {
        GenerateOutput::Json => serde_json::to_string_pretty(&apps).context("encoding JSON")?,
        GenerateOutput::Yaml => serde_norway::to_string(&apps).context("encoding YAML")?,
    };
    println!("{text}");
    Ok(())
}
