//! `tencentchat-sim`: a local simulator of the parts of the Tencent Cloud Chat REST
//! API this project uses (five endpoints), with an inspection and fault-injection
//! API under `/__sim/`.
//!
//! Layout: [`state`] is the pure model (robots and profiles, every business rule),
//! `api` the Chat endpoints (request checks in Tencent's order, rate limit,
//! faults), [`admin`] the `/__sim/` routes and the typed [`Admin`] client,
//! [`faults`] the fault registry, `limit` the call frequency limit and `persist`
//! the state file.
//!
//! Behaviour where Tencent's documentation is silent (see also chat-api.md):
//! - create_robot on an active robot applies the fields given and keeps the others;
//!   on a deleted robot it reactivates it with only the fields given (the old
//!   profile is not kept) and moves it to the end of the listing;
//! - a profile value `""` (create_robot or portrait_set) clears the tag;
//! - deleted robots do not exist for the profile endpoints (70107);
//! - portrait_set checks every standard tag by `chat::profile`'s table (40601,
//!   40605, 40610) and takes a custom field only if the app defines it (40009,
//!   as for any tag that does not exist; `--custom-fields`); a value `""` clears a
//!   string tag, an enumeration's default or 0 is stored as set;
//! - portrait_get leaves out tags never set and tags that do not exist (an
//!   undefined custom field) rather than failing;
//! - more than 100 accounts in portrait_get, or none, is 40001;
//! - unknown paths under `/v4/` get 60002 (HTTP 200), non-POST methods too;
//! - the call frequency limit is a sliding one-second window per endpoint per app;
//!   refused calls do not use it up;
//! - injected faults apply only to calls that pass every check (including the
//!   rate limit); every call that reached an endpoint is counted;
//! - portrait_get lists accounts with a non-zero per-account ResultCode in
//!   `Fail_Account`, and leaves `Fail_Account` out when none failed.
//!
//! [`shapes`] switches on other answer shapes the real service may use, and
//! [`tls`] serves HTTPS with a certificate from a CA of its own.
//!
//! Secrets: app keys never appear in logs, Debug output or the `/__sim/` API; the
//! UserSigs received are never logged, and only those that verified for an app
//! served here (at most [`MAX_USERSIGS_KEPT`], each at most
//! [`MAX_USERSIG_KEPT_LEN`] bytes) are kept, for `GET /__sim/usersigs`.
//! `/__sim/` answers loopback peers, and others only with the `--admin-token`.

#[macro_use]
extern crate chat_api;

pub mod admin;
mod api;
pub mod faults;
mod limit;
mod persist;
pub mod shapes;
pub mod state;
pub mod tls;

pub use admin::{is_loopback, Admin, AppInfo, Counters, ProfilePatch, SimRobot};
pub use faults::Fault;
pub use shapes::Shape;

use chat_api::wire::{endpoint_name, ENDPOINTS};
use limit::RateLimiter;
use serde::{Deserialize, Serialize};
use state::Model;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// The demo app's SDKAppID.
pub const DEMO_SDKAPPID: u64 = 1_400_000_000;
/// The demo app's secret key (public: it only opens the simulator).
pub const DEMO_SECRET_KEY: &str = "tencentchat-sim-demo-key-0000000000000000";
/// The admin account an app has when none is named (the demo app's too).
pub const DEMO_ADMIN: &str = "administrator";

/// How many distinct UserSigs the simulator remembers for `/__sim/usersigs`.
pub const MAX_USERSIGS_KEPT: usize = 10_000;
/// The longest UserSig remembered (a real one is about 200 bytes); longer ones
/// are served but not kept, so what is kept stays under 10 MiB.
pub const MAX_USERSIG_KEPT_LEN: usize = 1024;

/// One Chat app the simulator serves.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct App {
    pub sdkappid: u64,
    pub secret_key: String,
    #[serde(default = "default_admins")]
    pub admins: Vec<String>,
    /// The custom profile fields the app defines (names after
    /// `Tag_Profile_Custom_`), as its console would hold them.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub custom_fields: BTreeSet<String>,
}

fn default_admins() -> Vec<String> {
    vec![DEMO_ADMIN.to_string()]
}

impl App {
    /// SDKAppID 1400000000, a fixed public key, admin `administrator`.
    pub fn demo() -> App {
        App {
            sdkappid: DEMO_SDKAPPID,
            secret_key: DEMO_SECRET_KEY.to_string(),
            admins: default_admins(),
            custom_fields: BTreeSet::new(),
        }
    }
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("sdkappid", &self.sdkappid)
            .field("secret_key", &"<redacted>")
            .field("admins", &self.admins)
            .field("custom_fields", &self.custom_fields)
            .finish()
    }
}

