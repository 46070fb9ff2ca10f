//! Access to a remote repository, the way Argo CD repository secrets work.
//!
//! - HTTPS: `username` + `passwordFile` is basic authentication; `tokenFile`
//!   alone is basic authentication as `x-access-token` (GitHub's convention:
//!   any username with the token as password), or as `username` if set.
//!   `caFile` adds trusted roots for that repository ([`super::http`]).
//! - SSH (`ssh://` and `git@host:org/repo.git`): `ssh` runs with the
//!   `sshKeyFile` key only and checks the host key against `knownHostsFile`
//!   (or the user's known_hosts); unknown host keys are refused, never added.
//!
//! Secret files are read at each fetch, so rotated secrets apply without a
//! restart. Secrets never reach a log or an error message: messages name the
//! file a secret came from. Nothing ever prompts: credentials come only from
//! the configuration (gix's credential helpers and askpass are bypassed) and
//! ssh runs in batch mode. Settings that do not fit the URL's scheme are
//! rejected, and credentials are never sent over plain http.

use super::{GitError, GitErrorKind, http};
use crate::config::Credentials;
use gix::credentials::helper::Action;
use gix::protocol::transport::client::blocking_io::Transport;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The username a token is sent with when none is configured.
pub const TOKEN_USERNAME: &str = "x-access-token";

/// How a repository URL is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Https,
    Http,
    Ssh,
    /// `file://`, a local path or `git://`: no credentials apply.
    Unauthenticated,
}

/// The scheme of `url`, checking that `creds` fit it.
pub fn check(url: &str, creds: &Credentials) -> Result<Scheme, String> {
    let parsed = gix::url::parse(url.as_bytes()).map_err(|e| format!("{url:?} is not a Git URL: {e}"))?;
    if parsed.password().is_some() {
        return Err("the URL holds a password; put it in passwordFile or tokenFile instead".into());
    }
    let scheme = match parsed.scheme {
        gix::url::Scheme::Https => Scheme::Https,
        gix::url::Scheme::Http => Scheme::Http,
        gix::url::Scheme::Ssh => Scheme::Ssh,
        _ => Scheme::Unauthenticated,
    };
    let fields = [
        ("username", creds.username.is_some()),
        ("passwordFile", creds.password_file.is_some()),
        ("tokenFile", creds.token_file.is_some()),
        ("caFile", creds.ca_file.is_some()),
        ("sshKeyFile", creds.ssh_key_file.is_some()),
        ("knownHostsFile", creds.known_hosts_file.is_some()),
    ];
    let allowed: &[&str] = match scheme {
        Scheme::Https => &["username", "passwordFile", "tokenFile", "caFile"],
        Scheme::Ssh => &["sshKeyFile", "knownHostsFile"],
        Scheme::Http | Scheme::Unauthenticated => &[],
    };
    if let Some((field, _)) = fields.iter().find(|(name, set)| *set && !allowed.contains(name)) {
        return Err(match scheme {
            Scheme::Http if ["username", "passwordFile", "tokenFile"].contains(field) => {
                format!("{field} is set but credentials are only ever sent over https, never over plain http")
            }
            Scheme::Https => format!("{field} applies to ssh:// repositories, not to https"),
            Scheme::Ssh => format!("{field} applies to https:// repositories; SSH authenticates with sshKeyFile"),
            _ => format!("{field} does not apply to {url}"),
        });
    }
    if scheme == Scheme::Https {
        if creds.password_file.is_some() && creds.token_file.is_some() {
            return Err("set either passwordFile or tokenFile, not both".into());
        }
        if creds.password_file.is_some() && creds.username.is_none() {
            return Err("passwordFile needs username".into());
        }
        if creds.username.is_some() && creds.password_file.is_none() && creds.token_file.is_none() {
            return Err("username needs passwordFile or tokenFile".into());
        }
    }
    Ok(scheme)
}

