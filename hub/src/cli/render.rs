//! `convoy-hub render`: the manifests an Application renders to.

use anyhow::Context;
use clap::{Args, ValueEnum};
use convoy_hub::apps::Application;
use convoy_hub::manifest::{read_stream, type_of};
use convoy_hub::render::render_source;
use convoy_hub::repo::RepoReader;
use convoy_hub::repo::local::LocalRepos;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct RenderArgs {
    /// A file with one or more Applications.
    #[arg(long)]
    app: PathBuf,
    /// `URL=PATH` maps a repository to a local directory; a bare `PATH`
    /// stands for every Git source (repeatable).
    #[arg(long = "repo", value_name = "[URL=]PATH")]
    repos: Vec<String>,
    #[arg(long, short, value_enum, default_value_t)]
    output: RenderOutput,
}

#[derive(Debug, Clone, Copy, Default, ValueEnum)]
pub enum RenderOutput {
    #[default]
    Yaml,
    Json,
}

pub fn run(args: RenderArgs) -> anyhow::Result<()> {
    let repos = LocalRepos::from_args(&args.repos).map_err(anyhow::Error::msg)?;
    let docs = read_stream(&args.app)?;
    let mut manifests = Vec::new();
    for doc in docs.iter().filter(|d| type_of(&d.value).1 == "Application") {
        let app = Application::from_document(doc)?;
        for (i, source) in app.sources.iter().enumerate() {
            let tree = repos
                .tree(&source.repo_url, source.revision())
                .map_err(anyhow::Error::msg)
                .with_context(|| format!("{}: Application {}: source {}", doc.origin, app.name, i + 1))?;
            let objects = render_source(source, tree.as_ref()).with_context(|| {
                format!("{}: Application {}: source {} ({})", doc.origin, app.name, i + 1, source.repo_url)
            })?;
            manifests.extend(objects);
        }
    }
    anyhow::ensure!(
        docs.iter().any(|d| type_of(&d.value).1 == "Application"),
        "{}: no argoproj.io/v1alpha1 Application in the file",
        args.app.display()
    );
    match args.output {
        RenderOutput::Json => println!("{}", serde_json::to_string_pretty(&manifests).context("encoding JSON")?),
        RenderOutput::Yaml => {
            for (i, m) in manifests.iter().enumerate() {
                if i > 0 {
                    println!("---");
                }
                print!("{}", serde_norway::to_string(m).context("encoding YAML")?);
            }
        }
    }
    Ok(())
}
