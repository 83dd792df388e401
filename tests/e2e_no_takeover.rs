//! A create never takes over a chatbot it did not make, end to end: a real
//! Terraform drives the real provider against the simulator through the
//! refactors and lifecycles that used to let a create "adopt" an existing
//! chatbot while another address deleted it. After each scenario the app's
//! chatbots (the simulator's inspection API) and the state agree.

mod common;

use common::{assert_contains, delta, squash, Sim, Terraform, Workspace};
use std::collections::BTreeSet;
use tencentchat::sim::Counters;

/// Nothing was created, deleted or edited between two counter reads.
fn assert_untouched(before: &Counters, after: &Counters, what: &str) {
    for ep in ["create_robot", "delete_robot", "portrait_set"] {
        assert_eq!(
            delta(before, after, ep),
            0,
            "{what} must not call {ep} (before {before:?}, after {after:?})"
        );
    }
}

fn assert_agree(sim: &Sim, ws: &Workspace, what: &str) {
    assert_eq!(
        sim.robot_id_set(),
        ws.robot_ids_in_state(),
        "{what}: the app's chatbots and the state disagree"
    );
}

fn setup(tf: &Terraform, hcl: &str) -> (Sim, Workspace) {
    let sim = Sim::start();
    let ws = Workspace::new(tf, &sim);
    ws.write_main(hcl);
    ws.init();
    (sim, ws)
}

#[test]
fn count_to_for_each_without_moved_warns_at_plan() {
    const T: &str = "count_to_for_each_without_moved_warns_at_plan";
    let Some(tf) = Terraform::for_test(T) else {
        return;
    };
    let header = common::provider_header();
    let counted = format!(
        "{header}\nresource \"tencentchat_robot\" \"nm\" {{\n  count   = 3\n  \
         user_id = \"@RBT#nm${{count.index}}\"\n  nick    = \"Bot ${{count.index}}\"\n}}\n"
    );
    let keyed_resource =
        "\nresource \"tencentchat_robot\" \"nm\" {\n  for_each = toset([\"0\", \"1\", \"2\"])\n  \
         user_id  = \"@RBT#nm${each.key}\"\n  nick     = \"Bot ${each.key}\"\n}\n";
    let (sim, ws) = setup(&tf, &counted);
    ws.apply();
    assert_agree(&sim, &ws, "after the count apply");

    // The refactor without `moved`: every new address would create a chatbot
    // that the old addresses hold (and are about to delete). The plan warns (an
    // error would also block `terraform destroy`, which plans the configuration
    // first), and says the apply refuses those creates.
    ws.write_main(&format!("{header}{keyed_resource}"));
    let before = sim.counters();
    let plan = ws.plan_detailed(&[]);
    assert_eq!(plan.code, 2, "{}", plan.transcript());
    let all = squash(&plan.transcript());
    for i in 0..3 {
        assert_contains(
            &all,
            &format!("Warning: Chatbot \"@RBT#nm{i}\" already exists"),
            "the plan",
        );
    }
    assert_contains(&all, "The apply will refuse to create it", "the plan");
    assert_contains(&all, "add a `moved` block", "the plan");
    assert_contains(&all, "id = \"@RBT#nm0\"", "the plan's import block");
    assert_untouched(&before, &sim.counters(), "the plan");
    assert_eq!(sim.robot_ids().len(), 3);
    assert_agree(&sim, &ws, "after the warned plan");

    // With `moved` blocks (Terraform 1.1+) the same refactor changes nothing.
    if !tf.at_least(1, 1) {
        common::skip(
            T,
            &format!(
                "the `moved` half needs Terraform 1.1+ for moved blocks; this is {}",
                tf.version_string()
            ),
        );
        return;
    }
    let moved: String = (0..3)
        .map(|i| {
            format!(
                "\nmoved {{\n  from = tencentchat_robot.nm[{i}]\n  to   = tencentchat_robot.nm[\"{i}\"]\n}}\n"
            )
        })
        .collect();
    ws.write_main(&format!("{header}{keyed_resource}{moved}"));
    let before = sim.counters();
    let apply = ws.apply();
    assert_contains(
        &apply.stdout,
        "0 added, 0 changed, 0 destroyed",
        "the moved apply",
    );
    assert_untouched(&before, &sim.counters(), "the moved apply");
    assert_eq!(ws.plan_detailed(&[]).code, 0, "the next plan is empty");
    assert_contains(
        &ws.state_show("tencentchat_robot.nm[\"2\"]"),
        "\"@RBT#nm2\"",
        "the moved state",
    );
    assert_agree(&sim, &ws, "after the moved refactor");
}

