//! End-to-end tests of UserSigs and the app's chatbot limit: the ephemeral
//! `tencentchat_usersig` (Terraform 1.10+) signing an aliased provider block,
//! pre-issued UserSigs (working; expired, malformed or made for another app or
//! admin refused before any API call; about to expire warned), and the plan-time
//! warning when a create meets an app that already has 20 chatbots.
//!
//! A real Terraform drives the real provider against the real simulator. Tests
//! needing a newer Terraform than the one in use print `SKIP: …` and return.

mod common;

use common::zip::read_zip;
use common::{assert_contains, assert_no_secret, delta, Sim, Terraform, Workspace};
use serde_json::json;
use std::time::{SystemTime, UNIX_EPOCH};
use tencentchat::chat::usersig;

const REQUIRED_PROVIDERS: &str = crate::required_providers!();

/// The validity the ephemeral UserSig is asked for: unlike anything else in the
/// run (the provider's own UserSigs last a day, the harness's an hour), so a
/// UserSig the simulator saw with this lifetime can only be the ephemeral one.
const EPHEMERAL_EXPIRE: u64 = 5_400;

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs()
}

/// Terraform 1.10 introduced ephemeral resources; older releases never see them.
fn ephemeral_capable(test: &str) -> Option<Terraform> {
    Terraform::for_test_at_least(test, 1, 10, "ephemeral resources")
}

/// The UserSigs the simulator saw that are not in `before`.
fn new_usersigs(sim: &Sim, before: &[String]) -> Vec<String> {
    sim.usersigs()
        .into_iter()
        .filter(|s| !before.contains(s))
        .collect()
}

