//! The `convoy-hub certs` verbs, driven through the real binary.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

fn hub(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_convoy-hub")).args(args).output().expect("run convoy-hub")
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn init_issue_list_revoke() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ca");
    let d = dir.to_str().unwrap();

    let out = hub(&["certs", "init", "--dir", d, "--hub-name", "hub.example", "--hub-name", "10.1.2.3"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("hub certificate names: hub.example, 10.1.2.3"), "{}", text(&out));
    for key in ["ca.key", "hub.key", "bundle-signing.key"] {
        assert_eq!(mode(&dir.join(key)), 0o600, "{key}");
    }

    let again = hub(&["certs", "init", "--dir", d]);
    assert_eq!(again.status.code(), Some(1));
    assert!(text(&again).contains("already exists; pass --force"), "{}", text(&again));

    let agent_dir = tmp.path().join("agent");
    let a = agent_dir.to_str().unwrap();
    let out = hub(&["certs", "issue-agent", "--dir", d, "--cluster", "edge-7", "--out", a, "--days", "30"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("spiffe://convoy/cluster/edge-7"), "{}", text(&out));
    assert_eq!(mode(&agent_dir.join("agent.key")), 0o600);
    for f in ["agent.crt", "ca.crt", "trusted-keys.pem"] {
        assert!(agent_dir.join(f).exists(), "{f}");
    }

    let list = hub(&["certs", "list", "--dir", d, "--output", "json"]);
    assert!(list.status.success(), "{}", text(&list));
    let rows: serde_json::Value = serde_json::from_slice(&list.stdout).expect("JSON");
    let agent = rows.as_array().unwrap().iter().find(|r| r["role"] == "agent").expect("agent row");
    assert_eq!(agent["subject"], "edge-7");
    assert_eq!(agent["revoked"], false);

    let out = hub(&["certs", "revoke", "--dir", d, "--cluster", "edge-7"]);
    assert!(out.status.success(), "{}", text(&out));
    let list = hub(&["certs", "list", "--dir", d, "--output", "json"]);
    let rows: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    assert!(rows.as_array().unwrap().iter().any(|r| r["subject"] == "edge-7" && r["revoked"] == true));

    let nothing = hub(&["certs", "revoke", "--dir", d, "--cluster", "edge-7"]);
    assert_eq!(nothing.status.code(), Some(1), "revoking twice finds nothing to revoke");
}

#[test]
fn bad_input_and_usage_errors_have_their_exit_codes() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("ca");
    let d = d.to_str().unwrap();
    assert!(hub(&["certs", "init", "--dir", d]).status.success());

    let out = hub(&["certs", "issue-agent", "--dir", d, "--cluster", "Not_Valid", "--out", "x"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("invalid cluster name \"Not_Valid\""), "{}", text(&out));

    let out = hub(&["certs", "issue-agent", "--dir", "/nonexistent/ca", "--cluster", "a", "--out", "x"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("/nonexistent/ca/ca.crt"), "the missing file is named: {}", text(&out));

    let out = hub(&["certs", "issue-agent", "--dir", d, "--cluster", "a"]);
    assert_eq!(out.status.code(), Some(2), "missing --out is a usage error");
    let out = hub(&["certs", "issue-agent", "--dir", d, "--cluster", "a", "--out", "x", "--days", "0"]);
    assert_eq!(out.status.code(), Some(2));
}
