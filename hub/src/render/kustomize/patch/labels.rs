//! Kubernetes label-selector syntax, used for `labelSelector` and
//! `annotationSelector`: `k`, `!k`, `k=v`, `k==v`, `k!=v`, `k in (a,b)`,
//! `k notin (a,b)`, `k>n`, `k<n`, joined by commas (all must hold).

#[derive(Debug, Clone, PartialEq)]
enum Op {
    Exists,
    NotExists,
    In(Vec<String>),
    NotIn(Vec<String>),
    Gt(i64),
    Lt(i64),
}

#[derive(Debug, Clone, PartialEq)]
struct Requirement {
    key: String,
    op: Op,
}

/// A parsed selector; the empty selector matches everything.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Selector {
    reqs: Vec<Requirement>,
}

fn split_top(s: &str) -> Result<Vec<&str>, String> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0i32, 0usize);
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return Err("unbalanced ')'".into());
                }
            }
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if depth != 0 {
        return Err("unbalanced '('".into());
    }
    out.push(&s[start..]);
    Ok(out)
}

fn valid_key(k: &str) -> Result<String, String> {
    let ok = !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'));
    if ok { Ok(k.to_string()) } else { Err(format!("invalid label key {k:?}")) }
}

fn valid_value(v: &str) -> Result<String, String> {
    let v = v.trim();
    if v.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
        Ok(v.to_string())
    } else {
        Err(format!("invalid label value {v:?}"))
    }
}

fn parse_set(rest: &str) -> Result<Vec<String>, String> {
    let rest = rest.trim();
    let inner = rest
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .ok_or_else(|| format!("expected a parenthesised set, found {rest:?}"))?;
    if inner.trim().is_empty() {
        return Err("'in' and 'notin' need at least one value".into());
    }
    inner.split(',').map(valid_value).collect()
}

fn parse_req(s: &str) -> Result<Requirement, String> {
    let s = s.trim();
    if let Some(k) = s.strip_prefix('!') {
        return Ok(Requirement { key: valid_key(k.trim())?, op: Op::NotExists });
    }
    for (tok, neg) in [("!=", true), ("==", false), ("=", false)] {
        if let Some((k, v)) = s.split_once(tok) {
            let key = valid_key(k.trim())?;
            let vals = vec![valid_value(v)?];
            return Ok(Requirement { key, op: if neg { Op::NotIn(vals) } else { Op::In(vals) } });
        }
    }
    for (tok, gt) in [(">", true), ("<", false)] {
        if let Some((k, v)) = s.split_once(tok) {
            let key = valid_key(k.trim())?;
            let n: i64 = v.trim().parse().map_err(|_| format!("invalid number {:?}", v.trim()))?;
            return Ok(Requirement { key, op: if gt { Op::Gt(n) } else { Op::Lt(n) } });
        }
    }
    let mut parts = s.splitn(2, char::is_whitespace);
    let key = valid_key(parts.next().unwrap_or(""))?;
    let rest = parts.next().unwrap_or("").trim_start();
    if rest.is_empty() {
        return Ok(Requirement { key, op: Op::Exists });
    }
    if let Some(r) = rest.strip_prefix("notin") {
        return Ok(Requirement { key, op: Op::NotIn(parse_set(r)?) });
    }
    if let Some(r) = rest.strip_prefix("in") {
        return Ok(Requirement { key, op: Op::In(parse_set(r)?) });
    }
    Err(format!("unexpected {rest:?} after key {key:?}"))
}

impl Selector {
    pub(crate) fn parse(s: &str) -> Result<Selector, String> {
        if s.trim().is_empty() {
            return Ok(Selector { reqs: Vec::new() });
        }
        let reqs = split_top(s)?.into_iter().map(parse_req).collect::<Result<Vec<_>, _>>()?;
        Ok(Selector { reqs })
    }

    pub(crate) fn matches(&self, labels: &[(String, String)]) -> bool {
        let get = |k: &str| labels.iter().find(|(lk, _)| lk == k).map(|(_, v)| v.as_str());
        self.reqs.iter().all(|r| match (&r.op, get(&r.key)) {
            (Op::Exists, v) => v.is_some(),
            (Op::NotExists, v) => v.is_none(),
            (Op::In(set), Some(v)) => set.iter().any(|x| x == v),
            (Op::In(_), None) => false,
            (Op::NotIn(set), Some(v)) => !set.iter().any(|x| x == v),
            (Op::NotIn(_), None) => true,
            (Op::Gt(n), Some(v)) => v.parse::<i64>().is_ok_and(|x| x > *n),
            (Op::Lt(n), Some(v)) => v.parse::<i64>().is_ok_and(|x| x < *n),
            (Op::Gt(_) | Op::Lt(_), None) => false,
        })
    }
}
