//! The HTTP shell: turns requests into store calls and results into
//! Kubernetes-shaped responses. Paths are `/clusters/<name>/<api path>`;
//! `/admin/...` is the fault-injection endpoint.

mod admin;
pub mod body;
pub mod query;
mod resource;
pub mod route;
mod stream;

use crate::cluster::Cluster;
use crate::discovery;
use crate::error::ApiError;
use crate::faults::FaultAction;
use body::SimBody;
use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use route::Route;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// etcd's request size limit, which the apiserver enforces too.
pub const MAX_BODY: usize = 3 * 1024 * 1024;

/// What every connection handler shares.
pub struct Shared {
    pub clusters: HashMap<String, Arc<Cluster>>,
    pub server_address: String,
    pub bookmark_interval: Duration,
}

/// Returned to make hyper drop the connection without an answer.
#[derive(Debug, thiserror::Error)]
#[error("connection refused by fault injection")]
pub struct Refused;

pub fn json_response(code: u16, v: &Value) -> Response<SimBody> {
    let body = serde_json::to_vec(v).unwrap_or_default();
    let mut r = Response::new(SimBody::full(body));
    *r.status_mut() = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut().insert(hyper::header::CONTENT_TYPE, hyper::header::HeaderValue::from_static("application/json"));
    r
}

pub fn error_response(e: &ApiError) -> Response<SimBody> {
    json_response(e.code(), &e.to_status())
}

pub async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Result<Response<SimBody>, Refused> {
    let path = req.uri().path().to_string();
    if let Some(rest) = path.strip_prefix("/admin/") {
        return Ok(admin::handle(&shared, rest, req).await);
    }
    let Some(rest) = path.strip_prefix("/clusters/") else {
        return Ok(error_response(&ApiError::UnknownResource));
    };
    let (name, api_path) = match rest.split_once('/') {
        Some((n, p)) => (n, format!("/{p}")),
        None => (rest, "/".to_string()),
    };
    let Some(cluster) = shared.clusters.get(name).cloned() else {
        return Ok(error_response(&ApiError::UnknownResource));
    };
    let faults = cluster.faults();
    if faults.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(faults.latency_ms)).await;
    }
    match faults.decide() {
        FaultAction::Pass => {}
        FaultAction::Error(code) => {
            let e = if code == 503 {
                ApiError::Unavailable("the server is currently unable to handle the request".into())
            } else {
                ApiError::Internal(
                    "an error on the server (\"simulated fault\") has prevented the request from succeeding".into(),
                )
            };
            let mut r = error_response(&e);
            *r.status_mut() = StatusCode::from_u16(code).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            return Ok(r);
        }
        FaultAction::Refuse => return Err(Refused),
        FaultAction::Hang => {
            // Hold the request until the fault is lifted, then answer normally.
            while cluster.faults().decide() == FaultAction::Hang {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            if cluster.faults().decide() == FaultAction::Refuse {
                return Err(Refused);
            }
        }
    }
    Ok(route_request(&shared, &cluster, &api_path, req).await)
}

async fn route_request(
    shared: &Shared,
    cluster: &Arc<Cluster>,
    api_path: &str,
    req: Request<Incoming>,
) -> Response<SimBody> {
    let route = route::parse(api_path);
    let accept = req.headers().get(hyper::header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
    if matches!(route, Route::CoreVersions | Route::GroupList) && discovery::wants_aggregated(accept) {
        let doc = discovery::aggregated(&cluster.read(|s| s.types().to_vec()), route == Route::CoreVersions);
        let mut r = json_response(200, &doc);
        r.headers_mut().insert(
            hyper::header::CONTENT_TYPE,
            hyper::header::HeaderValue::from_static(discovery::AGGREGATED_CONTENT_TYPE),
        );
        return r;
    }
    let types = || cluster.read(|s| s.types().to_vec());
    let found = |v: Option<Value>| match v {
        Some(v) => json_response(200, &v),
        None => error_response(&ApiError::UnknownResource),
    };
    match route {
        Route::Root => json_response(
            200,
            &serde_json::json!({"paths": ["/api", "/api/v1", "/apis", "/healthz", "/livez", "/readyz", "/version"]}),
        ),
        Route::Version => json_response(200, &discovery::version()),
        Route::Health => {
            let mut r = Response::new(SimBody::full("ok"));
            r.headers_mut().insert(hyper::header::CONTENT_TYPE, hyper::header::HeaderValue::from_static("text/plain"));
            r
        }
        Route::OpenApi => {
            let (types, generation) = cluster.read(|s| (s.types().to_vec(), s.types_generation));
            match api_path.trim_start_matches('/').strip_prefix("openapi/v3") {
                Some("") | Some("/") => json_response(200, &crate::openapi::root(&types, generation)),
                Some(gv) => found(crate::openapi::group_version(&types, gv.trim_start_matches('/'))),
                None => error_response(&ApiError::UnknownResource),
            }
        }
        Route::CoreVersions => json_response(200, &discovery::core_versions(&shared.server_address)),
        Route::GroupList => json_response(200, &discovery::group_list(&types())),
        Route::Group(g) => found(discovery::group(&types(), g)),
        Route::ResourceList { group, version } => found(discovery::resource_list(&types(), group, version)),
        Route::Resource(p) => resource::handle(shared, cluster, p, req).await,
        Route::NotFound => error_response(&ApiError::UnknownResource),
    }
}

/// Reads a request body up to MAX_BODY.
pub async fn read_body(req: Request<Incoming>) -> Result<(hyper::http::request::Parts, Bytes), ApiError> {
    let (parts, body) = req.into_parts();
    let limited = http_body_util::Limited::new(body, MAX_BODY);
    match limited.collect().await {
        Ok(c) => Ok((parts, c.to_bytes())),
        Err(e) if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() => Err(ApiError::TooLarge(MAX_BODY)),
        Err(e) => Err(ApiError::BadRequest(format!("reading request body: {e}"))),
    }
}

pub fn body_response(code: u16, body: Vec<u8>) -> Response<SimBody> {
    let mut r = Response::new(SimBody::full(body));
    *r.status_mut() = StatusCode::from_u16(code).unwrap_or(StatusCode::OK);
    r.headers_mut().insert(hyper::header::CONTENT_TYPE, hyper::header::HeaderValue::from_static("application/json"));
    r
}
