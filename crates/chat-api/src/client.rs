//! The typed async Chat REST client: one call per endpoint, each signed with the
//! admin's UserSig, spaced by a per-endpoint limiter and retried with backoff on
//! transient failures only.
//!
//! Invariants: the secret key and UserSigs appear only in the `usersig` query
//! parameter of requests — never in Debug output, logs or errors (request URLs are
//! never logged or put into errors); `stop()` ends every wait at once.

use super::error::{self, classify, ChatError, Context, ErrorKind};
use super::limiter::Limiter;
use super::region::Region;
use super::{retry, usersig, wire};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::watch;
use tokio::time::Instant;

/// A string that never shows itself in `Debug` or `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    /// The secret itself, for the one place that must use it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// How requests are signed.
#[derive(Clone, Debug)]
pub enum Credentials {
    /// The app's secret key: UserSigs are generated locally and cached.
    SecretKey(Secret),
    /// A UserSig issued elsewhere, used as-is (never regenerated).
    UserSig(Secret),
}

/// Where the API lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Endpoint {
    Region(Region),
    /// An explicit base URL such as `http://127.0.0.1:8080` (the simulator).
    Url(String),
}

#[derive(Clone, Debug)]
pub struct ClientConfig {
    pub sdkappid: u64,
    pub identifier: String,
    pub credentials: Credentials,
    pub endpoint: Endpoint,
    /// Per HTTP request.
    pub request_timeout: Duration,
    /// Retries after the first attempt, on transient errors only.
    pub max_retries: u32,
    /// No retry starts after this much time since the first attempt.
    pub retry_deadline: Duration,
    /// Client-side limit per endpoint.
    pub calls_per_second: u32,
    /// A base URL tried when the endpoint cannot be reached. With a region and
    /// none given, the region's documented backup domain is used.
    pub backup_endpoint: Option<String>,
    /// The Terraform version, for the User-Agent.
    pub terraform_version: Option<String>,
}

impl ClientConfig {
    pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
    pub const DEFAULT_MAX_RETRIES: u32 = 5;
    pub const DEFAULT_RETRY_DEADLINE: Duration = Duration::from_secs(120);
    pub const DEFAULT_CALLS_PER_SECOND: u32 = 100;

    pub fn new(
        sdkappid: u64,
        identifier: impl Into<String>,
        credentials: Credentials,
        endpoint: Endpoint,
    ) -> Self {
        ClientConfig {
            sdkappid,
            identifier: identifier.into(),
            credentials,
            endpoint,
            request_timeout: Self::DEFAULT_REQUEST_TIMEOUT,
            max_retries: Self::DEFAULT_MAX_RETRIES,
            retry_deadline: Self::DEFAULT_RETRY_DEADLINE,
            calls_per_second: Self::DEFAULT_CALLS_PER_SECOND,
            backup_endpoint: None,
            terraform_version: None,
        }
    }
}

/// Validity of the UserSigs the client generates, and how much of it must be left
/// for a cached one to be reused.
const GENERATED_SIG_LIFETIME: u64 = 24 * 3600;
const SIG_REFRESH_MARGIN: u64 = 3600;
/// Connecting never waits longer than this (or the request timeout if shorter).
const MAX_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The largest answer body read, once decompressed (answers come gzipped when
/// the server likes): a bigger one fails as not a Chat API response, before it
/// can exhaust memory (a 1 MiB gzip body can inflate to 1 GiB).
///
/// Sized from the largest real answer, `portrait_get` of 100 accounts (its
/// documented maximum) with every profile tag: the 12 standard tags of
/// chat-api.md, three of them strings of up to 500 bytes, plus custom fields
/// (`Tag_Profile_Custom_*`, strings of up to 500 bytes). At 40 custom fields,
/// every string 500 bytes of characters JSON escapes six-fold (`\u00XX`),
/// that is 100 × 43 × ~3 KB ≈ 13 MiB; an ordinary such answer is under 3 MiB.
pub const MAX_ANSWER_BYTES: usize = 16 << 20;

/// Cheap to clone; clones share the HTTP pool, the UserSig cache and the limiter.
///
/// Once [`Client::stop`] is called, every call of every clone — in flight or later
/// — ends with [`ErrorKind::Stopped`].
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    /// Base URLs without a trailing slash: the primary, then the backup if any.
    bases: Vec<String>,
    /// Index into `bases` of the one requests go to now.
    active: AtomicUsize,
    /// Set once a base answered (any HTTP answer): from then on the client
    /// sticks with it for the rest of the process.
    settled: AtomicBool,
    /// Why the client moved away from the primary (for the one log line).
    switched_because: Mutex<Option<String>>,
    ctx: Context,
    sdkappid: u64,
    identifier: String,
    credentials: Credentials,
    sig_cache: Mutex<Option<CachedSig>>,
    limiter: Limiter,
    request_timeout: Duration,
    max_retries: u32,
    retry_deadline: Duration,
    stop: watch::Sender<bool>,
}

struct CachedSig {
    sig: Secret,
    expires_at: u64,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let i = &self.inner;
        f.debug_struct("Client")
            .field("sdkappid", &i.sdkappid)
            .field("identifier", &i.identifier)
            .field("target", &i.ctx.target)
            .field("credentials", &i.credentials)
            .finish_non_exhaustive()
    }
}

