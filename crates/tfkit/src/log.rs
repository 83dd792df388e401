//! hclog-shaped JSON log lines on stderr.
//!
//! Terraform captures a provider's stderr and shows a line that is a JSON object
//! with `@level`, `@message`, `@timestamp` and `@module` at that level when
//! `TF_LOG`/`TF_LOG_PROVIDER` asks for it. Everything the crate logs goes through
//! [`emit`] (or the `log_*!` macros), so no module writes to stderr by hand.
//!
//! Invariant: callers never pass a secret key or a UserSig as a field or inside a
//! message. Values that might hold one are redacted before they get here.

use std::io::Write as _;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::SystemTime;

/// Severity, in hclog's words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Trace = 0,
    Debug = 1,
    Info = 2,
    Warn = 3,
    Error = 4,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Trace => "trace",
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }
}

static MIN_LEVEL: AtomicU8 = AtomicU8::new(Level::Trace as u8);

/// Lines below `level` are dropped. Terraform filters by `TF_LOG` itself, so the
/// provider emits everything by default; the simulator raises this.
pub fn set_min_level(level: Level) {
    MIN_LEVEL.store(level as u8, Ordering::Relaxed);
}

/// Writes one hclog JSON line to stderr.
pub fn emit(level: Level, module: &str, message: &str, fields: &[(&str, &dyn std::fmt::Display)]) {
    if (level as u8) < MIN_LEVEL.load(Ordering::Relaxed) {
        return;
    }
    let line = render(level, module, message, fields, SystemTime::now());
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(line.as_bytes());
}

fn render(
    level: Level,
    module: &str,
    message: &str,
    fields: &[(&str, &dyn std::fmt::Display)],
    now: SystemTime,
) -> String {
    let mut obj = serde_json::Map::new();
    obj.insert("@level".into(), level.as_str().into());
    obj.insert("@message".into(), message.into());
    obj.insert("@module".into(), module.into());
    obj.insert("@timestamp".into(), rfc3339_micros(now).into());
    for (k, v) in fields {
        obj.insert((*k).to_string(), v.to_string().into());
    }
    let mut s = serde_json::Value::Object(obj).to_string();
    s.push('\n');
    s
}

/// `2026-11-21T20:38:32.123456Z`.
pub fn rfc3339_micros(t: SystemTime) -> String {
    humantime::format_rfc3339_micros(t).to_string()
}

/// Lines other crates write through the `log` facade, with a target in
/// `targets`, become lines of this log (the target is the `@module`, key-value
/// fields are fields); other records (a dependency's own) are dropped. Once per
/// process; a later call changes nothing.
pub fn forward(targets: &'static [&'static str]) {
    if ::log::set_boxed_logger(Box::new(Forward(targets))).is_ok() {
        ::log::set_max_level(::log::LevelFilter::Trace);
    }
}

struct Forward(&'static [&'static str]);

impl ::log::Log for Forward {
    fn enabled(&self, m: &::log::Metadata<'_>) -> bool {
        self.0.contains(&m.target())
    }

    fn log(&self, r: &::log::Record<'_>) {
        if !self.enabled(r.metadata()) {
            return;
        }
        struct Fields(Vec<(String, String)>);
        impl<'k> ::log::kv::VisitSource<'k> for Fields {
            fn visit_pair(
                &mut self,
                k: ::log::kv::Key<'k>,
                v: ::log::kv::Value<'k>,
            ) -> Result<(), ::log::kv::Error> {
                self.0.push((k.to_string(), v.to_string()));
                Ok(())
            }
        }
        let mut fields = Fields(Vec::new());
        let _ = r.key_values().visit(&mut fields);
        let level = match r.level() {
            ::log::Level::Trace => Level::Trace,
            ::log::Level::Debug => Level::Debug,
            ::log::Level::Info => Level::Info,
            ::log::Level::Warn => Level::Warn,
            ::log::Level::Error => Level::Error,
        };
        let pairs: Vec<(&str, &dyn std::fmt::Display)> = fields
            .0
            .iter()
            .map(|(k, v)| (k.as_str(), v as &dyn std::fmt::Display))
            .collect();
        emit(level, r.target(), &r.args().to_string(), &pairs);
    }

    fn flush(&self) {}
}

/// `log_debug!("provider", "created robot", user_id = id)`.
#[macro_export]
macro_rules! log_at {
    ($lvl:expr, $module:expr, $msg:expr $(, $k:ident = $v:expr)* $(,)?) => {
        $crate::log::emit($lvl, $module, &$msg, &[$((stringify!($k), &$v as &dyn ::std::fmt::Display)),*])
    };
}
#[macro_export]
macro_rules! log_trace { ($($t:tt)*) => { $crate::log_at!($crate::log::Level::Trace, $($t)*) }; }
#[macro_export]
macro_rules! log_debug { ($($t:tt)*) => { $crate::log_at!($crate::log::Level::Debug, $($t)*) }; }
#[macro_export]
macro_rules! log_info { ($($t:tt)*) => { $crate::log_at!($crate::log::Level::Info, $($t)*) }; }
#[macro_export]
macro_rules! log_warn { ($($t:tt)*) => { $crate::log_at!($crate::log::Level::Warn, $($t)*) }; }
#[macro_export]
macro_rules! log_error { ($($t:tt)*) => { $crate::log_at!($crate::log::Level::Error, $($t)*) }; }

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn renders_hclog_shape() {
        let t = UNIX_EPOCH + Duration::from_micros(1_700_000_000_123_456);
        let line = render(
            Level::Debug,
            "provider",
            "hello",
            &[("user_id", &"@RBT#1")],
            t,
        );
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["@level"], "debug");
        assert_eq!(v["@message"], "hello");
        assert_eq!(v["@module"], "provider");
        assert_eq!(v["@timestamp"], "2023-11-14T22:13:20.123456Z");
        assert_eq!(v["user_id"], "@RBT#1");
        assert!(line.ends_with('\n'));
    }
}
