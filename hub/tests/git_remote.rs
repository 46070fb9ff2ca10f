//! Mirrors of remote repositories over HTTPS, plain HTTP and SSH, against
//! real servers on 127.0.0.1: `git http-backend` behind a small TLS server
//! that requires basic authentication, and `sshd` serving `git-upload-pack`.
//! Every fetch runs on its own thread with a deadline, so a hang (or a
//! prompt) fails the test instead of blocking CI.

mod common;

use base64::Engine;
use common::git;
use convoy_hub::config::Credentials;
use convoy_hub::git::credentials::{Scheme, check};
use convoy_hub::git::{GitError, GitErrorKind, GitRepo, Mirror};
use convoy_hub::repo::Tree;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose, SanType};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

const DEADLINE: Duration = Duration::from_secs(60);
const USER: &str = "convoy";
const PASSWORD: &str = "correct-Horse-battery-7";

// ---------------------------------------------------------------- upstream

/// A work repository with one commit and a bare copy that servers serve.
struct Upstream {
    work: tempfile::TempDir,
    root: tempfile::TempDir,
}

impl Upstream {
    fn new() -> Upstream {
        let work = tempfile::tempdir().unwrap();
        git(work.path(), &["init", "-q"]);
        commit(work.path(), "apps/web/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: v1}\n");
        let root = tempfile::tempdir().unwrap();
        let bare = root.path().join("repo.git");
        git(root.path(), &["clone", "-q", "--bare", work.path().to_str().unwrap(), bare.to_str().unwrap()]);
        Upstream { work, root }
    }

    fn bare(&self) -> PathBuf {
        self.root.path().join("repo.git")
    }

    fn head(&self) -> String {
        git(&self.bare(), &["rev-parse", "main"])
    }

    /// Commits a change and pushes it to the served repository.
    fn push_commit(&self, content: &str) -> String {
        let sha = commit(self.work.path(), "apps/web/cm.yaml", content);
        git(self.work.path(), &["push", "-q", self.bare().to_str().unwrap(), "main"]);
        sha
    }
}

fn commit(dir: &Path, path: &str, content: &str) -> String {
    common::write_files(dir, &[(path, content)]);
    common::commit_all(dir, "change")
}

// ------------------------------------------------------------ TLS material

struct Ca {
    pem: String,
    issuer: Issuer<'static, KeyPair>,
}

fn ca(name: &str) -> Ca {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name.push(DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let cert = params.self_signed(&key).unwrap();
    Ca { pem: cert.pem(), issuer: Issuer::new(params, key) }
}

/// A server configuration for 127.0.0.1 and localhost, issued by `ca`.
fn server_tls(ca: &Ca) -> Arc<rustls::ServerConfig> {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    params.subject_alt_names.push(SanType::IpAddress(Ipv4Addr::LOCALHOST.into()));
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let cert = params.signed_by(&key, &ca.issuer).unwrap();
    let chain = vec![CertificateDer::from(cert.der().to_vec())];
    let private = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, private)
        .unwrap();
    Arc::new(config)
}

// ------------------------------------------------------- smart-HTTP server

/// `git http-backend` behind a minimal HTTP/1.1 server (one request per
/// connection), over TLS when given a configuration, requiring basic
/// authentication when given an account.
struct GitHttpServer {
    addr: SocketAddr,
    /// Requests that reached the HTTP layer (after any TLS handshake).
    requests: Arc<AtomicUsize>,
    /// Requests that carried an Authorization header.
    authorized: Arc<AtomicUsize>,
    /// Requests answered 401.
    refused: Arc<AtomicUsize>,
    tls: bool,
}

