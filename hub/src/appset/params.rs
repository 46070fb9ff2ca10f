//! Generator parameters: what each generator produces per element, and the
//! helpers Argo CD applies to them (flattening, combining, name sanitising).

use serde_json::{Map, Value};

/// One parameter set, as Go's `map[string]any`.
pub type Params = Map<String, Value>;

/// Argo CD's `SanitizeName`: lowercase, anything outside `[-a-z0-9.]`
/// becomes `-`, at most 253 characters, no leading or trailing `-`/`.`.
pub fn sanitize_name(name: &str) -> String {
    let mapped: String = name
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.' { c } else { '-' })
        .collect();
    let cut: String = if mapped.len() > 253 {
        // Cut on a char boundary; every char is ASCII after mapping.
        mapped[..253].to_string()
    } else {
        mapped
    };
    cut.trim_matches(|c| c == '-' || c == '.').to_string()
}

/// Flattens nested maps and lists with dots (`a.b`, `list.0`), rendering
/// leaves as Go's `%v` would, as Argo CD does for label-selector filtering
/// and for the fasttemplate view of git file generator values.
pub fn flatten(params: &Params) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (k, v) in params {
        flatten_into(k, v, &mut out);
    }
    out
}

fn flatten_into(prefix: &str, v: &Value, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, v) in m {
                flatten_into(&format!("{prefix}.{k}"), v, out);
            }
        }
        Value::Array(a) if !a.is_empty() => {
            for (i, v) in a.iter().enumerate() {
                flatten_into(&format!("{prefix}.{i}"), v, out);
            }
        }
        other => out.push((prefix.to_string(), go_format(other))),
    }
}

/// Go's `fmt.Sprintf("%v", v)` for values decoded from JSON/YAML.
pub fn go_format(v: &Value) -> String {
    match v {
        Value::Null => "<nil>".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => i.to_string(),
            (_, Some(u), _) => u.to_string(),
            (_, _, Some(f)) => go_float(f),
            _ => n.to_string(),
        },
        Value::String(s) => s.clone(),
        Value::Array(a) => format!("[{}]", a.iter().map(go_format).collect::<Vec<_>>().join(" ")),
        Value::Object(m) => {
            format!("map[{}]", m.iter().map(|(k, v)| format!("{k}:{}", go_format(v))).collect::<Vec<_>>().join(" "))
        }
    }
}

/// Go's `%v` for a float64: `strconv.FormatFloat(f, 'g', -1, 64)`, the
/// shortest representation, in exponent form when the decimal exponent is
/// below -4 or at least 6 (why Helm prints 1000000 as `1e+06`).
pub fn go_float(f: f64) -> String {
    if f == 0.0 {
        return "0".into();
    }
    let exp = f.abs().log10().floor() as i32;
    if !(-4..6).contains(&exp) {
        let s = format!("{f:e}");
        let (mantissa, e) = s.split_once('e').unwrap_or((&s, "0"));
        let e: i32 = e.parse().unwrap_or(0);
        return format!("{mantissa}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs());
    }
    let s = format!("{f}");
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
}

/// Argo CD's `CombineStringMaps`: union, refusing keys bound to two values.
pub fn combine(a: &Params, b: &Params) -> Result<Params, String> {
    let mut out = a.clone();
    for (k, v) in b {
        match out.get(k) {
            Some(existing) if existing != v => {
                return Err(format!(
                    "found duplicate key {k} with different value, a: {} ,b: {}",
                    go_format(existing),
                    go_format(v)
                ));
            }
            _ => {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    Ok(out)
}

/// mergo's `Merge(dst, src, WithOverride)` on parameter maps: `src` wins,
/// nested maps merge key by key.
pub fn merge_override(dst: &mut Params, src: &Params) {
    for (k, v) in src {
        match (dst.get_mut(k), v) {
            (Some(Value::Object(d)), Value::Object(s)) => merge_override(d, s),
            (_, v) => {
                dst.insert(k.clone(), v.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sanitize_name_matches_argo() {
        assert_eq!(sanitize_name("Prod_EU/1"), "prod-eu-1");
        assert_eq!(sanitize_name("--a.b--"), "a.b");
        assert_eq!(sanitize_name("https://kubernetes.default.svc"), "https---kubernetes.default.svc");
        assert_eq!(sanitize_name(&"x".repeat(300)).len(), 253);
    }

    #[test]
    fn flatten_and_go_formatting() {
        let p: Params =
            serde_json::from_value(json!({"a": {"b": 1, "c": [true, 2.5]}, "d": "x", "big": 1000000.0})).unwrap();
        let flat: std::collections::BTreeMap<_, _> = flatten(&p).into_iter().collect();
        assert_eq!(flat["a.b"], "1");
        assert_eq!(flat["a.c.0"], "true");
        assert_eq!(flat["a.c.1"], "2.5");
        assert_eq!(flat["d"], "x");
        assert_eq!(flat["big"], "1e+06");
        assert_eq!(go_float(0.0001), "0.0001");
        assert_eq!(go_float(123456.0), "123456");
        assert_eq!(go_float(1234567.0), "1.234567e+06");
        assert_eq!(go_float(0.00001), "1e-05");
        assert_eq!(go_float(-2.5), "-2.5");
    }

    #[test]
    fn combine_refuses_conflicts() {
        let a: Params = serde_json::from_value(json!({"x": "1", "y": "2"})).unwrap();
        let b: Params = serde_json::from_value(json!({"y": "2", "z": "3"})).unwrap();
        assert_eq!(combine(&a, &b).unwrap().len(), 3);
        let c: Params = serde_json::from_value(json!({"y": "9"})).unwrap();
        assert_eq!(combine(&a, &c).unwrap_err(), "found duplicate key y with different value, a: 2 ,b: 9");
    }
}
