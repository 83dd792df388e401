//! Terraform's contract under its own parallelism and walks (issue 17), end to
//! end with a real Terraform against the simulator: one UserID is never
//! created twice in one run (one configuration, or two provider blocks of one
//! app), a destroy always destroys what the state holds whatever the
//! configuration says about chatbots the state does not hold, identical plans
//! of a full app give identical diagnostics, and a swap of a full app's
//! chatbots at `-parallelism=1` keeps state and app in agreement and converges.
//!
//! After every run of a race scenario: the simulator's chatbots equal the
//! state's UserIDs, no UserID is held by two addresses, and `create_robot` ran
//! at most once per UserID (the simulator's counters: no more calls than
//! distinct UserIDs, and each of them present).

mod common;

use common::{assert_contains, delta, squash, Sim, Terraform, Workspace};
use std::collections::{BTreeMap, BTreeSet};
use tencentchat::sim::Counters;

/// The parallelism settings every race scenario runs at.
const PARALLELISM: [Option<&str>; 3] = [None, Some("-parallelism=1"), Some("-parallelism=50")];
/// Runs of each race scenario at each parallelism.
const RUNS: usize = 5;

fn apply_args(parallelism: Option<&str>) -> Vec<&str> {
    let mut args = vec!["apply", "-auto-approve", "-no-color", "-input=false"];
    args.extend(parallelism);
    args
}

fn setup(tf: &Terraform, hcl: &str) -> (Sim, Workspace) {
    let sim = Sim::start();
    let ws = Workspace::new(tf, &sim);
    ws.write_main(hcl);
    ws.init();
    (sim, ws)
}

/// `terraform plan -destroy` succeeds, then `terraform destroy` destroys
/// `deleted` chatbots (those the state holds) and writes nothing else.
fn destroy_deletes_only(sim: &Sim, ws: &Workspace, deleted: u64, what: &str) {
    let before = sim.counters();
    let plan = ws.run(["plan", "-destroy", "-no-color", "-input=false"]);
    assert_eq!(plan.code, 0, "{what}: {}", plan.transcript());
    let destroy = ws.destroy();
    assert_contains(&destroy.stdout, &format!("{deleted} destroyed"), what);
    let after = sim.counters();
    assert_eq!(delta(&before, &after, "delete_robot"), deleted, "{what}");
    for ep in ["create_robot", "portrait_set"] {
        assert_eq!(delta(&before, &after, ep), 0, "{what}: {ep}");
    }
}

/// Address → UserID of every chatbot in the state.
fn state_holders(ws: &Workspace) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(ws.dir().join("terraform.tfstate")).unwrap_or_default();
    let state: serde_json::Value = match text.trim() {
        "" => return BTreeMap::new(),
        s => serde_json::from_str(s).expect("state is JSON"),
    };
    let mut out = BTreeMap::new();
    for r in state["resources"].as_array().into_iter().flatten() {
        if r["type"] != "tencentchat_robot" || r["mode"] != "managed" {
            continue;
        }
        for i in r["instances"].as_array().into_iter().flatten() {
            let key = match &i["index_key"] {
                serde_json::Value::Null => String::new(),
                k => format!("[{k}]"),
            };
            let addr = format!("{}{key}", r["name"].as_str().unwrap_or_default());
            let id = i["attributes"]["user_id"].as_str().unwrap_or_default();
            out.insert(addr, id.to_string());
        }
    }
    out
}

/// The invariants after every run: the app's chatbots are the state's, no
/// UserID has two addresses, and `create_robot` ran at most once per UserID
/// created since `before`.
fn assert_invariants(sim: &Sim, ws: &Workspace, before: &Counters, what: &str) {
    let ids = assert_agree(sim, ws, what);
    let created = delta(before, &sim.counters(), "create_robot");
    assert!(
        created as usize <= ids.len(),
        "{what}: {created} create_robot calls for {} chatbots: {ids:?}",
        ids.len()
    );
}