impl GitHttpServer {
    fn start(root: &Path, tls: Option<Arc<rustls::ServerConfig>>, account: Option<(&str, &str)>) -> GitHttpServer {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let addr = listener.local_addr().unwrap();
        let server = GitHttpServer {
            addr,
            requests: Arc::default(),
            authorized: Arc::default(),
            refused: Arc::default(),
            tls: tls.is_some(),
        };
        let shared = Arc::new(Shared {
            root: root.to_path_buf(),
            account: account.map(|(u, p)| format!("{u}:{p}")),
            requests: server.requests.clone(),
            authorized: server.authorized.clone(),
            refused: server.refused.clone(),
        });
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (tls, shared) = (tls.clone(), shared.clone());
                std::thread::spawn(move || {
                    stream.set_read_timeout(Some(Duration::from_secs(20))).ok();
                    match tls {
                        Some(config) => {
                            let conn = rustls::ServerConnection::new(config).unwrap();
                            let mut stream = rustls::StreamOwned::new(conn, stream);
                            if serve(&shared, &mut stream).is_ok() {
                                stream.conn.send_close_notify();
                                stream.flush().ok();
                            }
                        }
                        None => {
                            let mut stream = stream;
                            serve(&shared, &mut stream).ok();
                        }
                    }
                });
            }
        });
        server
    }

    fn url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}/repo.git", self.addr)
    }
}

struct Shared {
    root: PathBuf,
    account: Option<String>,
    requests: Arc<AtomicUsize>,
    authorized: Arc<AtomicUsize>,
    refused: Arc<AtomicUsize>,
}

fn serve(shared: &Shared, stream: &mut (impl Read + Write)) -> std::io::Result<()> {
    let mut reader = BufReader::new(&mut *stream);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    let header = |name: &str| headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
    let body = if header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        read_chunked(&mut reader)?
    } else {
        let len = header("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
        let mut body = vec![0; len];
        reader.read_exact(&mut body)?;
        body
    };
    drop(reader);
    shared.requests.fetch_add(1, Ordering::SeqCst);

    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let target = parts.next().unwrap_or_default().to_string();
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));

    let authorization = header("authorization");
    if authorization.is_some() {
        shared.authorized.fetch_add(1, Ordering::SeqCst);
    }
    let user = match &shared.account {
        None => None,
        Some(account) => {
            let given = authorization
                .as_deref()
                .and_then(|a| a.strip_prefix("Basic "))
                .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok());
            if given.as_deref() != Some(account.as_bytes()) {
                shared.refused.fetch_add(1, Ordering::SeqCst);
                let body = b"authentication required\n";
                write!(
                    stream,
                    "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"git\"\r\n\
                     Content-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                )?;
                stream.write_all(body)?;
                return stream.flush();
            }
            account.split_once(':').map(|(u, _)| u.to_string())
        }
    };

    let mut cgi = Command::new(http_backend());
    cgi.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("GIT_PROJECT_ROOT", &shared.root)
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("PATH_INFO", path)
        .env("QUERY_STRING", query)
        .env("REQUEST_METHOD", &method)
        .env("CONTENT_TYPE", header("content-type").unwrap_or_default())
        .env("CONTENT_LENGTH", body.len().to_string())
        .env("REMOTE_ADDR", "127.0.0.1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Some(user) = &user {
        cgi.env("REMOTE_USER", user);
    }
    if let Some(protocol) = header("git-protocol") {
        cgi.env("HTTP_GIT_PROTOCOL", protocol);
    }
    let mut child = cgi.spawn()?;
    let mut stdin = child.stdin.take().expect("piped");
    let writer = std::thread::spawn(move || stdin.write_all(&body));
    let mut output = Vec::new();
    child.stdout.take().expect("piped").read_to_end(&mut output)?;
    child.wait()?;
    writer.join().expect("stdin writer").ok();

    let split = output.windows(4).position(|w| w == b"\r\n\r\n").map(|i| (i, 4));
    let split = split.or_else(|| output.windows(2).position(|w| w == b"\n\n").map(|i| (i, 2)));
    let (head, body) = match split {
        Some((i, n)) => (String::from_utf8_lossy(&output[..i]).to_string(), &output[i + n..]),
        None => (String::new(), &output[..]),
    };
    let mut status = "200 OK".to_string();
    let mut response = String::new();
    for line in head.lines().map(str::trim).filter(|l| !l.is_empty()) {
        match line.split_once(':') {
            Some((name, value)) if name.eq_ignore_ascii_case("status") => status = value.trim().to_string(),
            _ => response.push_str(&format!("{line}\r\n")),
        }
    }
    write!(stream, "HTTP/1.1 {status}\r\n{response}Content-Length: {}\r\nConnection: close\r\n\r\n", body.len())?;
    stream.write_all(body)?;
    stream.flush()
}

