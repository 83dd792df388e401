//! `chat::Client` over real HTTP against the in-process simulator: every
//! endpoint's success path, each error class, fault injection with retries, the
//! client-side limiter, batching, stop, and secrets staying out of every text.

mod common;

use std::time::{Duration, Instant};
use tencentchat::chat::usersig;
use tencentchat::chat::wire::{self, CreateRobotRequest, ProfileItem};
use tencentchat::chat::{
    ChatError, Client, ClientConfig, Credentials, Endpoint, ErrorKind, Secret,
};
use tencentchat::sim::{Admin, Fault};

const APP: u64 = common::DEMO_SDKAPPID;
const KEY: &str = common::DEMO_SECRET_KEY;

fn config(url: &str) -> ClientConfig {
    let mut c = ClientConfig::new(
        APP,
        common::DEMO_ADMIN,
        Credentials::SecretKey(Secret::new(KEY)),
        Endpoint::Url(format!("{url}/")), // a trailing slash is tolerated
    );
    c.request_timeout = Duration::from_secs(5);
    c
}

fn client(url: &str) -> Client {
    Client::new(config(url)).expect("valid configuration")
}

fn robot(n: usize) -> CreateRobotRequest {
    CreateRobotRequest {
        user_id: format!("@RBT#t{n:03}"),
        ..Default::default()
    }
}

fn item(tag: &str, value: &str) -> ProfileItem {
    ProfileItem {
        tag: tag.to_string(),
        value: serde_json::Value::String(value.to_string()),
    }
}

async fn calls(admin: &Admin, endpoint: &str) -> u64 {
    let c = admin.counters().await.expect("counters");
    c.total.get(endpoint).copied().unwrap_or(0)
}

/// Neither the secret key, nor any of `sigs`, nor any `usersig=` query
/// parameter appears in `text` (the harness's scan, which never prints them).
fn assert_no_secrets(what: &str, text: &str, sigs: &[String]) {
    let mut secrets = sigs.to_vec();
    secrets.push(KEY.to_string());
    common::assert_no_secret(what, text, &secrets);
    common::assert_no_usersig_param(what, text);
}

#[tokio::test]
async fn every_endpoint_succeeds() {
    let (sim, admin) = common::start_in_process().await;
    let c = client(&sim.url);

    assert_eq!(c.get_all_robots().await.unwrap(), Vec::<String>::new());
    let mut req = robot(1);
    req.nick = Some("Jarvis".into());
    req.self_signature = Some("at your service".into());
    c.create_robot(&req).await.unwrap();
    c.create_robot(&req)
        .await
        .expect("create_robot is idempotent");
    c.create_robot(&robot(2)).await.unwrap();
    assert_eq!(
        c.get_all_robots().await.unwrap(),
        ["@RBT#t001", "@RBT#t002"]
    );

    c.portrait_set(
        "@RBT#t002",
        vec![
            item(wire::TAG_NICK, "Friday"),
            item(wire::TAG_IMAGE, "https://example.com/f.png"),
        ],
    )
    .await
    .unwrap();
    let robots = admin.robots(APP).await.unwrap();
    assert_eq!(robots[1].nick(), Some("Friday"));
    assert_eq!(robots[1].face_url(), Some("https://example.com/f.png"));

    let ids = vec!["@RBT#t002".to_string(), "@RBT#t001".to_string()];
    let profiles = c.portrait_get(&ids, &wire::PROFILE_TAGS).await.unwrap();
    assert_eq!(profiles.len(), 2);
    assert_eq!(profiles[0].to_account, "@RBT#t002");
    assert_eq!(profiles[0].result_code, 0);
    let nick = |p: &wire::UserProfile| {
        p.profile_item
            .iter()
            .find(|i| i.tag == wire::TAG_NICK)
            .map(|i| i.value.clone())
    };
    assert_eq!(nick(&profiles[0]), Some("Friday".into()));
    assert_eq!(nick(&profiles[1]), Some("Jarvis".into()));

    c.delete_robot("@RBT#t001").await.unwrap();
    assert_eq!(c.get_all_robots().await.unwrap(), ["@RBT#t002"]);
    // Deleting again: not an active chatbot.
    let e = c.delete_robot("@RBT#t001").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidInput, "{e}");
    assert_eq!(e.code, Some(10004));
    assert!(
        e.to_string()
            .starts_with("delete_robot failed with ErrorCode 10004"),
        "{e}"
    );

    // An empty portrait_get makes no call.
    let before = calls(&admin, "portrait_get").await;
    assert!(c
        .portrait_get(&[], &wire::PROFILE_TAGS)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(calls(&admin, "portrait_get").await, before);
    sim.shutdown().await;
}

