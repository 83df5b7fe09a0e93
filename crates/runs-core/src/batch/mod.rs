//! Many runs, each started exactly once: the batch machine.
//!
//! `POST /runs` has no idempotency key, so a `POST` whose answer was lost (a timeout, a reset,
//! a 5xx, a process killed mid-request) may or may not have started its run, and sending it
//! again may start a second. [`Batch`] starts one run per row and guarantees, with the journal
//! ([`Record`]) a driver keeps for it:
//!
//! - **At most once.** Each row's run has a name unique to the row (and to the attempt, with
//!   `retry_failed`). Before a `POST` leaves, its [`Record::Intent`] is made durable; after
//!   the answer, the run id. A `POST` whose outcome is unknown is *in doubt* and is
//!   **reconciled**: the process's runs are listed and searched for the row's name. Only a
//!   reconciliation that proves no such run exists lets the row be sent again; one that cannot
//!   decide within its bound leaves the row `Unknown`, reported, never dropped.
//! - **Nothing lost.** Every row ends with an [`Outcome`]; a batch resumed from its journal
//!   does only what is left.
//! - **Within the limits.** At most `concurrency` actions in flight, at most `max_active` runs
//!   of this batch not yet in a terminal status. The rate is the client's: its throttle
//!   ([`Throttle`](crate::transport::Throttle), set with
//!   [`ConfigBuilder::rate_limit`](crate::ConfigBuilder::rate_limit)) counts the batch's
//!   requests with every other request of the client, and a 429 slows them all. A `403`
//!   "Resource Not Available" (the organisation at its concurrent-run cap) or a `429` on a
//!   start created nothing: no row starts for a while (1 s doubling to 60 s), then the row is
//!   tried again; polls and searches go on meanwhile, since they are what frees a place.
//! - **Few requests to wait.** Active runs are polled with list pages (one page reports up to
//!   100 runs) when more than one is active, with one `GET` when only one is.
//!
//! The machine does no I/O and reads no clock: a driver asks [`Batch::poll`] what to do, does
//! it with its client's operations (which retry what is safe to retry), and feeds the outcome
//! back. `now` is a monotonic time since the driver's epoch; `wall` the time since the Unix
//! epoch, for intents and for telling this batch's runs from older ones of the same name.
//!
//! # Reconciliation's bound
//!
//! A search reads the process's runs page by page (100 a page) and ends when it finds a run
//! of the row's name created no earlier than [`CLOCK_SKEW`] before the intent (found: the run
//! is the row's), at the end of the listing (not found: the row may be sent again), or at a run
//! created more than [`CLOCK_SKEW`] before the intent while every run read so far came newest
//! first (not found: the API lists newest first, which the search checks rather than assumes).
//! After [`MAX_SEARCH_PAGES`] pages without an answer the row is `Unknown`.

#[cfg(feature = "std")]
mod file_journal;
mod journal;

use alloc::collections::VecDeque;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::time::Duration;

#[cfg(feature = "std")]
pub use file_journal::{FileJournal, Journal};
pub use journal::{JOURNAL_VERSION, Record, fingerprint, read_journal};

use crate::error::{ConfigError, Delivery, Error};
use crate::id::{RunId, RunName};
use crate::list::ListRuns;
use crate::page::RunPage;
use crate::run::{NameValue, Run};
use crate::start::StartRun;
use crate::status::RunStatus;

/// How far the client's clock and the service's may disagree, for telling this batch's runs
/// from older runs of the same name.
pub const CLOCK_SKEW: Duration = Duration::from_secs(300);

/// The most pages a reconciliation reads before it gives up on a row (`Unknown`).
pub const MAX_SEARCH_PAGES: u32 = 50;

/// How many times in a row a poll or a search may fail before the batch stops (to be resumed).
const MAX_FAILURES_IN_A_ROW: u32 = 8;

/// How long after a `POST` in doubt its search begins: a request the service was still
/// processing when the connection broke has had time to finish.
pub const SEARCH_DELAY: Duration = Duration::from_secs(2);

/// A row's place in the batch: its index in the rows given to [`Batch::new`].
pub type RowIndex = usize;

/// The limits and choices of a batch; see [`Batch`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchOptions {
    concurrency: usize,
    max_active: usize,
    wait: bool,
    retry_failed: bool,
    poll_interval: Duration,
    timeout: Option<Duration>,
}

impl Default for BatchOptions {
    /// 8 actions in flight, 50 active runs (a third of a 150-run cap shared with others),
    /// waiting for every run, polling every 2 s.
    fn default() -> Self {
        Self {
            concurrency: 8,
            max_active: 50,
            wait: true,
            retry_failed: false,
            poll_interval: Duration::from_secs(2),
            timeout: None,
        }
    }
}

