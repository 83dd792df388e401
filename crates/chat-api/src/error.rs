//! One error type for the Chat layer.
//!
//! Every failure is classified once, here, into an [`ErrorKind`] (which decides
//! retries and how the provider reports it) and rendered into ONE sentence that
//! names the endpoint, the ErrorCode and what the user should check.
//!
//! Invariant: no text built here contains the secret key, a UserSig or a request
//! URL; anything that came from outside (ErrorInfo, transport errors) goes
//! through [`redact`] with the caller's secrets first.

/// What kind of failure, which decides retries and how the provider reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Worth retrying: 10002, 40006, 60007, 60008, 60011, 60018, 60019, HTTP 5xx, timeouts, broken connections.
    Transient,
    /// Authentication or configuration: 60004–60006, 60010, 60016, 70001–70020 and the like.
    Auth,
    /// Invalid input: 10004, 40001, 40009, 40601, 40605, 40610.
    InvalidInput,
    /// 10008 from create_robot when the app already has 20 chatbots.
    LimitReached,
    /// 70107: the account does not exist.
    NotFound,
    /// The service could not be reached and retrying cannot help: the host name
    /// does not exist (the resolver said so), or the TLS handshake failed on the
    /// certificate, the name or the version. Not a credentials problem.
    Unreachable,
    /// The call was abandoned because the provider was asked to stop.
    Stopped,
    Other,
}

/// A failed call: kind, endpoint, the API's ErrorCode and ErrorInfo (if it answered).
/// Its Display is one sentence a Terraform user can act on; it never contains a
/// secret key or UserSig.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ChatError {
    pub kind: ErrorKind,
    /// Short endpoint name, e.g. `create_robot`.
    pub endpoint: String,
    pub code: Option<i64>,
    pub info: String,
    message: String,
}

impl ChatError {
    /// An error with a sentence of the caller's own (e.g. for tests of code that
    /// handles `ChatError`s). The message must already be free of secrets.
    pub fn new(
        kind: ErrorKind,
        endpoint: impl Into<String>,
        code: Option<i64>,
        info: impl Into<String>,
        message: impl Into<String>,
    ) -> ChatError {
        ChatError {
            kind,
            endpoint: endpoint.into(),
            code,
            info: info.into(),
            message: message.into(),
        }
    }

    /// The sentence (same as Display).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Transient errors leave the outcome of a non-read call unknown: the API may
    /// have done the work before the answer was lost.
    pub fn is_transient(&self) -> bool {
        self.kind == ErrorKind::Transient
    }
}

/// The kind of an API ErrorCode, independent of the endpoint. (10008 from
/// create_robot needs a look at the robot count first; the client does that.)
pub fn classify(code: i64) -> ErrorKind {
    match code {
        10002 | 40006 | 60007 | 60008 | 60011 | 60018 | 60019 => ErrorKind::Transient,
        60004..=60006 | 60010 | 60016 | 60020 | 60021 | 10008 => ErrorKind::Auth,
        // 70001–70099 are all UserSig/account-signature failures (70050 included).
        70001..=70099 => ErrorKind::Auth,
        10004 | 40001 | 40009 | 40601 | 40605 | 40610 => ErrorKind::InvalidInput,
        70107 | 40003 => ErrorKind::NotFound,
        _ => ErrorKind::Other,
    }
}

/// Whether an HTTP status (outside 200) is worth retrying.
pub(crate) fn http_status_is_transient(status: u16) -> bool {
    status >= 500 || status == 429 || status == 408
}

/// What the message builders need to know about the client (no secrets).
#[derive(Clone, Debug)]
pub(crate) struct Context {
    pub sdkappid: u64,
    pub identifier: String,
    /// `region "china" (https://console.tim.qq.com)` or `endpoint http://127.0.0.1:8080`.
    pub target: String,
    /// Whether a pre-issued UserSig is used (no secret key).
    pub preissued: bool,
}

