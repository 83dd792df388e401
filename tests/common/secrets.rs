//! The secret scan for everything Terraform leaves behind.

/// Asserts that none of `secrets` (secret keys, UserSigs) occurs in `haystack`,
/// reporting a leak by the secret's position and length, never its text.
pub fn assert_no_secret(what: &str, haystack: impl AsRef<[u8]>, secrets: &[String]) {
    let text = String::from_utf8_lossy(haystack.as_ref());
    for (i, s) in secrets.iter().enumerate() {
        assert!(
            !text.contains(s.as_str()),
            "secret #{i} ({} chars) leaked into {what}",
            s.len()
        );
    }
}
