//! Bad requests get Kubernetes-shaped errors and leave the state untouched.

use crate::start;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A raw HTTP/1.1 request on loopback, for bodies no typed client would send.
async fn raw(base: &str, method: &str, path: &str, ct: &str, body: &[u8]) -> (u16, Value) {
    let addr = base.trim_start_matches("http://");
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "{method} /clusters/cluster-1{path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: {ct}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).await.unwrap();
    // The server may answer (413) before reading all of a huge body.
    let _ = s.write_all(body).await;
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out).await;
    let text = String::from_utf8_lossy(&out).to_string();
    let code = text.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let json = text.split("\r\n\r\n").nth(1).and_then(|b| serde_json::from_str(b).ok()).unwrap_or(Value::Null);
    (code, json)
}

#[tokio::test]
async fn bad_bodies_names_kinds_and_sizes() {
    let env = start().await;
    let base = env.sim.base_url();
    let cms = "/api/v1/namespaces/default/configmaps";
    let ok = br#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"fine"},"data":{"a":"b"}}"#;
    assert_eq!(raw(&base, "POST", cms, "application/json", ok).await.0, 201);
    let before = raw(&base, "GET", cms, "", b"").await.1;

    let (code, st) = raw(&base, "POST", cms, "application/json", b"{not json").await;
    assert_eq!((code, st["reason"].as_str()), (400, Some("BadRequest")));
    assert_eq!(st["kind"], "Status");
    let (code, _) = raw(&base, "POST", cms, "application/json", b"[1,2]").await;
    assert_eq!(code, 400);
    let (code, _) =
        raw(&base, "PATCH", &format!("{cms}/fine?fieldManager=m"), "application/apply-patch+yaml", b"a: [unclosed")
            .await;
    assert_eq!(code, 400);
    let (code, _) = raw(
        &base,
        "PATCH",
        &format!("{cms}/fine"),
        "application/json-patch+json",
        br#"[{"op":"remove","path":"/nope"}]"#,
    )
    .await;
    assert_eq!(code, 422);
    let (code, _) = raw(&base, "PATCH", &format!("{cms}/fine"), "text/plain", b"x").await;
    assert_eq!(code, 415);

    let (code, st) = raw(
        &base,
        "POST",
        cms,
        "application/json",
        br#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"Bad_Name"}}"#,
    )
    .await;
    assert_eq!(code, 422);
    assert!(st["message"].as_str().unwrap().starts_with("ConfigMap \"Bad_Name\" is invalid: metadata.name"), "{st}");
    let (code, _) =
        raw(&base, "POST", cms, "application/json", br#"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"x"}}"#)
            .await;
    assert_eq!(code, 400, "kind must match the URL");
    let (code, _) = raw(
        &base,
        "POST",
        cms,
        "application/json",
        br#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x","namespace":"other"}}"#,
    )
    .await;
    assert_eq!(code, 400, "namespace must match the URL");
    let (code, st) = raw(&base, "POST", "/api/v1/namespaces/nope/configmaps", "application/json", ok).await;
    assert_eq!((code, st["message"].as_str()), (404, Some("namespaces \"nope\" not found")));

    let (code, st) = raw(&base, "GET", "/apis/example.com/v1/namespaces/default/widgets", "", b"").await;
    assert_eq!((code, st["reason"].as_str()), (404, Some("NotFound")));
    let (code, _) = raw(&base, "GET", "/api/v1/namespaces/default/namespaces", "", b"").await;
    assert_eq!(code, 404, "cluster-scoped kind under a namespace");
    let (code, _) = raw(&base, "GET", &format!("{cms}?labelSelector=a%20in%20b"), "", b"").await;
    assert_eq!(code, 400);

    let mut huge = br#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"huge"},"data":{"a":""#.to_vec();
    huge.extend(std::iter::repeat_n(b'x', 4 * 1024 * 1024));
    huge.extend(br#""}}"#);
    let (code, st) = raw(&base, "POST", cms, "application/json", &huge).await;
    assert_eq!(code, 413, "{st}");

    let after = raw(&base, "GET", cms, "", b"").await.1;
    assert_eq!(before["items"], after["items"], "rejected writes changed nothing");
    env.sim.stop().await.unwrap();
}

#[tokio::test]
async fn crd_adds_and_removes_a_kind() {
    use kube::api::{Api, DeleteParams, DynamicObject, Patch, PatchParams};
    use kube::discovery::{ApiResource, Discovery};
    let env = start().await;
    let crd = serde_json::json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "shortNames": ["wd"]},
            "versions": [{"name": "v1", "served": true, "storage": true, "subresources": {"status": {}},
                "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}]}
    });
    let crds: Api<DynamicObject> = Api::all_with(
        env.client.clone(),
        &ApiResource::from_gvk_with_plural(
            &kube::api::GroupVersionKind::gvk("apiextensions.k8s.io", "v1", "CustomResourceDefinition"),
            "customresourcedefinitions",
        ),
    );
    let created = crds.patch("widgets.example.com", &PatchParams::apply("convoy"), &Patch::Apply(crd)).await.unwrap();
    let conds = created.data["status"]["conditions"].as_array().unwrap().clone();
    assert!(conds.iter().any(|c| c["type"] == "Established" && c["status"] == "True"));
    assert!(conds.iter().any(|c| c["type"] == "NamesAccepted" && c["status"] == "True"));

    let gvk = kube::api::GroupVersionKind::gvk("example.com", "v1", "Widget");
    let d = Discovery::new(env.client.clone()).run().await.unwrap();
    let (ar, _) = d.resolve_gvk(&gvk).expect("Widget discovered");
    let widgets: Api<DynamicObject> = Api::namespaced_with(env.client.clone(), "default", &ar);
    let w = serde_json::json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w1"}, "spec": {"size": 3, "items": [1, 2]}, "status": {"x": 1}});
    let got = widgets.patch("w1", &PatchParams::apply("convoy"), &Patch::Apply(w)).await.unwrap();
    assert_eq!(got.data["spec"]["size"], 3);
    assert!(got.data.get("status").is_none(), "status is a subresource: not set through apply");
    assert_eq!(got.metadata.generation, Some(1));

    crds.delete("widgets.example.com", &DeleteParams::default()).await.unwrap();
    let d = Discovery::new(env.client.clone()).run().await.unwrap();
    assert!(d.resolve_gvk(&gvk).is_none(), "kind gone from discovery");
    let err = widgets.get("w1").await.unwrap_err();
    assert!(matches!(&err, kube::Error::Api(e) if e.code == 404), "{err:?}");
    env.sim.stop().await.unwrap();
}
