//! When to send a failed request again, and after how long.
//!
//! [`Retry`] is the policy's brain and nothing else: it is told the time, each attempt's
//! outcome, and answers with a [`Verdict`]. It never sleeps or reads a clock. The rules follow
//! the spec:
//!
//! - `GET` is retried on connection failures and timeouts and on 408, 429, 500, 502, 503, 504.
//! - `POST /runs` has no idempotency key, so a repeat starts a second run. It is retried only
//!   when the request provably never reached the server ([`Delivery::NotSent`]: DNS, connect or
//!   TLS failure), or on 429 or 503 *with* `Retry-After`, where the server says it did nothing.
//! - Delays grow exponentially with equal jitter (half fixed, half random), capped by
//!   [`RetryPolicy::max_backoff`]. A `Retry-After` (seconds, or an HTTP date measured against
//!   the response's own `Date` header, so clock skew does not matter) replaces the backoff.
//! - No retry is started that could not finish before the overall deadline.

use core::time::Duration;

use crate::error::{Delivery, TransportError, TransportErrorKind};
use crate::http::{HeaderSource, Method};
use crate::jitter::Jitter;

/// How failed requests are retried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_retry_after: Duration,
}

impl Default for RetryPolicy {
    /// 4 attempts, backoff from 200 ms doubling to at most 10 s, `Retry-After` honoured up to 60 s.
    fn default() -> Self {
        Self {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(10),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// Never retry: one attempt only.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The most requests sent for one operation, the first included (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The delay before the first retry, before jitter; it doubles for each further retry.
    pub fn initial_backoff(mut self, delay: Duration) -> Self {
        self.initial_backoff = delay;
        self
    }

    /// The longest delay backoff grows to.
    pub fn max_backoff(mut self, delay: Duration) -> Self {
        self.max_backoff = delay;
        self
    }

    /// The longest `Retry-After` obeyed; a server asking for more ends the retries.
    pub fn max_retry_after(mut self, delay: Duration) -> Self {
        self.max_retry_after = delay;
        self
    }

    /// The attempt limit.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }
}

/// Why retrying stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// The outcome is final (a 4xx, or a POST that may have been received).
    NotRetryable,
    /// Every attempt allowed has been made.
    AttemptsExhausted,
    /// Another attempt could not finish before the deadline.
    Deadline,
    /// The server asked to wait longer than [`RetryPolicy::max_retry_after`].
    RetryAfterTooLong,
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Send again after this delay.
    RetryAfter(Duration),
    /// Give up, for this reason.
    Stop(StopReason),
}

/// The retry state of one operation.
#[derive(Debug, Clone)]
pub struct Retry {
    policy: RetryPolicy,
    method: Method,
    deadline: Duration,
    start: Option<Duration>,
    attempts: u32,
    jitter: Jitter,
}

impl Retry {
    /// The state before the first attempt of a `method` request that must finish within
    /// `deadline` of its first attempt. `seed` drives the jitter.
    pub fn new(policy: RetryPolicy, method: Method, deadline: Duration, seed: u64) -> Self {
        Self {
            policy,
            method,
            deadline,
            start: None,
            attempts: 0,
            jitter: Jitter::new(seed),
        }
    }

    /// Records that an attempt starts at `now` and returns the time left before the deadline,
    /// or `None` when it has passed and nothing should be sent.
    pub fn begin_attempt(&mut self, now: Duration) -> Option<Duration> {
        let start = *self.start.get_or_insert(now);
        let left = (start + self.deadline)
            .checked_sub(now)
            .filter(|d| !d.is_zero())?;
        self.attempts += 1;
        Some(left)
    }

    /// Whether the deadline has passed at `now` (false before the first attempt).
    pub fn is_past_deadline(&self, now: Duration) -> bool {
        self.start.is_some_and(|start| now >= start + self.deadline)
    }

    /// How many attempts have begun.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The overall deadline, measured from the first attempt.
    pub fn deadline(&self) -> Duration {
        self.deadline
    }

