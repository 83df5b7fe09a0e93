//! How fast runs move from `Created` to their terminal status.
//!
//! Every run goes through four steps: `Created`, `Pending`, `Running`, then the status its
//! process ends in (see [`DEMO_AGENT`](crate::DEMO_AGENT)). The [`Schedule`] says when each step is taken.

use std::time::Duration;

/// When runs advance from one status to the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Schedule {
    /// One step every `step` of wall-clock time after creation; the default, with a two-second
    /// step, is what a user exploring the API by hand expects.
    RealTime {
        /// Time spent in each of `Created`, `Pending` and `Running`.
        step: Duration,
    },
    /// Terminal at once: the `POST` response shows `Created`, and every later read (get or
    /// list) shows the terminal status and outputs.
    Instant,
    /// Deterministic: each `GET /runs/{run_id}` of a run advances it one step, then answers.
    /// The first get shows `Pending`, the second `Running`, the third and later the terminal
    /// status. Listing shows the current status without advancing. For testing clients that
    /// wait on a run, with no timing involved.
    PerPoll,
}

impl Schedule {
    /// The default step of [`Schedule::RealTime`].
    pub const DEFAULT_STEP: Duration = Duration::from_secs(2);

    /// Real time with the given step.
    pub fn real_time(step: Duration) -> Self {
        Schedule::RealTime { step }
    }
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule::RealTime {
            step: Self::DEFAULT_STEP,
        }
    }
}

/// The step index of the terminal status.
pub(crate) const TERMINAL_STEP: u8 = 3;

impl Schedule {
    /// The step a run is at, given the time since it was created and how many times it has been
    /// fetched (including the fetch being answered, for [`Schedule::PerPoll`]).
    pub(crate) fn step(&self, since_created: Duration, gets: u64) -> u8 {
        let step = match *self {
            Schedule::Instant => u64::from(TERMINAL_STEP),
            Schedule::PerPoll => gets,
            Schedule::RealTime { step } if step.is_zero() => u64::from(TERMINAL_STEP),
            Schedule::RealTime { step } => {
                u64::try_from(since_created.as_nanos() / step.as_nanos()).unwrap_or(u64::MAX)
            }
        };
        u8::try_from(step.min(u64::from(TERMINAL_STEP))).unwrap_or(TERMINAL_STEP)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_time_takes_one_step_per_interval_and_stops_at_terminal() {
        let s = Schedule::real_time(Duration::from_secs(2));
        let at = |secs| s.step(Duration::from_secs(secs), 0);
        assert_eq!(
            [at(0), at(1), at(2), at(5), at(6), at(1_000_000)],
            [0, 0, 1, 2, 3, 3]
        );
    }

    #[test]
    fn per_poll_counts_gets_and_instant_ignores_everything() {
        assert_eq!(Schedule::PerPoll.step(Duration::from_secs(99), 0), 0);
        assert_eq!(Schedule::PerPoll.step(Duration::ZERO, 2), 2);
        assert_eq!(Schedule::PerPoll.step(Duration::ZERO, u64::MAX), 3);
        assert_eq!(Schedule::Instant.step(Duration::ZERO, 0), 3);
        assert_eq!(Schedule::real_time(Duration::ZERO).step(Duration::ZERO, 0), 3);
    }
}
