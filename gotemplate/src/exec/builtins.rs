//! Go's predefined template functions: `and or not len index slice print
//! printf println html js urlquery call eq ne lt le gt ge` (and/or
//! short-circuit in the evaluator), with Go's error texts.

use crate::error::FuncError;
use crate::funcs::Arity;
use crate::printf::{sprint, sprintf, sprintln};
use crate::value::Value;

const NAMES: &[(&str, Arity)] = &[
    ("and", Arity::AtLeast(1)),
    ("or", Arity::AtLeast(1)),
    ("not", Arity::Fixed(1)),
    ("len", Arity::Fixed(1)),
    ("index", Arity::AtLeast(1)),
    ("slice", Arity::AtLeast(1)),
    ("print", Arity::AtLeast(0)),
    ("printf", Arity::AtLeast(1)),
    ("println", Arity::AtLeast(0)),
    ("html", Arity::AtLeast(0)),
    ("js", Arity::AtLeast(0)),
    ("urlquery", Arity::AtLeast(0)),
    ("call", Arity::AtLeast(1)),
    ("eq", Arity::AtLeast(1)),
    ("ne", Arity::Fixed(2)),
    ("lt", Arity::Fixed(2)),
    ("le", Arity::Fixed(2)),
    ("gt", Arity::Fixed(2)),
    ("ge", Arity::Fixed(2)),
];

/// True if `name` is a Go builtin.
pub fn is_builtin(name: &str) -> bool {
    NAMES.iter().any(|(n, _)| *n == name)
}

pub(crate) fn arity(name: &str) -> Option<Arity> {
    NAMES.iter().find(|(n, _)| *n == name).map(|(_, a)| *a)
}

#[derive(PartialEq, Eq, Clone, Copy)]
enum Kind {
    Bool,
    Int,
    Float,
    Str,
    Invalid,
}

fn basic_kind(v: &Value) -> Kind {
    match v {
        Value::Bool(_) => Kind::Bool,
        Value::Int(_) | Value::Int64(_) => Kind::Int,
        Value::Float(_) => Kind::Float,
        Value::Str(_) => Kind::Str,
        _ => Kind::Invalid,
    }
}

const BAD_TYPE: &str = "invalid type for comparison";
const BAD_CMP: &str = "incompatible types for comparison";

/// Go's `eq arg1 arg2...`.
pub fn eq(a: &Value, rest: &[Value]) -> Result<bool, FuncError> {
    if rest.is_empty() {
        return Err(FuncError::new("missing argument for comparison"));
    }
    let k1 = basic_kind(a);
    for b in rest {
        let k2 = basic_kind(b);
        let truth = if k1 != k2 {
            if !a.is_nil() && !b.is_nil() {
                return Err(FuncError::new(BAD_CMP));
            }
            false
        } else {
            match (a, b) {
                (Value::Bool(x), Value::Bool(y)) => x == y,
                (Value::Float(x), Value::Float(y)) => x == y,
                (Value::Str(x), Value::Str(y)) => x == y,
                (Value::Int(x) | Value::Int64(x), Value::Int(y) | Value::Int64(y)) => x == y,
                _ => {
                    if a.is_nil() || b.is_nil() {
                        a.is_nil() == b.is_nil()
                    } else if a.type_name() == b.type_name() {
                        let bs = sprintf("%s", std::slice::from_ref(b));
                        return Err(FuncError::new(format!("non-comparable type {bs}: {}", b.type_name())));
                    } else {
                        let s = sprintf("%s", std::slice::from_ref(a));
                        let (at, bt) = (a.type_name(), b.type_name());
                        return Err(FuncError::new(format!(
                            "non-comparable types {s}: {at}, {bt}: {}",
                            b.to_go_string()
                        )));
                    }
                }
            }
        };
        if truth {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Go's `lt a b`.
pub fn lt(a: &Value, b: &Value) -> Result<bool, FuncError> {
    let (k1, k2) = (basic_kind(a), basic_kind(b));
    if k1 == Kind::Invalid || k2 == Kind::Invalid {
        return Err(FuncError::new(BAD_TYPE));
    }
    if k1 != k2 {
        return Err(FuncError::new(BAD_CMP));
    }
    Ok(match (a, b) {
        (Value::Float(x), Value::Float(y)) => x < y,
        (Value::Str(x), Value::Str(y)) => x < y,
        (Value::Int(x) | Value::Int64(x), Value::Int(y) | Value::Int64(y)) => x < y,
        _ => return Err(FuncError::new(BAD_TYPE)),
    })
}

fn index_arg(v: &Value, cap: usize) -> Result<usize, FuncError> {
    let x = match v {
        Value::Int(i) | Value::Int64(i) => *i,
        Value::Missing | Value::Nil => return Err(FuncError::new("cannot index slice/array with nil")),
        other => return Err(FuncError::new(format!("cannot index slice/array with type {}", other.type_name()))),
    };
    if x < 0 || x as u64 > cap as u64 {
        return Err(FuncError::new(format!("index out of range: {x}")));
    }
    Ok(x as usize)
}

fn index(item: &Value, idx: &[Value]) -> Result<Value, FuncError> {
    let mut item = item.clone();
    if item.is_missing() || matches!(item, Value::Nil) {
        return Err(FuncError::new("index of untyped nil"));
    }
    for i in idx {
        item = match &item {
            Value::Nil => return Err(FuncError::new("index of nil pointer")),
            Value::List(l) => {
                let x = index_arg(i, l.len())?;
                l.get(x).cloned().ok_or_else(|| FuncError::new("reflect: slice index out of range"))?
            }
            Value::Str(s) => {
                let x = index_arg(i, s.len())?;
                Value::Int(
                    *s.as_bytes().get(x).ok_or_else(|| FuncError::new("reflect: string index out of range"))? as i64
                )
            }
            Value::Map(m) => match i {
                Value::Str(k) => m.get(k).unwrap_or(Value::Nil),
                Value::Missing | Value::Nil => {
                    return Err(FuncError::new("value is nil; should be of type string"));
                }
                other => {
                    return Err(FuncError::new(format!("value has type {}; should be string", other.type_name())));
                }
            },
            other => return Err(FuncError::new(format!("can't index item of type {}", other.type_name()))),
        };
    }
    Ok(item)
}

fn slice(item: &Value, idx: &[Value]) -> Result<Value, FuncError> {
    if item.is_nil() {
        return Err(FuncError::new("slice of untyped nil"));
    }
    if idx.len() > 3 {
        return Err(FuncError::new(format!("too many slice indexes: {}", idx.len())));
    }
    let len = match item {
        Value::Str(s) => {
            if idx.len() == 3 {
                return Err(FuncError::new("cannot 3-index slice a string"));
            }
            s.len()
        }
        Value::List(l) => l.len(),
        other => return Err(FuncError::new(format!("can't slice item of type {}", other.type_name()))),
    };
    let mut x = [0, len, len];
    for (i, v) in idx.iter().enumerate() {
        x[i] = index_arg(v, len)?;
    }
    if x[0] > x[1] {
        return Err(FuncError::new(format!("invalid slice index: {} > {}", x[0], x[1])));
    }
    if idx.len() == 3 && x[1] > x[2] {
        return Err(FuncError::new(format!("invalid slice index: {} > {}", x[1], x[2])));
    }
    Ok(match item {
        Value::Str(s) => match s.get(x[0]..x[1]) {
            Some(sub) => Value::str(sub),
            None => Value::string(String::from_utf8_lossy(&s.as_bytes()[x[0]..x[1]]).into_owned()),
        },
        Value::List(l) => Value::list(l[x[0]..x[1]].to_vec()),
        _ => Value::Missing,
    })
}

fn length(v: &Value) -> Result<Value, FuncError> {
    Ok(Value::Int(match v {
        Value::Str(s) => s.len() as i64,
        Value::List(l) => l.len() as i64,
        Value::Map(m) => m.len() as i64,
        Value::Nil => return Err(FuncError::new("len of nil pointer")),
        Value::Missing => return Err(FuncError::new("reflect: call of reflect.Value.Type on zero Value")),
        other => return Err(FuncError::new(format!("len of type {}", other.type_name()))),
    }))
}

/// `evalArgs`: a single string as-is, otherwise `fmt.Sprint`.
fn eval_args(a: &[Value]) -> String {
    match a {
        [Value::Str(s)] => s.to_string(),
        _ => sprint(a),
    }
}

/// Go's `HTMLEscapeString`.
pub fn html_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => o.push_str("&#34;"),
            '\'' => o.push_str("&#39;"),
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '\0' => o.push('\u{fffd}'),
            c => o.push(c),
        }
    }
    o
}

