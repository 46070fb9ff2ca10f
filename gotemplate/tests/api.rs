//! Public API behaviour: function maps, context access (Helm-style include
//! and tpl built by the caller), options, delimiters, thread safety, and
//! Go ≥1.22 constructs not covered by the go1.19 golden file.

mod common;
use common::{r, render};
use convoy_gotemplate::{Arity, FuncError, FuncMap, MissingKey, NumberMode, Options, TemplateSet, Value};
use serde_json::json;

fn helm_like() -> FuncMap {
    let mut f = FuncMap::sprig();
    f.insert("include", Arity::Fixed(2), |ctx, a| {
        let name = a[0].as_str().ok_or_else(|| FuncError::new("include: name must be a string"))?;
        Ok(Value::string(ctx.execute_template(name, &a[1])?))
    });
    f.insert("tpl", Arity::Fixed(2), |ctx, a| {
        let text = a[0].as_str().ok_or_else(|| FuncError::new("tpl: text must be a string"))?;
        let name = ctx.template_name().to_string();
        Ok(Value::string(ctx.execute_text(&name, text, &a[1])?))
    });
    f.insert("required", Arity::Fixed(2), |_, a| match &a[1] {
        Value::Missing | Value::Nil => Err(FuncError::new(a[0].to_go_string())),
        Value::Str(s) if s.is_empty() => Err(FuncError::new(a[0].to_go_string())),
        v => Ok(v.clone()),
    });
    f
}

