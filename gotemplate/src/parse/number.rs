//! Literal decoding: Go's `strconv.Unquote` for string/char literals and the
//! number rules of `parse.NumberNode` (ints with 0x/0o/0b/leading-0 octal
//! prefixes and underscores, floats, char constants).

use super::ast::Number;
use crate::printf::quote_go;

/// Go's `strconv.Unquote` for `"..."`, `` `...` `` and `'.'`.
pub fn unquote(s: &str) -> Result<String, String> {
    let bad = || "invalid syntax".to_string();
    let b = s.as_bytes();
    if b.len() < 2 {
        return Err(bad());
    }
    let q = b[0];
    if b[b.len() - 1] != q {
        return Err(bad());
    }
    let inner = &s[1..s.len() - 1];
    if q == b'`' {
        if inner.contains('`') {
            return Err(bad());
        }
        return Ok(inner.replace('\r', ""));
    }
    if q != b'"' && q != b'\'' {
        return Err(bad());
    }
    let mut out = String::new();
    let mut it = inner.chars().peekable();
    while let Some(c) = it.next() {
        if c == q as char {
            return Err(bad());
        }
        if c != '\\' {
            out.push(c);
            continue;
        }
        let e = it.next().ok_or_else(bad)?;
        let mut hex = |n: usize| -> Result<u32, String> {
            let mut v = 0u32;
            for _ in 0..n {
                let d = it.next().and_then(|c| c.to_digit(16)).ok_or_else(bad)?;
                v = v * 16 + d;
            }
            Ok(v)
        };
        match e {
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'f' => out.push('\x0c'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'v' => out.push('\x0b'),
            '\\' => out.push('\\'),
            '\'' if q == b'\'' => out.push('\''),
            '"' if q == b'"' => out.push('"'),
            'x' => {
                let v = hex(2)?;
                // Go keeps raw bytes; non-ASCII bytes cannot live in a Rust String.
                out.push(char::from_u32(v).filter(|_| v < 0x80).unwrap_or('\u{fffd}'));
            }
            'u' => out.push(char::from_u32(hex(4)?).ok_or_else(bad)?),
            'U' => out.push(char::from_u32(hex(8)?).ok_or_else(bad)?),
            '0'..='7' => {
                let mut v = e.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    v = v * 8 + it.next().and_then(|c| c.to_digit(8)).ok_or_else(bad)?;
                }
                if v > 255 {
                    return Err(bad());
                }
                out.push(char::from_u32(v).filter(|_| v < 0x80).unwrap_or('\u{fffd}'));
            }
            _ => return Err(bad()),
        }
    }
    if q == b'\'' && out.chars().count() != 1 {
        return Err(bad());
    }
    Ok(out)
}

/// Parses an integer the way `strconv.ParseInt(text, 0, 64)` does.
fn parse_int(text: &str) -> Option<i64> {
    let (neg, body) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits, prefixed) = if let Some(r) = lower.strip_prefix("0x") {
        (16, r.to_string(), true)
    } else if let Some(r) = lower.strip_prefix("0o") {
        (8, r.to_string(), true)
    } else if let Some(r) = lower.strip_prefix("0b") {
        (2, r.to_string(), true)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, lower[1..].to_string(), true)
    } else {
        (10, lower.clone(), false)
    };
    // Underscores: only between digits (or right after a prefix).
    let raw = digits.as_str();
    if raw.is_empty() || raw.ends_with('_') || raw.contains("__") || (!prefixed && raw.starts_with('_')) {
        return None;
    }
    let clean: String = raw.chars().filter(|&c| c != '_').collect();
    if clean.is_empty() {
        return None;
    }
    let mag = u64::from_str_radix(&clean, radix).ok()?;
    if neg {
        if mag <= i64::MAX as u64 + 1 { Some((mag as i128).wrapping_neg() as i64) } else { None }
    } else {
        i64::try_from(mag).ok()
    }
}

