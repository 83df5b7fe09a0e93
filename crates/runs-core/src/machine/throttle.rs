//! The client's share of the API's rate limit.
//!
//! Every endpoint of a region draws on one rate-limit pool, so a limit only works when every
//! request a client makes counts against one budget: every clone of the client, every
//! operation, every retry, every page, every poll of a wait. [`Throttle`] is that budget as a
//! machine (time in, "send now" or "wait this long" out, no clock of its own), and, with
//! `std`, [`SharedThrottle`] is the one a client and its clones share.
//!
//! - **Pace.** With a rate set ([`ConfigBuilder::rate_limit`](crate::ConfigBuilder::rate_limit)),
//!   requests leave at most one every `1/rate` seconds, paced from when each was due rather
//!   than when it left (so a late one does not push every later one back) and never in a
//!   burst after a quiet time.
//! - **A 429 slows the whole client.** A `429 Too Many Requests` holds every request of the
//!   client until its `Retry-After` (seconds or a date), or, without one, as long as the
//!   retry policy's backoff (its initial backoff, doubling at each 429 in a row to its
//!   maximum: 200 ms to 10 s by default). A `Retry-After` longer than the policy honours
//!   ([`RetryPolicy::max_retry_after`](crate::RetryPolicy::max_retry_after)) holds nothing:
//!   the call that met it fails with it, and the caller decides. With a rate set, each 429 also halves the pace (down to
//!   one request every 10 s), and each other answer wins back a sixteenth of the difference: the
//!   additive-increase, multiplicative-decrease of TCP, so that a client whose share of the
//!   pool shrank settles near what is left of it rather than spending its retries finding out.
//! - **Only the API counts.** Object storage, where uploads go, has limits of its own; an
//!   upload's `PUT` does not go through the throttle.
//!
//! The retries of one call still honour that call's own `Retry-After` (its [`Call`] sleeps
//! it); the throttle is what makes the *other* calls of the client wait too, instead of each
//! spending an attempt to learn the same thing.
//!
//! [`Call`]: crate::transport::Call

use core::time::Duration;

use crate::retry::RetryPolicy;

/// The slowest pace adaptation goes to: one request every 10 s.
const SLOWEST: Duration = Duration::from_secs(10);

/// A client's rate limit as a machine: [`admit`](Self::admit) before each request,
/// [`observe`](Self::observe) each answer. Times are the driver's monotonic clock, as
/// elsewhere in runs-core.
///
/// ```
/// use std::time::Duration;
/// use runs_core::RetryPolicy;
/// use runs_core::transport::Throttle;
///
/// let mut throttle = Throttle::new(Some(2), &RetryPolicy::default()); // 2 requests a second
/// let t0 = Duration::ZERO;
/// assert_eq!(throttle.admit(t0), None); // the first leaves at once
/// assert_eq!(throttle.admit(t0), Some(Duration::from_millis(500))); // the next in 0.5 s
/// throttle.observe(t0, 429, Some(Duration::from_secs(3)));
/// assert_eq!(throttle.admit(t0), Some(Duration::from_secs(3))); // everything waits
/// ```
#[derive(Debug, Clone)]
pub struct Throttle {
    /// The spacing the configured rate gives; `None` when no rate is set.
    floor: Option<Duration>,
    /// The spacing now: the floor, or more after 429s.
    interval: Duration,
    /// When the next request is due.
    next: Duration,
    /// Until when a 429 holds every request.
    paused_until: Duration,
    /// The pause a 429 without `Retry-After` gets next.
    pause: Duration,
    /// The first such pause, and the longest.
    first_pause: Duration,
    longest_pause: Duration,
    /// The longest `Retry-After` honoured.
    max_retry_after: Duration,
}

impl Throttle {
    /// A throttle for at most `rate` requests a second (`None`: no pace, only the pauses
    /// after a 429), pausing after a 429 as `retry` says (its backoff when there is no
    /// `Retry-After`, and the longest `Retry-After` it honours). A rate of 0 is taken as 1.
    pub fn new(rate: Option<u32>, retry: &RetryPolicy) -> Self {
        let floor = rate.map(|r| Duration::from_secs(1) / r.max(1));
        Self {
            floor,
            interval: floor.unwrap_or(Duration::ZERO),
            next: Duration::ZERO,
            paused_until: Duration::ZERO,
            pause: retry.initial_backoff(),
            first_pause: retry.initial_backoff(),
            longest_pause: retry.max_backoff(),
            max_retry_after: retry.max_retry_after(),
        }
    }

