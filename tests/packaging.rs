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
    /// What release.sh printed on stdout.
    stdout: String,
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
/// incremental, so a fresh static build makes this quick.
fn run_release() -> Release {
    run_release_with(&[])
}

/// [`run_release`] with these variables set (GPG_FINGERPRINT, say); without
/// them, none of them comes from the caller's environment.
fn run_release_with(env: &[(&str, &std::ffi::OsStr)]) -> Release {
    let out = TempDir::new("packaging-out");
    let mirror = TempDir::new("packaging-mirror");
    let started = Instant::now();
    let mut cmd = Command::new("bash");
    cmd.arg(repo_root().join("scripts/release.sh"))
        .arg("--out")
        .arg(out.path())
        .arg("--mirror")
        .arg(mirror.path())
        .current_dir(repo_root())
        .env_remove("GPG_FINGERPRINT")
        .stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let run = cmd.output().expect("run scripts/release.sh");
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
        stdout: stdout.into_owned(),
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
    let built = fs::read(release_binary()).expect("release binary");
    assert!(
        bin.data == built,
        "zip entry differs from {}",
        release_binary().display()
    );
    // Static: no program interpreter, no shared library (readelf -l / -d).
    let (interp, needed) = elf_dynamic_needs(&bin.data);
    assert_eq!(
        interp, None,
        "the release binary wants a program interpreter"
    );
    assert!(needed.is_empty(), "the release binary needs {needed:?}");
    assert_contains_line(
        &rel.stdout,
        "platforms built: linux_amd64 (x86_64-unknown-linux-gnu, static",
    );
    assert_contains_line(&rel.stdout, "platforms not built: every other one");
    assert_contains_line(&rel.stdout, "not signed: GPG_FINGERPRINT is not set");

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

    // The mirror holds the release zip, byte for byte, in the packed layout, and
    // beside it the network mirror's index.json and <version>.json, nothing else.
    let mut mirrored = dir_files(rel.mirror.path());
    mirrored.sort();
    let names: Vec<&str> = mirrored.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            format!("{PROVIDER_ADDR}/{VERSION}.json"),
            format!("{PROVIDER_ADDR}/index.json"),
            format!("{PROVIDER_ADDR}/{}", rel.zip_name),
        ],
        "mirror contents"
    );
    assert!(
        mirrored[2].1 == zip_bytes,
        "mirrored zip differs from the release zip"
    );
    let index: serde_json::Value = serde_json::from_slice(&mirrored[1].1).unwrap();
    assert_eq!(index, json!({"versions": {VERSION: {}}}), "index.json");
    let unpacked: Vec<(String, Vec<u8>)> = entries.into_iter().map(|e| (e.name, e.data)).collect();
    let version: serde_json::Value = serde_json::from_slice(&mirrored[0].1).unwrap();
    assert_eq!(
        version,
        json!({"archives": {format!("{}_{}", rel.os, rel.arch): {
            "url": rel.zip_name,
            "hashes": [h1_hash(&unpacked), format!("zh:{}", sha256_hex(&zip_bytes))],
        }}}),
        "{VERSION}.json"
    );
}

fn assert_contains_line(text: &str, start: &str) {
    assert!(
        text.lines().any(|l| l.starts_with(start)),
        "no line starting {start:?} in release.sh's output:\n{text}"
    );
}

/// The release binary release.sh packs: the host triple's static build.
fn release_binary() -> PathBuf {
    target_dir()
        .join("x86_64-unknown-linux-gnu/release")
        .join(NAME)
}

