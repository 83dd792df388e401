//! Bad input, end to end: every provider, resource and data-source attribute given
//! a bad value (wrong types through `type = any` variables, empty, oversize,
//! non-ASCII, out of range, malformed) must fail `terraform plan` with a diagnostic
//! that names the attribute and says what is allowed, before any API call (the
//! simulator's counters stay at zero). Wrong credentials must fail fast, with a
//! sentence naming the setting to check, few API calls and no secret echoed.

mod common;

use common::{squash, Sim, Terraform, Workspace, DEMO_SECRET_KEY, ENDPOINTS};

const TERRAFORM_BLOCK: &str = crate::required_providers!(
    r#"
variable "x" {
  type    = any
  default = null
}
"#
);

/// One bad configuration.
struct Case {
    name: &'static str,
    /// Lines inside `provider "tencentchat" {}`.
    provider: String,
    /// Blocks after the provider block (a valid robot when empty).
    body: String,
    /// `terraform.tfvars.json` content, setting `x`.
    var: Option<&'static str>,
    /// Extra environment for the provider.
    env: Vec<(&'static str, String)>,
    /// Every one of these must appear in the (unwrapped) output.
    expect: Vec<String>,
    /// Also caught by `terraform validate` (no variables involved).
    at_validate: bool,
}

fn case(name: &'static str) -> Case {
    Case {
        name,
        provider: String::new(),
        body: String::new(),
        var: None,
        env: Vec::new(),
        expect: Vec::new(),
        at_validate: true,
    }
}

impl Case {
    fn provider(mut self, line: impl Into<String>) -> Case {
        self.provider.push_str(&format!("  {}\n", line.into()));
        self
    }
    fn body(mut self, hcl: impl Into<String>) -> Case {
        self.body.push_str(&hcl.into());
        self
    }
    fn robot_attr(self, attr: &str, expr: &str) -> Case {
        let user_id = if attr == "user_id" {
            String::new()
        } else {
            "  user_id = \"@RBT#ok\"\n".to_string()
        };
        self.body(format!(
            "resource \"tencentchat_robot\" \"bad\" {{\n{user_id}  {attr} = {expr}\n}}\n"
        ))
    }
    fn var(mut self, json: &'static str) -> Case {
        self.var = Some(json);
        self.at_validate = false;
        self
    }
    /// Settings from the environment are checked by plan (ConfigureProvider);
    /// `terraform validate` does not hold them against the configuration.
    fn env(mut self, key: &'static str, value: impl Into<String>) -> Case {
        self.env.push((key, value.into()));
        self.at_validate = false;
        self
    }
    fn expect(mut self, text: impl Into<String>) -> Case {
        self.expect.push(text.into());
        self
    }

