//! hclog-shaped JSON log lines on stderr.
//!
//! Terraform captures a provider's stderr and shows a line that is a JSON object
//! with `@level`, `@message`, `@timestamp` and `@module` at that level when
//! `TF_LOG`/`TF_LOG_PROVIDER` asks for it. Everything the crate logs goes through
//! [`emit`] (or the `log_*!` macros), so no module writes to stderr by hand.
//!
//! Invariant: callers never pass a secret key or a UserSig as a field or inside a
//! message. Values that might hold one are redacted before they get here.

use std::fmt::Write as _;
use std::io::Write as _;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

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

/// `2026-11-21T20:38:32.123456Z`, computed without a date crate.
pub fn rfc3339_micros(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let mut s = rfc3339_seconds(d.as_secs());
    s.pop(); // the trailing Z
    let _ = write!(s, ".{:06}Z", d.subsec_micros());
    s
}

/// `2026-11-21T20:38:32Z` for a unix time in seconds.
pub fn rfc3339_seconds(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

/// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
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
    use std::time::Duration;

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

    #[test]
    fn civil_dates() {
        assert_eq!(rfc3339_seconds(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_seconds(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339_seconds(1_795_300_000), "2026-11-21T22:26:40Z");
    }
}
