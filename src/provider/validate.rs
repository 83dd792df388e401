//! Field rules shared by the robot resource, its import, and the data source.
//!
//! Each check returns every problem it finds as its own sentence, so the caller
//! can turn each one into a diagnostic on the attribute it belongs to.

use crate::chat::wire::{MAX_USER_ID_BYTES, ROBOT_PREFIX};
use crate::tfproto::Diagnostics;

/// True for bytes 0x20..=0x7e.
pub(crate) fn is_printable_ascii(s: &str) -> bool {
    s.bytes().all(|b| (0x20..=0x7e).contains(&b))
}

/// Problems with a chatbot UserID; empty when it is valid.
pub(crate) fn user_id_problems(id: &str) -> Vec<String> {
    let mut out = Vec::new();
    if !id.starts_with(ROBOT_PREFIX) {
        out.push(format!(
            "A chatbot UserID must start with \"{ROBOT_PREFIX}\" (got {id:?})."
        ));
    } else if id.len() == ROBOT_PREFIX.len() {
        out.push(format!(
            "A chatbot UserID needs at least one character after \"{ROBOT_PREFIX}\"."
        ));
    }
    if id.len() > MAX_USER_ID_BYTES {
        out.push(format!(
            "A chatbot UserID is at most {MAX_USER_ID_BYTES} bytes long; this one has {}.",
            id.len()
        ));
    }
    if !is_printable_ascii(id) {
        out.push(
            "A chatbot UserID may only contain printable ASCII characters \
             (space through tilde, 0x20-0x7e)."
                .to_string(),
        );
    }
    out
}

/// A chatbot UserID attribute's rule, as a typed validator.
pub(crate) fn check_user_id(name: &str, v: &str, d: &mut Diagnostics) {
    for p in user_id_problems(v) {
        d.attr_error(name, format!("Invalid chatbot {name}"), p);
    }
}

/// Problems with a profile string of at most `max` bytes when set.
pub(crate) fn text_problems(attr: &str, value: &str, max: usize) -> Vec<String> {
    let mut out = Vec::new();
    if value.is_empty() {
        out.push(format!(
            "`{attr}` must not be empty; leave it out (or set it to null) to have none."
        ));
    }
    if value.len() > max {
        out.push(format!(
            "`{attr}` is at most {max} bytes (UTF-8); this value has {}.",
            value.len()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_user_ids() {
        assert!(user_id_problems("@RBT#001").is_empty());
        assert!(user_id_problems("@RBT#a b~").is_empty());
        // Exactly 32 bytes.
        let id = format!("@RBT#{}", "x".repeat(27));
        assert_eq!(id.len(), 32);
        assert!(user_id_problems(&id).is_empty());
    }

    #[test]
    fn invalid_user_ids_name_each_rule() {
        let p = user_id_problems("bot1");
        assert_eq!(p.len(), 1);
        assert!(p[0].contains("must start with"));

        let p = user_id_problems("@RBT#");
        assert_eq!(p.len(), 1);
        assert!(p[0].contains("at least one character"));

        let p = user_id_problems(&format!("@RBT#{}", "x".repeat(28)));
        assert_eq!(p.len(), 1);
        assert!(p[0].contains("33"));

        let p = user_id_problems("@RBT#caf\u{e9}");
        assert_eq!(p.len(), 1);
        assert!(p[0].contains("printable ASCII"));

        let p = user_id_problems("@RBT#tab\there");
        assert_eq!(p.len(), 1);

        // Several rules broken at once: several problems.
        let p = user_id_problems(&format!("x\u{7f}{}", "y".repeat(40)));
        assert_eq!(p.len(), 3);
    }

    #[test]
    fn profile_rules() {
        assert!(text_problems("nick", "Jarvis", 500).is_empty());
        assert!(text_problems("nick", &"a".repeat(500), 500).is_empty());
        assert_eq!(text_problems("nick", "", 500).len(), 1);
        let p = text_problems("self_signature", &"\u{4f60}".repeat(167), 500);
        assert_eq!(p.len(), 1, "501 bytes in 167 characters is too long");
        assert!(p[0].contains("self_signature") && p[0].contains("501"));
    }
}