/// Hex float `0x1.8p3` (mantissa digits, optional fraction, binary exponent).
fn parse_hex_float(t: &str) -> Option<f64> {
    let (neg, t) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let body = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X"))?;
    let (mant, exp) = body.split_once(['p', 'P'])?;
    let exp: i32 = exp.replace('_', "").parse().ok()?;
    let (ip, fp) = mant.split_once('.').unwrap_or((mant, ""));
    let mut v = 0f64;
    for c in ip.chars().chain(fp.chars()).filter(|&c| c != '_') {
        v = v * 16.0 + c.to_digit(16)? as f64;
    }
    let frac_digits = fp.chars().filter(|&c| c != '_').count() as i32;
    let v = v * 2f64.powi(exp - 4 * frac_digits);
    Some(if neg { -v } else { v })
}

fn parse_float(text: &str) -> Option<f64> {
    let t = text.trim_start_matches('+');
    let lower = t.to_ascii_lowercase();
    if lower.contains("0x") {
        return parse_hex_float(text).filter(|f| f.is_finite());
    }
    if lower.contains("inf") || lower.contains("nan") {
        return None;
    }
    if t.contains('_') && (t.contains("__") || t.starts_with('_') || t.ends_with('_')) {
        return None;
    }
    let clean: String = t.chars().filter(|&c| c != '_').collect();
    clean.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// Go's `newNumber`: decodes a number or char constant.
pub fn parse_number(text: &str, is_char: bool) -> Result<Number, String> {
    if is_char {
        let malformed = || format!("malformed character constant: {text}");
        let s = unquote(text).map_err(|_| malformed())?;
        let c = s.chars().next().ok_or_else(malformed)?;
        return Ok(Number { int: Some(c as i64), float: Some(c as u32 as f64), prefer_float: false });
    }
    if text.ends_with('i') {
        return Err(format!("complex constants are not supported: {}", quote_go(text)));
    }
    let mut n = Number { int: None, float: None, prefer_float: false };
    if let Some(i) = parse_int(text) {
        n.int = Some(i);
        n.float = Some(i as f64);
    } else if let Some(f) = parse_float(text) {
        if !text.contains(['.', 'e', 'E', 'p', 'P']) {
            return Err(format!("integer overflow: {}", quote_go(text)));
        }
        n.float = Some(f);
        if f.fract() == 0.0 && f.abs() < 9.2e18 {
            n.int = Some(f as i64);
        }
    } else {
        return Err(format!("illegal number syntax: {}", quote_go(text)));
    }
    let lower = text.to_ascii_lowercase();
    let hex = lower.trim_start_matches(['+', '-']).starts_with("0x");
    n.prefer_float = !hex && text.contains(['.', 'e', 'E', 'p', 'P']);
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ints() {
        assert_eq!(parse_int("0x1F"), Some(31));
        assert_eq!(parse_int("0o17"), Some(15));
        assert_eq!(parse_int("017"), Some(15));
        assert_eq!(parse_int("0b101"), Some(5));
        assert_eq!(parse_int("1_000"), Some(1000));
        assert_eq!(parse_int("-42"), Some(-42));
        assert_eq!(parse_int("1__0"), None);
        assert_eq!(parse_int("9223372036854775808"), None);
    }

    #[test]
    fn quoting() {
        assert_eq!(unquote(r#""a\tb\u00e9\"""#).unwrap(), "a\tbé\"");
        assert_eq!(unquote("`a\\n`").unwrap(), "a\\n");
        assert_eq!(unquote("'x'").unwrap(), "x");
        assert!(unquote(r#""\q""#).is_err());
    }

    #[test]
    fn numbers() {
        let n = parse_number("1.5", false).unwrap();
        assert!(n.prefer_float);
        assert_eq!(parse_number("1e3", false).unwrap().int, Some(1000));
        assert_eq!(parse_number("'a'", true).unwrap().int, Some(97));
        assert!(parse_number("99999999999999999999", false).is_err());
    }
}
