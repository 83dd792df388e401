//! The Tencent Cloud Chat provider: its block, `tencentchat_robot`,
//! `tencentchat_robots`, the ephemeral `tencentchat_usersig` and the functions
//! `usersig_claims` and `robot_user_id`, on top of `chat::Client`.
//!
//! Shared state lives in `api::Inner` (its own module, so that the types and
//! this module, which registers them, never import each other): how the provider was configured (not yet, with
//! values still unknown, or ready with a client) and, once ready, the read
//! snapshot every resource and data source shares. Invariants: invalid
//! configuration never reaches the API (validate and plan check every known
//! value); secrets never appear in diagnostics or logs.

mod api;
mod config;
mod functions;
mod plans;
mod profile;
mod robot;
mod robot_data;
mod robots;
mod siblings;
mod snapshot;
mod usersig;
mod validate;
mod words;

use crate::chat::{Client, Credentials};
use crate::tfproto::{
    self, ClientInfo, DataSource, Diagnostics, EphemeralResource, Function, Resource, Schema, Value,
};
use api::{Api, Conn, Inner};
use config::Mode;
use siblings::{Announcing, Siblings};
use snapshot::Snapshot;
use std::sync::{Arc, RwLock, Weak};

pub use config::env_vars;

/// The provider's version, as Terraform sees it in logs and `--version`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The `log` targets of the API client and the simulator, whose lines join this
/// process's hclog output (`tfkit::log::forward`).
pub const LOG_TARGETS: &[&str] = &["chat", "sim"];

/// The provider. Cheap to build; nothing talks to the API before configure.
pub struct TencentChat {
    inner: Arc<Inner>,
}

impl Default for TencentChat {
    fn default() -> Self {
        Self::new()
    }
}

impl TencentChat {
    /// A provider that reads `TENCENTCHAT_*` from the process environment.
    pub fn new() -> TencentChat {
        Self::with_env(|name| std::env::var(name).ok())
    }

    /// A provider that reads its environment fallbacks through `env` (for tests
    /// and embedding, so nobody has to mutate the process environment).
    pub fn with_env(env: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> TencentChat {
        TencentChat {
            inner: Arc::new(Inner {
                env: Box::new(env),
                conn: RwLock::new(Conn::NotConfigured),
            }),
        }
    }
}

/// The client settings an empty `provider "tencentchat" {}` block would get from
/// `env` (the `TENCENTCHAT_*` variables), checked by the very rules the provider
/// applies, for tools that must talk to the same app (scripts/tencentchat-live.rs).
/// An error lists every problem, one sentence each, naming the variable.
pub fn client_config_from_env(
    env: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
) -> Result<crate::chat::ClientConfig, String> {
    let resolved = config::resolve(&Value::Null, &env, Mode::Configure);
    match resolved.settings {
        Some(settings) if !resolved.diagnostics.has_errors() => settings.client_config(),
        _ => Err(resolved
            .diagnostics
            .0
            .iter()
            .map(|d| format!("{}: {}", d.summary, d.detail))
            .collect::<Vec<_>>()
            .join("\n")),
    }
}

/// Listens for sibling provider processes (siblings.rs) starting to read, and
/// then prefetches `api`'s snapshot. `None` (logged) when no socket can be made:
/// reads work as before, only without the overlap.
fn join_siblings(api: Weak<Api>, sdkappid: u64) -> Option<Arc<Siblings>> {
    match Siblings::join(sdkappid) {
        Ok((siblings, listener)) => {
            tokio::spawn(Siblings::listen(listener, move || {
                if let Some(api) = api.upgrade() {
                    tokio::spawn(async move { api.snapshot.prefetch().await });
                }
            }));
            Some(Arc::new(siblings))
        }
        Err(e) => {
            log_debug!(
                "provider",
                "no sibling socket; reads will not overlap",
                error = e
            );
            None
        }
    }
}

#[async_trait::async_trait]
impl tfproto::Provider for TencentChat {
    fn schema(&self) -> Schema {
        config::schema()
    }

    fn resources(&self) -> Vec<Arc<dyn Resource>> {
        vec![tfproto::resource(robot::Robot::new(self.inner.clone()))]
    }

    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        vec![
            tfproto::data_source(robots::Robots::new(self.inner.clone())),
            tfproto::data_source(robot_data::RobotData::new(self.inner.clone())),
        ]
    }

    fn ephemeral_resources(&self) -> Vec<Arc<dyn EphemeralResource>> {
        vec![tfproto::ephemeral(usersig::UserSig::new(
            self.inner.clone(),
        ))]
    }

    fn functions(&self) -> Vec<Arc<dyn Function>> {
        functions::all()
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        config::resolve(config, &*self.inner.env, Mode::Validate).diagnostics
    }

