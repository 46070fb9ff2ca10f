//! Reading a kustomization tree through a [`Tree`]: path joining with `..`
//! resolved, file/directory checks, and finding a directory's
//! kustomization file.

use super::error::{KustomizeError, Result};
use super::model::FILE_NAMES;
use crate::repo::Tree;

/// What a path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathKind {
    File,
    Dir,
    Missing,
}

pub struct Loader<'a> {
    pub tree: &'a dyn Tree,
}

impl Loader<'_> {
    pub fn kind(&self, path: &str) -> PathKind {
        if path.is_empty() {
            return PathKind::Dir;
        }
        let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
        match self.tree.list(dir) {
            Ok(entries) => match entries.iter().find(|e| e.name == name) {
                Some(e) if e.is_dir => PathKind::Dir,
                Some(_) => PathKind::File,
                None => PathKind::Missing,
            },
            Err(_) => PathKind::Missing,
        }
    }

    pub fn read_bytes(&self, path: &str) -> Result<Vec<u8>> {
        self.tree.read(path).map_err(|e| KustomizeError::new(path, e))
    }

    pub fn read_text(&self, path: &str) -> Result<String> {
        let bytes = self.read_bytes(path)?;
        String::from_utf8(bytes).map_err(|_| KustomizeError::new(path, "file is not UTF-8 text"))
    }

    /// The kustomization file of a directory.
    pub fn kustomization_file(&self, dir: &str) -> Result<String> {
        let entries = self.tree.list(dir).map_err(|e| KustomizeError::new(dir, e))?;
        let found: Vec<&str> =
            FILE_NAMES.iter().copied().filter(|n| entries.iter().any(|e| !e.is_dir && e.name == *n)).collect();
        match found.as_slice() {
            [one] => Ok(join(dir, one)),
            [] => Err(KustomizeError::new(
                dir,
                "unable to find one of 'kustomization.yaml', 'kustomization.yml' or 'Kustomization' in directory",
            )),
            many => Err(KustomizeError::new(dir, format!("found multiple kustomization files: {}", many.join(", ")))),
        }
    }
}

/// Joins a relative path onto a directory, resolving `.` and `..`; an
/// absolute path or one that leaves the repository is an error.
pub fn resolve(dir: &str, rel: &str) -> std::result::Result<String, String> {
    if rel.starts_with('/') {
        return Err(format!("{rel}: absolute paths are not supported"));
    }
    let mut parts: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
    for seg in rel.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err(format!("{rel}: path leaves the repository"));
                }
            }
            s => parts.push(s),
        }
    }
    Ok(parts.join("/"))
}

/// Joins repository paths.
pub fn join(dir: &str, name: &str) -> String {
    crate::repo::join(dir, name)
}

/// Whether `path` is `dir` or below it.
pub fn is_within(path: &str, dir: &str) -> bool {
    dir.is_empty() || path == dir || path.starts_with(&format!("{dir}/"))
}

/// The last segment of a path.
pub fn base_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Whether a resource entry is a remote base (URL or git reference).
pub fn is_remote(entry: &str) -> bool {
    let lower = entry.to_ascii_lowercase();
    ["http://", "https://", "git::", "git@", "ssh://", "git://", "github.com/", "gitlab.com/", "bitbucket.org/"]
        .iter()
        .any(|p| lower.starts_with(p))
        || lower.contains("?ref=")
        || lower.contains(".git//")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_relative_paths() {
        assert_eq!(resolve("a/b", "../c/d.yaml").unwrap(), "a/c/d.yaml");
        assert_eq!(resolve("", "./x").unwrap(), "x");
        assert!(resolve("a", "../../x").is_err());
        assert!(resolve("a", "/etc/passwd").is_err());
    }

    #[test]
    fn recognises_remote_bases() {
        assert!(is_remote("https://github.com/org/repo//base?ref=v1"));
        assert!(is_remote("github.com/org/repo/base"));
        assert!(is_remote("git@github.com:org/repo.git"));
        assert!(!is_remote("../base"));
    }
}
