//! ApplicationSets with `goTemplate: true`, against Argo CD's documented
//! parameter shapes (maps instead of dotted keys) and Go template semantics.

use convoy_hub::appset::ApplicationSet;
use convoy_hub::inventory::Cluster;
use convoy_hub::manifest::parse_stream;
use convoy_hub::repo::{DirRepo, NoRepos, RepoReader};
use serde_json::Value;

fn generate(yaml: &str, clusters: &[Cluster], repos: &dyn RepoReader) -> Result<Vec<Value>, String> {
    let appset = ApplicationSet::from_document(&parse_stream("appset.yaml", yaml).unwrap()[0]).unwrap();
    appset.generate(clusters, repos, true).map_err(|e| e.to_string())
}

fn names(apps: &[Value]) -> Vec<&str> {
    apps.iter().map(|a| a["metadata"]["name"].as_str().unwrap()).collect()
}

fn fleet() -> Vec<Cluster> {
    vec![
        Cluster::new("Prod_EU").with_label("env", "production").with_label("region", "eu"),
        Cluster::new("edge-1").with_label("env", "production"),
        Cluster::new("staging").with_label("env", "staging"),
    ]
}

#[test]
fn cluster_parameters_are_maps_in_go_mode() {
    let yaml = r#"
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: mon, namespace: argocd}
spec:
  goTemplate: true
  goTemplateOptions: ["missingkey=error"]
  generators:
  - clusters:
      selector: {matchLabels: {env: production}}
      values:
        tier: '{{ index .metadata.labels "region" | default "core" }}'
  template:
    metadata:
      name: 'mon-{{ .nameNormalized }}'
      labels: {tier: '{{ .values.tier }}', env: '{{ .metadata.labels.env | upper }}'}
    spec:
      project: default
      source: {repoURL: https://example/k8s.git, targetRevision: main, path: 'monitoring/{{ .values.tier }}'}
      destination: {server: '{{ .server }}', namespace: monitoring}
"#;
    let apps = generate(yaml, &fleet(), &NoRepos).unwrap();
    assert_eq!(names(&apps), ["mon-prod-eu", "mon-edge-1"]);
    assert_eq!(apps[0]["metadata"]["labels"]["tier"], "eu");
    assert_eq!(apps[1]["metadata"]["labels"]["tier"], "core");
    assert_eq!(apps[1]["metadata"]["labels"]["env"], "PRODUCTION");
    assert_eq!(apps[0]["spec"]["source"]["path"], "monitoring/eu");
}

#[test]
fn list_elements_keep_their_types_and_go_prints_them() {
    let yaml = r#"
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: l}
spec:
  goTemplate: true
  generators:
  - list:
      elements:
      - {name: web, replicas: 3, big: 1000000, tags: [a, b], enabled: true}
  template:
    metadata: {name: '{{ .name }}-{{ .replicas }}'}
    spec:
      project: default
      info:
      - {name: big, value: '{{ .big }}'}
      - {name: tags, value: '{{ join "," .tags }}'}
      - {name: json, value: '{{ toJson .tags }}'}
      - {name: cond, value: '{{ if .enabled }}on{{ else }}off{{ end }}'}
      - {name: fmt, value: '{{ printf "%s=%v" .name .replicas }}'}
"#;
    let apps = generate(yaml, &[], &NoRepos).unwrap();
    assert_eq!(names(&apps), ["web-3"]);
    let info: Vec<&str> =
        apps[0]["spec"]["info"].as_array().unwrap().iter().map(|i| i["value"].as_str().unwrap()).collect();
    assert_eq!(info, ["1e+06", "a,b", "[\"a\",\"b\"]", "on", "web=3"]);
}

#[test]
fn missing_keys_follow_go_template_options() {
    let base = r#"
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: m}
spec:
  goTemplate: true
  OPTIONS
  generators:
  - list: {elements: [{name: a}]}
  template:
    metadata: {name: '{{ .name }}'}
    spec: {project: '{{ .project }}'}
"#;
    let apps = generate(&base.replace("OPTIONS", ""), &[], &NoRepos).unwrap();
    assert_eq!(apps[0]["spec"]["project"], "<no value>", "Go's default prints <no value>");
    let err =
        generate(&base.replace("OPTIONS", "goTemplateOptions: [\"missingkey=error\"]"), &[], &NoRepos).unwrap_err();
    assert!(err.contains("map has no entry for key \"project\""), "{err}");
    let err = generate(&base.replace("OPTIONS", "goTemplateOptions: [\"bogus\"]"), &[], &NoRepos).unwrap_err();
    assert!(err.contains("unrecognized option: bogus"), "{err}");
}

#[test]
fn git_directories_and_a_matrix_in_go_mode() {
    let dir = tempfile::tempdir().unwrap();
    for p in ["apps/web/overlays/production", "apps/api/overlays/production"] {
        std::fs::create_dir_all(dir.path().join(p)).unwrap();
        std::fs::write(dir.path().join(p).join("k.yaml"), "kind: X\n").unwrap();
    }
    let yaml = r#"
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: g}
spec:
  goTemplate: true
  generators:
  - matrix:
      generators:
      - git:
          repoURL: https://example/k8s.git
          revision: main
          directories: [{path: 'apps/*/overlays/production'}]
      - clusters:
          selector: {matchLabels: {env: production}}
  template:
    metadata: {name: '{{ index .path.segments 1 }}-{{ .name | lower | replace "_" "-" }}'}
    spec:
      project: default
      source: {repoURL: https://example/k8s.git, targetRevision: main, path: '{{ .path.path }}'}
      destination: {server: '{{ .server }}', namespace: '{{ .path.basename }}'}
"#;
    let apps = generate(yaml, &fleet(), &DirRepo::new(dir.path())).unwrap();
    assert_eq!(names(&apps), ["api-prod-eu", "api-edge-1", "web-prod-eu", "web-edge-1"]);
    assert_eq!(apps[0]["spec"]["destination"]["namespace"], "production");
}

#[test]
fn template_patch_with_go_control_flow() {
    let yaml = r#"
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: p, namespace: argocd}
spec:
  goTemplate: true
  generators:
  - list:
      elements:
      - {name: web, autoSync: true}
      - {name: db, autoSync: false}
  template:
    metadata: {name: '{{ .name }}'}
    spec:
      project: default
      source: {repoURL: https://example/k8s.git, path: '{{ .name }}'}
      destination: {name: in-cluster, namespace: '{{ .name }}'}
  templatePatch: |
    {{- if .autoSync }}
    spec:
      syncPolicy:
        automated: {prune: true}
    {{- end }}
"#;
    let apps = generate(yaml, &[], &NoRepos).unwrap();
    assert_eq!(apps[0]["spec"]["syncPolicy"]["automated"]["prune"], true);
    assert!(apps[1]["spec"].get("syncPolicy").is_none(), "db keeps its manual sync");
}
