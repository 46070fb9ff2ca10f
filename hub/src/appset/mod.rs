//! ApplicationSets: reading them and generating their Applications exactly
//! as Argo CD's ApplicationSet controller would.

pub mod gotemplate;
pub mod params;
pub mod render;

use crate::generators::{self, Context};
use crate::inventory::Cluster;
use crate::manifest::{Document, ManifestError, Origin, kind, required_str, string_list, type_of};
use crate::repo::RepoReader;
use render::{FastTemplater, RenderSettings, Templater, render_application};
use serde_json::Value;

/// An `argoproj.io/v1alpha1` ApplicationSet, with the fields convoy acts on
/// pulled out and the rest kept as written.
#[derive(Debug, Clone)]
pub struct ApplicationSet {
    pub name: String,
    pub namespace: String,
    pub generators: Vec<Value>,
    pub template: Value,
    pub go_template: bool,
    pub go_template_options: Vec<String>,
    pub settings: RenderSettings,
    pub origin: Origin,
}

/// Generation failed; says which ApplicationSet and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}: ApplicationSet {name}: {message}")]
pub struct GenerateError {
    pub origin: Origin,
    pub name: String,
    pub message: String,
}

impl ApplicationSet {
    pub fn from_document(doc: &Document) -> Result<ApplicationSet, ManifestError> {
        let (o, v) = (&doc.origin, &doc.value);
        match type_of(v) {
            ("argoproj.io/v1alpha1", "ApplicationSet") => {}
            (api, k) => {
                return Err(ManifestError::field(
                    o,
                    "kind",
                    format!("expected argoproj.io/v1alpha1 ApplicationSet, found {api:?} {k:?}"),
                ));
            }
        }
        let name = required_str(o, v, "/metadata/name")?.to_string();
        let spec =
            v.get("spec").filter(|s| s.is_object()).ok_or_else(|| ManifestError::field(o, "spec", "is required"))?;
        let generators = match spec.get("generators") {
            Some(Value::Array(g)) => g.clone(),
            None | Some(Value::Null) => return Err(ManifestError::field(o, "spec.generators", "is required")),
            Some(other) => {
                return Err(ManifestError::field(o, "spec.generators", format!("must be a list, not {}", kind(other))));
            }
        };
        let template = match spec.get("template") {
            Some(t @ Value::Object(_)) => t.clone(),
            None | Some(Value::Null) => Value::Object(Default::default()),
            Some(other) => {
                return Err(ManifestError::field(o, "spec.template", format!("must be a map, not {}", kind(other))));
            }
        };
        let go_template = match spec.get("goTemplate") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(other) => {
                return Err(ManifestError::field(
                    o,
                    "spec.goTemplate",
                    format!("must be a boolean, not {}", kind(other)),
                ));
            }
        };
        let go_template_options = string_list(o, spec.get("goTemplateOptions"), "spec.goTemplateOptions")?;
        let template_patch = match spec.get("templatePatch") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => {
                return Err(ManifestError::field(
                    o,
                    "spec.templatePatch",
                    format!("must be a string, not {}", kind(other)),
                ));
            }
        };
        let preserve =
            spec.pointer("/syncPolicy/preserveResourcesOnDeletion").and_then(Value::as_bool).unwrap_or(false);
        let namespace = v.pointer("/metadata/namespace").and_then(Value::as_str).unwrap_or_default().to_string();
        Ok(ApplicationSet {
            settings: RenderSettings {
                namespace: namespace.clone(),
                preserve_resources_on_deletion: preserve,
                template_patch,
            },
            name,
            namespace,
            generators,
            template,
            go_template,
            go_template_options,
            origin: o.clone(),
        })
    }

    fn error(&self, message: impl Into<String>) -> GenerateError {
        GenerateError { origin: self.origin.clone(), name: self.name.clone(), message: message.into() }
    }

    /// The Applications this ApplicationSet generates, in generator order.
    pub fn generate(
        &self,
        clusters: &[Cluster],
        repos: &dyn RepoReader,
        include_in_cluster: bool,
    ) -> Result<Vec<Value>, GenerateError> {
        if self.go_template {
            let templater =
                gotemplate::GoTemplater::new(&self.go_template_options).map_err(|e| self.error(format!("spec.{e}")))?;
            let strict = gotemplate::GoTemplater::strict();
            return self.generate_with(&templater, &strict, clusters, repos, include_in_cluster);
        }
        let templater = FastTemplater;
        self.generate_with(&templater, &templater, clusters, repos, include_in_cluster)
    }

    fn generate_with(
        &self,
        templater: &dyn Templater,
        strict: &dyn Templater,
        clusters: &[Cluster],
        repos: &dyn RepoReader,
        include_in_cluster: bool,
    ) -> Result<Vec<Value>, GenerateError> {
        let ctx = Context {
            clusters,
            repos,
            go_template: self.go_template,
            templater,
            strict_templater: strict,
            include_in_cluster,
        };
        let mut apps = Vec::new();
        for (i, spec) in self.generators.iter().enumerate() {
            let batches = generators::transform(spec, &self.template, &ctx, &Default::default())
                .map_err(|e| self.error(format!("spec.generators[{i}].{e}")))?;
            for batch in batches {
                for params in &batch.params {
                    let app = render_application(&batch.template, params, templater, &self.settings)
                        .map_err(|e| self.error(format!("spec.generators[{i}]: {e}")))?;
                    apps.push(app);
                }
            }
        }
        let mut seen = std::collections::HashSet::new();
        for app in &apps {
            let name = app["metadata"]["name"].as_str().unwrap_or_default();
            if name.is_empty() {
                return Err(self.error("a generated Application has no metadata.name"));
            }
            if !seen.insert(name) {
                return Err(self
                    .error(format!("ApplicationSet {} contains applications with duplicate name: {name}", self.name)));
            }
        }
        Ok(apps)
    }
}