#[test]
fn ephemeral_usersig_signs_an_aliased_provider_and_stays_out_of_plan_and_state() {
    const T: &str = "ephemeral_usersig_signs_an_aliased_provider_and_stays_out_of_plan_and_state";
    let Some(tf) = ephemeral_capable(T) else {
        return;
    };
    let sim = Sim::start();
    sim.create_out_of_band("@RBT#already_there", json!({"Nick": "Old"}));

    // The default provider has the secret key (from TENCENTCHAT_*); the aliased one
    // only gets the ephemeral UserSig. Everything that calls the API goes through
    // the aliased one.
    let hcl = format!(
        r#"{REQUIRED_PROVIDERS}
provider "tencentchat" {{}}

ephemeral "tencentchat_usersig" "admin" {{
  expire_seconds = {EPHEMERAL_EXPIRE}
}}

provider "tencentchat" {{
  alias   = "signed"
  usersig = ephemeral.tencentchat_usersig.admin.usersig
}}

resource "tencentchat_robot" "signed" {{
  provider = tencentchat.signed
  user_id  = "@RBT#signed"
  nick     = "Made with an ephemeral UserSig"
}}

data "tencentchat_robots" "after" {{
  provider   = tencentchat.signed
  depends_on = [tencentchat_robot.signed]
}}

output "listed" {{
  value = data.tencentchat_robots.after.user_ids
}}
"#
    );
    let mut ws = Workspace::new(&tf, &sim);
    let provider_log = ws.dir().join("provider.log");
    ws.set_env("TF_LOG_PROVIDER", "trace");
    ws.set_env("TF_LOG_PATH", &provider_log.to_string_lossy());
    ws.write_main(&hcl);
    ws.init();
    let before = sim.usersigs();
    let started = unix_now();

    let plan = ws
        .run(["plan", "-out=tfplan", "-no-color", "-input=false"])
        .expect_success();
    assert_contains(&plan.stdout, "1 to add, 0 to change, 0 to destroy", "plan");
    let apply = ws
        .run(["apply", "-no-color", "-input=false", "tfplan"])
        .expect_success();
    assert_eq!(sim.robot_ids(), ["@RBT#already_there", "@RBT#signed"]);
    assert_eq!(
        sim.robot("@RBT#signed").unwrap().nick(),
        Some("Made with an ephemeral UserSig")
    );
    // The aliased provider read the data source (after the create it depends on).
    assert_eq!(
        ws.output_json()["listed"],
        json!(["@RBT#already_there", "@RBT#signed"])
    );

    // Every API call of the run was signed with an ephemeral UserSig: made for the
    // admin of the demo app, valid for exactly expire_seconds, fresh.
    let seen = new_usersigs(&sim, &before);
    assert!(!seen.is_empty(), "the aliased provider made API calls");
    for sig in &seen {
        let info = usersig::verify(
            sig,
            common::DEMO_SECRET_KEY,
            common::DEMO_SDKAPPID,
            common::DEMO_ADMIN,
            unix_now(),
        )
        .expect("the simulator accepted it, so it verifies");
        assert_eq!(info.expire, EPHEMERAL_EXPIRE, "{info:?}");
        assert!(info.time + 5 >= started, "{info:?} made before the run");
    }

    // Nothing Terraform keeps holds it: the saved plan (raw and unzipped), its JSON
    // rendering, the state (raw and as JSON), the command output, the provider log.
    let plan_bytes = std::fs::read(ws.dir().join("tfplan")).expect("the saved plan");
    assert_no_secret("the saved plan file", &plan_bytes, &seen);
    let entries = read_zip(&plan_bytes);
    assert!(
        entries.iter().any(|e| e.name == "tfplan"),
        "the plan file holds a tfplan entry: {:?}",
        entries.iter().map(|e| &e.name).collect::<Vec<_>>()
    );
    for e in &entries {
        assert_no_secret(&format!("plan file entry {}", e.name), &e.data, &seen);
    }
    let show_plan = ws.run(["show", "-json", "tfplan"]).expect_success().stdout;
    assert_contains(&show_plan, "tencentchat_usersig", "show -json tfplan");
    assert_no_secret("the plan JSON", &show_plan, &seen);
    let state = ws.state_file();
    assert!(state.contains("@RBT#signed"), "{state}");
    assert_no_secret("the state file", &state, &seen);
    let show_state = ws.run(["show", "-json"]).expect_success().stdout;
    assert_no_secret("the state JSON", &show_state, &seen);
    for (what, run) in [("the plan output", &plan), ("the apply output", &apply)] {
        assert_no_secret(what, format!("{}{}", run.stdout, run.stderr), &seen);
    }
    let log = std::fs::read_to_string(&provider_log).expect("TF_LOG_PATH was written");
    assert!(
        log.contains("computed an ephemeral UserSig"),
        "the provider log covers the open"
    );
    assert_no_secret("the provider log", &log, &seen);
    assert!(!log.contains(common::DEMO_SECRET_KEY), "secret key in log");

    // Each run opens a fresh one; the configuration stays converged, and this
    // time the data source is read at plan time through the aliased provider.
    let again = ws.plan_detailed(&[]);
    assert_eq!(again.code, 0, "{}", again.transcript());
    assert_contains(
        &again.stdout,
        "data.tencentchat_robots.after: Read complete",
        "the second plan",
    );
    ws.destroy();
    assert_eq!(sim.robot_ids(), ["@RBT#already_there"]);
}

#[test]
fn ephemeral_usersig_needs_a_secret_key_and_checks_its_arguments() {
    const T: &str = "ephemeral_usersig_needs_a_secret_key_and_checks_its_arguments";
    let Some(tf) = ephemeral_capable(T) else {
        return;
    };
    let sim = Sim::start();
    let pre_issued = usersig::generate(
        common::DEMO_SECRET_KEY,
        common::DEMO_SDKAPPID,
        common::DEMO_ADMIN,
        unix_now(),
        86_400,
    );
    let mut ws = Workspace::new(&tf, &sim);
    ws.unset_env("TENCENTCHAT_SECRET_KEY");
    ws.set_env("TENCENTCHAT_USERSIG", &pre_issued);
    ws.write_main(&format!(
        r#"{REQUIRED_PROVIDERS}
provider "tencentchat" {{}}

ephemeral "tencentchat_usersig" "x" {{}}
"#
    ));
    ws.init();
    let run = ws.plan_failing();
    assert_contains(&run.stderr, "No secret key to sign with", "plan");
    assert_contains(&run.stderr, "pre-issued `usersig`", "plan");
    assert_contains(&run.stderr, "TENCENTCHAT_SECRET_KEY", "plan");
    assert_no_secret(
        "the plan output",
        format!("{}{}", run.stdout, run.stderr),
        &[pre_issued],
    );

    // Out-of-range arguments are caught by validate, pointing at the argument.
    ws.write_main(&format!(
        r#"{REQUIRED_PROVIDERS}
provider "tencentchat" {{}}

ephemeral "tencentchat_usersig" "x" {{
  expire_seconds = 15552001
}}
"#
    ));
    let run = ws.run(["validate", "-no-color"]);
    assert_ne!(run.code, 0, "{}", run.transcript());
    assert_contains(&run.stderr, "Invalid expire_seconds", "validate");
    assert_contains(&run.stderr, "from 1 to 15552000 (180 days)", "validate");
    assert_contains(&run.stderr, "expire_seconds = 15552001", "validate");

    let counters = sim.counters();
    assert!(
        counters.total.values().all(|&n| n == 0),
        "no API call was needed: {counters:?}"
    );
}

