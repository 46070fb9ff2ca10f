//! sprig `urlParse` / `urlJoin`, following Go's `net/url` for the common
//! `scheme://userinfo@host:port/path?query#fragment` and `scheme:opaque`
//! forms (percent-decoding of path and fragment).

use super::args::{map, str};
use super::{Arity, FuncMap};
use crate::error::FuncError;
use crate::value::{Map, Value};

fn unescape(s: &str) -> Result<String, String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s.get(i + 1..i + 3).filter(|h| h.bytes().all(|c| c.is_ascii_hexdigit()));
            let Some(h) = hex else {
                let bad: String = s[i..].chars().take(3).collect();
                return Err(format!("invalid URL escape {}", crate::printf::quote_go(&bad)));
            };
            out.push(u8::from_str_radix(h, 16).map_err(|e| e.to_string())?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

fn escape_path(p: &str) -> String {
    let mut o = String::with_capacity(p.len());
    for b in p.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/!$&'()*+,;=:@".contains(&b) {
            o.push(b as char);
        } else {
            o.push_str(&format!("%{b:02X}"));
        }
    }
    o
}

fn parse(raw: &str) -> Result<Map, String> {
    let mut m = Map::new();
    let (rest, fragment) = match raw.split_once('#') {
        Some((r, f)) => (r, unescape(f)?),
        None => (raw, String::new()),
    };
    let mut scheme = String::new();
    let mut rest = rest;
    if let Some(i) = rest.find(':') {
        let cand = &rest[..i];
        if !cand.is_empty()
            && cand.as_bytes()[0].is_ascii_alphabetic()
            && cand.bytes().all(|c| c.is_ascii_alphanumeric() || b"+-.".contains(&c))
        {
            scheme = cand.to_ascii_lowercase();
            rest = &rest[i + 1..];
        } else if i == 0 {
            return Err("missing protocol scheme".into());
        }
    }
    let (rest, query) = match rest.split_once('?') {
        Some((r, q)) => (r, q.to_string()),
        None => (rest, String::new()),
    };
    let (mut opaque, mut user, mut host, mut path) = (String::new(), String::new(), String::new(), String::new());
    if !scheme.is_empty() && !rest.starts_with('/') {
        opaque = rest.to_string();
    } else if let Some(auth_path) = rest.strip_prefix("//") {
        let (auth, p) = match auth_path.find('/') {
            Some(i) => (&auth_path[..i], &auth_path[i..]),
            None => (auth_path, ""),
        };
        match auth.rsplit_once('@') {
            Some((u, h)) => {
                user = u.to_string();
                host = h.to_string();
            }
            None => host = auth.to_string(),
        }
        path = unescape(p)?;
    } else {
        if scheme.is_empty() && rest.split('/').next().is_some_and(|seg| seg.contains(':')) {
            return Err("first path segment in URL cannot contain colon".into());
        }
        path = unescape(rest)?;
    }
    let hostname = if let Some(h) = host.strip_prefix('[') {
        h.split(']').next().unwrap_or("").to_string()
    } else {
        host.rsplit_once(':').map(|(h, _)| h.to_string()).unwrap_or_else(|| host.clone())
    };
    for (k, v) in [
        ("scheme", scheme),
        ("host", host),
        ("hostname", hostname),
        ("path", path),
        ("query", query),
        ("opaque", opaque),
        ("fragment", fragment),
        ("userinfo", user),
    ] {
        m.insert(k.into(), Value::string(v));
    }
    Ok(m)
}

pub(super) fn register(m: &mut FuncMap) {
    m.insert_pure("urlParse", Arity::Fixed(1), |a| {
        let s = str(a, 0)?;
        parse(s)
            .map(Value::map)
            .map_err(|e| FuncError::new(format!("unable to parse url: parse {}: {e}", crate::printf::quote_go(s))))
    });
    m.insert_pure("urlJoin", Arity::Fixed(1), |a| {
        let d = map(a, 0)?;
        let get = |k: &str| d.get(k).map(|v| v.to_go_string()).unwrap_or_default();
        let mut out = String::new();
        if !get("scheme").is_empty() {
            out.push_str(&get("scheme"));
            out.push(':');
        }
        if !get("opaque").is_empty() {
            out.push_str(&get("opaque"));
        } else {
            let (host, user, path) = (get("host"), get("userinfo"), get("path"));
            if !get("scheme").is_empty() || !host.is_empty() || !user.is_empty() {
                if !host.is_empty() || !path.is_empty() || !user.is_empty() {
                    out.push_str("//");
                }
                if !user.is_empty() {
                    out.push_str(&user);
                    out.push('@');
                }
                out.push_str(&host);
            }
            if !path.is_empty() && !path.starts_with('/') && !host.is_empty() {
                out.push('/');
            }
            out.push_str(&escape_path(&path));
        }
        if !get("query").is_empty() {
            out.push('?');
            out.push_str(&get("query"));
        }
        if !get("fragment").is_empty() {
            out.push('#');
            out.push_str(&escape_path(&get("fragment")));
        }
        Ok(Value::string(out))
    });
}
