//! Everything the provider says to Tencent Cloud Chat: UserSig, regions, the typed
//! REST client with its retries and rate limiter, and one error type.
//! Knows nothing of Terraform.

pub mod client;
pub mod error;
mod limiter;
pub mod profile;
pub mod region;
mod retry;
pub mod usersig;
pub mod wire;

pub use client::{Client, ClientConfig, Credentials, Endpoint, Secret};
pub use error::{ChatError, ErrorKind};
pub use region::Region;
