//! kubectl-style output: tables for people, `--output json|yaml` for machines.

use convoy_agent::engine::order::Phase;
use convoy_agent::sync::operation::Progress;
use convoy_protocol::status::{AppStatus, StatusEvent};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Output {
    Table,
    Json,
    Yaml,
}

/// Left-aligned columns, two spaces apart, like `kubectl get`.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                s.push_str(c);
            } else {
                s.push_str(&format!("{c:<w$}  ", w = widths[i]));
            }
        }
        s.trim_end().to_string() + "\n"
    };
    let mut out = line(header.to_vec());
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

pub fn apps_table(apps: &[AppStatus]) -> String {
    let rows: Vec<Vec<String>> = apps
        .iter()
        .map(|a| {
            vec![
                a.name.clone(),
                a.sync.to_string(),
                a.health.to_string(),
                a.revision.chars().take(12).collect(),
                a.resources.len().to_string(),
                a.message.clone(),
            ]
        })
        .collect();
    table(&["APP", "SYNC", "HEALTH", "REVISION", "RESOURCES", "MESSAGE"], &rows)
}

pub fn resources_table(apps: &[AppStatus]) -> String {
    let rows: Vec<Vec<String>> = apps
        .iter()
        .flat_map(|a| {
            a.resources.iter().map(|r| {
                let kind = if r.group.is_empty() { r.kind.clone() } else { format!("{}.{}", r.kind, r.group) };
                vec![
                    a.name.clone(),
                    kind,
                    r.namespace.clone(),
                    r.name.clone(),
                    r.sync.to_string(),
                    r.health.to_string(),
                    r.message.clone(),
                ]
            })
        })
        .collect();
    table(&["APP", "KIND", "NAMESPACE", "NAME", "SYNC", "HEALTH", "MESSAGE"], &rows)
}

pub fn events_table(events: &[StatusEvent]) -> String {
    let rows: Vec<Vec<String>> = events
        .iter()
        .map(|e| {
            vec![
                time_of(e.at_ms),
                e.app.clone(),
                e.reason.clone(),
                e.resource.clone().unwrap_or_default(),
                e.message.clone(),
            ]
        })
        .collect();
    table(&["TIME", "APP", "REASON", "RESOURCE", "MESSAGE"], &rows)
}

fn time_of(ms: u64) -> String {
    time::OffsetDateTime::from_unix_timestamp((ms / 1000) as i64)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_else(|| ms.to_string())
}

/// One progress line, or `None` for steps too small to mention.
pub fn progress_line(p: &Progress) -> Option<String> {
    Some(match p {
        Progress::Step { app, phase, wave, resources } => {
            let what = match (phase, wave) {
                (Phase::Sync, None) => "namespaces and CRDs".to_string(),
                (Phase::Sync, Some(w)) => format!("wave {w}"),
                (p, Some(w)) => format!("{p:?} hooks, wave {w}"),
                (p, None) => format!("{p:?} hooks"),
            };
            format!("[{app}] {what}: {resources} resource(s)")
        }
        Progress::Applied { app, resource, change } => format!("[{app}] {resource} {change}"),
        Progress::Pruned { app, resource } => format!("[{app}] {resource} pruned"),
        Progress::Kept { app, resource, reason } => format!("[{app}] {resource} kept ({reason})"),
        Progress::HookDeleted { app, resource } => format!("[{app}] hook {resource} deleted"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_line_up() {
        let t = table(&["A", "LONGER"], &[vec!["xyz".into(), "1".into()], vec!["q".into(), "".into()]]);
        assert_eq!(t, "A    LONGER\nxyz  1\nq\n");
    }
}
