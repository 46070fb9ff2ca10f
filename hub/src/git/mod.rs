//! Git, through gix: mirrors of remote repositories in a cache directory
//! ([`mirror`]) over file, HTTPS and SSH with per-repository credentials
//! ([`credentials`], [`http`]), resolving an Argo CD `targetRevision` to a commit
//! ([`revision`]), and a commit's tree as a [`Tree`](crate::repo::Tree)
//! ([`tree`]). Trees are read once per commit and shared by every app on it.

pub mod credentials;
pub mod http;
pub mod mirror;
pub mod repo;
pub mod revision;
pub mod tree;

pub use mirror::Mirror;
pub use repo::GitRepo;
pub use revision::resolve;
pub use tree::GitTree;

/// A Git operation failed; names the repository. Messages never hold a
/// secret: credentials are named by the file they come from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{repo}: {message}")]
pub struct GitError {
    pub repo: String,
    pub kind: GitErrorKind,
    pub message: String,
}

/// What went wrong, for callers that react differently (and for tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GitErrorKind {
    /// The repository, the network or the local cache.
    Other,
    /// The repository's access settings: an unreadable or empty secret file,
    /// an unusable `caFile`, settings that do not fit the URL's scheme.
    Config,
    /// The server refused the credentials, or wanted some and none are set.
    Authentication,
    /// The server's TLS certificate could not be verified.
    Tls,
    /// The SSH server's host key is not in the known hosts.
    HostKey,
}

impl GitError {
    pub fn new(repo: impl Into<String>, message: impl std::fmt::Display) -> GitError {
        GitError::of_kind(GitErrorKind::Other, repo, message)
    }

    pub fn config(repo: impl Into<String>, message: impl std::fmt::Display) -> GitError {
        GitError::of_kind(GitErrorKind::Config, repo, message)
    }

    pub fn of_kind(kind: GitErrorKind, repo: impl Into<String>, message: impl std::fmt::Display) -> GitError {
        GitError { repo: repo.into(), kind, message: message.to_string() }
    }
}
