//! The organisation's limits, as the real service enforces them: a cap on concurrent runs and
//! one rate limit that every API endpoint shares.
//!
//! Both are off unless asked for ([`crate::EmulatorBuilder::max_active_runs`],
//! [`crate::EmulatorBuilder::rate_limit`]), so tests that do not care never meet them. When on:
//!
//! - **The cap.** A `POST /v2/runs` that would make more runs active (not yet in a terminal
//!   status, across every agent: the cap is the organisation's) than the cap is refused with
//!   `403` and a message starting `Resource Not Available`, and starts nothing. A client must
//!   read that as back-pressure: nothing was created, so trying again later is safe.
//! - **The rate.** A token bucket of `rate` requests a second, holding at most one second's
//!   worth, shared by every API route (the upload target, another service, is not limited).
//!   A request that finds it empty gets `429` with `Retry-After` in whole seconds (at least 1,
//!   as HTTP can say no less), and is not processed.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The message of the cap's 403, as the service words it.
pub(crate) const AT_CAPACITY: &str =
    "Resource Not Available: the organisation is at its concurrent-run capacity";

/// A token bucket: `rate` tokens a second, at most `rate` held.
#[derive(Debug)]
pub(crate) struct RateLimit {
    rate: f64,
    bucket: Mutex<Bucket>,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl RateLimit {
    /// `rate` requests a second (at least 1), starting full.
    pub(crate) fn new(rate: u32) -> Self {
        let rate = f64::from(rate.max(1));
        Self {
            rate,
            bucket: Mutex::new(Bucket {
                tokens: rate,
                at: Instant::now(),
            }),
        }
    }

    /// Takes a token at `now`, or says how long until one is there.
    pub(crate) fn admit(&self, now: Instant) -> Result<(), Duration> {
        let mut bucket = self
            .bucket
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.rate).min(self.rate);
        bucket.at = bucket.at.max(now);
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / self.rate))
        }
    }
}

/// The `Retry-After` for a wait of `wait`: whole seconds, rounded up, at least 1.
pub(crate) fn retry_after_seconds(wait: Duration) -> u64 {
    wait.as_secs_f64().ceil().max(1.0) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bucket_holds_one_seconds_worth_and_refills_at_the_rate() {
        let limit = RateLimit::new(4);
        let t0 = Instant::now();
        for _ in 0..4 {
            assert!(limit.admit(t0).is_ok());
        }
        let wait = limit.admit(t0).unwrap_err();
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_millis(250),
            "{wait:?}"
        );
        assert!(limit.admit(t0 + Duration::from_millis(250)).is_ok());
        assert!(limit.admit(t0 + Duration::from_millis(250)).is_err());
        // A long pause refills no more than one second's worth.
        let later = t0 + Duration::from_secs(60);
        assert_eq!((0..10).filter(|_| limit.admit(later).is_ok()).count(), 4);
    }

    #[test]
    fn retry_after_is_whole_seconds_and_never_zero() {
        assert_eq!(retry_after_seconds(Duration::from_millis(20)), 1);
        assert_eq!(retry_after_seconds(Duration::from_millis(1500)), 2);
        assert_eq!(retry_after_seconds(Duration::ZERO), 1);
    }
}
