//! Scale benchmark: starts `convoy-sim serve` as a child process with many
//! clusters, seeds objects through server-side apply, then drives it with
//! many concurrent HTTP clients (get / list / SSA) while one watch per
//! cluster measures event delivery. Reports the server's RSS and latency
//! percentiles. Numbers depend on the machine; nothing here asserts on them.
//!
//! `cargo run --release -p convoy-sim --bin convoy-sim-bench -- --clusters 1000 --objects 50 --clients 1000 --seconds 20 [--rate 2]`

use anyhow::{Context, bail};
use bytes::Bytes;
use clap::Parser;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncBufReadExt, BufReader};

#[derive(Parser, Clone)]
struct Args {
    #[arg(long, default_value_t = 1000)]
    clusters: usize,
    /// Objects applied per cluster (split over ConfigMaps, Secrets, Services, ServiceAccounts, Deployments).
    #[arg(long, default_value_t = 50)]
    objects: usize,
    #[arg(long, default_value_t = 1000)]
    clients: usize,
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// Requests per second per client on a fixed schedule (open loop;
    /// latency counts from the scheduled start, so queueing is measured).
    /// 0: each client sends its next request as soon as the last returns.
    #[arg(long, default_value_t = 0.0)]
    rate: f64,
}

type Http = Client<HttpConnector, Full<Bytes>>;

fn now_ns() -> u128 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0)
}

fn rss_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn object(i: usize, cluster: usize) -> (String, String, serde_json::Value) {
    let name = format!("obj-{i}");
    match i % 5 {
        0 => (
            "api/v1".into(),
            "configmaps".into(),
            serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name, "labels": {"app": format!("a{}", i % 7)}}, "data": {"cluster": cluster.to_string(), "k": "v".repeat(64)}}),
        ),
        1 => (
            "api/v1".into(),
            "secrets".into(),
            serde_json::json!({"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": name}, "stringData": {"password": "hunter2"}}),
        ),
        2 => (
            "api/v1".into(),
            "services".into(),
            serde_json::json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name}, "spec": {"selector": {"app": name}, "ports": [{"port": 80, "targetPort": 8080}]}}),
        ),
        3 => (
            "api/v1".into(),
            "serviceaccounts".into(),
            serde_json::json!({"apiVersion": "v1", "kind": "ServiceAccount",
            "metadata": {"name": name}}),
        ),
        _ => (
            "apis/apps/v1".into(),
            "deployments".into(),
            serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name}, "spec": {"replicas": 1, "selector": {"matchLabels": {"app": name}},
                "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}}}),
        ),
    }
}

async fn send(http: &Http, method: &str, url: &str, ct: Option<&str>, body: Vec<u8>) -> anyhow::Result<u16> {
    let mut b = hyper::Request::builder().method(method).uri(url);
    if let Some(ct) = ct {
        b = b.header("content-type", ct);
    }
    let resp = http.request(b.body(Full::new(Bytes::from(body)))?).await?;
    let status = resp.status().as_u16();
    resp.into_body().collect().await?;
    Ok(status)
}

fn apply_url(base: &str, cluster: usize, group_path: &str, plural: &str, name: &str) -> String {
    format!(
        "{base}/clusters/cluster-{cluster}/{group_path}/namespaces/default/{plural}/{name}?fieldManager=bench&force=true"
    )
}

