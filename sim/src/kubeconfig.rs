//! kubeconfig files pointing kube-rs or kubectl at one simulated cluster:
//! context, cluster and user are all named after the cluster.

use base64::Engine;
use serde_json::json;

/// Renders a kubeconfig for `cluster` served at `server` (with its path
/// prefix). `ca_pem` is set when serving TLS.
pub fn render(cluster: &str, server: &str, ca_pem: Option<&str>) -> String {
    let mut c = json!({"server": server});
    if let Some(ca) = ca_pem {
        c["certificate-authority-data"] = json!(base64::engine::general_purpose::STANDARD.encode(ca));
    }
    let doc = json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": cluster, "cluster": c}],
        "users": [{"name": cluster, "user": {"token": "convoy-sim"}}],
        "contexts": [{"name": cluster, "context": {"cluster": cluster, "user": cluster, "namespace": "default"}}],
        "current-context": cluster,
        "preferences": {},
    });
    serde_norway::to_string(&doc).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_context_named_after_cluster() {
        let y = render("cluster-1", "https://127.0.0.1:1/clusters/cluster-1", Some("PEM"));
        let v: serde_json::Value = serde_norway::from_str(&y).unwrap();
        assert_eq!(v["current-context"], "cluster-1");
        assert_eq!(v["clusters"][0]["cluster"]["certificate-authority-data"], "UEVN");
    }
}
