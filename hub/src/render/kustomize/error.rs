//! The error every Kustomize step returns: the file (or directory) it is
//! about and what is wrong with it.

/// A Kustomize build failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {message}")]
pub struct KustomizeError {
    /// Repository-relative path of the file or directory at fault.
    pub file: String,
    pub message: String,
}

impl KustomizeError {
    pub fn new(file: impl Into<String>, message: impl Into<String>) -> KustomizeError {
        let file = file.into();
        KustomizeError { file: if file.is_empty() { ".".into() } else { file }, message: message.into() }
    }
}

pub type Result<T> = std::result::Result<T, KustomizeError>;
