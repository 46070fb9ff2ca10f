//! Handlers for resource paths: get, list, watch, create, update, patch,
//! apply and delete, with their query parameters and content types.

use super::body::SimBody;
use super::query::Query;
use super::route::ResourcePath;
use super::{Shared, error_response, json_response, read_body, stream};
use crate::cluster::Cluster;
use crate::error::{ApiError, ApiResult};
use crate::resources::ResourceType;
use crate::selectors::{FieldSelector, LabelSelector};
use crate::store::{DeleteOptions, ListOptions, Now, PatchType, Propagation, WriteCtx};
use crate::wire::Wire;
use bytes::Bytes;
use hyper::body::Incoming;
use hyper::{Method, Request, Response};
use serde_json::Value;
use std::sync::Arc;

pub async fn handle(
    shared: &Shared,
    cluster: &Arc<Cluster>,
    p: ResourcePath<'_>,
    req: Request<Incoming>,
) -> Response<SimBody> {
    match handle_inner(shared, cluster, p, req).await {
        Ok(r) => r,
        Err(e) => error_response(&e),
    }
}

fn object_response(code: u16, obj: &Value, rt: &ResourceType) -> Response<SimBody> {
    if obj.get("apiVersion").and_then(Value::as_str) == Some(&rt.api_version())
        || obj.get("kind").and_then(Value::as_str) == Some("Scale")
    {
        return super::body_response(code, serde_json::to_vec(&Wire(obj)).unwrap_or_default());
    }
    let mut o = obj.clone();
    if let Some(m) = o.as_object_mut() {
        m.insert("apiVersion".into(), Value::String(rt.api_version()));
    }
    super::body_response(code, serde_json::to_vec(&Wire(&o)).unwrap_or_default())
}

fn selectors(q: &Query) -> ApiResult<(LabelSelector, FieldSelector)> {
    let labels =
        LabelSelector::parse(q.get("labelSelector").unwrap_or("")).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let fields =
        FieldSelector::parse(q.get("fieldSelector").unwrap_or("")).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    Ok((labels, fields))
}

