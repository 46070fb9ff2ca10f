//! convoy-sim: a Kubernetes API simulator.
//!
//! One process serves many independent simulated clusters over real HTTP(S),
//! speaking enough of the Kubernetes REST API (discovery, CRUD, list/watch,
//! JSON/merge/strategic patch, server-side apply with managedFields) that
//! kube-rs and kubectl talk to it through an ordinary kubeconfig, exactly as
//! they would to a real cluster.
//!
//! Layout: a sans-IO core (`store`, `apply`, `patch`, `selectors`, `watch`,
//! `controllers`, `discovery`) over `serde_json::Value`, and a thin shell
//! (`http`, `server`, `persist`, `kubeconfig`, `tls`) that owns sockets,
//! clocks and files.
//!
//! # Simulated controllers and the `broken` image convention
//!
//! Deployments (through ReplicaSets and Pods), StatefulSets, DaemonSets and
//! Jobs converge after a per-cluster delay (default 300 ms): pods become
//! Running and Ready, statuses and conditions fill in as the real controllers
//! write them. A container image whose tag is `broken` (for example
//! `nginx:broken`) never becomes ready: its pods show `CrashLoopBackOff` in
//! `containerStatuses`, a Deployment using it reports
//! `Progressing=False, reason=ProgressDeadlineExceeded` once
//! `spec.progressDeadlineSeconds` has passed, and a Job using it fails with
//! `BackoffLimitExceeded`. PersistentVolumeClaims become Bound and
//! LoadBalancer Services get an ingress IP from 192.0.2.0/24 (a documentation
//! range: it is only a value, nothing connects to it). CronJobs are stored
//! but never scheduled.
//!
//! # Running it
//!
//! ```text
//! convoy-sim serve --clusters 3 --listen 127.0.0.1:0 --kubeconfig-dir DIR \
//!     [--names a,b,c] [--tls] [--state-file F] [--ready-delay-ms 300]
//! ```
//!
//! writes `DIR/<cluster>.kubeconfig` (context, cluster and user named after
//! the cluster; server `http(s)://ADDR/clusters/<cluster>`) and prints the
//! address. From a test, [`Simulator::start`] with a [`SimConfig`] does the
//! same; [`Simulator::kubeconfig`] / [`Simulator::write_kubeconfigs`] hand
//! out kubeconfigs and [`Simulator::stop`] ends every connection and watch.
//!
//! # Fault injection
//!
//! Library: [`Simulator::set_faults`] with [`Faults::error`] (500/503),
//! [`Faults::latency`], [`Faults::hang`] (requests wait until the fault is
//! lifted) or [`Faults::refuse`] (connections are closed without an answer);
//! `Faults::default()` puts the cluster back. Over HTTP on the same listener:
//! `PUT /admin/clusters/<name>/faults` with a body such as
//! `{"mode":"error","status":503}`, `{"mode":"hang"}`, `{"latencyMs":200}`,
//! `DELETE` on the same path to clear, `GET` to read; and
//! `PUT /admin/clusters/<name>/ready-delay` with `{"ms": 2000}`.
//!
//! # Not simulated
//!
//! Protobuf request bodies (`kubectl create <kind>` sends them; use
//! `kubectl apply`), server-side Table printing (kubectl falls back to
//! NAME/AGE columns), OpenAPI schemas (`kubectl explain`), authentication
//! and authorization (any token is accepted), admission webhooks, and CRD
//! version conversion (all served versions share one stored form).

pub mod apply;
pub mod cluster;
pub mod controllers;
pub mod discovery;
pub mod error;
pub mod faults;
pub mod http;
pub mod kubeconfig;
pub mod openapi;
pub mod patch;
pub mod persist;
pub mod resources;
pub mod selectors;
pub mod server;
pub mod store;
pub mod tls;
pub mod watch;
pub mod wire;

pub use cluster::Cluster;
pub use faults::{FaultMode, Faults};
pub use server::{SimConfig, SimError, Simulator};
