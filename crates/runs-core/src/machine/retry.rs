//! When to send a failed request again, and after how long.
//!
//! The machines ([`Call`](crate::transport::Call), [`Upload`](crate::transport::Upload)) decide with a private
//! `Retry`: told the time and each attempt's outcome, it answers retry-after-this-long or stop.
//! It never sleeps or reads a clock. The public part is the [`RetryPolicy`] and the
//! `Retry-After` readers. The rules follow the spec:
//!
//! - `GET` is retried on connection failures and timeouts and on 408, 429, 500, 502, 503, 504.
//! - `POST /runs` has no idempotency key, so a repeat starts a second run. It is retried only
//!   when the request provably never reached the server ([`Delivery::NotSent`]: DNS, connect or
//!   TLS failure), or on 429 or 503 *with* `Retry-After`, where the server says it did nothing.
//! - A failure below HTTP that the same request would meet again is never retried: a body
//!   over the cap, a redirect refused, a proxy answering `407` to the credentials it was given.
//! - Delays grow exponentially with equal jitter (half fixed, half random), capped by
//!   [`RetryPolicy::max_backoff`]. A `Retry-After` (seconds, or an HTTP date in any of RFC
//!   9110's three forms, measured against the response's own `Date` header so that clock skew
//!   does not matter, else against the wall clock the transport passes in) replaces the backoff.
//! - No retry is started that could not finish before the overall deadline.

use core::time::Duration;

use crate::error::{Delivery, TransportError};
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

    /// This policy sending at most `attempts` requests for one operation, the first included
    /// (at least 1).
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// This policy waiting `delay` before the first retry, before jitter; it doubles for each
    /// further retry.
    pub fn with_initial_backoff(mut self, delay: Duration) -> Self {
        self.initial_backoff = delay;
        self
    }

    /// This policy letting backoff grow to at most `delay`.
    pub fn with_max_backoff(mut self, delay: Duration) -> Self {
        self.max_backoff = delay;
        self
    }

    /// This policy obeying a `Retry-After` of at most `delay`; a server asking for more ends
    /// the retries.
    pub fn with_max_retry_after(mut self, delay: Duration) -> Self {
        self.max_retry_after = delay;
        self
    }

    /// The most requests sent for one operation, the first included.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The delay before the first retry, before jitter.
    pub fn initial_backoff(&self) -> Duration {
        self.initial_backoff
    }

    /// The longest delay backoff grows to.
    pub fn max_backoff(&self) -> Duration {
        self.max_backoff
    }

    /// The longest `Retry-After` obeyed.
    pub fn max_retry_after(&self) -> Duration {
        self.max_retry_after
    }
}

/// Why retrying stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StopReason {
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
pub(crate) enum Verdict {
    /// Send again after this delay.
    RetryAfter(Duration),
    /// Give up, for this reason.
    Stop(StopReason),
}

/// The retry state of one operation.
#[derive(Debug, Clone)]
pub(crate) struct Retry {
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
        // Saturating: a deadline of `Duration::MAX` means "no deadline", not an overflow.
        let left = start
            .saturating_add(self.deadline)
            .checked_sub(now)
            .filter(|d| !d.is_zero())?;
        self.attempts = self.attempts.saturating_add(1);
        Some(left)
    }

    /// Whether the deadline has passed at `now` (false before the first attempt).
    pub fn is_past_deadline(&self, now: Duration) -> bool {
        self.start
            .is_some_and(|start| now >= start.saturating_add(self.deadline))
    }

    /// The policy these retries follow.
    pub fn policy(&self) -> &RetryPolicy {
        &self.policy
    }

    /// How many attempts have begun.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The overall deadline, measured from the first attempt.
    pub fn deadline(&self) -> Duration {
        self.deadline
    }

    /// The verdict on an attempt answered with `status` (not 2xx), at `now`; `unix_now`, the
    /// transport's wall clock (time since the Unix epoch), measures a `Retry-After` date when
    /// the response has no `Date`.
    pub fn after_status_at(
        &mut self,
        now: Duration,
        unix_now: Option<Duration>,
        status: u16,
        headers: &dyn HeaderSource,
    ) -> Verdict {
        let retry_after = retry_after_at(headers, unix_now);
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
            kind if kind.repeats() => false,
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
        half.saturating_add(Duration::from_nanos(self.jitter.up_to(nanos)))
    }

    fn schedule(&self, now: Duration, delay: Duration) -> Verdict {
        if self.attempts >= self.policy.max_attempts {
            return Verdict::Stop(StopReason::AttemptsExhausted);
        }
        let end = self.start.unwrap_or(now).saturating_add(self.deadline);
        if now.saturating_add(delay) >= end {
            return Verdict::Stop(StopReason::Deadline);
        }
        Verdict::RetryAfter(delay)
    }
}