    /// How long from `now` until the next free turn (zero: one is free now).
    pub fn wait(&self, now: Duration) -> Duration {
        self.next.max(self.paused_until).saturating_sub(now)
    }

    /// Takes the next free turn: the request leaves at [`Turn::at`], now or later. Turns are
    /// given in order, so requests waiting together leave in the order they came, each at
    /// its own time; one that came later never takes an earlier one's place.
    pub fn take_turn(&mut self, now: Duration) -> Turn {
        let earliest = self.next.max(self.paused_until);
        let (at, due) = if now < earliest {
            (earliest, earliest)
        } else if now - earliest < self.interval {
            // A little late: paced from when the turn was due, so the delays of whoever
            // drives the throttle do not add up.
            (now, earliest)
        } else {
            // A whole interval late: from now, so a quiet time does not become a burst.
            (now, now)
        };
        self.next = due + self.interval;
        Turn { at }
    }

    /// At `now`, whether `turn` (taken earlier) has come: `None` to send now, or how long to
    /// wait before asking again. A 429 since the turn was taken moves it after the pause
    /// (as a new turn, in order).
    pub fn confirm(&mut self, turn: &mut Turn, now: Duration) -> Option<Duration> {
        if turn.at < self.paused_until {
            *turn = self.take_turn(now);
        }
        (now < turn.at).then(|| turn.at - now)
    }

    /// For a driver with one request at a time: takes a turn if one is free at `now`
    /// (`None`: send), or says how long until one is.
    pub fn admit(&mut self, now: Duration) -> Option<Duration> {
        match self.wait(now) {
            wait if wait.is_zero() => {
                self.take_turn(now);
                None
            }
            wait => Some(wait),
        }
    }

    /// An answer with `status` arrived at `now`, with `retry_after` when it said one.
    pub fn observe(&mut self, now: Duration, status: u16, retry_after: Option<Duration>) {
        if status != 429 {
            self.pause = self.first_pause;
            if let Some(floor) = self.floor {
                // A sixteenth of the way back, and at least a sixteenth of the floor, so
                // the pace gets all the way back rather than ever nearer.
                let step = ((self.interval - floor) / 16).max(floor / 16);
                self.interval = floor.max(self.interval.saturating_sub(step));
            }
            return;
        }
        let pause = match retry_after {
            Some(wait) if wait > self.max_retry_after => Duration::ZERO,
            Some(wait) => wait,
            None => {
                let pause = self.pause;
                self.pause = self.pause.saturating_mul(2).min(self.longest_pause);
                pause
            }
        };
        self.paused_until = self.paused_until.max(now.saturating_add(pause));
        if let Some(floor) = self.floor {
            self.interval = (self.interval * 2).min(SLOWEST.max(floor));
        }
    }

    /// The spacing between requests now (zero without a rate).
    pub fn interval(&self) -> Duration {
        self.interval
    }
}

/// A request's place in a [`Throttle`]'s order: when it may leave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Turn {
    at: Duration,
}

impl Turn {
    /// When the request may leave, on the throttle's clock.
    pub fn at(self) -> Duration {
        self.at
    }
}

#[cfg(feature = "std")]
pub use shared::SharedThrottle;

