//! End-to-end tests of a `tencentchat_robot`'s life: create, no-op, update,
//! replace and destroy; drift (deleted or edited out of band); `terraform import`
//! and import blocks; the `tencentchat_robot` and `tencentchat_robots` data
//! sources; a bad `user_id` refused at plan without API calls; the API calls a
//! refresh costs; secrets kept out of output, trace logs and state; and the
//! harness's own simulator calls.
//!
//! A real Terraform drives the real provider binary against the
//! real simulator. Each test starts its own simulator and workspace, so tests run
//! in parallel. Terraform comes from `TF_ACC_TERRAFORM_PATH`, else `PATH`; without
//! one, each test prints `SKIP: …` and returns (scripts/test.sh makes sure one
//! exists). Features newer than the Terraform in use are skipped the same way.

mod common;

use common::{assert_contains, delta, Sim, Terraform, Workspace, ENDPOINTS};
use serde_json::json;
use tencentchat::sim::Counters;

/// The `terraform {}` and `provider {}` blocks every configuration starts with;
/// the provider takes its settings from `TENCENTCHAT_*` (see `Workspace::new`).
const HEADER: &str = crate::required_providers!(
    r#"
provider "tencentchat" {}
"#
);

/// A `tencentchat_robot` block. `attrs` are (name, HCL expression) pairs.
fn robot(name: &str, user_id: &str, attrs: &[(&str, &str)]) -> String {
    let mut s = format!(
        "\nresource \"tencentchat_robot\" \"{name}\" {{\n  user_id = {}\n",
        common::hcl_string(user_id)
    );
    for (k, v) in attrs {
        s.push_str(&format!("  {k} = {}\n", common::hcl_string(v)));
    }
    s.push_str("}\n");
    s
}

fn config(blocks: &[String]) -> String {
    let mut s = HEADER.to_string();
    for b in blocks {
        s.push_str(b);
    }
    s
}

/// Starts a simulator and an initialised workspace holding `hcl`, or `None` when
/// no Terraform is available (after printing why).
fn setup(test: &str, hcl: &str) -> Option<(Terraform, Sim, Workspace)> {
    let tf = Terraform::for_test(test)?;
    let sim = Sim::start();
    let ws = Workspace::new(&tf, &sim);
    ws.write_main(hcl);
    ws.init();
    Some((tf, sim, ws))
}

/// Asserts that nothing was created, deleted or edited between two counter reads.
fn assert_no_api_changes(before: &Counters, after: &Counters, what: &str) {
    for ep in ["create_robot", "delete_robot", "portrait_set"] {
        assert_eq!(
            delta(before, after, ep),
            0,
            "{what} must not call {ep} (counters before {before:?}, after {after:?})"
        );
    }
}

