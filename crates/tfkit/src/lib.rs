//! tfkit: a small framework for Terraform/OpenTofu providers written in Rust.
//!
//! - [`plugin`]: being a go-plugin server (handshake, AutoMTLS, health, controller,
//!   stdio, broker, reattach mode, signals);
//! - [`tfproto`]: the tfplugin6 `Provider` service turned into typed calls: values,
//!   schemas, diagnostics, typed models ([`model!`]) and the rules every resource
//!   shares;
//! - [`log`]: hclog-shaped JSON lines on stderr, which Terraform shows under `TF_LOG`.
//!
//! It knows nothing of any particular provider: names, messages and the
//! certificate's organisation come from the provider through
//! [`plugin::ServeOptions`]. See ARCHITECTURE.md for the map.

// Stdout carries the go-plugin handshake line (or the debug banner) and nothing else.
#![warn(clippy::print_stdout)]

#[macro_use]
pub mod log;
pub mod plugin;
pub mod tfproto;
