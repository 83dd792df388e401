//! Terraform working directories: the provider installed from a per-test mirror,
//! the `TENCENTCHAT_*` environment pointing at a simulator, and Terraform runs.

use super::*;
use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// Lays out a filesystem mirror holding this build of the provider under `root`
/// and writes a CLI config that installs `registry.terraform.io/tencentchat/*`
/// only from it. Returns the CLI config's path.
pub fn install_provider_mirror(root: &Path) -> PathBuf {
    let mirror = root.join("mirror");
    let pkg_dir = mirror
        .join(PROVIDER_HOST)
        .join(PROVIDER_NAMESPACE)
        .join(PROVIDER_TYPE)
        .join(PROVIDER_VERSION)
        .join("linux_amd64");
    std::fs::create_dir_all(&pkg_dir).expect("creating the mirror");
    let bin = pkg_dir.join(format!(
        "terraform-provider-{PROVIDER_TYPE}_v{PROVIDER_VERSION}"
    ));
    std::fs::copy(env!("CARGO_BIN_EXE_terraform-provider-tencentchat"), &bin)
        .expect("copying the provider binary into the mirror");

    let include = format!("{PROVIDER_HOST}/{PROVIDER_NAMESPACE}/*");
    let config = format!(
        "provider_installation {{\n  filesystem_mirror {{\n    path    = {mirror}\n    include = [{include}]\n  }}\n  direct {{\n    exclude = [{include}]\n  }}\n}}\n",
        mirror = hcl_string(&mirror.to_string_lossy()),
        include = hcl_string(&include),
    );
    let path = root.join("terraformrc");
    std::fs::write(&path, config).expect("writing the CLI config");
    path
}

/// A string as an HCL quoted literal.
pub fn hcl_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            // `${` and `%{` start template sequences; doubling the sigil escapes them.
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

// ---------------------------------------------------------------------------
// Workspaces
// ---------------------------------------------------------------------------

/// What one Terraform command did.
#[derive(Debug)]
pub struct Run {
    pub args: Vec<String>,
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Everything the command printed, for assertion messages.
    pub fn transcript(&self) -> String {
        format!(
            "$ terraform {}\nexit code {}\n--- stdout\n{}\n--- stderr\n{}",
            self.args.join(" "),
            self.code,
            self.stdout,
            self.stderr
        )
    }

    pub fn expect_success(self) -> Run {
        assert_eq!(self.code, 0, "command failed:\n{}", self.transcript());
        self
    }
}

/// A temporary Terraform working directory wired to a simulator.
pub struct Workspace {
    tf: Terraform,
    dir: TempDir,
    cli_config: PathBuf,
    env: Vec<(String, String)>,
}

impl Workspace {
    /// A workspace whose provider talks to `sim`'s demo app through the
    /// `TENCENTCHAT_*` environment variables.
    pub fn new(tf: &Terraform, sim: &Sim) -> Workspace {
        let mut ws = Workspace::bare(tf);
        ws.set_env("TENCENTCHAT_ENDPOINT", sim.url());
        ws.set_env("TENCENTCHAT_SDKAPPID", &DEMO_SDKAPPID.to_string());
        ws.set_env("TENCENTCHAT_SECRET_KEY", DEMO_SECRET_KEY);
        ws
    }

    /// A workspace with the provider installed but no `TENCENTCHAT_*` settings.
    pub fn bare(tf: &Terraform) -> Workspace {
        let dir = TempDir::new("tf");
        let cli_config = install_provider_mirror(dir.path());
        let work = dir.path().join("work");
        std::fs::create_dir_all(&work).expect("creating the working dir");
        Workspace {
            tf: tf.clone(),
            dir,
            cli_config,
            env: Vec::new(),
        }
    }

    /// The directory Terraform runs in.
    pub fn dir(&self) -> PathBuf {
        self.dir.path().join("work")
    }

    pub fn terraform(&self) -> &Terraform {
        &self.tf
    }