#[test]
fn lifecycle_create_noop_update_replace_destroy() {
    const T: &str = "lifecycle_create_noop_update_replace_destroy";
    let v1 = config(&[
        robot(
            "a",
            "@RBT#alpha",
            &[
                ("nick", "Alpha"),
                ("face_url", "https://example.com/alpha.png"),
            ],
        ),
        robot(
            "b",
            "@RBT#beta",
            &[("nick", "Beta"), ("self_signature", "I answer questions")],
        ),
        robot("c", "@RBT#gamma", &[]),
    ]);
    let Some((_tf, sim, ws)) = setup(T, &v1) else {
        return;
    };

    // Create three robots.
    let run = ws.apply();
    assert_contains(&run.stdout, "3 added", "the first apply");
    let mut ids = sim.robot_ids();
    ids.sort();
    assert_eq!(ids, ["@RBT#alpha", "@RBT#beta", "@RBT#gamma"]);
    let alpha = sim.robot("@RBT#alpha").unwrap();
    assert_eq!(alpha.nick(), Some("Alpha"));
    assert_eq!(alpha.face_url(), Some("https://example.com/alpha.png"));
    assert!(alpha.self_signature().is_none(), "{alpha:?}");
    let beta = sim.robot("@RBT#beta").unwrap();
    assert_eq!(beta.self_signature(), Some("I answer questions"));
    let gamma = sim.robot("@RBT#gamma").unwrap();
    assert!(gamma.nick().is_none(), "{gamma:?}");

    let shown = ws.state_show("tencentchat_robot.a");
    assert_contains(&shown, "\"@RBT#alpha\"", "state show");
    assert_contains(&shown, "\"Alpha\"", "state show");

    // A second plan is empty.
    let plan = ws.plan_detailed(&[]);
    assert_eq!(plan.code, 0, "expected no changes:\n{}", plan.transcript());
    assert_contains(&plan.stdout, "No changes", "the second plan");

    // Change a nick and drop a face_url: one in-place update, one portrait_set.
    let v2 = config(&[
        robot("a", "@RBT#alpha", &[("nick", "Alpha 2")]),
        robot(
            "b",
            "@RBT#beta",
            &[("nick", "Beta"), ("self_signature", "I answer questions")],
        ),
        robot("c", "@RBT#gamma", &[]),
    ]);
    ws.write_main(&v2);
    let plan = ws.plan_detailed(&[]);
    assert_eq!(plan.code, 2, "{}", plan.transcript());
    assert_contains(
        &plan.stdout,
        "tencentchat_robot.a will be updated in-place",
        "the update plan",
    );
    assert_contains(&plan.stdout, "\"Alpha\" -> \"Alpha 2\"", "the update plan");
    assert_contains(
        &plan.stdout,
        "\"https://example.com/alpha.png\" -> null",
        "the update plan",
    );
    assert_contains(
        &plan.stdout,
        "0 to add, 1 to change, 0 to destroy",
        "the update plan",
    );
    let before = sim.counters();
    ws.apply();
    let after = sim.counters();
    assert_eq!(delta(&before, &after, "portrait_set"), 1, "{after:?}");
    assert_eq!(delta(&before, &after, "create_robot"), 0, "{after:?}");
    assert_eq!(delta(&before, &after, "delete_robot"), 0, "{after:?}");
    let alpha = sim.robot("@RBT#alpha").unwrap();
    assert_eq!(alpha.nick(), Some("Alpha 2"));
    assert!(
        alpha.face_url().is_none(),
        "face_url was cleared: {alpha:?}"
    );
    assert_eq!(ws.plan_detailed(&[]).code, 0);

    // Changing user_id replaces the robot.
    let v3 = config(&[
        robot("a", "@RBT#alpha", &[("nick", "Alpha 2")]),
        robot(
            "b",
            "@RBT#beta",
            &[("nick", "Beta"), ("self_signature", "I answer questions")],
        ),
        robot("c", "@RBT#gamma2", &[]),
    ]);
    ws.write_main(&v3);
    let plan = ws.plan_detailed(&[]);
    assert_eq!(plan.code, 2, "{}", plan.transcript());
    assert_contains(
        &plan.stdout,
        "tencentchat_robot.c must be replaced",
        "the replace plan",
    );
    assert_contains(&plan.stdout, "forces replacement", "the replace plan");
    assert_contains(
        &plan.stdout,
        "1 to add, 0 to change, 1 to destroy",
        "the replace plan",
    );
    ws.apply();
    let mut ids = sim.robot_ids();
    ids.sort();
    assert_eq!(ids, ["@RBT#alpha", "@RBT#beta", "@RBT#gamma2"]);
    assert_eq!(ws.plan_detailed(&[]).code, 0);

    // Destroy leaves no active chatbot.
    let before = sim.counters();
    let run = ws.destroy();
    assert_contains(&run.stdout, "3 destroyed", "destroy");
    let after = sim.counters();
    assert_eq!(delta(&before, &after, "delete_robot"), 3, "{after:?}");
    assert!(
        sim.robot_ids().is_empty(),
        "robots left: {:?}",
        sim.robot_ids()
    );
}

