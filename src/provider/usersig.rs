//! `ephemeral "tencentchat_usersig"` (Terraform 1.10+): a UserSig computed locally
//! from the provider's secret key, for handing to something else that signs in
//! to Chat (another provider block, a write-only argument, a provisioner).
//!
//! Invariants: no API call is made; the UserSig exists only in the open response
//! (Terraform keeps ephemeral values out of plan and state), never in logs or
//! diagnostics; a provider configured with a pre-issued `usersig` has no key to
//! sign with, and says so.

use super::api::{Conn, Inner};
use super::validate::is_printable_ascii;
use crate::chat::usersig;
use crate::chat::wire::MAX_USER_ID_BYTES;
use crate::tfproto::{Diagnostics, Field, TypedEphemeral, TypedType};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

pub(crate) const TYPE_NAME: &str = "tencentchat_usersig";

/// One day, as Tencent's console and SDK samples use for a default.
pub(crate) const DEFAULT_EXPIRE_SECONDS: u64 = 86_400;
/// 180 days: the longest validity Tencent's own UserSig tools issue. Longer-lived
/// credentials defeat the point of a short-lived one, so the provider refuses them.
pub(crate) const MAX_EXPIRE_SECONDS: u64 = 15_552_000;

/// Whole days in `seconds`, as words: "180 days", "one day".
fn days(seconds: u64) -> String {
    match seconds / 86_400 {
        1 => "one day".to_string(),
        n => format!("{n} days"),
    }
}

tfkit::model! {
    /// The ephemeral resource's arguments and result.
    pub(crate) struct UserSigModel in usersig_attr {
        user_id: String => optional_computed(format!(
            "The account to sign for: 1 to {MAX_USER_ID_BYTES} bytes of printable ASCII. \
             Defaults to the provider's `identifier`."
        ))
        .validate(check_user_id),
        expire_seconds: f64 => optional_computed(format!(
            "How long the UserSig is valid, in seconds: a whole number from 1 to \
             {MAX_EXPIRE_SECONDS} ({}). Defaults to `{DEFAULT_EXPIRE_SECONDS}` ({}).",
            days(MAX_EXPIRE_SECONDS),
            days(DEFAULT_EXPIRE_SECONDS)
        ))
        .validate(check_expire_seconds),
        usersig: String => computed(
            "The UserSig. Pass it on, for example to another `tencentchat` provider \
             block's `usersig`."
        )
        .sensitive(),
        expires_at: String => computed(
            "When the UserSig stops being accepted, in RFC 3339 (UTC), for example \
             `2025-01-02T03:04:05Z`."
        ),
    }
}

fn check_user_id(name: &str, id: &str, d: &mut Diagnostics) {
    if id.is_empty() || id.len() > MAX_USER_ID_BYTES || !is_printable_ascii(id) {
        d.attr_error(
            name,
            format!("Invalid {name}"),
            format!(
                "`{name}` must be a Chat UserID: 1 to {MAX_USER_ID_BYTES} bytes of printable \
                 ASCII (got {id:?}). Leave it out to sign for the provider's `identifier`."
            ),
        );
    }
}

fn check_expire_seconds(name: &str, n: &f64, d: &mut Diagnostics) {
    if n.fract() != 0.0 || *n < 1.0 || *n > MAX_EXPIRE_SECONDS as f64 {
        d.attr_error(
            name,
            format!("Invalid {name}"),
            format!(
                "`{name}` must be a whole number of seconds from 1 to {MAX_EXPIRE_SECONDS} \
                 ({}), got {n}. Leave it out for {DEFAULT_EXPIRE_SECONDS} ({}).",
                days(MAX_EXPIRE_SECONDS),
                days(DEFAULT_EXPIRE_SECONDS)
            ),
        );
    }
}

pub(crate) struct UserSig {
    inner: Arc<Inner>,
}

impl UserSig {
    pub(super) fn new(inner: Arc<Inner>) -> Self {
        UserSig { inner }
    }
}