/// The app's chatbots are the state's, and no UserID has two addresses; returns
/// the state's UserIDs.
fn assert_agree(sim: &Sim, ws: &Workspace, what: &str) -> BTreeSet<String> {
    let holders = state_holders(ws);
    let ids: BTreeSet<String> = holders.values().cloned().collect();
    assert_eq!(
        ids.len(),
        holders.len(),
        "{what}: a UserID held by two addresses: {holders:?}"
    );
    assert_eq!(
        sim.robot_id_set(),
        ids,
        "{what}: the app and the state disagree"
    );
    ids
}

#[test]
fn a_user_id_created_twice_in_one_configuration_fails_at_plan() {
    const T: &str = "a_user_id_created_twice_in_one_configuration_fails_at_plan";
    let Some(tf) = Terraform::for_test(T) else {
        return;
    };
    let header = common::provider_header();
    let hcl = format!(
        "{header}\nresource \"tencentchat_robot\" \"team\" {{\n  for_each = toset([\"Sales\", \
         \"sales\"])\n  user_id  = \"@RBT#${{lower(each.key)}}\"\n  nick     = each.key\n}}\n\n\
         resource \"tencentchat_robot\" \"solo\" {{\n  user_id = \"@RBT#solo\"\n}}\n\n\
         resource \"tencentchat_robot\" \"twin_a\" {{\n  user_id = \"@RBT#twin\"\n}}\n\n\
         resource \"tencentchat_robot\" \"twin_b\" {{\n  user_id = \"@RBT#twin\"\n}}\n"
    );
    let (sim, ws) = setup(&tf, &hcl);
    for parallelism in PARALLELISM {
        for run in 0..RUNS {
            let what = format!("run {run} at {parallelism:?}");
            let before = sim.counters();
            let apply = ws.run(apply_args(parallelism));
            assert_ne!(apply.code, 0, "{what}: {}", apply.transcript());
            let text = squash(&apply.stderr);
            for id in ["@RBT#sales", "@RBT#twin"] {
                let summary = format!("Error: Chatbot \"{id}\" is created twice");
                assert_eq!(
                    text.matches(&summary).count(),
                    1,
                    "{what}: one error per duplicated UserID:\n{}",
                    apply.stderr
                );
            }
            assert_contains(
                &text,
                "another resource of this configuration also creates it",
                &what,
            );
            assert_eq!(
                text.matches("Error:").count(),
                2,
                "{what}: nothing else is refused:\n{}",
                apply.stderr
            );
            assert_eq!(delta(&before, &sim.counters(), "create_robot"), 0, "{what}");
            assert_invariants(&sim, &ws, &before, &what);
        }
    }

    // The limit: a destroy plans the configuration first, and this one cannot
    // be planned; it destroys nothing until the configuration is fixed.
    ws.write_main(&format!(
        "{header}\nresource \"tencentchat_robot\" \"solo\" {{\n  user_id = \"@RBT#solo\"\n}}\n"
    ));
    ws.apply();
    ws.write_main(&hcl);
    let destroy = ws.run(["destroy", "-auto-approve", "-no-color", "-input=false"]);
    assert_ne!(destroy.code, 0, "{}", destroy.transcript());
    assert_contains(&destroy.stderr, "is created twice", "destroy");
    assert_eq!(sim.robot_ids(), ["@RBT#solo"]);
    ws.write_main(&format!(
        "{header}\nresource \"tencentchat_robot\" \"solo\" {{\n  user_id = \"@RBT#solo\"\n}}\n"
    ));
    ws.destroy();
    assert!(sim.robot_ids().is_empty());
}