/// Why one attempt failed (before deciding whether to retry).
enum Failure {
    Api {
        code: i64,
        info: String,
    },
    Http(u16),
    Transport {
        detail: String,
        timeout: bool,
        reach: Reach,
    },
    BadResponse(String),
}

/// What a transport failure says about the server's reachability.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reach {
    /// The resolver says the host name does not exist: retrying cannot help.
    NoSuchHost,
    /// The TLS handshake failed on the certificate, the name or the version:
    /// retrying cannot help.
    Tls,
    /// No connection (refused, reset before an answer, a temporary resolver
    /// failure, a connect timeout): may mend.
    Connect,
    /// The connection was made but the answer was lost or late.
    Other,
}

impl Reach {
    /// Classifies a reqwest error from its kind and the texts of its causes.
    fn of(e: &reqwest::Error, sent: bool) -> Reach {
        Reach::from_texts(&chain_texts(e), e.is_connect(), sent)
    }

    /// `texts`: the error's causes; `connect`: it happened while connecting;
    /// `sent`: an answer had begun to arrive.
    fn from_texts(texts: &[String], connect: bool, sent: bool) -> Reach {
        let any = |needles: &[&str]| {
            texts
                .iter()
                .any(|t| needles.iter().any(|n| t.to_ascii_lowercase().contains(n)))
        };
        if any(NO_SUCH_HOST) {
            Reach::NoSuchHost
        } else if any(TLS_REFUSED) {
            Reach::Tls
        } else if !sent && (connect || any(&["connection reset"])) {
            Reach::Connect
        } else {
            Reach::Other
        }
    }

    /// Whether the backup domain should be tried.
    fn unreachable(self) -> bool {
        self != Reach::Other
    }
}

/// Resolver answers meaning "this name does not exist" (hickory-dns, which
/// resolves every name: NXDOMAIN or no address record; and glibc EAI_NONAME and
/// EAI_NODATA, macOS, Windows), as opposed to a resolver that did not answer
/// ("request timed out", "no connections available", "Temporary failure in name
/// resolution").
const NO_SUCH_HOST: &[&str] = &[
    "no records found for",
    "name or service not known",
    "no address associated with hostname",
    "nodename nor servname provided",
    "no such host is known",
];

/// rustls handshake failures that no retry can mend.
const TLS_REFUSED: &[&str] = &[
    "invalid peer certificate",
    "peer is incompatible",
    "received fatal alert",
];

impl Failure {
    fn is_transient(&self) -> bool {
        match self {
            Failure::Api { code, .. } => classify(*code) == ErrorKind::Transient,
            Failure::Http(status) => error::http_status_is_transient(*status),
            Failure::Transport { reach, .. } => matches!(reach, Reach::Connect | Reach::Other),
            Failure::BadResponse(_) => false,
        }
    }

    /// What the attempt came to, for the log: `HTTP 502`, `ErrorCode 10002
    /// ("…")`, `transport failure: …` or `bad response: …` (already redacted).
    fn outcome(&self) -> String {
        match self {
            Failure::Api { code, info } => error::code_part(*code, info),
            Failure::Http(status) => format!("HTTP {status}"),
            Failure::Transport {
                detail,
                timeout: true,
                ..
            } => format!("transport failure (timed out): {detail}"),
            Failure::Transport { detail, .. } => format!("transport failure: {detail}"),
            Failure::BadResponse(detail) => format!("bad response: {detail}"),
        }
    }

    /// Whether the server gave any HTTP answer.
    fn answered(&self) -> bool {
        !matches!(self, Failure::Transport { .. })
    }

    /// Why the backup should be tried, if it should.
    fn unreachable_because(&self) -> Option<String> {
        match self {
            Failure::Transport { reach, detail, .. } if reach.unreachable() => Some(detail.clone()),
            _ => None,
        }
    }
}

/// The DEBUG line after each HTTP attempt: which, how long, what came of it.
fn attempt_done(endpoint: &str, attempt: u32, began: Instant, outcome: &str) {
    log_debug!(
        "chat",
        "Chat API attempt finished",
        endpoint = endpoint,
        attempt = attempt,
        duration_ms = began.elapsed().as_millis(),
        outcome = outcome
    );
}

/// The provider asked to stop.
struct StopSignal;

