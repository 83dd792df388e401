//! Reliability, end to end: a real Terraform drives the real provider against the
//! real simulator while the simulator injects faults, while Terraform is
//! interrupted or the provider is killed, and with every secret searched for in
//! everything Terraform leaves behind (output, TRACE logs, state, plan files).
//!
//! Each test starts its own simulator and workspace. Terraform comes from
//! `TF_ACC_TERRAFORM_PATH`, else `PATH` (scripts/test.sh runs this file with both
//! the Terraform on PATH and 1.0.3).

mod common;

use common::zip::read_zip;
use common::{
    assert_contains, assert_no_secret, squash, Sim, Terraform, Workspace, DEMO_SECRET_KEY,
};
use std::collections::BTreeSet;
use std::io::Read;
use std::path::Path;
use std::process::Child;
use std::time::{Duration, Instant};
use tencentchat::sim::Fault;

const HEADER: &str = crate::required_providers!(
    r#"
provider "tencentchat" {}
"#
);

/// A configuration of `tencentchat_robot.r["<suffix>"]` for each suffix, user_id
/// `@RBT#<suffix>` and nick `Bot <suffix>`.
fn robots_config(suffixes: &[&str]) -> String {
    let keys = suffixes
        .iter()
        .map(|s| common::hcl_string(s))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "{HEADER}\nresource \"tencentchat_robot\" \"r\" {{\n  for_each = toset([{keys}])\n  \
         user_id  = \"@RBT#${{each.key}}\"\n  nick     = \"Bot ${{each.key}}\"\n}}\n"
    )
}

fn setup(test: &str, hcl: &str) -> Option<(Terraform, Sim, Workspace)> {
    let tf = Terraform::for_test(test)?;
    let sim = Sim::start();
    let ws = Workspace::new(&tf, &sim);
    ws.write_main(hcl);
    ws.init();
    Some((tf, sim, ws))
}

fn add_fault(sim: &Sim, f: Fault) {
    sim.block_on(sim.admin().add_fault(&f))
        .unwrap_or_else(|e| panic!("installing fault {f:?}: {e}"));
}

fn clear_faults(sim: &Sim) {
    sim.block_on(sim.admin().clear_faults())
        .unwrap_or_else(|e| panic!("clearing faults: {e}"));
}

fn expected_ids(suffixes: &[&str]) -> BTreeSet<String> {
    suffixes.iter().map(|s| format!("@RBT#{s}")).collect()
}

/// Every robot of the configuration exists exactly once, with its nick, nothing
/// else exists, the state records exactly those, and the next plan is empty.
fn assert_converged(sim: &Sim, ws: &Workspace, suffixes: &[&str], what: &str) {
    let listed = sim.robot_ids();
    let unique: BTreeSet<String> = listed.iter().cloned().collect();
    assert_eq!(
        listed.len(),
        unique.len(),
        "{what}: duplicate chatbots {listed:?}"
    );
    assert_eq!(
        unique,
        expected_ids(suffixes),
        "{what}: chatbots in the sim"
    );
    assert_eq!(
        ws.robot_ids_in_state(),
        expected_ids(suffixes),
        "{what}: chatbots in the state"
    );
    for s in suffixes {
        let r = sim.robot(&format!("@RBT#{s}")).expect("listed above");
        assert_eq!(
            r.nick(),
            Some(format!("Bot {s}").as_str()),
            "{what}: profile of {s}"
        );
    }
    let plan = ws.plan_detailed(&[]);
    assert_eq!(
        plan.code,
        0,
        "{what}: the next plan must be empty:\n{}",
        plan.transcript()
    );
}

// ---------------------------------------------------------------------------
// Faults the provider rides out
// ---------------------------------------------------------------------------

