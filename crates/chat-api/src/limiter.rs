//! Client-side rate limiter: calls to one endpoint are spaced at least
//! `1 / calls_per_second` apart, so no one-second window holds more than
//! `calls_per_second` calls (Tencent allows 200 per endpoint per app).
//!
//! Spacing rather than a token bucket: a bucket allows a full burst on top of the
//! refill, i.e. up to twice the rate inside one window, which at the default of
//! 100/s would touch Tencent's limit. Shared by clones of the client (behind its Arc).

use super::wire;
use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

#[derive(Debug)]
pub(crate) struct Limiter {
    interval: Duration,
    /// Per endpoint (index in `wire::ENDPOINTS`, plus one slot for anything else):
    /// the earliest instant the next call may start.
    next: [Mutex<Option<Instant>>; wire::ENDPOINTS.len() + 1],
}

impl Limiter {
    /// `calls_per_second` of 0 is treated as 1.
    pub(crate) fn new(calls_per_second: u32) -> Limiter {
        let cps = u64::from(calls_per_second.max(1));
        Limiter {
            interval: Duration::from_nanos(1_000_000_000 / cps),
            next: Default::default(),
        }
    }

    /// Reserves the next slot for `path` and returns when it starts; the caller
    /// waits until then (a slot given up by a stopped caller is simply lost).
    pub(crate) fn reserve(&self, path: &str) -> Instant {
        self.reserve_at(path, Instant::now())
    }

    fn reserve_at(&self, path: &str, now: Instant) -> Instant {
        let i = wire::ENDPOINTS
            .iter()
            .position(|p| *p == path)
            .unwrap_or(wire::ENDPOINTS.len());
        let mut next = self.next[i].lock().unwrap_or_else(|p| p.into_inner());
        let slot = match *next {
            Some(t) if t > now => t,
            _ => now,
        };
        *next = Some(slot + self.interval);
        slot
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaces_calls_per_endpoint() {
        let l = Limiter::new(10);
        let t0 = Instant::now();
        let slots: Vec<_> = (0..25)
            .map(|_| l.reserve_at(wire::CREATE_ROBOT, t0))
            .collect();
        for (k, s) in slots.iter().enumerate() {
            assert_eq!(*s - t0, Duration::from_millis(100) * k as u32);
        }
        // No one-second window [t, t+1s) holds more than 10 slots.
        for s in &slots {
            let n = slots
                .iter()
                .filter(|x| **x >= *s && **x < *s + Duration::from_secs(1))
                .count();
            assert!(n <= 10, "{n}");
        }
        // Another endpoint has its own budget.
        assert_eq!(l.reserve_at(wire::PORTRAIT_GET, t0), t0);
    }

    #[test]
    fn idle_time_is_not_banked() {
        let l = Limiter::new(100);
        let t0 = Instant::now();
        l.reserve_at(wire::GET_ALL_ROBOTS, t0);
        let later = t0 + Duration::from_secs(5);
        assert_eq!(l.reserve_at(wire::GET_ALL_ROBOTS, later), later);
        assert_eq!(
            l.reserve_at(wire::GET_ALL_ROBOTS, later),
            later + Duration::from_millis(10)
        );
    }
}
