//! Reading the desired state: root sources hold Applications,
//! ApplicationSets and AppProjects; every Application is rendered, and the
//! Argo CD objects it renders (app-of-apps) are interpreted in turn, never
//! shipped. An Application name seen twice is a duplicate, or a cycle when
//! it is its own ancestor.

use super::Condition;
use super::cache::RenderCache;
use crate::apps::{Application, DirectoryOptions, Source};
use crate::appset::ApplicationSet;
use crate::config::RootSource;
use crate::inventory::Cluster;
use crate::manifest::{Origin, type_of};
use crate::projects::AppProject;
use crate::render::directory;
use crate::repo::RepoReader;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// An Application and what it renders to.
#[derive(Debug, Clone)]
pub struct EvaluatedApp {
    pub app: Application,
    /// Who defined it: a root, an ApplicationSet or a parent Application.
    pub defined_by: String,
    /// The commit(s) its sources were read at.
    pub revision: String,
    /// Rendered objects to ship (Argo CD objects removed).
    pub objects: Arc<Vec<Value>>,
    /// Whether it renders only Argo CD objects (a pure app-of-apps parent).
    pub meta: bool,
    pub conditions: Vec<Condition>,
}

#[derive(Debug, Default)]
pub struct Evaluation {
    pub apps: Vec<EvaluatedApp>,
    pub projects: BTreeMap<String, AppProject>,
    /// Problems not tied to one app (a root that cannot be read, an
    /// ApplicationSet that fails to generate), for the operator.
    pub errors: Vec<String>,
}

const ARGO_GROUP: &str = "argoproj.io/v1alpha1";

fn is_argo_object(v: &Value) -> bool {
    matches!(type_of(v), (ARGO_GROUP, "Application" | "ApplicationSet" | "AppProject"))
}

struct Walker<'a> {
    repos: &'a dyn RepoReader,
    clusters: &'a [Cluster],
    cache: &'a RenderCache,
    out: Evaluation,
    /// Application name → index in `out.apps`.
    seen: HashMap<String, usize>,
}

/// Evaluates the roots against the repositories and cluster inventory.
pub fn evaluate(roots: &[RootSource], repos: &dyn RepoReader, clusters: &[Cluster], cache: &RenderCache) -> Evaluation {
    let mut w = Walker { repos, clusters, cache, out: Evaluation::default(), seen: HashMap::new() };
    for (i, root) in roots.iter().enumerate() {
        let revision = root.target_revision.as_deref().unwrap_or("HEAD");
        let label = format!("root {} ({} {} {})", i + 1, root.repo_url, revision, root.path);
        let tree = match cache.tree(repos, &root.repo_url, revision) {
            Ok(t) => t,
            Err(e) => {
                w.out.errors.push(format!("{label}: {e}"));
                continue;
            }
        };
        let options = DirectoryOptions { recurse: root.recurse, ..Default::default() };
        match directory::render(tree.as_ref(), &crate::render::normalize(&root.path), &options) {
            Ok(objects) => {
                let file = format!("{}@{}:{}", root.repo_url, short(tree.revision()), root.path);
                w.interpret(&objects, &file, &label, &[]);
            }
            Err(e) => w.out.errors.push(format!("{label}: {e}")),
        }
    }
    w.out
}

fn short(rev: &str) -> &str {
    &rev[..rev.len().min(12)]
}