/// What the simulator serves. Also the shape of the `--config` JSON file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SimConfig {
    pub apps: Vec<App>,
    /// Where robots and profiles are kept across restarts (none: memory only).
    pub state_file: Option<PathBuf>,
    /// Calls per second per endpoint per app before 60007.
    pub calls_per_second: u32,
    /// Answer shapes switched on from the start (see [`Shape`]).
    pub shapes: Vec<Shape>,
    /// What a peer off loopback must present (`Authorization: Bearer TOKEN`)
    /// to use `/__sim/`; without one, only loopback peers may. Given on the
    /// command line (`--admin-token`), never read from the config file.
    #[serde(skip)]
    pub admin_token: Option<AdminToken>,
}

/// The `/__sim/` token: never shown in Debug output.
#[derive(Clone, PartialEq, Eq)]
pub struct AdminToken(String);

impl AdminToken {
    /// A token; empty is refused.
    pub fn new(token: impl Into<String>) -> Result<AdminToken, String> {
        let t = token.into();
        if t.is_empty() || !t.bytes().all(|b| b.is_ascii_graphic()) {
            return Err("the admin token must be printable ASCII without spaces, not empty".into());
        }
        Ok(AdminToken(t))
    }

    /// Whether `presented` is this token (compared as SHA-256 digests, so the
    /// time taken says nothing about how much of it matched).
    pub fn matches(&self, presented: &str) -> bool {
        use sha2::Digest as _;
        sha2::Sha256::digest(self.0.as_bytes()) == sha2::Sha256::digest(presented.as_bytes())
    }

    /// The token itself, for a client that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdminToken(<redacted>)")
    }
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            apps: vec![App::demo()],
            state_file: None,
            calls_per_second: chat_api::wire::DOCUMENTED_CALLS_PER_SECOND,
            shapes: Vec::new(),
            admin_token: None,
        }
    }
}

static LOG_CALLS: AtomicBool = AtomicBool::new(false);

/// Whether every Chat API call is logged (at info level). Off by default so that
/// tests running the simulator in-process stay quiet; the binary turns it on.
pub fn log_calls(enabled: bool) {
    LOG_CALLS.store(enabled, Ordering::Relaxed);
}

fn logging_calls() -> bool {
    LOG_CALLS.load(Ordering::Relaxed)
}

/// Counters, UserSigs verified, faults, rate windows and the model, behind one lock
/// (every operation on them is short and never awaits).
struct Inner {
    model: Model,
    counters: Counters,
    usersigs: Vec<String>,
    usersigs_seen: HashSet<String>,
    faults: faults::Faults,
    limiter: RateLimiter,
    /// Answer shapes switched on now; kept through reset.
    shapes: Vec<Shape>,
    /// Accounts (per app) that portrait-transient failed the last time they were asked.
    failed_last: HashSet<(u64, String)>,
}

impl Inner {
    fn zero_counters(apps: &BTreeMap<u64, App>) -> Counters {
        let zeros: BTreeMap<String, u64> = ENDPOINTS
            .iter()
            .map(|p| (endpoint_name(p).to_string(), 0))
            .collect();
        Counters {
            total: zeros.clone(),
            apps: apps
                .keys()
                .map(|id| (id.to_string(), zeros.clone()))
                .collect(),
        }
    }

    /// Remembers a UserSig that verified for a served app.
    fn record_usersig(&mut self, sig: &str) {
        if sig.len() <= MAX_USERSIG_KEPT_LEN
            && self.usersigs.len() < MAX_USERSIGS_KEPT
            && self.usersigs_seen.insert(sig.to_string())
        {
            self.usersigs.push(sig.to_string());
        }
    }
}

/// Everything a request handler needs.
pub(crate) struct Shared {
    apps: BTreeMap<u64, App>,
    calls_per_second: u32,
    state_file: Option<PathBuf>,
    admin_token: Option<AdminToken>,
    inner: Mutex<Inner>,
    /// Serialises state-file writes so a later snapshot is never overwritten by an
    /// earlier one.
    save_lock: tokio::sync::Mutex<()>,
}