#[test]
fn out_of_band_deletion_is_planned_as_a_create() {
    const T: &str = "out_of_band_deletion_is_planned_as_a_create";
    let hcl = config(&[
        robot("a", "@RBT#keep", &[("nick", "Keep")]),
        robot("b", "@RBT#lost", &[("nick", "Lost")]),
    ]);
    let Some((_tf, sim, ws)) = setup(T, &hcl) else {
        return;
    };
    ws.apply();
    sim.delete_out_of_band("@RBT#lost");
    assert_eq!(sim.robot_ids(), ["@RBT#keep"]);

    let plan = ws.plan_detailed(&[]);
    assert_eq!(plan.code, 2, "{}", plan.transcript());
    assert_contains(
        &plan.stdout,
        "tencentchat_robot.b will be created",
        "the plan",
    );
    assert!(
        !plan.stdout.contains("tencentchat_robot.a will be"),
        "the untouched robot must not change:\n{}",
        plan.stdout
    );
    assert_contains(
        &plan.stdout,
        "1 to add, 0 to change, 0 to destroy",
        "the plan",
    );

    ws.apply();
    let lost = sim.robot("@RBT#lost").expect("recreated");
    assert_eq!(lost.nick(), Some("Lost"));
    assert_eq!(ws.plan_detailed(&[]).code, 0);
}

#[test]
fn out_of_band_profile_edit_shows_as_drift() {
    const T: &str = "out_of_band_profile_edit_shows_as_drift";
    let hcl = config(&[robot("a", "@RBT#drift", &[("nick", "Configured")])]);
    let Some((_tf, sim, ws)) = setup(T, &hcl) else {
        return;
    };
    ws.apply();
    sim.edit_out_of_band(
        "@RBT#drift",
        json!({"nick": "Edited by hand", "self_signature": "added by hand"}),
    );

    let plan = ws.plan_detailed(&[]);
    assert_eq!(plan.code, 2, "{}", plan.transcript());
    assert_contains(
        &plan.stdout,
        "tencentchat_robot.a will be updated in-place",
        "the drift plan",
    );
    assert_contains(
        &plan.stdout,
        "\"Edited by hand\" -> \"Configured\"",
        "the drift plan",
    );
    assert_contains(&plan.stdout, "\"added by hand\" -> null", "the drift plan");

    ws.apply();
    let r = sim.robot("@RBT#drift").unwrap();
    assert_eq!(r.nick(), Some("Configured"));
    assert!(r.self_signature().is_none(), "{r:?}");
    assert_eq!(ws.plan_detailed(&[]).code, 0);
}

#[test]
fn terraform_import_adopts_a_robot_created_out_of_band() {
    const T: &str = "terraform_import_adopts_a_robot_created_out_of_band";
    let Some(tf) = Terraform::for_test(T) else {
        return;
    };
    let sim = Sim::start();
    sim.create_out_of_band(
        "@RBT#legacy",
        json!({"Nick": "Legacy", "FaceUrl": "https://example.com/legacy.png"}),
    );
    let ws = Workspace::new(&tf, &sim);
    let managed = robot(
        "legacy",
        "@RBT#legacy",
        &[
            ("nick", "Legacy"),
            ("face_url", "https://example.com/legacy.png"),
        ],
    );
    ws.write_main(&config(std::slice::from_ref(&managed)));
    ws.init();
    let before = sim.counters();

    let run = ws.import("tencentchat_robot.legacy", "@RBT#legacy");
    assert_contains(&run.stdout, "Import successful", "import");
    let shown = ws.state_show("tencentchat_robot.legacy");
    assert_contains(&shown, "\"Legacy\"", "state show after import");
    assert_contains(&shown, "\"https://example.com/legacy.png\"", "state show");
    let plan = ws.plan_detailed(&[]);
    assert_eq!(
        plan.code,
        0,
        "imported robot must plan clean:\n{}",
        plan.transcript()
    );

    // Importing an id that is not an active chatbot fails clearly.
    ws.write_main(&config(&[
        managed.clone(),
        robot("ghost", "@RBT#ghost", &[]),
    ]));
    let run = ws.run([
        "import",
        "-no-color",
        "-input=false",
        "tencentchat_robot.ghost",
        "@RBT#ghost",
    ]);
    assert_ne!(run.code, 0, "{}", run.transcript());
    assert_contains(
        &run.stderr,
        "no active chatbot",
        "import of an absent robot",
    );

    // So does an id that is not a chatbot UserID at all.
    let run = ws.run([
        "import",
        "-no-color",
        "-input=false",
        "tencentchat_robot.ghost",
        "ghost",
    ]);
    assert_ne!(run.code, 0, "{}", run.transcript());
    assert_contains(&run.stderr, "@RBT#", "import of an invalid id");

    let after = sim.counters();
    assert_no_api_changes(&before, &after, "import");
    assert_eq!(sim.robot_ids(), ["@RBT#legacy"]);
}

