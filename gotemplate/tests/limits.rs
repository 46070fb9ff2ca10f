//! Resource limits: template recursion depth, evaluation steps, output size,
//! and `include`-style nested execution through a custom function.

use convoy_gotemplate::{Arity, FuncError, FuncMap, Options, TemplateSet, Value};

#[test]
fn recursion_depth_is_bounded() {
    let mut set = TemplateSet::default();
    set.parse("t", r#"{{define "r"}}x{{template "r" .}}{{end}}{{template "r" .}}"#).unwrap();
    let opts = Options { max_depth: 50, ..Options::default() };
    let err = set.execute("t", &Value::Missing, &opts).unwrap_err().to_string();
    assert_eq!(err, r#"template: t:1:26: executing "r" at <{{template "r" .}}>: exceeded maximum template depth (50)"#);
    let err = set.execute("t", &Value::Missing, &Options::default()).unwrap_err().to_string();
    assert!(err.contains("exceeded maximum template depth") || err.contains("exceeded maximum nesting"), "{err}");
}

#[test]
fn include_recursion_is_bounded() {
    let mut funcs = FuncMap::sprig();
    funcs.insert("include", Arity::Fixed(2), |ctx, a| {
        let name = a[0].as_str().ok_or_else(|| FuncError::new("name must be a string"))?;
        Ok(Value::string(ctx.execute_template(name, &a[1])?))
    });
    let mut set = TemplateSet::new(funcs);
    set.parse("t", r#"{{define "r"}}{{include "r" .}}{{end}}{{include "r" .}}"#).unwrap();
    // Whichever guard trips first (template depth or native stack budget), it is an error, not a crash.
    let err = set.execute("t", &Value::Missing, &Options::default()).unwrap_err().to_string();
    assert!(err.contains("exceeded maximum template depth") || err.contains("exceeded maximum nesting"), "{err}");
    let opts = Options { max_depth: 20, ..Options::default() };
    let err = set.execute("t", &Value::Missing, &opts).unwrap_err().to_string();
    assert!(err.contains("exceeded maximum template depth (20)"), "{err}");
}

#[test]
fn step_limit_stops_long_loops() {
    let mut set = TemplateSet::new(FuncMap::sprig());
    set.parse("t", "{{range until 1000000}}{{range until 1000000}}x{{end}}{{end}}").unwrap();
    let opts = Options { max_steps: 100_000, ..Options::default() };
    let err = set.execute("t", &Value::Missing, &opts).unwrap_err().to_string();
    assert!(err.contains("exceeded maximum execution steps (100000)"), "{err}");
}

#[test]
fn output_limit_stops_huge_output() {
    let mut set = TemplateSet::new(FuncMap::sprig());
    set.parse("t", r#"{{range until 100000}}{{repeat 1000 "y"}}{{end}}"#).unwrap();
    let opts = Options { max_output: 1 << 20, ..Options::default() };
    let err = set.execute("t", &Value::Missing, &opts).unwrap_err().to_string();
    assert!(err.contains("exceeded maximum output size (1048576 bytes)"), "{err}");
}

#[test]
fn hostile_nesting_is_an_error_not_a_crash() {
    let deep_parens = format!("{{{{{}1{}}}}}", "(".repeat(100_000), ")".repeat(100_000));
    let mut set = TemplateSet::default();
    assert!(set.parse("p", &deep_parens).is_err());
    let deep_ifs = format!("{}x{}", "{{if 1}}".repeat(50_000), "{{end}}".repeat(50_000));
    let r = set.parse("i", &deep_ifs);
    if r.is_ok() {
        assert!(set.execute("i", &Value::Missing, &Options::default()).is_err());
    }
}

#[test]
fn cyclic_maps_do_not_crash() {
    let mut set = TemplateSet::new(FuncMap::sprig());
    set.parse("t", r#"{{ $d := dict "a" 1 }}{{ $_ := set $d "self" $d }}{{ $d.self.self.a }} {{ len (printf "%v" $d) }} {{ toJson $d | len }}"#)
        .unwrap();
    let out = set.execute("t", &Value::Missing, &Options::default()).unwrap();
    assert!(out.starts_with("1 "), "{out}");
    let d = convoy_gotemplate::Value::map(convoy_gotemplate::Map::new());
    if let Value::Map(m) = &d {
        m.write().insert("me".into(), d.clone());
    }
    assert!(format!("{d:?}").contains("{...}"));
}

#[test]
fn huge_indent_is_refused() {
    let mut set = TemplateSet::new(FuncMap::sprig());
    set.parse("t", r#"{{ indent 1000000 (repeat 100000 "\n") }}"#).unwrap();
    let err = set.execute("t", &Value::Missing, &Options::default()).unwrap_err().to_string();
    assert!(err.contains("indent: result too large"), "{err}");
}
