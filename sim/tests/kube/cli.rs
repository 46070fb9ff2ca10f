//! The `convoy-sim serve` binary: named clusters, kubeconfig files, TLS,
//! and a state file that survives an interrupt and restart.

use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use std::path::Path;
use std::process::Stdio;
use tokio::io::{AsyncBufReadExt, BufReader};

async fn serve(dir: &Path, extra: &[&str]) -> (tokio::process::Child, String) {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_convoy-sim"))
        .args(["serve", "--names", "east,west", "--listen", "127.0.0.1:0", "--kubeconfig-dir"])
        .arg(dir)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn convoy-sim");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first =
        tokio::time::timeout(std::time::Duration::from_secs(10), lines.next_line()).await.unwrap().unwrap().unwrap();
    (child, first)
}

async fn client(dir: &Path, cluster: &str) -> kube::Client {
    let kc = Kubeconfig::read_from(dir.join(format!("{cluster}.kubeconfig"))).unwrap();
    let opts = KubeConfigOptions { context: Some(cluster.into()), ..Default::default() };
    kube::Client::try_from(kube::Config::from_custom_kubeconfig(kc, &opts).await.unwrap()).unwrap()
}

async fn interrupt(mut child: tokio::process::Child) {
    let pid = child.id().unwrap().to_string();
    let status = std::process::Command::new("kill").args(["-INT", &pid]).status().unwrap();
    assert!(status.success());
    let exit = tokio::time::timeout(std::time::Duration::from_secs(10), child.wait()).await.unwrap().unwrap();
    assert!(exit.success(), "clean exit on SIGINT: {exit:?}");
}

#[tokio::test]
async fn serve_writes_kubeconfigs_and_keeps_state() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let args = ["--tls", "--state-file", state.to_str().unwrap()];
    let (child, first) = serve(dir.path(), &args).await;
    assert!(first.starts_with("convoy-sim listening on https://127.0.0.1:"), "{first}");
    for name in ["east", "west"] {
        let text = std::fs::read_to_string(dir.path().join(format!("{name}.kubeconfig"))).unwrap();
        assert!(text.contains(&format!("current-context: {name}")), "{text}");
        assert!(text.contains(&format!("/clusters/{name}")));
    }
    let east: Api<ConfigMap> = Api::namespaced(client(dir.path(), "east").await, "default");
    let cm: ConfigMap = serde_json::from_value(serde_json::json!({"metadata": {"name": "persisted"}})).unwrap();
    east.create(&PostParams::default(), &cm).await.unwrap();
    interrupt(child).await;

    let (child, _) = serve(dir.path(), &args).await;
    let east: Api<ConfigMap> = Api::namespaced(client(dir.path(), "east").await, "default");
    assert!(east.get_opt("persisted").await.unwrap().is_some(), "state restored");
    let west: Api<ConfigMap> = Api::namespaced(client(dir.path(), "west").await, "default");
    assert!(west.get_opt("persisted").await.unwrap().is_none());
    interrupt(child).await;
}
