//! A broken commit or an unreachable repository never takes apps away.

mod common;

use convoy_hub::config::HubConfig;
use convoy_hub::engine::Refresher;
use convoy_hub::inventory::Cluster;

const APPSET: &str = r#"apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: mon, namespace: argocd}
spec:
  generators:
  - clusters: {selector: {matchLabels: {env: production}}}
  template:
    metadata: {name: 'mon-{{name}}'}
    spec:
      source: {repoURL: 'https://example/gitops.git', targetRevision: main, path: mon}
      destination: {server: '{{server}}', namespace: mon}
"#;

fn config(dir: &std::path::Path, repo_url: &str, local: Option<&std::path::Path>) -> HubConfig {
    let local = local.map(|p| format!("\n  local: {}", p.display())).unwrap_or_default();
    let path = dir.join("hub.yaml");
    std::fs::write(
        &path,
        format!("repositories:\n- url: {repo_url}{local}\nroots:\n- {{repoURL: '{repo_url}', targetRevision: main, path: appsets}}\ncacheDir: cache\n"),
    )
    .unwrap();
    HubConfig::load(&path).unwrap()
}

fn fleet() -> Vec<Cluster> {
    vec![Cluster::new("prod-1").with_label("env", "production")]
}

fn names(p: &convoy_hub::engine::Plan) -> Vec<(String, usize, bool)> {
    p.clusters[0].apps.iter().map(|a| (a.name.clone(), a.conditions.len(), a.ships())).collect()
}

#[test]
fn a_broken_commit_keeps_the_last_good_state_with_a_warning() {
    let repo = common::repo_with(&[
        ("appsets/mon.yaml", APPSET),
        ("mon/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: m}\n"),
    ]);
    let tmp = tempfile::tempdir().unwrap();
    let mut r = Refresher::new(config(tmp.path(), "https://example/gitops.git", Some(repo.path()))).unwrap();
    assert_eq!(names(&r.refresh(&fleet())), [("mon-prod-1".to_string(), 0, true)]);

    common::write_files(
        repo.path(),
        &[("appsets/mon.yaml", "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: [broken\n")],
    );
    common::commit_all(repo.path(), "oops");
    let p = r.refresh(&fleet());
    assert_eq!(names(&p), [("mon-prod-1".to_string(), 1, true)], "the app stays and still ships");
    let warning = &p.clusters[0].apps[0].conditions[0];
    assert_eq!(warning.kind, "StaleSourceWarning");
    assert!(
        warning.message.contains("appsets/mon.yaml") && warning.message.contains("keeping the last good state"),
        "{}",
        warning.message
    );

    common::write_files(repo.path(), &[("appsets/mon.yaml", APPSET)]);
    common::commit_all(repo.path(), "fixed");
    assert_eq!(names(&r.refresh(&fleet())), [("mon-prod-1".to_string(), 0, true)]);
}

#[test]
fn one_broken_application_set_does_not_take_the_others_apps() {
    let other = APPSET
        .replace("name: mon,", "name: other,")
        .replace("'mon-{{name}}'", "'other-{{name}}'")
        .replace("path: mon}", "path: other}");
    let repo = common::repo_with(&[
        ("appsets/mon.yaml", APPSET),
        ("appsets/other.yaml", &other),
        ("mon/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: m}\n"),
        ("other/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: o}\n"),
    ]);
    let tmp = tempfile::tempdir().unwrap();
    let mut r = Refresher::new(config(tmp.path(), "https://example/gitops.git", Some(repo.path()))).unwrap();
    assert_eq!(r.refresh(&fleet()).clusters[0].apps.len(), 2);
    // An ApplicationSet that fails to generate (a matrix with one child).
    common::write_files(
        repo.path(),
        &[(
            "appsets/other.yaml",
            &other.replace(
                "- clusters: {selector: {matchLabels: {env: production}}}",
                "- matrix: {generators: [{list: {elements: [{a: b}]}}]}",
            ),
        )],
    );
    common::commit_all(repo.path(), "break one");
    let p = r.refresh(&fleet());
    assert_eq!(names(&p), [("mon-prod-1".to_string(), 0, true), ("other-prod-1".to_string(), 1, true)]);
    assert!(p.clusters[0].apps[1].conditions[0].message.contains("Matrix support only two"));
    // And it stays kept on the next refresh too.
    assert_eq!(names(&r.refresh(&fleet())).len(), 2);
}

#[test]
fn an_unreachable_remote_keeps_the_last_fetched_revision() {
    let upstream = common::repo_with(&[
        ("appsets/mon.yaml", APPSET),
        ("mon/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: m}\n"),
    ]);
    let tmp = tempfile::tempdir().unwrap();
    let url = format!("file://{}", upstream.path().display());
    let cfg = config(tmp.path(), &url, None);
    let text = std::fs::read_to_string(&cfg.file).unwrap().replace("https://example/gitops.git", &url);
    std::fs::write(&cfg.file, text).unwrap();
    let appset_url = APPSET.replace("https://example/gitops.git", &url);
    common::write_files(upstream.path(), &[("appsets/mon.yaml", &appset_url)]);
    common::commit_all(upstream.path(), "point at itself");
    let mut r = Refresher::new(HubConfig::load(&cfg.file).unwrap()).unwrap();
    assert_eq!(names(&r.refresh(&fleet())), [("mon-prod-1".to_string(), 0, true)]);
    assert_eq!(r.next_delay(&url).as_secs(), 30);

    let moved = tmp.path().join("moved-away");
    std::fs::rename(upstream.path(), &moved).unwrap();
    let p = r.refresh(&fleet());
    assert_eq!(names(&p), [("mon-prod-1".to_string(), 1, true)]);
    assert!(p.clusters[0].apps[0].conditions[0].message.starts_with(&format!("fetching {url} failed")));
    assert!(p.errors.iter().any(|e| e.starts_with("fetch ")), "{:?}", p.errors);
    assert_eq!(r.next_delay(&url).as_secs(), 5, "retried with backoff");
    r.refresh(&fleet());
    assert_eq!(r.next_delay(&url).as_secs(), 10);
    std::fs::rename(&moved, upstream.path()).unwrap();
    assert_eq!(names(&r.refresh(&fleet())), [("mon-prod-1".to_string(), 0, true)]);
    assert_eq!(r.next_delay(&url).as_secs(), 30);
}