impl Walker<'_> {
    fn interpret(&mut self, objects: &[Value], file: &str, defined_by: &str, ancestors: &[String]) {
        for (i, object) in objects.iter().enumerate() {
            let origin = Origin { file: file.to_string(), document: i + 1 };
            match type_of(object) {
                (ARGO_GROUP, "Application") => match Application::from_value(&origin, object) {
                    Ok(app) => self.add_app(app, defined_by, ancestors),
                    Err(e) => self.out.errors.push(format!("{defined_by}: {e}")),
                },
                (ARGO_GROUP, "ApplicationSet") => self.add_appset(&origin, object, ancestors),
                (ARGO_GROUP, "AppProject") => {
                    let doc = crate::manifest::Document { origin, value: object.clone() };
                    match AppProject::from_document(&doc) {
                        Ok(p) if self.out.projects.contains_key(&p.name) => {
                            self.out.errors.push(format!("{defined_by}: AppProject {} is defined more than once", p.name));
                        }
                        Ok(p) => {
                            self.out.projects.insert(p.name.clone(), p);
                        }
                        Err(e) => self.out.errors.push(format!("{defined_by}: {e}")),
                    }
                }
                (api, kind) => self.out.errors.push(format!(
                    "{defined_by}: {origin}: {api} {kind} is not an Application, ApplicationSet or AppProject; root sources hold only those, so it is not shipped"
                )),
            }
        }
    }

    fn add_appset(&mut self, origin: &Origin, object: &Value, ancestors: &[String]) {
        let doc = crate::manifest::Document { origin: origin.clone(), value: object.clone() };
        let appset = match ApplicationSet::from_document(&doc) {
            Ok(a) => a,
            Err(e) => return self.out.errors.push(e.to_string()),
        };
        match appset.generate(self.clusters, self.repos, true) {
            Ok(apps) => {
                let defined_by = format!("ApplicationSet {}", appset.name);
                for (i, v) in apps.iter().enumerate() {
                    let o = Origin { file: format!("{} (generated)", origin), document: i + 1 };
                    match Application::from_value(&o, v) {
                        Ok(app) => self.add_app(app, &defined_by, ancestors),
                        Err(e) => self.out.errors.push(format!("{defined_by}: {e}")),
                    }
                }
            }
            Err(e) => self.out.errors.push(e.to_string()),
        }
    }

    fn add_app(&mut self, app: Application, defined_by: &str, ancestors: &[String]) {
        let mut conditions = Vec::new();
        if ancestors.contains(&app.name) {
            let chain = [ancestors, std::slice::from_ref(&app.name)].concat().join(" → ");
            self.out
                .errors
                .push(format!("Application {} is its own ancestor ({chain}); the cycle is cut here", app.name));
            return;
        }
        if let Some(&first) = self.seen.get(&app.name) {
            let other = self.out.apps[first].defined_by.clone();
            self.out.apps[first].conditions.push(Condition::new(
                "RepeatedResourceWarning",
                format!(
                    "Application {} is also defined by {defined_by}; the first definition ({other}) is used",
                    app.name
                ),
            ));
            return;
        }
        let mut revisions = Vec::new();
        let mut shippable: Vec<Value> = Vec::new();
        let mut single: Option<Arc<Vec<Value>>> = None;
        let mut argo = Vec::new();
        let rendered: Vec<&Source> =
            app.sources.iter().filter(|s| !(s.reference.is_some() && s.path.is_none() && s.chart.is_none())).collect();
        for source in &rendered {
            match self.cache.render(self.repos, source) {
                Ok(r) => {
                    revisions.push(r.revision.clone());
                    match r.objects {
                        Ok(objects) => {
                            if objects.iter().any(is_argo_object) {
                                argo.extend(objects.iter().filter(|o| is_argo_object(o)).cloned());
                                shippable.extend(objects.iter().filter(|o| !is_argo_object(o)).cloned());
                            } else if rendered.len() == 1 {
                                single = Some(objects);
                            } else {
                                shippable.extend(objects.iter().cloned());
                            }
                        }
                        Err(e) => conditions
                            .push(Condition::new("ComparisonError", format!("rendering {}: {e}", source.repo_url))),
                    }
                }
                Err(e) => {
                    conditions.push(Condition::new("ComparisonError", format!("reading {}: {e}", source.repo_url)))
                }
            }
        }
        let objects = single.unwrap_or_else(|| Arc::new(shippable));
        let meta = objects.is_empty() && !argo.is_empty();
        let name = app.name.clone();
        self.seen.insert(name.clone(), self.out.apps.len());
        self.out.apps.push(EvaluatedApp {
            app,
            defined_by: defined_by.to_string(),
            revision: revisions.join(","),
            objects,
            meta,
            conditions,
        });
        if !argo.is_empty() {
            let chain = [ancestors, std::slice::from_ref(&name)].concat();
            self.interpret(&argo, &format!("Application {name}"), &format!("Application {name}"), &chain);
        }
    }
}