#[cfg(feature = "std")]
mod shared {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex, PoisonError};
    use std::time::{Duration, Instant};

    use super::{Throttle, Turn};
    use crate::config::Config;
    use crate::error::{Delivery, TransportError, TransportErrorKind};
    use crate::http::Response;

    /// The [`Throttle`] a client and all its clones share, on the process's monotonic clock.
    ///
    /// A transport asks [`hold`](Self::hold) before each request to the API and tells
    /// [`observe`](Self::observe) each answer. The throttle may hold a request for at most
    /// half of its attempt's timeout (the rest is the request's); when that is not enough, the
    /// attempt fails, nothing sent, and the call's retries go on as for any attempt that never
    /// left.
    #[derive(Debug, Clone)]
    pub struct SharedThrottle {
        throttle: Arc<Mutex<Throttle>>,
        /// Whether the throttle has anything to do: a rate is set, or a 429 came. Until then
        /// a request costs neither the lock nor a reading of the clock.
        engaged: Arc<AtomicBool>,
        epoch: Instant,
    }

    /// What [`SharedThrottle::hold`] asks of the transport.
    #[derive(Debug)]
    pub enum Hold {
        /// Send now, within this (what is left of the attempt's timeout).
        Send(Duration),
        /// Sleep this long, then ask again.
        Sleep(Duration),
        /// Report this failure to the machine instead of sending: the attempt's share of time
        /// for waiting is spent.
        Fail(TransportError),
    }

    impl SharedThrottle {
        /// The throttle for `config`'s rate limit and retry policy.
        pub fn new(config: &Config) -> Self {
            Self {
                throttle: Arc::new(Mutex::new(Throttle::new(
                    config.rate_limit(),
                    config.retry_policy(),
                ))),
                engaged: Arc::new(AtomicBool::new(config.rate_limit().is_some())),
                epoch: Instant::now(),
            }
        }

        fn now(&self) -> Duration {
            self.epoch.elapsed()
        }

        /// Before a request whose attempt may take `timeout`: `turn` starts as `None` and is
        /// kept between the calls for one request, `waited` is the time already spent in
        /// this method's sleeps for it.
        pub fn hold(&self, turn: &mut Option<Turn>, waited: Duration, timeout: Duration) -> Hold {
            if !self.engaged.load(Ordering::Acquire) {
                return Hold::Send(timeout.saturating_sub(waited));
            }
            let now = self.now();
            // The state is a few numbers, valid after any panic elsewhere.
            let mut throttle = self.throttle.lock().unwrap_or_else(PoisonError::into_inner);
            let wait = match turn {
                Some(turn) => throttle.confirm(turn, now).unwrap_or_default(),
                None => throttle.wait(now),
            };
            let left = (timeout / 2).saturating_sub(waited);
            if wait > left {
                // Not within the attempt's share for waiting: no turn is kept for it.
                *turn = None;
                if left.is_zero() {
                    return Hold::Fail(TransportError::new(
                        TransportErrorKind::Timeout,
                        Delivery::NotSent,
                        format!(
                            "held back by the client's rate limit for {} ms, half the attempt's \
                             time, after a 429 or at the configured pace; nothing was sent",
                            waited.as_millis()
                        ),
                    ));
                }
                return Hold::Sleep(left);
            }
            if turn.is_none() {
                *turn = Some(throttle.take_turn(now));
            }
            if wait.is_zero() {
                Hold::Send(timeout.saturating_sub(waited))
            } else {
                Hold::Sleep(wait)
            }
        }

        /// An answer from the API arrived.
        pub fn observe(&self, response: &Response<'_>) {
            if response.status == 429 {
                self.engaged.store(true, Ordering::Release);
            } else if !self.engaged.load(Ordering::Acquire) {
                return;
            }
            let retry_after = if response.status == 429 {
                // The wall clock measures a `Retry-After` date when there is no `Date` header.
                let unix_now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .ok();
                crate::retry::retry_after_at(response.headers, unix_now)
            } else {
                None
            };
            let now = self.now();
            self.throttle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .observe(now, response.status, retry_after);
        }
    }
}

