//! Hub engine speed: the cluster generator over 10,000 clusters, and a full
//! plan of 1,000 clusters x 20 ApplicationSets from a Git repository.
//!
//! Run: `cargo bench -p convoy-hub --bench engine`

use convoy_hub::appset::ApplicationSet;
use convoy_hub::appset::render::FastTemplater;
use convoy_hub::config::RootSource;
use convoy_hub::engine::cache::RenderCache;
use convoy_hub::engine::{evaluate, plan};
use convoy_hub::generators::{Context, cluster};
use convoy_hub::git::GitRepo;
use convoy_hub::inventory::Cluster;
use convoy_hub::manifest::parse_stream;
use convoy_hub::repo::NoRepos;
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::process::Command;

fn fleet(n: usize) -> Vec<Cluster> {
    (0..n)
        .map(|i| {
            let env = ["production", "staging", "dev"][i % 3];
            Cluster::new(format!("cluster-{i:05}"))
                .with_label("env", env)
                .with_label("region", &format!("r{}", i % 20))
                .with_label("tier", if i % 7 == 0 { "edge" } else { "core" })
        })
        .collect()
}

const SELECTOR: &str = "matchExpressions:\n- {key: env, operator: In, values: [production, staging]}\n- {key: region, operator: NotIn, values: [r3, r4]}\n- {key: tier, operator: Exists}\n";

fn cluster_generator(c: &mut Criterion) {
    let clusters = fleet(10_000);
    let spec: serde_json::Value =
        serde_norway::from_str(&format!("selector:\n  {}", SELECTOR.replace('\n', "\n  "))).unwrap();
    let ctx = Context {
        clusters: &clusters,
        repos: &NoRepos,
        go_template: false,
        templater: &FastTemplater,
        strict_templater: &FastTemplater,
        include_in_cluster: true,
    };
    assert_eq!(cluster::generate(&spec, &ctx).unwrap().len(), 6_000);
    c.bench_function("cluster_generator_10k_clusters_params", |b| {
        b.iter(|| black_box(cluster::generate(&spec, &ctx).unwrap()))
    });

    let appset = ApplicationSet::from_document(
        &parse_stream(
            "bench.yaml",
            &format!(
                "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {{name: monitoring, namespace: argocd}}\nspec:\n  generators:\n  - clusters:\n      selector:\n        {}\n  template:\n    metadata: {{name: 'monitoring-{{{{name}}}}', labels: {{env: '{{{{metadata.labels.env}}}}'}}}}\n    spec:\n      project: default\n      source: {{repoURL: https://example/gitops.git, targetRevision: main, path: monitoring}}\n      destination: {{server: '{{{{server}}}}', namespace: monitoring}}\n",
                SELECTOR.replace('\n', "\n        ")
            ),
        )
        .unwrap()[0],
    )
    .unwrap();
    assert_eq!(appset.generate(&clusters, &NoRepos, true).unwrap().len(), 6_000);
    c.bench_function("cluster_generator_10k_clusters_applications", |b| {
        b.iter(|| black_box(appset.generate(&clusters, &NoRepos, true).unwrap()))
    });
}

fn git(dir: &std::path::Path, args: &[&str]) {
    let ok = Command::new("git")
        .args([
            "-c",
            "user.name=b",
            "-c",
            "user.email=b@example.invalid",
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .status()
        .unwrap()
        .success();
    assert!(ok, "git {args:?}");
}

/// 20 ApplicationSets (cluster generators with varied selectors), each app
/// a plain directory of 5 manifests.
fn plan_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let selectors = [
        "{matchLabels: {env: production}}",
        "{matchLabels: {env: staging}}",
        "{matchExpressions: [{key: region, operator: In, values: [r1, r2, r3, r4, r5]}]}",
        "{matchExpressions: [{key: tier, operator: In, values: [edge]}]}",
        "{}",
    ];
    for k in 0..20 {
        let selector = selectors[k % selectors.len()];
        let appset = format!(
            "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {{name: set-{k}, namespace: argocd}}\nspec:\n  generators:\n  - clusters:\n      selector: {selector}\n  template:\n    metadata: {{name: 'app-{k}-{{{{name}}}}'}}\n    spec:\n      project: default\n      source: {{repoURL: https://example/gitops.git, targetRevision: main, path: apps/app-{k}}}\n      destination: {{server: '{{{{server}}}}', namespace: app-{k}}}\n      syncPolicy: {{automated: {{prune: true}}}}\n"
        );
        let p = dir.path().join(format!("appsets/set-{k}.yaml"));
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, appset).unwrap();
        for m in 0..5 {
            let p = dir.path().join(format!("apps/app-{k}/m{m}.yaml"));
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(
                p,
                format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: app-{k}-{m}}}\ndata: {{k: v{m}}}\n"),
            )
            .unwrap();
        }
    }
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "bench"]);
    dir
}

fn full_plan(c: &mut Criterion) {
    let clusters = fleet(1_000);
    let dir = plan_repo();
    let repo = GitRepo::open(dir.path()).unwrap();
    let roots = vec![RootSource {
        repo_url: "https://example/gitops.git".into(),
        target_revision: Some("main".into()),
        path: "appsets".into(),
        recurse: false,
    }];
    let probe = RenderCache::default();
    let p = plan(&evaluate(&roots, &repo, &clusters, &probe), &clusters, None);
    let apps: usize = p.clusters.iter().map(|c| c.apps.len()).sum();
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    assert_eq!(probe.stats().1, 20, "each app directory renders once");
    println!("full plan: {apps} apps on {} clusters", clusters.len());
    let mut group = c.benchmark_group("plan");
    group.sample_size(10);
    group.bench_function("1000_clusters_x_20_appsets", |b| {
        b.iter(|| {
            let cache = RenderCache::default();
            black_box(plan(&evaluate(&roots, &repo, &clusters, &cache), &clusters, None))
        })
    });
    group.finish();
}

criterion_group!(benches, cluster_generator, full_plan);
criterion_main!(benches);
