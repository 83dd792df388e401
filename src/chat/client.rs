//! The typed async Chat REST client. (Interface fixed; implementation by the chat work.)

use super::error::ChatError;
use super::region::Region;
use super::wire;
use std::time::Duration;

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
        }
    }
}

/// Cheap to clone; clones share the HTTP pool, the UserSig cache and the limiter.
#[derive(Clone, Debug)]
pub struct Client {}

impl Client {
    pub fn new(_config: ClientConfig) -> Result<Client, ChatError> {
        todo!()
    }
    pub async fn create_robot(&self, _req: &wire::CreateRobotRequest) -> Result<(), ChatError> {
        todo!()
    }
    /// Active chatbots, in API order.
    pub async fn get_all_robots(&self) -> Result<Vec<String>, ChatError> {
        todo!()
    }
    pub async fn delete_robot(&self, _user_id: &str) -> Result<(), ChatError> {
        todo!()
    }
    pub async fn portrait_set(
        &self,
        _user_id: &str,
        _items: Vec<wire::ProfileItem>,
    ) -> Result<(), ChatError> {
        todo!()
    }
    /// Profiles of any number of accounts (batches of 100), one entry per account,
    /// in request order, each with its own ResultCode.
    pub async fn portrait_get(
        &self,
        _user_ids: &[String],
        _tags: &[&str],
    ) -> Result<Vec<wire::UserProfile>, ChatError> {
        todo!()
    }
    /// Stops in-flight work: waits and retries end at once with an error.
    pub fn stop(&self) {
        todo!()
    }
}
