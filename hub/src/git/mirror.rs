//! Bare mirrors of remote repositories, one directory per repository URL in
//! the hub's cache. Fetches are incremental; every branch and tag is
//! force-updated (a force-push is just a new commit for the hub) and refs
//! deleted on the remote are deleted here too. How the remote is reached
//! (credentials, TLS trust, the ssh command) is [`RemoteAccess`]'s business.

use super::GitError;
use super::credentials::RemoteAccess;
use crate::config::Credentials;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

const REFSPECS: [&str; 2] = ["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"];

pub struct Mirror {
    pub url: String,
    pub path: PathBuf,
    credentials: Credentials,
}

impl Mirror {
    /// The mirror directory of `url` in `cache`.
    pub fn new(cache: &Path, url: &str) -> Mirror {
        use sha2::Digest;
        let key = hex::encode(&sha2::Sha256::digest(crate::repo::local::normalize_url(url).as_bytes())[..10]);
        Mirror { url: url.to_string(), path: cache.join(key), credentials: Credentials::default() }
    }

    /// Authenticates (and trusts the server) with `credentials`.
    pub fn with_credentials(mut self, credentials: Credentials) -> Mirror {
        self.credentials = credentials;
        self
    }

    /// Clones (first time) or fetches; blocking. Returns the opened mirror.
    pub fn sync(&self) -> Result<gix::Repository, GitError> {
        let access = RemoteAccess::prepare(&self.url, &self.credentials)?;
        let err = |e: &dyn std::fmt::Display| GitError::new(&self.url, e);
        let interrupt = AtomicBool::new(false);
        if !self.path.join("HEAD").exists() {
            let parent = self.path.parent().unwrap_or(Path::new("."));
            std::fs::create_dir_all(parent).map_err(|e| err(&e))?;
            let tmp = tempfile::Builder::new().prefix(".clone-").tempdir_in(parent).map_err(|e| err(&e))?;
            let bare = gix::create::Kind::Bare;
            let mut prepare = gix::clone::PrepareFetch::new(
                self.url.as_str(),
                tmp.path(),
                bare,
                Default::default(),
                access.open_options(),
            )
            .map_err(|e| access.error(e))?
            .configure_remote(|remote| remote.with_refspecs(REFSPECS, gix::remote::Direction::Fetch))
            .configure_connection(access.clone_hook());
            prepare.fetch_only(gix::progress::Discard, &interrupt).map_err(|e| access.error(e))?;
            let staged = tmp.keep();
            if let Err(e) = std::fs::rename(&staged, &self.path) {
                let _ = std::fs::remove_dir_all(&staged);
                return Err(err(&e));
            }
        } else {
            let repo = gix::open_opts(&self.path, access.open_options()).map_err(|e| err(&e))?;
            let remote = repo.find_remote("origin").map_err(|e| err(&e))?;
            let mut connection = remote.connect(gix::remote::Direction::Fetch).map_err(|e| access.error(e))?;
            access.configure(&mut connection);
            let outcome = connection
                .prepare_fetch(gix::progress::Discard, Default::default())
                .map_err(|e| access.error(e))?
                .receive(gix::progress::Discard, &interrupt)
                .map_err(|e| access.error(e))?;
            prune(&repo, &outcome.ref_map.remote_refs).map_err(|e| err(&e))?;
        }
        gix::open(&self.path).map_err(|e| err(&e))
    }
}

/// Deletes local branches and tags the remote no longer advertises.
fn prune(repo: &gix::Repository, remote_refs: &[gix::protocol::handshake::Ref]) -> Result<(), String> {
    use gix::protocol::handshake::Ref;
    let advertised: std::collections::HashSet<String> = remote_refs
        .iter()
        .filter_map(|r| match r {
            Ref::Peeled { full_ref_name, .. }
            | Ref::Direct { full_ref_name, .. }
            | Ref::Symbolic { full_ref_name, .. } => Some(full_ref_name.to_string()),
            Ref::Unborn { .. } => None,
        })
        .collect();
    let platform = repo.references().map_err(|e| e.to_string())?;
    for r in platform.all().map_err(|e| e.to_string())? {
        let r = r.map_err(|e| e.to_string())?;
        let name = r.name().as_bstr().to_string();
        if (name.starts_with("refs/heads/") || name.starts_with("refs/tags/")) && !advertised.contains(&name) {
            r.delete().map_err(|e| format!("deleting {name}: {e}"))?;
        }
    }
    Ok(())
}
