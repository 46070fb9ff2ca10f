//! sprig math: integer ops via cast `ToInt64` (`add add1 sub mul div mod max
//! min`), float ops computed in decimal like shopspring/decimal (`addf add1f
//! subf mulf divf`), `maxf minf floor ceil round`, conversions (`int int64
//! float64 atoi`).

use super::args::{any, int, str, to_f64, to_i64};
use super::{Arity, FuncMap};
use crate::error::FuncError;
use crate::value::Value;

/// A decimal m × 10^e built from a float's shortest representation.
#[derive(Clone, Copy)]
struct Dec {
    m: i128,
    e: i32,
}

impl Dec {
    fn from_f64(f: f64) -> Option<Dec> {
        if !f.is_finite() {
            return None;
        }
        let s = format!("{f:e}");
        let (mant, exp) = s.split_once('e')?;
        let exp: i32 = exp.parse().ok()?;
        let neg = mant.starts_with('-');
        let mant = mant.trim_start_matches('-');
        let (ip, fp) = mant.split_once('.').unwrap_or((mant, ""));
        let digits = format!("{ip}{fp}");
        let m: i128 = digits.parse().ok()?;
        Some(Dec { m: if neg { -m } else { m }, e: exp - fp.len() as i32 })
    }

    fn align(a: Dec, b: Dec) -> Option<(i128, i128, i32)> {
        let e = a.e.min(b.e);
        let sa = a.m.checked_mul(10i128.checked_pow((a.e - e) as u32)?)?;
        let sb = b.m.checked_mul(10i128.checked_pow((b.e - e) as u32)?)?;
        Some((sa, sb, e))
    }

    fn to_f64(self) -> f64 {
        format!("{}e{}", self.m, self.e).parse().unwrap_or(f64::NAN)
    }
}

type Op = fn(f64, f64) -> f64;

fn dec_op(a: f64, b: f64, op: char) -> f64 {
    let fallback: Op = match op {
        '+' => |x, y| x + y,
        '-' => |x, y| x - y,
        '*' => |x, y| x * y,
        _ => |x, y| x / y,
    };
    let (Some(da), Some(db)) = (Dec::from_f64(a), Dec::from_f64(b)) else { return fallback(a, b) };
    let r = match op {
        '+' | '-' => Dec::align(da, db).and_then(|(x, y, e)| {
            let m = if op == '+' { x.checked_add(y)? } else { x.checked_sub(y)? };
            Some(Dec { m, e })
        }),
        '*' => da.m.checked_mul(db.m).map(|m| Dec { m, e: da.e + db.e }),
        _ => (|| {
            if db.m == 0 {
                return None;
            }
            // Quotient rounded half away from zero to 16 decimal places.
            let k = da.e - db.e + 16;
            let (num, den) = if k >= 0 {
                (da.m.checked_mul(10i128.checked_pow(k as u32 + 1)?)?, db.m)
            } else {
                (da.m.checked_mul(10)?, db.m.checked_mul(10i128.checked_pow((-k) as u32)?)?)
            };
            let q = num / den;
            let q = if q >= 0 { (q + 5) / 10 } else { (q - 5) / 10 };
            Some(Dec { m: q, e: -16 })
        })(),
    };
    r.map(Dec::to_f64).unwrap_or_else(|| fallback(a, b))
}

fn fold_f(a: &[Value], op: char) -> Value {
    let mut acc = to_f64(&a[0]);
    for x in &a[1..] {
        acc = dec_op(acc, to_f64(x), op);
    }
    Value::Float(acc)
}

