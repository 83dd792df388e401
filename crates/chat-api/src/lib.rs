//! Everything the provider says to Tencent Cloud Chat: UserSig, regions, the typed
//! REST client with its retries and rate limiter, and one error type.
//! Knows nothing of Terraform.
//!
//! It logs through the `log` facade (targets `chat`), with key-value fields;
//! whoever runs it decides where the lines go.

#[macro_use]
mod macros;

#[doc(hidden)]
pub use log as __log;

pub mod client;
mod dns;
pub mod error;
mod limiter;
pub mod profile;
pub mod region;
mod retry;
pub mod time;
pub mod usersig;
pub mod wire;

pub use client::{Client, ClientConfig, Credentials, Endpoint, Secret};
pub use error::{ChatError, ErrorKind};
pub use region::Region;
