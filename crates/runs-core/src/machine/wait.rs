//! Waiting on a run; the policy is [`WaitPolicy`], the machine [`Wait`].

use core::time::Duration;

use crate::call::{Action, Call, Machine};
use crate::config::Config;
use crate::error::{Error, TransportError};
use crate::http::Response;
use crate::id::RunId;
use crate::run::Run;
use crate::status::RunStatus;
use crate::trace::event;
use crate::wire::GetRun;

/// How a run is polled while waiting.
///
/// # A poll that fails
///
/// Each poll is one get-run call, with the configuration's retries. A poll that fails for a
/// reason worth retrying (a 503 or a dropped connection that outlived those retries, the
/// call's deadline) does not end the wait: the next poll goes ahead on schedule. But
/// [`max_failed_polls`](Self::max_failed_polls) such polls in a row (5 unless changed; a poll
/// counts once, however many attempts it made) end it with [`Error::WaitPollsFailed`], which
/// carries the last poll's error, rather than wait out the timeout blind. A successful poll
/// starts the count again. A poll that fails for a reason that would not pass (a 404, a bad
/// key) ends the wait at once with that error. A timeout that passes while polls are failing
/// gives [`Error::WaitTimedOut`] with the last poll's error.
#[derive(Debug, Clone, PartialEq)]
pub struct WaitPolicy {
    initial_interval: Duration,
    max_interval: Duration,
    factor: f64,
    timeout: Duration,
    max_failed_polls: u32,
}

impl Default for WaitPolicy {
    /// First poll at once, then after 1 s, growing by half each time to at most 10 s; give up
    /// after 10 minutes, or after 5 failed polls in a row.
    fn default() -> Self {
        Self {
            initial_interval: Duration::from_secs(1),
            max_interval: Duration::from_secs(10),
            factor: 1.5,
            timeout: Duration::from_secs(600),
            max_failed_polls: Self::DEFAULT_MAX_FAILED_POLLS,
        }
    }
}

impl WaitPolicy {
    /// The shortest delay between two polls: 100 ms. An interval given below it is raised to
    /// it, so no setting can turn a wait into a busy loop against the shared rate limit.
    pub const MIN_INTERVAL: Duration = Duration::from_millis(100);

    /// How many polls in a row may fail before a wait stops, unless changed: 5. With the
    /// default retries and schedule that rides out a few seconds of trouble (a deploy, a
    /// failover) and reports an outage within a minute rather than at the timeout.
    pub const DEFAULT_MAX_FAILED_POLLS: u32 = 5;

    /// This policy with `interval` as the delay after the first poll (raised to
    /// [`WaitPolicy::MIN_INTERVAL`] if below it).
    pub fn with_initial_interval(mut self, interval: Duration) -> Self {
        self.initial_interval = interval.max(Self::MIN_INTERVAL);
        self
    }

    /// This policy with `interval` as the longest delay between polls (raised to
    /// [`WaitPolicy::MIN_INTERVAL`] if below it).
    pub fn with_max_interval(mut self, interval: Duration) -> Self {
        self.max_interval = interval.max(Self::MIN_INTERVAL);
        self
    }

    /// This policy with the delay growing by `factor` after each poll (1.0: a fixed interval;
    /// below 1.0 or not a number reads as 1.0; a huge factor reaches
    /// [`max_interval`](Self::max_interval) at once).
    pub fn with_factor(mut self, factor: f64) -> Self {
        self.factor = if factor.is_finite() && factor >= 1.0 {
            factor
        } else {
            1.0
        };
        self
    }

    /// This policy giving up after `timeout` in all, with [`Error::WaitTimedOut`].
    /// `Duration::MAX` waits for as long as the run takes; `Duration::ZERO` gives up at once,
    /// sending nothing.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// This policy stopping the wait with [`Error::WaitPollsFailed`] once `polls` polls in a
    /// row have failed, each after its own retries (at least 1; `u32::MAX` waits out the
    /// timeout whatever the polls meet). See [the type's docs](Self#a-poll-that-fails).
    pub fn with_max_failed_polls(mut self, polls: u32) -> Self {
        self.max_failed_polls = polls.max(1);
        self
    }

    /// The delay after the first poll.
    pub fn initial_interval(&self) -> Duration {
        self.initial_interval
    }

    /// The longest delay between polls.
    pub fn max_interval(&self) -> Duration {
        self.max_interval
    }

    /// How much the delay grows after each poll.
    pub fn factor(&self) -> f64 {
        self.factor
    }

