//! HTTPS for gix: TLS trust and the HTTP client behind smart-HTTP fetches.
//!
//! Why this way: gix 0.90 ships a blocking reqwest backend
//! (`blocking-http-transport-reqwest`) whose client can be configured per
//! connection through `http::reqwest::Options::configure_client`. Its TLS
//! features pull in aws-lc-rs, but the plain backend plus reqwest's
//! `rustls-no-provider` feature does not: every client gets a rustls
//! `ClientConfig` built here on the *ring* provider (the one the rest of
//! convoy uses) through `tls_backend_preconfigured`. That keeps gix's own
//! smart-HTTP code, redirect rules and 401 handling, and leaves us no HTTP
//! transport of our own to maintain (the alternative was implementing
//! gix-transport's `Http` trait on ureq).
//!
//! Trust: the operating system's roots (rustls-native-certs, which honours
//! `SSL_CERT_FILE`/`SSL_CERT_DIR` like git and curl, so corporate CAs
//! installed in the image work without a rebuild) plus a repository's
//! `caFile`, as Argo CD's per-repository TLS certificates. webpki-roots was
//! not taken: a compiled-in Mozilla list goes stale with the binary and
//! cannot see CAs an operator installs.

use crate::git::GitError;
use gix::protocol::transport::client::blocking_io::http;
use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// How long a connection attempt may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long the server may stay silent: the wait for response headers and
/// each read of a body are bounded by this (git servers send keep-alives
/// every few seconds while they compute a pack), so a stalled server fails
/// the fetch instead of hanging the hub.
const IDLE_TIMEOUT: Duration = Duration::from_secs(120);

/// The operating system's trusted roots, read once per process.
fn native_roots() -> &'static [CertificateDer<'static>] {
    static ROOTS: OnceLock<Vec<CertificateDer<'static>>> = OnceLock::new();
    ROOTS.get_or_init(|| {
        let found = rustls_native_certs::load_native_certs();
        for e in &found.errors {
            tracing::warn!("loading the system's trusted certificates: {e}");
        }
        found.certs
    })
}

/// The TLS client configuration for one repository: system roots plus the
/// certificates of `ca_file`, if any. With `require_roots`, having no root
/// at all is an error rather than a certain verification failure later.
pub fn tls_config(
    url: &str,
    ca_file: Option<&Path>,
    require_roots: bool,
) -> Result<Arc<rustls::ClientConfig>, GitError> {
    let mut roots = RootCertStore::empty();
    roots.add_parsable_certificates(native_roots().iter().cloned());
    if let Some(ca_file) = ca_file {
        let certs = convoy_protocol::tls::load_certs(ca_file)
            .map_err(|e| GitError::config(url, format!("caFile {}: {e}", ca_file.display())))?;
        for cert in certs {
            roots.add(cert).map_err(|e| {
                GitError::config(url, format!("caFile {}: not a usable CA certificate: {e}", ca_file.display()))
            })?;
        }
    }
    if require_roots && roots.is_empty() {
        return Err(GitError::config(
            url,
            "no trusted root certificates: install the system CA bundle (ca-certificates) or set caFile",
        ));
    }
    let mut config = rustls::ClientConfig::builder_with_provider(convoy_protocol::tls::provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| GitError::config(url, format!("TLS configuration: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// gix transport options that make its reqwest backend use `tls`.
pub fn transport_options(tls: Arc<rustls::ClientConfig>) -> http::Options {
    let backend = http::reqwest::Options {
        configure_client: Some(Box::new(move |builder| {
            Ok(builder.tls_backend_preconfigured((*tls).clone()).connect_timeout(CONNECT_TIMEOUT).timeout(IDLE_TIMEOUT))
        })),
        configure_request: None,
    };
    http::Options { backend: Some(Arc::new(Mutex::new(backend))), ..Default::default() }
}

/// The TLS failure somewhere in `err`'s causes, if that is why it failed.
pub fn tls_failure(err: &gix::Error) -> Option<String> {
    err.iter_errors().find_map(|e| {
        let rustls_err = e.downcast_ref::<rustls::Error>().or_else(|| {
            e.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()).and_then(|inner| inner.downcast_ref())
        })?;
        Some(match rustls_err {
            rustls::Error::InvalidCertificate(reason) => {
                format!("the server's certificate is not trusted ({reason:?}); set caFile to the CA that issued it")
            }
            other => other.to_string(),
        })
    })
}
