//! End-to-end tests through kube-rs, the way the convoy agent talks to a
//! cluster: a kubeconfig file written by the simulator, loaded with
//! `Config::from_custom_kubeconfig`, and a plain `kube::Client`.

mod bad_input;
mod cli;
mod controllers;
mod crud;
mod faults;
mod ssa;
mod watch;

use convoy_sim::{SimConfig, Simulator};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};
use std::time::Duration;

pub struct Env {
    pub sim: Simulator,
    pub client: Client,
    pub dir: tempfile::TempDir,
}

pub async fn config_for(sim: &Simulator, dir: &std::path::Path, cluster: &str) -> Config {
    sim.write_kubeconfigs(dir).expect("write kubeconfigs");
    let path = dir.join(format!("{cluster}.kubeconfig"));
    let kc = Kubeconfig::read_from(&path).expect("read kubeconfig");
    let opts = KubeConfigOptions { context: Some(cluster.to_string()), ..Default::default() };
    Config::from_custom_kubeconfig(kc, &opts).await.expect("config from kubeconfig")
}

pub async fn client_for(sim: &Simulator, dir: &std::path::Path, cluster: &str) -> Client {
    Client::try_from(config_for(sim, dir, cluster).await).expect("client")
}

pub async fn start_with(cfg: SimConfig) -> Env {
    let sim = Simulator::start(cfg).await.expect("start simulator");
    let dir = tempfile::tempdir().expect("tempdir");
    let client = client_for(&sim, dir.path(), "cluster-1").await;
    Env { sim, client, dir }
}

pub async fn start() -> Env {
    let mut cfg = SimConfig::new(1);
    cfg.ready_delay = Duration::from_millis(100);
    start_with(cfg).await
}

/// Polls `f` every 50 ms until it returns Some, for at most `secs` seconds.
pub async fn eventually<T, F, Fut>(secs: u64, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(tokio::time::Instant::now() < deadline, "condition not reached within {secs}s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub fn deployment(name: &str, replicas: i32, image: &str) -> serde_json::Value {
    serde_json::json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "main", "image": image, "ports": [{"containerPort": 80}]}]}
            }
        }
    })
}
