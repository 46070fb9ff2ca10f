//! Shared fixtures for convoy's end-to-end tests: a throwaway CA directory,
//! a hub endpoint on loopback, agent identities and sample bundles.

use convoy_agent::identity::AgentIdentity;
use convoy_agent::uplink::UplinkConfig;
use convoy_certs::{CaDir, LedgerRevocationCheck, Validity};
use convoy_hub::delivery::{HubEndpoint, HubEndpointConfig, HubEvent, Outbox};
use convoy_protocol::bundle::{AppBundle, Bundle, Manifest};
use convoy_protocol::tls::{load_certs, load_key};
use convoy_protocol::{BundleSigner, ClusterName, IdentityDir};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tempfile::TempDir;
use tokio::sync::broadcast;

/// A CA directory and a hub listening on 127.0.0.1.
pub struct HubFixture {
    pub dir: TempDir,
    pub ca: CaDir,
    pub hub: HubEndpoint,
    pub addr: SocketAddr,
}

impl HubFixture {
    /// Must be called inside a tokio runtime.
    pub fn start() -> HubFixture {
        Self::start_with(|_| {})
    }

    pub fn start_with(tune: impl FnOnce(&mut HubEndpointConfig)) -> HubFixture {
        init_logging();
        let dir = tempfile::tempdir().expect("tempdir");
        let ca = CaDir::new(dir.path().join("ca"));
        ca.init(&["localhost".to_string(), "127.0.0.1".to_string()], false).expect("certs init");
        let mut config = HubEndpointConfig::new(
            "127.0.0.1:0".parse().expect("addr"),
            load_certs(&ca.ca_cert()).expect("ca cert"),
            load_certs(&ca.hub_cert()).expect("hub cert"),
            load_key(&ca.hub_key()).expect("hub key"),
            Arc::new(LedgerRevocationCheck::new(ca.ledger())),
        );
        config.heartbeat_interval = Duration::from_millis(500);
        tune(&mut config);
        let hub = HubEndpoint::start(config, Arc::new(Outbox::default())).expect("hub endpoint");
        let addr = hub.local_addr().expect("local addr");
        HubFixture { dir, ca, hub, addr }
    }

    /// Issues and loads an identity for `cluster`, valid for 90 days.
    pub fn agent(&self, cluster: &str) -> Arc<AgentIdentity> {
        self.agent_valid(cluster, Validity::days_from_now(90))
    }

    pub fn agent_valid(&self, cluster: &str, validity: Validity) -> Arc<AgentIdentity> {
        let out = self.identity_dir(cluster);
        let name = ClusterName::new(cluster).expect("cluster name");
        self.ca.issue_agent(&name, validity, &out, true).expect("issue agent");
        Arc::new(AgentIdentity::load(&IdentityDir::new(out)).expect("load identity"))
    }

    pub fn identity_dir(&self, cluster: &str) -> PathBuf {
        self.dir.path().join("agents").join(cluster)
    }

    /// An uplink configuration that dials this hub by the name in its certificate.
    pub fn uplink(&self) -> UplinkConfig {
        let mut c = UplinkConfig::new(self.addr, "localhost");
        c.handshake_timeout = Duration::from_secs(5);
        c
    }

    pub fn signer(&self) -> BundleSigner {
        self.ca.load_signer().expect("signing key")
    }

    pub fn events(&self) -> broadcast::Receiver<HubEvent> {
        self.hub.subscribe()
    }
}

/// A bundle of `count` ConfigMaps of about `bytes_each` bytes.
pub fn sample_bundle(cluster: &str, generation: u64, count: usize, bytes_each: usize) -> Bundle {
    let manifests = (0..count)
        .map(|i| {
            let name = format!("cm-{i}");
            let data = "x".repeat(bytes_each);
            Manifest {
                api_version: "v1".into(),
                kind: "ConfigMap".into(),
                namespace: "demo".into(),
                name: name.clone(),
                json: format!(
                    r#"{{"apiVersion":"v1","kind":"ConfigMap","metadata":{{"name":"{name}","namespace":"demo"}},"data":{{"blob":"{data}"}}}}"#
                ),
            }
        })
        .collect();
    Bundle {
        cluster: cluster.to_string(),
        generation,
        source_revision: "0123456789abcdef0123456789abcdef01234567".into(),
        created_at_ms: 1_700_000_000_000,
        apps: vec![AppBundle {
            name: "demo".into(),
            project: "default".into(),
            namespace: "demo".into(),
            manifests,
            ..Default::default()
        }],
    }
}

/// Waits for the first event that `pick` maps to `Some`, or panics after `within`.
pub async fn wait_for<T>(
    events: &mut broadcast::Receiver<HubEvent>,
    within: Duration,
    mut pick: impl FnMut(&HubEvent) -> Option<T>,
) -> T {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let event = tokio::time::timeout_at(deadline, events.recv())
            .await
            .unwrap_or_else(|_| panic!("no matching hub event within {within:?}"));
        match event {
            Ok(e) => {
                if let Some(t) = pick(&e) {
                    return t;
                }
            }
            Err(broadcast::error::RecvError::Lagged(_)) => {}
            Err(broadcast::error::RecvError::Closed) => panic!("hub event channel closed"),
        }
    }
}

fn init_logging() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()))
        .with_test_writer()
        .try_init();
}
