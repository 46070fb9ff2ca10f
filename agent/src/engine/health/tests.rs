use super::*;
use convoy_protocol::status::HealthState::*;
use serde_json::json;

fn h(v: Value) -> (HealthState, String) {
    let r = assess(&v).expect("has a health notion");
    (r.state, r.message)
}

fn deploy(spec_replicas: i64, status: Value) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "generation": 2},
           "spec": {"replicas": spec_replicas}, "status": status})
}

#[test]
fn deployments_through_a_rollout() {
    assert_eq!(h(deploy(3, json!({"observedGeneration": 1}))).0, Progressing, "generation not observed yet");
    assert_eq!(
        h(deploy(3, json!({"observedGeneration": 2, "replicas": 3, "updatedReplicas": 1, "availableReplicas": 1}))),
        (Progressing, "Waiting for rollout to finish: 1 out of 3 new replicas have been updated...".into())
    );
    assert_eq!(
        h(deploy(3, json!({"observedGeneration": 2, "replicas": 4, "updatedReplicas": 3, "availableReplicas": 3}))).1,
        "Waiting for rollout to finish: 1 old replicas are pending termination..."
    );
    assert_eq!(
        h(deploy(3, json!({"observedGeneration": 2, "replicas": 3, "updatedReplicas": 3, "availableReplicas": 2}))).1,
        "Waiting for rollout to finish: 2 of 3 updated replicas are available..."
    );
    assert_eq!(
        h(deploy(3, json!({"observedGeneration": 2, "replicas": 3, "updatedReplicas": 3, "availableReplicas": 3}))).0,
        Healthy
    );
    let stuck = deploy(
        3,
        json!({"observedGeneration": 2, "replicas": 3, "updatedReplicas": 3, "availableReplicas": 0,
        "conditions": [{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}]}),
    );
    assert_eq!(h(stuck), (Degraded, "Deployment \"web\" exceeded its progress deadline".into()));
    let mut paused = deploy(1, json!({}));
    paused["spec"]["paused"] = json!(true);
    assert_eq!(h(paused).0, Suspended);
}

#[test]
fn statefulsets_daemonsets_replicasets() {
    let sts = |status: Value, strategy: Value| {
        json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db", "generation": 1},
               "spec": {"replicas": 2, "updateStrategy": strategy}, "status": status})
    };
    assert_eq!(h(sts(json!({}), json!({"type": "RollingUpdate"}))).0, Progressing);
    assert_eq!(
        h(sts(json!({"observedGeneration": 1, "readyReplicas": 1}), json!({"type": "RollingUpdate"}))).1,
        "Waiting for 1 pods to be ready..."
    );
    let done = json!({"observedGeneration": 1, "readyReplicas": 2, "currentReplicas": 2, "updatedReplicas": 2, "currentRevision": "db-1", "updateRevision": "db-1"});
    assert_eq!(
        h(sts(done.clone(), json!({"type": "RollingUpdate"}))),
        (Healthy, "statefulset rolling update complete 2 pods at revision db-1...".into())
    );
    let mut rolling = done.clone();
    rolling["updateRevision"] = json!("db-2");
    assert_eq!(h(sts(rolling, json!({"type": "RollingUpdate"}))).0, Progressing);

    let ds = json!({"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent", "generation": 1},
        "status": {"observedGeneration": 1, "desiredNumberScheduled": 3, "updatedNumberScheduled": 3, "numberAvailable": 2}});
    assert_eq!(h(ds).1, "Waiting for daemon set \"agent\" rollout to finish: 2 of 3 updated pods are available...");

    let rs = json!({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"generation": 1}, "spec": {"replicas": 2},
        "status": {"observedGeneration": 1, "availableReplicas": 2}});
    assert_eq!(h(rs).0, Healthy);
}