fn pct(v: &mut [u32], p: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_unstable();
    let idx = ((v.len() as f64 - 1.0) * p).round() as usize;
    f64::from(v[idx]) / 1000.0
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let exe = std::env::current_exe()?.with_file_name("convoy-sim");
    let dir = tempfile::tempdir()?;
    let mut child = tokio::process::Command::new(&exe)
        .args(["serve", "--clusters", &args.clusters.to_string(), "--kubeconfig-dir"])
        .arg(dir.path())
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("starting {}", exe.display()))?;
    let pid = child.id().context("server pid")?;
    let mut out = BufReader::new(child.stdout.take().context("stdout")?).lines();
    let base = loop {
        let Some(line) = out.next_line().await? else { bail!("server exited early") };
        if let Some(rest) = line.strip_prefix("convoy-sim listening on ") {
            break rest.split_whitespace().next().unwrap_or("").to_string();
        }
    };
    println!("server pid {pid} at {base}; RSS after start: {} MiB", rss_kib(pid).0 / 1024);

    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    let http: Http = Client::builder(TokioExecutor::new()).pool_max_idle_per_host(4096).build(connector);

    // Seed every cluster, a few clusters at a time per task.
    let t = Instant::now();
    let seeders = 64usize;
    let mut tasks = Vec::new();
    for w in 0..seeders {
        let (http, base, args) = (http.clone(), base.clone(), args.clone());
        tasks.push(tokio::spawn(async move {
            let mut errors = 0usize;
            for c in (1..=args.clusters).filter(|c| c % seeders == w) {
                for i in 0..args.objects {
                    let (gp, plural, obj) = object(i, c);
                    let url = apply_url(&base, c, &gp, &plural, &format!("obj-{i}"));
                    match send(&http, "PATCH", &url, Some("application/apply-patch+yaml"), obj.to_string().into_bytes())
                        .await
                    {
                        Ok(200 | 201) => {}
                        _ => errors += 1,
                    }
                }
            }
            errors
        }));
    }
    let mut seed_errors = 0;
    for t in tasks {
        seed_errors += t.await?;
    }
    let seeded = args.clusters * args.objects;
    println!("seeded {seeded} objects in {:.1}s ({seed_errors} errors)", t.elapsed().as_secs_f64());
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (rss, _) = rss_kib(pid);
    println!("RSS after seeding (controllers settled): {} MiB", rss / 1024);

    // One watch per cluster on ConfigMaps, measuring delivery of the timestamps SSA writes.
    let stop = Arc::new(AtomicBool::new(false));
    let mut watchers = Vec::new();
    for c in 1..=args.clusters {
        let (http, base, stop) = (http.clone(), base.clone(), stop.clone());
        watchers.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let url =
                format!("{base}/clusters/cluster-{c}/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=600");
            let Ok(req) = hyper::Request::get(&url).body(Full::new(Bytes::new())) else { return lat };
            let Ok(resp) = http.request(req).await else { return lat };
            let mut body = resp.into_body();
            let mut buf = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let frame = tokio::time::timeout(Duration::from_millis(500), body.frame()).await;
                let Ok(Some(Ok(frame))) = frame else { continue };
                let Ok(data) = frame.into_data() else { continue };
                buf.extend_from_slice(&data);
                while let Some(pos) = buf.iter().position(|b| *b == b'\n') {
                    let line: Vec<u8> = buf.drain(..=pos).collect();
                    let Ok(ev) = serde_json::from_slice::<serde_json::Value>(&line) else { continue };
                    if ev["type"] != "MODIFIED" && ev["type"] != "ADDED" {
                        continue;
                    }
                    if let Some(ts) = ev["object"]["data"]["ts"].as_str().and_then(|s| s.parse::<u128>().ok()) {
                        lat.push(((now_ns().saturating_sub(ts)) / 1000).min(u128::from(u32::MAX)) as u32);
                    }
                }
            }
            lat
        }));
    }
    tokio::time::sleep(Duration::from_secs(1)).await;

    // The load: each client loops get / list / SSA on random clusters.
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let mut clients = Vec::new();
    for w in 0..args.clients {
        let (http, base, args) = (http.clone(), base.clone(), args.clone());
        clients.push(tokio::spawn(async move {
            let (mut get, mut list, mut ssa, mut errors) = (Vec::new(), Vec::new(), Vec::new(), 0usize);
            let mut seed = (w as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            let mut rnd = move || {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                seed
            };
            let interval = (args.rate > 0.0).then(|| Duration::from_secs_f64(1.0 / args.rate));
            // Spread the clients' schedules over one interval.
            let mut next = Instant::now() + interval.map_or(Duration::ZERO, |i| i.mul_f64((rnd() % 1000) as f64 / 1000.0));
            while Instant::now() < deadline {
                if interval.is_some() {
                    tokio::time::sleep_until(next.into()).await;
                }
                let scheduled = if interval.is_some() { next } else { Instant::now() };
                next += interval.unwrap_or(Duration::ZERO);
                let c = (rnd() as usize % args.clusters) + 1;
                let i = (rnd() as usize % args.objects.max(1) / 5) * 5; // a ConfigMap
                let op = rnd() % 10;
                let r = if op < 4 {
                    send(&http, "GET", &format!("{base}/clusters/cluster-{c}/api/v1/namespaces/default/configmaps/obj-{i}"), None, vec![]).await
                } else if op < 6 {
                    send(&http, "GET", &format!("{base}/clusters/cluster-{c}/api/v1/namespaces/default/configmaps?labelSelector=app%3Da1"), None, vec![]).await
                } else {
                    let body = serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": format!("obj-{i}")},
                        "data": {"cluster": c.to_string(), "ts": now_ns().to_string()}});
                    send(&http, "PATCH", &apply_url(&base, c, "api/v1", "configmaps", &format!("obj-{i}")), Some("application/apply-patch+yaml"), body.to_string().into_bytes()).await
                };
                let us = scheduled.elapsed().as_micros().min(u128::from(u32::MAX)) as u32;
                match r {
                    Ok(200 | 201) => match op {
                        0..=3 => get.push(us),
                        4 | 5 => list.push(us),
                        _ => ssa.push(us),
                    },
                    _ => errors += 1,
                }
            }
            (get, list, ssa, errors)
        }));
    }
    let mut peak = 0;
    let sampler_stop = Instant::now() + Duration::from_secs(args.seconds);
    while Instant::now() < sampler_stop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        peak = peak.max(rss_kib(pid).0);
    }
    let (mut get, mut list, mut ssa, mut errors) = (Vec::new(), Vec::new(), Vec::new(), 0);
    for c in clients {
        let (g, l, s, e) = c.await?;
        get.extend(g);
        list.extend(l);
        ssa.extend(s);
        errors += e;
    }
    stop.store(true, Ordering::Relaxed);
    let mut watch = Vec::new();
    for w in watchers {
        watch.extend(w.await?);
    }
    let (rss, hwm) = rss_kib(pid);
    let total = get.len() + list.len() + ssa.len();
    let mode = if args.rate > 0.0 { format!("paced at {} req/s each", args.rate) } else { "closed loop".to_string() };
    println!(
        "load: {} clients ({mode}) for {}s: {total} requests ({:.0}/s), {errors} errors",
        args.clients,
        args.seconds,
        total as f64 / args.seconds as f64
    );
    println!("server RSS: now {} MiB, peak sampled {} MiB, VmHWM {} MiB", rss / 1024, peak / 1024, hwm / 1024);
    for (name, v) in [("get", &mut get), ("list", &mut list), ("ssa", &mut ssa), ("watch-delivery", &mut watch)] {
        let n = v.len();
        let (p50, p99) = (pct(v, 0.50), pct(v, 0.99));
        let max = pct(v, 1.0);
        println!("{name:>15}: n={n:>8} p50={p50:>8.2}ms p99={p99:>8.2}ms max={max:>8.2}ms");
    }
    child.kill().await.ok();
    Ok(())
}
