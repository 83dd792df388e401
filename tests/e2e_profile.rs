//! The whole chatbot profile as code, end to end: a real Terraform drives the
//! provider against the simulator, whose demo app defines the custom fields
//! `model` and `team`. Every standard field and custom fields are created, read
//! back by both data sources, shown as drift, removed, imported; a bad value of
//! each kind is refused at plan with no API call; a portrait_set that fails
//! after a create leaves the chatbot recorded, and the next apply converges.

mod common;

use common::{assert_contains, squash, Sim, Terraform, Workspace};
use serde_json::{json, Value};
use tencentchat::chat::wire;
use tencentchat::sim::Fault;

const CUSTOM: [&str; 2] = ["model", "team"];

/// A simulator whose app defines [`CUSTOM`] and a workspace whose provider
/// names them (`TENCENTCHAT_CUSTOM_FIELDS`), holding `hcl` after the header.
fn setup(test: &str, hcl: &str) -> Option<(Terraform, Sim, Workspace)> {
    let tf = Terraform::for_test(test)?;
    let sim = Sim::start_with_custom_fields(&CUSTOM);
    let mut ws = Workspace::new(&tf, &sim);
    ws.set_env("TENCENTCHAT_CUSTOM_FIELDS", &CUSTOM.join(","));
    ws.write_main(&format!("{}{hcl}", common::provider_header()));
    ws.init();
    Some((tf, sim, ws))
}

