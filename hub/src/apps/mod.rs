//! Argo CD Applications as the hub reads them: the parts it acts on are
//! typed; the whole object is kept as written, so unknown fields survive.

use crate::manifest::{Document, ManifestError, Origin, kind, required_str, string_list, type_of};
use serde::Deserialize;
use serde_json::Value;

/// An `argoproj.io/v1alpha1` Application.
#[derive(Debug, Clone)]
pub struct Application {
    pub name: String,
    pub namespace: String,
    pub project: String,
    /// `spec.sources`, or `spec.source` as a list of one.
    pub sources: Vec<Source>,
    /// Whether the Application used `spec.sources`.
    pub multi_source: bool,
    pub destination: Destination,
    pub sync_policy: SyncPolicy,
    pub ignore_differences: Vec<Value>,
    /// The object as written.
    pub raw: Value,
    pub origin: Origin,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Source {
    #[serde(rename = "repoURL", default)]
    pub repo_url: String,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub target_revision: Option<String>,
    #[serde(default)]
    pub chart: Option<String>,
    #[serde(rename = "ref", default)]
    pub reference: Option<String>,
    #[serde(default)]
    pub directory: Option<DirectoryOptions>,
    #[serde(default)]
    pub helm: Option<Value>,
    #[serde(default)]
    pub kustomize: Option<Value>,
    #[serde(default)]
    pub plugin: Option<Value>,
}

impl Source {
    /// The `directory` options as JSON, for cache keys.
    pub fn directory_json(&self) -> serde_json::Value {
        match &self.directory {
            None => serde_json::Value::Null,
            Some(d) => serde_json::json!([d.recurse, d.include, d.exclude]),
        }
    }