impl BatchOptions {
    /// At most `n` actions (requests) in flight at once (at least 1).
    pub fn with_concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }
    /// At most `n` runs of this batch not yet in a terminal status (at least 1).
    pub fn with_max_active(mut self, n: usize) -> Self {
        self.max_active = n.max(1);
        self
    }
    /// Whether to wait for every run to finish (`true`) or stop once every row has started.
    pub fn with_wait(mut self, wait: bool) -> Self {
        self.wait = wait;
        self
    }
    /// Whether rows whose run ended `Failed`, `Cancelled` or `TimedOut` (as the journal a
    /// batch resumes from says) start again, once, under a new name (`NAME #2`, `#3`...).
    pub fn with_retry_failed(mut self, retry: bool) -> Self {
        self.retry_failed = retry;
        self
    }
    /// How often active runs are polled (at least 100 ms).
    pub fn with_poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval.max(Duration::from_millis(100));
        self
    }
    /// Stop after `timeout` (from the driver's first poll) with
    /// [`Error::WaitTimedOut`] for the first run not finished,
    /// whatever is left; the journal resumes it. Default: no limit (a batch waits as long as
    /// its runs take).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }
    /// How long the batch may last, if limited.
    pub fn timeout(&self) -> Option<Duration> {
        self.timeout
    }
    /// The actions in flight at most.
    pub fn concurrency(&self) -> usize {
        self.concurrency
    }
    /// The active runs at most.
    pub fn max_active(&self) -> usize {
        self.max_active
    }
    /// Whether the batch waits for every run.
    pub fn wait(&self) -> bool {
        self.wait
    }
    /// Whether failed runs start again.
    pub fn retry_failed(&self) -> bool {
        self.retry_failed
    }
    /// How often active runs are polled.
    pub fn poll_interval(&self) -> Duration {
        self.poll_interval
    }
}

/// One row of a batch: its key (unique in the batch) and the request that starts its run.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchRow {
    key: String,
    start: StartRun,
}

impl BatchRow {
    /// Row `key` (unique in the batch), started with `start` (whose name is unique too).
    pub fn new(key: impl Into<String>, start: StartRun) -> Self {
        Self {
            key: key.into(),
            start,
        }
    }
    /// The row's key.
    pub fn key(&self) -> &str {
        &self.key
    }
    /// The request that starts the row's first run.
    pub fn start(&self) -> &StartRun {
        &self.start
    }
}

/// How a row ended.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Outcome {
    /// Its run reached a terminal status.
    Finished {
        /// The run.
        run_id: RunId,
        /// The run's name.
        name: String,
        /// Its terminal status.
        status: RunStatus,
        /// Its outputs (empty when it has none).
        outputs: Vec<NameValue>,
    },
    /// Its run started; the batch was not waiting for it.
    Started {
        /// The run.
        run_id: RunId,
        /// The run's name.
        name: String,
    },
    /// The service refused it for good: the API's error.
    Refused(String),
    /// Whether its run exists could not be decided (see the reconciliation bound); running the
    /// batch again searches again.
    Unknown(String),
    /// It was never sent: why.
    NotStarted(String),
}

/// What a driver must do next; see [`Batch::poll`].
#[derive(Debug)]
#[non_exhaustive]
pub enum Action {
    /// Append this record to the journal and make it durable before the next action.
    Record(Record),
    /// Make `intent` durable in the journal, then send `start`, then call
    /// [`Batch::handle_start`] with `row` and the result.
    Start {
        /// The row.
        row: RowIndex,
        /// The intent to write first.
        intent: Record,
        /// The request.
        start: StartRun,
    },
    /// Fetch this page of runs and call [`Batch::handle_search`] with `row` and the result.
    Search {
        /// The row in doubt.
        row: RowIndex,
        /// The page to fetch.
        query: ListRuns,
    },
    /// Fetch this page of runs and call [`Batch::handle_poll_page`] with the result.
    PollPage {
        /// The page to fetch.
        query: ListRuns,
    },
    /// Get this run and call [`Batch::handle_poll_run`] with `row` and the result.
    PollRun {
        /// The row.
        row: RowIndex,
        /// Its run.
        run_id: RunId,
    },
    /// Nothing to do for this long, unless an action in flight comes back sooner.
    Sleep(Duration),
    /// Nothing to do until an action in flight comes back.
    Await,
    /// Every row has its outcome: [`Batch::outcomes`].
    Done,
    /// The batch cannot go on (the API or the connection failed too often in a row, or the
    /// configuration is unusable): stop sending; what is in flight may still be handled. The
    /// journal resumes the batch. Returned once.
    Stop(Error),
}

#[derive(Debug, Clone, PartialEq)]
enum State {
    /// To be started no earlier than `not_before`.
    Pending { not_before: Duration },
    /// Its start is in flight.
    Starting,
    /// Its start's outcome is unknown: to be searched for.
    InDoubt(Search),
    /// A page of its search is in flight.
    Searching(Search),
    /// Its run exists and is not known to be terminal.
    Active { run_id: RunId, name: String },
    /// Ended.
    Done(Outcome),
}

