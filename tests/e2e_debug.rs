//! End-to-end test of `terraform-provider-tencentchat --debug`: the provider runs
//! on its own (as under a debugger), prints `TF_REATTACH_PROVIDERS='…'`, and a
//! real Terraform with that variable set uses the running process instead of
//! launching one. `terraform init` skips installing a reattached ("unmanaged")
//! provider on every supported version, so no mirror is involved: the workspace
//! is given no `TENCENTCHAT_*` settings at all and only the debug process has
//! them, so any success proves Terraform talked to that process.

mod common;

use common::{assert_contains, Sim, TempDir, Terraform, Workspace, DEMO_SDKAPPID, DEMO_SECRET_KEY};
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const MAIN_TF: &str = crate::required_providers!(
    r#"
provider "tencentchat" {}

resource "tencentchat_robot" "debug" {
  user_id = "@RBT#debugged"
  nick    = "Attached"
}
"#
);

/// The provider started with `--debug`; killed on drop if still running.
struct DebugProvider {
    child: Child,
    reattach: String,
    dir: TempDir,
}

impl DebugProvider {
    /// Starts the provider in debug mode with the `TENCENTCHAT_*` settings for
    /// `sim` in its own environment, and reads its reattach value.
    fn start(sim: &Sim) -> DebugProvider {
        let dir = TempDir::new("debug-provider");
        let log = std::fs::File::create(dir.path().join("provider.log")).expect("provider.log");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_terraform-provider-tencentchat"));
        cmd.arg("--debug")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log));
        for (key, _) in std::env::vars_os() {
            let k = key.to_string_lossy();
            if k.starts_with("TENCENTCHAT_") || k.starts_with("TF_") || k.starts_with("PLUGIN_") {
                cmd.env_remove(&key);
            }
        }
        cmd.env("TENCENTCHAT_ENDPOINT", sim.url())
            .env("TENCENTCHAT_SDKAPPID", DEMO_SDKAPPID.to_string())
            .env("TENCENTCHAT_SECRET_KEY", DEMO_SECRET_KEY);
        let mut child = cmd.spawn().expect("starting the provider with --debug");

        // Read the banner on a helper thread (a silent provider cannot hang the
        // test), then keep draining stdout.
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = std::sync::mpsc::channel::<String>();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            for line in lines.by_ref() {
                let Ok(line) = line else { break };
                if let Some(rest) = line.trim_end().strip_prefix("\tTF_REATTACH_PROVIDERS='") {
                    let _ = tx.send(rest.strip_suffix('\'').unwrap_or(rest).to_string());
                    break;
                }
            }
            for _ in lines {}
        });
        let reattach = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(value) => value,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("the provider printed no TF_REATTACH_PROVIDERS line within 60 s");
            }
        };
        DebugProvider {
            child,
            reattach,
            dir,
        }
    }

    fn assert_running(&mut self, after: &str) {
        let status = self.child.try_wait().expect("try_wait");
        assert!(
            status.is_none(),
            "the debug provider exited ({status:?}) after {after}; its log:\n{}",
            self.log()
        );
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("provider.log")).unwrap_or_default()
    }

    /// SIGTERM (by pid) and wait, generously, for a clean exit.
    fn terminate(&mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("running kill");
        assert!(sent.success(), "kill -TERM {pid} failed");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the debug provider did not exit within 60 s of SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for DebugProvider {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

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