impl Context {
    fn credential_setting(&self) -> &'static str {
        if self.preissued {
            "usersig (TENCENTCHAT_USERSIG)"
        } else {
            "secret_key (TENCENTCHAT_SECRET_KEY)"
        }
    }
}

const MAX_INFO_CHARS: usize = 200;

/// Replaces every occurrence of each secret with `<redacted>`, removes the value
/// of any `usersig=` query parameter, drops control characters and truncates.
pub(crate) fn redact(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_string();
    // Every secret, however short: a short one makes the text harder to read,
    // never leaks.
    for s in secrets.iter().filter(|s| !s.is_empty()) {
        out = out.replace(s, "<redacted>");
    }
    let out = strip_usersig_params(&out);
    let mut clean: String = out
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_string();
    if clean.chars().count() > MAX_INFO_CHARS {
        clean = clean.chars().take(MAX_INFO_CHARS).collect();
        clean.push('…');
    }
    clean
}

fn strip_usersig_params(text: &str) -> String {
    const KEY: &str = "usersig=";
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while let Some(pos) = lower[i..].find(KEY) {
        let start = i + pos + KEY.len();
        out.push_str(&text[i..start]);
        out.push_str("<redacted>");
        let rest = &text[start..];
        let end = rest
            .find(|c: char| c == '&' || c == ')' || c == '"' || c == '\'' || c.is_whitespace())
            .unwrap_or(rest.len());
        i = start + end;
    }
    out.push_str(&text[i..]);
    out
}

pub(crate) fn code_part(code: i64, info: &str) -> String {
    if info.is_empty() {
        format!("ErrorCode {code}")
    } else {
        format!("ErrorCode {code} (\"{info}\")")
    }
}

