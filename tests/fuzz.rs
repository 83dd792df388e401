//! Seeded property/fuzz loops (plain `fastrand`, reproducible) over the three
//! places that parse input from outside the process:
//!
//! - the DynamicValue codec (`tfproto::codec`): random *types* and conforming
//!   values round-trip through MessagePack; mutated encodings and random JSON
//!   documents of the wrong shape are refused or decoded, never a panic;
//! - the UserSig verifier (`chat::usersig`): structure-aware mutations of a real
//!   UserSig (each field replaced, dropped, retyped; the signature bit-flipped;
//!   the container corrupted) never verify unless the signed fields are intact;
//! - the simulator's request handling, over real HTTP to an in-process sim:
//!   random methods, paths, query strings and bodies always get an answer (no
//!   5xx, no dropped connection), and the sim still serves a proper call after.
//!
//! (src/tfproto/codec.rs and tests/usersig_vectors.rs already throw random bytes
//! at one fixed type and random strings at the verifier; these go further.)
//! Each loop runs under a watchdog so a hang fails the test instead of stalling.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use flate2::write::ZlibEncoder;
use flate2::Compression;
use serde_json::{json, Value as J};
use std::collections::BTreeMap;
use std::io::Write;
use std::time::Duration;
use tencentchat::chat::usersig::{generate, inspect, verify};
use tencentchat::tfproto::codec::{decode_json, decode_msgpack, encode_msgpack};
use tencentchat::tfproto::{Type, Value};

/// Runs `f` on its own thread; fails if it panics or takes longer than `limit`.
fn bounded(what: &str, limit: Duration, f: impl FnOnce() + Send + 'static) {
    let (tx, rx) = std::sync::mpsc::channel();
    let handle = std::thread::spawn(move || {
        f();
        let _ = tx.send(());
    });
    match rx.recv_timeout(limit) {
        Ok(()) => handle.join().expect("fuzz thread"),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
            if let Err(p) = handle.join() {
                std::panic::resume_unwind(p);
            }
        }
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            panic!("{what} did not finish within {limit:?} (a hang)")
        }
    }
}

fn random_string(rng: &mut fastrand::Rng) -> String {
    let len = rng.usize(0..12);
    (0..len)
        .map(|_| match rng.u8(0..4) {
            0 => rng.char(..),
            1 => rng.alphanumeric(),
            2 => ['@', '#', '"', '\\', '\0', '\u{7f}', 'é', '€'][rng.usize(0..8)],
            _ => rng.char('a'..='z'),
        })
        .collect()
}

// ---------------------------------------------------------------------------
// DynamicValue codec
// ---------------------------------------------------------------------------

fn random_type(rng: &mut fastrand::Rng, depth: u32) -> Type {
    let leaf = depth >= 3 || rng.u8(0..3) == 0;
    if leaf {
        return match rng.u8(0..3) {
            0 => Type::String,
            1 => Type::Number,
            _ => Type::Bool,
        };
    }
    match rng.u8(0..4) {
        0 => Type::List(Box::new(random_type(rng, depth + 1))),
        1 => Type::Set(Box::new(random_type(rng, depth + 1))),
        2 => Type::Map(Box::new(random_type(rng, depth + 1))),
        _ => {
            let mut attrs: BTreeMap<String, Type> = BTreeMap::new();
            for _ in 0..rng.usize(0..5) {
                attrs.insert(
                    format!("a{}_{}", rng.u8(..), random_string(rng).len()),
                    random_type(rng, depth + 1),
                );
            }
            Type::Object(attrs.into_iter().collect())
        }
    }
}

fn random_number(rng: &mut fastrand::Rng) -> f64 {
    match rng.u8(0..6) {
        0 => rng.i64(..) as f64,
        1 => rng.i32(..) as f64,
        2 => rng.u8(..) as f64,
        3 => rng.f64() * 1e6 - 5e5,
        4 => [0.0, -0.0, 1.5, u32::MAX as f64, -((1u64 << 53) as f64)][rng.usize(0..5)],
        _ => rng.u64(..) as f64,
    }
}