/// A username and password for basic authentication, and where they came
/// from (for messages, which never show the password).
struct Account {
    username: String,
    password: String,
    source: String,
}

/// What the credential callback saw during one connection.
#[derive(Default)]
struct AuthEvents {
    /// The server asked for credentials.
    asked: bool,
    /// The server refused the credentials it was given.
    rejected: bool,
}

/// Everything one fetch needs to reach a repository: secrets read from their
/// files, the TLS configuration, the ssh command. Built per fetch.
pub struct RemoteAccess {
    url: String,
    scheme: Scheme,
    hook: ConnectionHook,
    ssh: Option<SshSetup>,
}

/// What is applied to each gix connection.
#[derive(Clone)]
struct ConnectionHook {
    account: Option<Arc<Account>>,
    /// gix's HTTP options; `Clone`, the reqwest backend is shared.
    http: Option<gix::protocol::transport::client::blocking_io::http::Options>,
    events: Arc<Mutex<AuthEvents>>,
}

impl RemoteAccess {
    /// Reads the secret files and prepares the transport for `url`.
    pub fn prepare(url: &str, creds: &Credentials) -> Result<RemoteAccess, GitError> {
        let scheme = check(url, creds).map_err(|e| GitError::config(url, e))?;
        let mut account = None;
        let mut http = None;
        let mut ssh = None;
        match scheme {
            Scheme::Https => {
                account = read_account(url, creds)?;
                http = Some(http::transport_options(http::tls_config(url, creds.ca_file.as_deref(), true)?));
            }
            // reqwest builds a TLS connector for every client, even one that
            // only speaks plain http (it would serve a redirect to https).
            Scheme::Http => http = Some(http::transport_options(http::tls_config(url, None, false)?)),
            Scheme::Ssh => ssh = Some(SshSetup::new(url, creds)?),
            Scheme::Unauthenticated => {}
        }
        let hook = ConnectionHook { account: account.map(Arc::new), http, events: Arc::default() };
        Ok(RemoteAccess { url: url.to_string(), scheme, hook, ssh })
    }

    /// Options to open (or create) the mirror with: isolated from the
    /// user's and system's Git configuration and `GIT_*` environment (so
    /// nothing there can add a credential helper, a prompt or another ssh
    /// command), plus the ssh command for SSH remotes.
    pub fn open_options(&self) -> gix::open::Options {
        let mut overrides = Vec::new();
        if let Some(ssh) = &self.ssh {
            overrides.push(format!("core.sshCommand={}", ssh.command));
            overrides.push("ssh.variant=ssh".to_string());
        }
        gix::open::Options::isolated().config_overrides(overrides)
    }

    /// Applies the credentials and transport options to a connection.
    pub fn configure<T: Transport>(&self, connection: &mut gix::remote::Connection<'_, '_, '_, T>) {
        self.hook.apply(connection);
    }