/// An API answer with a non-zero ErrorCode. `info` must already be redacted.
/// `attempts` counts every HTTP request made for this call.
pub(crate) fn api_error(
    ctx: &Context,
    endpoint: &str,
    code: i64,
    info: &str,
    attempts: u32,
    expired_at: Option<u64>,
) -> ChatError {
    let kind = classify(code);
    let what = code_part(code, info);
    let cred = ctx.credential_setting();
    let app = ctx.sdkappid;
    let id = &ctx.identifier;
    let preissued = ctx
        .preissued
        .then(|| preissued_usersig_advice(code, app, id, expired_at))
        .flatten();
    let advice = match code {
        _ if preissued.is_some() => preissued.unwrap_or_default(),
        70001 => "the UserSig the provider had just generated was reported as expired, so check that this machine's clock is correct".to_string(),
        70002..=70012 => format!(
            "the UserSig was rejected: check that secret_key (TENCENTCHAT_SECRET_KEY) belongs to sdkappid {app} and was copied whole from the Chat console"
        ),
        70013 => format!(
            "the UserSig was made for another identifier: check that identifier (TENCENTCHAT_IDENTIFIER) \"{id}\" matches the account {cred} was issued for"
        ),
        70014 => format!(
            "the UserSig was made for another app: check that sdkappid (TENCENTCHAT_SDKAPPID) {app} matches {cred}"
        ),
        70016 | 70020 => format!(
            "sdkappid {app} is not known to the data center at {}: check that region (TENCENTCHAT_REGION) or endpoint (TENCENTCHAT_ENDPOINT) is the region the app was created in",
            ctx.target
        ),
        70050 => format!(
            "too many UserSig checks failed, so the API refuses signatures for a while: wait a minute, then check {cred} for sdkappid {app}"
        ),
        70015..=70099 => format!(
            "the UserSig was rejected: check sdkappid (TENCENTCHAT_SDKAPPID) {app}, identifier (TENCENTCHAT_IDENTIFIER) \"{id}\" and {cred}"
        ),
        60004 | 60005 => format!(
            "the account or signature in the request is invalid: check identifier (TENCENTCHAT_IDENTIFIER) \"{id}\" and {cred} for sdkappid {app}"
        ),
        // An app unknown to this data center looks the same as a mistyped SDKAppID.
        60006 => format!(
            "sdkappid {app} is not known at {}: check sdkappid (TENCENTCHAT_SDKAPPID) against the Chat console, and that region (TENCENTCHAT_REGION) or endpoint (TENCENTCHAT_ENDPOINT) is the region the app was created in",
            ctx.target
        ),
        60016 => format!("the app sdkappid {app} is disabled: enable it in the Chat console"),
        60010 | 10008 => not_admin_advice(ctx),
        60020 => format!(
            "the paid plan of sdkappid {app} has expired: renew it in the Tencent Cloud console"
        ),
        60021 => "this machine's IP address is not allowed to call the API: add it to the app's IP allowlist in the Chat console".to_string(),
        60002 | 60003 => "the API could not parse the request, which is a provider bug: please report it".to_string(),
        10004 if endpoint == "delete_robot" => {
            "the API rejected the UserID as invalid: it may not be an active chatbot (already deleted or never created)".to_string()
        }
        10004 => "the API rejected a parameter as invalid: check user_id (it must start with \"@RBT#\" and be at most 32 bytes of printable ASCII) and the profile fields".to_string(),
        40001 => "the API could not decode the profile values: check the profile fields for unusual characters".to_string(),
        40601 => "a profile field is longer than the API allows: at most 500 bytes each (Location 16)".to_string(),
        40009 => "a profile tag does not exist in this app: a custom field (Tag_Profile_Custom_<name>) must be defined in the Chat console first".to_string(),
        40605 => "the API does not accept a standard profile field's value".to_string(),
        40610 => "a profile field's value has the wrong type (custom fields take strings only)".to_string(),
        40008 => "the admin may not write a profile field: check the custom field's write permission in the Chat console".to_string(),
        40003 => "the account does not exist: it was never created or has been removed outside Terraform".to_string(),
        70107 => "the account does not exist: it was never created or has been removed outside Terraform".to_string(),
        70398 => format!(
            "sdkappid {app} has reached the account quota of its plan (100 accounts on the free plan): delete unused accounts or upgrade the plan in the Chat console"
        ),
        _ if kind == ErrorKind::Transient => format!(
            "the Chat API is busy or temporarily failing and {attempts} attempt(s) did not succeed: try again later, or allow more retries with max_retries (TENCENTCHAT_MAX_RETRIES)"
        ),
        _ => "see the Tencent Cloud Chat error code list for what this code means".to_string(),
    };
    ChatError {
        kind,
        endpoint: endpoint.to_string(),
        code: Some(code),
        info: info.to_string(),
        message: format!("{endpoint} failed with {what}: {advice}"),
    }
}

/// What to do when a pre-issued UserSig (`usersig`) meets ErrorCode `code`, for
/// the codes that say something about the UserSig itself: the words the API's
/// refusal gets, and the provider's own check before any call. `expired_at`:
/// when it expired (70001), if known.
pub fn preissued_usersig_advice(
    code: i64,
    sdkappid: u64,
    identifier: &str,
    expired_at: Option<u64>,
) -> Option<String> {
    let (app, id) = (sdkappid, identifier);
    Some(match code {
        70001 => {
            let when = expired_at
                .map(|t| format!(" at {}", crate::time::rfc3339_seconds(t)))
                .unwrap_or_default();
            format!(
                "the pre-issued UserSig in usersig (TENCENTCHAT_USERSIG) expired{when} and must be renewed: issue a new one for identifier \"{id}\" of sdkappid {app}, or configure secret_key (TENCENTCHAT_SECRET_KEY) so the provider signs requests itself"
            )
        }
        70003 => "the UserSig could not be parsed: check that usersig (TENCENTCHAT_USERSIG) was copied whole".to_string(),
        70002 | 70004..=70012 => format!(
            "the UserSig was rejected: check that usersig (TENCENTCHAT_USERSIG) was issued with the secret key of sdkappid {app} for identifier \"{id}\""
        ),
        70013 => format!(
            "the UserSig was made for another identifier: check that identifier (TENCENTCHAT_IDENTIFIER) \"{id}\" matches the account usersig (TENCENTCHAT_USERSIG) was issued for"
        ),
        70014 => format!(
            "the UserSig was made for another app: check that sdkappid (TENCENTCHAT_SDKAPPID) {app} matches usersig (TENCENTCHAT_USERSIG)"
        ),
        _ => return None,
    })
}