/// A value of type `ty`, with nulls and unknowns sprinkled in.
fn random_value(rng: &mut fastrand::Rng, ty: &Type) -> Value {
    match rng.u8(0..12) {
        0 => return Value::Null,
        1 => return Value::Unknown,
        _ => {}
    }
    match ty {
        Type::String => Value::String(random_string(rng)),
        Type::Number => Value::Number(random_number(rng)),
        Type::Bool => Value::Bool(rng.bool()),
        Type::List(t) | Type::Set(t) => {
            Value::List((0..rng.usize(0..4)).map(|_| random_value(rng, t)).collect())
        }
        Type::Map(t) => Value::Map(
            (0..rng.usize(0..4))
                .map(|_| (random_string(rng), random_value(rng, t)))
                .collect(),
        ),
        Type::Object(attrs) => Value::Map(
            attrs
                .iter()
                .map(|(k, t)| (k.clone(), random_value(rng, t)))
                .collect(),
        ),
    }
}

fn mutate(rng: &mut fastrand::Rng, bytes: &[u8], other: &[u8]) -> Vec<u8> {
    let mut v = bytes.to_vec();
    for _ in 0..rng.usize(1..4) {
        match rng.u8(0..6) {
            0 if !v.is_empty() => {
                let i = rng.usize(0..v.len());
                v[i] ^= 1 << rng.u8(0..8);
            }
            1 if !v.is_empty() => {
                let i = rng.usize(0..v.len());
                v[i] = rng.u8(..);
            }
            2 => {
                let i = rng.usize(0..=v.len());
                // Lengths and markers that claim a lot of data.
                let b =
                    [0xdc, 0xdd, 0xde, 0xdf, 0xdb, 0xc6, 0xd4, 0xc7, 0xff, 0x00][rng.usize(0..10)];
                v.insert(i, b);
            }
            3 if !v.is_empty() => {
                v.remove(rng.usize(0..v.len()));
            }
            4 => v.truncate(rng.usize(0..=v.len())),
            _ => {
                let i = rng.usize(0..=v.len());
                let j = rng.usize(0..=other.len());
                v.splice(i..i, other[j..].iter().copied());
            }
        }
    }
    v
}

#[test]
fn codec_round_trips_random_types_and_survives_their_mutations() {
    bounded("the codec loop", Duration::from_secs(240), || {
        let mut rng = fastrand::Rng::with_seed(0x5eed_c0de);
        let mut refused = 0usize;
        let mut prev = Vec::new();
        for case in 0..4_000 {
            let ty = random_type(&mut rng, 0);
            let v = random_value(&mut rng, &ty);
            let bytes = encode_msgpack(&v, &ty)
                .unwrap_or_else(|e| panic!("case {case}: encode {v:?}: {e:?}"));
            let back = decode_msgpack(&bytes, &ty)
                .unwrap_or_else(|e| panic!("case {case}: decode of our own encoding: {e:?}"));
            assert_eq!(back, v, "case {case}: round trip of {ty:?}");
            // Mutations, decoded against the same and against another type.
            let other_ty = random_type(&mut rng, 0);
            for _ in 0..10 {
                let m = mutate(&mut rng, &bytes, &prev);
                if decode_msgpack(&m, &ty).is_err() {
                    refused += 1;
                }
                let _ = decode_msgpack(&m, &other_ty);
                let _ = decode_json(&m, &ty);
            }
            prev = bytes;
        }
        assert!(refused > 10_000, "mutations are mostly refused ({refused})");
    });
}

fn random_json(rng: &mut fastrand::Rng, depth: u32) -> J {
    let leaf = depth >= 4 || rng.u8(0..3) == 0;
    if leaf {
        return match rng.u8(0..6) {
            0 => J::Null,
            1 => J::Bool(rng.bool()),
            2 => json!(rng.i64(..)),
            3 => json!(rng.f64() * 1e9),
            4 => J::String(format!("{}", rng.i32(..))),
            _ => J::String(random_string(rng)),
        };
    }
    if rng.bool() {
        J::Array(
            (0..rng.usize(0..4))
                .map(|_| random_json(rng, depth + 1))
                .collect(),
        )
    } else {
        J::Object(
            (0..rng.usize(0..4))
                .map(|_| {
                    let key = if rng.bool() {
                        format!("a{}_{}", rng.u8(..), rng.usize(0..12))
                    } else {
                        random_string(rng)
                    };
                    (key, random_json(rng, depth + 1))
                })
                .collect(),
        )
    }
}

