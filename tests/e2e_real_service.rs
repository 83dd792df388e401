//! Ready for the real service, end to end: a real Terraform drives the real
//! provider against the simulator answering in every shape Tencent's docs show
//! (or leave open), with a backup domain, over HTTPS trusted only through
//! `SSL_CERT_FILE`, and through a CONNECT proxy.
//!
//! Terraform comes from `TF_ACC_TERRAFORM_PATH`, else `PATH` (scripts/test.sh runs
//! this file with both the Terraform on PATH and 1.0.3).

mod common;

use common::{assert_contains, squash, Sim, Terraform, Workspace};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use tencentchat::chat::{Client, ClientConfig, Credentials, Endpoint, ErrorKind, Secret};
use tencentchat::sim::{Fault, Shape};

fn robot_config(user_id: &str, nick: &str) -> String {
    format!(
        "{}\nresource \"tencentchat_robot\" \"r\" {{\n  user_id = {}\n  nick    = {}\n  self_signature = \"hello\"\n}}\n",
        common::provider_header(),
        common::hcl_string(user_id),
        common::hcl_string(nick)
    )
}

fn nick_of(sim: &Sim, user_id: &str) -> Option<String> {
    sim.robot(user_id)
        .and_then(|r| r.nick().map(str::to_string))
}

/// A port on 127.0.0.1 where nothing listens (bound, then released).
fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("binding a port");
    l.local_addr().expect("its address").port()
}

/// The data source reads the app's list while it is still empty (an empty
/// `Robot_Account`), before the create.
fn listed_config(user_id: &str, nick: &str) -> String {
    format!(
        "{}\ndata \"tencentchat_robots\" \"all\" {{}}\n\noutput \"listed\" {{\n  value = length(data.tencentchat_robots.all.user_ids)\n}}\n",
        robot_config(user_id, nick)
    )
}

/// Creates, updates (after a refresh) and destroys one chatbot under each answer
/// shape in turn, with one simulator and one workspace.
#[test]
fn a_chatbot_lives_under_every_answer_shape() {
    let Some(tf) = Terraform::for_test("a_chatbot_lives_under_every_answer_shape") else {
        return;
    };
    let sim = Sim::start();
    let mut ws = Workspace::new(&tf, &sim);
    ws.write_main(&common::provider_header());
    ws.init();
    for shape in Shape::ALL {
        let name = shape.name();
        sim.block_on(sim.admin().set_shapes(&[shape]))
            .unwrap_or_else(|e| panic!("switching on {name}: {e}"));
        let id = format!("@RBT#{name}");
        let before = sim.counters();

        ws.write_main(&listed_config(&id, "first"));
        ws.apply();
        assert_eq!(nick_of(&sim, &id).as_deref(), Some("first"), "{name}");
        assert_eq!(
            ws.output_json()["listed"],
            0,
            "{name}: read before the create"
        );

        ws.write_main(&listed_config(&id, "second"));
        let run = ws.apply();
        assert_contains(&run.stdout, "1 changed", &format!("{name}: update"));
        assert_eq!(nick_of(&sim, &id).as_deref(), Some("second"), "{name}");

        ws.write_main(&common::provider_header());
        let run = ws.apply();
        assert_contains(&run.stdout, "1 destroyed", &format!("{name}: destroy"));
        assert!(sim.robot_ids().is_empty(), "{name}: {:?}", sim.robot_ids());

        if shape == Shape::PortraitTransient {
            // Each refresh's first read of the chatbot failed with 40006 and was
            // asked again for that account: more portrait_get calls than reads.
            let after = sim.counters();
            let gets = common::delta(&before, &after, "portrait_get");
            assert!(gets >= 2, "{name}: portrait_get called {gets} times");
        }
    }

    // An account still unreadable when the retry budget is spent fails its own
    // resource with an error naming the code: never a change, never gone.
    sim.block_on(sim.admin().set_shapes(&[]))
        .expect("plain answers");
    ws.write_main(&robot_config("@RBT#unreadable", "kept"));
    ws.apply();
    sim.block_on(sim.admin().set_shapes(&[Shape::PortraitTransient]))
        .expect("portrait-transient");
    ws.set_env("TENCENTCHAT_MAX_RETRIES", "0");
    let run = ws.plan_failing();
    let text = squash(&run.stderr);
    assert_contains(
        &text,
        "Could not read chatbot \"@RBT#unreadable\"",
        "its own resource",
    );
    assert_contains(&text, "ResultCode 40006", "the code is named");
    assert_contains(&ws.state_file(), "@RBT#unreadable", "still in the state");
    assert!(sim.robot("@RBT#unreadable").is_some(), "still in the app");
    ws.unset_env("TENCENTCHAT_MAX_RETRIES");
    sim.block_on(sim.admin().set_shapes(&[]))
        .expect("plain answers");
    ws.destroy();

    let log = sim.log();
    assert_contains(
        &log,
        &format!(
            "terraform-provider-tencentchat/{} terraform/{}",
            env!("CARGO_PKG_VERSION"),
            tf.version_string().trim_start_matches('v')
        ),
        "User-Agent in the simulator's call log",
    );
}

