//! Unit tests of the patch engine, one behaviour each.

use super::*;

fn docs(text: &str) -> Vec<Doc> {
    serde_norway::Deserializer::from_str(text)
        .map(|d| <Doc as serde::Deserialize>::deserialize(d).expect("test yaml"))
        .filter(|d| !d.is_null())
        .collect()
}

fn doc(text: &str) -> Doc {
    docs(text).pop().expect("one doc")
}

fn run(res: &str, patch: &str, target: Option<&str>) -> Result<Vec<Doc>, PatchError> {
    let mut r = docs(res);
    let p = parse_patch(patch)?;
    let t = target.map(|t| Target::from_doc(&doc(t))).transpose()?;
    apply(&mut r, &p, t.as_ref(), &PatchOptions::default())?;
    Ok(r)
}

const DEPLOY: &str = "
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web, tier: front}
spec:
  replicas: 1
  template:
    spec:
      containers:
      - name: a
        image: a:1
        env:
        - {name: X, value: '1'}
        - {name: Y, value: '2'}
        ports:
        - containerPort: 80
      - name: b
        image: b:1
      volumes:
      - name: v1
        configMap: {name: c}
";

fn containers(d: &Doc) -> &Vec<Doc> {
    d["spec"]["template"]["spec"]["containers"].as_sequence().expect("containers")
}

#[test]
fn map_merge_and_scalar_override() {
    let out = run(DEPLOY, "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: 3}", None)
        .expect("apply");
    assert_eq!(out[0]["spec"]["replicas"], doc("3"));
    assert_eq!(containers(&out[0]).len(), 2);
}

#[test]
fn null_deletes_field() {
    let out = run(DEPLOY, "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, labels: {tier: null}}", None)
        .expect("apply");
    assert_eq!(out[0]["metadata"]["labels"], doc("{app: web}"));
}

#[test]
fn containers_merge_by_name_patched_first() {
    let p = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: b, image: b:2}\n      - {name: c, image: c:1}";
    let out = run(DEPLOY, p, None).expect("apply");
    let names: Vec<&str> = containers(&out[0]).iter().map(|c| c["name"].as_str().unwrap_or("")).collect();
    assert_eq!(names, ["b", "c", "a"]);
    assert_eq!(containers(&out[0])[0]["image"], doc("b:2"));
    assert_eq!(containers(&out[0])[2]["env"].as_sequence().map(Vec::len), Some(2));
}

#[test]
fn env_merges_by_name() {
    let p = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n      - name: a\n        env:\n        - {name: Y, value: '9'}";
    let out = run(DEPLOY, p, None).expect("apply");
    let env = &containers(&out[0])[0]["env"];
    assert_eq!(env, &doc("[{name: Y, value: '9'}, {name: X, value: '1'}]"));
}

#[test]
fn list_element_delete() {
    let p = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: b, $patch: delete}";
    let out = run(DEPLOY, p, None).expect("apply");
    assert_eq!(containers(&out[0]).len(), 1);
    assert_eq!(containers(&out[0])[0]["name"], doc("a"));
}

#[test]
fn list_replace_directive() {
    let p = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: z, image: z:1}\n      - $patch: replace";
    let out = run(DEPLOY, p, None).expect("apply");
    assert_eq!(containers(&out[0]), &doc("[{name: z, image: z:1}]").as_sequence().cloned().unwrap_or_default());
}

#[test]
fn map_replace_directive() {
    let p = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels: {$patch: replace, only: me}";
    let out = run(DEPLOY, p, None).expect("apply");
    assert_eq!(out[0]["metadata"]["labels"], doc("{only: me}"));
}

#[test]
fn resource_delete() {
    let res = format!("{DEPLOY}\n---\napiVersion: v1\nkind: Service\nmetadata: {{name: web}}\n");
    let out =
        run(&res, "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n$patch: delete", None).expect("apply");
    assert_eq!(out.len(), 1);
    assert_eq!(out[0]["kind"], doc("Service"));
}

#[test]
fn crd_lists_are_replaced() {
    let res = "apiVersion: x.io/v1\nkind: Foo\nmetadata: {name: f}\nspec:\n  items: [{name: a, v: 1}, {name: b}]";
    let out = run(res, "apiVersion: x.io/v1\nkind: Foo\nmetadata: {name: f}\nspec:\n  items: [{name: a, v: 2}]", None)
        .expect("apply");
    assert_eq!(out[0]["spec"]["items"], doc("[{name: a, v: 2}]"));
}

#[test]
fn no_match_is_an_error() {
    let err = run(DEPLOY, "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: nope}", None).unwrap_err();
    assert!(err.0.contains("no matches for Id Deployment.v1.apps/nope.[noNs]"), "{err}");
}

#[test]
fn namespace_must_match_effectively() {
    let res = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: default}\ndata: {a: '1'}";
    let out = run(res, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {b: '2'}", None).expect("apply");
    assert_eq!(out[0]["data"], doc("{a: '1', b: '2'}"));
    let res = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: other}";
    assert!(run(res, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}", None).is_err());
}

