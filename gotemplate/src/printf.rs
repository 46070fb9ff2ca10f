//! Go `fmt` emulation: `Sprintf` with the verbs templates use in practice
//! (`%v %s %d %q %f %e %g %x %X %o %b %t %c %U %T %%`, flags `+ - # 0 space`,
//! width/precision incl. `*`), plus `strconv.Quote` and `%#U` helpers.
//! Wrong-type and missing arguments render like Go (`%!d(string=x)`,
//! `%!s(MISSING)`, `%!(EXTRA int=1)`).

use crate::numfmt::{format_float_e, format_float_f, format_float_g_prec};
use crate::quote::quote_ascii;
pub use crate::quote::{quote_go, quote_rune, unicode_u};
use crate::value::Value;

#[derive(Default, Clone, Copy)]
struct Spec {
    minus: bool,
    plus: bool,
    sharp: bool,
    zero: bool,
    space: bool,
    width: Option<usize>,
    prec: Option<usize>,
}

fn pad(out: &mut String, s: &str, sp: &Spec, numeric: bool) {
    let len = s.chars().count();
    let w = sp.width.unwrap_or(0);
    if len >= w {
        out.push_str(s);
        return;
    }
    let fill = w - len;
    if sp.minus {
        out.push_str(s);
        out.extend(std::iter::repeat_n(' ', fill));
    } else if sp.zero && numeric {
        let (sign, rest) = match s.as_bytes().first() {
            Some(b'-' | b'+' | b' ') => s.split_at(1),
            _ => ("", s),
        };
        out.push_str(sign);
        out.extend(std::iter::repeat_n('0', fill));
        out.push_str(rest);
    } else {
        out.extend(std::iter::repeat_n(' ', fill));
        out.push_str(s);
    }
}

/// Go's `badVerb`: `%!d(string=x)`, the value printed with `%v` and the same flags.
fn bad_verb(out: &mut String, verb: char, sp: &Spec, v: &Value) {
    match v {
        Value::Missing | Value::Nil => out.push_str(&format!("%!{verb}(<nil>)")),
        _ => {
            out.push_str(&format!("%!{verb}({}=", v.go_type()));
            fmt_one(out, 'v', sp, v);
            out.push(')');
        }
    }
}

fn fmt_int(i: i64, verb: char, sp: &Spec) -> String {
    let (neg, mag) = (i < 0, i.unsigned_abs());
    let mut digits = match verb {
        'd' | 'v' => mag.to_string(),
        'x' => format!("{mag:x}"),
        'X' => format!("{mag:X}"),
        'o' | 'O' => format!("{mag:o}"),
        'b' => format!("{mag:b}"),
        _ => mag.to_string(),
    };
    if let Some(p) = sp.prec {
        if p == 0 && mag == 0 {
            digits.clear();
        }
        while digits.len() < p {
            digits.insert(0, '0');
        }
    }
    let prefix = match verb {
        'x' if sp.sharp => "0x",
        'X' if sp.sharp => "0X",
        'o' if sp.sharp => "0",
        'O' => "0o",
        'b' if sp.sharp => "0b",
        _ => "",
    };
    let sign = if neg {
        "-"
    } else if sp.plus {
        "+"
    } else if sp.space {
        " "
    } else {
        ""
    };
    format!("{sign}{prefix}{digits}")
}

fn fmt_float(f: f64, verb: char, sp: &Spec) -> String {
    let mut s = String::new();
    match verb {
        'e' | 'E' => format_float_e(f, sp.prec.unwrap_or(6), &mut s),
        'f' | 'F' => format_float_f(f, sp.prec.unwrap_or(6), &mut s),
        _ => format_float_g_prec(f, sp.prec, &mut s),
    }
    if verb == 'E' || verb == 'G' {
        s = s.replace('e', "E");
    }
    if (sp.plus || sp.space) && !s.starts_with('-') && !s.starts_with('+') {
        s.insert(0, if sp.plus { '+' } else { ' ' });
    }
    if !sp.plus && s.starts_with("+Inf") {
        s.remove(0);
    }
    s
}

fn hex_str(s: &str, upper: bool, sp: &Spec) -> String {
    let mut out = String::new();
    for (i, b) in s.bytes().enumerate() {
        if sp.space && i > 0 {
            out.push(' ');
        }
        if sp.sharp && (sp.space || i == 0) {
            out.push_str(if upper { "0X" } else { "0x" });
        }
        out.push_str(&if upper { format!("{b:02X}") } else { format!("{b:02x}") });
    }
    out
}

/// Formats one value with one verb into `out`.
fn fmt_one(out: &mut String, verb: char, sp: &Spec, v: &Value) {
    fmt_value(out, verb, sp, v, 0)
}