fn not_admin_advice(ctx: &Context) -> String {
    format!(
        "identifier \"{}\" must be an app admin of sdkappid {}: set identifier (TENCENTCHAT_IDENTIFIER) to an admin account (commonly \"administrator\")",
        ctx.identifier, ctx.sdkappid
    )
}

/// 10008 from create_robot after the client looked at the robot count.
/// `active` is None when that look-up failed too.
pub(crate) fn create_refused(
    ctx: &Context,
    endpoint: &str,
    info: &str,
    active: Option<usize>,
) -> ChatError {
    let what = code_part(10008, info);
    let limit = super::wire::MAX_ROBOTS_PER_APP;
    let (kind, advice) = match active {
        Some(n) if n >= limit => (
            ErrorKind::LimitReached,
            format!(
                "the app already has {n} chatbots and {limit} is the limit per app: delete a chatbot first or use another app (sdkappid {})",
                ctx.sdkappid
            ),
        ),
        Some(_) => (ErrorKind::Auth, not_admin_advice(ctx)),
        None => (
            ErrorKind::Auth,
            format!(
                "either identifier \"{}\" is not an app admin of sdkappid {} or the app already has {limit} chatbots: check identifier (TENCENTCHAT_IDENTIFIER) and the chatbot count",
                ctx.identifier, ctx.sdkappid
            ),
        ),
    };
    ChatError {
        kind,
        endpoint: endpoint.to_string(),
        code: Some(10008),
        info: info.to_string(),
        message: format!("{endpoint} failed with {what}: {advice}"),
    }
}

/// A non-200 HTTP answer.
pub(crate) fn http_status(ctx: &Context, endpoint: &str, status: u16, attempts: u32) -> ChatError {
    let (kind, advice) = if http_status_is_transient(status) {
        (
            ErrorKind::Transient,
            format!(
                "the API or a gateway in front of it is failing and {attempts} attempt(s) did not succeed: try again later, or allow more retries with max_retries (TENCENTCHAT_MAX_RETRIES)"
            ),
        )
    } else {
        (
            ErrorKind::Auth,
            "check that region (TENCENTCHAT_REGION) or endpoint (TENCENTCHAT_ENDPOINT) points at the Chat REST API".to_string(),
        )
    };
    ChatError {
        kind,
        endpoint: endpoint.to_string(),
        code: None,
        info: format!("HTTP {status}"),
        message: format!(
            "{endpoint} got HTTP status {status} from {}: {advice}",
            ctx.target
        ),
    }
}

/// No HTTP answer at all. `detail` must already be redacted.
pub(crate) fn transport(
    ctx: &Context,
    endpoint: &str,
    detail: &str,
    timeout: Option<std::time::Duration>,
    attempts: u32,
) -> ChatError {
    let message = match timeout {
        Some(t) => format!(
            "{endpoint} timed out after {}s waiting for {} ({attempts} attempt(s)): check network access to it, or raise request_timeout_seconds (TENCENTCHAT_REQUEST_TIMEOUT_SECONDS)",
            t.as_secs_f64(),
            ctx.target
        ),
        None => format!(
            "{endpoint} could not reach {} ({detail}; {attempts} attempt(s)): check network access and the region (TENCENTCHAT_REGION) or endpoint (TENCENTCHAT_ENDPOINT) setting",
            ctx.target
        ),
    };
    ChatError {
        kind: ErrorKind::Transient,
        endpoint: endpoint.to_string(),
        code: None,
        info: detail.to_string(),
        message,
    }
}