#[test]
fn import_block_with_generated_config() {
    const T: &str = "import_block_with_generated_config";
    let Some(tf) = Terraform::for_test_at_least(T, 1, 5, "import blocks and -generate-config-out")
    else {
        return;
    };
    let sim = Sim::start();
    sim.create_out_of_band(
        "@RBT#found",
        json!({"Nick": "Found", "SelfSignature": "hello"}),
    );
    let ws = Workspace::new(&tf, &sim);
    ws.write_main(&format!(
        "{HEADER}\nimport {{\n  to = tencentchat_robot.found\n  id = \"@RBT#found\"\n}}\n"
    ));
    ws.init();
    let before = sim.counters();

    let plan = ws.plan_detailed(&["-generate-config-out=generated.tf"]);
    assert_contains(&plan.stdout, "1 to import", "the import plan");
    let generated = ws.read_file("generated.tf");
    assert_contains(
        &generated,
        "resource \"tencentchat_robot\" \"found\"",
        "generated.tf",
    );
    assert_contains(&generated, "\"@RBT#found\"", "generated.tf");
    assert_contains(&generated, "\"Found\"", "generated.tf");
    assert_contains(&generated, "\"hello\"", "generated.tf");
    ws.validate();

    let run = ws.apply();
    assert_contains(&run.stdout, "1 imported", "the import apply");
    let plan = ws.plan_detailed(&[]);
    assert_eq!(plan.code, 0, "{}", plan.transcript());
    let after = sim.counters();
    assert_no_api_changes(&before, &after, "an import block");
    let shown = ws.state_show("tencentchat_robot.found");
    assert_contains(&shown, "\"Found\"", "state show");
}

#[test]
fn data_source_lists_robots_in_api_order_with_prefix_filter() {
    const T: &str = "data_source_lists_robots_in_api_order_with_prefix_filter";
    let Some(tf) = Terraform::for_test(T) else {
        return;
    };
    let sim = Sim::start();
    // Created in an order that is not alphabetical.
    for (id, nick) in [
        ("@RBT#team_a_2", "A two"),
        ("@RBT#team_b_1", "B one"),
        ("@RBT#team_a_1", "A one"),
    ] {
        sim.create_out_of_band(id, json!({ "Nick": nick }));
    }
    let api_order = sim.robot_ids();
    assert_eq!(api_order.len(), 3);

    let ws = Workspace::new(&tf, &sim);
    ws.write_main(&format!(
        r#"{HEADER}
data "tencentchat_robots" "all" {{}}

data "tencentchat_robots" "team_a" {{
  prefix = "@RBT#team_a"
}}

output "all_ids" {{
  value = data.tencentchat_robots.all.user_ids
}}

output "all_robots" {{
  value = data.tencentchat_robots.all.robots
}}

output "team_a_ids" {{
  value = data.tencentchat_robots.team_a.user_ids
}}

output "team_a_nicks" {{
  value = [for r in data.tencentchat_robots.team_a.robots : r.nick]
}}

output "limit" {{
  value = data.tencentchat_robots.all.limit
}}

output "remaining" {{
  value = data.tencentchat_robots.team_a.remaining
}}

output "ids" {{
  value = [data.tencentchat_robots.all.id, data.tencentchat_robots.team_a.id]
}}
"#
    ));
    ws.init();
    let before = sim.counters();
    ws.apply();
    let after = sim.counters();
    assert_no_api_changes(&before, &after, "reading the data source");

    let out = ws.output_json();
    assert_eq!(out["all_ids"], json!(api_order), "{out}");
    let team_a: Vec<&String> = api_order
        .iter()
        .filter(|id| id.starts_with("@RBT#team_a"))
        .collect();
    assert_eq!(out["team_a_ids"], json!(team_a), "{out}");

    let robots = out["all_robots"].as_array().expect("robots is a list");
    assert_eq!(robots.len(), 3, "{out}");
    for r in robots {
        let id = r["user_id"].as_str().unwrap();
        let sim_robot = sim.robot(id).unwrap();
        assert_eq!(r["nick"].as_str(), sim_robot.nick(), "nick of {id}: {out}");
        assert!(r["face_url"].is_null(), "{out}");
        assert!(r["self_signature"].is_null(), "{out}");
    }
    let expected_nicks: Vec<&str> = team_a
        .iter()
        .map(|id| if id.ends_with('1') { "A one" } else { "A two" })
        .collect();
    assert_eq!(out["team_a_nicks"], json!(expected_nicks), "{out}");
    assert_eq!(out["limit"], json!(20), "{out}");
    // `remaining` counts every active robot of the app, whatever the prefix.
    assert_eq!(out["remaining"], json!(17), "{out}");
    let ids = out["ids"].as_array().unwrap();
    assert!(
        ids.iter()
            .all(|id| id.as_str().unwrap().contains("1400000000")),
        "data source ids name the app: {out}"
    );
    assert_ne!(ids[0], ids[1], "a prefix makes a different id: {out}");
}