    pub fn set_env(&mut self, key: &str, value: &str) {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_string(), value.to_string()));
    }

    /// Removes a variable this workspace would otherwise set.
    pub fn unset_env(&mut self, key: &str) {
        self.env.retain(|(k, _)| k != key);
    }

    pub fn write_main(&self, hcl: &str) {
        self.write_file("main.tf", hcl);
    }

    pub fn write_file(&self, name: &str, content: &str) {
        let path = self.dir().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("creating parent dir");
        }
        std::fs::write(&path, content).unwrap_or_else(|e| panic!("writing {name}: {e}"));
    }

    pub fn read_file(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir().join(name))
            .unwrap_or_else(|e| panic!("reading {name}: {e}"))
    }

    /// Copies every file of `src` (recursively) into the working directory.
    pub fn copy_dir_from(&self, src: &Path) {
        copy_tree(src, &self.dir());
    }

    /// Runs `terraform ARGS…` in the working directory; never panics on failure.
    pub fn run<I, S>(&self, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let args: Vec<String> = args
            .into_iter()
            .map(|a| a.as_ref().to_string_lossy().into_owned())
            .collect();
        let mut cmd = self.command(&args);
        let started = Instant::now();
        let out = cmd
            .output()
            .unwrap_or_else(|e| panic!("running {}: {e}", self.tf.path.display()));
        let run = Run {
            args,
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        let _ = writeln!(
            std::io::stderr(),
            "[{}] terraform {} → {} ({:.1} s)",
            self.tf.version_string(),
            run.args.join(" "),
            run.code,
            started.elapsed().as_secs_f64()
        );
        run
    }

    /// `terraform init`, which must succeed.
    pub fn init(&self) -> Run {
        self.run(["init", "-no-color", "-input=false"])
            .expect_success()
    }

    /// `terraform apply -auto-approve`, which must succeed.
    pub fn apply(&self) -> Run {
        self.apply_result().expect_success()
    }

    /// `terraform apply -auto-approve`, success or not.
    pub fn apply_result(&self) -> Run {
        self.run(["apply", "-auto-approve", "-no-color", "-input=false"])
    }

    /// `terraform plan -detailed-exitcode EXTRA…`: exit 0 (no changes) or 2 (changes);
    /// anything else fails the test.
    pub fn plan_detailed(&self, extra: &[&str]) -> Run {
        let mut args = vec!["plan", "-detailed-exitcode", "-no-color", "-input=false"];
        args.extend_from_slice(extra);
        let run = self.run(&args);
        assert!(
            run.code == 0 || run.code == 2,
            "plan failed:\n{}",
            run.transcript()
        );
        run
    }

    /// `terraform plan` that is expected to fail; returns the run.
    pub fn plan_failing(&self) -> Run {
        let run = self.run(["plan", "-no-color", "-input=false"]);
        assert_ne!(
            run.code,
            0,
            "plan unexpectedly succeeded:\n{}",
            run.transcript()
        );
        run
    }

    /// `terraform destroy -auto-approve`, which must succeed.
    pub fn destroy(&self) -> Run {
        self.run(["destroy", "-auto-approve", "-no-color", "-input=false"])
            .expect_success()
    }

    /// `terraform import ADDR ID`, which must succeed.
    pub fn import(&self, addr: &str, id: &str) -> Run {
        self.run(["import", "-no-color", "-input=false", addr, id])
            .expect_success()
    }

    /// `terraform validate`, which must succeed.
    pub fn validate(&self) -> Run {
        self.run(["validate", "-no-color"]).expect_success()
    }

    /// `terraform state show ADDR` (must succeed); its text.
    pub fn state_show(&self, addr: &str) -> String {
        self.run(["state", "show", "-no-color", addr])
            .expect_success()
            .stdout
    }

    /// `terraform output -json`, parsed, as `{name: value}` (the values only).
    pub fn output_json(&self) -> serde_json::Value {
        let run = self.run(["output", "-json"]).expect_success();
        let all: serde_json::Value = serde_json::from_str(&run.stdout)
            .unwrap_or_else(|e| panic!("output -json is not JSON ({e}):\n{}", run.stdout));
        let mut values = serde_json::Map::new();
        if let serde_json::Value::Object(m) = all {
            for (k, v) in m {
                values.insert(k, v["value"].clone());
            }
        }
        serde_json::Value::Object(values)
    }

    /// The raw `terraform.tfstate` text (local backend).
    pub fn state_file(&self) -> String {
        self.read_file("terraform.tfstate")
    }

    /// The UserIDs of the `tencentchat_robot` objects the state file holds,
    /// current and deposed alike (empty when there is no state yet).
    pub fn robot_ids_in_state(&self) -> BTreeSet<String> {
        let path = self.dir().join("terraform.tfstate");
        let Ok(text) = std::fs::read_to_string(&path) else {
            return BTreeSet::new();
        };
        let state: serde_json::Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("state is not JSON ({e}):\n{text}"));
        let mut ids = BTreeSet::new();
        for r in state["resources"].as_array().into_iter().flatten() {
            if r["type"] != "tencentchat_robot" || r["mode"] != "managed" {
                continue;
            }
            for inst in r["instances"].as_array().into_iter().flatten() {
                if let Some(id) = inst["attributes"]["user_id"].as_str() {
                    ids.insert(id.to_string());
                }
            }
        }
        ids
    }
}

