//! The real kubectl against the simulator: server-side apply, get, get -w,
//! patch, edit, scale, wait, rollout status, delete, and its error messages.
//! Skipped (with a printed reason) only where kubectl is not installed.

use convoy_sim::{SimConfig, Simulator};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

fn kubectl_bin() -> Option<PathBuf> {
    let candidates = ["/usr/bin/kubectl", "/usr/local/bin/kubectl"];
    candidates.iter().map(PathBuf::from).find(|p| p.exists())
}

struct Kubectl {
    bin: PathBuf,
    kubeconfig: PathBuf,
    cache: PathBuf,
}

struct Out {
    ok: bool,
    stdout: String,
    stderr: String,
}

impl Kubectl {
    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(&self.bin);
        c.arg("--kubeconfig").arg(&self.kubeconfig).arg("--cache-dir").arg(&self.cache).arg("--request-timeout=20s");
        c.args(args);
        c.kill_on_drop(true);
        c
    }

    async fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Out {
        let mut c = self.command(args);
        for (k, v) in env {
            c.env(k, v);
        }
        let o = tokio::time::timeout(Duration::from_secs(60), c.output())
            .await
            .expect("kubectl finished in time")
            .expect("kubectl runs");
        Out {
            ok: o.status.success(),
            stdout: String::from_utf8_lossy(&o.stdout).into(),
            stderr: String::from_utf8_lossy(&o.stderr).into(),
        }
    }

    async fn run(&self, args: &[&str]) -> Out {
        self.run_env(args, &[]).await
    }

    async fn ok(&self, args: &[&str]) -> String {
        let o = self.run(args).await;
        assert!(o.ok, "kubectl {args:?} failed: {}", o.stderr);
        o.stdout
    }

    async fn json(&self, args: &[&str]) -> serde_json::Value {
        serde_json::from_str(&self.ok(args).await).expect("kubectl printed JSON")
    }
}

async fn setup(dir: &Path) -> Option<(Simulator, Kubectl)> {
    let Some(bin) = kubectl_bin() else {
        println!("SKIPPED: kubectl is not installed on this machine");
        return None;
    };
    let mut cfg = SimConfig::new(1);
    cfg.ready_delay = Duration::from_millis(100);
    let sim = Simulator::start(cfg).await.expect("start");
    let files = sim.write_kubeconfigs(dir).expect("kubeconfigs");
    Some((sim, Kubectl { bin, kubeconfig: files[0].clone(), cache: dir.join("cache") }))
}

const DEPLOYMENT: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
        ports: [{containerPort: 80}]
"#;

