//! Turning an ApplicationSet template and one parameter set into an
//! Application, as Argo CD's `RenderTemplateParams` does: every string (and
//! every map key) of the template is rendered, map entries that are null are
//! dropped, the resources finalizer is added unless the ApplicationSet
//! preserves resources, `templatePatch` is applied as a merge patch, and the
//! Application lands in the ApplicationSet's namespace.

use super::params::Params;
use serde_json::{Map, Value};

pub const RESOURCES_FINALIZER: &str = "resources-finalizer.argocd.argoproj.io";

/// Renders template strings with a parameter set.
pub trait Templater {
    /// Prepares `params` once for rendering many strings of one object.
    fn bind<'a>(&'a self, params: &'a Params) -> Result<Box<dyn Bound + 'a>, String>;

    /// Renders one string.
    fn render(&self, text: &str, params: &Params) -> Result<String, String> {
        self.bind(params)?.render(text)
    }
}

/// A templater bound to one parameter set.
pub trait Bound {
    fn render(&self, text: &str) -> Result<String, String>;
}

/// Argo CD's default templating: `{{ name }}` is replaced by a string
/// parameter of that name; anything else is left exactly as written.
#[derive(Debug, Default, Clone, Copy)]
pub struct FastTemplater;

impl Templater for FastTemplater {
    fn bind<'a>(&'a self, params: &'a Params) -> Result<Box<dyn Bound + 'a>, String> {
        Ok(Box::new(FastBound(params)))
    }
}

struct FastBound<'a>(&'a Params);

impl Bound for FastBound<'_> {
    fn render(&self, text: &str) -> Result<String, String> {
        let params = self.0;
        // Argo only templates strings that have `{{ ... }}` on one line.
        if !text.lines().any(|l| l.find("{{").is_some_and(|i| l[i + 2..].contains("}}"))) {
            return Ok(text.to_string());
        }
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find("{{") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let Some(end) = after.find("}}") else {
                return Err(format!("invalid template: cannot find end tag=\"}}}}\" in the template={text:?}"));
            };
            let tag = &after[..end];
            let key = tag.trim();
            match params.get(key) {
                Some(Value::String(s)) if !key.is_empty() => out.push_str(s),
                _ => {
                    out.push_str("{{");
                    out.push_str(tag);
                    out.push_str("}}");
                }
            }
            rest = &after[end + 2..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

/// Renders every string and map key of `value`.
pub fn render_value(value: &Value, t: &dyn Templater, params: &Params) -> Result<Value, String> {
    Ok(match value {
        Value::String(s) => Value::String(t.render(s, params)?),
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| render_value(v, t, params)).collect::<Result<_, _>>()?)
        }
        Value::Object(map) => {
            let mut out = Map::with_capacity(map.len());
            for (k, v) in map {
                if v.is_null() {
                    continue;
                }
                out.insert(t.render(k, params)?, render_value(v, t, params)?);
            }
            Value::Object(out)
        }
        other => other.clone(),
    })
}

/// What the ApplicationSet contributes to every Application it renders.
#[derive(Debug, Clone, Default)]
pub struct RenderSettings {
    pub namespace: String,
    pub preserve_resources_on_deletion: bool,
    pub template_patch: Option<String>,
}

/// Builds one Application from a (merged) template and one parameter set.
pub fn render_application(
    template: &Value,
    params: &Params,
    t: &dyn Templater,
    settings: &RenderSettings,
) -> Result<Value, String> {
    let meta = &template["metadata"];
    let mut metadata = Map::new();
    for key in ["name", "namespace", "labels", "annotations", "finalizers"] {
        if let Some(v) = meta.get(key).filter(|v| !is_zero(v)) {
            metadata.insert(key.to_string(), v.clone());
        }
    }
    let mut app = Map::new();
    app.insert("metadata".into(), Value::Object(metadata));
    app.insert("spec".into(), template.get("spec").cloned().unwrap_or_else(|| Value::Object(Map::new())));
    let mut app = Value::Object(app);

    // As in Argo CD, an empty parameter set leaves the template untouched.
    if !params.is_empty() {
        app = render_value(&app, t, params)?;
        let finalizers = app["metadata"].get("finalizers").and_then(Value::as_array).map_or(0, Vec::len);
        if !settings.preserve_resources_on_deletion && finalizers == 0 {
            app["metadata"]["finalizers"] = Value::Array(vec![Value::String(RESOURCES_FINALIZER.into())]);
        }
    }
    if let Some(patch) = &settings.template_patch {
        let rendered = t.render(patch, params).map_err(|e| format!("error replacing values in templatePatch: {e}"))?;
        let patch: Value =
            serde_norway::from_str(&rendered).map_err(|e| format!("templatePatch is not valid YAML: {e}"))?;
        // A patch that renders to nothing changes nothing, as a null
        // strategic merge patch leaves the object as it is.
        match &patch {
            Value::Null => {}
            Value::Object(_) => merge_patch(&mut app, &patch),
            other => return Err(format!("templatePatch must render to a map, not {}", crate::manifest::kind(other))),
        }
    }
    match &mut app["metadata"] {
        Value::Object(m) if settings.namespace.is_empty() => {
            m.remove("namespace");
        }
        m => m["namespace"] = Value::String(settings.namespace.clone()),
    }
    let mut out = Map::new();
    out.insert("apiVersion".into(), Value::String("argoproj.io/v1alpha1".into()));
    out.insert("kind".into(), Value::String("Application".into()));
    if let Value::Object(m) = app {
        out.extend(m);
    }
    Ok(Value::Object(out))
}

