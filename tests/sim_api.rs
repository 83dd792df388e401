//! Drives the simulator over real HTTP: raw requests built by hand (so each check
//! is visible), UserSigs from `usersig::generate`, and the `/__sim/` API through
//! the typed `Admin` client.

use serde_json::{json, Value};
use std::io::BufRead as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tencentchat::chat::usersig;
use tencentchat::chat::wire::{
    CREATE_ROBOT, DELETE_ROBOT, GET_ALL_ROBOTS, PORTRAIT_GET, PORTRAIT_SET, TAG_IMAGE, TAG_NICK,
    TAG_SELF_SIGNATURE,
};
use tencentchat::sim::{
    self, Admin, App, Fault, ProfilePatch, Running, SimConfig, DEMO_SDKAPPID, DEMO_SECRET_KEY,
};

const OTHER_APP: u64 = 20_000_123;
const OTHER_KEY: &str = "other-app-key-for-tests-0123456789abcdef";

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn sig_for(key: &str, sdkappid: u64, identifier: &str) -> String {
    usersig::generate(key, sdkappid, identifier, now() - 10, 3600)
}

/// Percent-encodes a query value (UserIDs such as `@RBT#001` hold `#`).
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'*' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn query(sdkappid: u64, identifier: &str, sig: &str) -> String {
    format!(
        "sdkappid={sdkappid}&identifier={}&usersig={}&random={}&contenttype=json",
        enc(identifier),
        enc(sig),
        fastrand::u32(..)
    )
}

fn localhost() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

struct Sim {
    running: Running,
    http: reqwest::Client,
    admin: Admin,
}

impl Sim {
    async fn start(config: SimConfig) -> Sim {
        let running = sim::start(config, localhost()).await.unwrap();
        Sim {
            admin: Admin::new(&running.url),
            http: reqwest::Client::new(),
            running,
        }
    }

    /// The demo app plus a second app (admins `admin` and `ops`).
    async fn two_apps() -> Sim {
        Sim::start(SimConfig {
            apps: vec![
                App::demo(),
                App {
                    sdkappid: OTHER_APP,
                    secret_key: OTHER_KEY.into(),
                    admins: vec!["admin".into(), "ops".into()],
                    custom_fields: ["model".to_string()].into(),
                },
            ],
            ..SimConfig::default()
        })
        .await
    }

    /// A raw request: method, path and query string as given.
    async fn raw(
        &self,
        method: reqwest::Method,
        path: &str,
        query: &str,
        body: &str,
    ) -> (u16, Value) {
        let resp = self
            .http
            .request(method, format!("{}/{path}?{query}", self.running.url))
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, value)
    }

    async fn post(&self, path: &str, query: &str, body: &str) -> Value {
        let (status, v) = self.raw(reqwest::Method::POST, path, query, body).await;
        assert_eq!(status, 200, "{v}");
        v
    }

    /// A well-formed call to the demo app as `administrator`.
    async fn call(&self, path: &str, body: Value) -> Value {
        let q = query(
            DEMO_SDKAPPID,
            "administrator",
            &sig_for(DEMO_SECRET_KEY, DEMO_SDKAPPID, "administrator"),
        );
        self.post(path, &q, &body.to_string()).await
    }

    async fn create(&self, user_id: &str) -> Value {
        self.call(CREATE_ROBOT, json!({ "UserID": user_id })).await
    }

    async fn list(&self) -> Vec<String> {
        let v = self.call(GET_ALL_ROBOTS, json!({})).await;
        assert_eq!(v["ActionStatus"], "OK", "{v}");
        serde_json::from_value(v["Robot_Account"].clone()).unwrap()
    }
}

fn code(v: &Value) -> i64 {
    v["ErrorCode"]
        .as_i64()
        .unwrap_or_else(|| panic!("no ErrorCode in {v}"))
}

#[track_caller]
fn assert_ok(v: &Value) {
    assert_eq!(
        (v["ActionStatus"].as_str(), code(v)),
        (Some("OK"), 0),
        "{v}"
    );
}

#[track_caller]
fn assert_fail(v: &Value, expected: i64) {
    assert_eq!(v["ActionStatus"], "FAIL", "{v}");
    assert_eq!(code(v), expected, "{v}");
    assert!(!v["ErrorInfo"].as_str().unwrap_or("").is_empty(), "{v}");
}

#[tokio::test]
async fn query_parameters_are_checked() {
    let s = Sim::two_apps().await;
    let sig = sig_for(DEMO_SECRET_KEY, DEMO_SDKAPPID, "administrator");
    let cases: Vec<(String, i64)> = vec![
        (format!("identifier=administrator&usersig={sig}&random=1&contenttype=json"), 60002),
        (format!("sdkappid=abc&identifier=administrator&usersig={sig}&random=1&contenttype=json"), 60002),
        (format!("sdkappid=-5&identifier=administrator&usersig={sig}&random=1&contenttype=json"), 60002),
        (format!("sdkappid={DEMO_SDKAPPID}&usersig={sig}&random=1&contenttype=json"), 60004),
        (format!("sdkappid={DEMO_SDKAPPID}&identifier=administrator&random=1&contenttype=json"), 60005),
        (format!("sdkappid={DEMO_SDKAPPID}&identifier=administrator&usersig={sig}&contenttype=json"), 60002),
        (format!("sdkappid={DEMO_SDKAPPID}&identifier=administrator&usersig={sig}&random=4294967296&contenttype=json"), 60002),
        (format!("sdkappid={DEMO_SDKAPPID}&identifier=administrator&usersig={sig}&random=x&contenttype=json"), 60002),
        (format!("sdkappid={DEMO_SDKAPPID}&identifier=administrator&usersig={sig}&random=1"), 60002),
        (format!("sdkappid={DEMO_SDKAPPID}&identifier=administrator&usersig={sig}&random=1&contenttype=xml"), 60002),
        (format!("sdkappid=1400000001&identifier=administrator&usersig={sig}&random=1&contenttype=json"), 60006),
    ];
    for (q, expected) in &cases {
        let v = s.post(GET_ALL_ROBOTS, q, "{}").await;
        assert_fail(&v, *expected);
    }
    // The largest random is fine.
    let q = format!("sdkappid={DEMO_SDKAPPID}&identifier=administrator&usersig={sig}&random=4294967295&contenttype=json");
    assert_ok(&s.post(GET_ALL_ROBOTS, &q, "{}").await);
    // Only POST.
    let (status, v) = s.raw(reqwest::Method::GET, GET_ALL_ROBOTS, &q, "").await;
    assert_eq!(status, 200);
    assert_fail(&v, 60002);
    // Unknown commands under /v4/ are refused in the same envelope, not counted.
    let v = s
        .post("v4/openim_robot_http_svc/explode_robot", &q, "{}")
        .await;
    assert_fail(&v, 60002);
    let counters = s.admin.counters().await.unwrap();
    assert_eq!(counters.total("get_all_robots"), cases.len() as u64 + 2);
    assert_eq!(counters.total.values().sum::<u64>(), cases.len() as u64 + 2);
}