fn managers(obj: &serde_json::Value) -> Vec<String> {
    obj["metadata"]["managedFields"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m["manager"].as_str().map(String::from))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_get_patch_edit_scale_wait_delete() {
    let dir = tempfile::tempdir().unwrap();
    let Some((sim, k)) = setup(dir.path()).await else { return };
    let manifest = dir.path().join("web.yaml");
    std::fs::write(&manifest, DEPLOYMENT).unwrap();
    let m = manifest.to_str().unwrap();

    let out = k.ok(&["apply", "--server-side", "-f", m]).await;
    assert!(out.contains("deployment.apps/web serverside-applied"), "{out}");
    k.ok(&["wait", "--for=condition=Available", "deployment/web", "--timeout=20s"]).await;
    let out = k.ok(&["rollout", "status", "deployment/web", "--timeout=20s"]).await;
    assert!(out.contains("successfully rolled out"), "{out}");
    let d = k.json(&["get", "deployment", "web", "-o", "json", "--show-managed-fields"]).await;
    assert_eq!(d["status"]["availableReplicas"], 2);
    let ms = managers(&d);
    assert_eq!(ms[0], "kubectl", "the applier owns the spec");
    assert_eq!(d["metadata"]["managedFields"][0]["operation"], "Apply");
    let names = k.ok(&["get", "pods", "-l", "app=web", "-o", "name"]).await;
    assert_eq!(names.lines().count(), 2, "{names}");

    // Re-apply is a no-op.
    let out = k.ok(&["apply", "--server-side", "-f", m]).await;
    assert!(out.contains("serverside-applied"), "{out}");

    let out = k.ok(&["patch", "deployment", "web", "-p", r#"{"metadata":{"labels":{"patched":"yes"}}}"#]).await;
    assert!(out.contains("deployment.apps/web patched"), "{out}");
    let out = k.ok(&["scale", "deployment/web", "--replicas=3"]).await;
    assert!(out.contains("deployment.apps/web scaled"), "{out}");
    // kubectl edit with a scripted editor.
    let editor = "sed -i -e 's/image: nginx:1.27/image: nginx:1.28/'";
    let o = k.run_env(&["edit", "deployment/web"], &[("KUBE_EDITOR", editor), ("EDITOR", editor)]).await;
    assert!(o.ok && o.stdout.contains("deployment.apps/web edited"), "{} {}", o.stdout, o.stderr);
    let d = k.json(&["get", "deployment", "web", "-o", "json", "--show-managed-fields"]).await;
    assert_eq!(d["spec"]["replicas"], 3);
    assert_eq!(d["metadata"]["labels"]["patched"], "yes");
    assert_eq!(d["spec"]["template"]["spec"]["containers"][0]["image"], "nginx:1.28");
    let ms = managers(&d);
    assert!(ms.contains(&"kubectl-patch".to_string()) && ms.contains(&"kubectl-edit".to_string()), "{ms:?}");

    // The applied manifest now conflicts with the edits, as on a real cluster.
    let o = k.run(&["apply", "--server-side", "-f", m]).await;
    assert!(!o.ok && o.stderr.contains("conflict"), "{}", o.stderr);
    let out = k.ok(&["apply", "--server-side", "--force-conflicts", "-f", m]).await;
    assert!(out.contains("serverside-applied"), "{out}");
    k.ok(&["wait", "--for=condition=Available", "deployment/web", "--timeout=20s"]).await;

    let out = k.ok(&["delete", "deployment", "web", "--timeout=20s"]).await;
    assert!(out.contains("deployment.apps \"web\" deleted"), "{out}");
    let o = k.run(&["get", "deployment", "web"]).await;
    assert!(!o.ok);
    assert!(o.stderr.contains(r#"Error from server (NotFound): deployments.apps "web" not found"#), "{}", o.stderr);
    let pods = k.ok(&["get", "pods", "-l", "app=web", "-o", "name"]).await;
    assert!(pods.trim().is_empty(), "cascade removed pods: {pods}");
    sim.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_watch_streams_changes() {
    let dir = tempfile::tempdir().unwrap();
    let Some((sim, k)) = setup(dir.path()).await else { return };
    let mut child = k
        .command(&["get", "configmaps", "-w", "-o", "json", "--output-watch-events"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn kubectl get -w");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // Give the watch a moment to start before changing things.
    tokio::time::sleep(Duration::from_millis(700)).await;
    // (`kubectl create <kind>` speaks protobuf, which the simulator does not; apply is JSON.)
    let cm = dir.path().join("cm.yaml");
    std::fs::write(&cm, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: watched\ndata:\n  a: b\n").unwrap();
    k.ok(&["apply", "--server-side", "-f", cm.to_str().unwrap()]).await;
    k.ok(&["delete", "configmap", "watched"]).await;
    let mut seen = Vec::new();
    let res = tokio::time::timeout(Duration::from_secs(20), async {
        while let Ok(Some(l)) = lines.next_line().await {
            let ev: serde_json::Value = serde_json::from_str(&l).unwrap_or_default();
            if ev["object"]["metadata"]["name"] == "watched" {
                seen.push(ev["type"].as_str().unwrap_or("").to_string());
                if seen.len() == 2 {
                    break;
                }
            }
        }
    })
    .await;
    let _ = child.kill().await;
    assert!(res.is_ok(), "watch output: {seen:?}");
    assert_eq!(seen, ["ADDED", "DELETED"]);
    sim.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_rollout_times_out_and_errors_print_like_kubectl() {
    let dir = tempfile::tempdir().unwrap();
    let Some((sim, k)) = setup(dir.path()).await else { return };
    let manifest = dir.path().join("bad.yaml");
    std::fs::write(
        &manifest,
        DEPLOYMENT
            .replace("nginx:1.27", "nginx:broken")
            .replace("replicas: 2", "replicas: 1\n  progressDeadlineSeconds: 2"),
    )
    .unwrap();
    k.ok(&["apply", "--server-side", "-f", manifest.to_str().unwrap()]).await;
    let o = k.run(&["rollout", "status", "deployment/web", "--timeout=20s"]).await;
    assert!(!o.ok && o.stderr.contains("exceeded its progress deadline"), "{} {}", o.stdout, o.stderr);
    let bad = dir.path().join("ns.yaml");
    std::fs::write(&bad, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: Bad_Name\n").unwrap();
    let o = k.run(&["apply", "--server-side", "-f", bad.to_str().unwrap()]).await;
    assert!(!o.ok && o.stderr.contains("is invalid"), "{}", o.stderr);
    let o = k.run(&["get", "widgets"]).await;
    assert!(!o.ok && o.stderr.contains("the server doesn't have a resource type \"widgets\""), "{}", o.stderr);
    sim.stop().await.unwrap();
}
