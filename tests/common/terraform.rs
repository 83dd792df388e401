//! Finding a Terraform binary, its version, and the version gates with printed skips.

use super::{skip, REQUIRE_TERRAFORM_ENV};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A Terraform binary and its version.
#[derive(Clone, Debug)]
pub struct Terraform {
    pub path: PathBuf,
    pub version: (u32, u32, u32),
}

impl Terraform {
    /// `TF_ACC_TERRAFORM_PATH` (which must then work), else `terraform` on PATH.
    pub fn find() -> Result<Terraform, String> {
        if let Some(p) = std::env::var_os("TF_ACC_TERRAFORM_PATH").filter(|p| !p.is_empty()) {
            let path = PathBuf::from(p);
            let version = terraform_version(&path).map_err(|e| {
                format!("TF_ACC_TERRAFORM_PATH={} is unusable: {e}", path.display())
            })?;
            return Ok(Terraform { path, version });
        }
        let path = find_on_path("terraform")
            .ok_or("no terraform on PATH and TF_ACC_TERRAFORM_PATH is unset")?;
        let version = terraform_version(&path)?;
        Ok(Terraform { path, version })
    }

    /// The Terraform to test with, or `None` after printing why the test skips.
    /// With `TENCENTCHAT_E2E_REQUIRE_TERRAFORM=1` a missing Terraform panics instead.
    pub fn for_test(test: &str) -> Option<Terraform> {
        match Terraform::find() {
            Ok(tf) => Some(tf),
            Err(why) => {
                if std::env::var(REQUIRE_TERRAFORM_ENV).as_deref() == Ok("1") {
                    panic!("{why} (and {REQUIRE_TERRAFORM_ENV}=1)");
                }
                skip(test, &why);
                None
            }
        }
    }

    pub fn at_least(&self, major: u32, minor: u32) -> bool {
        (self.version.0, self.version.1) >= (major, minor)
    }

    pub fn version_string(&self) -> String {
        let (a, b, c) = self.version;
        format!("{a}.{b}.{c}")
    }
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

fn terraform_version(path: &Path) -> Result<(u32, u32, u32), String> {
    let out = Command::new(path)
        .arg("version")
        .env("CHECKPOINT_DISABLE", "1")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("running {} version: {e}", path.display()))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let first = text.lines().next().unwrap_or("");
    parse_terraform_version(first).ok_or_else(|| format!("cannot parse the version from {first:?}"))
}

/// `Terraform v1.11.4` (possibly with a `-beta1` suffix) → (1, 11, 4).
pub fn parse_terraform_version(line: &str) -> Option<(u32, u32, u32)> {
    let v = line.trim().strip_prefix("Terraform v")?;
    let core = v.split(['-', '+', ' ']).next()?;
    let mut parts = core.split('.').map(|p| p.parse::<u32>());
    let major = parts.next()?.ok()?;
    let minor = parts.next()?.ok()?;
    let patch = parts.next()?.ok()?;
    Some((major, minor, patch))
}

// ---------------------------------------------------------------------------
// Tests that need a newer Terraform than the oldest supported one.
// ---------------------------------------------------------------------------

impl Terraform {
    /// Like [`Terraform::for_test`], but also skips (returning `None`) when the
    /// Terraform found is older than `major.minor`, which `feature` needs.
    pub fn for_test_at_least(
        test: &str,
        major: u32,
        minor: u32,
        feature: &str,
    ) -> Option<Terraform> {
        let tf = Terraform::for_test(test)?;
        if !tf.at_least(major, minor) {
            skip(
                test,
                &format!(
                    "needs Terraform {major}.{minor}+ for {feature}; this is {}",
                    tf.version_string()
                ),
            );
            return None;
        }
        Some(tf)
    }
}