    /// The same, as a callback for a clone.
    pub fn clone_hook(
        &self,
    ) -> impl FnMut(&mut gix::remote::Connection<'_, '_, '_, Box<dyn Transport + Send>>) -> gix::Result + 'static {
        let hook = self.hook.clone();
        move |connection| {
            hook.apply(connection);
            Ok(())
        }
    }

    /// Turns a failed fetch into an error that says why: authentication,
    /// TLS, the SSH host key, or otherwise the chain of causes.
    pub fn error(&self, err: gix::Error) -> GitError {
        let (asked, rejected) = {
            let events = self.hook.events.lock().unwrap_or_else(|p| p.into_inner());
            (events.asked, events.rejected)
        };
        let (kind, message) = self.classify(&err, asked, rejected);
        let message = match &self.hook.account {
            // Belt and braces: no cause should carry the password, but if
            // one ever does, it does not get out.
            Some(account) => message.replace(account.password.as_str(), "***"),
            None => message,
        };
        GitError::of_kind(kind, &self.url, message)
    }

    fn classify(&self, err: &gix::Error, asked: bool, rejected: bool) -> (GitErrorKind, String) {
        use GitErrorKind::*;
        if let Some(ssh) = &self.ssh {
            let log = ssh.log();
            if log.contains("Host key verification failed") {
                let source = match &ssh.known_hosts {
                    Some(p) => format!("knownHostsFile {}", p.display()),
                    None => "the default known_hosts".to_string(),
                };
                // ssh's long warning names the private copy; keep the facts.
                let facts: Vec<String> = log
                    .lines()
                    .map(str::trim)
                    .filter_map(|l| match l {
                        l if l.starts_with("SHA256:") => {
                            Some(format!("the server presented {}", l.trim_end_matches('.')))
                        }
                        l if l.contains("host key is known") || l.contains("has changed") => Some(l.to_string()),
                        _ => None,
                    })
                    .collect();
                return (
                    HostKey,
                    format!(
                        "SSH host key verification failed: the server's key does not match {source} ({})",
                        facts.join("; ")
                    ),
                );
            }
            if log.contains("Permission denied") || asked {
                let key = match &ssh.key {
                    Some(p) => format!("the key from sshKeyFile {}", p.display()),
                    None => "the default SSH keys".to_string(),
                };
                return (
                    Authentication,
                    format!("authentication failed: the server refused {key} ({})", one_line(&log)),
                );
            }
            if !log.is_empty() {
                return (Other, format!("{} ({})", one_line(&log), describe(err)));
            }
        }
        if rejected {
            let source = self.hook.account.as_ref().map_or("the credentials", |a| a.source.as_str());
            return (Authentication, format!("authentication failed: the server rejected {source}"));
        }
        if asked && self.hook.account.is_none() {
            return (
                Authentication,
                "authentication failed: the server requires credentials and none are configured \
                 (set username and passwordFile, or tokenFile)"
                    .to_string(),
            );
        }
        if self.scheme == Scheme::Https
            && let Some(tls) = http::tls_failure(err)
        {
            return (Tls, format!("TLS verification failed: {tls}"));
        }
        (Other, describe(err))
    }
}

impl ConnectionHook {
    fn apply<T: Transport>(&self, connection: &mut gix::remote::Connection<'_, '_, '_, T>) {
        let account = self.account.clone();
        let events = self.events.clone();
        connection.set_credentials(move |action| {
            let mut events = events.lock().unwrap_or_else(|p| p.into_inner());
            Ok(match action {
                Action::Get(context) => {
                    events.asked = true;
                    account.as_ref().map(|a| gix::credentials::protocol::Outcome {
                        identity: gix::sec::identity::Account {
                            username: a.username.clone(),
                            password: a.password.clone(),
                            oauth_refresh_token: None,
                        },
                        next: context.into(),
                    })
                }
                Action::Store(_) => None,
                Action::Erase(_) => {
                    events.rejected = true;
                    None
                }
            })
        });
        if let Some(http) = &self.http {
            connection.set_transport_options(Box::new(http.clone()));
        }
    }
}

fn read_account(url: &str, creds: &Credentials) -> Result<Option<Account>, GitError> {
    if let Some(file) = &creds.password_file {
        let username = creds.username.clone().unwrap_or_default();
        let source = format!("username {username:?} with the password from passwordFile {}", file.display());
        return Ok(Some(Account { username, password: read_secret(url, "passwordFile", file)?, source }));
    }
    if let Some(file) = &creds.token_file {
        let username = creds.username.clone().unwrap_or_else(|| TOKEN_USERNAME.to_string());
        let source = format!("username {username:?} with the token from tokenFile {}", file.display());
        return Ok(Some(Account { username, password: read_secret(url, "tokenFile", file)?, source }));
    }
    Ok(None)
}

/// A secret file's content without its trailing line break.
fn read_secret(url: &str, field: &str, path: &Path) -> Result<String, GitError> {
    let raw = std::fs::read_to_string(path)
        .map_err(|e| GitError::config(url, format!("cannot read {field} {}: {e}", path.display())))?;
    let value = raw.trim_end_matches(['\n', '\r']);
    if value.is_empty() {
        return Err(GitError::config(url, format!("{field} {} is empty", path.display())));
    }
    Ok(value.to_string())
}

/// The ssh command for one fetch, with private copies of the key (ssh
/// refuses keys other users can read, and Kubernetes mounts secrets 0644)
/// and the known hosts, and a log of its stderr that tells why a
/// connection failed.
struct SshSetup {
    scratch: tempfile::TempDir,
    command: String,
    key: Option<PathBuf>,
    known_hosts: Option<PathBuf>,
}

impl SshSetup {
    fn new(url: &str, creds: &Credentials) -> Result<SshSetup, GitError> {
        let scratch = tempfile::Builder::new()
            .prefix("convoy-ssh-")
            .tempdir()
            .map_err(|e| GitError::new(url, format!("creating a scratch directory for ssh: {e}")))?;
        let path_arg = |name: &str| -> Result<String, GitError> {
            let p = scratch.path().join(name);
            p.to_str().filter(|s| !s.contains(['"', '\'', ' ', '%', '\\'])).map(str::to_string).ok_or_else(|| {
                GitError::new(url, format!("the temporary directory {} is unusable for ssh", p.display()))
            })
        };
        let mut args: Vec<String> = vec!["ssh".into()];
        if let Some(key) = &creds.ssh_key_file {
            let data = std::fs::read(key)
                .map_err(|e| GitError::config(url, format!("cannot read sshKeyFile {}: {e}", key.display())))?;
            let copy = path_arg("key")?;
            write_private(Path::new(&copy), &data).map_err(|e| GitError::new(url, format!("copying the key: {e}")))?;
            args.extend(["-i".into(), copy, "-o".into(), "IdentitiesOnly=yes".into()]);
        }
        if let Some(known_hosts) = &creds.known_hosts_file {
            let data = std::fs::read(known_hosts).map_err(|e| {
                GitError::config(url, format!("cannot read knownHostsFile {}: {e}", known_hosts.display()))
            })?;
            let copy = path_arg("known_hosts")?;
            write_private(Path::new(&copy), &data)
                .map_err(|e| GitError::new(url, format!("copying the known hosts: {e}")))?;
            args.extend([
                "-o".into(),
                format!("UserKnownHostsFile={copy}"),
                "-o".into(),
                "GlobalKnownHostsFile=/dev/null".into(),
            ]);
        }
        for option in [
            "StrictHostKeyChecking=yes",
            "BatchMode=yes",
            "UpdateHostKeys=no",
            "ConnectTimeout=30",
            "ServerAliveInterval=15",
            "ServerAliveCountMax=4",
        ] {
            args.extend(["-o".into(), option.into()]);
        }
        // gix runs this through `sh`, putting its arguments where `"$@"`
        // is; ssh's errors and the remote's (`fatal: ... does not appear to
        // be a git repository`) go to the log, to be part of the error.
        let log = path_arg("log")?;
        let args = args.iter().map(|a| shell_quote(a)).collect::<Vec<_>>().join(" ");
        let command = format!("{args} \"$@\" 2>>{}", shell_quote(&log));
        Ok(SshSetup { scratch, command, key: creds.ssh_key_file.clone(), known_hosts: creds.known_hosts_file.clone() })
    }

    /// What ssh and the remote wrote to stderr.
    fn log(&self) -> String {
        std::fs::read_to_string(self.scratch.path().join("log")).unwrap_or_default().trim().to_string()
    }
}

/// Writes a new file only its owner can read.
fn write_private(path: &Path, data: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(data)
}

fn shell_quote(s: &str) -> String {
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_./=:,@".contains(&b)) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

fn one_line(s: &str) -> String {
    s.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("; ")
}

/// An error and its causes on one line, without repeats.
pub fn describe(err: &gix::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for e in err.iter_errors() {
        let text = e.to_string();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ")
}
