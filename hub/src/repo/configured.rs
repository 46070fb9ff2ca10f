//! The repositories a hub configuration declares: local ones are read in
//! place, remote ones through a mirror in the cache directory (fetched when
//! [`ConfiguredRepos::refresh`] runs).

use super::local::open_local;
use super::{RepoReader, Tree};
use crate::config::{HubConfig, same_repo};
use crate::git::{GitError, GitRepo, Mirror};
use std::sync::{Arc, RwLock};

pub struct ConfiguredRepos {
    repos: Vec<Configured>,
}

struct Configured {
    url: String,
    source: Source,
}

enum Source {
    Local(Box<dyn RepoReader + Send + Sync>),
    Remote { mirror: Mirror, opened: RwLock<Option<Arc<GitRepo>>> },
}

impl ConfiguredRepos {
    pub fn new(config: &HubConfig) -> Result<ConfiguredRepos, String> {
        let mut repos = Vec::new();
        for r in &config.repositories {
            let source = match &r.local {
                Some(dir) => Source::Local(open_local(dir)?),
                None => Source::Remote {
                    mirror: Mirror::new(&config.cache_dir, &r.url).with_credentials(r.credentials.clone()),
                    opened: RwLock::new(None),
                },
            };
            repos.push(Configured { url: r.url.clone(), source });
        }
        Ok(ConfiguredRepos { repos })
    }

    /// Fetches every remote repository. A failure leaves that repository at
    /// its last good state and is returned for reporting.
    pub fn refresh(&self) -> Vec<GitError> {
        let mut errors = Vec::new();
        for r in &self.repos {
            if let Source::Remote { mirror, opened } = &r.source {
                match mirror.sync() {
                    Ok(repo) => {
                        *opened.write().unwrap_or_else(|p| p.into_inner()) =
                            Some(Arc::new(GitRepo::from_repository(repo, r.url.clone())))
                    }
                    Err(e) => errors.push(e),
                }
            }
        }
        errors
    }
}

impl RepoReader for ConfiguredRepos {
    fn tree(&self, repo_url: &str, revision: &str) -> Result<Arc<dyn Tree>, String> {
        let r = self
            .repos
            .iter()
            .find(|r| same_repo(&r.url, repo_url))
            .ok_or_else(|| format!("repository {repo_url} is not declared in the hub configuration"))?;
        match &r.source {
            Source::Local(reader) => reader.tree(repo_url, revision),
            Source::Remote { opened, .. } => {
                let repo = opened.read().unwrap_or_else(|p| p.into_inner()).clone();
                match repo {
                    Some(repo) => repo.tree(repo_url, revision),
                    None => Err(format!("repository {repo_url} has not been fetched successfully yet")),
                }
            }
        }
    }
}