/// Go's `JSEscapeString`.
pub fn js_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => o.push_str("\\\\"),
            '\'' => o.push_str("\\'"),
            '"' => o.push_str("\\\""),
            '<' => o.push_str("\\u003C"),
            '>' => o.push_str("\\u003E"),
            '&' => o.push_str("\\u0026"),
            '=' => o.push_str("\\u003D"),
            c if (c as u32) < 0x20 => o.push_str(&format!("\\u00{:02X}", c as u32)),
            c if !c.is_ascii() && (c.is_control() || (c.is_whitespace() && c != ' ')) => {
                o.push_str(&format!("\\u{:04X}", c as u32))
            }
            c => o.push(c),
        }
    }
    o
}

/// Go's `url.QueryEscape`.
pub fn query_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => o.push(b as char),
            b' ' => o.push('+'),
            b => o.push_str(&format!("%{b:02X}")),
        }
    }
    o
}

/// Calls builtin `name` (not and/or, which the evaluator handles).
pub(crate) fn call(name: &str, a: &[Value]) -> Result<Value, FuncError> {
    let b = |x: bool| Ok(Value::Bool(x));
    match name {
        "not" => b(!a[0].truthy()),
        "len" => length(&a[0]),
        "index" => index(&a[0], &a[1..]),
        "slice" => slice(&a[0], &a[1..]),
        "print" => Ok(Value::string(sprint(a))),
        "println" => Ok(Value::string(sprintln(a))),
        "printf" => match &a[0] {
            Value::Str(f) => Ok(Value::string(sprintf(f, &a[1..]))),
            other => Err(crate::funcs::args::type_error(0, "string", other)),
        },
        "html" => Ok(Value::string(html_escape(&eval_args(a)))),
        "js" => Ok(Value::string(js_escape(&eval_args(a)))),
        "urlquery" => Ok(Value::string(query_escape(&eval_args(a)))),
        "call" => match &a[0] {
            Value::Missing | Value::Nil => Err(FuncError::new("call of nil")),
            other => Err(FuncError::new(format!("non-function of type {}", other.type_name()))),
        },
        "eq" => b(eq(&a[0], &a[1..])?),
        "ne" => b(!eq(&a[0], &a[1..])?),
        "lt" => b(lt(&a[0], &a[1])?),
        "le" => b(lt(&a[0], &a[1])? || eq(&a[0], &a[1..])?),
        "gt" => b(!(lt(&a[0], &a[1])? || eq(&a[0], &a[1..])?)),
        "ge" => b(!lt(&a[0], &a[1])?),
        _ => Err(FuncError::new(format!("{name} is not a defined function"))),
    }
}
