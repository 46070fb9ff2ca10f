//! sprig regex functions (`regexMatch regexFind regexFindAll regexReplaceAll
//! regexReplaceAllLiteral regexSplit regexQuoteMeta` + `must*`), using the
//! `regex` crate (RE2-like syntax, linear time, like Go's regexp). Non-must
//! variants swallow compile errors like sprig does.

use regex::Regex;

use super::args::{int, str};
use super::{Arity, FuncMap};
use crate::error::FuncError;
use crate::value::{Elem, Value};

/// Go's `\d \w \s \b` are ASCII-only; the regex crate's are Unicode.
fn go_to_rust(re: &str) -> String {
    let mut out = String::with_capacity(re.len() + 8);
    let mut in_class = false;
    let mut it = re.chars().peekable();
    while let Some(c) = it.next() {
        match c {
            '\\' => {
                let Some(n) = it.next() else {
                    out.push('\\');
                    break;
                };
                let rep = match (n, in_class) {
                    ('d', false) => "[0-9]",
                    ('D', false) => "[^0-9]",
                    ('w', false) => "[0-9A-Za-z_]",
                    ('W', false) => "[^0-9A-Za-z_]",
                    ('s', false) => "[\\t\\n\\f\\r ]",
                    ('S', false) => "[^\\t\\n\\f\\r ]",
                    ('b', false) => "(?-u:\\b)",
                    ('B', false) => "(?-u:\\B)",
                    ('d', true) => "0-9",
                    ('w', true) => "0-9A-Za-z_",
                    ('s', true) => "\\t\\n\\f\\r ",
                    _ => {
                        out.push('\\');
                        out.push(n);
                        continue;
                    }
                };
                out.push_str(rep);
            }
            '[' if !in_class => {
                in_class = true;
                out.push('[');
                if it.peek() == Some(&'^') {
                    out.push('^');
                    it.next();
                }
                if it.peek() == Some(&']') {
                    out.push_str("\\]");
                    it.next();
                }
            }
            '[' if in_class && it.peek() == Some(&':') => {
                // POSIX class like [:alpha:]: copy through to the closing ":]".
                out.push('[');
                for d in it.by_ref() {
                    out.push(d);
                    if d == ']' {
                        break;
                    }
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            // Go has no class set operations or nested classes: these are literals.
            '[' | '&' | '~' if in_class => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

fn compile(re: &str) -> Result<Regex, FuncError> {
    regex::RegexBuilder::new(&go_to_rust(re))
        .size_limit(1 << 22)
        .build()
        .map_err(|e| FuncError::new(format!("error parsing regexp: {}", e.to_string().lines().last().unwrap_or(""))))
}

fn strings(v: Vec<&str>) -> Value {
    Value::typed_list(Elem::String, v.into_iter().map(Value::str).collect())
}

/// Go's `regexp.Split`.
fn split(re: &Regex, s: &str, n: i64) -> Vec<String> {
    if n == 0 {
        return Vec::new();
    }
    if !re.as_str().is_empty() && s.is_empty() {
        return vec![String::new()];
    }
    let mut out = Vec::new();
    let (mut beg, mut end) = (0, 0);
    let limit = if n < 0 { usize::MAX } else { n as usize };
    for m in re.find_iter(s).take(limit) {
        if n > 0 && out.len() as i64 == n - 1 {
            break;
        }
        end = m.start();
        if m.end() != 0 {
            out.push(s[beg..end].to_string());
        }
        beg = m.end();
    }
    if end != s.len() {
        out.push(s[beg..].to_string());
    }
    out
}

fn quote_meta(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            o.push('\\');
        }
        o.push(c);
    }
    o
}

type F = fn(&Regex, &[Value]) -> Result<Value, FuncError>;

/// `fallback`: what the non-must variant returns on a bad pattern (sprig's
/// `regexMatch` ignores the error; the others use `MustCompile` and fail).
fn pair(m: &mut FuncMap, name: &str, arity: Arity, fallback: Option<Value>, f: F) {
    m.insert_pure(name, arity, move |a| match compile(str(a, 0)?) {
        Ok(re) => f(&re, a),
        Err(e) => match &fallback {
            Some(v) => Ok(v.clone()),
            None => Err(FuncError::new(format!("regexp: Compile({}): {}", crate::printf::quote_go(str(a, 0)?), e.msg))),
        },
    });
    let must = format!("must{}{}", name[..1].to_uppercase(), &name[1..]);
    m.insert_pure(&must, arity, move |a| f(&compile(str(a, 0)?)?, a));
}

pub(super) fn register(m: &mut FuncMap) {
    pair(m, "regexMatch", Arity::Fixed(2), Some(Value::Bool(false)), |re, a| Ok(Value::Bool(re.is_match(str(a, 1)?))));
    pair(m, "regexFind", Arity::Fixed(2), None, |re, a| {
        Ok(Value::str(re.find(str(a, 1)?).map(|m| m.as_str()).unwrap_or("")))
    });
    pair(m, "regexFindAll", Arity::Fixed(3), None, |re, a| {
        let (s, n) = (str(a, 1)?, int(a, 2)?);
        let limit = if n < 0 { usize::MAX } else { n as usize };
        Ok(strings(re.find_iter(s).take(limit).map(|m| m.as_str()).collect()))
    });
    pair(m, "regexReplaceAll", Arity::Fixed(3), None, |re, a| {
        Ok(Value::string(re.replace_all(str(a, 1)?, str(a, 2)?).into_owned()))
    });
    pair(m, "regexReplaceAllLiteral", Arity::Fixed(3), None, |re, a| {
        Ok(Value::string(re.replace_all(str(a, 1)?, regex::NoExpand(str(a, 2)?)).into_owned()))
    });
    pair(m, "regexSplit", Arity::Fixed(3), None, |re, a| {
        Ok(Value::typed_list(Elem::String, split(re, str(a, 1)?, int(a, 2)?).into_iter().map(Value::string).collect()))
    });
    m.insert_pure("regexQuoteMeta", Arity::Fixed(1), |a| Ok(Value::string(quote_meta(str(a, 0)?))));
}