#[tokio::test]
async fn usersigs_are_checked() {
    let s = Sim::two_apps().await;
    let post = |q: String| {
        let s = &s;
        async move { s.post(GET_ALL_ROBOTS, &q, "{}").await }
    };
    let good = sig_for(DEMO_SECRET_KEY, DEMO_SDKAPPID, "administrator");
    assert_ok(&post(query(DEMO_SDKAPPID, "administrator", &good)).await);
    // Unparsable.
    assert_fail(
        &post(query(DEMO_SDKAPPID, "administrator", "not-a-usersig")).await,
        70003,
    );
    // Expired, and not yet valid.
    let old = usersig::generate(
        DEMO_SECRET_KEY,
        DEMO_SDKAPPID,
        "administrator",
        now() - 7200,
        3600,
    );
    assert_fail(
        &post(query(DEMO_SDKAPPID, "administrator", &old)).await,
        70001,
    );
    // Signed with another key.
    let forged = sig_for("wrong-key", DEMO_SDKAPPID, "administrator");
    assert_fail(
        &post(query(DEMO_SDKAPPID, "administrator", &forged)).await,
        70009,
    );
    // Made for another identifier, and for another app.
    let for_ops = sig_for(DEMO_SECRET_KEY, DEMO_SDKAPPID, "ops");
    assert_fail(
        &post(query(DEMO_SDKAPPID, "administrator", &for_ops)).await,
        70013,
    );
    let other_app = sig_for(OTHER_KEY, OTHER_APP, "admin");
    assert_fail(
        &post(query(DEMO_SDKAPPID, "admin", &other_app)).await,
        70014,
    );
    // A valid signature for an account that is not an app admin.
    let user = sig_for(DEMO_SECRET_KEY, DEMO_SDKAPPID, "alice");
    assert_fail(&post(query(DEMO_SDKAPPID, "alice", &user)).await, 60010);
    // The second app's admins.
    for admin in ["admin", "ops"] {
        let sig = sig_for(OTHER_KEY, OTHER_APP, admin);
        assert_ok(&post(query(OTHER_APP, admin, &sig)).await);
    }
}

#[tokio::test]
async fn official_usersigs_verify_against_the_right_key() {
    // Every official vector is outside its validity window today, so the right key
    // gets 70001 (the signature verified, then the clock refused it) while a wrong
    // key gets 70009: the simulator reads Tencent's own UserSigs.
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/usersig-vectors.json"
    ))
    .unwrap();
    let vectors: Value = serde_json::from_str(&text).unwrap();
    let cases = vectors["cases"].as_array().unwrap();
    let mut apps: Vec<App> = Vec::new();
    for c in cases {
        let id = c["sdkappid"].as_u64().unwrap();
        let identifier = c["identifier"].as_str().unwrap().to_string();
        match apps.iter_mut().find(|a| a.sdkappid == id) {
            Some(a) => a.admins.push(identifier),
            None => apps.push(App {
                sdkappid: id,
                secret_key: c["secret_key"].as_str().unwrap().into(),
                admins: vec![identifier],
                custom_fields: Default::default(),
            }),
        }
    }
    let s = Sim::start(SimConfig {
        apps: apps.clone(),
        ..SimConfig::default()
    })
    .await;
    let expires = |c: &Value| c["time"].as_u64().unwrap() + c["expire"].as_u64().unwrap();
    for c in cases {
        let id = c["sdkappid"].as_u64().unwrap();
        let identifier = c["identifier"].as_str().unwrap();
        let official = c["official_usersig"].as_str().unwrap();
        let valid_now = c["time"].as_u64().unwrap() <= now() && now() < expires(c);
        let v = s
            .post(GET_ALL_ROBOTS, &query(id, identifier, official), "{}")
            .await;
        if valid_now {
            assert_ok(&v);
        } else {
            assert_fail(&v, 70001);
        }
    }
    s.running.shutdown().await;
    let wrong_keys: Vec<App> = apps
        .into_iter()
        .map(|a| App {
            secret_key: "not-the-key".into(),
            ..a
        })
        .collect();
    let s = Sim::start(SimConfig {
        apps: wrong_keys,
        ..SimConfig::default()
    })
    .await;
    for c in cases {
        let id = c["sdkappid"].as_u64().unwrap();
        let identifier = c["identifier"].as_str().unwrap();
        let official = c["official_usersig"].as_str().unwrap();
        let v = s
            .post(GET_ALL_ROBOTS, &query(id, identifier, official), "{}")
            .await;
        assert_fail(&v, 70009);
    }
}