/// `git http-backend` of the git on PATH, or the distribution's.
fn http_backend() -> PathBuf {
    let exec_path = git(Path::new("."), &["--exec-path"]);
    [Path::new(&exec_path), Path::new("/usr/lib/git-core")]
        .iter()
        .map(|dir| dir.join("git-http-backend"))
        .find(|p| p.exists())
        .expect("git-http-backend is installed with git (git --exec-path, /usr/lib/git-core)")
}

fn read_chunked(reader: &mut impl BufRead) -> std::io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let mut size = String::new();
        reader.read_line(&mut size)?;
        let size = usize::from_str_radix(size.trim().split(';').next().unwrap_or("0"), 16)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
        let mut chunk = vec![0; size + 2];
        reader.read_exact(&mut chunk)?;
        if size == 0 {
            return Ok(body);
        }
        body.extend_from_slice(&chunk[..size]);
    }
}

// ------------------------------------------------------------------ client

/// Syncs a mirror on its own thread; a sync that does not finish within
/// the deadline (a hang, a prompt) fails the test.
fn sync(cache: &Path, url: &str, credentials: &Credentials) -> Result<GitRepo, GitError> {
    let (tx, rx) = mpsc::channel();
    let (cache, owned_url, credentials) = (cache.to_path_buf(), url.to_string(), credentials.clone());
    std::thread::spawn(move || {
        let mirror = Mirror::new(&cache, &owned_url).with_credentials(credentials);
        tx.send(mirror.sync().map(|repo| GitRepo::from_repository(repo, owned_url))).ok();
    });
    let started = Instant::now();
    let result = rx.recv_timeout(DEADLINE).unwrap_or_else(|_| panic!("syncing {url} took more than {DEADLINE:?}"));
    eprintln!("sync of {url} took {:?}", started.elapsed());
    result
}

/// Syncs a mirror that must fail; returns why.
fn sync_fails(cache: &Path, url: &str, credentials: &Credentials) -> GitError {
    match sync(cache, url, credentials) {
        Ok(_) => panic!("syncing {url} succeeded but should have failed"),
        Err(e) => {
            eprintln!("failed as expected ({:?}): {e}", e.kind);
            e
        }
    }
}

fn secret(dir: &Path, name: &str, content: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p
}

/// No file under `dir` holds `secret`: credentials are never persisted.
fn nowhere_in(dir: &Path, secret: &[u8]) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            nowhere_in(&path, secret);
        } else {
            let data = std::fs::read(&path).unwrap();
            assert!(!data.windows(secret.len()).any(|w| w == secret), "{} holds a secret", path.display());
        }
    }
}

fn no_half_clone(cache: &Path) {
    if let Ok(entries) = cache.read_dir() {
        for e in entries {
            let name = e.unwrap().file_name().to_string_lossy().to_string();
            assert!(!name.starts_with(".clone-"), "a half clone {name} was left behind");
        }
    }
}

/// A served upstream and a trusted HTTPS server requiring USER/PASSWORD.
fn https_setup() -> (Upstream, Ca, GitHttpServer) {
    let upstream = Upstream::new();
    let ca = ca("convoy test git CA");
    let server = GitHttpServer::start(upstream.root.path(), Some(server_tls(&ca)), Some((USER, PASSWORD)));
    (upstream, ca, server)
}

// ------------------------------------------------------------------- HTTPS

#[test]
fn https_clone_and_incremental_fetch_with_username_and_password() {
    let (upstream, ca, server) = https_setup();
    let secrets = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let creds = Credentials {
        username: Some(USER.into()),
        // Secret files usually end in a line break; it is not part of the password.
        password_file: Some(secret(secrets.path(), "password", &format!("{PASSWORD}\n"))),
        ca_file: Some(secret(secrets.path(), "ca.pem", &ca.pem)),
        ..Default::default()
    };

    let repo = sync(cache.path(), &server.url(), &creds).unwrap();
    assert_eq!(repo.resolve("main").unwrap().to_string(), upstream.head());
    assert_eq!(repo.resolve("HEAD").unwrap().to_string(), upstream.head(), "HEAD follows the remote's HEAD");
    assert!(server.refused.load(Ordering::SeqCst) >= 1, "the first request went without credentials (401 dance)");

    let second = upstream.push_commit("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: v2}\n");
    let repo = sync(cache.path(), &server.url(), &creds).unwrap();
    assert_eq!(repo.resolve("main").unwrap().to_string(), second, "the fetch brings the new commit");
    let tree = repo.tree_at("main").unwrap();
    assert!(String::from_utf8(tree.read("apps/web/cm.yaml").unwrap()).unwrap().contains("name: v2"));
    nowhere_in(cache.path(), PASSWORD.as_bytes());
}