#[test]
fn targeted_smp_keeps_name_and_kind() {
    let res =
        format!("{DEPLOY}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: api}}\nspec: {{replicas: 1}}");
    let out = run(&res, "kind: Whatever\nmetadata: {name: ignored}\nspec: {replicas: 5}", Some("kind: Deploy.*"))
        .expect("apply");
    for d in &out {
        assert_eq!(d["spec"]["replicas"], doc("5"));
        assert_eq!(d["kind"], doc("Deployment"));
    }
    assert_eq!(out[1]["metadata"]["name"], doc("api"));
}

#[test]
fn name_change_allowed() {
    let mut r = docs(DEPLOY);
    let p = parse_patch("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: renamed}").expect("parse");
    let t = Target { name: Some("web".into()), ..Target::default() };
    let o = PatchOptions { allow_name_change: true, allow_kind_change: false };
    apply(&mut r, &p, Some(&t), &o).expect("apply");
    assert_eq!(r[0]["metadata"]["name"], doc("renamed"));
}

#[test]
fn json6902_ops() {
    let p = "
- {op: add, path: /spec/template/spec/containers/0/env/-, value: {name: Z, value: '3'}}
- {op: replace, path: /spec/replicas, value: 4}
- {op: remove, path: /metadata/labels/tier}
- {op: copy, from: /metadata/labels/app, path: /metadata/labels/copy}
- {op: move, from: /metadata/labels/copy, path: /metadata/labels/moved}
- {op: test, path: /metadata/labels/moved, value: web}
- {op: add, path: /metadata/annotations, value: {a~b/c: x}}
- {op: test, path: /metadata/annotations/a~0b~1c, value: x}";
    let out = run(DEPLOY, p, Some("kind: Deployment")).expect("apply");
    assert_eq!(out[0]["spec"]["replicas"], doc("4"));
    assert_eq!(out[0]["metadata"]["labels"], doc("{app: web, moved: web}"));
    assert_eq!(containers(&out[0])[0]["env"].as_sequence().map(Vec::len), Some(3));
}

#[test]
fn json6902_errors_name_op_and_path() {
    let err = run(DEPLOY, "[{\"op\": \"test\", \"path\": \"/spec/replicas\", \"value\": 9}]", Some("kind: Deployment"))
        .unwrap_err();
    assert!(err.0.contains("operation 0") && err.0.contains("/spec/replicas"), "{err}");
    let err = run(DEPLOY, "- {op: replace, path: /spec/nope/x, value: 1}", Some("kind: Deployment")).unwrap_err();
    assert!(err.0.contains("/spec/nope/x"), "{err}");
    assert!(run(DEPLOY, "- {op: add, path: /spec/replicas, value: 1}", None).is_err(), "a JSON patch needs a target");
    let out = run(DEPLOY, "- {op: add, path: /spec/paused}", Some("kind: Deployment")).expect("null value");
    assert_eq!(out[0]["spec"]["paused"], Doc::Null);
    assert!(run(DEPLOY, "- {op: bogus, path: /a}", Some("kind: Deployment")).is_err());
    assert!(run(DEPLOY, "- {op: add, path: nope, value: 1}", Some("kind: Deployment")).is_err());
}

#[test]
fn label_and_annotation_selectors() {
    use labels::Selector;
    let l = vec![("app".to_string(), "web".to_string()), ("tier".to_string(), "front".to_string())];
    for (s, want) in [
        ("app=web", true),
        ("app==web", true),
        ("app!=web", false),
        ("app in (api, web)", true),
        ("app notin (web)", false),
        ("tier", true),
        ("!tier", false),
        ("!zone", true),
        ("zone notin (a)", true),
        ("app=web,tier=back", false),
        ("", true),
    ] {
        assert_eq!(Selector::parse(s).expect(s).matches(&l), want, "{s}");
    }
    assert!(Selector::parse("app in (a").is_err());
    assert!(Selector::parse("a b c").is_err());
    assert!(Selector::parse("a in ()").is_err());
    assert!(
        Selector::parse("x.io/a in (b), c>2")
            .expect("gt")
            .matches(&[("x.io/a".into(), "b".into()), ("c".into(), "3".into())])
    );
}

#[test]
fn regex_full_match() {
    use super::regex::Regex;
    for (p, s, want) in [
        ("web", "web", true),
        ("web", "web2", false),
        ("w.*", "web", true),
        ("web|api", "api", true),
        ("(?:a|b)+c", "abac", true),
        ("[a-c]{2,3}", "abc", true),
        ("[a-c]{2,3}", "abcd", false),
        ("^app-\\d+$", "app-12", true),
        ("[^x]*", "abc", true),
        ("a?", "", true),
    ] {
        assert_eq!(Regex::new(p).expect(p).is_full_match(s), want, "{p} {s}");
    }
    for bad in ["(", "[b-a]", "\\q", "*a", "a{2,1}"] {
        assert!(Regex::new(bad).is_err(), "{bad}");
    }
}

