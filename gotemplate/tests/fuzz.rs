//! Property tests: arbitrary input never panics the lexer, parser, executor
//! or printf, and the YAML emitter's output parses back to the same data.

use convoy_gotemplate::{FuncMap, Options, TemplateSet, Value};
use proptest::prelude::*;

fn template_chars() -> impl Strategy<Value = String> {
    let atoms = prop::sample::select(vec![
        "{{", "}}", "{{-", "-}}", " ", ".", "$", "$x", ":=", "=", "|", "(", ")", "\"", "`", "'", "a", "x", "1", "-2",
        "0x1F", "1e3", "if", "else", "end", "range", "with", "define", "template", "block", "break", "continue", "nil",
        "true", "print", "printf", "len", "index", "/*", "*/", "\n", ",", "\"s\"", ".a.b", "%", "eq", "and", "or",
        "not", "default", "upper", "list", "dict", "toYaml", "\\", "é",
    ]);
    prop::collection::vec(atoms, 0..40).prop_map(|v| v.concat())
}

fn data() -> Value {
    Value::from_json(&serde_json::json!({"a": {"b": [1, "x", null]}, "x": "str", "n": null, "l": [1, 2]}))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, .. ProptestConfig::default() })]

    #[test]
    fn parse_and_execute_never_panic(t in template_chars()) {
        let mut set = TemplateSet::new(FuncMap::argocd());
        if set.parse("t", &t).is_ok() {
            let opts = Options { max_steps: 10_000, max_output: 1 << 16, ..Options::default() };
            let _ = set.execute("t", &data(), &opts);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(t in "\\PC{0,60}") {
        let mut set = TemplateSet::default();
        let _ = set.parse("t", &t);
        let mut set = TemplateSet::default();
        let _ = set.parse("t", &format!("{{{{{t}}}}}"));
    }

    #[test]
    fn yaml_decoding_never_panics(t in "[-a-z0-9:{}\\[\\],&*!|>'\"#?%@ \n\t]{0,80}") {
        let _ = convoy_gotemplate::yaml::from_yaml(&t);
    }

    #[test]
    fn printf_never_panics(f in "[%a-z0-9.*+# -]{0,20}", n in any::<i64>(), x in any::<f64>(), s in "\\PC{0,10}") {
        let _ = convoy_gotemplate::printf::sprintf(&f, &[Value::Int(n), Value::Float(x), Value::string(s)]);
    }

    #[test]
    fn yaml_round_trips(s in "\\PC{0,40}", k in "[a-z0-9 _-]{1,10}", n in -1_000_000i64..1_000_000) {
        let mut m = convoy_gotemplate::Map::new();
        m.insert(k.clone(), Value::string(s.clone()));
        m.insert(format!("{k}n"), Value::Float(n as f64));
        m.insert(format!("{k}l"), Value::list(vec![Value::string(s.clone()), Value::Bool(true)]));
        let v = Value::map(m);
        let text = convoy_gotemplate::yaml::to_yaml(&v).unwrap();
        let back = convoy_gotemplate::yaml::from_yaml(&text).unwrap();
        prop_assert!(back.deep_equal(&v), "yaml:\n{}\nback: {:?}", text, back);
    }
}