#[test]
fn https_wrong_password_is_an_authentication_error_that_does_not_show_it() {
    let (_upstream, ca, server) = https_setup();
    let secrets = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let wrong = "Wr0ng-but-secret-pa55";
    let creds = Credentials {
        username: Some(USER.into()),
        password_file: Some(secret(secrets.path(), "password", wrong)),
        ca_file: Some(secret(secrets.path(), "ca.pem", &ca.pem)),
        ..Default::default()
    };
    let err = sync_fails(cache.path(), &server.url(), &creds);
    assert_eq!(err.kind, GitErrorKind::Authentication, "{err}");
    assert_eq!(err.repo, server.url());
    let text = err.to_string();
    assert!(text.contains(&server.url()) && text.contains("authentication failed"), "{text}");
    assert!(text.contains("passwordFile"), "names where the password came from: {text}");
    for shown in [text, format!("{err:?}")] {
        assert!(!shown.contains(wrong) && !shown.contains(PASSWORD), "a password leaked: {shown}");
        let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{wrong}"));
        assert!(!shown.contains(&encoded), "the encoded credentials leaked: {shown}");
    }
    assert!(server.authorized.load(Ordering::SeqCst) >= 1, "the wrong password was tried");
    no_half_clone(cache.path());
}

#[test]
fn https_without_credentials_says_the_server_wants_some_and_never_prompts() {
    let (_upstream, ca, server) = https_setup();
    let secrets = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let creds = Credentials { ca_file: Some(secret(secrets.path(), "ca.pem", &ca.pem)), ..Default::default() };
    let err = sync_fails(cache.path(), &server.url(), &creds);
    assert_eq!(err.kind, GitErrorKind::Authentication, "{err}");
    assert!(err.message.contains("none are configured"), "{err}");
    assert_eq!(server.authorized.load(Ordering::SeqCst), 0);
}

#[test]
fn https_token_file_authenticates_as_x_access_token_or_the_given_username() {
    let upstream = Upstream::new();
    let ca = ca("convoy test git CA");
    let token = "ghp_0123456789abcdefTOKEN";
    let secrets = tempfile::tempdir().unwrap();
    let ca_file = secret(secrets.path(), "ca.pem", &ca.pem);
    let token_file = secret(secrets.path(), "token", &format!("{token}\r\n"));

    let github_style =
        GitHttpServer::start(upstream.root.path(), Some(server_tls(&ca)), Some(("x-access-token", token)));
    let creds =
        Credentials { token_file: Some(token_file.clone()), ca_file: Some(ca_file.clone()), ..Default::default() };
    let cache = tempfile::tempdir().unwrap();
    let repo = sync(cache.path(), &github_style.url(), &creds).unwrap();
    assert_eq!(repo.resolve("main").unwrap().to_string(), upstream.head());

    let named = GitHttpServer::start(upstream.root.path(), Some(server_tls(&ca)), Some(("deploy-bot", token)));
    let cache = tempfile::tempdir().unwrap();
    let err = sync_fails(cache.path(), &named.url(), &creds);
    assert_eq!(err.kind, GitErrorKind::Authentication, "x-access-token is not deploy-bot: {err}");
    assert!(!err.to_string().contains(token), "{err}");
    let creds = Credentials { username: Some("deploy-bot".into()), ..creds };
    let repo = sync(cache.path(), &named.url(), &creds).unwrap();
    assert_eq!(repo.resolve("main").unwrap().to_string(), upstream.head());
}

