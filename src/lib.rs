//! Terraform/OpenTofu provider for Tencent Cloud Chat chatbot accounts, on the
//! `tfkit` framework and the `chat-api` client (which never meet); the
//! simulator is the `chat-sim` crate. See ARCHITECTURE.md for the map.

#[macro_use]
extern crate tfkit;

pub use chat_api as chat;
pub use chat_sim as sim;
pub use tfkit::{log, plugin, tfproto};

pub mod provider;
