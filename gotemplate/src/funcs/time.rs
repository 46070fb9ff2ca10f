//! A Go `time.Time` value ([`Time`]) with Go's layout formatting
//! (`Format("2006-01-02T15:04:05Z07:00")`) and `String()`, plus Go's
//! `Duration.String()`. Only fixed offsets are modelled (no tz database):
//! `UTC` and `Local` (taken as UTC) are the supported zones.

use crate::error::FuncError;
use crate::value::{Object, Value};

/// A point in time with a fixed UTC offset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Time {
    /// Seconds since the Unix epoch.
    pub unix: i64,
    /// Nanoseconds within the second.
    pub nanos: u32,
    /// Offset east of UTC, in seconds.
    pub offset: i32,
    /// Zone abbreviation (`UTC`).
    pub zone: String,
}

pub(crate) const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/// Civil date from days since 1970-01-01 (proleptic Gregorian).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Days since 1970-01-01 of a civil date.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 } as i64;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

struct Parts {
    year: i64,
    month: u32,
    day: u32,
    yday: u32,
    wday: usize,
    hour: u32,
    min: u32,
    sec: u32,
}

impl Time {
    /// A UTC time from Unix seconds and nanoseconds.
    pub fn from_unix(unix: i64, nanos: u32) -> Time {
        Time { unix, nanos: nanos.min(999_999_999), offset: 0, zone: "UTC".into() }
    }

    fn parts(&self) -> Parts {
        let local = self.unix + self.offset as i64;
        let days = local.div_euclid(86_400);
        let secs = local.rem_euclid(86_400) as u32;
        let (year, month, day) = civil(days);
        let yday = (days - days_from_civil(year, 1, 1) + 1) as u32;
        Parts {
            year,
            month,
            day,
            yday,
            wday: (days + 4).rem_euclid(7) as usize,
            hour: secs / 3600,
            min: secs / 60 % 60,
            sec: secs % 60,
        }
    }

    /// Go's `Time.Format(layout)`.
    pub fn format(&self, layout: &str) -> String {
        let p = self.parts();
        let mut out = String::with_capacity(layout.len() + 10);
        let mut rest = layout;
        while !rest.is_empty() {
            let (tok, len) = next_token(rest);
            let lit = &rest[..len];
            match tok {
                None => out.push_str(lit),
                Some(t) => self.push_token(&mut out, t, lit, &p),
            }
            rest = &rest[len..];
        }
        out
    }

    fn push_token(&self, out: &mut String, t: Tok, lit: &str, p: &Parts) {
        let off = self.offset;
        let (sign, abs) = if off < 0 { ('-', -off) } else { ('+', off) };
        let (oh, om, os) = (abs / 3600, abs / 60 % 60, abs % 60);
        let h12 = if p.hour.is_multiple_of(12) { 12 } else { p.hour % 12 };
        let s = match t {
            Tok::LongMonth => MONTHS[p.month as usize - 1].to_string(),
            Tok::Month => MONTHS[p.month as usize - 1][..3].to_string(),
            Tok::NumMonth => p.month.to_string(),
            Tok::ZeroMonth => format!("{:02}", p.month),
            Tok::LongWeekDay => DAYS[p.wday].to_string(),
            Tok::WeekDay => DAYS[p.wday][..3].to_string(),
            Tok::Day => p.day.to_string(),
            Tok::UnderDay => format!("{:>2}", p.day),
            Tok::ZeroDay => format!("{:02}", p.day),
            Tok::UnderYearDay => format!("{:>3}", p.yday),
            Tok::ZeroYearDay => format!("{:03}", p.yday),
            Tok::Hour => format!("{:02}", p.hour),
            Tok::Hour12 => h12.to_string(),
            Tok::ZeroHour12 => format!("{h12:02}"),
            Tok::Minute => p.min.to_string(),
            Tok::ZeroMinute => format!("{:02}", p.min),
            Tok::Second => p.sec.to_string(),
            Tok::ZeroSecond => format!("{:02}", p.sec),
            Tok::LongYear => format!("{:04}", p.year),
            Tok::Year => format!("{:02}", p.year.rem_euclid(100)),
            Tok::PM => (if p.hour >= 12 { "PM" } else { "AM" }).to_string(),
            Tok::Pm => (if p.hour >= 12 { "pm" } else { "am" }).to_string(),
            Tok::TZ => {
                if self.zone.is_empty() {
                    format!("{sign}{oh:02}{om:02}")
                } else {
                    self.zone.clone()
                }
            }
            Tok::Offset { z, colon, secs, hours_only } => {
                if z && off == 0 {
                    "Z".to_string()
                } else if hours_only {
                    format!("{sign}{oh:02}")
                } else {
                    let sep = if colon { ":" } else { "" };
                    let mut s = format!("{sign}{oh:02}{sep}{om:02}");
                    if secs {
                        s.push_str(&format!("{sep}{os:02}"));
                    }
                    s
                }
            }
            Tok::Frac { nines, digits } => {
                let sep = &lit[..1];
                let full = format!("{:09}", self.nanos);
                let mut d = full[..digits.min(9)].to_string();
                if nines {
                    while d.ends_with('0') {
                        d.pop();
                    }
                    if d.is_empty() {
                        return;
                    }
                }
                format!("{sep}{d}")
            }
        };
        out.push_str(&s);
    }

