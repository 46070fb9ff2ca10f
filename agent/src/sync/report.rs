//! Status snapshots on disk: the enforcer's latest [`StatusReport`] is
//! written to `<state-dir>/status.json` (atomically: a temporary file
//! renamed over the old one), so `convoy-agent status` can read it while
//! the agent runs; redb allows one process per database.

use convoy_protocol::status::StatusReport;
use std::path::{Path, PathBuf};

pub const STATUS_FILE: &str = "status.json";

/// The status snapshot a running (or finished) agent left.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusSnapshot {
    pub cluster: String,
    #[serde(flatten)]
    pub report: StatusReport,
}

pub fn status_path(state_dir: &Path) -> PathBuf {
    state_dir.join(STATUS_FILE)
}

pub fn write_snapshot(state_dir: &Path, snapshot: &StatusSnapshot) -> std::io::Result<()> {
    let path = status_path(state_dir);
    let tmp = state_dir.join(format!(".{STATUS_FILE}.tmp"));
    let text = serde_json::to_vec_pretty(snapshot).map_err(std::io::Error::other)?;
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, &path)
}

pub fn read_snapshot(state_dir: &Path) -> Result<StatusSnapshot, String> {
    let path = status_path(state_dir);
    let text = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_slice(&text).map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshots_round_trip_and_name_the_file_on_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = read_snapshot(dir.path()).unwrap_err();
        assert!(err.contains("status.json"), "{err}");
        let snap =
            StatusSnapshot { cluster: "c1".into(), report: StatusReport { generation: 4, ..Default::default() } };
        write_snapshot(dir.path(), &snap).unwrap();
        let back = read_snapshot(dir.path()).unwrap();
        assert_eq!((back.cluster.as_str(), back.report.generation), ("c1", 4));
    }
}