#[derive(Debug, Clone, PartialEq)]
struct Search {
    name: String,
    /// The intent's time, seconds since the Unix epoch.
    at: i64,
    token: Option<String>,
    pages: u32,
    /// The oldest creation time read so far.
    oldest: Option<i64>,
    /// Whether every run read so far came newest first.
    ordered: bool,
    not_before: Duration,
}

#[derive(Debug, Clone)]
struct Slot {
    row: BatchRow,
    attempt: u32,
    /// The time of the last intent, seconds since the Unix epoch.
    intent_at: i64,
    state: State,
    /// The last status seen of the row's run.
    status: Option<RunStatus>,
}

/// One round of polling the active runs: list pages while more than one is active, then a
/// `GET` for each run the pages did not show.
#[derive(Debug, Default)]
struct Round {
    /// Active rows the pages have not shown yet.
    unseen: Vec<RowIndex>,
    /// The next page's token, when the pages go on.
    token: Option<String>,
    pages: u32,
    /// Whether pages are still to be read.
    paging: bool,
    /// Rows to `GET`.
    gets: Vec<RowIndex>,
    in_flight: usize,
}

/// Many runs, each started exactly once; see the [module docs](self).
///
/// ```
/// use std::time::Duration;
/// use runs_core::batch::{Action, Batch, BatchOptions, BatchRow, Outcome};
/// use runs_core::{ProcessStage, StartRun};
///
/// let start = StartRun::builder().agent_id("agent-1").process_id("invoices")
///     .name("march-1").stage(ProcessStage::Published).build()?;
/// let rows = vec![BatchRow::new("1", start)];
/// let mut batch = Batch::new(rows, BatchOptions::default().with_wait(false));
/// let wall = Duration::from_secs(1_700_000_000);
/// let Action::Start { row, .. } = batch.poll(Duration::ZERO, wall) else { unreachable!() };
/// // The driver writes the intent durably, sends the POST, and feeds the answer back.
/// let run: runs_core::Run = serde_json::from_str(r#"{"id":"r1","name":"march-1",
///     "agent_id":"agent-1","process_id":"invoices","stage":"Published","status":"Created",
///     "created_at":"2026-03-01T00:00:00"}"#)?;
/// batch.handle_start(row, Duration::ZERO, Ok(run));
/// assert!(matches!(batch.poll(Duration::ZERO, wall), Action::Record(_))); // the run's id
/// assert!(matches!(batch.poll(Duration::ZERO, wall), Action::Done));
/// // Not waiting: started is where the row ends.
/// assert!(matches!(batch.report()[0], ("1", Outcome::Started { .. })));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Batch {
    slots: Vec<Slot>,
    options: BatchOptions,
    /// Records to hand out before anything else.
    records: VecDeque<Record>,
    in_flight: usize,
    /// When the next start may be sent, after back-pressure.
    next_start: Duration,
    /// When active runs are next polled.
    next_poll: Duration,
    /// When the last polling round ended.
    last_poll: Duration,
    round: Option<Round>,
    failures_in_a_row: u32,
    stop: Option<Error>,
    stopped: bool,
    /// Back-pressure's delay, doubled at each refusal in a row (1 s to 60 s).
    backoff: Duration,
}

impl Batch {
    /// A batch of `rows`, nothing done yet.
    pub fn new(rows: Vec<BatchRow>, options: BatchOptions) -> Self {
        Self {
            slots: rows
                .into_iter()
                .map(|row| Slot {
                    row,
                    attempt: 1,
                    intent_at: 0,
                    state: State::Pending {
                        not_before: Duration::ZERO,
                    },
                    status: None,
                })
                .collect(),
            options,
            records: VecDeque::new(),
            in_flight: 0,
            next_start: Duration::ZERO,
            next_poll: Duration::ZERO,
            last_poll: Duration::ZERO,
            round: None,
            failures_in_a_row: 0,
            stop: None,
            stopped: false,
            backoff: Duration::from_secs(1),
        }
    }