#[test]
fn pre_issued_usersig_is_used_as_is() {
    const T: &str = "pre_issued_usersig_is_used_as_is";
    let Some(tf) = Terraform::for_test(T) else {
        return;
    };
    let sim = Sim::start();
    let now = unix_now();
    let sig = usersig::generate(
        common::DEMO_SECRET_KEY,
        common::DEMO_SDKAPPID,
        common::DEMO_ADMIN,
        now,
        86_400,
    );
    let mut ws = Workspace::new(&tf, &sim);
    ws.unset_env("TENCENTCHAT_SECRET_KEY");
    ws.set_env("TENCENTCHAT_USERSIG", &sig);
    ws.write_main(&format!(
        r#"{REQUIRED_PROVIDERS}
provider "tencentchat" {{}}

resource "tencentchat_robot" "a" {{
  user_id = "@RBT#signed"
  nick    = "Signed"
}}
"#
    ));
    ws.init();
    ws.apply();
    assert_eq!(sim.robot_ids(), ["@RBT#signed"]);
    assert!(
        ws.state_file().contains("@RBT#signed") && !ws.state_file().contains(&sig),
        "the state holds the robot but not the UserSig"
    );
    assert_eq!(ws.plan_detailed(&[]).code, 0);
    ws.destroy();
    assert!(sim.robot_ids().is_empty());

    let seen = sim.usersigs();
    assert!(
        seen.len() == 1 && seen[0] == sig,
        "every request must carry the given UserSig unchanged ({} distinct seen)",
        seen.len()
    );
    assert!(
        !ws.state_file().contains(&sig),
        "the UserSig leaked into state"
    );
}