pub(super) fn register(m: &mut FuncMap) {
    m.insert_pure("add1", Arity::Fixed(1), |a| Ok(Value::Int64(to_i64(&a[0]).wrapping_add(1))));
    m.insert_pure("add", Arity::AtLeast(0), |a| {
        Ok(Value::Int64(a.iter().fold(0i64, |s, x| s.wrapping_add(to_i64(x)))))
    });
    m.insert_pure("sub", Arity::Fixed(2), |a| Ok(Value::Int64(to_i64(&a[0]).wrapping_sub(to_i64(&a[1])))));
    m.insert_pure("mul", Arity::AtLeast(1), |a| {
        Ok(Value::Int64(a[1..].iter().fold(to_i64(&a[0]), |s, x| s.wrapping_mul(to_i64(x)))))
    });
    m.insert_pure("div", Arity::Fixed(2), |a| {
        let (x, y) = (to_i64(&a[0]), to_i64(&a[1]));
        if y == 0 {
            return Err(FuncError::new("runtime error: integer divide by zero"));
        }
        Ok(Value::Int64(x.wrapping_div(y)))
    });
    m.insert_pure("mod", Arity::Fixed(2), |a| {
        let (x, y) = (to_i64(&a[0]), to_i64(&a[1]));
        if y == 0 {
            return Err(FuncError::new("runtime error: integer divide by zero"));
        }
        Ok(Value::Int64(x.wrapping_rem(y)))
    });
    for n in ["max", "biggest"] {
        m.insert_pure(n, Arity::AtLeast(1), |a| Ok(Value::Int64(a.iter().map(to_i64).max().unwrap_or(0))));
    }
    m.insert_pure("min", Arity::AtLeast(1), |a| Ok(Value::Int64(a.iter().map(to_i64).min().unwrap_or(0))));
    m.insert_pure("maxf", Arity::AtLeast(1), |a| {
        Ok(Value::Float(a[1..].iter().fold(to_f64(&a[0]), |s, x| go_max(s, to_f64(x)))))
    });
    m.insert_pure("minf", Arity::AtLeast(1), |a| {
        Ok(Value::Float(a[1..].iter().fold(to_f64(&a[0]), |s, x| -go_max(-s, -to_f64(x)))))
    });
    m.insert_pure("floor", Arity::Fixed(1), |a| Ok(Value::Float(to_f64(&a[0]).floor())));
    m.insert_pure("ceil", Arity::Fixed(1), |a| Ok(Value::Float(to_f64(&a[0]).ceil())));
    m.insert_pure("round", Arity::AtLeast(2), |a| {
        let round_on = match a.get(2) {
            None => 0.5,
            Some(Value::Float(f)) => *f,
            Some(v) => return Err(super::args::type_error(2, "float64", v)),
        };
        let (val, places) = (to_f64(&a[0]), int(a, 1)? as f64);
        let pow = 10f64.powf(places);
        let digit = pow * val;
        let frac = digit.fract();
        let r = if frac >= round_on { digit.ceil() } else { digit.floor() };
        Ok(Value::Float(r / pow))
    });
    m.insert_pure("addf", Arity::AtLeast(0), |a| {
        let mut v = vec![Value::Float(0.0)];
        v.extend(a.iter().cloned());
        Ok(fold_f(&v, '+'))
    });
    m.insert_pure("add1f", Arity::Fixed(1), |a| Ok(fold_f(&[a[0].clone(), Value::Int(1)], '+')));
    m.insert_pure("subf", Arity::AtLeast(1), |a| Ok(fold_f(a, '-')));
    m.insert_pure("mulf", Arity::AtLeast(1), |a| Ok(fold_f(a, '*')));
    m.insert_pure("divf", Arity::AtLeast(1), |a| {
        if a[1..].iter().any(|x| to_f64(x) == 0.0) {
            return Err(FuncError::new("decimal division by 0"));
        }
        Ok(fold_f(a, '/'))
    });
    m.insert_pure("int", Arity::Fixed(1), |a| Ok(Value::Int(to_i64(&any(a, 0)))));
    m.insert_pure("int64", Arity::Fixed(1), |a| Ok(Value::Int64(to_i64(&any(a, 0)))));
    m.insert_pure("float64", Arity::Fixed(1), |a| Ok(Value::Float(to_f64(&any(a, 0)))));
    m.insert_pure("atoi", Arity::Fixed(1), |a| {
        let s = str(a, 0)?;
        let t = s.strip_prefix('+').unwrap_or(s);
        let ok = !t.is_empty() && t.trim_start_matches('-').bytes().all(|b| b.is_ascii_digit()) && !t.starts_with("--");
        Ok(Value::Int(if ok { s.parse::<i64>().unwrap_or(0) } else { 0 }))
    });
}

/// Go's `math.Max` (NaN-propagating).
fn go_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() { f64::NAN } else { a.max(b) }
}

#[cfg(test)]
mod tests {
    use super::dec_op;

    #[test]
    fn decimal_ops() {
        assert_eq!(dec_op(0.1, 0.2, '+'), 0.3);
        assert_eq!(dec_op(1.1, 3.0, '*'), 3.3);
        assert_eq!(dec_op(10.0, 4.0, '/'), 2.5);
        assert_eq!(dec_op(1.0, 3.0, '/'), 0.3333333333333333);
        assert_eq!(dec_op(0.3, 0.1, '-'), 0.2);
    }
}
