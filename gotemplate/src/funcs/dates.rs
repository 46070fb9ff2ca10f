//! sprig date functions over [`Time`] values: `date dateInZone date_in_zone
//! htmlDate htmlDateInZone unixEpoch dateModify mustDateModify toDate
//! mustToDate duration`. Deterministic only: `now` (and `ago`) fail unless
//! the caller injects a clock by inserting a `now` function that returns
//! `Value::Object(Arc::new(Time::from_unix(..)))`; like Go, a non-time
//! argument to `date` would mean "now", which fails here too. Zones: `UTC`
//! and `Local` (treated as UTC).

use std::sync::Arc;

use super::args::{any, str};
use super::time::{MONTHS, Time, days_from_civil, duration_string};
use super::{Arity, FuncMap};
use crate::error::FuncError;
use crate::value::Value;

/// The time a sprig date function receives.
fn to_time(v: &Value, what: &str) -> Result<Time, FuncError> {
    match v {
        Value::Object(o) => {
            if let Some(t) = o.as_any().and_then(|a| a.downcast_ref::<Time>()) {
                return Ok(t.clone());
            }
        }
        Value::Int(i) | Value::Int64(i) => return Ok(Time::from_unix(*i, 0)),
        _ => {}
    }
    Err(FuncError::new(format!("{what}: argument is not a time or unix seconds (Go would use the current time)")))
}

fn zone_ok(zone: &str) -> Result<(), FuncError> {
    match zone {
        "" | "UTC" | "Local" => Ok(()),
        z => Err(FuncError::new(format!("time zone {z:?} is not supported (only UTC and Local)"))),
    }
}

fn time_value(t: Time) -> Value {
    Value::Object(Arc::new(t))
}

/// Go's `time.ParseDuration`, in nanoseconds.
pub fn parse_duration(s: &str) -> Result<i64, String> {
    let bad = || format!("time: invalid duration {}", crate::printf::quote_go(s));
    let (neg, mut rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(bad());
    }
    let mut total: f64 = 0.0;
    while !rest.is_empty() {
        let num_end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let num = &rest[..num_end];
        if num.is_empty() || num == "." {
            return Err(bad());
        }
        let v: f64 = num.parse().map_err(|_| bad())?;
        rest = &rest[num_end..];
        let unit_end = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let mult = match &rest[..unit_end] {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            "" => return Err(format!("time: missing unit in duration {}", crate::printf::quote_go(s))),
            u => {
                return Err(format!(
                    "time: unknown unit {} in duration {}",
                    crate::printf::quote_go(u),
                    crate::printf::quote_go(s)
                ));
            }
        };
        total += v * mult;
        rest = &rest[unit_end..];
    }
    if total > i64::MAX as f64 {
        return Err(bad());
    }
    Ok(if neg { -(total as i64) } else { total as i64 })
}

fn add_ns(t: &Time, ns: i64) -> Time {
    let total = t.nanos as i128 + ns as i128;
    let secs = total.div_euclid(1_000_000_000) as i64;
    Time { unix: t.unix + secs, nanos: total.rem_euclid(1_000_000_000) as u32, ..t.clone() }
}

