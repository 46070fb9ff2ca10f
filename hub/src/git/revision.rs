//! Resolving an Argo CD `targetRevision` to a commit, in Argo CD's order:
//! `HEAD` (or empty), a full commit SHA, a branch, a tag, a semantic-version
//! constraint over tags (Masterminds rules, as Argo CD: `1.2.*`, `>=1.0 <2`,
//! `^1.4`; the highest matching tag wins), then an abbreviated SHA of at
//! least 7 digits.

use super::GitError;
use convoy_gotemplate::funcs::{Constraints, Version};
use gix::ObjectId;

/// Refs as `(full name, peeled commit)`.
pub fn refs(repo: &gix::Repository) -> Result<Vec<(String, ObjectId)>, String> {
    let platform = repo.references().map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for r in platform.all().map_err(|e| e.to_string())? {
        let mut r = r.map_err(|e| e.to_string())?;
        let name = r.name().as_bstr().to_string();
        if let Ok(id) = r.peel_to_id() {
            out.push((name, id.detach()));
        }
    }
    Ok(out)
}

pub fn resolve(repo: &gix::Repository, label: &str, revision: &str) -> Result<ObjectId, GitError> {
    let err = |m: String| GitError::new(label, m);
    let revision = revision.trim();
    if revision.is_empty() || revision == "HEAD" {
        let mut head = repo.head().map_err(|e| err(e.to_string()))?;
        return head.peel_to_commit().map(|c| c.id).map_err(|e| err(format!("cannot resolve HEAD: {e}")));
    }
    if revision.len() == 40
        && let Ok(id) = ObjectId::from_hex(revision.as_bytes())
    {
        return repo.find_commit(id).map(|c| c.id).map_err(|_| err(format!("commit {revision} does not exist")));
    }
    let all = refs(repo).map_err(err)?;
    for prefix in ["refs/heads/", "refs/tags/", "refs/remotes/origin/", ""] {
        let want = format!("{prefix}{revision}");
        if let Some((_, id)) = all.iter().find(|(name, _)| *name == want) {
            return commit_of(repo, *id).map_err(err);
        }
    }
    if let Ok(constraint) = Constraints::parse(revision) {
        let best = all
            .iter()
            .filter_map(|(name, id)| {
                let tag = name.strip_prefix("refs/tags/")?;
                let version = Version::parse(tag).ok()?;
                constraint.check(&version).then_some((version, *id))
            })
            .max_by(|(a, _), (b, _)| a.compare(b));
        if let Some((_, id)) = best {
            return commit_of(repo, id).map_err(err);
        }
        if !looks_like_sha(revision) {
            return Err(err(format!("no tag satisfies the version constraint {revision:?}")));
        }
    }
    if looks_like_sha(revision) {
        return repo
            .rev_parse_single(revision)
            .map_err(|e| err(format!("{revision:?} is not a branch, tag or commit: {e}")))
            .and_then(|id| commit_of(repo, id.detach()).map_err(err));
    }
    Err(err(format!("revision {revision:?} is not a branch, tag or commit of this repository")))
}

fn commit_of(repo: &gix::Repository, id: ObjectId) -> Result<ObjectId, String> {
    let object = repo.find_object(id).map_err(|e| e.to_string())?;
    object.peel_to_commit().map(|c| c.id).map_err(|e| e.to_string())
}

fn looks_like_sha(revision: &str) -> bool {
    revision.len() >= 7 && revision.len() < 40 && revision.bytes().all(|b| b.is_ascii_hexdigit())
}
