//! The HCL under `examples/` is what the docs show and what newcomers copy, so it
//! must stay formatted, initialise and validate against the real provider, and the
//! runnable scenarios must actually work against the simulator.

mod common;

use common::{Sim, Terraform, Workspace};
use std::path::{Path, PathBuf};

/// Added to fragment examples (resource.tf, data-source.tf) that, like the
/// registry's doc examples, have no `terraform {}` block of their own.
const REQUIRED_PROVIDERS: &str = r#"terraform {
  required_providers {
    tencentchat = {
      source = "tencentchat/tencentchat"
    }
  }
}
"#;

fn examples_dir() -> PathBuf {
    common::repo_root().join("examples")
}

/// Every directory under examples/ that holds `.tf` files, sorted.
fn example_dirs() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut has_tf = false;
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
            .map(|e| e.expect("dir entry").path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                if p.file_name().is_some_and(|n| n == ".terraform") {
                    continue;
                }
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "tf") {
                has_tf = true;
            }
        }
        if has_tf {
            out.push(dir.to_path_buf());
        }
    }
    let mut out = Vec::new();
    walk(&examples_dir(), &mut out);
    out.sort();
    out
}

fn tf_text(dir: &Path) -> String {
    let mut text = String::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "tf") {
            text.push_str(&std::fs::read_to_string(&p).unwrap());
        }
    }
    text
}

/// The newest Terraform feature an example's `.tf` files use, as (major, minor,
/// feature), or None when Terraform 1.0 reads it.
fn newest_feature(text: &str) -> Option<(u32, u32, &'static str)> {
    let mut import_blocks = text.split("\nimport {").skip(1);
    let needs = [
        (
            text.lines().any(|l| l.starts_with("ephemeral \"")),
            (1, 10, "ephemeral resources"),
        ),
        (
            text.contains("provider::"),
            (1, 8, "provider-defined functions"),
        ),
        (
            import_blocks.any(|b| b.split("\n}").next().unwrap_or("").contains("for_each")),
            (1, 7, "import blocks with for_each"),
        ),
        (
            text.lines().any(|l| l.starts_with("import {")),
            (1, 5, "import blocks"),
        ),
    ];
    needs
        .into_iter()
        .find(|(used, _)| *used)
        .map(|(_, need)| need)
}

#[test]
fn feature_detection_finds_the_newest_need() {
    assert_eq!(newest_feature("resource \"a\" \"b\" {}\n"), None);
    let import = "import {\n  to = a.b\n  id = \"x\"\n}\n";
    assert_eq!(newest_feature(import).map(|n| n.1), Some(5));
    let each = "x\nimport {\n  for_each = local.m\n  to = a.b[each.key]\n}\n";
    assert_eq!(newest_feature(each).map(|n| n.1), Some(7));
    let f = format!("{each}output \"o\" {{ value = provider::p::f(1) }}\n");
    assert_eq!(newest_feature(&f).map(|n| n.1), Some(8));
}

/// The examples that belong to no one registered type (each type's own example
/// is required by the walk in tests/docs.rs).
#[test]
fn the_expected_examples_exist() {
    let root = examples_dir();
    for file in [
        "quickstart/main.tf",
        "two-apps/main.tf",
        "adopt-existing/main.tf",
        "profile/main.tf",
        "testing/main.tf",
        "testing/tests/chatbots.tftest.hcl",
        "testing/tests/unit.tftest.hcl",
    ] {
        assert!(root.join(file).is_file(), "examples/{file} is missing");
    }
}

#[test]
fn examples_are_formatted() {
    const T: &str = "examples_are_formatted";
    let Some(tf) = Terraform::for_test(T) else {
        return;
    };
    let ws = Workspace::bare(&tf);
    // Before 1.8, Terraform cannot even parse `provider::` function calls: check
    // the other directories one by one and say which were left out.
    let dirs = if tf.at_least(1, 8) {
        vec![examples_dir()]
    } else {
        let (old, new): (Vec<_>, Vec<_>) = example_dirs()
            .into_iter()
            .partition(|d| !tf_text(d).contains("provider::"));
        for d in new {
            common::skip(
                T,
                &format!(
                    "{} calls provider-defined functions, which Terraform {} cannot parse",
                    d.strip_prefix(examples_dir()).unwrap_or(&d).display(),
                    tf.version_string()
                ),
            );
        }
        old
    };
    for dir in dirs {
        let run = ws.run([
            "fmt".as_ref(),
            "-check".as_ref(),
            "-recursive".as_ref(),
            "-diff".as_ref(),
            "-no-color".as_ref(),
            dir.as_os_str(),
        ]);
        assert_eq!(
            run.code,
            0,
            "{} is not `terraform fmt`-clean:\n{}",
            dir.display(),
            run.transcript()
        );
    }
}