    /// How long to wait in all.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// How many polls in a row may fail before the wait stops.
    pub fn max_failed_polls(&self) -> u32 {
        self.max_failed_polls
    }
}

/// Polls a run until it is terminal; a [`Machine`] whose output is the final run.
///
/// # How it works
///
/// Waiting for a run to finish.
///
/// [`Wait`] polls get-run on a schedule that starts quick and backs off (a run that takes an
/// hour should not be asked about every second), until the run reaches a terminal status or the
/// wait's own timeout passes. A poll that fails for a reason worth retrying (a 503 that outlived
/// its retries, a dropped connection) is not the end of the wait: the next poll may succeed.
/// [`WaitPolicy::max_failed_polls`] of them in a row end it, carrying the last poll's error, so
/// that an outage is reported rather than waited out. Anything else (a 404, a bad key) ends
/// it at once.
///
/// Every setting is safe: polls are never closer than [`WaitPolicy::MIN_INTERVAL`] (all
/// endpoints share one rate-limit pool, so a busy loop would starve the caller's other calls),
/// and any duration or factor, `Duration::MAX` included, saturates instead of overflowing.
#[derive(Debug)]
pub struct Wait {
    config: Config,
    run_id: RunId,
    policy: WaitPolicy,
    start: Option<Duration>,
    interval: Duration,
    wake_at: Option<Duration>,
    call: Option<Call<GetRun>>,
    /// Whether the poll in flight has the wait's remaining time as its deadline, so that its
    /// deadline passing is the wait's timeout.
    call_ends_with_wait: bool,
    last_status: Option<RunStatus>,
    /// How many polls in a row have failed, and the last one's error.
    failed_polls: u32,
    last_error: Option<Error>,
    seed: u64,
}

impl Wait {
    /// A wait for `run_id` under `config`, on `policy`'s schedule.
    pub fn new(config: &Config, run_id: RunId, policy: WaitPolicy, seed: u64) -> Self {
        Self {
            config: config.clone(),
            run_id,
            interval: policy.initial_interval,
            policy,
            start: None,
            wake_at: None,
            call: None,
            call_ends_with_wait: false,
            last_status: None,
            failed_polls: 0,
            last_error: None,
            seed,
        }
    }

    /// The status seen at the last successful poll.
    pub fn last_status(&self) -> Option<&RunStatus> {
        self.last_status.as_ref()
    }

    /// This wait, calling `on_status` each time a poll sees a status other than the last one
    /// reported, for a progress display. The terminal status is the output, not reported.
    pub fn observed<F: FnMut(&RunStatus)>(self, on_status: F) -> Observed<F> {
        Observed {
            wait: self,
            seen: None,
            on_status,
        }
    }

    fn timed_out(&mut self, waited: Duration) -> Error {
        Error::WaitTimedOut {
            run_id: self.run_id.clone(),
            last_status: self.last_status.clone(),
            waited,
            failed_polls: self.failed_polls,
            last_error: self.last_error.take().map(alloc::boxed::Box::new),
        }
    }

    /// Records a poll that failed with `error`; `at_wait_end` when the wait's timeout has
    /// come (or cut the poll short).
    fn poll_failed(&mut self, error: Error, at_wait_end: bool) {
        let error = match error {
            // The wait's own end cut the poll short: only what failed before it counts.
            Error::DeadlineExceeded { last, .. } if at_wait_end => match last {
                Some(last) => *last,
                None => return,
            },
            error => error,
        };
        self.failed_polls = self.failed_polls.saturating_add(1);
        self.last_error = Some(error);
    }

    fn schedule_next(&mut self, now: Duration) {
        self.wake_at = Some(now.saturating_add(self.interval));
        self.interval = grow(self.interval, self.policy.factor).min(self.policy.max_interval);
    }
}

impl Machine for Wait {
    type Output = Result<Run, Error>;