#[test]
fn https_missing_or_empty_secret_file_is_an_error_naming_it() {
    let (_upstream, ca, server) = https_setup();
    let secrets = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let ca_file = Some(secret(secrets.path(), "ca.pem", &ca.pem));
    let missing = secrets.path().join("no-such-token");
    let creds = Credentials { token_file: Some(missing.clone()), ca_file: ca_file.clone(), ..Default::default() };
    let err = sync_fails(cache.path(), &server.url(), &creds);
    assert_eq!(err.kind, GitErrorKind::Config, "{err}");
    assert_eq!(err.repo, server.url());
    assert!(err.message.contains("tokenFile") && err.message.contains(missing.to_str().unwrap()), "{err}");

    let empty = secret(secrets.path(), "empty", "\n");
    let creds =
        Credentials { username: Some(USER.into()), password_file: Some(empty.clone()), ca_file, ..Default::default() };
    let err = sync_fails(cache.path(), &server.url(), &creds);
    assert_eq!(err.kind, GitErrorKind::Config, "{err}");
    assert!(err.message.contains(&format!("passwordFile {} is empty", empty.display())), "{err}");
    assert_eq!(server.requests.load(Ordering::SeqCst), 0, "nothing is sent without the secret");
    no_half_clone(cache.path());
}

#[test]
fn https_server_certificate_from_another_ca_is_refused() {
    let upstream = Upstream::new();
    let trusted = ca("convoy trusted CA");
    let other = ca("some other CA");
    let server = GitHttpServer::start(upstream.root.path(), Some(server_tls(&other)), Some((USER, PASSWORD)));
    let secrets = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let with_ca = Credentials {
        username: Some(USER.into()),
        password_file: Some(secret(secrets.path(), "password", PASSWORD)),
        ca_file: Some(secret(secrets.path(), "ca.pem", &trusted.pem)),
        ..Default::default()
    };
    let system_roots_only = Credentials { ca_file: None, ..with_ca.clone() };
    for creds in [with_ca, system_roots_only] {
        let err = sync_fails(cache.path(), &server.url(), &creds);
        assert_eq!(err.kind, GitErrorKind::Tls, "{err}");
        assert!(err.message.contains("certificate"), "{err}");
    }
    assert_eq!(
        server.requests.load(Ordering::SeqCst),
        0,
        "no request (and no credential) crossed the failed handshake"
    );
    no_half_clone(cache.path());

    // The same server is fine once its CA is the one trusted.
    let creds = Credentials {
        username: Some(USER.into()),
        password_file: Some(secret(secrets.path(), "password", PASSWORD)),
        ca_file: Some(secret(secrets.path(), "other.pem", &other.pem)),
        ..Default::default()
    };
    assert_eq!(
        sync(cache.path(), &server.url(), &creds).unwrap().resolve("main").unwrap().to_string(),
        upstream.head()
    );
}

#[test]
fn https_unknown_repository_or_closed_port_fails_fast_with_the_cause() {
    let (_upstream, ca, server) = https_setup();
    let secrets = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let creds = Credentials {
        username: Some(USER.into()),
        password_file: Some(secret(secrets.path(), "password", PASSWORD)),
        ca_file: Some(secret(secrets.path(), "ca.pem", &ca.pem)),
        ..Default::default()
    };
    let err = sync_fails(cache.path(), &server.url().replace("repo.git", "nope.git"), &creds);
    assert_eq!(err.kind, GitErrorKind::Other, "{err}");
    assert!(err.message.contains("404"), "{err}");
    let closed = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap().local_addr().unwrap();
    let err = sync_fails(cache.path(), &format!("https://{closed}/repo.git"), &creds);
    assert_eq!(err.kind, GitErrorKind::Other, "{err}");
    assert!(err.message.contains("Connection refused"), "{err}");
    no_half_clone(cache.path());
}

