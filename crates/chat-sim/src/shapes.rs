//! Answer shapes: ways the real service may answer where Tencent's docs are
//! silent or vary between pages. Each can be switched on (`--shape NAME`, the
//! `shapes` list of the config file, or `PUT /__sim/shapes`) so tests prove the
//! client accepts it. With none on, answers are the simulator's plain ones.

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Shape {
    /// Empty arrays are sent as `null` (and `Fail_Account` as `null` when none failed).
    EmptyNull,
    /// Empty arrays are left out.
    EmptyMissing,
    /// Every answer object carries fields the client does not know.
    ExtraFields,
    /// portrait_get answers `ActionStatus: OK` while each account fails every other
    /// time it is asked, with the per-account 40006 of the docs' sample, listed in
    /// `Fail_Account`.
    PortraitTransient,
    /// Every answer says `Connection: close`, and the connection is closed.
    ConnectionClose,
    /// Bodies are gzip-encoded (`Content-Encoding: gzip`), even when the request
    /// did not say it accepts gzip.
    Gzip,
    /// `Content-Type: text/plain`.
    TextPlain,
    /// `Content-Type: application/json; charset=utf-8`.
    Charset,
}

impl Shape {
    pub const ALL: [Shape; 8] = [
        Shape::EmptyNull,
        Shape::EmptyMissing,
        Shape::ExtraFields,
        Shape::PortraitTransient,
        Shape::ConnectionClose,
        Shape::Gzip,
        Shape::TextPlain,
        Shape::Charset,
    ];

    /// The name used by the flag and the API (`empty-null`, …).
    pub fn name(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }

    /// Parses a name; the error lists every valid one.
    pub fn from_name(name: &str) -> Result<Shape, String> {
        Shape::ALL
            .into_iter()
            .find(|s| s.name() == name)
            .ok_or_else(|| {
                let names: Vec<String> = Shape::ALL.iter().map(|s| s.name()).collect();
                format!("unknown shape {name:?}: use one of {}", names.join(", "))
            })
    }
}

/// The documented per-account code of the portrait_get sample.
pub(crate) const PORTRAIT_TRANSIENT_CODE: i64 = 40006;
const PORTRAIT_TRANSIENT_INFO: &str = "Err_Profile_PortraitGet_Read_Custom_Data_Fail";

/// Rewrites a JSON answer body for the shapes that change its content.
/// `fails` decides, per account, whether portrait-transient fails it this time.
pub(crate) fn reshape_json(
    shapes: &[Shape],
    body: &mut Value,
    portrait_get: bool,
    mut fails: impl FnMut(&str) -> bool,
) {
    if portrait_get && shapes.contains(&Shape::PortraitTransient) {
        fail_some_accounts(body, &mut fails);
    }
    if shapes.contains(&Shape::ExtraFields) {
        add_unknown_fields(body);
    }
    if shapes.contains(&Shape::EmptyNull) {
        if portrait_get {
            if let Value::Object(map) = body {
                map.entry("Fail_Account").or_insert(Value::Null);
            }
        }
        empty_arrays(body, false);
    } else if shapes.contains(&Shape::EmptyMissing) {
        empty_arrays(body, true);
    }
}

fn fail_some_accounts(body: &mut Value, fails: &mut impl FnMut(&str) -> bool) {
    let Some(items) = body
        .get_mut("UserProfileItem")
        .and_then(Value::as_array_mut)
    else {
        return;
    };
    let mut failed = Vec::new();
    for item in items.iter_mut() {
        let ok = item.get("ResultCode").and_then(Value::as_i64) == Some(0);
        let account = item
            .get("To_Account")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if ok && fails(&account) {
            item["ResultCode"] = Value::from(PORTRAIT_TRANSIENT_CODE);
            item["ResultInfo"] = Value::from(PORTRAIT_TRANSIENT_INFO);
            item["ProfileItem"] = Value::Array(Vec::new());
            failed.push(Value::from(account));
        }
    }
    if let Value::Object(map) = body {
        if let Some(Value::Array(list)) = map.get_mut("Fail_Account") {
            list.extend(failed);
        } else if !failed.is_empty() {
            map.insert("Fail_Account".into(), Value::Array(failed));
        }
    }
}

fn add_unknown_fields(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for child in map.values_mut() {
                add_unknown_fields(child);
            }
            map.insert(
                "SimUnknownField".into(),
                serde_json::json!({"a": [1, null]}),
            );
        }
        Value::Array(items) => items.iter_mut().for_each(add_unknown_fields),
        _ => {}
    }
}

fn empty_arrays(v: &mut Value, remove: bool) {
    match v {
        Value::Object(map) => {
            if remove {
                map.retain(|_, c| !matches!(c, Value::Array(a) if a.is_empty()));
            }
            for child in map.values_mut() {
                if !remove && matches!(child, Value::Array(a) if a.is_empty()) {
                    *child = Value::Null;
                } else {
                    empty_arrays(child, remove);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|c| empty_arrays(c, remove)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_round_trip() {
        for s in Shape::ALL {
            assert_eq!(Shape::from_name(&s.name()), Ok(s));
        }
        let err = Shape::from_name("nope").unwrap_err();
        assert!(
            err.contains("empty-null") && err.contains("charset"),
            "{err}"
        );
    }

    #[test]
    fn json_shapes() {
        let base = json!({"ActionStatus":"OK","Robot_Account":[],"UserProfileItem":[
            {"To_Account":"a","ProfileItem":[],"ResultCode":0},
            {"To_Account":"b","ProfileItem":[{"Tag":"t","Value":"v"}],"ResultCode":0}]});
        let mut v = base.clone();
        reshape_json(&[Shape::EmptyNull], &mut v, true, |_| false);
        assert_eq!(v["Robot_Account"], Value::Null);
        assert_eq!(v["UserProfileItem"][0]["ProfileItem"], Value::Null);
        assert_eq!(v["Fail_Account"], Value::Null);
        let mut v = base.clone();
        reshape_json(&[Shape::EmptyMissing], &mut v, false, |_| false);
        assert!(v.get("Robot_Account").is_none());
        assert!(v["UserProfileItem"][0].get("ProfileItem").is_none());
        let mut v = base.clone();
        reshape_json(&[Shape::PortraitTransient], &mut v, true, |a| a == "b");
        assert_eq!(v["UserProfileItem"][1]["ResultCode"], 40006);
        assert_eq!(v["UserProfileItem"][0]["ResultCode"], 0);
        assert_eq!(v["Fail_Account"], json!(["b"]));
        let mut v = base;
        reshape_json(&[Shape::ExtraFields], &mut v, false, |_| false);
        assert!(v["UserProfileItem"][1]["SimUnknownField"].is_object());
    }
}
