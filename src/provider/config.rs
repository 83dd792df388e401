//! The `provider "tencentchat" {}` block: its schema, and turning a configuration
//! plus the `TENCENTCHAT_*` environment into settings for `chat::Client`.
//!
//! Every attribute falls back to its environment variable when the block leaves it
//! null. The environment is read through a closure so tests never touch the real
//! process environment. No diagnostic ever contains a secret value.

use crate::chat::error::preissued_usersig_advice;
use crate::chat::profile::MAX_CUSTOM_NAME_BYTES;
use crate::chat::wire::DOCUMENTED_CALLS_PER_SECOND;
use crate::chat::{usersig, ClientConfig, Credentials, Endpoint, Region, Secret};
use crate::tfproto::{Attribute, Diagnostics, Schema, Type, Value};
use std::time::Duration;

use super::validate::is_printable_ascii;

/// Looks up an environment variable; `None` when unset.
pub(crate) type EnvLookup = dyn Fn(&str) -> Option<String> + Send + Sync;

/// What kind of value a setting takes; the schema type, the description's rule
/// and the check all come from it.
#[derive(Clone, Copy)]
enum Kind {
    /// A whole number in `min..=max`.
    Integer {
        min: u64,
        max: u64,
        default: Option<u64>,
    },
    /// A name of printable ASCII, quoted back in errors.
    Name {
        max_bytes: usize,
        default: &'static str,
    },
    /// One of a fixed list of keys.
    OneOf {
        keys: &'static [&'static str],
        default: &'static str,
    },
    /// An `http://` or `https://` base URL.
    Url,
    /// A secret: sensitive, never quoted back.
    Secret,
    /// A list of custom profile field names (a comma-separated list in the
    /// environment).
    CustomFieldNames,
}

/// One provider setting: its attribute, the environment variable that can stand
/// in for it, its kind, and what it is for (the description's first sentences;
/// the rule, the default and the variable are added from the kind).
#[derive(Clone, Copy)]
struct Setting {
    attr: &'static str,
    env: &'static str,
    kind: Kind,
    about: &'static str,
}

const SDKAPPID: Setting = Setting {
    attr: "sdkappid",
    env: "TENCENTCHAT_SDKAPPID",
    kind: Kind::Integer {
        min: 1,
        max: u32::MAX as u64,
        default: None,
    },
    about: "The SDKAppID of the Chat app; required here or in the environment.",
};
const IDENTIFIER: Setting = Setting {
    attr: "identifier",
    env: "TENCENTCHAT_IDENTIFIER",
    kind: Kind::Name {
        max_bytes: 32,
        default: "administrator",
    },
    about: "An app admin account that signs the requests.",
};
const SECRET_KEY: Setting = Setting {
    attr: "secret_key",
    env: "TENCENTCHAT_SECRET_KEY",
    kind: Kind::Secret,
    about: "The app's secret key from the Chat console; the provider computes admin \
            UserSigs from it. Set exactly one of `secret_key` and `usersig`; when either is \
            set in the configuration, neither environment variable is read.",
};
const USERSIG: Setting = Setting {
    attr: "usersig",
    env: "TENCENTCHAT_USERSIG",
    kind: Kind::Secret,
    about: "A UserSig already issued for `identifier`, used as-is (it is never renewed, so \
            it must outlive the run). Read before any API call: a malformed or expired one, \
            or one issued for another `sdkappid` or `identifier`, fails the plan, and one \
            that expires within the hour warns. Set exactly one of `secret_key` and \
            `usersig`.",
};
const REGION: Setting = Setting {
    attr: "region",
    env: "TENCENTCHAT_REGION",
    kind: Kind::OneOf {
        keys: &Region::KEYS,
        default: "china",
    },
    about: "The data center region of the app.",
};
const ENDPOINT: Setting = Setting {
    attr: "endpoint",
    env: "TENCENTCHAT_ENDPOINT",
    kind: Kind::Url,
    about: "An explicit base URL for the API (for example a local `tencentchat-sim`): \
            scheme and host, no path (a trailing `/v4`, as in Tencent's URLs, is \
            accepted), no credentials or query; overrides `region`. `http://` is for \
            loopback: elsewhere it draws a warning, as every request carries the admin \
            UserSig in its query string.",
};
const BACKUP_ENDPOINT: Setting = Setting {
    attr: "backup_endpoint",
    env: "TENCENTCHAT_BACKUP_ENDPOINT",
    kind: Kind::Url,
    about: "A base URL tried only when the primary cannot be reached (no such host, \
            connection refused or reset, TLS handshake failure). A `region` has its \
            documented backup domain already (Tokyo none). Same rules as `endpoint`.",
};
const REQUEST_TIMEOUT: Setting = Setting {
    attr: "request_timeout_seconds",
    env: "TENCENTCHAT_REQUEST_TIMEOUT_SECONDS",
    kind: Kind::Integer {
        min: 1,
        max: 300,
        default: Some(30),
    },
    about: "Timeout of each HTTP request, in seconds.",
};
const MAX_RETRIES: Setting = Setting {
    attr: "max_retries",
    env: "TENCENTCHAT_MAX_RETRIES",
    kind: Kind::Integer {
        min: 0,
        max: 20,
        default: Some(5),
    },
    about: "How many times a call is retried after a transient error.",
};
const CALLS_PER_SECOND: Setting = Setting {
    attr: "calls_per_second",
    env: "TENCENTCHAT_CALLS_PER_SECOND",
    kind: Kind::Integer {
        min: 1,
        max: DOCUMENTED_CALLS_PER_SECOND as u64,
        default: Some(100),
    },
    about: "Client-side limit of calls per second to each API endpoint (Tencent allows \
            200).",
};
const CUSTOM_FIELDS: Setting = Setting {
    attr: "custom_fields",
    env: "TENCENTCHAT_CUSTOM_FIELDS",
    kind: Kind::CustomFieldNames,
    about: "The app's custom profile fields this provider reads and writes: the names \
            after `Tag_Profile_Custom_`, as defined in the Chat console. Every read asks for \
            them (one portrait_get per 100 chatbots serves every resource and data source), \
            and a `tencentchat_robot` may set only these.",
};

/// Every provider setting, in schema order: the one list the schema, the
/// environment fallback and [`env_vars`] are built from.
const SETTINGS: [Setting; 11] = [
    SDKAPPID,
    IDENTIFIER,
    SECRET_KEY,
    USERSIG,
    REGION,
    ENDPOINT,
    BACKUP_ENDPOINT,
    REQUEST_TIMEOUT,
    MAX_RETRIES,
    CALLS_PER_SECOND,
    CUSTOM_FIELDS,
];

impl Setting {
    fn ty(&self) -> Type {
        match self.kind {
            Kind::Integer { .. } => Type::Number,
            Kind::CustomFieldNames => Type::List(Box::new(Type::String)),
            _ => Type::String,
        }
    }

