//! Golden tests for sprig functions and `toYaml`: expectations were produced
//! by Go's text/template with sprig v3.2.3 and gopkg.in/yaml.v2 v2.4.0
//! (`toYaml` = JSON round trip + yaml.v2, as sigs.k8s.io/yaml does;
//! `fromYaml` = yaml.v2 decode + JSON round trip), run
//! outside this repository. Cases where those library versions differ from
//! the ones Helm ships (sprig 3.3 / mergo 1.0 / xstrings 1.5 / Go 1.22 JSON
//! escapes) are left out here and covered by explicit tests instead.

use convoy_gotemplate::{FuncMap, MissingKey, Options, TemplateSet, Value};

#[test]
fn matches_go_sprig_and_yaml_v2() {
    let raw = include_str!("data/go_sprig.json");
    let groups: Vec<serde_json::Value> = serde_json::from_str(raw).unwrap();
    let mut failures = Vec::new();
    let mut total = 0;
    for g in &groups {
        let data = Value::from_json(&g["d"]);
        let missing_key = match g["mk"].as_str().unwrap() {
            "zero" => MissingKey::Zero,
            "error" => MissingKey::Error,
            _ => MissingKey::Default,
        };
        let opts = Options { missing_key, ..Options::default() };
        for c in g["cases"].as_array().unwrap() {
            total += 1;
            let t = c["t"].as_str().unwrap();
            let mut set = TemplateSet::new(FuncMap::argocd());
            let got = match set.parse("t", t) {
                Err(e) => format!("ERR: {e}"),
                Ok(_) => set.execute("t", &data, &opts).unwrap_or_else(|e| format!("ERR: {e}")),
            };
            let want = c["want"].as_str().unwrap();
            if got != want {
                failures.push(format!("template {t:?}\n  want {want:?}\n  got  {got:?}"));
            }
        }
    }
    assert!(total > 200);
    assert!(failures.is_empty(), "{} of {} cases differ:\n{}", failures.len(), total, failures.join("\n"));
}
