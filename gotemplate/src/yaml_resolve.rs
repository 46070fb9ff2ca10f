//! yaml.v2's implicit tag resolution for plain scalars (YAML 1.1: `yes`,
//! `on`, `~`, ints with base prefixes, floats, timestamps, base-60 floats):
//! a string that would resolve to another type must be quoted.

/// yaml.v2 `resolve`: would this plain text read back as something other than a string?
pub(crate) fn resolves_non_string(s: &str) -> bool {
    const SPECIAL: &[&str] = &[
        "", "~", "null", "Null", "NULL", "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True",
        "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", ".inf", ".Inf", ".INF", "+.inf",
        "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN", "<<",
    ];
    if SPECIAL.contains(&s) {
        return true;
    }
    let Some(first) = s.chars().next() else { return true };
    if !(first.is_ascii_digit() || first == '+' || first == '-' || first == '.') {
        return false;
    }
    let plain: String = s.chars().filter(|&c| c != '_').collect();
    if crate::funcs::args::parse_go_int(&plain).is_some() {
        return true;
    }
    let body = plain.trim_start_matches(['-', '+']);
    if let Some(b) = body.strip_prefix("0b")
        && !b.is_empty()
        && b.bytes().all(|c| c == b'0' || c == b'1')
    {
        return true;
    }
    if is_yaml_float(&plain) {
        return true;
    }
    first.is_ascii_digit() && is_timestamp(s)
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
pub(crate) fn is_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let st = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - st
    };
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            digits(&mut i);
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// yaml.v2 `parseTimestamp` (approximation of its accepted layouts).
pub(crate) fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 8 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return false;
    }
    let rest = &s[5..];
    let (date, time) = match rest.find(['T', 't', ' ']) {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    let dp: Vec<&str> = date.split('-').collect();
    let okn =
        |p: &str, max: u32| !p.is_empty() && p.len() <= 2 && p.parse::<u32>().is_ok_and(|n| (1..=max).contains(&n));
    if dp.len() != 2 || !okn(dp[0], 12) || !okn(dp[1], 31) {
        return false;
    }
    match time {
        None => true,
        Some(t) => {
            let hms: Vec<&str> = t.splitn(3, ':').collect();
            hms.len() == 3 && hms[0].parse::<u32>().is_ok_and(|h| h < 24) && hms[1].parse::<u32>().is_ok_and(|m| m < 60)
        }
    }
}

/// `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`
pub(crate) fn is_base60_float(s: &str) -> bool {
    let t = s.trim_start_matches(['-', '+']);
    if t.len() + 1 < s.len() {
        return false;
    }
    let (main, frac) = match t.split_once('.') {
        Some((m, f)) => (m, Some(f)),
        None => (t, None),
    };
    if frac.is_some_and(|f| !f.bytes().all(|c| c.is_ascii_digit() || c == b'_')) {
        return false;
    }
    let parts: Vec<&str> = main.split(':').collect();
    if parts.len() < 2 {
        return false;
    }
    let head = parts[0];
    if head.is_empty() || !head.as_bytes()[0].is_ascii_digit() || !head.bytes().all(|c| c.is_ascii_digit() || c == b'_')
    {
        return false;
    }
    parts[1..].iter().all(|p| {
        let b = p.as_bytes();
        match b.len() {
            1 => b[0].is_ascii_digit(),
            2 => (b'0'..=b'5').contains(&b[0]) && b[1].is_ascii_digit(),
            _ => false,
        }
    })
}