/// The field manager of a non-apply write: the parameter, else the user
/// agent's program name, as the apiserver derives it.
fn manager(q: &Query, headers: &hyper::HeaderMap, apply: bool) -> String {
    if let Some(m) = q.get("fieldManager") {
        return m.to_string();
    }
    if apply {
        return String::new();
    }
    headers
        .get(hyper::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .and_then(|ua| ua.split('/').next())
        .filter(|s| !s.is_empty())
        .map(|s| s.chars().take(128).collect())
        .unwrap_or_else(|| "unknown".to_string())
}

fn content_type(headers: &hyper::HeaderMap) -> String {
    headers
        .get(hyper::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
        .unwrap_or_default()
}

pub fn parse_body(ct: &str, body: &Bytes) -> ApiResult<Value> {
    if body.is_empty() {
        return Err(ApiError::BadRequest("the request body is empty".into()));
    }
    let yaml = ct.contains("yaml");
    if ct.contains("protobuf") {
        return Err(ApiError::UnsupportedMediaType("application/json, application/yaml".into()));
    }
    if yaml {
        serde_norway::from_slice::<Value>(body)
            .map_err(|e| ApiError::BadRequest(format!("error converting YAML to JSON: {e}")))
    } else {
        serde_json::from_slice::<Value>(body).map_err(|e| ApiError::BadRequest(format!("json: {e}")))
    }
}

fn dry_run(q: &Query) -> ApiResult<bool> {
    let mut any = false;
    for v in q.all("dryRun") {
        if v != "All" {
            return Err(ApiError::BadRequest(format!("Invalid value: \"{v}\": supported values: \"All\"")));
        }
        any = true;
    }
    Ok(any)
}

async fn handle_inner(
    shared: &Shared,
    cluster: &Arc<Cluster>,
    p: ResourcePath<'_>,
    req: Request<Incoming>,
) -> ApiResult<Response<SimBody>> {
    let rt = cluster.read(|s| s.lookup(p.group, p.version, p.plural)).ok_or(ApiError::UnknownResource)?;
    if !rt.namespaced && p.namespace.is_some() {
        return Err(ApiError::UnknownResource);
    }
    match p.sub {
        None => {}
        Some("status") if rt.status => {}
        Some("scale") if rt.scale => {}
        Some("finalize") if rt.kind == "Namespace" => {}
        Some(_) => return Err(ApiError::UnknownResource),
    }
    let sub = match p.sub {
        Some("finalize") => "",
        s => s.unwrap_or(""),
    };
    let q = Query::parse(req.uri().query());
    let ns = p.namespace.unwrap_or("");
    let method = req.method().clone();
    match (&method, p.name) {
        (&Method::GET, Some(name)) => {
            if sub == "scale" {
                let s = cluster.read(|s| s.get_scale(&rt, ns, name))?;
                return Ok(json_response(200, &s));
            }
            let obj = cluster.read(|s| s.get(&rt, ns, name).cloned()).ok_or_else(|| ApiError::not_found(&rt, name))?;
            Ok(object_response(200, &obj, &rt))
        }
        (&Method::GET, None) if q.flag("watch") => {
            let (labels, fields) = selectors(&q)?;
            stream::watch(shared, cluster, rt, p.namespace, labels, fields, &q)
        }
        (&Method::GET, None) => list(cluster, &rt, p.namespace, &q),
        (&Method::POST, None) => {
            let dry = dry_run(&q)?;
            let mgr = manager(&q, req.headers(), false);
            let ct = content_type(req.headers());
            let (_, body) = read_body(req).await?;
            let obj = parse_body(&ct, &body)?;
            let ctx = WriteCtx { manager: mgr, dry_run: dry, force: false, now: Now::from_system() };
            let created = cluster.write(|s| s.create(&rt, ns, obj, &ctx))?;
            Ok(object_response(201, &created, &rt))
        }
        (&Method::PUT, Some(name)) => {
            let dry = dry_run(&q)?;
            let mgr = manager(&q, req.headers(), false);
            let ct = content_type(req.headers());
            let (_, body) = read_body(req).await?;
            let obj = parse_body(&ct, &body)?;
            let ctx = WriteCtx { manager: mgr, dry_run: dry, force: false, now: Now::from_system() };
            if sub == "scale" {
                let s = cluster.write(|s| s.update_scale(&rt, ns, name, &obj, &ctx))?;
                return Ok(json_response(200, &s));
            }
            let updated = cluster.write(|s| s.update(&rt, ns, name, obj, sub, &ctx))?;
            Ok(object_response(200, &updated, &rt))
        }
        (&Method::PATCH, Some(name)) => {
            let ct = content_type(req.headers());
            let ty = match ct.as_str() {
                "application/apply-patch+yaml" | "application/apply-patch+json" | "application/apply-patch+cbor" => {
                    PatchType::Apply
                }
                "application/merge-patch+json" => PatchType::Merge,
                "application/json-patch+json" => PatchType::Json,
                "application/strategic-merge-patch+json" => PatchType::Strategic,
                _ => {
                    return Err(ApiError::UnsupportedMediaType(
                        "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json".into(),
                    ));
                }
            };
            let dry = dry_run(&q)?;
            let force = q.flag("force");
            if force && ty != PatchType::Apply {
                return Err(ApiError::BadRequest("force: Forbidden: may not be specified for non-apply patch".into()));
            }
            let mgr = manager(&q, req.headers(), ty == PatchType::Apply);
            let (_, body) = read_body(req).await?;
            let patch = parse_body(if ty == PatchType::Apply { "yaml" } else { "json" }, &body)?;
            let ctx = WriteCtx { manager: mgr, dry_run: dry, force, now: Now::from_system() };
            let existed = ty != PatchType::Apply || cluster.read(|s| s.get(&rt, ns, name).is_some());
            let out = cluster.write(|s| s.patch(&rt, ns, name, (ty, &patch), sub, &ctx))?;
            if sub == "scale" {
                let s = cluster.read(|s| s.get_scale(&rt, ns, name))?;
                return Ok(json_response(200, &s));
            }
            Ok(object_response(if existed { 200 } else { 201 }, &out, &rt))
        }
        (&Method::DELETE, Some(name)) => {
            let mut opts = DeleteOptions { dry_run: dry_run(&q)?, ..Default::default() };
            opts.propagation = parse_propagation(q.get("propagationPolicy"))?;
            if q.get("orphanDependents") == Some("true") {
                opts.propagation = Some(Propagation::Orphan);
            }
            let (_, body) = read_body(req).await?;
            if !body.is_empty() {
                let d = parse_body("json", &body)?;
                if let Some(p) = d.get("propagationPolicy").and_then(Value::as_str) {
                    opts.propagation = parse_propagation(Some(p))?;
                }
                if d.get("orphanDependents").and_then(Value::as_bool) == Some(true) {
                    opts.propagation = Some(Propagation::Orphan);
                }
                opts.uid = d.pointer("/preconditions/uid").and_then(Value::as_str).map(str::to_string);
                opts.resource_version =
                    d.pointer("/preconditions/resourceVersion").and_then(Value::as_str).map(str::to_string);
                if let Some(Value::Array(a)) = d.get("dryRun") {
                    opts.dry_run |= a.iter().any(|x| x == "All");
                }
            }
            let out = cluster.write(|s| s.delete(&rt, ns, name, &opts, Now::from_system()))?;
            let code = if out.pointer("/metadata/deletionTimestamp").is_some()
                && cluster.read(|s| s.get(&rt, ns, name).is_some())
            {
                202
            } else {
                200
            };
            Ok(object_response(code, &out, &rt))
        }
        (&Method::DELETE, None) => {
            let (labels, fields) = selectors(&q)?;
            let opts = DeleteOptions {
                dry_run: dry_run(&q)?,
                propagation: parse_propagation(q.get("propagationPolicy"))?,
                ..Default::default()
            };
            let lopts = ListOptions { labels, fields, ..Default::default() };
            let deleted = cluster.write(|s| -> ApiResult<Vec<Arc<Value>>> {
                let names: Vec<(String, String)> = s
                    .list(&rt, p.namespace, &lopts)?
                    .items
                    .iter()
                    .map(|o| {
                        (crate::store::meta::namespace_of(o).to_string(), crate::store::meta::name_of(o).to_string())
                    })
                    .collect();
                names.iter().map(|(n, name)| s.delete(&rt, n, name, &opts, Now::from_system())).collect()
            })?;
            let rv = cluster.read(|s| s.resource_version());
            Ok(super::body_response(200, list_body(&rt, &deleted, rv, None, None)))
        }
        _ => Err(ApiError::MethodNotAllowed),
    }
}

fn parse_propagation(p: Option<&str>) -> ApiResult<Option<Propagation>> {
    match p {
        None | Some("") => Ok(None),
        Some("Background") => Ok(Some(Propagation::Background)),
        Some("Foreground") => Ok(Some(Propagation::Foreground)),
        Some("Orphan") => Ok(Some(Propagation::Orphan)),
        Some(other) => Err(ApiError::BadRequest(format!(
            "propagationPolicy: Unsupported value: \"{other}\": supported values: \"Foreground\", \"Background\", \"Orphan\""
        ))),
    }
}

fn list(cluster: &Cluster, rt: &Arc<ResourceType>, ns: Option<&str>, q: &Query) -> ApiResult<Response<SimBody>> {
    let (labels, fields) = selectors(q)?;
    let limit = match q.get("limit") {
        Some(l) if !l.is_empty() => {
            Some(l.parse::<usize>().map_err(|_| ApiError::BadRequest(format!("limit: invalid value {l:?}")))?)
        }
        _ => None,
    }
    .filter(|l| *l > 0);
    let opts = ListOptions {
        labels,
        fields,
        limit,
        continue_token: q.get("continue").filter(|c| !c.is_empty()).map(str::to_string),
    };
    let r = cluster.read(|s| s.list(rt, ns, &opts))?;
    Ok(super::body_response(200, list_body(rt, &r.items, r.resource_version, r.continue_token.as_deref(), r.remaining)))
}

/// Serialises a list without cloning its items.
pub fn list_body(
    rt: &ResourceType,
    items: &[Arc<Value>],
    rv: u64,
    cont: Option<&str>,
    remaining: Option<usize>,
) -> Vec<u8> {
    let api_version = rt.api_version();
    let mut buf = Vec::with_capacity(256 + items.len() * 512);
    let mut md = serde_json::Map::new();
    md.insert("resourceVersion".into(), Value::String(rv.to_string()));
    if let Some(c) = cont {
        md.insert("continue".into(), Value::String(c.to_string()));
    }
    if let Some(r) = remaining {
        md.insert("remainingItemCount".into(), Value::from(r));
    }
    buf.extend_from_slice(b"{\"kind\":");
    let _ = serde_json::to_writer(&mut buf, &rt.list_kind());
    buf.extend_from_slice(b",\"apiVersion\":");
    let _ = serde_json::to_writer(&mut buf, &api_version);
    buf.extend_from_slice(b",\"metadata\":");
    let _ = serde_json::to_writer(&mut buf, &md);
    buf.extend_from_slice(b",\"items\":[");
    for (i, it) in items.iter().enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        if it.get("apiVersion").and_then(Value::as_str) == Some(&api_version) {
            let _ = serde_json::to_writer(&mut buf, &Wire(it));
        } else {
            let mut o = (**it).clone();
            if let Some(m) = o.as_object_mut() {
                m.insert("apiVersion".into(), Value::String(api_version.clone()));
            }
            let _ = serde_json::to_writer(&mut buf, &Wire(&o));
        }
    }
    buf.extend_from_slice(b"]}");
    buf
}
