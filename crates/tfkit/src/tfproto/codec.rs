//! `DynamicValue` payloads ↔ [`Value`].
//!
//! MessagePack is decoded and encoded by hand (the format is small and we need
//! full control over limits); JSON is decoded through `serde_json`.
//!
//! Invariants:
//! - No input, however malformed, panics or loops: nesting is capped at
//!   [`MAX_DEPTH`] and every declared length is checked against the bytes that
//!   remain before anything is allocated for it. What is reserved ahead for
//!   arrays is capped, over the whole message, by the message's length (a
//!   declared length is a claim, not a fact), and a message decodes to at most
//!   [`MAX_NODES`] values, so one message cannot make the provider reserve
//!   gigabytes.
//! - Encoding conforms a value to its schema type: an object carries every
//!   attribute of its type (null when the value has none), integral numbers go out
//!   as integers, and an unknown goes out as extension 0 with a one-byte payload.
//! - Errors name the path to the offending value, never the value itself (it
//!   could be a secret).

use std::collections::BTreeMap;

use super::diag::{AttrPath, PathStep};
use super::schema::Type;
use super::value::Value;

/// Deepest nesting accepted when decoding. Provider schemas are a few levels deep.
pub const MAX_DEPTH: usize = 64;

/// Most values (nodes, counting every element and map entry) one MessagePack
/// message decodes to: 4 Mi, about 128 MiB of [`Value`]s. A provider state is
/// thousands; Terraform's messages may be up to 256 MiB, mostly nulls.
pub const MAX_NODES: usize = 1 << 22;

/// A value that could not be decoded or encoded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct CodecError {
    /// Where in the value the problem is (empty for the root or a framing error).
    pub path: AttrPath,
    pub message: String,
}

impl CodecError {
    fn new(path: &[PathStep], message: impl Into<String>) -> Self {
        CodecError {
            path: AttrPath(path.to_vec()),
            message: message.into(),
        }
    }
}

// ---------------------------------------------------------------------------
// MessagePack decoding
// ---------------------------------------------------------------------------

/// Decodes a MessagePack value. `ty` guides the few places where the wire form is
/// ambiguous (a number sent as a string); values that do not match `ty` otherwise
/// are kept as they came.
pub fn decode_msgpack(bytes: &[u8], ty: &Type) -> Result<Value, CodecError> {
    decode_msgpack_within(bytes, ty, MAX_NODES)
}

fn decode_msgpack_within(bytes: &[u8], ty: &Type, max_nodes: usize) -> Result<Value, CodecError> {
    let mut r = Reader {
        buf: bytes,
        pos: 0,
        path: Vec::new(),
        reserve_left: bytes.len(),
        nodes_left: max_nodes,
    };
    let v = r.value(Some(ty), 0)?;
    if r.pos != bytes.len() {
        return Err(CodecError::new(
            &[],
            format!(
                "{} unexpected bytes after the MessagePack value",
                bytes.len() - r.pos
            ),
        ));
    }
    Ok(v)
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    path: Vec<PathStep>,
    /// Array elements that may still be reserved ahead, for the whole message.
    reserve_left: usize,
    /// Values that may still be decoded.
    nodes_left: usize,
}

impl<'a> Reader<'a> {
    fn err(&self, message: impl Into<String>) -> CodecError {
        CodecError::new(&self.path, message)
    }

    fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], CodecError> {
        if n > self.remaining() {
            return Err(self.err("truncated MessagePack value"));
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn byte(&mut self) -> Result<u8, CodecError> {
        Ok(self.take(1)?[0])
    }

    fn be<const N: usize>(&mut self) -> Result<[u8; N], CodecError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    /// A length of `width` bytes (1, 2 or 4), big-endian.
    fn len(&mut self, width: usize) -> Result<usize, CodecError> {
        Ok(match width {
            1 => self.byte()? as usize,
            2 => u16::from_be_bytes(self.be()?) as usize,
            _ => u32::from_be_bytes(self.be()?) as usize,
        })
    }

    fn value(&mut self, ty: Option<&Type>, depth: usize) -> Result<Value, CodecError> {
        if depth > MAX_DEPTH {
            return Err(self.err("value nested too deeply"));
        }
        if self.nodes_left == 0 {
            return Err(self.err("the value has more elements in all than a message may hold"));
        }
        self.nodes_left -= 1;
        let m = self.byte()?;
        match m {
            0x00..=0x7f => Ok(Value::Number(m as f64)),
            0x80..=0x8f => self.map((m & 0x0f) as usize, ty, depth),
            0x90..=0x9f => self.array((m & 0x0f) as usize, ty, depth),
            0xa0..=0xbf => self.string((m & 0x1f) as usize, ty),
            0xc0 => Ok(Value::Null),
            0xc2 => Ok(Value::Bool(false)),
            0xc3 => Ok(Value::Bool(true)),
            // bin 8/16/32: only seen for type information of dynamic values; keep
            // UTF-8 content as a string.
            0xc4..=0xc6 => {
                let n = self.len(1 << (m - 0xc4))?;
                self.string(n, None)
            }
            // ext 8/16/32: any extension is an unknown; refinements are ignored.
            0xc7..=0xc9 => {
                let n = self.len(1 << (m - 0xc7))?;
                self.take(1 + n)?;
                Ok(Value::Unknown)
            }
            0xca => Ok(Value::Number(f32::from_be_bytes(self.be()?) as f64)),
            0xcb => Ok(Value::Number(f64::from_be_bytes(self.be()?))),
            0xcc => Ok(Value::Number(self.byte()? as f64)),
            0xcd => Ok(Value::Number(u16::from_be_bytes(self.be()?) as f64)),
            0xce => Ok(Value::Number(u32::from_be_bytes(self.be()?) as f64)),
            0xcf => Ok(Value::Number(u64::from_be_bytes(self.be()?) as f64)),
            0xd0 => Ok(Value::Number(i8::from_be_bytes(self.be()?) as f64)),
            0xd1 => Ok(Value::Number(i16::from_be_bytes(self.be()?) as f64)),
            0xd2 => Ok(Value::Number(i32::from_be_bytes(self.be()?) as f64)),
            0xd3 => Ok(Value::Number(i64::from_be_bytes(self.be()?) as f64)),
            // fixext 1/2/4/8/16: type byte plus a fixed payload.
            0xd4..=0xd8 => {
                self.take(1 + (1 << (m - 0xd4)))?;
                Ok(Value::Unknown)
            }
            0xd9..=0xdb => {
                let n = self.len(1 << (m - 0xd9))?;
                self.string(n, ty)
            }
            0xdc | 0xdd => {
                let n = self.len(if m == 0xdc { 2 } else { 4 })?;
                self.array(n, ty, depth)
            }
            0xde | 0xdf => {
                let n = self.len(if m == 0xde { 2 } else { 4 })?;
                self.map(n, ty, depth)
            }
            0xe0..=0xff => Ok(Value::Number((m as i8) as f64)),
            0xc1 => Err(self.err("invalid MessagePack marker 0xc1")),
        }
    }

    fn raw_str(&mut self, n: usize) -> Result<&'a str, CodecError> {
        let b = self.take(n)?;
        std::str::from_utf8(b).map_err(|_| self.err("string is not valid UTF-8"))
    }

    fn string(&mut self, n: usize, ty: Option<&Type>) -> Result<Value, CodecError> {
        let s = self.raw_str(n)?;
        if let Some(Type::Number) = ty {
            return parse_number(s).ok_or_else(|| self.err("number string is not a number"));
        }
        Ok(Value::String(s.to_string()))
    }

    fn array(&mut self, n: usize, ty: Option<&Type>, depth: usize) -> Result<Value, CodecError> {
        // Every element takes at least one byte.
        if n > self.remaining() {
            return Err(self.err("array longer than the remaining input"));
        }
        let elem = match ty {
            Some(Type::List(t) | Type::Set(t)) => Some(&**t),
            _ => None,
        };
        // Reserve what the message can still pay for; a list longer than that
        // grows as it is read.
        let ahead = n.min(self.reserve_left).min(self.remaining());
        self.reserve_left -= ahead;
        let mut items = Vec::with_capacity(ahead);
        for i in 0..n {
            self.path.push(PathStep::Index(i as i64));
            items.push(self.value(elem, depth + 1)?);
            self.path.pop();
        }
        Ok(Value::List(items))
    }

    fn map(&mut self, n: usize, ty: Option<&Type>, depth: usize) -> Result<Value, CodecError> {
        // Every entry takes at least two bytes.
        if n > self.remaining() / 2 {
            return Err(self.err("map longer than the remaining input"));
        }
        let mut m = BTreeMap::new();
        for _ in 0..n {
            let key = self.key()?;
            let (step, vty) = match ty {
                Some(Type::Object(attrs)) => (
                    PathStep::Attribute(key.to_string()),
                    attrs.iter().find(|(k, _)| k == key).map(|(_, t)| t),
                ),
                Some(Type::Map(t)) => (PathStep::Key(key.to_string()), Some(&**t)),
                _ => (PathStep::Key(key.to_string()), None),
            };
            self.path.push(step);
            let v = self.value(vty, depth + 1)?;
            self.path.pop();
            m.insert(key.to_string(), v);
        }
        Ok(Value::Map(m))
    }

    fn key(&mut self) -> Result<&'a str, CodecError> {
        let m = self.byte()?;
        let n = match m {
            0xa0..=0xbf => (m & 0x1f) as usize,
            0xd9..=0xdb => self.len(1 << (m - 0xd9))?,
            _ => return Err(self.err("map key is not a string")),
        };
        self.raw_str(n)
    }
}

