//! Shared fixture for the agent engine tests: a convoy-sim cluster reached
//! through its kubeconfig, an enforcer running in-process over a state
//! directory, bundles built from JSON manifests, and kubectl.
// Each test file uses a different part of the fixture.
#![allow(dead_code)]

use convoy_agent::cluster::Cluster;
use convoy_agent::state::AgentState;
use convoy_agent::sync::enforcer::{Enforcer, EnforcerConfig, EnforcerStatus};
use convoy_agent::sync::operation::OperationOptions;
use convoy_protocol::Bundle;
use convoy_protocol::bundle::{AppBundle, Manifest, SyncPolicy};
use convoy_protocol::status::AppStatus;
use convoy_sim::{SimConfig, Simulator};
use kube::api::{Api, DynamicObject, ListParams};
use serde_json::Value;
use std::collections::BTreeSet;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

pub struct Fixture {
    pub sim: Simulator,
    pub dir: tempfile::TempDir,
    pub kubeconfig: PathBuf,
    /// The test's own client, for reading the cluster.
    kube: Cluster,
}

impl Fixture {
    pub async fn start() -> Fixture {
        let mut config = SimConfig::new(1);
        config.listen = "127.0.0.1:0".parse().unwrap();
        let sim = Simulator::start(config).await.expect("simulator");
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = sim.write_kubeconfigs(dir.path()).unwrap().remove(0);
        let kube = Cluster::from_kubeconfig(&kubeconfig).await.expect("kubeconfig");
        Fixture { sim, dir, kubeconfig, kube }
    }

    pub fn state_dir(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    pub async fn cluster(&self) -> Cluster {
        Cluster::from_kubeconfig(&self.kubeconfig).await.expect("kubeconfig")
    }

    /// Starts an enforcer on the state directory; stop it by dropping the handle.
    pub async fn enforcer(&self) -> Running {
        let state = Arc::new(open_state(&self.state_dir()).await);
        let mut config = EnforcerConfig::new(self.sim.cluster_names()[0].clone());
        config.operation = OperationOptions { step_timeout: Duration::from_secs(60), ..Default::default() };
        let enforcer = Enforcer::new(Arc::new(self.cluster().await), state, config, Arc::new(|_| {}));
        let (bundles, bundle_rx) = watch::channel(None);
        let (status_tx, status) = watch::channel(EnforcerStatus::default());
        let task = tokio::spawn(enforcer.run(bundle_rx, status_tx));
        Running { bundles, status, task }
    }

    /// The live object, read through the kubeconfig; `None` when absent.
    pub async fn get(&self, api_version: &str, kind: &str, namespace: &str, name: &str) -> Option<Value> {
        let kind = self.kube.kind(api_version, kind).await.expect("kind");
        self.kube.get(&kind, namespace, name).await.expect("get")
    }

    /// The names of every object of a kind in a namespace.
    pub async fn names(&self, api_version: &str, kind: &str, namespace: &str) -> BTreeSet<String> {
        self.list(api_version, kind, namespace)
            .await
            .iter()
            .map(|o| o["metadata"]["name"].as_str().unwrap().to_string())
            .collect()
    }

    pub async fn list(&self, api_version: &str, kind: &str, namespace: &str) -> Vec<Value> {
        let kind = self.kube.kind(api_version, kind).await.expect("kind");
        let api: Api<DynamicObject> = Api::namespaced_with(self.kube.client().clone(), namespace, &kind.resource);
        let list = api.list(&ListParams::default()).await.expect("list");
        list.items.into_iter().map(|o| serde_json::to_value(o).unwrap()).collect()
    }

    /// `kubectl create -f` of an object, as someone other than the agent.
    pub fn create(&self, obj: &Value) {
        let path = self.dir.path().join(format!("create-{}.json", obj["metadata"]["name"].as_str().unwrap()));
        std::fs::write(&path, obj.to_string()).unwrap();
        self.kubectl(&["create", "-f", path.to_str().unwrap()]);
    }

    /// `kubectl` against the simulated cluster.
    pub fn kubectl(&self, args: &[&str]) -> String {
        kubectl(&self.kubeconfig, args)
    }
}

/// Opens the agent state; an enforcer just stopped may take a moment to let go of it.
async fn open_state(dir: &Path) -> AgentState {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        match AgentState::open(dir) {
            Ok(s) => return s,
            Err(e) if tokio::time::Instant::now() < deadline && e.detail.contains("already open") => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => panic!("state: {e}"),
        }
    }
}