#[test]
fn plain_http_works_anonymously_and_never_carries_credentials() {
    let upstream = Upstream::new();
    let server = GitHttpServer::start(upstream.root.path(), None, None);
    let cache = tempfile::tempdir().unwrap();
    let repo = sync(cache.path(), &server.url(), &Credentials::default()).unwrap();
    assert_eq!(repo.resolve("main").unwrap().to_string(), upstream.head());

    let secrets = tempfile::tempdir().unwrap();
    let creds = Credentials {
        username: Some(USER.into()),
        password_file: Some(secret(secrets.path(), "password", PASSWORD)),
        ..Default::default()
    };
    let cache = tempfile::tempdir().unwrap();
    let err = sync_fails(cache.path(), &server.url(), &creds);
    assert_eq!(err.kind, GitErrorKind::Config, "{err}");
    assert!(err.message.contains("never over plain http"), "{err}");
    assert_eq!(server.authorized.load(Ordering::SeqCst), 0, "no credentials went over plain http");
}

#[test]
fn credential_settings_must_fit_the_url() {
    let key = Credentials { ssh_key_file: Some("k".into()), ..Default::default() };
    assert_eq!(check("git@github.com:org/repo.git", &key), Ok(Scheme::Ssh), "scp-like URLs are SSH");
    assert_eq!(check("ssh://git@host:2222/org/repo.git", &key), Ok(Scheme::Ssh));
    assert!(check("https://host/org/repo.git", &key).unwrap_err().contains("sshKeyFile"));
    let password = Credentials { username: Some("u".into()), password_file: Some("p".into()), ..Default::default() };
    assert_eq!(check("https://host/org/repo.git", &password), Ok(Scheme::Https));
    assert!(check("git@github.com:org/repo.git", &password).unwrap_err().contains("applies to https"));
    let no_user = Credentials { password_file: Some("p".into()), ..Default::default() };
    assert!(check("https://host/r.git", &no_user).unwrap_err().contains("passwordFile needs username"));
    let both = Credentials { token_file: Some("t".into()), ..password.clone() };
    assert!(check("https://host/r.git", &both).unwrap_err().contains("not both"));
    assert!(check("https://u:hunter2@host/r.git", &Credentials::default()).unwrap_err().contains("holds a password"));
    assert!(check("file:///srv/repo.git", &password).is_err());
}

#[test]
fn hub_config_resolves_secret_files_next_to_it_and_rejects_misfits() {
    let dir = tempfile::tempdir().unwrap();
    let write = |yaml: &str| {
        let p = dir.path().join("hub.yaml");
        std::fs::write(&p, yaml).unwrap();
        p
    };
    let ok = write(
        "repositories:\n\
         - url: https://git.example.com/org/repo.git\n  username: bot\n  passwordFile: secrets/pw\n  caFile: ca.pem\n\
         - url: git@github.com:org/infra.git\n  sshKeyFile: /abs/key\n  knownHostsFile: kh\n",
    );
    let config = convoy_hub::config::HubConfig::load(&ok).unwrap();
    let https = &config.repositories[0].credentials;
    assert_eq!(https.password_file.as_deref(), Some(dir.path().join("secrets/pw").as_path()));
    assert_eq!(https.ca_file.as_deref(), Some(dir.path().join("ca.pem").as_path()));
    let ssh = &config.repositories[1].credentials;
    assert_eq!(ssh.ssh_key_file.as_deref(), Some(Path::new("/abs/key")));
    assert_eq!(ssh.known_hosts_file.as_deref(), Some(dir.path().join("kh").as_path()));

    let bad = write("repositories:\n- url: https://git.example.com/r.git\n  sshKeyFile: key\n");
    let err = convoy_hub::config::HubConfig::load(&bad).unwrap_err().to_string();
    assert!(err.contains("repositories[0]") && err.contains("sshKeyFile"), "{err}");
}

// --------------------------------------------------------------------- SSH