/// Before any answer, an unreachable primary hands over to the backup, which is
/// then used for the rest of the run (one log line says so); a primary that
/// answers means the backup is never called.
#[test]
fn the_backup_domain_is_used_only_when_the_primary_cannot_be_reached() {
    let Some(tf) =
        Terraform::for_test("the_backup_domain_is_used_only_when_the_primary_cannot_be_reached")
    else {
        return;
    };
    let sim = Sim::start();
    let spare = Sim::start();
    let mut ws = Workspace::new(&tf, &sim);
    ws.set_env("TENCENTCHAT_BACKUP_ENDPOINT", spare.url());
    ws.write_main(&robot_config("@RBT#backup", "first"));
    ws.init();
    ws.apply();
    assert_eq!(nick_of(&sim, "@RBT#backup").as_deref(), Some("first"));
    let spare_calls: u64 = spare.counters().total.values().sum();
    assert_eq!(
        spare_calls, 0,
        "the primary answered: no call to the backup"
    );

    ws.set_env(
        "TENCENTCHAT_ENDPOINT",
        &format!("http://127.0.0.1:{}", closed_port()),
    );
    ws.set_env("TENCENTCHAT_BACKUP_ENDPOINT", sim.url());
    ws.set_env("TF_LOG", "DEBUG");
    ws.write_main(&robot_config("@RBT#backup", "second"));
    let run = ws.apply();
    assert_eq!(nick_of(&sim, "@RBT#backup").as_deref(), Some("second"));
    let switches = run
        .stderr
        .lines()
        .filter(|l| l.contains("using the backup domain"))
        .count();
    let providers = run
        .stderr
        .lines()
        .filter(|l| {
            l.contains("plugin process exited") && l.contains("terraform-provider-tencentchat")
        })
        .count();
    assert!(
        switches >= 1 && switches <= providers,
        "{switches} switch lines for {providers} provider processes:\n{}",
        run.transcript()
    );
    assert_contains(&run.stderr, sim.url(), "the log line names the backup");
    ws.unset_env("TF_LOG");
    ws.destroy();
    assert!(sim.robot_ids().is_empty());
}

/// A host name the resolver says does not exist is tried once per domain,
/// backup included, and reported as unreachable (not as wrong credentials).
#[test]
fn a_host_name_that_does_not_exist_is_not_retried() {
    let mut config = ClientConfig::new(
        1400000000,
        "administrator",
        Credentials::SecretKey(Secret::new("a-key-that-is-never-sent")),
        Endpoint::Url("http://no-such-host.invalid".into()),
    );
    config.backup_endpoint = Some("http://no-such-backup.invalid".into());
    config.max_retries = 5;
    let client = Client::new(config).expect("a valid configuration");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let err = rt.block_on(client.get_all_robots()).unwrap_err();
    let text = err.to_string();
    if text.contains("Temporary failure") {
        common::skip(
            "a_host_name_that_does_not_exist_is_not_retried",
            "this machine's resolver cannot answer NXDOMAIN (temporary failure)",
        );
        return;
    }
    assert_eq!(err.kind, ErrorKind::Unreachable, "{text}");
    assert_contains(&text, "does not exist", "the message");
    assert_contains(&text, "2 attempt(s)", "one attempt per domain");
    assert_contains(&text, "no-such-host.invalid", "names the endpoint");
}

fn client_for(primary: &str, backup: &str) -> Client {
    let mut config = ClientConfig::new(
        common::DEMO_SDKAPPID,
        common::DEMO_ADMIN,
        Credentials::SecretKey(Secret::new(common::DEMO_SECRET_KEY)),
        Endpoint::Url(primary.into()),
    );
    config.backup_endpoint = Some(backup.into());
    Client::new(config).expect("a valid configuration")
}

/// HTTP 5xx and API error codes are answers: the client retries the primary and
/// never switches. A primary whose name does not resolve hands over at once.
#[test]
fn answers_never_switch_to_the_backup_but_a_missing_host_does() {
    let primary = Sim::start();
    let backup = Sim::start();
    let client = client_for(primary.url(), backup.url());
    for fault in [
        Fault {
            http_status: Some(502),
            count: Some(2),
            ..Fault::on("get_all_robots")
        },
        Fault {
            error_code: Some(60008),
            count: Some(1),
            ..Fault::on("get_all_robots")
        },
    ] {
        primary
            .block_on(primary.admin().add_fault(&fault))
            .expect("installing a fault");
        let robots = primary.block_on(client.get_all_robots());
        assert_eq!(robots, Ok(Vec::new()), "after {fault:?}");
    }
    assert_eq!(
        primary.counters().total("get_all_robots"),
        5,
        "2 × 502 then OK, 60008 then OK"
    );
    assert_eq!(backup.counters().total.values().sum::<u64>(), 0);

    let client = client_for("http://no-such-host.invalid", backup.url());
    let robots = backup.block_on(client.get_all_robots());
    assert_eq!(robots, Ok(Vec::new()));
    let robots = backup.block_on(client.get_all_robots());
    assert_eq!(robots, Ok(Vec::new()));
    assert_eq!(
        backup.counters().total("get_all_robots"),
        2,
        "kept the backup"
    );
}