    /// What the value must be, as a phrase: "a whole number from 1 to 300".
    fn rule(&self) -> String {
        match self.kind {
            Kind::Integer { min, max, .. } => format!("a whole number from {min} to {max}"),
            Kind::Name { max_bytes, .. } => {
                format!("1 to {max_bytes} printable ASCII characters")
            }
            Kind::OneOf { keys, .. } => format!(
                "one of {}",
                keys.iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Kind::Url => "an `http://` or `https://` base URL".to_string(),
            Kind::Secret => "not empty, without surrounding whitespace".to_string(),
            Kind::CustomFieldNames => format!(
                "a list of names of letters, digits and underscores, at most \
                 {MAX_CUSTOM_NAME_BYTES} each (comma-separated in the environment); none by \
                 default"
            ),
        }
    }

    fn description(&self) -> String {
        let default = match self.kind {
            Kind::Integer {
                default: Some(d), ..
            } => format!("; defaults to {d}"),
            Kind::Name { default, .. } | Kind::OneOf { default, .. } => {
                format!("; defaults to `{default}`")
            }
            _ => String::new(),
        };
        let mut rule = self.rule();
        rule[..1].make_ascii_uppercase();
        format!("{} {rule}. Also `{}`{default}.", self.about, self.env)
    }

    fn attribute(&self) -> Attribute {
        let a = Attribute::optional(self.attr, self.ty(), &self.description());
        match self.kind {
            Kind::Secret => a.sensitive(),
            _ => a,
        }
    }
}

/// Every provider attribute with its environment variable, as `(attr, variable)`:
/// for tools that set up a provider's environment (`tencentchat-sim --exec`).
pub fn env_vars() -> impl Iterator<Item = (&'static str, &'static str)> {
    SETTINGS.into_iter().map(|s| (s.attr, s.env))
}

pub(crate) fn schema() -> Schema {
    Schema::new(
        "Manages Tencent Cloud Chat chatbot accounts through the Chat REST API. \
         Every setting can also come from a `TENCENTCHAT_*` environment variable.",
        SETTINGS.iter().map(Setting::attribute).collect(),
    )
}

/// Where requests go, before the region key is turned into a `chat::Region`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// One of `Region::KEYS`.
    Region(String),
    /// A base URL without a trailing slash.
    Url(String),
}

/// A complete, valid provider configuration.
#[derive(Clone, Debug)]
pub(crate) struct Settings {
    pub(crate) sdkappid: u64,
    pub(crate) identifier: String,
    pub(crate) credentials: Credentials,
    pub(crate) target: Target,
    /// A base URL without a trailing slash.
    pub(crate) backup_endpoint: Option<String>,
    pub(crate) request_timeout_seconds: u64,
    pub(crate) max_retries: u32,
    pub(crate) calls_per_second: u32,
    /// The custom profile fields every read asks for.
    pub(crate) custom_fields: Vec<String>,
}

impl Settings {
    /// The client configuration these settings describe.
    pub(super) fn client_config(&self) -> Result<ClientConfig, String> {
        let endpoint = match &self.target {
            Target::Region(key) => Endpoint::Region(Region::from_key(key)?),
            Target::Url(url) => Endpoint::Url(url.clone()),
        };
        let mut cfg = ClientConfig::new(
            self.sdkappid,
            self.identifier.clone(),
            self.credentials.clone(),
            endpoint,
        );
        cfg.request_timeout = Duration::from_secs(self.request_timeout_seconds);
        cfg.max_retries = self.max_retries;
        cfg.calls_per_second = self.calls_per_second;
        cfg.backup_endpoint = self.backup_endpoint.clone();
        Ok(cfg)
    }
}

/// Whether a missing required setting is an error yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// ValidateProviderConfig: check what is set; missing values may still come later.
    Validate,
    /// ConfigureProvider: everything needed must be there (or be unknown).
    Configure,
}

/// The outcome of reading the provider block.
#[derive(Debug)]
pub(crate) struct Resolved {
    /// Present when there are no errors and nothing is unknown.
    pub(crate) settings: Option<Settings>,
    /// Attributes whose values are not known yet (set from another resource).
    pub(crate) unknown: Vec<&'static str>,
    pub(crate) diagnostics: Diagnostics,
}

/// A setting's value after the environment fallback.
enum Slot<T> {
    Known(T),
    Unknown,
    /// Neither the block nor the environment sets it.
    Missing,
    /// Set, but wrong; a diagnostic has been recorded.
    Invalid,
}

/// A raw value and where it came from.
enum Raw {
    Unset,
    Unknown,
    Config(Value),
    Env(String),
}

struct Resolver<'a> {
    config: &'a Value,
    env: &'a EnvLookup,
    mode: Mode,
    unknown: Vec<&'static str>,
    diags: Diagnostics,
}

/// Reads the provider block (falling back to `env`) and checks every rule.
pub(crate) fn resolve(config: &Value, env: &EnvLookup, mode: Mode) -> Resolved {
    let mut r = Resolver {
        config,
        env,
        mode,
        unknown: Vec::new(),
        diags: Diagnostics::new(),
    };
    let sdkappid = r.integer(SDKAPPID);
    let identifier = r.identifier();
    let credentials = r.credentials();
    let target = r.target();
    let backup = r.base_url_setting(BACKUP_ENDPOINT);
    let timeout = r.integer(REQUEST_TIMEOUT);
    let retries = r.integer(MAX_RETRIES);
    let cps = r.integer(CALLS_PER_SECOND);
    let custom = r.custom_fields();

    let settings = match (
        sdkappid,
        identifier,
        credentials,
        target,
        timeout,
        retries,
        cps,
    ) {
        (
            Slot::Known(sdkappid),
            Slot::Known(identifier),
            Slot::Known(credentials),
            Slot::Known(target),
            Slot::Known(timeout),
            Slot::Known(retries),
            Slot::Known(cps),
        ) if !r.diags.has_errors()
            && matches!(backup, Slot::Known(_))
            && matches!(custom, Slot::Known(_)) =>
        {
            Some(Settings {
                sdkappid,
                identifier,
                credentials,
                target,
                backup_endpoint: match backup {
                    Slot::Known(b) => b,
                    _ => None,
                },
                request_timeout_seconds: timeout,
                max_retries: retries as u32,
                calls_per_second: cps as u32,
                custom_fields: match custom {
                    Slot::Known(c) => c,
                    _ => Vec::new(),
                },
            })
        }
        _ => None,
    };
    // A pre-issued UserSig says what it was made for and until when: a plan
    // fails here, before any API call, when the API would refuse it.
    let settings = match settings {
        Some(s) if mode == Mode::Configure => {
            check_preissued_usersig(&s, unix_now(), &mut r.diags);
            (!r.diags.has_errors()).then_some(s)
        }
        other => other,
    };
    Resolved {
        settings,
        unknown: r.unknown,
        diagnostics: r.diags,
    }
}

