//! Masterminds/semver v3 versions and constraints (not Cargo's rules):
//! `||` alternatives, `,`/space conjunctions, `= != > < >= <= ~ ~> ^`,
//! wildcards (`1.2.x`, `1.2`, `*`), hyphen ranges, and the rule that a
//! prerelease version only satisfies constraints that carry a prerelease
//! (`>=1.19-0` matches `v1.20.4-gke.1`). Backs sprig's `semver` and
//! `semverCompare`.

use std::cmp::Ordering;

use super::args::str;
use super::{Arity, FuncMap};
use crate::error::FuncError;
use crate::value::Value;

/// A parsed semantic version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
    pub pre: String,
    pub meta: String,
    pub original: String,
}

fn ident_ok(s: &str) -> bool {
    !s.is_empty() && s.split('.').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
}

impl Version {
    /// Masterminds `NewVersion` (lenient: optional `v`, optional minor/patch).
    pub fn parse(s: &str) -> Result<Version, String> {
        let bad = || "Invalid Semantic Version".to_string();
        let body = s.strip_prefix('v').unwrap_or(s);
        let (body, meta) = match body.split_once('+') {
            Some((b, m)) => {
                if !ident_ok(m) {
                    return Err(bad());
                }
                (b, m.to_string())
            }
            None => (body, String::new()),
        };
        let (core, pre) = match body.split_once('-') {
            Some((c, p)) => {
                if !ident_ok(p) {
                    return Err(bad());
                }
                (c, p.to_string())
            }
            None => (body, String::new()),
        };
        let parts: Vec<&str> = core.split('.').collect();
        if parts.is_empty()
            || parts.len() > 3
            || parts.iter().any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(bad());
        }
        let num = |i: usize| parts.get(i).map(|p| p.parse::<u64>().map_err(|_| bad())).unwrap_or(Ok(0));
        Ok(Version { major: num(0)?, minor: num(1)?, patch: num(2)?, pre, meta, original: s.to_string() })
    }

    fn cmp_pre(a: &str, b: &str) -> Ordering {
        match (a.is_empty(), b.is_empty()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Greater,
            (false, true) => return Ordering::Less,
            _ => {}
        }
        let (pa, pb): (Vec<&str>, Vec<&str>) = (a.split('.').collect(), b.split('.').collect());
        for (x, y) in pa.iter().zip(pb.iter()) {
            let o = match (x.parse::<u64>(), y.parse::<u64>()) {
                (Ok(i), Ok(j)) => i.cmp(&j),
                (Ok(_), Err(_)) => Ordering::Less,
                (Err(_), Ok(_)) => Ordering::Greater,
                _ => x.cmp(y),
            };
            if o != Ordering::Equal {
                return o;
            }
        }
        pa.len().cmp(&pb.len())
    }

    /// Precedence comparison (metadata ignored).
    pub fn compare(&self, o: &Version) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(o.major, o.minor, o.patch))
            .then_with(|| Self::cmp_pre(&self.pre, &o.pre))
    }

    /// The normalized string (`1.2.3-pre+meta`).
    pub fn to_string_norm(&self) -> String {
        let mut s = format!("{}.{}.{}", self.major, self.minor, self.patch);
        if !self.pre.is_empty() {
            s.push('-');
            s.push_str(&self.pre);
        }
        if !self.meta.is_empty() {
            s.push('+');
            s.push_str(&self.meta);
        }
        s
    }
}

#[derive(Clone, Debug)]
struct Term {
    op: String,
    v: Version,
    minor_dirty: bool,
    patch_dirty: bool,
    any: bool,
}

/// A parsed constraint set: alternatives of conjunctions.
#[derive(Clone, Debug)]
pub struct Constraints(Vec<Vec<Term>>);

fn is_x(s: &str) -> bool {
    matches!(s, "x" | "X" | "*")
}

