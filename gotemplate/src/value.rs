//! The dynamic [`Value`] a template sees, modelled on what Go's `reflect` sees
//! when a template executes on data decoded from YAML/JSON
//! (`map[string]interface{}`, `[]interface{}`, `float64`, ...).
//!
//! # Ints versus floats
//! Go keeps `int`, `int64` and `float64` apart, and so do we: [`Value::Int`] is
//! Go's `int` (template literals like `3`, `len`, `atoi`, `int`),
//! [`Value::Int64`] is `int64` (sprig arithmetic: `add`, `sub`, `int64`...),
//! [`Value::Float`] is `float64`. Printing differs (`1e+06` vs `1000000`), and
//! so do comparisons (`eq 1 1.0` is an error in Go).
//!
//! The caller picks the representation of data numbers:
//! * [`Value::from_json`] / [`Value::from_json_with`]`(v, NumberMode::Float64)`
//!   turns **every** JSON number into `float64`, as Helm does (values go
//!   YAML → JSON → `interface{}`), so `1000000` prints as `1e+06`.
//! * [`NumberMode::IntWhenIntegral`] keeps JSON integers as `int64`-valued
//!   [`Value::Int`] (what a Go program decoding with `UseNumber`-like logic or
//!   building typed data would see). Argo CD ApplicationSet parameters are
//!   mostly strings, so either works there.
//!
//! Printing follows Go's `fmt` `%v` ([`Value::fmt_v`]).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

use crate::numfmt::format_float_g;
pub use crate::object::{MAX_NESTING, MapRef, Object};

/// A map with string keys; `BTreeMap` gives Go's sorted-key iteration/printing.
pub type Map = BTreeMap<String, Value>;

/// A dynamically typed template value. Cloning is cheap (strings, lists and
/// maps are reference counted).
#[derive(Clone, Debug, Default)]
pub enum Value {
    /// Go's invalid `reflect.Value`: a missing map key or the result of a
    /// pipeline that produced `nil`. Prints as `<no value>`.
    #[default]
    Missing,
    /// A nil `interface{}` (e.g. JSON `null` stored in a map). Prints `<nil>`.
    Nil,
    Bool(bool),
    /// Go `int`.
    Int(i64),
    /// Go `int64`.
    Int64(i64),
    /// Go `float64`.
    Float(f64),
    Str(Arc<str>),
    /// A Go slice: `[]interface{}` for data and `list`, `[]string` / `[]int`
    /// for the sprig functions that return those (see [`ListRef::elem`]).
    List(ListRef),
    /// Go `map[string]interface{}` (shared and mutable, like Go maps).
    Map(MapRef),
    /// A host object with fields/methods (see [`Object`]).
    Object(Arc<dyn Object>),
}

/// Element type of a Go slice value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Elem {
    #[default]
    Interface,
    String,
    Int,
}

/// A shared, immutable slice with its Go element type. Derefs to `Vec<Value>`.
#[derive(Clone, Debug, Default)]
pub struct ListRef {
    pub elem: Elem,
    pub items: Arc<Vec<Value>>,
}

impl std::ops::Deref for ListRef {
    type Target = Vec<Value>;
    fn deref(&self) -> &Vec<Value> {
        &self.items
    }
}

/// How JSON numbers become [`Value`]s. See the module docs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum NumberMode {
    /// Every number is a `float64` (Helm's behaviour).
    #[default]
    Float64,
    /// Integral numbers that fit in `i64` become [`Value::Int`], others `float64`.
    IntWhenIntegral,
}

impl Value {
    pub fn str(s: &str) -> Value {
        Value::Str(Arc::from(s))
    }
    pub fn string(s: String) -> Value {
        Value::Str(Arc::from(s))
    }
    /// A `[]interface{}`.
    pub fn list(v: Vec<Value>) -> Value {
        Value::List(ListRef { elem: Elem::Interface, items: Arc::new(v) })
    }

    /// A slice with a specific Go element type (`[]string`, `[]int`).
    pub fn typed_list(elem: Elem, v: Vec<Value>) -> Value {
        Value::List(ListRef { elem, items: Arc::new(v) })
    }
    pub fn map(m: Map) -> Value {
        Value::Map(MapRef::new(m))
    }

    /// Converts JSON data with every number as `float64` (Helm's view).
    pub fn from_json(v: &serde_json::Value) -> Value {
        Self::from_json_with(v, NumberMode::Float64)
    }

    /// Converts JSON data choosing how numbers are represented.
    pub fn from_json_with(v: &serde_json::Value, mode: NumberMode) -> Value {
        use serde_json::Value as J;
        match v {
            J::Null => Value::Nil,
            J::Bool(b) => Value::Bool(*b),
            J::Number(n) => match mode {
                NumberMode::IntWhenIntegral if n.is_i64() => Value::Int(n.as_i64().unwrap_or(0)),
                _ => Value::Float(n.as_f64().unwrap_or(0.0)),
            },
            J::String(s) => Value::str(s),
            J::Array(a) => Value::list(a.iter().map(|x| Self::from_json_with(x, mode)).collect()),
            J::Object(o) => Value::map(o.iter().map(|(k, x)| (k.clone(), Self::from_json_with(x, mode))).collect()),
        }
    }

    /// Converts to JSON (`Missing`/`Nil` become `null`; non-finite floats `null`).
    pub fn to_json(&self) -> serde_json::Value {
        self.to_json_depth(0)
    }

