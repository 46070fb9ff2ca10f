//! sprig defaults/flow (`default empty coalesce all any ternary fail`),
//! reflection (`typeOf typeIs typeIsLike kindOf kindIs deepEqual`),
//! `deepCopy`, paths (`base dir clean ext isAbs`), loud failures for
//! non-deterministic/impure functions (`now`, `ago`, random, uuid, crypto keys),
//! and Argo CD's extra functions (`toYaml fromYaml fromYamlArray normalize
//! slugify`).

use super::args::{any, bool, str};
use super::{Arity, FuncMap};
use crate::error::FuncError;
use crate::value::{Map, Value};

/// sprig `empty`: nil, zero numbers, false, and empty strings/lists/maps.
pub fn is_empty(v: &Value) -> bool {
    !v.truthy()
}

pub use super::case::case_words;

fn kind_of(v: &Value) -> String {
    match v {
        Value::Object(o) => o.kind_name().to_string(),
        other => other.kind_name().to_string(),
    }
}

/// Deep copy (maps are shared references, so copy them).
pub fn deep_copy(v: &Value) -> Value {
    deep_copy_depth(v, 0)
}

fn deep_copy_depth(v: &Value, depth: usize) -> Value {
    if depth > crate::value::MAX_NESTING {
        return Value::Nil;
    }
    match v {
        Value::List(l) => Value::list(l.iter().map(|x| deep_copy_depth(x, depth + 1)).collect()),
        Value::Map(m) => {
            Value::map(m.snapshot().into_iter().map(|(k, x)| (k, deep_copy_depth(&x, depth + 1))).collect())
        }
        other => other.clone().or_nil(),
    }
}

/// Go's `path.Clean`.
pub fn path_clean(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let body = parts.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".into(),
        (false, false) => body,
    }
}

fn path_base(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        return "/".into();
    }
    t.rsplit('/').next().unwrap_or(t).to_string()
}

fn path_dir(p: &str) -> String {
    let dir = match p.rfind('/') {
        Some(i) => &p[..=i],
        None => "",
    };
    path_clean(dir)
}

fn path_ext(p: &str) -> String {
    for (i, c) in p.char_indices().rev() {
        if c == '/' {
            break;
        }
        if c == '.' {
            return p[i..].to_string();
        }
    }
    String::new()
}

/// Argo CD `normalize` (SanitizeName).
fn normalize(s: &str) -> String {
    let lower: String = s.chars().map(super::strings::go_lower).collect();
    let mut out: String = lower
        .chars()
        .map(|c| if c == '-' || c == '.' || c.is_ascii_lowercase() || c.is_ascii_digit() { c } else { '-' })
        .collect();
    if out.len() > 253 {
        let mut cut = 253;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
    }
    out.trim_matches(['-', '.']).to_string()
}

/// gosimple/slug `Make` on an already-normalized name, then (smart) truncation.
fn slugify(s: &str, max: usize, smart: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let c = if c.is_ascii_alphanumeric() || c == '_' { c.to_ascii_lowercase() } else { '-' };
        if c == '-' && out.ends_with('-') {
            continue;
        }
        out.push(c);
    }
    let out = out.trim_matches(['-', '_']).to_string();
    if max == 0 || out.len() <= max {
        return out;
    }
    if smart {
        for i in (0..=max).rev() {
            if out.as_bytes()[i] == b'-' {
                return out[..i].to_string();
            }
        }
    }
    out[..max].to_string()
}

