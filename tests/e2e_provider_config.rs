//! End-to-end tests of the provider's settings. A bad or missing setting fails the
//! plan with an error naming the attribute and its environment variable, before
//! any API call. Settings that are unknown at plan time because
//! they come from another resource's output (issue 3): the provider must not
//! crash, must not call the API with half a configuration, must plan from prior
//! state, and must do the work at apply time once the values are known.
//!
//! The unknown values come from Terraform's built-in `terraform_data` (1.4+), so
//! no other provider is needed; older Terraform prints `SKIP: …`.

mod common;

use common::{assert_contains, delta, Sim, Terraform, Workspace, DEMO_SDKAPPID, ENDPOINTS};
use tencentchat::sim::Counters;

const REQUIRED_PROVIDERS: &str = crate::required_providers!();

/// `terraform_data` arrived in Terraform 1.4.
fn terraform_data_capable(test: &str) -> Option<Terraform> {
    Terraform::for_test_at_least(test, 1, 4, "the built-in terraform_data")
}

/// A workspace whose provider gets its SDKAppID and secret key from the
/// environment but neither endpoint nor identifier: those come only from the
/// configuration, so a working call proves the late values were used.
fn workspace(tf: &Terraform) -> Workspace {
    let mut ws = Workspace::bare(tf);
    ws.set_env("TENCENTCHAT_SDKAPPID", &DEMO_SDKAPPID.to_string());
    ws.set_env("TENCENTCHAT_SECRET_KEY", common::DEMO_SECRET_KEY);
    ws
}

/// `terraform_data.late` (whose `output` is unknown until it is applied, and
/// again whenever `generation` changes) and the `tencentchat.late` provider
/// alias whose `endpoint` and `identifier` come from it.
fn late_provider(sim: &Sim, generation: u32) -> String {
    format!(
        r#"{REQUIRED_PROVIDERS}
resource "terraform_data" "late" {{
  input = {{
    endpoint   = {endpoint}
    identifier = "administrator"
  }}
  triggers_replace = {generation}
}}

provider "tencentchat" {{
  alias      = "late"
  endpoint   = terraform_data.late.output.endpoint
  identifier = terraform_data.late.output.identifier
}}
"#,
        endpoint = common::hcl_string(sim.url()),
    )
}

fn robot_block(nick: &str) -> String {
    format!(
        r#"
resource "tencentchat_robot" "late" {{
  provider = tencentchat.late
  user_id  = "@RBT#late"
  nick     = {}
}}
"#,
        common::hcl_string(nick)
    )
}

/// Asserts the provider neither crashed nor panicked during `run`.
fn assert_no_crash(run: &common::Run) {
    let all = format!("{}\n{}", run.stdout, run.stderr);
    for needle in ["plugin crashed", "panic", "Plugin did not respond"] {
        assert!(
            !all.contains(needle),
            "{needle:?} in the output:\n{}",
            run.transcript()
        );
    }
}

/// Asserts that no Chat API call at all reached the simulator between two reads.
fn assert_no_api_calls(before: &Counters, after: &Counters, what: &str) {
    for endpoint in ENDPOINTS.iter().copied() {
        assert_eq!(
            delta(before, after, endpoint),
            0,
            "{what} called {endpoint}, with the provider configuration still unknown"
        );
    }
}