#[test]
fn codec_json_decoder_takes_any_document_of_any_shape() {
    bounded("the JSON decoder loop", Duration::from_secs(240), || {
        let mut rng = fastrand::Rng::with_seed(0x0715_0a5e);
        for _ in 0..6_000 {
            let ty = random_type(&mut rng, 0);
            let doc = random_json(&mut rng, 0).to_string();
            let _ = decode_json(doc.as_bytes(), &ty);
            // And the same text cut short or with a byte changed.
            let mut b = doc.into_bytes();
            if !b.is_empty() {
                let i = rng.usize(0..b.len());
                if rng.bool() {
                    b.truncate(i);
                } else {
                    b[i] = rng.u8(..);
                }
            }
            let _ = decode_json(&b, &ty);
        }
        // Deep nesting must be refused, not overflow the stack.
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let ty = Type::List(Box::new(Type::String));
        assert!(decode_json(deep.as_bytes(), &ty).is_err());
    });
}

// ---------------------------------------------------------------------------
// UserSig verifier
// ---------------------------------------------------------------------------

const KEY: &str = "fuzz-secret-key-0123456789abcdef0123456789abcdef";
const APP: u64 = 1_400_000_123;
const WHO: &str = "administrator";
const T0: u64 = 1_700_000_000;

fn seal(doc: &[u8]) -> String {
    let mut z = ZlibEncoder::new(Vec::new(), Compression::default());
    z.write_all(doc).expect("in memory");
    STANDARD
        .encode(z.finish().expect("in memory"))
        .replace('+', "*")
        .replace('/', "-")
        .replace('=', "_")
}

fn open(sig: &str) -> J {
    let b64 = sig.replace('*', "+").replace('-', "/").replace('_', "=");
    let bytes = STANDARD.decode(b64).expect("our own UserSig is base64");
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::ZlibDecoder::new(&bytes[..]), &mut out)
        .expect("our own UserSig inflates");
    serde_json::from_slice(&out).expect("our own UserSig is JSON")
}

#[test]
fn usersig_mutations_never_verify_unless_the_signed_fields_are_intact() {
    bounded("the UserSig loop", Duration::from_secs(240), || {
        let mut rng = fastrand::Rng::with_seed(0xb0b_5e15);
        let good = generate(KEY, APP, WHO, T0, 86_400);
        let doc = open(&good);
        let now = T0 + 10;
        assert!(verify(&good, KEY, APP, WHO, now).is_ok());
        let fields = [
            "TLS.ver",
            "TLS.identifier",
            "TLS.sdkappid",
            "TLS.expire",
            "TLS.time",
            "TLS.sig",
        ];
        let mut verified_mutants = 0;
        for case in 0..5_000 {
            let mut m = doc.clone();
            let obj = m.as_object_mut().expect("an object");
            for _ in 0..rng.usize(1..3) {
                let f = fields[rng.usize(0..fields.len())];
                match rng.u8(0..5) {
                    0 => {
                        obj.remove(f);
                    }
                    1 => {
                        obj.insert(f.to_string(), random_json(&mut rng, 2));
                    }
                    2 => {
                        // A near miss of the same type.
                        let near = match &obj.get(f) {
                            Some(J::Number(n)) => json!(n.as_u64().unwrap_or(0).wrapping_add(1)),
                            Some(J::String(s)) => {
                                let mut chars: Vec<char> = s.chars().collect();
                                if chars.is_empty() || rng.bool() {
                                    chars.push(rng.alphanumeric());
                                } else {
                                    chars.remove(rng.usize(0..chars.len()));
                                }
                                J::String(chars.into_iter().collect())
                            }
                            _ => J::Null,
                        };
                        obj.insert(f.to_string(), near);
                    }
                    3 => {
                        // Huge or negative numbers, numbers as strings.
                        let v = [
                            json!(u64::MAX),
                            json!(-1),
                            json!(1e300),
                            json!("1400000123"),
                        ][rng.usize(0..4)]
                        .clone();
                        obj.insert(f.to_string(), v);
                    }
                    _ => {
                        obj.insert(random_string(&mut rng), random_json(&mut rng, 3));
                    }
                }
            }
            let sig = seal(m.to_string().as_bytes());
            let signed_intact = fields.iter().all(|f| m.get(*f) == doc.get(*f));
            let _ = inspect(&sig);
            match verify(&sig, KEY, APP, WHO, now) {
                Ok(info) => {
                    assert!(
                        signed_intact,
                        "case {case}: a UserSig with changed signed fields verified: {m}"
                    );
                    assert_eq!((info.sdkappid, info.identifier.as_str()), (APP, WHO));
                    verified_mutants += 1;
                }
                Err(_) => assert!(
                    !signed_intact,
                    "case {case}: extra fields alone must not break a UserSig: {m}"
                ),
            }
            // Container damage: the sealed text itself mutated.
            let mut raw = sig.into_bytes();
            let i = rng.usize(0..raw.len());
            raw[i] = b"*-_+/=A\0\xff"[rng.usize(0..9)];
            let text = String::from_utf8_lossy(&raw).into_owned();
            let _ = inspect(&text);
            let _ = verify(&text, KEY, APP, WHO, now);
        }
        assert!(
            verified_mutants > 0,
            "some mutants only added unsigned fields and still verified"
        );
    });
}

