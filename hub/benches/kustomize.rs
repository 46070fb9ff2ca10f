//! Native Kustomize speed: a typical overlay (a base of 10 resources, 3
//! patches and a configMapGenerator), and 1,000 overlays of one base.
//! The fleet case runs without a cache and with the base cached.
//!
//! Run: `cargo bench -p convoy-hub --bench kustomize` (with kubectl on PATH
//! it also times `kubectl kustomize` on the typical overlay, for the ratio).

use convoy_hub::render::kustomize::{BaseCache, build, build_cached};
use convoy_hub::repo::{DirRepo, RepoReader};
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::Path;

fn write(root: &Path, path: &str, text: &str) {
    let full = root.join(path);
    std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
    std::fs::write(full, text).expect("write");
}

/// A base of 10 resources: 4 Deployments, 4 Services, 2 ConfigMaps.
fn base(root: &Path) {
    let mut kust = String::from("resources:\n");
    for i in 0..4 {
        write(
            root,
            &format!("base/deploy-{i}.yaml"),
            &format!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-{i}\nspec:\n  replicas: 1\n  selector:\n    \
                 matchLabels:\n      app: app-{i}\n  template:\n    metadata:\n      labels:\n        app: app-{i}\n    \
                 spec:\n      containers:\n      - name: main\n        image: nginx:1.25\n        envFrom:\n        - \
                 configMapRef:\n            name: settings\n"
            ),
        );
        write(
            root,
            &format!("base/svc-{i}.yaml"),
            &format!(
                "apiVersion: v1\nkind: Service\nmetadata:\n  name: app-{i}\nspec:\n  selector:\n    app: app-{i}\n  \
                 ports:\n  - port: 80\n"
            ),
        );
        kust.push_str(&format!("- deploy-{i}.yaml\n- svc-{i}.yaml\n"));
    }
    for i in 0..2 {
        write(
            root,
            &format!("base/cm-{i}.yaml"),
            &format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: static-{i}\ndata:\n  k: v\n"),
        );
        kust.push_str(&format!("- cm-{i}.yaml\n"));
    }
    write(root, "base/kustomization.yaml", &kust);
}

fn overlay(root: &Path, dir: &str, n: usize) {
    write(
        root,
        &format!("{dir}/kustomization.yaml"),
        &format!(
            "namePrefix: o{n}-\nnamespace: ns-{n}\ncommonLabels:\n  overlay: o{n}\nresources:\n- ../../base\n\
             patches:\n- path: replicas.yaml\n- path: image.yaml\n- patch: |-\n    - op: add\n      path: \
             /metadata/annotations\n      value: {{patched: \"yes\"}}\n  target:\n    kind: Service\n\
             configMapGenerator:\n- name: settings\n  literals: [MODE=o{n}, LEVEL=info]\n"
        ),
    );
    write(
        root,
        &format!("{dir}/replicas.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-0\nspec:\n  replicas: 3\n",
    );
    write(
        root,
        &format!("{dir}/image.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-1\nspec:\n  template:\n    spec:\n      \
         containers:\n      - name: main\n        image: nginx:1.27\n",
    );
}

fn kustomize(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    base(dir.path());
    for n in 0..1000 {
        overlay(dir.path(), &format!("overlays/o{n}"), n);
    }
    let tree = DirRepo::new(dir.path()).tree("", "").expect("tree");
    assert_eq!(build(tree.as_ref(), "overlays/o0").expect("build").len(), 11);

    c.bench_function("kustomize typical overlay", |b| {
        b.iter(|| black_box(build(tree.as_ref(), "overlays/o0").expect("build")))
    });
    let mut group = c.benchmark_group("kustomize fleet");
    group.sample_size(10);
    group.bench_function("1000 overlays of one base, no cache", |b| {
        b.iter(|| {
            for n in 0..1000 {
                black_box(build(tree.as_ref(), &format!("overlays/o{n}")).expect("build"));
            }
        })
    });
    // The case: the overlays cold, the base warm (built once before).
    let bases = BaseCache::default();
    build_cached(tree.as_ref(), "overlays/o0", None, Some(&bases)).expect("warm the base");
    group.bench_function("1000 overlays of one base, base cached", |b| {
        b.iter(|| {
            for n in 0..1000 {
                black_box(build_cached(tree.as_ref(), &format!("overlays/o{n}"), None, Some(&bases)).expect("build"));
            }
        })
    });
    // The same overlay through the real tool, as Argo CD runs it: a process per build.
    let kubectl_works =
        std::process::Command::new("kubectl").args(["kustomize", "--help"]).output().is_ok_and(|o| o.status.success());
    if kubectl_works {
        let overlay = dir.path().join("overlays/o0");
        group.bench_function("kubectl kustomize typical overlay", |b| {
            b.iter(|| {
                let out =
                    std::process::Command::new("kubectl").arg("kustomize").arg(&overlay).output().expect("kubectl");
                assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
                black_box(out.stdout)
            })
        });
    } else {
        eprintln!("kubectl not found: the kubectl kustomize comparison is skipped");
    }
    group.finish();
}

criterion_group!(benches, kustomize);
criterion_main!(benches);