#[test]
fn every_example_initialises_and_validates() {
    const T: &str = "every_example_initialises_and_validates";
    let Some(tf) = Terraform::for_test(T) else {
        return;
    };
    // A simulator only so that the provider sees the same TENCENTCHAT_* settings a
    // user's shell would have; validation itself makes no API call.
    let sim = Sim::start();
    let dirs = example_dirs();
    assert!(dirs.len() >= 5, "examples found: {dirs:?}");
    for dir in dirs {
        // Newer language features (ephemeral blocks, provider functions, import
        // blocks) are refused by older releases.
        if let Some((major, minor, feature)) = newest_feature(&tf_text(&dir)) {
            if !tf.at_least(major, minor) {
                common::skip(
                    T,
                    &format!(
                        "{} uses {feature} (Terraform {major}.{minor}+); this is {}",
                        dir.strip_prefix(examples_dir()).unwrap_or(&dir).display(),
                        tf.version_string()
                    ),
                );
                continue;
            }
        }
        let ws = Workspace::new(&tf, &sim);
        ws.copy_dir_from(&dir);
        if !tf_text(&dir).contains("required_providers") {
            ws.write_file("zz_required_providers.tf", REQUIRED_PROVIDERS);
        }
        let init = ws.run(["init", "-no-color", "-input=false"]);
        assert_eq!(
            init.code,
            0,
            "init of {}:\n{}",
            dir.display(),
            init.transcript()
        );
        let validate = ws.run(["validate", "-no-color"]);
        assert_eq!(
            validate.code,
            0,
            "validate of {}:\n{}",
            dir.display(),
            validate.transcript()
        );
    }
    let counters = sim.counters();
    assert!(
        counters.total.values().all(|&n| n == 0),
        "init/validate made API calls: {counters:?}"
    );
}

#[test]
fn quickstart_runs_against_the_simulator() {
    const T: &str = "quickstart_runs_against_the_simulator";
    let Some(tf) = Terraform::for_test(T) else {
        return;
    };
    let sim = Sim::start();
    let ws = Workspace::new(&tf, &sim);
    ws.copy_dir_from(&examples_dir().join("quickstart"));
    ws.init();
    ws.apply();

    let mut ids = sim.robot_ids();
    ids.sort();
    assert_eq!(
        ids,
        [
            "@RBT#announcer",
            "@RBT#helpdesk",
            "@RBT#onboarding",
            "@RBT#sales"
        ]
    );
    let out = ws.output_json();
    assert_eq!(
        out["all_user_ids"],
        serde_json::json!(sim.robot_ids()),
        "{out}"
    );
    assert_eq!(out["chatbot_slots_left"], serde_json::json!(16), "{out}");
    assert_eq!(out["team_user_ids"]["sales"], "@RBT#sales", "{out}");

    let plan = ws.plan_detailed(&[]);
    assert_eq!(plan.code, 0, "{}", plan.transcript());
    ws.destroy();
    assert!(sim.robot_ids().is_empty(), "{:?}", sim.robot_ids());
}

#[test]
fn profile_example_sets_every_field_against_the_simulator() {
    const T: &str = "profile_example_sets_every_field_against_the_simulator";
    let Some(tf) = Terraform::for_test(T) else {
        return;
    };
    let sim = Sim::start_with_custom_fields(&["model", "team"]);
    let ws = Workspace::new(&tf, &sim);
    ws.copy_dir_from(&examples_dir().join("profile"));
    ws.init();
    ws.apply();
    let bot = sim.robot("@RBT#assistant").expect("the example's chatbot");
    assert_eq!(
        bot.tag("Tag_Profile_IM_AllowType"),
        Some(&serde_json::json!("AllowType_Type_AllowAny"))
    );
    assert_eq!(bot.custom("model"), Some("hunyuan-lite"));
    let out = ws.output_json();
    assert_eq!(out["assistant_profile"]["level"], 3, "{out}");
    assert_eq!(
        out["assistant_profile"]["custom_fields"]["team"], "support",
        "{out}"
    );
    let plan = ws.plan_detailed(&[]);
    assert_eq!(plan.code, 0, "{}", plan.transcript());
}