    fn poll(&mut self, now: Duration) -> Action<Self::Output> {
        let start = *self.start.get_or_insert(now);
        let end = start.saturating_add(self.policy.timeout);
        loop {
            if let Some(call) = &mut self.call {
                match call.poll(now) {
                    Action::Send { request, timeout } => return Action::Send { request, timeout },
                    Action::Sleep(d) => return Action::Sleep(d),
                    Action::Done(Ok(run)) => {
                        self.call = None;
                        event!(
                            debug,
                            {
                                run.id = run.id.as_str(),
                                run.status = ?run.status.as_str(),
                                terminal = run.status.is_terminal(),
                            },
                            "wait poll"
                        );
                        if run.status.is_terminal() {
                            return Action::Done(Ok(run));
                        }
                        self.last_status = Some(run.status);
                        self.failed_polls = 0;
                        self.last_error = None;
                        self.schedule_next(now);
                    }
                    Action::Done(Err(e)) => {
                        self.call = None;
                        // A failure for good is the answer, whenever it comes.
                        if !e.is_retryable() {
                            return Action::Done(Err(e));
                        }
                        let at_wait_end = now >= end
                            || (self.call_ends_with_wait && matches!(e, Error::DeadlineExceeded { .. }));
                        self.poll_failed(e, at_wait_end);
                        // Why is in the call's own events ("request failed", "not retrying").
                        event!(
                            debug,
                            {
                                run.id = self.run_id.as_str(),
                                failed_polls = self.failed_polls,
                            },
                            "wait poll failed"
                        );
                        if at_wait_end {
                            return Action::Done(Err(self.timed_out(now.saturating_sub(start))));
                        }
                        if self.failed_polls >= self.policy.max_failed_polls {
                            if let Some(last_error) = self.last_error.take() {
                                return Action::Done(Err(Error::WaitPollsFailed {
                                    run_id: self.run_id.clone(),
                                    last_status: self.last_status.clone(),
                                    waited: now.saturating_sub(start),
                                    failed_polls: self.failed_polls,
                                    last_error: alloc::boxed::Box::new(last_error),
                                }));
                            }
                        }
                        self.schedule_next(now);
                    }
                }
            }
            if now >= end {
                return Action::Done(Err(self.timed_out(now.saturating_sub(start))));
            }
            if let Some(wake) = self.wake_at {
                if now < wake {
                    return Action::Sleep(wake.min(end) - now);
                }
                self.wake_at = None;
            }
            self.seed = self.seed.wrapping_add(1);
            let left = end - now;
            self.call_ends_with_wait = left <= self.config.deadline;
            let deadline = self.config.deadline.min(left);
            self.call = Some(Call::with_deadline(
                &self.config,
                GetRun(self.run_id.clone()),
                deadline,
                self.seed,
            ));
        }
    }

    fn handle_response(&mut self, now: Duration, response: Response<'_>) {
        if let Some(call) = &mut self.call {
            call.handle_response(now, response);
        }
    }

    fn handle_response_at(&mut self, now: Duration, unix_time: Duration, response: Response<'_>) {
        if let Some(call) = &mut self.call {
            call.handle_response_at(now, unix_time, response);
        }
    }

    fn handle_failure(&mut self, now: Duration, error: TransportError) {
        if let Some(call) = &mut self.call {
            call.handle_failure(now, error);
        }
    }
}

/// `interval` times `factor` (at least 1.0), saturating at `Duration::MAX` where
/// `Duration::mul_f64` would panic.
fn grow(interval: Duration, factor: f64) -> Duration {
    Duration::try_from_secs_f64(interval.as_secs_f64() * factor).unwrap_or(Duration::MAX)
}

/// How one wait goes, given in one place: the schedule (the configuration's
/// [`WaitPolicy`] unless changed) and a callback for each new status, for a progress display.
///
/// ```
/// use std::time::Duration;
/// # use runs_core::WaitOptions;
///
/// let mut seen = Vec::new();
/// let options = WaitOptions::new()
///     .timeout(Duration::from_secs(60))
///     .interval(Duration::from_secs(2))
///     .on_status(|status| seen.push(status.to_string()));
/// # drop(options);
/// ```
#[derive(Default)]
#[must_use = "options do nothing until given to a wait"]
pub struct WaitOptions<'a> {
    policy: Option<WaitPolicy>,
    timeout: Option<Duration>,
    interval: Option<Duration>,
    on_status: Option<StatusCallback<'a>>,
}

type StatusCallback<'a> = alloc::boxed::Box<dyn FnMut(&RunStatus) + Send + 'a>;

impl<'a> WaitOptions<'a> {
    /// The configuration's wait policy, no callback.
    pub fn new() -> Self {
        Self::default()
    }

    /// Polls on `policy` instead of the configuration's.
    pub fn policy(mut self, policy: WaitPolicy) -> Self {
        self.policy = Some(policy);
        self
    }

    /// Gives up after `timeout` in all ([`WaitPolicy::timeout`] of the policy in force).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Polls every `interval`, not growing (at least [`WaitPolicy::MIN_INTERVAL`]).
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = Some(interval);
        self
    }

    /// Calls `on_status` with each status a poll sees before the run is terminal, once per
    /// change. The terminal run is the wait's result, not reported here.
    pub fn on_status(mut self, on_status: impl FnMut(&RunStatus) + Send + 'a) -> Self {
        self.on_status = Some(alloc::boxed::Box::new(on_status));
        self
    }
}

