//! The per-app, per-endpoint call frequency limit: a sliding one-second window
//! of accepted calls. Refused calls do not count, so a client that backs off gets
//! through as soon as the window has room.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(1);

pub(crate) struct RateLimiter {
    per_second: u32,
    windows: HashMap<(u64, &'static str), VecDeque<Instant>>,
}

impl RateLimiter {
    pub(crate) fn new(per_second: u32) -> Self {
        RateLimiter {
            per_second,
            windows: HashMap::new(),
        }
    }

    /// Records a call at `now` if fewer than `per_second` were accepted in the
    /// second before it; false means refuse it (60007).
    pub(crate) fn admit(&mut self, sdkappid: u64, endpoint: &'static str, now: Instant) -> bool {
        let window = self.windows.entry((sdkappid, endpoint)).or_default();
        while window
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= WINDOW)
        {
            window.pop_front();
        }
        if window.len() >= self.per_second as usize {
            return false;
        }
        window.push_back(now);
        true
    }

    pub(crate) fn clear(&mut self) {
        self.windows.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sliding_window() {
        let t0 = Instant::now();
        let mut l = RateLimiter::new(3);
        for _ in 0..3 {
            assert!(l.admit(1, "create_robot", t0));
        }
        assert!(!l.admit(1, "create_robot", t0 + Duration::from_millis(999)));
        // Other endpoints and apps have their own windows.
        assert!(l.admit(1, "get_all_robots", t0));
        assert!(l.admit(2, "create_robot", t0));
        // A second later the window is empty again (the refused call left no trace).
        for _ in 0..3 {
            assert!(l.admit(1, "create_robot", t0 + WINDOW));
        }
        assert!(!l.admit(1, "create_robot", t0 + WINDOW));
        l.clear();
        assert!(l.admit(1, "create_robot", t0 + WINDOW));
    }

    #[test]
    fn zero_refuses_everything() {
        let mut l = RateLimiter::new(0);
        assert!(!l.admit(1, "create_robot", Instant::now()));
    }
}