impl Shared {
    fn new(config: SimConfig, model: Model) -> Shared {
        let apps: BTreeMap<u64, App> = config.apps.into_iter().map(|a| (a.sdkappid, a)).collect();
        Shared {
            inner: Mutex::new(Inner {
                model,
                counters: Inner::zero_counters(&apps),
                usersigs: Vec::new(),
                usersigs_seen: HashSet::new(),
                faults: faults::Faults::default(),
                limiter: RateLimiter::new(config.calls_per_second),
                shapes: config.shapes,
                failed_last: HashSet::new(),
            }),
            apps,
            calls_per_second: config.calls_per_second,
            state_file: config.state_file,
            admin_token: config.admin_token,
            save_lock: tokio::sync::Mutex::new(()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves plain data behind; keep serving.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Writes the model to the state file, if there is one. Called after every
    /// change, before the change is acknowledged.
    async fn persist(&self) {
        let Some(path) = self.state_file.clone() else {
            return;
        };
        let _guard = self.save_lock.lock().await;
        let snapshot = self.lock().model.clone();
        let result = tokio::task::spawn_blocking(move || persist::save(&path, &snapshot)).await;
        match result {
            Ok(Ok(())) => {}
            Ok(Err(e)) => log_error!("sim", "could not write the state file", error = e),
            Err(e) => log_error!("sim", "state file writer failed", error = e),
        }
    }

    /// Robots, counters, UserSigs, faults and rate windows cleared; apps stay.
    async fn reset(&self) {
        {
            let mut inner = self.lock();
            inner.model = Model::default();
            inner.counters = Inner::zero_counters(&self.apps);
            inner.usersigs.clear();
            inner.usersigs_seen.clear();
            inner.faults.clear();
            inner.limiter.clear();
            inner.failed_last.clear();
        }
        self.persist().await;
    }
}

/// A simulator serving on a local port.
pub struct Running {
    /// `http://127.0.0.1:PORT`: the base URL for the Chat client and [`Admin`].
    pub url: String,
    pub addr: SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// Stops accepting connections, lets calls in flight finish (at most a few
    /// seconds) and returns. Dropping a `Running` instead leaves the simulator
    /// serving until its tokio runtime ends.
    pub async fn shutdown(self) {
        let _ = self.stop.send(());
        let mut task = self.task;
        if tokio::time::timeout(Duration::from_secs(5), &mut task)
            .await
            .is_err()
        {
            task.abort();
        }
    }
}

/// Binds `addr` and serves `config` on the current tokio runtime. Fails if the
/// address cannot be bound or the state file cannot be read.
pub async fn start(config: SimConfig, addr: SocketAddr) -> std::io::Result<Running> {
    serve(config, addr, None).await
}

/// Like [`start`], but serves HTTPS with `tls`'s certificate; the URL is `https://`.
pub async fn start_tls(
    config: SimConfig,
    addr: SocketAddr,
    tls: &tls::SelfSigned,
) -> std::io::Result<Running> {
    serve(config, addr, Some(tls)).await
}

async fn serve(
    config: SimConfig,
    addr: SocketAddr,
    tls: Option<&tls::SelfSigned>,
) -> std::io::Result<Running> {
    let model = match &config.state_file {
        Some(path) => persist::load(path)?,
        None => Model::default(),
    };
    let shared = Arc::new(Shared::new(config, model));
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let router = api::routes()
        .merge(admin::routes(shared.clone()))
        .with_state(shared)
        .into_make_service_with_connect_info::<admin::Peer>();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let until_stopped = async move {
        if stopped.await.is_err() {
            // The Running was dropped: keep serving.
            std::future::pending::<()>().await;
        }
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let task = match tls {
        None => tokio::spawn(async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(until_stopped)
                .await
        }),
        Some(tls) => {
            let listener = tls::TlsListener::new(listener, tls);
            tokio::spawn(async move {
                axum::serve(listener, router)
                    .with_graceful_shutdown(until_stopped)
                    .await
            })
        }
    };
    Ok(Running {
        url: format!("{scheme}://{}", reachable(addr)),
        addr,
        stop,
        task,
    })
}

/// The address a local client dials: a wildcard bind is reached on loopback.
fn reachable(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), addr.port())
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), addr.port())
        }
        _ => addr,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_key() {
        let text = format!("{:?}", SimConfig::default());
        assert!(!text.contains(DEMO_SECRET_KEY), "{text}");
        assert!(text.contains("1400000000"));
    }

    #[test]
    fn config_file_shape() {
        let c: SimConfig =
            serde_json::from_str(r#"{"apps":[{"sdkappid":5,"secret_key":"k"}]}"#).unwrap();
        assert_eq!(c.apps[0].admins, ["administrator"]);
        assert_eq!(c.calls_per_second, 200);
        assert_eq!(c.state_file, None);
    }

    #[test]
    fn wildcard_binds_are_reached_on_loopback() {
        let a: SocketAddr = "0.0.0.0:80".parse().unwrap();
        assert_eq!(reachable(a).to_string(), "127.0.0.1:80");
        let b: SocketAddr = "127.0.0.2:81".parse().unwrap();
        assert_eq!(reachable(b), b);
    }
}