#[test]
fn transient_faults_are_ridden_out() {
    const T: &str = "transient_faults_are_ridden_out";
    let bots = ["t1", "t2", "t3", "t4", "t5"];
    let Some((_tf, sim, ws)) = setup(T, &robots_config(&bots)) else {
        return;
    };
    // Every kind of transient failure at once; each one fewer times in a row than
    // the provider's default 5 retries, so every call gets through in the end.
    add_fault(
        &sim,
        Fault {
            error_code: Some(10002),
            count: Some(3),
            ..Fault::on("create_robot")
        },
    );
    add_fault(
        &sim,
        Fault {
            error_code: Some(10002),
            probability: Some(0.3),
            seed: Some(7),
            ..Fault::on("create_robot")
        },
    );
    add_fault(
        &sim,
        Fault {
            http_status: Some(502),
            count: Some(2),
            ..Fault::on("get_all_robots")
        },
    );
    add_fault(
        &sim,
        Fault {
            error_code: Some(60007),
            count: Some(2),
            ..Fault::on("portrait_get")
        },
    );
    add_fault(
        &sim,
        Fault {
            latency_ms: Some(150),
            probability: Some(0.5),
            seed: Some(3),
            ..Fault::on("*")
        },
    );
    let apply = ws.apply();
    assert_contains(&apply.stdout, "5 added, 0 changed, 0 destroyed", "apply");
    let c = sim.counters();
    assert!(
        c.total["create_robot"] >= 8,
        "the faults were hit (create_robot calls: {:?})",
        c.total
    );
    // A refresh under faults too.
    add_fault(
        &sim,
        Fault {
            http_status: Some(503),
            count: Some(2),
            ..Fault::on("get_all_robots")
        },
    );
    add_fault(
        &sim,
        Fault {
            error_code: Some(60007),
            count: Some(1),
            ..Fault::on("portrait_get")
        },
    );
    assert_converged(&sim, &ws, &bots, "after apply under transient faults");
}

#[test]
fn permanent_failure_is_reported_on_its_resource_and_others_are_kept() {
    const T: &str = "permanent_failure_is_reported_on_its_resource_and_others_are_kept";
    let bots = ["p1", "p2", "p3"];
    let Some((_tf, sim, ws)) = setup(T, &robots_config(&bots)) else {
        return;
    };
    // The first create_robot call is refused as invalid input (not transient).
    add_fault(
        &sim,
        Fault {
            error_code: Some(40601),
            count: Some(1),
            ..Fault::on("create_robot")
        },
    );
    let apply = ws.apply_result();
    assert_ne!(apply.code, 0, "{}", apply.transcript());
    let err = squash(&apply.stderr);
    assert!(
        err.contains("Could not create chatbot \"@RBT#p"),
        "the error names the chatbot:\n{}",
        apply.transcript()
    );
    assert_contains(&apply.stderr, "ErrorCode 40601", "apply");
    assert_contains(&apply.stderr, "at most 500 bytes", "apply");
    // Terraform points the error at that resource.
    assert!(
        err.contains("with tencentchat_robot.r[\"p"),
        "the error is attached to the resource:\n{}",
        apply.transcript()
    );
    assert_eq!(
        sim.counters().total["create_robot"],
        3,
        "invalid input is not retried"
    );
    let created = sim.robot_id_set();
    assert_eq!(created.len(), 2, "the other chatbots were created");
    assert_eq!(
        ws.robot_ids_in_state(),
        created,
        "the created chatbots are recorded"
    );
    let failed: Vec<_> = expected_ids(&bots).difference(&created).cloned().collect();
    assert!(
        err.contains(&format!("Could not create chatbot {:?}", failed[0])),
        "the error names the one that failed ({failed:?}):\n{}",
        apply.transcript()
    );

    // The fault was a one-off; the rerun creates just the missing one.
    let rerun = ws.apply();
    assert_contains(&rerun.stdout, "1 added, 0 changed, 0 destroyed", "rerun");
    assert_converged(&sim, &ws, &bots, "after the rerun");
}

