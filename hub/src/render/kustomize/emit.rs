//! Writing the build result as `kustomize build` prints it (go-yaml v3
//! under kyaml): documents separated by `---`, 2-space indentation, block
//! sequences not indented under their key, mapping keys in go-yaml's
//! natural order (kustomize's output does not keep input field order),
//! strings quoted as go-yaml quotes them (double quotes when a plain
//! scalar would read as another type, single quotes when it cannot be
//! plain, literal blocks for multi-line text) and long plain or quoted
//! lines folded at 80 columns.

use super::error::Result;
use super::patch::Doc;
use std::cmp::Ordering;

const WIDTH: usize = 80;

/// The YAML stream of documents.
pub fn to_yaml(docs: &[Doc]) -> Result<String> {
    let mut out = String::new();
    for (i, doc) in docs.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        match doc {
            Doc::Mapping(m) if !m.is_empty() => mapping(&mut out, doc, 0),
            Doc::Sequence(s) if !s.is_empty() => sequence(&mut out, doc, 0),
            other => {
                let mut line = String::new();
                scalar(&mut line, other, 0, 0);
                out.push_str(&line);
                out.push('\n');
            }
        }
    }
    Ok(out)
}

fn key_text(k: &Doc) -> String {
    match k {
        Doc::String(s) => s.clone(),
        other => serde_norway::to_string(other).map(|s| s.trim_end().to_string()).unwrap_or_default(),
    }
}

fn mapping(out: &mut String, doc: &Doc, indent: usize) {
    let Some(map) = doc.as_mapping() else { return };
    let mut entries: Vec<(String, &Doc, &Doc)> = map.iter().map(|(k, v)| (key_text(k), k, v)).collect();
    entries.sort_by(|a, b| natural(&a.0, &b.0));
    for (_, k, v) in entries {
        out.push_str(&" ".repeat(indent));
        let start = out.len();
        scalar(out, k, indent, 0);
        out.push(':');
        let column = indent + (out.len() - start);
        value(out, v, indent, column);
    }
}

/// Writes a value after `key:` (or `- `), then the newline.
fn value(out: &mut String, v: &Doc, indent: usize, column: usize) {
    match v {
        Doc::Mapping(m) if m.is_empty() => out.push_str(" {}\n"),
        Doc::Sequence(s) if s.is_empty() => out.push_str(" []\n"),
        Doc::Mapping(_) => {
            out.push('\n');
            mapping(out, v, indent + 2);
        }
        Doc::Sequence(_) => {
            out.push('\n');
            sequence(out, v, indent);
        }
        Doc::Tagged(t) => value(out, &t.value, indent, column),
        _ => {
            out.push(' ');
            scalar(out, v, indent + 2, column + 1);
            out.push('\n');
        }
    }
}

fn sequence(out: &mut String, doc: &Doc, indent: usize) {
    let Some(items) = doc.as_sequence() else { return };
    for item in items {
        out.push_str(&" ".repeat(indent));
        out.push_str("- ");
        item_body(out, item, indent + 2);
    }
}

/// An item after `- ` at `indent` (the column the item's content starts).
fn item_body(out: &mut String, item: &Doc, indent: usize) {
    match item {
        Doc::Mapping(m) if !m.is_empty() => {
            let mut nested = String::new();
            mapping(&mut nested, item, indent);
            out.push_str(&nested[indent..]);
        }
        Doc::Sequence(s) if !s.is_empty() => {
            let mut nested = String::new();
            sequence(&mut nested, item, indent);
            out.push_str(&nested[indent..]);
        }
        Doc::Mapping(_) => out.push_str("{}\n"),
        Doc::Sequence(_) => out.push_str("[]\n"),
        Doc::Tagged(t) => item_body(out, &t.value, indent),
        _ => {
            scalar(out, item, indent, indent);
            out.push('\n');
        }
    }
}