    /// Go's `Time.String()`: `2006-01-02 15:04:05.999999999 -0700 MST`.
    pub fn go_string(&self) -> String {
        self.format("2006-01-02 15:04:05.999999999 -0700 MST")
    }
}

#[derive(Clone, Copy, Debug)]
enum Tok {
    LongMonth,
    Month,
    NumMonth,
    ZeroMonth,
    LongWeekDay,
    WeekDay,
    Day,
    UnderDay,
    ZeroDay,
    UnderYearDay,
    ZeroYearDay,
    Hour,
    Hour12,
    ZeroHour12,
    Minute,
    ZeroMinute,
    Second,
    ZeroSecond,
    LongYear,
    Year,
    PM,
    Pm,
    TZ,
    Offset { z: bool, colon: bool, secs: bool, hours_only: bool },
    Frac { nines: bool, digits: usize },
}

/// Go's `nextStdChunk`, returning the token at the start of `s` (or None for
/// one literal character) and its byte length.
fn next_token(s: &str) -> (Option<Tok>, usize) {
    let b = s.as_bytes();
    let starts = |p: &str| s.starts_with(p);
    let lower_after = |n: usize| b.get(n).is_none_or(|c| !c.is_ascii_lowercase());
    let off = |z, colon, secs, hours_only| Tok::Offset { z, colon, secs, hours_only };
    let table: &[(&str, Tok)] = &[
        ("January", Tok::LongMonth),
        ("Jan", Tok::Month),
        ("Monday", Tok::LongWeekDay),
        ("Mon", Tok::WeekDay),
        ("MST", Tok::TZ),
        ("2006", Tok::LongYear),
        ("Z070000", off(true, false, true, false)),
        ("Z07:00:00", off(true, true, true, false)),
        ("Z0700", off(true, false, false, false)),
        ("Z07:00", off(true, true, false, false)),
        ("Z07", off(true, false, false, true)),
        ("-070000", off(false, false, true, false)),
        ("-07:00:00", off(false, true, true, false)),
        ("-0700", off(false, false, false, false)),
        ("-07:00", off(false, true, false, false)),
        ("-07", off(false, false, false, true)),
        ("__2", Tok::UnderYearDay),
        ("_2", Tok::UnderDay),
        ("002", Tok::ZeroYearDay),
        ("01", Tok::ZeroMonth),
        ("02", Tok::ZeroDay),
        ("03", Tok::ZeroHour12),
        ("04", Tok::ZeroMinute),
        ("05", Tok::ZeroSecond),
        ("06", Tok::Year),
        ("15", Tok::Hour),
        ("PM", Tok::PM),
        ("pm", Tok::Pm),
        ("1", Tok::NumMonth),
        ("2", Tok::Day),
        ("3", Tok::Hour12),
        ("4", Tok::Minute),
        ("5", Tok::Second),
    ];
    if starts("_2006") {
        return (None, 1);
    }
    for (p, t) in table {
        if starts(p) {
            // "Jan"/"Mon" followed by a lowercase letter are literal ("Janet").
            if matches!(t, Tok::Month | Tok::WeekDay) && !lower_after(p.len()) {
                continue;
            }
            return (Some(*t), p.len());
        }
    }
    if matches!(b[0], b'.' | b',') && b.len() > 1 && matches!(b[1], b'0' | b'9') {
        let ch = b[1];
        let mut j = 1;
        while j < b.len() && b[j] == ch {
            j += 1;
        }
        // Only a fraction if not followed by a digit.
        if b.get(j).is_none_or(|c| !c.is_ascii_digit()) {
            return (Some(Tok::Frac { nines: ch == b'9', digits: j - 1 }), j);
        }
    }
    (None, s.chars().next().map(char::len_utf8).unwrap_or(1))
}

