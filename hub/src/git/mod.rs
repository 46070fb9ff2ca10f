//! Git, through gix: mirrors of remote repositories in a cache directory
//! ([`mirror`]), resolving an Argo CD `targetRevision` to a commit
//! ([`revision`]), and a commit's tree as a [`Tree`](crate::repo::Tree)
//! ([`tree`]). Trees are read once per commit and shared by every app on it.

pub mod mirror;
pub mod repo;
pub mod revision;
pub mod tree;

pub use mirror::Mirror;
pub use repo::GitRepo;
pub use revision::resolve;
pub use tree::GitTree;

/// A Git operation failed; names the repository.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{repo}: {message}")]
pub struct GitError {
    pub repo: String,
    pub message: String,
}

impl GitError {
    pub fn new(repo: impl Into<String>, message: impl std::fmt::Display) -> GitError {
        GitError { repo: repo.into(), message: message.to_string() }
    }
}
