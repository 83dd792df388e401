//! The simulator as a separate process, its inspection API and call counters.

use super::{TempDir, DEMO_ADMIN, DEMO_SDKAPPID, DEMO_SECRET_KEY};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tencentchat::chat::wire;
use tencentchat::sim::{Admin, App, Counters, Running, SimConfig, SimRobot};

/// A running `tencentchat-sim` process serving the demo app on 127.0.0.1.
/// Killed on drop.
pub struct Sim {
    child: Child,
    url: String,
    admin: Admin,
    rt: tokio::runtime::Runtime,
    http: reqwest::Client,
    usersig: String,
    /// Every line the simulator printed on stdout so far.
    stdout: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
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
        Sim::spawn(apps, &[], &[])
    }

    /// Starts the simulator serving its demo app with `args` added to the
    /// harness's own (a later `--listen` wins).
    pub fn start_args(args: &[&str]) -> Sim {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        Sim::spawn(&[], &[], &args)
    }

    /// The simulator's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The simulator's resident memory now (VmRSS), in bytes.
    pub fn rss(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .expect("/proc/PID/status");
        let kib: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS in /proc/PID/status");
        kib * 1024
    }

    /// Every line printed on stdout so far.
    pub fn stdout_lines(&self) -> Vec<String> {
        self.stdout.lock().unwrap().clone()
    }

    /// Starts the simulator serving its demo app, which defines the custom
    /// profile fields `names` (`--custom-fields`).
    pub fn start_with_custom_fields(names: &[&str]) -> Sim {
        Sim::spawn(&[], &[], &["--custom-fields".into(), names.join(",")])
    }

    /// Starts the simulator serving HTTPS (`--tls-self-signed`) with a certificate
    /// for localhost, 127.0.0.1 and `names`; its CA is [`Sim::ca_file`]. The
    /// harness's own calls trust that CA; nothing else does.
    pub fn start_tls(names: &[&str]) -> Sim {
        Sim::spawn(&[], names, &[])
    }

    /// What the simulator logged so far (one JSON line per Chat API call).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self._dir.path().join("sim.log")).unwrap_or_default()
    }

    /// The CA certificate of a simulator started with [`Sim::start_tls`].
    pub fn ca_file(&self) -> PathBuf {
        self._dir.path().join("tls").join("ca.pem")
    }

    fn spawn(apps: &[(u64, &str)], tls_names: &[&str], extra: &[String]) -> Sim {
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
                .args(extra)
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::from(log))
                .spawn()
                .expect("starting tencentchat-sim");

        // Read the first line on a helper thread so a silent simulator cannot hang
        // the test; keep draining stdout afterwards so the pipe never fills.
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = std::sync::mpsc::channel::<String>();
        let printed = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let keep = printed.clone();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            if let Some(Ok(first)) = lines.next() {
                keep.lock().unwrap().push(first.clone());
                let _ = tx.send(first);
            }
            for line in lines.map_while(Result::ok) {
                keep.lock().unwrap().push(line);
            }
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
            stdout: printed,
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
    pub fn robots(&self) -> Vec<SimRobot> {
        self.robots_of(DEMO_SDKAPPID)
    }

    /// Active robots of any app, as [`Sim::robots`].
    pub fn robots_of(&self, sdkappid: u64) -> Vec<SimRobot> {
        self.block_on(self.admin.robots(sdkappid))
            .unwrap_or_else(|e| panic!("sim admin robots: {e}"))
    }

    /// UserIDs of the active robots of the demo app, in API order.
    pub fn robot_ids(&self) -> Vec<String> {
        self.robots().into_iter().map(|r| r.user_id).collect()
    }

    /// The same UserIDs as a set, to compare with the state's.
    pub fn robot_id_set(&self) -> std::collections::BTreeSet<String> {
        self.robot_ids().into_iter().collect()
    }

    /// One active robot of the demo app, if present.
    pub fn robot(&self, user_id: &str) -> Option<SimRobot> {
        self.robots().into_iter().find(|r| r.user_id == user_id)
    }

    pub fn counters(&self) -> Counters {
        self.block_on(self.admin.counters())
            .unwrap_or_else(|e| panic!("sim admin counters: {e}"))
    }

    /// Every distinct UserSig the simulator verified for an app it serves.
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

/// The simulator as a library, in the calling test's own tokio runtime, serving
/// the demo app on an ephemeral 127.0.0.1 port: for suites that drive
/// `chat::Client` from async tests (a [`Sim`] owns a runtime of its own, which an
/// async test cannot drop). Also sets the provider's log to `Info` and forwards it,
/// since the client logs every call at debug. Stop it with `Running::shutdown`.
pub async fn start_in_process() -> (Running, Admin) {
    tencentchat::log::set_min_level(tencentchat::log::Level::Info);
    tencentchat::log::forward(tencentchat::provider::LOG_TARGETS);
    let config = SimConfig {
        apps: vec![App {
            sdkappid: DEMO_SDKAPPID,
            secret_key: DEMO_SECRET_KEY.to_string(),
            admins: vec![DEMO_ADMIN.to_string()],
            custom_fields: Default::default(),
        }],
        ..SimConfig::default()
    };
    let addr = "127.0.0.1:0".parse().expect("a socket address");
    let running = tencentchat::sim::start(config, addr)
        .await
        .expect("the simulator starts");
    let admin = Admin::new(&running.url);
    (running, admin)
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

/// The Chat endpoints the simulator counts, by short name, in `chat::wire`'s order.
pub static ENDPOINTS: std::sync::LazyLock<Vec<&'static str>> = std::sync::LazyLock::new(|| {
    wire::ENDPOINTS
        .iter()
        .map(|p| wire::endpoint_name(p))
        .collect()
});