// ---------------------------------------------------------------------------
// The simulator's request handling, over real HTTP
// ---------------------------------------------------------------------------

const METHODS: [&str; 7] = ["POST", "GET", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];
const PATHS: [&str; 12] = [
    "/v4/openim_robot_http_svc/create_robot",
    "/v4/openim_robot_http_svc/get_all_robots",
    "/v4/openim_robot_http_svc/delete_robot",
    "/v4/profile/portrait_set",
    "/v4/profile/portrait_get",
    "/v4/openim_robot_http_svc/",
    "/v4/",
    "/v4/profile/portrait_get/extra",
    "/__sim/apps",
    "/__sim/counters",
    "/__sim/apps/1400000000/robots",
    "/",
];

fn random_query(rng: &mut fastrand::Rng, good_sig: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut push = |k: &str, v: String| parts.push(format!("{k}={v}"));
    if rng.u8(0..4) != 0 {
        let v = ["1400000000", "0", "-1", "abc", "99999999999999999999", ""][rng.usize(0..6)];
        push("sdkappid", v.to_string());
    }
    if rng.u8(0..4) != 0 {
        let v = ["administrator", "", "%00", "%ZZ", "a%20b", "%E2%82%AC"][rng.usize(0..6)];
        push("identifier", v.to_string());
    }
    if rng.u8(0..4) != 0 {
        let v = match rng.u8(0..4) {
            0 => good_sig.to_string(),
            1 => good_sig[..rng.usize(0..good_sig.len())].to_string(),
            2 => "x".repeat(rng.usize(0..20_000)),
            _ => random_string(rng)
                .bytes()
                .map(|b| format!("%{b:02X}"))
                .collect(),
        };
        push("usersig", v);
    }
    if rng.u8(0..4) != 0 {
        let v = ["1", "4294967296", "x", "-3", ""][rng.usize(0..5)];
        push("random", v.to_string());
    }
    if rng.u8(0..4) != 0 {
        let v = ["json", "xml", "JSON", ""][rng.usize(0..4)];
        push("contenttype", v.to_string());
    }
    for _ in 0..rng.usize(0..3) {
        let k: String = (0..rng.usize(0..6)).map(|_| rng.alphanumeric()).collect();
        push(&k, "%".to_string());
    }
    rng.shuffle(&mut parts);
    if rng.u8(0..10) == 0 {
        parts.push("&&==&".to_string());
    }
    parts.join("&")
}

fn random_body(rng: &mut fastrand::Rng) -> Vec<u8> {
    match rng.u8(0..7) {
        0 => Vec::new(),
        1 => (0..rng.usize(0..512)).map(|_| rng.u8(..)).collect(),
        2 => random_json(rng, 0).to_string().into_bytes(),
        3 => json!({"UserID": random_json(rng, 3), "Nick": random_json(rng, 3)})
            .to_string()
            .into_bytes(),
        4 => json!({
            "From_Account": random_string(rng),
            "ProfileItem": [{"Tag": random_string(rng), "Value": random_json(rng, 2)}],
            "To_Account": random_json(rng, 2),
            "TagList": random_json(rng, 2),
        })
        .to_string()
        .into_bytes(),
        5 => {
            // A JSON prefix that never ends, or very deep nesting.
            if rng.bool() {
                b"{\"UserID\":\"@RBT#".to_vec()
            } else {
                let n = rng.usize(1..5_000);
                format!("{}{}", "[".repeat(n), "]".repeat(n)).into_bytes()
            }
        }
        _ => json!({"UserID": format!("@RBT#fz{}", rng.u16(..))})
            .to_string()
            .into_bytes(),
    }
}