/// Reads `Retry-After`: whole seconds, or an HTTP date taken relative to the `Date` header.
///
/// Without a `Date` header, a date cannot be measured and is ignored; see [`retry_after_at`].
#[cfg(test)]
fn retry_after(headers: &dyn HeaderSource) -> Option<Duration> {
    retry_after_at(headers, None)
}

/// Reads `Retry-After`: whole seconds, or an HTTP date in any of RFC 9110's three forms.
///
/// A date is measured against the response's own `Date` header when it has a readable one (so
/// a client with a wrong clock still waits as long as the server meant), else against
/// `unix_now`, the transport's wall clock as time since the Unix epoch; with neither it is
/// ignored. A date in the past means "now". A number of seconds too large for a `u64`
/// saturates, and so asks for longer than any policy allows.
pub fn retry_after_at(headers: &dyn HeaderSource, unix_now: Option<Duration>) -> Option<Duration> {
    let value = headers.header("retry-after")?.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Duration::from_secs(value.parse::<u64>().unwrap_or(u64::MAX)));
    }
    let wall = unix_now.map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    let date = headers
        .header("date")
        .and_then(|d| parse_http_date_near(d.trim(), wall));
    let reference = date.or(wall)?;
    let at = parse_http_date_near(value, Some(reference))?;
    let secs = at.saturating_sub(reference);
    if secs <= 0 {
        return Some(Duration::ZERO);
    }
    let delay = Duration::from_secs(secs.unsigned_abs());
    Some(match (date, unix_now) {
        // Measured against the wall clock, whose fraction of a second has already gone by.
        (None, Some(now)) => delay.saturating_sub(Duration::from_nanos(u64::from(now.subsec_nanos()))),
        _ => delay,
    })
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const LONG_DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// Parses an HTTP date into Unix seconds, in any of the three forms RFC 9110 requires a
/// recipient to read:
///
/// - IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`
/// - RFC 850: `Sunday, 06-Nov-94 08:49:37 GMT` (its two-digit year read as 1970 to 2069)
/// - asctime: `Sun Nov  6 08:49:37 1994`
#[cfg(test)]
fn parse_http_date(s: &str) -> Option<i64> {
    parse_http_date_near(s, None)
}

/// As [`parse_http_date`], an RFC 850 two-digit year read, as RFC 9110 says, as the most
/// recent year with those digits that is not more than 50 years after `reference` (Unix
/// seconds); without a reference, as 1970 to 2069.
fn parse_http_date_near(s: &str, reference: Option<i64>) -> Option<i64> {
    let parts: alloc::vec::Vec<&str> = s.split_ascii_whitespace().collect();
    let month = |name: &str| MONTHS.iter().position(|m| *m == name).map(|i| i + 1);
    let number = |text: &str, len: core::ops::RangeInclusive<usize>| {
        (len.contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit()))
            .then(|| text.parse::<u16>().ok())
            .flatten()
    };
    let (year, month, day, time) = match parts.as_slice() {
        [weekday, day, mon, year, time, "GMT"]
            if weekday.strip_suffix(',').is_some_and(|w| DAYS.contains(&w)) =>
        {
            (number(year, 4..=4)?, month(mon)?, number(day, 2..=2)?, *time)
        }
        [weekday, date, time, "GMT"] if weekday.strip_suffix(',').is_some_and(|w| LONG_DAYS.contains(&w)) => {
            let mut fields = date.split('-');
            let (day, mon, yy) = (fields.next()?, fields.next()?, fields.next()?);
            if fields.next().is_some() {
                return None;
            }
            let year = full_year(number(yy, 2..=2)?, reference)?;
            (year, month(mon)?, number(day, 2..=2)?, *time)
        }
        [weekday, mon, day, time, year] if DAYS.contains(weekday) => {
            (number(year, 4..=4)?, month(mon)?, number(day, 1..=2)?, *time)
        }
        _ => return None,
    };
    if time.len() != 8 {
        return None;
    }
    let text = alloc::format!("{year:04}-{month:02}-{day:02}T{time}Z");
    crate::timestamp::Timestamp::parse(&text)
        .ok()
        .map(|t| t.unix_seconds())
}

