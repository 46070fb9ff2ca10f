//! `convoy-agent apply | status | diff` as an operator runs them: the
//! binary, a signed bundle file, and convoy-sim through a kubeconfig.

use convoy_protocol::bundle::{AppBundle, Manifest, SyncPolicy};
use convoy_protocol::{Bundle, BundleSigner, SignedBundle};
use convoy_sim::{SimConfig, Simulator};
use serde_json::{Value, json};
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::time::Duration;

struct Env {
    sim: Simulator,
    dir: tempfile::TempDir,
    kubeconfig: PathBuf,
    cluster: String,
    signer: BundleSigner,
    keys: PathBuf,
}

impl Env {
    async fn start() -> Env {
        let sim = Simulator::start(SimConfig::new(1)).await.expect("simulator");
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = sim.write_kubeconfigs(dir.path()).unwrap().remove(0);
        let cluster = sim.cluster_names()[0].clone();
        let signer = BundleSigner::generate();
        let keys = dir.path().join("hub.pem");
        std::fs::write(&keys, signer.public_key_pem().unwrap()).unwrap();
        Env { sim, dir, kubeconfig, cluster, signer, keys }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes a bundle signed by the hub key.
    fn write_bundle(&self, name: &str, bundle: &Bundle) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, self.signer.sign(bundle).unwrap().to_bytes().unwrap()).unwrap();
        path
    }

    fn kubectl(&self, args: &[&str]) -> (bool, String) {
        let out = std::process::Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .args(args)
            .output()
            .expect("kubectl runs");
        (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
    }

    fn kubectl_ok(&self, args: &[&str]) -> String {
        let (ok, out) = self.kubectl(args);
        assert!(ok, "kubectl {args:?} failed");
        out
    }

    fn exists(&self, args: &[&str]) -> bool {
        self.kubectl(&[&["get"], args].concat()).0
    }
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Command-line arguments from strings and paths.
fn args(items: &[&dyn AsRef<OsStr>]) -> Vec<OsString> {
    items.iter().map(|a| a.as_ref().to_os_string()).collect()
}

/// Runs the agent binary, bounded in time (it is killed after 90 s).
async fn agent(dir: &Path, args: &[OsString]) -> Run {
    static COUNT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let (out, err) = (dir.join(format!("run-{n}.out")), dir.join(format!("run-{n}.err")));
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_convoy-agent"))
        .args(args)
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .expect("convoy-agent starts");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if tokio::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("convoy-agent {args:?} did not finish in 90 s");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    Run {
        code: status.code().unwrap_or(-1),
        stdout: std::fs::read_to_string(out).unwrap(),
        stderr: std::fs::read_to_string(err).unwrap(),
    }
}

fn manifest(obj: Value) -> Manifest {
    Manifest {
        api_version: obj["apiVersion"].as_str().unwrap().into(),
        kind: obj["kind"].as_str().unwrap().into(),
        namespace: obj["metadata"]["namespace"].as_str().unwrap_or_default().into(),
        name: obj["metadata"]["name"].as_str().unwrap().into(),
        json: obj.to_string(),
    }
}

fn web_bundle(cluster: &str, generation: u64, replicas: i64, extra: bool) -> Bundle {
    let mut manifests = vec![
        manifest(
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "web"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}}}}),
        ),
        manifest(
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg", "namespace": "web"}, "data": {"k": "v"}}),
        ),
    ];
    if extra {
        manifests.push(manifest(
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "extra", "namespace": "web"}}),
        ));
    }
    Bundle {
        cluster: cluster.into(),
        generation,
        source_revision: "abc123".into(),
        created_at_ms: 0,
        apps: vec![AppBundle {
            name: "web".into(),
            project: "default".into(),
            namespace: "web".into(),
            revision: "abc123".into(),
            sync_policy: SyncPolicy {
                automated: true,
                prune: true,
                self_heal: true,
                sync_options: vec!["CreateNamespace=true".into()],
                ..Default::default()
            },
            ignore_differences: vec![],
            manifests,
        }],
    }
}

