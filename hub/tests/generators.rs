//! ApplicationSet generation, checked against Argo CD's documented
//! behaviour (fasttemplate mode; Go templates have their own tests).

use convoy_hub::appset::ApplicationSet;
use convoy_hub::inventory::{Cluster, clusters_from_documents};
use convoy_hub::manifest::parse_stream;
use convoy_hub::repo::{DirRepo, NoRepos, RepoReader};
use serde_json::Value;

fn appset(yaml: &str) -> ApplicationSet {
    ApplicationSet::from_document(&parse_stream("appset.yaml", yaml).unwrap()[0]).unwrap()
}

fn generate(yaml: &str, clusters: &[Cluster], repos: &dyn RepoReader) -> Vec<Value> {
    appset(yaml).generate(clusters, repos, true).unwrap_or_else(|e| panic!("{e}"))
}

fn names(apps: &[Value]) -> Vec<String> {
    apps.iter().map(|a| a["metadata"]["name"].as_str().unwrap().to_string()).collect()
}

fn fleet() -> Vec<Cluster> {
    vec![
        Cluster::new("staging").with_label("env", "staging"),
        Cluster::new("prod-eu").with_label("env", "production"),
        Cluster::new("prod-edge").with_label("env", "production").with_label("region", "edge"),
    ]
}

/// The first seed's dev ApplicationSet: a list generator with a
/// multi-source template and `$values` value files.
const DEV_SERVICES: &str = r#"
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: dev-services
  namespace: argocd
spec:
  generators:
    - list:
        elements:
          - name: application-a
            helmRepoURL: https://nexus.example.com/repository/helm-charts/
            chart: application-a
            chartVersion: 0.1.0
            namespace: dev
          - name: application-b
            helmRepoURL: https://nexus.example.com/repository/helm-charts/
            chart: application-b
            chartVersion: 0.1.0
            namespace: dev
  template:
    metadata:
      name: "{{name}}-dev"
    spec:
      project: default
      sources:
        - repoURL: "{{helmRepoURL}}"
          chart: "{{chart}}"
          targetRevision: "{{chartVersion}}"
          helm:
            valueFiles:
              - $values/argocd/values/{{name}}/dev.yaml
        - repoURL: git@github.com:your-org/platform-gitops.git
          targetRevision: main
          ref: values
      destination:
        server: https://kubernetes.default.svc
        namespace: "{{namespace}}"
      syncPolicy:
        automated:
          prune: true
          selfHeal: true
        syncOptions:
          - CreateNamespace=true
"#;

#[test]
fn list_generator_renders_the_seed_layout() {
    let apps = generate(DEV_SERVICES, &[], &NoRepos);
    assert_eq!(names(&apps), ["application-a-dev", "application-b-dev"]);
    let a = &apps[0];
    assert_eq!(a["metadata"]["namespace"], "argocd");
    assert_eq!(a["metadata"]["finalizers"][0], "resources-finalizer.argocd.argoproj.io");
    assert_eq!(a["spec"]["sources"][0]["chart"], "application-a");
    assert_eq!(a["spec"]["sources"][0]["targetRevision"], "0.1.0");
    assert_eq!(a["spec"]["sources"][0]["helm"]["valueFiles"][0], "$values/argocd/values/application-a/dev.yaml");
    assert_eq!(a["spec"]["sources"][1]["ref"], "values");
    assert_eq!(a["spec"]["destination"]["namespace"], "dev");
    assert_eq!(a["spec"]["syncPolicy"]["syncOptions"][0], "CreateNamespace=true");
}

#[test]
fn list_generator_values_and_elements_yaml() {
    let apps = generate(
        r#"
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: l}
spec:
  generators:
  - list:
      elements:
      - {cluster: a, values: {size: big}}
      elementsYaml: |
        - cluster: b
  template:
    metadata: {name: "{{cluster}}-{{values.size}}"}
    spec: {project: default}
"#,
        &[],
        &NoRepos,
    );
    assert_eq!(names(&apps), ["a-big", "b-{{values.size}}"], "unknown parameters stay as written");
    assert!(apps[0]["metadata"].get("namespace").is_none(), "an ApplicationSet without namespace gives none");
}