/// Writes a scalar; `indent` is the block indent for continuation lines,
/// `column` where the scalar starts.
fn scalar(out: &mut String, v: &Doc, indent: usize, column: usize) {
    match v {
        Doc::Null => out.push_str("null"),
        Doc::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Doc::Number(n) => out.push_str(&n.to_string()),
        Doc::String(s) => string(out, s, indent, column),
        Doc::Tagged(t) => scalar(out, &t.value, indent, column),
        other => out.push_str(&serde_norway::to_string(other).map(|s| s.trim_end().to_string()).unwrap_or_default()),
    }
}

fn string(out: &mut String, s: &str, indent: usize, column: usize) {
    if s.contains('\n') && literal_allowed(s) {
        literal(out, s, indent);
    } else if s.is_empty() || resolves_to_other_type(s) || needs_escapes(s) {
        double_quoted(out, s);
    } else if plain_allowed(s) {
        folded(out, s, indent, column, false);
    } else {
        folded(out, s, indent, column, true);
    }
}

fn literal_allowed(s: &str) -> bool {
    !s.chars().any(|c| (c.is_control() && c != '\n') || c == '\u{feff}')
        && !s.lines().any(|l| l.ends_with(' ') || l.ends_with('\t'))
}

fn literal(out: &mut String, s: &str, indent: usize) {
    out.push('|');
    if s.starts_with(' ') || s.starts_with('\n') {
        out.push('2');
    }
    let trailing = s.len() - s.trim_end_matches('\n').len();
    match trailing {
        0 => out.push('-'),
        1 => {}
        _ => out.push('+'),
    }
    let body = if trailing == 0 { s } else { &s[..s.len() - 1] };
    for line in body.split('\n') {
        out.push('\n');
        if !line.is_empty() {
            out.push_str(&" ".repeat(indent));
            out.push_str(line);
        }
    }
}

fn needs_escapes(s: &str) -> bool {
    s.chars().any(|c| c.is_control() || c == '\u{feff}' || c == '\u{2028}' || c == '\u{2029}')
}

fn double_quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            c if c.is_control() || c == '\u{feff}' => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Plain or single-quoted text, broken at spaces past the width as libyaml does.
fn folded(out: &mut String, s: &str, indent: usize, mut column: usize, quoted: bool) {
    if quoted {
        out.push('\'');
        column += 1;
    }
    let chars: Vec<char> = s.chars().collect();
    let mut prev_space = false;
    for (i, &c) in chars.iter().enumerate() {
        if c == ' ' {
            let next_space = chars.get(i + 1).is_some_and(|n| *n == ' ');
            let edge = i == 0 || i + 1 == chars.len();
            if !prev_space && column > WIDTH && !next_space && !edge {
                out.push('\n');
                out.push_str(&" ".repeat(indent));
                column = indent;
            } else {
                out.push(' ');
                column += 1;
            }
            prev_space = true;
            continue;
        }
        prev_space = false;
        if quoted && c == '\'' {
            out.push_str("''");
            column += 2;
        } else {
            out.push(c);
            column += 1;
        }
    }
    if quoted {
        out.push('\'');
    }
}

/// Whether go-yaml would read the plain text as something other than a string.
fn resolves_to_other_type(s: &str) -> bool {
    const WORDS: [&str; 34] = [
        "true", "True", "TRUE", "false", "False", "FALSE", "null", "Null", "NULL", "~", "y", "Y", "yes", "Yes", "YES",
        "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF", ".inf", ".Inf", ".INF", ".nan", ".NaN",
        ".NAN", "<<", "=",
    ];
    if WORDS.contains(&s) || matches!(s, "+.inf" | "-.inf" | "+.Inf" | "-.Inf" | "+.INF" | "-.INF") {
        return true;
    }
    let first = s.chars().next().unwrap_or(' ');
    if !("+-.0123456789".contains(first)) {
        return false;
    }
    is_number(s) || is_timestamp(s)
}

