//! Bundle costs that do not touch the network: signing, verifying, encoding.
//!
//! Run: `cargo bench -p convoy-protocol --bench bundle`

use convoy_protocol::bundle::{AppBundle, Bundle, Manifest};
use convoy_protocol::{BundleSigner, TrustedKeys};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

/// A realistic manifest: a Deployment of about 900 bytes of JSON.
fn deployment(i: usize) -> Manifest {
    let name = format!("svc-{i}");
    let json = format!(
        r#"{{"apiVersion":"apps/v1","kind":"Deployment","metadata":{{"name":"{name}","namespace":"apps","labels":{{"app":"{name}","team":"payments"}},"annotations":{{"argocd.argoproj.io/sync-wave":"0"}}}},"spec":{{"replicas":3,"selector":{{"matchLabels":{{"app":"{name}"}}}},"template":{{"metadata":{{"labels":{{"app":"{name}"}}}},"spec":{{"containers":[{{"name":"app","image":"registry.example/{name}:v1.2.3","ports":[{{"containerPort":8080}}],"resources":{{"requests":{{"cpu":"250m","memory":"256Mi"}},"limits":{{"cpu":"500m","memory":"512Mi"}}}},"readinessProbe":{{"httpGet":{{"path":"/healthz","port":8080}},"initialDelaySeconds":10}},"env":[{{"name":"MODE","value":"production"}},{{"name":"REGION","value":"eu-west-1"}}]}}]}}}}}}}}"#
    );
    Manifest { api_version: "apps/v1".into(), kind: "Deployment".into(), namespace: "apps".into(), name, json }
}

fn bundle_of(manifests: Vec<Manifest>) -> Bundle {
    Bundle {
        cluster: "prod-eu-1".into(),
        generation: 42,
        source_revision: "0123456789abcdef0123456789abcdef01234567".into(),
        created_at_ms: 1_700_000_000_000,
        apps: manifests
            .chunks(50)
            .enumerate()
            .map(|(i, m)| AppBundle { name: format!("app-{i}"), manifests: m.to_vec(), ..Default::default() })
            .collect(),
    }
}

fn sign_and_verify(c: &mut Criterion) {
    let signer = BundleSigner::generate();
    let mut trust = TrustedKeys::new();
    trust.add(signer.verifying_key());
    // About 1 MiB of payload.
    let bundle = bundle_of((0..1440).map(deployment).collect());
    let payload = bundle.encode().unwrap();
    let len = payload.len() as u64;
    assert!((1_000_000..1_100_000).contains(&len), "payload is {len} bytes");
    let signed = signer.sign_payload(payload.clone());

    let mut group = c.benchmark_group("bundle_1mib");
    group.throughput(Throughput::Bytes(len));
    group.bench_function("sign", |b| {
        b.iter_batched(|| payload.clone(), |p| black_box(signer.sign_payload(p)), BatchSize::SmallInput)
    });
    group.bench_function("verify", |b| {
        b.iter_batched(
            || signed.clone(),
            |s| black_box(trust.verify(s, "prod-eu-1", None).unwrap()),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("sign_then_verify", |b| {
        b.iter_batched(
            || payload.clone(),
            |p| black_box(trust.verify(signer.sign_payload(p), "prod-eu-1", None).unwrap()),
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

fn encode_decode(c: &mut Criterion) {
    let bundle = bundle_of((0..10_000).map(deployment).collect());
    let encoded = bundle.encode().unwrap();
    let mut group = c.benchmark_group("bundle_10k_resources");
    group.throughput(Throughput::Bytes(encoded.len() as u64));
    group.sample_size(20);
    group.bench_function("encode", |b| b.iter(|| black_box(bundle.encode().unwrap())));
    group.bench_function("decode", |b| b.iter(|| black_box(Bundle::decode(&encoded).unwrap())));
    group.finish();
}

criterion_group!(benches, sign_and_verify, encode_decode);
criterion_main!(benches);