/// A result whose computed attributes are not known yet (plan with unknown inputs).
fn unknown_result(config: UserSigModel) -> UserSigModel {
    UserSigModel {
        user_id: config.user_id.or_unknown(),
        expire_seconds: config.expire_seconds.or_unknown(),
        usersig: Field::Unknown,
        expires_at: Field::Unknown,
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl TypedType for UserSig {
    type Model = UserSigModel;
    const TYPE_NAME: &'static str = TYPE_NAME;

    fn description() -> String {
        "A UserSig (Chat API signature) computed locally from the provider's `secret_key`. \
         It is an ephemeral value: Terraform never stores it in a plan or state. Needs \
         Terraform 1.10 or later, and a provider configured with `secret_key` (not `usersig`)."
            .to_string()
    }
}

#[async_trait::async_trait]
impl TypedEphemeral for UserSig {
    async fn open(&self, config: UserSigModel, d: &mut Diagnostics) -> Option<UserSigModel> {
        if config.user_id.is_unknown() || config.expire_seconds.is_unknown() {
            return Some(unknown_result(config));
        }
        let api = match self.inner.conn() {
            // Only at plan time: the provider block depends on something not yet applied.
            Conn::Unknown(_) => return Some(unknown_result(config)),
            _ => match self.inner.api("compute a UserSig") {
                Ok(api) => api,
                Err(e) => {
                    d.extend(e);
                    return None;
                }
            },
        };
        let Some(key) = api.secret_key.as_ref() else {
            d.error(
                "No secret key to sign with",
                format!(
                    "{TYPE_NAME} computes UserSigs from the app's secret key, but this \
                     provider is configured with a pre-issued `usersig` (TENCENTCHAT_USERSIG) \
                     instead. Configure the provider this ephemeral resource uses with \
                     `secret_key` (or TENCENTCHAT_SECRET_KEY), or use the pre-issued UserSig \
                     directly."
                ),
            );
            return None;
        };
        let user_id = config
            .user_id
            .known()
            .cloned()
            .unwrap_or_else(|| api.identifier.clone());
        let expire = config
            .expire_seconds
            .known()
            .map_or(DEFAULT_EXPIRE_SECONDS, |&n| n as u64);
        let now = unix_now();
        let sig = usersig::generate(key.expose(), api.sdkappid, &user_id, now, expire);
        let expires_at = crate::chat::time::rfc3339_seconds(now.saturating_add(expire));
        log_debug!(
            "provider",
            "computed an ephemeral UserSig",
            user_id = user_id,
            expires_at = expires_at
        );
        Some(UserSigModel {
            user_id: Field::Known(user_id),
            expire_seconds: Field::Known(expire as f64),
            usersig: Field::Known(sig),
            expires_at: Field::Known(expires_at),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::TencentChat;
    use crate::tfproto::{ClientInfo, EphemeralResource, Model, Provider as _, Schema, Value};
    use usersig_attr::{
        expire_seconds as EXPIRE_SECONDS, expires_at as EXPIRES_AT, user_id as USER_ID,
        usersig as USERSIG,
    };

    fn schema() -> Schema {
        Schema::new(UserSig::description(), UserSigModel::attributes())
    }

    const KEY: &str = "unit-test-secret-key-for-usersig";
    const APP: u64 = 1_400_000_123;

    fn provider_block(pairs: &[(&str, Value)]) -> Value {
        let mut v = Value::object(
            crate::provider::config::schema()
                .attributes
                .iter()
                .map(|a| (a.name.clone(), Value::Null)),
        );
        v.set("sdkappid", Value::Number(APP as f64));
        v.set("endpoint", Value::string("http://127.0.0.1:9"));
        for (k, x) in pairs {
            v.set(k, x.clone());
        }
        v
    }

    async fn configured(pairs: &[(&str, Value)]) -> (TencentChat, Arc<dyn EphemeralResource>) {
        let p = TencentChat::with_env(|_| None);
        let d = p
            .configure(&provider_block(pairs), &ClientInfo::default())
            .await;
        assert!(!d.has_errors(), "{d:?}");
        let e = p.ephemeral_resources().remove(0);
        assert_eq!(e.type_name(), TYPE_NAME);
        (p, e)
    }

    fn args(user_id: Value, expire: Value) -> Value {
        Value::object([
            (USER_ID, user_id),
            (EXPIRE_SECONDS, expire),
            (USERSIG, Value::Null),
            (EXPIRES_AT, Value::Null),
        ])
    }

    fn errors(d: &Diagnostics) -> Vec<String> {
        d.0.iter()
            .map(|x| format!("{:?}: {}", x.attribute, x.detail))
            .collect()
    }

    #[tokio::test]
    async fn defaults_sign_for_the_identifier_for_a_day() {
        let (_p, e) = configured(&[
            ("secret_key", Value::string(KEY)),
            ("identifier", Value::string("ops_admin")),
        ])
        .await;
        let before = unix_now();
        let r = e.open(&args(Value::Null, Value::Null)).await;
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        assert_eq!(r.result.get(USER_ID).as_str(), Some("ops_admin"));
        assert_eq!(r.result.get(EXPIRE_SECONDS).as_f64(), Some(86_400.0));
        let sig = r.result.get(USERSIG).as_str().expect("a usersig");
        let info = usersig::verify(sig, KEY, APP, "ops_admin", before + 1).expect("verifies");
        assert_eq!(info.expire, 86_400);
        assert!(info.time >= before && info.time <= unix_now());
        assert_eq!(
            r.result.get(EXPIRES_AT).as_str(),
            Some(crate::chat::time::rfc3339_seconds(info.expires_at()).as_str())
        );
        assert!(r.renew_at.is_none() && r.private.is_empty());
    }

    #[tokio::test]
    async fn explicit_user_and_lifetime() {
        let (_p, e) = configured(&[("secret_key", Value::string(KEY))]).await;
        let r = e
            .open(&args(Value::string("alice"), Value::Number(600.0)))
            .await;
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        let sig = r.result.get(USERSIG).as_str().unwrap();
        let info = usersig::inspect(sig).unwrap();
        assert_eq!((info.identifier.as_str(), info.expire), ("alice", 600));
        assert_eq!(info.sdkappid, APP);
        // The signature is not in any diagnostic or debug text of the response.
        assert!(!format!("{:?}", r.diagnostics).contains(sig));
    }

    #[tokio::test]
    async fn a_usersig_only_provider_cannot_sign() {
        let (_p, e) = configured(&[(
            "usersig",
            Value::string(crate::chat::usersig::generate(
                "issuer-key",
                APP,
                "administrator",
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_secs(),
                86_400,
            )),
        )])
        .await;
        let r = e.open(&args(Value::Null, Value::Null)).await;
        assert!(r.diagnostics.has_errors());
        let text = errors(&r.diagnostics).join("\n");
        assert!(text.contains("pre-issued `usersig`"), "{text}");
        assert!(text.contains("`secret_key`"), "{text}");
        assert!(!text.contains("pre-issued-sig"), "{text}");
    }

    #[tokio::test]
    async fn an_unconfigured_provider_is_an_error_and_unknown_inputs_stay_unknown() {
        let p = TencentChat::with_env(|_| None);
        let e = p.ephemeral_resources().remove(0);
        let r = e.open(&args(Value::Null, Value::Null)).await;
        assert!(r.diagnostics.has_errors());

        let r = e.open(&args(Value::Unknown, Value::Number(60.0))).await;
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        assert!(r.result.get(USERSIG).is_unknown());
        assert_eq!(r.result.get(EXPIRE_SECONDS).as_f64(), Some(60.0));

        // A provider block that depends on values not known yet.
        let mut cfg = provider_block(&[("secret_key", Value::string(KEY))]);
        cfg.set("sdkappid", Value::Unknown);
        assert!(p.configure(&cfg, &ClientInfo::default()).await.is_empty());
        let r = e.open(&args(Value::Null, Value::Null)).await;
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        assert!(r.result.get(USERSIG).is_unknown() && r.result.get(USER_ID).is_unknown());
    }

    #[tokio::test]
    async fn arguments_are_checked_at_validate() {
        let (_p, e) = configured(&[("secret_key", Value::string(KEY))]).await;
        for (user_id, expire, bad) in [
            (Value::string(""), Value::Null, USER_ID),
            (Value::string("x".repeat(33)), Value::Null, USER_ID),
            (Value::string("tab\there"), Value::Null, USER_ID),
            (Value::Null, Value::Number(0.0), EXPIRE_SECONDS),
            (Value::Null, Value::Number(1.5), EXPIRE_SECONDS),
            (Value::Null, Value::Number(15_552_001.0), EXPIRE_SECONDS),
        ] {
            let d = e.validate(&args(user_id.clone(), expire.clone())).await;
            assert_eq!(d.0.len(), 1, "{user_id:?} {expire:?}: {d:?}");
            assert_eq!(
                d.0[0].attribute,
                Some(crate::tfproto::AttrPath::attr(bad)),
                "{d:?}"
            );
            // Open refuses the same arguments without signing anything.
            let r = e.open(&args(user_id, expire)).await;
            assert!(r.diagnostics.has_errors() && r.result.is_null());
        }
        let fine = args(Value::string("x".repeat(32)), Value::Number(15_552_000.0));
        assert!(e.validate(&fine).await.is_empty());
        assert!(e
            .validate(&args(Value::Unknown, Value::Unknown))
            .await
            .is_empty());
    }

    #[test]
    fn schema_keeps_the_usersig_sensitive() {
        let s = schema();
        let names: Vec<_> = s.attributes.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, [USER_ID, EXPIRE_SECONDS, USERSIG, EXPIRES_AT]);
        for a in &s.attributes {
            assert_eq!(a.sensitive, a.name == USERSIG, "{}", a.name);
            assert!(a.computed, "{}", a.name);
        }
    }
}