#[test]
fn pods_jobs_cronjobs() {
    let crash = json!({"apiVersion": "v1", "kind": "Pod", "spec": {}, "status": {"phase": "Running",
        "containerStatuses": [{"name": "app", "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s restarting failed container"}}}]}});
    assert_eq!(h(crash), (Degraded, "back-off 5m0s restarting failed container".into()));
    let ready = json!({"apiVersion": "v1", "kind": "Pod", "spec": {}, "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}});
    assert_eq!(h(ready).0, Healthy);
    let failed = json!({"apiVersion": "v1", "kind": "Pod", "spec": {"restartPolicy": "Never"}, "status": {"phase": "Failed",
        "containerStatuses": [{"name": "job", "state": {"terminated": {"exitCode": 3}}}]}});
    assert_eq!(h(failed), (Degraded, "container \"job\" failed with exit code 3".into()));

    let job = |conds: Value| json!({"apiVersion": "batch/v1", "kind": "Job", "status": {"conditions": conds}});
    assert_eq!(h(job(json!([]))).0, Progressing);
    assert_eq!(h(job(json!([{"type": "Complete", "status": "True", "message": "done"}]))), (Healthy, "done".into()));
    assert_eq!(
        h(job(json!([{"type": "Failed", "status": "True", "message": "BackoffLimitExceeded"}]))),
        (Degraded, "BackoffLimitExceeded".into())
    );

    let cron = |status: Value| json!({"apiVersion": "batch/v1", "kind": "CronJob", "spec": {}, "status": status});
    assert_eq!(h(json!({"apiVersion": "batch/v1", "kind": "CronJob", "spec": {}})).0, Progressing);
    assert_eq!(h(cron(json!({}))).1, "CronJob has not been scheduled yet");
    assert_eq!(
        h(cron(json!({"lastScheduleTime": "2026-01-02T00:00:00Z", "lastSuccessfulTime": "2026-01-01T00:00:00Z"}))).0,
        Degraded
    );
    assert_eq!(
        h(cron(json!({"lastScheduleTime": "2026-01-02T00:00:00Z", "lastSuccessfulTime": "2026-01-02T00:01:00Z"}))).0,
        Healthy
    );
}

#[test]
fn services_pvcs_ingresses_hpas_apiservices_crds() {
    let lb = |ingress: Value| json!({"apiVersion": "v1", "kind": "Service", "spec": {"type": "LoadBalancer"}, "status": {"loadBalancer": {"ingress": ingress}}});
    assert_eq!(h(lb(json!([]))).0, Progressing);
    assert_eq!(h(lb(json!([{"ip": "192.0.2.10"}]))).0, Healthy);
    assert_eq!(h(json!({"apiVersion": "v1", "kind": "Service", "spec": {"type": "ClusterIP"}})).0, Healthy);
    assert_eq!(
        h(json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "status": {"phase": "Pending"}})).0,
        Progressing
    );
    assert_eq!(
        h(json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "status": {"phase": "Bound"}})).0,
        Healthy
    );
    assert_eq!(h(json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "status": {}})).0, Progressing);

    let hpa = |conds: Value| json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "status": {"conditions": conds}});
    assert_eq!(h(hpa(json!([{"type": "AbleToScale", "status": "True", "message": "ok"}]))), (Healthy, "ok".into()));
    assert_eq!(h(hpa(json!([{"type": "ScalingActive", "status": "False", "reason": "FailedGetResourceMetric", "message": "no metrics"}]))).0, Degraded);
    let v1 = json!({"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
        "metadata": {"annotations": {"autoscaling.alpha.kubernetes.io/conditions": "[{\"type\":\"AbleToScale\",\"status\":\"True\",\"message\":\"m\"}]"}}});
    assert_eq!(h(v1).0, Healthy);
    assert_eq!(h(hpa(json!([]))), (Progressing, "Waiting to Autoscale".into()));

    let api = json!({"apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService", "status": {"conditions": [{"type": "Available", "status": "False", "reason": "MissingEndpoints", "message": "none"}]}});
    assert_eq!(h(api), (Progressing, "MissingEndpoints: none".into()));

    let crd = |conds: Value| json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", "status": {"conditions": conds}});
    assert_eq!(
        h(crd(json!([{"type": "Established", "status": "True"}, {"type": "NamesAccepted", "status": "True"}]))),
        (Healthy, "CRD is healthy".into())
    );
    assert_eq!(h(crd(json!([{"type": "NamesAccepted", "status": "False", "message": "clash"}]))).0, Degraded);
    assert_eq!(h(crd(json!([]))).0, Progressing);
}

#[test]
fn custom_resources_with_conditions_and_the_rest() {
    let cr = |conds: Value| json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"generation": 1}, "status": {"observedGeneration": 1, "conditions": conds}});
    assert_eq!(h(cr(json!([{"type": "Ready", "status": "True", "message": "ready"}]))), (Healthy, "ready".into()));
    assert_eq!(
        h(cr(json!([{"type": "Ready", "status": "False", "reason": "Provisioning"}]))),
        (Progressing, "Provisioning".into())
    );
    assert_eq!(h(cr(json!([{"type": "Stalled", "status": "True", "message": "bad spec"}]))).0, Degraded);
    assert!(assess(&json!({"apiVersion": "v1", "kind": "ConfigMap"})).is_none(), "no health notion");
    let deleting =
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"deletionTimestamp": "2026-01-01T00:00:00Z"}});
    assert_eq!(h(deleting), (Progressing, "Pending deletion".into()));
}

#[test]
fn app_health_is_the_worst() {
    assert_eq!(worst([&Healthy, &Progressing, &Suspended]), Progressing);
    assert_eq!(worst([&Healthy, &Degraded, &Missing]), Degraded);
    assert_eq!(worst([&Healthy, &Unknown]), Unknown);
    assert_eq!(worst(std::iter::empty()), Healthy);
}