#[test]
fn lost_create_responses_leave_no_unrecorded_or_duplicate_chatbot() {
    const T: &str = "lost_create_responses_leave_no_unrecorded_or_duplicate_chatbot";
    let bots = ["l1", "l2"];
    let Some((_tf, sim, ws)) = setup(T, &robots_config(&bots)) else {
        return;
    };
    // Case 1: one lost answer; the provider's retry meets an existing chatbot.
    add_fault(
        &sim,
        Fault {
            http_status: Some(502),
            count: Some(1),
            after_apply: true,
            ..Fault::on("create_robot")
        },
    );
    let apply = ws.apply();
    assert_contains(&apply.stdout, "2 added", "apply");
    assert_converged(&sim, &ws, &bots, "after one lost create answer");
    ws.destroy();
    assert!(sim.robot_ids().is_empty());

    // Case 2: every answer is lost, with retries disabled: the provider looks,
    // finds the chatbots it made (they did not exist before), and records them
    // with a warning rather than forgetting them or marking them for replacement.
    clear_faults(&sim);
    add_fault(
        &sim,
        Fault {
            http_status: Some(502),
            after_apply: true,
            ..Fault::on("create_robot")
        },
    );
    let mut ws = ws;
    ws.set_env("TENCENTCHAT_MAX_RETRIES", "0");
    let lost = ws.apply();
    assert_contains(&lost.stdout, "created, but its answer was lost", "apply");
    assert_contains(&lost.stdout, "The chatbot exists nonetheless", "apply");
    assert_eq!(sim.robot_id_set(), expected_ids(&bots), "the API made both");
    clear_faults(&sim);
    ws.unset_env("TENCENTCHAT_MAX_RETRIES");
    assert_converged(&sim, &ws, &bots, "after every answer was lost");
    assert_eq!(sim.robot_ids().len(), 2, "no duplicates");
}

#[test]
fn deleting_chatbots_that_are_already_gone_succeeds() {
    const T: &str = "deleting_chatbots_that_are_already_gone_succeeds";
    let bots = ["g1", "g2", "g3"];
    let Some((_tf, sim, ws)) = setup(T, &robots_config(&bots)) else {
        return;
    };
    ws.apply();
    // Removed from the configuration, but deleted out of band first: the refresh
    // before the plan notices; and one is deleted with -refresh=false so the
    // provider's delete itself meets a chatbot that is already gone.
    sim.delete_out_of_band("@RBT#g1");
    sim.delete_out_of_band("@RBT#g2");
    ws.write_main(&robots_config(&["g3"]));
    let apply = ws
        .run([
            "apply",
            "-auto-approve",
            "-no-color",
            "-input=false",
            "-refresh=false",
        ])
        .expect_success();
    assert_contains(&apply.stdout, "2 destroyed", "apply -refresh=false");
    assert_eq!(ws.robot_ids_in_state(), expected_ids(&["g3"]));

    // Destroy after an out-of-band deletion is clean, with and without refresh.
    sim.delete_out_of_band("@RBT#g3");
    ws.run([
        "destroy",
        "-auto-approve",
        "-no-color",
        "-input=false",
        "-refresh=false",
    ])
    .expect_success();
    assert!(ws.robot_ids_in_state().is_empty());
    assert!(sim.robot_ids().is_empty());
    ws.write_main(&robots_config(&bots));
    ws.apply();
    for b in bots {
        sim.delete_out_of_band(&format!("@RBT#{b}"));
    }
    ws.destroy();
    assert!(ws.robot_ids_in_state().is_empty());
}

// ---------------------------------------------------------------------------
// Interruptions
// ---------------------------------------------------------------------------

/// How a background command ended, and the whole of it as text for messages.
struct Ended {
    code: i32,
    stdout: String,
    stderr: String,
    transcript: String,
}

/// Waits for `child` up to `limit`, collecting its output; kills it (and fails)
/// if it does not exit in time.
fn wait_with_output(mut child: Child, limit: Duration, what: &str) -> Ended {
    let mut out = child.stdout.take().expect("piped stdout");
    let mut err = child.stderr.take().expect("piped stderr");
    let t_out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let t_err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for terraform") {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let stdout = t_out.join().unwrap_or_default();
    let stderr = t_err.join().unwrap_or_default();
    let code = status.code().unwrap_or(-1);
    Ended {
        transcript: format!("exit {code}\n--- stdout\n{stdout}\n--- stderr\n{stderr}"),
        code,
        stdout,
        stderr,
    }
}