#[tokio::test]
async fn checks_run_in_tencents_order() {
    let s = Sim::start(SimConfig {
        calls_per_second: 1,
        ..SimConfig::default()
    })
    .await;
    let good = sig_for(DEMO_SECRET_KEY, DEMO_SDKAPPID, "administrator");
    let bad_sig = sig_for("wrong", DEMO_SDKAPPID, "administrator");
    let user = sig_for(DEMO_SECRET_KEY, DEMO_SDKAPPID, "alice");
    // Params before app: a bad random with an unknown app.
    let q = format!("sdkappid=1&identifier=administrator&usersig={good}&random=x&contenttype=json");
    assert_fail(&s.post(CREATE_ROBOT, &q, "{").await, 60002);
    // App before signature.
    assert_fail(
        &s.post(CREATE_ROBOT, &query(1, "administrator", &bad_sig), "{")
            .await,
        60006,
    );
    // Signature before admin, admin before body.
    assert_fail(
        &s.post(CREATE_ROBOT, &query(DEMO_SDKAPPID, "alice", &bad_sig), "{")
            .await,
        70013,
    );
    assert_fail(
        &s.post(CREATE_ROBOT, &query(DEMO_SDKAPPID, "alice", &user), "{")
            .await,
        60010,
    );
    // Body before rate limit: use up the one call per second, then a bad body still
    // gets the body's error, a good one the limit.
    assert_ok(&s.call(GET_ALL_ROBOTS, json!({})).await);
    assert_fail(
        &s.post(
            GET_ALL_ROBOTS,
            &query(DEMO_SDKAPPID, "administrator", &good),
            "nope",
        )
        .await,
        60003,
    );
    assert_fail(&s.call(GET_ALL_ROBOTS, json!({})).await, 60007);
}

#[tokio::test]
async fn bodies_are_checked() {
    let s = Sim::start(SimConfig::default()).await;
    let q = query(
        DEMO_SDKAPPID,
        "administrator",
        &sig_for(DEMO_SECRET_KEY, DEMO_SDKAPPID, "administrator"),
    );
    for path in [
        CREATE_ROBOT,
        GET_ALL_ROBOTS,
        DELETE_ROBOT,
        PORTRAIT_SET,
        PORTRAIT_GET,
    ] {
        assert_fail(&s.post(path, &q, "{\"UserID\":").await, 60003);
        assert_fail(&s.post(path, &q, "").await, 60003);
    }
    for (path, body) in [
        (CREATE_ROBOT, json!({})),
        (CREATE_ROBOT, json!({"UserID": 7})),
        (CREATE_ROBOT, json!({"UserID": "@RBT#1", "Nick": ["x"]})),
        (CREATE_ROBOT, json!(["@RBT#1"])),
        (GET_ALL_ROBOTS, json!([])),
        (DELETE_ROBOT, json!({"UserID": "@RBT#1"})),
        (DELETE_ROBOT, json!({"Robot_Account": ["@RBT#1"]})),
    ] {
        assert_fail(&s.call(path, body).await, 10004);
    }
    for (path, body) in [
        (PORTRAIT_SET, json!({"From_Account": "@RBT#1"})),
        (
            PORTRAIT_SET,
            json!({"From_Account": "@RBT#1", "ProfileItem": []}),
        ),
        (
            PORTRAIT_SET,
            json!({"From_Account": "@RBT#1", "ProfileItem": [{"Tag": TAG_NICK}]}),
        ),
        (
            PORTRAIT_GET,
            json!({"To_Account": "@RBT#1", "TagList": [TAG_NICK]}),
        ),
        (PORTRAIT_GET, json!({"TagList": [TAG_NICK]})),
        (
            PORTRAIT_GET,
            json!({"To_Account": [], "TagList": [TAG_NICK]}),
        ),
    ] {
        let v = s.call(path, body).await;
        assert_fail(&v, 40001);
        assert_eq!(v["ErrorDisplay"], "", "{v}");
    }
}

#[tokio::test]
async fn user_ids_and_profile_lengths() {
    let s = Sim::start(SimConfig::default()).await;
    let longest = format!("@RBT#{}", "x".repeat(27));
    assert_eq!(longest.len(), 32);
    assert_ok(&s.create(&longest).await);
    assert_ok(&s.create("@RBT#with space~").await);
    for bad in [
        "RBT#1",
        "@rbt#1",
        "user1",
        "",
        &format!("{longest}y"),
        "@RBT#\u{e9}t\u{e9}",
        "@RBT#\t1",
    ] {
        assert_fail(&s.create(bad).await, 10004);
    }
    let max = "v".repeat(500);
    let over = "v".repeat(501);
    for field in ["Nick", "FaceUrl", "SelfSignature"] {
        assert_fail(
            &s.call(CREATE_ROBOT, json!({"UserID": "@RBT#long", field: over}))
                .await,
            40601,
        );
        assert_ok(
            &s.call(CREATE_ROBOT, json!({"UserID": "@RBT#long", field: max}))
                .await,
        );
    }
    assert_eq!(
        s.list().await,
        [longest.as_str(), "@RBT#with space~", "@RBT#long"]
    );
    let robots = s.admin.robots(DEMO_SDKAPPID).await.unwrap();
    assert_eq!(robots[2].nick(), Some(max.as_str()));
    assert_eq!(robots[2].self_signature(), Some(max.as_str()));
}

#[tokio::test]
async fn create_is_idempotent_and_limited_to_twenty() {
    let s = Sim::start(SimConfig::default()).await;
    assert_ok(
        &s.call(
            CREATE_ROBOT,
            json!({"UserID": "@RBT#0", "Nick": "first", "FaceUrl": "f"}),
        )
        .await,
    );
    assert_ok(
        &s.call(CREATE_ROBOT, json!({"UserID": "@RBT#0", "Nick": "second"}))
            .await,
    );
    assert_ok(&s.create("@RBT#0").await);
    let robots = s.admin.robots(DEMO_SDKAPPID).await.unwrap();
    assert_eq!(robots.len(), 1);
    assert_eq!(robots[0].nick(), Some("second"));
    assert_eq!(robots[0].face_url(), Some("f"));
    assert_eq!(robots[0].self_signature(), None);

    for i in 1..20 {
        assert_ok(&s.create(&format!("@RBT#{i}")).await);
    }
    let v = s.create("@RBT#20").await;
    assert_fail(&v, 10008);
    assert!(v["ErrorInfo"].as_str().unwrap().contains("20"), "{v}");
    // At the limit an existing robot can still be "created" again.
    assert_ok(&s.create("@RBT#7").await);
    let listed = s.list().await;
    let expected: Vec<String> = (0..20).map(|i| format!("@RBT#{i}")).collect();
    assert_eq!(listed, expected);
    assert_eq!(s.admin.apps().await.unwrap()[0].active_robots, 20);
    // Deleting one makes room.
    assert_ok(
        &s.call(DELETE_ROBOT, json!({"Robot_Account": "@RBT#3"}))
            .await,
    );
    assert_ok(&s.create("@RBT#20").await);
    assert_fail(&s.create("@RBT#3").await, 10008);
}

