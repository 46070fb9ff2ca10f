//! Placing evaluated apps on clusters: resolve each app's destination,
//! enforce its AppProject, refuse empty renders without `allowEmpty`, and
//! report resources two apps on one cluster both claim. An app with a
//! problem keeps its conditions and ships nothing.

use super::Condition;
use super::evaluate::{EvaluatedApp, Evaluation};
use super::scope::{Scopes, group_of};
use crate::apps::SyncPolicy;
use crate::inventory::{Cluster, IN_CLUSTER_NAME, IN_CLUSTER_SERVER};
use crate::projects::AppProject;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// One app as a cluster gets it.
#[derive(Debug, Clone)]
pub struct PlannedApp {
    pub name: String,
    pub project: String,
    pub namespace: String,
    pub revision: String,
    pub sync_policy: SyncPolicy,
    pub ignore_differences: Vec<Value>,
    pub preserve_resources_on_deletion: bool,
    pub objects: Arc<Vec<Value>>,
    pub conditions: Vec<Condition>,
}

impl PlannedApp {
    /// Whether the app goes out (it has no blocking condition).
    pub fn ships(&self) -> bool {
        self.conditions.iter().all(Condition::is_warning)
    }
}

#[derive(Debug, Clone)]
pub struct ClusterPlan {
    pub cluster: Cluster,
    pub apps: Vec<PlannedApp>,
}

#[derive(Debug, Default)]
pub struct Plan {
    pub clusters: Vec<ClusterPlan>,
    /// Apps whose destination is no registered cluster.
    pub unplaced: Vec<PlannedApp>,
    pub errors: Vec<String>,
}

pub fn plan(eval: &Evaluation, clusters: &[Cluster], in_cluster: Option<&str>) -> Plan {
    let by_name: HashMap<&str, &Cluster> = clusters.iter().map(|c| (c.name.as_str(), c)).collect();
    let by_server: HashMap<&str, &Cluster> = clusters.iter().map(|c| (c.server.as_str(), c)).collect();
    let local = in_cluster.and_then(|n| by_name.get(n).copied());
    let default_project = AppProject::default_project();
    let mut per_cluster: BTreeMap<String, Vec<PlannedApp>> =
        clusters.iter().map(|c| (c.name.clone(), Vec::new())).collect();
    let mut out = Plan { errors: eval.errors.clone(), ..Default::default() };

    for e in eval.apps.iter().filter(|e| !e.meta) {
        let mut planned = planned(e);
        let dest = &e.app.destination;
        let cluster =
            match (dest.name.as_deref().filter(|n| !n.is_empty()), dest.server.as_deref().filter(|s| !s.is_empty())) {
                (Some(IN_CLUSTER_NAME), _) | (None, Some(IN_CLUSTER_SERVER)) => local,
                (Some(name), _) => by_name.get(name).copied(),
                (None, Some(server)) => by_server.get(server).copied(),
                (None, None) => None,
            };
        let Some(cluster) = cluster else {
            let target = dest.name.clone().or(dest.server.clone()).unwrap_or_default();
            let hint = if target == IN_CLUSTER_NAME || target == IN_CLUSTER_SERVER {
                "; set inCluster in the hub configuration to the cluster it stands for"
            } else {
                ""
            };
            planned.conditions.push(Condition::new(
                "InvalidSpecError",
                format!("destination cluster {target} is not a registered cluster{hint}"),
            ));
            out.unplaced.push(planned);
            continue;
        };
        let project = match e.app.project.as_str() {
            name if eval.projects.contains_key(name) => &eval.projects[name],
            "default" => &default_project,
            name => {
                planned.conditions.push(Condition::new(
                    "InvalidSpecError",
                    format!("Application referencing project {name} which does not exist"),
                ));
                per_cluster.entry(cluster.name.clone()).or_default().push(planned);
                continue;
            }
        };
        enforce(e, project, cluster, &mut planned);
        if planned.objects.is_empty() && !e.app.sync_policy.allow_empty && planned.ships() {
            planned.conditions.push(Condition::new(
                "SyncError",
                "the app renders zero resources; it is not shipped as empty unless syncPolicy.automated.allowEmpty is true",
            ));
        }
        per_cluster.entry(cluster.name.clone()).or_default().push(planned);
    }

    for c in clusters {
        let mut apps = per_cluster.remove(&c.name).unwrap_or_default();
        apps.sort_by(|a, b| a.name.cmp(&b.name));
        report_shared_resources(&mut apps);
        out.clusters.push(ClusterPlan { cluster: c.clone(), apps });
    }
    out
}