/// A CONNECT proxy that resolves only `name` (to 127.0.0.1) and records the
/// targets it was asked for.
struct Proxy {
    url: String,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Proxy {
    fn start(name: &'static str) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding the proxy");
        let url = format!("http://{}", listener.local_addr().expect("its address"));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let log = log.clone();
                std::thread::spawn(move || tunnel(conn, name, &log));
            }
        });
        Proxy { url, seen }
    }

    fn targets(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

fn tunnel(client: TcpStream, name: &str, log: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(client.try_clone().expect("cloning the socket"));
    let mut first = String::new();
    if reader.read_line(&mut first).is_err() {
        return;
    }
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) if line == "\r\n" || line == "\n" => break,
            Ok(_) => {}
        }
    }
    let mut out = client.try_clone().expect("cloning the socket");
    let target = match first.split_whitespace().collect::<Vec<_>>()[..] {
        ["CONNECT", target, _] => target.to_string(),
        _ => {
            let _ = out.write_all(b"HTTP/1.1 405 Method Not Allowed\r\n\r\n");
            return;
        }
    };
    log.lock().unwrap().push(target.clone());
    let upstream = match target.rsplit_once(':') {
        Some((host, port)) if host == name => {
            TcpStream::connect(("127.0.0.1", port.parse().unwrap_or(0)))
        }
        _ => {
            let _ = out.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n");
            return;
        }
    };
    let Ok(upstream) = upstream else {
        let _ = out.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n");
        return;
    };
    if out
        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
        .is_err()
    {
        return;
    }
    let mut up_write = upstream.try_clone().expect("cloning the upstream socket");
    let mut up_read = upstream;
    // Bytes the reader buffered past the header go first.
    let buffered = reader.buffer().to_vec();
    let _ = up_write.write_all(&buffered);
    let mut client_read = reader.into_inner();
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut client_read, &mut up_write);
        let _ = up_write.shutdown(std::net::Shutdown::Write);
    });
    let _ = std::io::copy(&mut up_read, &mut out);
    let _ = out.shutdown(std::net::Shutdown::Write);
}

/// An HTTPS simulator whose CA only `SSL_CERT_FILE` names: refused at once
/// without it (naming the endpoint), working with it, and working through a
/// CONNECT proxy at a host name only the proxy can resolve.
#[test]
fn https_is_trusted_through_ssl_cert_file_and_works_through_a_proxy() {
    const NAME: &str = "chat-sim.internal";
    let Some(tf) =
        Terraform::for_test("https_is_trusted_through_ssl_cert_file_and_works_through_a_proxy")
    else {
        return;
    };
    let sim = Sim::start_tls(&[NAME]);
    let mut ws = Workspace::new(&tf, &sim);
    for var in [
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
    ] {
        ws.set_env(var, "");
    }
    ws.write_main(&robot_config("@RBT#tls", "first"));
    ws.init();

    let run = ws.apply_result();
    assert_ne!(run.code, 0, "an untrusted certificate must fail");
    let text = squash(&run.stderr);
    assert_contains(&text, "certificate is not trusted", "untrusted CA");
    assert_contains(&text, sim.url(), "the error names the endpoint");
    assert_contains(&text, "1 attempt(s), not retried", "not retried");
    assert!(sim.robot_ids().is_empty());

    ws.set_env("SSL_CERT_FILE", &sim.ca_file().display().to_string());
    ws.apply();
    assert_eq!(nick_of(&sim, "@RBT#tls").as_deref(), Some("first"));

    let port = sim.url().rsplit(':').next().expect("a port").to_string();
    let proxy = Proxy::start(NAME);
    ws.set_env("TENCENTCHAT_ENDPOINT", &format!("https://{NAME}:{port}"));
    ws.set_env("HTTPS_PROXY", &proxy.url);
    ws.set_env("NO_PROXY", "");
    ws.write_main(&robot_config("@RBT#tls", "second"));
    ws.apply();
    assert_eq!(nick_of(&sim, "@RBT#tls").as_deref(), Some("second"));
    assert!(
        proxy.targets().contains(&format!("{NAME}:{port}")),
        "the proxy was asked for {NAME}:{port}: {:?}",
        proxy.targets()
    );
    ws.destroy();
    assert!(sim.robot_ids().is_empty());
}