pub fn kubectl(kubeconfig: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(args)
        .output()
        .expect("kubectl runs");
    assert!(out.status.success(), "kubectl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub struct Running {
    pub bundles: watch::Sender<Option<Arc<Bundle>>>,
    pub status: watch::Receiver<EnforcerStatus>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Running {
    pub fn send(&self, bundle: Bundle) {
        self.bundles.send_replace(Some(Arc::new(bundle)));
    }

    /// Waits until `check` holds for the published status.
    pub async fn until(
        &mut self,
        what: &str,
        timeout: Duration,
        check: impl Fn(&EnforcerStatus) -> bool,
    ) -> EnforcerStatus {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            {
                let s = self.status.borrow_and_update();
                if check(&s) {
                    return s.clone();
                }
            }
            if tokio::time::timeout_at(deadline, self.status.changed()).await.is_err() {
                panic!("{what}: not within {timeout:?}; last status: {:#?}", self.status.borrow().report);
            }
        }
    }

    pub async fn settled(&mut self, timeout: Duration) -> EnforcerStatus {
        self.until("settled", timeout, EnforcerStatus::settled).await
    }
}

pub fn app_of<'a>(s: &'a EnforcerStatus, name: &str) -> &'a AppStatus {
    s.report.apps.iter().find(|a| a.name == name).unwrap_or_else(|| panic!("no app {name} in {:#?}", s.report.apps))
}

pub fn manifest(obj: &Value) -> Manifest {
    Manifest {
        api_version: obj["apiVersion"].as_str().unwrap().into(),
        kind: obj["kind"].as_str().unwrap().into(),
        namespace: obj["metadata"]["namespace"].as_str().unwrap_or_default().into(),
        name: obj["metadata"]["name"].as_str().unwrap().into(),
        json: obj.to_string(),
    }
}

pub fn app(name: &str, namespace: &str, policy: SyncPolicy, objects: &[Value]) -> AppBundle {
    AppBundle {
        name: name.into(),
        project: "default".into(),
        namespace: namespace.into(),
        revision: "rev1".into(),
        sync_policy: policy,
        ignore_differences: vec![],
        manifests: objects.iter().map(manifest).collect(),
    }
}

pub fn bundle(cluster: &str, generation: u64, apps: Vec<AppBundle>) -> Bundle {
    Bundle { cluster: cluster.into(), generation, source_revision: "rev1".into(), created_at_ms: 0, apps }
}

pub fn auto_heal() -> SyncPolicy {
    SyncPolicy { automated: true, prune: true, self_heal: true, ..Default::default() }
}

/// Polls `check` every 100 ms until it holds; panics after `timeout`.
pub async fn eventually<F, Fut>(what: &str, timeout: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if check().await {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "{what}: not within {timeout:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub fn configmap(ns: &str, name: &str) -> Value {
    serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": ns}, "data": {"k": "v"}})
}

/// Two replicas of `image`, labelled and selected by `name`.
pub fn deployment(ns: &str, name: &str, image: &str) -> Value {
    serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": ns},
           "spec": {"replicas": 2, "selector": {"matchLabels": {"app": name}},
                    "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{"name": "app", "image": image}]}}}})
}

/// `obj` in sync wave `wave`.
pub fn wave(mut obj: Value, wave: i32) -> Value {
    obj["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"] = Value::String(wave.to_string());
    obj
}

/// The policy with `CreateNamespace=true`.
pub fn with_namespace(mut policy: SyncPolicy) -> SyncPolicy {
    policy.sync_options.push("CreateNamespace=true".into());
    policy
}
