//! Simulated controllers seen through the API: rollouts converge, the
//! `:broken` image convention fails them, Jobs/PVCs/LoadBalancers settle,
//! StatefulSets and DaemonSets get pods, and the scale subresource works.

use crate::{deployment, eventually, start};
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Pod, Service};
use kube::api::{Api, ListParams, Patch, PatchParams};
use serde_json::json;

fn cond(d: &Deployment, ty: &str) -> Option<(String, String)> {
    d.status
        .as_ref()?
        .conditions
        .as_ref()?
        .iter()
        .find(|c| c.type_ == ty)
        .map(|c| (c.status.clone(), c.reason.clone().unwrap_or_default()))
}

#[tokio::test]
async fn deployment_converges_and_rolls_out() {
    let env = start().await;
    let deps: Api<Deployment> = Api::namespaced(env.client.clone(), "default");
    let rss: Api<ReplicaSet> = Api::namespaced(env.client.clone(), "default");
    let pp = PatchParams::apply("convoy").force();
    deps.patch("web", &pp, &Patch::Apply(deployment("web", 3, "nginx:1.27"))).await.unwrap();
    let d = eventually(10, || {
        let deps = deps.clone();
        async move {
            let d = deps.get("web").await.ok()?;
            (d.status.as_ref()?.available_replicas == Some(3)).then_some(d)
        }
    })
    .await;
    let st = d.status.clone().unwrap();
    assert_eq!(
        (st.replicas, st.ready_replicas, st.updated_replicas, st.observed_generation),
        (Some(3), Some(3), Some(3), Some(1))
    );
    assert_eq!(cond(&d, "Available"), Some(("True".into(), "MinimumReplicasAvailable".into())));
    assert_eq!(cond(&d, "Progressing"), Some(("True".into(), "NewReplicaSetAvailable".into())));

    // New template: new ReplicaSet with its own pod-template-hash, old one scaled to 0.
    deps.patch("web", &pp, &Patch::Apply(deployment("web", 3, "nginx:1.28"))).await.unwrap();
    eventually(10, || {
        let deps = deps.clone();
        async move {
            let d = deps.get("web").await.ok()?;
            let st = d.status.as_ref()?;
            (st.observed_generation == Some(2)
                && st.updated_replicas == Some(3)
                && st.replicas == Some(3)
                && st.available_replicas == Some(3))
            .then_some(())
        }
    })
    .await;
    let list = rss.list(&ListParams::default().labels("app=web")).await.unwrap().items;
    assert_eq!(list.len(), 2);
    let mut replicas: Vec<i32> = list.iter().map(|r| r.spec.as_ref().unwrap().replicas.unwrap()).collect();
    replicas.sort();
    assert_eq!(replicas, vec![0, 3]);
    assert!(list.iter().all(|r| r.metadata.labels.as_ref().unwrap().contains_key("pod-template-hash")));

    // The scale subresource (what kubectl scale uses).
    let scale = deps.get_scale("web").await.unwrap();
    assert_eq!(scale.spec.unwrap().replicas, Some(3));
    deps.patch_scale("web", &PatchParams::default(), &Patch::Merge(json!({"spec": {"replicas": 1}}))).await.unwrap();
    assert_eq!(deps.get("web").await.unwrap().spec.unwrap().replicas, Some(1));
    env.sim.stop().await.unwrap();
}

#[tokio::test]
async fn broken_image_exceeds_progress_deadline() {
    let env = start().await;
    let deps: Api<Deployment> = Api::namespaced(env.client.clone(), "default");
    let pods: Api<Pod> = Api::namespaced(env.client.clone(), "default");
    let mut d = deployment("bad", 1, "nginx:broken");
    d["spec"]["progressDeadlineSeconds"] = json!(2);
    deps.patch("bad", &PatchParams::apply("convoy"), &Patch::Apply(d)).await.unwrap();
    let d = eventually(10, || {
        let deps = deps.clone();
        async move {
            let d = deps.get("bad").await.ok()?;
            (cond(&d, "Progressing")?.0 == "False").then_some(d)
        }
    })
    .await;
    assert_eq!(cond(&d, "Progressing").unwrap().1, "ProgressDeadlineExceeded");
    assert_eq!(cond(&d, "Available").unwrap().0, "False");
    let p = pods.list(&ListParams::default().labels("app=bad")).await.unwrap().items;
    let waiting = p[0].status.as_ref().unwrap().container_statuses.as_ref().unwrap()[0]
        .state
        .as_ref()
        .unwrap()
        .waiting
        .clone()
        .unwrap();
    assert_eq!(waiting.reason.as_deref(), Some("CrashLoopBackOff"));
    env.sim.stop().await.unwrap();
}