#[tokio::test]
async fn delete_then_create_reactivates() {
    let s = Sim::start(SimConfig::default()).await;
    assert_ok(
        &s.call(
            CREATE_ROBOT,
            json!({"UserID": "@RBT#a", "Nick": "old", "SelfSignature": "sig"}),
        )
        .await,
    );
    assert_ok(&s.create("@RBT#b").await);
    assert_ok(
        &s.call(DELETE_ROBOT, json!({"Robot_Account": "@RBT#a"}))
            .await,
    );
    assert_eq!(s.list().await, ["@RBT#b"]);
    assert_fail(
        &s.call(DELETE_ROBOT, json!({"Robot_Account": "@RBT#a"}))
            .await,
        10004,
    );
    assert_fail(
        &s.call(DELETE_ROBOT, json!({"Robot_Account": "@RBT#never"}))
            .await,
        10004,
    );
    // A deleted robot's profile cannot be read or written.
    let v = s
        .call(
            PORTRAIT_GET,
            json!({"To_Account": ["@RBT#a"], "TagList": [TAG_NICK]}),
        )
        .await;
    assert_eq!(v["UserProfileItem"][0]["ResultCode"], 70107, "{v}");
    let set = json!({"From_Account": "@RBT#a", "ProfileItem": [{"Tag": TAG_NICK, "Value": "x"}]});
    assert_fail(&s.call(PORTRAIT_SET, set).await, 70107);
    // Reactivated with only the fields given; listed as created last.
    assert_ok(
        &s.call(CREATE_ROBOT, json!({"UserID": "@RBT#a", "FaceUrl": "new"}))
            .await,
    );
    assert_eq!(s.list().await, ["@RBT#b", "@RBT#a"]);
    let robots = s.admin.robots(DEMO_SDKAPPID).await.unwrap();
    assert_eq!(robots[1].user_id, "@RBT#a");
    assert_eq!(
        (
            robots[1].nick(),
            robots[1].face_url(),
            robots[1].self_signature()
        ),
        (None, Some("new"), None)
    );
}

/// Every standard tag is checked by Tencent's rules and codes, and a custom
/// field is taken only by an app that defines it.
#[tokio::test]
async fn every_standard_tag_and_custom_fields_per_app() {
    let s = Sim::two_apps().await;
    let sig = sig_for(OTHER_KEY, OTHER_APP, "admin");
    let other = |path: &'static str, body: Value| {
        let q = query(OTHER_APP, "admin", &sig);
        let s = &s;
        async move { s.post(path, &q, &body.to_string()).await }
    };
    let set = |items: Value| json!({"From_Account": "@RBT#p", "ProfileItem": items});
    assert_ok(&s.call(CREATE_ROBOT, json!({"UserID": "@RBT#p"})).await);
    assert_ok(&other(CREATE_ROBOT, json!({"UserID": "@RBT#p"})).await);
    let custom = "Tag_Profile_Custom_model";
    for (item, code) in [
        (json!({"Tag": TAG_NICK, "Value": 3}), 40610),
        (json!({"Tag": "Tag_Profile_IM_Gender", "Value": "x"}), 40605),
        (
            json!({"Tag": "Tag_Profile_IM_AllowType", "Value": ""}),
            40605,
        ),
        (
            json!({"Tag": "Tag_Profile_IM_Level", "Value": 4294967296u64}),
            40605,
        ),
        (json!({"Tag": "Tag_Profile_IM_Role", "Value": "1"}), 40610),
        (
            json!({"Tag": "Tag_Profile_IM_Location", "Value": "x".repeat(17)}),
            40601,
        ),
        (json!({"Tag": "Tag_Profile_IM_Mood", "Value": "x"}), 40009),
        (json!({"Tag": custom, "Value": "gpt"}), 40009),
    ] {
        let v = s.call(PORTRAIT_SET, set(json!([item]))).await;
        assert_fail(&v, code);
        assert_eq!(v["ErrorDisplay"], "", "{v}");
    }
    assert_fail(
        &other(PORTRAIT_SET, set(json!([{"Tag": custom, "Value": 1}]))).await,
        40610,
    );
    let all = json!([
        {"Tag": "Tag_Profile_IM_Gender", "Value": "Gender_Type_Female"},
        {"Tag": "Tag_Profile_IM_BirthDay", "Value": 19900101},
        {"Tag": "Tag_Profile_IM_Location", "Value": "1 2 3 4"},
        {"Tag": "Tag_Profile_IM_AllowType", "Value": "AllowType_Type_AllowAny"},
        {"Tag": "Tag_Profile_IM_Language", "Value": 0},
        {"Tag": "Tag_Profile_IM_MsgSettings", "Value": 1},
        {"Tag": "Tag_Profile_IM_AdminForbidType", "Value": "AdminForbid_Type_SendOut"},
        {"Tag": "Tag_Profile_IM_Level", "Value": 4294967295u64},
        {"Tag": "Tag_Profile_IM_Role", "Value": 7},
        {"Tag": custom, "Value": "gpt"},
    ]);
    assert_ok(&other(PORTRAIT_SET, set(all.clone())).await);
    let mut tags: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["Tag"].as_str().unwrap())
        .collect();
    tags.push("Tag_Profile_Custom_nothere");
    let v = other(
        PORTRAIT_GET,
        json!({"To_Account": ["@RBT#p"], "TagList": tags}),
    )
    .await;
    assert_ok(&v);
    assert_eq!(v["UserProfileItem"][0]["ProfileItem"], all);
    let robots = s.admin.robots(OTHER_APP).await.unwrap();
    assert_eq!(robots[0].custom("model"), Some("gpt"));
    // The admin API edits custom fields by name, checked the same way.
    s.admin
        .edit_profile(
            OTHER_APP,
            "@RBT#p",
            &ProfilePatch::from([("custom:model".to_string(), json!(""))]),
        )
        .await
        .unwrap();
    assert_eq!(
        s.admin.robots(OTHER_APP).await.unwrap()[0].custom("model"),
        None
    );
    let undefined = ProfilePatch::from([("custom:model".to_string(), json!("x"))]);
    let err = s
        .admin
        .edit_profile(DEMO_SDKAPPID, "@RBT#p", &undefined)
        .await
        .unwrap_err();
    assert!(err.contains("model"), "{err}");
}

