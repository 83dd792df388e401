//! A provider started with `--debug`, for tests that need its process (its
//! memory, its log) while a real Terraform drives it through
//! `TF_REATTACH_PROVIDERS`.

use super::{Sim, TempDir, DEMO_SDKAPPID, DEMO_SECRET_KEY};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The provider started with `--debug`; killed on drop if still running.
pub struct DebugProvider {
    pub child: Child,
    pub reattach: String,
    dir: TempDir,
}

impl DebugProvider {
    /// Starts the provider in debug mode with the `TENCENTCHAT_*` settings for
    /// `sim` in its own environment, and reads its reattach value.
    pub fn start(sim: &Sim) -> DebugProvider {
        let sdkappid = DEMO_SDKAPPID.to_string();
        Self::start_with(&[
            ("TENCENTCHAT_ENDPOINT", sim.url()),
            ("TENCENTCHAT_SDKAPPID", &sdkappid),
            ("TENCENTCHAT_SECRET_KEY", DEMO_SECRET_KEY),
        ])
    }

    /// Starts the provider in debug mode with exactly `env` as its
    /// `TENCENTCHAT_*` (and `TF_*`, `PLUGIN_*`) settings.
    pub fn start_with(env: &[(&str, &str)]) -> DebugProvider {
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
        cmd.envs(env.iter().copied());
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

    pub fn assert_running(&mut self, after: &str) {
        let status = self.child.try_wait().expect("try_wait");
        assert!(
            status.is_none(),
            "the debug provider exited ({status:?}) after {after}; its log:\n{}",
            self.log()
        );
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("provider.log")).unwrap_or_default()
    }

    /// The most resident memory the process has used so far (VmHWM), in bytes.
    pub fn peak_rss(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("/proc/PID/status");
        let kib: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmHWM in /proc/PID/status");
        kib * 1024
    }

    /// SIGTERM (by pid) and wait, generously, for a clean exit.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
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