fn parse_number(s: &str) -> Option<Value> {
    let n: f64 = s.trim().parse().ok()?;
    n.is_finite().then_some(Value::Number(n))
}

// ---------------------------------------------------------------------------
// MessagePack encoding
// ---------------------------------------------------------------------------

/// Encodes `v` as a value of type `ty` (see the module invariants).
pub fn encode_msgpack(v: &Value, ty: &Type) -> Result<Vec<u8>, CodecError> {
    let mut out = Vec::with_capacity(128);
    let mut path = Vec::new();
    encode(&mut out, v, ty, &mut path)?;
    Ok(out)
}

/// The MessagePack form of an unknown value: fixext 1, type 0, payload 0.
pub const UNKNOWN_MSGPACK: [u8; 3] = [0xd4, 0x00, 0x00];

fn mismatch(path: &[PathStep], v: &Value, ty: &Type) -> CodecError {
    let got = match v {
        Value::Null => "null",
        Value::Unknown => "unknown",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::List(_) => "list",
        Value::Map(_) => "map or object",
    };
    CodecError::new(
        path,
        format!(
            "provider produced a {got} where the schema has {}",
            ty.to_cty_json()
        ),
    )
}

fn encode(
    out: &mut Vec<u8>,
    v: &Value,
    ty: &Type,
    path: &mut Vec<PathStep>,
) -> Result<(), CodecError> {
    match (v, ty) {
        (Value::Null, _) => out.push(0xc0),
        (Value::Unknown, _) => out.extend_from_slice(&UNKNOWN_MSGPACK),
        (Value::String(s), Type::String) => write_str(out, s),
        (Value::Bool(b), Type::String) => write_str(out, if *b { "true" } else { "false" }),
        (Value::Number(n), Type::String) => write_str(out, &n.to_string()),
        (Value::Number(n), Type::Number) => write_number(out, *n),
        (Value::String(s), Type::Number) => match parse_number(s) {
            Some(Value::Number(n)) => write_number(out, n),
            _ => return Err(mismatch(path, v, ty)),
        },
        (Value::Bool(b), Type::Bool) => out.push(if *b { 0xc3 } else { 0xc2 }),
        (Value::String(s), Type::Bool) if s == "true" || s == "false" => {
            out.push(if s == "true" { 0xc3 } else { 0xc2 })
        }
        (Value::List(items), Type::List(t) | Type::Set(t)) => {
            write_len(out, items.len(), [0x90, 0xdc, 0xdd]);
            for (i, item) in items.iter().enumerate() {
                path.push(PathStep::Index(i as i64));
                encode(out, item, t, path)?;
                path.pop();
            }
        }
        (Value::Map(m), Type::Map(t)) => {
            write_len(out, m.len(), [0x80, 0xde, 0xdf]);
            for (k, item) in m {
                write_str(out, k);
                path.push(PathStep::Key(k.clone()));
                encode(out, item, t, path)?;
                path.pop();
            }
        }
        (Value::Map(m), Type::Object(attrs)) => {
            if let Some(extra) = m.keys().find(|k| !attrs.iter().any(|(a, _)| a == *k)) {
                path.push(PathStep::Attribute(extra.clone()));
                let e = CodecError::new(path, "provider produced an attribute the schema lacks");
                return Err(e);
            }
            write_len(out, attrs.len(), [0x80, 0xde, 0xdf]);
            for (name, aty) in attrs {
                write_str(out, name);
                path.push(PathStep::Attribute(name.clone()));
                encode(out, m.get(name).unwrap_or(&Value::Null), aty, path)?;
                path.pop();
            }
        }
        _ => return Err(mismatch(path, v, ty)),
    }
    Ok(())
}