#[cfg(feature = "std")]
pub use shared::Hold;

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    fn throttle(rate: Option<u32>) -> Throttle {
        let policy = RetryPolicy::default()
            .with_initial_backoff(Duration::from_secs(1))
            .with_max_backoff(Duration::from_secs(60))
            .with_max_retry_after(Duration::from_secs(60));
        Throttle::new(rate, &policy)
    }

    /// Sends as fast as the throttle admits for `span`, returning when each request left.
    fn drain(throttle: &mut Throttle, from: Duration, span: Duration) -> Vec<Duration> {
        let mut now = from;
        let mut sent = Vec::new();
        while now < from + span {
            match throttle.admit(now) {
                None => sent.push(now),
                Some(wait) => now += wait,
            }
        }
        sent
    }

    #[test]
    fn without_a_rate_everything_leaves_at_once() {
        let mut t = throttle(None);
        for _ in 0..1000 {
            assert_eq!(t.admit(Duration::ZERO), None);
        }
    }

    #[test]
    fn a_rate_spaces_requests() {
        let mut t = throttle(Some(10));
        let sent = drain(&mut t, Duration::ZERO, Duration::from_secs(10));
        assert_eq!(sent.len(), 100);
        assert!(sent.windows(2).all(|w| w[1] - w[0] == 100 * MS), "{sent:?}");
    }

    #[test]
    fn a_late_request_does_not_delay_the_next_and_a_quiet_time_gives_no_burst() {
        let mut t = throttle(Some(10));
        assert_eq!(t.admit(Duration::ZERO), None);
        // 30 ms late: the next is still due at 200 ms.
        assert_eq!(t.admit(130 * MS), None);
        assert_eq!(t.admit(130 * MS), Some(70 * MS));
        // After a quiet second, one at once, then the pace again.
        assert_eq!(t.admit(Duration::from_secs(2)), None);
        assert_eq!(t.admit(Duration::from_secs(2)), Some(100 * MS));
    }

    #[test]
    fn waiting_requests_leave_in_the_order_they_came_each_at_its_own_time() {
        let mut t = throttle(Some(10));
        let turns: Vec<Turn> = (0..4).map(|_| t.take_turn(Duration::ZERO)).collect();
        let at: Vec<u128> = turns.iter().map(|turn| turn.at().as_millis()).collect();
        assert_eq!(at, [0, 100, 200, 300]);
        // One that comes later, at a moment when an earlier turn is due, queues behind them.
        assert_eq!(t.take_turn(200 * MS).at(), 400 * MS);
        let mut third = turns[2];
        assert_eq!(t.confirm(&mut third, 150 * MS), Some(50 * MS));
        assert_eq!(t.confirm(&mut third, 200 * MS), None);
    }

    #[test]
    fn a_429_moves_the_turns_taken_before_it_after_its_pause_still_paced() {
        let mut t = throttle(Some(10));
        let mut turns: Vec<Turn> = (0..3).map(|_| t.take_turn(Duration::ZERO)).collect();
        t.observe(10 * MS, 429, Some(Duration::from_secs(2)));
        let now = 10 * MS;
        let waits: Vec<Option<Duration>> = turns.iter_mut().map(|turn| t.confirm(turn, now)).collect();
        // The interval doubled with the 429: 200 ms apart after the pause.
        let at: Vec<u128> = turns.iter().map(|turn| turn.at().as_millis()).collect();
        assert_eq!(at, [2010, 2210, 2410]);
        assert_eq!(waits[0], Some(2000 * MS));
    }

    #[test]
    fn a_429_holds_everything_until_its_retry_after() {
        let mut t = throttle(None);
        t.observe(Duration::from_secs(1), 429, Some(Duration::from_secs(5)));
        assert_eq!(t.admit(Duration::from_secs(1)), Some(Duration::from_secs(5)));
        assert_eq!(t.admit(Duration::from_secs(6)), None);
        // An earlier end from a later 429 never shortens a pause.
        t.observe(Duration::from_secs(6), 429, Some(Duration::from_secs(10)));
        t.observe(Duration::from_secs(7), 429, Some(Duration::from_secs(1)));
        assert_eq!(t.admit(Duration::from_secs(7)), Some(Duration::from_secs(9)));
    }

    #[test]
    fn without_retry_after_the_pause_doubles_and_an_answer_resets_it() {
        let mut t = throttle(None);
        let mut pauses = Vec::new();
        let mut now = Duration::ZERO;
        for _ in 0..9 {
            t.observe(now, 429, None);
            let pause = t.admit(now).unwrap_or_default();
            pauses.push(pause.as_secs());
            now += pause;
        }
        assert_eq!(pauses, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
        t.observe(now, 200, None);
        t.observe(now, 429, None);
        assert_eq!(t.admit(now), Some(Duration::from_secs(1)));
    }

    #[test]
    fn a_retry_after_longer_than_the_retry_policy_honours_holds_nothing() {
        let mut t = Throttle::new(
            None,
            &RetryPolicy::default().with_max_retry_after(Duration::from_secs(20)),
        );
        t.observe(Duration::ZERO, 429, Some(Duration::from_secs(3600)));
        assert_eq!(t.admit(Duration::ZERO), None);
        t.observe(Duration::ZERO, 429, Some(Duration::from_secs(20)));
        assert_eq!(t.admit(Duration::ZERO), Some(Duration::from_secs(20)));
    }

    #[test]
    fn without_retry_after_the_default_policy_pauses_from_200_ms_to_10_s() {
        let mut t = Throttle::new(None, &RetryPolicy::default());
        let mut now = Duration::ZERO;
        let mut pauses = Vec::new();
        for _ in 0..8 {
            t.observe(now, 429, None);
            let pause = t.admit(now).unwrap_or_default();
            pauses.push(pause.as_millis());
            now += pause;
        }
        assert_eq!(pauses, [200, 400, 800, 1600, 3200, 6400, 10_000, 10_000]);
    }

    #[test]
    fn a_429_halves_the_pace_and_answers_win_it_back() {
        let mut t = throttle(Some(10));
        t.observe(Duration::ZERO, 429, Some(Duration::ZERO));
        assert_eq!(t.interval(), 200 * MS);
        t.observe(Duration::ZERO, 429, Some(Duration::ZERO));
        assert_eq!(t.interval(), 400 * MS);
        for _ in 0..200 {
            t.observe(Duration::ZERO, 200, None);
        }
        assert_eq!(
            t.interval(),
            100 * MS,
            "back to the configured pace, never faster"
        );
        for _ in 0..20 {
            t.observe(Duration::ZERO, 429, Some(Duration::ZERO));
        }
        assert_eq!(t.interval(), SLOWEST);
    }

    #[test]
    fn other_statuses_neither_pause_nor_slow() {
        let mut t = throttle(Some(10));
        for status in [200, 201, 400, 403, 404, 500, 503] {
            t.observe(Duration::ZERO, status, Some(Duration::from_secs(30)));
        }
        assert_eq!(t.interval(), 100 * MS);
        assert_eq!(t.admit(Duration::ZERO), None);
    }

    proptest::proptest! {
        /// Whatever the answers, no window of a second ever holds more than `rate` requests
        /// (plus the one that opens it), and nothing leaves during a pause.
        #[test]
        fn the_rate_and_the_pauses_hold(
            rate in 1u32..50,
            events in proptest::collection::vec((0u64..400, proptest::option::of(0u64..5_000)), 1..200),
        ) {
            let mut t = throttle(Some(rate));
            let mut now = Duration::ZERO;
            let mut sent = Vec::new();
            let mut paused_until = Duration::ZERO;
            for (step, retry_after) in events {
                now += Duration::from_millis(step);
                if let Some(ms) = retry_after.filter(|ms| ms % 7 == 0) {
                    t.observe(now, 429, Some(Duration::from_millis(ms)));
                    paused_until = paused_until.max(now + Duration::from_millis(ms));
                } else {
                    t.observe(now, 200, None);
                }
                while t.admit(now).is_none() {
                    proptest::prop_assert!(now >= paused_until);
                    sent.push(now);
                }
            }
            let floor = Duration::from_secs(1) / rate;
            for pair in sent.windows(2) {
                // Paced from the due time, a request may follow a late one sooner than the
                // interval, but never sooner than the interval after the one before it.
                proptest::prop_assert!(pair[1] >= pair[0]);
            }
            for (i, &at) in sent.iter().enumerate() {
                let in_window = sent[i..].iter().take_while(|&&t| t < at + Duration::from_secs(1)).count();
                proptest::prop_assert!(
                    in_window as u32 <= rate + 1,
                    "{in_window} requests within a second of {at:?} at {rate}/s (floor {floor:?})"
                );
            }
        }
    }
}