/// RFC 7386 JSON merge patch (what a strategic merge patch amounts to on
/// Application, whose fields declare no list merge strategies).
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    if let Value::Object(t) = target {
        for (k, v) in patch {
            if v.is_null() {
                t.remove(k);
            } else {
                merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
    }
}

/// mergo's notion of an empty value: the field is filled from the other side.
pub fn is_zero(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(m) => m.is_empty(),
    }
}

/// mergo's `Merge(dst, src)` without override: fills `dst`'s empty fields
/// from `src`, recursing into maps. Used to complete a generator's own
/// `template` with the ApplicationSet's.
pub fn fill_zero(dst: &mut Value, src: &Value) {
    match (dst, src) {
        (Value::Object(d), Value::Object(s)) => {
            for (k, sv) in s {
                match d.get_mut(k) {
                    Some(dv) if !is_zero(dv) => fill_zero(dv, sv),
                    _ => {
                        d.insert(k.clone(), sv.clone());
                    }
                }
            }
        }
        (d, s) if is_zero(d) => *d = s.clone(),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn p(v: Value) -> Params {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn fasttemplate_replaces_only_known_string_params() {
        let params = p(json!({"name": "web", "n": 3}));
        let t = FastTemplater;
        assert_eq!(t.render("{{name}}-{{ name }}", &params).unwrap(), "web-web");
        assert_eq!(t.render("{{missing}}/{{n}}/{{}}", &params).unwrap(), "{{missing}}/{{n}}/{{}}");
        assert_eq!(t.render("no tags", &params).unwrap(), "no tags");
        assert_eq!(t.render("{{name\n}}", &params).unwrap(), "{{name\n}}", "tags across lines are not templates");
        assert!(t.render("a {{name}} {{oops", &params).unwrap_err().contains("cannot find end tag"));
    }

    #[test]
    fn applications_get_finalizer_namespace_and_patch() {
        let template = json!({
            "metadata": {"name": "{{name}}-app", "labels": {"team-{{name}}": "x", "gone": null}},
            "spec": {"project": "default", "destination": {"server": "{{server}}", "namespace": "web"}}
        });
        let settings = RenderSettings {
            namespace: "argocd".into(),
            template_patch: Some("spec:\n  project: '{{name}}-proj'\n".into()),
            ..Default::default()
        };
        let app =
            render_application(&template, &p(json!({"name": "a", "server": "https://s"})), &FastTemplater, &settings)
                .unwrap();
        assert_eq!(app["metadata"]["name"], "a-app");
        assert_eq!(app["metadata"]["namespace"], "argocd");
        assert_eq!(app["metadata"]["labels"], json!({"team-a": "x"}));
        assert_eq!(app["metadata"]["finalizers"], json!([RESOURCES_FINALIZER]));
        assert_eq!(app["spec"]["destination"]["server"], "https://s");
        assert_eq!(app["spec"]["project"], "a-proj");

        let keep = RenderSettings { preserve_resources_on_deletion: true, ..Default::default() };
        let app = render_application(&template, &p(json!({"name": "a"})), &FastTemplater, &keep).unwrap();
        assert!(app["metadata"].get("finalizers").is_none());
        assert!(app["metadata"].get("namespace").is_none());
    }

    #[test]
    fn generator_templates_are_completed_from_the_appset_template() {
        let mut own = json!({"metadata": {"name": "own"}, "spec": {"project": "", "source": {"path": "x"}}});
        fill_zero(
            &mut own,
            &json!({"metadata": {"name": "base", "labels": {"a": "b"}}, "spec": {"project": "p", "source": {"path": "y", "repoURL": "r"}}}),
        );
        assert_eq!(
            own,
            json!({"metadata": {"name": "own", "labels": {"a": "b"}}, "spec": {"project": "p", "source": {"path": "x", "repoURL": "r"}}})
        );
    }
}