impl Object for Time {
    fn type_name(&self) -> &str {
        "time.Time"
    }
    fn kind_name(&self) -> &str {
        "struct"
    }
    fn field(&self, _name: &str) -> Option<Value> {
        None
    }
    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, FuncError>> {
        let p = self.parts();
        let need = |n: usize| {
            (args.len() != n)
                .then(|| FuncError::new(format!("wrong number of args for {name}: want {n} got {}", args.len())))
        };
        let v = match name {
            "Format" => {
                if let Some(e) = need(1) {
                    return Some(Err(e));
                }
                match &args[0] {
                    Value::Str(l) => Value::string(self.format(l)),
                    other => return Some(Err(crate::funcs::args::type_error(0, "string", other))),
                }
            }
            "Year" => Value::Int(p.year),
            "Month" => Value::string(MONTHS[p.month as usize - 1].to_string()),
            "Day" => Value::Int(p.day as i64),
            "Hour" => Value::Int(p.hour as i64),
            "Minute" => Value::Int(p.min as i64),
            "Second" => Value::Int(p.sec as i64),
            "Nanosecond" => Value::Int(self.nanos as i64),
            "YearDay" => Value::Int(p.yday as i64),
            "Weekday" => Value::string(DAYS[p.wday].to_string()),
            "Unix" => Value::Int64(self.unix),
            "UnixNano" => Value::Int64(self.unix.saturating_mul(1_000_000_000).saturating_add(self.nanos as i64)),
            "UTC" => Value::Object(std::sync::Arc::new(Time::from_unix(self.unix, self.nanos))),
            "String" => Value::string(self.go_string()),
            _ => return None,
        };
        if !matches!(name, "Format") && !args.is_empty() {
            return Some(Err(FuncError::new(format!("wrong number of args for {name}: want 0 got {}", args.len()))));
        }
        Some(Ok(v))
    }
    fn to_go_string(&self) -> String {
        self.go_string()
    }
    /// `time.Time` marshals to JSON as RFC 3339 with nanoseconds.
    fn to_data(&self) -> Value {
        Value::string(self.format("2006-01-02T15:04:05.999999999Z07:00"))
    }
    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }
}

/// Go's `time.Duration(ns).String()`.
pub fn duration_string(ns: i64) -> String {
    if ns == 0 {
        return "0s".into();
    }
    let neg = ns < 0;
    let u = ns.unsigned_abs();
    let mut s = String::new();
    if u < 1_000_000_000 {
        // Sub-second: ns, µs or ms with a fraction.
        let (unit, div) = if u < 1_000 {
            ("ns", 1)
        } else if u < 1_000_000 {
            ("µs", 1_000)
        } else {
            ("ms", 1_000_000)
        };
        s.push_str(&frac(u, div));
        s.push_str(unit);
    } else {
        let secs = u / 1_000_000_000;
        let (h, m) = (secs / 3600, secs / 60 % 60);
        if h > 0 {
            s.push_str(&format!("{h}h"));
        }
        if h > 0 || m > 0 {
            s.push_str(&format!("{m}m"));
        }
        s.push_str(&frac(u % 60_000_000_000, 1_000_000_000));
        s.push('s');
    }
    if neg { format!("-{s}") } else { s }
}

fn frac(v: u64, div: u64) -> String {
    let (whole, rem) = (v / div, v % div);
    if rem == 0 {
        return whole.to_string();
    }
    let width = div.to_string().len() - 1;
    let f = format!("{rem:0width$}");
    format!("{whole}.{}", f.trim_end_matches('0'))
}
