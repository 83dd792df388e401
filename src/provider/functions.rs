//! Provider-defined functions (Terraform 1.8+): `provider::tencentchat::usersig_claims`
//! and `provider::tencentchat::robot_user_id`.
//!
//! Both are pure: no API call, no provider setting (Terraform calls them on an
//! unconfigured provider). Their rules are the ones the rest of the provider
//! uses: the UserSig parser of `chat::usersig` and the UserID rules of
//! `validate`, so a name the function accepts is one `tencentchat_robot` accepts.
//!
//! Invariant: no error text carries the argument's value (a UserSig is a secret).

use super::validate::user_id_problems;
use crate::chat::time::rfc3339_seconds;
use crate::chat::usersig;
use crate::chat::wire::{MAX_USER_ID_BYTES, ROBOT_PREFIX};
use crate::tfproto::{
    Field, FieldType, Function, FunctionError, Model, Parameter, Signature, Type, Value,
};

pub(crate) const USERSIG_CLAIMS: &str = "usersig_claims";
pub(crate) const ROBOT_USER_ID: &str = "robot_user_id";

/// The functions, in the order Terraform lists them.
pub(crate) fn all() -> Vec<std::sync::Arc<dyn Function>> {
    vec![
        std::sync::Arc::new(UserSigClaims),
        std::sync::Arc::new(RobotUserId),
    ]
}

/// `usersig_claims(usersig string)`: what a UserSig says about itself.
pub(crate) struct UserSigClaims;

tfkit::model! {
    /// The object `usersig_claims` returns.
    pub(crate) struct Claims in claims_attr {
        identifier: String => computed("The account the UserSig was made for."),
        sdkappid: f64 => computed("The app it was made for."),
        issued_at: String => computed(
            "When it was made, RFC 3339 in UTC, for example `2023-11-14T22:13:20Z`."
        ),
        expires_at: String => computed("When it stops being accepted, RFC 3339 in UTC."),
        expire_seconds: f64 => computed(
            "How long it is valid from `issued_at`, in seconds."
        ),
    }
}

impl Function for UserSigClaims {
    fn name(&self) -> &'static str {
        USERSIG_CLAIMS
    }

    fn signature(&self) -> Signature {
        Signature {
            summary: "Reads the claims of a UserSig without a key.".into(),
            description: "Decodes a Tencent Cloud Chat UserSig (version 2.0) and returns what \
                 it claims: `identifier` (the account it was made for), `sdkappid`, \
                 `issued_at` and `expires_at` (RFC 3339, UTC) and `expire_seconds`. It needs \
                 no secret key and makes no API call, so a pipeline holding a pre-issued \
                 `usersig` can check it before it expires mid-apply. It does **not** check \
                 the signature: only Tencent, or someone with the app's secret key, can say \
                 the UserSig is genuine. A value that is not a well-formed UserSig is an \
                 error that never shows the value."
                .into(),
            parameters: vec![Parameter::new(
                "usersig",
                Type::String,
                "The UserSig to decode (base64 with `*-_`, as Tencent issues it).",
            )],
            returns: Claims::ty(),
        }
    }

    fn call(&self, args: &[Value]) -> Result<Value, FunctionError> {
        let sig = args[0].as_str().unwrap_or_default();
        let info = usersig::inspect(sig).map_err(|e| {
            FunctionError::argument(
                0,
                format!(
                    "{e}: it is not a UserSig 2.0 (zlib-compressed JSON in base64 with \
                     `*`, `-` and `_`). The value is not shown because it may be a credential."
                ),
            )
        })?;
        Ok(Claims {
            identifier: Field::Known(info.identifier.clone()),
            sdkappid: Field::Known(info.sdkappid as f64),
            issued_at: Field::Known(rfc3339_seconds(info.time)),
            expires_at: Field::Known(rfc3339_seconds(info.expires_at())),
            expire_seconds: Field::Known(info.expire as f64),
        }
        .to_value())
    }
}

/// `robot_user_id(name string)`: the chatbot UserID for a name.
pub(crate) struct RobotUserId;

/// The longest name: what is left of a UserID after the prefix.
const MAX_NAME_BYTES: usize = MAX_USER_ID_BYTES - ROBOT_PREFIX.len();