    /// `targetRevision`, defaulting to `HEAD` as Argo CD does.
    pub fn revision(&self) -> &str {
        self.target_revision.as_deref().filter(|r| !r.is_empty()).unwrap_or("HEAD")
    }
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryOptions {
    #[serde(default)]
    pub recurse: bool,
    #[serde(default)]
    pub include: String,
    #[serde(default)]
    pub exclude: String,
    #[serde(default)]
    pub jsonnet: Option<Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Destination {
    #[serde(default)]
    pub server: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub namespace: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncPolicy {
    pub automated: bool,
    pub prune: bool,
    pub self_heal: bool,
    pub allow_empty: bool,
    pub sync_options: Vec<String>,
    pub retry: Option<Retry>,
}

impl SyncPolicy {
    /// Whether a sync option is set, e.g. `has_option("CreateNamespace=true")`.
    pub fn has_option(&self, option: &str) -> bool {
        self.sync_options.iter().any(|o| o == option)
    }
}

/// Argo CD's `retry`; durations as Go duration strings are kept in ms.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Retry {
    pub limit: i64,
    pub duration_ms: u64,
    pub factor: i64,
    pub max_duration_ms: u64,
}

impl Application {
    pub fn from_document(doc: &Document) -> Result<Application, ManifestError> {
        Application::from_value(&doc.origin, &doc.value)
    }

    pub fn from_value(o: &Origin, v: &Value) -> Result<Application, ManifestError> {
        match type_of(v) {
            ("argoproj.io/v1alpha1", "Application") => {}
            (api, k) => {
                return Err(ManifestError::field(
                    o,
                    "kind",
                    format!("expected argoproj.io/v1alpha1 Application, found {api:?} {k:?}"),
                ));
            }
        }
        let name = required_str(o, v, "/metadata/name")?.to_string();
        let spec =
            v.get("spec").filter(|s| s.is_object()).ok_or_else(|| ManifestError::field(o, "spec", "is required"))?;
        let parse_source = |field: &str, s: &Value| -> Result<Source, ManifestError> {
            let source: Source =
                serde_json::from_value(s.clone()).map_err(|e| ManifestError::field(o, field, e.to_string()))?;
            if source.repo_url.is_empty() {
                return Err(ManifestError::field(o, format!("{field}.repoURL"), "is required"));
            }
            Ok(source)
        };
        let (sources, multi_source) = match (spec.get("sources"), spec.get("source")) {
            (Some(Value::Array(list)), _) if !list.is_empty() => (
                list.iter()
                    .enumerate()
                    .map(|(i, s)| parse_source(&format!("spec.sources[{i}]"), s))
                    .collect::<Result<_, _>>()?,
                true,
            ),
            (_, Some(s @ Value::Object(_))) => (vec![parse_source("spec.source", s)?], false),
            _ => return Err(ManifestError::field(o, "spec.source", "is required (or spec.sources)")),
        };
        let destination: Destination = match spec.get("destination") {
            Some(d @ Value::Object(_)) => serde_json::from_value(d.clone())
                .map_err(|e| ManifestError::field(o, "spec.destination", e.to_string()))?,
            Some(other) => {
                return Err(ManifestError::field(o, "spec.destination", format!("must be a map, not {}", kind(other))));
            }
            None => return Err(ManifestError::field(o, "spec.destination", "is required")),
        };
        if destination.server.as_deref().unwrap_or_default().is_empty()
            && destination.name.as_deref().unwrap_or_default().is_empty()
        {
            return Err(ManifestError::field(o, "spec.destination", "needs server or name"));
        }
        if !destination.server.as_deref().unwrap_or_default().is_empty()
            && !destination.name.as_deref().unwrap_or_default().is_empty()
        {
            return Err(ManifestError::field(
                o,
                "spec.destination",
                "application destination can't have both name and server defined",
            ));
        }
        Ok(Application {
            name,
            namespace: v.pointer("/metadata/namespace").and_then(Value::as_str).unwrap_or_default().to_string(),
            project: spec
                .get("project")
                .and_then(Value::as_str)
                .filter(|p| !p.is_empty())
                .unwrap_or("default")
                .to_string(),
            sources,
            multi_source,
            destination,
            sync_policy: sync_policy(o, spec.get("syncPolicy"))?,
            ignore_differences: spec.get("ignoreDifferences").and_then(Value::as_array).cloned().unwrap_or_default(),
            raw: v.clone(),
            origin: o.clone(),
        })
    }
}

fn sync_policy(o: &Origin, v: Option<&Value>) -> Result<SyncPolicy, ManifestError> {
    let Some(v) = v.filter(|v| !v.is_null()) else { return Ok(SyncPolicy::default()) };
    let flag = |p: &str| v.pointer(p).and_then(Value::as_bool).unwrap_or(false);
    let automated = v.get("automated").is_some_and(|a| !a.is_null())
        // Argo CD 3.x lets `automated.enabled: false` switch automation off.
        && v.pointer("/automated/enabled").and_then(Value::as_bool).unwrap_or(true);
    let sync_options = string_list(o, v.get("syncOptions"), "spec.syncPolicy.syncOptions")?;
    let retry = match v.get("retry") {
        None | Some(Value::Null) => None,
        Some(r) => {
            let duration = |p: &str, default: u64| -> Result<u64, ManifestError> {
                match r.pointer(p).and_then(Value::as_str) {
                    None => Ok(default),
                    Some(s) => parse_duration_ms(s).ok_or_else(|| {
                        ManifestError::field(
                            o,
                            format!("spec.syncPolicy.retry{}", p.replace('/', ".")),
                            format!("{s:?} is not a duration such as 5s or 3m"),
                        )
                    }),
                }
            };
            Some(Retry {
                limit: r.get("limit").and_then(Value::as_i64).unwrap_or(0),
                duration_ms: duration("/backoff/duration", 5_000)?,
                factor: r.pointer("/backoff/factor").and_then(Value::as_i64).unwrap_or(2),
                max_duration_ms: duration("/backoff/maxDuration", 180_000)?,
            })
        }
    };
    Ok(SyncPolicy {
        automated,
        prune: flag("/automated/prune"),
        self_heal: flag("/automated/selfHeal"),
        allow_empty: flag("/automated/allowEmpty"),
        sync_options,
        retry,
    })
}

/// Go duration strings (`300ms`, `5s`, `3m`, `1h30m`) in milliseconds; a
/// bare number is seconds, as Argo CD accepts.
pub fn parse_duration_ms(s: &str) -> Option<u64> {
    let s = s.trim();
    if let Ok(secs) = s.parse::<u64>() {
        return secs.checked_mul(1000);
    }
    let mut total: f64 = 0.0;
    let mut rest = s;
    while !rest.is_empty() {
        let num_end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
        let number: f64 = rest[..num_end].parse().ok()?;
        rest = &rest[num_end..];
        let unit_end = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let factor = match &rest[..unit_end] {
            "ms" => 1.0,
            "s" => 1_000.0,
            "m" => 60_000.0,
            "h" => 3_600_000.0,
            _ => return None,
        };
        total += number * factor;
        rest = &rest[unit_end..];
    }
    Some(total as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::parse_stream;

    fn app(yaml: &str) -> Result<Application, ManifestError> {
        Application::from_document(&parse_stream("app.yaml", yaml).unwrap()[0])
    }

    #[test]
    fn reads_the_seed_production_app() {
        let a = app(r#"
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: order-service-production
  namespace: argocd
  finalizers: [resources-finalizer.argocd.argoproj.io]
spec:
  project: production
  source:
    repoURL: https://github.com/myorg/k8s-config.git
    targetRevision: main
    path: apps/order-service/overlays/production
  destination: {server: https://kubernetes.default.svc, namespace: production}
  syncPolicy:
    automated: {prune: true, selfHeal: true, allowEmpty: false}
    syncOptions: [CreateNamespace=true, PrunePropagationPolicy=foreground, PruneLast=true]
    retry: {limit: 3, backoff: {duration: 5s, factor: 2, maxDuration: 3m}}
  futureField: {kept: true}
"#)
        .unwrap();
        assert_eq!(a.project, "production");
        assert!(!a.multi_source);
        assert_eq!(a.sources[0].path.as_deref(), Some("apps/order-service/overlays/production"));
        assert!(
            a.sync_policy.automated && a.sync_policy.prune && a.sync_policy.self_heal && !a.sync_policy.allow_empty
        );
        assert!(a.sync_policy.has_option("PruneLast=true"));
        assert_eq!(
            a.sync_policy.retry,
            Some(Retry { limit: 3, duration_ms: 5_000, factor: 2, max_duration_ms: 180_000 })
        );
        assert_eq!(a.raw["spec"]["futureField"]["kept"], true, "unknown fields are kept");
    }

    #[test]
    fn multi_source_with_ref_and_manual_sync() {
        let a = app(r#"
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: application-a-prod}
spec:
  sources:
  - {repoURL: "https://nexus.example.com/repository/helm-charts/", chart: application-a, targetRevision: 0.1.0, helm: {valueFiles: [$values/argocd/values/application-a/prod.yaml]}}
  - {repoURL: "git@github.com:your-org/platform-gitops.git", targetRevision: main, ref: values}
  destination: {name: prod-eu, namespace: prod}
"#)
        .unwrap();
        assert!(a.multi_source);
        assert_eq!(a.sources[1].reference.as_deref(), Some("values"));
        assert_eq!(a.destination.name.as_deref(), Some("prod-eu"));
        assert!(!a.sync_policy.automated, "no automated block: a manual gate");
        assert_eq!(a.project, "default");
    }

    #[test]
    fn errors_name_the_field() {
        let base = "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: a}\n";
        let e = |spec: &str| app(&format!("{base}{spec}")).unwrap_err().to_string();
        assert_eq!(
            e("spec: {destination: {server: s}}"),
            "app.yaml: document 1: field spec.source: is required (or spec.sources)"
        );
        assert_eq!(
            e("spec: {source: {path: x}, destination: {server: s}}"),
            "app.yaml: document 1: field spec.source.repoURL: is required"
        );
        assert!(
            e("spec: {source: {repoURL: r}, destination: {server: s, name: n}}")
                .contains("can't have both name and server")
        );
        assert!(e("spec: {source: {repoURL: r}, destination: {server: s}, syncPolicy: {retry: {backoff: {duration: soon}}}}")
            .contains("field spec.syncPolicy.retry.backoff.duration: \"soon\" is not a duration"));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration_ms("5s"), Some(5_000));
        assert_eq!(parse_duration_ms("1h30m"), Some(5_400_000));
        assert_eq!(parse_duration_ms("250ms"), Some(250));
        assert_eq!(parse_duration_ms("10"), Some(10_000));
        assert_eq!(parse_duration_ms("3x"), None);
    }
}