fn copy_tree(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).expect("creating copy destination");
    for entry in std::fs::read_dir(src).unwrap_or_else(|e| panic!("reading {}: {e}", src.display()))
    {
        let entry = entry.expect("dir entry");
        let name = entry.file_name();
        // Never carry over another run's Terraform data.
        if name == ".terraform" || name == ".terraform.lock.hcl" {
            continue;
        }
        let from = entry.path();
        let to = dst.join(&name);
        if entry.file_type().expect("file type").is_dir() {
            copy_tree(&from, &to);
        } else {
            std::fs::copy(&from, &to).unwrap_or_else(|e| panic!("copying {}: {e}", from.display()));
        }
    }
}

/// Terraform word-wraps diagnostics (to 78 columns when not on a terminal) and
/// frames them with `│`; this undoes both so a test can look for a phrase: frame
/// characters at line starts are dropped and every run of whitespace becomes one
/// space.
pub fn squash(text: &str) -> String {
    text.lines()
        .map(|l| l.trim_start().trim_start_matches(['│', '╷', '╵']))
        .flat_map(|l| l.split_whitespace())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Panics unless `haystack` contains `needle`, ignoring line wrapping.
pub fn assert_contains(haystack: &str, needle: &str, context: &str) {
    assert!(
        squash(haystack).contains(&squash(needle)),
        "expected {needle:?} in the output of {context}:\n{haystack}"
    );
}

/// The crate's root directory (for examples/ and docs/).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

// ---------------------------------------------------------------------------
// A Terraform command the caller drives itself: to interrupt it or kill the
// provider under it (tests/e2e_reliability.rs), or to watch its provider
// processes (bench/bench.rs).
// ---------------------------------------------------------------------------

impl Workspace {
    /// `terraform ARGS…` set up exactly as [`Workspace::run`] runs it (working dir,
    /// CLI config, cleaned and workspace environment, stdin null, output piped),
    /// but not started.
    pub fn command<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.command_of(&self.tf.path, args)
    }

    /// `program ARGS…` in the same set-up as [`Workspace::command`]: for a program
    /// that runs Terraform itself (`tencentchat-sim --exec terraform …`).
    pub fn command_of<I, S>(&self, program: &Path, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = Command::new(program);
        cmd.args(args)
            .current_dir(self.dir())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // Settings from the developer's shell must not leak into a test.
        for (key, _) in std::env::vars_os() {
            let k = key.to_string_lossy();
            if k.starts_with("TENCENTCHAT_")
                || matches!(
                    k.as_ref(),
                    "TF_CLI_CONFIG_FILE"
                        | "TF_PLUGIN_CACHE_DIR"
                        | "TF_DATA_DIR"
                        | "TF_WORKSPACE"
                        | "TF_REATTACH_PROVIDERS"
                        | "TF_CLI_ARGS"
                )
                || k.starts_with("TF_CLI_ARGS_")
                || k.starts_with("TF_VAR_")
            {
                cmd.env_remove(&key);
            }
        }
        cmd.env("TF_CLI_CONFIG_FILE", &self.cli_config)
            .env("TF_IN_AUTOMATION", "1")
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_INPUT", "0");
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }
}