#[test]
fn pre_issued_usersig_works_and_its_expiry_is_reported_in_words() {
    const T: &str = "pre_issued_usersig_works_and_its_expiry_is_reported_in_words";
    let Some(tf) = Terraform::for_test(T) else {
        return;
    };
    let sim = Sim::start();
    sim.create_out_of_band("@RBT#listed", json!({}));
    let now = unix_now();
    let valid = usersig::generate(
        common::DEMO_SECRET_KEY,
        common::DEMO_SDKAPPID,
        common::DEMO_ADMIN,
        now,
        86_400,
    );
    // Made two days ago, valid for an hour.
    let made = now - 2 * 86_400;
    let expired = usersig::generate(
        common::DEMO_SECRET_KEY,
        common::DEMO_SDKAPPID,
        common::DEMO_ADMIN,
        made,
        3_600,
    );

    let mut ws = Workspace::new(&tf, &sim);
    ws.unset_env("TENCENTCHAT_SECRET_KEY");
    ws.set_env("TENCENTCHAT_USERSIG", &valid);
    ws.write_main(&format!(
        r#"{REQUIRED_PROVIDERS}
provider "tencentchat" {{}}

data "tencentchat_robots" "all" {{}}

output "listed" {{
  value = data.tencentchat_robots.all.user_ids
}}
"#
    ));
    ws.init();
    ws.apply();
    assert_eq!(ws.output_json()["listed"], json!(["@RBT#listed"]));

    // Every UserSig the API would refuse fails the plan before any call, in the
    // words (and with the ErrorCode) of the API's refusal.
    let other_app = usersig::generate(
        common::DEMO_SECRET_KEY,
        common::DEMO_SDKAPPID + 1,
        common::DEMO_ADMIN,
        now,
        86_400,
    );
    let other_admin = usersig::generate(
        common::DEMO_SECRET_KEY,
        common::DEMO_SDKAPPID,
        "ops",
        now,
        86_400,
    );
    let when = tencentchat::chat::time::rfc3339_seconds(made + 3_600);
    let other_app_words = format!(
        "was issued for sdkappid {}, not {}",
        common::DEMO_SDKAPPID + 1,
        common::DEMO_SDKAPPID
    );
    let cases: [(&str, &str, &[&str]); 4] = [
        (
            &expired,
            "ErrorCode 70001",
            &["pre-issued UserSig", "expired at", &when, "must be renewed"],
        ),
        (
            "eJyrVkrKL1KyUlDKTUxKLVbSUcpMUbIyNDIwMDUGAQBk5Qf8",
            "ErrorCode 70003",
            &["not a well-formed UserSig", "was copied whole"],
        ),
        (
            &other_app,
            "ErrorCode 70014",
            &[&other_app_words, "the UserSig was made for another app"],
        ),
        (
            &other_admin,
            "ErrorCode 70013",
            &[
                "was issued for identifier \"ops\", not \"administrator\"",
                "the UserSig was made for another identifier",
            ],
        ),
    ];
    for (sig, code, words) in cases {
        ws.set_env("TENCENTCHAT_USERSIG", sig);
        let before = sim.counters();
        let run = ws.plan_failing();
        let all = format!("{}{}", run.stdout, run.stderr);
        assert_contains(&all, "Unusable usersig", code);
        assert_contains(&all, code, code);
        assert_contains(&all, "no call was made", code);
        for w in words {
            assert_contains(&all, w, code);
        }
        assert_no_secret("the plan output", &all, &[valid.clone(), sig.to_string()]);
        let after = sim.counters();
        assert_eq!(before, after, "{code}: no API call at all");
    }

    // One that expires within the hour warns, and the plan goes on.
    let soon = usersig::generate(
        common::DEMO_SECRET_KEY,
        common::DEMO_SDKAPPID,
        common::DEMO_ADMIN,
        now - 3_000,
        3_600,
    );
    ws.set_env("TENCENTCHAT_USERSIG", &soon);
    let run = ws.plan_detailed(&[]);
    let all = format!("{}{}", run.stdout, run.stderr);
    assert_contains(
        &all,
        "usersig expires soon",
        "plan with a UserSig about to expire",
    );
    assert_contains(
        &all,
        "is never renewed",
        "plan with a UserSig about to expire",
    );
    assert_no_secret("the plan output", &all, &[valid, soon]);
}

#[test]
fn chatbot_limit_is_reported_in_words() {
    const T: &str = "chatbot_limit_is_reported_in_words";
    let hcl = format!(
        r#"{REQUIRED_PROVIDERS}
provider "tencentchat" {{}}

resource "tencentchat_robot" "many" {{
  count   = 21
  user_id = format("@RBT#many%02d", count.index)
}}
"#
    );
    let Some(tf) = Terraform::for_test(T) else {
        return;
    };
    let sim = Sim::start();
    let ws = Workspace::new(&tf, &sim);
    ws.write_main(&hcl);
    ws.init();
    let run = ws.apply_result();
    assert_ne!(
        run.code,
        0,
        "the 21st create must fail:\n{}",
        run.transcript()
    );
    assert_contains(&run.stderr, "20 chatbots", "the failed apply");
    assert_eq!(sim.robot_ids().len(), 20);

    // What was created is tracked; the next plan only wants the missing one and
    // warns that it cannot be created while the app is full.
    let plan = ws.plan_detailed(&[]);
    assert_eq!(plan.code, 2, "{}", plan.transcript());
    assert_contains(
        &plan.stdout,
        "1 to add, 0 to change, 0 to destroy",
        "the plan",
    );
    let all = format!("{}{}", plan.stdout, plan.stderr);
    assert_contains(&all, "Warning", "the plan of a create in a full app");
}

