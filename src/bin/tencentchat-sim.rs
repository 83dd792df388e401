//! `tencentchat-sim`: serves the simulated Chat REST API until SIGINT/SIGTERM, or,
//! with `--exec COMMAND…`, for as long as COMMAND runs.
//!
//! The first stdout line is `tencentchat-sim listening on http://127.0.0.1:PORT`;
//! tests and scripts parse it. Logs go to stderr as hclog JSON.
//!
//! `--exec` exists so that one command can start the simulator, run something
//! against it (`terraform test`) and stop it, on every exit path, with the
//! command's exit status, and without a shell, a PID file or a port to pick:
//! the simulator is the command's parent, so it cannot outlive it or leak. The
//! command gets the provider's `TENCENTCHAT_*` settings for the first app and no
//! other `TENCENTCHAT_*` variable, so it can never reach a real app by accident.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use tencentchat::provider::env_vars;
use tencentchat::sim::{self, App, Shape, SimConfig};
use tfkit::log::{forward, set_min_level, Level};
use tfkit::log_info;

const USAGE: &str = "usage: tencentchat-sim [--listen ADDR:PORT] [--app SDKAPPID:SECRET_KEY[:ADMIN[,ADMIN...]]]...
                       [--custom-fields [SDKAPPID:]NAME[,NAME...]]...
                       [--config FILE.json] [--state-file FILE] [--calls-per-second N]
                       [--shape NAME]... [--tls-self-signed DIR [--tls-name NAME]...] [--quiet]
                       [--admin-token TOKEN] [--exec COMMAND [ARGS...]]

  --listen             address to serve on (default 127.0.0.1:0, a free port); off loopback
                       (e.g. 0.0.0.0:8080) other machines can reach it, and it warns
  --app                an app to serve (repeatable); admins default to `administrator`
  --custom-fields      custom profile fields the app defines, as its console would
                       (names after Tag_Profile_Custom_: letters, digits, underscores,
                       at most 8); without SDKAPPID, for every app (repeatable)
  --config             JSON file: {\"apps\":[{\"sdkappid\":N,\"secret_key\":\"...\",\"admins\":[...],
                       \"custom_fields\":[...]}],
                       \"state_file\":\"...\",\"calls_per_second\":N}; flags override it
  --state-file         keep robots and profiles in FILE across restarts
  --calls-per-second   per endpoint per app before error 60007 (default 200)
  --shape              answer in this shape too (repeatable; also PUT /__sim/shapes):
                       {SHAPES}
  --tls-self-signed    serve HTTPS: write a new CA to DIR/ca.pem and use a certificate it
                       signed for localhost, 127.0.0.1 and every --tls-name
  --tls-name           another host name (or IP address) for that certificate
  --quiet              log warnings and errors only
  --admin-token        let peers off loopback use /__sim/ (reset, faults, usersigs...) when
                       they send `Authorization: Bearer TOKEN`; without it only loopback
                       peers may (the Chat API itself answers everyone who can reach it)
  --exec COMMAND...    run COMMAND (every argument after --exec) against the simulator,
                       then stop and exit with its status. COMMAND gets
                       TENCENTCHAT_ENDPOINT, _SDKAPPID, _SECRET_KEY and _IDENTIFIER (and
                       _CUSTOM_FIELDS when it defines some) for the first app (and no
                       other TENCENTCHAT_* variable); the
                       simulator prints to stderr and logs only warnings.

With no --app and no --config, serves the demo app (SDKAppID 1400000000).";

fn usage() -> String {
    let shapes: Vec<String> = Shape::ALL.iter().map(|s| s.name()).collect();
    USAGE.replace("{SHAPES}", &shapes.join(", "))
}

struct Options {
    listen: SocketAddr,
    tls_dir: Option<PathBuf>,
    tls_names: Vec<String>,
    config: SimConfig,
    quiet: bool,
    /// `--exec`: the command and its arguments.
    exec: Vec<String>,
}

fn parse_app(spec: &str) -> Result<App, String> {
    let mut parts = spec.splitn(3, ':');
    let id = parts.next().unwrap_or_default();
    let sdkappid = id
        .parse::<u64>()
        .map_err(|_| format!("--app: {id:?} is not an SDKAppID"))?;
    let secret_key = parts
        .next()
        .filter(|k| !k.is_empty())
        .ok_or("--app needs SDKAPPID:SECRET_KEY")?
        .to_string();
    let admins = match parts.next() {
        Some(list) => list
            .split(',')
            .filter(|a| !a.is_empty())
            .map(str::to_string)
            .collect(),
        None => vec!["administrator".to_string()],
    };
    if admins.is_empty() {
        return Err("--app: the admin list is empty".into());
    }
    Ok(App {
        sdkappid,
        secret_key,
        admins,
        custom_fields: Default::default(),
    })
}

/// `--custom-fields [SDKAPPID:]NAME[,NAME...]`: the app (None: every app) and
/// the names, each checked against Tencent's rules for a custom field name.
fn parse_custom_fields(spec: &str) -> Result<(Option<u64>, Vec<String>), String> {
    let (app, list) = match spec.split_once(':') {
        Some((id, list)) => (
            Some(
                id.parse::<u64>()
                    .map_err(|_| format!("--custom-fields: {id:?} is not an SDKAppID"))?,
            ),
            list,
        ),
        None => (None, spec),
    };
    let names: Vec<String> = list.split(',').map(str::to_string).collect();
    for name in &names {
        if let Some(why) = tencentchat::chat::profile::custom_name_problem(name) {
            return Err(format!("--custom-fields: {why}"));
        }
    }
    Ok((app, names))
}

fn parse_args(args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut listen: SocketAddr = "127.0.0.1:0".parse().expect("a valid address");
    let mut apps = Vec::new();
    let mut custom_fields = Vec::new();
    let mut config_file: Option<PathBuf> = None;
    let mut state_file: Option<PathBuf> = None;
    let mut calls_per_second: Option<u32> = None;
    let mut quiet = false;
    let mut exec = Vec::new();
    let mut shapes = Vec::new();
    let mut tls_dir = None;
    let mut tls_names = Vec::new();
    let mut admin_token = None;
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or(format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--listen" => {
                let v = value()?;
                listen = v
                    .parse()
                    .map_err(|_| format!("--listen: {v:?} is not ADDR:PORT"))?;
            }
            "--app" => apps.push(parse_app(&value()?)?),
            "--custom-fields" => custom_fields.push(parse_custom_fields(&value()?)?),
            "--config" => config_file = Some(PathBuf::from(value()?)),
            "--state-file" => state_file = Some(PathBuf::from(value()?)),
            "--calls-per-second" => {
                let v = value()?;
                calls_per_second = Some(
                    v.parse()
                        .map_err(|_| format!("--calls-per-second: {v:?} is not a number"))?,
                );
            }
            "--shape" => {
                shapes.push(Shape::from_name(&value()?).map_err(|e| format!("--shape: {e}"))?)
            }
            "--tls-self-signed" => tls_dir = Some(PathBuf::from(value()?)),
            "--tls-name" => tls_names.push(value()?),
            "--quiet" => quiet = true,
            "--admin-token" => {
                admin_token = Some(
                    sim::AdminToken::new(value()?).map_err(|e| format!("--admin-token: {e}"))?,
                )
            }
            "--exec" => {
                exec = args.by_ref().collect();
                if exec.is_empty() {
                    return Err("--exec needs a command".into());
                }
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    let mut config = match &config_file {
        Some(path) => {
            let text =
                std::fs::read(path).map_err(|e| format!("--config {}: {e}", path.display()))?;
            serde_json::from_slice::<SimConfig>(&text)
                .map_err(|e| format!("--config {}: {e}", path.display()))?
        }
        None => SimConfig::default(),
    };
    if !apps.is_empty() {
        if config_file.is_some() {
            config.apps.extend(apps);
        } else {
            config.apps = apps;
        }
    }
    if state_file.is_some() {
        config.state_file = state_file;
    }
    if let Some(n) = calls_per_second {
        config.calls_per_second = n;
    }
    config.shapes.extend(shapes);
    config.admin_token = admin_token;
    for (id, names) in custom_fields {
        let mut found = false;
        for app in &mut config.apps {
            if id.is_none_or(|id| id == app.sdkappid) {
                app.custom_fields.extend(names.iter().cloned());
                found = true;
            }
        }
        if !found {
            return Err(format!(
                "--custom-fields: no app with SDKAppID {}",
                id.unwrap_or_default()
            ));
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for app in &config.apps {
        if !seen.insert(app.sdkappid) {
            return Err(format!("SDKAppID {} is given twice", app.sdkappid));
        }
    }
    if tls_dir.is_none() && !tls_names.is_empty() {
        return Err("--tls-name needs --tls-self-signed DIR".into());
    }
    Ok(Options {
        listen,
        tls_dir,
        tls_names,
        config,
        quiet: quiet || !exec.is_empty(),
        exec,
    })
}

/// `--exec`: runs the command with the simulator's settings in its environment and
/// returns its exit status (128 + signal when a signal ended it, 127 when it could
/// not be started). SIGINT reaches the command from the terminal; the simulator
/// keeps serving until the command has finished with it.
async fn run_exec(command: &[String], url: &str, app: Option<&App>) -> ExitCode {
    let mut cmd = tokio::process::Command::new(&command[0]);
    cmd.args(&command[1..]);
    // No other TENCENTCHAT_* variable reaches the command, so a test run can
    // never fall back to a real app's settings (or a variable not yet known here).
    for (var, _) in std::env::vars_os() {
        if var.to_string_lossy().starts_with("TENCENTCHAT_") {
            cmd.env_remove(var);
        }
    }
    let mut settings = vec![("endpoint", url.to_string())];
    if let Some(app) = app {
        settings.push(("sdkappid", app.sdkappid.to_string()));
        settings.push(("secret_key", app.secret_key.clone()));
        settings.push(("identifier", app.admins[0].clone()));
        if !app.custom_fields.is_empty() {
            let names: Vec<&str> = app.custom_fields.iter().map(String::as_str).collect();
            settings.push(("custom_fields", names.join(",")));
        }
    }
    for (attr, value) in settings {
        if let Some((_, var)) = env_vars().find(|(a, _)| *a == attr) {
            cmd.env(var, value);
        }
    }
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("tencentchat-sim: cannot run {:?}: {e}", command[0]);
            return ExitCode::from(127);
        }
    };
    let status = loop {
        tokio::select! {
            status = child.wait() => break status,
            // The terminal sends SIGINT to the command too; let it wind down.
            _ = tokio::signal::ctrl_c() => continue,
        }
    };
    match status {
        Ok(s) => match s.code() {
            Some(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
            None => {
                #[cfg(unix)]
                {
                    use std::os::unix::process::ExitStatusExt as _;
                    ExitCode::from(128u8.saturating_add(s.signal().unwrap_or(0) as u8))
                }
                #[cfg(not(unix))]
                ExitCode::FAILURE
            }
        },
        Err(e) => {
            eprintln!("tencentchat-sim: waiting for {:?}: {e}", command[0]);
            ExitCode::FAILURE
        }
    }
}

async fn stopped() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(o) => o,
        Err(e) if e.is_empty() => {
            println!("{}", usage());
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("tencentchat-sim: {e}\n\n{}", usage());
            return ExitCode::from(2);
        }
    };
    set_min_level(if options.quiet {
        Level::Warn
    } else {
        Level::Info
    });
    forward(tencentchat::provider::LOG_TARGETS);
    sim::log_calls(!options.quiet);
    let apps = options.config.apps.clone();
    let has_token = options.config.admin_token.is_some();
    let state_file = options.config.state_file.clone();
    let tls = match &options.tls_dir {
        None => None,
        Some(dir) => match sim::tls::SelfSigned::create(dir, &options.tls_names) {
            Ok(t) => Some(t),
            Err(e) => {
                eprintln!("tencentchat-sim: --tls-self-signed {}: {e}", dir.display());
                return ExitCode::FAILURE;
            }
        },
    };
    let started = match &tls {
        None => sim::start(options.config, options.listen).await,
        Some(tls) => sim::start_tls(options.config, options.listen, tls).await,
    };
    let running = match started {
        Ok(r) => r,
        Err(e) => {
            eprintln!("tencentchat-sim: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    {
        // With --exec, stdout belongs to the command.
        let mut out: Box<dyn std::io::Write> = if options.exec.is_empty() {
            Box::new(std::io::stdout().lock())
        } else {
            Box::new(std::io::stderr().lock())
        };
        let _ = writeln!(out, "tencentchat-sim listening on {}", running.url);
        if !running.url.ends_with(&running.addr.to_string()) {
            // A wildcard bind: the URL is how this machine reaches it; say
            // where it really listens.
            let _ = writeln!(out, "  bound to {}", running.addr);
        }
        for app in &apps {
            let key = if app.secret_key == App::demo().secret_key {
                format!(", secret key {}", app.secret_key)
            } else {
                String::new()
            };
            let fields = if app.custom_fields.is_empty() {
                String::new()
            } else {
                let names: Vec<&str> = app.custom_fields.iter().map(String::as_str).collect();
                format!(", custom fields {}", names.join(","))
            };
            let _ = writeln!(
                out,
                "  app {}: admins {}{key}{fields}",
                app.sdkappid,
                app.admins.join(",")
            );
        }
        if let Some(tls) = &tls {
            let _ = writeln!(out, "  CA certificate {}", tls.ca_file.display());
        }
        if let Some(path) = &state_file {
            let _ = writeln!(out, "  state file {}", path.display());
        }
        let _ = out.flush();
    }
    if !sim::is_loopback(running.addr.ip()) {
        tfkit::log_warn!(
            "sim",
            "listening beyond loopback: other machines can reach the simulated Chat API, \
             and /__sim/ answers them only with the --admin-token",
            address = running.addr,
            admin_token = if has_token {
                "set"
            } else {
                "not set: /__sim/ is loopback only"
            }
        );
    }
    if !options.exec.is_empty() {
        let code = run_exec(&options.exec, &running.url, apps.first()).await;
        running.shutdown().await;
        return code;
    }
    log_info!("sim", "listening", url = running.url);
    stopped().await;
    log_info!("sim", "stopping");
    running.shutdown().await;
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options, String> {
        parse_args(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn defaults_to_the_demo_app() {
        let o = parse(&[]).unwrap();
        assert_eq!(o.config, SimConfig::default());
        assert_eq!(o.listen.to_string(), "127.0.0.1:0");
    }

    #[test]
    fn apps_and_flags() {
        let o = parse(&[
            "--app",
            "20000123:k1",
            "--app=5:k2:admin,ops",
            "--calls-per-second",
            "7",
            "--state-file",
            "/tmp/x.json",
            "--quiet",
            "--listen",
            "127.0.0.1:9999",
        ])
        .unwrap();
        assert_eq!(o.config.apps.len(), 2);
        assert_eq!(o.config.apps[0].admins, ["administrator"]);
        assert_eq!(o.config.apps[1].admins, ["admin", "ops"]);
        assert_eq!(o.config.calls_per_second, 7);
        assert!(o.quiet);
        assert_eq!(o.listen.port(), 9999);
        assert!(parse(&["--app", "x:k"]).is_err());
        assert!(parse(&["--app", "1"]).is_err());
        assert!(parse(&["--app", "1:k", "--app", "1:j"]).is_err());
        let o = parse(&[
            "--app",
            "5:k",
            "--app",
            "6:k",
            "--custom-fields",
            "model,team",
            "--custom-fields=6:mood",
        ])
        .unwrap();
        let fields = |i: usize| Vec::from_iter(o.config.apps[i].custom_fields.iter().cloned());
        assert_eq!(fields(0), ["model", "team"]);
        assert_eq!(fields(1), ["model", "mood", "team"]);
        assert!(parse(&["--custom-fields", "7:x"]).is_err());
        assert!(parse(&["--custom-fields", "toolongname"]).is_err());
        assert!(parse(&["--custom-fields", "a-b"]).is_err());
        assert!(parse(&["--bogus"]).is_err());
        assert!(parse(&["--listen"]).is_err());
        let o = parse(&["--shape", "empty-null", "--shape=gzip"]).unwrap();
        assert_eq!(o.config.shapes, [Shape::EmptyNull, Shape::Gzip]);
        assert!(parse(&["--shape", "nope"])
            .err()
            .is_some_and(|e| e.contains("portrait-transient")));
        assert!(o.exec.is_empty());
    }

    #[test]
    fn exec_takes_every_argument_after_it() {
        let o = parse(&["--app", "5:k", "--exec", "terraform", "test", "--quiet=no"]).unwrap();
        assert_eq!(o.exec, ["terraform", "test", "--quiet=no"]);
        assert_eq!(o.config.apps[0].sdkappid, 5);
        assert!(o.quiet, "--exec logs warnings only");
        assert!(parse(&["--exec"]).is_err());
    }

    #[test]
    fn admin_token_is_taken_and_never_shown() {
        let o = parse(&["--admin-token", "s3cr3t-t0ken"]).unwrap();
        assert!(o
            .config
            .admin_token
            .as_ref()
            .unwrap()
            .matches("s3cr3t-t0ken"));
        assert!(!format!("{:?}", o.config).contains("s3cr3t"));
        assert!(parse(&["--admin-token", ""]).is_err());
        assert!(parse(&["--admin-token", "a b"]).is_err());
        assert!(usage().contains("--admin-token"));
    }
}
