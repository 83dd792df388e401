//! A chatbot's profile as the provider manages it: [`Profile`], the one type,
//! and its table ([`profile_table!`]), from which come the type's fields, the
//! attributes of `tencentchat_robot` and of both data sources (with their
//! descriptions and rules), the conversions between a model and a `Profile`,
//! and those between a `Profile` and the API's profile items.
//!
//! Each row names a field (its attribute name, which is also its short name in
//! `chat::profile`'s tag table, where its tag and Tencent's rules live), its
//! type (`String` or `i64`) and the words describing it. Enumerations are
//! written by readable names (`allow_any`) and sent as Tencent's values
//! (`AllowType_Type_AllowAny`). Custom fields are a map from a name (the part
//! after `Tag_Profile_Custom_`) to a string.
//!
//! Unset is one thing: a tag never set, `""`, an enumeration's default and 0 all
//! read as null, so a field left out of the configuration never drifts; a field
//! configured to the default keeps its value while the API reports the default.

use crate::chat::profile::{
    self as tags, Kind, StandardTag, CUSTOM_PREFIX, MAX_CUSTOM_NAME_BYTES, MAX_UINT,
};
use crate::chat::wire::{ProfileItem, MAX_PROFILE_BYTES};
use crate::tfproto::{Diagnostics, FieldType};
use serde_json::Value as Json;
use std::collections::{BTreeMap, BTreeSet};

/// The profile table: each row is `name: Type, "what it is";`. Calls the macro
/// `$then` with the braced arguments given, then the rows.
macro_rules! profile_table {
    ($then:ident { $($args:tt)* }) => {
        $then! { { $($args)* }
            nick: String, "The chatbot's nickname";
            face_url: String, "URL of the chatbot's profile photo";
            self_signature: String, "The chatbot's signature, a short self-description";
            gender: String, "The chatbot's gender";
            birthday: i64, "The chatbot's birthday, as a number such as 19900101";
            location: String, "Where the chatbot is (apps often pack region codes into it)";
            allow_type: String, "How friend requests to the chatbot are handled";
            language: i64, "The chatbot's language, a number the app defines";
            message_settings: i64, "The chatbot's message settings (bit 0 set: it receives no messages)";
            admin_forbid_type: String, "Whether the app admin forbids the chatbot to send friend requests";
            level: i64, "The chatbot's level, a number the app defines";
            role: i64, "The chatbot's role, a number the app defines";
        }
    };
}
pub(crate) use profile_table;

/// Declares [`Profile`] and the rows' words from the table.
macro_rules! profile_struct {
    ({} $( $f:ident : $t:ty, $about:literal; )*) => {
        /// A chatbot's profile: each standard field (`None` when unset) and the
        /// custom fields set, by name.
        #[derive(Clone, Debug, Default, PartialEq, Eq)]
        pub(crate) struct Profile {
            $( pub(crate) $f: Option<$t>, )*
            pub(crate) custom: BTreeMap<String, String>,
        }

        /// Each field's name and what it is, in table order.
        pub(crate) static ROWS: &[(&str, &str)] = &[ $( (stringify!($f), $about), )* ];

        impl Profile {
            /// Sets the field of `tag` from an API value (unset values as `None`);
            /// false when `tag` is no standard tag.
            fn set_from_api(&mut self, tag: &StandardTag, v: &Json) -> bool {
                $( if tag.name == stringify!($f) {
                    self.$f = (!tag.is_cleared(v))
                        .then(|| <$t as ProfileValue>::from_api(tag, v))
                        .flatten();
                    return true;
                } )*
                false
            }

            /// The standard items turning `prior` into `self`: changed fields only,
            /// a removed one as its tag's cleared value.
            fn standard_items(&self, prior: &Profile, out: &mut Vec<ProfileItem>) {
                $( if self.$f != prior.$f {
                    let tag = standard(stringify!($f));
                    out.push(ProfileItem {
                        tag: tag.tag.to_string(),
                        value: self.$f.as_ref().map_or_else(|| tag.cleared(), |v| v.to_api(tag)),
                    });
                } )*
            }

            /// Fields unset here but set in `prior` to what unset means (the
            /// default): kept as `prior` has them.
            pub(crate) fn keep_defaults_of(&mut self, prior: &Profile) {
                $( if self.$f.is_none()
                    && prior.$f.as_ref().is_some_and(|v| v.is_default(standard(stringify!($f))))
                {
                    self.$f = prior.$f.clone();
                } )*
            }

            /// The names of the standard fields set, in table order.
            pub(crate) fn set_names(&self) -> Vec<&'static str> {
                let mut out = Vec::new();
                $( if self.$f.is_some() { out.push(stringify!($f)); } )*
                out
            }

            /// Only the fields create_robot takes (the others unset).
            pub(crate) fn create_part(&self) -> Profile {
                let mut p = Profile::default();
                $( if standard(stringify!($f)).create_field.is_some() {
                    p.$f = self.$f.clone();
                } )*
                p
            }
        }
    };
}
profile_table!(profile_struct {});

