//! `convoy-hub certs init|issue-agent|revoke|list`.

use super::Output;
use anyhow::Context;
use clap::{Args, Subcommand};
use convoy_certs::ledger::{Ledger, Role};
use convoy_certs::{CaDir, Validity};
use convoy_protocol::ClusterName;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum CertsCommand {
    /// Create the CA, the hub's server certificate and the bundle signing key.
    Init(InitArgs),
    /// Issue a client certificate for one cluster's agent.
    IssueAgent(IssueAgentArgs),
    /// Revoke every certificate issued to a cluster; the hub refuses it from then on.
    Revoke(RevokeArgs),
    /// List issued certificates and whether they are revoked.
    List(ListArgs),
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Directory for the CA files (created if missing).
    #[arg(long)]
    dir: PathBuf,
    /// A DNS name or IP address agents dial the hub by (repeatable).
    /// Default: localhost, 127.0.0.1 and ::1.
    #[arg(long = "hub-name", value_name = "NAME")]
    hub_names: Vec<String>,
    /// Replace existing files.
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Args)]
pub struct IssueAgentArgs {
    #[arg(long)]
    dir: PathBuf,
    /// The cluster the certificate identifies (a DNS-1123 name).
    #[arg(long)]
    cluster: String,
    /// Where to write agent.crt, agent.key, ca.crt and trusted-keys.pem.
    #[arg(long)]
    out: PathBuf,
    /// Validity in days.
    #[arg(long, default_value_t = 90, value_parser = clap::value_parser!(i64).range(1..=3650))]
    days: i64,
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Args)]
pub struct RevokeArgs {
    #[arg(long)]
    dir: PathBuf,
    #[arg(long)]
    cluster: String,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[arg(long)]
    dir: PathBuf,
    #[arg(long, short, value_enum, default_value_t)]
    output: Output,
}

pub fn run(cmd: CertsCommand) -> anyhow::Result<()> {
    match cmd {
        CertsCommand::Init(a) => {
            let names = if a.hub_names.is_empty() {
                vec!["localhost".to_string(), "127.0.0.1".to_string(), "::1".to_string()]
            } else {
                a.hub_names
            };
            let report = CaDir::new(&a.dir).init(&names, a.force)?;
            for p in &report.written {
                println!("wrote {}", p.display());
            }
            println!("hub certificate names: {}", report.hub_names.join(", "));
            println!("bundle signing key id: {}", report.signing_key_id);
        }
        CertsCommand::IssueAgent(a) => {
            let cluster = ClusterName::new(a.cluster)?;
            let issued = CaDir::new(&a.dir).issue_agent(&cluster, Validity::days_from_now(a.days), &a.out, a.force)?;
            println!(
                "issued certificate {} for cluster {cluster} (identity {}), valid until {}",
                issued.serial_hex,
                cluster.spiffe_uri(),
                rfc3339(issued.not_after)
            );
            println!("wrote agent identity to {}", a.out.display());
        }
        CertsCommand::Revoke(a) => {
            let cluster = ClusterName::new(a.cluster)?;
            let serials = CaDir::new(&a.dir).revoke(&cluster)?;
            if serials.is_empty() {
                anyhow::bail!("no unrevoked certificate was issued to cluster {cluster}");
            }
            for s in serials {
                println!("revoked certificate {s} of cluster {cluster}");
            }
        }
        CertsCommand::List(a) => list(a)?,
    }
    Ok(())
}

fn list(a: ListArgs) -> anyhow::Result<()> {
    let dir = CaDir::new(&a.dir);
    let ledger_path = dir.ledger();
    anyhow::ensure!(
        ledger_path.exists(),
        "{} does not exist; run `convoy-hub certs init` first",
        ledger_path.display()
    );
    let issued = Ledger::open(&ledger_path)?.issued()?;
    let revoked = Ledger::read_revoked(&ledger_path)?;
    let rows: Vec<serde_json::Value> = issued
        .iter()
        .map(|(serial, r)| {
            serde_json::json!({
                "serial": serial,
                "subject": r.subject,
                "role": match r.role { Role::Hub => "hub", Role::Agent => "agent" },
                "notAfter": time::OffsetDateTime::from_unix_timestamp(r.not_after).map(rfc3339).unwrap_or_default(),
                "revoked": revoked.contains(serial),
            })
        })
        .collect();
    match a.output {
        Output::Json => println!("{}", serde_json::to_string_pretty(&rows).context("encoding JSON")?),
        Output::Table => {
            println!("{:<6} {:<24} {:<34} {:<8} NOT AFTER", "ROLE", "SUBJECT", "SERIAL", "REVOKED");
            for r in &rows {
                println!(
                    "{:<6} {:<24} {:<34} {:<8} {}",
                    r["role"].as_str().unwrap_or_default(),
                    r["subject"].as_str().unwrap_or_default(),
                    r["serial"].as_str().unwrap_or_default(),
                    if r["revoked"].as_bool().unwrap_or(false) { "yes" } else { "no" },
                    r["notAfter"].as_str().unwrap_or_default()
                );
            }
        }
    }
    Ok(())
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.replace_nanosecond(0)
        .unwrap_or(t)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}