#[test]
fn invalid_user_id_is_rejected_at_plan_without_api_calls() {
    const T: &str = "invalid_user_id_is_rejected_at_plan_without_api_calls";
    let hcl = config(&[
        robot("no_prefix", "assistant-01", &[("nick", "No prefix")]),
        robot("only_prefix", "@RBT#", &[]),
        robot(
            "too_long",
            "@RBT#this-user-id-is-far-too-long-for-chat",
            &[],
        ),
    ]);
    let Some((_tf, sim, ws)) = setup(T, &hcl) else {
        return;
    };

    let run = ws.run(["validate", "-no-color"]);
    assert_ne!(run.code, 0, "validate must fail:\n{}", run.transcript());
    assert_contains(&run.stderr, "user_id", "validate");
    assert_contains(&run.stderr, "@RBT#", "validate");

    let run = ws.plan_failing();
    assert_contains(&run.stderr, "user_id", "plan");
    assert_contains(&run.stderr, "@RBT#", "plan");
    for name in ["no_prefix", "only_prefix", "too_long"] {
        assert_contains(
            &run.stderr,
            &format!("resource \"tencentchat_robot\" \"{name}\""),
            "plan (every invalid block is pointed at)",
        );
    }

    let counters = sim.counters();
    for ep in ENDPOINTS.iter().copied() {
        assert_eq!(
            counters.total.get(ep).copied().unwrap_or(0),
            0,
            "no API call may happen for an invalid configuration: {counters:?}"
        );
    }
    assert!(sim.robot_ids().is_empty());
}

#[test]
fn refresh_costs_one_list_and_batched_profile_reads() {
    const T: &str = "refresh_costs_one_list_and_batched_profile_reads";
    const N: usize = 12;
    let hcl = format!(
        r#"{HEADER}
resource "tencentchat_robot" "bulk" {{
  count   = {N}
  user_id = format("@RBT#bulk%02d", count.index)
  nick    = "Bulk ${{count.index}}"
}}
"#
    );
    let Some((_tf, sim, ws)) = setup(T, &hcl) else {
        return;
    };
    ws.apply();
    assert_eq!(sim.robot_ids().len(), N);

    // ceil(N / 100) profile batches.
    let batches = N.div_ceil(100) as u64;
    for extra in [&["-refresh-only"][..], &[][..]] {
        let before = sim.counters();
        let plan = ws.plan_detailed(extra);
        assert_eq!(plan.code, 0, "{}", plan.transcript());
        let after = sim.counters();
        let what = format!("plan {extra:?} of {N} robots");
        assert_eq!(
            delta(&before, &after, "get_all_robots"),
            1,
            "{what}: one get_all_robots (before {before:?}, after {after:?})"
        );
        assert_eq!(
            delta(&before, &after, "portrait_get"),
            batches,
            "{what}: profile reads batched by 100 (before {before:?}, after {after:?})"
        );
        assert_no_api_changes(&before, &after, &what);
    }
}