fn is_number(s: &str) -> bool {
    let t = s.strip_prefix(['+', '-']).unwrap_or(s);
    let plain = t.replace('_', "");
    let radix = |p: &str, r: u32| {
        t.strip_prefix(p).is_some_and(|d| !d.is_empty() && i128::from_str_radix(&d.replace('_', ""), r).is_ok())
    };
    if radix("0x", 16) || radix("0X", 16) || radix("0o", 8) || radix("0O", 8) || radix("0b", 2) || radix("0B", 2) {
        return true;
    }
    if !plain.is_empty() && plain.chars().all(|c| c.is_ascii_digit()) {
        return true;
    }
    let lower = plain.to_ascii_lowercase();
    if matches!(lower.as_str(), "inf" | "infinity" | "nan") {
        return false;
    }
    !plain.is_empty()
        && plain.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))
        && plain.parse::<f64>().is_ok()
}

fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 8 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-' && b[5].is_ascii_digit()
}

/// Whether libyaml may write the text as a plain block scalar.
fn plain_allowed(s: &str) -> bool {
    let chars: Vec<char> = s.chars().collect();
    let first = chars[0];
    if first == ' ' || chars[chars.len() - 1] == ' ' {
        return false;
    }
    let next_is_blank = |i: usize| chars.get(i + 1).is_none_or(|c| *c == ' ');
    match first {
        '-' | '?' | ':' if next_is_blank(0) => return false,
        '-' | '?' | ':' => {}
        ',' | '[' | ']' | '{' | '}' | '#' | '&' | '*' | '!' | '|' | '>' | '\'' | '"' | '%' | '@' | '`' => {
            return false;
        }
        _ => {}
    }
    if s.starts_with("---") || s.starts_with("...") {
        return false;
    }
    for (i, &c) in chars.iter().enumerate() {
        if c == ':' && next_is_blank(i) {
            return false;
        }
        if c == '#' && i > 0 && chars[i - 1] == ' ' {
            return false;
        }
    }
    true
}

/// go-yaml v3's key order (what kubectl kustomize prints): runs of digits
/// compare as numbers, letters by code point. Not yaml.v2's order
/// (`convoy_gotemplate::yaml::key_less`): v3 ranks a letter after a digit
/// run differently.
pub fn natural(a: &str, b: &str) -> Ordering {
    let (ar, br): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut digits = false;
    for i in 0..ar.len().min(br.len()) {
        if ar[i] == br[i] {
            digits = ar[i].is_ascii_digit();
            continue;
        }
        let (al, bl) = (ar[i].is_alphabetic(), br[i].is_alphabetic());
        if al && bl {
            return ar[i].cmp(&br[i]);
        }
        if al || bl {
            return if (digits && al) || (!digits && bl) { Ordering::Less } else { Ordering::Greater };
        }
        return convoy_gotemplate::yaml::digit_runs_cmp(&ar, &br, i);
    }
    ar.len().cmp(&br.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_sort_naturally() {
        let mut keys = vec!["a10", "a9", "B", "a", "a_b", "a.b", "10", "2", "1", "Z", "z-1"];
        keys.sort_by(|a, b| natural(a, b));
        assert_eq!(keys, vec!["1", "2", "10", "B", "Z", "a", "a.b", "a_b", "a9", "a10", "z-1"]);
    }

    #[test]
    fn strings_are_quoted_like_go_yaml() {
        let doc: Doc = serde_norway::from_str(
            "k: {a: '1', b: 'a: b', c: 'yes', d: '', e: \"it's\", f: '2024-01-01', g: \"l1\\nl2\\n\", h: '*x', i: \"a\\tb\"}",
        )
        .unwrap();
        let text = to_yaml(&[doc]).unwrap();
        assert_eq!(
            text,
            "k:\n  a: \"1\"\n  b: 'a: b'\n  c: \"yes\"\n  d: \"\"\n  e: it's\n  f: \"2024-01-01\"\n  g: |\n    l1\n    l2\n  h: '*x'\n  i: \"a\\tb\"\n"
        );
    }

    #[test]
    fn sequences_sit_under_their_key() {
        let doc: Doc = serde_norway::from_str("a: [{x: 1, y: [p, q]}, 2]\nb: []\nc: {}\n").unwrap();
        assert_eq!(to_yaml(&[doc]).unwrap(), "a:\n- x: 1\n  \"y\":\n  - p\n  - q\n- 2\nb: []\nc: {}\n");
    }
}