#[test]
fn two_provider_blocks_of_one_app_never_create_one_user_id_twice() {
    const T: &str = "two_provider_blocks_of_one_app_never_create_one_user_id_twice";
    let Some(tf) = Terraform::for_test(T) else {
        return;
    };
    let header = common::provider_header();
    let hcl = format!(
        "{header}\nprovider \"tencentchat\" {{\n  alias = \"second\"\n}}\n\n\
         resource \"tencentchat_robot\" \"a\" {{\n  user_id = \"@RBT#dup\"\n  nick = \"A\"\n}}\n\n\
         resource \"tencentchat_robot\" \"b\" {{\n  provider = tencentchat.second\n  \
         user_id  = \"@RBT#dup\"\n  nick     = \"B\"\n}}\n\n\
         resource \"tencentchat_robot\" \"c\" {{\n  user_id = \"@RBT#c\"\n}}\n\n\
         resource \"tencentchat_robot\" \"d\" {{\n  provider = tencentchat.second\n  \
         user_id  = \"@RBT#d\"\n}}\n"
    );
    let (sim, ws) = setup(&tf, &hcl);
    let expected: BTreeSet<String> = ["@RBT#dup", "@RBT#c", "@RBT#d"].map(String::from).into();
    for parallelism in PARALLELISM {
        for run in 0..RUNS {
            let what = format!("run {run} at {parallelism:?}");
            let before = sim.counters();
            let apply = ws.run(apply_args(parallelism));
            assert_ne!(apply.code, 0, "{what}: {}", apply.transcript());
            let text = squash(&apply.stderr);
            assert_eq!(
                text.matches("Error: Chatbot \"@RBT#dup\" is created twice")
                    .count(),
                1,
                "{what}:\n{}",
                apply.stderr
            );
            assert_contains(&text, "under another provider block of the same app", &what);
            assert_eq!(
                text.matches("Error:").count(),
                1,
                "{what}:\n{}",
                apply.stderr
            );
            assert_invariants(&sim, &ws, &before, &what);
            assert_eq!(sim.robot_id_set(), expected, "{what}");
            assert_eq!(
                delta(&before, &sim.counters(), "create_robot"),
                3,
                "{what}: one create_robot per UserID"
            );
            assert_eq!(
                ["a", "b"]
                    .iter()
                    .filter(|a| state_holders(&ws).contains_key(**a))
                    .count(),
                1,
                "{what}: one of the two holds @RBT#dup"
            );
            // The destroy's own plan warns about the one it does not hold.
            let before = sim.counters();
            ws.destroy();
            assert!(sim.robot_ids().is_empty(), "{what}: destroyed");
            assert_eq!(delta(&before, &sim.counters(), "delete_robot"), 3, "{what}");
            assert_eq!(delta(&before, &sim.counters(), "create_robot"), 0, "{what}");
        }
    }
}

#[test]
fn a_destroy_destroys_what_the_state_holds_and_nothing_else() {
    const T: &str = "a_destroy_destroys_what_the_state_holds_and_nothing_else";
    let Some(tf) = Terraform::for_test(T) else {
        return;
    };
    let header = common::provider_header();
    let robots = |names: &[&str]| -> String {
        names
            .iter()
            .map(|n| {
                format!(
                    "\nresource \"tencentchat_robot\" \"{n}\" {{\n  user_id = \"@RBT#{n}\"\n  \
                     nick    = \"{n}\"\n}}\n"
                )
            })
            .collect()
    };
    let (sim, ws) = setup(&tf, &format!("{header}{}", robots(&["a", "b", "c", "e"])));
    let targets = |names: &[&str]| -> Vec<String> {
        names
            .iter()
            .map(|n| format!("-target=tencentchat_robot.{n}"))
            .collect()
    };
    let apply_targets = |names: &[&str]| {
        let mut args: Vec<String> = apply_args(None).into_iter().map(String::from).collect();
        args.extend(targets(names));
        ws.run(&args).expect_success();
    };
    apply_targets(&["a", "b", "c"]);
    // A second workspace (its own state) holds e.
    ws.run(["workspace", "new", "second"]).expect_success();
    apply_targets(&["e"]);
    ws.run(["workspace", "select", "default"]).expect_success();
    // The default workspace lets go of b; d is made out of band, and the
    // configuration gains it.
    ws.run(["state", "rm", "tencentchat_robot.b"])
        .expect_success();
    sim.create_out_of_band("@RBT#d", serde_json::json!({"Nick": "made elsewhere"}));
    ws.write_main(&format!("{header}{}", robots(&["a", "b", "c", "d", "e"])));
    let kept = |ids: &[&str]| {
        ids.iter()
            .map(|id| sim.robot(id).unwrap_or_else(|| panic!("{id} exists")))
            .collect::<Vec<_>>()
    };

    // The second workspace's destroy: e only; its pre-plan warns about the rest.
    ws.run(["workspace", "select", "second"]).expect_success();
    let others = kept(&["@RBT#a", "@RBT#b", "@RBT#c", "@RBT#d"]);
    destroy_deletes_only(&sim, &ws, 1, "the second workspace's destroy");
    assert_eq!(kept(&["@RBT#a", "@RBT#b", "@RBT#c", "@RBT#d"]), others);
    assert!(sim.robot("@RBT#e").is_none());
    let list = ws.run(["state", "list"]).expect_success();
    assert_eq!(
        list.stdout.trim(),
        "",
        "the second workspace's state is empty"
    );

    // The default workspace's destroy: a and c; b (state rm'd) and d (made out
    // of band) untouched. `plan -destroy` first, which used to fail too.
    ws.run(["workspace", "select", "default"]).expect_success();
    let untouched = kept(&["@RBT#b", "@RBT#d"]);
    destroy_deletes_only(&sim, &ws, 2, "the default workspace's destroy");
    assert_eq!(kept(&["@RBT#b", "@RBT#d"]), untouched);
    assert_eq!(sim.robot_ids().len(), 2);
    assert!(ws.robot_ids_in_state().is_empty());
}