#[test]
fn another_configuration_or_resource_with_the_same_user_id_is_refused_at_apply() {
    const T: &str = "another_configuration_or_resource_with_the_same_user_id_is_refused_at_apply";
    let Some(tf) = Terraform::for_test(T) else {
        return;
    };
    let header = common::provider_header();
    let first = format!(
        "{header}\nresource \"tencentchat_robot\" \"owner\" {{\n  user_id  = \"@RBT#shared\"\n  \
         nick     = \"First\"\n  face_url = \"https://example.com/first.png\"\n}}\n"
    );
    let (sim, ws) = setup(&tf, &first);
    ws.apply();
    let owned = sim.robot("@RBT#shared").expect("created");

    // A second configuration (its own state) with the same UserID.
    let other = Workspace::new(&tf, &sim);
    other.write_main(&format!(
        "{header}\nresource \"tencentchat_robot\" \"intruder\" {{\n  user_id = \"@RBT#shared\"\n  \
         nick    = \"Second\"\n}}\n"
    ));
    other.init();
    let before = sim.counters();
    let plan = other.plan_detailed(&[]);
    assert_eq!(plan.code, 2, "{}", plan.transcript());
    let text = squash(&plan.transcript());
    assert_contains(
        &text,
        "Warning: Chatbot \"@RBT#shared\" already exists",
        "plan",
    );
    assert_contains(&text, "tencentchat_robot.intruder", "plan");
    assert_contains(&text, "The apply will refuse to create it", "plan");
    assert_contains(
        &text,
        "If another configuration or workspace manages it, do not import it: two states \
         would then own one chatbot, and destroying either deletes the other's chatbot.",
        "plan",
    );
    assert_contains(
        &text,
        "terraform import 'tencentchat_robot.NAME' '@RBT#shared'",
        "plan",
    );
    let apply = other.apply_result();
    assert_ne!(apply.code, 0, "{}", apply.transcript());
    let text = squash(&apply.transcript());
    assert_contains(
        &text,
        "Error: Chatbot \"@RBT#shared\" already exists",
        "apply",
    );
    assert_contains(
        &text,
        "so it was refused. Nothing was created or changed.",
        "apply",
    );
    assert_untouched(&before, &sim.counters(), "the second configuration's apply");
    assert_eq!(
        sim.robot("@RBT#shared").as_ref(),
        Some(&owned),
        "profile kept"
    );
    assert!(other.robot_ids_in_state().is_empty());

    // A second resource in the same configuration.
    ws.write_main(&format!(
        "{first}\nresource \"tencentchat_robot\" \"twin\" {{\n  user_id = \"@RBT#shared\"\n}}\n"
    ));
    let plan = ws.plan_detailed(&[]);
    assert_eq!(plan.code, 2, "{}", plan.transcript());
    assert_contains(&plan.transcript(), "tencentchat_robot.twin", "plan");
    assert_contains(&plan.transcript(), "already exists", "plan");
    let apply = ws.apply_result();
    assert_ne!(apply.code, 0, "{}", apply.transcript());
    assert_contains(&apply.stderr, "tencentchat_robot.twin", "apply");
    assert_contains(&apply.stderr, "already exists", "apply");
    assert_untouched(&before, &sim.counters(), "the twin's plan and apply");
    assert_eq!(
        sim.robot("@RBT#shared").as_ref(),
        Some(&owned),
        "profile kept"
    );
    assert_agree(&sim, &ws, "after the refused twin");
    ws.write_main(&first);
    assert_eq!(ws.plan_detailed(&[]).code, 0, "the owner still plans clean");

    // The way the message points, once no other state manages it: the first
    // configuration lets go of it, and the second imports it.
    ws.run(["state", "rm", "tencentchat_robot.owner"])
        .expect_success();
    let run = other.import("tencentchat_robot.intruder", "@RBT#shared");
    assert_contains(&run.stdout, "Import successful", "import");
    assert_eq!(
        other.robot_ids_in_state(),
        BTreeSet::from(["@RBT#shared".to_string()])
    );
}

