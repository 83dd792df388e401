//! Backoff between retries of transient failures: exponential, capped, with jitter
//! so that parallel Terraform operations do not retry in lockstep.

use std::time::Duration;

const BASE: Duration = Duration::from_millis(250);
const CAP: Duration = Duration::from_secs(8);

/// The wait before retry number `retry` (0 for the first retry): a random
/// duration in `[d/2, d]` where `d = min(BASE * 2^retry, CAP)`.
pub(crate) fn backoff(retry: u32) -> Duration {
    let d = BASE.saturating_mul(1u32 << retry.min(16)).min(CAP);
    let half = d / 2;
    let jitter = fastrand::u64(0..=half.as_millis() as u64);
    half + Duration::from_millis(jitter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_then_caps_with_jitter() {
        for _ in 0..200 {
            let b0 = backoff(0);
            assert!(
                b0 >= Duration::from_millis(125) && b0 <= Duration::from_millis(250),
                "{b0:?}"
            );
            let b3 = backoff(3);
            assert!(
                b3 >= Duration::from_millis(1000) && b3 <= Duration::from_millis(2000),
                "{b3:?}"
            );
            let big = backoff(40);
            assert!(big >= CAP / 2 && big <= CAP, "{big:?}");
        }
        let samples: std::collections::HashSet<_> = (0..50).map(|_| backoff(2)).collect();
        assert!(samples.len() > 1, "jitter varies the wait");
    }
}