#[test]
fn provider_setting_errors_name_the_attribute_and_its_environment_variable() {
    const T: &str = "provider_setting_errors_name_the_attribute_and_its_environment_variable";
    let Some(tf) = Terraform::for_test(T) else {
        return;
    };
    let sim = Sim::start();
    let mut ws = Workspace::new(&tf, &sim);
    ws.write_main(&format!(
        r#"{REQUIRED_PROVIDERS}
provider "tencentchat" {{}}

resource "tencentchat_robot" "a" {{
  user_id = "@RBT#settings"
}}
"#
    ));
    ws.init();

    // No SDKAppID in the block or the environment.
    ws.unset_env("TENCENTCHAT_SDKAPPID");
    let run = ws.plan_failing();
    assert_contains(&run.stderr, "sdkappid", "plan without an SDKAppID");
    assert_contains(
        &run.stderr,
        "TENCENTCHAT_SDKAPPID",
        "plan without an SDKAppID",
    );

    // An out-of-range value from the environment.
    ws.set_env("TENCENTCHAT_SDKAPPID", &common::DEMO_SDKAPPID.to_string());
    ws.set_env("TENCENTCHAT_MAX_RETRIES", "99");
    let run = ws.plan_failing();
    assert_contains(&run.stderr, "max_retries", "plan with max_retries 99");
    assert_contains(
        &run.stderr,
        "TENCENTCHAT_MAX_RETRIES",
        "plan with max_retries 99",
    );

    // Both credentials at once.
    ws.unset_env("TENCENTCHAT_MAX_RETRIES");
    ws.set_env("TENCENTCHAT_USERSIG", "not-a-real-usersig");
    let run = ws.plan_failing();
    assert_contains(&run.stderr, "secret_key", "plan with two credentials");
    assert_contains(&run.stderr, "usersig", "plan with two credentials");
    for (what, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        assert!(
            !text.contains(common::DEMO_SECRET_KEY) && !text.contains("not-a-real-usersig"),
            "a credential was echoed on {what}"
        );
    }

    let counters = sim.counters();
    assert!(
        counters.total.values().all(|&n| n == 0),
        "a misconfigured provider made API calls: {counters:?}"
    );
}