#[tokio::test]
async fn profiles() {
    let s = Sim::start(SimConfig::default()).await;
    assert_ok(
        &s.call(CREATE_ROBOT, json!({"UserID": "@RBT#p", "Nick": "n"}))
            .await,
    );
    let set = |items: Value| json!({"From_Account": "@RBT#p", "ProfileItem": items});
    let v = s
        .call(PORTRAIT_SET, set(json!([{"Tag": TAG_SELF_SIGNATURE, "Value": "hello"}, {"Tag": TAG_IMAGE, "Value": "u"}])))
        .await;
    assert_ok(&v);
    assert_eq!(v["ErrorDisplay"], "");
    // Too long: nothing changes.
    let v = s
        .call(PORTRAIT_SET, set(json!([{"Tag": TAG_NICK, "Value": "ok"}, {"Tag": TAG_IMAGE, "Value": "x".repeat(501)}])))
        .await;
    assert_fail(&v, 40601);
    // "" clears.
    assert_ok(
        &s.call(PORTRAIT_SET, set(json!([{"Tag": TAG_IMAGE, "Value": ""}])))
            .await,
    );
    let missing =
        json!({"From_Account": "@RBT#none", "ProfileItem": [{"Tag": TAG_NICK, "Value": "x"}]});
    assert_fail(&s.call(PORTRAIT_SET, missing).await, 70107);

    let v = s
        .call(
            PORTRAIT_GET,
            json!({"To_Account": ["@RBT#p", "@RBT#none"], "TagList": [TAG_NICK, TAG_IMAGE, TAG_SELF_SIGNATURE]}),
        )
        .await;
    assert_ok(&v);
    assert_eq!(
        v["UserProfileItem"],
        json!([
            {"To_Account": "@RBT#p", "ResultCode": 0, "ResultInfo": "",
             "ProfileItem": [{"Tag": TAG_NICK, "Value": "n"}, {"Tag": TAG_SELF_SIGNATURE, "Value": "hello"}]},
            {"To_Account": "@RBT#none", "ResultCode": 70107,
             "ResultInfo": v["UserProfileItem"][1]["ResultInfo"], "ProfileItem": []}
        ])
    );
    // Only the tags asked for.
    let v = s
        .call(
            PORTRAIT_GET,
            json!({"To_Account": ["@RBT#p"], "TagList": [TAG_SELF_SIGNATURE]}),
        )
        .await;
    assert_eq!(
        v["UserProfileItem"][0]["ProfileItem"],
        json!([{"Tag": TAG_SELF_SIGNATURE, "Value": "hello"}])
    );
    // At most 100 accounts per call.
    let hundred: Vec<String> = (0..100).map(|i| format!("@RBT#{i}")).collect();
    let v = s
        .call(
            PORTRAIT_GET,
            json!({"To_Account": hundred, "TagList": [TAG_NICK]}),
        )
        .await;
    assert_ok(&v);
    assert_eq!(v["UserProfileItem"].as_array().unwrap().len(), 100);
    let many: Vec<String> = (0..101).map(|i| format!("@RBT#{i}")).collect();
    let v = s
        .call(
            PORTRAIT_GET,
            json!({"To_Account": many, "TagList": [TAG_NICK]}),
        )
        .await;
    assert_fail(&v, 40001);
    assert!(v["ErrorInfo"].as_str().unwrap().contains("100"), "{v}");
}