impl Function for RobotUserId {
    fn name(&self) -> &'static str {
        ROBOT_USER_ID
    }

    fn signature(&self) -> Signature {
        Signature {
            summary: format!("The chatbot UserID for a name: \"{ROBOT_PREFIX}\" + name."),
            description: format!(
                "Returns `\"{ROBOT_PREFIX}\" + name` when that is a valid chatbot UserID, the \
                 value `tencentchat_robot`'s `user_id` accepts: a name of 1 to \
                 {MAX_NAME_BYTES} bytes (so the UserID has at most {MAX_USER_ID_BYTES}) of \
                 printable ASCII (space through tilde) that does not itself start with \
                 `\"{ROBOT_PREFIX}\"`. Otherwise an error names the rule broken, at plan \
                 time, before anything is created."
            ),
            parameters: vec![Parameter::new(
                "name",
                Type::String,
                format!(
                    "The part after \"{ROBOT_PREFIX}\": 1 to {MAX_NAME_BYTES} bytes of \
                     printable ASCII, not starting with \"{ROBOT_PREFIX}\"."
                ),
            )],
            returns: Type::String,
        }
    }

    fn call(&self, args: &[Value]) -> Result<Value, FunctionError> {
        let name = args[0].as_str().unwrap_or_default();
        // In any case: "@rbt#x" is no name either (it would give "@RBT#@rbt#x").
        let prefixed = name
            .get(..ROBOT_PREFIX.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(ROBOT_PREFIX));
        if prefixed {
            let rest = &name[ROBOT_PREFIX.len()..];
            let as_is = if name.starts_with(ROBOT_PREFIX) {
                format!("use the UserID {} as it is", super::words::q(name))
            } else {
                format!(
                    "use the UserID {} (the prefix is upper case)",
                    super::words::q(&format!("{ROBOT_PREFIX}{rest}"))
                )
            };
            return Err(FunctionError::argument(
                0,
                format!(
                    "the name must not start with \"{ROBOT_PREFIX}\" (in any case): the \
                     function adds it, so this would give {}. Pass the part after it ({}), \
                     or {as_is}.",
                    super::words::q(&format!("{ROBOT_PREFIX}{name}")),
                    super::words::q(rest),
                ),
            ));
        }
        let id = format!("{ROBOT_PREFIX}{name}");
        let problems = user_id_problems(&id);
        if problems.is_empty() {
            return Ok(Value::String(id));
        }
        Err(FunctionError::argument(
            0,
            format!(
                "\"{ROBOT_PREFIX}\" + name is not a valid chatbot UserID (the name may have 1 \
                 to {MAX_NAME_BYTES} bytes of printable ASCII): {}",
                problems.join(" ")
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(sig: &str) -> Result<Value, FunctionError> {
        UserSigClaims.call(&[Value::string(sig)])
    }

    #[test]
    fn usersig_claims_reads_a_generated_usersig() {
        let sig = usersig::generate("key", 1_400_000_000, "administrator", 1_700_000_000, 86_400);
        let v = claims(&sig).unwrap();
        assert_eq!(v.get("identifier").as_str(), Some("administrator"));
        assert_eq!(v.get("sdkappid"), &Value::Number(1_400_000_000.0));
        assert_eq!(v.get("issued_at").as_str(), Some("2023-11-14T22:13:20Z"));
        assert_eq!(v.get("expires_at").as_str(), Some("2023-11-15T22:13:20Z"));
        assert_eq!(v.get("expire_seconds"), &Value::Number(86_400.0));
        // The result fits the declared type exactly.
        crate::tfproto::codec::encode_msgpack(&v, &UserSigClaims.signature().returns).unwrap();
    }

    #[test]
    fn usersig_claims_survives_extreme_claims() {
        for (time, expire) in [(0, 0), (u64::MAX, u64::MAX), (253_402_300_799, 1)] {
            let sig = usersig::generate("key", u64::from(u32::MAX), "a", time, expire);
            let v = claims(&sig).unwrap();
            assert!(v.get("expires_at").as_str().unwrap().ends_with('Z'));
        }
        let sig = usersig::generate("key", 1, "a", 253_402_300_799, 1);
        assert_eq!(
            claims(&sig).unwrap().get("issued_at").as_str(),
            Some("9999-12-31T23:59:59Z")
        );
    }

    #[test]
    fn usersig_claims_errors_name_argument_one_and_hide_the_value() {
        let sig = usersig::generate("key", 1_400_000_000, "administrator", 1_700_000_000, 60);
        for bad in [
            "",
            "not-a-usersig",
            &sig[..sig.len() - 4],
            &format!("{sig}AAAA"),
        ] {
            let e = claims(bad).unwrap_err();
            assert_eq!(e.argument, Some(0));
            assert!(e.text.contains("not a UserSig 2.0"), "{}", e.text);
            if !bad.is_empty() {
                assert!(!e.text.contains(bad), "the value leaked: {}", e.text);
            }
        }
    }

    #[test]
    fn robot_user_id_accepts_what_the_resource_accepts() {
        let ok = |n: &str| RobotUserId.call(&[Value::string(n)]);
        assert_eq!(ok("helpdesk").unwrap(), Value::string("@RBT#helpdesk"));
        let longest = "x".repeat(MAX_NAME_BYTES);
        assert_eq!(
            ok(&longest).unwrap().as_str().map(str::len),
            Some(MAX_USER_ID_BYTES)
        );
        for (name, rule) in [
            ("", "at least one character"),
            (&*"x".repeat(MAX_NAME_BYTES + 1), "at most 32 bytes"),
            ("caf\u{e9}", "printable ASCII"),
            ("tab\there", "printable ASCII"),
        ] {
            let e = ok(name).unwrap_err();
            assert_eq!(e.argument, Some(0), "{name:?}");
            assert!(e.text.contains(rule), "{name:?}: {}", e.text);
            assert!(user_id_problems(&format!("{ROBOT_PREFIX}{name}")).len() == 1);
        }
    }

    #[test]
    fn robot_user_id_refuses_a_name_that_has_the_prefix_already() {
        let e = RobotUserId
            .call(&[Value::string("@RBT#billing")])
            .unwrap_err();
        assert_eq!(e.argument, Some(0));
        assert!(
            e.text.contains("must not start with \"@RBT#\""),
            "{}",
            e.text
        );
        assert!(e.text.contains("(\"billing\")"), "{}", e.text);
        let e = RobotUserId
            .call(&[Value::string("@rbt#sales")])
            .unwrap_err();
        assert!(
            e.text.contains("\"@RBT#sales\" (the prefix is upper case)"),
            "{}",
            e.text
        );
    }
}