    /// A batch of `rows` resumed from its journal's `records` (a [`Record::Batch`] among them
    /// is skipped: the driver checks it): rows with a run go on being waited for, rows in
    /// doubt are searched for, rows refused or finished keep their outcome (one that ended
    /// `Failed`, `Cancelled` or `TimedOut` starts again under a new name with
    /// `retry_failed`). A record naming a row the input does not have is an error.
    pub fn resume(rows: Vec<BatchRow>, options: BatchOptions, records: &[Record]) -> Result<Self, Error> {
        let mut batch = Self::new(rows, options);
        for record in records {
            let Some(key) = record.row() else { continue };
            let Some(slot) = batch.slots.iter_mut().find(|s| s.row.key == key) else {
                return Err(ConfigError::new(
                    "journal",
                    alloc::format!(
                        "it names row {key:?}, which the input does not have; was the input changed?"
                    ),
                )
                .into());
            };
            let name = named(&slot.row.start, slot.attempt)
                .map(|s| String::from(s.name().as_str()))
                .unwrap_or_default();
            slot.state = match record {
                Record::Batch { .. } => continue,
                Record::Intent {
                    name, attempt, at, ..
                } => {
                    slot.attempt = *attempt;
                    slot.intent_at = *at;
                    // As after any POST in doubt: one killed mid-request may still be being
                    // processed by the service, so the search waits for it.
                    State::InDoubt(Search::new(name.clone(), *at, SEARCH_DELAY))
                }
                Record::Started { run_id, .. } => State::Active {
                    run_id: run_id.clone(),
                    name,
                },
                Record::NotCreated { .. } => State::Pending {
                    not_before: Duration::ZERO,
                },
                Record::Refused { error, .. } => State::Done(Outcome::Refused(error.clone())),
                Record::Finished {
                    run_id,
                    status,
                    outputs,
                    ..
                } => State::Done(Outcome::Finished {
                    run_id: run_id.clone(),
                    name,
                    status: status.clone(),
                    outputs: outputs.clone().unwrap_or_default(),
                }),
            };
        }
        if batch.options.retry_failed {
            for slot in &mut batch.slots {
                if matches!(&slot.state, State::Done(Outcome::Finished { status, .. }) if is_failed(status)) {
                    slot.attempt += 1;
                    slot.state = State::Pending {
                        not_before: Duration::ZERO,
                    };
                }
            }
        }
        Ok(batch)
    }

    /// A batch that starts nothing and waits for `runs`, already started (by anyone): each
    /// run is a row keyed by its id, polled as a batch's runs are (list pages when several
    /// runs of one process are active, a `GET` for the others). Its records can be dropped:
    /// with nothing to start, nothing needs a journal. `retry_failed` is ignored.
    ///
    /// ```
    /// use std::time::Duration;
    /// use runs_core::batch::{Action, Batch, BatchOptions};
    /// use runs_core::{ProcessStage, Run, RunStatus, Timestamp};
    ///
    /// let run = |id: &str| Run::new(id.parse().unwrap(), id, "agent-1".parse().unwrap(),
    ///     "invoices".parse().unwrap(), ProcessStage::Published, RunStatus::Running,
    ///     Timestamp::from_unix(1_700_000_000, 0).unwrap());
    /// let mut batch = Batch::watch(&[run("r1"), run("r2")], BatchOptions::default());
    /// let (mut now, wall) = (Duration::ZERO, Duration::from_secs(1_700_000_100));
    /// let action = loop {
    ///     match batch.poll(now, wall) {
    ///         Action::Record(_) => continue,
    ///         Action::Sleep(d) => now += d,
    ///         other => break other,
    ///     }
    /// };
    /// // Two active runs of one process: one page shows both.
    /// assert!(matches!(action, Action::PollPage { .. }));
    /// ```
    pub fn watch(runs: &[Run], options: BatchOptions) -> Self {
        let rows = runs
            .iter()
            .map(|run| {
                // Only the agent and process are read (for list pages); nothing is started.
                let start = StartRun::of_run(run);
                BatchRow::new(run.id.as_str(), start)
            })
            .collect();
        let mut batch = Self::new(rows, options.with_retry_failed(false));
        let now = Duration::ZERO;
        for (row, run) in runs.iter().enumerate() {
            batch.found(row, run.clone(), now);
        }
        batch.records.clear();
        batch
    }

    /// The last status seen of `row`'s run (`None` before its run is known).
    pub fn status(&self, row: RowIndex) -> Option<&RunStatus> {
        self.slots.get(row)?.status.as_ref()
    }

    /// The rows, in order.
    pub fn rows(&self) -> impl Iterator<Item = &BatchRow> {
        self.slots.iter().map(|s| &s.row)
    }

    /// Every row's key and outcome, in the rows' order; a row still going is left out.
    pub fn outcomes(&self) -> impl Iterator<Item = (&str, &Outcome)> {
        self.slots.iter().filter_map(|s| match &s.state {
            State::Done(outcome) => Some((s.row.key.as_str(), outcome)),
            _ => None,
        })
    }

    /// Every row's key and outcome so far, in the rows' order: a row still going is
    /// `Started` (its run exists), `Unknown` (in doubt) or `NotStarted`.
    pub fn report(&self) -> Vec<(&str, Outcome)> {
        self.slots
            .iter()
            .map(|s| {
                let outcome = match &s.state {
                    State::Done(outcome) => outcome.clone(),
                    State::Active { run_id, name } => Outcome::Started {
                        run_id: run_id.clone(),
                        name: name.clone(),
                    },
                    State::Starting | State::InDoubt(_) | State::Searching(_) => {
                        Outcome::Unknown("its start is in doubt; run the batch again to settle it".into())
                    }
                    State::Pending { .. } => Outcome::NotStarted("the batch stopped before it".into()),
                };
                (s.row.key.as_str(), outcome)
            })
            .collect()
    }

