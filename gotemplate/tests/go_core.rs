//! Golden tests for the core engine: each case's expected output/error was
//! produced by running Go's text/template (go1.19) on the same template and
//! JSON data (numbers as float64), outside this repository.

use convoy_gotemplate::{MissingKey, Options, TemplateSet, Value};

#[test]
fn matches_go_text_template() {
    let raw = include_str!("data/go_core.json");
    let groups: Vec<serde_json::Value> = serde_json::from_str(raw).unwrap();
    let mut failures = Vec::new();
    let mut total = 0;
    for g in &groups {
        let data = Value::from_json(&g["d"]);
        let opts = Options {
            missing_key: match g["mk"].as_str().unwrap() {
                "zero" => MissingKey::Zero,
                "error" => MissingKey::Error,
                _ => MissingKey::Default,
            },
            ..Options::default()
        };
        for c in g["cases"].as_array().unwrap() {
            total += 1;
            let t = c["t"].as_str().unwrap();
            let mut set = TemplateSet::default();
            let got = match set.parse("t", t) {
                Err(e) => format!("ERR: {e}"),
                Ok(_) => match set.execute("t", &data, &opts) {
                    Ok(s) => s,
                    Err(e) => format!("ERR: {e}"),
                },
            };
            let want = c["want"].as_str().unwrap();
            if got != want {
                failures.push(format!("template {t:?}\n  want {want:?}\n  got  {got:?}"));
            }
        }
    }
    assert!(total > 300);
    assert!(failures.is_empty(), "{} of {} cases differ:\n{}", failures.len(), total, failures.join("\n"));
}
