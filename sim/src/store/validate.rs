//! The validation the apiserver does before storing, reduced to the checks
//! that catch real mistakes in manifests: names, labels, pod templates,
//! selectors and service ports. Failures become 422 Invalid.

use super::meta::{self, DNS1123_LABEL_MSG, DNS1123_SUBDOMAIN_MSG};
use crate::error::{ApiError, ApiResult};
use crate::resources::ResourceType;
use crate::selectors::LabelSelector;
use serde_json::Value;

fn invalid(rt: &ResourceType, name: &str, field: &str, msg: String) -> ApiError {
    ApiError::invalid(rt, name, field, msg)
}

fn valid_label_value(v: &str) -> bool {
    v.len() <= 63
        && v.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        && v.bytes().next().is_none_or(|b| b.is_ascii_alphanumeric())
        && v.bytes().last().is_none_or(|b| b.is_ascii_alphanumeric())
}

fn valid_label_key(k: &str) -> bool {
    let (prefix, name) = match k.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, k),
    };
    prefix.is_none_or(meta::is_dns1123_subdomain) && !name.is_empty() && valid_label_value(name)
}

pub fn validate_name(rt: &ResourceType, name: &str) -> ApiResult<()> {
    if name.is_empty() {
        return Err(invalid(rt, name, "metadata.name", "Required value: name or generateName is required".into()));
    }
    let ok = match rt.kind.as_str() {
        "Namespace" | "Service" => meta::is_dns1123_label(name),
        // RBAC names are path segments ("system:controller:x" is valid).
        _ if rt.group == "rbac.authorization.k8s.io" => {
            !name.contains('/') && !name.contains('%') && name != "." && name != ".."
        }
        _ => meta::is_dns1123_subdomain(name),
    };
    if ok {
        return Ok(());
    }
    let msg =
        if matches!(rt.kind.as_str(), "Namespace" | "Service") { DNS1123_LABEL_MSG } else { DNS1123_SUBDOMAIN_MSG };
    Err(invalid(rt, name, "metadata.name", format!("Invalid value: \"{name}\": {msg}")))
}

fn validate_pod_spec(rt: &ResourceType, name: &str, spec: Option<&Value>, path: &str) -> ApiResult<()> {
    let containers = spec.and_then(|s| s.get("containers")).and_then(Value::as_array);
    let Some(containers) = containers.filter(|c| !c.is_empty()) else {
        return Err(invalid(rt, name, &format!("{path}.containers"), "Required value".into()));
    };
    for (i, c) in containers.iter().enumerate() {
        let cname = c.get("name").and_then(Value::as_str).unwrap_or("");
        if !meta::is_dns1123_label(cname) {
            return Err(invalid(
                rt,
                name,
                &format!("{path}.containers[{i}].name"),
                format!("Invalid value: \"{cname}\": {DNS1123_LABEL_MSG}"),
            ));
        }
        if c.get("image").and_then(Value::as_str).is_none_or(str::is_empty) {
            return Err(invalid(rt, name, &format!("{path}.containers[{i}].image"), "Required value".into()));
        }
    }
    Ok(())
}

