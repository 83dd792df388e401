//! Terraform values as the provider code sees them: a dynamic tree with explicit
//! null and unknown, independent of the wire encoding (MessagePack or JSON).

use std::collections::BTreeMap;

/// A value of any cty type. Objects and maps are both `Map`; lists, sets and
/// tuples are all `List`. Numbers are f64 (every number this provider uses fits).
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    /// Not known until apply (MessagePack extension type 0 on the wire).
    Unknown,
    Bool(bool),
    Number(f64),
    String(String),
    List(Vec<Value>),
    Map(BTreeMap<String, Value>),
}

static NULL: Value = Value::Null;

impl Value {
    /// An object from `(attribute, value)` pairs.
    pub fn object<K: Into<String>>(pairs: impl IntoIterator<Item = (K, Value)>) -> Value {
        Value::Map(pairs.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    /// The attribute `name` of an object; null when absent or not an object.
    pub fn get(&self, name: &str) -> &Value {
        match self {
            Value::Map(m) => m.get(name).unwrap_or(&NULL),
            _ => &NULL,
        }
    }

    /// Sets attribute `name` on an object (a null value becomes an empty object first).
    pub fn set(&mut self, name: &str, v: Value) {
        if !matches!(self, Value::Map(_)) {
            *self = Value::Map(BTreeMap::new());
        }
        if let Value::Map(m) = self {
            m.insert(name.to_string(), v);
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown)
    }

    /// True when neither this value nor anything inside it is unknown.
    pub fn is_wholly_known(&self) -> bool {
        match self {
            Value::Unknown => false,
            Value::List(items) => items.iter().all(Value::is_wholly_known),
            Value::Map(m) => m.values().all(Value::is_wholly_known),
            _ => true,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(items) => Some(items),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_access() {
        let mut v = Value::object([("a", Value::string("x")), ("b", Value::Unknown)]);
        assert_eq!(v.get("a").as_str(), Some("x"));
        assert!(v.get("missing").is_null());
        assert!(!v.is_wholly_known());
        v.set("b", Value::Bool(true));
        assert!(v.is_wholly_known());
    }
}
