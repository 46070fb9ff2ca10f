//! Argument conversion helpers reproducing Go's `validateType` errors
//! (`invalid value; expected string`, `wrong type for value; expected int;
//! got float64`) and spf13/cast-style lenient conversions used by sprig.

use std::sync::Arc;

use crate::error::FuncError;
use crate::value::{Map, MapRef, Value};

/// Go type name of a value seen as an argument (`interface {}` for a nil
/// stored in a container).
fn arg_type(v: &Value) -> String {
    match v {
        Value::Nil => "interface {}".into(),
        other => other.go_type(),
    }
}

/// The Go conversion error for argument `i` of expected type `expected`.
pub fn type_error(i: usize, expected: &str, v: &Value) -> FuncError {
    match v {
        Value::Missing => FuncError::arg(i, format!("invalid value; expected {expected}")),
        _ => FuncError::arg(i, format!("wrong type for value; expected {expected}; got {}", arg_type(v))),
    }
}

/// Argument `i` as `interface{}` (missing becomes nil).
pub fn any(a: &[Value], i: usize) -> Value {
    a.get(i).cloned().unwrap_or(Value::Nil).or_nil()
}

/// Argument `i` as a Go `string` parameter.
pub fn str(a: &[Value], i: usize) -> Result<&str, FuncError> {
    match a.get(i) {
        Some(Value::Str(s)) => Ok(s),
        Some(v) => Err(type_error(i, "string", v)),
        None => Err(FuncError::new("missing argument")),
    }
}

/// Argument `i` as a Go `int` parameter.
pub fn int(a: &[Value], i: usize) -> Result<i64, FuncError> {
    match a.get(i) {
        Some(Value::Int(n)) => Ok(*n),
        Some(v) => Err(type_error(i, "int", v)),
        None => Err(FuncError::new("missing argument")),
    }
}

/// Argument `i` as a Go `bool` parameter.
pub fn bool(a: &[Value], i: usize) -> Result<bool, FuncError> {
    match a.get(i) {
        Some(Value::Bool(b)) => Ok(*b),
        Some(v) => Err(type_error(i, "bool", v)),
        None => Err(FuncError::new("missing argument")),
    }
}

/// Argument `i` as `map[string]interface{}` (a missing value is a nil map).
pub fn map(a: &[Value], i: usize) -> Result<MapRef, FuncError> {
    match a.get(i) {
        Some(Value::Map(m)) => Ok(m.clone()),
        Some(Value::Missing) | None => Ok(MapRef::new(Map::new())),
        Some(v) => Err(type_error(i, "map[string]interface {}", v)),
    }
}

/// spf13/cast `ToInt64` (lenient: strings parsed with base prefixes, floats
/// truncated, bools 0/1, anything else 0).
pub fn to_i64(v: &Value) -> i64 {
    match v {
        Value::Int(i) | Value::Int64(i) => *i,
        Value::Float(f) => {
            if f.is_nan() {
                0
            } else {
                *f as i64
            }
        }
        Value::Bool(b) => *b as i64,
        Value::Str(s) => parse_go_int(trim_zero_decimal(s)).unwrap_or(0),
        _ => 0,
    }
}

/// cast's `trimZeroDecimal`: "5.0" → "5", "5.00" → "5".
fn trim_zero_decimal(s: &str) -> &str {
    if let Some((int, frac)) = s.split_once('.')
        && !frac.is_empty()
        && frac.bytes().all(|b| b == b'0')
        && !int.is_empty()
    {
        return int;
    }
    s
}

/// `strconv.ParseInt(s, 0, 64)`.
pub fn parse_go_int(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = if let Some(r) = lower.strip_prefix("0x") {
        (16, r)
    } else if let Some(r) = lower.strip_prefix("0o") {
        (8, r)
    } else if let Some(r) = lower.strip_prefix("0b") {
        (2, r)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    if digits.is_empty() || digits.starts_with(['+', '-']) {
        return None;
    }
    let clean: String = digits.chars().filter(|&c| c != '_').collect();
    let mag = i128::from_str_radix(&clean, radix).ok()?;
    let v = if neg { -mag } else { mag };
    i64::try_from(v).ok()
}

/// spf13/cast `ToFloat64`.
pub fn to_f64(v: &Value) -> f64 {
    match v {
        Value::Int(i) | Value::Int64(i) => *i as f64,
        Value::Float(f) => *f,
        Value::Bool(b) => *b as i64 as f64,
        Value::Str(s) => parse_go_float(s).unwrap_or(0.0),
        _ => 0.0,
    }
}

/// sprig's `strval`: strings as-is, everything else `fmt.Sprintf("%v")`.
pub fn strval(v: &Value) -> String {
    v.to_go_string()
}

/// A list-like argument (sprig accepts any slice via reflection).
pub fn list_of(v: &Value) -> Option<Arc<Vec<Value>>> {
    match v {
        Value::List(l) => Some(l.items.clone()),
        _ => None,
    }
}

/// `strconv.ParseFloat(s, 64)` for decimal input (underscores allowed between digits).
pub fn parse_go_float(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        if c == b'_' && !(i > 0 && i + 1 < b.len() && b[i - 1].is_ascii_digit() && b[i + 1].is_ascii_digit()) {
            return None;
        }
    }
    let clean: String = s.chars().filter(|&c| c != '_').collect();
    let lower = clean.to_ascii_lowercase();
    if lower.contains('x') {
        return None;
    }
    match lower.trim_start_matches(['+', '-']) {
        "inf" | "infinity" => return Some(if lower.starts_with('-') { f64::NEG_INFINITY } else { f64::INFINITY }),
        "nan" => return Some(f64::NAN),
        _ => {}
    }
    clean.parse::<f64>().ok()
}