#[test]
fn two_apps_example_manages_both_apps() {
    const T: &str = "two_apps_example_manages_both_apps";
    let Some(tf) = Terraform::for_test(T) else {
        return;
    };
    const STAGING: u64 = 1_400_000_101;
    const PRODUCTION: u64 = 1_400_000_102;
    const STAGING_KEY: &str = "two-apps-staging-key-00000000000000000000";
    const PRODUCTION_KEY: &str = "two-apps-production-key-0000000000000000";
    let sim = Sim::start_with(&[(STAGING, STAGING_KEY), (PRODUCTION, PRODUCTION_KEY)]);

    // Only the endpoint comes from the environment (it overrides the example's
    // region); SDKAppIDs and keys come from the example's variables.
    let mut ws = Workspace::bare(&tf);
    ws.set_env("TENCENTCHAT_ENDPOINT", sim.url());
    ws.set_env("TF_VAR_staging_sdkappid", &STAGING.to_string());
    ws.set_env("TF_VAR_staging_secret_key", STAGING_KEY);
    ws.set_env("TF_VAR_production_sdkappid", &PRODUCTION.to_string());
    ws.set_env("TF_VAR_production_secret_key", PRODUCTION_KEY);
    ws.copy_dir_from(&examples_dir().join("two-apps"));
    ws.init();
    ws.apply();

    let staging = sim.robots_of(STAGING);
    let production = sim.robots_of(PRODUCTION);
    assert_eq!(staging.len(), 1, "{staging:?}");
    assert_eq!(production.len(), 1, "{production:?}");
    assert_eq!(staging[0].nick(), Some("Helpdesk (staging)"));
    assert_eq!(production[0].nick(), Some("Helpdesk"));
    assert_eq!(
        ws.output_json()["production_slots_left"],
        serde_json::json!(19)
    );

    let plan = ws.plan_detailed(&[]);
    assert_eq!(plan.code, 0, "{}", plan.transcript());
    ws.destroy();
    assert!(sim.robots_of(STAGING).is_empty());
    assert!(sim.robots_of(PRODUCTION).is_empty());
}

/// The one command of `docs/guides/testing-offline.md`, as written:
/// `tencentchat-sim --exec terraform test` in `examples/testing/`. The workspace
/// has no `TENCENTCHAT_*` settings: they come from the simulator. Its state file
/// then shows the chatbots the runs created, all deleted again by the teardown.
/// The unit tests (mock provider) also pass with no simulator at all.
#[test]
fn testing_example_passes_terraform_test_under_the_simulator() {
    const T: &str = "testing_example_passes_terraform_test_under_the_simulator";
    // The module calls provider functions (1.8+); mock providers need 1.7.
    let Some(tf) = Terraform::for_test_at_least(T, 1, 8, "provider-defined functions") else {
        return;
    };
    let ws = Workspace::bare(&tf);
    ws.copy_dir_from(&examples_dir().join("testing"));
    ws.init();
    let state = ws.dir().join("sim-state.json");
    let out = ws
        .command_of(
            Path::new(env!("CARGO_BIN_EXE_tencentchat-sim")),
            [
                "--state-file".as_ref(),
                state.as_os_str(),
                "--exec".as_ref(),
                tf.path.as_os_str(),
                "test".as_ref(),
                "-no-color".as_ref(),
            ],
        )
        .output()
        .expect("running tencentchat-sim --exec terraform test");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "tencentchat-sim --exec terraform test failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    for run in [
        "creates_one_chatbot_per_team",
        "renaming_a_nick_is_an_in_place_update",
        "removing_a_team_destroys_its_chatbot",
        "a_removed_team_can_come_back",
        "rejects_a_bad_team_name",
        "user_ids_follow_team_names",
        "a_long_team_name_is_refused",
    ] {
        common::assert_contains(&stdout, &format!("run \"{run}\"... pass"), "terraform test");
    }
    common::assert_contains(&stdout, "Success! 7 passed, 0 failed.", "terraform test");
    assert!(
        stderr.starts_with("tencentchat-sim listening on http://127.0.0.1:"),
        "the simulator's banner goes to stderr: {stderr}"
    );

    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&state).expect("the simulator's state file"))
            .expect("state file is JSON");
    let robots = saved["apps"]["1400000000"]["robots"]
        .as_array()
        .unwrap_or_else(|| panic!("no robots in {saved}"));
    let mut made: Vec<(&str, bool)> = robots
        .iter()
        .map(|r| {
            (
                r["user_id"].as_str().unwrap(),
                r["active"].as_bool().unwrap(),
            )
        })
        .collect();
    made.sort();
    assert_eq!(made, [("@RBT#sales", false), ("@RBT#support", false)]);

    let unit = ws
        .run(["test", "-no-color", "-filter=tests/unit.tftest.hcl"])
        .expect_success();
    common::assert_contains(
        &unit.stdout,
        "Success! 2 passed, 0 failed.",
        "terraform test",
    );
}