    /// `row`'s outcome once the batch needs nothing more of it: it ended, or (with
    /// [`BatchOptions::wait`] off) its run started. `None` while it is still going, and for a
    /// row the batch does not have. A driver that reports rows as they settle reports a row when
    /// this first returns `Some`: after a [`Record`] about it, after the answer to an action for
    /// it, and (for a row whose start could not even be formed) when the batch is done.
    pub fn settled(&self, row: RowIndex) -> Option<Outcome> {
        let slot = self.slots.get(row)?;
        match &slot.state {
            State::Done(outcome) => Some(outcome.clone()),
            State::Active { run_id, name } if !self.options.wait => Some(Outcome::Started {
                run_id: run_id.clone(),
                name: name.clone(),
            }),
            _ => None,
        }
    }

    /// How many rows are `(waiting to start, started and not finished, done)`; a row in doubt
    /// counts as started.
    pub fn progress(&self) -> (usize, usize, usize) {
        self.slots.iter().fold((0, 0, 0), |(p, a, d), s| match s.state {
            State::Pending { .. } => (p + 1, a, d),
            State::Done(_) => (p, a, d + 1),
            _ => (p, a + 1, d),
        })
    }

    /// What to do at `now` (monotonic, from the driver's epoch) and `wall` (since the Unix
    /// epoch).
    pub fn poll(&mut self, now: Duration, wall: Duration) -> Action {
        if let Some(record) = self.records.pop_front() {
            return Action::Record(record);
        }
        if let Some(error) = self.stop.take() {
            self.stopped = true;
            return Action::Stop(error);
        }
        let settled = self.slots.iter().all(|s| self.is_settled(&s.state));
        if let Some(timeout) = self
            .options
            .timeout
            .filter(|t| now >= *t && !settled && !self.stopped)
        {
            let first = self
                .slots
                .iter()
                .enumerate()
                .find(|(_, s)| !self.is_settled(&s.state));
            if let Some((row, slot)) = first {
                let run_id = match &slot.state {
                    State::Active { run_id, .. } => Some(run_id.clone()),
                    _ => None,
                };
                self.stopped = true;
                return Action::Stop(match run_id {
                    Some(run_id) => Error::WaitTimedOut {
                        run_id,
                        last_status: self.slots[row].status.clone(),
                        waited: timeout,
                        failed_polls: 0,
                        last_error: None,
                    },
                    None => ConfigError::new(
                        "timeout",
                        alloc::format!("the batch did not finish within {timeout:?}"),
                    )
                    .into(),
                });
            }
        }
        if self.stopped || settled {
            return if self.in_flight == 0 {
                Action::Done
            } else {
                Action::Await
            };
        }
        let mut wake: Option<Duration> = None;
        if self.in_flight < self.options.concurrency {
            if let Some(action) = self.next_request(now, wall, &mut wake) {
                self.in_flight += 1;
                return action;
            }
        }
        if let Some(timeout) = self.options.timeout {
            wake = Some(wake.map_or(timeout, |w| w.min(timeout)));
        }
        match wake {
            Some(at) if at > now => Action::Sleep(at - now),
            Some(_) => Action::Sleep(Duration::from_millis(1)),
            None if self.in_flight > 0 => Action::Await,
            // Nothing in flight and nothing scheduled: only the poll clock is left.
            None => Action::Sleep(self.next_poll.saturating_sub(now).max(Duration::from_millis(1))),
        }
    }

    /// Whether a row needs nothing more (with `wait` off, a started run needs nothing).
    fn is_settled(&self, state: &State) -> bool {
        match state {
            State::Done(_) => true,
            State::Active { .. } => !self.options.wait,
            _ => false,
        }
    }

    fn active(&self) -> usize {
        self.slots
            .iter()
            .filter(|s| {
                matches!(
                    s.state,
                    State::Starting | State::InDoubt(_) | State::Searching(_) | State::Active { .. }
                )
            })
            .count()
    }