#[test]
fn replace_by_the_same_user_id_remakes_it_or_is_refused_at_apply_under_cbd() {
    const T: &str = "replace_by_the_same_user_id_remakes_it_or_is_refused_at_apply_under_cbd";
    let Some(tf) = Terraform::for_test(T) else {
        return;
    };
    let header = common::provider_header();
    let resource = |user_id: &str, lifecycle: &str| {
        format!(
            "{header}\nresource \"tencentchat_robot\" \"r\" {{\n  user_id = \"{user_id}\"\n  \
             nick    = \"Kept\"\n{lifecycle}}}\n"
        )
    };
    let cbd = "  lifecycle {\n    create_before_destroy = true\n  }\n";
    let (sim, ws) = setup(&tf, &resource("@RBT#cbd", cbd));
    ws.apply();
    let made = sim.robot("@RBT#cbd").expect("created");
    let replace = |ws: &Workspace| {
        ws.run([
            "apply",
            "-auto-approve",
            "-no-color",
            "-input=false",
            "-replace=tencentchat_robot.r",
        ])
    };

    // With create_before_destroy the new chatbot would have to exist beside the
    // old one of the same UserID: the create refuses (the old one still
    // exists), Terraform keeps the old object, nothing is written.
    let before = sim.counters();
    let run = replace(&ws);
    assert_ne!(run.code, 0, "{}", run.transcript());
    assert_contains(
        &run.stderr,
        "Error: Chatbot \"@RBT#cbd\" already exists",
        "apply -replace",
    );
    assert_contains(
        &squash(&run.stderr),
        "with create_before_destroy",
        "apply -replace",
    );
    assert_untouched(&before, &sim.counters(), "the refused replacement");
    assert_eq!(sim.robot("@RBT#cbd").as_ref(), Some(&made), "untouched");
    assert_agree(&sim, &ws, "after the refused replacement");
    assert!(
        !ws.state_file().contains("\"deposed\""),
        "{}",
        ws.state_file()
    );
    assert_eq!(ws.plan_detailed(&[]).code, 0, "nothing left to do");

    // Without it the delete runs first and the create makes the chatbot anew.
    ws.write_main(&resource("@RBT#cbd", ""));
    let before = sim.counters();
    let run = replace(&ws);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let after = sim.counters();
    assert_eq!(delta(&before, &after, "delete_robot"), 1);
    assert_eq!(delta(&before, &after, "create_robot"), 1);
    assert_eq!(
        sim.robot("@RBT#cbd").as_ref(),
        Some(&made),
        "made anew with the same profile"
    );
    assert_agree(&sim, &ws, "after the replacement");
    assert_eq!(ws.plan_detailed(&[]).code, 0, "nothing left to do");
    ws.write_main(&resource("@RBT#cbd", cbd));

    // A replacement that changes the UserID works with create_before_destroy.
    ws.write_main(&resource("@RBT#cbd2", cbd));
    let before = sim.counters();
    ws.apply();
    let after = sim.counters();
    assert_eq!(delta(&before, &after, "create_robot"), 1);
    assert_eq!(delta(&before, &after, "delete_robot"), 1);
    assert_eq!(sim.robot_ids(), ["@RBT#cbd2"]);
    assert_agree(&sim, &ws, "after the replacement");
}

#[test]
fn a_replacement_onto_an_existing_chatbot_is_refused_at_apply_with_and_without_cbd() {
    const T: &str =
        "a_replacement_onto_an_existing_chatbot_is_refused_at_apply_with_and_without_cbd";
    let Some(tf) = Terraform::for_test(T) else {
        return;
    };
    let header = common::provider_header();
    let resource = |user_id: &str, lifecycle: &str| {
        format!(
            "{header}\nresource \"tencentchat_robot\" \"r\" {{\n  user_id = \"{user_id}\"\n  \
             nick    = \"Mine\"\n{lifecycle}}}\n"
        )
    };
    let cbd = "  lifecycle {\n    create_before_destroy = true\n  }\n";
    let (sim, ws) = setup(&tf, &resource("@RBT#old", cbd));
    ws.apply();
    sim.create_out_of_band("@RBT#taken", serde_json::json!({"Nick": "Theirs"}));
    let theirs = sim.robot("@RBT#taken").expect("made out of band");

    // With create_before_destroy: the refused create leaves the old chatbot in
    // the state (Terraform restores the deposed object), nothing is written.
    ws.write_main(&resource("@RBT#taken", cbd));
    let plan = ws.plan_detailed(&[]);
    assert_eq!(plan.code, 2, "{}", plan.transcript());
    assert_contains(
        &plan.transcript(),
        "Warning: Chatbot \"@RBT#taken\" already exists",
        "plan",
    );
    let before = sim.counters();
    let apply = ws.apply_result();
    assert_ne!(apply.code, 0, "{}", apply.transcript());
    assert_contains(
        &apply.stderr,
        "Error: Chatbot \"@RBT#taken\" already exists",
        "apply",
    );
    assert_untouched(&before, &sim.counters(), "the refused cbd replacement");
    assert_eq!(
        ws.robot_ids_in_state(),
        BTreeSet::from(["@RBT#old".to_string()]),
        "the old chatbot is still the resource's, not deposed"
    );
    assert!(
        !ws.state_file().contains("\"deposed\""),
        "no deposed object:\n{}",
        ws.state_file()
    );
    assert_eq!(sim.robot("@RBT#taken").as_ref(), Some(&theirs));
    assert!(sim.robot("@RBT#old").is_some());

    // Without it: the old one is destroyed first, as planned, and the create is
    // refused; the state and the app agree, the other chatbot untouched.
    ws.write_main(&resource("@RBT#taken", ""));
    let apply = ws.apply_result();
    assert_ne!(apply.code, 0, "{}", apply.transcript());
    assert_contains(&apply.stderr, "already exists", "apply");
    assert!(ws.robot_ids_in_state().is_empty());
    assert_eq!(sim.robot_ids(), ["@RBT#taken"]);
    assert_eq!(sim.robot("@RBT#taken").as_ref(), Some(&theirs));
}
