//! Harness for integration tests that drive the real binaries: the simulator
//! (`tencentchat-sim`), the provider (`terraform-provider-tencentchat`) and a real
//! Terraform. Nothing here is a mock: every test talks to real processes over real
//! sockets.
//!
//! - [`Sim`] runs the simulator on an ephemeral port and exposes its admin API.
//! - [`Terraform`] finds the Terraform binary (`TF_ACC_TERRAFORM_PATH`, then `PATH`).
//! - [`Workspace`] is a temporary Terraform working directory with the provider
//!   installed from a per-test filesystem mirror and the `TENCENTCHAT_*`
//!   environment pointing at a simulator.
//! - [`skip`] reports a test that cannot run here, visibly.
//!
//! One module per concern: `sim`, `terraform`, `workspace` (mirrors, working
//! directories, runs), `tempdir`, `secrets` (the leak scan) and `zip` (plan files
//! and releases); everything a test needs is re-exported here.

// Each test binary uses part of the harness, so its `pub` items are its API
// within every test crate, not a reachability mistake.
#![allow(unreachable_pub)]
#![allow(dead_code, unused_imports)] // each test crate uses a different part of the harness

use std::io::Write;

pub mod debug;
pub mod secrets;
pub mod sim;
pub mod tempdir;
pub mod terraform;
pub mod workspace;
pub mod zip;

pub use debug::DebugProvider;
pub use secrets::{assert_no_secret, assert_no_usersig_param};
pub use sim::{delta, parse_listening_line, start_in_process, Sim, ENDPOINTS};
pub use tempdir::TempDir;
pub use terraform::{parse_terraform_version, Terraform};
pub use workspace::{
    assert_contains, hcl_string, install_provider_mirror, repo_root, squash, Run, Workspace,
};

/// The simulator's demo app (served when it is started without `--app`).
pub use tencentchat::sim::{DEMO_ADMIN, DEMO_SDKAPPID, DEMO_SECRET_KEY};

/// The provider's registry address and version, as `terraform init` installs it.
pub const PROVIDER_HOST: &str = "registry.terraform.io";
pub const PROVIDER_NAMESPACE: &str = "tencentchat";
pub const PROVIDER_TYPE: &str = "tencentchat";
pub const PROVIDER_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The `terraform { required_providers }` block for this provider, then an empty
/// `provider "tencentchat" {}` block (settings from the environment).
pub fn provider_header() -> String {
    crate::required_providers!("\nprovider \"tencentchat\" {}\n").to_string()
}

/// The `terraform { required_providers { … } }` block that installs this build
/// of the provider (the version is the crate's), followed by `$rest`: a string
/// literal, so suites can build their own `const` headers from the one block.
#[macro_export]
macro_rules! required_providers {
    ($($rest:literal)?) => {
        concat!(
            "terraform {\n  required_providers {\n    tencentchat = {\n      source  = \"tencentchat/tencentchat\"\n      version = \"",
            env!("CARGO_PKG_VERSION"),
            "\"\n    }\n  }\n}\n",
            $($rest)?
        )
    };
}

/// When set to `1`, a missing Terraform fails the test instead of skipping it
/// (scripts/test.sh sets it, so CI never silently skips).
pub const REQUIRE_TERRAFORM_ENV: &str = "TENCENTCHAT_E2E_REQUIRE_TERRAFORM";
/// When set, every skip reason is also appended to this file (scripts/test.sh
/// prints it at the end so a skipped-for-version test is visible).
pub const SKIP_LOG_ENV: &str = "TENCENTCHAT_E2E_SKIP_LOG";

/// Reports that (part of) a test cannot run here. Written straight to the
/// process's stderr, which the test harness does not capture, so the line shows
/// even for passing tests.
pub fn skip(test: &str, reason: &str) {
    let line = format!("SKIP: {test}: {reason}");
    let _ = writeln!(std::io::stderr(), "{line}");
    if let Some(path) = std::env::var_os(SKIP_LOG_ENV) {
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
        {
            let _ = writeln!(f, "{line}");
        }
    }
}

#[cfg(test)]
mod harness_tests {
    use super::*;

    #[test]
    fn parses_the_sim_listening_line() {
        assert_eq!(
            parse_listening_line("tencentchat-sim listening on http://127.0.0.1:41234\n"),
            Some("http://127.0.0.1:41234")
        );
        assert_eq!(
            parse_listening_line("listening on http://127.0.0.1:1"),
            None
        );
        assert_eq!(
            parse_listening_line("tencentchat-sim listening on http://127.0.0.1:notaport"),
            None
        );
    }

    #[test]
    fn parses_terraform_versions() {
        assert_eq!(parse_terraform_version("Terraform v1.0.3"), Some((1, 0, 3)));
        assert_eq!(
            parse_terraform_version("Terraform v1.11.4"),
            Some((1, 11, 4))
        );
        assert_eq!(
            parse_terraform_version("Terraform v1.6.0-beta1"),
            Some((1, 6, 0))
        );
        assert_eq!(parse_terraform_version("OpenTofu v1.8.0"), None);
    }

    #[test]
    fn squash_undoes_diagnostic_wrapping() {
        let wrapped = "╷\n│ Error: Chatbot not found\n│\n│ There is no active\n│ chatbot with UserID @RBT#x\n╵\n";
        assert_eq!(
            squash(wrapped),
            "Error: Chatbot not found There is no active chatbot with UserID @RBT#x"
        );
        assert!(!squash(wrapped).contains("active chatbot with UserID @RBT#y"));
    }

    #[test]
    fn quotes_hcl_strings() {
        assert_eq!(
            hcl_string(r#"a"b\c${x}%{y}$5%"#),
            r#""a\"b\\c$${x}%%{y}$5%""#
        );
    }
}