impl Resolver<'_> {
    fn raw(&self, s: Setting) -> Raw {
        match self.config.get(s.attr) {
            Value::Null => self.env_raw(s),
            Value::Unknown => Raw::Unknown,
            v => Raw::Config(v.clone()),
        }
    }

    /// An empty environment variable counts as unset.
    fn env_raw(&self, s: Setting) -> Raw {
        match (self.env)(s.env) {
            Some(v) if !v.is_empty() => Raw::Env(v),
            _ => Raw::Unset,
        }
    }

    fn error(&mut self, s: Setting, summary: &str, detail: String) {
        self.diags.attr_error(s.attr, summary, detail);
    }

    fn missing(&mut self, s: Setting, what: &str) {
        if self.mode == Mode::Configure {
            self.error(
                s,
                &format!("Missing {}", s.attr),
                format!(
                    "Set `{}` in the provider block or the {} environment variable: {what}.",
                    s.attr, s.env
                ),
            );
        }
    }

    /// A whole number in `min..=max`, from a number in the block or text in the environment.
    fn integer(&mut self, s: Setting) -> Slot<u64> {
        let Kind::Integer { min, max, default } = s.kind else {
            unreachable!("{} is declared as an integer setting", s.attr)
        };
        let allowed = s.rule();
        let (n, origin) = match self.raw(s) {
            Raw::Unknown => {
                self.unknown.push(s.attr);
                return Slot::Unknown;
            }
            Raw::Unset => {
                return match default {
                    Some(d) => Slot::Known(d),
                    None => {
                        self.missing(s, &allowed);
                        Slot::Missing
                    }
                };
            }
            Raw::Config(Value::Number(n)) => (Some(n), format!("`{}`", s.attr)),
            Raw::Config(_) => (None, format!("`{}`", s.attr)),
            Raw::Env(text) => (text.trim().parse::<f64>().ok(), s.env.to_string()),
        };
        match n {
            Some(n) if n.fract() == 0.0 && n >= min as f64 && n <= max as f64 => {
                Slot::Known(n as u64)
            }
            _ => {
                self.error(
                    s,
                    &format!("Invalid {}", s.attr),
                    format!(
                        "{origin} must be {allowed} (`{}` in the provider block, or the {} \
                         environment variable).",
                        s.attr, s.env
                    ),
                );
                Slot::Invalid
            }
        }
    }

    /// A string setting that is not secret (its value may be quoted back).
    fn text(&mut self, s: Setting) -> Result<Option<(String, String)>, ()> {
        match self.raw(s) {
            Raw::Unknown => {
                self.unknown.push(s.attr);
                Err(())
            }
            Raw::Unset => Ok(None),
            Raw::Config(Value::String(v)) => Ok(Some((v, format!("`{}`", s.attr)))),
            Raw::Config(_) => Ok(Some((String::new(), format!("`{}`", s.attr)))),
            Raw::Env(v) => Ok(Some((v, s.env.to_string()))),
        }
    }

    fn identifier(&mut self) -> Slot<String> {
        let s = IDENTIFIER;
        let Kind::Name { max_bytes, default } = s.kind else {
            unreachable!("identifier is declared as a name")
        };
        let (v, origin) = match self.text(s) {
            Err(()) => return Slot::Unknown,
            Ok(None) => return Slot::Known(default.to_string()),
            Ok(Some(x)) => x,
        };
        if v.is_empty() || v.len() > max_bytes || !is_printable_ascii(&v) {
            self.error(
                s,
                "Invalid identifier",
                format!(
                    "{origin} must be the UserID of an app admin: {} (got {v:?}). Set \
                     `identifier` in the provider block or the {} environment variable, or \
                     leave both unset for `{default}`.",
                    s.rule(),
                    s.env
                ),
            );
            return Slot::Invalid;
        }
        Slot::Known(v)
    }

    /// Exactly one of secret_key / usersig. The block's pair wins over the environment's
    /// as a whole, so a stray environment variable cannot conflict with the block.
    fn credentials(&mut self) -> Slot<Credentials> {
        let in_block = |s: Setting| !self.config.get(s.attr).is_null();
        let from_block = in_block(SECRET_KEY) || in_block(USERSIG);
        let read = |r: &Self, s: Setting| -> Raw {
            if from_block {
                match r.config.get(s.attr) {
                    Value::Null => Raw::Unset,
                    Value::Unknown => Raw::Unknown,
                    v => Raw::Config(v.clone()),
                }
            } else {
                r.env_raw(s)
            }
        };
        let key = read(self, SECRET_KEY);
        let sig = read(self, USERSIG);
        let mut unknown = false;
        for (raw, s) in [(&key, SECRET_KEY), (&sig, USERSIG)] {
            if matches!(raw, Raw::Unknown) {
                self.unknown.push(s.attr);
                unknown = true;
            }
        }
        if unknown {
            return Slot::Unknown;
        }
        let secret = |raw: Raw| match raw {
            Raw::Config(Value::String(v)) | Raw::Env(v) => Some(v),
            Raw::Config(_) => Some(String::new()),
            Raw::Unset | Raw::Unknown => None,
        };
        match (secret(key), secret(sig)) {
            (Some(_), Some(_)) => {
                let both = "Both `secret_key` and `usersig` are set";
                let where_ = if from_block {
                    "in the provider block"
                } else {
                    "through TENCENTCHAT_SECRET_KEY and TENCENTCHAT_USERSIG"
                };
                self.diags.attr_error(
                    USERSIG.attr,
                    "Conflicting credentials",
                    format!(
                        "{both} {where_}. Set exactly one: `secret_key` (or \
                         TENCENTCHAT_SECRET_KEY) to have UserSigs computed, or `usersig` (or \
                         TENCENTCHAT_USERSIG) to use a pre-issued one."
                    ),
                );
                Slot::Invalid
            }
            (None, None) => {
                if self.mode == Mode::Configure {
                    self.diags.attr_error(
                        SECRET_KEY.attr,
                        "Missing credentials",
                        "Set `secret_key` in the provider block (or the TENCENTCHAT_SECRET_KEY \
                         environment variable) to the app's secret key, or `usersig` (or \
                         TENCENTCHAT_USERSIG) to a pre-issued admin UserSig.",
                    );
                }
                Slot::Missing
            }
            (Some(k), None) => self.nonempty_secret(SECRET_KEY, k, from_block),
            (None, Some(u)) => self.nonempty_secret(USERSIG, u, from_block),
        }
    }

    fn nonempty_secret(&mut self, s: Setting, v: String, from_block: bool) -> Slot<Credentials> {
        if v.trim().is_empty() {
            let origin = if from_block {
                format!("`{}`", s.attr)
            } else {
                s.env.to_string()
            };
            self.error(
                s,
                &format!("Invalid {}", s.attr),
                format!(
                    "{origin} is empty or blank. Set `{}` in the provider block or the {} \
                     environment variable to a non-empty value.",
                    s.attr, s.env
                ),
            );
            return Slot::Invalid;
        }
        if v.trim() != v {
            let (origin, fix) = if from_block {
                (
                    format!("`{}`", s.attr),
                    "If it is read from a file, `file()` keeps the file's final newline: \
                     use `trimspace(file(\"...\"))`.",
                )
            } else {
                (s.env.to_string(), "Remove it from the variable's value.")
            };
            self.error(
                s,
                &format!("Invalid {}", s.attr),
                format!(
                    "{origin} starts or ends with whitespace (a space, tab or newline), which \
                     is never part of a {}. {fix}",
                    if s.attr == SECRET_KEY.attr {
                        "secret key"
                    } else {
                        "UserSig"
                    }
                ),
            );
            return Slot::Invalid;
        }
        let secret = Secret::new(v);
        Slot::Known(if s.attr == SECRET_KEY.attr {
            Credentials::SecretKey(secret)
        } else {
            Credentials::UserSig(secret)
        })
    }

    /// `endpoint` if set, else `region` (default `china`). A set region is checked
    /// even when an endpoint overrides it.
    fn target(&mut self) -> Slot<Target> {
        let Kind::OneOf { keys, default } = REGION.kind else {
            unreachable!("region is declared as one of a list")
        };
        let region = match self.text(REGION) {
            Err(()) => Slot::Unknown,
            Ok(None) => Slot::Known(default.to_string()),
            Ok(Some((v, origin))) => {
                if keys.contains(&v.as_str()) {
                    Slot::Known(v)
                } else {
                    self.error(
                        REGION,
                        "Invalid region",
                        format!(
                            "{origin} must be one of {} (got {v:?}). Set `region` in the \
                             provider block or the {} environment variable.",
                            keys.join(", "),
                            REGION.env
                        ),
                    );
                    Slot::Invalid
                }
            }
        };
        let endpoint = match self.base_url_setting(ENDPOINT) {
            Slot::Known(e) => e,
            Slot::Invalid => return Slot::Invalid,
            _ => return Slot::Unknown,
        };
        match (endpoint, region) {
            (_, Slot::Invalid) => Slot::Invalid,
            (Some(url), _) => Slot::Known(Target::Url(url)),
            (None, Slot::Known(key)) => Slot::Known(Target::Region(key)),
            (None, Slot::Unknown) => Slot::Unknown,
            (None, Slot::Missing) => Slot::Missing,
        }
    }
}

