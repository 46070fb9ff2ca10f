//! Defaulting as the apiserver does it on every write, for the fields health
//! checks and kubectl read. Defaults are idempotent, so re-applying an
//! unchanged manifest yields exactly the stored object.

use serde_json::{Map, Value, json};

fn obj(v: &mut Value) -> Option<&mut Map<String, Value>> {
    v.as_object_mut()
}

fn set_default(m: &mut Map<String, Value>, key: &str, v: Value) {
    if m.get(key).is_none_or(Value::is_null) {
        m.insert(key.to_string(), v);
    }
}

fn child<'a>(m: &'a mut Map<String, Value>, key: &str) -> Option<&'a mut Map<String, Value>> {
    m.get_mut(key).and_then(Value::as_object_mut)
}

fn default_container(c: &mut Value) {
    let Some(c) = obj(c) else { return };
    set_default(c, "terminationMessagePath", json!("/dev/termination-log"));
    set_default(c, "terminationMessagePolicy", json!("File"));
    let image = c.get("image").and_then(Value::as_str).unwrap_or("");
    let last = image.rsplit('/').next().unwrap_or("");
    let pull = if image.contains('@') || (last.contains(':') && !last.ends_with(":latest")) {
        "IfNotPresent"
    } else {
        "Always"
    };
    set_default(c, "imagePullPolicy", json!(pull));
    set_default(c, "resources", json!({}));
    if let Some(ports) = c.get_mut("ports").and_then(Value::as_array_mut) {
        for p in ports.iter_mut().filter_map(Value::as_object_mut) {
            set_default(p, "protocol", json!("TCP"));
        }
    }
}

pub fn default_pod_spec(spec: &mut Map<String, Value>, restart: &str) {
    set_default(spec, "restartPolicy", json!(restart));
    set_default(spec, "terminationGracePeriodSeconds", json!(30));
    set_default(spec, "dnsPolicy", json!("ClusterFirst"));
    set_default(spec, "securityContext", json!({}));
    set_default(spec, "schedulerName", json!("default-scheduler"));
    for list in ["containers", "initContainers"] {
        if let Some(cs) = spec.get_mut(list).and_then(Value::as_array_mut) {
            cs.iter_mut().for_each(default_container);
        }
    }
}

fn default_template(spec: &mut Map<String, Value>, restart: &str) {
    if let Some(t) = child(spec, "template")
        && let Some(ps) = child(t, "spec")
    {
        default_pod_spec(ps, restart);
    }
}

/// Applies the kind's defaults in place. `kind` is the object's Kind.
pub fn apply_defaults(kind: &str, o: &mut Value) {
    let Some(root) = obj(o) else { return };
    match kind {
        "Deployment" => {
            let Some(spec) = child(root, "spec") else { return };
            set_default(spec, "replicas", json!(1));
            set_default(spec, "revisionHistoryLimit", json!(10));
            set_default(spec, "progressDeadlineSeconds", json!(600));
            set_default(spec, "strategy", json!({"type": "RollingUpdate"}));
            if let Some(st) = child(spec, "strategy")
                && st.get("type").and_then(Value::as_str) == Some("RollingUpdate")
            {
                set_default(st, "rollingUpdate", json!({}));
                if let Some(ru) = child(st, "rollingUpdate") {
                    set_default(ru, "maxUnavailable", json!("25%"));
                    set_default(ru, "maxSurge", json!("25%"));
                }
            }
            default_template(spec, "Always");
        }
        "ReplicaSet" => {
            let Some(spec) = child(root, "spec") else { return };
            set_default(spec, "replicas", json!(1));
            default_template(spec, "Always");
        }
        "StatefulSet" => {
            let Some(spec) = child(root, "spec") else { return };
            set_default(spec, "replicas", json!(1));
            set_default(spec, "podManagementPolicy", json!("OrderedReady"));
            set_default(spec, "revisionHistoryLimit", json!(10));
            set_default(spec, "updateStrategy", json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}));
            set_default(
                spec,
                "persistentVolumeClaimRetentionPolicy",
                json!({"whenDeleted": "Retain", "whenScaled": "Retain"}),
            );
            default_template(spec, "Always");
        }
        "DaemonSet" => {
            let Some(spec) = child(root, "spec") else { return };
            set_default(spec, "revisionHistoryLimit", json!(10));
            set_default(
                spec,
                "updateStrategy",
                json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}}),
            );
            default_template(spec, "Always");
        }
        "Job" => {
            let Some(spec) = child(root, "spec") else { return };
            set_default(spec, "backoffLimit", json!(6));
            set_default(spec, "completions", json!(1));
            set_default(spec, "parallelism", json!(1));
            set_default(spec, "completionMode", json!("NonIndexed"));
            set_default(spec, "suspend", json!(false));
            set_default(spec, "podReplacementPolicy", json!("TerminatingOrFailed"));
            set_default(spec, "manualSelector", json!(false));
            default_template(spec, "Never");
        }
        "CronJob" => {
            let Some(spec) = child(root, "spec") else { return };
            set_default(spec, "concurrencyPolicy", json!("Allow"));
            set_default(spec, "suspend", json!(false));
            set_default(spec, "successfulJobsHistoryLimit", json!(3));
            set_default(spec, "failedJobsHistoryLimit", json!(1));
            if let Some(jt) = child(spec, "jobTemplate")
                && let Some(js) = child(jt, "spec")
            {
                default_template(js, "Never");
            }
        }
        "Pod" => {
            if let Some(spec) = child(root, "spec") {
                default_pod_spec(spec, "Always");
            }
        }
        "Service" => default_service(root),
        "Namespace" => {
            set_default(root, "spec", json!({"finalizers": ["kubernetes"]}));
            let name = root.pointer_name();
            if let Some(md) = child(root, "metadata") {
                set_default(md, "labels", json!({}));
                if let Some(l) = child(md, "labels") {
                    set_default(l, "kubernetes.io/metadata.name", json!(name));
                }
            }
        }
        "PersistentVolumeClaim" => {
            if let Some(spec) = child(root, "spec") {
                set_default(spec, "volumeMode", json!("Filesystem"));
            }
        }
        "Secret" => {
            set_default(root, "type", json!("Opaque"));
            if let Some(Value::Object(sd)) = root.remove("stringData") {
                use base64::Engine;
                let data = root.entry("data").or_insert_with(|| json!({}));
                if let Some(d) = data.as_object_mut() {
                    for (k, v) in sd {
                        let s = v.as_str().unwrap_or("");
                        d.insert(k, json!(base64::engine::general_purpose::STANDARD.encode(s)));
                    }
                }
            }
        }
        _ => {}
    }
}

