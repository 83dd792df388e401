//! Every profile tag Tencent Cloud Chat documents, listed once with its rules,
//! shared by the client's callers (which build and read `ProfileItem`s) and the
//! simulator (which checks them as Tencent does), so the two cannot drift apart.
//!
//! From the Profile Management and Setting Profiles pages: twelve standard tags
//! (strings with byte limits, enumerations of Tencent's names, uint32 integers)
//! and the app's custom fields, `Tag_Profile_Custom_<name>`, defined in the
//! console first and holding strings. Where the docs are silent the choice is
//! marked **Assumption** here and in the README.

use super::wire::{self, MAX_PROFILE_BYTES};
use serde_json::Value;

/// The prefix of every custom profile field's tag.
pub const CUSTOM_PREFIX: &str = "Tag_Profile_Custom_";
/// Longest custom field name (the part after [`CUSTOM_PREFIX`]), in bytes.
pub const MAX_CUSTOM_NAME_BYTES: usize = 8;
/// Longest `Tag_Profile_IM_Location`, in bytes.
pub const MAX_LOCATION_BYTES: usize = 16;
/// The largest value of an integer tag (uint32).
pub const MAX_UINT: i64 = u32::MAX as i64;

/// portrait_set's documented codes for a bad item.
pub const ERR_TAG_NOT_FOUND: i64 = 40009;
pub const ERR_TOO_LONG: i64 = 40601;
pub const ERR_INVALID_VALUE: i64 = 40605;
pub const ERR_WRONG_TYPE: i64 = 40610;

/// What a tag holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A string of at most `max_bytes` bytes; `""` clears it.
    Text { max_bytes: usize },
    /// One of Tencent's names; `default` is what an unset tag means, and what
    /// clearing it sets.
    Enum {
        values: &'static [&'static str],
        default: &'static str,
    },
    /// A uint32; 0 is what an unset tag means, and what clearing it sets.
    Uint,
}

/// One standard profile tag.
#[derive(Debug, PartialEq, Eq)]
pub struct StandardTag {
    /// Tencent's tag, `Tag_Profile_IM_Nick`.
    pub tag: &'static str,
    /// A short name for it, in snake case: `nick`, `face_url` (create_robot's
    /// `FaceUrl`), `message_settings`, ….
    pub name: &'static str,
    pub kind: Kind,
    /// The create_robot body field that also sets it, if any.
    pub create_field: Option<&'static str>,
}

const fn text(tag: &'static str, name: &'static str, create: Option<&'static str>) -> StandardTag {
    StandardTag {
        tag,
        name,
        kind: Kind::Text {
            max_bytes: MAX_PROFILE_BYTES,
        },
        create_field: create,
    }
}

const fn uint(tag: &'static str, name: &'static str) -> StandardTag {
    StandardTag {
        tag,
        name,
        kind: Kind::Uint,
        create_field: None,
    }
}

const fn one_of(
    tag: &'static str,
    name: &'static str,
    values: &'static [&'static str],
) -> StandardTag {
    StandardTag {
        tag,
        name,
        kind: Kind::Enum {
            values,
            default: values[0],
        },
        create_field: None,
    }
}

/// Gender values; the first is the default.
pub const GENDERS: [&str; 3] = [
    "Gender_Type_Unknown",
    "Gender_Type_Female",
    "Gender_Type_Male",
];
/// Friend-request rules; the first is the default (**Assumption**: the docs
/// name no default; NeedConfirm is what a new account has in the console).
pub const ALLOW_TYPES: [&str; 3] = [
    "AllowType_Type_NeedConfirm",
    "AllowType_Type_AllowAny",
    "AllowType_Type_DenyAny",
];
/// Admin bans on sending friend requests; the first is the documented default.
pub const ADMIN_FORBID_TYPES: [&str; 2] = ["AdminForbid_Type_None", "AdminForbid_Type_SendOut"];

/// The twelve standard tags, in the order the Profile Management page lists the
/// ones create_robot takes first.
pub static STANDARD_TAGS: [StandardTag; 12] = [
    text(wire::TAG_NICK, "nick", Some("Nick")),
    text(wire::TAG_IMAGE, "face_url", Some("FaceUrl")),
    text(
        wire::TAG_SELF_SIGNATURE,
        "self_signature",
        Some("SelfSignature"),
    ),
    one_of(wire::TAG_GENDER, "gender", &GENDERS),
    uint(wire::TAG_BIRTHDAY, "birthday"),
    StandardTag {
        tag: wire::TAG_LOCATION,
        name: "location",
        kind: Kind::Text {
            max_bytes: MAX_LOCATION_BYTES,
        },
        create_field: None,
    },
    one_of(wire::TAG_ALLOW_TYPE, "allow_type", &ALLOW_TYPES),
    uint(wire::TAG_LANGUAGE, "language"),
    uint(wire::TAG_MSG_SETTINGS, "message_settings"),
    one_of(
        wire::TAG_ADMIN_FORBID_TYPE,
        "admin_forbid_type",
        &ADMIN_FORBID_TYPES,
    ),
    uint(wire::TAG_LEVEL, "level"),
    uint(wire::TAG_ROLE, "role"),
];