impl Resolver<'_> {
    /// The custom field names: a list in the block, comma-separated text in the
    /// environment; each name checked by Tencent's rules, duplicates dropped.
    fn custom_fields(&mut self) -> Slot<Vec<String>> {
        let s = CUSTOM_FIELDS;
        let (names, origin): (Vec<Option<String>>, String) = match self.raw(s) {
            Raw::Unset => return Slot::Known(Vec::new()),
            Raw::Unknown => {
                self.unknown.push(s.attr);
                return Slot::Unknown;
            }
            Raw::Config(Value::List(items)) => {
                if items.iter().any(|v| !v.is_wholly_known()) {
                    self.unknown.push(s.attr);
                    return Slot::Unknown;
                }
                (
                    items
                        .iter()
                        .map(|v| v.as_str().map(str::to_string))
                        .collect(),
                    format!("`{}`", s.attr),
                )
            }
            Raw::Config(_) => (vec![None], format!("`{}`", s.attr)),
            Raw::Env(text) => (
                text.split(',')
                    .map(|n| Some(n.trim().to_string()))
                    .collect(),
                s.env.to_string(),
            ),
        };
        let mut out: Vec<String> = Vec::new();
        let mut bad = false;
        for name in names {
            let why = match &name {
                Some(n) => crate::chat::profile::custom_name_problem(n),
                None => Some("a custom field name must be a string".to_string()),
            };
            match (why, name) {
                (Some(why), _) => {
                    bad = true;
                    self.error(
                        s,
                        &format!("Invalid {}", s.attr),
                        format!(
                            "In {origin}: {why}. It must be {} (`{}` in the provider block, or \
                             the {} environment variable).",
                            s.rule(),
                            s.attr,
                            s.env
                        ),
                    );
                }
                (None, Some(n)) if !out.contains(&n) => out.push(n),
                _ => {}
            }
        }
        if bad {
            Slot::Invalid
        } else {
            Slot::Known(out)
        }
    }

    /// `endpoint` or `backup_endpoint`: unset (None), or a valid base URL.
    ///
    /// A URL with credentials (`user:pass@`) or a query is refused without
    /// being quoted back: either part may hold a secret. At validate, an
    /// `http://` URL off loopback gets a warning (see [`clear_text_warning`]).
    fn base_url_setting(&mut self, s: Setting) -> Slot<Option<String>> {
        match self.text(s) {
            Err(()) => Slot::Unknown,
            Ok(None) => Slot::Known(None),
            Ok(Some((v, origin))) => match base_url(&v) {
                Ok(url) => {
                    if self.mode == Mode::Validate {
                        if let Some(detail) = clear_text_warning(&url, &origin) {
                            self.diags.attr_warning(
                                s.attr,
                                format!("{} sends the UserSig in clear text", s.attr),
                                detail,
                            );
                        }
                    }
                    Slot::Known(Some(url))
                }
                Err(BadUrl::Secretive(part)) => {
                    self.error(
                        s,
                        &format!("Invalid {}", s.attr),
                        format!(
                            "{origin} holds {part}, which is not allowed (the value is not \
                             shown, since it may hold a secret): give a base URL such as \
                             https://host or http://127.0.0.1:8080 with no user name, password, \
                             query or fragment. The provider sends its own credentials. Set \
                             `{}` in the provider block or the {} environment variable, or leave \
                             both unset to use `region`.",
                            s.attr, s.env
                        ),
                    );
                    Slot::Invalid
                }
                Err(BadUrl::Shape) => {
                    self.error(
                        s,
                        &format!("Invalid {}", s.attr),
                        format!(
                            "{origin} must be an http:// or https:// base URL with a host, no \
                             path (a trailing /v4, as in Tencent's URLs, is allowed), no query \
                             and no fragment, such as http://127.0.0.1:8080 or \
                             https://adminapisgp.im.qcloud.com (got {:?}). \
                             Set `{}` in the provider block or the {} environment \
                             variable, or leave both unset to use `region`.",
                            shown_without_path(&v),
                            s.attr,
                            s.env
                        ),
                    );
                    Slot::Invalid
                }
            },
        }
    }
}

