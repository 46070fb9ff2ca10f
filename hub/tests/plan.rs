//! The engine end to end on a Git repository laid out like the seeds: a
//! root app-of-apps, dev and prod ApplicationSets over three apps with
//! per-environment manifests, a cluster-generator ApplicationSet for
//! `env: production`, and an AppProject.

mod common;

use convoy_hub::config::HubConfig;
use convoy_hub::engine::cache::RenderCache;
use convoy_hub::engine::{Plan, evaluate, plan};
use convoy_hub::repo::configured::ConfiguredRepos;

const REPO: &str = "git@github.com:your-org/platform-gitops.git";

fn cm(name: &str, env: &str) -> String {
    format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}-config\ndata:\n  env: {env}\n")
}

fn deployment(name: &str, replicas: u32) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  replicas: {replicas}\n  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n    metadata: {{labels: {{app: {name}}}}}\n    spec:\n      containers: [{{name: app, image: 'registry.example/{name}:0.1.0'}}]\n"
    )
}

fn appset(env: &str, destination: &str, automated: bool) -> String {
    let sync = if automated {
        "      syncPolicy:\n        automated: {prune: true, selfHeal: true}\n        syncOptions: [CreateNamespace=true]\n"
    } else {
        ""
    };
    format!(
        r#"apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {{name: {env}-services, namespace: argocd}}
spec:
  generators:
  - list:
      elements:
      - {{name: application-a, namespace: {env}}}
      - {{name: application-b, namespace: {env}}}
      - {{name: application-c, namespace: {env}}}
  template:
    metadata: {{name: '{{{{name}}}}-{env}'}}
    spec:
      project: platform
      source: {{repoURL: '{REPO}', targetRevision: main, path: 'apps/{{{{name}}}}/{env}'}}
      destination: {{{destination}, namespace: '{{{{namespace}}}}'}}
{sync}"#
    )
}

fn seed_repo() -> tempfile::TempDir {
    let mut files: Vec<(String, String)> = vec![
        (
            "argocd/root.yaml".into(),
            format!(
                "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {{name: platform-gitops, namespace: argocd}}\nspec:\n  project: default\n  source: {{repoURL: '{REPO}', path: argocd/applicationsets/, targetRevision: main}}\n  destination: {{server: https://kubernetes.default.svc, namespace: argocd}}\n  syncPolicy:\n    automated: {{selfHeal: true, prune: false}}\n"
            ),
        ),
        ("argocd/applicationsets/dev-services.yaml".into(), appset("dev", "name: staging", true)),
        // The seeds' manual production gate: no automated block.
        (
            "argocd/applicationsets/prod-services.yaml".into(),
            appset("prod", "server: https://kubernetes.default.svc", false),
        ),
        (
            "argocd/applicationsets/monitoring.yaml".into(),
            format!(
                "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {{name: monitoring, namespace: argocd}}\nspec:\n  generators:\n  - clusters:\n      selector:\n        matchLabels: {{env: production}}\n  template:\n    metadata: {{name: 'monitoring-{{{{name}}}}'}}\n    spec:\n      project: default\n      source: {{repoURL: '{REPO}', targetRevision: main, path: monitoring}}\n      destination: {{server: '{{{{server}}}}', namespace: monitoring}}\n      syncPolicy: {{automated: {{}}}}\n"
            ),
        ),
        (
            "argocd/applicationsets/platform-project.yaml".into(),
            format!(
                "apiVersion: argoproj.io/v1alpha1\nkind: AppProject\nmetadata: {{name: platform, namespace: argocd}}\nspec:\n  sourceRepos: ['{REPO}']\n  destinations:\n  - {{server: '*', namespace: dev}}\n  - {{server: '*', namespace: prod}}\n  clusterResourceWhitelist: []\n"
            ),
        ),
        ("monitoring/agent.yaml".into(), deployment("node-exporter", 1)),
    ];
    for app in ["application-a", "application-b", "application-c"] {
        files.push((format!("apps/{app}/dev/deployment.yaml"), deployment(app, 1)));
        files.push((format!("apps/{app}/dev/config.yaml"), cm(app, "dev")));
        files.push((format!("apps/{app}/prod/deployment.yaml"), deployment(app, 2)));
        files.push((format!("apps/{app}/prod/config.yaml"), cm(app, "prod")));
    }
    // application-c's prod tree also creates a Namespace, which the platform
    // project does not allow.
    files.push((
        "apps/application-c/prod/ns.yaml".into(),
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: prod}\n".into(),
    ));
    let refs: Vec<(&str, &str)> = files.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    common::repo_with(&refs)
}

fn hub_config(dir: &std::path::Path, repo: &std::path::Path) -> std::path::PathBuf {
    let config = dir.join("hub.yaml");
    std::fs::write(
        &config,
        format!(
            r#"apiVersion: convoy.dev/v1alpha1
kind: HubConfig
inCluster: prod-eu
repositories:
- url: {REPO}
  local: {}
roots:
- repoURL: {REPO}
  targetRevision: main
  path: argocd
clusters:
- {{name: staging, labels: {{env: staging}}}}
- {{name: prod-eu, labels: {{env: production}}}}
- {{name: edge-1, labels: {{env: production, region: edge}}}}
"#,
            repo.display()
        ),
    )
    .unwrap();
    config
}

fn run(config: &std::path::Path) -> (Plan, RenderCache) {
    let config = HubConfig::load(config).unwrap();
    let repos = ConfiguredRepos::new(&config).unwrap();
    assert!(repos.refresh().is_empty());
    let cache = RenderCache::default();
    let evaluation = evaluate(&config.roots, &repos, &config.clusters, &cache);
    let p = plan(&evaluation, &config.clusters, config.in_cluster.as_deref());
    (p, cache)
}

