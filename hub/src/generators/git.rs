//! The git generator: directories (one parameter set per matching
//! directory) or files (one per object in each matching JSON/YAML file).
//!
//! Directory patterns use Go's `path.Match` (`*` stops at `/`); file
//! patterns are git pathspecs as `git ls-files` reads them (`*` crosses `/`),
//! which is Argo CD's default.

use super::{Context, append_values};
use crate::appset::params::{Params, flatten, sanitize_name};
use crate::repo::glob;
use serde_json::{Map, Value};

pub fn generate(spec: &Value, ctx: &Context) -> Result<Vec<Params>, String> {
    let repo_url = spec.get("repoURL").and_then(Value::as_str).unwrap_or_default();
    let revision = spec.get("revision").and_then(Value::as_str).unwrap_or_default();
    let prefix = spec.get("pathParamPrefix").and_then(Value::as_str).unwrap_or_default();
    let values = spec.get("values");
    let items = |key: &str| -> Result<Vec<(String, bool)>, String> {
        match spec.get(key) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(a)) => a
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let path = item
                        .get("path")
                        .and_then(Value::as_str)
                        .ok_or_else(|| format!("{key}[{i}].path is required"))?;
                    Ok((path.to_string(), item.get("exclude").and_then(Value::as_bool).unwrap_or(false)))
                })
                .collect(),
            Some(_) => Err(format!("{key} must be a list")),
        }
    };
    let directories = items("directories")?;
    let files = items("files")?;
    if !directories.is_empty() {
        let all = ctx.repos.directories(repo_url, revision)?;
        let mut out = Vec::new();
        for dir in all.iter().filter(|d| selected(d, &directories)) {
            let mut params = directory_params(dir, prefix, ctx.go_template);
            append_values(values, &mut params, ctx)?;
            out.push(params);
        }
        return Ok(out);
    }
    if !files.is_empty() {
        let mut found = std::collections::BTreeMap::new();
        for (pattern, _) in files.iter().filter(|(_, exclude)| !exclude) {
            for (path, content) in ctx.repos.files(repo_url, revision, pattern)? {
                found.insert(path, content);
            }
        }
        for (pattern, _) in files.iter().filter(|(_, exclude)| *exclude) {
            for (path, _) in ctx.repos.files(repo_url, revision, pattern)? {
                found.remove(&path);
            }
        }
        let mut out = Vec::new();
        for (path, content) in &found {
            let objects = parse_objects(content)
                .map_err(|e| format!("unable to process file '{path}' from repository '{repo_url}': {e}"))?;
            for object in objects {
                let mut params = file_params(path, object, prefix, ctx.go_template);
                append_values(values, &mut params, ctx)?;
                out.push(params);
            }
        }
        return Ok(out);
    }
    Err("ApplicationSet is empty: the git generator needs directories or files".into())
}

fn selected(dir: &str, patterns: &[(String, bool)]) -> bool {
    let mut include = false;
    for (pattern, exclude) in patterns {
        if glob::path_match(pattern, dir) {
            if *exclude {
                return false;
            }
            include = true;
        }
    }
    include
}

fn base(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Go's `path.Dir` for repository-relative paths.
fn dir_of(path: &str) -> &str {
    match path.rfind('/') {
        Some(i) => &path[..i],
        None => ".",
    }
}

fn directory_params(dir: &str, prefix: &str, go: bool) -> Params {
    let mut p = Params::new();
    if go {
        let mut path = Map::new();
        path.insert("path".into(), dir.into());
        path.insert("basename".into(), base(dir).into());
        path.insert("basenameNormalized".into(), sanitize_name(base(dir)).into());
        path.insert("segments".into(), Value::Array(dir.split('/').map(|s| s.into()).collect()));
        insert_path(&mut p, prefix, path);
    } else {
        let name = if prefix.is_empty() { "path".to_string() } else { format!("{prefix}.path") };
        p.insert(name.clone(), dir.into());
        p.insert(format!("{name}.basename"), base(dir).into());
        p.insert(format!("{name}.basenameNormalized"), sanitize_name(base(dir)).into());
        for (i, seg) in dir.split('/').enumerate().filter(|(_, s)| !s.is_empty()) {
            p.insert(format!("{name}[{i}]"), seg.into());
        }
    }
    p
}

fn file_params(file: &str, object: Params, prefix: &str, go: bool) -> Params {
    let dir = dir_of(file);
    let mut p = Params::new();
    if go {
        p.extend(object);
        let mut path = Map::new();
        path.insert("path".into(), dir.into());
        path.insert("basename".into(), base(dir).into());
        path.insert("filename".into(), base(file).into());
        path.insert("basenameNormalized".into(), sanitize_name(base(dir)).into());
        path.insert("filenameNormalized".into(), sanitize_name(base(file)).into());
        path.insert("segments".into(), Value::Array(dir.split('/').map(|s| s.into()).collect()));
        insert_path(&mut p, prefix, path);
    } else {
        for (k, v) in flatten(&object) {
            p.insert(k, v.into());
        }
        let name = if prefix.is_empty() { "path".to_string() } else { format!("{prefix}.path") };
        p.insert(name.clone(), dir.into());
        p.insert(format!("{name}.basename"), base(dir).into());
        p.insert(format!("{name}.filename"), base(file).into());
        p.insert(format!("{name}.basenameNormalized"), sanitize_name(base(dir)).into());
        p.insert(format!("{name}.filenameNormalized"), sanitize_name(base(file)).into());
        for (i, seg) in dir.split('/').enumerate().filter(|(_, s)| !s.is_empty()) {
            p.insert(format!("{name}[{i}]"), seg.into());
        }
    }
    p
}

fn insert_path(p: &mut Params, prefix: &str, path: Map<String, Value>) {
    if prefix.is_empty() {
        p.insert("path".into(), Value::Object(path));
    } else {
        let mut wrapper = Map::new();
        wrapper.insert("path".into(), Value::Object(path));
        p.insert(prefix.into(), Value::Object(wrapper));
    }
}

/// A file holds one object or a list of objects.
fn parse_objects(content: &[u8]) -> Result<Vec<Params>, String> {
    let text = std::str::from_utf8(content).map_err(|_| "unable to parse file: not UTF-8 text".to_string())?;
    match serde_norway::from_str::<Value>(text) {
        Ok(Value::Object(m)) => Ok(vec![m]),
        Ok(Value::Null) => Ok(vec![Params::new()]),
        Ok(Value::Array(items)) => items
            .into_iter()
            .map(|i| match i {
                Value::Object(m) => Ok(m),
                _ => Err("unable to parse file: a list must hold maps".to_string()),
            })
            .collect(),
        Ok(_) => Err("unable to parse file: expected a map or a list of maps".into()),
        Err(e) => Err(format!("unable to parse file: {e}")),
    }
}
