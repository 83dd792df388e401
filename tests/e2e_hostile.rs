//! End to end against hostile or careless peers (issue 19), with a real
//! Terraform driving the real provider binary:
//!
//! - an endpoint answering a gzip bomb (1 MiB that inflates to 1 GiB): the
//!   provider fails the call as a bad answer naming the endpoint, and its peak
//!   resident memory stays under 64 MiB (it is started with `--debug` and
//!   reattached, so the test owns its process and reads its VmHWM);
//! - a clear-text `http://` endpoint off loopback: `terraform validate` warns,
//!   naming the attribute and the risk; loopback stays quiet;
//! - an endpoint holding `user:pass@` or a query: refused, the value never
//!   quoted back.

mod common;

use common::{
    assert_contains, squash, DebugProvider, Sim, Terraform, Workspace, DEMO_SDKAPPID,
    DEMO_SECRET_KEY,
};
use std::io::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// What the bomb inflates to.
const INFLATED: usize = 1 << 30;

/// `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"aaaa…"}` of [`INFLATED`]
/// bytes, gzipped, made 1 MiB at a time (the 1 GiB is never held).
fn gzip_bomb() -> Vec<u8> {
    let head = br#"{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""#;
    let tail = br#""}"#;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(head).unwrap();
    let chunk = vec![b'a'; 1 << 20];
    let mut left = INFLATED - head.len() - tail.len();
    while left > 0 {
        let n = left.min(chunk.len());
        gz.write_all(&chunk[..n]).unwrap();
        left -= n;
    }
    gz.write_all(tail).unwrap();
    gz.finish().unwrap()
}

/// A loopback HTTP server answering every request with `body` as a gzipped
/// JSON answer; counts the requests. Serves until the test process ends.
fn serve_gzip(body: Vec<u8>) -> (String, Arc<AtomicUsize>) {
    use axum::http::header;
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    let body = axum::body::Bytes::from(body);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let app = axum::Router::new().fallback(move || {
                let body = body.clone();
                counted.fetch_add(1, Ordering::SeqCst);
                async move {
                    (
                        [
                            (header::CONTENT_TYPE, "application/json"),
                            (header::CONTENT_ENCODING, "gzip"),
                        ],
                        body,
                    )
                }
            });
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    (url, hits)
}

const ROBOTS_TF: &str = r#"terraform {
  required_providers {
    tencentchat = {
      source  = "tencentchat/tencentchat"
      version = "0.1.0"
    }
  }
}

provider "tencentchat" {}

data "tencentchat_robots" "all" {}
"#;

