//! Go `encoding/json` compatible encoding of [`Value`]s (sorted keys,
//! Go's float formatting, HTML-safe escaping of `<`, `>`, `&` unless raw,
//! `\u2028`/`\u2029` escaped) and decoding (numbers become `float64`, as
//! `json.Unmarshal` into `interface{}` does).

use crate::numfmt::format_float_json;
use crate::value::{MAX_NESTING, Value};

/// Appends `s` as a JSON string the way Go's encoding/json writes it
/// (`html`: escape `<>&`, json.Marshal's default).
pub fn push_str(out: &mut String, s: &str, html: bool) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            // Go 1.22+ uses the short escapes for backspace and form feed.
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '<' | '>' | '&' if html => out.push_str(&format!("\\u{:04x}", c as u32)),
            '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Encoding options: `html` escapes `<>&` (json.Marshal's default);
/// `indent` is `MarshalIndent("", indent)` when non-empty.
pub fn encode(v: &Value, html: bool, indent: &str) -> Result<String, String> {
    let mut out = String::new();
    enc(v, html, indent, 0, &mut out)?;
    Ok(out)
}

fn newline(out: &mut String, indent: &str, level: usize) {
    if !indent.is_empty() {
        out.push('\n');
        for _ in 0..level {
            out.push_str(indent);
        }
    }
}

fn enc(v: &Value, html: bool, indent: &str, level: usize, out: &mut String) -> Result<(), String> {
    if level > MAX_NESTING {
        return Err("json: unsupported value: encountered a cycle".into());
    }
    match v {
        Value::Object(o) => enc(&o.to_data(), html, indent, level + 1, out)?,
        Value::Missing | Value::Nil => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) | Value::Int64(i) => out.push_str(&i.to_string()),
        Value::Float(f) => {
            if !f.is_finite() {
                let mut s = String::new();
                crate::numfmt::format_float_g(*f, &mut s);
                return Err(format!("json: unsupported value: {s}"));
            }
            format_float_json(*f, out)
        }
        Value::Str(s) => push_str(out, s, html),
        Value::List(l) => {
            if l.is_empty() {
                out.push_str("[]");
                return Ok(());
            }
            out.push('[');
            for (i, x) in l.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent, level + 1);
                enc(x, html, indent, level + 1, out)?;
            }
            newline(out, indent, level);
            out.push(']');
        }
        Value::Map(m) => {
            let m = m.snapshot();
            if m.is_empty() {
                out.push_str("{}");
                return Ok(());
            }
            out.push('{');
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent, level + 1);
                push_str(out, k, html);
                out.push(':');
                if !indent.is_empty() {
                    out.push(' ');
                }
                enc(x, html, indent, level + 1, out)?;
            }
            newline(out, indent, level);
            out.push('}');
        }
    }
    Ok(())
}

/// Decodes JSON text like `json.Unmarshal` into `interface{}` (numbers → float64).
pub fn decode(s: &str) -> Result<Value, String> {
    let j: serde_json::Value = serde_json::from_str(s).map_err(|e| e.to_string())?;
    Ok(Value::from_json(&j))
}
