//! The provider's log, end to end: a real Terraform with `TF_LOG_PROVIDER` and
//! `TF_LOG_PATH` drives the real provider against the simulator, which injects
//! an HTTP 502, a transient ErrorCode and a permanent one. At DEBUG every HTTP
//! attempt is followed by one line saying its endpoint, attempt, duration and
//! outcome, and every retry says its cause and delay; at WARN a clean run shows
//! nothing of the provider, and a call that failed for good shows its ErrorCode
//! at WARN and, since it fails the run, at ERROR. No secret in any of it.
//!
//! Terraform comes from `TF_ACC_TERRAFORM_PATH`, else `PATH` (scripts/test.sh
//! runs this file with both the Terraform on PATH and 1.0.3).

mod common;

use common::{assert_no_secret, Sim, Terraform, Workspace, DEMO_SECRET_KEY};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tencentchat::sim::Fault;

const CONFIG: &str = r#"terraform {
  required_providers {
    tencentchat = {
      source  = "tencentchat/tencentchat"
      version = "0.1.0"
    }
  }
}

provider "tencentchat" {}

resource "tencentchat_robot" "r" {
  user_id = "@RBT#logged"
  nick    = "Logged"
}
"#;

/// One line of Terraform's log that came from the provider: its level, message
/// and `key=value` fields, as Terraform re-writes the provider's hclog JSON.
#[derive(Debug)]
struct Line {
    level: String,
    message: String,
    fields: BTreeMap<String, String>,
    raw: String,
}

impl Line {
    fn field(&self, key: &str) -> &str {
        self.fields
            .get(key)
            .map(String::as_str)
            .unwrap_or_else(|| panic!("no {key} in {}", self.raw))
    }
}

/// Splits `k=v k="quoted \"v\"" …` (Go's hclog key/value rendering).
fn fields(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && b[i] == b' ' {
            i += 1;
        }
        let key_start = i;
        while i < b.len() && b[i] != b'=' && b[i] != b' ' {
            i += 1;
        }
        if i >= b.len() || b[i] != b'=' {
            continue;
        }
        let key = text[key_start..i].to_string();
        i += 1;
        let mut value = String::new();
        if i < b.len() && b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' && i + 1 < b.len() {
                    i += 1;
                }
                value.push(b[i] as char);
                i += 1;
            }
            i += 1;
        } else {
            let start = i;
            while i < b.len() && b[i] != b' ' {
                i += 1;
            }
            value = text[start..i].to_string();
        }
        out.insert(key, value);
    }
    out
}

/// The provider's lines in a `TF_LOG_PATH` file: Terraform writes them as
/// `<time> [LEVEL]  provider.terraform-provider-tencentchat_v…: <message>: k=v …`.
fn provider_lines(log: &str) -> Vec<Line> {
    log.lines()
        .filter_map(|raw| {
            let (_, rest) = raw.split_once(" [")?;
            let (level, rest) = rest.split_once(']')?;
            let rest = rest.trim_start();
            let rest = rest.strip_prefix("provider.terraform-provider-tencentchat")?;
            let (_, rest) = rest.split_once(": ")?;
            let (message, kv) = match rest.find(": @") {
                Some(at) => (&rest[..at], &rest[at + 2..]),
                None => rest.split_once(": ").unwrap_or((rest, "")),
            };
            Some(Line {
                level: level.to_string(),
                message: message.to_string(),
                fields: fields(kv),
                raw: raw.to_string(),
            })
        })
        .collect()
}

fn logged_workspace(tf: &Terraform, sim: &Sim, level: &str) -> (Workspace, PathBuf) {
    let mut ws = Workspace::new(tf, sim);
    let log = ws.dir().join(format!("terraform-{level}.log"));
    ws.set_env("TF_LOG_PROVIDER", level);
    ws.set_env("TF_LOG_PATH", &log.to_string_lossy());
    ws.write_main(CONFIG);
    (ws, log)
}

fn read_log(path: &Path, secrets: &[String]) -> Vec<Line> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    assert_no_secret("the provider's log", &text, secrets);
    provider_lines(&text)
}

fn secrets(sim: &Sim) -> Vec<String> {
    let mut s = sim.usersigs();
    s.push(DEMO_SECRET_KEY.to_string());
    s
}

