//! sprig dict functions: `dict get set unset hasKey pluck keys pick omit
//! merge mergeOverwrite values dig` (+ `must*`). `set`, `unset`, `merge`
//! and `mergeOverwrite` mutate their first argument in place, like Go maps
//! (merging follows dario.cat/mergo's map rules).

use super::args::{any, map, str, strval};
use super::misc::is_empty;
use super::{Arity, FuncMap};
use crate::error::FuncError;
use crate::value::{Elem, Map, MapRef, Value};

/// mergo `Merge(&dst, src[, WithOverride])` on `map[string]interface{}`.
pub fn merge_into(dst: &MapRef, src: &MapRef, overwrite: bool, depth: usize) {
    if dst.ptr_eq(src) || depth > crate::value::MAX_NESTING {
        return;
    }
    for (k, sv) in src.snapshot() {
        let dv = dst.get(&k);
        if sv.is_nil() {
            if overwrite {
                dst.write().insert(k, Value::Nil);
            }
            continue;
        }
        if let (Value::Map(sm), Some(Value::Map(dm))) = (&sv, &dv) {
            merge_into(dm, sm, overwrite, depth + 1);
        }
        if let Some(d) = &dv
            && !is_empty(d)
        {
            if let Value::List(_) = sv {
                if overwrite {
                    dst.write().insert(k, sv);
                }
                continue;
            }
            if matches!((&sv, d), (Value::Map(_), Value::Map(_))) {
                continue;
            }
        }
        if overwrite || dv.as_ref().is_none_or(is_empty) {
            dst.write().insert(k, sv);
        }
    }
}

fn panic_conv(v: &Value, want: &str) -> FuncError {
    let got = match v {
        Value::Missing | Value::Nil => "nil".to_string(),
        other => other.type_name().to_string(),
    };
    if got == "nil" {
        FuncError::new(format!("interface conversion: interface {{}} is nil, not {want}"))
    } else {
        FuncError::new(format!("interface conversion: interface {{}} is {got}, not {want}"))
    }
}

fn merge_fn(a: &[Value], overwrite: bool) -> Result<Value, FuncError> {
    let dst = map(a, 0)?;
    for i in 1..a.len() {
        let src = map(a, i)?;
        merge_into(&dst, &src, overwrite, 0);
    }
    Ok(Value::Map(dst))
}

pub(super) fn register(m: &mut FuncMap) {
    m.insert_pure("dict", Arity::AtLeast(0), |a| {
        let mut d = Map::new();
        for pair in a.chunks(2) {
            let key = strval(&pair[0].clone().or_nil());
            d.insert(key, pair.get(1).cloned().map(Value::or_nil).unwrap_or_else(|| Value::str("")));
        }
        Ok(Value::map(d))
    });
    m.insert_pure("get", Arity::Fixed(2), |a| {
        let (d, k) = (map(a, 0)?, str(a, 1)?);
        Ok(d.get(k).unwrap_or_else(|| Value::str("")))
    });
    m.insert_pure("set", Arity::Fixed(3), |a| {
        let (d, k) = (map(a, 0)?, str(a, 1)?);
        d.write().insert(k.to_string(), any(a, 2));
        Ok(Value::Map(d))
    });
    m.insert_pure("unset", Arity::Fixed(2), |a| {
        let (d, k) = (map(a, 0)?, str(a, 1)?);
        d.write().remove(k);
        Ok(Value::Map(d))
    });
    m.insert_pure("hasKey", Arity::Fixed(2), |a| {
        let (d, k) = (map(a, 0)?, str(a, 1)?);
        Ok(Value::Bool(d.read().contains_key(k)))
    });
    m.insert_pure("pluck", Arity::AtLeast(1), |a| {
        let k = str(a, 0)?;
        let mut out = Vec::new();
        for i in 1..a.len() {
            if let Some(v) = map(a, i)?.get(k) {
                out.push(v);
            }
        }
        Ok(Value::list(out))
    });
    m.insert_pure("keys", Arity::AtLeast(0), |a| {
        let mut out = Vec::new();
        for i in 0..a.len() {
            out.extend(map(a, i)?.read().keys().map(|k| Value::str(k)));
        }
        Ok(Value::typed_list(Elem::String, out))
    });
    m.insert_pure("values", Arity::Fixed(1), |a| Ok(Value::list(map(a, 0)?.read().values().cloned().collect())));
    m.insert_pure("pick", Arity::AtLeast(1), |a| {
        let d = map(a, 0)?;
        let mut out = Map::new();
        for i in 1..a.len() {
            let k = str(a, i)?;
            if let Some(v) = d.get(k) {
                out.insert(k.to_string(), v);
            }
        }
        Ok(Value::map(out))
    });
    m.insert_pure("omit", Arity::AtLeast(1), |a| {
        let d = map(a, 0)?;
        let mut omit = Vec::new();
        for i in 1..a.len() {
            omit.push(str(a, i)?);
        }
        let out: Map =
            d.read().iter().filter(|(k, _)| !omit.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect();
        Ok(Value::map(out))
    });
    for n in ["merge", "mustMerge"] {
        m.insert_pure(n, Arity::AtLeast(1), |a| merge_fn(a, false));
    }
    for n in ["mergeOverwrite", "mustMergeOverwrite"] {
        m.insert_pure(n, Arity::AtLeast(1), |a| merge_fn(a, true));
    }
    m.insert_pure("dig", Arity::AtLeast(0), |a| {
        if a.len() < 3 {
            return Err(FuncError::new("dig needs at least three arguments"));
        }
        let Value::Map(mut d) = a[a.len() - 1].clone() else {
            return Err(panic_conv(&a[a.len() - 1], "map[string]interface {}"));
        };
        let def = any(a, a.len() - 2);
        let keys = &a[..a.len() - 2];
        for (i, k) in keys.iter().enumerate() {
            let Value::Str(k) = k else { return Err(panic_conv(k, "string")) };
            let Some(step) = d.get(k) else { return Ok(def) };
            if i + 1 == keys.len() {
                return Ok(step);
            }
            match step {
                Value::Map(n) => d = n,
                other => return Err(panic_conv(&other, "map[string]interface {}")),
            }
        }
        Ok(def)
    });
}