#[tokio::test]
async fn faults_by_count() {
    let s = Sim::start(SimConfig::default()).await;
    let id = s
        .admin
        .add_fault(&Fault {
            endpoint: "create_robot".into(),
            error_code: Some(10002),
            count: Some(2),
            ..Fault::default()
        })
        .await
        .unwrap();
    assert!(id > 0);
    assert_ok(&s.call(GET_ALL_ROBOTS, json!({})).await);
    assert_fail(&s.create("@RBT#1").await, 10002);
    assert_fail(&s.create("@RBT#1").await, 10002);
    assert!(s.list().await.is_empty());
    assert_ok(&s.create("@RBT#1").await);
    assert_eq!(s.list().await, ["@RBT#1"]);
    let c = s.admin.counters().await.unwrap();
    assert_eq!(c.app(DEMO_SDKAPPID, "create_robot"), 3);
    assert_eq!(c.app(DEMO_SDKAPPID, "get_all_robots"), 3);

    // Every endpoint, until cleared, as an HTTP status.
    s.admin
        .add_fault(&Fault {
            endpoint: "*".into(),
            http_status: Some(502),
            ..Fault::default()
        })
        .await
        .unwrap();
    // (Faults apply to calls that pass every check, so the bodies are valid.)
    for (path, body) in [
        (GET_ALL_ROBOTS, "{}"),
        (DELETE_ROBOT, r#"{"Robot_Account":"@RBT#1"}"#),
    ] {
        let q = query(
            DEMO_SDKAPPID,
            "administrator",
            &sig_for(DEMO_SECRET_KEY, DEMO_SDKAPPID, "administrator"),
        );
        let (status, _) = s.raw(reqwest::Method::POST, path, &q, body).await;
        assert_eq!(status, 502);
    }
    s.admin.clear_faults().await.unwrap();
    assert_ok(&s.call(GET_ALL_ROBOTS, json!({})).await);

    // Invalid faults are refused.
    for bad in [
        Fault {
            endpoint: "nope".into(),
            error_code: Some(1),
            ..Fault::default()
        },
        Fault {
            endpoint: "*".into(),
            ..Fault::default()
        },
        Fault {
            endpoint: "*".into(),
            error_code: Some(1),
            http_status: Some(502),
            ..Fault::default()
        },
        Fault {
            endpoint: "*".into(),
            error_code: Some(1),
            probability: Some(2.0),
            ..Fault::default()
        },
    ] {
        assert!(s.admin.add_fault(&bad).await.is_err(), "{bad:?}");
    }
}

#[tokio::test]
async fn faults_by_seeded_probability_repeat() {
    let s = Sim::start(SimConfig::default()).await;
    let fault = Fault {
        endpoint: "get_all_robots".into(),
        error_code: Some(60008),
        probability: Some(0.3),
        seed: Some(42),
        ..Fault::default()
    };
    let mut runs = Vec::new();
    for _ in 0..2 {
        s.admin.reset().await.unwrap();
        s.admin.add_fault(&fault).await.unwrap();
        let mut outcomes = Vec::new();
        for _ in 0..60 {
            let v = s.call(GET_ALL_ROBOTS, json!({})).await;
            outcomes.push(code(&v));
        }
        runs.push(outcomes);
    }
    assert_eq!(runs[0], runs[1]);
    let failed = runs[0].iter().filter(|c| **c == 60008).count();
    assert!((5..=35).contains(&failed), "{failed} of 60 failed at p=0.3");
    assert!(runs[0].iter().all(|c| *c == 0 || *c == 60008));
    // Another endpoint is not affected.
    assert_ok(&s.create("@RBT#x").await);
}

#[tokio::test]
async fn faults_after_apply_and_latency() {
    let s = Sim::start(SimConfig::default()).await;
    s.admin
        .add_fault(&Fault {
            endpoint: "create_robot".into(),
            error_code: Some(10002),
            count: Some(1),
            after_apply: true,
            ..Fault::default()
        })
        .await
        .unwrap();
    // The answer is lost, the robot is created.
    assert_fail(&s.create("@RBT#lost").await, 10002);
    assert_eq!(s.list().await, ["@RBT#lost"]);

    s.admin
        .add_fault(&Fault {
            endpoint: "delete_robot".into(),
            http_status: Some(504),
            latency_ms: Some(150),
            count: Some(1),
            after_apply: true,
            ..Fault::default()
        })
        .await
        .unwrap();
    let q = query(
        DEMO_SDKAPPID,
        "administrator",
        &sig_for(DEMO_SECRET_KEY, DEMO_SDKAPPID, "administrator"),
    );
    let started = Instant::now();
    let (status, _) = s
        .raw(
            reqwest::Method::POST,
            DELETE_ROBOT,
            &q,
            r#"{"Robot_Account":"@RBT#lost"}"#,
        )
        .await;
    assert_eq!(status, 504);
    assert!(started.elapsed() >= Duration::from_millis(150));
    assert!(s.list().await.is_empty());

    s.admin
        .add_fault(&Fault {
            endpoint: "*".into(),
            latency_ms: Some(200),
            count: Some(1),
            ..Fault::default()
        })
        .await
        .unwrap();
    let started = Instant::now();
    assert_ok(&s.call(GET_ALL_ROBOTS, json!({})).await);
    assert!(started.elapsed() >= Duration::from_millis(200));
    let started = Instant::now();
    assert_ok(&s.call(GET_ALL_ROBOTS, json!({})).await);
    assert!(started.elapsed() < Duration::from_millis(200));
}

#[tokio::test]
async fn rate_limit_per_endpoint_per_app() {
    let s = Sim::start(SimConfig::default()).await;
    let q = query(
        DEMO_SDKAPPID,
        "administrator",
        &sig_for(DEMO_SECRET_KEY, DEMO_SDKAPPID, "administrator"),
    );
    let url = format!("{}/{GET_ALL_ROBOTS}?{q}", s.running.url);
    let started = Instant::now();
    let calls = (0..300).map(|_| {
        let http = s.http.clone();
        let url = url.clone();
        tokio::spawn(async move {
            let v: Value = http
                .post(url)
                .body("{}")
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            code(&v)
        })
    });
    let mut codes = Vec::new();
    for c in calls.collect::<Vec<_>>() {
        codes.push(c.await.unwrap());
    }
    let elapsed = started.elapsed();
    let ok = codes.iter().filter(|c| **c == 0).count();
    let limited = codes.iter().filter(|c| **c == 60007).count();
    assert_eq!(ok + limited, 300, "{codes:?}");
    // A sliding one-second window: at most 200 per started second.
    let seconds = elapsed.as_secs() as usize + 1;
    assert!(ok <= 200 * seconds, "{ok} accepted in {elapsed:?}");
    if elapsed < Duration::from_secs(1) {
        assert_eq!(ok, 200);
        assert_eq!(limited, 100);
    }
    // Other endpoints have their own budget.
    assert_ok(&s.create("@RBT#1").await);
}

#[tokio::test]
async fn rate_limit_recovers_and_is_configurable() {
    let s = Sim::start(SimConfig {
        calls_per_second: 3,
        ..SimConfig::default()
    })
    .await;
    for _ in 0..3 {
        assert_ok(&s.call(GET_ALL_ROBOTS, json!({})).await);
    }
    let v = s.call(GET_ALL_ROBOTS, json!({})).await;
    assert_fail(&v, 60007);
    assert_ok(&s.create("@RBT#1").await);
    tokio::time::sleep(Duration::from_millis(1050)).await;
    assert_ok(&s.call(GET_ALL_ROBOTS, json!({})).await);
}

#[tokio::test]
async fn counters_usersigs_and_reset() {
    let s = Sim::two_apps().await;
    let a = sig_for(DEMO_SECRET_KEY, DEMO_SDKAPPID, "administrator");
    let b = sig_for(OTHER_KEY, OTHER_APP, "ops");
    s.post(
        CREATE_ROBOT,
        &query(DEMO_SDKAPPID, "administrator", &a),
        r#"{"UserID":"@RBT#1"}"#,
    )
    .await;
    s.post(
        CREATE_ROBOT,
        &query(DEMO_SDKAPPID, "administrator", &a),
        r#"{"UserID":"bad"}"#,
    )
    .await;
    s.post(
        PORTRAIT_GET,
        &query(OTHER_APP, "ops", &b),
        r#"{"To_Account":["x"],"TagList":[]}"#,
    )
    .await;
    s.post(GET_ALL_ROBOTS, &query(99, "ops", &b), "{}").await;
    let c = s.admin.counters().await.unwrap();
    assert_eq!(c.total("create_robot"), 2);
    assert_eq!(c.total("portrait_get"), 1);
    assert_eq!(c.total("get_all_robots"), 1);
    assert_eq!(c.total("delete_robot"), 0);
    assert_eq!(c.total.len(), 5);
    assert_eq!(c.app(DEMO_SDKAPPID, "create_robot"), 2);
    assert_eq!(c.app(OTHER_APP, "portrait_get"), 1);
    assert_eq!(c.apps.len(), 2, "unknown apps are counted in total only");
    assert_eq!(s.admin.usersigs().await.unwrap(), [a.clone(), b.clone()]);
    // The inspection API never shows keys.
    let apps = reqwest::get(format!("{}/__sim/apps", s.running.url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !apps.contains(DEMO_SECRET_KEY) && !apps.contains(OTHER_KEY),
        "{apps}"
    );
    assert!(apps.contains("\"active_robots\":1"), "{apps}");

    s.admin
        .add_fault(&Fault {
            endpoint: "*".into(),
            error_code: Some(10002),
            ..Fault::default()
        })
        .await
        .unwrap();
    s.admin.reset().await.unwrap();
    let c = s.admin.counters().await.unwrap();
    assert!(c.total.values().all(|n| *n == 0), "{c:?}");
    assert!(s.admin.usersigs().await.unwrap().is_empty());
    assert!(s.admin.robots(DEMO_SDKAPPID).await.unwrap().is_empty());
    assert_eq!(s.admin.apps().await.unwrap().len(), 2);
    // Faults are gone too.
    assert_ok(&s.call(GET_ALL_ROBOTS, json!({})).await);
}

#[tokio::test]
async fn out_of_band_changes() {
    let s = Sim::start(SimConfig::default()).await;
    assert_ok(
        &s.call(
            CREATE_ROBOT,
            json!({"UserID": "@RBT#001", "Nick": "n", "FaceUrl": "f"}),
        )
        .await,
    );
    assert_ok(&s.create("@RBT#002").await);
    s.admin
        .edit_profile(
            DEMO_SDKAPPID,
            "@RBT#001",
            &ProfilePatch::from([
                ("nick".to_string(), json!("drifted")),
                (TAG_IMAGE.to_string(), json!("")),
            ]),
        )
        .await
        .unwrap();
    let v = s
        .call(
            PORTRAIT_GET,
            json!({"To_Account": ["@RBT#001"], "TagList": [TAG_NICK, TAG_IMAGE]}),
        )
        .await;
    assert_eq!(
        v["UserProfileItem"][0]["ProfileItem"],
        json!([{"Tag": TAG_NICK, "Value": "drifted"}])
    );
    s.admin
        .delete_robot(DEMO_SDKAPPID, "@RBT#001")
        .await
        .unwrap();
    assert_eq!(s.list().await, ["@RBT#002"]);
    let robots = s.admin.robots(DEMO_SDKAPPID).await.unwrap();
    assert_eq!(robots.len(), 1);
    assert_eq!(robots[0].user_id, "@RBT#002");
    assert_eq!(robots[0].nick(), None);
    // Errors come back as messages.
    assert!(s
        .admin
        .delete_robot(DEMO_SDKAPPID, "@RBT#001")
        .await
        .unwrap_err()
        .contains("404"));
    assert!(s.admin.robots(1).await.is_err());
    let long = ProfilePatch::from([("nick".to_string(), json!("x".repeat(501)))]);
    assert!(s
        .admin
        .edit_profile(DEMO_SDKAPPID, "@RBT#002", &long)
        .await
        .is_err());
}

fn temp_path(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "tencentchat-sim-test-{tag}-{}-{}",
        std::process::id(),
        fastrand::u64(..)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("state.json")
}

#[tokio::test]
async fn state_file_survives_a_restart() {
    let path = temp_path("restart");
    let config = SimConfig {
        state_file: Some(path.clone()),
        ..SimConfig::default()
    };
    let s = Sim::start(config.clone()).await;
    assert_ok(
        &s.call(CREATE_ROBOT, json!({"UserID": "@RBT#keep", "Nick": "kept"}))
            .await,
    );
    assert_ok(&s.create("@RBT#gone").await);
    assert_ok(&s.create("@RBT#2").await);
    assert_ok(
        &s.call(DELETE_ROBOT, json!({"Robot_Account": "@RBT#gone"}))
            .await,
    );
    s.running.shutdown().await;
    assert!(path.exists());

    let s = Sim::start(config.clone()).await;
    assert_eq!(s.list().await, ["@RBT#keep", "@RBT#2"]);
    let robots = s.admin.robots(DEMO_SDKAPPID).await.unwrap();
    assert_eq!(robots[0].nick(), Some("kept"));
    // Counters are not state.
    assert_eq!(s.admin.counters().await.unwrap().total("create_robot"), 0);
    // A reset is saved too.
    s.admin.reset().await.unwrap();
    s.running.shutdown().await;
    let s = Sim::start(config).await;
    assert!(s.list().await.is_empty());
    s.running.shutdown().await;
    // A torn file is refused at start rather than served as empty.
    std::fs::write(&path, b"{\"version\":1,\"apps\":{").unwrap();
    let err = sim::start(
        SimConfig {
            state_file: Some(path.clone()),
            ..SimConfig::default()
        },
        localhost(),
    )
    .await
    .err()
    .expect("a torn state file must not load");
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
}

/// Kills the child when the test ends, however it ends.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn binary_prints_its_url_and_keeps_secrets() {
    let key = "binary-test-secret-key-0123456789";
    let mut child = Child(
        std::process::Command::new(env!("CARGO_BIN_EXE_tencentchat-sim"))
            .args([
                "--listen",
                "127.0.0.1:0",
                "--app",
                &format!("{OTHER_APP}:{key}:admin"),
            ])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    let (first, rest) = tokio::task::spawn_blocking(move || {
        let mut lines = std::io::BufReader::new(stdout).lines();
        let first = lines.next().unwrap().unwrap();
        (first, lines)
    })
    .await
    .unwrap();
    let url = first
        .strip_prefix("tencentchat-sim listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let port: u16 = url.rsplit(':').next().unwrap().parse().unwrap();
    assert_ne!(port, 0);

    let sig = sig_for(key, OTHER_APP, "admin");
    let http = reqwest::Client::new();
    let call = |path: &str, body: &str| {
        http.post(format!("{url}/{path}?{}", query(OTHER_APP, "admin", &sig)))
            .body(body.to_string())
            .send()
    };
    let v: Value = call(CREATE_ROBOT, r#"{"UserID":"@RBT#bin"}"#)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_ok(&v);
    let v: Value = call(GET_ALL_ROBOTS, "{}")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["Robot_Account"], json!(["@RBT#bin"]));
    let bad = sig_for("wrong", OTHER_APP, "admin");
    let v: Value = http
        .post(format!(
            "{url}/{GET_ALL_ROBOTS}?{}",
            query(OTHER_APP, "admin", &bad)
        ))
        .body("{}")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_fail(&v, 70009);
    assert_eq!(
        Admin::new(&url).robots(OTHER_APP).await.unwrap()[0].user_id,
        "@RBT#bin"
    );

    // Stop it (SIGTERM where there are signals) and read everything it wrote.
    #[cfg(unix)]
    {
        let status = std::process::Command::new("kill")
            .args(["-TERM", &child.0.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }
    #[cfg(not(unix))]
    child.0.kill().unwrap();
    let mut stderr = child.0.stderr.take().unwrap();
    let (out, err) = tokio::task::spawn_blocking(move || {
        let out: Vec<String> = rest.map(|l| l.unwrap()).collect();
        let mut err = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut err).unwrap();
        (out.join("\n"), err)
    })
    .await
    .unwrap();
    let status = child.0.wait().unwrap();
    #[cfg(unix)]
    assert!(status.success(), "{status:?}\n{err}");
    let _ = status;
    assert!(out.contains(&OTHER_APP.to_string()), "{out}");
    for text in [&first, &out, &err] {
        assert!(!text.contains(key), "the key leaked: {text}");
        assert!(
            !text.contains(&sig) && !text.contains(&bad),
            "a UserSig leaked: {text}"
        );
    }
    // Every stderr line is hclog JSON, and calls were logged.
    for line in err.lines() {
        let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert!(v["@level"].is_string() && v["@module"] == "sim", "{line}");
    }
    assert!(err.contains("create_robot"), "{err}");
}

#[tokio::test]
async fn binary_serves_the_demo_app_by_default() {
    let mut child = Child(
        std::process::Command::new(env!("CARGO_BIN_EXE_tencentchat-sim"))
            .args(["--listen", "127.0.0.1:0", "--quiet"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    let first = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .unwrap();
        line
    })
    .await
    .unwrap();
    let url = first
        .trim_end()
        .strip_prefix("tencentchat-sim listening on ")
        .unwrap()
        .to_string();
    let apps = Admin::new(&url).apps().await.unwrap();
    assert_eq!(apps.len(), 1);
    assert_eq!(apps[0].sdkappid, DEMO_SDKAPPID);
    assert_eq!(apps[0].admins, ["administrator"]);
    let sig = sig_for(DEMO_SECRET_KEY, DEMO_SDKAPPID, "administrator");
    let v: Value = reqwest::Client::new()
        .post(format!(
            "{url}/{GET_ALL_ROBOTS}?{}",
            query(DEMO_SDKAPPID, "administrator", &sig)
        ))
        .body("{}")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_ok(&v);
}

#[tokio::test]
async fn concurrent_changes_all_reach_the_state_file() {
    let path = temp_path("concurrent");
    let config = SimConfig {
        state_file: Some(path.clone()),
        ..SimConfig::default()
    };
    let s = Sim::start(config.clone()).await;
    let q = query(
        DEMO_SDKAPPID,
        "administrator",
        &sig_for(DEMO_SECRET_KEY, DEMO_SDKAPPID, "administrator"),
    );
    let calls: Vec<_> = (0..20)
        .map(|i| {
            let http = s.http.clone();
            let url = format!("{}/{CREATE_ROBOT}?{q}", s.running.url);
            tokio::spawn(async move {
                let body = json!({"UserID": format!("@RBT#{i:02}"), "Nick": format!("n{i}")});
                let v: Value = http
                    .post(url)
                    .body(body.to_string())
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                v
            })
        })
        .collect();
    for c in calls {
        assert_ok(&c.await.unwrap());
    }
    s.running.shutdown().await;
    let s = Sim::start(config).await;
    let mut listed = s.list().await;
    listed.sort();
    let expected: Vec<String> = (0..20).map(|i| format!("@RBT#{i:02}")).collect();
    assert_eq!(listed, expected);
    let robots = s.admin.robots(DEMO_SDKAPPID).await.unwrap();
    for r in &robots {
        let i: u32 = r.user_id["@RBT#".len()..].parse().unwrap();
        assert_eq!(r.nick(), Some(format!("n{i}").as_str()));
    }
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
}

/// `--exec`: the command runs with the first app's provider settings and no other
/// `TENCENTCHAT_*` variable, stdout is the command's alone, the simulator stops
/// when the command ends, and the command's status is the simulator's.
#[cfg(unix)]
#[tokio::test]
async fn binary_exec_runs_one_command_against_it_and_stops_with_its_status() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tencentchat-sim"))
        .args([
            "--app",
            &format!("{OTHER_APP}:exec-test-key:ops,administrator"),
            "--exec",
            "sh",
            "-c",
            "env | grep ^TENCENTCHAT_ | sort; exit 7",
        ])
        .env("TENCENTCHAT_USERSIG", "from-the-shell")
        .env("TENCENTCHAT_REGION", "tokyo")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(7), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    let url = stderr
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("tencentchat-sim listening on "))
        .unwrap_or_else(|| panic!("no banner on stderr: {stderr}"))
        .to_string();
    assert_eq!(
        stdout.lines().collect::<Vec<_>>(),
        [
            format!("TENCENTCHAT_ENDPOINT={url}"),
            "TENCENTCHAT_IDENTIFIER=ops".to_string(),
            "TENCENTCHAT_SDKAPPID=".to_string() + &OTHER_APP.to_string(),
            "TENCENTCHAT_SECRET_KEY=exec-test-key".to_string(),
        ]
    );
    // Stopped with the command: nothing listens there any more.
    assert!(reqwest::get(format!("{url}/__sim/apps")).await.is_err());

    let missing = std::process::Command::new(env!("CARGO_BIN_EXE_tencentchat-sim"))
        .args(["--exec", "/nonexistent/command"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(127));
}
