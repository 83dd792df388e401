//! End-to-end tests of the provider-defined functions (Terraform 1.8+):
//! `provider::tencentchat::usersig_claims` and `provider::tencentchat::robot_user_id`
//! in outputs and `check` blocks, with the expected claims taken from Tencent's
//! official vectors (`testdata/usersig-vectors.json`) and the dates computed by
//! `date -u`, not by our code.
//!
//! The workspaces have no `TENCENTCHAT_*` settings and no provider block, and no
//! simulator runs: Terraform calls functions on an unconfigured provider, so this
//! also proves they never depend on settings. Terraform 1.0.3 skips with the reason.

mod common;

use common::{assert_contains, squash, Terraform, Workspace};
use serde_json::{json, Value};
use std::time::{SystemTime, UNIX_EPOCH};

const REQUIRED_PROVIDERS: &str = r#"terraform {
  required_providers {
    tencentchat = {
      source = "tencentchat/tencentchat"
    }
  }
}
"#;

fn functions_capable(test: &str) -> Option<Terraform> {
    Terraform::for_test_at_least(test, 1, 8, "provider-defined functions")
}

/// The official vectors: (official_usersig, identifier, sdkappid, time, expire).
fn vectors() -> Vec<(String, String, u64, u64, u64)> {
    let text = std::fs::read_to_string(common::repo_root().join("testdata/usersig-vectors.json"))
        .expect("reading testdata/usersig-vectors.json");
    let doc: Value = serde_json::from_str(&text).expect("vectors are JSON");
    let cases = doc["cases"].as_array().expect("cases");
    assert!(cases.len() >= 3, "{} vectors", cases.len());
    cases
        .iter()
        .map(|c| {
            (
                c["official_usersig"].as_str().expect("usersig").to_string(),
                c["identifier"].as_str().expect("identifier").to_string(),
                c["sdkappid"].as_u64().expect("sdkappid"),
                c["time"].as_u64().expect("time"),
                c["expire"].as_u64().expect("expire"),
            )
        })
        .collect()
}