pub fn validate(rt: &ResourceType, obj: &Value) -> ApiResult<()> {
    let name = meta::name_of(obj);
    validate_name(rt, name)?;
    if let Some(labels) = obj.pointer("/metadata/labels") {
        let Some(labels) = labels.as_object() else {
            return Err(invalid(rt, name, "metadata.labels", "Invalid value: must be a map of strings".into()));
        };
        for (k, v) in labels {
            let Some(v) = v.as_str() else {
                return Err(invalid(
                    rt,
                    name,
                    &format!("metadata.labels[{k}]"),
                    "Invalid value: must be a string".into(),
                ));
            };
            if !valid_label_key(k) || !valid_label_value(v) {
                return Err(invalid(
                    rt,
                    name,
                    "metadata.labels",
                    format!(
                        "Invalid value: \"{v}\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
                    ),
                ));
            }
        }
    }
    if let Some(a) = obj.pointer("/metadata/annotations")
        && !a.as_object().is_some_and(|m| m.values().all(Value::is_string))
    {
        return Err(invalid(rt, name, "metadata.annotations", "Invalid value: must be a map of strings".into()));
    }
    if rt.group == "apiextensions.k8s.io" {
        return Ok(());
    }
    match (rt.group.as_str(), rt.kind.as_str()) {
        ("apps", "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet") => {
            let sel = obj.pointer("/spec/selector");
            let Some(sel) = sel.filter(|s| s.is_object()) else {
                return Err(invalid(rt, name, "spec.selector", "Required value".into()));
            };
            let selector = LabelSelector::from_object(sel);
            if selector.is_empty() {
                return Err(invalid(
                    rt,
                    name,
                    "spec.selector",
                    "Invalid value: empty selector is invalid for deployment".into(),
                ));
            }
            let labels = obj.pointer("/spec/template/metadata/labels").and_then(Value::as_object);
            if !selector.matches(labels) {
                return Err(invalid(
                    rt,
                    name,
                    "spec.template.metadata.labels",
                    "Invalid value: `selector` does not match template `labels`".into(),
                ));
            }
            validate_pod_spec(rt, name, obj.pointer("/spec/template/spec"), "spec.template.spec")?;
            if obj.pointer("/spec/replicas").and_then(Value::as_i64).is_some_and(|r| r < 0) {
                return Err(invalid(
                    rt,
                    name,
                    "spec.replicas",
                    "Invalid value: must be greater than or equal to 0".into(),
                ));
            }
        }
        ("batch", "Job") => {
            validate_pod_spec(rt, name, obj.pointer("/spec/template/spec"), "spec.template.spec")?;
            let rp = obj.pointer("/spec/template/spec/restartPolicy").and_then(Value::as_str);
            if rp == Some("Always") {
                return Err(invalid(
                    rt,
                    name,
                    "spec.template.spec.restartPolicy",
                    "Unsupported value: \"Always\": supported values: \"OnFailure\", \"Never\"".into(),
                ));
            }
        }
        ("", "Pod") => validate_pod_spec(rt, name, obj.get("spec"), "spec")?,
        ("", "Service") => {
            let ty = obj.pointer("/spec/type").and_then(Value::as_str).unwrap_or("ClusterIP");
            let ports = obj.pointer("/spec/ports").and_then(Value::as_array);
            if ty != "ExternalName"
                && ports.is_none_or(Vec::is_empty)
                && obj.pointer("/spec/clusterIP").and_then(Value::as_str) != Some("None")
            {
                return Err(invalid(rt, name, "spec.ports", "Required value".into()));
            }
            for (i, p) in ports.into_iter().flatten().enumerate() {
                let port = p.get("port").and_then(Value::as_i64).unwrap_or(0);
                if !(1..=65535).contains(&port) {
                    return Err(invalid(
                        rt,
                        name,
                        &format!("spec.ports[{i}].port"),
                        format!("Invalid value: {port}: must be between 1 and 65535, inclusive"),
                    ));
                }
            }
        }
        ("", "ConfigMap" | "Secret") => {
            for field in ["data", "binaryData"] {
                if let Some(d) = obj.get(field)
                    && !d.as_object().is_some_and(|m| m.values().all(Value::is_string))
                {
                    return Err(invalid(rt, name, field, "Invalid value: must be a map of strings".into()));
                }
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::BUILTIN_TYPES;
    use serde_json::json;

    fn rt(kind: &str) -> ResourceType {
        BUILTIN_TYPES.iter().find(|t| t.kind == kind).map(|t| (**t).clone()).unwrap()
    }

    #[test]
    fn rejects_bad_names_and_templates() {
        let e = validate(&rt("ConfigMap"), &json!({"metadata": {"name": "Bad_Name"}})).unwrap_err();
        assert_eq!(e.code(), 422);
        assert!(e.to_string().starts_with("ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value"));
        let d = json!({"metadata": {"name": "d"}, "spec": {"selector": {"matchLabels": {"a": "b"}},
            "template": {"metadata": {"labels": {"a": "c"}}, "spec": {"containers": [{"name": "x", "image": "i"}]}}}});
        assert!(validate(&rt("Deployment"), &d).is_err());
        assert!(validate(&rt("ClusterRole"), &json!({"metadata": {"name": "system:x"}})).is_ok());
    }
}
