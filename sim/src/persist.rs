//! The state file: every cluster's objects and resourceVersion counter as
//! JSON, written atomically (temp file + rename) so a crash never leaves a
//! torn file, and read back on start.

use crate::cluster::Cluster;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum PersistError {
    #[error("state file {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("state file {path} is not valid: {reason}")]
    Format { path: String, reason: String },
}

pub fn snapshot(clusters: &HashMap<String, Arc<Cluster>>) -> Value {
    let mut out = Map::new();
    for (name, c) in clusters {
        let v = c.read(|s| {
            let objects: Vec<Value> = s.all_objects().map(|(key, obj)| json!({"key": key, "object": &**obj})).collect();
            json!({"resourceVersion": s.resource_version(), "objects": objects})
        });
        out.insert(name.clone(), v);
    }
    json!({"version": 1, "clusters": out})
}

pub fn save(path: &Path, clusters: &HashMap<String, Arc<Cluster>>) -> Result<(), PersistError> {
    // Saves are serialised: the periodic saver may still be running on the
    // blocking pool when `stop` saves, and the snapshot taken last must be
    // the one that lands last.
    static SAVING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let _guard = SAVING.lock().unwrap_or_else(|p| p.into_inner());
    let io = |source| PersistError::Io { path: path.display().to_string(), source };
    let data = serde_json::to_vec(&snapshot(clusters)).map_err(|e| io(std::io::Error::other(e)))?;
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("state");
    let seq = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = dir.join(format!(".{file_name}.tmp-{}-{seq}", std::process::id()));
    if let Err(e) = std::fs::write(&tmp, &data).and_then(|()| std::fs::rename(&tmp, path)) {
        let _ = std::fs::remove_file(&tmp);
        return Err(io(e));
    }
    Ok(())
}

/// Loads the file into the clusters it names that exist; a missing file is
/// a fresh start. Returns how many clusters were restored.
pub fn load(path: &Path, clusters: &HashMap<String, Arc<Cluster>>) -> Result<usize, PersistError> {
    let data = match std::fs::read(path) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(source) => return Err(PersistError::Io { path: path.display().to_string(), source }),
    };
    let fmt = |reason: String| PersistError::Format { path: path.display().to_string(), reason };
    let v: Value = serde_json::from_slice(&data).map_err(|e| fmt(e.to_string()))?;
    let saved = v.get("clusters").and_then(Value::as_object).ok_or_else(|| fmt("no clusters".into()))?;
    let mut restored = 0;
    for (name, c) in saved {
        let Some(cluster) = clusters.get(name) else { continue };
        let rv = c.get("resourceVersion").and_then(Value::as_u64).unwrap_or(1);
        let objects: Vec<(String, Value)> = c
            .get("objects")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|o| Some((o.get("key")?.as_str()?.to_string(), o.get("object")?.clone())))
            .collect();
        cluster.write(|s| s.restore(rv, objects));
        cluster.take_dirty();
        restored += 1;
    }
    Ok(restored)
}
