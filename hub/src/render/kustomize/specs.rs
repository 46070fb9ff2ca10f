//! kustomize's built-in field specs for labels, annotations and replicas
//! (its `builtinpluginconsts`), as tables.

use super::fieldspec::FieldSpec;

const fn fs(kind: &'static str, path: &'static str, create: bool) -> FieldSpec {
    FieldSpec::new(kind, path, create)
}
const fn gfs(group: &'static str, kind: &'static str, path: &'static str, create: bool) -> FieldSpec {
    FieldSpec::grouped(group, kind, path, create)
}
const fn vfs(kind: &'static str, path: &'static str, create: bool) -> FieldSpec {
    FieldSpec { group: "", version: "v1", kind, path, create }
}

/// Labels on metadata and pod templates (`templateLabels`).
pub const METADATA_LABELS: &[FieldSpec] = &[
    fs("", "metadata/labels", true),
    vfs("ReplicationController", "spec/template/metadata/labels", true),
    fs("Deployment", "spec/template/metadata/labels", true),
    fs("ReplicaSet", "spec/template/metadata/labels", true),
    fs("DaemonSet", "spec/template/metadata/labels", true),
    gfs("apps", "StatefulSet", "spec/template/metadata/labels", true),
    gfs("batch", "Job", "spec/template/metadata/labels", true),
    gfs("batch", "CronJob", "spec/jobTemplate/metadata/labels", true),
    gfs("batch", "CronJob", "spec/jobTemplate/spec/template/metadata/labels", true),
];

const AFFINITY: [&str; 5] = [
    "spec/template/spec/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels",
    "spec/template/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
    "spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels",
    "spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
    "spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels",
];

/// Selector fields `commonLabels` (and `includeSelectors`) also write.
pub const SELECTOR_LABELS: &[FieldSpec] = &[
    vfs("Service", "spec/selector", true),
    vfs("ReplicationController", "spec/selector", true),
    fs("Deployment", "spec/selector/matchLabels", true),
    gfs("apps", "Deployment", AFFINITY[0], false),
    gfs("apps", "Deployment", AFFINITY[1], false),
    gfs("apps", "Deployment", AFFINITY[2], false),
    gfs("apps", "Deployment", AFFINITY[3], false),
    gfs("apps", "Deployment", AFFINITY[4], false),
    fs("ReplicaSet", "spec/selector/matchLabels", true),
    fs("DaemonSet", "spec/selector/matchLabels", true),
    gfs("apps", "StatefulSet", "spec/selector/matchLabels", true),
    gfs("apps", "StatefulSet", AFFINITY[0], false),
    gfs("apps", "StatefulSet", AFFINITY[1], false),
    gfs("apps", "StatefulSet", AFFINITY[2], false),
    gfs("apps", "StatefulSet", AFFINITY[3], false),
    gfs("apps", "StatefulSet", AFFINITY[4], false),
    gfs("batch", "Job", "spec/selector/matchLabels", false),
    gfs("batch", "CronJob", "spec/jobTemplate/spec/selector/matchLabels", false),
    gfs("policy", "PodDisruptionBudget", "spec/selector/matchLabels", false),
    gfs("networking.k8s.io", "NetworkPolicy", "spec/podSelector/matchLabels", false),
    gfs("networking.k8s.io", "NetworkPolicy", "spec/ingress/from/podSelector/matchLabels", false),
    gfs("networking.k8s.io", "NetworkPolicy", "spec/egress/to/podSelector/matchLabels", false),
];

/// Labels on StatefulSet volume claim templates (part of `commonLabels`).
pub const VOLUME_CLAIM_LABELS: &[FieldSpec] =
    &[gfs("apps", "StatefulSet", "spec/volumeClaimTemplates[]/metadata/labels", true)];

/// Where `commonAnnotations` writes.
pub const ANNOTATIONS: &[FieldSpec] = &[
    fs("", "metadata/annotations", true),
    vfs("ReplicationController", "spec/template/metadata/annotations", true),
    fs("Deployment", "spec/template/metadata/annotations", true),
    fs("ReplicaSet", "spec/template/metadata/annotations", true),
    fs("DaemonSet", "spec/template/metadata/annotations", true),
    fs("StatefulSet", "spec/template/metadata/annotations", true),
    gfs("batch", "Job", "spec/template/metadata/annotations", true),
    gfs("batch", "CronJob", "spec/jobTemplate/metadata/annotations", true),
    gfs("batch", "CronJob", "spec/jobTemplate/spec/template/metadata/annotations", true),
];

/// Where `replicas` writes.
pub const REPLICAS: &[FieldSpec] = &[
    fs("Deployment", "spec/replicas", true),
    fs("ReplicationController", "spec/replicas", true),
    fs("ReplicaSet", "spec/replicas", true),
    fs("StatefulSet", "spec/replicas", true),
];
