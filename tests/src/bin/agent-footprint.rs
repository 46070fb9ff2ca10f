//! The agent's footprint benchmark: idle memory with 500 managed resources,
//! drift-to-corrective-apply latency, and the size of the stripped binary.
//!
//! ```text
//! cargo build --release -p convoy-agent -p convoy-tests
//! target/release/agent-footprint [--resources 500] [--drifts 200]
//! ```
//!
//! It starts convoy-sim in this process, writes a signed bundle of
//! `--resources` resources in 5 apps, runs the real `convoy-agent apply`
//! binary on it as a child process, waits until every app is Synced and
//! Healthy, lets it idle and reads its RSS from /proc. Then it changes one
//! ConfigMap at a time behind the agent's back (as another field manager)
//! and times, through a watch, how long until the agent has put it back.

use anyhow::{Context, bail};
use clap::Parser;
use convoy_protocol::bundle::{AppBundle, Manifest, SyncPolicy};
use convoy_protocol::{Bundle, BundleSigner};
use convoy_sim::{SimConfig, Simulator};
use futures_util::StreamExt;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, Patch, PatchParams};
use kube::runtime::watcher;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(Parser)]
struct Args {
    /// Managed resources, spread over 5 apps.
    #[arg(long, default_value_t = 500)]
    resources: usize,
    /// Drift events to time, each on a different ConfigMap (so the self-heal
    /// governor, which slows repeated fights over one object, stays out of it).
    #[arg(long, default_value_t = 300)]
    drifts: usize,
    /// Seconds to let the agent idle before reading its memory.
    #[arg(long, default_value_t = 15)]
    idle: u64,
    /// The agent binary; default: convoy-agent next to this one.
    #[arg(long)]
    agent: Option<PathBuf>,
}

const APPS: usize = 5;

fn app_objects(app: usize, count: usize) -> Vec<Value> {
    let ns = format!("app-{app}");
    let mut out = vec![json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})];
    for i in 1..count {
        let name = format!("r{i:03}");
        out.push(match i % 10 {
            0 => json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": ns},
                "spec": {"replicas": 1, "selector": {"matchLabels": {"app": name}},
                         "template": {"metadata": {"labels": {"app": name}},
                                      "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}}}}),
            1 => json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": ns},
                "spec": {"selector": {"app": name}, "ports": [{"port": 80}]}}),
            2 => json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "namespace": ns},
                "stringData": {"password": format!("p-{i}")}}),
            _ => json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": ns},
                "data": {"key": format!("value-{i}"), "other": "x".repeat(200)}}),
        });
    }
    out
}

fn bundle(cluster: &str, resources: usize) -> Bundle {
    let per_app = resources / APPS;
    let apps = (0..APPS)
        .map(|a| AppBundle {
            name: format!("app-{a}"),
            project: "default".into(),
            namespace: format!("app-{a}"),
            revision: "bench".into(),
            sync_policy: SyncPolicy { automated: true, prune: true, self_heal: true, ..Default::default() },
            ignore_differences: vec![],
            manifests: app_objects(a, per_app)
                .iter()
                .map(|o| Manifest {
                    api_version: o["apiVersion"].as_str().unwrap_or_default().into(),
                    kind: o["kind"].as_str().unwrap_or_default().into(),
                    namespace: o["metadata"]["namespace"].as_str().unwrap_or_default().into(),
                    name: o["metadata"]["name"].as_str().unwrap_or_default().into(),
                    json: o.to_string(),
                })
                .collect(),
        })
        .collect();
    Bundle { cluster: cluster.into(), generation: 1, source_revision: "bench".into(), created_at_ms: 0, apps }
}

fn rss_kib(pid: u32) -> anyhow::Result<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Ok((field("VmRSS:"), field("VmHWM:")))
}

