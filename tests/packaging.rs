//! Release packaging, end to end: runs `scripts/release.sh` (a real release build,
//! slow the first time), checks the artifacts the way the registry would read
//! them, then lets a real `terraform init` install the provider from the
//! filesystem mirror the script filled and checks the hashes it locked.
//!
//! Terraform comes from `TF_ACC_TERRAFORM_PATH`, else `PATH` (the harness's
//! `Terraform::for_test`); without one the Terraform half reports `SKIP: ...`
//! and passes, unless `TENCENTCHAT_E2E_REQUIRE_TERRAFORM=1` (scripts/test.sh).

mod common;

use base64::Engine as _;
use common::zip::read_zip;
use common::{repo_root, TempDir, Terraform};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const NAME: &str = "terraform-provider-tencentchat";
const VERSION: &str = env!("CARGO_PKG_VERSION");
const PROVIDER_ADDR: &str = "registry.terraform.io/tencentchat/tencentchat";

// ---------------------------------------------------------------------------
// Small helpers: temp dirs, hashing, the host platform in Go's words.

fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Terraform's "h1:" package hash (Go's dirhash Hash1): SHA-256 over the lines
/// `<sha256 hex of content>  <slash-separated relative name>\n`, one per file,
/// ordered by name bytes; base64 (standard, padded) after the prefix.
fn h1_hash(files: &[(String, Vec<u8>)]) -> String {
    let mut sorted: Vec<&(String, Vec<u8>)> = files.iter().collect();
    sorted.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut summary = String::new();
    for (name, data) in sorted {
        assert!(!name.contains('\n'), "h1 cannot hash a name with a newline");
        summary.push_str(&format!("{}  {}\n", sha256_hex(data), name));
    }
    format!(
        "h1:{}",
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(summary.as_bytes()))
    )
}

/// Every regular file under `dir`, as (relative slash-separated name, content).
fn dir_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).unwrap();
                let name = rel
                    .components()
                    .map(|c| c.as_os_str().to_str().unwrap())
                    .collect::<Vec<_>>()
                    .join("/");
                out.push((name, fs::read(&path).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out
}

fn host_os_arch() -> (&'static str, &'static str) {
    let os = match std::env::consts::OS {
        "macos" => "darwin",
        other => other,
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "arm" => "arm",
        other => panic!("no Go name known for architecture {other}"),
    };
    (os, arch)
}

// ---------------------------------------------------------------------------
// Running the script.

struct Release {
    out: TempDir,
    mirror: TempDir,
    zip_name: String,
    manifest_name: String,
    sums_name: String,
    os: &'static str,
    arch: &'static str,
}

impl Release {
    fn zip_path(&self) -> PathBuf {
        self.out.path().join(&self.zip_name)
    }
}

/// Runs `scripts/release.sh --out <tmp> --mirror <tmp>`; the release build is
/// incremental, so a fresh `target/release` makes this quick.
fn run_release() -> Release {
    let out = TempDir::new("packaging-out");
    let mirror = TempDir::new("packaging-mirror");
    let started = Instant::now();
    let run = Command::new("bash")
        .arg(repo_root().join("scripts/release.sh"))
        .arg("--out")
        .arg(out.path())
        .arg("--mirror")
        .arg(mirror.path())
        .current_dir(repo_root())
        .stdin(Stdio::null())
        .output()
        .expect("run scripts/release.sh");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "release.sh failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{}",
        run.status,
        String::from_utf8_lossy(&run.stderr)
    );
    eprintln!(
        "release.sh took {:.1?}; it said:\n{stdout}",
        started.elapsed()
    );
    let (os, arch) = host_os_arch();
    Release {
        zip_name: format!("{NAME}_{VERSION}_{os}_{arch}.zip"),
        manifest_name: format!("{NAME}_{VERSION}_manifest.json"),
        sums_name: format!("{NAME}_{VERSION}_SHA256SUMS"),
        out,
        mirror,
        os,
        arch,
    }
}

fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => repo_root().join(dir),
        None => repo_root().join("target"),
    }
}

// ---------------------------------------------------------------------------
// The artifacts.

