//! Fault injection (library and admin endpoint), TLS, several clusters in
//! one process, and the state file surviving a restart.

use crate::{client_for, start, start_with};

use convoy_sim::{Faults, SimConfig, Simulator};
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, PostParams};
use serde_json::json;
use std::time::Duration;

fn cm(name: &str) -> ConfigMap {
    serde_json::from_value(json!({"metadata": {"name": name}})).unwrap()
}

#[tokio::test]
async fn errors_latency_hang_refuse_and_back() {
    let env = start().await;
    // kube retries 503s with backoff for minutes; see the raw status instead.
    let mut config = crate::config_for(&env.sim, env.dir.path(), "cluster-1").await;
    config.default_retry = false;
    let client = kube::Client::try_from(config).unwrap();
    let cms: Api<ConfigMap> = Api::namespaced(client, "default");
    cms.list(&Default::default()).await.expect("healthy");

    env.sim.set_faults("cluster-1", Faults::error(503)).unwrap();
    let err = cms.list(&Default::default()).await.unwrap_err();
    assert!(matches!(&err, kube::Error::Api(e) if e.code == 503), "{err:?}");
    env.sim.set_faults("cluster-1", Faults::error(500)).unwrap();
    assert!(matches!(cms.list(&Default::default()).await.unwrap_err(), kube::Error::Api(e) if e.code == 500));

    env.sim.set_faults("cluster-1", Faults::latency(300)).unwrap();
    let t = std::time::Instant::now();
    cms.list(&Default::default()).await.unwrap();
    assert!(t.elapsed() >= Duration::from_millis(300));

    env.sim.set_faults("cluster-1", Faults::hang()).unwrap();
    let hung = tokio::time::timeout(Duration::from_millis(500), cms.list(&Default::default())).await;
    assert!(hung.is_err(), "a hanging cluster must not answer");

    env.sim.set_faults("cluster-1", Faults::refuse()).unwrap();
    let refused =
        tokio::time::timeout(Duration::from_secs(5), cms.list(&Default::default())).await.expect("refusal is quick");
    assert!(refused.is_err());

    // Back to healthy through the admin endpoint, as an operator would.
    let base = env.sim.base_url();
    let admin = admin_put(&base, "/admin/clusters/cluster-1/faults", r#"{"mode":"healthy"}"#).await;
    assert_eq!(admin, 200);
    cms.list(&Default::default()).await.expect("healthy again");
    assert_eq!(admin_put(&base, "/admin/clusters/cluster-1/faults", r#"{"mode":"error","status":500}"#).await, 200);
    assert!(cms.list(&Default::default()).await.is_err());
    assert_eq!(admin_put(&base, "/admin/clusters/cluster-1/faults", "not json").await, 400);
    assert_eq!(admin_put(&base, "/admin/clusters/nope/faults", "{}").await, 404);
    env.sim.set_faults("cluster-1", Faults::default()).unwrap();
    cms.list(&Default::default()).await.expect("healthy again");
    env.sim.stop().await.unwrap();
}

/// A raw HTTP/1.1 PUT on loopback (the admin endpoint has no client library).
pub async fn admin_put(base: &str, path: &str, body: &str) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = base.trim_start_matches("http://");
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!(
        "PUT {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    out.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0)
}

#[tokio::test]
async fn tls_and_independent_clusters() {
    let mut cfg = SimConfig::new(3);
    cfg.tls = true;
    let env = start_with(cfg).await;
    assert!(env.sim.base_url().starts_with("https://"));
    let kc = std::fs::read_to_string(env.dir.path().join("cluster-1.kubeconfig")).unwrap();
    assert!(kc.contains("certificate-authority-data"));
    let one: Api<ConfigMap> = Api::namespaced(env.client.clone(), "default");
    one.create(&PostParams::default(), &cm("only-in-one")).await.expect("create over TLS");
    let two_client = client_for(&env.sim, env.dir.path(), "cluster-2").await;
    let two: Api<ConfigMap> = Api::namespaced(two_client, "default");
    assert!(two.get_opt("only-in-one").await.unwrap().is_none(), "clusters are independent");
    env.sim.set_faults("cluster-1", Faults::error(503)).unwrap();
    two.list(&Default::default()).await.expect("faults are per cluster");
    env.sim.stop().await.unwrap();
}

#[tokio::test]
async fn state_file_survives_restart() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let mut cfg = SimConfig::new(1);
    cfg.state_file = Some(state.clone());
    let sim = Simulator::start(cfg.clone()).await.unwrap();
    let client = client_for(&sim, dir.path(), "cluster-1").await;
    let cms: Api<ConfigMap> = Api::namespaced(client, "default");
    let created = cms.create(&PostParams::default(), &cm("kept")).await.unwrap();
    sim.stop().await.unwrap();
    assert!(state.exists());
    assert!(!std::fs::read_dir(dir.path()).unwrap().any(|e| e.unwrap().file_name().to_string_lossy().contains(".tmp")));

    let sim = Simulator::start(cfg).await.unwrap();
    let client = client_for(&sim, dir.path(), "cluster-1").await;
    let cms: Api<ConfigMap> = Api::namespaced(client, "default");
    let got = cms.get("kept").await.expect("restored");
    assert_eq!(got.metadata.uid, created.metadata.uid);
    let next = cms.create(&PostParams::default(), &cm("after")).await.unwrap();
    let rv = |c: &ConfigMap| c.metadata.resource_version.as_ref().unwrap().parse::<u64>().unwrap();
    assert!(rv(&next) > rv(&created), "resourceVersion keeps growing across restarts");
    sim.stop().await.unwrap();
}
