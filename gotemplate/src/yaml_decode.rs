//! YAML decoding like `sigs.k8s.io/yaml.Unmarshal` into `interface{}`:
//! gopkg.in/yaml.v2 semantics (YAML 1.1 resolution of plain scalars: `yes`/
//! `on`/`y` booleans, `0755` octal, `1_000`, `<<` merge keys, timestamps kept
//! as strings), then the JSON round trip (every number becomes `float64`,
//! map keys become strings). Built on yaml-rust2's event parser, which tells
//! plain scalars from quoted ones; the tree is built iteratively, so deep
//! nesting cannot overflow the stack, and alias expansion is bounded.

use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::TScalarStyle;

use crate::numfmt::format_float_g;
use crate::value::{Map, Value};
use crate::yaml_resolve::{is_timestamp, is_yaml_float};

/// Total values (including alias copies) a document may expand to.
const MAX_NODES: usize = 10_000_000;

fn err(msg: impl std::fmt::Display) -> String {
    format!("error converting YAML to JSON: yaml: {msg}")
}

/// yaml.v2's resolution of a plain scalar, after the JSON round trip.
fn resolve_plain(s: &str) -> Result<Value, String> {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Ok(Value::Nil),
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Ok(Value::Bool(true));
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Ok(Value::Bool(false));
        }
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" | "-.inf" | "-.Inf" | "-.INF" | ".nan" | ".NaN"
        | ".NAN" => {
            let v = if s.starts_with('-') {
                "-Inf"
            } else if s.contains('n') || s.contains('N') {
                "NaN"
            } else {
                "+Inf"
            };
            return Err(format!("error converting YAML to JSON: json: unsupported value: {v}"));
        }
        _ => {}
    }
    let first = s.as_bytes()[0];
    if !(first.is_ascii_digit() || matches!(first, b'+' | b'-' | b'.')) {
        return Ok(Value::str(s));
    }
    if is_timestamp(s) {
        // yaml.v2 keeps timestamps as strings when decoding into interface{}.
        return Ok(Value::str(s));
    }
    let plain: String = s.chars().filter(|&c| c != '_').collect();
    if let Some(i) = crate::funcs::args::parse_go_int(&plain) {
        return Ok(Value::Float(i as f64));
    }
    if let Ok(u) = plain.parse::<u64>() {
        return Ok(Value::Float(u as f64));
    }
    if is_yaml_float(&plain)
        && let Ok(f) = plain.parse::<f64>()
    {
        return Ok(Value::Float(f));
    }
    let (neg, body) = match plain.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, plain.as_str()),
    };
    if let Some(bits) = body.strip_prefix("0b")
        && let Ok(i) = i64::from_str_radix(bits, 2)
    {
        return Ok(Value::Float(if neg { -(i as f64) } else { i as f64 }));
    }
    Ok(Value::str(s))
}

fn scalar(value: String, style: TScalarStyle, tag: Option<&yaml_rust2::parser::Tag>) -> Result<Value, String> {
    if let Some(t) = tag {
        let core = t.handle == "!!" || t.handle == "tag:yaml.org,2002:";
        match (core, t.suffix.as_str()) {
            (true, "str") => return Ok(Value::string(value)),
            (true, "null") => return Ok(Value::Nil),
            (true, "binary") => {
                use base64::Engine as _;
                let clean: String = value.chars().filter(|c| !c.is_whitespace()).collect();
                let bytes = base64::engine::general_purpose::STANDARD.decode(clean).map_err(err)?;
                return Ok(Value::string(String::from_utf8_lossy(&bytes).into_owned()));
            }
            _ => return resolve_plain(&value),
        }
    }
    match style {
        TScalarStyle::Plain => resolve_plain(&value),
        _ => Ok(Value::string(value)),
    }
}

