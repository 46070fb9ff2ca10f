//! sprig list functions: `list tuple append/push prepend first rest last
//! initial reverse uniq without has compact slice concat chunk sortAlpha
//! until untilStep seq` and their `must*` variants (same errors: sprig's
//! non-must versions panic with the same message, which Go reports as an
//! error).

use super::args::{any, int, list_of, strval, to_i64};
use super::{Arity, FuncMap, FuncResult};
use crate::error::FuncError;
use crate::value::{Elem, Value};

fn list_elem(v: &Value) -> Elem {
    match v {
        Value::List(l) => l.elem,
        _ => Elem::Interface,
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Missing | Value::Nil => "invalid",
        other => other.kind_name(),
    }
}

/// The list argument or sprig's `Cannot <verb> on type <kind>` error.
fn need_list(v: &Value, what: &str) -> Result<std::sync::Arc<Vec<Value>>, FuncError> {
    if v.is_nil() {
        return Err(FuncError::new("runtime error: invalid memory address or nil pointer dereference"));
    }
    list_of(v).ok_or_else(|| FuncError::new(format!("{what} {}", kind(v))))
}

fn both(m: &mut FuncMap, names: &[&str], arity: Arity, f: fn(&[Value]) -> FuncResult) {
    for n in names {
        m.insert_pure(n, arity, f);
    }
}