#[test]
fn list_elements_must_be_strings_without_go_templates() {
    let err = appset(
        "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: l}\nspec:\n  generators: [{list: {elements: [{replicas: 3}]}}]\n  template: {metadata: {name: x}}\n",
    )
    .generate(&[], &NoRepos, true)
    .unwrap_err()
    .to_string();
    assert!(err.contains("spec.generators[0].list: elements[0].replicas: error parsing value as string"), "{err}");
}

const BY_ENV: &str = r#"
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: monitoring, namespace: argocd}
spec:
  generators:
  - clusters:
      selector:
        matchLabels:
          env: production
  template:
    metadata:
      name: 'monitoring-{{name}}'
      labels: {env: '{{metadata.labels.env}}'}
    spec:
      project: default
      source: {repoURL: https://example/k8s.git, targetRevision: main, path: monitoring}
      destination: {server: '{{server}}', namespace: monitoring}
"#;

#[test]
fn cluster_generator_selects_by_label_in_name_order() {
    let apps = generate(BY_ENV, &fleet(), &NoRepos);
    assert_eq!(names(&apps), ["monitoring-prod-edge", "monitoring-prod-eu"]);
    assert_eq!(apps[1]["spec"]["destination"]["server"], "convoy://prod-eu");
    assert_eq!(apps[1]["metadata"]["labels"]["env"], "production");
}

#[test]
fn cluster_generator_match_expressions() {
    let yaml = BY_ENV.replace(
        "matchLabels:\n          env: production",
        "matchExpressions:\n        - {key: env, operator: In, values: [production, staging]}\n        - {key: region, operator: DoesNotExist}",
    );
    assert_eq!(names(&generate(&yaml, &fleet(), &NoRepos)), ["monitoring-prod-eu", "monitoring-staging"]);
}

#[test]
fn in_cluster_is_offered_only_without_a_selector() {
    let all = BY_ENV.replace("      selector:\n        matchLabels:\n          env: production\n", "      {}\n");
    let apps = generate(&all, &fleet(), &NoRepos);
    assert_eq!(
        names(&apps),
        ["monitoring-prod-edge", "monitoring-prod-eu", "monitoring-staging", "monitoring-in-cluster"]
    );
    assert_eq!(apps[3]["spec"]["destination"]["server"], "https://kubernetes.default.svc");
    assert_eq!(apps[3]["metadata"]["labels"]["env"], "{{metadata.labels.env}}", "in-cluster has no labels");

    // A cluster Secret for the in-cluster address replaces the implicit one.
    let mut with_local = fleet();
    let mut local = Cluster::new("local");
    local.server = "https://kubernetes.default.svc".into();
    with_local.push(local);
    assert_eq!(names(&generate(&all, &with_local, &NoRepos)).len(), 4);
    assert!(!names(&generate(&all, &with_local, &NoRepos)).contains(&"monitoring-in-cluster".to_string()));
}

#[test]
fn cluster_generator_values_are_rendered_per_cluster() {
    let yaml = BY_ENV
        .replace(
            "          env: production\n",
            "          env: production\n      values:\n        shard: '{{name}}-{{metadata.labels.region}}'\n",
        )
        .replace("'monitoring-{{name}}'", "'{{values.shard}}'");
    assert_eq!(names(&generate(&yaml, &fleet(), &NoRepos)), ["prod-edge-edge", "prod-eu-{{metadata.labels.region}}"]);
}

#[test]
fn argo_cluster_secrets_feed_the_generator() {
    let secrets = clusters_from_documents(
        &parse_stream(
            "clusters.yaml",
            r#"
apiVersion: v1
kind: Secret
metadata:
  name: c1
  labels: {argocd.argoproj.io/secret-type: cluster, env: production}
  annotations: {team: payments}
stringData: {name: "Prod_EU", server: "https://1.example"}
"#,
        )
        .unwrap(),
    )
    .unwrap()
    .clusters;
    let yaml = BY_ENV.replace(
        "'monitoring-{{name}}'",
        "'{{nameNormalized}}-{{metadata.annotations.team}}-{{metadata.labels.argocd.argoproj.io/secret-type}}'",
    );
    assert_eq!(names(&generate(&yaml, &secrets, &NoRepos)), ["prod-eu-payments-cluster"]);
}

#[test]
fn generator_selector_post_filters_parameters() {
    let yaml = r#"
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: s}
spec:
  generators:
  - list:
      elements: [{name: a, tier: gold}, {name: b, tier: silver}]
    selector:
      matchLabels: {tier: gold}
  template:
    metadata: {name: '{{name}}'}
    spec: {project: default}
"#;
    assert_eq!(names(&generate(yaml, &[], &NoRepos)), ["a"]);
}

fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for path in [
        "apps/web/base/deployment.yaml",
        "apps/web/overlays/production/kustomization.yaml",
        "apps/api/overlays/production/kustomization.yaml",
        "apps/legacy/overlays/production/kustomization.yaml",
        ".hidden/x/y.yaml",
    ] {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, "kind: Thing\n").unwrap();
    }
    std::fs::create_dir_all(dir.path().join("clusters/eu")).unwrap();
    std::fs::write(
        dir.path().join("clusters/eu/prod.json"),
        r#"{"cluster": {"name": "prod-eu", "address": "https://eu"}, "replicas": 3}"#,
    )
    .unwrap();
    std::fs::write(dir.path().join("clusters/us.yaml"), "- cluster: {name: us-1}\n- cluster: {name: us-2}\n").unwrap();
    dir
}

#[test]
fn git_directory_generator_with_include_and_exclude() {
    let repo = repo();
    let yaml = r#"
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: dirs}
spec:
  generators:
  - git:
      repoURL: https://github.com/myorg/k8s-config.git
      revision: main
      directories:
      - path: apps/*/overlays/production
      - path: apps/legacy/overlays/production
        exclude: true
  template:
    metadata: {name: '{{path[1]}}-production'}
    spec:
      project: default
      source: {repoURL: https://github.com/myorg/k8s-config.git, targetRevision: main, path: '{{path}}'}
      destination: {server: https://kubernetes.default.svc, namespace: '{{path.basename}}'}
"#;
    let apps = generate(yaml, &[], &DirRepo::new(repo.path()));
    assert_eq!(names(&apps), ["api-production", "web-production"]);
    assert_eq!(apps[1]["spec"]["source"]["path"], "apps/web/overlays/production");
    assert_eq!(apps[1]["spec"]["destination"]["namespace"], "production");
}

#[test]
fn git_file_generator_flattens_objects() {
    let repo = repo();
    let yaml = r#"
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: files}
spec:
  generators:
  - git:
      repoURL: https://example/config.git
      revision: HEAD
      files:
      - path: "clusters/**"
  template:
    metadata: {name: '{{cluster.name}}-{{path.basename}}'}
    spec:
      project: default
      destination: {server: '{{cluster.address}}', namespace: 'r{{replicas}}-{{path.filename}}'}
"#;
    let apps = generate(yaml, &[], &DirRepo::new(repo.path()));
    assert_eq!(names(&apps), ["prod-eu-eu", "us-1-clusters", "us-2-clusters"]);
    assert_eq!(apps[0]["spec"]["destination"]["server"], "https://eu");
    assert_eq!(apps[0]["spec"]["destination"]["namespace"], "r3-prod.json");
}

#[test]
fn matrix_of_git_directories_and_clusters() {
    let repo = repo();
    let yaml = r#"
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: matrix}
spec:
  generators:
  - matrix:
      generators:
      - git:
          repoURL: https://example/k8s.git
          revision: main
          directories: [{path: apps/*/overlays/production}]
      - clusters:
          selector: {matchLabels: {env: production}}
  template:
    metadata: {name: '{{path[1]}}-{{name}}'}
    spec:
      project: default
      source: {repoURL: https://example/k8s.git, targetRevision: main, path: '{{path}}'}
      destination: {server: '{{server}}', namespace: '{{path[1]}}'}
"#;
    let apps = generate(yaml, &fleet(), &DirRepo::new(repo.path()));
    assert_eq!(
        names(&apps),
        ["api-prod-edge", "api-prod-eu", "legacy-prod-edge", "legacy-prod-eu", "web-prod-edge", "web-prod-eu"]
    );
}

