//! The attempts of one request, as every retrying machine ([`Call`](crate::transport::Call),
//! [`Upload`](crate::transport::Upload)) keeps them: ready to send, in flight, sleeping
//! before the next attempt, or finished. What a machine sends and how it reads an answer is
//! its own; when to send again and how it ends under the deadline is decided here, once.

use alloc::boxed::Box;
use core::time::Duration;

use crate::error::{ConfigError, Error, TransportError, TransportErrorKind};
use crate::retry::{Retry, StopReason, Verdict};

#[derive(Debug)]
enum State<T> {
    Ready,
    InFlight,
    Sleeping { until: Duration },
    Finished(Result<T, Error>),
    Taken,
}

/// What the attempts want next.
pub(crate) enum Next<T> {
    /// Send an attempt now, within `left` (what remains of the deadline).
    Send { left: Duration },
    /// Sleep this long, then poll again.
    Sleep(Duration),
    /// The request's result, handed out once.
    Done(Result<T, Error>),
}

/// One request's attempts under its [`Retry`] budget, ending in a `Result<T, Error>`.
#[derive(Debug)]
pub(crate) struct Attempts<T> {
    pub(crate) retry: Retry,
    state: State<T>,
    /// The error of the attempt before a sleep: what a deadline that passes during the sleep
    /// reports as its cause.
    last_error: Option<Error>,
}

impl<T> Attempts<T> {
    pub(crate) fn new(retry: Retry) -> Self {
        Self {
            retry,
            state: State::Ready,
            last_error: None,
        }
    }

    /// What to do at `now`. Polled again after its result was handed out, it says so as a
    /// [`ConfigError`] on `machine`, whose `reason` tells what to do instead.
    pub(crate) fn poll(&mut self, now: Duration, machine: &'static str, reason: &'static str) -> Next<T> {
        loop {
            match &mut self.state {
                State::Sleeping { until } if now < *until => return Next::Sleep(*until - now),
                State::Sleeping { .. } | State::Ready | State::InFlight => {
                    let Some(left) = self.retry.begin_attempt(now) else {
                        let last = self.last_error.take().map(Box::new);
                        self.finish(Err(Error::DeadlineExceeded {
                            deadline: self.retry.deadline(),
                            attempts: self.retry.attempts(),
                            last,
                        }));
                        continue;
                    };
                    self.state = State::InFlight;
                    return Next::Send { left };
                }
                State::Finished(_) => {
                    if let State::Finished(result) = core::mem::replace(&mut self.state, State::Taken) {
                        return Next::Done(result);
                    }
                }
                State::Taken => return Next::Done(Err(Error::Config(ConfigError::new(machine, reason)))),
            }
        }
    }

    /// Ends with `result`; an API error it ends with (or its deadline's last error) learns
    /// how many attempts were sent.
    pub(crate) fn finish(&mut self, mut result: Result<T, Error>) {
        let attempts = self.retry.attempts();
        match &mut result {
            Err(Error::Api(e)) => e.set_attempts(attempts),
            Err(Error::DeadlineExceeded { last: Some(last), .. }) => {
                if let Error::Api(e) = &mut **last {
                    e.set_attempts(attempts);
                }
            }
            _ => {}
        }
        self.state = State::Finished(result);
    }

    /// Sends again at the next poll, as a new attempt (a redirect followed).
    pub(crate) fn send_again(&mut self) {
        self.state = State::Ready;
    }

    /// Sleeps `delay` from `now` before the next attempt; `error` is why.
    pub(crate) fn sleep(&mut self, now: Duration, delay: Duration, error: Error) {
        self.last_error = Some(error);
        self.state = State::Sleeping {
            until: now.saturating_add(delay),
        };
    }

    /// Ends with `error`, as the deadline's when that is why retrying stopped.
    pub(crate) fn stop(&mut self, reason: StopReason, mut error: Error) {
        if let (StopReason::RetryAfterTooLong, Error::Api(e)) = (reason, &mut error) {
            e.set_retry_after_cap(self.retry.policy().max_retry_after());
        }
        let result = match reason {
            StopReason::Deadline => Error::DeadlineExceeded {
                deadline: self.retry.deadline(),
                attempts: self.retry.attempts(),
                last: Some(Box::new(error)),
            },
            _ => error,
        };
        self.finish(Err(result));
    }

    /// The attempt failed below HTTP: sleeps before the next one (returning the delay) or ends.
    pub(crate) fn fail(&mut self, now: Duration, error: TransportError) -> Option<Duration> {
        match self.retry.after_failure(now, &error) {
            Verdict::RetryAfter(delay) => {
                self.sleep(now, delay, Error::Transport(error));
                Some(delay)
            }
            Verdict::Stop(reason) => {
                // A timeout cut short by the deadline is the deadline's doing.
                let reason =
                    if error.kind() == TransportErrorKind::Timeout && self.retry.is_past_deadline(now) {
                        StopReason::Deadline
                    } else {
                        reason
                    };
                self.stop(reason, Error::Transport(error));
                None
            }
        }
    }
}