#[test]
fn a_gzip_bomb_is_a_bad_answer_naming_the_endpoint_and_memory_stays_small() {
    const T: &str = "a_gzip_bomb_is_a_bad_answer_naming_the_endpoint_and_memory_stays_small";
    let Some(tf) = Terraform::for_test(T) else {
        return;
    };
    let started = Instant::now();
    let bomb = gzip_bomb();
    eprintln!(
        "gzip bomb: {} bytes inflating to {INFLATED} ({:.1} s to make)",
        bomb.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(bomb.len() < 2 << 20, "{} bytes", bomb.len());
    let (url, hits) = serve_gzip(bomb);
    let sdkappid = DEMO_SDKAPPID.to_string();
    let mut provider = DebugProvider::start_with(&[
        ("TENCENTCHAT_ENDPOINT", &url),
        ("TENCENTCHAT_SDKAPPID", &sdkappid),
        ("TENCENTCHAT_SECRET_KEY", DEMO_SECRET_KEY),
    ]);
    let mut ws = Workspace::bare(&tf);
    ws.set_env("TF_REATTACH_PROVIDERS", &provider.reattach);
    ws.write_main(ROBOTS_TF);
    ws.init();
    let plan = ws.plan_failing();
    provider.assert_running("the plan");
    let peak = provider.peak_rss();
    eprintln!(
        "provider peak RSS (VmHWM) after the bomb: {:.1} MiB; {} request(s) answered",
        peak as f64 / (1 << 20) as f64,
        hits.load(Ordering::SeqCst)
    );
    assert!(
        hits.load(Ordering::SeqCst) >= 1,
        "the bomb was never asked for"
    );
    let text = squash(&plan.stderr);
    assert_contains(&text, "get_all_robots", "the endpoint is named");
    assert_contains(&text, "not a Chat API response", "a bad answer");
    assert_contains(&text, "larger than 16 MiB once decompressed", "why");
    assert_contains(&text, &url, "where the answer came from");
    assert!(
        peak < 64 << 20,
        "peak RSS {peak} bytes; the provider's log:\n{}",
        provider.log().chars().take(4000).collect::<String>()
    );
    let status = provider.terminate();
    assert_eq!(status.code(), Some(0), "log:\n{}", provider.log());
}

/// `terraform validate` on a provider block: its run.
fn validate_with(ws: &Workspace, provider_block: &str) -> common::Run {
    let main = ROBOTS_TF.replace("provider \"tencentchat\" {}", provider_block);
    ws.write_main(&main);
    ws.run(["validate", "-no-color"])
}

#[test]
fn clear_text_endpoints_off_loopback_warn_and_secretive_ones_are_refused_unquoted() {
    const T: &str =
        "clear_text_endpoints_off_loopback_warn_and_secretive_ones_are_refused_unquoted";
    let Some(tf) = Terraform::for_test(T) else {
        return;
    };
    let sim = Sim::start();
    let ws = Workspace::new(&tf, &sim);
    ws.write_main(ROBOTS_TF);
    ws.init();

    // Loopback (the environment's simulator URL): quiet.
    let quiet = ws.run(["validate", "-no-color"]);
    assert_eq!(quiet.code, 0, "{}", quiet.transcript());
    assert!(
        !quiet.stdout.contains("Warning") && !quiet.stderr.contains("Warning"),
        "{}",
        quiet.transcript()
    );
    for local in [
        "http://localhost:8080",
        "http://[::1]:8080",
        "http://127.0.0.2",
    ] {
        let run = validate_with(
            &ws,
            &format!("provider \"tencentchat\" {{\n  endpoint = \"{local}\"\n}}"),
        );
        assert_eq!(run.code, 0, "{}", run.transcript());
        assert!(
            !run.stdout.contains("Warning"),
            "{local}: {}",
            run.transcript()
        );
    }

    // Off loopback: a warning naming the attribute and the risk, both attributes.
    for attr in ["endpoint", "backup_endpoint"] {
        let run = validate_with(
            &ws,
            &format!("provider \"tencentchat\" {{\n  {attr} = \"http://192.0.2.10:8080\"\n}}"),
        );
        assert_eq!(run.code, 0, "a warning, not an error: {}", run.transcript());
        let text = squash(&format!("{}\n{}", run.stdout, run.stderr));
        assert_contains(
            &text,
            &format!("Warning: {attr} sends the UserSig in clear text"),
            attr,
        );
        assert_contains(
            &text,
            &format!("`{attr}` is http://, to \"192.0.2.10\""),
            attr,
        );
        assert_contains(&text, "UserSig in its query string unencrypted", attr);
        assert_contains(&text, "Use https://", attr);
    }

    // Credentials or a query: refused, never quoted back.
    for (bad, part) in [
        (
            "https://admin:hunter2pw@chat.example.test",
            "a user name or password",
        ),
        ("https://chat.example.test/v4?key=hunter2pw", "a query"),
    ] {
        let run = validate_with(
            &ws,
            &format!("provider \"tencentchat\" {{\n  endpoint = \"{bad}\"\n}}"),
        );
        assert_ne!(run.code, 0, "{}", run.transcript());
        let text = squash(&format!("{}\n{}", run.stdout, run.stderr));
        assert_contains(&text, "Error: Invalid endpoint", bad);
        assert_contains(&text, part, bad);
        // Terraform itself shows the configuration line once (its source
        // snippet); the provider's diagnostic must not quote the value again.
        let shown =
            run.stdout.matches("hunter2pw").count() + run.stderr.matches("hunter2pw").count();
        assert!(
            shown <= 1,
            "{bad} quoted {shown} times: {}",
            run.transcript()
        );
    }
}

/// Sends `n` get_all_robots calls to the simulator, each with a distinct
/// `sig_len`-byte UserSig that does not verify (or names an app not served).
fn send_forged_usersigs(sim: &Sim, n: usize, sig_len: usize) {
    let http = reqwest::Client::new();
    let url = format!("{}/v4/openim_robot_http_svc/get_all_robots", sim.url());
    sim.block_on(async move {
        for i in 0..n {
            let mut sig = format!("{i:08}-");
            sig.extend(std::iter::repeat_n('A', sig_len - sig.len()));
            let sdkappid = if i % 10 == 0 { "999" } else { "1400000000" };
            let resp = http
                .post(&url)
                .query(&[
                    ("sdkappid", sdkappid),
                    ("identifier", "administrator"),
                    ("usersig", sig.as_str()),
                    ("random", "1"),
                    ("contenttype", "json"),
                ])
                .body("{}")
                .send()
                .await
                .expect("the simulator answers");
            let v: serde_json::Value = resp.json().await.expect("a JSON answer");
            assert_ne!(v["ErrorCode"], 0, "a forged UserSig was accepted: {v}");
        }
    });
}

/// The simulator used to keep every UserSig it was sent (before verifying it,
/// for apps it does not serve) and hand them out on /__sim/usersigs; 1,000
/// forged 64 KB ones grew it by ~126 MB (60 KB here: an http URI stops at
/// 64 KiB). Now only verified ones are kept.
#[test]
fn the_simulator_keeps_only_usersigs_that_verified() {
    let sim = Sim::start();
    // Warm up (allocator arenas, connection) before the baseline.
    send_forged_usersigs(&sim, 20, 60_000);
    let before = sim.rss();
    send_forged_usersigs(&sim, 1000, 60_000);
    let grown = sim.rss().saturating_sub(before);
    eprintln!(
        "simulator RSS grew {:.1} MiB over 1,000 forged 60 KB UserSigs",
        grown as f64 / (1 << 20) as f64
    );
    assert!(sim.usersigs().is_empty(), "forged UserSigs were kept");
    assert!(grown < 16 << 20, "RSS grew {grown} bytes");
    // A UserSig that verifies is kept (the harness's own, once).
    let reply = sim.chat_call(
        "openim_robot_http_svc/get_all_robots",
        &serde_json::json!({}),
    );
    assert_eq!(reply["ErrorCode"], 0, "{reply}");
    sim.chat_call(
        "openim_robot_http_svc/get_all_robots",
        &serde_json::json!({}),
    );
    assert_eq!(sim.usersigs().len(), 1);
}

/// This machine's address off loopback (the source address of its default
/// route), if it has one.
fn non_loopback_address() -> Option<std::net::IpAddr> {
    let probe = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    // UDP connect sends nothing; it only picks the route and source address.
    probe.connect("192.0.2.254:9").ok()?;
    let ip = probe.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

/// `/__sim/` answers loopback peers, and peers off loopback only with the
/// `--admin-token`; the Chat API answers both. Bound off loopback, the
/// simulator warns and prints the address it really listens on.
#[test]
fn the_simulator_admin_api_answers_loopback_or_the_token_only() {
    const T: &str = "the_simulator_admin_api_answers_loopback_or_the_token_only";
    let Some(ip) = non_loopback_address() else {
        common::skip(T, "this machine has no address off loopback to call from");
        return;
    };
    const TOKEN: &str = "issue19-admin-token";
    for token in [Some(TOKEN), None] {
        let mut args = vec!["--listen", "0.0.0.0:0"];
        if let Some(t) = token {
            args.extend(["--admin-token", t]);
        }
        let sim = Sim::start_args(&args);
        let port = sim.url().rsplit(':').next().unwrap().to_string();
        let lines = sim.stdout_lines();
        assert!(
            lines
                .iter()
                .any(|l| l.trim() == format!("bound to 0.0.0.0:{port}")),
            "{lines:?}"
        );
        let log = sim.log();
        assert!(log.contains("listening beyond loopback"), "{log}");
        assert!(!log.contains(TOKEN), "the token is logged: {log}");

        let far = format!("http://{ip}:{port}");
        let http = reqwest::Client::new();
        let get = |url: String, bearer: Option<&str>| {
            let mut req = http.get(url);
            if let Some(b) = bearer {
                req = req.bearer_auth(b);
            }
            sim.block_on(async move {
                let resp = req.send().await.expect("the simulator answers");
                (
                    resp.status().as_u16(),
                    resp.text().await.unwrap_or_default(),
                )
            })
        };
        // Loopback: no token needed.
        let (status, body) = get(format!("{}/__sim/usersigs", sim.url()), None);
        assert_eq!(status, 200, "{body}");
        // Off loopback: refused without the token, on every /__sim/ route.
        for path in [
            "/__sim/usersigs",
            "/__sim/apps",
            "/__sim/",
            "/__sim/no-such-route",
        ] {
            let (status, body) = get(format!("{far}{path}"), None);
            assert_eq!(status, 403, "{path}: {body}");
            assert!(body.contains(&ip.to_string()), "{body}");
            assert!(body.contains("--admin-token"), "{body}");
        }
        let (status, _) = get(format!("{far}/__sim/usersigs"), Some("wrong-token"));
        assert_eq!(status, 403);
        let with_token = get(format!("{far}/__sim/usersigs"), Some(TOKEN)).0;
        assert_eq!(with_token, if token.is_some() { 200 } else { 403 });
        let reset = sim.block_on(async {
            let admin = tencentchat::sim::Admin::new(&far);
            let admin = match token {
                Some(t) => admin.with_token(t),
                None => admin,
            };
            admin.reset().await
        });
        assert_eq!(reset.is_ok(), token.is_some(), "{reset:?}");
        // The Chat API answers off loopback either way (it checks the UserSig).
        let (status, body) = sim.block_on(async {
            let resp = reqwest::Client::new()
                .post(format!("{far}/v4/openim_robot_http_svc/get_all_robots"))
                .body("{}")
                .send()
                .await
                .expect("answers");
            (
                resp.status().as_u16(),
                resp.text().await.unwrap_or_default(),
            )
        });
        assert_eq!(status, 200, "{body}");
        assert!(body.contains("ErrorCode"), "{body}");
    }
}