pub(super) fn register(m: &mut FuncMap) {
    both(m, &["list", "tuple"], Arity::AtLeast(0), |a| Ok(Value::list(a.iter().cloned().map(Value::or_nil).collect())));
    both(m, &["append", "push", "mustAppend", "mustPush"], Arity::Fixed(2), |a| {
        let l = need_list(&a[0], "Cannot push on type")?;
        let mut v = l.to_vec();
        v.push(any(a, 1));
        Ok(Value::list(v))
    });
    both(m, &["prepend", "mustPrepend"], Arity::Fixed(2), |a| {
        let l = need_list(&a[0], "Cannot prepend on type")?;
        let mut v = Vec::with_capacity(l.len() + 1);
        v.push(any(a, 1));
        v.extend(l.iter().cloned());
        Ok(Value::list(v))
    });
    both(m, &["first", "mustFirst"], Arity::Fixed(1), |a| {
        let l = need_list(&a[0], "Cannot find first on type")?;
        Ok(l.first().cloned().unwrap_or(Value::Nil))
    });
    both(m, &["last", "mustLast"], Arity::Fixed(1), |a| {
        let l = need_list(&a[0], "Cannot find last on type")?;
        Ok(l.last().cloned().unwrap_or(Value::Nil))
    });
    both(m, &["rest", "mustRest"], Arity::Fixed(1), |a| {
        let l = need_list(&a[0], "Cannot find rest on type")?;
        // A nil []interface{} prints as [] (it is not a nil interface).
        Ok(if l.is_empty() { Value::list(Vec::new()) } else { Value::list(l[1..].to_vec()) })
    });
    both(m, &["initial", "mustInitial"], Arity::Fixed(1), |a| {
        let l = need_list(&a[0], "Cannot find initial on type")?;
        Ok(if l.is_empty() { Value::list(Vec::new()) } else { Value::list(l[..l.len() - 1].to_vec()) })
    });
    both(m, &["reverse", "mustReverse"], Arity::Fixed(1), |a| {
        let l = need_list(&a[0], "Cannot find reverse on type")?;
        Ok(Value::list(l.iter().rev().cloned().collect()))
    });
    both(m, &["uniq", "mustUniq"], Arity::Fixed(1), |a| {
        let l = need_list(&a[0], "Cannot find uniq on type")?;
        let mut out: Vec<Value> = Vec::new();
        for x in l.iter() {
            if !out.iter().any(|y| y.deep_equal(x)) {
                out.push(x.clone());
            }
        }
        Ok(Value::list(out))
    });
    both(m, &["without", "mustWithout"], Arity::AtLeast(1), |a| {
        let l = need_list(&a[0], "Cannot find without on type")?;
        let omit: Vec<Value> = a[1..].iter().cloned().map(Value::or_nil).collect();
        Ok(Value::list(l.iter().filter(|x| !omit.iter().any(|o| o.deep_equal(x))).cloned().collect()))
    });
    both(m, &["has", "mustHas"], Arity::Fixed(2), |a| {
        if a[1].is_nil() {
            return Ok(Value::Bool(false));
        }
        let l = need_list(&a[1], "Cannot find has on type")?;
        let needle = any(a, 0);
        Ok(Value::Bool(l.iter().any(|x| x.deep_equal(&needle))))
    });
    both(m, &["compact", "mustCompact"], Arity::Fixed(1), |a| {
        let l = need_list(&a[0], "Cannot compact on type")?;
        Ok(Value::list(l.iter().filter(|x| !super::misc::is_empty(x)).cloned().collect()))
    });
    both(m, &["slice", "mustSlice"], Arity::AtLeast(1), |a| {
        let l = need_list(&a[0], "list should be type of slice or array but")?;
        if l.is_empty() {
            return Ok(Value::Nil);
        }
        let start = a.get(1).map(to_i64).unwrap_or(0);
        let end = a.get(2).map(to_i64).unwrap_or(l.len() as i64);
        if start < 0 || end < start || end as usize > l.len() {
            return Err(FuncError::new("reflect.Value.Slice: slice index out of bounds"));
        }
        // reflect.Value.Slice keeps the slice's type.
        Ok(Value::typed_list(list_elem(&a[0]), l[start as usize..end as usize].to_vec()))
    });
    m.insert_pure("concat", Arity::AtLeast(0), |a| {
        let mut out = Vec::new();
        for x in a {
            match x {
                Value::List(l) => out.extend(l.iter().cloned()),
                other => return Err(FuncError::new(format!("Cannot concat type {} as list", kind(other)))),
            }
        }
        Ok(Value::list(out))
    });
    both(m, &["chunk", "mustChunk"], Arity::Fixed(2), |a| {
        let size = int(a, 0)?;
        let l = need_list(&a[1], "Cannot chunk type")?;
        if size <= 0 {
            return Err(FuncError::new("runtime error: integer divide by zero"));
        }
        Ok(Value::list(l.chunks(size as usize).map(|c| Value::list(c.to_vec())).collect()))
    });
    m.insert_pure("sortAlpha", Arity::Fixed(1), |a| match &a[0] {
        Value::List(_) => {
            let mut v = super::strings::strslice(&a[0]);
            v.sort();
            Ok(Value::typed_list(Elem::String, v.into_iter().map(Value::string).collect()))
        }
        other => Ok(Value::typed_list(Elem::String, vec![Value::string(strval(&other.clone().or_nil()))])),
    });
    m.insert_pure("until", Arity::Fixed(1), |a| {
        let n = int(a, 0)?;
        let step = if n < 0 { -1 } else { 1 };
        until_step(0, n, step)
    });
    m.insert_pure("untilStep", Arity::Fixed(3), |a| until_step(int(a, 0)?, int(a, 1)?, int(a, 2)?));
    m.insert_pure("seq", Arity::AtLeast(0), |a| {
        let mut p = Vec::new();
        for i in 0..a.len() {
            p.push(int(a, i)?);
        }
        let r = match *p.as_slice() {
            [end] => {
                let inc = if end < 1 { -1 } else { 1 };
                until_step(1, end + inc, inc)?
            }
            [start, end] => {
                let step = if end < start { -1 } else { 1 };
                until_step(start, end + step, step)?
            }
            [start, step, end] => {
                let mut inc = 1;
                if end < start {
                    inc = -1;
                    if step > 0 {
                        return Ok(Value::str(""));
                    }
                }
                until_step(start, end + inc, step)?
            }
            _ => return Ok(Value::str("")),
        };
        let Value::List(v) = r else { return Ok(Value::str("")) };
        Ok(Value::string(v.iter().map(Value::to_go_string).collect::<Vec<_>>().join(" ")))
    });
}

/// sprig `untilStep`: ints from start towards stop (exclusive) by step.
fn until_step(start: i64, stop: i64, step: i64) -> FuncResult {
    let mut v = Vec::new();
    let mut push = |i: i64| {
        if v.len() >= 1_000_000 {
            return Err(FuncError::new("sequence too long"));
        }
        v.push(Value::Int(i));
        Ok(())
    };
    if stop < start {
        if step >= 0 {
            return Ok(Value::typed_list(Elem::Int, v));
        }
        let mut i = start;
        while i > stop {
            push(i)?;
            i += step;
        }
        return Ok(Value::typed_list(Elem::Int, v));
    }
    if step <= 0 {
        return Ok(Value::typed_list(Elem::Int, v));
    }
    let mut i = start;
    while i < stop {
        push(i)?;
        i += step;
    }
    Ok(Value::typed_list(Elem::Int, v))
}