#[test]
fn release_is_laid_out_as_the_registry_expects() {
    let rel = run_release();

    // Exactly the three release files.
    let made: BTreeSet<String> = fs::read_dir(rel.out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    let expected: BTreeSet<String> = [&rel.zip_name, &rel.manifest_name, &rel.sums_name]
        .into_iter()
        .cloned()
        .collect();
    assert_eq!(made, expected, "files in the release directory");

    // The zip holds exactly the versioned binary, executable, as built.
    let zip_bytes = fs::read(rel.zip_path()).unwrap();
    let entries = read_zip(&zip_bytes);
    let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, [format!("{NAME}_v{VERSION}")], "zip entries");
    let bin = &entries[0];
    assert_eq!(
        bin.made_by_system, 3,
        "zip entry not marked as made on Unix"
    );
    assert_eq!(bin.unix_mode & 0o170000, 0o100000, "not a regular file");
    assert_eq!(
        bin.unix_mode & 0o111,
        0o111,
        "executable bits lost: mode {:o}",
        bin.unix_mode
    );
    let built = fs::read(target_dir().join("release").join(NAME)).expect("release binary");
    assert!(
        bin.data == built,
        "zip entry differs from target/release/{NAME}"
    );

    // SHA256SUMS: goreleaser's `<hex>  <name>` lines, sorted, for zip + manifest.
    let sums = fs::read_to_string(rel.out.path().join(&rel.sums_name)).unwrap();
    assert!(sums.ends_with('\n'), "SHA256SUMS lacks a final newline");
    let mut listed = Vec::new();
    for line in sums.lines() {
        let (hex, file) = line
            .split_once("  ")
            .unwrap_or_else(|| panic!("malformed SHA256SUMS line: {line:?}"));
        assert!(
            hex.len() == 64
                && hex
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()),
            "not a lower-case sha256 hex: {hex:?}"
        );
        let content = fs::read(rel.out.path().join(file))
            .unwrap_or_else(|e| panic!("SHA256SUMS names {file}, which cannot be read: {e}"));
        assert_eq!(hex, sha256_hex(&content), "SHA256SUMS line for {file}");
        listed.push(file.to_string());
    }
    let mut want = vec![rel.manifest_name.clone(), rel.zip_name.clone()];
    want.sort();
    assert_eq!(listed, want, "files listed in SHA256SUMS, in order");

    // The manifest says plugin protocol 6.0 and is the repository's file renamed.
    let manifest = fs::read(rel.out.path().join(&rel.manifest_name)).unwrap();
    let parsed: serde_json::Value = serde_json::from_slice(&manifest).unwrap();
    assert_eq!(
        parsed,
        json!({"version": 1, "metadata": {"protocol_versions": ["6.0"]}})
    );
    assert_eq!(
        manifest,
        fs::read(repo_root().join("terraform-registry-manifest.json")).unwrap(),
        "release manifest differs from terraform-registry-manifest.json"
    );

    // The mirror holds the release zip, byte for byte, in the packed layout, and nothing else.
    let mirrored = dir_files(rel.mirror.path());
    let names: Vec<&str> = mirrored.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [format!("{PROVIDER_ADDR}/{}", rel.zip_name)],
        "filesystem mirror contents"
    );
    assert!(
        mirrored[0].1 == zip_bytes,
        "mirrored zip differs from the release zip"
    );
}

// ---------------------------------------------------------------------------
// A real `terraform init` from the mirror.

/// Runs a command with a deadline; returns (success, stdout, stderr).
fn run_with_deadline(cmd: &mut Command, logs: &Path, limit: Duration) -> (bool, String, String) {
    let out_path = logs.join("stdout.log");
    let err_path = logs.join("stderr.log");
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(fs::File::create(&out_path).unwrap())
        .stderr(fs::File::create(&err_path).unwrap())
        .spawn()
        .expect("start terraform");
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let stdout = fs::read_to_string(&out_path).unwrap_or_default();
    let mut stderr = fs::read_to_string(&err_path).unwrap_or_default();
    if status.is_none() {
        stderr.push_str(&format!("\n(killed after {limit:?})"));
    }
    (status.is_some_and(|s| s.success()), stdout, stderr)
}

