//! The provider's shared state, which every type reads: how the provider was
//! configured ([`Conn`]: not yet, with values still unknown, or ready) and, once
//! ready, the [`Api`] of its app (client, read snapshot, plans, custom fields).
//! Here rather than in `mod.rs`, so the types and the provider that registers
//! them never import each other.

use super::config::EnvLookup;
use super::plans;
use super::siblings::Announcing;
use super::snapshot::{self, Snapshot};
use crate::chat::{ChatError, Client, Secret};
use crate::tfproto::Diagnostics;
use std::sync::{Arc, RwLock};

/// How far configuration got.
#[derive(Clone)]
pub(crate) enum Conn {
    NotConfigured,
    /// Configured with values not known yet (they come from other resources).
    Unknown(Vec<&'static str>),
    Ready(Arc<Api>),
}

/// Everything needed to talk to one app.
pub(crate) struct Api {
    pub(crate) client: Client,
    pub(crate) sdkappid: u64,
    pub(crate) snapshot: Snapshot<Announcing>,
    /// The admin account requests are signed for.
    pub(crate) identifier: String,
    /// The custom profile fields every read asks for (the provider's
    /// `custom_fields`): the only ones a chatbot may set.
    pub(crate) custom_fields: std::collections::BTreeSet<String>,
    /// The app's secret key, when configured (not with a pre-issued `usersig`):
    /// `tencentchat_usersig` signs with it.
    pub(crate) secret_key: Option<Secret>,
    /// The message of the last failure explained in full, and for whom.
    pub(crate) first_report: std::sync::Mutex<Option<(String, String)>>,
    /// The creates this process planned and claimed, and its deletes in flight.
    pub(crate) plans: plans::Plans,
    /// How long a create that meets a full app waits for this process's
    /// deletes of it (the request timeout).
    pub(crate) wait_limit: std::time::Duration,
}

impl Api {
    /// The summary and detail for `subject` (`chatbot "@RBT#a"`, say) failing
    /// with `e`. A failure that many resources share (the app's list could not be
    /// read, say with a wrong key) is explained in full once, on the first one
    /// that reports it; every other one gets one line that points there.
    pub(crate) fn explain(&self, summary: &str, subject: &str, e: &ChatError) -> (String, String) {
        let mut first = self.first_report.lock().unwrap_or_else(|p| p.into_inner());
        match &*first {
            Some((message, who)) if message == e.message() && who != subject => {
                let what = match e.code {
                    Some(code) => format!("{} answered ErrorCode {code}", e.endpoint),
                    None => format!("{} failed", e.endpoint),
                };
                (
                    summary.to_string(),
                    format!(
                        "The same failure as reported for {who} ({what}); see that message \
                         for what to check."
                    ),
                )
            }
            _ => {
                *first = Some((e.message().to_string(), subject.to_string()));
                (summary.to_string(), e.to_string())
            }
        }
    }
}

pub(crate) struct Inner {
    pub(crate) env: Box<EnvLookup>,
    pub(crate) conn: RwLock<Conn>,
}

impl Inner {
    pub(crate) fn conn(&self) -> Conn {
        self.conn.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub(crate) fn set_conn(&self, conn: Conn) {
        *self.conn.write().unwrap_or_else(|e| e.into_inner()) = conn;
    }

    /// The API for `action` (e.g. "create chatbot @RBT#1"), or an error saying why
    /// the provider cannot call it.
    pub(crate) fn api(&self, action: &str) -> Result<Arc<Api>, Diagnostics> {
        let mut d = Diagnostics::new();
        match self.conn() {
            Conn::Ready(api) => return Ok(api),
            Conn::Unknown(attrs) => d.error(
                "Provider configuration not known yet",
                format!(
                    "Cannot {action}: the provider block's {} {} not known yet (set from \
                     another resource's output). Apply the resources it depends on first, \
                     for example with `terraform apply -target=…`, then run this again.",
                    attrs
                        .iter()
                        .map(|a| format!("`{a}`"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    if attrs.len() == 1 { "is" } else { "are" }
                ),
            ),
            Conn::NotConfigured => d.error(
                "Provider not configured",
                format!("Cannot {action}: the provider has not been configured."),
            ),
        }
        Err(d)
    }

    /// The app's chatbots for a data source's read: the API for `action` and the
    /// shared snapshot, or `None` after adding to `d` why not (a failed fetch is
    /// titled `summary` and explained once across `subject`s, see [`Api::explain`]).
    pub(crate) async fn read_view(
        &self,
        action: &str,
        summary: &str,
        subject: &str,
        d: &mut Diagnostics,
    ) -> Option<(Arc<Api>, Arc<snapshot::View>)> {
        let api = match self.api(action) {
            Ok(api) => api,
            Err(e) => {
                d.extend(e);
                return None;
            }
        };
        match api.snapshot.get().await {
            Ok(view) => Some((api, view)),
            Err(e) => {
                let (summary, detail) = api.explain(summary, subject, &e);
                d.error(summary, detail);
                None
            }
        }
    }
}
