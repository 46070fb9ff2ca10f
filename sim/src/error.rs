//! Kubernetes-shaped API errors: every failure a handler can produce maps to a
//! `Status` body with the same `reason`/`code` pair a real kube-apiserver uses,
//! so kubectl and kube-rs print their usual messages.

use serde_json::{Value, json};

/// One field-manager conflict found by server-side apply.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    pub manager: String,
    pub api_version: String,
    pub field: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{resource} \"{name}\" not found")]
    NotFound { resource: String, name: String, kind: String, group: String },
    #[error("{resource} \"{name}\" already exists")]
    AlreadyExists { resource: String, name: String, kind: String, group: String },
    #[error("Operation cannot be fulfilled on {resource} \"{name}\": {reason}")]
    Conflict { resource: String, name: String, kind: String, group: String, reason: String },
    #[error("{}", apply_conflict_message(.0))]
    ApplyConflict(Vec<Conflict>),
    #[error("{kind} \"{name}\" is invalid: {}", .causes.iter().map(|(f, m)| format!("{f}: {m}")).collect::<Vec<_>>().join(", "))]
    Invalid { kind: String, group: String, name: String, causes: Vec<(String, String)> },
    #[error("{0}")]
    BadRequest(String),
    #[error("the server could not find the requested resource")]
    UnknownResource,
    #[error("the server does not allow this method on the requested resource")]
    MethodNotAllowed,
    #[error("the body of the request was in an unknown format - accepted media types include: {0}")]
    UnsupportedMediaType(String),
    #[error("Request entity too large: limit is {0}")]
    TooLarge(usize),
    #[error("too old resource version: {requested} ({oldest})")]
    Gone { requested: u64, oldest: u64 },
    #[error("{0}")]
    Internal(String),
    #[error("{0}")]
    Unavailable(String),
}

fn apply_conflict_message(conflicts: &[Conflict]) -> String {
    let n = conflicts.len();
    let plural = if n == 1 { "" } else { "s" };
    let mut msg = format!("Apply failed with {n} conflict{plural}: ");
    if n == 1 {
        let c = &conflicts[0];
        msg.push_str(&format!("conflict with \"{}\" using {}: {}", c.manager, c.api_version, c.field));
        return msg;
    }
    let mut by_manager: Vec<(&str, &str, Vec<&str>)> = Vec::new();
    for c in conflicts {
        match by_manager.iter_mut().find(|(m, _, _)| *m == c.manager) {
            Some(entry) => entry.2.push(&c.field),
            None => by_manager.push((&c.manager, &c.api_version, vec![&c.field])),
        }
    }
    let parts: Vec<String> = by_manager
        .iter()
        .map(|(m, v, fields)| {
            let list: Vec<String> = fields.iter().map(|f| format!("- {f}")).collect();
            format!("conflicts with \"{m}\" using {v}:\n{}", list.join("\n"))
        })
        .collect();
    msg.push_str(&parts.join("\n"));
    msg
}

impl ApiError {
    pub fn not_found(rt: &crate::resources::ResourceType, name: &str) -> Self {
        ApiError::NotFound {
            resource: rt.qualified_plural(),
            name: name.to_string(),
            kind: rt.plural.clone(),
            group: rt.group.clone(),
        }
    }

    pub fn already_exists(rt: &crate::resources::ResourceType, name: &str) -> Self {
        ApiError::AlreadyExists {
            resource: rt.qualified_plural(),
            name: name.to_string(),
            kind: rt.plural.clone(),
            group: rt.group.clone(),
        }
    }

    pub fn conflict(rt: &crate::resources::ResourceType, name: &str, reason: &str) -> Self {
        ApiError::Conflict {
            resource: rt.qualified_plural(),
            name: name.to_string(),
            kind: rt.plural.clone(),
            group: rt.group.clone(),
            reason: reason.to_string(),
        }
    }

    pub fn invalid(rt: &crate::resources::ResourceType, name: &str, field: &str, msg: String) -> Self {
        let kind = if rt.group.is_empty() { rt.kind.clone() } else { format!("{}.{}", rt.kind, rt.group) };
        ApiError::Invalid {
            kind,
            group: rt.group.clone(),
            name: name.to_string(),
            causes: vec![(field.to_string(), msg)],
        }
    }

    pub fn code(&self) -> u16 {
        match self {
            ApiError::NotFound { .. } | ApiError::UnknownResource => 404,
            ApiError::AlreadyExists { .. } | ApiError::Conflict { .. } | ApiError::ApplyConflict(_) => 409,
            ApiError::Invalid { .. } => 422,
            ApiError::BadRequest(_) => 400,
            ApiError::MethodNotAllowed => 405,
            ApiError::UnsupportedMediaType(_) => 415,
            ApiError::TooLarge(_) => 413,
            ApiError::Gone { .. } => 410,
            ApiError::Internal(_) => 500,
            ApiError::Unavailable(_) => 503,
        }
    }

    fn reason(&self) -> &'static str {
        match self {
            ApiError::NotFound { .. } | ApiError::UnknownResource => "NotFound",
            ApiError::AlreadyExists { .. } => "AlreadyExists",
            ApiError::Conflict { .. } | ApiError::ApplyConflict(_) => "Conflict",
            ApiError::Invalid { .. } => "Invalid",
            ApiError::BadRequest(_) => "BadRequest",
            ApiError::MethodNotAllowed => "MethodNotAllowed",
            ApiError::UnsupportedMediaType(_) => "UnsupportedMediaType",
            ApiError::TooLarge(_) => "RequestEntityTooLarge",
            ApiError::Gone { .. } => "Expired",
            ApiError::Internal(_) => "InternalError",
            ApiError::Unavailable(_) => "ServiceUnavailable",
        }
    }

    /// The `metav1.Status` body for this error.
    pub fn to_status(&self) -> Value {
        let mut status = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.to_string(),
            "reason": self.reason(),
            "code": self.code(),
        });
        let details = match self {
            ApiError::NotFound { name, kind, group, .. }
            | ApiError::AlreadyExists { name, kind, group, .. }
            | ApiError::Conflict { name, kind, group, .. } => Some(json!({"name": name, "group": group, "kind": kind})),
            ApiError::Invalid { kind, group, name, causes } => {
                let short_kind = kind.split('.').next().unwrap_or(kind);
                let causes: Vec<Value> = causes
                    .iter()
                    .map(|(f, m)| json!({"reason": "FieldValueInvalid", "message": m, "field": f}))
                    .collect();
                Some(json!({"name": name, "group": group, "kind": short_kind, "causes": causes}))
            }
            ApiError::ApplyConflict(conflicts) => {
                let causes: Vec<Value> = conflicts
                    .iter()
                    .map(|c| {
                        json!({
                            "reason": "FieldManagerConflict",
                            "message": format!("conflict with \"{}\" using {}", c.manager, c.api_version),
                            "field": c.field,
                        })
                    })
                    .collect();
                Some(json!({"causes": causes}))
            }
            _ => None,
        };
        if let (Some(d), Some(obj)) = (details, status.as_object_mut()) {
            obj.insert("details".into(), d);
        }
        status
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