    fn hcl(&self) -> String {
        let body = if self.body.is_empty() {
            "resource \"tencentchat_robot\" \"ok\" {\n  user_id = \"@RBT#ok\"\n}\n".to_string()
        } else {
            self.body.clone()
        };
        format!(
            "{TERRAFORM_BLOCK}\nprovider \"tencentchat\" {{\n{}}}\n\n{body}",
            self.provider
        )
    }
}

fn q(s: &str) -> String {
    common::hcl_string(s)
}

fn cases() -> Vec<Case> {
    let long_id = format!("@RBT#{}", "a".repeat(28)); // 33 bytes
    let long_text = "n".repeat(501);
    let long_utf8 = "ロ".repeat(167); // 501 bytes, 167 characters
    let whole = |attr: &str, min: u64, max: u64| {
        vec![
            format!("`{attr}`"),
            format!("a whole number from {min} to {max}"),
        ]
    };
    let mut v = vec![
        // --- provider: sdkappid
        case("sdkappid from a non-numeric string variable")
            .provider("sdkappid = var.x")
            .var(r#"{"x": "abc"}"#)
            .expect("sdkappid")
            .expect("number"),
        case("sdkappid from a list variable")
            .provider("sdkappid = var.x")
            .var(r#"{"x": ["1400000000"]}"#)
            .expect("sdkappid")
            .expect("number"),
        case("sdkappid zero").provider("sdkappid = 0"),
        case("sdkappid fractional").provider("sdkappid = 1400000000.5"),
        case("sdkappid too big").provider("sdkappid = 4294967296"),
        case("sdkappid negative").provider("sdkappid = -1"),
        case("TENCENTCHAT_SDKAPPID not a number")
            .env("TENCENTCHAT_SDKAPPID", "14000abc")
            .expect("TENCENTCHAT_SDKAPPID"),
        // --- identifier
        case("identifier empty")
            .provider("identifier = \"\"")
            .expect("`identifier`")
            .expect("1 to 32 printable ASCII"),
        case("identifier 33 bytes")
            .provider(format!("identifier = {}", q(&"a".repeat(33))))
            .expect("`identifier`")
            .expect("1 to 32 printable ASCII"),
        case("identifier non-ASCII")
            .provider("identifier = \"ädmin\"")
            .expect("`identifier`")
            .expect("1 to 32 printable ASCII"),
        case("identifier from an object variable")
            .provider("identifier = var.x")
            .var(r#"{"x": {"name": "administrator"}}"#)
            .expect("identifier")
            .expect("string required"),
        case("TENCENTCHAT_IDENTIFIER with a control character")
            .env("TENCENTCHAT_IDENTIFIER", "admin\tistrator")
            .expect("TENCENTCHAT_IDENTIFIER")
            .expect("1 to 32 printable ASCII"),
        // --- credentials
        case("secret_key empty")
            .provider("secret_key = \"\"")
            .expect("`secret_key`")
            .expect("empty or blank"),
        case("usersig blank")
            .provider("usersig = \"   \"")
            .expect("`usersig`")
            .expect("empty or blank"),
        case("secret_key and usersig both")
            .provider("secret_key = \"k1-not-the-key\"")
            .provider("usersig = \"not-a-usersig\"")
            .expect("secret_key")
            .expect("usersig")
            .expect("Set exactly one"),
        case("secret_key from a list variable")
            .provider("secret_key = var.x")
            .var(r#"{"x": ["k"]}"#)
            .expect("secret_key")
            .expect("string required"),
        case("no credentials at all")
            .env("TENCENTCHAT_SECRET_KEY", "")
            .expect("`secret_key`")
            .expect("TENCENTCHAT_SECRET_KEY"),
        // --- region and endpoint
        case("region unknown")
            .provider("region = \"mars\"")
            .expect("`region`")
            .expect("must be one of")
            .expect("singapore"),
        case("region empty")
            .provider("region = \"\"")
            .expect("`region`")
            .expect("must be one of"),
        case("TENCENTCHAT_REGION unknown")
            .env("TENCENTCHAT_REGION", "moon")
            .expect("TENCENTCHAT_REGION")
            .expect("must be one of"),
        case("endpoint with another scheme")
            .provider("endpoint = \"ftp://127.0.0.1:21\"")
            .expect("`endpoint`")
            .expect("http:// or https://"),
        case("endpoint without scheme")
            .provider("endpoint = \"127.0.0.1:8080\"")
            .expect("`endpoint`")
            .expect("http:// or https://"),
        case("endpoint without host")
            .provider("endpoint = \"http://\"")
            .expect("`endpoint`"),
        case("endpoint with a query")
            .provider("endpoint = \"https://example.com/?sdkappid=1\"")
            .expect("`endpoint` holds a query")
            .expect("the value is not shown"),
        case("endpoint with a password")
            .provider("endpoint = \"https://admin:pw@example.com\"")
            .expect("`endpoint` holds a user name or password")
            .expect("the value is not shown"),
        case("endpoint with a path")
            .provider("endpoint = \"https://example.com/v4/im_open_login_svc\"")
            .expect("`endpoint`")
            .expect("no path (a trailing /v4, as in Tencent's URLs, is allowed)"),
        case("backup_endpoint with a path")
            .provider("backup_endpoint = \"https://example.com/api\"")
            .expect("`backup_endpoint`")
            .expect("no path"),
        case("endpoint with a space")
            .provider("endpoint = \"http://exa mple.com\"")
            .expect("`endpoint`"),
        case("TENCENTCHAT_ENDPOINT malformed")
            .env("TENCENTCHAT_ENDPOINT", "not a url")
            .expect("TENCENTCHAT_ENDPOINT"),
        case("backup_endpoint with another scheme")
            .provider("backup_endpoint = \"ftp://127.0.0.1:21\"")
            .expect("`backup_endpoint`")
            .expect("http:// or https://"),
        case("TENCENTCHAT_BACKUP_ENDPOINT malformed")
            .env("TENCENTCHAT_BACKUP_ENDPOINT", "not a url")
            .expect("TENCENTCHAT_BACKUP_ENDPOINT"),
        // --- numbers
        case("request_timeout_seconds zero").provider("request_timeout_seconds = 0"),
        case("request_timeout_seconds too big").provider("request_timeout_seconds = 301"),
        case("max_retries negative").provider("max_retries = -1"),
        case("max_retries too big").provider("max_retries = 21"),
        case("calls_per_second zero").provider("calls_per_second = 0"),
        case("calls_per_second too big").provider("calls_per_second = 201"),
        case("calls_per_second from a bool variable")
            .provider("calls_per_second = var.x")
            .var(r#"{"x": true}"#)
            .expect("calls_per_second")
            .expect("number"),
        case("TENCENTCHAT_MAX_RETRIES not a number")
            .env("TENCENTCHAT_MAX_RETRIES", "lots")
            .expect("TENCENTCHAT_MAX_RETRIES"),
        case("TENCENTCHAT_REQUEST_TIMEOUT_SECONDS too big")
            .env("TENCENTCHAT_REQUEST_TIMEOUT_SECONDS", "3600")
            .expect("TENCENTCHAT_REQUEST_TIMEOUT_SECONDS"),
        // --- tencentchat_robot
        case("user_id empty")
            .robot_attr("user_id", "\"\"")
            .expect("user_id")
            .expect("must start with \"@RBT#\""),
        case("user_id without the prefix")
            .robot_attr("user_id", "\"bot1\"")
            .expect("user_id")
            .expect("must start with \"@RBT#\""),
        case("user_id only the prefix")
            .robot_attr("user_id", "\"@RBT#\"")
            .expect("user_id")
            .expect("at least one character after"),
        case("user_id 33 bytes")
            .robot_attr("user_id", &q(&long_id))
            .expect("user_id")
            .expect("at most 32 bytes"),
        case("user_id non-ASCII")
            .robot_attr("user_id", "\"@RBT#ロボ\"")
            .expect("user_id")
            .expect("printable ASCII"),
        case("user_id from a list variable")
            .robot_attr("user_id", "var.x")
            .var(r#"{"x": ["@RBT#a"]}"#)
            .expect("user_id")
            .expect("string required"),
        case("user_id from a bool variable")
            .robot_attr("user_id", "var.x")
            .var(r#"{"x": true}"#)
            .expect("user_id")
            .expect("must start with \"@RBT#\""),
        case("user_id from a number variable")
            .robot_attr("user_id", "var.x")
            .var(r#"{"x": 42}"#)
            .expect("user_id")
            .expect("must start with \"@RBT#\""),
        case("nick from an object variable")
            .robot_attr("nick", "var.x")
            .var(r#"{"x": {"a": 1}}"#)
            .expect("nick")
            .expect("string required"),
    ];
    for attr in ["nick", "face_url", "self_signature"] {
        v.push(
            case("profile field empty")
                .robot_attr(attr, "\"\"")
                .expect(format!("`{attr}` must not be empty")),
        );
        v.push(
            case("profile field 501 bytes")
                .robot_attr(attr, &q(&long_text))
                .expect(format!("`{attr}` is at most 500 bytes")),
        );
        v.push(
            case("profile field 501 bytes of UTF-8")
                .robot_attr(attr, &q(&long_utf8))
                .expect(format!("`{attr}` is at most 500 bytes")),
        );
    }
    // --- tencentchat_robots
    v.push(
        case("data source prefix from a list variable")
            .body("data \"tencentchat_robots\" \"all\" {\n  prefix = var.x\n}\n")
            .var(r#"{"x": ["@RBT#"]}"#)
            .expect("prefix")
            .expect("string required"),
    );
    // The numeric provider settings get the generic expectation.
    for c in v.iter_mut() {
        if c.expect.is_empty() {
            let attr = c
                .provider
                .split('=')
                .next()
                .unwrap_or("")
                .trim()
                .to_string();
            let (min, max) = match attr.as_str() {
                "sdkappid" => (1, u32::MAX as u64),
                "request_timeout_seconds" => (1, 300),
                "max_retries" => (0, 20),
                "calls_per_second" => (1, 200),
                other => panic!("case {:?} needs expectations ({other})", c.name),
            };
            c.expect = whole(&attr, min, max);
        }
    }
    v
}

fn zero_counters(sim: &Sim, what: &str) {
    let c = sim.counters();
    for ep in ENDPOINTS.iter().copied() {
        assert_eq!(
            c.total.get(ep).copied().unwrap_or(0),
            0,
            "{what}: no API call may be made ({:?})",
            c.total
        );
    }
}

#[test]
fn every_bad_attribute_value_is_refused_before_any_api_call() {
    const T: &str = "every_bad_attribute_value_is_refused_before_any_api_call";
    let Some(tf) = Terraform::for_test(T) else {
        return;
    };
    let sim = Sim::start();
    let mut ws = Workspace::new(&tf, &sim);
    let all = cases();
    // Init once with a valid configuration; each case then rewrites main.tf.
    ws.write_main(&case("init").hcl());
    ws.init();
    let mut failures = Vec::new();
    for c in &all {
        ws.write_main(&c.hcl());
        match c.var {
            Some(json) => ws.write_file("terraform.tfvars.json", json),
            None => {
                let _ = std::fs::remove_file(ws.dir().join("terraform.tfvars.json"));
            }
        }
        for (k, v) in &c.env {
            ws.set_env(k, v);
        }
        let run = ws.run(["plan", "-no-color", "-input=false"]);
        let out = squash(&format!("{}\n{}", run.stdout, run.stderr));
        let mut problems = Vec::new();
        if run.code == 0 {
            problems.push("plan succeeded".to_string());
        }
        if !out.contains("Error") {
            problems.push("no error diagnostic".to_string());
        }
        for e in &c.expect {
            if !out.contains(&squash(e)) {
                problems.push(format!("missing {e:?}"));
            }
        }
        if out.contains(DEMO_SECRET_KEY) {
            problems.push("the secret key was echoed".to_string());
        }
        if c.at_validate {
            let v = ws.run(["validate", "-no-color"]);
            if v.code == 0 {
                problems.push("terraform validate accepted it".to_string());
            }
        }
        // Back to the simulator's settings for the next case.
        for (k, _) in &c.env {
            ws.unset_env(k);
        }
        ws.set_env("TENCENTCHAT_ENDPOINT", sim.url());
        ws.set_env("TENCENTCHAT_SDKAPPID", &common::DEMO_SDKAPPID.to_string());
        ws.set_env("TENCENTCHAT_SECRET_KEY", DEMO_SECRET_KEY);
        let counters = sim.counters();
        if ENDPOINTS
            .iter()
            .any(|ep| counters.total.get(*ep).copied().unwrap_or(0) != 0)
        {
            problems.push(format!("API calls were made: {:?}", counters.total));
        }
        if !problems.is_empty() {
            failures.push(format!(
                "case {:?}: {}\n{}",
                c.name,
                problems.join("; "),
                run.transcript()
            ));
        }
    }
    zero_counters(&sim, "after every bad case");
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        all.len(),
        failures.join("\n\n")
    );
}

/// One wrong-but-well-formed setting, found out by the API.
struct Wrong {
    name: &'static str,
    env: Vec<(&'static str, String)>,
    /// Point the provider at a simulator that does not know the demo app.
    other_sim: bool,
    /// The setting the error must tell the user to check.
    expect: &'static str,
}

#[test]
fn wrong_credentials_fail_fast_naming_the_setting_without_echoing_secrets() {
    const T: &str = "wrong_credentials_fail_fast_naming_the_setting_without_echoing_secrets";
    let Some(tf) = Terraform::for_test(T) else {
        return;
    };
    let sim = Sim::start();
    // A simulator that serves only another app: the demo app's "wrong region".
    let elsewhere = Sim::start_with(&[(1_600_000_000, "another-region-key-000000000000")]);
    let wrong_key = "wrong-secret-key-0123456789abcdef";
    let bad_sig = "eJyrVkrOzFOyMjEzMDE1NTQ0M7IwMDQw";
    let scenarios = [
        Wrong {
            name: "wrong secret key",
            env: vec![("TENCENTCHAT_SECRET_KEY", wrong_key.to_string())],
            other_sim: false,
            expect: "secret_key (TENCENTCHAT_SECRET_KEY)",
        },
        Wrong {
            name: "wrong SDKAppID",
            env: vec![("TENCENTCHAT_SDKAPPID", "1400000099".to_string())],
            other_sim: false,
            expect: "sdkappid (TENCENTCHAT_SDKAPPID)",
        },
        Wrong {
            name: "identifier that is not an app admin",
            env: vec![("TENCENTCHAT_IDENTIFIER", "alice".to_string())],
            other_sim: false,
            expect: "identifier (TENCENTCHAT_IDENTIFIER)",
        },
        Wrong {
            name: "wrong region (the data center does not know the app)",
            env: vec![],
            other_sim: true,
            expect: "region (TENCENTCHAT_REGION) or endpoint (TENCENTCHAT_ENDPOINT)",
        },
        Wrong {
            name: "endpoint that is not the Chat API",
            env: vec![("TENCENTCHAT_ENDPOINT", not_chat_server())],
            other_sim: false,
            expect: "region (TENCENTCHAT_REGION) or endpoint (TENCENTCHAT_ENDPOINT)",
        },
        Wrong {
            name: "pre-issued UserSig that is garbage",
            env: vec![
                ("TENCENTCHAT_SECRET_KEY", String::new()),
                ("TENCENTCHAT_USERSIG", bad_sig.to_string()),
            ],
            other_sim: false,
            expect: "usersig (TENCENTCHAT_USERSIG)",
        },
    ];
    let robots = "resource \"tencentchat_robot\" \"r\" {\n  for_each = toset([\"a\", \"b\", \"c\", \"d\"])\n  \
                  user_id  = \"@RBT#${each.key}\"\n}\n";
    let header = format!("{TERRAFORM_BLOCK}\nprovider \"tencentchat\" {{}}\n\n{robots}");
    // Resources only (the plan's own look-ups must catch it), and with a data source.
    let configs = [
        ("robots only", header.clone()),
        (
            "robots and a data source",
            format!("{header}\ndata \"tencentchat_robots\" \"all\" {{}}\n"),
        ),
    ];
    let mut failures = Vec::new();
    for w in &scenarios {
        for (config_name, hcl) in &configs {
            let target = if w.other_sim { &elsewhere } else { &sim };
            target.block_on(target.admin().reset()).expect("sim reset");
            let mut ws = Workspace::new(&tf, &sim);
            if w.other_sim {
                ws.set_env("TENCENTCHAT_ENDPOINT", elsewhere.url());
            }
            for (k, v) in &w.env {
                ws.set_env(k, v);
            }
            ws.write_main(hcl);
            ws.init();
            let run = ws.apply_result();
            if run
                .stdout
                .contains("Terraform will perform the following actions")
                || run.stdout.contains("Apply complete")
            {
                problems_early(&mut failures, w.name, config_name, &run);
            }
            let out = squash(&format!("{}\n{}", run.stdout, run.stderr));
            let mut problems = Vec::new();
            if run.code == 0 {
                problems.push("apply succeeded".to_string());
            }
            if !out.contains(w.expect) {
                problems.push(format!("the error does not name {:?}", w.expect));
            }
            // Every resource (and the data source) reports the failure, but the
            // full explanation is given once; the others point to it in a line.
            // A pre-issued UserSig the provider can read as unusable fails the
            // provider's configuration once, before any call.
            let full = out.matches(w.expect).count();
            let pointers = out.matches("The same failure as reported for").count();
            if w.name.starts_with("pre-issued") {
                let calls: u64 = target.counters().total.values().sum();
                if out.matches("Unusable usersig").count() != 1 || calls != 0 {
                    problems.push(format!(
                        "want one \"Unusable usersig\" error before any call, got {} after {calls} call(s)",
                        out.matches("Unusable usersig").count()
                    ));
                }
            } else if full != 1 || pointers == 0 {
                problems.push(format!(
                    "the explanation is given {full} times with {pointers} pointers to it \
                     (want once, and pointers from the other resources)"
                ));
            }
            for secret in [DEMO_SECRET_KEY, wrong_key, bad_sig] {
                if out.contains(secret) {
                    problems.push(format!("a secret ({} chars) was echoed", secret.len()));
                }
            }
            let counters = target.counters();
            for ep in ENDPOINTS.iter().copied() {
                let n = counters.total.get(ep).copied().unwrap_or(0);
                if n > 2 {
                    problems.push(format!("{n} calls of {ep} (a retry storm)"));
                }
            }
            // (The other simulator has no demo app to create chatbots in.)
            if !w.other_sim && !sim.robot_ids().is_empty() {
                problems.push("a chatbot was created".to_string());
            }
            if !problems.is_empty() {
                failures.push(format!(
                    "{} ({config_name}): {}\ncounters {:?}\n{}",
                    w.name,
                    problems.join("; "),
                    counters.total,
                    run.transcript()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} scenarios failed:\n\n{}",
        failures.len(),
        scenarios.len() * configs.len(),
        failures.join("\n\n")
    );
}

/// A plan that got as far as proposing actions means the bad setting was only
/// found out at apply: record it as a failure.
fn problems_early(failures: &mut Vec<String>, name: &str, config: &str, run: &common::Run) {
    failures.push(format!(
        "{name} ({config}): the plan went through; the error surfaced only at apply\n{}",
        run.transcript()
    ));
}

/// A plain HTTP server on loopback that answers every request with 404 (a web
/// server that is not the Chat API), for as long as the test runs.
fn not_chat_server() -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binding a port");
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for mut conn in listener.incoming().flatten() {
            let mut buf = [0u8; 8192];
            let _ = conn.read(&mut buf);
            let body = "<html><body>Not Found</body></html>";
            let _ = write!(
                conn,
                "HTTP/1.1 404 Not Found\r\ncontent-type: text/html\r\ncontent-length: {}\r\n\
                 connection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    url
}