#[test]
fn target_from_doc_rejects_unknown_fields() {
    assert!(Target::from_doc(&doc("{kind: Deployment, bogus: 1}")).is_err());
    let t = Target::from_doc(&doc("{group: apps, labelSelector: 'a=b'}")).expect("target");
    assert_eq!(t.group.as_deref(), Some("apps"));
    assert_eq!(t.label_selector.as_deref(), Some("a=b"));
}

#[test]
fn parse_patch_kinds() {
    assert!(matches!(parse_patch("[{\"op\":\"add\",\"path\":\"/a\",\"value\":1}]"), Ok(Patch::Json6902(_))));
    let two = "kind: A\nmetadata: {name: a}\n---\n{}\n---\nkind: BList\nitems: [{kind: B, metadata: {name: b}}]";
    assert!(matches!(parse_patch(two), Ok(Patch::StrategicMerge(v)) if v.len() == 2));
    assert!(parse_patch("metadata: {name: a}").is_err());
    assert!(parse_patch("kind: A\nmetadata: {}").is_err());
    assert!(parse_patch("kind: A\nmetadata: {name: a}\nspec: {x: [1, null]}").is_err());
    assert!(parse_patch("").is_err());
    assert!(parse_patch("- 1").is_err());
    assert!(parse_patch("a: [").is_err());
}

#[test]
fn kind_mismatch_is_an_error_not_a_panic() {
    let err = run(DEPLOY, "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {template: 3}", None)
        .unwrap_err();
    assert!(err.0.contains("spec.template"), "{err}");
}

#[test]
fn finalizers_union() {
    let res = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, finalizers: [a, b]}";
    let out =
        run(res, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, finalizers: [c, a]}", None).expect("apply");
    assert_eq!(out[0]["metadata"]["finalizers"], doc("[c, a, b]"));
}

#[test]
fn unknown_directive_is_an_error() {
    let err = run(DEPLOY, "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {$patch: bogus}", None)
        .unwrap_err();
    assert!(err.0.contains("unknown patch strategy 'bogus'"), "{err}");
}

/// Every pairing of odd fragments, as resource field and patch field, in
/// merge-keyed and plain positions: errors are fine, panics are not.
#[test]
fn odd_inputs_never_panic() {
    let fragments = [
        "null",
        "1",
        "'x'",
        "[]",
        "{}",
        "[1, null, [2]]",
        "[{name: a}, {}, null, {name: a}, 3]",
        "[{$patch: delete}]",
        "[{$patch: replace}, {name: b}]",
        "[{$patch: bogus}]",
        "{$patch: delete}",
        "{$patch: replace, a: 1}",
        "{$patch: [1]}",
        "{a: {b: null}}",
        "[{containerPort: 80}, {containerPort: 80, protocol: UDP}, {protocol: TCP}]",
        "!tag {a: 1}",
        "{1: a, true: b}",
    ];
    for field in ["containers", "ports", "tolerations", "finalizers", "custom"] {
        for d in fragments {
            for p in fragments {
                let wrap = |v: &str| {
                    format!(
                        "apiVersion: v1\nkind: Pod\nmetadata: {{name: p, finalizers: {v}}}\nspec:\n  {field}: {v}\n  containers: [{{name: c, ports: {v}}}]"
                    )
                };
                let (Ok(mut res), Ok(patch)) = (
                    serde_norway::Deserializer::from_str(&wrap(d))
                        .map(<Doc as serde::Deserialize>::deserialize)
                        .collect::<Result<Vec<Doc>, _>>(),
                    serde_norway::from_str::<Doc>(&wrap(p)),
                ) else {
                    continue;
                };
                let _ = apply(&mut res, &Patch::StrategicMerge(vec![patch]), None, &PatchOptions::default());
                let ops = format!(
                    "[{{op: add, path: /spec/{field}/0, value: {p}}}, {{op: move, from: /spec, path: /spec/x}}]"
                );
                if let Ok(p) = parse_patch(&ops) {
                    let _ = apply(&mut res, &p, Some(&Target::default()), &PatchOptions::default());
                }
            }
        }
    }
}

#[test]
fn odd_patterns_never_panic() {
    for p in [
        "",
        "(",
        ")",
        "[",
        "[]",
        "[^]",
        "a{",
        "a{1",
        "a{1,",
        "{1}",
        "\\",
        "(?",
        "(?i)a",
        "a|",
        "|",
        "((((a))))",
        "[a-]",
        "[-a]",
        "a{1000}",
    ] {
        if let Ok(r) = super::regex::Regex::new(p) {
            let _ = r.is_full_match("a-b");
        }
    }
    for s in ["", "=", "!", "a in", "a notin ()", "a>", "a<b", ",", "a,,b", "a=(b)"] {
        let _ = labels::Selector::parse(s);
    }
}