/// The resolver says a host name does not exist. `detail` must already be redacted.
pub(crate) fn no_such_host(
    ctx: &Context,
    endpoint: &str,
    detail: &str,
    attempts: u32,
) -> ChatError {
    unreachable(
        endpoint,
        detail,
        format!(
            "{endpoint} could not reach {} because the host name does not exist ({detail}; {attempts} attempt(s), not retried): check the region (TENCENTCHAT_REGION) or endpoint (TENCENTCHAT_ENDPOINT) setting and this machine's DNS",
            ctx.target
        ),
    )
}

/// The TLS handshake failed for a reason no retry mends. `detail` must be redacted.
pub(crate) fn tls_refused(ctx: &Context, endpoint: &str, detail: &str, attempts: u32) -> ChatError {
    unreachable(
        endpoint,
        detail,
        format!(
            "{endpoint} could not set up a secure connection to {}: the server's certificate is not trusted or does not match its name, or the TLS versions differ ({detail}; {attempts} attempt(s), not retried): if a company proxy inspects TLS, add its CA to the system's certificate store or point SSL_CERT_FILE at it",
            ctx.target
        ),
    )
}

fn unreachable(endpoint: &str, detail: &str, message: String) -> ChatError {
    ChatError {
        kind: ErrorKind::Unreachable,
        endpoint: endpoint.to_string(),
        code: None,
        info: detail.to_string(),
        message,
    }
}

/// An HTTP 200 whose body is not a Chat API answer. `detail` must be redacted.
pub(crate) fn bad_response(ctx: &Context, endpoint: &str, detail: &str) -> ChatError {
    ChatError {
        kind: ErrorKind::Other,
        endpoint: endpoint.to_string(),
        code: None,
        info: detail.to_string(),
        message: format!(
            "{endpoint} got an answer from {} that is not a Chat API response ({detail}): check that region (TENCENTCHAT_REGION) or endpoint (TENCENTCHAT_ENDPOINT) points at the Chat REST API",
            ctx.target
        ),
    }
}

/// The provider was asked to stop while this call waited or retried.
pub(crate) fn stopped(endpoint: &str) -> ChatError {
    ChatError {
        kind: ErrorKind::Stopped,
        endpoint: endpoint.to_string(),
        code: None,
        info: String::new(),
        message: format!(
            "{endpoint} was abandoned because Terraform asked the provider to stop: run the command again"
        ),
    }
}

