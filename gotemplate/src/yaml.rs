//! YAML encoding that reproduces `sigs.k8s.io/yaml.Marshal` (Helm's and
//! Argo CD's `toYaml`): the value goes through JSON first (so numbers print
//! as JSON would, map keys are strings), then gopkg.in/yaml.v2 emits it:
//! block style, 2-space indent, sequences inside mappings not indented
//! (`- a` at the parent's column), yaml.v2 key order (digit runs compared
//! numerically), YAML 1.1-aware quoting (`"true"`, `"yes"`, `"1.0"`, `""`,
//! dates), `'single'` quotes when plain style is not allowed, literal `|`/`|-`
//! blocks for multi-line strings, and folding of long plain/quoted strings
//! at column 80. Decoding ([`from_yaml`]) yields JSON-like data (numbers as
//! `float64`), as sigs.k8s.io/yaml does.

use std::cmp::Ordering;

use crate::numfmt::{format_float_g, format_float_json};
use crate::value::{MAX_NESTING, Map, Value};
use crate::yaml_scalar::{Style, choose_style, write_scalar};

/// yaml.v2's map key ordering (`keyList.Less`) for string keys.
pub fn key_less(a: &str, b: &str) -> Ordering {
    let (ar, br): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut i = 0;
    while i < ar.len() && i < br.len() {
        if ar[i] == br[i] {
            i += 1;
            continue;
        }
        let (al, bl) = (ar[i].is_alphabetic(), br[i].is_alphabetic());
        if al && bl {
            return ar[i].cmp(&br[i]);
        }
        if al || bl {
            return if bl { Ordering::Less } else { Ordering::Greater };
        }
        return digit_runs_cmp(&ar, &br, i);
    }
    ar.len().cmp(&br.len())
}

/// go-yaml's comparison of two keys that first differ at `i`, where neither
/// character is a letter: the digit runs starting there compare as numbers
/// (Go's wrapping int arithmetic), then by length, then by code point.
/// Shared by yaml.v2's order ([`key_less`]) and yaml.v3's (the kustomize emitter).
pub fn digit_runs_cmp(ar: &[char], br: &[char], i: usize) -> Ordering {
    let (mut an, mut bn): (i64, i64) = (0, 0);
    if ar[i] == '0' || br[i] == '0' {
        let mut j = i;
        while j > 0 && ar[j - 1].is_ascii_digit() {
            j -= 1;
            if ar[j] != '0' {
                an = 1;
                bn = 1;
                break;
            }
        }
    }
    let mut ai = i;
    while ai < ar.len() && ar[ai].is_ascii_digit() {
        an = an.wrapping_mul(10).wrapping_add(ar[ai] as i64 - '0' as i64);
        ai += 1;
    }
    let mut bi = i;
    while bi < br.len() && br[bi].is_ascii_digit() {
        bn = bn.wrapping_mul(10).wrapping_add(br[bi] as i64 - '0' as i64);
        bi += 1;
    }
    if an != bn {
        return an.cmp(&bn);
    }
    if ai != bi {
        return ai.cmp(&bi);
    }
    ar[i].cmp(&br[i])
}

/// The emitter state: output plus the current column.
pub(crate) struct Out {
    pub s: String,
    pub col: usize,
}

impl Out {
    pub fn push(&mut self, t: &str) {
        for c in t.chars() {
            if c == '\n' {
                self.col = 0;
            } else {
                self.col += 1;
            }
        }
        self.s.push_str(t);
    }
    pub fn newline_indent(&mut self, indent: usize) {
        self.push("\n");
        for _ in 0..indent {
            self.push(" ");
        }
    }
}

/// Text of a number after the JSON round trip, as yaml.v2 re-emits it.
fn number_text(v: &Value) -> String {
    match v {
        Value::Int(i) | Value::Int64(i) => i.to_string(),
        Value::Float(f) => {
            let mut j = String::new();
            format_float_json(*f, &mut j);
            if let Ok(i) = j.parse::<i64>() {
                return i.to_string();
            }
            if j.parse::<u64>().is_ok() {
                return j;
            }
            let mut g = String::new();
            format_float_g(*f, &mut g);
            g
        }
        _ => String::new(),
    }
}

fn is_collection(v: &Value) -> bool {
    match v {
        Value::List(l) => !l.is_empty(),
        Value::Map(m) => !m.is_empty(),
        _ => false,
    }
}