    fn next_request(&mut self, now: Duration, wall: Duration, wake: &mut Option<Duration>) -> Option<Action> {
        let mut earliest = |t: Duration| *wake = Some(wake.map_or(t, |w| w.min(t)));
        // Rows in doubt first: their fate decides what else may be sent for them.
        for (index, slot) in self.slots.iter_mut().enumerate() {
            if let State::InDoubt(search) = &slot.state {
                if now < search.not_before {
                    earliest(search.not_before);
                    continue;
                }
                let search = search.clone();
                let query = search.query(&slot.row);
                slot.state = State::Searching(search);
                return Some(Action::Search { row: index, query });
            }
        }
        if self.options.wait {
            if let Some(action) = self.next_poll_request(now, &mut earliest) {
                return Some(action);
            }
        }
        if self.active() >= self.options.max_active {
            return None;
        }
        if now < self.next_start {
            earliest(self.next_start);
            return None;
        }
        let at = i64::try_from(wall.as_secs()).unwrap_or(i64::MAX);
        for (index, slot) in self.slots.iter_mut().enumerate() {
            let State::Pending { not_before } = slot.state else {
                continue;
            };
            if now < not_before {
                earliest(not_before);
                continue;
            }
            let start = match named(&slot.row.start, slot.attempt) {
                Ok(start) => start,
                Err(e) => {
                    slot.state = State::Done(Outcome::NotStarted(e.to_string()));
                    continue;
                }
            };
            slot.state = State::Starting;
            slot.intent_at = at;
            let intent = Record::Intent {
                row: slot.row.key.clone(),
                name: start.name().as_str().into(),
                attempt: slot.attempt,
                at,
            };
            return Some(Action::Start {
                row: index,
                intent,
                start,
            });
        }
        None
    }

    fn next_poll_request(&mut self, now: Duration, earliest: &mut impl FnMut(Duration)) -> Option<Action> {
        if self.round.is_none() {
            let active: Vec<RowIndex> = (0..self.slots.len())
                .filter(|&i| matches!(self.slots[i].state, State::Active { .. }))
                .collect();
            if active.is_empty() {
                return None;
            }
            // A batch held back by its active cap polls four times as often: a run that has
            // finished frees its place only once a poll has seen it.
            let blocked = self.active() >= self.options.max_active
                && self
                    .slots
                    .iter()
                    .any(|s| matches!(s.state, State::Pending { .. }));
            let due = if blocked {
                self.next_poll
                    .min(self.last_poll.saturating_add(self.options.poll_interval / 4))
            } else {
                self.next_poll
            };
            if now < due {
                earliest(due);
                return None;
            }
            // One run costs one GET; more are cheaper on pages of up to 100.
            let paging = active.len() > 1;
            self.round = Some(if paging {
                Round {
                    unseen: active,
                    paging: true,
                    ..Round::default()
                }
            } else {
                Round {
                    gets: active,
                    ..Round::default()
                }
            });
        }
        let round = self.round.as_mut()?;
        if round.paging {
            if round.in_flight > 0 {
                return None;
            }
            let first = *round.unseen.first()?;
            let mut query = self.slots[first].list_query();
            if let Some(token) = &round.token {
                query = query.with_continuation_token(token.clone());
            }
            round.in_flight += 1;
            return Some(Action::PollPage { query });
        }
        while let Some(row) = round.gets.pop() {
            if let State::Active { run_id, .. } = &self.slots[row].state {
                round.in_flight += 1;
                return Some(Action::PollRun {
                    row,
                    run_id: run_id.clone(),
                });
            }
        }
        None
    }

    /// Ends the polling round when nothing of it is left.
    fn end_round_if_done(&mut self, now: Duration) {
        if let Some(round) = &self.round {
            if round.in_flight == 0 && !round.paging && round.gets.is_empty() {
                self.round = None;
                self.next_poll = now + self.options.poll_interval;
                self.last_poll = now;
            }
        }
    }

    /// A failure of a poll or a search: too many in a row stop the batch.
    fn fail(&mut self, error: Error) {
        self.failures_in_a_row += 1;
        if self.failures_in_a_row >= MAX_FAILURES_IN_A_ROW && !self.stopped {
            self.stop = Some(error);
        }
    }

    fn succeed(&mut self) {
        self.failures_in_a_row = 0;
    }

    /// Records that `row`'s run is `run`: finished, or to be waited for (first polled a poll
    /// interval after it is known: a run just started has not finished).
    fn found(&mut self, row: RowIndex, run: Run, now: Duration) {
        if self.round.is_none() && !self.slots.iter().any(|s| matches!(s.state, State::Active { .. })) {
            self.next_poll = self.next_poll.max(now + self.options.poll_interval);
        }
        let slot = &mut self.slots[row];
        self.records.push_back(Record::Started {
            row: slot.row.key.clone(),
            run_id: run.id.clone(),
        });
        slot.state = State::Active {
            run_id: run.id.clone(),
            name: run.name.clone(),
        };
        self.observed(row, run);
    }

    /// Records what a poll saw of `row`'s run.
    fn observed(&mut self, row: RowIndex, run: Run) {
        let slot = &mut self.slots[row];
        slot.status = Some(run.status.clone());
        if !run.status.is_terminal() {
            return;
        }
        self.records.push_back(Record::Finished {
            row: slot.row.key.clone(),
            run_id: run.id.clone(),
            status: run.status.clone(),
            outputs: run.outputs.clone(),
        });
        // A run failing now is reported; `retry_failed` restarts it on the next resume, once
        // per run of the batch, never in a loop.
        slot.state = State::Done(Outcome::Finished {
            run_id: run.id,
            name: run.name,
            status: run.status,
            outputs: run.outputs.unwrap_or_default(),
        });
    }

