//! Terraform/OpenTofu provider for Tencent Cloud Chat chatbot accounts, and a local
//! simulator of the Chat REST API. See ARCHITECTURE.md for the map.

#[macro_use]
pub mod log;
pub mod chat;
pub mod plugin;
pub mod provider;
pub mod sim;
pub mod tfproto;
