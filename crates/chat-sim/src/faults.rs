//! Injected faults: an error code, an HTTP status or latency on one endpoint (or
//! all), for a number of calls, with a seeded probability, or until cleared.
//!
//! Deterministic: a fault's random draws come from its own generator seeded with
//! its `seed` (0 when not given), so the same calls see the same outcomes.

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// A fault as the `/__sim/faults` API takes it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Fault {
    /// Short endpoint name (`create_robot`, …) or `*` for all five.
    pub endpoint: String,
    /// Answer this ErrorCode (HTTP 200, ActionStatus FAIL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<i64>,
    /// Answer this HTTP status with a plain-text body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    /// Delay the answer by this many milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<u64>,
    /// Apply to this many (matching) calls, then stop.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    /// Apply to each matching call with this probability.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
    /// Seed of the probability draws.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// Perform the operation, then answer with the fault (a lost response).
    #[serde(default)]
    pub after_apply: bool,
}

impl Fault {
    /// A fault on `endpoint` (short name or `*`) with nothing set yet: fill in
    /// what it does and for how long with struct update syntax.
    pub fn on(endpoint: &str) -> Fault {
        Fault {
            endpoint: endpoint.to_string(),
            ..Fault::default()
        }
    }

    /// Why the fault cannot be installed, if it cannot.
    pub fn validate(&self, endpoints: &[&str]) -> Result<(), String> {
        if self.endpoint != "*" && !endpoints.contains(&self.endpoint.as_str()) {
            return Err(format!(
                "unknown endpoint {:?}: use one of {endpoints:?} or \"*\"",
                self.endpoint
            ));
        }
        if self.error_code.is_some() && self.http_status.is_some() {
            return Err("give error_code or http_status, not both".into());
        }
        if self.error_code.is_none() && self.http_status.is_none() && self.latency_ms.is_none() {
            return Err("give error_code, http_status or latency_ms".into());
        }
        if self.error_code == Some(0) {
            return Err("error_code 0 is not an error".into());
        }
        if let Some(s) = self.http_status {
            if !(100..=999).contains(&s) {
                return Err(format!("http_status {s} is not an HTTP status"));
            }
        }
        if let Some(p) = self.probability {
            if !(0.0..=1.0).contains(&p) {
                return Err(format!("probability {p} is not within 0..=1"));
            }
        }
        Ok(())
    }
}

/// How a faulted call is answered instead of normally.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultAnswer {
    ErrorCode(i64),
    HttpStatus(u16),
}

/// What the faults decided for one call.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Decision {
    /// Wait this long before doing anything.
    pub delay_before: Duration,
    /// Wait this long after doing the work, before answering.
    pub delay_after: Duration,
    /// Answer this instead; `bool` says whether the operation is performed first.
    pub answer: Option<(FaultAnswer, bool)>,
}

struct Installed {
    id: u64,
    fault: Fault,
    remaining: Option<u64>,
    rng: fastrand::Rng,
}

/// The installed faults, in installation order.
#[derive(Default)]
pub struct Faults {
    next_id: u64,
    installed: Vec<Installed>,
}

impl Faults {
    /// Installs a validated fault and returns its id.
    pub fn add(&mut self, fault: Fault) -> u64 {
        self.next_id += 1;
        self.installed.push(Installed {
            id: self.next_id,
            remaining: fault.count,
            rng: fastrand::Rng::with_seed(fault.seed.unwrap_or(0)),
            fault,
        });
        self.next_id
    }

    pub fn clear(&mut self) {
        self.installed.clear();
    }

    pub fn ids(&self) -> Vec<u64> {
        self.installed.iter().map(|f| f.id).collect()
    }