/// Declares a model whose attributes are `$lead` followed by every profile field
/// and `custom_fields`, all of kind `$kind` (`optional` on the resource,
/// `computed` in data sources), and its conversions to and from [`Profile`].
macro_rules! profile_model {
    ({ $(#[$meta:meta])* $vis:vis struct $name:ident in $names:ident as $kind:ident { $($lead:tt)* } }
     $( $f:ident : $t:ty, $about:literal; )*) => {
        tfkit::model! {
            $(#[$meta])*
            $vis struct $name in $names {
                $($lead)*
                $( $f: $t => $kind($crate::provider::profile::description(
                    stringify!($f),
                    stringify!($kind),
                ))
                .validate(<$t as $crate::provider::profile::ProfileValue>::check), )*
                custom_fields: std::collections::BTreeMap<String, String> => $kind(
                    $crate::provider::profile::custom_description(stringify!($kind))
                )
                .validate($crate::provider::profile::check_custom_fields),
            }
        }

        impl $name {
            /// The profile this model holds (an empty string is unset, as it is to
            /// the API; custom fields as configured).
            #[allow(dead_code)] // data sources only write theirs
            pub(crate) fn profile(&self) -> $crate::provider::profile::Profile {
                use $crate::provider::profile::ProfileValue;
                $crate::provider::profile::Profile {
                    $( $f: self.$f.known().filter(|v| !v.is_blank()).cloned(), )*
                    custom: self.custom_fields.known().cloned().unwrap_or_default(),
                }
            }

            /// Sets this model's profile attributes from `p`; `custom_fields` is
            /// null when `p` has none and `null_if_empty`.
            pub(crate) fn set_profile(
                &mut self,
                p: &$crate::provider::profile::Profile,
                null_if_empty: bool,
            ) {
                $( self.$f = $crate::tfproto::Field::from_option(p.$f.clone()); )*
                self.custom_fields = if p.custom.is_empty() && null_if_empty {
                    $crate::tfproto::Field::Null
                } else {
                    $crate::tfproto::Field::Known(p.custom.clone())
                };
            }
        }
    };
}
pub(crate) use profile_model;

/// The chat table's row for field `name` (every row of the table has one: see
/// the tests).
fn standard(name: &str) -> &'static StandardTag {
    tags::by_name(name).unwrap_or(&tags::STANDARD_TAGS[0])
}

/// What a profile field's value is in Rust: a string (text or enumeration) or
/// an integer.
pub(crate) trait ProfileValue: FieldType + Clone + PartialEq {
    /// The attribute's rule, at validate and plan.
    fn check(name: &str, v: &Self::Arg, d: &mut Diagnostics);
    fn from_api(tag: &StandardTag, v: &Json) -> Option<Self>;
    fn to_api(&self, tag: &StandardTag) -> Json;
    /// Whether it is what an unset tag means.
    fn is_default(&self, tag: &StandardTag) -> bool;
    /// Whether the model's value means unset (an empty string).
    fn is_blank(&self) -> bool {
        false
    }
}

/// An enumeration's readable names, in Tencent's order.
fn names(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| tags::readable(v)).collect()
}

fn quoted(list: &[String]) -> String {
    list.iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl ProfileValue for String {
    fn check(name: &str, v: &str, d: &mut Diagnostics) {
        let summary = format!("Invalid {name}");
        match standard(name).kind {
            Kind::Text { max_bytes } => {
                for p in super::validate::text_problems(name, v, max_bytes) {
                    d.attr_error(name, &summary, p);
                }
            }
            Kind::Enum { values, .. } => {
                let allowed = names(values);
                if !allowed.iter().any(|n| n == v) {
                    d.attr_error(
                        name,
                        summary,
                        format!(
                            "`{name}` must be one of {}; got {}.",
                            quoted(&allowed),
                            super::words::q(v)
                        ),
                    );
                }
            }
            Kind::Uint => {}
        }
    }

    fn from_api(tag: &StandardTag, v: &Json) -> Option<String> {
        let s = tags::read_text(v)?;
        Some(match tag.kind {
            Kind::Enum { values, .. } if values.contains(&s.as_str()) => tags::readable(&s),
            // A value this provider does not know is shown as Tencent sent it.
            _ => s,
        })
    }

    fn to_api(&self, tag: &StandardTag) -> Json {
        match tag.kind {
            Kind::Enum { values, .. } => Json::String(
                values
                    .iter()
                    .find(|v| tags::readable(v) == *self)
                    .map_or(self.clone(), |v| v.to_string()),
            ),
            _ => Json::String(self.clone()),
        }
    }

    fn is_default(&self, tag: &StandardTag) -> bool {
        matches!(tag.kind, Kind::Enum { default, .. } if tags::readable(default) == *self)
    }

    fn is_blank(&self) -> bool {
        self.is_empty()
    }
}

impl ProfileValue for i64 {
    fn check(name: &str, v: &i64, d: &mut Diagnostics) {
        if !(0..=MAX_UINT).contains(v) {
            d.attr_error(
                name,
                format!("Invalid {name}"),
                format!("`{name}` must be a whole number from 0 to {MAX_UINT}; got {v}."),
            );
        }
    }

    fn from_api(_: &StandardTag, v: &Json) -> Option<i64> {
        tags::read_uint(v)
    }

    fn to_api(&self, _: &StandardTag) -> Json {
        Json::from(*self)
    }

    fn is_default(&self, _: &StandardTag) -> bool {
        *self == 0
    }
}

/// The description of field `name` on an attribute of kind `kind`.
pub(crate) fn description(name: &str, kind: &str) -> String {
    let about = ROWS
        .iter()
        .find(|(n, _)| *n == name)
        .map_or("", |(_, a)| *a);
    let tag = standard(name);
    let (rule, cleared) = match tag.kind {
        Kind::Text { max_bytes } => (
            format!("Non-empty, at most {max_bytes} bytes."),
            "clears it".to_string(),
        ),
        Kind::Enum { values, default } => (
            format!(
                "One of {} (Tencent's {}).",
                quoted(&names(values)),
                values
                    .iter()
                    .map(|v| format!("`{v}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            format!("sets Tencent's default, `{}`", tags::readable(default)),
        ),
        Kind::Uint => (
            format!("A whole number from 0 to {MAX_UINT}."),
            "sets 0, Tencent's default".to_string(),
        ),
    };
    let also = match tag.create_field {
        Some(f) => format!(" Sent with create_robot (`{f}`)."),
        None => " Set with portrait_set after create_robot.".to_string(),
    };
    if kind == "computed" {
        let unset = match tag.kind {
            Kind::Text { .. } => "",
            _ => " (or set to Tencent's default)",
        };
        format!("{about} (`{}`), or null when unset{unset}.", tag.tag)
    } else {
        format!(
            "{about} (`{}`). {rule}{also} Removing it {cleared}.",
            tag.tag
        )
    }
}

/// The description of `custom_fields` on an attribute of kind `kind`.
pub(crate) fn custom_description(kind: &str) -> String {
    if kind == "computed" {
        format!(
            "The app's custom profile fields that are set (`{CUSTOM_PREFIX}<name>`), by name: \
             those named in the provider's `custom_fields`."
        )
    } else {
        format!(
            "Custom profile fields (`{CUSTOM_PREFIX}<name>`), from the name (letters, digits \
             and underscores, at most {MAX_CUSTOM_NAME_BYTES}) to a non-empty string of at \
             most {MAX_PROFILE_BYTES} bytes. Each must be defined in the app (Chat console) \
             first and named in the provider's `custom_fields`. Only the names given here \
             are managed; removing one clears it."
        )
    }
}

/// The rules on a `custom_fields` map: each name's, each value's.
pub(crate) fn check_custom_fields(name: &str, m: &BTreeMap<String, String>, d: &mut Diagnostics) {
    for (key, v) in m {
        if let Some(why) = tags::custom_name_problem(key) {
            d.attr_error(
                name,
                format!("Invalid {name}"),
                format!("In `{name}`: {why}."),
            );
        }
        for p in super::validate::text_problems(&format!("{name}[{key:?}]"), v, MAX_PROFILE_BYTES) {
            d.attr_error(name, format!("Invalid {name}"), p);
        }
    }
}

/// The TagList of every read: every standard tag and the custom fields `custom`.
pub(crate) fn tag_list(custom: &[String]) -> Vec<String> {
    tags::STANDARD_TAGS
        .iter()
        .map(|t| t.tag.to_string())
        .chain(custom.iter().map(|n| tags::custom_tag(n)))
        .collect()
}

impl Profile {
    pub(crate) fn from_items(items: &[ProfileItem]) -> Profile {
        let mut p = Profile::default();
        p.apply(items);
        p
    }

    /// Applies items as portrait_set would: an unset value clears the field.
    pub(crate) fn apply(&mut self, items: &[ProfileItem]) {
        for item in items {
            if let Some(tag) = tags::standard(&item.tag) {
                self.set_from_api(tag, &item.value);
            } else if let Some(name) = tags::custom_name(&item.tag) {
                match tags::read_text(&item.value).filter(|s| !s.is_empty()) {
                    Some(v) => self.custom.insert(name.to_string(), v),
                    None => self.custom.remove(name),
                };
            }
        }
    }

    /// The portrait_set items that turn `prior` into `self`: changed fields only,
    /// a removed field as its cleared value (`""`, the default, 0).
    pub(crate) fn items_from(&self, prior: &Profile) -> Vec<ProfileItem> {
        let mut out = Vec::new();
        self.standard_items(prior, &mut out);
        let names: BTreeSet<&String> = prior.custom.keys().chain(self.custom.keys()).collect();
        for name in names {
            let (was, now) = (prior.custom.get(name), self.custom.get(name));
            if was != now {
                out.push(ProfileItem {
                    tag: tags::custom_tag(name),
                    value: Json::String(now.cloned().unwrap_or_default()),
                });
            }
        }
        out
    }

    /// This profile with only the custom fields named in `names`.
    pub(crate) fn with_custom_of(mut self, names: &BTreeSet<String>) -> Profile {
        self.custom.retain(|k, _| names.contains(k));
        self
    }

    /// The attribute names of `items`' fields, for messages: "gender, level and
    /// custom_fields[\"model\"]".
    pub(crate) fn item_names(items: &[ProfileItem]) -> String {
        let names: Vec<String> = items
            .iter()
            .map(
                |i| match (tags::standard(&i.tag), tags::custom_name(&i.tag)) {
                    (Some(t), _) => t.name.to_string(),
                    (None, Some(n)) => format!("custom_fields[{n:?}]"),
                    _ => i.tag.clone(),
                },
            )
            .collect();
        match names.as_slice() {
            [] => String::new(),
            [one] => one.clone(),
            [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
        }
    }
}

/// The standard attribute names, for messages: "nick, face_url, … and role".
pub(crate) fn attr_list() -> String {
    let names: Vec<&str> = ROWS.iter().map(|(n, _)| *n).collect();
    let (last, rest) = names.split_last().expect("the table has rows");
    format!("{}, {last} and custom_fields", rest.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::wire;
    use serde_json::json;

    #[test]
    fn every_row_is_a_chat_tag_in_the_same_order() {
        let rows: Vec<&str> = ROWS.iter().map(|(n, _)| *n).collect();
        let chat: Vec<&str> = tags::STANDARD_TAGS.iter().map(|t| t.name).collect();
        assert_eq!(rows, chat);
        for (name, _) in ROWS {
            let d = description(name, "optional");
            assert!(d.contains(standard(name).tag), "{d}");
            assert!(description(name, "computed").contains("null when unset"));
        }
        assert!(description("allow_type", "optional").contains("`need_confirm`, `allow_any`"));
        assert!(description("level", "optional").contains("4294967295"));
        assert!(attr_list().starts_with("nick, face_url, self_signature, gender"));
    }

    fn item(tag: &str, v: Json) -> ProfileItem {
        ProfileItem {
            tag: tag.into(),
            value: v,
        }
    }

    #[test]
    fn api_items_read_as_readable_values_and_unset_as_none() {
        let p = Profile::from_items(&[
            item(wire::TAG_NICK, json!("")),
            item(wire::TAG_IMAGE, json!("https://x")),
            item(wire::TAG_GENDER, json!("Gender_Type_Unknown")),
            item(wire::TAG_ALLOW_TYPE, json!("AllowType_Type_DenyAny")),
            item(
                wire::TAG_ADMIN_FORBID_TYPE,
                json!("AdminForbid_Type_Future"),
            ),
            item(wire::TAG_LEVEL, json!(0)),
            item(wire::TAG_ROLE, json!("7")),
            item(wire::TAG_BIRTHDAY, json!(19900101)),
            item("Tag_Profile_Custom_model", json!("gpt")),
            item("Tag_Profile_Custom_empty", json!("")),
            item("Tag_Profile_IM_Unknown", json!("x")),
        ]);
        assert_eq!(
            p,
            Profile {
                face_url: Some("https://x".into()),
                allow_type: Some("deny_any".into()),
                admin_forbid_type: Some("AdminForbid_Type_Future".into()),
                role: Some(7),
                birthday: Some(19900101),
                custom: [("model".to_string(), "gpt".to_string())].into(),
                ..Profile::default()
            }
        );
        assert_eq!(
            p.set_names(),
            [
                "face_url",
                "birthday",
                "allow_type",
                "admin_forbid_type",
                "role"
            ]
        );
    }

    #[test]
    fn items_send_changes_with_tencent_values_and_clear_removed_fields() {
        let prior = Profile {
            nick: Some("a".into()),
            gender: Some("male".into()),
            level: Some(3),
            custom: [("model".into(), "x".into()), ("team".into(), "t".into())].into(),
            ..Profile::default()
        };
        assert!(prior.items_from(&prior).is_empty());
        let next = Profile {
            nick: Some("a".into()),
            allow_type: Some("allow_any".into()),
            custom: [("model".into(), "y".into())].into(),
            ..Profile::default()
        };
        let items = next.items_from(&prior);
        let got: Vec<_> = items
            .iter()
            .map(|i| (i.tag.as_str(), i.value.clone()))
            .collect();
        assert_eq!(
            got,
            [
                (wire::TAG_GENDER, json!("Gender_Type_Unknown")),
                (wire::TAG_ALLOW_TYPE, json!("AllowType_Type_AllowAny")),
                (wire::TAG_LEVEL, json!(0)),
                ("Tag_Profile_Custom_model", json!("y")),
                ("Tag_Profile_Custom_team", json!("")),
            ]
        );
        assert_eq!(
            Profile::item_names(&items),
            "gender, allow_type, level, custom_fields[\"model\"] and custom_fields[\"team\"]"
        );
        let mut p = prior.clone();
        p.apply(&items);
        assert_eq!(p, next);
    }

    #[test]
    fn a_configured_default_is_kept_while_the_api_reports_unset() {
        let prior = Profile {
            allow_type: Some("need_confirm".into()),
            level: Some(0),
            gender: Some("male".into()),
            ..Profile::default()
        };
        let mut read = Profile::from_items(&[
            item(wire::TAG_ALLOW_TYPE, json!("AllowType_Type_NeedConfirm")),
            item(wire::TAG_LEVEL, json!(0)),
            item(wire::TAG_GENDER, json!("Gender_Type_Unknown")),
        ]);
        read.keep_defaults_of(&prior);
        assert_eq!(read.allow_type.as_deref(), Some("need_confirm"));
        assert_eq!(read.level, Some(0));
        assert_eq!(read.gender, None, "a real change is drift");
    }

    #[test]
    fn rules_name_the_attribute_and_what_is_allowed() {
        let msgs = |f: &dyn Fn(&mut Diagnostics)| {
            let mut d = Diagnostics::new();
            f(&mut d);
            d.0.into_iter().map(|x| x.detail).collect::<Vec<_>>()
        };
        assert_eq!(
            msgs(&|d| String::check("allow_type", "AllowAny", d)),
            ["`allow_type` must be one of `need_confirm`, `allow_any`, `deny_any`; got \"AllowAny\"."]
        );
        assert!(msgs(&|d| String::check("gender", "female", d)).is_empty());
        assert_eq!(
            msgs(&|d| String::check("location", &"x".repeat(17), d)).len(),
            1
        );
        assert_eq!(msgs(&|d| String::check("nick", "", d)).len(), 1);
        assert_eq!(
            msgs(&|d| i64::check("level", &-1, d)),
            ["`level` must be a whole number from 0 to 4294967295; got -1."]
        );
        assert!(msgs(&|d| i64::check("role", &MAX_UINT, d)).is_empty());
        let m: BTreeMap<String, String> =
            [("bad-name".into(), "v".into()), ("ok".into(), "".into())].into();
        assert_eq!(
            msgs(&|d| check_custom_fields("custom_fields", &m, d)).len(),
            2
        );
        assert_eq!(tag_list(&["model".into()]).len(), 13);
    }
}