/// The standard tag `tag`.
pub fn standard(tag: &str) -> Option<&'static StandardTag> {
    STANDARD_TAGS.iter().find(|t| t.tag == tag)
}

/// The standard tag with short name `name`.
pub fn by_name(name: &str) -> Option<&'static StandardTag> {
    STANDARD_TAGS.iter().find(|t| t.name == name)
}

/// The tag of custom field `name`.
pub fn custom_tag(name: &str) -> String {
    format!("{CUSTOM_PREFIX}{name}")
}

/// The custom field name in `tag`, if it is a custom field's tag.
pub fn custom_name(tag: &str) -> Option<&str> {
    tag.strip_prefix(CUSTOM_PREFIX)
}

/// Why `name` cannot be a custom field's name; `None` when it can. The Profile
/// Management page allows letters, digits and underscores in a tag, and the
/// console at most [`MAX_CUSTOM_NAME_BYTES`] characters after the prefix.
pub fn custom_name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        Some("a custom field name must not be empty".into())
    } else if name.len() > MAX_CUSTOM_NAME_BYTES {
        Some(format!(
            "a custom field name is at most {MAX_CUSTOM_NAME_BYTES} characters; {name:?} has {}",
            name.len()
        ))
    } else if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        Some(format!(
            "a custom field name holds only letters, digits and underscores; {name:?} has others"
        ))
    } else {
        None
    }
}

/// A rejected profile item: the ErrorCode portrait_set answers, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejected {
    pub code: i64,
    pub info: String,
}

fn rejected(code: i64, info: String) -> Rejected {
    Rejected { code, info }
}

/// Checks a string value of at most `max` bytes named `what`.
pub fn check_text(what: &str, v: &str, max: usize) -> Result<(), Rejected> {
    if v.len() > max {
        return Err(rejected(
            ERR_TOO_LONG,
            format!("{what} is {} bytes, more than the {max} allowed", v.len()),
        ));
    }
    Ok(())
}

impl StandardTag {
    /// The value that clears the tag: `""`, the enumeration's default, or 0.
    pub fn cleared(&self) -> Value {
        match self.kind {
            Kind::Text { .. } => Value::String(String::new()),
            Kind::Enum { default, .. } => Value::String(default.into()),
            Kind::Uint => Value::from(0),
        }
    }

    /// Whether `v` means "unset": `""`, the enumeration's default, 0 (or null).
    pub fn is_cleared(&self, v: &Value) -> bool {
        match (self.kind, v) {
            (_, Value::Null) => true,
            (Kind::Text { .. }, Value::String(s)) => s.is_empty(),
            (Kind::Enum { default, .. }, Value::String(s)) => s == default,
            (Kind::Uint, v) => read_uint(v) == Some(0),
            _ => false,
        }
    }

    /// Checks a portrait_set value as Tencent does: 40610 for a value of the
    /// wrong JSON type, 40601 for a string over its byte limit, 40605 for a name
    /// outside the enumeration or an integer outside uint32.
    pub fn check(&self, v: &Value) -> Result<(), Rejected> {
        match (self.kind, v) {
            (Kind::Text { max_bytes }, Value::String(s)) => check_text(self.tag, s, max_bytes),
            (Kind::Enum { values, .. }, Value::String(s)) => {
                if values.contains(&s.as_str()) {
                    Ok(())
                } else {
                    Err(rejected(
                        ERR_INVALID_VALUE,
                        format!("{} must be one of {}", self.tag, values.join(", ")),
                    ))
                }
            }
            (Kind::Uint, Value::Number(n)) => match n.as_i64() {
                Some(i) if (0..=MAX_UINT).contains(&i) => Ok(()),
                _ => Err(rejected(
                    ERR_INVALID_VALUE,
                    format!("{} must be an integer from 0 to {MAX_UINT}", self.tag),
                )),
            },
            (Kind::Uint, _) => Err(rejected(
                ERR_WRONG_TYPE,
                format!("the value of {} must be an integer", self.tag),
            )),
            _ => Err(rejected(
                ERR_WRONG_TYPE,
                format!("the value of {} must be a string", self.tag),
            )),
        }
    }
}

