//! Git sources against real repositories made here with the git CLI.

use convoy_hub::git::{GitRepo, Mirror};
use convoy_hub::repo::{RepoReader, Tree};
mod common;

use common::git;
use std::path::Path;

fn commit_file(dir: &Path, path: &str, content: &str, message: &str) -> String {
    let p = dir.join(path);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, content).unwrap();
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", message]);
    git(dir, &["rev-parse", "HEAD"])
}

fn upstream() -> (tempfile::TempDir, String, String) {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q"]);
    let first =
        commit_file(dir.path(), "apps/web/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: v1}\n", "one");
    git(dir.path(), &["tag", "v1.0.0"]);
    git(dir.path(), &["tag", "-a", "release-1", "-m", "annotated"]);
    let second =
        commit_file(dir.path(), "apps/api/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: api}\n", "two");
    git(dir.path(), &["branch", "staging", &first]);
    (dir, first, second)
}

#[test]
fn revisions_resolve_like_argo_cd() {
    let (dir, first, second) = upstream();
    let repo = GitRepo::open(dir.path()).unwrap();
    assert_eq!(repo.resolve("HEAD").unwrap().to_string(), second);
    assert_eq!(repo.resolve("").unwrap().to_string(), second);
    assert_eq!(repo.resolve("main").unwrap().to_string(), second);
    assert_eq!(repo.resolve("staging").unwrap().to_string(), first);
    assert_eq!(repo.resolve("v1.0.0").unwrap().to_string(), first);
    assert_eq!(repo.resolve("release-1").unwrap().to_string(), first, "annotated tags peel to their commit");
    assert_eq!(repo.resolve(&first).unwrap().to_string(), first);
    assert_eq!(repo.resolve(&first[..8]).unwrap().to_string(), first);
    let err = repo.resolve("no-such-branch").unwrap_err().to_string();
    assert!(err.contains("\"no-such-branch\" is not a branch, tag or commit"), "{err}");
    assert!(repo.resolve(&"0".repeat(40)).unwrap_err().to_string().contains("does not exist"));
}

#[test]
fn semver_constraints_pick_the_highest_matching_tag() {
    let (dir, first, second) = upstream();
    git(dir.path(), &["tag", "v1.2.0", &first]);
    git(dir.path(), &["tag", "v1.2.7", &second]);
    git(dir.path(), &["tag", "v1.3.0-rc.1", &second]);
    git(dir.path(), &["tag", "2.0.0", &first]);
    let repo = GitRepo::open(dir.path()).unwrap();
    assert_eq!(repo.resolve("1.2.*").unwrap().to_string(), second, "v1.2.7 is the highest 1.2.x");
    assert_eq!(repo.resolve(">=1.0 <1.2.5").unwrap().to_string(), first);
    assert_eq!(repo.resolve("^2").unwrap().to_string(), first);
    assert_eq!(repo.resolve("v1.2.0").unwrap().to_string(), first, "an exact tag is a tag, not a constraint");
    let err = repo.resolve("~3.1").unwrap_err().to_string();
    assert!(err.contains("no tag satisfies the version constraint \"~3.1\""), "{err}");
}

#[test]
fn trees_are_read_per_revision_and_shared() {
    let (dir, _first, _second) = upstream();
    // Uncommitted changes must not leak into what the hub reads.
    std::fs::write(dir.path().join("apps/web/cm.yaml"), "dirty").unwrap();
    let repo = GitRepo::open(dir.path()).unwrap();
    let main = repo.tree("https://x/repo.git", "main").unwrap();
    let staging = repo.tree("https://x/repo.git", "staging").unwrap();
    assert_eq!(main.list("apps").unwrap().iter().map(|e| e.name.as_str()).collect::<Vec<_>>(), ["api", "web"]);
    assert_eq!(staging.list("apps").unwrap().len(), 1);
    assert!(String::from_utf8(main.read("apps/web/cm.yaml").unwrap()).unwrap().contains("name: v1"));
    assert!(main.read("apps/nope.yaml").is_err());
    assert_eq!(repo.directories("https://x/repo.git", "staging").unwrap(), ["apps", "apps/web"]);
    let again = repo.tree_at("main").unwrap();
    assert!(std::sync::Arc::ptr_eq(&again, &repo.tree_at("HEAD").unwrap()), "one tree read per commit");
}

#[test]
fn mirrors_follow_new_commits_force_pushes_and_deletions() {
    let (up, first, second) = upstream();
    let cache = tempfile::tempdir().unwrap();
    let url = format!("file://{}", up.path().display());
    let mirror = Mirror::new(cache.path(), &url);

    let repo = GitRepo::from_repository(mirror.sync().unwrap(), url.clone());
    assert_eq!(repo.resolve("main").unwrap().to_string(), second);
    assert_eq!(repo.resolve("HEAD").unwrap().to_string(), second);
    assert_eq!(repo.resolve("staging").unwrap().to_string(), first);
    assert_eq!(repo.resolve("v1.0.0").unwrap().to_string(), first);

    // A new commit arrives incrementally.
    let third =
        commit_file(up.path(), "apps/web/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: v3}\n", "three");
    let repo = GitRepo::from_repository(mirror.sync().unwrap(), url.clone());
    assert_eq!(repo.resolve("main").unwrap().to_string(), third);
    let tree = repo.tree_at("main").unwrap();
    assert!(String::from_utf8(tree.read("apps/web/cm.yaml").unwrap()).unwrap().contains("v3"));

    // History rewritten: main is reset and gets another commit.
    git(up.path(), &["reset", "-q", "--hard", &first]);
    let rewritten = commit_file(up.path(), "other.yaml", "a: b\n", "rewritten");
    // Branch and tag deleted upstream.
    git(up.path(), &["branch", "-D", "staging"]);
    git(up.path(), &["tag", "-d", "v1.0.0"]);
    let repo = GitRepo::from_repository(mirror.sync().unwrap(), url.clone());
    assert_eq!(repo.resolve("main").unwrap().to_string(), rewritten, "force-pushed branch follows the remote");
    assert!(repo.resolve("staging").is_err(), "deleted branch is pruned");
    assert!(repo.resolve("v1.0.0").is_err(), "deleted tag is pruned");
    assert_eq!(repo.resolve("release-1").unwrap().to_string(), first);
}

#[test]
fn a_missing_remote_is_an_error_naming_it() {
    let cache = tempfile::tempdir().unwrap();
    let mirror = Mirror::new(cache.path(), "file:///nonexistent/convoy-test-repo");
    let err = mirror.sync().unwrap_err();
    assert_eq!(err.repo, "file:///nonexistent/convoy-test-repo");
    assert!(
        !cache.path().read_dir().unwrap().any(|e| e.unwrap().file_name().to_string_lossy().starts_with(".clone-")),
        "no half clone left behind"
    );
}
