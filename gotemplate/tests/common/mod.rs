//! Shared helpers for integration tests.
#![allow(dead_code)]

use convoy_gotemplate::{FuncMap, Options, TemplateSet, Value};

/// Renders `tpl` with Argo CD's function set (sprig + toYaml/fromYaml...) on JSON data.
pub fn render(tpl: &str, data: serde_json::Value) -> Result<String, String> {
    let mut set = TemplateSet::new(FuncMap::argocd());
    set.parse("t", tpl).map_err(|e| e.to_string())?;
    set.execute("t", &Value::from_json(&data), &Options::default()).map_err(|e| e.to_string())
}

/// Renders with no data, panicking on error.
pub fn r(tpl: &str) -> String {
    render(tpl, serde_json::Value::Null).unwrap_or_else(|e| panic!("{tpl}: {e}"))
}

/// Renders with no data, returning the error text.
pub fn err(tpl: &str) -> String {
    match render(tpl, serde_json::Value::Null) {
        Ok(s) => panic!("{tpl}: expected an error, got {s:?}"),
        Err(e) => e,
    }
}