trait NameOf {
    fn pointer_name(&self) -> String;
}

impl NameOf for Map<String, Value> {
    fn pointer_name(&self) -> String {
        self.get("metadata").and_then(|m| m.get("name")).and_then(Value::as_str).unwrap_or("").to_string()
    }
}

fn default_service(root: &mut Map<String, Value>) {
    let Some(spec) = child(root, "spec") else { return };
    set_default(spec, "type", json!("ClusterIP"));
    let ty = spec.get("type").and_then(Value::as_str).unwrap_or("ClusterIP").to_string();
    if ty == "ExternalName" {
        return;
    }
    set_default(spec, "sessionAffinity", json!("None"));
    set_default(spec, "ipFamilies", json!(["IPv4"]));
    set_default(spec, "ipFamilyPolicy", json!("SingleStack"));
    set_default(spec, "internalTrafficPolicy", json!("Cluster"));
    if ty == "LoadBalancer" || ty == "NodePort" {
        set_default(spec, "externalTrafficPolicy", json!("Cluster"));
    }
    if ty == "LoadBalancer" {
        set_default(spec, "allocateLoadBalancerNodePorts", json!(true));
    }
    if let Some(ports) = spec.get_mut("ports").and_then(Value::as_array_mut) {
        for p in ports.iter_mut().filter_map(Value::as_object_mut) {
            set_default(p, "protocol", json!("TCP"));
            if let Some(port) = p.get("port").cloned() {
                set_default(p, "targetPort", port);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deployment_defaults_are_idempotent() {
        let mut d = json!({"spec": {"template": {"spec": {"containers": [{"name": "a", "image": "nginx:1.27", "ports": [{"containerPort": 80}]}]}}}});
        apply_defaults("Deployment", &mut d);
        assert_eq!(d["spec"]["replicas"], 1);
        assert_eq!(d["spec"]["progressDeadlineSeconds"], 600);
        assert_eq!(d["spec"]["strategy"]["rollingUpdate"]["maxSurge"], "25%");
        let c = &d["spec"]["template"]["spec"]["containers"][0];
        assert_eq!(c["imagePullPolicy"], "IfNotPresent");
        assert_eq!(c["ports"][0]["protocol"], "TCP");
        let again = {
            let mut x = d.clone();
            apply_defaults("Deployment", &mut x);
            x
        };
        assert_eq!(again, d);
    }

    #[test]
    fn secret_string_data_is_encoded() {
        let mut s = json!({"stringData": {"k": "v"}});
        apply_defaults("Secret", &mut s);
        assert_eq!(s, json!({"type": "Opaque", "data": {"k": "dg=="}}));
    }
}