/// Writes a length with the fix/16/32 markers given.
fn write_len(out: &mut Vec<u8>, n: usize, [fix, m16, m32]: [u8; 3]) {
    if n < 16 {
        out.push(fix | n as u8);
    } else if n <= u16::MAX as usize {
        out.push(m16);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(m32);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
}

fn write_str(out: &mut Vec<u8>, s: &str) {
    let n = s.len();
    if n < 32 {
        out.push(0xa0 | n as u8);
    } else if n <= u8::MAX as usize {
        out.push(0xd9);
        out.push(n as u8);
    } else if n <= u16::MAX as usize {
        out.push(0xda);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(0xdb);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
    out.extend_from_slice(s.as_bytes());
}

/// Integral numbers in i64 range as the most compact integer; the rest as f64.
fn write_number(out: &mut Vec<u8>, n: f64) {
    // 2^63 as f64 is exact; anything below it (and ≥ -2^63) converts losslessly.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if n.fract() != 0.0 || !n.is_finite() || !(-LIMIT..LIMIT).contains(&n) {
        out.push(0xcb);
        out.extend_from_slice(&n.to_be_bytes());
        return;
    }
    let i = n as i64;
    match i {
        0..=0x7f => out.push(i as u8),
        -32..=-1 => out.push(i as i8 as u8),
        -128..=127 => {
            out.push(0xd0);
            out.push(i as i8 as u8);
        }
        -32768..=32767 => {
            out.push(0xd1);
            out.extend_from_slice(&(i as i16).to_be_bytes());
        }
        -2147483648..=2147483647 => {
            out.push(0xd2);
            out.extend_from_slice(&(i as i32).to_be_bytes());
        }
        _ => {
            out.push(0xd3);
            out.extend_from_slice(&i.to_be_bytes());
        }
    }
}

// ---------------------------------------------------------------------------
// JSON decoding
// ---------------------------------------------------------------------------

/// Decodes JSON (raw state in UpgradeResourceState, or `DynamicValue.json`).
/// Objects of `ty` get every attribute of the type (null when absent); keys the
/// type lacks are kept, for an upgrade to look at. A number given as a string is
/// accepted where `ty` says number.
pub fn decode_json(bytes: &[u8], ty: &Type) -> Result<Value, CodecError> {
    // serde_json refuses nesting deeper than 128 on its own.
    let j: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| CodecError::new(&[], format!("invalid JSON value: {e}")))?;
    let mut path = Vec::new();
    from_json(j, Some(ty), &mut path)
}