    /// Decides one call of `endpoint`: every matching fault that fires adds its
    /// latency; the first firing one with an error or status decides the answer.
    /// Faults whose count is used up are dropped.
    pub fn decide(&mut self, endpoint: &str) -> Decision {
        let mut d = Decision::default();
        for f in &mut self.installed {
            if f.fault.endpoint != "*" && f.fault.endpoint != endpoint {
                continue;
            }
            if f.remaining == Some(0) {
                continue;
            }
            if let Some(p) = f.fault.probability {
                if f.rng.f64() >= p {
                    continue;
                }
            }
            if let Some(n) = f.remaining.as_mut() {
                *n -= 1;
            }
            if let Some(ms) = f.fault.latency_ms {
                let delay = Duration::from_millis(ms);
                if f.fault.after_apply {
                    d.delay_after += delay;
                } else {
                    d.delay_before += delay;
                }
            }
            if d.answer.is_none() {
                let answer = match (f.fault.error_code, f.fault.http_status) {
                    (Some(code), _) => Some(FaultAnswer::ErrorCode(code)),
                    (None, Some(status)) => Some(FaultAnswer::HttpStatus(status)),
                    (None, None) => None,
                };
                d.answer = answer.map(|a| (a, f.fault.after_apply));
            }
        }
        self.installed.retain(|f| f.remaining != Some(0));
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EPS: [&str; 2] = ["create_robot", "get_all_robots"];

    fn err(endpoint: &str, code: i64) -> Fault {
        Fault {
            endpoint: endpoint.into(),
            error_code: Some(code),
            ..Fault::default()
        }
    }

    #[test]
    fn validation() {
        assert!(err("create_robot", 10002).validate(&EPS).is_ok());
        assert!(err("*", 10002).validate(&EPS).is_ok());
        assert!(err("nope", 10002).validate(&EPS).is_err());
        let mut f = err("*", 10002);
        f.http_status = Some(502);
        assert!(f.validate(&EPS).is_err());
        let empty = Fault {
            endpoint: "*".into(),
            ..Fault::default()
        };
        assert!(empty.validate(&EPS).is_err());
        let mut p = err("*", 1);
        p.probability = Some(1.5);
        assert!(p.validate(&EPS).is_err());
    }

    #[test]
    fn count_limits_and_endpoint_matches() {
        let mut faults = Faults::default();
        let mut f = err("create_robot", 10002);
        f.count = Some(2);
        faults.add(f);
        assert_eq!(faults.decide("get_all_robots").answer, None);
        for _ in 0..2 {
            assert_eq!(
                faults.decide("create_robot").answer,
                Some((FaultAnswer::ErrorCode(10002), false))
            );
        }
        assert_eq!(faults.decide("create_robot").answer, None);
        assert!(faults.ids().is_empty());
    }

    #[test]
    fn unlimited_until_cleared() {
        let mut faults = Faults::default();
        let mut f = err("*", 0);
        f.error_code = None;
        f.http_status = Some(502);
        f.after_apply = true;
        faults.add(f);
        for _ in 0..10 {
            assert_eq!(
                faults.decide("get_all_robots").answer,
                Some((FaultAnswer::HttpStatus(502), true))
            );
        }
        faults.clear();
        assert_eq!(faults.decide("get_all_robots"), Decision::default());
    }

    #[test]
    fn seeded_probability_is_repeatable() {
        let run = |seed| {
            let mut faults = Faults::default();
            let mut f = err("*", 10002);
            f.probability = Some(0.3);
            f.seed = Some(seed);
            faults.add(f);
            (0..200)
                .map(|_| faults.decide("create_robot").answer.is_some())
                .collect::<Vec<bool>>()
        };
        let a = run(42);
        assert_eq!(a, run(42));
        let hits = a.iter().filter(|x| **x).count();
        assert!((30..=90).contains(&hits), "{hits} of 200 at p=0.3");
    }

    #[test]
    fn latency_adds_and_errors_take_the_first() {
        let mut faults = Faults::default();
        faults.add(Fault {
            endpoint: "*".into(),
            latency_ms: Some(5),
            ..Fault::default()
        });
        faults.add(Fault {
            endpoint: "*".into(),
            latency_ms: Some(7),
            after_apply: true,
            ..Fault::default()
        });
        faults.add(err("*", 10002));
        faults.add(err("*", 60008));
        let d = faults.decide("create_robot");
        assert_eq!(d.delay_before, Duration::from_millis(5));
        assert_eq!(d.delay_after, Duration::from_millis(7));
        assert_eq!(d.answer, Some((FaultAnswer::ErrorCode(10002), false)));
    }
}
