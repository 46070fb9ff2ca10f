//! Services, PVCs, Ingresses, HPAs, APIServices, CRDs, and custom resources
//! that report standard conditions.

use super::{Health, condition, int, str_at};
use convoy_protocol::status::HealthState::{Degraded, Healthy, Progressing, Unknown};
use serde_json::Value;

fn has_lb_ingress(v: &Value) -> bool {
    v.pointer("/status/loadBalancer/ingress").and_then(Value::as_array).is_some_and(|a| !a.is_empty())
}

pub fn service(s: &Value) -> Health {
    if str_at(s, "/spec/type") == "LoadBalancer" && !has_lb_ingress(s) {
        return Health::new(Progressing, "");
    }
    Health::new(Healthy, "")
}

pub fn ingress(i: &Value) -> Health {
    Health::new(if has_lb_ingress(i) { Healthy } else { Progressing }, "")
}

pub fn pvc(p: &Value) -> Health {
    let state = match str_at(p, "/status/phase") {
        "Lost" => Degraded,
        "Pending" => Progressing,
        "Bound" => Healthy,
        _ => Unknown,
    };
    Health::new(state, "")
}

const HPA_DEGRADED: &[(&str, &str)] = &[
    ("AbleToScale", "FailedGetScale"),
    ("AbleToScale", "FailedUpdateScale"),
    ("ScalingActive", "FailedGetResourceMetric"),
    ("ScalingActive", "FailedGetObjectMetric"),
    ("ScalingActive", "FailedGetPodsMetric"),
    ("ScalingActive", "FailedGetExternalMetric"),
    ("ScalingActive", "FailedComputeMetricsReplicas"),
    ("ScalingActive", "InvalidSelector"),
];

pub fn hpa(h: &Value) -> Health {
    // autoscaling/v1 keeps its conditions in an annotation.
    let from_annotation;
    let conditions: &[Value] = match h.pointer("/status/conditions").and_then(Value::as_array) {
        Some(c) => c,
        None => {
            match h.pointer("/metadata/annotations/autoscaling.alpha.kubernetes.io~1conditions").and_then(Value::as_str)
            {
                Some(text) => {
                    from_annotation = serde_json::from_str::<Vec<Value>>(text).unwrap_or_default();
                    &from_annotation
                }
                None => &[],
            }
        }
    };
    let field = |c: &Value, k: &str| c[k].as_str().unwrap_or_default().to_string();
    if let Some(c) =
        conditions.iter().find(|c| HPA_DEGRADED.iter().any(|(t, r)| field(c, "type") == *t && field(c, "reason") == *r))
    {
        return Health::new(Degraded, field(c, "message"));
    }
    if let Some(c) = conditions
        .iter()
        .find(|c| ["AbleToScale", "ScalingLimited"].contains(&field(c, "type").as_str()) && c["status"] == "True")
    {
        return Health::new(Healthy, field(c, "message"));
    }
    Health::new(Progressing, "Waiting to Autoscale")
}

pub fn apiservice(a: &Value) -> Health {
    match condition(a, "Available") {
        Some(c) => {
            let message =
                format!("{}: {}", c["reason"].as_str().unwrap_or_default(), c["message"].as_str().unwrap_or_default());
            Health::new(if c["status"] == "True" { Healthy } else { Progressing }, message)
        }
        None => Health::new(Progressing, "Waiting for APIService to become available"),
    }
}

/// Argo CD's bundled CRD rule.
pub fn crd(c: &Value) -> Health {
    let conditions = c.pointer("/status/conditions").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    if conditions.is_empty() {
        return Health::new(Progressing, "Status conditions not found");
    }
    let mut established = false;
    for cond in conditions {
        let (t, s, msg) = (
            cond["type"].as_str().unwrap_or_default(),
            cond["status"].as_str().unwrap_or_default(),
            cond["message"].as_str().unwrap_or_default(),
        );
        match (t, s) {
            ("Terminating", "True") => return Health::new(Progressing, format!("CRD is terminating: {msg}")),
            ("NamesAccepted", "False") => {
                return Health::new(Degraded, format!("CRD names have not been accepted: {msg}"));
            }
            ("NonStructuralSchema", "True") => return Health::new(Degraded, format!("Schema violations found: {msg}")),
            ("Established", "True") => established = true,
            ("Established", _) if cond["reason"] == "Installing" => {
                return Health::new(Progressing, "CRD is being installed");
            }
            _ => {}
        }
    }
    if !established {
        return Health::new(Degraded, "CRD is not established");
    }
    Health::new(Healthy, "CRD is healthy")
}

/// Any other object that reports standard conditions (kstatus conventions).
pub fn conditions(o: &Value) -> Option<Health> {
    let list = o.pointer("/status/conditions").and_then(Value::as_array).filter(|l| !l.is_empty())?;
    let find = |t: &str| list.iter().find(|c| c["type"] == t);
    let msg = |c: &Value| c["message"].as_str().or(c["reason"].as_str()).unwrap_or_default().to_string();
    let observed = o.pointer("/status/observedGeneration").and_then(Value::as_i64);
    if let Some(observed) = observed
        && int(o, "/metadata/generation") > observed
    {
        return Some(Health::new(Progressing, "Waiting for the controller to observe the latest generation"));
    }
    if let Some(c) = find("Stalled").filter(|c| c["status"] == "True") {
        return Some(Health::new(Degraded, msg(c)));
    }
    if let Some(c) = find("Reconciling").filter(|c| c["status"] == "True") {
        return Some(Health::new(Progressing, msg(c)));
    }
    let ready = find("Ready").or_else(|| find("Available"))?;
    Some(match ready["status"].as_str() {
        Some("True") => Health::new(Healthy, msg(ready)),
        Some("False") => Health::new(Progressing, msg(ready)),
        _ => Health::new(Unknown, msg(ready)),
    })
}