/// Every field of the full chatbot, as HCL lines; `skip` leaves some out.
fn full_fields(skip: &[&str]) -> String {
    let lines = [
        ("nick", r#""Helpdesk""#),
        ("face_url", r#""https://example.com/h.png""#),
        ("self_signature", r#""Ask me""#),
        ("gender", r#""female""#),
        ("birthday", "19900101"),
        ("location", r#""86 1 2 3""#),
        ("allow_type", r#""allow_any""#),
        ("language", "2"),
        ("message_settings", "1"),
        ("admin_forbid_type", r#""none""#),
        ("level", "4294967295"),
        ("role", "7"),
    ];
    let mut s = String::new();
    for (k, v) in lines.iter().filter(|(k, _)| !skip.contains(k)) {
        s.push_str(&format!("  {k} = {v}\n"));
    }
    s
}

fn full_robot(skip: &[&str], custom: &str) -> String {
    format!(
        "\nresource \"tencentchat_robot\" \"full\" {{\n  user_id = \"@RBT#full\"\n{}  custom_fields = {custom}\n}}\n",
        full_fields(skip)
    )
}

const DATA: &str = r#"
data "tencentchat_robot" "full" {
  user_id = tencentchat_robot.full.id
}

data "tencentchat_robots" "all" {
  prefix     = "@RBT#full"
  depends_on = [tencentchat_robot.full]
}

output "one" {
  value = data.tencentchat_robot.full
}

output "listed" {
  value = data.tencentchat_robots.all.robots[0]
}
"#;

/// The simulator's stored value of `tag` on `@RBT#full`.
fn tag(sim: &Sim, t: &str) -> Option<Value> {
    sim.robot("@RBT#full")
        .expect("the chatbot exists")
        .tag(t)
        .cloned()
}

#[test]
fn every_field_drift_removal_import_and_data_sources() {
    const T: &str = "every_field_drift_removal_import_and_data_sources";
    let both = r#"{ model = "gpt", team = "support" }"#;
    let Some((_tf, sim, ws)) = setup(T, &format!("{}{DATA}", full_robot(&[], both))) else {
        return;
    };

    // A create with every field: create_robot takes three, one portrait_set the rest.
    let apply = ws.apply();
    assert_contains(&apply.stdout, "1 added", "the first apply");
    let c = sim.counters();
    assert_eq!((c.total("create_robot"), c.total("portrait_set")), (1, 1));
    for (t, v) in [
        (wire::TAG_NICK, json!("Helpdesk")),
        (wire::TAG_GENDER, json!("Gender_Type_Female")),
        (wire::TAG_BIRTHDAY, json!(19900101)),
        (wire::TAG_LOCATION, json!("86 1 2 3")),
        (wire::TAG_ALLOW_TYPE, json!("AllowType_Type_AllowAny")),
        (wire::TAG_LANGUAGE, json!(2)),
        (wire::TAG_MSG_SETTINGS, json!(1)),
        (wire::TAG_ADMIN_FORBID_TYPE, json!("AdminForbid_Type_None")),
        (wire::TAG_LEVEL, json!(4294967295u64)),
        (wire::TAG_ROLE, json!(7)),
        ("Tag_Profile_Custom_model", json!("gpt")),
        ("Tag_Profile_Custom_team", json!("support")),
    ] {
        assert_eq!(tag(&sim, t), Some(v), "{t}");
    }
    // Both data sources read every field back, by readable names.
    let out = ws.output_json();
    for key in ["one", "listed"] {
        let o = &out[key];
        assert_eq!(o["gender"], "female", "{key}: {o}");
        assert_eq!(o["allow_type"], "allow_any", "{key}: {o}");
        assert_eq!(o["level"], 4294967295u64, "{key}: {o}");
        assert_eq!(o["birthday"], 19900101, "{key}: {o}");
        // Tencent's default reads as unset.
        assert_eq!(o["admin_forbid_type"], Value::Null, "{key}: {o}");
        assert_eq!(
            o["custom_fields"],
            json!({"model": "gpt", "team": "support"}),
            "{key}: {o}"
        );
    }
    // A configured default stays as configured: no changes. The refresh of the
    // resource and both data sources is one list and one profile read, whose
    // TagList holds every standard tag and both custom fields.
    let before = sim.counters();
    assert_eq!(ws.plan_detailed(&[]).code, 0, "no changes after the create");
    let after = sim.counters();
    assert_eq!(
        (
            common::delta(&before, &after, "get_all_robots"),
            common::delta(&before, &after, "portrait_get")
        ),
        (1, 1),
        "one read for the resource and both data sources"
    );

    // Drift on a standard and on a custom field shows, and apply puts it back.
    sim.edit_out_of_band(
        "@RBT#full",
        json!({"gender": "Gender_Type_Male", "custom:model": "other"}),
    );
    let plan = ws.plan_detailed(&[]);
    assert_eq!(plan.code, 2, "drift is a change:\n{}", plan.transcript());
    let text = squash(&plan.stdout);
    assert_contains(&text, r#"~ gender = "male" -> "female""#, "the drift plan");
    assert_contains(&text, r#"~ "model" = "other" -> "gpt""#, "the drift plan");
    ws.apply();
    assert_eq!(
        tag(&sim, wire::TAG_GENDER),
        Some(json!("Gender_Type_Female"))
    );
    assert_eq!(tag(&sim, "Tag_Profile_Custom_model"), Some(json!("gpt")));

    // Removing fields clears them: a string, an integer, an enumeration, a key.
    let gpt = r#"{ model = "gpt" }"#;
    ws.write_main(&format!(
        "{}{}{DATA}",
        common::provider_header(),
        full_robot(&["location", "level", "admin_forbid_type"], gpt)
    ));
    ws.apply();
    assert_eq!(tag(&sim, wire::TAG_LOCATION), None);
    assert_eq!(tag(&sim, wire::TAG_LEVEL), Some(json!(0)));
    assert_eq!(tag(&sim, "Tag_Profile_Custom_team"), None);
    assert_eq!(ws.plan_detailed(&[]).code, 0, "no changes after removals");

    // Import reads every field: the same configuration plans no changes.
    ws.run(["state", "rm", "-no-color", "tencentchat_robot.full"])
        .expect_success();
    ws.import("tencentchat_robot.full", "@RBT#full");
    let shown = squash(&ws.state_show("tencentchat_robot.full"));
    for needle in [
        r#"gender = "female""#,
        "birthday = 19900101",
        r#"allow_type = "allow_any""#,
        "role = 7",
        r#""model" = "gpt""#,
    ] {
        assert_contains(&shown, needle, "the imported state");
    }
    assert_eq!(ws.plan_detailed(&[]).code, 0, "no changes after the import");
}

#[test]
fn a_bad_value_of_each_kind_is_refused_at_plan_with_no_api_call() {
    const T: &str = "a_bad_value_of_each_kind_is_refused_at_plan_with_no_api_call";
    let bad = r#"
resource "tencentchat_robot" "bad" {
  user_id          = "@RBT#bad"
  gender           = "Female"
  allow_type       = "AllowType_Type_AllowAny"
  level            = 4294967296
  role             = -1
  birthday         = 1.5
  location         = "12345678901234567"
  nick             = ""
  custom_fields    = { "bad-name" = "x", ok = "" }
}

"#;
    let Some((_tf, sim, ws)) = setup(T, bad) else {
        return;
    };
    let plan = ws.plan_failing();
    let err = squash(&plan.stderr);
    for needle in [
        r#"`gender` must be one of `unknown`, `female`, `male`; got "Female"."#,
        r#"`allow_type` must be one of `need_confirm`, `allow_any`, `deny_any`; got "AllowType_Type_AllowAny"."#,
        "`level` must be a whole number from 0 to 4294967295; got 4294967296.",
        "`role` must be a whole number from 0 to 4294967295; got -1.",
        "`birthday` must be a whole number, got 1.5.",
        "`location` is at most 16 bytes (UTF-8); this value has 17.",
        "`nick` must not be empty",
        "a custom field name holds only letters, digits and underscores",
        r#"`custom_fields["ok"]` must not be empty; leave the key out to have none."#,
    ] {
        assert_contains(&err, needle, "the refused plan");
    }
    // A null value (an optional variable left unset) cannot be planned:
    // Terraform would call such a plan invalid. Refused, naming the key.
    ws.write_main(&format!(
        "{}{}",
        common::provider_header(),
        r#"
variable "team" {
  type    = string
  default = null
}

resource "tencentchat_robot" "nulls" {
  user_id       = "@RBT#nulls"
  custom_fields = { model = "m", team = var.team }
}
"#
    ));
    let plan = ws.plan_failing();
    let err = squash(&plan.stderr);
    assert_contains(
        &err,
        r#"`custom_fields` must be a map with no null values; "team" is null (leave that key out instead)."#,
        "the refused plan",
    );
    assert!(!err.contains("invalid plan"), "{err}");
    // A custom field the provider does not name is refused at plan as well.
    ws.write_main(&format!(
        "{}{}",
        common::provider_header(),
        r#"
resource "tencentchat_robot" "undeclared" {
  user_id       = "@RBT#undeclared"
  custom_fields = { mood = "happy" }
}
"#
    ));
    let plan = ws.plan_failing();
    let err = squash(&plan.stderr);
    assert_contains(
        &err,
        r#"Custom field "mood" not in the provider's custom_fields"#,
        "the refused plan",
    );
    assert_contains(&err, r#"lists "model", "team""#, "the refused plan");
    let c = sim.counters();
    let calls: u64 = c.total.values().sum();
    assert_eq!(calls, 0, "no API call for bad values: {c:?}");
}

#[test]
fn a_portrait_set_failure_after_a_create_is_recorded_and_converges() {
    const T: &str = "a_portrait_set_failure_after_a_create_is_recorded_and_converges";
    let Some((_tf, sim, ws)) = setup(T, &full_robot(&[], r#"{ team = "ops" }"#)) else {
        return;
    };
    // The portrait_set after create_robot fails (no write permission).
    sim.block_on(sim.admin().add_fault(&Fault {
        error_code: Some(40008),
        count: Some(1),
        ..Fault::on("portrait_set")
    }))
    .expect("installing the fault");
    // The apply fails (a pipeline sees it), naming the fields not set.
    let apply = ws.apply_result();
    assert_ne!(apply.code, 0, "{}", apply.transcript());
    let err = squash(&apply.stderr);
    assert_contains(
        &err,
        r#"Error: Chatbot "@RBT#full" created, but gender, birthday, location, allow_type, language, message_settings, admin_forbid_type, level, role and custom_fields["team"] not set"#,
        "the apply's error",
    );
    assert_contains(&err, "ErrorCode 40008", "the apply's error");
    assert_contains(&err, "terraform untaint", "the apply's error");
    // Recorded, with what create_robot set (and no more: the state does not
    // claim what was never set).
    assert_eq!(
        ws.robot_ids_in_state(),
        ["@RBT#full".to_string()].into_iter().collect()
    );
    let made = sim.robot("@RBT#full").expect("the chatbot was made");
    assert_eq!(made.nick(), Some("Helpdesk"));
    assert_eq!(made.tag(wire::TAG_GENDER), None);
    let shown = squash(&ws.state_show("tencentchat_robot.full"));
    assert!(!shown.contains("gender"), "{shown}");
    // As the message says: untaint, and the next plan shows exactly the fields
    // not set, even without a refresh; the next apply sets them in place.
    ws.run(["untaint", "tencentchat_robot.full"])
        .expect_success();
    let plan = ws.plan_detailed(&["-refresh=false"]);
    assert_eq!(plan.code, 2, "{}", plan.transcript());
    assert_contains(&squash(&plan.stdout), r#"+ gender = "female""#, "the plan");
    assert_contains(&squash(&plan.stdout), "updated in-place", "the plan");
    ws.apply();
    assert_eq!(
        tag(&sim, wire::TAG_GENDER),
        Some(json!("Gender_Type_Female"))
    );
    assert_eq!(tag(&sim, "Tag_Profile_Custom_team"), Some(json!("ops")));
    assert_eq!(ws.plan_detailed(&[]).code, 0, "converged");
    assert_eq!(sim.counters().total("create_robot"), 1, "never duplicated");
}

#[test]
fn a_custom_field_the_app_does_not_define_is_reported_on_its_resource() {
    const T: &str = "a_custom_field_the_app_does_not_define_is_reported_on_its_resource";
    let hcl = r#"
resource "tencentchat_robot" "moody" {
  user_id       = "@RBT#moody"
  nick          = "Moody"
  custom_fields = { mood = "happy" }
}
"#;
    let Some((_tf, sim, mut ws)) = setup(T, hcl) else {
        return;
    };
    // The provider names `mood`, but the app (the simulator) does not define it.
    ws.set_env("TENCENTCHAT_CUSTOM_FIELDS", "model,team,mood");
    let apply = ws.apply_result();
    assert_ne!(apply.code, 0, "{}", apply.transcript());
    let out = squash(&apply.stderr);
    assert_contains(
        &out,
        r#"Chatbot "@RBT#moody" created, but custom_fields["mood"] not set"#,
        "the create's error",
    );
    assert_contains(&out, "ErrorCode 40009", "the create's error");
    assert_eq!(sim.robot("@RBT#moody").unwrap().nick(), Some("Moody"));
    // Kept (untainted), the next apply tries again and fails on that resource,
    // naming the field.
    ws.run(["untaint", "tencentchat_robot.moody"])
        .expect_success();
    let apply = ws.apply_result();
    assert_ne!(apply.code, 0, "{}", apply.transcript());
    let err = squash(&apply.stderr);
    assert_contains(
        &err,
        r#"Could not update chatbot "@RBT#moody""#,
        "the update",
    );
    assert_contains(
        &err,
        r#"Setting custom_fields["mood"] failed"#,
        "the update",
    );
    assert_contains(
        &err,
        "must be defined in the Chat console first",
        "the update",
    );
    assert_contains(&err, "with tencentchat_robot.moody", "the update");
}
