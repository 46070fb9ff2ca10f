//! sprig string functions (trim/case/abbrev/wrap/indent/quote/split/join...),
//! following sprig, Masterminds/goutils and huandu/xstrings semantics,
//! including their byte-oriented quirks.

use super::args::{any, int, str, strval};
use super::{Arity, FuncMap};
use crate::error::FuncError;
use crate::value::{Elem, Map, Value};

fn s1(m: &mut FuncMap, name: &str, f: fn(&str) -> String) {
    m.insert_pure(name, Arity::Fixed(1), move |a| Ok(Value::string(f(str(a, 0)?))));
}

fn s2(m: &mut FuncMap, name: &str, f: fn(&str, &str) -> Value) {
    m.insert_pure(name, Arity::Fixed(2), move |a| Ok(f(str(a, 0)?, str(a, 1)?)));
}

/// Go's `unicode.ToUpper` (simple case mapping: `ß` stays `ß`).
pub fn go_upper(c: char) -> char {
    let mut u = c.to_uppercase();
    match (u.next(), u.next()) {
        (Some(x), None) => x,
        _ => c,
    }
}

/// Go's `unicode.ToLower` (simple case mapping).
pub fn go_lower(c: char) -> char {
    if c == '\u{130}' {
        return 'i';
    }
    let mut l = c.to_lowercase();
    match (l.next(), l.next()) {
        (Some(x), None) => x,
        _ => c,
    }
}

/// Go's `unicode.IsSpace`.
pub fn go_space(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\x0b' | '\x0c' | '\r' | ' ' | '\u{85}' | '\u{a0}')
        || (c as u32 > 0xff && c.is_whitespace())
}

/// sprig `strslice`: a list's non-nil elements as strings; a scalar as `[v]`; nil as `[]`.
pub fn strslice(v: &Value) -> Vec<String> {
    match v {
        Value::List(l) => l.iter().filter(|x| !x.is_nil()).map(strval).collect(),
        Value::Missing | Value::Nil => Vec::new(),
        other => vec![strval(other)],
    }
}

fn title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev = ' ';
    for c in s.chars() {
        let sep = if prev.is_ascii() {
            !(prev.is_ascii_alphanumeric() || prev == '_')
        } else if prev.is_alphabetic() || prev.is_numeric() {
            false
        } else {
            go_space(prev)
        };
        out.push(if sep { go_upper(c) } else { c });
        prev = c;
    }
    out
}

fn untitle(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut next = true;
    for c in s.chars() {
        if go_space(c) {
            next = true;
            out.push(c);
        } else if next {
            out.push(go_lower(c));
            next = false;
        } else {
            out.push(c);
        }
    }
    out
}

fn swapcase(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    // goutils SwapCase: a lowercase letter after whitespace becomes title case
    // (same as upper case for the scripts we handle).
    for c in s.chars() {
        if c.is_uppercase() {
            out.push(go_lower(c));
        } else if c.is_lowercase() {
            out.push(go_upper(c));
        } else {
            out.push(c);
        }
    }
    out
}

/// goutils `DeleteWhiteSpace` (byte-wise, like the original).
fn nospace(s: &str) -> String {
    let kept: Vec<char> = s.bytes().map(|b| b as char).filter(|&c| !go_space(c)).collect();
    if kept.len() == s.len() { s.to_string() } else { kept.into_iter().collect() }
}

/// goutils `Initials` (byte-wise).
fn initials(s: &str) -> String {
    let mut out = String::new();
    let mut gap = true;
    for b in s.bytes() {
        let c = b as char;
        if go_space(c) {
            gap = true;
        } else if gap {
            out.push(c);
            gap = false;
        }
    }
    out
}

/// goutils `WrapCustom`.
fn wrap_custom(s: &str, width: i64, nl: &str, long_words: bool) -> String {
    if s.is_empty() {
        return String::new();
    }
    let nl = if nl.is_empty() { "\n" } else { nl };
    let w = width.max(1) as usize;
    let b = s.as_bytes();
    let sub = |x: usize, y: usize| String::from_utf8_lossy(&b[x..y]).into_owned();
    let mut out = String::new();
    let mut off = 0;
    while b.len() - off > w {
        if b[off] == b' ' {
            off += 1;
            continue;
        }
        let end = w + off + 1;
        match b[off..end].iter().rposition(|&c| c == b' ') {
            Some(p) => {
                out.push_str(&sub(off, off + p));
                out.push_str(nl);
                off += p + 1;
            }
            None if long_words => {
                out.push_str(&sub(off, off + w));
                out.push_str(nl);
                off += w;
            }
            None => match b[off + w..].iter().position(|&c| c == b' ') {
                Some(p) => {
                    out.push_str(&sub(off, off + w + p));
                    out.push_str(nl);
                    off += w + p + 1;
                }
                None => {
                    out.push_str(&sub(off, b.len()));
                    off = b.len();
                }
            },
        }
    }
    out.push_str(&sub(off, b.len()));
    out
}