#[test]
fn a_create_in_a_full_app_warns_on_that_resource() {
    const T: &str = "a_create_in_a_full_app_warns_on_that_resource";
    let Some(tf) = Terraform::for_test(T) else {
        return;
    };
    let sim = Sim::start();
    for i in 0..20 {
        sim.create_out_of_band(&format!("@RBT#someone_else{i:02}"), json!({}));
    }
    let ws = Workspace::new(&tf, &sim);
    ws.write_main(&format!(
        r#"{REQUIRED_PROVIDERS}
provider "tencentchat" {{}}

resource "tencentchat_robot" "extra" {{
  user_id = "@RBT#one_too_many"
}}

data "tencentchat_robots" "all" {{}}

output "slots_left" {{
  value = data.tencentchat_robots.all.remaining
}}
"#
    ));
    ws.init();
    let before = sim.counters();
    let plan = ws.plan_detailed(&[]);
    assert_eq!(plan.code, 2, "{}", plan.transcript());
    let all = format!("{}{}", plan.stdout, plan.stderr);
    assert_contains(&all, "Warning: App 1400000000 is full", "the plan");
    assert_contains(&all, "with tencentchat_robot.extra", "the plan");
    assert_contains(
        &all,
        "App 1400000000 has 20 active chatbots, and Tencent Cloud Chat allows at most 20 in one app.",
        "the plan",
    );
    assert!(!all.contains("would have"), "no projected count: {all}");
    assert_contains(&all, "slots_left = 0", "the plan");
    assert_contains(&all, "1 to add, 0 to change, 0 to destroy", "the plan");
    let after = sim.counters();
    assert_eq!(delta(&before, &after, "create_robot"), 0);
}

#[test]
fn the_limit_warning_is_for_a_full_app_only() {
    const T: &str = "the_limit_warning_is_for_a_full_app_only";
    let Some(tf) = Terraform::for_test(T) else {
        return;
    };
    let sim = Sim::start();
    let ws = Workspace::new(&tf, &sim);
    // for_each over key => UserID, so a changed UserID replaces that instance.
    let bots = |ids: &[(String, String)]| {
        let pairs: Vec<String> = ids.iter().map(|(k, v)| format!("{k:?} = {v:?}")).collect();
        format!(
            "{REQUIRED_PROVIDERS}\nprovider \"tencentchat\" {{}}\n\n\
             resource \"tencentchat_robot\" \"r\" {{\n  for_each = {{ {} }}\n  \
             user_id  = each.value\n}}\n",
            pairs.join(", ")
        )
    };
    let warned = |run: &common::Run| {
        common::squash(&format!("{}{}", run.stdout, run.stderr))
            .matches("Warning: App 1400000000 is full")
            .count()
    };
    // 22 creates in an empty app: the app is not full as fetched, so no plan
    // warns (a tally of the creates planned so far would depend on the order
    // Terraform plans them in).
    let ids: Vec<(String, String)> = (0..22)
        .map(|i| (format!("b{i:02}"), format!("@RBT#b{i:02}")))
        .collect();
    ws.write_main(&bots(&ids));
    ws.init();
    let plan = ws.plan_detailed(&[]);
    assert_eq!(plan.code, 2, "{}", plan.transcript());
    assert_contains(
        &plan.stdout,
        "22 to add, 0 to change, 0 to destroy",
        "the plan",
    );
    assert_eq!(warned(&plan), 0, "{}", plan.transcript());

    // A full app of 20 whose plan replaces two of them (new UserIDs): each
    // create warns (Terraform folds the identical warnings), since it succeeds
    // only after a delete.
    ws.write_main(&bots(&ids[..20]));
    ws.apply();
    assert_eq!(sim.robot_ids().len(), 20);
    let mut renamed = ids[..20].to_vec();
    renamed[0].1 = "@RBT#c00".into();
    renamed[1].1 = "@RBT#c01".into();
    ws.write_main(&bots(&renamed));
    let plan = ws.plan_detailed(&[]);
    assert_eq!(plan.code, 2, "{}", plan.transcript());
    assert_contains(
        &plan.stdout,
        "2 to add, 0 to change, 2 to destroy",
        "the plan",
    );
    assert!(warned(&plan) >= 1, "{}", plan.transcript());
    assert_contains(&plan.transcript(), "has 20 active chatbots", "the plan");
    // Without create_before_destroy each delete runs before its create.
    ws.apply();
    assert_eq!(sim.robot_ids().len(), 20);
}
