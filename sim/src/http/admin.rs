//! The admin endpoint for fault injection and controller tuning:
//! `GET|PUT|DELETE /admin/clusters/<name>/faults` (body: `Faults` JSON) and
//! `PUT /admin/clusters/<name>/ready-delay` (body: `{"ms": N}`).

use super::body::SimBody;
use super::{Shared, error_response, json_response, read_body};
use crate::error::ApiError;
use crate::faults::Faults;
use hyper::body::Incoming;
use hyper::{Method, Request, Response};
use serde_json::{Value, json};
use std::time::Duration;

pub async fn handle(shared: &Shared, rest: &str, req: Request<Incoming>) -> Response<SimBody> {
    match handle_inner(shared, rest, req).await {
        Ok(r) => r,
        Err(e) => error_response(&e),
    }
}

async fn handle_inner(shared: &Shared, rest: &str, req: Request<Incoming>) -> Result<Response<SimBody>, ApiError> {
    if rest.trim_end_matches('/') == "clusters" {
        let mut names: Vec<&String> = shared.clusters.keys().collect();
        names.sort();
        return Ok(json_response(200, &json!({"clusters": names})));
    }
    let mut parts = rest.trim_end_matches('/').split('/');
    let (Some("clusters"), Some(name), Some(what), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ApiError::UnknownResource);
    };
    let cluster = shared.clusters.get(name).ok_or(ApiError::UnknownResource)?;
    let method = req.method().clone();
    match (what, method) {
        ("faults", Method::GET) => {
            Ok(json_response(200, &serde_json::to_value(cluster.faults()).unwrap_or(Value::Null)))
        }
        ("faults", Method::DELETE) => {
            cluster.set_faults(Faults::default());
            Ok(json_response(200, &serde_json::to_value(Faults::default()).unwrap_or(Value::Null)))
        }
        ("faults", Method::PUT | Method::POST) => {
            let (_, body) = read_body(req).await?;
            let f: Faults =
                serde_json::from_slice(&body).map_err(|e| ApiError::BadRequest(format!("invalid faults: {e}")))?;
            cluster.set_faults(f.clone());
            Ok(json_response(200, &serde_json::to_value(f).unwrap_or(Value::Null)))
        }
        ("ready-delay", Method::PUT | Method::POST) => {
            let (_, body) = read_body(req).await?;
            let v: Value =
                serde_json::from_slice(&body).map_err(|e| ApiError::BadRequest(format!("invalid body: {e}")))?;
            let ms = v
                .get("ms")
                .and_then(Value::as_u64)
                .ok_or_else(|| ApiError::BadRequest("expected {\"ms\": N}".into()))?;
            cluster.set_ready_delay(Duration::from_millis(ms));
            Ok(json_response(200, &json!({"ms": ms})))
        }
        _ => Err(ApiError::MethodNotAllowed),
    }
}
