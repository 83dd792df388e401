//! `log_debug!("chat", "message", key = value, …)`: a line through the `log`
//! facade, target `"chat"`, with `key = value` fields (rendered with `Display`).
//! The simulator crate logs with the same macros.

/// One log line at `$lvl` with target `$module`.
#[doc(hidden)]
#[macro_export]
macro_rules! log_at {
    ($lvl:expr, $module:expr, $msg:expr $(,)?) => {
        $crate::__log::log!(target: $module, $lvl, "{}", $msg)
    };
    ($lvl:expr, $module:expr, $msg:expr, $($k:ident = $v:expr),+ $(,)?) => {
        $crate::__log::log!(target: $module, $lvl, $($k:% = $v),+; "{}", $msg)
    };
}

#[macro_export]
macro_rules! log_trace { ($($t:tt)*) => { $crate::log_at!($crate::__log::Level::Trace, $($t)*) }; }
#[macro_export]
macro_rules! log_debug { ($($t:tt)*) => { $crate::log_at!($crate::__log::Level::Debug, $($t)*) }; }
#[macro_export]
macro_rules! log_info { ($($t:tt)*) => { $crate::log_at!($crate::__log::Level::Info, $($t)*) }; }
#[macro_export]
macro_rules! log_warn { ($($t:tt)*) => { $crate::log_at!($crate::__log::Level::Warn, $($t)*) }; }
#[macro_export]
macro_rules! log_error { ($($t:tt)*) => { $crate::log_at!($crate::__log::Level::Error, $($t)*) }; }
