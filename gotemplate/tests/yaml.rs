//! toYaml formatting (sigs.k8s.io/yaml → gopkg.in/yaml.v2 emitter) and fromYaml.

mod common;
use common::render;
use convoy_gotemplate::Value;
use convoy_gotemplate::yaml::{from_yaml, to_yaml};
use serde_json::json;

fn y(v: serde_json::Value) -> String {
    to_yaml(&Value::from_json(&v)).unwrap()
}

#[test]
fn mappings_sequences_and_quoting() {
    let v = json!({
        "b": [1, "two", {"c": true}], "a": "hello world", "n": null, "e": "", "t": "true", "num": 1000000,
        "f": 1.5, "s": "- x", "multi": "line1\nline2\n", "nomulti": "line1\nline2", "empty_list": [],
        "empty_map": {}, "colon": "a: b", "hash": "a #b", "date": "2024-01-02", "ver": "1.0", "octal": "0755",
        "quote": "it's", "lead": " x", "yes": "yes", "star": "*x", "tab": "a\tb", "emoji": "😀", "accent": "héllo"
    });
    let want = "a: hello world
accent: héllo
b:
- 1
- two
- c: true
colon: 'a: b'
date: \"2024-01-02\"
e: \"\"
emoji: \"\\U0001F600\"
empty_list: []
empty_map: {}
f: 1.5
hash: 'a #b'
lead: ' x'
multi: |
  line1
  line2
\"n\": null
nomulti: |-
  line1
  line2
num: 1000000
octal: \"0755\"
quote: it's
s: '- x'
star: '*x'
t: \"true\"
tab: \"a\\tb\"
ver: \"1.0\"
\"yes\": \"yes\"
";
    assert_eq!(y(v), want);
}

#[test]
fn yaml11_booleans_are_quoted_even_as_keys() {
    assert_eq!(y(json!({"y": "n", "on": "off", "x": "no"})), "\"on\": \"off\"\nx: \"no\"\n\"y\": \"n\"\n");
}

#[test]
fn nesting_and_key_order() {
    let v = json!({"list": [{"name": "a", "ports": [80, 443]}], "resources": {"limits": {"cpu": "100m", "memory": "128Mi"}}});
    assert_eq!(
        y(v),
        "list:\n- name: a\n  ports:\n  - 80\n  - 443\nresources:\n  limits:\n    cpu: 100m\n    memory: 128Mi\n"
    );
    assert_eq!(y(json!({"item10": 1, "item2": 2, "Item": 0})), "Item: 0\nitem2: 2\nitem10: 1\n");
    assert_eq!(y(json!([[1, 2], [3]])), "- - 1\n  - 2\n- - 3\n");
    assert_eq!(y(json!(["a", "b"])), "- a\n- b\n");
    assert_eq!(y(json!("hello")), "hello\n");
    assert_eq!(y(json!(null)), "null\n");
    assert_eq!(y(json!({})), "{}\n");
}

#[test]
fn numbers_go_through_json() {
    assert_eq!(y(json!({"a": 1e21, "b": 1e-7, "c": 3.0, "d": -0.5})), "a: 1e+21\nb: 1e-07\nc: 3\nd: -0.5\n");
}

#[test]
fn long_strings_fold_at_80_columns() {
    let words = vec!["word"; 20].join(" ");
    let out = y(json!({ "k": words }));
    let first = format!("k: {}", vec!["word"; 16].join(" "));
    assert_eq!(out, format!("{first}\n  word word word word\n"));
}

#[test]
fn to_yaml_in_templates_strips_trailing_newline() {
    let out = render("spec:\n  {{- toYaml .r | nindent 2 }}", json!({"r": {"a": 1, "b": [1, 2]}})).unwrap();
    assert_eq!(out, "spec:\n  a: 1\n  b:\n  - 1\n  - 2");
}

#[test]
fn from_yaml_decodes_like_sigs_yaml() {
    let v = from_yaml("a: 1\nb: [x, 2.5]\nc: {d: null}\ne: yes\n").unwrap();
    assert_eq!(v.to_go_string(), "map[a:1 b:[x 2.5] c:map[d:<nil>] e:true]");
    assert!(from_yaml("a: [").is_err());
}

#[test]
fn from_yaml_survives_hostile_input() {
    assert!(from_yaml(&"[".repeat(200_000)).is_err());
    let deep = format!("{}1{}", "[".repeat(5_000), "]".repeat(5_000));
    let _ = from_yaml(&deep);
    // Billion laughs: alias expansion is bounded.
    let mut doc = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let p = i - 1;
        doc.push_str(&format!("a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"));
    }
    assert!(from_yaml(&doc).unwrap_err().contains("excessive aliasing"));
}

#[test]
fn from_yaml_uses_yaml_1_1_like_go() {
    let v = from_yaml("a: 0755\nb: yes\nc: off\nd: 1_000\ne: 'yes'\nf: 2001-12-14\n").unwrap();
    assert_eq!(
        convoy_gotemplate::json::encode(&v, false, "").unwrap(),
        r#"{"a":493,"b":true,"c":false,"d":1000,"e":"yes","f":"2001-12-14"}"#
    );
}