fn parse_term(t: &str) -> Result<Term, String> {
    let bad = || format!("improper constraint: {t}");
    let ops = [">=", "=>", "<=", "=<", "!=", "~>", ">", "<", "=", "~", "^"];
    let t = t.trim();
    let (op, rest) = ops.iter().find_map(|o| t.strip_prefix(o).map(|r| (*o, r.trim()))).unwrap_or(("", t));
    let op = match op {
        "=>" => ">=",
        "=<" => "<=",
        "~>" => "~",
        "=" => "",
        o => o,
    };
    let body = rest.strip_prefix('v').unwrap_or(rest);
    let (core, tail) = match body.find(['-', '+']) {
        Some(i) => (&body[..i], &body[i..]),
        None => (body, ""),
    };
    let parts: Vec<&str> = core.split('.').collect();
    if parts.is_empty() || parts.len() > 3 || parts[0].is_empty() {
        return Err(bad());
    }
    if is_x(parts[0]) {
        let v = Version::parse("0.0.0").map_err(|_| bad())?;
        return Ok(Term { op: op.into(), v, minor_dirty: true, patch_dirty: true, any: true });
    }
    let minor_dirty = parts.get(1).is_none_or(|p| is_x(p));
    let patch_dirty = minor_dirty || parts.get(2).is_none_or(|p| is_x(p));
    let num = |i: usize, dirty: bool| if dirty { "0" } else { parts[i] };
    let text = format!("{}.{}.{}{}", parts[0], num(1, minor_dirty), num(2, patch_dirty), tail);
    let v = Version::parse(&text).map_err(|_| bad())?;
    Ok(Term { op: op.into(), v, minor_dirty, patch_dirty, any: false })
}

impl Constraints {
    /// Masterminds `NewConstraint`.
    pub fn parse(s: &str) -> Result<Constraints, String> {
        let mut alts = Vec::new();
        for alt in s.split("||") {
            let mut terms = Vec::new();
            // Hyphen ranges "a - b".
            let words: Vec<&str> = alt.split([',', ' ']).filter(|w| !w.is_empty()).collect();
            let mut i = 0;
            let mut pending_op = String::new();
            while i < words.len() {
                let w = words[i];
                if ["=", "!=", ">", "<", ">=", "=>", "<=", "=<", "~", "~>", "^"].contains(&w) {
                    pending_op = w.to_string();
                    i += 1;
                    continue;
                }
                if words.get(i + 1) == Some(&"-") && i + 2 < words.len() {
                    terms.push(parse_term(&format!(">={w}"))?);
                    terms.push(parse_term(&format!("<={}", words[i + 2]))?);
                    i += 3;
                    continue;
                }
                terms.push(parse_term(&format!("{pending_op}{w}"))?);
                pending_op.clear();
                i += 1;
            }
            if terms.is_empty() || !pending_op.is_empty() {
                return Err(format!("improper constraint: {s}"));
            }
            alts.push(terms);
        }
        Ok(Constraints(alts))
    }

    /// Masterminds `Check`.
    pub fn check(&self, v: &Version) -> bool {
        self.0.iter().any(|alt| alt.iter().all(|t| term_check(t, v)))
    }
}