/// Polls `cond` every 50 ms until it holds or `limit` passes.
fn wait_until(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    cond()
}

fn send_signal(pid: u32, signal: &str) {
    let status = std::process::Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .status()
        .expect("running kill");
    assert!(status.success(), "kill -{signal} {pid} failed");
}

/// The parent pid of `pid`, from /proc.
fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the parenthesised command: state, ppid, …
    stat.rsplit_once(')')
        .and_then(|(_, rest)| rest.split_whitespace().nth(1))
        .and_then(|p| p.parse::<u32>().ok())
}

/// The descendants of `root` whose command line mentions `needle` (from /proc),
/// each with its parent. (Terraform before 1.1 runs itself as a child of a
/// panic-catching wrapper, so the provider is a grandchild there.)
fn descendants_named(root: u32, needle: &str) -> Vec<(u32, u32)> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let pids: Vec<(u32, u32)> = dir
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| Some((pid, parent_of(pid)?)))
        .collect();
    let descends = |mut pid: u32| {
        for _ in 0..16 {
            match pids.iter().find(|(p, _)| *p == pid) {
                Some((_, parent)) if *parent == root => return true,
                Some((_, parent)) => pid = *parent,
                None => return false,
            }
        }
        false
    };
    pids.iter()
        .copied()
        .filter(|(pid, _)| descends(*pid))
        .filter(|(pid, _)| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .map(|c| String::from_utf8_lossy(&c).contains(needle))
                .unwrap_or(false)
        })
        .collect()
}

/// The provider process under the terraform started as `root`, and the
/// terraform process that runs it, once it is up.
fn provider_under(root: u32) -> (u32, u32) {
    let mut found = Vec::new();
    let up = wait_until(Duration::from_secs(60), || {
        found = descendants_named(root, "terraform-provider-tencentchat");
        found.len() == 1
    });
    assert!(
        up,
        "expected exactly one provider process under terraform ({root}): {found:?}"
    );
    found[0]
}

/// Starts `terraform apply` of `bots` in the background, with every create_robot
/// performed at once but answered 6 s late: while creates are in flight (long
/// enough for a loaded machine to signal), their chatbots exist and nobody has
/// recorded them, the worst case for orphans. `None` after a skip when there is
/// no /proc (to find the provider process) or no Terraform.
fn start_slow_apply(test: &str, bots: &[&str]) -> Option<(Sim, Workspace, Child)> {
    if !Path::new("/proc/self/stat").exists() {
        common::skip(test, "needs /proc");
        return None;
    }
    let (_tf, sim, ws) = setup(test, &robots_config(bots))?;
    add_fault(
        &sim,
        Fault {
            latency_ms: Some(6000),
            after_apply: true,
            ..Fault::on("create_robot")
        },
    );
    let child = ws
        .command(["apply", "-auto-approve", "-no-color", "-input=false"])
        .spawn()
        .expect("starting terraform");
    Some((sim, ws, child))
}

/// After an interruption, chatbots the API made but the state does not record
/// are never taken over by the rerun: its plan warns about each one with the
/// import block that adopts it, and its apply refuses to create them. Following that advice (here
/// with `terraform import`, which every supported Terraform has) adopts them.
fn adopt_leftovers(sim: &Sim, ws: &Workspace, what: &str) {
    let leftovers: Vec<String> = sim
        .robot_id_set()
        .difference(&ws.robot_ids_in_state())
        .cloned()
        .collect();
    eprintln!("{what} left these chatbots unrecorded: {leftovers:?}");
    if leftovers.is_empty() {
        return;
    }
    let before = sim.counters();
    let plan = ws.plan_detailed(&[]);
    let text = plan.transcript();
    for id in &leftovers {
        assert_contains(
            &text,
            &format!("Warning: Chatbot {id:?} already exists"),
            what,
        );
        assert_contains(&text, &format!("id = {id:?}"), what);
    }
    assert_eq!(
        common::delta(&before, &sim.counters(), "create_robot"),
        0,
        "the plan after {what} created nothing"
    );
    // The apply refuses those creates (and makes the others): every
    // create_robot made a new chatbot, none went to a leftover.
    let present = sim.robot_id_set();
    let before = sim.counters();
    let apply = ws.apply_result();
    for id in &leftovers {
        assert_contains(
            &apply.stderr,
            &format!("Error: Chatbot {id:?} already exists"),
            what,
        );
    }
    let made = sim.robot_id_set().difference(&present).count();
    assert_eq!(
        common::delta(&before, &sim.counters(), "create_robot") as usize,
        made,
        "the apply after {what} created only new chatbots"
    );
    let in_state = ws.robot_ids_in_state();
    assert!(leftovers.iter().all(|id| !in_state.contains(id)));
    for id in &leftovers {
        let key = id.strip_prefix("@RBT#").expect("a chatbot UserID");
        ws.import(&format!("tencentchat_robot.r[{key:?}]"), id);
    }
}