/// The `version` and `hashes` of one provider block in a `.terraform.lock.hcl`.
fn locked_provider(lock: &str, addr: &str) -> Option<(String, Vec<String>)> {
    let header = format!("provider \"{addr}\" {{");
    let start = lock.find(&header)? + header.len();
    let body = &lock[start..];
    let body = &body[..body.find("\n}").unwrap_or(body.len())];
    let mut version = None;
    let mut hashes = Vec::new();
    let mut in_hashes = false;
    for line in body.lines().map(str::trim) {
        if in_hashes {
            if line.starts_with(']') {
                in_hashes = false;
            } else if let Some(rest) = line.strip_prefix('"') {
                hashes.push(rest.trim_end_matches(',').trim_end_matches('"').to_string());
            }
        } else if let Some((key, value)) = line.split_once('=') {
            match key.trim() {
                "version" => version = Some(value.trim().trim_matches('"').to_string()),
                "hashes" => in_hashes = !value.contains(']'),
                _ => {}
            }
        }
    }
    Some((version?, hashes))
}

/// A Terraform working directory whose configuration requires our provider at
/// exactly this crate's version, and a CLI config that installs providers only
/// from `mirror` (no registry, no plugin cache, no user home).
struct Workspace {
    dir: TempDir,
}

impl Workspace {
    fn new(mirror: &Path) -> Workspace {
        let dir = TempDir::new("packaging-workspace");
        for sub in ["home", "logs", "config"] {
            fs::create_dir(dir.path().join(sub)).unwrap();
        }
        fs::write(
            dir.path().join("config/main.tf"),
            format!(
                "terraform {{\n  required_providers {{\n    tencentchat = {{\n      \
                 source  = \"tencentchat/tencentchat\"\n      version = \"{VERSION}\"\n    }}\n  }}\n}}\n"
            ),
        )
        .unwrap();
        fs::write(
            dir.path().join("terraform.rc"),
            format!(
                "provider_installation {{\n  filesystem_mirror {{\n    path = {}\n  }}\n}}\n",
                serde_json::to_string(mirror.to_str().unwrap()).unwrap()
            ),
        )
        .unwrap();
        Workspace { dir }
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("config")
    }

    /// Writes a dependency lock file pinning our provider to these hashes.
    fn pre_lock(&self, hashes: &[String]) {
        let list: String = hashes.iter().map(|h| format!("    \"{h}\",\n")).collect();
        fs::write(
            self.config().join(".terraform.lock.hcl"),
            format!(
                "provider \"{PROVIDER_ADDR}\" {{\n  version     = \"{VERSION}\"\n  \
                 constraints = \"{VERSION}\"\n  hashes = [\n{list}  ]\n}}\n"
            ),
        )
        .unwrap();
    }

    /// `terraform init`; returns (success, stdout + stderr).
    fn init(&self, terraform: &Path) -> (bool, String) {
        let mut cmd = Command::new(terraform);
        cmd.args(["init", "-input=false", "-no-color"])
            .current_dir(self.config())
            .env("TF_CLI_CONFIG_FILE", self.dir.path().join("terraform.rc"))
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_IN_AUTOMATION", "1")
            .env("HOME", self.dir.path().join("home"));
        for var in [
            "TF_PLUGIN_CACHE_DIR",
            "TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE",
            "TF_DATA_DIR",
            "TF_CLI_ARGS",
            "TF_CLI_ARGS_init",
            "TF_WORKSPACE",
        ] {
            cmd.env_remove(var);
        }
        let (ok, stdout, stderr) = run_with_deadline(
            &mut cmd,
            &self.dir.path().join("logs"),
            Duration::from_secs(180),
        );
        (ok, format!("--- stdout\n{stdout}\n--- stderr\n{stderr}"))
    }

    fn lock_file(&self) -> String {
        fs::read_to_string(self.config().join(".terraform.lock.hcl"))
            .expect("no .terraform.lock.hcl in the workspace")
    }
}