/// A pre-issued UserSig that expires within this many seconds warns.
pub(crate) const USERSIG_EXPIRY_WARNING_SECONDS: u64 = 3600;

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Reads what the pre-issued UserSig of `s` (if it has one) claims, as the API
/// would, without its signature (that needs the secret key): malformed, expired,
/// or made for another sdkappid or identifier is an error on `usersig` with the
/// words the API's refusal gets (and its ErrorCode); one that expires within
/// [`USERSIG_EXPIRY_WARNING_SECONDS`] warns, since it is never renewed. The
/// UserSig itself is never quoted; what it claims is no secret.
pub(crate) fn check_preissued_usersig(s: &Settings, now: u64, diags: &mut Diagnostics) {
    let Credentials::UserSig(sig) = &s.credentials else {
        return;
    };
    let (app, id) = (s.sdkappid, s.identifier.as_str());
    let refuse = |diags: &mut Diagnostics, code: i64, expired_at: Option<u64>, fact: String| {
        let advice = preissued_usersig_advice(code, app, id, expired_at).unwrap_or_default();
        diags.attr_error(
            USERSIG.attr,
            "Unusable usersig",
            format!(
                "{fact}, so every API call would fail with ErrorCode {code}: {advice}. \
                 (Checked by the provider before any call; no call was made.)"
            ),
        );
    };
    let info = match usersig::inspect(sig.expose()) {
        Ok(info) => info,
        Err(_) => {
            let fact = "The pre-issued UserSig in usersig (TENCENTCHAT_USERSIG) is not a \
                        well-formed UserSig (base64 of zlib-compressed JSON with TLS.sig)";
            return refuse(diags, 70003, None, fact.to_string());
        }
    };
    if info.sdkappid != app {
        let fact = format!(
            "The pre-issued UserSig in usersig (TENCENTCHAT_USERSIG) was issued for sdkappid \
             {}, not {app}",
            info.sdkappid
        );
        return refuse(diags, 70014, None, fact);
    }
    if info.identifier != id {
        let fact = format!(
            "The pre-issued UserSig in usersig (TENCENTCHAT_USERSIG) was issued for identifier \
             {}, not {}",
            super::words::q(&info.identifier),
            super::words::q(id)
        );
        return refuse(diags, 70013, None, fact);
    }
    let expires_at = info.expires_at();
    if expires_at <= now {
        let fact = format!(
            "The pre-issued UserSig in usersig (TENCENTCHAT_USERSIG) expired at {}",
            crate::chat::time::rfc3339_seconds(expires_at)
        );
        // The fact states when; the advice need not say it again.
        return refuse(diags, 70001, None, fact);
    }
    let left = expires_at - now;
    if left <= USERSIG_EXPIRY_WARNING_SECONDS {
        diags.attr_warning(
            USERSIG.attr,
            "usersig expires soon",
            format!(
                "The pre-issued UserSig in usersig (TENCENTCHAT_USERSIG) expires at {} (in {} \
                 minute(s)) and is never renewed: a run still calling the API then fails with \
                 ErrorCode 70001. Issue a new one for identifier {} of sdkappid {app}, or \
                 configure secret_key (TENCENTCHAT_SECRET_KEY) so the provider signs requests \
                 itself.",
                crate::chat::time::rfc3339_seconds(expires_at),
                left.div_ceil(60),
                super::words::q(id)
            ),
        );
    }
}

/// Why a base URL is refused.
#[derive(Debug, PartialEq, Eq)]
enum BadUrl {
    /// Holds a part that may be a secret (named): never quoted back.
    Secretive(&'static str),
    /// Not an http(s) URL with a host.
    Shape,
}

/// A usable base URL: scheme and host (and port), without a path. A trailing
/// `/v4` (Tencent's URLs carry it: `https://console.tim.qq.com/v4/…`) is
/// dropped, because the client adds it to every call. Credentials, a query or
/// a fragment are [`BadUrl::Secretive`].
fn base_url(v: &str) -> Result<String, BadUrl> {
    // What may hold a secret is refused first, whatever the scheme, so that no
    // later message quotes it: an `@` anywhere (`HTTPS://user:pw@h`, `https:/u:pw@h`).
    if v.contains('@') {
        return Err(BadUrl::Secretive("a user name or password (user:pass@)"));
    }
    let rest = v
        .strip_prefix("https://")
        .or_else(|| v.strip_prefix("http://"))
        .ok_or(BadUrl::Shape)?;
    if v.contains('?') {
        return Err(BadUrl::Secretive("a query (?…)"));
    }
    if v.contains('#') {
        return Err(BadUrl::Secretive("a fragment (#…)"));
    }
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let path = path.trim_end_matches('/');
    let ok = !host.is_empty()
        && !host.starts_with(':')
        && (path.is_empty() || path == "v4")
        && v.bytes().all(|b| b.is_ascii_graphic());
    if !ok {
        return Err(BadUrl::Shape);
    }
    Ok(format!("{}{host}", &v[..v.len() - rest.len()]))
}

/// A refused base URL as a message may quote it: its scheme and host, with any
/// path shown as `/…` (a path may hold a token), never a query or fragment
/// (those, and `user:pass@`, are refused before without quoting).
fn shown_without_path(v: &str) -> String {
    let start = v.find("://").map_or(0, |i| i + 3);
    match v[start..].find('/') {
        Some(j) => format!("{}/…", &v[..start + j]),
        None => v.to_string(),
    }
}

/// The host of a valid base URL, without port or IPv6 brackets.
fn url_host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or("");
    if let Some(v6) = authority.strip_prefix('[') {
        return v6.split(']').next().unwrap_or("");
    }
    authority.rsplit_once(':').map_or(authority, |(h, _)| h)
}

