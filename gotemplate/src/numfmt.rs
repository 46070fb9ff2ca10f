//! Go-compatible float formatting (`strconv.FormatFloat` with 'g', 'e', 'f'),
//! used by `%v` printing, `printf` and the JSON/YAML encoders.

/// Decimal digits and exponent of a finite, non-negative float: value =
/// 0.d1d2d3... × 10^dp. `prec` = None gives the shortest round-trip digits,
/// Some(n) rounds to n significant digits (trailing zeros removed).
fn digits(f: f64, prec: Option<usize>) -> (Vec<u8>, i32) {
    let prec = prec.map(|p| p.min(MAX_PREC));
    let s = match prec {
        None => format!("{f:e}"),
        Some(p) => format!("{:.*e}", p.saturating_sub(1), f),
    };
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let mut d: Vec<u8> = mant.bytes().filter(u8::is_ascii_digit).collect();
    while d.len() > 1 && d.last() == Some(&b'0') {
        d.pop();
    }
    if d == [b'0'] {
        return (d, 1);
    }
    (d, exp + 1)
}

/// Precision cap: a float64 has at most ~1100 significant decimal digits.
const MAX_PREC: usize = 1100;

fn special(f: f64, out: &mut String) -> bool {
    if f.is_nan() {
        out.push_str("NaN");
    } else if f.is_infinite() {
        out.push_str(if f > 0.0 { "+Inf" } else { "-Inf" });
    } else {
        return false;
    }
    true
}

fn push_exp(out: &mut String, exp: i32) {
    out.push(if exp < 0 { '-' } else { '+' });
    let a = exp.unsigned_abs();
    if a < 10 {
        out.push('0');
    }
    out.push_str(&a.to_string());
}

fn push_e(d: &[u8], dp: i32, min_frac: Option<usize>, out: &mut String) {
    out.push(d[0] as char);
    let frac = &d[1..];
    let nfrac = min_frac.unwrap_or(frac.len()).max(if min_frac.is_some() { 0 } else { frac.len() });
    if nfrac > 0 {
        out.push('.');
        for i in 0..nfrac {
            out.push(frac.get(i).map(|&c| c as char).unwrap_or('0'));
        }
    }
    out.push('e');
    let exp = if d == [b'0'] { 0 } else { dp - 1 };
    push_exp(out, exp);
}

fn push_f(d: &[u8], dp: i32, out: &mut String) {
    if dp <= 0 {
        out.push_str("0.");
        for _ in 0..(-dp) {
            out.push('0');
        }
        out.extend(d.iter().map(|&c| c as char));
        if d == [b'0'] {
            out.truncate(out.len() - 2);
        }
    } else {
        let dp = dp as usize;
        for i in 0..dp {
            out.push(d.get(i).map(|&c| c as char).unwrap_or('0'));
        }
        if d.len() > dp {
            out.push('.');
            out.extend(d[dp..].iter().map(|&c| c as char));
        }
    }
}

/// `strconv.FormatFloat(f, 'g', -1, 64)`, i.e. Go's `%v` for float64.
pub fn format_float_g(f: f64, out: &mut String) {
    format_float_g_prec(f, None, out)
}

/// `strconv.FormatFloat(f, 'g', prec, 64)`; `None` = shortest.
pub fn format_float_g_prec(f: f64, prec: Option<usize>, out: &mut String) {
    if special(f, out) {
        return;
    }
    if f.is_sign_negative() {
        out.push('-');
    }
    let a = f.abs();
    let prec = prec.map(|p| p.max(1));
    let (d, dp) = digits(a, prec);
    let mut eprec = prec.unwrap_or(6) as i32;
    if prec.is_some() && eprec > d.len() as i32 && d.len() as i32 >= dp {
        eprec = d.len() as i32;
    }
    if prec.is_none() {
        eprec = 6;
    }
    let exp = if a == 0.0 { 0 } else { dp - 1 };
    if exp < -4 || exp >= eprec {
        push_e(&d, dp, None, out);
    } else {
        push_f(&d, if a == 0.0 { 1 } else { dp }, out);
    }
}

/// `strconv.FormatFloat(f, 'e', prec, 64)`.
pub fn format_float_e(f: f64, prec: usize, out: &mut String) {
    if special(f, out) {
        return;
    }
    let prec = prec.min(MAX_PREC);
    if f.is_sign_negative() {
        out.push('-');
    }
    let (d, dp) = digits(f.abs(), Some(prec + 1));
    push_e(&d, dp, Some(prec), out);
}

/// `strconv.FormatFloat(f, 'f', prec, 64)`.
pub fn format_float_f(f: f64, prec: usize, out: &mut String) {
    if special(f, out) {
        return;
    }
    let prec = prec.min(MAX_PREC);
    out.push_str(&format!("{f:.prec$}"));
}

/// Go's `encoding/json` float formatting.
pub fn format_float_json(f: f64, out: &mut String) {
    let a = f.abs();
    if a != 0.0 && !(1e-6..1e21).contains(&a) {
        let mut s = String::new();
        format_float_e_shortest(f, &mut s);
        // Go trims "e-07" to "e-7".
        if let Some(i) = s.find("e-0") {
            s.replace_range(i..i + 3, "e-");
        } else if let Some(i) = s.find("e+0") {
            s.replace_range(i..i + 3, "e+");
        }
        out.push_str(&s);
    } else {
        if f.is_sign_negative() {
            out.push('-');
        }
        let (d, dp) = digits(a, None);
        push_f(&d, if a == 0.0 { 1 } else { dp }, out);
    }
}

fn format_float_e_shortest(f: f64, out: &mut String) {
    if f.is_sign_negative() {
        out.push('-');
    }
    let (d, dp) = digits(f.abs(), None);
    push_e(&d, dp, None, out);
}

#[cfg(test)]
mod tests {
    use super::*;
    fn g(f: f64) -> String {
        let mut s = String::new();
        format_float_g(f, &mut s);
        s
    }
    #[test]
    fn shortest_g() {
        assert_eq!(g(1.0), "1");
        assert_eq!(g(1000000.0), "1e+06");
        assert_eq!(g(100000.0), "100000");
        assert_eq!(g(0.1), "0.1");
        assert_eq!(g(0.0001), "0.0001");
        assert_eq!(g(0.00001), "1e-05");
        assert_eq!(g(123456789.0), "1.23456789e+08");
        assert_eq!(g(1.5), "1.5");
        assert_eq!(g(-2.25), "-2.25");
        assert_eq!(g(0.0), "0");
        assert_eq!(g(f64::INFINITY), "+Inf");
        assert_eq!(g(1e21), "1e+21");
        assert_eq!(g(3.0e100), "3e+100");
    }
    #[test]
    fn json_floats() {
        let j = |f: f64| {
            let mut s = String::new();
            format_float_json(f, &mut s);
            s
        };
        assert_eq!(j(1000000.0), "1000000");
        assert_eq!(j(1.5), "1.5");
        assert_eq!(j(1e21), "1e+21");
        assert_eq!(j(1e-7), "1e-7");
        assert_eq!(j(0.0), "0");
        assert_eq!(j(-3.0), "-3");
    }
}