#[tokio::test]
async fn wrong_key_is_an_auth_error_with_a_sentence() {
    let (sim, _admin) = common::start_in_process().await;
    let mut cfg = config(&sim.url);
    cfg.credentials = Credentials::SecretKey(Secret::new("not-the-key-of-this-app"));
    let e = Client::new(cfg)
        .unwrap()
        .get_all_robots()
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Auth, "{e}");
    assert_eq!(e.code, Some(70009));
    let m = e.to_string();
    assert!(
        m.starts_with("get_all_robots failed with ErrorCode 70009"),
        "{m}"
    );
    assert!(
        m.contains("secret_key (TENCENTCHAT_SECRET_KEY) belongs to sdkappid 1400000000"),
        "{m}"
    );
    assert!(!m.contains("not-the-key-of-this-app"), "{m}");
    sim.shutdown().await;
}

#[tokio::test]
async fn wrong_sdkappid_is_an_auth_error() {
    let (sim, _admin) = common::start_in_process().await;
    let mut cfg = config(&sim.url);
    cfg.sdkappid = 1_400_000_999;
    let e = Client::new(cfg)
        .unwrap()
        .get_all_robots()
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Auth, "{e}");
    assert!(e.to_string().contains("1400000999"), "{e}");
    sim.shutdown().await;
}

