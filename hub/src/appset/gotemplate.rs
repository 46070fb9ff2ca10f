//! `goTemplate: true`: Go's text/template with Argo CD's function map
//! (sprig without env access, plus toYaml/fromYaml/...), and the
//! `goTemplateOptions` Argo CD passes to Go (`missingkey=error|zero|default`).
//!
//! Parameters reach templates as Go sees them after Argo CD's JSON decoding
//! (every number a float64). Parsed templates are cached by their text,
//! since one ApplicationSet renders the same strings for every element.

use super::params::Params;
use super::render::{Bound, Templater};
use convoy_gotemplate::{FuncMap, MissingKey, Options, TemplateSet, Value as GoValue};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub struct GoTemplater {
    funcs: FuncMap,
    options: Options,
    parsed: Mutex<HashMap<String, Arc<TemplateSet>>>,
}

impl GoTemplater {
    /// A templater for an ApplicationSet's `goTemplateOptions`.
    pub fn new(go_options: &[String]) -> Result<GoTemplater, String> {
        let mut options = Options::default();
        for o in go_options {
            options.missing_key = match o.as_str() {
                "missingkey=error" => MissingKey::Error,
                "missingkey=zero" => MissingKey::Zero,
                "missingkey=default" | "missingkey=invalid" => MissingKey::Default,
                other => return Err(format!("goTemplateOptions: unrecognized option: {other}")),
            };
        }
        Ok(GoTemplater { funcs: FuncMap::argocd(), options, parsed: Mutex::new(HashMap::new()) })
    }

    /// `missingkey=error`, used to pre-resolve nested generators' values.
    pub fn strict() -> GoTemplater {
        GoTemplater {
            funcs: FuncMap::argocd(),
            options: Options { missing_key: MissingKey::Error, ..Options::default() },
            parsed: Mutex::new(HashMap::new()),
        }
    }

    fn template(&self, text: &str) -> Result<Arc<TemplateSet>, String> {
        if let Some(t) = self.parsed.lock().unwrap_or_else(|p| p.into_inner()).get(text) {
            return Ok(t.clone());
        }
        let mut set = TemplateSet::new(self.funcs.clone());
        set.parse("", text).map_err(|e| format!("failed to parse template {text}: {e}"))?;
        let set = Arc::new(set);
        self.parsed.lock().unwrap_or_else(|p| p.into_inner()).insert(text.to_string(), set.clone());
        Ok(set)
    }
}

struct GoBound<'a> {
    templater: &'a GoTemplater,
    data: GoValue,
}

impl Templater for GoTemplater {
    fn bind<'a>(&'a self, params: &'a Params) -> Result<Box<dyn Bound + 'a>, String> {
        let data = GoValue::from_json(&serde_json::Value::Object(params.clone()));
        Ok(Box::new(GoBound { templater: self, data }))
    }
}

impl Bound for GoBound<'_> {
    fn render(&self, text: &str) -> Result<String, String> {
        // Argo CD parses every string, templated or not.
        let set = self.templater.template(text)?;
        set.execute("", &self.data, &self.templater.options)
            .map_err(|e| format!("failed to execute go template {text}: {e}"))
    }
}