#[test]
fn interrupted_apply_writes_state_and_the_rerun_converges() {
    const T: &str = "interrupted_apply_writes_state_and_the_rerun_converges";
    let bots = ["i1", "i2", "i3", "i4"];
    // Creates are in flight (and their chatbots exist, unrecorded) when Terraform
    // is told to stop.
    let Some((sim, ws, child)) = start_slow_apply(T, &bots) else {
        return;
    };
    let pid = child.id();
    let in_flight = wait_until(Duration::from_secs(60), || {
        sim.counters()
            .total
            .get("create_robot")
            .copied()
            .unwrap_or(0)
            >= 1
    });
    assert!(in_flight, "no create_robot reached the sim within 60 s");
    // To terraform only (not its process group), as a CI runner cancels a job.
    let (_, terraform) = provider_under(pid);
    let signalled = Instant::now();
    send_signal(terraform, "INT");
    let Ended {
        code,
        stdout,
        transcript,
        ..
    } = wait_with_output(child, Duration::from_secs(120), "terraform");
    let took = signalled.elapsed();
    eprintln!("interrupted apply, stopped {took:?} after SIGINT:\n{transcript}");
    assert_ne!(code, 0, "an interrupted apply fails:\n{transcript}");
    assert_contains(&stdout, "Interrupt received", "the interrupted apply");
    // The provider honours StopProvider: in-flight calls end at once rather than
    // after the sim's latency and the retries.
    assert!(
        took < Duration::from_secs(60),
        "terraform took {took:?} to stop:\n{transcript}"
    );
    // Terraform wrote a state file, and everything recorded exists.
    let recorded = ws.robot_ids_in_state();
    assert!(
        ws.dir().join("terraform.tfstate").exists(),
        "state was written:\n{transcript}"
    );
    // Let any request still on its way settle, then look.
    std::thread::sleep(Duration::from_secs(1));
    let active = sim.robot_id_set();
    eprintln!("after the interrupt: state {recorded:?}, sim {active:?}");
    assert!(
        recorded.is_subset(&active),
        "state {recorded:?} records chatbots that do not exist ({active:?})"
    );

    clear_faults(&sim);
    adopt_leftovers(&sim, &ws, "the interrupted apply");
    ws.apply();
    assert_converged(&sim, &ws, &bots, "after rerunning the interrupted apply");
    let active = sim.robot_id_set();
    assert!(
        active.is_subset(&ws.robot_ids_in_state()),
        "orphan chatbots: {active:?} vs state"
    );
}