#[tokio::test]
async fn jobs_pvcs_services_statefulsets_daemonsets() {
    let env = start().await;
    let c = env.client.clone();
    let apply = PatchParams::apply("convoy");
    let job = |name: &str, image: &str| {
        json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name},
        "spec": {"backoffLimit": 1, "template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "j", "image": image}]}}}})
    };
    let jobs: Api<Job> = Api::namespaced(c.clone(), "default");
    jobs.patch("ok", &apply, &Patch::Apply(job("ok", "busybox:1"))).await.unwrap();
    jobs.patch("ko", &apply, &Patch::Apply(job("ko", "busybox:broken"))).await.unwrap();
    let pvcs: Api<PersistentVolumeClaim> = Api::namespaced(c.clone(), "default");
    pvcs.patch(
        "data",
        &apply,
        &Patch::Apply(json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}})),
    )
    .await
    .unwrap();
    let svcs: Api<Service> = Api::namespaced(c.clone(), "default");
    let svc = svcs
        .patch(
            "lb",
            &apply,
            &Patch::Apply(json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "lb"},
        "spec": {"type": "LoadBalancer", "selector": {"app": "x"}, "ports": [{"port": 80}]}})),
        )
        .await
        .unwrap();
    assert!(svc.spec.unwrap().cluster_ip.is_some_and(|ip| ip.starts_with("10.96.")));
    let sts: Api<StatefulSet> = Api::namespaced(c.clone(), "default");
    let mut s = deployment("db", 2, "postgres:16");
    s["kind"] = json!("StatefulSet");
    s["spec"]["serviceName"] = json!("db");
    s["spec"]["volumeClaimTemplates"] = json!([{"metadata": {"name": "pg"}, "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}]);
    sts.patch("db", &apply, &Patch::Apply(s)).await.unwrap();
    let dss: Api<DaemonSet> = Api::namespaced(c.clone(), "default");
    let mut ds = deployment("agent", 1, "fluentbit:3");
    ds["kind"] = json!("DaemonSet");
    ds["spec"].as_object_mut().unwrap().remove("replicas");
    dss.patch("agent", &apply, &Patch::Apply(ds)).await.unwrap();

    eventually(15, || {
        let (jobs, pvcs, svcs, sts, dss) = (jobs.clone(), pvcs.clone(), svcs.clone(), sts.clone(), dss.clone());
        async move {
            let has = |j: &Job, ty: &str| {
                j.status
                    .as_ref()
                    .and_then(|s| s.conditions.as_ref())
                    .is_some_and(|cs| cs.iter().any(|c| c.type_ == ty && c.status == "True"))
            };
            let ok = jobs.get("ok").await.ok()?;
            let ko = jobs.get("ko").await.ok()?;
            let bound = pvcs.get("data").await.ok()?.status?.phase? == "Bound";
            let ingress = svcs.get("lb").await.ok()?.status?.load_balancer?.ingress?.first()?.ip.clone()?;
            let sts_ready = sts.get("db").await.ok()?.status?.ready_replicas == Some(2);
            let ds_ready = dss.get("agent").await.ok()?.status?.number_ready == 1;
            (has(&ok, "Complete")
                && has(&ko, "Failed")
                && bound
                && ingress.starts_with("192.0.2.")
                && sts_ready
                && ds_ready)
                .then_some(())
        }
    })
    .await;
    let pod_pvcs = pvcs.list(&ListParams::default()).await.unwrap().items;
    assert!(pod_pvcs.iter().any(|p| p.metadata.name.as_deref() == Some("pg-db-1")));
    env.sim.stop().await.unwrap();
}
