//! How values appear in messages: quoted as a user writes them in HCL, so a
//! trailing space or an odd character is visible, and ready to paste.

/// `"@RBT#zh "`: a value in double quotes, with `"` and `\` escaped (and any
/// control or non-ASCII character escaped the way Rust and HCL both read it).
pub(crate) fn q(s: &str) -> String {
    format!("{s:?}")
}

/// An HCL string literal for `s`: quoted, with template sequences (`${`, `%{`)
/// escaped so Terraform takes them literally.
pub(crate) fn hcl_string(s: &str) -> String {
    q(s).replace("${", "$${").replace("%{", "%%{")
}

/// `s` as one POSIX shell word, in single quotes.
pub(crate) fn shell_word(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The lines that adopt an existing chatbot into this resource: an `import`
/// block (Terraform 1.5+) and the `terraform import` command.
pub(crate) fn import_advice(type_name: &str, id: &str) -> String {
    let to = format!("{type_name}.NAME");
    format!(
        "To manage the existing chatbot with this resource, import it (NAME is this \
         resource's name, as in the address shown above):\n\n  import {{\n    to = {to}\n    \
         id = {}\n  }}\n\nor run: terraform import {} {}",
        hcl_string(id),
        shell_word(&to),
        shell_word(id)
    )
}

/// Why a chatbot's profile is missing: portrait_get's per-account answer.
pub(crate) fn unreadable_detail(code: i64, info: &str) -> String {
    format!(
        "Its profile could not be read (ResultCode {code}: {}).",
        q(info)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_shows_what_the_user_wrote() {
        assert_eq!(q("@RBT#zh "), "\"@RBT#zh \"");
        assert_eq!(q("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(hcl_string("@RBT#${x}%{y}"), r#""@RBT#$${x}%%{y}""#);
        assert_eq!(shell_word("@RBT#it's"), r"'@RBT#it'\''s'");
    }

    #[test]
    fn import_advice_has_a_block_and_a_command() {
        let a = import_advice("tencentchat_robot", "@RBT#a b");
        assert!(a.contains("import {\n    to = tencentchat_robot.NAME\n    id = \"@RBT#a b\"\n  }"));
        assert!(a.contains("terraform import 'tencentchat_robot.NAME' '@RBT#a b'"));
    }
}