/// Whether `host` is this machine: `localhost`, 127.0.0.0/8 or ::1.
fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_end_matches('.');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The warning for a clear-text base URL off loopback: every request carries
/// the admin's UserSig in its query string.
///
/// A warning, not a refusal: the legitimate uses (a simulator in another
/// container of a CI job, a TLS-terminating proxy on a private network) are
/// deliberate, and nothing of a refusal's opt-in would be safer than the user's
/// own `http://`; the warning shows at every validate and plan until fixed.
fn clear_text_warning(url: &str, origin: &str) -> Option<String> {
    let host = url_host(url);
    if !url.starts_with("http://") || is_loopback_host(host) {
        return None;
    }
    Some(format!(
        "{origin} is http://, to {host:?}, which is not this machine: every request sends the \
         app admin's UserSig in its query string unencrypted, and anyone on the network path \
         can read it and act as the admin while it is valid (a generated one for a day, a \
         pre-issued `usersig` until it expires). Use https://. Clear-text http:// is quiet only \
         for loopback (localhost, 127.0.0.0/8, ::1), as for a local tencentchat-sim."
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tfproto::Severity;
    use std::collections::HashMap;

    const KEY: &str = "s3cr3t-key-value";

    /// A well-formed pre-issued UserSig for `app`/`id`, valid for a day from now.
    fn sig_for(app: u64, id: &str) -> String {
        usersig::generate("issuer-key", app, id, unix_now(), 86_400)
    }

    fn block(pairs: &[(&str, Value)]) -> Value {
        // Every schema attribute is present; unset ones are null.
        let mut v = Value::object(
            schema()
                .attributes
                .iter()
                .map(|a| (a.name.clone(), Value::Null)),
        );
        for (k, x) in pairs {
            v.set(k, x.clone());
        }
        v
    }

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + Send + Sync {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    fn run(config: &Value, e: &[(&str, &str)], mode: Mode) -> Resolved {
        resolve(config, &env(e), mode)
    }

    fn errors_on(r: &Resolved) -> Vec<String> {
        r.diagnostics
            .0
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| {
                d.attribute
                    .as_ref()
                    .map(|p| format!("{:?}", p.0[0]))
                    .unwrap_or_default()
            })
            .collect()
    }

    fn assert_no_secret(r: &Resolved, secret: &str) {
        let all = format!("{:?} {:?}", r.diagnostics, r.settings);
        assert!(!all.contains(secret), "secret leaked: {all}");
    }

    #[test]
    fn defaults_with_minimal_block() {
        let r = run(
            &block(&[
                ("sdkappid", Value::Number(1400000000.0)),
                ("secret_key", Value::string(KEY)),
            ]),
            &[],
            Mode::Configure,
        );
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        let s = r.settings.expect("settings");
        assert_eq!(s.sdkappid, 1400000000);
        assert_eq!(s.identifier, "administrator");
        assert!(matches!(&s.credentials, Credentials::SecretKey(k) if k.expose() == KEY));
        assert_eq!(s.target, Target::Region("china".into()));
        assert_eq!(
            (s.request_timeout_seconds, s.max_retries, s.calls_per_second),
            (30, 5, 100)
        );
        assert_no_secret(&run(&block(&[]), &[], Mode::Configure), KEY);
    }

    #[test]
    fn custom_fields_from_the_block_or_the_environment() {
        let base = [
            ("sdkappid", Value::Number(1400000000.0)),
            ("secret_key", Value::string(KEY)),
        ];
        let with = |v: Value| {
            let mut pairs = base.to_vec();
            pairs.push(("custom_fields", v));
            block(&pairs)
        };
        let names = |r: Resolved| r.settings.expect("settings").custom_fields;
        let list = |xs: &[&str]| Value::List(xs.iter().map(|x| Value::string(*x)).collect());
        assert!(names(run(&block(&base), &[], Mode::Configure)).is_empty());
        assert_eq!(
            names(run(
                &with(list(&["model", "team", "model"])),
                &[],
                Mode::Configure
            )),
            ["model", "team"]
        );
        let from_env = run(
            &block(&base),
            &[("TENCENTCHAT_CUSTOM_FIELDS", "model, team")],
            Mode::Configure,
        );
        assert_eq!(names(from_env), ["model", "team"]);
        let bad = run(&with(list(&["ok", "bad-name"])), &[], Mode::Validate);
        assert_eq!(errors_on(&bad).len(), 1);
        let detail = &bad.diagnostics.0[0].detail;
        assert!(
            detail.contains("bad-name") && detail.contains("letters, digits"),
            "{detail}"
        );
        let unknown = run(
            &with(Value::List(vec![Value::Unknown])),
            &[],
            Mode::Configure,
        );
        assert_eq!(unknown.unknown, ["custom_fields"]);
    }

    #[test]
    fn everything_from_the_environment() {
        let sig = sig_for(4294967295, "admin2");
        let r = run(
            &block(&[]),
            &[
                ("TENCENTCHAT_SDKAPPID", "4294967295"),
                ("TENCENTCHAT_IDENTIFIER", "admin2"),
                ("TENCENTCHAT_USERSIG", &sig),
                ("TENCENTCHAT_REGION", "silicon-valley"),
                ("TENCENTCHAT_REQUEST_TIMEOUT_SECONDS", "300"),
                ("TENCENTCHAT_MAX_RETRIES", "0"),
                ("TENCENTCHAT_CALLS_PER_SECOND", " 200 "),
            ],
            Mode::Configure,
        );
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        let s = r.settings.unwrap();
        assert_eq!(s.sdkappid, 4294967295);
        assert_eq!(s.identifier, "admin2");
        assert!(matches!(&s.credentials, Credentials::UserSig(k) if *k.expose() == sig));
        assert_eq!(s.target, Target::Region("silicon-valley".into()));
        assert_eq!(
            (s.request_timeout_seconds, s.max_retries, s.calls_per_second),
            (300, 0, 200)
        );
    }

    #[test]
    fn block_wins_over_environment() {
        let r = run(
            &block(&[
                ("sdkappid", Value::Number(7.0)),
                ("secret_key", Value::string(KEY)),
                ("endpoint", Value::string("http://127.0.0.1:8080/")),
                ("max_retries", Value::Number(2.0)),
            ]),
            &[
                ("TENCENTCHAT_SDKAPPID", "9"),
                // Not a conflict: the block's credentials win as a pair.
                ("TENCENTCHAT_USERSIG", "other"),
                ("TENCENTCHAT_MAX_RETRIES", "not a number"),
                ("TENCENTCHAT_REGION", "tokyo"),
            ],
            Mode::Configure,
        );
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        let s = r.settings.unwrap();
        assert_eq!(s.sdkappid, 7);
        assert!(matches!(s.credentials, Credentials::SecretKey(_)));
        assert_eq!(s.target, Target::Url("http://127.0.0.1:8080".into()));
        assert_eq!(s.max_retries, 2);
    }

    #[test]
    fn empty_environment_variable_is_unset() {
        let r = run(
            &block(&[("secret_key", Value::string(KEY))]),
            &[("TENCENTCHAT_SDKAPPID", ""), ("TENCENTCHAT_IDENTIFIER", "")],
            Mode::Configure,
        );
        assert_eq!(errors_on(&r), [r#"Attribute("sdkappid")"#]);
        let d = &r.diagnostics.0[0];
        assert!(d.detail.contains("TENCENTCHAT_SDKAPPID") && d.detail.contains("`sdkappid`"));
    }

    #[test]
    fn missing_values_are_errors_only_at_configure() {
        let r = run(&block(&[]), &[], Mode::Validate);
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        assert!(r.settings.is_none());

        let r = run(&block(&[]), &[], Mode::Configure);
        assert_eq!(
            errors_on(&r),
            [r#"Attribute("sdkappid")"#, r#"Attribute("secret_key")"#]
        );
        let creds = &r.diagnostics.0[1];
        for word in [
            "secret_key",
            "usersig",
            "TENCENTCHAT_SECRET_KEY",
            "TENCENTCHAT_USERSIG",
        ] {
            assert!(creds.detail.contains(word), "{word}: {}", creds.detail);
        }
    }

    #[test]
    fn each_invalid_setting_is_its_own_diagnostic() {
        let r = run(
            &block(&[
                ("sdkappid", Value::Number(0.0)),
                ("identifier", Value::string("")),
                ("region", Value::string("mars")),
                ("request_timeout_seconds", Value::Number(0.5)),
                ("max_retries", Value::Number(21.0)),
                ("calls_per_second", Value::Number(201.0)),
            ]),
            &[
                ("TENCENTCHAT_SECRET_KEY", KEY),
                ("TENCENTCHAT_USERSIG", "x"),
            ],
            Mode::Validate,
        );
        assert_eq!(
            errors_on(&r),
            [
                r#"Attribute("sdkappid")"#,
                r#"Attribute("identifier")"#,
                r#"Attribute("usersig")"#,
                r#"Attribute("region")"#,
                r#"Attribute("request_timeout_seconds")"#,
                r#"Attribute("max_retries")"#,
                r#"Attribute("calls_per_second")"#,
            ]
        );
        // Each names the attribute, its variable, and what is allowed.
        let d = &r.diagnostics.0;
        assert!(d[0].detail.contains("TENCENTCHAT_SDKAPPID") && d[0].detail.contains("4294967295"));
        assert!(d[3].detail.contains("silicon-valley") && d[3].detail.contains("\"mars\""));
        assert!(d[5].detail.contains("0 to 20") && d[5].detail.contains("TENCENTCHAT_MAX_RETRIES"));
        assert_no_secret(&r, KEY);
        assert!(r.settings.is_none());
    }

    #[test]
    fn invalid_environment_values_name_the_variable() {
        let r = run(
            &block(&[("usersig", Value::string("sig"))]),
            &[
                ("TENCENTCHAT_SDKAPPID", "4294967296"),
                ("TENCENTCHAT_ENDPOINT", "ftp://x"),
                ("TENCENTCHAT_IDENTIFIER", "bad\u{7f}"),
            ],
            Mode::Configure,
        );
        assert_eq!(
            errors_on(&r),
            [
                r#"Attribute("sdkappid")"#,
                r#"Attribute("identifier")"#,
                r#"Attribute("endpoint")"#
            ]
        );
        assert!(r.diagnostics.0[0]
            .detail
            .starts_with("TENCENTCHAT_SDKAPPID must be"));
        assert!(r.diagnostics.0[2]
            .detail
            .starts_with("TENCENTCHAT_ENDPOINT must be"));
    }

    #[test]
    fn secrets_are_never_echoed() {
        // Both set in the block: conflict, without the values.
        let r = run(
            &block(&[
                ("sdkappid", Value::Number(1.0)),
                ("secret_key", Value::string(KEY)),
                ("usersig", Value::string("sig-value-xyz")),
            ]),
            &[],
            Mode::Validate,
        );
        assert_eq!(errors_on(&r), [r#"Attribute("usersig")"#]);
        assert_no_secret(&r, KEY);
        assert_no_secret(&r, "sig-value-xyz");

        // A blank secret from the environment.
        let r = run(
            &block(&[("sdkappid", Value::Number(1.0))]),
            &[("TENCENTCHAT_SECRET_KEY", "   ")],
            Mode::Configure,
        );
        assert_eq!(errors_on(&r), [r#"Attribute("secret_key")"#]);
        assert!(r.diagnostics.0[0]
            .detail
            .starts_with("TENCENTCHAT_SECRET_KEY is empty"));
    }

    #[test]
    fn surrounding_whitespace_in_a_secret_is_named_before_any_call() {
        // The newline file() keeps, in the block: validate already says so.
        let key = format!("{KEY}\n");
        let r = run(
            &block(&[
                ("sdkappid", Value::Number(1.0)),
                ("secret_key", Value::string(&key)),
            ]),
            &[],
            Mode::Validate,
        );
        assert_eq!(errors_on(&r), [r#"Attribute("secret_key")"#]);
        let detail = &r.diagnostics.0[0].detail;
        assert!(
            detail.starts_with("`secret_key` starts or ends with whitespace"),
            "{detail}"
        );
        assert!(detail.contains("trimspace(file("), "{detail}");
        assert_no_secret(&r, KEY);
        // A pre-issued UserSig from the environment with a leading space.
        let r = run(
            &block(&[("sdkappid", Value::Number(1.0))]),
            &[(
                "TENCENTCHAT_USERSIG",
                " eJyrVgrxCdYrSy1SslIy0jNQ0gHzM1NS80oy0zLBwinFxQZQ8eKU7MSCgsy8dKBMRnFRvqFSLQCQHhGa",
            )],
            Mode::Configure,
        );
        assert_eq!(errors_on(&r), [r#"Attribute("usersig")"#]);
        assert!(r.diagnostics.0[0]
            .detail
            .starts_with("TENCENTCHAT_USERSIG starts or ends with whitespace"));
        assert!(r.settings.is_none());
    }

    #[test]
    fn unknown_values_are_reported_not_failed() {
        let r = run(
            &block(&[
                ("sdkappid", Value::Unknown),
                ("secret_key", Value::Unknown),
                ("region", Value::string("mars")),
            ]),
            &[],
            Mode::Configure,
        );
        assert_eq!(r.unknown, ["sdkappid", "secret_key"]);
        // Known values are still checked.
        assert_eq!(errors_on(&r), [r#"Attribute("region")"#]);
        assert!(r.settings.is_none());

        let r = run(
            &block(&[
                ("endpoint", Value::Unknown),
                ("usersig", Value::string("s")),
            ]),
            &[("TENCENTCHAT_SDKAPPID", "5")],
            Mode::Configure,
        );
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        assert_eq!(r.unknown, ["endpoint"]);
        assert!(r.settings.is_none());
    }

    #[test]
    fn endpoint_overrides_region_but_region_is_checked() {
        let r = run(
            &block(&[
                ("sdkappid", Value::Number(3.0)),
                ("usersig", Value::string(sig_for(3, "administrator"))),
                ("endpoint", Value::string("https://example.test/v4/")),
                ("region", Value::string("seoul")),
            ]),
            &[],
            Mode::Configure,
        );
        assert_eq!(
            r.settings.unwrap().target,
            Target::Url("https://example.test".into())
        );
        for bad in [
            "https://example.test/base",
            "https://example.test/v4/im_open_login_svc",
            "https://example.test/v5",
            "http://",
            "https://:80",
            "http://a b",
            "http://h/?q=1",
            "example.com",
            "http://user@host",
        ] {
            assert!(base_url(bad).is_err(), "{bad}");
        }
        assert_eq!(
            base_url("http://127.0.0.1:9000//").as_deref(),
            Ok("http://127.0.0.1:9000")
        );
    }

    /// Credentials or a query in an endpoint are refused, and neither the value
    /// nor any part of it is quoted in the diagnostic.
    #[test]
    fn endpoints_with_credentials_or_a_query_are_refused_without_echo() {
        for (attr, env) in [
            ("endpoint", "TENCENTCHAT_ENDPOINT"),
            ("backup_endpoint", "TENCENTCHAT_BACKUP_ENDPOINT"),
        ] {
            for (bad, part) in [
                (
                    "https://admin:hunter2pw@chat.example.test",
                    "user name or password",
                ),
                ("http://hunter2pw@127.0.0.1:8080/", "user name or password"),
                ("https://chat.example.test/?token=hunter2pw", "query"),
                ("https://chat.example.test/v4#hunter2pw", "fragment"),
                // Whatever the scheme's spelling (found by trying it).
                (
                    "HTTPS://admin:hunter2pw@example.test",
                    "user name or password",
                ),
                (" https://u:hunter2pw@h", "user name or password"),
                ("https:/u:hunter2pw@h", "user name or password"),
                (
                    "ftp://admin:hunter2pw@example.test",
                    "user name or password",
                ),
                // A path is not quoted either (it may hold a token).
                (
                    "https://example.test/hunter2pw",
                    "must be an http:// or https://",
                ),
            ] {
                for from_env in [false, true] {
                    let (cfg, vars) = if from_env {
                        (block(&[]), vec![(env, bad)])
                    } else {
                        (block(&[(attr, Value::string(bad))]), vec![])
                    };
                    let r = run(&cfg, &vars, Mode::Validate);
                    assert_eq!(errors_on(&r), [format!("Attribute({attr:?})")], "{bad}");
                    let d = &r.diagnostics.0[0];
                    let text = format!("{} {}", d.summary, d.detail);
                    assert!(!text.contains("hunter2pw"), "{text}");
                    assert!(!text.contains("chat.example.test"), "{text}");
                    assert!(text.contains(part), "{part}: {text}");
                    assert!(text.contains(if from_env { env } else { attr }), "{text}");
                }
            }
        }
    }

    fn warnings_on(r: &Resolved) -> Vec<(String, String)> {
        r.diagnostics
            .0
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .map(|d| (format!("{:?}", d.attribute), d.detail.clone()))
            .collect()
    }

    /// http:// off loopback warns at validate, naming the attribute (or its
    /// variable) and the UserSig; loopback and https:// stay quiet; configure
    /// does not repeat it.
    #[test]
    fn clear_text_endpoints_off_loopback_warn_at_validate() {
        for url in [
            "http://192.0.2.10:8080",
            "http://sim:8080",
            "http://[2001:db8::1]:80/",
            "http://localhost.example.test",
            "http://128.0.0.1",
        ] {
            for attr in ["endpoint", "backup_endpoint"] {
                let r = run(&block(&[(attr, Value::string(url))]), &[], Mode::Validate);
                let w = warnings_on(&r);
                assert_eq!(w.len(), 1, "{url}: {w:?}");
                assert!(w[0].0.contains(attr), "{w:?}");
                assert!(w[0].1.contains(&format!("`{attr}`")), "{w:?}");
                assert!(
                    w[0].1.contains("UserSig") && w[0].1.contains("https://"),
                    "{w:?}"
                );
                let summary = &r.diagnostics.0[0].summary;
                assert_eq!(summary, &format!("{attr} sends the UserSig in clear text"));
                assert!(!r.diagnostics.has_errors());
                let r = run(&block(&[(attr, Value::string(url))]), &[], Mode::Configure);
                assert!(warnings_on(&r).is_empty(), "configure repeats it: {url}");
            }
        }
        let r = run(
            &block(&[]),
            &[("TENCENTCHAT_ENDPOINT", "http://10.1.2.3")],
            Mode::Validate,
        );
        let w = warnings_on(&r);
        assert!(
            w.len() == 1 && w[0].1.contains("TENCENTCHAT_ENDPOINT"),
            "{w:?}"
        );
        for quiet in [
            "http://127.0.0.1:8080",
            "http://127.8.9.10",
            "http://localhost:1",
            "http://LOCALHOST.",
            "http://[::1]:9000",
            "https://192.0.2.10",
            "https://console.tim.qq.com",
        ] {
            let r = run(
                &block(&[("endpoint", Value::string(quiet))]),
                &[],
                Mode::Validate,
            );
            assert!(r.diagnostics.is_empty(), "{quiet}: {:?}", r.diagnostics);
        }
    }

    #[test]
    fn every_attribute_has_a_description_and_secrets_are_sensitive() {
        let s = schema();
        assert_eq!(s.attributes.len(), 11);
        for a in &s.attributes {
            assert!(!a.description.is_empty(), "{}", a.name);
            assert!(a.optional && !a.required && !a.computed, "{}", a.name);
            assert_eq!(
                a.sensitive,
                a.name == "secret_key" || a.name == "usersig",
                "{}",
                a.name
            );
        }
        // The rule and default in each description come from the setting's kind.
        let described = |name: &str| s.attribute(name).unwrap().description.clone();
        assert_eq!(
            described("max_retries"),
            "How many times a call is retried after a transient error. A whole number from 0 \
             to 20. Also `TENCENTCHAT_MAX_RETRIES`; defaults to 5."
        );
        assert!(described("region").contains("`china`, `singapore`"));
        assert!(described("calls_per_second").contains("from 1 to 200"));
        assert!(described("identifier").contains("1 to 32 printable ASCII"));
        let vars: Vec<_> = env_vars().collect();
        assert_eq!(
            vars.len(),
            s.attributes.len(),
            "every setting has its variable"
        );
        assert!(vars.contains(&("backup_endpoint", "TENCENTCHAT_BACKUP_ENDPOINT")));
    }

    #[test]
    fn a_preissued_usersig_is_checked_before_any_call() {
        let now = 1_800_000_000;
        let settings = |sig: String| Settings {
            sdkappid: 1_400_000_000,
            identifier: "administrator".into(),
            credentials: Credentials::UserSig(Secret::new(sig)),
            target: Target::Region("china".into()),
            backup_endpoint: None,
            request_timeout_seconds: 30,
            max_retries: 3,
            calls_per_second: 20,
            custom_fields: Vec::new(),
        };
        let check = |sig: String| {
            let mut d = Diagnostics::new();
            check_preissued_usersig(&settings(sig.clone()), now, &mut d);
            let all: Vec<(Severity, String)> =
                d.0.iter()
                    .map(|x| (x.severity, format!("{} {}", x.summary, x.detail)))
                    .collect();
            for (_, text) in &all {
                assert!(!text.contains(&sig), "the UserSig is quoted: {text}");
            }
            all
        };
        let sig = |app: u64, id: &str, time: u64, expire: u64| {
            usersig::generate("issuer-key", app, id, time, expire)
        };
        assert!(check(sig(1_400_000_000, "administrator", now - 10, 86_400)).is_empty());
        let cases = [
            (
                "eJx-not-a-usersig".to_string(),
                "ErrorCode 70003",
                "copied whole",
            ),
            (
                sig(1_400_000_001, "administrator", now, 86_400),
                "ErrorCode 70014",
                "was issued for sdkappid 1400000001, not 1400000000",
            ),
            (
                sig(1_400_000_000, "ops", now, 86_400),
                "ErrorCode 70013",
                "was issued for identifier \"ops\", not \"administrator\"",
            ),
            (
                sig(1_400_000_000, "administrator", now - 7200, 3600),
                "ErrorCode 70001",
                "expired at 2027-01-15T07:00:00Z, so every API call would fail with \
                 ErrorCode 70001: the pre-issued UserSig in usersig (TENCENTCHAT_USERSIG) \
                 expired and must be renewed",
            ),
        ];
        for (bad, code, words) in cases {
            let got = check(bad);
            assert_eq!(got.len(), 1, "{got:?}");
            assert_eq!(got[0].0, Severity::Error, "{got:?}");
            assert!(
                got[0].1.contains(code) && got[0].1.contains(words),
                "{got:?}"
            );
            assert!(got[0].1.contains("no call was made"), "{got:?}");
            assert!(
                got[0].1.matches("2027-").count() <= 1,
                "a time said twice: {got:?}"
            );
        }
        let soon = check(sig(1_400_000_000, "administrator", now - 3000, 3600));
        assert_eq!(soon.len(), 1, "{soon:?}");
        assert_eq!(soon[0].0, Severity::Warning, "{soon:?}");
        assert!(soon[0].1.contains("in 10 minute(s)"), "{soon:?}");
    }
}