/// goutils `AbbreviateFull` (errors yield "").
fn abbreviate(s: &str, offset: i64, width: i64) -> String {
    if s.is_empty() || width < 4 {
        return String::new();
    }
    let len = s.len() as i64;
    if len <= width {
        return s.to_string();
    }
    let b = s.as_bytes();
    let sub = |x: i64, y: i64| String::from_utf8_lossy(&b[x as usize..y as usize]).into_owned();
    let mut off = offset.min(len);
    if len - off < width - 3 {
        off = len - (width - 3);
    }
    if off <= 4 {
        return sub(0, width - 3) + "...";
    }
    if width < 7 {
        return String::new();
    }
    if off + width - 3 < len {
        return "...".to_string() + &abbreviate(&sub(off, len), 0, width - 3);
    }
    "...".to_string() + &sub(len - (width - 3), len)
}

fn is_connector(c: char) -> bool {
    c == '-' || c == '_' || go_space(c)
}

/// xstrings `ToCamelCase` (upper camel case; sprig's `camelcase`).
fn camelcase(s: &str) -> String {
    let mut out = String::new();
    let mut it = s.chars();
    let mut r0 = None;
    for c in it.by_ref() {
        if !is_connector(c) {
            r0 = Some(go_upper(c));
            break;
        }
        out.push(c);
    }
    let Some(mut r0) = r0 else { return out };
    for c in it {
        let r1 = r0;
        r0 = c;
        if is_connector(r0) && is_connector(r1) {
            out.push(r1);
            continue;
        }
        if is_connector(r1) {
            r0 = go_upper(r0);
        } else {
            out.push(r1);
        }
    }
    out.push(r0);
    out
}

fn quote_all(a: &[Value], single: bool) -> String {
    let parts: Vec<String> = a
        .iter()
        .filter(|v| !v.is_nil())
        .map(|v| if single { format!("'{}'", v.to_go_string()) } else { crate::printf::quote_go(&strval(v)) })
        .collect();
    parts.join(" ")
}

fn split_map(parts: Vec<&str>) -> Value {
    let m: Map = parts.into_iter().enumerate().map(|(i, p)| (format!("_{i}"), Value::str(p))).collect();
    Value::map(m)
}

/// Go's `strings.SplitN` (n < 0: all; n == 0: none).
fn go_splitn<'a>(s: &'a str, sep: &str, n: i64) -> Vec<&'a str> {
    if n == 0 {
        return Vec::new();
    }
    if sep.is_empty() {
        // Split into UTF-8 sequences.
        let mut v: Vec<&str> = Vec::new();
        let mut idx: Vec<usize> = s.char_indices().map(|(i, _)| i).collect();
        idx.push(s.len());
        for w in idx.windows(2) {
            if n > 0 && v.len() as i64 == n - 1 {
                v.push(&s[w[0]..]);
                return v;
            }
            v.push(&s[w[0]..w[1]]);
        }
        return v;
    }
    if n < 0 { s.split(sep).collect() } else { s.splitn(n as usize, sep).collect() }
}

