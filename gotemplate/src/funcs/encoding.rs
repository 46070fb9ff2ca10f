//! sprig encoding, hashing and JSON functions: `b64enc b64dec b32enc b32dec
//! sha1sum sha256sum sha512sum adler32sum toJson toPrettyJson toRawJson
//! fromJson` and `must*` variants.

use base64::Engine as _;
use sha1::Digest as _;

use super::args::{any, str};
use super::{Arity, FuncMap};
use crate::error::FuncError;
use crate::json;
use crate::value::Value;

const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

fn b32enc(data: &[u8]) -> String {
    let mut out = String::new();
    for chunk in data.chunks(5) {
        let mut buf = [0u8; 5];
        buf[..chunk.len()].copy_from_slice(chunk);
        let n = u64::from_be_bytes([0, 0, 0, buf[0], buf[1], buf[2], buf[3], buf[4]]);
        let chars = match chunk.len() {
            1 => 2,
            2 => 4,
            3 => 5,
            4 => 7,
            _ => 8,
        };
        for i in 0..8 {
            if i < chars {
                out.push(B32[((n >> (35 - i * 5)) & 31) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn b32dec(s: &str) -> Result<Vec<u8>, String> {
    let b = s.as_bytes();
    let corrupt = |i: usize| format!("illegal base32 data at input byte {i}");
    if !b.len().is_multiple_of(8) {
        return Err(corrupt(b.len() / 8 * 8));
    }
    let mut out = Vec::new();
    for (ci, chunk) in b.chunks(8).enumerate() {
        let mut n: u64 = 0;
        let mut count = 0;
        for (i, &c) in chunk.iter().enumerate() {
            if c == b'=' {
                if ci * 8 + 8 != b.len() || chunk[i..].iter().any(|&x| x != b'=') {
                    return Err(corrupt(ci * 8 + i));
                }
                break;
            }
            let v = B32.iter().position(|&x| x == c).ok_or_else(|| corrupt(ci * 8 + i))?;
            n |= (v as u64) << (35 - i * 5);
            count += 1;
        }
        let bytes = match count {
            8 => 5,
            7 => 4,
            5 => 3,
            4 => 2,
            2 => 1,
            _ => return Err(corrupt(ci * 8 + count)),
        };
        let full = n.to_be_bytes();
        out.extend_from_slice(&full[3..3 + bytes]);
    }
    Ok(out)
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &x in data {
        a = (a + x as u32) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(super) fn register(m: &mut FuncMap) {
    let s1 = |m: &mut FuncMap, n: &str, f: fn(&str) -> String| {
        m.insert_pure(n, Arity::Fixed(1), move |a| Ok(Value::string(f(str(a, 0)?))));
    };
    s1(m, "b64enc", |s| base64::engine::general_purpose::STANDARD.encode(s));
    s1(m, "b64dec", |s| match base64::engine::general_purpose::STANDARD.decode(s) {
        Ok(v) => String::from_utf8_lossy(&v).into_owned(),
        Err(e) => match e {
            base64::DecodeError::InvalidByte(i, _) | base64::DecodeError::InvalidLastSymbol(i, _) => {
                format!("illegal base64 data at input byte {i}")
            }
            _ => format!("illegal base64 data at input byte {}", s.len() / 4 * 4),
        },
    });
    s1(m, "b32enc", |s| b32enc(s.as_bytes()));
    s1(m, "b32dec", |s| match b32dec(s) {
        Ok(v) => String::from_utf8_lossy(&v).into_owned(),
        Err(e) => e,
    });
    s1(m, "sha1sum", |s| hex(&sha1::Sha1::digest(s.as_bytes())));
    s1(m, "sha256sum", |s| hex(&sha2::Sha256::digest(s.as_bytes())));
    s1(m, "sha512sum", |s| hex(&sha2::Sha512::digest(s.as_bytes())));
    s1(m, "adler32sum", |s| adler32(s.as_bytes()).to_string());
    type Enc = fn(&Value) -> Result<String, String>;
    let encs: [(&str, Enc); 3] = [
        ("Json", |v| json::encode(v, true, "")),
        ("PrettyJson", |v| json::encode(v, true, "  ")),
        ("RawJson", |v| json::encode(v, false, "")),
    ];
    for (n, f) in encs {
        m.insert_pure(&format!("to{n}"), Arity::Fixed(1), move |a| {
            Ok(Value::string(f(&any(a, 0)).unwrap_or_default()))
        });
        m.insert_pure(&format!("mustTo{n}"), Arity::Fixed(1), move |a| {
            f(&any(a, 0)).map(Value::string).map_err(FuncError::new)
        });
    }
    m.insert_pure("fromJson", Arity::Fixed(1), |a| Ok(json::decode(str(a, 0)?).unwrap_or(Value::Nil)));
    m.insert_pure("mustFromJson", Arity::Fixed(1), |a| json::decode(str(a, 0)?).map_err(FuncError::new));
}