#[tokio::test]
async fn non_admin_identifier_is_an_auth_error() {
    let (sim, _admin) = common::start_in_process().await;
    let mut cfg = config(&sim.url);
    cfg.identifier = "not_an_admin".into();
    let c = Client::new(cfg).unwrap();
    for e in [
        c.create_robot(&robot(1)).await.unwrap_err(),
        c.get_all_robots().await.unwrap_err(),
    ] {
        assert_eq!(e.kind, ErrorKind::Auth, "{e}");
        let m = e.to_string();
        assert!(m.contains("\"not_an_admin\" must be an app admin"), "{m}");
        assert!(m.contains("TENCENTCHAT_IDENTIFIER"), "{m}");
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn invalid_input_is_reported_as_such() {
    let (sim, _admin) = common::start_in_process().await;
    let c = client(&sim.url);
    let e = c
        .create_robot(&CreateRobotRequest {
            user_id: "no-prefix".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind, e.code),
        (ErrorKind::InvalidInput, Some(10004)),
        "{e}"
    );
    assert!(e.to_string().contains("@RBT#"), "{e}");

    let mut long = robot(1);
    long.nick = Some("n".repeat(wire::MAX_PROFILE_BYTES + 1));
    let e = c.create_robot(&long).await.unwrap_err();
    assert_eq!(
        (e.kind, e.code),
        (ErrorKind::InvalidInput, Some(40601)),
        "{e}"
    );
    assert!(e.to_string().contains("500 bytes"), "{e}");

    c.create_robot(&robot(1)).await.unwrap();
    let e = c
        .portrait_set(
            "@RBT#t001",
            vec![item(wire::TAG_SELF_SIGNATURE, &"s".repeat(501))],
        )
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind, e.code),
        (ErrorKind::InvalidInput, Some(40601)),
        "{e}"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn twenty_first_robot_reaches_the_limit() {
    let (sim, admin) = common::start_in_process().await;
    let c = client(&sim.url);
    for n in 0..wire::MAX_ROBOTS_PER_APP {
        c.create_robot(&robot(n)).await.unwrap();
    }
    let e = c.create_robot(&robot(99)).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::LimitReached, "{e}");
    assert_eq!(e.code, Some(10008));
    assert!(e.to_string().contains("already has 20 chatbots"), "{e}");
    assert_eq!(admin.robots(APP).await.unwrap().len(), 20);
    sim.shutdown().await;
}

#[tokio::test]
async fn portrait_set_of_an_unknown_account_is_not_found() {
    let (sim, _admin) = common::start_in_process().await;
    let e = client(&sim.url)
        .portrait_set("@RBT#ghost", vec![item(wire::TAG_NICK, "boo")])
        .await
        .unwrap_err();
    assert_eq!((e.kind, e.code), (ErrorKind::NotFound, Some(70107)), "{e}");
    assert!(
        e.to_string()
            .starts_with("portrait_set failed with ErrorCode 70107"),
        "{e}"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn transient_faults_are_retried_until_they_pass() {
    let (sim, admin) = common::start_in_process().await;
    let c = client(&sim.url);

    admin
        .add_fault(&Fault {
            error_code: Some(10002),
            count: Some(2),
            ..Fault::on("get_all_robots")
        })
        .await
        .unwrap();
    assert!(c.get_all_robots().await.unwrap().is_empty());
    assert_eq!(
        calls(&admin, "get_all_robots").await,
        3,
        "two failures, one success"
    );

    admin
        .add_fault(&Fault {
            http_status: Some(502),
            count: Some(2),
            ..Fault::on("create_robot")
        })
        .await
        .unwrap();
    c.create_robot(&robot(1)).await.unwrap();
    assert_eq!(calls(&admin, "create_robot").await, 3);
    assert_eq!(admin.robots(APP).await.unwrap().len(), 1);

    admin
        .add_fault(&Fault {
            error_code: Some(60007),
            count: Some(1),
            ..Fault::on("portrait_get")
        })
        .await
        .unwrap();
    let got = c
        .portrait_get(&["@RBT#t001".to_string()], &wire::PROFILE_TAGS)
        .await
        .unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(calls(&admin, "portrait_get").await, 2);

    // A lost answer: the sim deletes, then answers 10002; the retry then finds
    // nothing to delete (10004), which is what the provider confirms around.
    admin
        .add_fault(&Fault {
            error_code: Some(10002),
            count: Some(1),
            after_apply: true,
            ..Fault::on("delete_robot")
        })
        .await
        .unwrap();
    let e = c.delete_robot("@RBT#t001").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidInput, "{e}");
    assert!(admin.robots(APP).await.unwrap().is_empty());
    assert_eq!(calls(&admin, "delete_robot").await, 2);
    sim.shutdown().await;
}

#[tokio::test]
async fn an_exhausted_retry_budget_is_a_transient_error() {
    let (sim, admin) = common::start_in_process().await;
    let mut cfg = config(&sim.url);
    cfg.max_retries = 2;
    let c = Client::new(cfg).unwrap();
    admin
        .add_fault(&Fault {
            error_code: Some(10002),
            ..Fault::on("get_all_robots")
        })
        .await
        .unwrap();
    let e = c.get_all_robots().await.unwrap_err();
    assert_eq!((e.kind, e.code), (ErrorKind::Transient, Some(10002)), "{e}");
    assert!(e.is_transient());
    assert!(e.to_string().contains("3 attempt(s)"), "{e}");
    assert_eq!(
        calls(&admin, "get_all_robots").await,
        3,
        "first attempt + 2 retries"
    );

    // HTTP 502 forever, with a deadline that allows no retry at all.
    let mut cfg = config(&sim.url);
    cfg.retry_deadline = Duration::from_millis(1);
    let c = Client::new(cfg).unwrap();
    admin
        .add_fault(&Fault {
            http_status: Some(502),
            ..Fault::on("portrait_set")
        })
        .await
        .unwrap();
    let e = c
        .portrait_set("@RBT#x", vec![item(wire::TAG_NICK, "x")])
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Transient, "{e}");
    assert!(e.to_string().contains("HTTP status 502"), "{e}");
    assert_eq!(calls(&admin, "portrait_set").await, 1);

    // Non-transient errors are never retried.
    admin.clear_faults().await.unwrap();
    admin
        .add_fault(&Fault {
            error_code: Some(70398),
            ..Fault::on("create_robot")
        })
        .await
        .unwrap();
    let e = client(&sim.url).create_robot(&robot(1)).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Other, "{e}");
    assert!(e.to_string().contains("account quota"), "{e}");
    assert_eq!(calls(&admin, "create_robot").await, 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn expired_usersig_is_regenerated_once() {
    let (sim, admin) = common::start_in_process().await;
    let c = client(&sim.url);
    admin
        .add_fault(&Fault {
            error_code: Some(70001),
            count: Some(1),
            ..Fault::on("get_all_robots")
        })
        .await
        .unwrap();
    c.get_all_robots().await.expect("re-signed and retried");
    assert_eq!(calls(&admin, "get_all_robots").await, 2);

    // Expired every time: one re-sign, then a clear error.
    admin
        .add_fault(&Fault {
            error_code: Some(70001),
            ..Fault::on("get_all_robots")
        })
        .await
        .unwrap();
    let e = c.get_all_robots().await.unwrap_err();
    assert_eq!((e.kind, e.code), (ErrorKind::Auth, Some(70001)), "{e}");
    assert!(e.to_string().contains("clock"), "{e}");
    assert_eq!(calls(&admin, "get_all_robots").await, 4);
    sim.shutdown().await;
}

#[tokio::test]
async fn preissued_usersig_is_used_as_is_and_never_renewed() {
    let (sim, admin) = common::start_in_process().await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let good = usersig::generate(KEY, APP, common::DEMO_ADMIN, now - 60, 3600);
    let mut cfg = config(&sim.url);
    cfg.credentials = Credentials::UserSig(Secret::new(good.clone()));
    Client::new(cfg).unwrap().get_all_robots().await.unwrap();
    assert_eq!(admin.usersigs().await.unwrap(), [good]);

    let expired = usersig::generate(KEY, APP, common::DEMO_ADMIN, now - 7200, 3600);
    let mut cfg = config(&sim.url);
    cfg.credentials = Credentials::UserSig(Secret::new(expired.clone()));
    let before = calls(&admin, "get_all_robots").await;
    let e = Client::new(cfg)
        .unwrap()
        .get_all_robots()
        .await
        .unwrap_err();
    assert_eq!((e.kind, e.code), (ErrorKind::Auth, Some(70001)), "{e}");
    let m = e.to_string();
    assert!(
        m.contains("pre-issued UserSig") && m.contains("renewed"),
        "{m}"
    );
    assert!(m.contains("TENCENTCHAT_USERSIG"), "{m}");
    assert!(!m.contains(&expired));
    assert_eq!(
        calls(&admin, "get_all_robots").await,
        before + 1,
        "no retry"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn the_limiter_spreads_a_burst() {
    let (sim, admin) = common::start_in_process().await;
    let mut cfg = config(&sim.url);
    cfg.calls_per_second = 20;
    let c = Client::new(cfg).unwrap();
    let started = Instant::now();
    let tasks: Vec<_> = (0..30)
        .map(|_| {
            let c = c.clone(); // clones share the limiter
            tokio::spawn(async move { c.get_all_robots().await })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let elapsed = started.elapsed();
    // 30 calls at 20/s: the last starts 29 intervals of 50 ms after the first.
    assert!(elapsed >= Duration::from_millis(1400), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
    assert_eq!(
        calls(&admin, "get_all_robots").await,
        30,
        "no call was retried"
    );
    // Another endpoint is not slowed by that one's budget.
    let t = Instant::now();
    c.portrait_get(&["@RBT#a".to_string()], &wire::PROFILE_TAGS)
        .await
        .unwrap();
    assert!(t.elapsed() < Duration::from_millis(1000));
    sim.shutdown().await;
}

#[tokio::test]
async fn portrait_get_of_150_accounts_takes_two_calls() {
    let (sim, admin) = common::start_in_process().await;
    let c = client(&sim.url);
    for n in [3, 77, 140] {
        let mut r = robot(n);
        r.nick = Some(format!("bot {n}"));
        c.create_robot(&r).await.unwrap();
    }
    let ids: Vec<String> = (0..150).map(|n| format!("@RBT#t{n:03}")).collect();
    let before = calls(&admin, "portrait_get").await;
    let got = c.portrait_get(&ids, &[wire::TAG_NICK]).await.unwrap();
    assert_eq!(calls(&admin, "portrait_get").await - before, 2);
    assert_eq!(got.len(), 150);
    for (n, p) in got.iter().enumerate() {
        assert_eq!(p.to_account, ids[n], "request order");
        if [3, 77, 140].contains(&n) {
            assert_eq!(p.result_code, 0);
            assert_eq!(p.profile_item[0].value, format!("bot {n}"));
        } else {
            assert_ne!(p.result_code, 0, "{n} does not exist");
        }
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn stop_ends_waits_and_retries_at_once() {
    let (sim, admin) = common::start_in_process().await;
    let c = client(&sim.url);

    // In flight: a slow answer.
    admin
        .add_fault(&Fault {
            latency_ms: Some(4000),
            ..Fault::on("get_all_robots")
        })
        .await
        .unwrap();
    // Retrying: 10002 forever with long backoffs.
    admin
        .add_fault(&Fault {
            error_code: Some(10002),
            ..Fault::on("portrait_set")
        })
        .await
        .unwrap();
    let (a, b) = (c.clone(), c.clone());
    let slow = tokio::spawn(async move { a.get_all_robots().await });
    let retrying = tokio::spawn(async move {
        b.portrait_set("@RBT#x", vec![item(wire::TAG_NICK, "x")])
            .await
    });
    tokio::time::sleep(Duration::from_millis(600)).await;
    let t = Instant::now();
    c.stop();
    let e1 = slow.await.unwrap().unwrap_err();
    let e2 = retrying.await.unwrap().unwrap_err();
    assert!(
        t.elapsed() < Duration::from_millis(500),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(e1.kind, ErrorKind::Stopped, "{e1}");
    assert_eq!(e2.kind, ErrorKind::Stopped, "{e2}");
    assert!(e2.to_string().contains("portrait_set"));
    // Later calls fail the same way, without reaching the API.
    let before = calls(&admin, "delete_robot").await;
    assert_eq!(
        c.delete_robot("@RBT#x").await.unwrap_err().kind,
        ErrorKind::Stopped
    );
    assert_eq!(calls(&admin, "delete_robot").await, before);
    sim.shutdown().await;
}

#[tokio::test]
async fn timeouts_and_unreachable_endpoints_are_transient() {
    let (sim, admin) = common::start_in_process().await;
    let mut cfg = config(&sim.url);
    cfg.request_timeout = Duration::from_millis(300);
    cfg.max_retries = 1;
    admin
        .add_fault(&Fault {
            latency_ms: Some(3000),
            ..Fault::on("get_all_robots")
        })
        .await
        .unwrap();
    let e = Client::new(cfg)
        .unwrap()
        .get_all_robots()
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Transient, "{e}");
    assert!(e.to_string().contains("timed out"), "{e}");
    assert!(
        e.to_string()
            .contains("TENCENTCHAT_REQUEST_TIMEOUT_SECONDS"),
        "{e}"
    );
    sim.shutdown().await;

    // Nothing listens there any more.
    let mut cfg = config(&sim_url_of_closed_port().await);
    cfg.max_retries = 1;
    let e = Client::new(cfg)
        .unwrap()
        .get_all_robots()
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Transient, "{e}");
    assert!(e.to_string().contains("could not reach"), "{e}");
    assert_no_secrets("an unreachable-endpoint error", &format!("{e} {e:?}"), &[]);
}

async fn sim_url_of_closed_port() -> String {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    drop(l);
    format!("http://{addr}")
}

#[tokio::test]
async fn secrets_never_appear_in_errors_or_debug_output() {
    let (sim, admin) = common::start_in_process().await;
    let cfg = config(&sim.url);
    let c = Client::new(cfg.clone()).unwrap();
    c.create_robot(&robot(1)).await.unwrap();

    let mut errors: Vec<ChatError> = Vec::new();
    errors.push(c.delete_robot("@RBT#none").await.unwrap_err());
    errors.push(c.portrait_set("@RBT#none", vec![]).await.unwrap_err());
    let mut bad = cfg.clone();
    bad.credentials = Credentials::SecretKey(Secret::new(format!("{KEY}-wrong")));
    errors.push(
        Client::new(bad)
            .unwrap()
            .get_all_robots()
            .await
            .unwrap_err(),
    );
    for f in [
        Fault {
            error_code: Some(10002),
            ..Fault::on("get_all_robots")
        },
        Fault {
            http_status: Some(503),
            ..Fault::on("create_robot")
        },
    ] {
        admin.add_fault(&f).await.unwrap();
    }
    let mut quick = cfg.clone();
    quick.max_retries = 1;
    let quick = Client::new(quick).unwrap();
    errors.push(quick.get_all_robots().await.unwrap_err());
    errors.push(quick.create_robot(&robot(2)).await.unwrap_err());
    let mut unreachable = config(&sim_url_of_closed_port().await);
    unreachable.max_retries = 0;
    errors.push(
        Client::new(unreachable)
            .unwrap()
            .get_all_robots()
            .await
            .unwrap_err(),
    );

    let sigs = admin.usersigs().await.unwrap();
    assert!(!sigs.is_empty(), "the simulator saw our UserSigs");
    let mut texts = vec![format!("{cfg:?}"), format!("{c:?}")];
    for e in &errors {
        texts.push(format!("{e}"));
        texts.push(format!("{e:?}"));
    }
    for (i, t) in texts.iter().enumerate() {
        assert_no_secrets(&format!("text #{i} (config, client, errors)"), t, &sigs);
    }
    let wrong = format!("{KEY}-wrong");
    assert!(texts.iter().all(|t| !t.contains(&wrong)));
    sim.shutdown().await;
}

/// A loopback server answering every request with `body` (plain, not gzipped).
async fn serve_body(body: Vec<u8>) -> String {
    let body = axum::body::Bytes::from(body);
    let app = axum::Router::new().fallback(move || {
        let body = body.clone();
        async move {
            (
                [(axum::http::header::CONTENT_TYPE, "application/json")],
                body,
            )
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

/// An answer of exactly MAX_ANSWER_BYTES is read; one byte more is a bad answer
/// naming the endpoint, without retries (a second try would read it again).
#[tokio::test]
async fn answers_are_read_up_to_the_cap_and_no_further() {
    use tencentchat::chat::client::MAX_ANSWER_BYTES;
    let answer = |len: usize| {
        let mut b = br#"{"ActionStatus":"OK","ErrorCode":0,"Robot_Account":[]"#.to_vec();
        b.resize(len - 1, b' ');
        b.push(b'}');
        b
    };
    let ok = client(&serve_body(answer(MAX_ANSWER_BYTES)).await);
    assert_eq!(
        ok.get_all_robots().await.expect("an answer at the cap"),
        Vec::<String>::new()
    );
    let big = client(&serve_body(answer(MAX_ANSWER_BYTES + 1)).await);
    let e = big.get_all_robots().await.unwrap_err();
    let text = e.to_string();
    assert_eq!(e.kind, ErrorKind::Other, "{text}");
    assert!(text.contains("get_all_robots"), "{text}");
    assert!(
        text.contains("larger than 16 MiB once decompressed"),
        "{text}"
    );
    assert!(text.contains("not a Chat API response"), "{text}");
}
