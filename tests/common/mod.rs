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

#![allow(dead_code)] // each test crate uses a different part of the harness

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tencentchat::sim::{Admin, Counters};

/// The simulator's demo app (served when it is started without `--app`).
pub const DEMO_SDKAPPID: u64 = 1_400_000_000;
pub const DEMO_SECRET_KEY: &str = "tencentchat-sim-demo-key-0000000000000000";
pub const DEMO_ADMIN: &str = "administrator";

/// The provider's registry address and version, as `terraform init` installs it.
pub const PROVIDER_HOST: &str = "registry.terraform.io";
pub const PROVIDER_NAMESPACE: &str = "tencentchat";
pub const PROVIDER_TYPE: &str = "tencentchat";
pub const PROVIDER_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The `terraform { required_providers }` block for this provider, then an empty
/// `provider "tencentchat" {}` block (settings from the environment).
pub fn provider_header() -> String {
    format!(
        "terraform {{\n  required_providers {{\n    {PROVIDER_TYPE} = {{\n      source  = \"{PROVIDER_NAMESPACE}/{PROVIDER_TYPE}\"\n      version = \"{PROVIDER_VERSION}\"\n    }}\n  }}\n}}\n\nprovider \"{PROVIDER_TYPE}\" {{}}\n"
    )
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

// ---------------------------------------------------------------------------
// Temporary directories
// ---------------------------------------------------------------------------

/// A unique directory under the system temp dir, removed on drop — unless the
/// test is panicking, in which case it is kept and its path printed so the
/// Terraform files and logs can be inspected.
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        static SEQ: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let name = format!(
            "tencentchat-{label}-{}-{nanos}-{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        );
        let path = std::env::temp_dir().join(name);
        std::fs::create_dir_all(&path)
            .unwrap_or_else(|e| panic!("creating {}: {e}", path.display()));
        TempDir { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let _ = writeln!(
                std::io::stderr(),
                "test failed; kept {} for inspection",
                self.path.display()
            );
        } else {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

// ---------------------------------------------------------------------------
// The simulator
// ---------------------------------------------------------------------------

/// A running `tencentchat-sim` process serving the demo app on 127.0.0.1.
/// Killed on drop.
pub struct Sim {
    child: Child,
    url: String,
    admin: Admin,
    rt: tokio::runtime::Runtime,
    http: reqwest::Client,
    usersig: String,
    _dir: TempDir,
}

impl Sim {
    /// Starts the simulator serving its demo app (see [`Sim::start_with`]).
    pub fn start() -> Sim {
        Sim::start_with(&[])
    }

    /// Starts the simulator binary with a state file in a fresh temp dir and waits
    /// for its `listening on` line. `apps` (SDKAppID, secret key) replace the demo
    /// app when given; each has the admin `administrator`.
    pub fn start_with(apps: &[(u64, &str)]) -> Sim {
        Sim::spawn(apps, &[])
    }

    /// Starts the simulator serving HTTPS (`--tls-self-signed`) with a certificate
    /// for localhost, 127.0.0.1 and `names`; its CA is [`Sim::ca_file`]. The
    /// harness's own calls trust that CA; nothing else does.
    pub fn start_tls(names: &[&str]) -> Sim {
        Sim::spawn(&[], names)
    }

    /// What the simulator logged so far (one JSON line per Chat API call).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self._dir.path().join("sim.log")).unwrap_or_default()
    }

    /// The CA certificate of a simulator started with [`Sim::start_tls`].
    pub fn ca_file(&self) -> PathBuf {
        self._dir.path().join("tls").join("ca.pem")
    }

    fn spawn(apps: &[(u64, &str)], tls_names: &[&str]) -> Sim {
        let dir = TempDir::new("sim");
        let mut tls_args: Vec<String> = Vec::new();
        if !tls_names.is_empty() {
            tls_args.push("--tls-self-signed".into());
            tls_args.push(dir.path().join("tls").display().to_string());
            for n in tls_names {
                tls_args.push("--tls-name".into());
                tls_args.push(n.to_string());
            }
        }
        let state = dir.path().join("sim-state.json");
        let log = std::fs::File::create(dir.path().join("sim.log")).expect("creating sim.log");
        let mut child =
            Command::new(env!("CARGO_BIN_EXE_tencentchat-sim"))
                .arg("--listen")
                .arg("127.0.0.1:0")
                .arg("--state-file")
                .arg(&state)
                .args(apps.iter().flat_map(|(id, key)| {
                    ["--app".to_string(), format!("{id}:{key}:{DEMO_ADMIN}")]
                }))
                .args(&tls_args)
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::from(log))
                .spawn()
                .expect("starting tencentchat-sim");

        // Read the first line on a helper thread so a silent simulator cannot hang
        // the test; keep draining stdout afterwards so the pipe never fills.
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = std::sync::mpsc::channel::<String>();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            if let Some(Ok(first)) = lines.next() {
                let _ = tx.send(first);
            }
            for _ in lines {}
        });
        let first = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(line) => line,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("tencentchat-sim printed no first line within 30 s");
            }
        };
        let url = parse_listening_line(&first)
            .unwrap_or_else(|| {
                let _ = child.kill();
                panic!("unexpected first line from tencentchat-sim: {first:?}")
            })
            .to_string();

        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime");
        let (admin, http) = if tls_args.is_empty() {
            (Admin::new(&url), reqwest::Client::new())
        } else {
            let pem = std::fs::read(dir.path().join("tls").join("ca.pem")).expect("reading ca.pem");
            let ca = reqwest::Certificate::from_pem(&pem).expect("a PEM CA");
            (
                Admin::with_ca(&url, &pem).expect("an admin client trusting the CA"),
                reqwest::Client::builder()
                    .add_root_certificate(ca)
                    .build()
                    .expect("an HTTP client trusting the CA"),
            )
        };
        // One UserSig for all of the harness's own Chat API calls, like a real client.
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock after 1970")
            .as_secs();
        let usersig = tencentchat::chat::usersig::generate(
            DEMO_SECRET_KEY,
            DEMO_SDKAPPID,
            DEMO_ADMIN,
            now,
            3600,
        );
        Sim {
            usersig,
            child,
            url,
            admin,
            rt,
            http,
            _dir: dir,
        }
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn admin(&self) -> &Admin {
        &self.admin
    }

    /// Runs one admin-API future to completion on the harness's runtime.
    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    /// Active robots of the demo app, in API order, each as its JSON object
    /// (`user_id`, `nick`, `face_url`, `self_signature`; unset fields null).
    pub fn robots(&self) -> Vec<serde_json::Value> {
        self.robots_of(DEMO_SDKAPPID)
    }

    /// Active robots of any app, as [`Sim::robots`].
    pub fn robots_of(&self, sdkappid: u64) -> Vec<serde_json::Value> {
        let robots = self
            .block_on(self.admin.robots(sdkappid))
            .unwrap_or_else(|e| panic!("sim admin robots: {e}"));
        robots
            .iter()
            .map(|r| serde_json::to_value(r).expect("SimRobot serializes"))
            .collect()
    }

    /// UserIDs of the active robots of the demo app, in API order.
    pub fn robot_ids(&self) -> Vec<String> {
        self.robots()
            .iter()
            .map(|r| r["user_id"].as_str().expect("user_id").to_string())
            .collect()
    }

    /// One active robot as JSON, if present.
    pub fn robot(&self, user_id: &str) -> Option<serde_json::Value> {
        self.robots()
            .into_iter()
            .find(|r| r["user_id"].as_str() == Some(user_id))
    }

    pub fn counters(&self) -> Counters {
        self.block_on(self.admin.counters())
            .unwrap_or_else(|e| panic!("sim admin counters: {e}"))
    }

    /// Every distinct `usersig` query value the simulator has received.
    pub fn usersigs(&self) -> Vec<String> {
        self.block_on(self.admin.usersigs())
            .unwrap_or_else(|e| panic!("sim admin usersigs: {e}"))
    }

    /// Out-of-band delete (as if someone used the console).
    pub fn delete_out_of_band(&self, user_id: &str) {
        self.block_on(self.admin.delete_robot(DEMO_SDKAPPID, user_id))
            .unwrap_or_else(|e| panic!("sim admin delete {user_id}: {e}"));
    }

    /// Out-of-band profile edit; `patch` is the JSON body of
    /// `PATCH /__sim/apps/{sdkappid}/robots/{user_id}` (present keys set, "" clears).
    pub fn edit_out_of_band(&self, user_id: &str, patch: serde_json::Value) {
        let patch: tencentchat::sim::ProfilePatch =
            serde_json::from_value(patch).expect("a valid ProfilePatch");
        self.block_on(self.admin.edit_profile(DEMO_SDKAPPID, user_id, &patch))
            .unwrap_or_else(|e| panic!("sim admin edit {user_id}: {e}"));
    }

    /// Creates a robot through the simulator's public Chat API, the way another
    /// tool or a colleague's script would: a plain signed HTTP request, not the
    /// provider. `profile` holds optional `Nick`/`FaceUrl`/`SelfSignature`.
    pub fn create_out_of_band(&self, user_id: &str, profile: serde_json::Value) {
        let mut body = serde_json::json!({ "UserID": user_id });
        if let serde_json::Value::Object(extra) = profile {
            for (k, v) in extra {
                body[k] = v;
            }
        }
        let reply = self.chat_call("openim_robot_http_svc/create_robot", &body);
        assert_eq!(
            reply["ActionStatus"], "OK",
            "out-of-band create_robot {user_id} failed: {reply}"
        );
    }

    /// One signed call of the Chat REST API on the demo app.
    pub fn chat_call(&self, path: &str, body: &serde_json::Value) -> serde_json::Value {
        let sig = &self.usersig;
        let url = format!("{}/v4/{path}", self.url);
        let random = fastrand::u32(..).to_string();
        let sdkappid = DEMO_SDKAPPID.to_string();
        let req = self
            .http
            .post(url)
            .query(&[
                ("sdkappid", sdkappid.as_str()),
                ("identifier", DEMO_ADMIN),
                ("usersig", sig.as_str()),
                ("random", random.as_str()),
                ("contenttype", "json"),
            ])
            .json(body);
        self.block_on(async move {
            let resp = req.send().await.expect("sim reachable");
            resp.json::<serde_json::Value>()
                .await
                .expect("sim answers JSON")
        })
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `tencentchat-sim listening on http://127.0.0.1:PORT` → the URL.
pub fn parse_listening_line(line: &str) -> Option<&str> {
    let url = line
        .trim_end()
        .strip_prefix("tencentchat-sim listening on ")?;
    let port = url
        .strip_prefix("http://127.0.0.1:")
        .or_else(|| url.strip_prefix("https://127.0.0.1:"))?;
    port.parse::<u16>().ok()?;
    Some(url)
}

/// `after − before` for one endpoint of the `total` counters.
pub fn delta(before: &Counters, after: &Counters, endpoint: &str) -> u64 {
    let b = before.total.get(endpoint).copied().unwrap_or(0);
    let a = after.total.get(endpoint).copied().unwrap_or(0);
    a.saturating_sub(b)
}

/// The five Chat endpoints the simulator counts.
pub const ENDPOINTS: [&str; 5] = [
    "create_robot",
    "get_all_robots",
    "delete_robot",
    "portrait_set",
    "portrait_get",
];

// ---------------------------------------------------------------------------
// Terraform
// ---------------------------------------------------------------------------

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
// Provider installation
// ---------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------
// Shared checks on what Terraform leaves behind: a zip reader for saved plans
// and release archives, and a secret scan that never prints the secret.
// ---------------------------------------------------------------------------

pub mod zip;

/// Asserts that none of `secrets` (secret keys, UserSigs) occurs in `haystack`,
/// reporting a leak by the secret's position and length, never its text.
pub fn assert_no_secret(what: &str, haystack: impl AsRef<[u8]>, secrets: &[String]) {
    let text = String::from_utf8_lossy(haystack.as_ref());
    for (i, s) in secrets.iter().enumerate() {
        assert!(
            !text.contains(s.as_str()),
            "secret #{i} ({} chars) leaked into {what}",
            s.len()
        );
    }
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
