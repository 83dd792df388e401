//! The adoption recipe of `docs/guides/adopting-existing-chatbots.md`, run as
//! written (`examples/adopt-existing/`) with a real Terraform on a simulator app
//! whose five chatbots were made through the Chat REST API (signed HTTP requests,
//! as a console or a script would), never through Terraform.
//!
//! Proven: one apply puts every chatbot in state and changes nothing (no
//! `create_robot`, `portrait_set` or `delete_robot`; profiles identical); the next
//! plan is empty; `prefix` adopts a subset; a chatbot deleted out of band leaves
//! a data-driven configuration quietly, and is planned as a create once the set is
//! pinned. Import blocks with `for_each` need Terraform 1.7: older ones skip.

mod common;

use common::{assert_contains, delta, Sim, Terraform, Workspace};
use serde_json::json;

/// The five chatbots "someone else" made, with assorted profiles (some unset).
fn made_elsewhere(sim: &Sim) {
    sim.create_out_of_band(
        "@RBT#shop_orders",
        json!({"Nick": "Orders", "FaceUrl": "https://example.com/o.png", "SelfSignature": "Where is my parcel?"}),
    );
    sim.create_out_of_band("@RBT#shop_refunds", json!({"Nick": "Refunds"}));
    sim.create_out_of_band(
        "@RBT#support_1",
        json!({"Nick": "Support", "SelfSignature": "Ask me anything."}),
    );
    sim.create_out_of_band("@RBT#support_2", json!({}));
    sim.create_out_of_band(
        "@RBT#ops",
        json!({"FaceUrl": "https://example.com/ops.png"}),
    );
}

fn adopt_workspace(tf: &Terraform, sim: &Sim) -> Workspace {
    let ws = Workspace::new(tf, sim);
    ws.copy_dir_from(&common::repo_root().join("examples/adopt-existing"));
    ws.init();
    ws
}

/// `terraform state list`, sorted.
fn state_list(ws: &Workspace) -> Vec<String> {
    let run = ws.run(["state", "list"]).expect_success();
    let mut v: Vec<String> = run.stdout.lines().map(str::to_string).collect();
    v.sort();
    v
}

fn addr(id: &str) -> String {
    format!("tencentchat_robot.bot[\"{id}\"]")
}

/// Asserts the apply or plan changed nothing on the app.
fn assert_no_writes(sim: &Sim, before: &tencentchat::sim::Counters, what: &str) {
    let after = sim.counters();
    for endpoint in ["create_robot", "portrait_set", "delete_robot"] {
        assert_eq!(
            delta(before, &after, endpoint),
            0,
            "{what} called {endpoint}: {after:?}"
        );
    }
}

/// One `terraform apply` that must import `n` chatbots and write nothing; the
/// simulator's counters from before it.
fn adopt(ws: &Workspace, sim: &Sim, n: usize) -> tencentchat::sim::Counters {
    let before = sim.counters();
    let apply = ws.apply();
    for line in [
        format!("Plan: {n} to import, 0 to add, 0 to change, 0 to destroy."),
        format!("{n} imported, 0 added, 0 changed, 0 destroyed"),
    ] {
        assert_contains(&apply.stdout, &line, "apply");
    }
    assert_no_writes(sim, &before, &format!("adopting {n} chatbots"));
    before
}

#[test]
fn one_apply_adopts_every_chatbot_made_elsewhere_and_changes_nothing() {
    const T: &str = "one_apply_adopts_every_chatbot_made_elsewhere_and_changes_nothing";
    let Some(tf) = Terraform::for_test_at_least(T, 1, 7, "import blocks with for_each") else {
        return;
    };
    let sim = Sim::start();
    made_elsewhere(&sim);
    let profiles = sim.robots();
    assert_eq!(profiles.len(), 5);

    // Only a prefix: the two shop chatbots, nothing else. (This workspace is not
    // used again, so the one below may adopt the same two.)
    let mut shop = adopt_workspace(&tf, &sim);
    shop.set_env("TF_VAR_prefix", "@RBT#shop_");
    adopt(&shop, &sim, 2);
    assert_eq!(
        state_list(&shop),
        [
            "data.tencentchat_robots.existing".to_string(),
            addr("@RBT#shop_orders"),
            addr("@RBT#shop_refunds"),
        ]
    );

    // Everything, in one apply.
    let all = adopt_workspace(&tf, &sim);
    let before = adopt(&all, &sim, 5);
    let mut expected: Vec<String> = profiles.iter().map(|r| addr(&r.user_id)).collect();
    expected.push("data.tencentchat_robots.existing".into());
    expected.sort();
    assert_eq!(state_list(&all), expected);
    assert_eq!(sim.robots(), profiles, "adoption changed a profile");
    // Profiles in state are the app's, unset fields null.
    let shown = all.state_show(&addr("@RBT#shop_orders"));
    assert_contains(
        &shown,
        "self_signature = \"Where is my parcel?\"",
        "state show",
    );
    let out = all.output_json();
    assert_eq!(out["chatbots"]["@RBT#ops"]["nick"], json!(null), "{out}");

    let plan = all.plan_detailed(&[]);
    assert_eq!(plan.code, 0, "plan after adoption:\n{}", plan.transcript());
    assert_no_writes(&sim, &before, "the plan after adoption");

    // Pinning the set: the output saved as the `chatbots` variable.
    all.write_file(
        "chatbots.auto.tfvars.json",
        &json!({ "chatbots": out["chatbots"] }).to_string(),
    );
    let plan = all.plan_detailed(&[]);
    assert_eq!(plan.code, 0, "plan once pinned:\n{}", plan.transcript());

    // A chatbot deleted out of band: with the set pinned it is planned as a create…
    sim.delete_out_of_band("@RBT#support_2");
    let plan = all.plan_detailed(&[]);
    assert_eq!(plan.code, 2, "{}", plan.transcript());
    assert_contains(
        &plan.stdout,
        &format!("# {} will be created", addr("@RBT#support_2")),
        "plan",
    );
    assert_contains(
        &plan.stdout,
        "Plan: 1 to add, 0 to change, 0 to destroy.",
        "plan",
    );

    // …while a configuration that follows the app lets it go: the apply drops it
    // from state and the outputs, and creates nothing.
    std::fs::remove_file(all.dir().join("chatbots.auto.tfvars.json")).unwrap();
    let apply = all.apply();
    assert_contains(&apply.stdout, "0 added, 0 changed, 0 destroyed", "apply");
    let plan = all.plan_detailed(&[]);
    assert_eq!(plan.code, 0, "{}", plan.transcript());
    assert!(!state_list(&all).contains(&addr("@RBT#support_2")));
    assert_no_writes(&sim, &before, "the plans after an out-of-band delete");
}