pub(super) fn register(m: &mut FuncMap) {
    m.insert_pure("default", Arity::AtLeast(1), |a| {
        let given = a.get(1).cloned().unwrap_or(Value::Nil);
        if a.len() < 2 || is_empty(&given) { Ok(any(a, 0)) } else { Ok(given.or_nil()) }
    });
    m.insert_pure("empty", Arity::Fixed(1), |a| Ok(Value::Bool(is_empty(&a[0]))));
    m.insert_pure("coalesce", Arity::AtLeast(0), |a| {
        Ok(a.iter().find(|v| !is_empty(v)).cloned().unwrap_or(Value::Nil))
    });
    m.insert_pure("all", Arity::AtLeast(0), |a| Ok(Value::Bool(a.iter().all(|v| !is_empty(v)))));
    m.insert_pure("any", Arity::AtLeast(0), |a| Ok(Value::Bool(a.iter().any(|v| !is_empty(v)))));
    m.insert_pure("ternary", Arity::Fixed(3), |a| Ok(if bool(a, 2)? { any(a, 0) } else { any(a, 1) }));
    m.insert_pure("fail", Arity::Fixed(1), |a| Err(FuncError::new(str(a, 0)?)));
    for n in ["deepCopy", "mustDeepCopy"] {
        m.insert_pure(n, Arity::Fixed(1), |a| Ok(deep_copy(&a[0])));
    }
    m.insert_pure("typeOf", Arity::Fixed(1), |a| Ok(Value::string(any(a, 0).go_type())));
    m.insert_pure("kindOf", Arity::Fixed(1), |a| Ok(Value::string(kind_of(&any(a, 0)))));
    m.insert_pure("typeIs", Arity::Fixed(2), |a| Ok(Value::Bool(str(a, 0)? == any(a, 1).go_type())));
    m.insert_pure("kindIs", Arity::Fixed(2), |a| Ok(Value::Bool(str(a, 0)? == kind_of(&any(a, 1)))));
    m.insert_pure("typeIsLike", Arity::Fixed(2), |a| {
        let (t, n) = (any(a, 1).go_type(), str(a, 0)?);
        Ok(Value::Bool(n == t || format!("*{n}") == t))
    });
    m.insert_pure("deepEqual", Arity::Fixed(2), |a| Ok(Value::Bool(any(a, 0).deep_equal(&any(a, 1)))));
    let p = |m: &mut FuncMap, n: &str, f: fn(&str) -> Value| {
        m.insert_pure(n, Arity::Fixed(1), move |a| Ok(f(str(a, 0)?)));
    };
    p(m, "base", |s| Value::string(path_base(s)));
    p(m, "osBase", |s| Value::string(path_base(s)));
    p(m, "dir", |s| Value::string(path_dir(s)));
    p(m, "osDir", |s| Value::string(path_dir(s)));
    p(m, "clean", |s| Value::string(path_clean(s)));
    p(m, "osClean", |s| Value::string(path_clean(s)));
    p(m, "ext", |s| Value::string(path_ext(s)));
    p(m, "osExt", |s| Value::string(path_ext(s)));
    p(m, "isAbs", |s| Value::Bool(s.starts_with('/')));
    p(m, "osIsAbs", |s| Value::Bool(s.starts_with('/')));
    let nondet = "non-deterministic; inject your own implementation";
    for (n, ar) in [
        ("now", Arity::Fixed(0)),
        ("uuidv4", Arity::Fixed(0)),
        ("randBytes", Arity::Fixed(1)),
        ("randInt", Arity::Fixed(2)),
        ("genPrivateKey", Arity::Fixed(1)),
        ("genCA", Arity::Fixed(2)),
        ("genSelfSignedCert", Arity::Fixed(4)),
        ("genSignedCert", Arity::Fixed(5)),
        ("genCAWithKey", Arity::Fixed(3)),
        ("genSelfSignedCertWithKey", Arity::Fixed(5)),
        ("genSignedCertWithKey", Arity::Fixed(6)),
        ("bcrypt", Arity::Fixed(1)),
        ("htpasswd", Arity::AtLeast(2)),
        ("encryptAES", Arity::Fixed(2)),
    ] {
        m.insert_unsupported(n, ar, nondet);
    }
    let unimpl = "not implemented by convoy-gotemplate";
    for (n, ar) in
        [("decryptAES", Arity::Fixed(2)), ("derivePassword", Arity::Fixed(5)), ("buildCustomCert", Arity::Fixed(2))]
    {
        m.insert_unsupported(n, ar, unimpl);
    }
    m.insert_pure("hello", Arity::Fixed(0), |_| Ok(Value::str("Hello!")));
    m.insert_pure("toDecimal", Arity::Fixed(1), |a| {
        let s = any(a, 0).to_go_string();
        let (neg, digits) = match s.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, s.strip_prefix('+').unwrap_or(&s)),
        };
        let v = i64::from_str_radix(digits, 8).ok().filter(|_| !digits.starts_with(['+', '-']));
        Ok(Value::Int64(v.map(|v| if neg { -v } else { v }).unwrap_or(0)))
    });
}

/// Argo CD's additions (see [`FuncMap::argocd`]).
pub(super) fn register_yaml(m: &mut FuncMap) {
    m.insert_pure("toYaml", Arity::Fixed(1), |a| {
        let s = crate::yaml::to_yaml(&any(a, 0)).map_err(FuncError::new)?;
        Ok(Value::string(s.strip_suffix('\n').unwrap_or(&s).to_string()))
    });
    m.insert_pure("fromYaml", Arity::Fixed(1), |a| match crate::yaml::from_yaml(str(a, 0)?) {
        Ok(Value::Map(m)) => Ok(Value::Map(m)),
        Ok(Value::Nil | Value::Missing) => Ok(Value::map(Map::new())),
        Ok(other) => Err(FuncError::new(format!(
            "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
            json_kind(&other)
        ))),
        Err(e) => Err(FuncError::new(e)),
    });
    m.insert_pure("fromYamlArray", Arity::Fixed(1), |a| match crate::yaml::from_yaml(str(a, 0)?) {
        Ok(Value::List(l)) => Ok(Value::List(l)),
        Ok(Value::Nil | Value::Missing) => Ok(Value::list(Vec::new())),
        Ok(other) => Err(FuncError::new(format!(
            "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type []interface {{}}",
            json_kind(&other)
        ))),
        Err(e) => Err(FuncError::new(e)),
    });
    m.insert_pure("normalize", Arity::Fixed(1), |a| Ok(Value::string(normalize(str(a, 0)?))));
    m.insert_pure("slugify", Arity::AtLeast(0), |a| {
        let conv = |v: &Value, want: &str| {
            FuncError::new(format!("interface conversion: interface {{}} is {}, not {want}", v.go_type()))
        };
        let (max, smart, name) = match a {
            [Value::Str(n)] => (50, true, n.clone()),
            [Value::Int(m), Value::Str(n)] => (*m, true, n.clone()),
            [Value::Int(m), Value::Bool(b), Value::Str(n)] => (*m, *b, n.clone()),
            [x] | [_, x] | [_, _, x] if !matches!(x, Value::Str(_)) => return Err(conv(x, "string")),
            [x, ..] if a.len() > 1 && !matches!(x, Value::Int(_)) => return Err(conv(x, "int")),
            _ => (50, true, std::sync::Arc::from("")),
        };
        Ok(Value::string(slugify(&normalize(&name), max.max(0) as usize, smart)))
    });
    for n in ["env", "expandenv", "getHostByName"] {
        m.remove(n);
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Bool(_) => "bool",
        Value::Int(_) | Value::Int64(_) | Value::Float(_) => "number",
        Value::Str(_) => "string",
        Value::List(_) => "array",
        Value::Map(_) => "object",
        _ => "null",
    }
}