    /// The verdict on an attempt answered with `status` (not 2xx), at `now`.
    pub fn after_status(&mut self, now: Duration, status: u16, headers: &dyn HeaderSource) -> Verdict {
        let retry_after = retry_after(headers);
        let retryable = match self.method {
            Method::Get => matches!(status, 408 | 429 | 500 | 502 | 503 | 504),
            // The server says, by Retry-After on these statuses, that it did not act.
            Method::Post => matches!(status, 429 | 503) && retry_after.is_some(),
        };
        if !retryable {
            return Verdict::Stop(StopReason::NotRetryable);
        }
        match retry_after {
            Some(d) if d > self.policy.max_retry_after => Verdict::Stop(StopReason::RetryAfterTooLong),
            Some(d) => self.schedule(now, d),
            None => {
                let d = self.backoff();
                self.schedule(now, d)
            }
        }
    }

    /// The verdict on an attempt that failed below HTTP, at `now`.
    pub fn after_failure(&mut self, now: Duration, error: &TransportError) -> Verdict {
        let retryable = match error.kind() {
            TransportErrorKind::BodyTooLarge | TransportErrorKind::Redirect => false,
            _ => self.method.is_idempotent() || error.delivery() == Delivery::NotSent,
        };
        if !retryable {
            return Verdict::Stop(StopReason::NotRetryable);
        }
        let d = self.backoff();
        self.schedule(now, d)
    }

    fn backoff(&mut self) -> Duration {
        let exp = self.attempts.saturating_sub(1).min(30);
        let full = self
            .policy
            .initial_backoff
            .saturating_mul(1u32 << exp)
            .min(self.policy.max_backoff);
        let half = full / 2;
        let nanos = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
        half + Duration::from_nanos(self.jitter.up_to(nanos))
    }

    fn schedule(&self, now: Duration, delay: Duration) -> Verdict {
        if self.attempts >= self.policy.max_attempts {
            return Verdict::Stop(StopReason::AttemptsExhausted);
        }
        let end = self.start.unwrap_or(now) + self.deadline;
        if now + delay >= end {
            return Verdict::Stop(StopReason::Deadline);
        }
        Verdict::RetryAfter(delay)
    }
}

/// Reads `Retry-After`: whole seconds, or an HTTP date taken relative to the `Date` header.
pub fn retry_after(headers: &dyn HeaderSource) -> Option<Duration> {
    let value = headers.header("retry-after")?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = parse_http_date(value)?;
    let date = parse_http_date(headers.header("date")?.trim())?;
    Some(Duration::from_secs(at.saturating_sub(date).max(0).unsigned_abs()))
}

/// Parses an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) into Unix seconds.
pub fn parse_http_date(s: &str) -> Option<i64> {
    let mut parts = s.split_ascii_whitespace();
    let _weekday = parts.next()?.strip_suffix(',')?;
    let day: u8 = parts.next()?.parse().ok()?;
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month_name = parts.next()?;
    let month = MONTHS.iter().position(|m| *m == month_name)? + 1;
    let year: u16 = parts.next()?.parse().ok()?;
    let time = parts.next()?;
    if parts.next()? != "GMT" || parts.next().is_some() || time.len() != 8 {
        return None;
    }
    let text = alloc::format!("{year:04}-{month:02}-{day:02}T{time}Z");
    crate::timestamp::Timestamp::parse(&text)
        .ok()
        .map(|t| t.unix_seconds())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates_are_read() {
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
        assert_eq!(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), None);
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT extra"), None);
    }

    #[test]
    fn retry_after_date_is_measured_against_the_date_header() {
        let h = [
            ("Retry-After", "Sun, 06 Nov 1994 08:49:40 GMT"),
            ("Date", "Sun, 06 Nov 1994 08:49:37 GMT"),
        ];
        assert_eq!(retry_after(&h), Some(Duration::from_secs(3)));
        let past = [
            ("Retry-After", "Sun, 06 Nov 1994 08:49:30 GMT"),
            ("Date", "Sun, 06 Nov 1994 08:49:37 GMT"),
        ];
        assert_eq!(retry_after(&past), Some(Duration::ZERO));
        assert_eq!(retry_after(&[("Retry-After", "soon")]), None);
    }
}