/// A `for_each` over `names`, each chatbot `@RBT#<name>`.
fn team(header: &str, names: &[String]) -> String {
    let list: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    format!(
        "{header}\nresource \"tencentchat_robot\" \"team\" {{\n  for_each = toset([{}])\n  \
         user_id  = \"@RBT#${{each.key}}\"\n}}\n",
        list.join(", ")
    )
}

/// The diagnostics of a `terraform plan -json`, as sorted (severity, summary,
/// detail, address) lines: their order follows Terraform's scheduling.
fn plan_diagnostics(ws: &Workspace) -> Vec<String> {
    let run = ws.run(["plan", "-json", "-input=false"]);
    assert!(run.code == 0, "{}", run.transcript());
    let mut out: Vec<String> = run
        .stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["type"] == "diagnostic")
        .map(|v| {
            let d = &v["diagnostic"];
            format!(
                "{} | {} | {} | {}",
                d["severity"], d["summary"], d["detail"], d["address"]
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn a_full_app_swap_plans_identically_and_converges_at_parallelism_one() {
    const T: &str = "a_full_app_swap_plans_identically_and_converges_at_parallelism_one";
    let Some(tf) = Terraform::for_test(T) else {
        return;
    };
    let header = common::provider_header();
    let first: Vec<String> = (0..20).map(|i| format!("k{i}")).collect();
    let second: Vec<String> = (0..20)
        .map(|i| {
            if i < 5 {
                format!("k{i}")
            } else {
                format!("n{i}")
            }
        })
        .collect();
    let (sim, ws) = setup(&tf, &team(&header, &first));
    ws.apply();
    assert_eq!(sim.robot_ids().len(), 20);

    // Four identical plans of the swap (keep 5, swap 15): identical
    // diagnostics, one warning per create into the full app, no projection.
    ws.write_main(&team(&header, &second));
    let plans: Vec<Vec<String>> = (0..4).map(|_| plan_diagnostics(&ws)).collect();
    for p in &plans[1..] {
        assert_eq!(p, &plans[0], "identical plans, identical diagnostics");
    }
    assert_eq!(plans[0].len(), 15, "{:#?}", plans[0]);
    for d in &plans[0] {
        assert!(
            d.starts_with("\"warning\" | \"App 1400000000 is full\""),
            "{d}"
        );
        assert!(d.contains("has 20 active chatbots"), "{d}");
        assert!(!d.contains("would have"), "{d}");
    }

    // The swap at -parallelism=1, five times (back and forth): after each apply
    // state and app agree; a failed create says the destroys may not have run
    // yet, and applying again converges. (create_robot is not counted here: a
    // create answered 10008 is a call too.)
    for run in 0..5 {
        let target = if run % 2 == 0 { &second } else { &first };
        ws.write_main(&team(&header, target));
        let what = format!("swap {run}");
        let apply = ws.run(apply_args(Some("-parallelism=1")));
        assert_agree(&sim, &ws, &what);
        if apply.code != 0 {
            let text = squash(&apply.stderr);
            assert_contains(&text, "those destroys may not have run yet", &what);
            assert_contains(&text, "applying again finishes the job", &what);
            assert!(!text.contains("is created twice"), "{what}: {text}");
            let rerun = ws.run(apply_args(Some("-parallelism=1")));
            assert_eq!(rerun.code, 0, "{what}: the rerun: {}", rerun.transcript());
            assert_agree(&sim, &ws, &format!("{what}, rerun"));
        }
        let wanted: BTreeSet<String> = target.iter().map(|n| format!("@RBT#{n}")).collect();
        assert_eq!(sim.robot_id_set(), wanted, "{what}: converged");
        assert_eq!(ws.plan_detailed(&[]).code, 0, "{what}: nothing left to do");
    }

    // At default parallelism too (where a create that meets the full app while
    // deletes run waits for them and tries again).
    ws.write_main(&team(&header, &second));
    let apply = ws.run(apply_args(None));
    assert_agree(&sim, &ws, "the swap at default parallelism");
    if apply.code != 0 {
        assert_contains(&apply.stderr, "may not have run yet", "the swap");
        ws.apply();
    }
    assert_eq!(sim.robot_ids().len(), 20);
    assert_eq!(ws.plan_detailed(&[]).code, 0, "converged");
}

#[test]
fn an_endpoint_with_a_trailing_v4_works() {
    const T: &str = "an_endpoint_with_a_trailing_v4_works";
    let Some(tf) = Terraform::for_test(T) else {
        return;
    };
    let sim = Sim::start();
    let mut ws = Workspace::new(&tf, &sim);
    ws.set_env("TENCENTCHAT_ENDPOINT", &format!("{}/v4/", sim.url()));
    ws.write_main(&format!(
        "{}\nresource \"tencentchat_robot\" \"r\" {{\n  user_id = \"@RBT#v4\"\n}}\n",
        common::provider_header()
    ));
    ws.init();
    ws.apply();
    assert_eq!(sim.robot_ids(), ["@RBT#v4"]);
}

/// The apply's guard reads a list just before each `create_robot`: a chatbot
/// another team makes while the apply runs (here while the create it depends on
/// is slow) is refused with "already exists", never taken over, although the
/// apply walk's process fetched the app's list only seconds earlier.
#[test]
fn a_chatbot_made_during_the_apply_is_refused_not_taken_over() {
    const T: &str = "a_chatbot_made_during_the_apply_is_refused_not_taken_over";
    let Some(tf) = Terraform::for_test(T) else {
        return;
    };
    let header = common::provider_header();
    let hcl = format!(
        "{header}\nresource \"tencentchat_robot\" \"early\" {{\n  user_id = \"@RBT#early\"\n}}\n\
         resource \"tencentchat_robot\" \"late\" {{\n  user_id    = \"@RBT#late\"\n  \
         nick       = \"Mine\"\n  depends_on = [tencentchat_robot.early]\n}}\n"
    );
    let (sim, ws) = setup(&tf, &hcl);
    sim.block_on(sim.admin().add_fault(&tencentchat::sim::faults::Fault {
        latency_ms: Some(2500),
        count: Some(1),
        ..tencentchat::sim::faults::Fault::on("create_robot")
    }))
    .expect("installing the latency fault");
    let child = ws
        .command(apply_args(None))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("starting terraform apply");
    // Wait until the slow create of "early" reached the simulator.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while sim.counters().total("create_robot") == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "no create_robot arrived"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    sim.create_out_of_band("@RBT#late", serde_json::json!({"Nick": "Theirs"}));
    let theirs = sim.robot("@RBT#late").expect("made out of band");
    // "early"'s create and the out-of-band one: no create_robot may follow.
    let creates = sim.counters().total("create_robot");
    let out = child.wait_with_output().expect("terraform apply");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "the apply must fail:\n{stderr}");
    assert_contains(
        &stderr,
        "Error: Chatbot \"@RBT#late\" already exists",
        "apply",
    );
    assert_eq!(
        sim.robot("@RBT#late").as_ref(),
        Some(&theirs),
        "not taken over"
    );
    assert_eq!(
        sim.counters().total("create_robot"),
        creates,
        "no create_robot for @RBT#late"
    );
    assert_eq!(
        ws.robot_ids_in_state(),
        BTreeSet::from(["@RBT#early".to_string()])
    );
}

/// A destroy whose first (normal) plan would replace a chatbot by one of the
/// same UserID (`replace_triggered_by` fires) still destroys it: that
/// replacement is no plan-time error.
#[test]
fn a_destroy_whose_first_plan_triggers_a_self_replacement_destroys() {
    const T: &str = "a_destroy_whose_first_plan_triggers_a_self_replacement_destroys";
    let Some(tf) = Terraform::for_test_at_least(T, 1, 4, "the built-in terraform_data") else {
        return;
    };
    let header = common::provider_header();
    let hcl = format!(
        "{header}\nvariable \"rev\" {{\n  default = \"1\"\n}}\n\
         resource \"terraform_data\" \"rev\" {{\n  input = var.rev\n}}\n\
         resource \"tencentchat_robot\" \"bot\" {{\n  user_id = \"@RBT#rev\"\n  \
         lifecycle {{\n    replace_triggered_by = [terraform_data.rev]\n  }}\n}}\n"
    );
    let (sim, ws) = setup(&tf, &hcl);
    ws.apply();
    assert_eq!(sim.robot_ids(), ["@RBT#rev"]);
    let run = ws.run([
        "destroy",
        "-auto-approve",
        "-no-color",
        "-input=false",
        "-var",
        "rev=2",
    ]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(sim.robot_ids().is_empty(), "{:?}", sim.robot_ids());
    assert!(ws.robot_ids_in_state().is_empty());
}

/// Two `import` blocks of one UserID fail the plan, naming it; nothing is
/// imported and nothing written.
#[test]
fn one_user_id_imported_twice_fails_the_plan() {
    const T: &str = "one_user_id_imported_twice_fails_the_plan";
    let Some(tf) = Terraform::for_test_at_least(T, 1, 5, "import blocks") else {
        return;
    };
    let header = common::provider_header();
    let hcl = format!(
        "{header}\nimport {{\n  to = tencentchat_robot.a\n  id = \"@RBT#twin\"\n}}\n\
         import {{\n  to = tencentchat_robot.b\n  id = \"@RBT#twin\"\n}}\n\
         resource \"tencentchat_robot\" \"a\" {{\n  user_id = \"@RBT#twin\"\n}}\n\
         resource \"tencentchat_robot\" \"b\" {{\n  user_id = \"@RBT#twin\"\n}}\n"
    );
    let (sim, ws) = setup(&tf, &hcl);
    sim.create_out_of_band("@RBT#twin", serde_json::json!({"Nick": "Theirs"}));
    let theirs = sim.robot("@RBT#twin");
    let before = sim.counters();
    let plan = ws.plan_failing();
    let text = squash(&plan.transcript());
    assert_eq!(
        text.matches("Error: Chatbot \"@RBT#twin\" is imported twice")
            .count(),
        1,
        "{text}"
    );
    let after = sim.counters();
    for ep in ["create_robot", "delete_robot", "portrait_set"] {
        assert_eq!(delta(&before, &after, ep), 0, "{ep}");
    }
    assert_eq!(sim.robot("@RBT#twin"), theirs);
    assert!(ws.robot_ids_in_state().is_empty());
}
