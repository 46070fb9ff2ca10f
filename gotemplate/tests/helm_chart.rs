//! End-to-end: a typical `helm create`-style chart (helpers, include,
//! nindent, toYaml, tpl, with/range, semverCompare, set) rendered in Helm's
//! mode (missingkey=zero, `<no value>` stripped). The expected output was
//! produced by Go text/template + sprig v3.2.3 + yaml.v2 (with Helm's
//! include/tpl/required), outside this repository.

use convoy_gotemplate::{Arity, FuncError, FuncMap, MissingKey, Options, TemplateSet, Value};

fn helm_funcs() -> FuncMap {
    let mut f = FuncMap::argocd();
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
fn renders_a_typical_chart_byte_for_byte() {
    let case: serde_json::Value = serde_json::from_str(include_str!("data/helm_chart.json")).unwrap();
    let mut set = TemplateSet::new(helm_funcs());
    set.parse("t", case["template"].as_str().unwrap()).unwrap();
    let opts = Options { missing_key: MissingKey::Zero, ..Options::default() };
    let out = set.execute("t", &Value::from_json(&case["data"]), &opts).unwrap().replace("<no value>", "");
    assert_eq!(out, case["want"].as_str().unwrap());
}