/// A unix time as RFC 3339 UTC, by GNU `date`: an independent implementation.
fn date_utc(unix: u64) -> String {
    let out = std::process::Command::new("date")
        .args(["-u", "-d", &format!("@{unix}"), "+%Y-%m-%dT%H:%M:%SZ"])
        .output()
        .expect("running date");
    assert!(out.status.success(), "date -u -d @{unix} failed");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

const CONFIG: &str = r#"
variable "usersigs" {
  type      = list(string)
  sensitive = true
}

variable "fresh_usersig" {
  type      = string
  sensitive = true
}

variable "names" {
  type = list(string)
}

resource "terraform_data" "later" {
  input = "later"
}

output "claims" {
  value     = [for s in var.usersigs : provider::tencentchat::usersig_claims(s)]
  sensitive = true
}

output "user_ids" {
  value = { for n in var.names : n => provider::tencentchat::robot_user_id(n) }
}

# Known only after apply: the function's result is unknown at plan time.
output "later" {
  value = provider::tencentchat::robot_user_id(terraform_data.later.output)
}

check "fresh_usersig" {
  assert {
    condition     = timecmp(provider::tencentchat::usersig_claims(var.fresh_usersig).expires_at, plantimestamp()) > 0
    error_message = "The fresh UserSig has expired."
  }
}

check "official_usersig" {
  assert {
    condition     = timecmp(provider::tencentchat::usersig_claims(var.usersigs[0]).expires_at, plantimestamp()) > 0
    error_message = "The official vector's UserSig has expired."
  }
}

check "user_ids" {
  assert {
    condition     = provider::tencentchat::robot_user_id(var.names[0]) == "@RBT#${var.names[0]}"
    error_message = "robot_user_id does not prefix @RBT#."
  }
}

check "later" {
  assert {
    condition     = provider::tencentchat::robot_user_id(terraform_data.later.output) == "@RBT#later"
    error_message = "robot_user_id of an applied value is wrong."
  }
}
"#;

#[test]
fn functions_in_outputs_and_checks_match_the_official_vectors() {
    const T: &str = "functions_in_outputs_and_checks_match_the_official_vectors";
    let Some(tf) = functions_capable(T) else {
        return;
    };
    let vectors = vectors();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let fresh = tencentchat::chat::usersig::generate("any-key", 1_400_000_000, "ops", now, 3600);
    let names = ["helpdesk", "a b~", &"x".repeat(27)];

    let mut ws = Workspace::bare(&tf);
    ws.write_file("versions.tf", REQUIRED_PROVIDERS);
    ws.write_main(CONFIG);
    let vars = json!({
        "usersigs": vectors.iter().map(|v| v.0.clone()).collect::<Vec<_>>(),
        "fresh_usersig": fresh,
        "names": names,
    });
    ws.write_file("terraform.tfvars.json", &vars.to_string());
    ws.init();

    // Plan: the unknown argument gives an unknown result; the checks are judged.
    // Traced, to show that no UserSig reaches a log (ours or Terraform's).
    let log = ws.dir().join("trace.log");
    ws.set_env("TF_LOG", "trace");
    ws.set_env("TF_LOG_PATH", &log.to_string_lossy());
    ws.run(["plan", "-no-color", "-input=false", "-out=tfplan"])
        .expect_success();
    ws.unset_env("TF_LOG");
    ws.unset_env("TF_LOG_PATH");
    let trace = std::fs::read_to_string(&log).expect("the trace log");
    assert!(trace.contains("CallFunction"), "no provider call traced");
    let secrets: Vec<String> = vectors
        .iter()
        .map(|v| v.0.clone())
        .chain([fresh.clone()])
        .collect();
    common::assert_no_secret("the TF_LOG=trace log", &trace, &secrets);
    let show = ws.run(["show", "-json", "tfplan"]).expect_success();
    let plan: Value = serde_json::from_str(&show.stdout).expect("show -json is JSON");
    let later = &plan["output_changes"]["later"];
    assert_eq!(later["after_unknown"], json!(true), "{later}");
    assert_eq!(
        plan["output_changes"]["user_ids"]["after"]["helpdesk"],
        "@RBT#helpdesk"
    );
    let status = |name: &str| {
        plan["checks"]
            .as_array()
            .expect("checks in the plan")
            .iter()
            .find(|c| c["address"]["name"] == name)
            .map(|c| c["status"].clone())
            .unwrap_or_else(|| panic!("no check {name} in {}", plan["checks"]))
    };
    assert_eq!(status("fresh_usersig"), "pass");
    assert_eq!(status("official_usersig"), "fail");
    assert_eq!(status("user_ids"), "pass");
    assert_eq!(status("later"), "unknown");

    let apply = ws
        .run(["apply", "-no-color", "-input=false", "tfplan"])
        .expect_success();
    // A failed check is a warning, with its message; passing ones say nothing.
    assert_contains(
        &apply.stdout,
        "The official vector's UserSig has expired.",
        "apply",
    );
    let text = squash(&apply.stdout);
    for quiet in [
        "The fresh UserSig has expired.",
        "robot_user_id does not prefix",
        "robot_user_id of an applied value is wrong",
    ] {
        assert!(!text.contains(quiet), "{quiet:?} in:\n{}", apply.stdout);
    }

    let out = ws.output_json();
    let claims = out["claims"].as_array().expect("claims list");
    assert_eq!(claims.len(), vectors.len());
    for (c, (_, identifier, sdkappid, time, expire)) in claims.iter().zip(&vectors) {
        assert_eq!(
            c,
            &json!({
                "identifier": identifier,
                "sdkappid": sdkappid,
                "issued_at": date_utc(*time),
                "expires_at": date_utc(time + expire),
                "expire_seconds": expire,
            }),
        );
    }
    for n in names {
        assert_eq!(out["user_ids"][n], format!("@RBT#{n}"), "{out}");
    }
    assert_eq!(out["later"], "@RBT#later");
}

#[test]
fn function_errors_name_the_argument_and_never_echo_a_usersig() {
    const T: &str = "function_errors_name_the_argument_and_never_echo_a_usersig";
    let Some(tf) = functions_capable(T) else {
        return;
    };
    let vectors = vectors();
    // A real UserSig cut short: malformed, and still secret-looking.
    let truncated = &vectors[0].0[..vectors[0].0.len() - 8];
    let ws = Workspace::bare(&tf);
    ws.write_file("versions.tf", REQUIRED_PROVIDERS);
    ws.write_main(
        r#"
variable "usersig" {
  type      = string
  sensitive = true
}

variable "names" {
  type = list(string)
}

variable "missing" {
  type    = string
  default = null
}

output "claims" {
  value     = provider::tencentchat::usersig_claims(var.usersig)
  sensitive = true
}

output "user_ids" {
  value = [for n in var.names : provider::tencentchat::robot_user_id(n)]
}

output "null_name" {
  value = provider::tencentchat::robot_user_id(var.missing)
}
"#,
    );
    let vars = json!({
        "usersig": truncated,
        "names": ["", "caf\u{e9}", "y".repeat(28), "@RBT#billing", "@rbt#sales"],
    });
    ws.write_file("terraform.tfvars.json", &vars.to_string());
    ws.init();
    let plan = ws.plan_failing();
    let all = format!("{}\n{}", plan.stdout, plan.stderr);
    let text = squash(&all);
    // Each error names the parameter (argument 1 of its function) and the rule.
    for needle in [
        "while calling provider::tencentchat::usersig_claims(usersig)",
        "Invalid value for \"usersig\" parameter: the UserSig could not be parsed",
        "Invalid value for \"name\" parameter: \"@RBT#\" + name is not a valid chatbot UserID",
        "needs at least one character after \"@RBT#\"",
        "may only contain printable ASCII characters",
        "is at most 32 bytes long; this one has 33",
        "Invalid value for \"name\" parameter: the name must not start with \"@RBT#\" (in any case): the function adds it, so this would give \"@RBT#@RBT#billing\". Pass the part after it (\"billing\"), or use the UserID \"@RBT#billing\" as it is.",
        "this would give \"@RBT#@rbt#sales\". Pass the part after it (\"sales\"), or use the UserID \"@RBT#sales\" (the prefix is upper case).",
        // Terraform's own check: parameters refuse null.
        "Invalid value for \"name\" parameter: argument must not be null",
    ] {
        assert_contains(&all, needle, "plan");
    }
    assert_eq!(
        text.matches("Error: Invalid function argument").count(),
        7,
        "{all}"
    );
    // The UserSig is in no error: the provider's text never holds it, and
    // Terraform does not show a sensitive variable (as users should declare one
    // holding a UserSig).
    assert!(
        !text.contains(truncated),
        "the malformed UserSig was echoed:\n{all}"
    );
}
