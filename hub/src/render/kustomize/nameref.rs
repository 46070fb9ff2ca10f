//! Name references: after prefixes, suffixes, namespaces and hash suffixes
//! have renamed resources, every field that names one of them (kustomize's
//! built-in `nameReference` config) is rewritten to the new name.

use super::fieldspec::visit;
use super::patch::Doc;
use super::resource::{Gvk, ResId, Resource, is_cluster_scoped};

/// One referral kind and the fields that refer to it, as `(referrer kind, referrer group, path)`.
struct Rule {
    kind: &'static str,
    group: &'static str,
    fields: Vec<(&'static str, &'static str, String)>,
}

const POD_WORKLOADS: [(&str, &str); 6] = [
    ("Deployment", "spec/template/spec"),
    ("ReplicaSet", "spec/template/spec"),
    ("DaemonSet", "spec/template/spec"),
    ("StatefulSet", "spec/template/spec"),
    ("Job", "spec/template/spec"),
    ("CronJob", "spec/jobTemplate/spec/template/spec"),
];

fn pod_fields(pod_paths: &[&'static str], extra_rc: bool) -> Vec<(&'static str, &'static str, String)> {
    let mut out = Vec::new();
    let mut holders: Vec<(&'static str, &'static str)> = vec![("Pod", "spec"), ("PodTemplate", "template/spec")];
    holders.extend(POD_WORKLOADS);
    if extra_rc {
        holders.push(("ReplicationController", "spec/template/spec"));
    }
    for (kind, base) in holders {
        for p in pod_paths {
            out.push((kind, "", format!("{base}/{p}")));
        }
    }
    out
}

fn rules() -> Vec<Rule> {
    let scale = |kind| Rule {
        kind,
        group: "",
        fields: vec![("HorizontalPodAutoscaler", "", "spec/scaleTargetRef/name".to_string())],
    };
    let mut config_map = pod_fields(
        &[
            "volumes/configMap/name",
            "containers/env/valueFrom/configMapKeyRef/name",
            "initContainers/env/valueFrom/configMapKeyRef/name",
            "containers/envFrom/configMapRef/name",
            "initContainers/envFrom/configMapRef/name",
            "volumes/projected/sources/configMap/name",
        ],
        false,
    );
    config_map.extend([
        ("Node", "", "spec/configSource/configMap".to_string()),
        ("Role", "", "rules/resourceNames".to_string()),
        ("ClusterRole", "", "rules/resourceNames".to_string()),
        ("Ingress", "", "metadata/annotations/nginx.ingress.kubernetes.io\\/fastcgi-params-configmap".to_string()),
    ]);
    let mut secret = pod_fields(
        &[
            "volumes/secret/secretName",
            "containers/env/valueFrom/secretKeyRef/name",
            "initContainers/env/valueFrom/secretKeyRef/name",
            "containers/envFrom/secretRef/name",
            "initContainers/envFrom/secretRef/name",
            "imagePullSecrets/name",
            "volumes/projected/sources/secret/name",
        ],
        false,
    );
    secret.extend([
        ("Ingress", "", "spec/tls/secretName".to_string()),
        ("Ingress", "", "metadata/annotations/ingress.kubernetes.io\\/auth-secret".to_string()),
        ("Ingress", "", "metadata/annotations/nginx.ingress.kubernetes.io\\/auth-secret".to_string()),
        ("Ingress", "", "metadata/annotations/nginx.ingress.kubernetes.io\\/auth-tls-secret".to_string()),
        ("ServiceAccount", "", "imagePullSecrets/name".to_string()),
        ("StorageClass", "", "parameters/secretName".to_string()),
        ("StorageClass", "", "parameters/adminSecretName".to_string()),
        ("StorageClass", "", "parameters/userSecretName".to_string()),
        ("StorageClass", "", "parameters/secretRef".to_string()),
        ("Role", "", "rules/resourceNames".to_string()),
        ("ClusterRole", "", "rules/resourceNames".to_string()),
        ("PersistentVolume", "", "spec/azureFile/secretName".to_string()),
    ]);
    let mut service_account = pod_fields(&["serviceAccountName"], true);
    service_account.retain(|(k, _, _)| *k != "ReplicaSet" && *k != "PodTemplate");
    service_account.push(("RoleBinding", "rbac.authorization.k8s.io", "subjects".to_string()));
    service_account.push(("ClusterRoleBinding", "rbac.authorization.k8s.io", "subjects".to_string()));
    let mut pvc = pod_fields(&["volumes/persistentVolumeClaim/claimName"], true);
    pvc.retain(|(k, _, _)| *k != "ReplicaSet" && *k != "PodTemplate");
    let mut priority = pod_fields(&["priorityClassName"], true);
    priority.retain(|(k, _, _)| *k != "ReplicaSet" && *k != "PodTemplate");
    vec![
        scale("Deployment"),
        scale("ReplicationController"),
        scale("ReplicaSet"),
        scale("StatefulSet"),
        Rule { kind: "ConfigMap", group: "", fields: config_map },
        Rule { kind: "Secret", group: "", fields: secret },
        Rule {
            kind: "Service",
            group: "",
            fields: vec![
                ("StatefulSet", "apps", "spec/serviceName".into()),
                ("Ingress", "", "spec/rules/http/paths/backend/serviceName".into()),
                ("Ingress", "", "spec/backend/serviceName".into()),
                ("Ingress", "", "spec/rules/http/paths/backend/service/name".into()),
                ("Ingress", "", "spec/defaultBackend/service/name".into()),
                ("APIService", "apiregistration.k8s.io", "spec/service/name".into()),
                (
                    "ValidatingWebhookConfiguration",
                    "admissionregistration.k8s.io",
                    "webhooks/clientConfig/service".into(),
                ),
                (
                    "MutatingWebhookConfiguration",
                    "admissionregistration.k8s.io",
                    "webhooks/clientConfig/service".into(),
                ),
            ],
        },
        Rule {
            kind: "Role",
            group: "rbac.authorization.k8s.io",
            fields: vec![("RoleBinding", "rbac.authorization.k8s.io", "roleRef/name".into())],
        },
        Rule {
            kind: "ClusterRole",
            group: "rbac.authorization.k8s.io",
            fields: vec![
                ("RoleBinding", "rbac.authorization.k8s.io", "roleRef/name".into()),
                ("ClusterRoleBinding", "rbac.authorization.k8s.io", "roleRef/name".into()),
            ],
        },
        Rule { kind: "ServiceAccount", group: "", fields: service_account },
        Rule { kind: "PersistentVolumeClaim", group: "", fields: pvc },
        Rule {
            kind: "PersistentVolume",
            group: "",
            fields: vec![
                ("PersistentVolumeClaim", "", "spec/volumeName".into()),
                ("ClusterRole", "", "rules/resourceNames".into()),
            ],
        },
        Rule {
            kind: "StorageClass",
            group: "storage.k8s.io",
            fields: vec![
                ("PersistentVolume", "", "spec/storageClassName".into()),
                ("PersistentVolumeClaim", "", "spec/storageClassName".into()),
                ("StatefulSet", "", "spec/volumeClaimTemplates/spec/storageClassName".into()),
            ],
        },
        Rule { kind: "PriorityClass", group: "scheduling.k8s.io", fields: priority },
        Rule { kind: "IngressClass", group: "", fields: vec![("Ingress", "", "spec/ingressClassName".into())] },
        Rule {
            kind: "ValidatingAdmissionPolicy",
            group: "admissionregistration.k8s.io",
            fields: vec![(
                "ValidatingAdmissionPolicyBinding",
                "admissionregistration.k8s.io",
                "spec/policyName".into(),
            )],
        },
    ]
}

/// What a referral looks like now, for the referrers to copy.
#[derive(Clone)]
struct Referral {
    kind: String,
    group: String,
    previous: Vec<ResId>,
    name: String,
    namespace: String,
    cluster_scoped: bool,
    prefixes: Vec<String>,
    suffixes: Vec<String>,
}

fn effective(ns: &str) -> &str {
    if ns.is_empty() { "default" } else { ns }
}

/// Rewrites every reference to a renamed resource. A reference that could
/// mean several renamed resources is an error, as in kustomize.
pub fn fix(resources: &mut [Resource]) -> Result<(), String> {
    let referrals: Vec<Referral> = resources
        .iter()
        .filter(|r| !r.previous.is_empty())
        .map(|r| {
            let gvk = Gvk::of(&r.doc);
            Referral {
                kind: gvk.kind.clone(),
                group: gvk.group.clone(),
                previous: r.previous.clone(),
                name: r.name().to_string(),
                namespace: r.namespace().to_string(),
                cluster_scoped: is_cluster_scoped(&gvk),
                prefixes: r.prefixes.clone(),
                suffixes: r.suffixes.clone(),
            }
        })
        .collect();
    if referrals.is_empty() {
        return Ok(());
    }
    let ambiguous = std::cell::RefCell::new(None::<String>);
    for rule in rules() {
        let candidates: Vec<&Referral> = referrals
            .iter()
            .filter(|c| c.kind == rule.kind && (rule.group.is_empty() || c.group == rule.group))
            .collect();
        if candidates.is_empty() {
            continue;
        }
        for r in resources.iter_mut() {
            let gvk = Gvk::of(&r.doc);
            let referrer_ns = r.namespace().to_string();
            let referrer_cluster = is_cluster_scoped(&gvk);
            let (prefixes, suffixes) = (r.prefixes.clone(), r.suffixes.clone());
            let r_name = r.name().to_string();
            for (kind, group, path) in &rule.fields {
                if *kind != gvk.kind || (!group.is_empty() && *group != gvk.group) {
                    continue;
                }
                let choose = |old: &str, subject_ns: Option<&str>| -> Option<Referral> {
                    let found: Vec<&Referral> = candidates
                        .iter()
                        .copied()
                        .filter(|c| c.previous.iter().any(|p| p.name == old))
                        .filter(|c| match subject_ns {
                            Some(ns) => {
                                c.previous.iter().any(|p| p.name == old && effective(&p.namespace) == effective(ns))
                            }
                            None => {
                                referrer_cluster
                                    || c.cluster_scoped
                                    || c.kind == "ServiceAccount"
                                    || effective(&c.namespace) == effective(&referrer_ns)
                            }
                        })
                        .collect();
                    let chosen = pick(&found, &prefixes, &suffixes);
                    if chosen.is_none() && found.len() > 1 {
                        let names: Vec<String> = found.iter().map(|c| format!("{}/{}", c.kind, c.name)).collect();
                        ambiguous.borrow_mut().get_or_insert_with(|| {
                            format!("{} {}: {path} {old:?} could refer to {}", gvk.kind, r_name, names.join(", "))
                        });
                    }
                    chosen
                };
                let is_role_ref = path.ends_with("roleRef/name");
                let role_ref_kind =
                    r.doc.get("roleRef").and_then(|x| x.get("kind")).and_then(Doc::as_str).map(str::to_string);
                if is_role_ref && role_ref_kind.as_deref() != Some(rule.kind) {
                    continue;
                }
                let ns_of_referrer = referrer_ns.clone();
                visit(&mut r.doc, path, false, &mut |node| match node {
                    Doc::String(old) => {
                        if let Some(c) = choose(old, None) {
                            *old = c.name.clone();
                        }
                    }
                    Doc::Mapping(map) if path.as_str() == "subjects" => {
                        if map.get("kind").and_then(Doc::as_str) != Some("ServiceAccount") {
                            return;
                        }
                        let Some(old) = map.get("name").and_then(Doc::as_str).map(str::to_string) else { return };
                        let ns = map.get("namespace").and_then(Doc::as_str).unwrap_or(&ns_of_referrer).to_string();
                        if let Some(c) = choose(&old, Some(&ns)) {
                            map.insert("name".into(), Doc::String(c.name.clone()));
                            if !c.namespace.is_empty() {
                                map.insert("namespace".into(), Doc::String(c.namespace.clone()));
                            }
                        }
                    }
                    Doc::Mapping(map) => {
                        let Some(old) = map.get("name").and_then(Doc::as_str).map(str::to_string) else { return };
                        let ns = map.get("namespace").and_then(Doc::as_str).unwrap_or("").to_string();
                        if let Some(c) = choose(&old, Some(&ns)) {
                            map.insert("name".into(), Doc::String(c.name.clone()));
                            if map.contains_key("namespace") {
                                map.insert("namespace".into(), Doc::String(c.namespace.clone()));
                            }
                        }
                    }
                    _ => {}
                });
            }
        }
    }
    match ambiguous.into_inner() {
        Some(e) => Err(format!("found multiple possible referrals: {e}")),
        None => Ok(()),
    }
}

/// Narrows candidates as kustomize does: one left wins; otherwise those with
/// the referrer's prefixes and suffixes.
fn pick(found: &[&Referral], prefixes: &[String], suffixes: &[String]) -> Option<Referral> {
    if found.len() == 1 {
        return Some(found[0].clone());
    }
    let same = |allow_empty: bool| -> Vec<&Referral> {
        found
            .iter()
            .copied()
            .filter(|c| {
                let p = (allow_empty && (c.prefixes.is_empty() || prefixes.is_empty()))
                    || same_ending(&c.prefixes, prefixes);
                let s = (allow_empty && (c.suffixes.is_empty() || suffixes.is_empty()))
                    || same_ending(&c.suffixes, suffixes);
                p && s
            })
            .collect()
    };
    let mut narrowed = same(true);
    if narrowed.len() > 1 {
        narrowed = same(false);
    }
    match narrowed.as_slice() {
        [one] => Some((*one).clone()),
        [first, rest @ ..] if rest.iter().all(|c| c.name == first.name) => Some((*first).clone()),
        _ => None,
    }
}

/// Whether the shorter list equals the end of the longer one.
fn same_ending(a: &[String], b: &[String]) -> bool {
    let n = a.len().min(b.len());
    a[a.len() - n..] == b[b.len() - n..]
}