fn from_json(
    j: serde_json::Value,
    ty: Option<&Type>,
    path: &mut Vec<PathStep>,
) -> Result<Value, CodecError> {
    use serde_json::Value as J;
    Ok(match j {
        J::Null => Value::Null,
        J::Bool(b) => Value::Bool(b),
        J::Number(n) => match n.as_f64() {
            Some(f) => Value::Number(f),
            None => return Err(CodecError::new(path, "number out of range")),
        },
        J::String(s) => match ty {
            Some(Type::Number) => parse_number(&s)
                .ok_or_else(|| CodecError::new(path, "number string is not a number"))?,
            _ => Value::String(s),
        },
        J::Array(items) => {
            let elem = match ty {
                Some(Type::List(t) | Type::Set(t)) => Some(&**t),
                _ => None,
            };
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.into_iter().enumerate() {
                path.push(PathStep::Index(i as i64));
                out.push(from_json(item, elem, path)?);
                path.pop();
            }
            Value::List(out)
        }
        J::Object(obj) => {
            let mut m = BTreeMap::new();
            for (k, item) in obj {
                let (step, vty) = match ty {
                    Some(Type::Object(attrs)) => (
                        PathStep::Attribute(k.clone()),
                        attrs.iter().find(|(a, _)| *a == k).map(|(_, t)| t),
                    ),
                    Some(Type::Map(t)) => (PathStep::Key(k.clone()), Some(&**t)),
                    _ => (PathStep::Key(k.clone()), None),
                };
                path.push(step);
                let v = from_json(item, vty, path)?;
                path.pop();
                m.insert(k, v);
            }
            if let Some(Type::Object(attrs)) = ty {
                for (a, _) in attrs {
                    m.entry(a.clone()).or_insert(Value::Null);
                }
            }
            Value::Map(m)
        }
    })
}

