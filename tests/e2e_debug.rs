//! End-to-end test of `terraform-provider-tencentchat --debug`: the provider runs
//! on its own (as under a debugger), prints `TF_REATTACH_PROVIDERS='…'`, and a
//! real Terraform with that variable set uses the running process instead of
//! launching one. `terraform init` skips installing a reattached ("unmanaged")
//! provider on every supported version, so no mirror is involved: the workspace
//! is given no `TENCENTCHAT_*` settings at all and only the debug process has
//! them, so any success proves Terraform talked to that process.

mod common;

use common::{assert_contains, DebugProvider, Sim, Terraform, Workspace};
use serde_json::json;
use std::path::Path;

const MAIN_TF: &str = crate::required_providers!(
    r#"
provider "tencentchat" {}

resource "tencentchat_robot" "debug" {
  user_id = "@RBT#debugged"
  nick    = "Attached"
}
"#
);

#[test]
fn terraform_drives_a_provider_started_with_debug() {
    const T: &str = "terraform_drives_a_provider_started_with_debug";
    let Some(tf) = Terraform::for_test(T) else {
        return;
    };
    let sim = Sim::start();
    let mut provider = DebugProvider::start(&sim);
    let reattach: serde_json::Value =
        serde_json::from_str(&provider.reattach).expect("the reattach value is JSON");
    let socket = reattach["registry.terraform.io/tencentchat/tencentchat"]["Addr"]["String"]
        .as_str()
        .expect("a socket address")
        .to_string();

    // No TENCENTCHAT_* here: only the debug process knows the app.
    let mut ws = Workspace::bare(&tf);
    ws.set_env("TF_REATTACH_PROVIDERS", &provider.reattach);
    ws.write_main(MAIN_TF);

    let init = ws.init();
    provider.assert_running("init");
    assert!(
        !ws.dir().join(".terraform/providers").exists(),
        "init installed a provider although it is reattached:\n{}",
        init.transcript()
    );

    let apply = ws.apply();
    provider.assert_running("apply");
    assert_contains(&apply.stdout, "1 added, 0 changed, 0 destroyed", "apply");
    assert_eq!(
        sim.robot("@RBT#debugged")
            .expect("the chatbot was created")
            .nick(),
        Some("Attached")
    );

    // The same long-lived process is configured again by each command; a change
    // made meanwhile is seen (nothing stale is carried over between commands).
    assert_eq!(ws.plan_detailed(&[]).code, 0, "plan after apply");
    provider.assert_running("plan");
    sim.edit_out_of_band("@RBT#debugged", json!({"nick": "Changed elsewhere"}));
    let drift = ws.plan_detailed(&[]);
    assert_eq!(drift.code, 2, "drift not seen:\n{}", drift.transcript());
    assert_contains(
        &drift.stdout,
        r#"~ nick = "Changed elsewhere" -> "Attached""#,
        "plan",
    );
    provider.assert_running("the second plan");

    ws.destroy();
    provider.assert_running("destroy");
    assert!(
        sim.robots().is_empty(),
        "destroy left {:?}",
        sim.robot_ids()
    );

    // Reattached providers are never stopped by Terraform; SIGTERM ends it cleanly.
    let status = provider.terminate();
    assert_eq!(status.code(), Some(0), "log:\n{}", provider.log());
    assert!(
        !Path::new(&socket).exists(),
        "the socket {socket} was left behind"
    );
}