#[test]
fn killed_provider_is_reported_and_the_rerun_names_what_was_made() {
    const T: &str = "killed_provider_is_reported_and_the_rerun_names_what_was_made";
    let bots = ["k1", "k2", "k3"];
    // At the kill some chatbots exist that nobody has recorded yet.
    let Some((sim, ws, child)) = start_slow_apply(T, &bots) else {
        return;
    };
    let pid = child.id();
    assert!(
        wait_until(Duration::from_secs(60), || !sim.robot_ids().is_empty()),
        "no chatbot was created within 60 s"
    );
    let (provider, _) = provider_under(pid);
    send_signal(provider, "KILL");
    let Ended {
        code,
        stdout,
        stderr,
        transcript,
    } = wait_with_output(child, Duration::from_secs(120), "terraform");
    assert_ne!(code, 0, "the apply fails:\n{transcript}");
    let all = squash(&format!("{stdout}\n{stderr}"));
    assert!(
        all.contains("plugin") || all.contains("provider"),
        "terraform reports the lost provider:\n{transcript}"
    );
    assert!(
        !sim.robot_ids().is_empty(),
        "some chatbots were made before the kill"
    );

    clear_faults(&sim);
    adopt_leftovers(&sim, &ws, "the killed apply");
    ws.apply();
    assert_converged(&sim, &ws, &bots, "after rerunning the killed apply");
}

// ---------------------------------------------------------------------------
// Secrets
// ---------------------------------------------------------------------------

#[test]
fn secrets_stay_out_of_trace_logs_and_saved_plans() {
    const T: &str = "secrets_stay_out_of_trace_logs_and_saved_plans";
    let bots = ["s1", "s2"];
    let Some((_tf, sim, mut ws)) = setup(T, &robots_config(&bots)) else {
        return;
    };
    let log_path = ws.dir().join("trace.log");
    ws.set_env("TF_LOG", "TRACE");
    ws.set_env("TF_LOG_PATH", &log_path.to_string_lossy());
    // Some failures on the way, so error paths are logged too.
    add_fault(
        &sim,
        Fault {
            error_code: Some(70001),
            count: Some(1),
            ..Fault::on("get_all_robots")
        },
    );
    let failed = ws.run(["plan", "-no-color", "-input=false", "-out=failed.tfplan"]);
    add_fault(
        &sim,
        Fault {
            http_status: Some(502),
            count: Some(1),
            ..Fault::on("create_robot")
        },
    );
    let plan = ws
        .run(["plan", "-no-color", "-input=false", "-out=first.tfplan"])
        .expect_success();
    let apply = ws
        .run(["apply", "-no-color", "-input=false", "first.tfplan"])
        .expect_success();
    // A saved plan with an update in it, and one with a destroy.
    ws.write_main(&robots_config(&["s1"]));
    let plan2 = ws
        .run(["plan", "-no-color", "-input=false", "-out=second.tfplan"])
        .expect_success();
    let show = ws.run(["show", "-json", "second.tfplan"]).expect_success();
    let show_first = ws.run(["show", "-json", "first.tfplan"]).expect_success();
    let refresh = ws.run(["refresh", "-no-color", "-input=false"]);

    let mut secrets = sim.usersigs();
    assert!(!secrets.is_empty(), "the provider signed its requests");
    secrets.push(DEMO_SECRET_KEY.to_string());

    let log = std::fs::read(&log_path).expect("TF_LOG_PATH was written");
    let log_text = String::from_utf8_lossy(&log);
    assert!(
        log_text.contains("terraform-provider-tencentchat"),
        "the trace log covers the provider's own output"
    );
    assert!(
        log_text.contains("@RBT#s1"),
        "the trace log has the provider's debug lines"
    );
    assert_no_secret("the TRACE log", &log, &secrets);
    for run in [&failed, &plan, &apply, &plan2, &show, &show_first, &refresh] {
        assert_no_secret(
            &format!("the output of terraform {}", run.args.join(" ")),
            format!("{}{}", run.stdout, run.stderr).as_bytes(),
            &secrets,
        );
    }
    assert_no_secret("the state", ws.state_file().as_bytes(), &secrets);
    for name in ["first.tfplan", "second.tfplan"] {
        let bytes = std::fs::read(ws.dir().join(name)).expect("saved plan");
        assert_no_secret(name, &bytes, &secrets);
        let entries = read_zip(&bytes);
        assert!(
            entries.iter().any(|e| e.name == "tfplan"),
            "{name} holds a tfplan entry: {:?}",
            entries.iter().map(|e| &e.name).collect::<Vec<_>>()
        );
        for e in &entries {
            assert_no_secret(&format!("{name}/{}", e.name), &e.data, &secrets);
        }
    }
}