/// The JSON object key sigs.k8s.io/yaml produces for a YAML key.
fn key_string(k: &Value) -> Result<String, String> {
    Ok(match k {
        Value::Str(s) => s.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Nil => "null".into(),
        Value::Float(f) => {
            let mut s = String::new();
            format_float_g(*f, &mut s);
            s
        }
        _ => return Err(err("invalid map key")),
    })
}

enum Frame {
    Seq(Vec<Value>, usize),
    /// Map under construction, pending key, pending key is `<<`, anchor id.
    Map(Map, Option<String>, bool, usize),
}

fn count_nodes(v: &Value) -> usize {
    match v {
        Value::List(l) => 1 + l.iter().map(count_nodes).sum::<usize>(),
        Value::Map(m) => 1 + m.read().values().map(count_nodes).sum::<usize>(),
        _ => 1,
    }
}

/// Parses the first YAML document (an empty input is `null`).
pub fn decode(s: &str) -> Result<Value, String> {
    let mut parser = Parser::new_from_str(s);
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: std::collections::HashMap<usize, Value> = std::collections::HashMap::new();
    let mut nodes = 0usize;
    loop {
        let (ev, _) = parser.next_token().map_err(err)?;
        let (value, anchor) = match ev {
            Event::StreamEnd => return Ok(Value::Nil),
            Event::Nothing | Event::StreamStart | Event::DocumentStart | Event::DocumentEnd => continue,
            Event::Alias(id) => {
                let v = anchors.get(&id).ok_or_else(|| err("unknown anchor referenced"))?;
                nodes += count_nodes(v);
                (crate::funcs::deep_copy(v), 0)
            }
            Event::Scalar(value, style, anchor, tag) => {
                let is_merge_key = style == TScalarStyle::Plain && tag.is_none() && value == "<<";
                if let Some(Frame::Map(_, key @ None, merge, _)) = stack.last_mut() {
                    if is_merge_key {
                        *merge = true;
                        *key = Some("<<".into());
                        continue;
                    }
                    let k = scalar(value, style, tag.as_ref())?;
                    *key = Some(key_string(&k)?);
                    continue;
                }
                (scalar(value, style, tag.as_ref())?, anchor)
            }
            Event::SequenceStart(anchor, _) => {
                stack.push(Frame::Seq(Vec::new(), anchor));
                continue;
            }
            Event::MappingStart(anchor, _) => {
                if matches!(stack.last(), Some(Frame::Map(_, None, _, _))) {
                    return Err(err("invalid map key: complex keys are not supported"));
                }
                stack.push(Frame::Map(Map::new(), None, false, anchor));
                continue;
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq(items, anchor)) => (Value::list(items), anchor),
                _ => return Err(err("unbalanced sequence")),
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map(m, _, _, anchor)) => (Value::map(m), anchor),
                _ => return Err(err("unbalanced mapping")),
            },
        };
        nodes += 1;
        if nodes > MAX_NODES {
            return Err(err("document contains excessive aliasing"));
        }
        if anchor > 0 {
            anchors.insert(anchor, value.clone());
        }
        match stack.last_mut() {
            None => return Ok(value),
            Some(Frame::Seq(items, _)) => items.push(value),
            Some(Frame::Map(m, key, merge, _)) => {
                let k = key.take().ok_or_else(|| err("mapping value without key"))?;
                if std::mem::take(merge) {
                    merge_into(m, value)?;
                } else {
                    m.insert(k, value);
                }
            }
        }
    }
}

/// yaml.v2 merge key: a map, or a list of maps where earlier ones win.
fn merge_into(m: &mut Map, v: Value) -> Result<(), String> {
    let sources = match v {
        Value::List(l) => l.iter().cloned().collect(),
        other => vec![other],
    };
    for src in sources.into_iter().rev() {
        match src {
            Value::Map(sm) => m.extend(sm.snapshot()),
            _ => return Err(err("map merge requires map or sequence of maps as the value")),
        }
    }
    Ok(())
}