#[test]
fn unknown_provider_settings_are_planned_from_state_and_applied_once_known() {
    const T: &str = "unknown_provider_settings_are_planned_from_state_and_applied_once_known";
    let Some(tf) = terraform_data_capable(T) else {
        return;
    };
    let sim = Sim::start();
    let ws = workspace(&tf);

    // 1. Nothing exists yet: endpoint and identifier are unknown at plan time.
    ws.write_main(&format!(
        "{}{}",
        late_provider(&sim, 1),
        robot_block("Late")
    ));
    ws.init();
    let before = sim.counters();
    let plan = ws.plan_detailed(&[]);
    assert_no_crash(&plan);
    assert_eq!(plan.code, 2, "expected changes:\n{}", plan.transcript());
    assert_contains(
        &plan.stdout,
        "tencentchat_robot.late will be created",
        "plan",
    );
    assert_contains(&plan.stdout, "2 to add, 0 to change, 0 to destroy", "plan");
    assert_no_api_calls(&before, &sim.counters(), "the first plan");
    assert!(sim.robots().is_empty(), "a plan created something");

    // Apply: terraform_data first, then the provider is configured with the known
    // values and creates the chatbot.
    let apply = ws.apply();
    assert_no_crash(&apply);
    let made = sim.robot("@RBT#late").expect("the chatbot was created");
    assert_eq!(made.nick(), Some("Late"));
    let counters = sim.counters();
    assert_eq!(delta(&before, &counters, "create_robot"), 1);

    // Now everything is known: a clean plan (and it reads through the late values).
    let clean = ws.plan_detailed(&[]);
    assert_no_crash(&clean);
    assert_eq!(
        clean.code,
        0,
        "expected no changes:\n{}",
        clean.transcript()
    );
    assert!(
        delta(&counters, &sim.counters(), "get_all_robots") >= 1,
        "the clean plan did not refresh through the late settings"
    );

    // 2. A chatbot in state, and the settings unknown again (terraform_data is
    // replaced). Someone edits the nick in the console meanwhile: the refresh
    // cannot see that without a configured provider, so it keeps the prior state
    // (the plan shows "Late" -> "Later", not "Edited" -> "Later") and calls nothing.
    sim.edit_out_of_band("@RBT#late", serde_json::json!({"nick": "Edited"}));
    ws.write_main(&format!(
        "{}{}",
        late_provider(&sim, 2),
        robot_block("Later")
    ));
    let before = sim.counters();
    let plan = ws.plan_detailed(&[]);
    assert_no_crash(&plan);
    assert_eq!(plan.code, 2, "expected changes:\n{}", plan.transcript());
    assert_contains(&plan.stdout, "terraform_data.late must be replaced", "plan");
    assert_contains(
        &plan.stdout,
        "tencentchat_robot.late will be updated in-place",
        "plan",
    );
    assert_contains(&plan.stdout, r#"~ nick = "Late" -> "Later""#, "plan");
    assert_contains(&plan.stdout, "1 to add, 1 to change, 1 to destroy", "plan");
    assert_no_api_calls(&before, &sim.counters(), "the plan with unknown settings");
    assert_eq!(
        sim.robot("@RBT#late").expect("still there").nick(),
        Some("Edited"),
        "a plan changed the chatbot"
    );

    let apply = ws.apply();
    assert_no_crash(&apply);
    assert_eq!(
        sim.robot("@RBT#late").expect("still there").nick(),
        Some("Later")
    );
    assert_eq!(ws.plan_detailed(&[]).code, 0, "plan after the update");

    ws.destroy();
    assert!(
        sim.robots().is_empty(),
        "destroy left {:?}",
        sim.robot_ids()
    );
}

#[test]
fn data_source_on_an_unknown_provider_alias() {
    const T: &str = "data_source_on_an_unknown_provider_alias";
    let Some(tf) = terraform_data_capable(T) else {
        return;
    };
    let sim = Sim::start();
    sim.create_out_of_band("@RBT#present", serde_json::json!({"Nick": "Here"}));
    let ws = workspace(&tf);

    // Without depends_on, Terraform reads a data source whose own arguments are
    // known during plan, even though its provider's settings are not; a data
    // source's result must be wholly known, so the provider can only refuse,
    // clearly, naming the unknown settings and the way out.
    ws.write_main(&format!(
        r#"{}
data "tencentchat_robots" "all" {{
  provider = tencentchat.late
}}

output "ids" {{
  value = [for r in data.tencentchat_robots.all.robots : r.user_id]
}}
"#,
        late_provider(&sim, 1)
    ));
    ws.init();
    let before = sim.counters();
    let plan = ws.plan_failing();
    assert_no_crash(&plan);
    assert_contains(&plan.stderr, "Provider configuration not known yet", "plan");
    assert_contains(
        &plan.stderr,
        "Cannot list chatbots: the provider block's `identifier`, `endpoint` are not known yet",
        "plan",
    );
    assert_contains(&plan.stderr, "terraform apply -target=", "plan");
    assert_no_api_calls(&before, &sim.counters(), "the failed plan");

    // Following that advice works: apply the dependency, then everything.
    ws.run([
        "apply",
        "-auto-approve",
        "-no-color",
        "-input=false",
        "-target=terraform_data.late",
    ])
    .expect_success();
    ws.apply();
    assert_eq!(ws.output_json()["ids"], serde_json::json!(["@RBT#present"]));

    // With depends_on on the resource that makes the settings unknown, Terraform
    // itself defers the read to apply time, and one apply does it all.
    let sim2 = Sim::start();
    sim2.create_out_of_band("@RBT#elsewhere", serde_json::json!({}));
    let ws2 = workspace(&tf);
    ws2.write_main(&format!(
        r#"{}
data "tencentchat_robots" "all" {{
  provider   = tencentchat.late
  depends_on = [terraform_data.late]
}}

output "ids" {{
  value = [for r in data.tencentchat_robots.all.robots : r.user_id]
}}
"#,
        late_provider(&sim2, 1)
    ));
    ws2.init();
    let before = sim2.counters();
    let plan = ws2.plan_detailed(&[]);
    assert_no_crash(&plan);
    assert_eq!(plan.code, 2, "expected changes:\n{}", plan.transcript());
    assert_no_api_calls(&before, &sim2.counters(), "the deferred plan");
    let apply = ws2.apply();
    assert_no_crash(&apply);
    assert_eq!(
        ws2.output_json()["ids"],
        serde_json::json!(["@RBT#elsewhere"])
    );
    assert!(
        delta(&before, &sim2.counters(), "get_all_robots") >= 1,
        "the deferred read never reached the API"
    );
}

/// Runs on every Terraform version: `timestamp()` is unknown during every plan
/// and known at apply, so this alias's `identifier` is never known when Terraform
/// plans or refreshes. Creating still works (at apply), and with the chatbot in
/// state every later plan keeps the prior state without calling the API: clean,
/// not a crash and not a spurious re-create.
#[test]
fn settings_unknown_at_every_plan_still_create_and_keep_state() {
    const T: &str = "settings_unknown_at_every_plan_still_create_and_keep_state";
    let Some(tf) = Terraform::for_test(T) else {
        return;
    };
    let sim = Sim::start();
    let ws = workspace(&tf);
    ws.write_main(&format!(
        r#"{REQUIRED_PROVIDERS}
provider "tencentchat" {{
  alias      = "late"
  endpoint   = {endpoint}
  identifier = timestamp() != "" ? "administrator" : "nobody"
}}
{robot}"#,
        endpoint = common::hcl_string(sim.url()),
        robot = robot_block("Late")
    ));
    ws.init();

    let before = sim.counters();
    let plan = ws.plan_detailed(&[]);
    assert_no_crash(&plan);
    assert_eq!(plan.code, 2, "expected changes:\n{}", plan.transcript());
    assert_contains(
        &plan.stdout,
        "tencentchat_robot.late will be created",
        "plan",
    );
    assert_no_api_calls(&before, &sim.counters(), "the plan");

    let apply = ws.apply();
    assert_no_crash(&apply);
    assert_eq!(
        sim.robot("@RBT#late")
            .expect("the chatbot was created")
            .nick(),
        Some("Late")
    );

    let before = sim.counters();
    let plan = ws.plan_detailed(&[]);
    assert_no_crash(&plan);
    assert_eq!(plan.code, 0, "expected no changes:\n{}", plan.transcript());
    assert_no_api_calls(&before, &sim.counters(), "the refresh");

    ws.destroy();
    assert!(
        sim.robots().is_empty(),
        "destroy left {:?}",
        sim.robot_ids()
    );
}

/// Terraform 1.10+: the ephemeral `tencentchat_usersig` on an alias whose
/// settings are unknown at plan time answers an unknown UserSig then, which
/// flows into a second alias's `usersig` (unknown too); at apply everything is
/// known and the chatbot is created through the UserSig-only alias.
#[test]
fn ephemeral_usersig_on_an_unknown_alias_feeds_another_alias() {
    const T: &str = "ephemeral_usersig_on_an_unknown_alias_feeds_another_alias";
    let Some(tf) = Terraform::for_test_at_least(T, 1, 10, "ephemeral resources") else {
        return;
    };
    let sim = Sim::start();
    let ws = workspace(&tf);
    ws.write_main(&format!(
        r#"{late}
ephemeral "tencentchat_usersig" "admin" {{
  provider = tencentchat.late
}}

provider "tencentchat" {{
  alias    = "signed"
  endpoint = {endpoint}
  usersig  = ephemeral.tencentchat_usersig.admin.usersig
}}

resource "tencentchat_robot" "signed" {{
  provider = tencentchat.signed
  user_id  = "@RBT#signed_late"
}}
"#,
        late = late_provider(&sim, 1),
        endpoint = common::hcl_string(sim.url()),
    ));
    ws.init();
    let before = sim.counters();
    let plan = ws.plan_detailed(&[]);
    assert_no_crash(&plan);
    assert_eq!(plan.code, 2, "expected changes:\n{}", plan.transcript());
    assert_contains(
        &plan.stdout,
        "tencentchat_robot.signed will be created",
        "plan",
    );
    assert_no_api_calls(&before, &sim.counters(), "the plan");

    let apply = ws.apply();
    assert_no_crash(&apply);
    assert!(
        sim.robot("@RBT#signed_late").is_some(),
        "the chatbot was not created"
    );
    assert_eq!(ws.plan_detailed(&[]).code, 0, "plan after apply");
    ws.destroy();
    assert!(
        sim.robots().is_empty(),
        "destroy left {:?}",
        sim.robot_ids()
    );
}