/// `time.ParseInLocation(layout, value, UTC)` for numeric layouts, month and
/// weekday names, AM/PM, fractional seconds and numeric/`Z` offsets.
pub fn parse_time(layout: &str, value: &str) -> Result<Time, String> {
    let fail = || {
        format!("parsing time {} as {}: cannot parse", crate::printf::quote_go(value), crate::printf::quote_go(layout))
    };
    let (mut y, mut mo, mut d, mut h, mut mi, mut se, mut ns, mut off) =
        (1i64, 1u32, 1u32, 0u32, 0u32, 0u32, 0u32, 0i32);
    let mut pm: Option<bool> = None;
    let (mut l, mut v) = (layout, value);
    let num = |v: &mut &str, min: usize, max: usize| -> Option<u32> {
        let n = v.bytes().take(max).take_while(u8::is_ascii_digit).count();
        if n < min {
            return None;
        }
        let r = v[..n].parse().ok();
        *v = &v[n..];
        r
    };
    while !l.is_empty() {
        let rest_l = l;
        let tok = [
            "2006", "January", "Jan", "Monday", "Mon", "01", "02", "_2", "15", "03", "04", "05", "06", "1", "2", "3",
            "4", "5", "PM", "pm", "Z07:00", "-07:00", "Z0700", "-0700", "MST",
        ]
        .into_iter()
        .find(|t| rest_l.starts_with(t));
        match tok {
            Some(t) => {
                l = &l[t.len()..];
                match t {
                    "2006" => y = num(&mut v, 4, 4).ok_or_else(fail)? as i64,
                    "06" => y = 2000 + num(&mut v, 2, 2).ok_or_else(fail)? as i64,
                    "January" | "Jan" => {
                        let (i, n) = MONTHS
                            .iter()
                            .enumerate()
                            .find_map(|(i, m)| {
                                let m = if t == "Jan" { &m[..3] } else { m };
                                v.starts_with(m).then_some((i, m.len()))
                            })
                            .ok_or_else(fail)?;
                        mo = i as u32 + 1;
                        v = &v[n..];
                    }
                    "Monday" | "Mon" => {
                        let n = v.bytes().take_while(u8::is_ascii_alphabetic).count();
                        v = &v[n..];
                    }
                    "01" => mo = num(&mut v, 2, 2).ok_or_else(fail)?,
                    "1" => mo = num(&mut v, 1, 2).ok_or_else(fail)?,
                    "02" => d = num(&mut v, 2, 2).ok_or_else(fail)?,
                    "_2" => {
                        v = v.strip_prefix(' ').unwrap_or(v);
                        d = num(&mut v, 1, 2).ok_or_else(fail)?
                    }
                    "2" => d = num(&mut v, 1, 2).ok_or_else(fail)?,
                    "15" => h = num(&mut v, 1, 2).ok_or_else(fail)?,
                    "03" => h = num(&mut v, 2, 2).ok_or_else(fail)?,
                    "3" => h = num(&mut v, 1, 2).ok_or_else(fail)?,
                    "04" => mi = num(&mut v, 2, 2).ok_or_else(fail)?,
                    "4" => mi = num(&mut v, 1, 2).ok_or_else(fail)?,
                    "05" | "5" => {
                        se = num(&mut v, if t == "05" { 2 } else { 1 }, 2).ok_or_else(fail)?;
                        // Go accepts a fraction after seconds even if the layout has none.
                        if v.starts_with('.') && !l.starts_with('.') {
                            let n = v[1..].bytes().take_while(u8::is_ascii_digit).count();
                            let digits = &v[1..1 + n];
                            ns = format!("{:0<9}", &digits[..n.min(9)]).parse().map_err(|_| fail())?;
                            v = &v[1 + n..];
                        }
                    }
                    "PM" | "pm" => {
                        let p = v.get(..2).ok_or_else(fail)?.to_ascii_uppercase();
                        pm = Some(match p.as_str() {
                            "PM" => true,
                            "AM" => false,
                            _ => return Err(fail()),
                        });
                        v = &v[2..];
                    }
                    "MST" => {
                        let n = v.bytes().take_while(u8::is_ascii_uppercase).count();
                        if &v[..n] != "UTC" && &v[..n] != "GMT" {
                            return Err(fail());
                        }
                        v = &v[n..];
                    }
                    _ => {
                        // Offsets.
                        if t.starts_with('Z') && v.starts_with('Z') {
                            v = &v[1..];
                            off = 0;
                        } else {
                            let sign = match v.as_bytes().first() {
                                Some(b'+') => 1,
                                Some(b'-') => -1,
                                _ => return Err(fail()),
                            };
                            v = &v[1..];
                            let hh = num(&mut v, 2, 2).ok_or_else(fail)? as i32;
                            if t.contains(':') {
                                v = v.strip_prefix(':').ok_or_else(fail)?;
                            }
                            let mm = num(&mut v, 2, 2).ok_or_else(fail)? as i32;
                            off = sign * (hh * 3600 + mm * 60);
                        }
                    }
                }
            }
            None => {
                if l.starts_with(['.', ',']) && l[1..].starts_with(['0', '9']) {
                    let n = l[1..].bytes().take_while(|&c| c == b'0' || c == b'9').count();
                    l = &l[1 + n..];
                    if !v.starts_with(['.', ',']) {
                        continue;
                    }
                    let k = v[1..].bytes().take_while(u8::is_ascii_digit).count();
                    ns = format!("{:0<9}", &v[1..1 + k.min(9)]).parse().map_err(|_| fail())?;
                    v = &v[1 + k..];
                    continue;
                }
                let c = l.chars().next().unwrap_or(' ');
                if !v.starts_with(c) {
                    return Err(fail());
                }
                l = &l[c.len_utf8()..];
                v = &v[c.len_utf8()..];
            }
        }
    }
    if !v.is_empty() {
        return Err(format!(
            "parsing time {}: extra text: {}",
            crate::printf::quote_go(value),
            crate::printf::quote_go(v)
        ));
    }
    if let Some(p) = pm {
        if h > 12 {
            return Err(fail());
        }
        h = match (p, h) {
            (true, 12) => 12,
            (true, x) => x + 12,
            (false, 12) => 0,
            (false, x) => x,
        };
    }
    let days_in = |y: i64, m: u32| {
        days_from_civil(if m == 12 { y + 1 } else { y }, if m == 12 { 1 } else { m + 1 }, 1) - days_from_civil(y, m, 1)
    };
    let range = |what: &str| format!("parsing time {}: {what} out of range", crate::printf::quote_go(value));
    if !(1..=12).contains(&mo) {
        return Err(range("month"));
    }
    if h > 23 {
        return Err(range("hour"));
    }
    if mi > 59 {
        return Err(range("minute"));
    }
    if se > 59 {
        return Err(range("second"));
    }
    if d < 1 || d as i64 > days_in(y, mo) {
        return Err(range("day"));
    }
    let unix = days_from_civil(y, mo, d) * 86_400 + (h * 3600 + mi * 60 + se) as i64 - off as i64;
    let zone = if off == 0 { "UTC".to_string() } else { String::new() };
    Ok(Time { unix, nanos: ns, offset: off, zone })
}

