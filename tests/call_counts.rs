//! Exact Chat API call counts per Terraform operation, so a regression in the
//! provider's read sharing (one snapshot per provider process) or in profile
//! batching fails CI. A real Terraform drives the real provider binary against
//! the real simulator; the simulator's counters are the ground truth.
//!
//! Per app, with N robots managed by Terraform:
//! - refresh (`plan -refresh-only`): 1 get_all_robots + ceil(N/100) portrait_get;
//! - create (`apply` from empty state): N create_robot, plus one get_all_robots in
//!   each of the two provider processes that plan it (Terraform's plan walk, and
//!   its re-plan of every create in the apply walk) for the plan-time warning
//!   about the 20-chatbot limit — which no refresh had loaded, the state being
//!   empty; the app is empty then, so no portrait_get;
//! - in-place update of every robot (`apply`): the refresh above + N portrait_set;
//! - destroy: the refresh above + N delete_robot.
//!
//! The refresh inside update and destroy is Terraform's (it refreshes before
//! planning); `bench/` measures the same operations with latency and timings.

mod common;

use common::{delta, Sim, Terraform, Workspace, DEMO_ADMIN, ENDPOINTS};
use std::collections::BTreeMap;
use tencentchat::sim::Counters;

const HEADER: &str = crate::required_providers!();

/// `count` robots named `@RBT#<prefix>NN` whose nick carries `generation`.
fn robots_block(
    name: &str,
    provider: Option<&str>,
    prefix: &str,
    count: usize,
    gen: u32,
) -> String {
    let provider = provider
        .map(|p| format!("  provider = tencentchat.{p}\n"))
        .unwrap_or_default();
    format!(
        r#"
resource "tencentchat_robot" "{name}" {{
{provider}  count   = {count}
  user_id = format("@RBT#{prefix}%02d", count.index)
  nick    = "gen {gen} bot ${{count.index}}"
}}
"#
    )
}

/// The calls of every endpoint between two counter reads (all five, zeros kept).
fn calls(before: &Counters, after: &Counters) -> BTreeMap<&'static str, u64> {
    ENDPOINTS
        .iter()
        .map(|ep| (*ep, delta(before, after, ep)))
        .collect()
}