/// The four-digit year of an RFC 850 date's two digits `yy`.
fn full_year(yy: u16, reference: Option<i64>) -> Option<u16> {
    let Some(reference) = reference else {
        return Some(if yy < 70 { 2000 + yy } else { 1900 + yy });
    };
    let now = crate::timestamp::Timestamp::from_unix(reference, 0)?;
    let now_year: i64 = alloc::string::ToString::to_string(&now).get(..4)?.parse().ok()?;
    let mut year = now_year - now_year.rem_euclid(100) + i64::from(yy);
    if year > now_year + 50 {
        year -= 100;
    }
    u16::try_from(year).ok()
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
        assert_eq!(
            parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"),
            Some(784_111_777)
        );
        assert_eq!(parse_http_date("Sun Nov  6 08:49:37 1994"), Some(784_111_777));
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT extra"), None);
        assert_eq!(parse_http_date("Sun, 6 Nov 1994 08:49:37 GMT"), None);
        assert_eq!(parse_http_date("Sun Nov  6 08:49:37 1994 GMT"), None);
        assert_eq!(parse_http_date("Sonntag, 06-Nov-94 08:49:37 GMT"), None);
        assert_eq!(parse_http_date("Sun, 31 Feb 1994 08:49:37 GMT"), None);
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

    #[test]
    fn a_date_without_a_date_header_is_measured_against_the_wall_clock() {
        let at = Duration::from_secs(784_111_777);
        for form in [
            "Sun, 06 Nov 1994 08:49:40 GMT",
            "Sunday, 06-Nov-94 08:49:40 GMT",
            "Sun Nov  6 08:49:40 1994",
        ] {
            let h = [("Retry-After", form)];
            assert_eq!(retry_after(&h), None, "{form}: no clock, no Date");
            assert_eq!(
                retry_after_at(&h, Some(at)),
                Some(Duration::from_secs(3)),
                "{form}"
            );
            let later = at + Duration::from_millis(2_500);
            assert_eq!(
                retry_after_at(&h, Some(later)),
                Some(Duration::from_millis(500)),
                "{form}"
            );
            // A Date header wins over the wall clock: the server's clock is what it meant.
            let with_date = [("Retry-After", form), ("Date", "Sun, 06 Nov 1994 08:49:38 GMT")];
            assert_eq!(retry_after_at(&with_date, Some(at)), Some(Duration::from_secs(2)));
        }
    }

    #[test]
    fn a_two_digit_year_is_at_most_fifty_years_ahead() {
        let jan_2030 = 1_893_456_000;
        assert_eq!(full_year(79, Some(jan_2030)), Some(2079));
        assert_eq!(full_year(81, Some(jan_2030)), Some(1981));
        assert_eq!(full_year(30, Some(jan_2030)), Some(2030));
        assert_eq!(full_year(94, None), Some(1994));
        assert_eq!(full_year(5, None), Some(2005));
    }

    #[test]
    fn seconds_too_large_for_u64_saturate() {
        let h = [("Retry-After", "99999999999999999999999")];
        assert_eq!(retry_after(&h), Some(Duration::from_secs(u64::MAX)));
    }
}