#[test]
fn simulator_answers_any_request_and_keeps_working() {
    bounded("the simulator loop", Duration::from_secs(300), || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async {
            let config = tencentchat::sim::SimConfig {
                calls_per_second: 100_000,
                ..Default::default()
            };
            let app = tencentchat::sim::App::demo();
            let sim = tencentchat::sim::start(config, "127.0.0.1:0".parse().unwrap())
                .await
                .expect("sim starts");
            let http = reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                .build()
                .expect("client");
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs();
            let sig = generate(&app.secret_key, app.sdkappid, "administrator", now, 3600);
            let mut rng = fastrand::Rng::with_seed(0x51_3a11);
            let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
            let mut codes: BTreeMap<i64, usize> = BTreeMap::new();
            for case in 0..1_500 {
                // Half the calls are well-formed up to the body, to reach its parsing.
                let proper = rng.bool();
                let method = if proper { "POST" } else { METHODS[rng.usize(0..METHODS.len())] };
                let mut path = PATHS[rng.usize(0..if proper { 5 } else { PATHS.len() })].to_string();
                if rng.u8(0..8) == 0 {
                    path.push_str(&format!("/%{:02x}{}", rng.u8(..), rng.alphanumeric()));
                }
                let query = if proper {
                    format!(
                        "sdkappid={}&identifier=administrator&usersig={sig}&random={}&contenttype=json",
                        app.sdkappid,
                        rng.u32(..)
                    )
                } else {
                    random_query(&mut rng, &sig)
                };
                let url = format!("{}{path}?{query}", sim.url);
                let body = random_body(&mut rng);
                let req = http
                    .request(method.parse().expect("method"), &url)
                    .header(
                        "content-type",
                        ["application/json", "text/plain", "x/y"][rng.usize(0..3)],
                    )
                    .body(body.clone());
                let resp = req.send().await.unwrap_or_else(|e| {
                    panic!("case {case}: {method} {path} got no answer: {e}")
                });
                let status = resp.status().as_u16();
                *statuses.entry(status).or_default() += 1;
                let text = resp.bytes().await.unwrap_or_else(|e| {
                    panic!("case {case}: {method} {path}: reading the answer: {e}")
                });
                assert!(
                    status < 500,
                    "case {case}: {method} {path}?{query} → HTTP {status}: {}",
                    String::from_utf8_lossy(&text)
                );
                // Every call under /v4/ is answered in the API's envelope.
                if path.starts_with("/v4/") && method != "HEAD" {
                    let env: J = serde_json::from_slice(&text).unwrap_or_else(|e| {
                        panic!("case {case}: {method} {path}: not JSON ({e}): {:?}", text)
                    });
                    assert!(
                        env["ActionStatus"] == "OK" || env["ActionStatus"] == "FAIL",
                        "case {case}: {env}"
                    );
                    assert!(env["ErrorCode"].is_i64(), "case {case}: {env}");
                    *codes.entry(env["ErrorCode"].as_i64().unwrap_or(-1)).or_default() += 1;
                }
            }
            // Still serving a proper call, and the inspection API still works.
            let q = format!(
                "sdkappid={}&identifier=administrator&usersig={sig}&random=7&contenttype=json",
                app.sdkappid
            );
            let ok: J = http
                .post(format!(
                    "{}/v4/openim_robot_http_svc/get_all_robots?{q}",
                    sim.url
                ))
                .body("{}")
                .send()
                .await
                .expect("sim reachable after fuzzing")
                .json()
                .await
                .expect("JSON");
            assert_eq!(ok["ActionStatus"], "OK", "{ok}");
            assert_eq!(ok["ErrorCode"], 0, "{ok}");
            let admin = tencentchat::sim::Admin::new(&sim.url);
            let robots = admin.robots(app.sdkappid).await.expect("admin API");
            assert!(
                ok.to_string().matches("@RBT#").count() >= robots.len(),
                "the API and the inspection API agree: {ok} vs {robots:?}"
            );
            eprintln!("simulator fuzz: HTTP statuses {statuses:?}, ErrorCodes {codes:?}");
            // The loop reached past the query checks into body parsing and the model.
            for code in [0, 60002, 60003] {
                assert!(codes.contains_key(&code), "no answer with ErrorCode {code}: {codes:?}");
            }
            sim.shutdown().await;
        });
    });
}