fn apps_of<'a>(p: &'a Plan, cluster: &str) -> Vec<(&'a str, usize, bool, bool)> {
    p.clusters
        .iter()
        .find(|c| c.cluster.name == cluster)
        .unwrap()
        .apps
        .iter()
        .map(|a| (a.name.as_str(), a.objects.len(), a.sync_policy.automated, a.ships()))
        .collect()
}

#[test]
fn the_seed_layout_plans_per_cluster() {
    let repo = seed_repo();
    let tmp = tempfile::tempdir().unwrap();
    let (p, cache) = run(&hub_config(tmp.path(), repo.path()));
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    assert!(p.unplaced.is_empty(), "{:?}", p.unplaced);
    assert_eq!(
        apps_of(&p, "staging"),
        [
            ("application-a-dev", 2, true, true),
            ("application-b-dev", 2, true, true),
            ("application-c-dev", 2, true, true)
        ]
    );
    // prod goes to the in-cluster stand-in, manual; monitoring to both production clusters.
    assert_eq!(
        apps_of(&p, "prod-eu"),
        [
            ("application-a-prod", 2, false, true),
            ("application-b-prod", 2, false, true),
            ("application-c-prod", 3, false, false),
            ("monitoring-prod-eu", 1, true, true),
        ]
    );
    assert_eq!(apps_of(&p, "edge-1"), [("monitoring-edge-1", 1, true, true)]);
    let c_prod = &p.clusters[1].apps[2];
    assert!(
        c_prod.conditions[0].message.contains("resource :Namespace is not permitted in project platform"),
        "{:?}",
        c_prod.conditions
    );
    // The two monitoring apps share one render; nothing renders twice.
    let (hits, misses) = cache.stats();
    // platform-gitops, six app directories and monitoring: eight renders.
    assert_eq!((hits, misses), (1, 8), "one render per distinct (commit, path)");
    let prod = p.clusters[1].apps[0].revision.clone();
    assert_eq!(prod.len(), 40, "apps carry the commit they were rendered at");
}

#[test]
fn a_new_commit_is_what_the_next_plan_sees() {
    let repo = seed_repo();
    let tmp = tempfile::tempdir().unwrap();
    let config = hub_config(tmp.path(), repo.path());
    common::write_files(repo.path(), &[("monitoring/extra.yaml", &cm("extra", "prod"))]);
    // Not committed yet: the plan reads main, not the work tree.
    assert_eq!(apps_of(&run(&config).0, "edge-1"), [("monitoring-edge-1", 1, true, true)]);
    let sha = common::commit_all(repo.path(), "add extra");
    let (p, _) = run(&config);
    assert_eq!(apps_of(&p, "edge-1"), [("monitoring-edge-1", 2, true, true)]);
    assert_eq!(p.clusters[2].apps[0].revision, sha);
}

#[test]
fn problems_become_conditions_not_silent_changes() {
    let repo = seed_repo();
    common::write_files(
        repo.path(),
        &[
            // An app whose path renders nothing, and one that duplicates a
            // resource of another app on the same cluster.
            (
                "argocd/applicationsets/extra.yaml",
                &format!(
                    "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {{name: empty-app, namespace: argocd}}\nspec:\n  source: {{repoURL: '{REPO}', path: nothing-here}}\n  destination: {{name: staging, namespace: dev}}\n---\napiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {{name: zz-copy-of-a, namespace: argocd}}\nspec:\n  source: {{repoURL: '{REPO}', path: apps/application-a/dev}}\n  destination: {{name: staging, namespace: dev}}\n---\napiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {{name: lost, namespace: argocd}}\nspec:\n  source: {{repoURL: '{REPO}', path: monitoring}}\n  destination: {{name: mars, namespace: x}}\n"
                ),
            ),
            ("nothing-here/README.md", "no manifests"),
        ],
    );
    common::commit_all(repo.path(), "extra apps");
    let tmp = tempfile::tempdir().unwrap();
    let (p, _) = run(&hub_config(tmp.path(), repo.path()));
    let staging = &p.clusters.iter().find(|c| c.cluster.name == "staging").unwrap().apps;
    let find = |n: &str| staging.iter().find(|a| a.name == n).unwrap();
    assert!(find("empty-app").conditions[0].message.contains("renders zero resources"));
    assert!(
        find("zz-copy-of-a").conditions[0].message.contains("also in application-a-dev"),
        "{:?}",
        find("zz-copy-of-a").conditions
    );
    assert!(find("application-a-dev").ships(), "the first owner keeps its resources");
    assert_eq!(p.unplaced.len(), 1);
    assert!(p.unplaced[0].conditions[0].message.contains("destination cluster mars is not a registered cluster"));
}

#[test]
fn app_of_apps_cycles_are_cut_and_reported() {
    let repo = common::repo_with(&[
        (
            "root/a.yaml",
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: a}\nspec:\n  source: {repoURL: 'git@github.com:your-org/platform-gitops.git', path: child}\n  destination: {name: staging, namespace: x}\n",
        ),
        (
            "child/a-again.yaml",
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: a}\nspec:\n  source: {repoURL: 'git@github.com:your-org/platform-gitops.git', path: child}\n  destination: {name: staging, namespace: x}\n",
        ),
    ]);
    let tmp = tempfile::tempdir().unwrap();
    let config = hub_config(tmp.path(), repo.path());
    let text = std::fs::read_to_string(&config).unwrap().replace("path: argocd", "path: root");
    std::fs::write(&config, text).unwrap();
    let (p, _) = run(&config);
    assert!(p.errors.iter().any(|e| e.contains("is its own ancestor (a → a)")), "{:?}", p.errors);
}