impl core::fmt::Debug for WaitOptions<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("WaitOptions")
            .field("policy", &self.policy)
            .field("timeout", &self.timeout)
            .field("interval", &self.interval)
            .field("on_status", &self.on_status.is_some())
            .finish()
    }
}

/// A [`Wait`] that reports each new status it sees; made by [`Wait::observed`].
pub struct Observed<F> {
    wait: Wait,
    seen: Option<RunStatus>,
    on_status: F,
}

impl<F> core::fmt::Debug for Observed<F> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Observed")
            .field("wait", &self.wait)
            .field("seen", &self.seen)
            .finish_non_exhaustive()
    }
}

impl<'a> Observed<StatusCallback<'a>> {
    /// The wait `options` describe for `run_id`, under `config`: the options' policy (else
    /// the configuration's), timeout and interval, reporting to their status callback. Here
    /// rather than on [`WaitOptions`], so a program that only uses a client never meets a
    /// transport type.
    pub fn from_options(config: &Config, run_id: RunId, options: WaitOptions<'a>, seed: u64) -> Self {
        let mut policy = options.policy.unwrap_or_else(|| config.wait.clone());
        if let Some(timeout) = options.timeout {
            policy = policy.with_timeout(timeout);
        }
        if let Some(interval) = options.interval {
            policy = policy
                .with_initial_interval(interval)
                .with_max_interval(interval)
                .with_factor(1.0);
        }
        let on_status = options
            .on_status
            .unwrap_or_else(|| alloc::boxed::Box::new(|_| ()));
        Wait::new(config, run_id, policy, seed).observed(on_status)
    }
}

impl<F: FnMut(&RunStatus)> Machine for Observed<F> {
    type Output = Result<Run, Error>;

    fn poll(&mut self, now: Duration) -> Action<Self::Output> {
        let action = self.wait.poll(now);
        if let Some(status) = self.wait.last_status() {
            if self.seen.as_ref() != Some(status) {
                self.seen = Some(status.clone());
                (self.on_status)(status);
            }
        }
        action
    }

    fn handle_response(&mut self, now: Duration, response: Response<'_>) {
        self.wait.handle_response(now, response);
    }

    fn handle_response_at(&mut self, now: Duration, unix_time: Duration, response: Response<'_>) {
        self.wait.handle_response_at(now, unix_time, response);
    }

    fn handle_failure(&mut self, now: Duration, error: TransportError) {
        self.wait.handle_failure(now, error);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::{String, ToString};
    use alloc::vec::Vec;

    #[test]
    fn each_status_change_before_the_end_is_reported_once() {
        let config = Config::builder()
            .api_key("k")
            .base_url("http://127.0.0.1:1/v2")
            .build()
            .unwrap();
        let policy = WaitPolicy::default().with_initial_interval(Duration::from_millis(1));
        let mut statuses = ["Pending", "Pending", "Running", "Succeeded"].into_iter();
        let mut seen: Vec<String> = Vec::new();
        let mut now = Duration::ZERO;
        let mut machine =
            Wait::new(&config, "run-1".parse().unwrap(), policy, 0).observed(|s| seen.push(s.to_string()));
        let run = crate::__drive!(
            machine,
            now = now,
            send(_request, _timeout) => {
                let body = alloc::format!(
                    r#"{{"id":"run-1","name":"n","agent_id":"a","process_id":"p","stage":"Draft","status":"{}","created_at":"2021-01-01T12:00:00"}}"#,
                    statuses.next().unwrap()
                );
                Ok::<_, TransportError>(OwnedResponse(body.into_bytes()))
            },
            sleep(delay) => now += delay,
        )
        .unwrap();
        assert_eq!(run.status, RunStatus::Succeeded);
        assert_eq!(seen, ["Pending", "Running"]);
    }

    #[test]
    fn a_wait_gives_up_after_at_least_one_failed_poll() {
        assert_eq!(
            WaitPolicy::default().max_failed_polls(),
            WaitPolicy::DEFAULT_MAX_FAILED_POLLS
        );
        assert_eq!(
            WaitPolicy::default().with_max_failed_polls(0).max_failed_polls(),
            1
        );
    }

    struct OwnedResponse(Vec<u8>);

    impl crate::http::AsResponse for OwnedResponse {
        fn as_response(&self) -> Response<'_> {
            Response {
                status: 200,
                headers: &[("content-type", "application/json")],
                body: &self.0,
            }
        }
    }
}