/// sshd on 127.0.0.1, an ephemeral port, its own host key, and one
/// authorized client key; killed on drop.
struct Sshd {
    child: std::process::Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Drop for Sshd {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

impl Sshd {
    /// None (after saying so) when sshd is absent and CONVOY_SKIP_SSH_TESTS=1.
    fn start() -> Option<Sshd> {
        let Some(sshd) = ["/usr/sbin/sshd", "/usr/local/sbin/sshd"].into_iter().map(PathBuf::from).find(|p| p.exists())
        else {
            if std::env::var("CONVOY_SKIP_SSH_TESTS").as_deref() == Ok("1") {
                eprintln!("sshd is not installed and CONVOY_SKIP_SSH_TESTS=1: skipping this SSH test");
                return None;
            }
            panic!(
                "sshd is not installed, so the SSH transport cannot be tested: \
                 install openssh-server (apt-get install -y openssh-server) or set CONVOY_SKIP_SSH_TESTS=1"
            );
        };
        std::fs::create_dir_all("/run/sshd").ok();
        let dir = tempfile::tempdir().unwrap();
        keygen(&dir.path().join("host_key"));
        keygen(&dir.path().join("client_key"));
        keygen(&dir.path().join("wrong_key"));
        std::fs::copy(dir.path().join("client_key.pub"), dir.path().join("authorized_keys")).unwrap();
        let mut last_error = String::new();
        for _ in 0..5 {
            let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap().local_addr().unwrap().port();
            let config = dir.path().join("sshd_config");
            std::fs::write(
                &config,
                format!(
                    "ListenAddress 127.0.0.1:{port}\n\
                     HostKey {dir}/host_key\n\
                     AuthorizedKeysFile {dir}/authorized_keys\n\
                     PubkeyAuthentication yes\n\
                     PasswordAuthentication no\n\
                     KbdInteractiveAuthentication no\n\
                     PermitRootLogin prohibit-password\n\
                     UsePAM no\n\
                     StrictModes no\n\
                     PidFile none\n\
                     LogLevel VERBOSE\n",
                    dir = dir.path().display()
                ),
            )
            .unwrap();
            let mut child = Command::new(&sshd)
                .args(["-D", "-e", "-f"])
                .arg(&config)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let (tx, rx) = mpsc::channel();
            let stderr = child.stderr.take().unwrap();
            let log = Arc::new(Mutex::new(String::new()));
            let log_writer = log.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    if line.contains("Server listening on") {
                        tx.send(()).ok();
                    }
                    log_writer.lock().unwrap().push_str(&format!("{line}\n"));
                }
            });
            if rx.recv_timeout(Duration::from_secs(10)).is_ok() && TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(Sshd { child, port, dir });
            }
            child.kill().ok();
            child.wait().ok();
            last_error = log.lock().unwrap().clone();
        }
        panic!("sshd did not start: {last_error}");
    }

    fn url(&self, repo: &Path) -> String {
        format!("ssh://{}@127.0.0.1:{}{}", whoami(), self.port, repo.display())
    }

    fn key(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A known_hosts file trusting this server's host key (or `key`'s).
    fn known_hosts(&self, dir: &Path, public_key_file: &str) -> PathBuf {
        let key = std::fs::read_to_string(self.dir.path().join(public_key_file)).unwrap();
        let key = key.split_whitespace().take(2).collect::<Vec<_>>().join(" ");
        secret(dir, &format!("known_hosts-{public_key_file}"), &format!("[127.0.0.1]:{} {key}\n", self.port))
    }
}

fn keygen(path: &Path) {
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "convoy-test", "-f"])
        .arg(path)
        .output()
        .expect("ssh-keygen runs");
    assert!(out.status.success(), "ssh-keygen: {}", String::from_utf8_lossy(&out.stderr));
}

fn whoami() -> String {
    let out = Command::new("id").arg("-un").output().expect("id runs");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// A copy of a key with the permissions Kubernetes gives mounted secrets.
fn world_readable_copy(from: &Path, dir: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let to = dir.join("id_ed25519");
    std::fs::copy(from, &to).unwrap();
    std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o644)).unwrap();
    to
}

#[test]
fn ssh_clone_and_fetch_with_key_and_known_hosts() {
    let Some(sshd) = Sshd::start() else { return };
    let upstream = Upstream::new();
    let secrets = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let creds = Credentials {
        ssh_key_file: Some(world_readable_copy(&sshd.key("client_key"), secrets.path())),
        known_hosts_file: Some(sshd.known_hosts(secrets.path(), "host_key.pub")),
        ..Default::default()
    };
    let url = sshd.url(&upstream.bare());
    let repo = sync(cache.path(), &url, &creds).unwrap();
    assert_eq!(repo.resolve("main").unwrap().to_string(), upstream.head());

    let second = upstream.push_commit("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: over-ssh}\n");
    let repo = sync(cache.path(), &url, &creds).unwrap();
    assert_eq!(repo.resolve("main").unwrap().to_string(), second);
    // The ssh command (with its per-fetch key copy) is never written to the mirror's config.
    nowhere_in(cache.path(), b"sshCommand");
    let key = std::fs::read_to_string(sshd.key("client_key")).unwrap();
    nowhere_in(cache.path(), key.lines().nth(1).unwrap().as_bytes());
}