fn planned(e: &EvaluatedApp) -> PlannedApp {
    PlannedApp {
        name: e.app.name.clone(),
        project: e.app.project.clone(),
        namespace: e.app.destination.namespace.clone(),
        revision: e.revision.clone(),
        sync_policy: e.app.sync_policy.clone(),
        ignore_differences: e.app.ignore_differences.clone(),
        // Argo CD deletes an app's resources with it only when the app carries
        // the resources finalizer (ApplicationSets add it unless they preserve).
        preserve_resources_on_deletion: !e.app.raw["metadata"]["finalizers"]
            .as_array()
            .is_some_and(|f| f.iter().any(|x| x == crate::appset::render::RESOURCES_FINALIZER)),
        objects: e.objects.clone(),
        conditions: e.conditions.clone(),
    }
}

fn enforce(e: &EvaluatedApp, project: &AppProject, cluster: &Cluster, planned: &mut PlannedApp) {
    for s in &e.app.sources {
        if !project.source_permitted(&s.repo_url) {
            planned.conditions.push(Condition::new(
                "InvalidSpecError",
                format!("application repo {} is not permitted in project '{}'", s.repo_url, project.name),
            ));
        }
    }
    let ns = &e.app.destination.namespace;
    if !project.destination_permitted(&cluster.name, &cluster.server, ns) {
        planned.conditions.push(Condition::new(
            "InvalidSpecError",
            format!(
                "application destination {{{} {}}} is not permitted in project '{}'",
                cluster.server, ns, project.name
            ),
        ));
    }
    let refs: Vec<&Value> = e.objects.iter().collect();
    let scopes = Scopes::new(&refs);
    for o in e.objects.iter() {
        let api = o["apiVersion"].as_str().unwrap_or_default();
        let kind = o["kind"].as_str().unwrap_or_default();
        let name = o["metadata"]["name"].as_str().unwrap_or_default();
        let group = group_of(api);
        let namespaced = scopes.is_namespaced(group, kind);
        if !project.resource_permitted(group, kind, name, namespaced) {
            let scope = if namespaced { "namespace" } else { "cluster" };
            planned.conditions.push(Condition::new(
                "InvalidSpecError",
                format!(
                    "resource {group}:{kind} is not permitted in project {} ({scope}-scoped kinds list)",
                    project.name
                ),
            ));
        } else if namespaced {
            let obj_ns = o["metadata"]["namespace"].as_str().filter(|n| !n.is_empty()).unwrap_or(ns);
            if obj_ns != ns && !project.destination_permitted(&cluster.name, &cluster.server, obj_ns) {
                planned.conditions.push(Condition::new(
                    "InvalidSpecError",
                    format!("{kind}/{name}: namespace {obj_ns} is not permitted in project '{}'", project.name),
                ));
            }
        }
    }
}

/// Marks apps that claim a resource an earlier app (by name) already holds
/// on the same cluster; the later app ships nothing until it is resolved.
fn report_shared_resources(apps: &mut [PlannedApp]) {
    let mut owner: HashMap<(String, String, String, String), String> = HashMap::new();
    for app in apps.iter_mut() {
        if !app.ships() {
            continue;
        }
        let mut clashes = Vec::new();
        let mut mine = Vec::new();
        for o in app.objects.iter() {
            let key = (
                group_of(o["apiVersion"].as_str().unwrap_or_default()).to_string(),
                o["kind"].as_str().unwrap_or_default().to_string(),
                o["metadata"]["namespace"].as_str().filter(|n| !n.is_empty()).unwrap_or(&app.namespace).to_string(),
                o["metadata"]["name"].as_str().unwrap_or_default().to_string(),
            );
            match owner.get(&key) {
                Some(other) if *other != app.name => {
                    clashes.push(format!("{}/{}/{} (also in {other})", key.1, key.2, key.3))
                }
                _ => mine.push(key),
            }
        }
        if clashes.is_empty() {
            for key in mine {
                owner.insert(key, app.name.clone());
            }
        } else {
            app.conditions.push(Condition::new(
                "SharedResourceError",
                format!("resources claimed by another app on this cluster: {}", clashes.join(", ")),
            ));
        }
    }
}