/// The table row of an app: its whitespace-separated cells.
fn row<'a>(table: &'a str, app: &str) -> Vec<&'a str> {
    table
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .find(|cells| cells.first() == Some(&app))
        .unwrap_or_else(|| panic!("no row for {app} in:\n{table}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_once_then_status_and_diff() {
    let env = Env::start().await;
    let state = env.path("state");
    let v1 = env.write_bundle("v1.bundle", &web_bundle(&env.cluster, 1, 2, false));
    let common = args(&[&"--kubeconfig", &env.kubeconfig, &"--state-dir", &state, &"--trusted-keys", &env.keys]);

    let run = agent(
        env.dir.path(),
        &[args(&[&"apply", &"--bundle", &v1, &"--once", &"--timeout", &"60s"]), common.clone()].concat(),
    )
    .await;
    assert_eq!(run.code, 0, "stdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
    assert_eq!(row(&run.stdout, "web")[1..3], ["Synced", "Healthy"], "{}", run.stdout);
    assert!(run.stderr.contains("v1.bundle") && run.stderr.contains("generation 1"), "{}", run.stderr);
    assert_eq!(env.kubectl_ok(&["get", "deployment/web", "-n", "web", "-o", "jsonpath={.spec.replicas}"]), "2");

    let run = agent(env.dir.path(), &args(&[&"status", &"--state-dir", &state])).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains(&format!("cluster {}, bundle generation 1", env.cluster)), "{}", run.stdout);
    assert_eq!(row(&run.stdout, "web")[1..3], ["Synced", "Healthy"], "{}", run.stdout);
    assert!(run.stdout.contains("Deployment.apps") && run.stdout.contains("ConfigMap"), "{}", run.stdout);
    let run = agent(env.dir.path(), &args(&[&"status", &"--state-dir", &state, &"--output", &"json"])).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json: Value = serde_json::from_str(&run.stdout).expect("status --output json is JSON");
    assert_eq!(json["cluster"], env.cluster.as_str());
    assert_eq!(json["generation"], 1);
    assert_eq!((&json["apps"][0]["name"], &json["apps"][0]["sync"]), (&json!("web"), &json!("Synced")));
    assert_eq!(json["apps"][0]["health"], "Healthy");
    assert_eq!(json["apps"][0]["resources"].as_array().map(Vec::len), Some(2));

    // Drift while no agent runs: diff shows it.
    env.kubectl_ok(&["scale", "deployment/web", "-n", "web", "--replicas=5"]);
    let run = agent(env.dir.path(), &[args(&[&"diff", &"--bundle", &v1]), common.clone()].concat()).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("Deployment.apps/web/web: would be configured"), "{}", run.stdout);
    assert!(run.stdout.contains("/spec/replicas: 5 -> 2"), "{}", run.stdout);
    assert!(run.stdout.contains("1 change(s)"), "{}", run.stdout);

    // A dry run of the next generation changes nothing, in the cluster or the state.
    let v2 = env.write_bundle("v2.bundle", &web_bundle(&env.cluster, 2, 3, true));
    let run =
        agent(env.dir.path(), &[args(&[&"apply", &"--bundle", &v2, &"--dry-run"]), common.clone()].concat()).await;
    assert_eq!(run.code, 0, "stdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("ConfigMap/web/extra created (dry run)"), "{}", run.stdout);
    assert!(!env.exists(&["configmap/extra", "-n", "web"]), "the dry run created a ConfigMap");
    assert_eq!(env.kubectl_ok(&["get", "deployment/web", "-n", "web", "-o", "jsonpath={.spec.replicas}"]), "5");
    let run = agent(env.dir.path(), &[args(&[&"diff", &"--bundle", &v1]), common.clone()].concat()).await;
    assert_eq!(run.code, 0, "the dry run stored generation 2: {}", run.stderr);
    env.sim.stop().await.unwrap();
}

/// A dry run against an empty cluster, for an app whose namespace and CRD
/// do not exist yet.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_on_an_empty_cluster_creates_nothing() {
    let env = Env::start().await;
    let state = env.path("state");
    let mut bundle = web_bundle(&env.cluster, 1, 2, false);
    bundle.apps[0].manifests.push(manifest(json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced",
                 "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
                 "versions": [{"name": "v1", "served": true, "storage": true,
                               "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}]}})));
    bundle.apps[0].manifests.push(manifest(
        json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w1"}, "spec": {"size": 1}}),
    ));
    let v1 = env.write_bundle("v1.bundle", &bundle);
    let run = agent(
        env.dir.path(),
        &args(&[
            &"apply",
            &"--bundle",
            &v1,
            &"--kubeconfig",
            &env.kubeconfig,
            &"--state-dir",
            &state,
            &"--trusted-keys",
            &env.keys,
            &"--dry-run",
        ]),
    )
    .await;
    assert_eq!(run.code, 0, "stdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
    for line in [
        "Namespace/web created",
        "CustomResourceDefinition.apiextensions.k8s.io/widgets.example.com created",
        "Deployment.apps/web/web created",
        "ConfigMap/web/cfg created",
        "Widget.example.com/web/w1 created",
    ] {
        assert!(run.stdout.contains(&format!("[web] {line} (dry run)")), "{line}: {}", run.stdout);
    }
    assert!(!env.exists(&["namespace/web"]), "the dry run created the namespace");
    assert!(!env.exists(&["customresourcedefinition/widgets.example.com"]), "the dry run created the CRD");
    assert!(!env.exists(&["deployment/web", "-n", "web"]));
    assert!(!state.join("status.json").exists());
    env.sim.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_bundles_and_missing_keys_are_refused_naming_the_file() {
    let env = Env::start().await;
    let state = env.path("state");
    let good = web_bundle(&env.cluster, 1, 2, false);

    // Altered after signing: another bundle's payload under the original signature.
    let mut tampered: SignedBundle = env.signer.sign(&good).unwrap();
    tampered.payload = web_bundle(&env.cluster, 1, 50, false).encode().unwrap();
    let tampered_path = env.path("tampered.bundle");
    std::fs::write(&tampered_path, tampered.to_bytes().unwrap()).unwrap();
    // Signed by a key the agent does not trust.
    let rogue_path = env.path("rogue.bundle");
    std::fs::write(&rogue_path, BundleSigner::generate().sign(&good).unwrap().to_bytes().unwrap()).unwrap();
    let good_path = env.write_bundle("good.bundle", &good);

    let apply = |bundle: &Path, keys: Option<&Path>| {
        let mut a = args(&[
            &"apply",
            &"--once",
            &"--bundle",
            &bundle,
            &"--kubeconfig",
            &env.kubeconfig,
            &"--state-dir",
            &state,
        ]);
        if let Some(k) = keys {
            a.extend(args(&[&"--trusted-keys", &k]));
        }
        a
    };
    let nowhere = env.path("nowhere.pem");
    let cases = [
        ("tampered", apply(&tampered_path, Some(&env.keys)), vec![tampered_path.clone(), "altered".into()]),
        ("unknown key", apply(&rogue_path, Some(&env.keys)), vec![rogue_path.clone(), "does not trust".into()]),
        ("no --trusted-keys", apply(&good_path, None), vec![state.join("trusted-keys.pem"), "--trusted-keys".into()]),
        ("missing keys file", apply(&good_path, Some(&nowhere)), vec![nowhere.clone()]),
    ];
    for (what, a, needles) in cases {
        let run = agent(env.dir.path(), &a).await;
        assert_eq!(run.code, 1, "{what}: stdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
        for needle in needles {
            let needle = needle.display().to_string();
            assert!(run.stderr.contains(&needle), "{what}: {needle:?} not in:\n{}", run.stderr);
        }
    }
    assert!(!env.exists(&["namespace/web"]), "a refused bundle changed the cluster");
    env.sim.stop().await.unwrap();
}