async fn sleep_or_stop(until: Instant, stop: &mut watch::Receiver<bool>) -> Result<(), StopSignal> {
    tokio::select! {
        _ = tokio::time::sleep_until(until) => Ok(()),
        _ = stop.wait_for(|s| *s) => Err(StopSignal),
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Checks an explicit endpoint URL and returns it without a trailing slash.
fn validate_endpoint_url(raw: &str) -> Result<String, String> {
    let url = reqwest::Url::parse(raw.trim())
        .map_err(|e| format!("endpoint {raw:?} is not a valid URL ({e})"))?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(format!(
            "endpoint {raw:?} must be an http:// or https:// URL"
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("endpoint {raw:?} has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("endpoint must not contain a user name or password".to_string());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "endpoint {raw:?} must not have a query or fragment: the client adds its own query parameters"
        ));
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

/// The User-Agent header: this provider's version and, when known, Terraform's.
fn user_agent(terraform_version: Option<&str>) -> String {
    let mut ua = concat!("terraform-provider-tencentchat/", env!("CARGO_PKG_VERSION")).to_string();
    if let Some(v) = terraform_version.filter(|v| !v.is_empty()) {
        let v: String = v
            .chars()
            .filter(|c| c.is_ascii_graphic())
            .take(64)
            .collect();
        ua.push_str(" terraform/");
        ua.push_str(&v);
    }
    ua
}

impl Client {
    pub fn new(config: ClientConfig) -> Result<Client, ChatError> {
        let (base, mut target) = match &config.endpoint {
            Endpoint::Region(r) => (
                r.base_url(),
                format!("region \"{}\" ({})", r.key(), r.base_url()),
            ),
            Endpoint::Url(raw) => {
                let base = validate_endpoint_url(raw).map_err(|m| {
                    error::config(format!("{m}; set endpoint (TENCENTCHAT_ENDPOINT) to a base URL such as https://console.tim.qq.com"))
                })?;
                let target = format!("endpoint {base}");
                (base, target)
            }
        };
        let backup = match (&config.backup_endpoint, &config.endpoint) {
            (Some(raw), _) => Some(validate_endpoint_url(raw).map_err(|m| {
                error::config(format!(
                    "backup {m}; set backup_endpoint (TENCENTCHAT_BACKUP_ENDPOINT) to a base URL such as https://adminapi.my-imcloud.com"
                ))
            })?),
            (None, Endpoint::Region(r)) => r.backup_domain().map(|d| format!("https://{d}")),
            (None, Endpoint::Url(_)) => None,
        };
        let mut bases = vec![base];
        if let Some(b) = backup.filter(|b| *b != bases[0]) {
            target.push_str(&format!(", backup {b}"));
            bases.push(b);
        }
        if config.identifier.is_empty() {
            return Err(error::config(
                "identifier (TENCENTCHAT_IDENTIFIER) is empty: set it to an app admin account such as \"administrator\"".into(),
            ));
        }
        let (secret, preissued) = match &config.credentials {
            Credentials::SecretKey(s) => (s, false),
            Credentials::UserSig(s) => (s, true),
        };
        if secret.expose().is_empty() {
            return Err(error::config(if preissued {
                "usersig (TENCENTCHAT_USERSIG) is empty".into()
            } else {
                "secret_key (TENCENTCHAT_SECRET_KEY) is empty".into()
            }));
        }
        if config.request_timeout.is_zero() {
            return Err(error::config(
                "request_timeout_seconds (TENCENTCHAT_REQUEST_TIMEOUT_SECONDS) must be at least 1"
                    .into(),
            ));
        }
        let mut http = reqwest::Client::builder();
        if bases.iter().all(|b| is_loopback_base(b)) {
            // Never through a proxy from the environment (HTTP_PROXY in a CI
            // job): the request, UserSig included, would leave the machine,
            // in clear text for http://. Go's proxy rules skip loopback too.
            http = http.no_proxy();
        }
        let http = http
            .use_rustls_tls()
            .connect_timeout(config.request_timeout.min(MAX_CONNECT_TIMEOUT))
            .redirect(reqwest::redirect::Policy::none())
            // Names are resolved in Rust (see `dns`), never by getaddrinfo.
            .dns_resolver(Arc::new(super::dns::Resolver::default()))
            .user_agent(user_agent(config.terraform_version.as_deref()))
            .build()
            .map_err(|e| {
                error::config(format!(
                    "the HTTP client could not be set up ({}): this is a provider bug, please report it",
                    error::redact(&e.without_url().to_string(), &[])
                ))
            })?;
        let (stop, _) = watch::channel(false);
        let ctx = Context {
            sdkappid: config.sdkappid,
            identifier: config.identifier.clone(),
            target,
            preissued,
        };
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                bases,
                active: AtomicUsize::new(0),
                settled: AtomicBool::new(false),
                switched_because: Mutex::new(None),
                ctx,
                sdkappid: config.sdkappid,
                identifier: config.identifier,
                credentials: config.credentials,
                sig_cache: Mutex::new(None),
                limiter: Limiter::new(config.calls_per_second),
                request_timeout: config.request_timeout,
                max_retries: config.max_retries,
                retry_deadline: config.retry_deadline,
                stop,
            }),
        })
    }

    /// Creates (or, for an existing chatbot, updates) a chatbot. A 10008 answer is
    /// told apart by counting the app's chatbots: at the limit it is
    /// [`ErrorKind::LimitReached`], otherwise the identifier is not an admin.
    pub async fn create_robot(&self, req: &wire::CreateRobotRequest) -> Result<(), ChatError> {
        match self.call::<wire::Status>(wire::CREATE_ROBOT, req).await {
            Ok(_) => Ok(()),
            Err(e) if e.code == Some(10008) => {
                let active = match self.get_all_robots().await {
                    Ok(robots) => Some(robots.len()),
                    Err(e2) if e2.kind == ErrorKind::Stopped => return Err(e2),
                    // Refused too (10008/60010 for a non-admin): not a count problem,
                    // so report it as "not an admin" (counted as below the limit).
                    Err(e2) if e2.kind == ErrorKind::Auth => Some(0),
                    Err(_) => None,
                };
                Err(error::create_refused(
                    &self.inner.ctx,
                    &e.endpoint,
                    &e.info,
                    active,
                ))
            }
            Err(e) => Err(e),
        }
    }

    /// Active chatbots, in API order.
    pub async fn get_all_robots(&self) -> Result<Vec<String>, ChatError> {
        let resp: wire::GetAllRobotsResponse = self
            .call(wire::GET_ALL_ROBOTS, &wire::GetAllRobotsRequest {})
            .await?;
        Ok(resp.robot_account)
    }

    pub async fn delete_robot(&self, user_id: &str) -> Result<(), ChatError> {
        let req = wire::DeleteRobotRequest {
            robot_account: user_id.to_string(),
        };
        self.call::<wire::Status>(wire::DELETE_ROBOT, &req).await?;
        Ok(())
    }

    pub async fn portrait_set(
        &self,
        user_id: &str,
        items: Vec<wire::ProfileItem>,
    ) -> Result<(), ChatError> {
        let req = wire::PortraitSetRequest {
            from_account: user_id.to_string(),
            profile_item: items,
        };
        self.call::<wire::Status>(wire::PORTRAIT_SET, &req).await?;
        Ok(())
    }

    /// Profiles of any number of accounts (batches of 100), one entry per account,
    /// in request order, each with its own ResultCode.
    ///
    /// The per-account results are trusted one by one: accounts whose own
    /// ResultCode is transient (40006, 10002, …), or that the answer left out, are
    /// asked again — those accounts only — within the retry budget
    /// (`max_retries`, `retry_deadline`). One still missing after that gets an
    /// entry with ResultCode [`wire::RESULT_NOT_IN_ANSWER`]. No call is made for
    /// an empty list.
    pub async fn portrait_get(
        &self,
        user_ids: &[String],
        tags: &[&str],
    ) -> Result<Vec<wire::UserProfile>, ChatError> {
        let mut out = Vec::with_capacity(user_ids.len());
        for batch in user_ids.chunks(wire::MAX_PORTRAIT_GET_ACCOUNTS) {
            out.extend(self.portrait_get_batch(batch, tags).await?);
        }
        Ok(out)
    }

    async fn portrait_get_batch(
        &self,
        batch: &[String],
        tags: &[&str],
    ) -> Result<Vec<wire::UserProfile>, ChatError> {
        let ask = |accounts: Vec<String>| async move {
            let req = wire::PortraitGetRequest {
                tag_list: tags.iter().map(|t| t.to_string()).collect(),
                to_account: accounts,
            };
            let resp: wire::PortraitGetResponse = self.call(wire::PORTRAIT_GET, &req).await?;
            Ok::<_, ChatError>(in_request_order(&req.to_account, resp.user_profile_item))
        };
        let mut got = ask(batch.to_vec()).await?;
        let started = Instant::now();
        let mut stop = self.inner.stop.subscribe();
        for retry in 0..self.inner.max_retries {
            let pending: Vec<usize> = (0..got.len())
                .filter(|&i| worth_asking_again(got[i].result_code))
                .collect();
            if pending.is_empty() {
                break;
            }
            let delay = retry::backoff(retry);
            if started.elapsed() + delay >= self.inner.retry_deadline {
                break;
            }
            let mut codes: Vec<i64> = pending.iter().map(|&i| got[i].result_code).collect();
            codes.sort_unstable();
            codes.dedup();
            let codes: Vec<String> = codes.iter().map(i64::to_string).collect();
            log_debug!(
                "chat",
                "some accounts could not be read; asking again for those only",
                endpoint = wire::endpoint_name(wire::PORTRAIT_GET),
                accounts = pending.len(),
                cause = format!("per-account ResultCode {}", codes.join(", ")),
                delay_ms = delay.as_millis()
            );
            sleep_or_stop(Instant::now() + delay, &mut stop)
                .await
                .map_err(|_| error::stopped(wire::endpoint_name(wire::PORTRAIT_GET)))?;
            let again = ask(pending.iter().map(|&i| batch[i].clone()).collect()).await?;
            for (i, profile) in pending.into_iter().zip(again) {
                got[i] = profile;
            }
        }
        Ok(got)
    }

    /// Stops in-flight work: waits and retries end at once with an error.
    /// The client stays stopped: later calls fail the same way.
    pub fn stop(&self) {
        self.inner.stop.send_replace(true);
    }

    /// The UserSig for the next request: the pre-issued one, or a cached
    /// generated one with at least an hour of validity left.
    fn usersig(&self) -> Secret {
        let key = match &self.inner.credentials {
            Credentials::UserSig(s) => return s.clone(),
            Credentials::SecretKey(k) => k,
        };
        let now = unix_now();
        let mut cache = self
            .inner
            .sig_cache
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(c) = cache.as_ref() {
            if c.expires_at > now.saturating_add(SIG_REFRESH_MARGIN) {
                return c.sig.clone();
            }
        }
        let sig = Secret::new(usersig::generate(
            key.expose(),
            self.inner.sdkappid,
            &self.inner.identifier,
            now,
            GENERATED_SIG_LIFETIME,
        ));
        *cache = Some(CachedSig {
            sig: sig.clone(),
            expires_at: now.saturating_add(GENERATED_SIG_LIFETIME),
        });
        sig
    }

    fn forget_usersig(&self) {
        *self
            .inner
            .sig_cache
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// One endpoint call with limiter, retries and error classification.
    async fn call<T: DeserializeOwned>(
        &self,
        path: &'static str,
        body: &impl Serialize,
    ) -> Result<T, ChatError> {
        let endpoint = wire::endpoint_name(path);
        let body = serde_json::to_vec(body).map_err(|e| {
            error::bad_response(
                &self.inner.ctx,
                endpoint,
                &format!("request not encodable: {e}"),
            )
        })?;
        let mut stop = self.inner.stop.subscribe();
        let started = Instant::now();
        let mut attempts = 0u32;
        let mut retries = 0u32;
        let mut resigned = false;
        let mut tried = vec![false; self.inner.bases.len()];
        loop {
            if *stop.borrow() {
                return Err(error::stopped(endpoint));
            }
            let slot = self.inner.limiter.reserve(path);
            sleep_or_stop(slot, &mut stop)
                .await
                .map_err(|_| error::stopped(endpoint))?;
            attempts += 1;
            let sig = self.usersig();
            let base = self.inner.active.load(Ordering::SeqCst);
            tried[base] = true;
            let began = Instant::now();
            let failure = tokio::select! {
                r = self.attempt::<T>(base, path, &body, &sig) => match r {
                    Ok(v) => {
                        attempt_done(endpoint, attempts, began, "OK");
                        self.settle(base);
                        return Ok(v);
                    }
                    Err(f) => f,
                },
                _ = stop.wait_for(|s| *s) => {
                    attempt_done(endpoint, attempts, began, "stopped: the provider was asked to stop");
                    return Err(error::stopped(endpoint));
                }
            };
            let outcome = failure.outcome();
            attempt_done(endpoint, attempts, began, &outcome);
            if failure.answered() {
                self.settle(base);
            } else if let Some(next) = self.fail_over(base, &failure) {
                if !tried[next] {
                    continue;
                }
            }
            if let Failure::Api { code: 70001, .. } = failure {
                if !self.inner.ctx.preissued && !resigned {
                    log_debug!(
                        "chat",
                        "retrying the Chat API call with a new UserSig",
                        endpoint = endpoint,
                        attempt = attempts,
                        cause = format!("{outcome}: the UserSig was reported expired"),
                        delay_ms = 0
                    );
                    self.forget_usersig();
                    resigned = true;
                    continue;
                }
            }
            if failure.is_transient() && retries < self.inner.max_retries {
                let delay = retry::backoff(retries);
                if started.elapsed() + delay < self.inner.retry_deadline {
                    log_debug!(
                        "chat",
                        "retrying the Chat API call",
                        endpoint = endpoint,
                        attempt = attempts,
                        cause = outcome,
                        delay_ms = delay.as_millis()
                    );
                    sleep_or_stop(Instant::now() + delay, &mut stop)
                        .await
                        .map_err(|_| error::stopped(endpoint))?;
                    retries += 1;
                    continue;
                }
            }
            let err = self.to_error(endpoint, failure, attempts, &sig);
            log_warn!(
                "chat",
                "Chat API call failed",
                endpoint = endpoint,
                attempts = attempts,
                error_code = err
                    .code
                    .map_or_else(|| "none".to_string(), |c| c.to_string()),
                error = err
            );
            return Err(err);
        }
    }

    /// A base answered: stick with it for the rest of the process. The first
    /// time, if it is not the primary, one log line says which and why.
    fn settle(&self, base: usize) {
        let i = &self.inner;
        if i.settled.swap(true, Ordering::SeqCst) {
            return;
        }
        i.active.store(base, Ordering::SeqCst);
        if base != 0 {
            let why = i
                .switched_because
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone()
                .unwrap_or_default();
            log_info!(
                "chat",
                "using the backup domain for the rest of this run: the primary could not be reached",
                primary = i.bases[0],
                backup = i.bases[base],
                reason = why
            );
        }
    }

    /// Before any base has answered, a base that cannot be reached hands over to
    /// the other one. Returns the base to use next when it switched.
    fn fail_over(&self, base: usize, failure: &Failure) -> Option<usize> {
        let i = &self.inner;
        let why = failure.unreachable_because()?;
        if i.bases.len() < 2 || i.settled.load(Ordering::SeqCst) {
            return None;
        }
        let next = (base + 1) % i.bases.len();
        if base == 0 {
            *i.switched_because.lock().unwrap_or_else(|p| p.into_inner()) = Some(why.clone());
        }
        log_debug!(
            "chat",
            "base URL could not be reached; trying the other one",
            from = i.bases[base],
            to = i.bases[next],
            cause = format!("transport failure: {why}"),
            delay_ms = 0
        );
        let _ = i
            .active
            .compare_exchange(base, next, Ordering::SeqCst, Ordering::SeqCst);
        Some(next)
    }

    /// One HTTP request to `bases[base]` and the parsing of its answer.
    async fn attempt<T: DeserializeOwned>(
        &self,
        base: usize,
        path: &str,
        body: &[u8],
        sig: &Secret,
    ) -> Result<T, Failure> {
        let i = &self.inner;
        let url = format!("{}/{}", i.bases[base], path);
        let random = fastrand::u32(..).to_string();
        let sdkappid = i.sdkappid.to_string();
        let query = [
            ("sdkappid", sdkappid.as_str()),
            ("identifier", i.identifier.as_str()),
            ("usersig", sig.expose()),
            ("random", random.as_str()),
            ("contenttype", "json"),
        ];
        let transport = |sent: bool| {
            move |e: reqwest::Error| Failure::Transport {
                timeout: e.is_timeout(),
                reach: Reach::of(&e, sent),
                detail: self.redact(&error_chain(&e), sig),
            }
        };
        let resp = i
            .http
            .post(url)
            .query(&query)
            .timeout(i.request_timeout)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_vec())
            .send()
            .await
            .map_err(transport(false))?;
        let status = resp.status().as_u16();
        let bytes = read_capped(resp, MAX_ANSWER_BYTES)
            .await
            .map_err(|e| match e {
                Capped::Transport(e) => transport(true)(e),
                Capped::TooLarge => Failure::BadResponse(format!(
                    "the answer is larger than {} MiB once decompressed",
                    MAX_ANSWER_BYTES >> 20
                )),
            })?;
        if status != 200 {
            return Err(Failure::Http(status));
        }
        let envelope: wire::Status = serde_json::from_slice(&bytes).map_err(|_| {
            Failure::BadResponse("the body is not JSON of the expected shape".into())
        })?;
        if envelope.error_code != 0 {
            return Err(Failure::Api {
                code: envelope.error_code,
                info: self.redact(&envelope.error_info, sig),
            });
        }
        if envelope.action_status != "OK" {
            return Err(Failure::BadResponse(format!(
                "ActionStatus is {:?} without an ErrorCode",
                self.redact(&envelope.action_status, sig)
            )));
        }
        serde_json::from_slice(&bytes).map_err(|e| {
            Failure::BadResponse(format!(
                "unexpected response fields: {}",
                self.redact(&e.to_string(), sig)
            ))
        })
    }

    fn redact(&self, text: &str, sig: &Secret) -> String {
        let secret = match &self.inner.credentials {
            Credentials::SecretKey(s) | Credentials::UserSig(s) => s.expose(),
        };
        error::redact(text, &[secret, sig.expose()])
    }

    fn to_error(&self, endpoint: &str, f: Failure, attempts: u32, sig: &Secret) -> ChatError {
        let ctx = &self.inner.ctx;
        match f {
            Failure::Api { code, info } => {
                let expired_at = if code == 70001 && ctx.preissued {
                    usersig::inspect(sig.expose()).ok().map(|i| i.expires_at())
                } else {
                    None
                };
                error::api_error(ctx, endpoint, code, &info, attempts, expired_at)
            }
            Failure::Http(status) => error::http_status(ctx, endpoint, status, attempts),
            Failure::Transport {
                reach: Reach::NoSuchHost,
                detail,
                ..
            } => error::no_such_host(ctx, endpoint, &detail, attempts),
            Failure::Transport {
                reach: Reach::Tls,
                detail,
                ..
            } => error::tls_refused(ctx, endpoint, &detail, attempts),
            Failure::Transport {
                detail, timeout, ..
            } => error::transport(
                ctx,
                endpoint,
                &detail,
                timeout.then_some(self.inner.request_timeout),
                attempts,
            ),
            Failure::BadResponse(detail) => error::bad_response(ctx, endpoint, &detail),
        }
    }
}