    /// What the start of `row` came to: its `POST`, after the client's own safe retries.
    pub fn handle_start(&mut self, row: RowIndex, now: Duration, result: Result<Run, Error>) {
        self.in_flight = self.in_flight.saturating_sub(1);
        if row >= self.slots.len() || self.slots[row].state != State::Starting {
            return;
        }
        let key = self.slots[row].row.key.clone();
        let error = match result {
            Ok(run) => {
                self.backoff = Duration::from_secs(1);
                self.succeed();
                self.found(row, run, now);
                return;
            }
            Err(error) => error,
        };
        let slot = &mut self.slots[row];
        match start_failure(&error) {
            StartFailure::BackPressure => {
                // Starts sent together are refused together: only the first refusal after
                // the last pause ended starts a new, longer pause; the others join it.
                if now >= self.next_start {
                    self.next_start = now + self.backoff;
                    self.backoff = (self.backoff * 2).min(Duration::from_secs(60));
                }
                self.records.push_back(Record::NotCreated { row: key });
                slot.state = State::Pending {
                    not_before: self.next_start,
                };
            }
            StartFailure::Refused => {
                let text = error.to_string();
                self.records.push_back(Record::Refused {
                    row: key,
                    error: text.clone(),
                });
                slot.state = State::Done(Outcome::Refused(text));
            }
            StartFailure::NotSent => {
                self.records.push_back(Record::NotCreated { row: key });
                slot.state = State::Pending {
                    not_before: now + self.backoff,
                };
                self.fail(error);
            }
            StartFailure::InDoubt => {
                let name = named(&slot.row.start, slot.attempt)
                    .map(|s| String::from(s.name().as_str()))
                    .unwrap_or_default();
                slot.state = State::InDoubt(Search::new(name, slot.intent_at, now + SEARCH_DELAY));
            }
            StartFailure::Fatal => {
                // Nothing was sent for a reason a retry cannot change: the row waits for a
                // resume, in doubt so that nothing is assumed.
                slot.state = State::InDoubt(Search::new(
                    String::from(slot.row.start.name().as_str()),
                    slot.intent_at,
                    Duration::MAX,
                ));
                if !self.stopped {
                    self.stop = Some(error);
                }
            }
        }
    }

    /// A page of the search for `row`'s run, or the failure to fetch it.
    pub fn handle_search(&mut self, row: RowIndex, now: Duration, result: Result<RunPage, Error>) {
        self.in_flight = self.in_flight.saturating_sub(1);
        let Some(State::Searching(search)) = self.slots.get(row).map(|s| s.state.clone()) else {
            return;
        };
        let mut search = search;
        let page = match result {
            Ok(page) => page,
            Err(error) => {
                search.not_before = now + self.backoff;
                self.slots[row].state = State::InDoubt(search);
                self.fail(error);
                return;
            }
        };
        self.succeed();
        search.pages += 1;
        let floor = search.at.saturating_sub(CLOCK_SKEW.as_secs() as i64);
        if let Some(run) = page
            .items()
            .iter()
            .find(|r| r.name == search.name && r.created_at.unix_seconds() >= floor)
        {
            self.found(row, run.clone(), now);
            return;
        }
        for run in page.items() {
            let t = run.created_at.unix_seconds();
            if search.oldest.is_some_and(|oldest| t > oldest) {
                search.ordered = false;
            }
            search.oldest = Some(search.oldest.map_or(t, |o| o.min(t)));
        }
        let past_the_intent = search.ordered && search.oldest.is_some_and(|o| o < floor);
        let key = self.slots[row].row.key.clone();
        self.slots[row].state = match page.continuation_token {
            None => {
                self.records.push_back(Record::NotCreated { row: key });
                State::Pending { not_before: now }
            }
            Some(_) if past_the_intent => {
                self.records.push_back(Record::NotCreated { row: key });
                State::Pending { not_before: now }
            }
            Some(_) if search.pages >= MAX_SEARCH_PAGES => State::Done(Outcome::Unknown(alloc::format!(
                "no run named {:?} in the {} newest pages of the process's runs, and older ones \
                 could still hold it; run the batch again to search again",
                search.name,
                search.pages
            ))),
            Some(token) => {
                search.token = Some(token);
                State::InDoubt(search)
            }
        };
    }