    async fn configure(&self, config: &Value, terraform: &ClientInfo) -> Diagnostics {
        let resolved = config::resolve(config, &*self.inner.env, Mode::Configure);
        let mut diags = resolved.diagnostics;
        if diags.has_errors() {
            self.inner.set_conn(Conn::NotConfigured);
            return diags;
        }
        if !resolved.unknown.is_empty() {
            log_debug!(
                "provider",
                "configured with unknown values; reads keep prior state",
                unknown = resolved.unknown.join(",")
            );
            self.inner.set_conn(Conn::Unknown(resolved.unknown));
            return diags;
        }
        let Some(settings) = resolved.settings else {
            // resolve() gives settings whenever there are no errors and no unknowns.
            diags.error("Provider configuration incomplete", "");
            return diags;
        };
        let client = settings
            .client_config()
            .map(|mut cfg| {
                cfg.terraform_version = Some(terraform.terraform_version.clone());
                cfg
            })
            .and_then(|cfg| {
                let wait_limit = cfg.request_timeout;
                Client::new(cfg)
                    .map(|c| (c, wait_limit))
                    .map_err(|e| e.to_string())
            });
        match client {
            Ok((client, wait_limit)) => {
                // The target as the user wrote it: `region="singapore"` or
                // `endpoint="http://…"`.
                let (target_key, target) = match &settings.target {
                    config::Target::Region(region) => ("region", region),
                    config::Target::Url(endpoint) => ("endpoint", endpoint),
                };
                crate::log::emit(
                    crate::log::Level::Debug,
                    "provider",
                    "configured",
                    &[
                        ("sdkappid", &settings.sdkappid),
                        ("identifier", &settings.identifier),
                        (target_key, target),
                        ("version", &VERSION),
                    ],
                );
                let api = Arc::new_cyclic(|me: &Weak<Api>| Api {
                    snapshot: Snapshot::new(
                        Announcing {
                            client: client.clone(),
                            siblings: join_siblings(me.clone(), settings.sdkappid),
                        },
                        &settings.custom_fields,
                    ),
                    custom_fields: settings.custom_fields.iter().cloned().collect(),
                    client,
                    sdkappid: settings.sdkappid,
                    identifier: settings.identifier.clone(),
                    secret_key: match &settings.credentials {
                        Credentials::SecretKey(k) => Some(k.clone()),
                        Credentials::UserSig(_) => None,
                    },
                    first_report: Default::default(),
                    plans: plans::Plans::new(settings.sdkappid),
                    wait_limit,
                });
                self.inner.set_conn(Conn::Ready(api));
            }
            Err(e) => {
                self.inner.set_conn(Conn::NotConfigured);
                diags.error("Could not set up the Chat API client", e);
            }
        }
        diags
    }

    async fn stop(&self) -> Result<(), String> {
        if let Conn::Ready(api) = self.inner.conn() {
            log_debug!("provider", "stop requested: ending in-flight API calls");
            api.client.stop();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tfproto::Provider as _;

    #[tokio::test]
    async fn unknown_configuration_is_remembered_and_explained() {
        let p = TencentChat::with_env(|_| None);
        let mut cfg = Value::object(
            config::schema()
                .attributes
                .iter()
                .map(|a| (a.name.clone(), Value::Null)),
        );
        cfg.set("sdkappid", Value::Unknown);
        cfg.set("secret_key", Value::string("k"));
        let d = p.configure(&cfg, &ClientInfo::default()).await;
        assert!(d.is_empty(), "{d:?}");
        assert!(matches!(p.inner.conn(), Conn::Unknown(ref a) if a == &["sdkappid"]));
        let err = p.inner.api("create chatbot @RBT#1").err().unwrap();
        assert!(err.has_errors());
        assert!(err.0[0].detail.contains("`sdkappid` is not known yet"));
        assert_eq!(p.resources()[0].type_name(), "tencentchat_robot");
        assert_eq!(p.data_sources()[0].type_name(), "tencentchat_robots");
    }

    #[tokio::test]
    async fn configure_errors_leave_the_provider_unconfigured() {
        let p = TencentChat::with_env(|k| (k == "TENCENTCHAT_SDKAPPID").then(|| "x".into()));
        let cfg = Value::object([("secret_key", Value::string("k"))]);
        let d = p.configure(&cfg, &ClientInfo::default()).await;
        assert!(d.has_errors());
        assert!(matches!(p.inner.conn(), Conn::NotConfigured));
        assert!(p.validate(&cfg).await.has_errors());
    }

    #[test]
    fn client_config_from_env_follows_the_provider_rules() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        let cfg = client_config_from_env(env(&[
            ("TENCENTCHAT_SDKAPPID", "1400000000"),
            ("TENCENTCHAT_SECRET_KEY", "key-never-shown"),
            ("TENCENTCHAT_ENDPOINT", "http://127.0.0.1:9/"),
        ]))
        .unwrap();
        assert_eq!(cfg.sdkappid, 1400000000);
        assert_eq!(cfg.identifier, "administrator");
        assert_eq!(
            cfg.endpoint,
            crate::chat::Endpoint::Url("http://127.0.0.1:9".into())
        );
        let err = client_config_from_env(env(&[
            ("TENCENTCHAT_SECRET_KEY", "key-never-shown"),
            ("TENCENTCHAT_REGION", "mars"),
        ]))
        .unwrap_err();
        assert!(err.contains("TENCENTCHAT_SDKAPPID"), "{err}");
        assert!(err.contains("TENCENTCHAT_REGION"), "{err}");
        assert!(!err.contains("key-never-shown"), "{err}");
    }
}