#[test]
fn ssh_unknown_or_wrong_host_key_is_refused() {
    let Some(sshd) = Sshd::start() else { return };
    let upstream = Upstream::new();
    let secrets = tempfile::tempdir().unwrap();
    let url = sshd.url(&upstream.bare());
    let key = Some(sshd.key("client_key"));
    let empty = secret(secrets.path(), "empty_known_hosts", "");
    // The wrong key for this host: as if the server had been replaced.
    let impostor = sshd.known_hosts(secrets.path(), "wrong_key.pub");
    for known_hosts in [empty, impostor] {
        let cache = tempfile::tempdir().unwrap();
        let creds = Credentials {
            ssh_key_file: key.clone(),
            known_hosts_file: Some(known_hosts.clone()),
            ..Default::default()
        };
        let err = sync_fails(cache.path(), &url, &creds);
        assert_eq!(err.kind, GitErrorKind::HostKey, "{err}");
        assert!(err.message.contains(known_hosts.to_str().unwrap()), "names the known hosts file: {err}");
        no_half_clone(cache.path());
    }
}

#[test]
fn ssh_wrong_or_missing_key_is_refused() {
    let Some(sshd) = Sshd::start() else { return };
    let upstream = Upstream::new();
    let secrets = tempfile::tempdir().unwrap();
    let url = sshd.url(&upstream.bare());
    let known_hosts = Some(sshd.known_hosts(secrets.path(), "host_key.pub"));

    let cache = tempfile::tempdir().unwrap();
    let wrong = Credentials {
        ssh_key_file: Some(sshd.key("wrong_key")),
        known_hosts_file: known_hosts.clone(),
        ..Default::default()
    };
    let err = sync_fails(cache.path(), &url, &wrong);
    assert_eq!(err.kind, GitErrorKind::Authentication, "{err}");
    assert!(err.to_string().contains("authentication failed") && err.message.contains("sshKeyFile"), "{err}");
    let private_key = std::fs::read_to_string(sshd.key("wrong_key")).unwrap();
    let key_body = private_key.lines().nth(1).unwrap();
    assert!(!err.to_string().contains(key_body), "the key leaked: {err}");
    no_half_clone(cache.path());

    let missing = secrets.path().join("no-such-key");
    let creds =
        Credentials { ssh_key_file: Some(missing.clone()), known_hosts_file: known_hosts, ..Default::default() };
    let err = sync_fails(cache.path(), &url, &creds);
    assert_eq!(err.kind, GitErrorKind::Config, "{err}");
    assert!(err.message.contains(&format!("sshKeyFile {}", missing.display())), "{err}");
}

#[test]
fn ssh_missing_repository_or_closed_port_reports_what_ssh_said() {
    let Some(sshd) = Sshd::start() else { return };
    let secrets = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let creds = Credentials {
        ssh_key_file: Some(sshd.key("client_key")),
        known_hosts_file: Some(sshd.known_hosts(secrets.path(), "host_key.pub")),
        ..Default::default()
    };
    let err = sync_fails(cache.path(), &sshd.url(Path::new("/nonexistent/repo.git")), &creds);
    assert_eq!(err.kind, GitErrorKind::Other, "{err}");
    assert!(err.message.contains("does not appear to be a git repository"), "the remote's own words: {err}");
    let closed = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap().local_addr().unwrap();
    let err = sync_fails(cache.path(), &format!("ssh://{}@{closed}/repo.git", whoami()), &creds);
    assert_eq!(err.kind, GitErrorKind::Other, "{err}");
    assert!(err.message.contains("Connection refused"), "{err}");
    no_half_clone(cache.path());
}