enum Capped {
    Transport(reqwest::Error),
    TooLarge,
}

/// The whole (decompressed) body, or `TooLarge` as soon as it passes `cap`
/// bytes: nothing beyond `cap` is ever held.
async fn read_capped(mut resp: reqwest::Response, cap: usize) -> Result<Vec<u8>, Capped> {
    // A declared length is only a hint (it counts compressed bytes).
    let hint = resp.content_length().unwrap_or(0).min(cap as u64) as usize;
    let mut body = Vec::with_capacity(hint);
    while let Some(chunk) = resp.chunk().await.map_err(Capped::Transport)? {
        if chunk.len() > cap - body.len() {
            return Err(Capped::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The texts of a reqwest error's causes, outermost first, without the error
/// itself (whose text holds the request URL, and so the UserSig).
fn chain_texts(e: &reqwest::Error) -> Vec<String> {
    let mut parts: Vec<String> = Vec::new();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p == &text) {
            parts.push(text);
        }
        source = s.source();
    }
    parts
}

/// A reqwest error's root cause, without the request URL (which holds the UserSig).
fn error_chain(e: &reqwest::Error) -> String {
    let parts = chain_texts(e);
    match parts.last() {
        Some(root) => plain_resolver_text(root),
        None => "connection failed".to_string(),
    }
}

/// hickory-dns says "no records found for Query { name: Name(\"x.\"), query_type:
/// AAAA, … }"; the name is in the message already, so this says it in words.
fn plain_resolver_text(root: &str) -> String {
    if root.starts_with("no records found for") {
        "the DNS has no address record for the name".to_string()
    } else {
        root.to_string()
    }
}

/// Whether a per-account portrait_get result is worth asking for again.
fn worth_asking_again(code: i64) -> bool {
    code == wire::RESULT_NOT_IN_ANSWER || classify(code) == ErrorKind::Transient
}

/// Puts a batch's profiles in request order; an account missing from the answer
/// (for example one listed only in `Fail_Account`) gets an entry with
/// [`wire::RESULT_NOT_IN_ANSWER`], so callers always see one entry per account.
fn in_request_order(batch: &[String], mut got: Vec<wire::UserProfile>) -> Vec<wire::UserProfile> {
    batch
        .iter()
        .map(|id| match got.iter().position(|p| &p.to_account == id) {
            Some(i) => got.remove(i),
            None => wire::UserProfile {
                to_account: id.clone(),
                profile_item: Vec::new(),
                result_code: wire::RESULT_NOT_IN_ANSWER,
                result_info: "the API returned no profile for this account".to_string(),
            },
        })
        .collect()
}

/// Whether a base URL names this machine (localhost, 127.0.0.0/8, ::1).
fn is_loopback_base(base: &str) -> bool {
    let Some(host) = reqwest::Url::parse(base)
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
    else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    match host.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => {
            let d = host.trim_end_matches('.');
            d == "localhost" || d.ends_with(".localhost")
        }
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn loopback_bases_are_told_apart() {
        for b in [
            "http://127.0.0.1:8080",
            "http://127.9.0.1",
            "http://[::1]:1",
            "http://LOCALHOST:1",
            "http://a.localhost.",
        ] {
            assert!(is_loopback_base(b), "{b}");
        }
        for b in [
            "https://console.tim.qq.com",
            "http://192.0.2.1",
            "http://localhost.example.com",
            "nonsense",
        ] {
            assert!(!is_loopback_base(b), "{b}");
        }
    }

    use super::*;

    const KEY: &str = "unit-test-secret-key-0123456789abcdef";

    fn config(endpoint: Endpoint) -> ClientConfig {
        ClientConfig::new(
            1400000000,
            "administrator",
            Credentials::SecretKey(Secret::new(KEY)),
            endpoint,
        )
    }

    #[test]
    fn endpoint_urls_are_validated() {
        assert_eq!(
            validate_endpoint_url("http://127.0.0.1:8080/").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            validate_endpoint_url("https://proxy.example.com/chat/").unwrap(),
            "https://proxy.example.com/chat"
        );
        for bad in [
            "",
            "127.0.0.1:8080",
            "ftp://example.com",
            "http://",
            "https://u:p@example.com",
            "https://example.com/?a=1",
            "https://example.com/#x",
            "not a url",
        ] {
            assert!(validate_endpoint_url(bad).is_err(), "{bad}");
        }
        let err = Client::new(config(Endpoint::Url("ftp://x".into()))).unwrap_err();
        assert!(err.to_string().contains("TENCENTCHAT_ENDPOINT"), "{err}");
    }

    #[test]
    fn empty_settings_are_refused() {
        let mut c = config(Endpoint::Region(Region::China));
        c.identifier.clear();
        assert!(Client::new(c).is_err());
        let mut c = config(Endpoint::Region(Region::China));
        c.credentials = Credentials::UserSig(Secret::new(""));
        assert!(Client::new(c)
            .unwrap_err()
            .to_string()
            .contains("TENCENTCHAT_USERSIG"));
    }

    #[test]
    fn debug_output_hides_secrets() {
        let c = config(Endpoint::Region(Region::Tokyo));
        let client = Client::new(c.clone()).unwrap();
        let sig = client.usersig();
        for text in [format!("{c:?}"), format!("{client:?}"), format!("{sig:?}")] {
            assert!(!text.contains(KEY), "{text}");
            assert!(!text.contains(sig.expose()), "{text}");
        }
        assert!(format!("{client:?}").contains("adminapijpn.im.qcloud.com"));
    }

    #[test]
    fn generated_usersig_is_cached_and_valid_for_a_day() {
        let client = Client::new(config(Endpoint::Region(Region::China))).unwrap();
        let a = client.usersig();
        let info = usersig::verify(a.expose(), KEY, 1400000000, "administrator", unix_now())
            .expect("the generated UserSig verifies");
        assert_eq!(info.expire, GENERATED_SIG_LIFETIME);
        assert_eq!(client.clone().usersig(), a, "clones share the cache");
        client.forget_usersig();
        // A regenerated sig is valid too (it may equal the old one within the same second).
        let b = client.usersig();
        assert!(usersig::verify(b.expose(), KEY, 1400000000, "administrator", unix_now()).is_ok());
    }

    #[test]
    fn nearly_expired_usersig_is_regenerated() {
        let client = Client::new(config(Endpoint::Region(Region::China))).unwrap();
        let now = unix_now();
        let old = Secret::new("stale");
        *client.inner.sig_cache.lock().unwrap() = Some(CachedSig {
            sig: old.clone(),
            expires_at: now + SIG_REFRESH_MARGIN - 10,
        });
        assert_ne!(client.usersig(), old);
        *client.inner.sig_cache.lock().unwrap() = Some(CachedSig {
            sig: old.clone(),
            expires_at: now + SIG_REFRESH_MARGIN + 600,
        });
        assert_eq!(client.usersig(), old);
    }

    #[test]
    fn preissued_usersig_is_used_as_is() {
        let mut c = config(Endpoint::Region(Region::China));
        c.credentials = Credentials::UserSig(Secret::new("pre-issued-sig"));
        let client = Client::new(c).unwrap();
        assert_eq!(client.usersig().expose(), "pre-issued-sig");
    }

    #[test]
    fn profiles_come_back_in_request_order() {
        let p = |id: &str, code| wire::UserProfile {
            to_account: id.into(),
            result_code: code,
            ..Default::default()
        };
        let batch: Vec<String> = ["a", "b", "c", "a"].iter().map(|s| s.to_string()).collect();
        let got = vec![p("c", 0), p("a", 0), p("a", 1)];
        let out = in_request_order(&batch, got);
        let ids: Vec<_> = out.iter().map(|p| p.to_account.as_str()).collect();
        assert_eq!(ids, ["a", "b", "c", "a"]);
        assert_eq!(out[0].result_code, 0);
        assert_eq!(out[1].result_code, wire::RESULT_NOT_IN_ANSWER);
        assert!(worth_asking_again(out[1].result_code));
        for code in [40006, 10002] {
            assert!(worth_asking_again(code), "{code}");
        }
        for code in [0, 70107, 40003, 40007] {
            assert!(!worth_asking_again(code), "{code}");
        }
        assert_eq!(out[3].result_code, 1);
    }

    #[test]
    fn transport_failures_are_classified_by_their_causes() {
        let t = |s: &str| vec!["client error (Connect)".to_string(), s.to_string()];
        let nx = t("failed to lookup address information: Name or service not known");
        assert_eq!(Reach::from_texts(&nx, true, false), Reach::NoSuchHost);
        let nodata = t("failed to lookup address information: No address associated with hostname");
        assert_eq!(Reach::from_texts(&nodata, true, false), Reach::NoSuchHost);
        let again = t("failed to lookup address information: Temporary failure in name resolution");
        assert_eq!(Reach::from_texts(&again, true, false), Reach::Connect);
        // hickory-dns, which the client resolves with: NXDOMAIN or no address
        // record, against a resolver that did not answer.
        let hickory_nx = t("no records found for Query { name: Name(\"x.invalid.\"), query_type: AAAA, query_class: IN }");
        assert_eq!(
            Reach::from_texts(&hickory_nx, true, false),
            Reach::NoSuchHost
        );
        assert_eq!(
            plain_resolver_text(&hickory_nx[1]),
            "the DNS has no address record for the name"
        );
        for silent in ["request timed out", "no connections available"] {
            assert_eq!(
                Reach::from_texts(&t(silent), true, false),
                Reach::Connect,
                "{silent}"
            );
        }
        let ca = t("invalid peer certificate: UnknownIssuer");
        assert_eq!(Reach::from_texts(&ca, true, false), Reach::Tls);
        let version = t("received fatal alert: ProtocolVersion");
        assert_eq!(Reach::from_texts(&version, true, false), Reach::Tls);
        let refused = t("Connection refused (os error 111)");
        assert_eq!(Reach::from_texts(&refused, true, false), Reach::Connect);
        let reset = t("Connection reset by peer (os error 104)");
        assert_eq!(Reach::from_texts(&reset, false, false), Reach::Connect);
        assert_eq!(Reach::from_texts(&reset, false, true), Reach::Other);
        assert_eq!(
            Reach::from_texts(&t("operation timed out"), false, false),
            Reach::Other
        );
        assert!(Reach::Connect.unreachable() && !Reach::Other.unreachable());
    }

    #[test]
    fn user_agent_names_both_versions() {
        let ua = user_agent(Some("1.11.4"));
        assert_eq!(
            ua,
            format!(
                "terraform-provider-tencentchat/{} terraform/1.11.4",
                env!("CARGO_PKG_VERSION")
            )
        );
        assert!(!user_agent(None).contains("terraform/"));
        assert!(!user_agent(Some("")).contains("terraform/"));
        assert_eq!(user_agent(Some("1.0\n3")), user_agent(Some("1.03")));
    }

    #[test]
    fn regions_get_their_backup_domain_and_urls_only_an_explicit_one() {
        let client = Client::new(config(Endpoint::Region(Region::China))).unwrap();
        assert_eq!(
            client.inner.bases,
            [
                "https://console.tim.qq.com",
                "https://adminapi.my-imcloud.com"
            ]
        );
        let client = Client::new(config(Endpoint::Region(Region::Tokyo))).unwrap();
        assert_eq!(client.inner.bases, ["https://adminapijpn.im.qcloud.com"]);
        let mut c = config(Endpoint::Url("http://127.0.0.1:1".into()));
        assert_eq!(Client::new(c.clone()).unwrap().inner.bases.len(), 1);
        c.backup_endpoint = Some("http://127.0.0.1:2/".into());
        assert_eq!(
            Client::new(c.clone()).unwrap().inner.bases,
            ["http://127.0.0.1:1", "http://127.0.0.1:2"]
        );
        c.backup_endpoint = Some("ftp://x".into());
        let err = Client::new(c).unwrap_err().to_string();
        assert!(err.contains("TENCENTCHAT_BACKUP_ENDPOINT"), "{err}");
    }

    #[tokio::test]
    async fn stop_ends_calls_at_once() {
        let client = Client::new(config(Endpoint::Url("http://127.0.0.1:9".into()))).unwrap();
        client.stop();
        let e = client.get_all_robots().await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::Stopped);
        assert!(e.to_string().contains("get_all_robots"), "{e}");
    }
}