/// What an ELF64 little-endian executable asks of the dynamic loader: its
/// PT_INTERP (the program interpreter) and the DT_NEEDED entries of its
/// PT_DYNAMIC (as offsets into the string table: their count is what matters).
fn elf_dynamic_needs(elf: &[u8]) -> (Option<String>, Vec<u64>) {
    let u16_at = |at: usize| u16::from_le_bytes(elf[at..at + 2].try_into().unwrap()) as usize;
    let u32_at = |at: usize| u32::from_le_bytes(elf[at..at + 4].try_into().unwrap());
    let u64_at = |at: usize| u64::from_le_bytes(elf[at..at + 8].try_into().unwrap());
    assert_eq!(&elf[..4], b"\x7fELF", "not an ELF file");
    assert_eq!((elf[4], elf[5]), (2, 1), "not ELF64 little-endian");
    let (phoff, phentsize, phnum) = (u64_at(0x20) as usize, u16_at(0x36), u16_at(0x38));
    let (mut interp, mut needed) = (None, Vec::new());
    for i in 0..phnum {
        let ph = phoff + i * phentsize;
        let (offset, size) = (u64_at(ph + 8) as usize, u64_at(ph + 0x20) as usize);
        match u32_at(ph) {
            3 => {
                let raw = &elf[offset..offset + size];
                interp = Some(
                    String::from_utf8_lossy(raw)
                        .trim_end_matches('\0')
                        .to_string(),
                );
            }
            2 => {
                for entry in (offset..offset + size).step_by(16) {
                    match u64_at(entry) {
                        0 => break,
                        1 => needed.push(u64_at(entry + 8)),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    (interp, needed)
}

#[test]
fn the_elf_reader_sees_what_a_dynamic_executable_needs() {
    // The test binary itself is linked dynamically (only release.sh's build is
    // static), so the reader must find an interpreter and libc in it.
    let me = fs::read(std::env::current_exe().unwrap()).unwrap();
    let (interp, needed) = elf_dynamic_needs(&me);
    assert!(
        interp.as_deref().is_some_and(|i| i.contains("ld-linux")),
        "{interp:?}"
    );
    assert!(!needed.is_empty());
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
        Workspace::installing_from(&format!(
            "filesystem_mirror {{\n    path = {}\n  }}",
            serde_json::to_string(mirror.to_str().unwrap()).unwrap()
        ))
    }

    /// A workspace whose CLI config's provider_installation holds `method`.
    fn installing_from(method: &str) -> Workspace {
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
            format!("provider_installation {{\n  {method}\n}}\n"),
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
        self.init_with(terraform, &[])
    }

    /// `terraform init` with these variables set (SSL_CERT_FILE, say).
    fn init_with(&self, terraform: &Path, env: &[(&str, &Path)]) -> (bool, String) {
        let mut cmd = Command::new(terraform);
        cmd.env_remove("SSL_CERT_FILE").env_remove("SSL_CERT_DIR");
        for (k, v) in env {
            cmd.env(k, v);
        }
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

// ---------------------------------------------------------------------------
// Signing: a throwaway key in a temporary GNUPGHOME.

/// gpg, or None after printing why the test cannot run. scripts/test.sh
/// installs gnupg where it is missing, so there (TENCENTCHAT_E2E_REQUIRE_TERRAFORM
/// set) a missing gpg fails.
fn gpg(test: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join("gpg"))
            .find(|g| g.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var_os("TENCENTCHAT_E2E_REQUIRE_TERRAFORM").is_none(),
            "{test}: gpg is not installed (scripts/test.sh installs gnupg)"
        );
        common::skip(test, "gpg is not installed");
    }
    found
}

/// A GNUPGHOME of its own (mode 0700, short path for gpg-agent's socket);
/// its agent is stopped when dropped.
struct GnupgHome {
    dir: TempDir,
}

impl GnupgHome {
    fn new() -> GnupgHome {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = TempDir::new("gpg");
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o700)).unwrap();
        GnupgHome { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `gpg ARGS…` in this home; returns (success, stdout, stderr).
    fn run(&self, gpg: &Path, args: &[&std::ffi::OsStr]) -> (bool, String, String) {
        let out = Command::new(gpg)
            .arg("--batch")
            .args(args)
            .env("GNUPGHOME", self.path())
            .stdin(Stdio::null())
            .output()
            .expect("run gpg");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

impl Drop for GnupgHome {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .args(["--kill", "all"])
            .env("GNUPGHOME", self.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

fn os(s: &str) -> &std::ffi::OsStr {
    std::ffi::OsStr::new(s)
}

#[test]
fn release_is_signed_with_the_key_gpg_fingerprint_names() {
    const T: &str = "release_is_signed_with_the_key_gpg_fingerprint_names";
    let Some(gpg) = gpg(T) else {
        return;
    };
    // A throwaway signing key without a passphrase.
    let signer = GnupgHome::new();
    let (ok, _, err) = signer.run(
        &gpg,
        &[
            os("--passphrase"),
            os(""),
            os("--quick-generate-key"),
            os("Release Test <release-test@example.invalid>"),
            os("ed25519"),
            os("sign"),
            os("never"),
        ],
    );
    assert!(ok, "gpg could not make a key: {err}");
    let (ok, listing, err) = signer.run(&gpg, &[os("--with-colons"), os("--list-secret-keys")]);
    assert!(ok, "{err}");
    let fingerprint = listing
        .lines()
        .find_map(|l| l.strip_prefix("fpr:"))
        .map(|l| l.trim_matches(':').to_string())
        .expect("the new key's fingerprint");

    let rel = run_release_with(&[
        ("GPG_FINGERPRINT", os(&fingerprint)),
        ("GNUPGHOME", signer.path().as_os_str()),
    ]);
    let sig_name = format!("{}.sig", rel.sums_name);
    let key_name = format!("{NAME}_{VERSION}_signing-key.asc");
    let made: BTreeSet<String> = fs::read_dir(rel.out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    let expected: BTreeSet<String> = [
        &rel.zip_name,
        &rel.manifest_name,
        &rel.sums_name,
        &sig_name,
        &key_name,
    ]
    .into_iter()
    .cloned()
    .collect();
    assert_eq!(made, expected, "files of a signed release");
    assert_contains_line(
        &rel.stdout,
        &format!("signed: {}", rel.out.path().join(&sig_name).display()),
    );
    let sig = rel.out.path().join(&sig_name);
    let sig_bytes = fs::read(&sig).unwrap();
    assert!(
        !sig_bytes.starts_with(b"-----BEGIN"),
        "the signature must be binary, not armored"
    );
    let key = fs::read_to_string(rel.out.path().join(&key_name)).unwrap();
    assert!(
        key.starts_with("-----BEGIN PGP PUBLIC KEY BLOCK-----"),
        "the exported key is armored: {key}"
    );
    assert!(
        !key.contains("PRIVATE KEY"),
        "only the public half is exported"
    );

    // A verifier that knows only the exported public key.
    let verifier = GnupgHome::new();
    let (ok, _, err) = verifier.run(
        &gpg,
        &[os("--import"), rel.out.path().join(&key_name).as_os_str()],
    );
    assert!(ok, "importing the exported key: {err}");
    let sums = rel.out.path().join(&rel.sums_name);
    let (ok, _, err) = verifier.run(&gpg, &[os("--verify"), sig.as_os_str(), sums.as_os_str()]);
    assert!(ok, "gpg --verify of SHA256SUMS failed:\n{err}");
    assert!(err.contains("Good signature"), "{err}");

    // One changed byte in SHA256SUMS: the signature no longer verifies.
    let tampered = rel.out.path().join("tampered_SHA256SUMS");
    let mut bytes = fs::read(&sums).unwrap();
    bytes[0] = if bytes[0] == b'0' { b'1' } else { b'0' };
    fs::write(&tampered, bytes).unwrap();
    let (ok, _, err) = verifier.run(
        &gpg,
        &[os("--verify"), sig.as_os_str(), tampered.as_os_str()],
    );
    assert!(!ok, "a tampered SHA256SUMS verified:\n{err}");
    assert!(err.contains("BAD signature"), "{err}");

    // An unsigned run into the same folder drops the now stale signature.
    let run = Command::new("bash")
        .arg(repo_root().join("scripts/release.sh"))
        .arg("--out")
        .arg(rel.out.path())
        .current_dir(repo_root())
        .env_remove("GPG_FINGERPRINT")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(!sig.exists() && !rel.out.path().join(&key_name).exists());
}

// ---------------------------------------------------------------------------
// The same folder as a network mirror, over HTTPS on loopback.

/// A static HTTPS file server for `root` on 127.0.0.1, with a certificate from a
/// CA of its own (`ca_file`, to trust through SSL_CERT_FILE); it records the
/// path of every request.
struct HttpsMirror {
    url: String,
    ca_file: PathBuf,
    seen: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    _ca_dir: TempDir,
    _runtime: tokio::runtime::Runtime,
}

impl HttpsMirror {
    fn start(root: &Path) -> HttpsMirror {
        let ca_dir = TempDir::new("mirror-ca");
        let tls = tencentchat::sim::tls::SelfSigned::create(ca_dir.path(), &[]).expect("a CA");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let port = listener.local_addr().unwrap().port();
        let acceptor = tokio_rustls::TlsAcceptor::from(tls.server_config());
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (root, log) = (root.to_path_buf(), seen.clone());
        runtime.spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let (acceptor, root, log) = (acceptor.clone(), root.clone(), log.clone());
                tokio::spawn(async move {
                    if let Ok(tls) = acceptor.accept(tcp).await {
                        let _ = serve_file(tls, &root, &log).await;
                    }
                });
            }
        });
        HttpsMirror {
            url: format!("https://127.0.0.1:{port}/"),
            ca_file: tls.ca_file.clone(),
            seen,
            _ca_dir: ca_dir,
            _runtime: runtime,
        }
    }

    fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

/// Answers one HTTP/1.1 GET with the file under `root` (or 404), then closes.
async fn serve_file(
    mut conn: tokio_rustls::server::TlsStream<tokio::net::TcpStream>,
    root: &Path,
    log: &std::sync::Mutex<Vec<String>>,
) -> std::io::Result<()> {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut head = Vec::new();
    let mut chunk = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = conn.read(&mut chunk).await?;
        if n == 0 || head.len() > 64 * 1024 {
            return Ok(());
        }
        head.extend_from_slice(&chunk[..n]);
    }
    let head = String::from_utf8_lossy(&head);
    let target = head
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("GET "))
        .and_then(|l| l.split(' ').next())
        .unwrap_or("");
    let path = target.split('?').next().unwrap_or("").to_string();
    log.lock().unwrap().push(path.clone());
    let file = (!path.split('/').any(|p| p == ".."))
        .then(|| root.join(path.trim_start_matches('/')))
        .filter(|f| f.is_file());
    let (status, body) = match file {
        Some(f) => ("200 OK", fs::read(f)?),
        None => ("404 Not Found", b"not found\n".to_vec()),
    };
    let kind = if path.ends_with(".json") {
        "application/json"
    } else {
        "application/zip"
    };
    conn.write_all(
        format!(
            "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    )
    .await?;
    conn.write_all(&body).await?;
    conn.shutdown().await
}

fn squashed(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn terraform_init_installs_through_the_folder_as_an_https_network_mirror() {
    const T: &str = "terraform_init_installs_through_the_folder_as_an_https_network_mirror";
    let Some(tf) = Terraform::for_test(T) else {
        return;
    };
    eprintln!("using {} ({})", tf.path.display(), tf.version_string());
    let rel = run_release();
    let zip_bytes = fs::read(rel.zip_path()).unwrap();
    let unpacked: Vec<(String, Vec<u8>)> = read_zip(&zip_bytes)
        .into_iter()
        .map(|e| (e.name, e.data))
        .collect();
    let h1 = h1_hash(&unpacked);
    let server = HttpsMirror::start(rel.mirror.path());
    let method = format!(
        "network_mirror {{\n    url = {}\n  }}",
        serde_json::to_string(&server.url).unwrap()
    );
    let trusted = [("SSL_CERT_FILE", server.ca_file.as_path())];

    // 1. Trusted through SSL_CERT_FILE: init installs from the mirror.
    let ws = Workspace::installing_from(&method);
    let (ok, output) = ws.init_with(&tf.path, &trusted);
    assert!(
        ok,
        "terraform init through the network mirror failed:\n{output}"
    );
    let installed = dir_files(
        &ws.config()
            .join(".terraform/providers")
            .join(PROVIDER_ADDR)
            .join(VERSION)
            .join(format!("{}_{}", rel.os, rel.arch)),
    );
    assert_eq!(installed, unpacked, "installed package files");
    let (_, hashes) = locked_provider(&ws.lock_file(), PROVIDER_ADDR).expect("a locked provider");
    assert!(hashes.contains(&h1), "h1 {h1} not locked: {hashes:?}");
    let base = format!("/{PROVIDER_ADDR}");
    for wanted in [
        format!("{base}/index.json"),
        format!("{base}/{VERSION}.json"),
        format!("{base}/{}", rel.zip_name),
    ] {
        assert!(
            server.seen().contains(&wanted),
            "the mirror was not asked for {wanted}: {:?}",
            server.seen()
        );
    }

    // 2. Without SSL_CERT_FILE the mirror's certificate is not trusted: so step 1
    //    really went over HTTPS with that CA.
    let ws = Workspace::installing_from(&method);
    let (ok, output) = ws.init_with(&tf.path, &[]);
    assert!(!ok, "init trusted an unknown CA:\n{output}");
    assert!(squashed(&output).contains("certificate"), "{output}");

    // 3. Hashes in <version>.json that are not the zip's are refused: Terraform
    //    checks the package against them.
    let version_json = rel
        .mirror
        .path()
        .join(PROVIDER_ADDR)
        .join(format!("{VERSION}.json"));
    let good = fs::read_to_string(&version_json).unwrap();
    let wrong = good
        .replace(&h1, "h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
        .replace(
            &format!("zh:{}", sha256_hex(&zip_bytes)),
            &format!("zh:{}", "0".repeat(64)),
        );
    assert_ne!(good, wrong);
    fs::write(&version_json, wrong).unwrap();
    let ws = Workspace::installing_from(&method);
    let (ok, output) = ws.init_with(&tf.path, &trusted);
    assert!(
        !ok,
        "init accepted a package whose hashes the mirror does not list:\n{output}"
    );
    assert!(squashed(&output).contains("checksum"), "{output}");
}

// ---------------------------------------------------------------------------
// The static binary in an empty root: only itself, /etc/hosts, /etc/resolv.conf.

/// The DNS name the chroot's /etc/hosts holds, and the one the test's DNS
/// server answers; neither is known to this machine's resolver.
const HOSTS_NAME: &str = "sim-hosts.tencentchat.test";
const DNS_NAME: &str = "sim-dns.tencentchat.test";

/// A DNS server on UDP port 53 of a loopback address of its own that answers
/// `name` with 127.0.0.1 (A; AAAA: no address) and NXDOMAIN for anything else,
/// recording every question as "NAME TYPE".
struct LoopbackDns {
    addr: std::net::Ipv4Addr,
    questions: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl LoopbackDns {
    fn start(name: &'static str) -> std::io::Result<LoopbackDns> {
        // 127.0.0.0/8 is all loopback; a random address keeps parallel runs apart.
        let mut last = None;
        for _ in 0..16 {
            let addr = std::net::Ipv4Addr::new(
                127,
                fastrand::u8(1..=254),
                fastrand::u8(..),
                fastrand::u8(1..=254),
            );
            match std::net::UdpSocket::bind((addr, 53)) {
                Ok(socket) => {
                    let questions = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
                    let log = questions.clone();
                    std::thread::spawn(move || {
                        let mut buf = [0u8; 1500];
                        while let Ok((n, peer)) = socket.recv_from(&mut buf) {
                            if let Some((reply, question)) = dns_answer(&buf[..n], name) {
                                log.lock().unwrap().push(question);
                                let _ = socket.send_to(&reply, peer);
                            }
                        }
                    });
                    return Ok(LoopbackDns { addr, questions });
                }
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap())
    }

    fn questions(&self) -> Vec<String> {
        self.questions.lock().unwrap().clone()
    }
}

/// The reply to one DNS query (RFC 1035 §4), and its question as "NAME TYPE".
fn dns_answer(query: &[u8], name: &str) -> Option<(Vec<u8>, String)> {
    if query.len() < 12 || u16::from_be_bytes([query[4], query[5]]) != 1 {
        return None;
    }
    let mut at = 12;
    let mut labels = Vec::new();
    loop {
        let len = *query.get(at)? as usize;
        at += 1;
        if len == 0 {
            break;
        }
        labels.push(String::from_utf8_lossy(query.get(at..at + len)?).to_ascii_lowercase());
        at += len;
    }
    let qtype = u16::from_be_bytes([*query.get(at)?, *query.get(at + 1)?]);
    let question_end = at + 4;
    query.get(..question_end)?;
    let asked = labels.join(".");
    let (rcode, answer_a) = match (asked == name, qtype) {
        (true, 1) => (0u8, true),
        (true, _) => (0, false),
        (false, _) => (3, false),
    };
    let mut reply = Vec::with_capacity(question_end + 16);
    reply.extend_from_slice(&query[..2]); // ID
    reply.push(0x81 | (query[2] & 0x01)); // QR, opcode 0, AA, RD copied
    reply.push(0x80 | rcode); // RA, RCODE
    reply.extend_from_slice(&[0, 1, 0, u8::from(answer_a), 0, 0, 0, 0]);
    reply.extend_from_slice(&query[12..question_end]);
    if answer_a {
        // A pointer to the question's name, A, IN, TTL 60, 4 bytes: 127.0.0.1.
        reply.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 1]);
    }
    let kind = match qtype {
        1 => "A".to_string(),
        28 => "AAAA".to_string(),
        t => t.to_string(),
    };
    Some((reply, format!("{asked} {kind}")))
}

#[test]
fn the_dns_answerer_speaks_rfc_1035() {
    // A query for DNS_NAME A, ID 0x1234, RD set, as a stub resolver sends it.
    let mut q = vec![0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
    for label in DNS_NAME.split('.') {
        q.push(label.len() as u8);
        q.extend_from_slice(label.as_bytes());
    }
    q.extend_from_slice(&[0, 0, 1, 0, 1]);
    let (reply, asked) = dns_answer(&q, DNS_NAME).unwrap();
    assert_eq!(asked, format!("{DNS_NAME} A"));
    assert_eq!(&reply[..4], &[0x12, 0x34, 0x81, 0x80]);
    assert_eq!(&reply[4..12], &[0, 1, 0, 1, 0, 0, 0, 0]);
    assert_eq!(&reply[reply.len() - 4..], &[127, 0, 0, 1]);
    let other = q.clone();
    let (reply, _) = dns_answer(&other, "elsewhere.test").unwrap();
    assert_eq!(reply[3] & 0x0f, 3, "NXDOMAIN");
}

/// Whether this process may chroot (root, or CAP_SYS_CHROOT): the reason if not.
fn chroot_refused(chroot: &Path) -> Option<String> {
    match Command::new(chroot).args(["/", "/bin/true"]).output() {
        Ok(out) if out.status.success() => None,
        Ok(out) => Some(format!(
            "chroot is not permitted here ({}: {})",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )),
        Err(e) => Some(format!("chroot could not be run: {e}")),
    }
}

#[test]
fn the_static_binary_serves_terraform_from_an_empty_chroot() {
    const T: &str = "the_static_binary_serves_terraform_from_an_empty_chroot";
    let Some(tf) = Terraform::for_test(T) else {
        return;
    };
    let chroot = [
        "/usr/sbin/chroot",
        "/usr/bin/chroot",
        "/sbin/chroot",
        "/bin/chroot",
    ]
    .into_iter()
    .map(PathBuf::from)
    .find(|p| p.is_file())
    .expect("chroot(8) (coreutils)");
    if let Some(why) = chroot_refused(&chroot) {
        common::skip(T, &why);
        return;
    }
    let dns = LoopbackDns::start(DNS_NAME).expect("a DNS server on a loopback address");
    let rel = run_release();
    let entries = read_zip(&fs::read(rel.zip_path()).unwrap());

    // The root: the binary from the release zip, /etc/hosts, /etc/resolv.conf.
    let root = TempDir::new("chroot");
    let binary = format!("/{NAME}");
    {
        use std::os::unix::fs::PermissionsExt as _;
        fs::write(root.path().join(&binary[1..]), &entries[0].data).unwrap();
        fs::set_permissions(
            root.path().join(&binary[1..]),
            fs::Permissions::from_mode(0o755),
        )
        .unwrap();
    }
    fs::create_dir(root.path().join("etc")).unwrap();
    fs::write(
        root.path().join("etc/hosts"),
        format!("127.0.0.1 {HOSTS_NAME}\n"),
    )
    .unwrap();
    fs::write(
        root.path().join("etc/resolv.conf"),
        format!("nameserver {}\n", dns.addr),
    )
    .unwrap();
    let mut inside: Vec<String> = dir_files(root.path()).into_iter().map(|(n, _)| n).collect();
    inside.sort();
    assert_eq!(
        inside,
        ["etc/hosts", "etc/resolv.conf", NAME],
        "the chroot holds only these"
    );

    // The provider Terraform starts is a launcher that execs the binary in there.
    let sim = common::Sim::start();
    let port = sim.url().rsplit(':').next().unwrap().to_string();
    let mut ws = common::Workspace::new(&tf, &sim);
    ws.unset_env("TENCENTCHAT_ENDPOINT");
    let log = ws.dir().join("provider.log");
    ws.set_env("TF_LOG_PROVIDER", "INFO");
    ws.set_env("TF_LOG_PATH", &log.to_string_lossy());
    let installed = ws
        .dir()
        .parent()
        .unwrap()
        .join("mirror")
        .join(PROVIDER_ADDR)
        .join(VERSION)
        .join(format!("{}_{}", rel.os, rel.arch))
        .join(format!("{NAME}_v{VERSION}"));
    assert!(
        installed.is_file(),
        "the harness's mirror: {}",
        installed.display()
    );
    fs::write(
        &installed,
        format!(
            "#!/bin/sh\nexec {} {} {binary} \"$@\"\n",
            chroot.display(),
            root.path().display()
        ),
    )
    .unwrap();
    ws.write_main(&format!(
        r#"terraform {{
  required_providers {{
    tencentchat = {{
      source  = "tencentchat/tencentchat"
      version = "{VERSION}"
    }}
  }}
}}

provider "tencentchat" {{
  alias    = "hosts"
  endpoint = "http://{HOSTS_NAME}:{port}"
}}

provider "tencentchat" {{
  alias    = "dns"
  endpoint = "http://{DNS_NAME}:{port}"
}}

resource "tencentchat_robot" "via_hosts" {{
  provider = tencentchat.hosts
  user_id  = "@RBT#via_hosts"
  nick     = "Found in /etc/hosts"
}}

resource "tencentchat_robot" "via_dns" {{
  provider = tencentchat.dns
  user_id  = "@RBT#via_dns"
  nick     = "Found by DNS"
}}
"#
    ));
    ws.init();
    ws.apply();
    let mut made = sim.robot_ids();
    made.sort();
    assert_eq!(made, ["@RBT#via_dns", "@RBT#via_hosts"]);
    let plan = ws.plan_detailed(&[]);
    assert_eq!(
        plan.code,
        0,
        "a second plan has nothing to do:\n{}",
        plan.transcript()
    );

    // The DNS name's address came from the test's server. The hosts name's
    // IPv4 address never was asked of it (and it answers NXDOMAIN for that
    // name), so /etc/hosts answered; hickory asks for AAAA records, which that
    // /etc/hosts lacks, so those may reach the server.
    let questions = dns.questions();
    assert!(
        questions.contains(&format!("{DNS_NAME} A")),
        "the DNS server was not asked for {DNS_NAME}: {questions:?}"
    );
    assert!(
        !questions.contains(&format!("{HOSTS_NAME} A")),
        "{HOSTS_NAME} should come from /etc/hosts: {questions:?}"
    );
    // In there the provider serves on TCP (no /tmp for a Unix socket) and has
    // no sibling sockets: both quietly, nothing at WARN or ERROR.
    let text = fs::read_to_string(&log).unwrap();
    let provider: Vec<&str> = text
        .lines()
        .filter(|l| l.contains(" provider.terraform-provider-tencentchat"))
        .collect();
    assert!(
        provider
            .iter()
            .any(|l| l.contains("serving on TCP 127.0.0.1")),
        "the provider did not run where no Unix socket can be made:\n{text}"
    );
    assert!(
        !provider
            .iter()
            .any(|l| l.contains("[WARN]") || l.contains("[ERROR]")),
        "warnings or errors from the provider:\n{}",
        provider.join("\n")
    );
}

#[test]
fn zip_reader_reads_stored_and_deflated_entries() {
    // A zip built by hand: one stored and one deflated entry, sizes and CRC only
    // in the central directory (as with a data descriptor).
    fn entry(
        name: &str,
        method: u16,
        plain: &[u8],
        data: &[u8],
        local: &mut Vec<u8>,
        central: &mut Vec<u8>,
    ) {
        let offset = local.len() as u32;
        let n = name.len() as u16;
        local.extend([0x50, 0x4b, 0x03, 0x04, 20, 0, 0, 0]);
        local.extend(method.to_le_bytes());
        local.extend([0; 16]); // time, date, crc, sizes (0: as with a data descriptor)
        local.extend(n.to_le_bytes());
        local.extend(0u16.to_le_bytes());
        local.extend(name.as_bytes());
        local.extend(data);
        let mut crc = flate2::Crc::new();
        crc.update(plain);
        central.extend([0x50, 0x4b, 0x01, 0x02, 20, 0, 20, 0, 0, 0]);
        central.extend(method.to_le_bytes());
        central.extend([0; 4]); // time, date
        central.extend(crc.sum().to_le_bytes());
        central.extend((data.len() as u32).to_le_bytes());
        central.extend((plain.len() as u32).to_le_bytes());
        central.extend(n.to_le_bytes());
        central.extend([0; 12]);
        central.extend(offset.to_le_bytes());
        central.extend(name.as_bytes());
    }
    let hello = b"hello hello hello";
    let mut deflated = flate2::write::DeflateEncoder::new(Vec::new(), Default::default());
    std::io::Write::write_all(&mut deflated, hello).unwrap();
    let deflated = deflated.finish().unwrap();
    let (mut local, mut central) = (Vec::new(), Vec::new());
    entry("a.txt", 0, b"plain", b"plain", &mut local, &mut central);
    entry("b/c.json", 8, hello, &deflated, &mut local, &mut central);
    let cd_at = local.len() as u32;
    let mut zip = local;
    zip.extend(&central);
    zip.extend([0x50, 0x4b, 0x05, 0x06, 0, 0, 0, 0, 2, 0, 2, 0]);
    zip.extend((central.len() as u32).to_le_bytes());
    zip.extend(cd_at.to_le_bytes());
    zip.extend([0, 0]);
    let files: Vec<(String, Vec<u8>)> = read_zip(&zip)
        .into_iter()
        .map(|e| (e.name, e.data))
        .collect();
    assert_eq!(
        files,
        [
            ("a.txt".to_string(), b"plain".to_vec()),
            ("b/c.json".to_string(), b"hello hello hello".to_vec())
        ]
    );
}
