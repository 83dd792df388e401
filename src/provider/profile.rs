//! The three profile strings this provider manages, listed once: the attribute
//! (of `tencentchat_robot` and of each chatbot `tencentchat_robots` lists), the
//! Chat profile tag, the accessor on [`Profile`], and the words describing it.

use super::robot::robot_attr;
use super::snapshot::Profile;
use crate::chat::wire::{self, MAX_PROFILE_BYTES};

pub(crate) struct ProfileField {
    pub attr: &'static str,
    pub tag: &'static str,
    /// What it is, as a resource's description says it.
    about: &'static str,
    /// What a listing says it is.
    short: &'static str,
    /// What removing it clears.
    cleared: &'static str,
    pub get: fn(&Profile) -> &Option<String>,
    pub get_mut: fn(&mut Profile) -> &mut Option<String>,
}

/// One row: the field (attribute and `Profile` field of the same name), its
/// tag, and its words (about, short, cleared).
macro_rules! field {
    ($f:ident, $tag:expr, [$about:literal, $short:literal, $cleared:literal]) => {
        ProfileField {
            attr: robot_attr::$f,
            tag: $tag,
            about: $about,
            short: $short,
            cleared: $cleared,
            get: |p| &p.$f,
            get_mut: |p| &mut p.$f,
        }
    };
}

/// In schema order.
pub(crate) static PROFILE_FIELDS: [ProfileField; 3] = [
    field!(
        nick,
        wire::TAG_NICK,
        ["The chatbot's nickname", "Nickname", "the nickname"]
    ),
    field!(
        face_url,
        wire::TAG_IMAGE,
        [
            "URL of the chatbot's profile photo",
            "Profile photo URL",
            "the photo"
        ]
    ),
    field!(
        self_signature,
        wire::TAG_SELF_SIGNATURE,
        [
            "The chatbot's signature, a short self-description",
            "Signature",
            "the signature"
        ]
    ),
];

/// The field with Chat profile tag `tag`.
pub(crate) fn by_tag(tag: &str) -> Option<&'static ProfileField> {
    PROFILE_FIELDS.iter().find(|f| f.tag == tag)
}

/// The field named `attr`.
pub(crate) fn by_attr(attr: &str) -> &'static ProfileField {
    PROFILE_FIELDS
        .iter()
        .find(|f| f.attr == attr)
        .unwrap_or(&PROFILE_FIELDS[0])
}

impl ProfileField {
    /// The resource attribute's description, with the rule `validate` enforces.
    pub(super) fn description(&self) -> String {
        format!(
            "{} (`{}`). Non-empty, at most {MAX_PROFILE_BYTES} bytes. Removing it clears {}.",
            self.about, self.tag, self.cleared
        )
    }

    /// The description of the field in a listing.
    pub(super) fn listed_description(&self) -> String {
        format!("{}, or null when unset.", self.short)
    }
}

/// The attribute names, for messages: "nick, face_url and self_signature".
pub(crate) fn attr_list() -> String {
    let [a, b, c] = [0, 1, 2].map(|i| PROFILE_FIELDS[i].attr);
    format!("{a}, {b} and {c}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::robots::ListedRobot;
    use crate::tfproto::Model;

    #[test]
    fn the_table_is_what_the_resource_the_listing_and_the_api_use() {
        let listed: Vec<_> = ListedRobot::attributes()
            .into_iter()
            .map(|a| a.name)
            .collect();
        let attrs: Vec<_> = PROFILE_FIELDS.iter().map(|f| f.attr).collect();
        assert_eq!(listed[1..], attrs);
        let tags: Vec<_> = PROFILE_FIELDS.iter().map(|f| f.tag).collect();
        assert_eq!(tags, wire::PROFILE_TAGS);
        assert_eq!(attr_list(), "nick, face_url and self_signature");
        for f in &PROFILE_FIELDS {
            assert!(std::ptr::eq(by_tag(f.tag).unwrap(), f));
            assert!(std::ptr::eq(by_attr(f.attr), f));
            let mut p = Profile::default();
            *(f.get_mut)(&mut p) = Some("x".into());
            assert_eq!((f.get)(&p).as_deref(), Some("x"));
            assert!(f.description().contains(&MAX_PROFILE_BYTES.to_string()));
        }
    }
}