    fn to_json_depth(&self, depth: usize) -> serde_json::Value {
        use serde_json::Value as J;
        if depth > MAX_NESTING {
            return J::Null;
        }
        match self {
            Value::Missing | Value::Nil => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) | Value::Int64(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map(J::Number).unwrap_or(J::Null),
            Value::Str(s) => J::String(s.to_string()),
            Value::List(l) => J::Array(l.iter().map(|v| v.to_json_depth(depth + 1)).collect()),
            Value::Map(m) => {
                J::Object(m.snapshot().iter().map(|(k, v)| (k.clone(), v.to_json_depth(depth + 1))).collect())
            }
            Value::Object(o) => o.to_data().to_json_depth(depth + 1),
        }
    }

    /// Go's `%T` of the value as a template sees it.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Missing | Value::Nil => "<nil>",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Int64(_) => "int64",
            Value::Float(_) => "float64",
            Value::Str(_) => "string",
            Value::List(l) => match l.elem {
                Elem::Interface => "[]interface {}",
                Elem::String => "[]string",
                Elem::Int => "[]int",
            },
            Value::Map(_) => "map[string]interface {}",
            Value::Object(_) => "object",
        }
    }

    /// Go's `%T`, including host objects' own type names.
    pub fn go_type(&self) -> String {
        match self {
            Value::Object(o) => o.type_name().to_string(),
            other => other.type_name().to_string(),
        }
    }

    /// Go's `reflect.Kind` name.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Value::Missing | Value::Nil => "invalid",
            Value::List(_) => "slice",
            Value::Map(_) => "map",
            Value::Object(_) => "ptr",
            other => other.type_name(),
        }
    }

    pub fn is_missing(&self) -> bool {
        matches!(self, Value::Missing)
    }

    /// Nil or missing.
    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Missing | Value::Nil)
    }

    /// Go's template truth (`isTrue`): zero values and empty containers are false.
    pub fn truthy(&self) -> bool {
        match self {
            Value::Missing | Value::Nil => false,
            Value::Bool(b) => *b,
            Value::Int(i) | Value::Int64(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::List(l) => !l.is_empty(),
            Value::Map(m) => !m.is_empty(),
            Value::Object(_) => true,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Go's `fmt.Sprint(v)` (`%v`). `Missing` prints `<nil>` here, as it does
    /// once passed to a function; the executor prints `<no value>` itself.
    pub fn fmt_v(&self, out: &mut String) {
        self.fmt_v_depth(out, 0)
    }

    fn fmt_v_depth(&self, out: &mut String, depth: usize) {
        if depth > MAX_NESTING {
            out.push_str("...");
            return;
        }
        match self {
            Value::Missing | Value::Nil => out.push_str("<nil>"),
            Value::Object(o) => out.push_str(&o.to_go_string()),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) | Value::Int64(i) => {
                let _ = write!(out, "{i}");
            }
            Value::Float(f) => format_float_g(*f, out),
            Value::Str(s) => out.push_str(s),
            Value::List(l) => {
                out.push('[');
                for (i, v) in l.iter().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    v.fmt_v_depth(out, depth + 1);
                }
                out.push(']');
            }
            Value::Map(m) => {
                out.push_str("map[");
                for (i, (k, v)) in m.snapshot().iter().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    out.push_str(k);
                    out.push(':');
                    v.fmt_v_depth(out, depth + 1);
                }
                out.push(']');
            }
        }
    }

    /// `fmt.Sprint(v)` as a new string.
    pub fn to_go_string(&self) -> String {
        if let Value::Str(s) = self {
            return s.to_string();
        }
        let mut s = String::new();
        self.fmt_v(&mut s);
        s
    }

    /// Go's `reflect.DeepEqual` on the decoded data.
    pub fn deep_equal(&self, other: &Value) -> bool {
        self.deep_equal_depth(other, 0)
    }

    fn deep_equal_depth(&self, other: &Value, depth: usize) -> bool {
        if depth > MAX_NESTING {
            return true;
        }
        match (self, other) {
            (Value::Missing | Value::Nil, Value::Missing | Value::Nil) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) | (Value::Int64(a), Value::Int64(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => a == b,
            (Value::Str(a), Value::Str(b)) => a == b,
            (Value::List(a), Value::List(b)) => {
                a.elem == b.elem
                    && a.len() == b.len()
                    && a.iter().zip(b.iter()).all(|(x, y)| x.deep_equal_depth(y, depth + 1))
            }
            (Value::Object(a), Value::Object(b)) => Arc::ptr_eq(a, b),
            (Value::Map(a), Value::Map(b)) => {
                if a.ptr_eq(b) {
                    return true;
                }
                let (a, b) = (a.snapshot(), b.snapshot());
                a.len() == b.len() && a.iter().all(|(k, v)| b.get(k).is_some_and(|w| v.deep_equal_depth(w, depth + 1)))
            }
            _ => false,
        }
    }

    /// Turns `Missing` into `Nil` (what a function receives for an invalid value).
    pub fn or_nil(self) -> Value {
        if let Value::Missing = self { Value::Nil } else { self }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::str(s)
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::string(s)
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}
impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}
impl From<f64> for Value {
    fn from(f: f64) -> Self {
        Value::Float(f)
    }
}
impl From<Vec<Value>> for Value {
    fn from(v: Vec<Value>) -> Self {
        Value::list(v)
    }
}
impl From<Map> for Value {
    fn from(m: Map) -> Self {
        Value::map(m)
    }
}
impl From<serde_json::Value> for Value {
    fn from(v: serde_json::Value) -> Self {
        Value::from_json(&v)
    }
}

impl From<&serde_json::Value> for Value {
    fn from(v: &serde_json::Value) -> Self {
        Value::from_json(v)
    }
}