#[test]
fn debug_lines_say_what_each_attempt_did_and_why_it_was_retried() {
    const T: &str = "debug_lines_say_what_each_attempt_did_and_why_it_was_retried";
    let Some(tf) = Terraform::for_test(T) else {
        return;
    };
    let sim = Sim::start();
    let (ws, log) = logged_workspace(&tf, &sim, "DEBUG");
    ws.init();
    // The first get_all_robots answers ErrorCode 10002 and the first
    // create_robot an HTTP 502; both are retried. (The simulator spends every
    // matching fault on one call, so each endpoint gets one.)
    for fault in [
        Fault {
            error_code: Some(10002),
            count: Some(1),
            ..Fault::on("get_all_robots")
        },
        Fault {
            http_status: Some(502),
            count: Some(1),
            ..Fault::on("create_robot")
        },
    ] {
        sim.block_on(sim.admin().add_fault(&fault))
            .expect("installing a fault");
    }
    ws.apply();
    let lines = read_log(&log, &secrets(&sim));

    // One "attempt finished" line per HTTP request the simulator saw.
    let attempts: Vec<&Line> = lines
        .iter()
        .filter(|l| l.message == "Chat API attempt finished")
        .collect();
    let counters = sim.counters();
    for (endpoint, seen) in &counters.total {
        let logged = attempts
            .iter()
            .filter(|l| l.field("endpoint") == endpoint)
            .count() as u64;
        assert_eq!(logged, *seen, "{endpoint}: attempts logged vs calls seen");
    }
    for l in &attempts {
        assert_eq!(l.level, "DEBUG", "{}", l.raw);
        assert_eq!(l.field("@module"), "chat", "{}", l.raw);
        l.field("duration_ms")
            .parse::<u64>()
            .unwrap_or_else(|_| panic!("duration_ms is a whole number: {}", l.raw));
    }
    let outcomes = |endpoint: &str| -> Vec<(String, String)> {
        attempts
            .iter()
            .filter(|l| l.field("endpoint") == endpoint)
            .map(|l| {
                (
                    l.field("attempt").to_string(),
                    l.field("outcome").to_string(),
                )
            })
            .collect()
    };
    let creates = outcomes("create_robot");
    assert_eq!(
        creates,
        [("1".into(), "HTTP 502".into()), ("2".into(), "OK".into())],
        "{attempts:#?}"
    );
    let lists = outcomes("get_all_robots");
    assert!(
        lists[0].0 == "1" && lists[0].1.starts_with("ErrorCode 10002"),
        "the first list's outcome: {lists:?}"
    );
    assert_eq!(lists[1], ("2".into(), "OK".into()), "{lists:?}");

    // Each retry names its cause and delay.
    let retries: Vec<&Line> = lines
        .iter()
        .filter(|l| l.message == "retrying the Chat API call")
        .collect();
    assert_eq!(retries.len(), 2, "{lines:#?}");
    let cause = |endpoint: &str| {
        let r = retries
            .iter()
            .find(|r| r.field("endpoint") == endpoint)
            .unwrap_or_else(|| panic!("no retry of {endpoint}: {retries:#?}"));
        let delay: u64 = r.field("delay_ms").parse().expect("delay_ms");
        assert!((125..=250).contains(&delay), "the first backoff: {}", r.raw);
        assert_eq!(r.field("attempt"), "1", "{}", r.raw);
        r.field("cause").to_string()
    };
    assert_eq!(cause("create_robot"), "HTTP 502");
    assert!(cause("get_all_robots").starts_with("ErrorCode 10002"));
    // The old line before each call is gone: one line per attempt, after it.
    assert!(
        !lines.iter().any(|l| l.message == "calling the Chat API"),
        "{lines:#?}"
    );
}

#[test]
fn warn_shows_only_the_call_that_failed_for_good() {
    const T: &str = "warn_shows_only_the_call_that_failed_for_good";
    let Some(tf) = Terraform::for_test(T) else {
        return;
    };
    let sim = Sim::start();
    let (ws, log) = logged_workspace(&tf, &sim, "WARN");
    ws.init();
    // A clean plan: nothing of the provider at WARN.
    ws.plan_detailed(&[]);
    let lines = read_log(&log, &secrets(&sim));
    assert!(
        lines.is_empty(),
        "a clean plan logs nothing at WARN: {lines:#?}"
    );

    // A transient ErrorCode on the list (retried: nothing at WARN), a
    // permanent one on create_robot (WARN, then ERROR as it fails the apply).
    for fault in [
        Fault {
            error_code: Some(10002),
            count: Some(1),
            ..Fault::on("get_all_robots")
        },
        Fault {
            error_code: Some(40001),
            count: Some(1),
            ..Fault::on("create_robot")
        },
    ] {
        sim.block_on(sim.admin().add_fault(&fault))
            .expect("installing a fault");
    }
    let run = ws.apply_result();
    assert_ne!(run.code, 0, "{}", run.transcript());
    let lines = read_log(&log, &secrets(&sim));
    assert!(
        lines
            .iter()
            .all(|l| l.level == "WARN" || l.level == "ERROR"),
        "only WARN and ERROR at TF_LOG_PROVIDER=WARN: {lines:#?}"
    );
    let failed: Vec<&Line> = lines
        .iter()
        .filter(|l| l.message == "Chat API call failed")
        .collect();
    assert_eq!(failed.len(), 1, "{lines:#?}");
    let f = failed[0];
    assert_eq!(f.level, "WARN", "{}", f.raw);
    assert_eq!(f.field("endpoint"), "create_robot");
    assert_eq!(f.field("error_code"), "40001");
    assert_eq!(f.field("attempts"), "1", "a permanent code is not retried");
    assert!(f.field("error").contains("ErrorCode 40001"), "{}", f.raw);
    // The run fails on it: an ERROR line says so, with the code.
    let errors: Vec<&Line> = lines.iter().filter(|l| l.level == "ERROR").collect();
    assert!(
        errors
            .iter()
            .any(|l| l.field("detail").contains("ErrorCode 40001")),
        "{lines:#?}"
    );
    assert!(
        errors.iter().all(|l| l.message == "rpc returned an error"),
        "{errors:#?}"
    );
}