/// The current time from the caller's injected `now` function.
fn current_time(ctx: &mut super::Ctx<'_>, what: &str) -> Result<Time, FuncError> {
    let now = ctx.set().funcs().get("now").cloned();
    let v = match now {
        Some(f) => f.call(ctx, &[]).map_err(|e| FuncError::new(format!("{what}: {}", e.msg)))?,
        None => Value::Nil,
    };
    to_time(&v, what)
}

/// sprig `durationRound` on nanoseconds.
fn duration_round(d: i64) -> String {
    let u = d.unsigned_abs();
    const SEC: u64 = 1_000_000_000;
    for (unit, name) in [
        (SEC * 3600 * 24 * 365, "y"),
        (SEC * 3600 * 24 * 30, "mo"),
        (SEC * 3600 * 24, "d"),
        (SEC * 3600, "h"),
        (SEC * 60, "m"),
        (SEC, "s"),
    ] {
        if u > unit {
            return format!("{}{name}", u / unit);
        }
    }
    "0s".into()
}

pub(super) fn register(m: &mut FuncMap) {
    m.insert("ago", Arity::Fixed(1), |ctx, a| {
        let now = current_time(ctx, "ago")?;
        let t = to_time(&a[0], "ago")?;
        let ns = (now.unix as i128 - t.unix as i128) * 1_000_000_000 + now.nanos as i128 - t.nanos as i128;
        // time.Since(t).Round(time.Second), halves away from zero.
        let secs = (ns + if ns >= 0 { 500_000_000 } else { -500_000_000 }) / 1_000_000_000;
        Ok(Value::string(duration_string((secs as i64).saturating_mul(1_000_000_000))))
    });
    m.insert("durationRound", Arity::Fixed(1), |ctx, a| {
        let d = match any(a, 0) {
            Value::Str(s) => parse_duration(&s).unwrap_or(0),
            Value::Int64(i) => i,
            Value::Object(_) => {
                let now = current_time(ctx, "durationRound")?;
                let t = to_time(&a[0], "durationRound")?;
                ((now.unix as i128 - t.unix as i128) * 1_000_000_000 + now.nanos as i128 - t.nanos as i128) as i64
            }
            _ => 0,
        };
        Ok(Value::string(duration_round(d)))
    });
    let in_zone = |layout: &str, d: &Value, zone: &str, what: &str| -> Result<Value, FuncError> {
        zone_ok(zone)?;
        Ok(Value::string(Time { offset: 0, zone: "UTC".into(), ..to_time(d, what)? }.format(layout)))
    };
    m.insert_pure("date", Arity::Fixed(2), move |a| in_zone(str(a, 0)?, &a[1], "Local", "date"));
    for n in ["dateInZone", "date_in_zone"] {
        m.insert_pure(n, Arity::Fixed(3), move |a| in_zone(str(a, 0)?, &a[1], str(a, 2)?, "dateInZone"));
    }
    m.insert_pure("htmlDate", Arity::Fixed(1), move |a| in_zone("2006-01-02", &a[0], "Local", "htmlDate"));
    m.insert_pure("htmlDateInZone", Arity::Fixed(2), move |a| {
        in_zone("2006-01-02", &a[0], str(a, 1)?, "htmlDateInZone")
    });
    m.insert_pure("unixEpoch", Arity::Fixed(1), |a| Ok(Value::string(to_time(&a[0], "unixEpoch")?.unix.to_string())));
    for (n, must) in
        [("dateModify", false), ("date_modify", false), ("mustDateModify", true), ("must_date_modify", true)]
    {
        m.insert_pure(n, Arity::Fixed(2), move |a| {
            let t = to_time(&a[1], "dateModify")?;
            match parse_duration(str(a, 0)?) {
                Ok(ns) => Ok(time_value(add_ns(&t, ns))),
                Err(e) if must => Err(FuncError::new(e)),
                Err(_) => Ok(time_value(t)),
            }
        });
    }
    for (n, must) in [("toDate", false), ("mustToDate", true)] {
        m.insert_pure(n, Arity::Fixed(2), move |a| match parse_time(str(a, 0)?, str(a, 1)?) {
            Ok(t) => Ok(time_value(t)),
            Err(e) if must => Err(FuncError::new(e)),
            // Go's zero time.
            Err(_) => Ok(time_value(Time::from_unix(-62_135_596_800, 0))),
        });
    }
    m.insert_pure("duration", Arity::Fixed(1), |a| {
        let n = match any(a, 0) {
            Value::Str(s) => s.parse::<i64>().unwrap_or(0),
            Value::Int64(i) => i,
            _ => 0,
        };
        Ok(Value::string(duration_string(n.saturating_mul(1_000_000_000))))
    });
}