#[test]
fn include_tpl_and_required_can_be_built_by_the_caller() {
    let mut set = TemplateSet::new(helm_like());
    set.parse("_helpers.tpl", r#"{{- define "name" -}}{{ .Values.name | trunc 5 }}{{- end -}}"#).unwrap();
    set.parse("deploy.yaml", "name: {{ include \"name\" . | upper }}\nmsg: {{ tpl .Values.msg . }}").unwrap();
    let data = Value::from_json(&json!({"Values": {"name": "convoyapp", "msg": "hi {{ .Values.name }}"}}));
    let out = set.execute("deploy.yaml", &data, &Options::default()).unwrap();
    assert_eq!(out, "name: CONVO\nmsg: hi convoyapp");
    set.parse("bad", "x: {{ tpl .Values.bad . }}").unwrap();
    let bad = Value::from_json(&json!({"Values": {"bad": "{{ .nope.x }}"}}));
    let opts = Options { missing_key: MissingKey::Zero, ..Options::default() };
    let e = set.execute("bad", &bad, &opts).unwrap_err().to_string();
    assert_eq!(
        e,
        r#"template: bad:1:6: executing "bad" at <tpl .Values.bad .>: error calling tpl: template: bad:1:8: executing "bad" at <.nope.x>: nil pointer evaluating interface {}.x"#
    );
    set.parse("req", r#"{{ required "name is required" .Values.missing }}"#).unwrap();
    let e = set.execute("req", &data, &Options::default()).unwrap_err().to_string();
    assert_eq!(
        e,
        r#"template: req:1:3: executing "req" at <required "name is required" .Values.missing>: error calling required: name is required"#
    );
}

#[test]
fn user_functions_override_builtins_and_sprig() {
    let mut f = FuncMap::sprig();
    f.insert_pure("upper", Arity::Fixed(1), |a| Ok(Value::string(format!("<{}>", a[0].to_go_string()))));
    f.insert_pure("len", Arity::Fixed(1), |_| Ok(Value::Int(42)));
    let mut set = TemplateSet::new(f);
    set.parse("t", r#"{{ upper "x" }} {{ len "abc" }}"#).unwrap();
    assert_eq!(set.execute("t", &Value::Missing, &Options::default()).unwrap(), "<x> 42");
}

#[test]
fn unknown_functions_fail_at_parse_time() {
    let mut set = TemplateSet::default();
    let e = set.parse("t", "line1\n{{ nope 1 }}").unwrap_err().to_string();
    assert_eq!(e, r#"template: t:2: function "nope" not defined"#);
}

#[test]
fn argo_missingkey_error() {
    let mut set = TemplateSet::new(FuncMap::argocd());
    set.parse("t", "{{ .cluster.name }}-{{ .path.basename }}").unwrap();
    let opts = Options { missing_key: MissingKey::Error, ..Options::default() };
    let data = Value::from_json(&json!({"cluster": {"name": "c1"}}));
    let e = set.execute("t", &data, &opts).unwrap_err().to_string();
    assert_eq!(e, r#"template: t:1:28: executing "t" at <.path.basename>: map has no entry for key "path""#);
}

#[test]
fn custom_delimiters() {
    let mut set = TemplateSet::new(FuncMap::sprig());
    set.delims("[[", "]]");
    set.parse("t", "{{ keep }} [[ .a | upper ]] [[- /* c */ -]] x").unwrap();
    let out = set.execute("t", &Value::from_json(&json!({"a": "b"})), &Options::default()).unwrap();
    assert_eq!(out, "{{ keep }} Bx");
}

#[test]
fn go_122_range_over_int_and_else_with() {
    assert_eq!(
        r("{{ range 3 }}{{ . }}{{ end }}|{{ range $i := 2 }}{{ $i }}{{ end }}|{{ range 0 }}x{{ else }}none{{ end }}"),
        "012|01|none"
    );
    assert_eq!(render("{{ with .a }}A{{ else with .b }}B{{ .}}{{ else }}C{{ end }}", json!({"b": "x"})).unwrap(), "Bx");
    assert!(
        render("{{ range $i, $v := 3 }}{{ end }}", json!({}))
            .unwrap_err()
            .contains("can't use 3 to iterate over more than one variable")
    );
}

#[test]
fn and_or_short_circuit() {
    // The second operand would fail if evaluated.
    assert_eq!(r("{{ and false (fail \"no\") }} {{ or true (fail \"no\") }}"), "false true");
    assert_eq!(r("{{ or 0 \"\" }}|{{ and 1 \"x\" }}"), "|x");
}

#[test]
fn number_modes() {
    let j = json!({"n": 1000000, "f": 1.5});
    let f = Value::from_json_with(&j, NumberMode::Float64);
    let i = Value::from_json_with(&j, NumberMode::IntWhenIntegral);
    let mut set = TemplateSet::default();
    set.parse("t", "{{ .n }} {{ .f }} {{ printf \"%T\" .n }}").unwrap();
    assert_eq!(set.execute("t", &f, &Options::default()).unwrap(), "1e+06 1.5 float64");
    assert_eq!(set.execute("t", &i, &Options::default()).unwrap(), "1000000 1.5 int");
    assert_eq!(i.to_json(), j);
}

#[test]
fn sets_are_send_sync_and_reusable() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<TemplateSet>();
    assert_send_sync::<Value>();
    let mut set = TemplateSet::new(FuncMap::argocd());
    set.parse("t", "{{ range $k, $v := .m }}{{ $k }}={{ $v | toString | upper }};{{ end }}").unwrap();
    let set = std::sync::Arc::new(set);
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let set = set.clone();
            std::thread::spawn(move || {
                for i in 0..250 {
                    let data = Value::from_json(&json!({"m": {"b": i, "a": format!("t{t}")}}));
                    let out = set.execute("t", &data, &Options::default()).unwrap();
                    assert_eq!(out, format!("a=T{t};b={i};"));
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}

#[test]
fn whitespace_trimming_and_comments() {
    assert_eq!(r("a  {{- 1 -}}  b {{- /* gone */ -}}\n\n c"), "a1bc");
    assert_eq!(r("{{- if true }}\n  x\n{{- end }}\n"), "\n  x\n");
}

#[test]
fn nested_define_and_template_with_dot() {
    let out = render(
        r#"{{ define "item" }}<{{ .name }}>{{ end }}{{ define "list" }}{{ range . }}{{ template "item" . }}{{ end }}{{ end }}{{ template "list" .items }}"#,
        json!({"items": [{"name": "a"}, {"name": "b"}]}),
    )
    .unwrap();
    assert_eq!(out, "<a><b>");
}

#[test]
fn redefinition_replaces_but_empty_does_not() {
    let mut set = TemplateSet::default();
    set.parse("a", r#"{{ define "x" }}one{{ end }}"#).unwrap();
    set.parse("b", r#"{{ define "x" }}two{{ end }}{{ template "x" }}"#).unwrap();
    set.parse("c", r#"{{ define "x" }}  {{ end }}"#).unwrap();
    assert_eq!(set.execute("b", &Value::Missing, &Options::default()).unwrap(), "two");
    assert!(set.execute("nope", &Value::Missing, &Options::default()).is_err());
}

/// A Helm-like `.Files` object with a method taking arguments.
#[derive(Debug)]
struct Files;

impl convoy_gotemplate::value::Object for Files {
    fn type_name(&self) -> &str {
        "chart.Files"
    }
    fn field(&self, _name: &str) -> Option<Value> {
        None
    }
    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, FuncError>> {
        match name {
            "Get" => Some(match args {
                [Value::Str(p)] => Ok(Value::string(format!("content of {p}"))),
                _ => Err(FuncError::new(format!("wrong number of args for Get: want 1 got {}", args.len()))),
            }),
            _ => None,
        }
    }
    fn to_go_string(&self) -> String {
        "map[]".into()
    }
}

#[test]
fn host_objects_expose_fields_and_methods() {
    let mut root = convoy_gotemplate::Map::new();
    root.insert("Files".into(), Value::Object(std::sync::Arc::new(Files)));
    let data = Value::map(root);
    let mut set = TemplateSet::new(FuncMap::sprig());
    set.parse("t", r#"{{ .Files.Get "a.txt" }}|{{ "b.txt" | .Files.Get | upper }}|{{ typeOf .Files }}"#).unwrap();
    assert_eq!(set.execute("t", &data, &Options::default()).unwrap(), "content of a.txt|CONTENT OF B.TXT|chart.Files");
    set.parse("e", r#"{{ .Files.Nope }}"#).unwrap();
    let e = set.execute("e", &data, &Options::default()).unwrap_err().to_string();
    assert_eq!(e, r#"template: e:1:9: executing "e" at <.Files.Nope>: can't evaluate field Nope in type chart.Files"#);
    set.parse("v", r#"{{ $v := semver "v1.2.3-rc.1" }}{{ $v }} {{ $v.Major }} {{ typeOf $v }} {{ toJson $v }}"#)
        .unwrap();
    assert_eq!(set.execute("v", &data, &Options::default()).unwrap(), r#"1.2.3-rc.1 1 *semver.Version "1.2.3-rc.1""#);
}

#[test]
fn injected_clock_drives_date_functions() {
    use convoy_gotemplate::funcs::Time;
    let mut f = FuncMap::sprig();
    f.insert_pure("now", Arity::Fixed(0), |_| {
        Ok(Value::Object(std::sync::Arc::new(Time::from_unix(1_700_000_000, 0))))
    });
    let mut set = TemplateSet::new(f);
    set.parse(
        "t",
        r#"{{ now | date "2006-01-02" }} {{ (now).Year }} {{ now | unixEpoch }} {{ dateModify "48h" now | htmlDate }}"#,
    )
    .unwrap();
    assert_eq!(
        set.execute("t", &Value::Missing, &Options::default()).unwrap(),
        "2023-11-14 2023 1700000000 2023-11-16"
    );
    // Without an injected clock, `now` fails loudly.
    let mut set = TemplateSet::new(FuncMap::sprig());
    set.parse("t", "{{ now }}").unwrap();
    assert!(
        set.execute("t", &Value::Missing, &Options::default())
            .unwrap_err()
            .to_string()
            .contains("now is not supported")
    );
}