fn settled(state_dir: &Path) -> Option<(usize, bool)> {
    let text = std::fs::read(state_dir.join("status.json")).ok()?;
    let v: Value = serde_json::from_slice(&text).ok()?;
    let apps = v["apps"].as_array()?;
    let ok = apps.len() == APPS && apps.iter().all(|a| a["sync"] == "Synced" && a["health"] == "Healthy");
    Some((apps.iter().map(|a| a["resources"].as_array().map_or(0, Vec::len)).sum(), ok))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let agent_bin = match args.agent {
        Some(p) => p,
        None => std::env::current_exe()?.with_file_name("convoy-agent"),
    };
    if !agent_bin.exists() {
        bail!("{} not found: cargo build --release -p convoy-agent", agent_bin.display());
    }
    let dir = tempfile::tempdir()?;
    let mut config = SimConfig::new(1);
    config.listen = "127.0.0.1:0".parse()?;
    let sim = Simulator::start(config).await?;
    let cluster = sim.cluster_names()[0].clone();
    let kubeconfig = sim.write_kubeconfigs(dir.path())?.remove(0);
    let signer = BundleSigner::generate();
    let keys = dir.path().join("hub.pem");
    std::fs::write(&keys, signer.public_key_pem()?)?;
    let bundle_file = dir.path().join("bench.bundle");
    std::fs::write(&bundle_file, signer.sign(&bundle(&cluster, args.resources))?.to_bytes()?)?;
    let state_dir = dir.path().join("state");

    let started = Instant::now();
    let log = std::fs::File::create(dir.path().join("agent.log"))?;
    let mut child = std::process::Command::new(&agent_bin)
        .arg("apply")
        .arg("--bundle")
        .arg(&bundle_file)
        .arg("--kubeconfig")
        .arg(&kubeconfig)
        .arg("--state-dir")
        .arg(&state_dir)
        .arg("--trusted-keys")
        .arg(&keys)
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()
        .context("starting the agent")?;
    let pid = child.id();
    let managed = loop {
        if let Some((n, true)) = settled(&state_dir) {
            break n;
        }
        if started.elapsed() > Duration::from_secs(600) || child.try_wait()?.is_some() {
            let _ = child.kill();
            bail!("the agent did not converge; log: {}", std::fs::read_to_string(dir.path().join("agent.log"))?);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let converge = started.elapsed();
    tokio::time::sleep(Duration::from_secs(args.idle)).await;
    let (rss, hwm) = rss_kib(pid)?;

    // Drift: change one ConfigMap at a time as another manager; time until a
    // watch sees the agent's value back.
    let client = kube::Client::try_from(
        kube::Config::from_custom_kubeconfig(kube::config::Kubeconfig::read_from(&kubeconfig)?, &Default::default())
            .await?,
    )?;
    let configmaps: Api<ConfigMap> = Api::all(client.clone());
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let watch = tokio::spawn(async move {
        let mut stream = watcher(configmaps, watcher::Config::default()).boxed();
        while let Some(Ok(ev)) = stream.next().await {
            if let watcher::Event::Apply(cm) = ev {
                let id =
                    format!("{}/{}", cm.metadata.namespace.unwrap_or_default(), cm.metadata.name.unwrap_or_default());
                let _ = tx.send((id, cm.data.unwrap_or_default()));
            }
        }
    });
    let names: Vec<(String, usize)> = (0..APPS)
        .flat_map(|a| (1..args.resources / APPS).filter(|i| i % 10 > 2).map(move |i| (format!("app-{a}"), i)))
        .collect();
    if args.drifts > names.len() {
        bail!("--drifts {} is more than the {} ConfigMaps", args.drifts, names.len());
    }
    let mut latencies = Vec::with_capacity(args.drifts);
    let mut timeouts = 0;
    for (n, (ns, index)) in names.iter().take(args.drifts).enumerate() {
        let name = format!("r{index:03}");
        let id = format!("{ns}/{name}");
        let api: Api<ConfigMap> = Api::namespaced(client.clone(), ns);
        let want = format!("value-{index}");
        let patch = json!({"data": {"key": format!("drift-{n}")}});
        while rx.try_recv().is_ok() {}
        api.patch(
            &name,
            &PatchParams::apply("bench-intruder").force(),
            &Patch::Apply(&json!({
            "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": patch["data"]})),
        )
        .await?;
        let t0 = Instant::now();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some((got, data))) if got == id && data.get("key") == Some(&want) => {
                    latencies.push(t0.elapsed());
                    break;
                }
                Ok(Some(_)) => {}
                Ok(None) | Err(_) => {
                    timeouts += 1;
                    break;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    watch.abort();
    let (rss_after, _) = rss_kib(pid)?;
    let _ = child.kill();
    let _ = child.wait();

    let stripped = dir.path().join("convoy-agent.stripped");
    std::fs::copy(&agent_bin, &stripped)?;
    let strip = std::process::Command::new("strip").arg(&stripped).status();
    let size = std::fs::metadata(&stripped)?.len();
    latencies.sort();
    println!("managed resources       {managed}");
    println!("converged in            {:.1} s", converge.as_secs_f64());
    println!("idle RSS                {:.1} MiB (peak {:.1} MiB)", rss as f64 / 1024.0, hwm as f64 / 1024.0);
    println!("RSS after drift runs    {:.1} MiB", rss_after as f64 / 1024.0);
    if !latencies.is_empty() {
        println!(
            "drift -> fixed          n={} p50 {:.1} ms  p99 {:.1} ms  max {:.1} ms  (timeouts {timeouts})",
            latencies.len(),
            percentile(&latencies, 0.5).as_secs_f64() * 1e3,
            percentile(&latencies, 0.99).as_secs_f64() * 1e3,
            latencies.last().map_or(0.0, |d| d.as_secs_f64() * 1e3),
        );
    }
    println!(
        "binary                  {:.1} MiB stripped{}",
        size as f64 / 1048576.0,
        if strip.is_ok_and(|s| s.success()) { "" } else { " (strip failed: unstripped size)" }
    );
    sim.stop().await?;
    Ok(())
}