/// Checks a custom field's portrait_set value: a string (40610 otherwise: the
/// docs say custom fields take no integers) of at most 500 bytes (40601).
pub fn check_custom(tag: &str, v: &Value) -> Result<(), Rejected> {
    match v {
        Value::String(s) => check_text(tag, s, MAX_PROFILE_BYTES),
        _ => Err(rejected(
            ERR_WRONG_TYPE,
            format!("the value of {tag} must be a string"),
        )),
    }
}

/// An integer as portrait_get may send it: a JSON number, or (**Assumption**,
/// tolerated) a string of digits.
pub fn read_uint(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A string as portrait_get may send it; a number (not sent by the simulator,
/// tolerated) reads as its decimal text.
pub fn read_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The snake-case readable name of an enumeration value:
/// `AllowType_Type_AllowAny` → `allow_any`, `AdminForbid_Type_SendOut` →
/// `send_out`, `Gender_Type_Female` → `female`.
pub fn readable(value: &str) -> String {
    let word = value.rsplit_once("_Type_").map_or(value, |(_, w)| w);
    let mut out = String::new();
    for (i, c) in word.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_table_has_every_tag_once() {
        let tags: Vec<_> = STANDARD_TAGS.iter().map(|t| t.tag).collect();
        assert_eq!(tags, wire::PROFILE_TAGS);
        for t in &STANDARD_TAGS {
            assert!(std::ptr::eq(standard(t.tag).unwrap(), t));
            assert!(std::ptr::eq(by_name(t.name).unwrap(), t));
            assert!(t.is_cleared(&t.cleared()), "{}", t.tag);
            assert!(t.check(&t.cleared()).is_ok(), "{}", t.tag);
        }
        let create: Vec<_> = STANDARD_TAGS
            .iter()
            .filter_map(|t| t.create_field)
            .collect();
        assert_eq!(create, ["Nick", "FaceUrl", "SelfSignature"]);
    }

    #[test]
    fn readable_names() {
        let names = |v: &[&str]| v.iter().map(|s| readable(s)).collect::<Vec<_>>();
        assert_eq!(names(&GENDERS), ["unknown", "female", "male"]);
        assert_eq!(
            names(&ALLOW_TYPES),
            ["need_confirm", "allow_any", "deny_any"]
        );
        assert_eq!(names(&ADMIN_FORBID_TYPES), ["none", "send_out"]);
    }

    #[test]
    fn checks_and_codes() {
        let t = |n| by_name(n).unwrap();
        let code = |n, v: Value| t(n).check(&v).unwrap_err().code;
        assert!(t("nick").check(&json!("x".repeat(500))).is_ok());
        assert_eq!(code("nick", json!("x".repeat(501))), ERR_TOO_LONG);
        assert_eq!(code("nick", json!(1)), ERR_WRONG_TYPE);
        assert!(t("location").check(&json!("x".repeat(16))).is_ok());
        assert_eq!(code("location", json!("x".repeat(17))), ERR_TOO_LONG);
        assert!(t("gender").check(&json!("Gender_Type_Male")).is_ok());
        assert_eq!(code("gender", json!("male")), ERR_INVALID_VALUE);
        assert_eq!(code("gender", json!("")), ERR_INVALID_VALUE);
        assert!(t("level").check(&json!(MAX_UINT)).is_ok());
        assert_eq!(code("level", json!(MAX_UINT + 1)), ERR_INVALID_VALUE);
        assert_eq!(code("level", json!(-1)), ERR_INVALID_VALUE);
        assert_eq!(code("level", json!(1.5)), ERR_INVALID_VALUE);
        assert_eq!(code("birthday", json!("19900101")), ERR_WRONG_TYPE);
        assert!(check_custom("Tag_Profile_Custom_x", &json!("v")).is_ok());
        assert_eq!(
            check_custom("Tag_Profile_Custom_x", &json!(1))
                .unwrap_err()
                .code,
            ERR_WRONG_TYPE
        );
        assert_eq!(read_uint(&json!("42")), Some(42));
        assert_eq!(read_text(&json!(7)).as_deref(), Some("7"));
    }

    #[test]
    fn custom_names() {
        assert_eq!(custom_tag("model"), "Tag_Profile_Custom_model");
        assert_eq!(custom_name("Tag_Profile_Custom_model"), Some("model"));
        assert_eq!(custom_name(wire::TAG_NICK), None);
        for ok in ["model", "Team_2", "abcdefgh"] {
            assert_eq!(custom_name_problem(ok), None, "{ok}");
        }
        for bad in ["", "abcdefghi", "a-b", "caf\u{e9}", "a b"] {
            assert!(custom_name_problem(bad).is_some(), "{bad:?}");
        }
    }
}