#[test]
fn matrix_second_child_sees_the_first_childs_parameters() {
    let yaml = r#"
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: m}
spec:
  generators:
  - matrix:
      generators:
      - list: {elements: [{env: production}, {env: staging}]}
      - clusters: {selector: {matchLabels: {env: '{{env}}'}}}
  template:
    metadata: {name: '{{env}}-{{name}}'}
    spec: {project: default}
"#;
    assert_eq!(
        names(&generate(yaml, &fleet(), &NoRepos)),
        ["production-prod-edge", "production-prod-eu", "staging-staging"]
    );
}

#[test]
fn matrix_needs_exactly_two_children() {
    let yaml = "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: m}\nspec:\n  generators: [{matrix: {generators: [{list: {elements: [{a: b}]}}]}}]\n  template: {metadata: {name: x}}\n";
    let err = appset(yaml).generate(&[], &NoRepos, true).unwrap_err().to_string();
    assert!(err.contains("found less than two generators, Matrix support only two"), "{err}");
}

#[test]
fn merge_overrides_by_merge_keys() {
    let yaml = r#"
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: merged}
spec:
  generators:
  - merge:
      mergeKeys: [server]
      generators:
      - clusters: {values: {kafka: 'true', replicas: '1'}}
      - clusters:
          selector: {matchLabels: {env: production}}
          values: {replicas: '3'}
      - list:
          elements: [{server: 'convoy://staging', values.kafka: 'false'}]
  template:
    metadata: {name: '{{name}}-r{{values.replicas}}-k{{values.kafka}}'}
    spec: {project: default}
"#;
    assert_eq!(
        names(&generate(yaml, &fleet(), &NoRepos)),
        ["prod-edge-r3-ktrue", "prod-eu-r3-ktrue", "staging-r1-kfalse", "in-cluster-r1-ktrue"]
    );
}

#[test]
fn duplicate_generated_names_are_an_error() {
    let yaml = "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: dup}\nspec:\n  generators: [{list: {elements: [{a: x}, {a: x}]}}]\n  template: {metadata: {name: 'app-{{a}}'}, spec: {project: default}}\n";
    let err = appset(yaml).generate(&[], &NoRepos, true).unwrap_err().to_string();
    assert!(err.ends_with("ApplicationSet dup contains applications with duplicate name: app-x"), "{err}");
    assert!(err.starts_with("appset.yaml: document 1: ApplicationSet dup:"), "{err}");
}

#[test]
fn generator_templates_override_and_template_patch_and_preserve() {
    let yaml = r#"
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: t, namespace: argocd}
spec:
  syncPolicy: {preserveResourcesOnDeletion: true}
  generators:
  - list:
      elements: [{name: a}]
      template:
        metadata: {}
        spec: {project: special}
  templatePatch: |
    metadata:
      annotations:
        owner: '{{name}}-team'
  template:
    metadata: {name: '{{name}}'}
    spec: {project: default, destination: {namespace: x}}
"#;
    let apps = generate(yaml, &[], &NoRepos);
    assert_eq!(apps[0]["spec"]["project"], "special");
    assert_eq!(apps[0]["spec"]["destination"]["namespace"], "x");
    assert_eq!(apps[0]["metadata"]["annotations"]["owner"], "a-team");
    assert!(apps[0]["metadata"].get("finalizers").is_none(), "preserveResourcesOnDeletion drops the finalizer");
}

#[test]
fn unsupported_and_unknown_generators_are_named() {
    let yaml = "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: u}\nspec:\n  generators: [{pullRequest: {github: {owner: o}}}]\n  template: {metadata: {name: x}}\n";
    let err = appset(yaml).generate(&[], &NoRepos, true).unwrap_err().to_string();
    assert!(err.contains("pullRequest generator is not supported"), "{err}");
    let yaml = yaml.replace("pullRequest", "bogus");
    let err = appset(&yaml).generate(&[], &NoRepos, true).unwrap_err().to_string();
    assert!(err.contains("unknown generator \"bogus\""), "{err}");
}

#[test]
fn malformed_application_sets_name_the_field() {
    let err = ApplicationSet::from_document(
        &parse_stream(
            "x.yaml",
            "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: a}\nspec: {generators: {}}\n",
        )
        .unwrap()[0],
    )
    .unwrap_err()
    .to_string();
    assert_eq!(err, "x.yaml: document 1: field spec.generators: must be a list, not a map");
}
