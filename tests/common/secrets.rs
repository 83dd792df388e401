//! The secret scan for everything Terraform or the client leaves behind.

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

/// Asserts that no `usersig=` query parameter with a UserSig in it (every UserSig
/// starts `eJ`, base64 of zlib) occurs in `haystack`, whichever UserSig it is:
/// catches a request URL printed whole, even one signed with a UserSig the
/// caller never collected. Reports the position, never the text.
pub fn assert_no_usersig_param(what: &str, haystack: impl AsRef<[u8]>) {
    let text = String::from_utf8_lossy(haystack.as_ref());
    if let Some(at) = text.find("usersig=eJ") {
        panic!("a usersig query parameter leaked into {what} at byte {at}");
    }
}