/// The five endpoints with the given counts (summed when an endpoint repeats),
/// zero elsewhere.
fn expected(nonzero: &[(&'static str, u64)]) -> BTreeMap<&'static str, u64> {
    let mut m: BTreeMap<_, _> = ENDPOINTS.iter().map(|ep| (*ep, 0)).collect();
    for (ep, n) in nonzero {
        *m.entry(*ep).or_default() += *n;
    }
    m
}

/// Runs `op` and asserts the calls it made, naming the operation on failure.
fn assert_calls(sim: &Sim, what: &str, want: BTreeMap<&'static str, u64>, op: impl FnOnce()) {
    let before = sim.counters();
    op();
    let after = sim.counters();
    assert_eq!(calls(&before, &after), want, "API calls of {what}");
}

/// Refresh cost for n robots in one app.
fn refresh(n: usize) -> [(&'static str, u64); 2] {
    [
        ("get_all_robots", 1),
        ("portrait_get", n.div_ceil(100) as u64),
    ]
}

fn single_app(n: usize) {
    let test = format!("single_app_{n}");
    let Some(tf) = Terraform::for_test(&test) else {
        return;
    };
    let sim = Sim::start();
    let ws = Workspace::new(&tf, &sim);
    let config = |gen| {
        format!(
            "{HEADER}\nprovider \"tencentchat\" {{}}\n{}",
            robots_block("r", None, "cc", n, gen)
        )
    };
    ws.write_main(&config(1));
    ws.init();
    let n64 = n as u64;

    assert_calls(
        &sim,
        &format!("create of {n}"),
        // One list in the plan walk, one in the apply walk's re-plans, and
        // one fresh list per create just before create_robot (the apply-time
        // guard against taking over a chatbot made since the plan).
        expected(&[("create_robot", n64), ("get_all_robots", 2 + n64)]),
        || {
            ws.apply();
        },
    );
    assert_eq!(sim.robot_ids().len(), n);

    assert_calls(
        &sim,
        &format!("refresh of {n}"),
        expected(&refresh(n)),
        || {
            let plan = ws.plan_detailed(&["-refresh-only"]);
            assert_eq!(plan.code, 0, "{}", plan.transcript());
        },
    );

    ws.write_main(&config(2));
    let mut want = refresh(n).to_vec();
    want.push(("portrait_set", n64));
    assert_calls(&sim, &format!("update of {n}"), expected(&want), || {
        ws.apply();
    });
    let nick = sim.robots()[0].nick().map(str::to_string);
    assert!(
        nick.as_deref().is_some_and(|s| s.starts_with("gen 2")),
        "{nick:?}"
    );

    let mut want = refresh(n).to_vec();
    want.push(("delete_robot", n64));
    assert_calls(&sim, &format!("destroy of {n}"), expected(&want), || {
        ws.destroy();
    });
    assert!(sim.robot_ids().is_empty());
}

#[test]
fn one_robot() {
    single_app(1);
}

#[test]
fn five_robots() {
    single_app(5);
}

#[test]
fn twenty_robots() {
    single_app(20);
}

/// Five apps of 20 robots, one provider alias per app (a provider process
/// each): every app is refreshed with exactly one list and one profile batch,
/// and create, update and destroy cost per app what they cost for one.
#[test]
fn five_apps_through_aliases() {
    const T: &str = "five_apps_through_aliases";
    let Some(tf) = Terraform::for_test(T) else {
        return;
    };
    let apps: Vec<(u64, String)> = (0..5)
        .map(|i| {
            (
                1_400_000_101 + i,
                format!("call-counts-key-{i:02}-0123456789abcdef"),
            )
        })
        .collect();
    let app_refs: Vec<(u64, &str)> = apps.iter().map(|(id, k)| (*id, k.as_str())).collect();
    let sim = Sim::start_with(&app_refs);
    let ws = Workspace::bare(&tf);
    let config = |gen| {
        let mut hcl = HEADER.to_string();
        for (i, (id, key)) in apps.iter().enumerate() {
            hcl.push_str(&format!(
                "\nprovider \"tencentchat\" {{\n  alias      = \"app{i}\"\n  endpoint   = {}\n  sdkappid   = {id}\n  identifier = \"{DEMO_ADMIN}\"\n  secret_key = {}\n}}\n",
                common::hcl_string(sim.url()),
                common::hcl_string(key),
            ));
            hcl.push_str(&robots_block(
                &format!("app{i}"),
                Some(&format!("app{i}")),
                &format!("a{i}_"),
                20,
                gen,
            ));
        }
        hcl
    };
    ws.write_main(&config(1));
    ws.init();
    assert_calls(
        &sim,
        "create of 5 apps × 20",
        expected(&[("create_robot", 100), ("get_all_robots", 10 + 100)]),
        || {
            ws.apply();
        },
    );

    let before = sim.counters();
    let plan = ws.plan_detailed(&["-refresh-only"]);
    assert_eq!(plan.code, 0, "{}", plan.transcript());
    let after = sim.counters();
    for (id, _) in &apps {
        let key = id.to_string();
        assert_eq!(sim.robots_of(*id).len(), 20, "app {id}");
        let per_app = |c: &Counters, ep: &str| {
            c.apps
                .get(&key)
                .and_then(|m| m.get(ep))
                .copied()
                .unwrap_or(0)
        };
        let got: BTreeMap<&str, u64> = ENDPOINTS
            .iter()
            .map(|ep| (*ep, per_app(&after, ep) - per_app(&before, ep)))
            .collect();
        assert_eq!(got, expected(&refresh(20)), "refresh calls of app {id}");
    }
    assert_eq!(
        calls(&before, &after),
        expected(&[("get_all_robots", 5), ("portrait_get", 5)]),
        "refresh of 5 apps × 20 robots"
    );
    // The first reader of the plan walk asks the other aliases' processes to
    // fetch at once (src/provider/siblings.rs); the apply walk never reads, so
    // nobody asks there and an update costs no more than its refresh.
    ws.write_main(&config(2));
    assert_calls(
        &sim,
        "update of 5 apps × 20",
        expected(&[
            ("get_all_robots", 5),
            ("portrait_get", 5),
            ("portrait_set", 100),
        ]),
        || {
            ws.apply();
        },
    );
    assert_calls(
        &sim,
        "destroy of 5 apps × 20",
        expected(&[
            ("get_all_robots", 5),
            ("portrait_get", 5),
            ("delete_robot", 100),
        ]),
        || {
            ws.destroy();
        },
    );
}