fn term_check(c: &Term, v: &Version) -> bool {
    if !v.pre.is_empty() && c.v.pre.is_empty() {
        return false;
    }
    let dirty = c.minor_dirty || c.patch_dirty;
    let cmp = v.compare(&c.v);
    if c.any {
        return c.op != "!=" && c.op != "<" && c.op != ">";
    }
    let tilde = |v: &Version| {
        if v.compare(&c.v) == Ordering::Less {
            return false;
        }
        if c.v.major == 0 && c.v.minor == 0 && c.v.patch == 0 && !c.minor_dirty && !c.patch_dirty {
            return true;
        }
        v.major == c.v.major && (v.minor == c.v.minor || c.minor_dirty)
    };
    match c.op.as_str() {
        "" => {
            if dirty {
                tilde(v)
            } else {
                cmp == Ordering::Equal
            }
        }
        "!=" => {
            if dirty {
                !(v.major == c.v.major && (c.minor_dirty || v.minor == c.v.minor))
            } else {
                cmp != Ordering::Equal
            }
        }
        ">" => {
            if !dirty {
                return cmp == Ordering::Greater;
            }
            if v.major != c.v.major {
                return v.major > c.v.major;
            }
            if c.minor_dirty {
                return false;
            }
            v.minor > c.v.minor
        }
        "<" => cmp == Ordering::Less,
        ">=" => cmp != Ordering::Less,
        "<=" => {
            if !dirty {
                return cmp != Ordering::Greater;
            }
            if v.major > c.v.major {
                return false;
            }
            !(v.major == c.v.major && v.minor > c.v.minor && !c.minor_dirty)
        }
        "~" => tilde(v),
        "^" => {
            if cmp == Ordering::Less {
                return false;
            }
            if c.v.major > 0 || c.minor_dirty {
                return v.major == c.v.major;
            }
            if c.v.minor > 0 || c.patch_dirty {
                return v.major == 0 && v.minor == c.v.minor;
            }
            v.major == 0 && v.minor == 0 && v.patch == c.v.patch
        }
        _ => false,
    }
}

impl crate::value::Object for Version {
    fn type_name(&self) -> &str {
        "*semver.Version"
    }
    fn field(&self, name: &str) -> Option<Value> {
        Some(match name {
            "Major" => Value::Int64(self.major as i64),
            "Minor" => Value::Int64(self.minor as i64),
            "Patch" => Value::Int64(self.patch as i64),
            "Prerelease" => Value::str(&self.pre),
            "Metadata" => Value::str(&self.meta),
            "Original" => Value::str(&self.original),
            "String" => Value::string(self.to_string_norm()),
            _ => return None,
        })
    }
    fn to_go_string(&self) -> String {
        self.to_string_norm()
    }
    /// `*semver.Version` marshals to JSON as its string form.
    fn to_data(&self) -> Value {
        Value::string(self.to_string_norm())
    }
}

pub(super) fn register(m: &mut FuncMap) {
    m.insert_pure("semverCompare", Arity::Fixed(2), |a| {
        let c = Constraints::parse(str(a, 0)?).map_err(FuncError::new)?;
        let v = Version::parse(str(a, 1)?).map_err(FuncError::new)?;
        Ok(Value::Bool(c.check(&v)))
    });
    m.insert_pure("semver", Arity::Fixed(1), |a| {
        Version::parse(str(a, 0)?).map(|v| Value::Object(std::sync::Arc::new(v))).map_err(FuncError::new)
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(c: &str, v: &str) -> bool {
        Constraints::parse(c).unwrap().check(&Version::parse(v).unwrap())
    }

    #[test]
    fn constraints() {
        assert!(ok(">=1.19-0", "v1.20.4-gke.1000"));
        assert!(!ok(">=1.19", "v1.20.4-gke.1000"));
        assert!(ok(">=1.19", "v1.20.4"));
        assert!(!ok("<1.19", "1.19.0"));
        assert!(ok("~1.2.3", "1.2.9"));
        assert!(!ok("~1.2.3", "1.3.0"));
        assert!(ok("^1.2.3", "1.9.0"));
        assert!(!ok("^0.2.3", "0.3.0"));
        assert!(ok("1.2.x", "1.2.7"));
        assert!(ok("1.2 - 1.4.5", "1.3.0"));
        assert!(ok(">1.0 <2.0 || 3.x", "3.1.0"));
        assert!(ok(">= 1.2, < 2", "1.5.0"));
        assert!(ok("*", "4.0.0"));
        assert!(!ok(">11", "11.1.0"));
        assert!(ok("!=1.2.3", "1.2.4"));
        assert!(Constraints::parse("foo").is_err());
    }
}
