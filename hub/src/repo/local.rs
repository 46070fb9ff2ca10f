//! Repositories given on the command line: `--repo URL=PATH` maps one
//! repository URL to a local directory, `--repo PATH` stands for every
//! repository not mapped otherwise.

use super::{DirRepo, RepoReader, Tree};
use crate::git::GitRepo;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Default)]
pub struct LocalRepos {
    mapped: Vec<(String, Box<dyn RepoReader + Send + Sync>)>,
    fallback: Option<Box<dyn RepoReader + Send + Sync>>,
}

/// A Git repository is read at the requested revision; any other directory
/// as it is.
pub fn open_local(dir: &std::path::Path) -> Result<Box<dyn RepoReader + Send + Sync>, String> {
    if GitRepo::is_repository(dir) {
        Ok(Box::new(GitRepo::open(dir).map_err(|e| e.to_string())?))
    } else {
        Ok(Box::new(DirRepo::new(dir)))
    }
}

impl LocalRepos {
    /// Parses `URL=PATH` or `PATH` arguments.
    pub fn from_args(args: &[String]) -> Result<LocalRepos, String> {
        let mut repos = LocalRepos::default();
        for arg in args {
            let (url, path) = match arg.rsplit_once('=') {
                // A path may itself contain '=', but a URL always has "://" or '@'.
                Some((url, path)) if url.contains("://") || url.contains('@') => (Some(url), path),
                _ => (None, arg.as_str()),
            };
            let dir = PathBuf::from(path);
            if !dir.is_dir() {
                return Err(format!("--repo {arg}: {} is not a directory", dir.display()));
            }
            match url {
                Some(url) => repos.mapped.push((normalize_url(url), open_local(&dir)?)),
                None if repos.fallback.is_some() => return Err(format!("--repo {arg}: only one --repo may omit URL=")),
                None => repos.fallback = Some(open_local(&dir)?),
            }
        }
        Ok(repos)
    }
}

impl RepoReader for LocalRepos {
    fn tree(&self, repo_url: &str, revision: &str) -> Result<Arc<dyn Tree>, String> {
        let key = normalize_url(repo_url);
        match self.mapped.iter().find(|(u, _)| *u == key).map(|(_, r)| r).or(self.fallback.as_ref()) {
            Some(repo) => repo.tree(repo_url, revision),
            None => Err(format!("no --repo given for {repo_url}")),
        }
    }
}

/// Argo CD compares repository URLs case-insensitively, without a trailing
/// `/` or `.git`.
pub fn normalize_url(url: &str) -> String {
    let u = url.trim().to_lowercase();
    let u = u.trim_end_matches('/');
    u.strip_suffix(".git").unwrap_or(u).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_compare_like_argo() {
        assert_eq!(normalize_url("https://GitHub.com/Org/Repo.git/"), "https://github.com/org/repo");
        assert_eq!(normalize_url("git@github.com:org/repo.git"), "git@github.com:org/repo");
    }

    #[test]
    fn mapped_then_fallback() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        std::fs::write(a.path().join("marker"), "a").unwrap();
        std::fs::write(b.path().join("marker"), "b").unwrap();
        let repos = LocalRepos::from_args(&[
            format!("https://x/one.git={}", a.path().display()),
            b.path().display().to_string(),
        ])
        .unwrap();
        assert_eq!(repos.tree("https://x/one", "HEAD").unwrap().read("marker").unwrap(), b"a");
        assert_eq!(repos.tree("https://x/other", "HEAD").unwrap().read("marker").unwrap(), b"b");
        assert!(LocalRepos::from_args(&["/nonexistent/dir".into()]).is_err());
        assert!(
            LocalRepos::default().tree("https://x/one", "HEAD").err().is_some_and(|e| e.contains("no --repo given"))
        );
    }
}