#[test]
fn secrets_never_reach_output_logs_or_state() {
    const T: &str = "secrets_never_reach_output_logs_or_state";
    let hcl = config(&[robot("a", "@RBT#secret_test", &[("nick", "Quiet")])]);
    let Some((_tf, sim, mut ws)) = setup(T, &hcl) else {
        return;
    };
    let log_path = ws.dir().join("terraform-trace.log");
    ws.set_env("TF_LOG", "trace");
    ws.set_env("TF_LOG_PATH", &log_path.to_string_lossy());
    let apply = ws.apply();
    let plan = ws.plan_detailed(&[]);
    assert_eq!(plan.code, 0, "{}", plan.transcript());

    let mut secrets = sim.usersigs();
    assert!(!secrets.is_empty(), "the provider signed its requests");
    secrets.push(common::DEMO_SECRET_KEY.to_string());
    let log = std::fs::read_to_string(&log_path).expect("TF_LOG_PATH was written");
    assert!(
        log.contains("terraform-provider-tencentchat"),
        "the trace log covers the provider"
    );
    let haystacks = [
        ("apply output", format!("{}{}", apply.stdout, apply.stderr)),
        ("plan output", format!("{}{}", plan.stdout, plan.stderr)),
        ("trace log", log),
        ("state", ws.state_file()),
    ];
    for (what, text) in &haystacks {
        common::assert_no_secret(&format!("the {what}"), text, &secrets);
    }
}

/// The harness itself against the simulator (no Terraform needed): if the sim's
/// contract drifts, this fails with a clearer message than the scenarios above.
#[test]
fn harness_drives_the_simulator() {
    let sim = Sim::start();
    assert!(sim.url().starts_with("http://127.0.0.1:"), "{}", sim.url());
    assert!(sim.robot_ids().is_empty());

    sim.create_out_of_band("@RBT#first", json!({"Nick": "First"}));
    sim.create_out_of_band("@RBT#second", json!({}));
    assert_eq!(sim.robot_ids(), ["@RBT#first", "@RBT#second"]);
    let first = sim.robot("@RBT#first").unwrap();
    assert_eq!(first.nick(), Some("First"));
    assert!(first.face_url().is_none(), "{first:?}");

    sim.edit_out_of_band("@RBT#second", json!({"self_signature": "edited"}));
    let second = sim.robot("@RBT#second").unwrap();
    assert_eq!(second.self_signature(), Some("edited"));

    sim.delete_out_of_band("@RBT#first");
    assert_eq!(sim.robot_ids(), ["@RBT#second"]);

    let counters = sim.counters();
    assert_eq!(counters.total.get("create_robot"), Some(&2), "{counters:?}");
    // Admin edits and deletes are out of band: not Chat API calls.
    assert_eq!(counters.total.get("delete_robot"), Some(&0), "{counters:?}");
    assert_eq!(sim.usersigs().len(), 1, "one signature for both calls");
    // The signed Chat API call the harness makes works on its own, too.
    let reply = sim.chat_call("openim_robot_http_svc/get_all_robots", &json!({}));
    assert_eq!(reply["ActionStatus"], "OK", "{reply}");
    assert_eq!(reply["Robot_Account"], json!(["@RBT#second"]), "{reply}");
}

#[test]
fn data_source_reads_one_chatbot_by_user_id() {
    const T: &str = "data_source_reads_one_chatbot_by_user_id";
    let hcl = format!(
        r#"{HEADER}
data "tencentchat_robot" "made_elsewhere" {{
  user_id = "@RBT#elsewhere"
}}

output "nick" {{
  value = data.tencentchat_robot.made_elsewhere.nick
}}

output "face_url" {{
  value = data.tencentchat_robot.made_elsewhere.face_url
}}
"#
    );
    let Some((_tf, sim, ws)) = setup(T, &hcl) else {
        return;
    };
    sim.create_out_of_band("@RBT#elsewhere", json!({"Nick": "Made by a script"}));
    let before = sim.counters();
    ws.apply();
    let out = ws.output_json();
    assert_eq!(out["nick"], json!("Made by a script"), "{out}");
    assert_eq!(out["face_url"], json!(null), "{out}");
    assert_no_api_changes(&before, &sim.counters(), "reading a chatbot");

    // A UserID the app does not have is an error naming it.
    ws.write_main(&hcl.replace("@RBT#elsewhere", "@RBT#nobody"));
    let plan = ws.plan_failing();
    assert_contains(&plan.stderr, "No chatbot \"@RBT#nobody\"", "the plan");
    assert_contains(&plan.stderr, "has no active chatbot", "the plan");
}