/// Writes a non-collection value; `indent` is the indentation for
/// continuation lines, `key` whether it is a mapping key.
fn scalar(out: &mut Out, v: &Value, indent: usize, key: bool) -> Result<(), String> {
    match v {
        Value::Object(o) => scalar(out, &o.to_data(), indent, key)?,
        Value::Missing | Value::Nil => out.push("null"),
        Value::Bool(b) => out.push(if *b { "true" } else { "false" }),
        Value::Int(_) | Value::Int64(_) => out.push(&number_text(v)),
        Value::Float(f) => {
            if !f.is_finite() {
                let mut s = String::new();
                format_float_g(*f, &mut s);
                return Err(format!("error marshaling into JSON: json: unsupported value: {s}"));
            }
            out.push(&number_text(v))
        }
        Value::Str(s) => {
            let style = choose_style(s, key);
            write_scalar(out, s, style, indent, !key);
        }
        Value::List(_) => out.push("[]"),
        Value::Map(_) => out.push("{}"),
    }
    Ok(())
}

fn sorted(m: &Map) -> Vec<(&String, &Value)> {
    let mut v: Vec<(&String, &Value)> = m.iter().collect();
    v.sort_by(|a, b| key_less(a.0, b.0));
    v
}

fn map_body(out: &mut Out, m: &Map, indent: usize, inline_first: bool, depth: usize) -> Result<(), String> {
    for (i, (k, v)) in sorted(m).into_iter().enumerate() {
        if i > 0 || !inline_first {
            out.newline_indent(indent);
        }
        // libyaml: keys longer than 128 bytes or spanning lines are "complex": `? key` / `: value`.
        if k.len() > 128 || k.chars().any(|c| matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}')) {
            out.push("? ");
            write_scalar(out, k, choose_style(k, false), indent + 2, true);
            out.newline_indent(indent);
        } else {
            write_scalar(out, k, choose_style(k, true), indent, false);
        }
        out.push(":");
        value(out, v, indent, true, depth + 1)?;
    }
    Ok(())
}

fn seq_body(out: &mut Out, l: &[Value], indent: usize, inline_first: bool, depth: usize) -> Result<(), String> {
    for (i, v) in l.iter().enumerate() {
        if i > 0 || !inline_first {
            out.newline_indent(indent);
        }
        out.push("-");
        value(out, v, indent, false, depth + 1)?;
    }
    Ok(())
}

/// Writes a value following `key:` (`in_map`) or `-`.
fn value(out: &mut Out, v: &Value, indent: usize, in_map: bool, depth: usize) -> Result<(), String> {
    if depth > MAX_NESTING {
        return Err("json: unsupported value: encountered a cycle".into());
    }
    if let Value::Object(o) = v {
        return value(out, &o.to_data(), indent, in_map, depth + 1);
    }
    match v {
        Value::Map(m) if is_collection(v) => {
            let m = m.snapshot();
            if in_map {
                map_body(out, &m, indent + 2, false, depth)
            } else {
                out.push(" ");
                map_body(out, &m, indent + 2, true, depth)
            }
        }
        Value::List(l) if is_collection(v) => {
            if in_map {
                seq_body(out, l, indent, false, depth)
            } else {
                out.push(" ");
                seq_body(out, l, indent + 2, true, depth)
            }
        }
        _ => {
            out.push(" ");
            scalar(out, v, indent + 2, false)
        }
    }
}

/// `sigs.k8s.io/yaml.Marshal(v)`, including the trailing newline (Helm's and
/// Argo's `toYaml` strip it).
pub fn to_yaml(v: &Value) -> Result<String, String> {
    if let Value::Object(o) = v {
        return to_yaml(&o.to_data());
    }
    let mut out = Out { s: String::new(), col: 0 };
    match v {
        Value::Map(m) if is_collection(v) => map_body(&mut out, &m.snapshot(), 0, true, 0)?,
        Value::List(l) if is_collection(v) => seq_body(&mut out, l, 0, true, 0)?,
        other => {
            if let Value::Str(s) = other
                && choose_style(s, false) == Style::Literal
            {
                write_scalar(&mut out, s, Style::Literal, 2, true);
            } else {
                scalar(&mut out, other, 2, false)?;
            }
        }
    }
    out.push("\n");
    Ok(out.s)
}

/// `sigs.k8s.io/yaml.Unmarshal` into `interface{}`: yaml.v2 (YAML 1.1)
/// resolution, then JSON semantics (numbers become float64, keys strings).
pub fn from_yaml(s: &str) -> Result<Value, String> {
    crate::yaml_decode::decode(s)
}
