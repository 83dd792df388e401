//! One error type for the Chat layer. (Interface fixed; implementation by the chat work.)

/// What kind of failure, which decides retries and how the provider reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Worth retrying: 10002, 40006, 60007, 60008, 60011, 60018, 60019, HTTP 5xx, timeouts, broken connections.
    Transient,
    /// Authentication or configuration: 60004–60006, 60010, 60016, 70001–70020 and the like.
    Auth,
    /// Invalid input: 10004, 40001, 40601.
    InvalidInput,
    /// 10008 from create_robot when the app already has 20 chatbots.
    LimitReached,
    /// 70107: the account does not exist.
    NotFound,
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