#[test]
fn terraform_init_installs_from_the_mirror_and_locks_its_hashes() {
    let Some(tf) =
        Terraform::for_test("terraform_init_installs_from_the_mirror_and_locks_its_hashes")
    else {
        return;
    };
    eprintln!("using {} ({})", tf.path.display(), tf.version_string());
    let terraform = tf.path.as_path();
    let rel = run_release();
    let zip_bytes = fs::read(rel.zip_path()).unwrap();
    let unpacked: Vec<(String, Vec<u8>)> = read_zip(&zip_bytes)
        .into_iter()
        .map(|e| (e.name, e.data))
        .collect();
    let h1 = h1_hash(&unpacked);
    // The zip's line in SHA256SUMS is what a lock file's "zh:" hash carries.
    let sums = fs::read_to_string(rel.out.path().join(&rel.sums_name)).unwrap();
    let zip_sum = sums
        .lines()
        .find_map(|l| l.strip_suffix(&format!("  {}", rel.zip_name)))
        .expect("SHA256SUMS has no line for the zip");
    assert_eq!(zip_sum, sha256_hex(&zip_bytes));
    let zh = format!("zh:{zip_sum}");

    // 1. No lock file yet: init installs from the mirror and locks the h1 hash.
    //    (Terraform adds "zh:" hashes by itself only for signed registry
    //    releases, so a mirror install records h1 alone.)
    let ws = Workspace::new(rel.mirror.path());
    let (ok, output) = ws.init(terraform);
    assert!(ok, "terraform init failed:\n{output}");
    let installed_dir = ws
        .config()
        .join(".terraform/providers")
        .join(PROVIDER_ADDR)
        .join(VERSION)
        .join(format!("{}_{}", rel.os, rel.arch));
    let installed = dir_files(&installed_dir);
    let names = |files: &[(String, Vec<u8>)]| -> Vec<String> {
        files.iter().map(|(n, _)| n.clone()).collect()
    };
    assert_eq!(
        names(&installed),
        names(&unpacked),
        "installed package files"
    );
    assert!(
        installed[0].1 == unpacked[0].1,
        "installed binary differs from the zip's"
    );
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = fs::metadata(installed_dir.join(&installed[0].0))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(
            mode & 0o111,
            0o111,
            "installed binary not executable: {mode:o}"
        );
    }
    assert_eq!(h1, h1_hash(&installed), "h1 of installed dir vs zip");
    let lock = ws.lock_file();
    let (locked_version, hashes) = locked_provider(&lock, PROVIDER_ADDR)
        .unwrap_or_else(|| panic!("no provider block for {PROVIDER_ADDR} in:\n{lock}"));
    assert_eq!(locked_version, VERSION, "locked version");
    assert_eq!(
        hashes,
        std::slice::from_ref(&h1),
        "hashes locked by init:\n{lock}"
    );

    // 2. A lock file carrying only the release's zh: hash (as one written from
    //    SHA256SUMS would): Terraform checks the packed zip against it, accepts
    //    it, and adds the h1 hash beside it.
    let ws = Workspace::new(rel.mirror.path());
    ws.pre_lock(std::slice::from_ref(&zh));
    let (ok, output) = ws.init(terraform);
    assert!(ok, "terraform init with a zh:-only lock failed:\n{output}");
    let lock = ws.lock_file();
    let (_, mut hashes) = locked_provider(&lock, PROVIDER_ADDR).unwrap();
    hashes.sort();
    assert_eq!(
        hashes,
        [h1.clone(), zh.clone()],
        "hashes after init:\n{lock}"
    );

    // 3. A zh: hash that is not the zip's (the manifest's, say) is refused, so
    //    the acceptance in step 2 really was a check of our SHA256SUMS line.
    let ws = Workspace::new(rel.mirror.path());
    let wrong = format!(
        "zh:{}",
        sha256_hex(&fs::read(rel.out.path().join(&rel.manifest_name)).unwrap())
    );
    ws.pre_lock(&[wrong]);
    let (ok, output) = ws.init(terraform);
    assert!(!ok, "terraform init accepted a wrong zh: hash:\n{output}");
    assert!(
        // Terraform wraps its messages, so compare with whitespace collapsed.
        output
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .contains("doesn't match any of the checksums"),
        "init failed, but not for the checksum:\n{output}"
    );
}