pub(super) fn register(m: &mut FuncMap) {
    s1(m, "trim", |s| s.trim_matches(go_space).to_string());
    s1(m, "upper", |s| s.chars().map(go_upper).collect());
    s1(m, "lower", |s| s.chars().map(go_lower).collect());
    s1(m, "title", title);
    s1(m, "untitle", untitle);
    s1(m, "nospace", nospace);
    s1(m, "initials", initials);
    s1(m, "swapcase", swapcase);
    s1(m, "snakecase", |s| super::misc::case_words(s, '_'));
    s1(m, "kebabcase", |s| super::misc::case_words(s, '-'));
    s1(m, "camelcase", camelcase);
    for n in ["trimall", "trimAll"] {
        s2(m, n, |cut, s| Value::str(s.trim_matches(|c| cut.contains(c))));
    }
    s2(m, "trimSuffix", |suf, s| Value::str(s.strip_suffix(suf).unwrap_or(s)));
    s2(m, "trimPrefix", |pre, s| Value::str(s.strip_prefix(pre).unwrap_or(s)));
    s2(m, "contains", |sub, s| Value::Bool(s.contains(sub)));
    s2(m, "hasPrefix", |p, s| Value::Bool(s.starts_with(p)));
    s2(m, "hasSuffix", |p, s| Value::Bool(s.ends_with(p)));
    s2(m, "splitList", |sep, s| {
        Value::typed_list(Elem::String, go_splitn(s, sep, -1).into_iter().map(Value::str).collect())
    });
    s2(m, "split", |sep, s| split_map(go_splitn(s, sep, -1)));
    m.insert_pure("splitn", Arity::Fixed(3), |a| Ok(split_map(go_splitn(str(a, 2)?, str(a, 0)?, int(a, 1)?))));
    m.insert_pure("abbrev", Arity::Fixed(2), |a| {
        let (w, s) = (int(a, 0)?, str(a, 1)?);
        Ok(Value::string(if w < 4 { s.to_string() } else { abbreviate(s, 0, w) }))
    });
    m.insert_pure("abbrevboth", Arity::Fixed(3), |a| {
        let (l, r, s) = (int(a, 0)?, int(a, 1)?, str(a, 2)?);
        Ok(Value::string(if r < 4 || (l > 0 && r < 7) { s.to_string() } else { abbreviate(s, l, r) }))
    });
    m.insert_pure("trunc", Arity::Fixed(2), |a| {
        let (c, s) = (int(a, 0)?, str(a, 1)?);
        let b = s.as_bytes();
        let len = b.len() as i64;
        let r = if c < 0 && len + c > 0 {
            &b[(len + c) as usize..]
        } else if c >= 0 && len > c {
            &b[..c as usize]
        } else {
            b
        };
        Ok(Value::string(String::from_utf8_lossy(r).into_owned()))
    });
    m.insert_pure("substr", Arity::Fixed(3), |a| {
        let (start, end, s) = (int(a, 0)?, int(a, 1)?, str(a, 2)?);
        let b = s.as_bytes();
        let len = b.len() as i64;
        let oob = |x: i64, y: i64| FuncError::new(format!("runtime error: slice bounds out of range [{}:{}]", x, y));
        let (x, y) = if start < 0 {
            (0, end)
        } else if end < 0 || end > len {
            (start, len)
        } else {
            (start, end)
        };
        if y < 0 || y > len {
            return Err(FuncError::new(format!("runtime error: slice bounds out of range [:{y}] with length {len}")));
        }
        if x > y {
            return Err(oob(x, y));
        }
        Ok(Value::string(String::from_utf8_lossy(&b[x as usize..y as usize]).into_owned()))
    });
    m.insert_pure("repeat", Arity::Fixed(2), |a| {
        let (n, s) = (int(a, 0)?, str(a, 1)?);
        if n < 0 {
            return Err(FuncError::new("strings: negative Repeat count"));
        }
        if (n as u128) * (s.len() as u128) > 64 << 20 {
            return Err(FuncError::new("repeat: result too large"));
        }
        Ok(Value::string(s.repeat(n as usize)))
    });
    m.insert_pure("wrap", Arity::Fixed(2), |a| Ok(Value::string(wrap_custom(str(a, 1)?, int(a, 0)?, "", false))));
    m.insert_pure("wrapWith", Arity::Fixed(3), |a| {
        Ok(Value::string(wrap_custom(str(a, 2)?, int(a, 0)?, str(a, 1)?, true)))
    });
    m.insert_pure("quote", Arity::AtLeast(0), |a| Ok(Value::string(quote_all(a, false))));
    m.insert_pure("squote", Arity::AtLeast(0), |a| Ok(Value::string(quote_all(a, true))));
    m.insert_pure("cat", Arity::AtLeast(0), |a| {
        let parts: Vec<String> = a.iter().filter(|v| !v.is_nil()).map(Value::to_go_string).collect();
        Ok(Value::string(parts.join(" ")))
    });
    m.insert_pure("indent", Arity::Fixed(2), |a| Ok(Value::string(indent(int(a, 0)?, str(a, 1)?)?)));
    m.insert_pure("nindent", Arity::Fixed(2), |a| Ok(Value::string(format!("\n{}", indent(int(a, 0)?, str(a, 1)?)?))));
    m.insert_pure("replace", Arity::Fixed(3), |a| Ok(Value::string(str(a, 2)?.replace(str(a, 0)?, str(a, 1)?))));
    m.insert_pure("plural", Arity::Fixed(3), |a| {
        let (one, many, n) = (str(a, 0)?, str(a, 1)?, int(a, 2)?);
        Ok(Value::str(if n == 1 { one } else { many }))
    });
    m.insert_pure("toString", Arity::Fixed(1), |a| Ok(Value::string(strval(&any(a, 0)))));
    m.insert_pure("toStrings", Arity::Fixed(1), |a| {
        Ok(Value::typed_list(Elem::String, strslice(&any(a, 0)).into_iter().map(Value::string).collect()))
    });
    m.insert_pure("join", Arity::Fixed(2), |a| Ok(Value::string(strslice(&any(a, 1)).join(str(a, 0)?))));
    for (n, why) in [
        ("randAlphaNum", "non-deterministic"),
        ("randAlpha", "non-deterministic"),
        ("randAscii", "non-deterministic"),
        ("randNumeric", "non-deterministic"),
        ("shuffle", "non-deterministic"),
    ] {
        m.insert_unsupported(n, Arity::Fixed(1), why);
    }
}

fn indent(n: i64, s: &str) -> Result<String, FuncError> {
    if n < 0 {
        return Err(FuncError::new("strings: negative Repeat count"));
    }
    let lines = s.bytes().filter(|&b| b == b'\n').count() as u128 + 1;
    if (n as u128) * lines + s.len() as u128 > 64 << 20 {
        return Err(FuncError::new("indent: result too large"));
    }
    let pad = " ".repeat(n.min(1 << 20) as usize);
    Ok(format!("{pad}{}", s.replace('\n', &format!("\n{pad}"))))
}