/// A client setting that cannot work (checked before any call).
pub(crate) fn config(message: String) -> ChatError {
    ChatError {
        kind: ErrorKind::Auth,
        endpoint: String::new(),
        code: None,
        info: String::new(),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(preissued: bool) -> Context {
        Context {
            sdkappid: 1400000000,
            identifier: "administrator".into(),
            target: "region \"china\" (https://console.tim.qq.com)".into(),
            preissued,
        }
    }

    #[test]
    fn classification_follows_the_table() {
        for c in [10002, 40006, 60007, 60008, 60011, 60018, 60019] {
            assert_eq!(classify(c), ErrorKind::Transient, "{c}");
        }
        for c in [
            60004, 60005, 60006, 60010, 60016, 60020, 60021, 70001, 70003, 70009, 70013, 70014,
            70016, 70020, 70050, 10008,
        ] {
            assert_eq!(classify(c), ErrorKind::Auth, "{c}");
        }
        for c in [10004, 40001, 40009, 40601, 40605, 40610] {
            assert_eq!(classify(c), ErrorKind::InvalidInput, "{c}");
        }
        assert_eq!(classify(70107), ErrorKind::NotFound);
        for c in [70398, 60002, 60003, 1, 90000, -1] {
            assert_eq!(classify(c), ErrorKind::Other, "{c}");
        }
        for s in [500, 502, 503, 504, 429] {
            assert!(http_status_is_transient(s));
        }
        for s in [400, 401, 403, 404] {
            assert!(!http_status_is_transient(s));
        }
    }

    #[test]
    fn messages_are_one_actionable_sentence() {
        let e = api_error(
            &ctx(false),
            "create_robot",
            70009,
            "sig verify failed",
            1,
            None,
        );
        assert_eq!(e.kind, ErrorKind::Auth);
        let m = e.to_string();
        assert!(
            m.starts_with("create_robot failed with ErrorCode 70009"),
            "{m}"
        );
        assert!(
            m.contains("secret_key (TENCENTCHAT_SECRET_KEY) belongs to sdkappid 1400000000"),
            "{m}"
        );
        assert!(!m.contains('\n'));
        assert_eq!(m.matches(". ").count(), 0, "one sentence: {m}");

        let m = api_error(&ctx(false), "get_all_robots", 70016, "", 1, None).to_string();
        assert!(
            m.contains("region (TENCENTCHAT_REGION)") && m.contains("console.tim.qq.com"),
            "{m}"
        );

        let m = api_error(
            &ctx(true),
            "get_all_robots",
            70001,
            "expired",
            1,
            Some(1_700_086_400),
        )
        .to_string();
        assert!(
            m.contains("pre-issued UserSig") && m.contains("renewed"),
            "{m}"
        );
        assert!(m.contains("2023-11-15T22:13:20Z"), "{m}");

        let m = api_error(&ctx(false), "delete_robot", 60010, "", 1, None).to_string();
        assert!(m.contains("must be an app admin"), "{m}");

        let e = api_error(&ctx(false), "create_robot", 70398, "", 1, None);
        assert_eq!(e.kind, ErrorKind::Other);
        assert!(e.to_string().contains("account quota"));

        let e = api_error(&ctx(false), "portrait_get", 10002, "busy", 6, None);
        assert_eq!(e.kind, ErrorKind::Transient);
        assert!(e.to_string().contains("6 attempt(s)"));
    }

    #[test]
    fn create_refused_decides_by_robot_count() {
        let e = create_refused(&ctx(false), "create_robot", "", Some(20));
        assert_eq!(e.kind, ErrorKind::LimitReached);
        assert!(e.to_string().contains("already has 20 chatbots"), "{e}");
        let e = create_refused(&ctx(false), "create_robot", "", Some(3));
        assert_eq!(e.kind, ErrorKind::Auth);
        assert!(e.to_string().contains("must be an app admin"), "{e}");
        let e = create_refused(&ctx(false), "create_robot", "", None);
        assert_eq!(e.kind, ErrorKind::Auth);
        assert!(e.to_string().contains("either"), "{e}");
    }

    #[test]
    fn short_secrets_are_redacted_too() {
        for secret in ["k", "ab", "xyz"] {
            let r = redact(&format!("HTTP 400: key {secret} refused"), &[secret]);
            assert!(!r.contains(secret), "{secret:?} in {r:?}");
            assert!(r.contains("<redacted>"), "{r}");
        }
        assert_eq!(redact("nothing here", &[""]), "nothing here");
    }

    #[test]
    fn redaction_removes_secrets_and_usersig_params() {
        let text = "error sending request for url (https://h/v4/x?sdkappid=1&usersig=eJyrVg*abc_&random=5) key=topsecretkey";
        let r = redact(text, &["topsecretkey"]);
        assert!(!r.contains("eJyrVg"), "{r}");
        assert!(!r.contains("topsecretkey"), "{r}");
        assert!(r.contains("usersig=<redacted>&random=5"), "{r}");
        let r = redact("USERSIG=abc", &[]);
        assert_eq!(r, "USERSIG=<redacted>");
        let long = "x".repeat(500);
        assert!(redact(&long, &[]).chars().count() <= MAX_INFO_CHARS + 1);
        assert_eq!(redact("a\nb\u{7}", &[]), "a b");
    }
}