/// This process's virtual size now (VmSize), in bytes: reservations count even
/// when never touched.
fn vm_size() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmSize:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmSize");
    kib * 1024
}

/// Sets this process's soft limit of address space (`prlimit`, util-linux;
/// `None`: back to the hard limit). False when `prlimit` cannot be run.
fn limit_address_space(bytes: Option<u64>) -> bool {
    let soft = bytes.map_or("unlimited".to_string(), |b| b.to_string());
    std::process::Command::new("prlimit")
        .args([
            "--pid",
            &std::process::id().to_string(),
            &format!("--as={soft}:"),
        ])
        .status()
        .is_ok_and(|s| s.success())
}

const CODEC_CHILD_ENV: &str = "TENCENTCHAT_FUZZ_CODEC_CHILD";
const CODEC_TEST: &str = "codec_length_claims_cannot_reserve_more_than_the_message_pays_for";

/// Declared lengths are claims: nested array32s each claiming every byte that
/// follows once made the decoder reserve 32 bytes per claimed element at every
/// level (64 levels of a 1 MiB message: 2 GiB). Seeded random nestings of such
/// claims (arrays and maps, claimed lengths anywhere up to the bytes left) now
/// reserve a small multiple of the message's length at most, and decode or fail
/// cleanly.
///
/// Measured in a child process of its own (this test binary, running only this
/// test): before each decode its address space is limited to what it uses now
/// plus 100 bytes per input byte, so a reservation beyond that (even untouched)
/// fails the allocation and ends the child, and other tests cannot disturb it.
#[test]
fn codec_length_claims_cannot_reserve_more_than_the_message_pays_for() {
    if std::env::var_os(CODEC_CHILD_ENV).is_some() {
        return codec_claims_in_this_process();
    }
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg("exec \"$0\" \"$@\"")
        .arg(std::env::current_exe().expect("the test binary"))
        .args(["--exact", CODEC_TEST, "--nocapture", "--test-threads=1"])
        .env(CODEC_CHILD_ENV, "1")
        .output()
        .expect("running the child");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the child failed ({}):\n{stdout}\n{}",
        out.status,
        stderr
            .chars()
            .rev()
            .take(3000)
            .collect::<String>()
            .chars()
            .rev()
            .collect::<String>()
    );
    for line in stderr
        .lines()
        .filter(|l| l.starts_with("codec:") || l.starts_with("SKIP"))
    {
        eprintln!("{line}");
    }
}

fn common_skip(reason: &str) {
    eprintln!("SKIP: {CODEC_TEST}: {reason}");
}

fn codec_claims_in_this_process() {
    bounded("codec allocation", Duration::from_secs(120), || {
        let mut rng = fastrand::Rng::with_seed(0x19_19_19);
        let ty = Type::List(Box::new(Type::List(Box::new(Type::String))));
        for round in 0..24 {
            let len = if round == 0 {
                1 << 20
            } else {
                rng.usize(1_000..200_000)
            };
            let levels = if round == 0 { 64 } else { rng.usize(1..=64) };
            let mut bytes = Vec::with_capacity(len + 5 * levels);
            for _ in 0..levels {
                // The bytes after this header.
                let left = (len + 5 * levels - bytes.len() - 5) as u32;
                let claim = if round == 0 { left } else { rng.u32(0..=left) };
                bytes.push(if rng.bool() || round == 0 { 0xdd } else { 0xdf });
                bytes.extend_from_slice(&claim.to_be_bytes());
            }
            while bytes.len() < len + 5 * levels {
                bytes.push([0xc0, 0xa1, b'x', 0x01][rng.usize(0..4)]);
            }
            let allowed = 100 * bytes.len() as u64;
            if !limit_address_space(Some(vm_size() + allowed + (16 << 20))) {
                common_skip("prlimit (util-linux) cannot be run here");
                return;
            }
            // Beyond the allowance the allocation fails and the process ends.
            let _ = decode_msgpack(&bytes, &ty);
            assert!(limit_address_space(None), "restoring the limit");
            eprintln!("codec: round {round}: {levels} levels over {} bytes decoded within 100 bytes per input byte", bytes.len());
        }
    });
}