/// Removes, throughout `v`, object attributes that `ty` does not declare. Used
/// after a state upgrade, where the stored state may carry attributes a newer
/// schema dropped. Returns how many were removed.
pub fn prune(v: &mut Value, ty: &Type) -> usize {
    match (v, ty) {
        (Value::Map(m), Type::Object(attrs)) => {
            let before = m.len();
            m.retain(|k, _| attrs.iter().any(|(a, _)| a == k));
            let mut n = before - m.len();
            for (a, t) in attrs {
                if let Some(item) = m.get_mut(a) {
                    n += prune(item, t);
                }
            }
            n
        }
        (Value::Map(m), Type::Map(t)) => m.values_mut().map(|item| prune(item, t)).sum(),
        (Value::List(items), Type::List(t) | Type::Set(t)) => {
            items.iter_mut().map(|item| prune(item, t)).sum()
        }
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn robot_type() -> Type {
        Type::Object(vec![
            ("user_id".into(), Type::String),
            ("level".into(), Type::Number),
            ("enabled".into(), Type::Bool),
            ("tags".into(), Type::List(Box::new(Type::String))),
            ("labels".into(), Type::Map(Box::new(Type::String))),
            (
                "profile".into(),
                Type::Object(vec![
                    ("nick".into(), Type::String),
                    ("age".into(), Type::Number),
                ]),
            ),
            (
                "members".into(),
                Type::Set(Box::new(Type::Object(vec![("id".into(), Type::String)]))),
            ),
        ])
    }

    fn robot() -> Value {
        Value::object([
            ("user_id", Value::string("@RBT#1")),
            ("level", Value::Number(-3.0)),
            ("enabled", Value::Unknown),
            (
                "tags",
                Value::List(vec![Value::string("a"), Value::Null, Value::Unknown]),
            ),
            (
                "labels",
                Value::object([("k", Value::string("v")), ("empty", Value::string(""))]),
            ),
            (
                "profile",
                Value::object([("nick", Value::string("bot")), ("age", Value::Number(1.5))]),
            ),
            (
                "members",
                Value::List(vec![Value::object([("id", Value::string("x"))])]),
            ),
        ])
    }

    #[test]
    fn round_trip_nested_object_with_unknown_and_null() {
        let ty = robot_type();
        let bytes = encode_msgpack(&robot(), &ty).unwrap();
        assert_eq!(decode_msgpack(&bytes, &ty).unwrap(), robot());
    }

    #[test]
    fn encode_fills_missing_attributes_with_null() {
        let ty = robot_type();
        let v = Value::object([("user_id", Value::string("u"))]);
        let back = decode_msgpack(&encode_msgpack(&v, &ty).unwrap(), &ty).unwrap();
        let Value::Map(m) = &back else {
            panic!("not an object")
        };
        assert_eq!(m.len(), 7);
        assert!(back.get("profile").is_null());
        assert_eq!(back.get("user_id").as_str(), Some("u"));
        // A null nested object stays null rather than becoming an object of nulls.
        assert_eq!(
            encode_msgpack(&Value::Null, &ty).unwrap(),
            vec![0xc0],
            "null root"
        );
    }

    #[test]
    fn encode_rejects_attributes_outside_the_schema_naming_the_path() {
        let ty = robot_type();
        let v = Value::object([(
            "profile",
            Value::object([("nick", Value::string("n")), ("extra", Value::Bool(true))]),
        )]);
        let e = encode_msgpack(&v, &ty).unwrap_err();
        assert_eq!(
            e.path.0,
            vec![
                PathStep::Attribute("profile".into()),
                PathStep::Attribute("extra".into())
            ]
        );
    }

    #[test]
    fn encode_reports_type_mismatch_path_without_value() {
        let ty = robot_type();
        let v = Value::object([("tags", Value::List(vec![Value::List(vec![])]))]);
        let e = encode_msgpack(&v, &ty).unwrap_err();
        assert_eq!(
            e.path.0,
            vec![PathStep::Attribute("tags".into()), PathStep::Index(0)]
        );
        assert!(e.message.contains("list"), "{}", e.message);
    }

    #[test]
    fn unknown_is_fixext1_type_zero() {
        assert_eq!(
            encode_msgpack(&Value::Unknown, &Type::String).unwrap(),
            vec![0xd4, 0, 0]
        );
        // Any extension type and size decodes as unknown, including refinements (12).
        for bytes in [
            &[0xd4, 0, 0][..],
            &[0xd5, 12, 0x81, 0x01][..],
            &[0xc7, 3, 12, 0x81, 0x01, 0xc2][..],
            &[0xd8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0][..],
        ] {
            assert_eq!(
                decode_msgpack(bytes, &Type::String).unwrap(),
                Value::Unknown,
                "{bytes:?}"
            );
        }
    }

    #[test]
    fn numbers_integral_as_ints_fractional_as_floats() {
        let cases: &[(f64, &[u8])] = &[
            (0.0, &[0x00]),
            (127.0, &[0x7f]),
            (128.0, &[0xd1, 0x00, 0x80]),
            (-1.0, &[0xff]),
            (-32.0, &[0xe0]),
            (-33.0, &[0xd0, 0xdf]),
            (70000.0, &[0xd2, 0x00, 0x01, 0x11, 0x70]),
            (
                1e12,
                &[0xd3, 0x00, 0x00, 0x00, 0xe8, 0xd4, 0xa5, 0x10, 0x00],
            ),
        ];
        for (n, want) in cases {
            assert_eq!(
                encode_msgpack(&Value::Number(*n), &Type::Number).unwrap(),
                *want,
                "{n}"
            );
        }
        let f = encode_msgpack(&Value::Number(1.5), &Type::Number).unwrap();
        assert_eq!(f[0], 0xcb);
        assert_eq!(
            decode_msgpack(&f, &Type::Number).unwrap(),
            Value::Number(1.5)
        );
        let big = encode_msgpack(&Value::Number(1e300), &Type::Number).unwrap();
        assert_eq!(big[0], 0xcb);
    }

    #[test]
    fn decodes_every_integer_and_float_form() {
        let cases: &[(&[u8], f64)] = &[
            (&[0xcc, 0xff], 255.0),
            (&[0xcd, 0x01, 0x00], 256.0),
            (&[0xce, 0x00, 0x01, 0x00, 0x00], 65536.0),
            (&[0xcf, 0, 0, 0, 1, 0, 0, 0, 0], 4294967296.0),
            (&[0xd0, 0x80], -128.0),
            (&[0xd1, 0xff, 0x00], -256.0),
            (&[0xd2, 0xff, 0xff, 0xff, 0xff], -1.0),
            (
                &[0xd3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe],
                -2.0,
            ),
            (&[0xca, 0x3f, 0xc0, 0x00, 0x00], 1.5),
        ];
        for (bytes, want) in cases {
            assert_eq!(
                decode_msgpack(bytes, &Type::Number).unwrap(),
                Value::Number(*want),
                "{bytes:?}"
            );
        }
    }

    #[test]
    fn number_sent_as_string_decodes_where_schema_says_number() {
        let bytes = [0xa3, b'4', b'.', b'5'];
        assert_eq!(
            decode_msgpack(&bytes, &Type::Number).unwrap(),
            Value::Number(4.5)
        );
        // Where the schema says string it stays a string.
        assert_eq!(
            decode_msgpack(&bytes, &Type::String).unwrap(),
            Value::string("4.5")
        );
        assert!(decode_msgpack(&[0xa1, b'x'], &Type::Number).is_err());
    }

    #[test]
    fn long_strings_arrays_and_maps_use_wide_headers() {
        let s = "x".repeat(70_000);
        let bytes = encode_msgpack(&Value::string(s.clone()), &Type::String).unwrap();
        assert_eq!(bytes[0], 0xdb);
        assert_eq!(
            decode_msgpack(&bytes, &Type::String).unwrap(),
            Value::String(s)
        );
        let s = "y".repeat(40);
        let bytes = encode_msgpack(&Value::string(s.clone()), &Type::String).unwrap();
        assert_eq!(&bytes[..2], &[0xd9, 40]);
        let ty = Type::List(Box::new(Type::Number));
        let list = Value::List((0..20).map(|i| Value::Number(i as f64)).collect());
        let bytes = encode_msgpack(&list, &ty).unwrap();
        assert_eq!(&bytes[..3], &[0xdc, 0, 20]);
        assert_eq!(decode_msgpack(&bytes, &ty).unwrap(), list);
        let mty = Type::Map(Box::new(Type::Bool));
        let map = Value::Map(
            (0..17)
                .map(|i| (format!("k{i}"), Value::Bool(true)))
                .collect(),
        );
        let bytes = encode_msgpack(&map, &mty).unwrap();
        assert_eq!(&bytes[..3], &[0xde, 0, 17]);
        assert_eq!(decode_msgpack(&bytes, &mty).unwrap(), map);
    }

    #[test]
    fn primitive_conversions_on_encode() {
        let s = encode_msgpack(&Value::Number(7.0), &Type::String).unwrap();
        assert_eq!(
            decode_msgpack(&s, &Type::String).unwrap(),
            Value::string("7")
        );
        let n = encode_msgpack(&Value::string("12"), &Type::Number).unwrap();
        assert_eq!(n, vec![12]);
        let b = encode_msgpack(&Value::string("true"), &Type::Bool).unwrap();
        assert_eq!(b, vec![0xc3]);
        assert!(encode_msgpack(&Value::string("yes"), &Type::Bool).is_err());
        assert!(encode_msgpack(&Value::Bool(true), &Type::Number).is_err());
    }

    #[test]
    fn rejects_trailing_bytes_bad_utf8_and_non_string_keys() {
        assert!(decode_msgpack(&[0xc0, 0xc0], &Type::String).is_err());
        assert!(decode_msgpack(&[0xa1, 0xff], &Type::String).is_err());
        assert!(decode_msgpack(&[0x81, 0x01, 0xc0], &robot_type()).is_err());
        assert!(decode_msgpack(&[0xc1], &Type::String).is_err());
        assert!(decode_msgpack(&[], &Type::String).is_err());
    }

    #[test]
    fn length_claims_beyond_input_fail_fast() {
        // array32 claiming 4 billion elements, map32 likewise, str32 likewise.
        for bytes in [
            &[0xdd, 0xff, 0xff, 0xff, 0xff][..],
            &[0xdf, 0xff, 0xff, 0xff, 0xff, 0xc0][..],
            &[0xdb, 0xff, 0xff, 0xff, 0xff, b'a'][..],
            &[0xc9, 0xff, 0xff, 0xff, 0xff, 0][..],
        ] {
            assert!(decode_msgpack(bytes, &Type::String).is_err(), "{bytes:?}");
        }
    }

    #[test]
    fn depth_is_limited() {
        let mut deep = vec![0x91u8; MAX_DEPTH + 5];
        deep.push(0xc0);
        let e = decode_msgpack(&deep, &Type::String).unwrap_err();
        assert!(e.message.contains("deep"), "{}", e.message);
        let mut ok = vec![0x91u8; MAX_DEPTH];
        ok.push(0xc0);
        assert!(decode_msgpack(&ok, &Type::String).is_ok());
    }

    #[test]
    fn a_message_decodes_to_a_bounded_number_of_values() {
        // An array and its n elements are n + 1 values.
        let encode = |n: usize| {
            let mut b = vec![0xdd];
            b.extend_from_slice(&(n as u32).to_be_bytes());
            b.extend(std::iter::repeat_n(0xc0, n));
            b
        };
        let e = decode_msgpack_within(&encode(1000), &Type::String, 1000).unwrap_err();
        assert!(e.message.contains("elements in all"), "{}", e.message);
        assert!(
            e.path.0.len() == 1,
            "the path names the element: {:?}",
            e.path
        );
        let ok = decode_msgpack_within(&encode(999), &Type::String, 1000).unwrap();
        assert!(matches!(ok, Value::List(l) if l.len() == 999));
    }

    /// Garbage, truncations and bit flips of valid encodings must return (Ok or
    /// Err) without panicking.
    #[test]
    fn random_garbage_never_panics() {
        let mut rng = fastrand::Rng::with_seed(0x7f_c0_ff_ee);
        let ty = robot_type();
        let valid = encode_msgpack(&robot(), &ty).unwrap();
        let mut errors = 0;
        for round in 0..20_000 {
            let input: Vec<u8> = match round % 3 {
                0 => (0..rng.usize(0..64)).map(|_| rng.u8(..)).collect(),
                1 => valid[..rng.usize(0..valid.len())].to_vec(),
                _ => {
                    let mut v = valid.clone();
                    for _ in 0..rng.usize(1..4) {
                        let i = rng.usize(0..v.len());
                        v[i] = rng.u8(..);
                    }
                    v
                }
            };
            if decode_msgpack(&input, &ty).is_err() {
                errors += 1;
            }
            let _ = decode_json(&input, &ty);
        }
        // Every proper truncation is an error, so at least a third failed.
        assert!(errors > 6_000, "{errors}");
    }

    #[test]
    fn json_decode_conforms_objects_and_numbers() {
        let ty = robot_type();
        let j = br#"{"user_id":"@RBT#1","level":"12","tags":["a",null],
                    "profile":{"nick":"n"},"old_field":true}"#;
        let v = decode_json(j, &ty).unwrap();
        assert_eq!(v.get("level"), &Value::Number(12.0));
        assert_eq!(
            v.get("tags"),
            &Value::List(vec![Value::string("a"), Value::Null])
        );
        assert!(v.get("enabled").is_null());
        assert!(v.get("profile").get("age").is_null());
        let Value::Map(m) = &v else { panic!() };
        assert!(
            m.contains_key("enabled"),
            "missing attributes become explicit nulls"
        );
        assert_eq!(m.get("old_field"), Some(&Value::Bool(true)));
        assert!(decode_json(b"{", &ty).is_err());
        assert!(decode_json(br#"{"level":"abc"}"#, &ty).is_err());
    }

    #[test]
    fn prune_drops_attributes_outside_the_type() {
        let ty = robot_type();
        let mut v = decode_json(
            br#"{"user_id":"u","old":1,"profile":{"nick":"n","gone":2},"members":[{"id":"a","x":1}]}"#,
            &ty,
        )
        .unwrap();
        assert_eq!(prune(&mut v, &ty), 3);
        let bytes = encode_msgpack(&v, &ty).unwrap();
        let back = decode_msgpack(&bytes, &ty).unwrap();
        assert_eq!(back.get("profile").get("nick").as_str(), Some("n"));
        assert_eq!(back, v);
    }
}
