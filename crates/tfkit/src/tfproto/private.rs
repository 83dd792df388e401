//! Keyed private state: the bytes Terraform keeps beside a resource's state (and
//! passes from plan to apply, and from one plan to the next) without showing them,
//! as named entries, each a JSON value (terraform-plugin-framework's
//! `privatestate`). On the wire it is one JSON object; none is no bytes.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::Serialize;

/// The private data of one resource object, by key.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Private(BTreeMap<String, serde_json::Value>);

impl Private {
    pub fn new() -> Self {
        Self::default()
    }

    /// The entries in `bytes`; bytes that are not a JSON object (written by
    /// something else) read as no entries.
    pub fn decode(bytes: &[u8]) -> Self {
        if bytes.is_empty() {
            return Self::new();
        }
        Private(serde_json::from_slice(bytes).unwrap_or_default())
    }

    pub fn encode(&self) -> Vec<u8> {
        if self.0.is_empty() {
            return Vec::new();
        }
        serde_json::to_vec(&self.0).unwrap_or_default()
    }

    /// The entry `key` as a `T`; `None` when absent or of another shape.
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Option<T> {
        serde_json::from_value(self.0.get(key)?.clone()).ok()
    }

    pub fn set(&mut self, key: &str, value: impl Serialize) {
        if let Ok(v) = serde_json::to_value(value) {
            self.0.insert(key.to_string(), v);
        }
    }

    pub fn remove(&mut self, key: &str) {
        self.0.remove(key);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_and_foreign_bytes_read_as_none() {
        let mut p = Private::new();
        assert!(p.encode().is_empty());
        p.set("holds", "@RBT#a");
        p.set("n", 3);
        let back = Private::decode(&p.encode());
        assert_eq!(back.get::<String>("holds").as_deref(), Some("@RBT#a"));
        assert_eq!(back.get::<i64>("n"), Some(3));
        assert_eq!(back.get::<i64>("holds"), None);
        assert!(Private::decode(b"holds:x").is_empty());
        p.remove("n");
        p.remove("holds");
        assert!(p.is_empty());
    }
}