    /// A page of the polling round, or the failure to fetch it.
    pub fn handle_poll_page(&mut self, now: Duration, result: Result<RunPage, Error>) {
        self.in_flight = self.in_flight.saturating_sub(1);
        let Some(round) = self.round.as_mut() else { return };
        round.in_flight = round.in_flight.saturating_sub(1);
        let page = match result {
            Ok(page) => page,
            Err(error) => {
                self.round = None;
                self.next_poll = now + self.options.poll_interval;
                self.last_poll = now;
                self.fail(error);
                return;
            }
        };
        round.pages += 1;
        let mut seen = Vec::new();
        for run in page.items() {
            if let Some(i) = round.unseen.iter().position(
                |&r| matches!(&self.slots[r].state, State::Active { run_id, .. } if *run_id == run.id),
            ) {
                seen.push((round.unseen.swap_remove(i), run.clone()));
            }
        }
        let done =
            round.unseen.is_empty() || page.continuation_token.is_none() || round.pages >= MAX_SEARCH_PAGES;
        if done {
            // What the pages did not show is asked for one by one.
            round.paging = false;
            round.gets = core::mem::take(&mut round.unseen);
        } else {
            round.token = page.continuation_token;
        }
        self.succeed();
        for (row, run) in seen {
            self.observed(row, run);
        }
        self.end_round_if_done(now);
    }

    /// What a `GET` of `row`'s run answered.
    pub fn handle_poll_run(&mut self, row: RowIndex, now: Duration, result: Result<Run, Error>) {
        self.in_flight = self.in_flight.saturating_sub(1);
        if let Some(round) = self.round.as_mut() {
            round.in_flight = round.in_flight.saturating_sub(1);
        }
        match result {
            Ok(run) => {
                self.succeed();
                if matches!(self.slots.get(row).map(|s| &s.state), Some(State::Active { .. })) {
                    self.observed(row, run);
                }
            }
            Err(error) => self.fail(error),
        }
        self.end_round_if_done(now);
    }
}

/// How a start that did not return a run ended.
enum StartFailure {
    /// Nothing was created (a 403 "Resource Not Available", a 429): wait and try again.
    BackPressure,
    /// Refused for good (another 4xx).
    Refused,
    /// Provably never sent.
    NotSent,
    /// Maybe created (a 5xx, a timeout, a broken connection, a deadline).
    InDoubt,
    /// Not the service's doing (a bad configuration): the batch stops.
    Fatal,
}

/// Whether `api` is the organisation's concurrent-run cap: a 403 whose message says
/// "Resource Not Available" (a 403 for a bad key is not).
fn at_capacity(api: &crate::api_error::ApiError) -> bool {
    api.status() == 403
        && api
            .message()
            .is_some_and(|m| m.to_ascii_lowercase().contains("resource not available"))
}

fn start_failure(error: &Error) -> StartFailure {
    match error {
        Error::Api(api) if api.status() == 429 || at_capacity(api) => StartFailure::BackPressure,
        Error::Api(api) if (400..500).contains(&api.status()) => StartFailure::Refused,
        Error::Api(_) => StartFailure::InDoubt,
        Error::Transport(t) if t.delivery() == Delivery::NotSent => StartFailure::NotSent,
        Error::Transport(_) | Error::Decode(_) => StartFailure::InDoubt,
        Error::DeadlineExceeded { last, .. } => match last.as_deref().map(start_failure) {
            Some(StartFailure::NotSent) | None => StartFailure::NotSent,
            Some(StartFailure::BackPressure) => StartFailure::BackPressure,
            Some(StartFailure::Refused) => StartFailure::Refused,
            _ => StartFailure::InDoubt,
        },
        _ => StartFailure::Fatal,
    }
}

fn is_failed(status: &RunStatus) -> bool {
    matches!(
        status,
        RunStatus::Failed | RunStatus::Cancelled | RunStatus::TimedOut
    )
}

/// `start` under the name of attempt `attempt`: its own name, then `NAME #2`, `#3`...
fn named(start: &StartRun, attempt: u32) -> Result<StartRun, Error> {
    if attempt <= 1 {
        return Ok(start.clone());
    }
    let name = RunName::new(alloc::format!("{} #{attempt}", start.name().as_str()))?;
    Ok(start.clone().with_name(name))
}

fn runs_of(start: &StartRun, token: Option<&String>) -> ListRuns {
    let mut query = ListRuns::new(start.agent_id().clone(), start.process_id().clone())
        .with_limit(u64::from(crate::list::MAX_LIMIT))
        .unwrap_or_else(|_| ListRuns::new(start.agent_id().clone(), start.process_id().clone()));
    if let Some(token) = token {
        query = query.with_continuation_token(token.clone());
    }
    query
}

impl Slot {
    fn list_query(&self) -> ListRuns {
        runs_of(&self.row.start, None)
    }
}

impl Search {
    fn new(name: String, at: i64, not_before: Duration) -> Self {
        Self {
            name,
            at,
            token: None,
            pages: 0,
            oldest: None,
            ordered: true,
            not_before,
        }
    }

    fn query(&self, row: &BatchRow) -> ListRuns {
        runs_of(&row.start, self.token.as_ref())
    }
}

#[cfg(test)]
mod tests;
