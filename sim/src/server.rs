//! The library entry point: start a simulator with N clusters on one
//! listener (clusters are told apart by the `/clusters/<name>` path prefix),
//! hand out kubeconfigs, inject faults, stop.

use crate::cluster::Cluster;
use crate::faults::Faults;
use crate::http::{self, Shared};
use crate::{kubeconfig, persist, tls};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("binding {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
    #[error(transparent)]
    Persist(#[from] persist::PersistError),
    #[error("no cluster named {0:?}")]
    UnknownCluster(String),
    #[error("writing {path}: {source}")]
    Write { path: String, source: std::io::Error },
    #[error("invalid configuration: {0}")]
    Config(String),
}

#[derive(Debug, Clone)]
pub struct SimConfig {
    pub cluster_names: Vec<String>,
    pub listen: SocketAddr,
    pub tls: bool,
    /// How long simulated pods take to become ready.
    pub ready_delay: Duration,
    pub state_file: Option<PathBuf>,
    pub bookmark_interval: Duration,
}

impl SimConfig {
    /// `n` clusters named `cluster-1` … `cluster-n` on a random loopback port.
    pub fn new(n: usize) -> SimConfig {
        SimConfig {
            cluster_names: (1..=n).map(|i| format!("cluster-{i}")).collect(),
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            tls: false,
            ready_delay: Duration::from_millis(300),
            state_file: None,
            bookmark_interval: Duration::from_secs(5),
        }
    }
}

pub struct Simulator {
    shared: Arc<Shared>,
    addr: SocketAddr,
    ca_pem: Option<String>,
    state_file: Option<PathBuf>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

fn seed_for(name: &str) -> u64 {
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0);
    name.bytes().fold(nanos, |h, b| h.rotate_left(5) ^ u64::from(b))
}

impl Simulator {
    pub async fn start(cfg: SimConfig) -> Result<Simulator, SimError> {
        if cfg.cluster_names.is_empty() {
            return Err(SimError::Config("at least one cluster is needed".into()));
        }
        let mut clusters = HashMap::new();
        for name in &cfg.cluster_names {
            if !crate::store::meta::is_dns1123_label(name) {
                return Err(SimError::Config(format!("cluster name {name:?} must be a DNS-1123 label")));
            }
            clusters.insert(name.clone(), Arc::new(Cluster::new(name, seed_for(name), cfg.ready_delay)));
        }
        if let Some(f) = &cfg.state_file {
            let n = persist::load(f, &clusters)?;
            tracing::info!(file = %f.display(), restored = n, "state file loaded");
        }
        let listener =
            TcpListener::bind(cfg.listen).await.map_err(|source| SimError::Bind { addr: cfg.listen, source })?;
        let addr = listener.local_addr().map_err(|source| SimError::Bind { addr: cfg.listen, source })?;
        let server_tls = if cfg.tls { Some(tls::generate()?) } else { None };
        let shared =
            Arc::new(Shared { clusters, server_address: addr.to_string(), bookmark_interval: cfg.bookmark_interval });
        let (shutdown, rx) = watch::channel(false);
        let mut tasks = Vec::new();
        let acceptor = server_tls.as_ref().map(|t| tokio_rustls::TlsAcceptor::from(t.config.clone()));
        tasks.push(tokio::spawn(accept_loop(listener, acceptor, shared.clone(), rx.clone())));
        for c in shared.clusters.values() {
            tasks.push(tokio::spawn(crate::controllers::run(c.clone(), rx.clone())));
        }
        if let Some(f) = &cfg.state_file {
            tasks.push(tokio::spawn(persist_loop(f.clone(), shared.clone(), rx.clone())));
        }
        tracing::info!(%addr, clusters = shared.clusters.len(), tls = cfg.tls, "convoy-sim listening");
        Ok(Simulator {
            shared,
            addr,
            ca_pem: server_tls.map(|t| t.ca_pem),
            state_file: cfg.state_file,
            shutdown,
            tasks,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn cluster_names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.shared.clusters.keys().cloned().collect();
        v.sort();
        v
    }

    pub fn cluster(&self, name: &str) -> Result<Arc<Cluster>, SimError> {
        self.shared.clusters.get(name).cloned().ok_or_else(|| SimError::UnknownCluster(name.to_string()))
    }

    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    pub fn base_url(&self) -> String {
        let scheme = if self.ca_pem.is_some() { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    pub fn server_url(&self, cluster: &str) -> Result<String, SimError> {
        self.cluster(cluster)?;
        Ok(format!("{}/clusters/{cluster}", self.base_url()))
    }

    pub fn kubeconfig(&self, cluster: &str) -> Result<String, SimError> {
        Ok(kubeconfig::render(cluster, &self.server_url(cluster)?, self.ca_pem()))
    }

    /// Writes `DIR/<cluster>.kubeconfig` for every cluster.
    pub fn write_kubeconfigs(&self, dir: &Path) -> Result<Vec<PathBuf>, SimError> {
        let werr = |p: &Path, source| SimError::Write { path: p.display().to_string(), source };
        std::fs::create_dir_all(dir).map_err(|e| werr(dir, e))?;
        let mut out = Vec::new();
        for name in self.cluster_names() {
            let p = dir.join(format!("{name}.kubeconfig"));
            std::fs::write(&p, self.kubeconfig(&name)?).map_err(|e| werr(&p, e))?;
            out.push(p);
        }
        Ok(out)
    }

    pub fn set_faults(&self, cluster: &str, f: Faults) -> Result<(), SimError> {
        self.cluster(cluster)?.set_faults(f);
        Ok(())
    }

    pub fn set_ready_delay(&self, cluster: &str, d: Duration) -> Result<(), SimError> {
        self.cluster(cluster)?.set_ready_delay(d);
        Ok(())
    }

    /// Writes the state file now (if configured).
    pub fn save_state(&self) -> Result<(), SimError> {
        if let Some(f) = &self.state_file {
            persist::save(f, &self.shared.clusters)?;
        }
        Ok(())
    }

    /// Stops serving, ends every connection and watch, and saves the state file.
    pub async fn stop(self) -> Result<(), SimError> {
        let _ = self.shutdown.send(true);
        for t in &self.tasks {
            t.abort();
        }
        for t in self.tasks {
            let _ = t.await;
        }
        if let Some(f) = &self.state_file {
            persist::save(f, &self.shared.clusters)?;
        }
        Ok(())
    }
}

async fn accept_loop(
    listener: TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut conns = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            r = listener.accept() => {
                let (stream, peer) = match r {
                    Ok(x) => x,
                    Err(e) => {
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let shared = shared.clone();
                let tls = tls.clone();
                conns.spawn(async move {
                    let svc = service_fn(move |req| http::handle(shared.clone(), req));
                    let result = match tls {
                        Some(acceptor) => match acceptor.accept(stream).await {
                            Ok(s) => http1::Builder::new().serve_connection(TokioIo::new(s), svc).await,
                            Err(e) => {
                                tracing::debug!(%peer, error = %e, "TLS handshake failed");
                                return;
                            }
                        },
                        None => http1::Builder::new().serve_connection(TokioIo::new(stream), svc).await,
                    };
                    if let Err(e) = result {
                        tracing::debug!(%peer, error = %e, "connection ended");
                    }
                });
            }
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
            _ = shutdown.changed() => break,
        }
    }
    conns.abort_all();
}

async fn persist_loop(path: PathBuf, shared: Arc<Shared>, mut shutdown: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(Duration::from_secs(2));
    loop {
        tokio::select! {
            _ = tick.tick() => {
                let dirty = shared.clusters.values().fold(false, |d, c| c.take_dirty() | d);
                if dirty {
                    let p = path.clone();
                    let s = shared.clone();
                    let r = tokio::task::spawn_blocking(move || persist::save(&p, &s.clusters)).await;
                    if let Ok(Err(e)) = r {
                        tracing::warn!(error = %e, "saving state failed");
                    }
                }
            }
            _ = shutdown.changed() => break,
        }
    }
}