/// `depth` > 0 inside lists/maps, where Go prints nil elements as `<nil>`.
fn fmt_value(out: &mut String, verb: char, sp: &Spec, v: &Value, depth: usize) {
    if depth > 0 && v.is_nil() && verb != 'T' {
        pad(out, "<nil>", sp, false);
        return;
    }
    if depth > crate::value::MAX_NESTING {
        out.push_str("...");
        return;
    }
    let plus_v;
    let sp = if verb == 'v' && sp.plus {
        plus_v = Spec { plus: false, ..*sp };
        &plus_v
    } else {
        sp
    };
    let v_owned;
    let v = if let Value::Missing = v {
        v_owned = Value::Nil;
        &v_owned
    } else {
        v
    };
    let s: String = match (verb, v) {
        ('T', _) => v.go_type(),
        ('v', Value::Float(f)) => fmt_float(*f, 'g', sp),
        ('v', Value::Int(i) | Value::Int64(i)) => fmt_int(*i, 'd', sp),
        ('v', _) if sp.sharp => {
            let mut s = String::new();
            go_syntax(v, &mut s);
            s
        }
        (_, Value::List(l)) => {
            out.push('[');
            for (i, e) in l.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                fmt_value(out, verb, sp, e, depth + 1);
            }
            out.push(']');
            return;
        }
        (_, Value::Map(m)) => {
            out.push_str("map[");
            for (i, (k, e)) in m.snapshot().iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                fmt_one(out, verb, sp, &Value::str(k));
                out.push(':');
                fmt_value(out, verb, sp, e, depth + 1);
            }
            out.push(']');
            return;
        }
        ('v', _) => {
            let mut s = String::new();
            v.fmt_v(&mut s);
            s
        }
        ('s', Value::Str(x)) => match sp.prec {
            Some(p) => x.chars().take(p).collect(),
            None => x.to_string(),
        },
        ('q', Value::Str(x)) => {
            if sp.sharp && !x.contains('`') {
                format!("`{x}`")
            } else if sp.plus {
                quote_ascii(x)
            } else {
                quote_go(x)
            }
        }
        ('x' | 'X', Value::Str(x)) => hex_str(x, verb == 'X', sp),
        ('t', Value::Bool(b)) => b.to_string(),
        ('d' | 'x' | 'X' | 'o' | 'O' | 'b', Value::Int(i) | Value::Int64(i)) => fmt_int(*i, verb, sp),
        ('c', Value::Int(i) | Value::Int64(i)) => char::from_u32(*i as u32).unwrap_or('\u{fffd}').to_string(),
        ('q', Value::Int(i) | Value::Int64(i)) => quote_rune(char::from_u32(*i as u32).unwrap_or('\u{fffd}')),
        ('U', Value::Int(i) | Value::Int64(i)) => format!("U+{:04X}", i),
        ('e' | 'E' | 'f' | 'F' | 'g' | 'G', Value::Float(f)) => fmt_float(*f, verb, sp),
        _ => {
            bad_verb(out, verb, sp, v);
            return;
        }
    };
    let numeric = matches!(v, Value::Int(_) | Value::Int64(_) | Value::Float(_));
    pad(out, &s, sp, numeric);
}

/// `%#v`, Go-syntax representation (approximation for our value types).
fn go_syntax(v: &Value, out: &mut String) {
    match v {
        Value::Missing | Value::Nil => out.push_str("<nil>"),
        Value::Str(s) => out.push_str(&quote_go(s)),
        Value::List(l) => {
            out.push_str("[]interface {}{");
            for (i, e) in l.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                go_syntax(e, out);
            }
            out.push('}');
        }
        Value::Map(m) => {
            out.push_str("map[string]interface {}{");
            for (i, (k, e)) in m.snapshot().iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&quote_go(k));
                out.push(':');
                go_syntax(e, out);
            }
            out.push('}');
        }
        other => other.fmt_v(out),
    }
}

/// Go's `fmt.Sprintf(format, args...)`.
pub fn sprintf(format: &str, args: &[Value]) -> String {
    let mut out = String::with_capacity(format.len() + 16);
    let mut argi = 0;
    let mut chars = format.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut sp = Spec::default();
        // Flags.
        while let Some(&(_, f)) = chars.peek() {
            match f {
                '-' => sp.minus = true,
                '+' => sp.plus = true,
                '#' => sp.sharp = true,
                '0' => sp.zero = !sp.minus,
                ' ' => sp.space = true,
                _ => break,
            }
            chars.next();
        }
        let num = |chars: &mut std::iter::Peekable<std::str::CharIndices>, argi: &mut usize| -> Option<usize> {
            if chars.peek().map(|p| p.1) == Some('*') {
                chars.next();
                let v = args.get(*argi);
                *argi += 1;
                return match v {
                    Some(Value::Int(i) | Value::Int64(i)) => usize::try_from(*i).ok().map(|n| n.min(10_000)),
                    _ => None,
                };
            }
            let mut n: Option<usize> = None;
            while let Some(&(_, d)) = chars.peek() {
                let Some(dv) = d.to_digit(10) else { break };
                n = Some(n.unwrap_or(0).saturating_mul(10).saturating_add(dv as usize).min(10_000));
                chars.next();
            }
            n
        };
        sp.width = num(&mut chars, &mut argi);
        if chars.peek().map(|p| p.1) == Some('.') {
            chars.next();
            sp.prec = Some(num(&mut chars, &mut argi).unwrap_or(0));
        }
        let Some((_, verb)) = chars.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        match args.get(argi) {
            None => out.push_str(&format!("%!{verb}(MISSING)")),
            Some(v) => fmt_one(&mut out, verb, &sp, v),
        }
        argi += 1;
    }
    if argi < args.len() {
        out.push_str("%!(EXTRA ");
        for (i, a) in args[argi..].iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            match a {
                Value::Missing | Value::Nil => out.push_str("<nil>"),
                _ => out.push_str(&format!("{}={}", a.go_type(), a.to_go_string())),
            }
        }
        out.push(')');
    }
    out
}

/// Go's `fmt.Sprint(args...)`: spaces between operands when neither is a string.
pub fn sprint(args: &[Value]) -> String {
    let mut out = String::new();
    for (i, a) in args.iter().enumerate() {
        if i > 0 && !matches!(a, Value::Str(_)) && !matches!(args[i - 1], Value::Str(_)) {
            out.push(' ');
        }
        a.fmt_v(&mut out);
    }
    out
}

/// Go's `fmt.Sprintln(args...)`: always spaces, then a newline.
pub fn sprintln(args: &[Value]) -> String {
    let mut out = String::new();
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        a.fmt_v(&mut out);
    }
    out.push('\n');
    out
}
