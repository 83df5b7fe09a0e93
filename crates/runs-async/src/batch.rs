//! Many runs, each started exactly once: runs-core's [`Batch`] machine (re-exported here),
//! driven by [`Client::run_batch`] on the task that polls it, with a [`FileJournal`] or a
//! [`Journal`] of your own. runs-core's [`runs_core::batch`] module docs say what is
//! guaranteed and how.
//!
//! The machine decides everything (what to start, search, poll; when; within which limits);
//! the [`BatchStream`] that `run_batch` returns does what it asks with the client's own
//! futures, up to the batch's concurrency of them at once, all on the task that polls it
//! (nothing is spawned), sleeps with `tokio::time` when told to, and hands out each row's
//! [`Outcome`] as it settles. It keeps the journal in the order the machine's guarantee needs:
//! an intent is appended, and synced to disk, before the future that sends its `POST` is made.
//!
//! # A synchronous journal
//! [`Journal::append`] is a plain function, as in runs-blocking, and [`FileJournal`] uses
//! `std::fs`: an append writes a few hundred bytes to a local file, plus one `fsync` for an
//! intent (one per run started, at most the client's rate limit a second). tokio's file I/O
//! would make the same calls on its blocking pool, adding a thread hop per record and a boxed
//! future to the trait for nothing at those rates. The poll that appends holds its task (and,
//! on a current-thread runtime, the runtime) for that write; keep the journal on a local disk.
//! [`FileJournal::open`] reads the whole journal at once, before the batch begins.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_core::Stream;
use futures_util::stream::{FuturesUnordered, StreamExt};
pub use runs_core::batch::*;
use runs_core::{ConfigError, Error, Run, RunPage};
use tokio::time::{Instant, Sleep};

use crate::client::Client;

/// What came of an action: the machine's `handle_*` call to make.
enum Answer {
    Start(RowIndex, Result<Run, Error>),
    Search(RowIndex, Result<RunPage, Error>),
    PollPage(Result<RunPage, Error>),
    PollRun(RowIndex, Result<Run, Error>),
}

type InFlight = Pin<Box<dyn Future<Output = Answer> + Send>>;

/// Whether to wait before asking the machine again.
enum Wait {
    No,
    /// Until an action in flight comes back.
    Answer,
    /// This long, or until an action in flight comes back.
    Sleep(Duration),
}

/// A batch being driven: the rows' outcomes as they settle; made by [`Client::run_batch`].
///
/// Each row is handed out once, with its key: first the rows the batch had already settled
/// (resumed from a journal that says so), then each row as it settles (its run finished, it
/// was refused, a search for it could not decide, or, with [`BatchOptions::wait`] off, its
/// run started). The stream ends when the batch is done, or when it stopped part-way (the API
/// or the connection failing again and again, or the journal failing); then a row not handed
/// out is still going, and [`finish`](BatchStream::finish) says why it stopped. A row is
/// handed out once the records of how it settled are in the journal, and before anything more
/// is sent.
///
/// Dropping the stream stops the batch at once, with the requests in flight (a `POST` among
/// them may or may not have started its run: its intent is in the journal, so a batch resumed
/// from the journal searches for it). `Unpin` when the journal is, so
/// `while let Some((key, outcome)) = stream.next().await` works as it is.
#[must_use = "streams do nothing unless polled"]
pub struct BatchStream<J> {
    client: Client,
    batch: Batch,
    journal: J,
    epoch: Instant,
    in_flight: FuturesUnordered<InFlight>,
    /// Made at the first sleep, so that a stream can be made outside a runtime.
    sleep: Option<Pin<Box<Sleep>>>,
    keys: Vec<String>,
    rows: HashMap<String, RowIndex>,
    /// Which rows have been handed out, or are in `ready`.
    reported: Vec<bool>,
    /// Rows whose outcome may have changed, handed out once their records are appended.
    touched: Vec<RowIndex>,
    ready: VecDeque<(String, Outcome)>,
    /// An action to do once `ready` is handed out.
    held: Option<Action>,
    stopped: Option<Error>,
    ended: bool,
}

impl Client {
    /// Drives `batch` (new, or resumed from its journal with [`Batch::resume`]), appending to
    /// `journal` as it goes: a [`BatchStream`] of the rows' outcomes as they settle. At most
    /// the batch's [`BatchOptions::concurrency`] requests are in flight at once, all on the
    /// task that polls the stream. Afterwards, [`BatchStream::finish`] gives the batch back
    /// (its [`Batch::report`] has every row's outcome) and what stopped it, if anything; the
    /// journal resumes a batch that stopped.
    ///
    /// Pass the journal by value or as `&mut`; nothing happens until the stream is polled.
    ///
    /// ```
    /// use std::time::Duration;
    /// use futures_util::StreamExt;
    /// use runs_async::batch::{Batch, BatchOptions, BatchRow, FileJournal, JOURNAL_VERSION, Outcome};
    /// use runs_async::batch::{Record, fingerprint};
    /// use runs_async::{Client, ProcessStage, RunStatus, StartRun};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emulator = runs_emulator::Emulator::builder()
    /// #     .api_key("sk-test")
    /// #     .schedule(runs_emulator::Schedule::Instant)
    /// #     .start()?;
    /// # let client = Client::builder().api_key("sk-test").base_url(emulator.base_url()).build()?;
    /// # let dir = std::env::temp_dir().join(format!("runs-async-batch-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// # let path = dir.join("invoices.journal");
    /// let months = ["2026-01", "2026-02", "2026-03"];
    /// let mut rows = Vec::new();
    /// for month in months {
    ///     let start = StartRun::builder()
    ///         .agent_id("demo-agent")
    ///         .process_id("hello-world")
    ///         .name(format!("invoices {month}"))
    ///         .stage(ProcessStage::Published)
    ///         .input("month", month)
    ///         .build()?;
    ///     rows.push(BatchRow::new(month, start));
    /// }
    /// // The journal belongs to this input: run again after a crash, this resumes the batch.
    /// let header = Record::Batch {
    ///     version: JOURNAL_VERSION,
    ///     input: fingerprint(months.concat().as_bytes()),
    ///     agent_id: "demo-agent".parse()?,
    ///     process_id: "hello-world".parse()?,
    ///     stage: ProcessStage::Published,
    /// };
    /// let (journal, records) = FileJournal::open(&path, &header)?;
    /// let options = BatchOptions::default().with_poll_interval(Duration::from_millis(100));
    /// let batch = Batch::resume(rows, options, &records)?;
    ///
    /// let mut outcomes = client.run_batch(batch, journal);
    /// while let Some((month, outcome)) = outcomes.next().await {
    ///     if let Outcome::Finished { status, .. } = &outcome {
    ///         println!("{month}: {status}");
    ///     }
    /// }
    /// let (batch, stopped) = outcomes.finish();
    /// stopped?; // what stopped the batch part-way, if anything: the journal resumes it
    /// assert!(batch.outcomes().all(|(_, o)| matches!(o, Outcome::Finished { status, .. }
    ///     if *status == RunStatus::Succeeded)));
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn run_batch<J: Journal>(&self, batch: Batch, journal: J) -> BatchStream<J> {
        let keys: Vec<String> = batch.rows().map(|row| row.key().to_owned()).collect();
        let rows = keys.iter().enumerate().map(|(i, key)| (key.clone(), i)).collect();
        let mut stream = BatchStream {
            client: self.clone(),
            reported: vec![false; keys.len()],
            keys,
            rows,
            batch,
            journal,
            epoch: Instant::now(),
            in_flight: FuturesUnordered::new(),
            sleep: None,
            touched: Vec::new(),
            ready: VecDeque::new(),
            held: None,
            stopped: None,
            ended: false,
        };
        // Rows the journal already settled come first.
        for row in 0..stream.keys.len() {
            stream.note(row);
        }
        stream
    }
}

impl<J> BatchStream<J> {
    /// The batch as it stands: its [`progress`](Batch::progress) and
    /// [`report`](Batch::report) so far.
    pub fn batch(&self) -> &Batch {
        &self.batch
    }

    /// The batch, and what stopped it part-way (`Ok` when nothing did). Called after the
    /// stream ended, the batch's [`report`](Batch::report) has every row's outcome. Called
    /// before, the batch stops where it is, with what was in flight; it cannot be driven
    /// further, and the journal resumes it.
    pub fn finish(self) -> (Batch, Result<(), Error>) {
        (self.batch, self.stopped.map_or(Ok(()), Err))
    }

    /// Hands out `row`'s outcome if it has just settled.
    fn note(&mut self, row: RowIndex) {
        if self.reported.get(row) != Some(&false) {
            return;
        }
        if let Some(outcome) = self.batch.settled(row) {
            self.reported[row] = true;
            self.ready.push_back((self.keys[row].clone(), outcome));
        }
    }

    /// Hands out what settled among the rows touched since the last call.
    fn note_touched(&mut self) {
        for row in std::mem::take(&mut self.touched) {
            self.note(row);
        }
    }

    fn handle(&mut self, answer: Answer) {
        let now = self.epoch.elapsed();
        match answer {
            Answer::Start(row, result) => {
                self.batch.handle_start(row, now, result);
                self.touched.push(row);
            }
            Answer::Search(row, result) => {
                self.batch.handle_search(row, now, result);
                self.touched.push(row);
            }
            // The rows a page finished come out as records.
            Answer::PollPage(result) => self.batch.handle_poll_page(now, result),
            Answer::PollRun(row, result) => {
                self.batch.handle_poll_run(row, now, result);
                self.touched.push(row);
            }
        }
    }

    fn send(&mut self, action: impl Future<Output = Answer> + Send + 'static) {
        self.in_flight.push(Box::pin(action));
    }
}

impl<J: Journal> BatchStream<J> {
    /// Appends `record`; a failure ends the stream at once (what is in flight is dropped).
    fn append(&mut self, record: &Record) -> bool {
        match self.journal.append(record) {
            Ok(()) => true,
            Err(e) => {
                let error = ConfigError::new("journal", format!("cannot append: {e}"));
                self.stopped = Some(error.into());
                self.in_flight = FuturesUnordered::new();
                self.ended = true;
                false
            }
        }
    }

    /// Does what the machine asked; says whether to wait before asking again.
    fn act(&mut self, action: Action) -> Wait {
        let client = self.client.clone();
        match action {
            Action::Record(record) => {
                if self.append(&record) {
                    if let Some(&row) = record.row().and_then(|key| self.rows.get(key)) {
                        self.touched.push(row);
                    }
                }
            }
            Action::Start { row, intent, start } => {
                if self.append(&intent) {
                    self.send(async move { Answer::Start(row, client.start_run(&start).await) });
                }
            }
            Action::Search { row, query } => {
                self.send(async move { Answer::Search(row, client.list_runs(&query).await) });
            }
            Action::PollPage { query } => {
                self.send(async move { Answer::PollPage(client.list_runs(&query).await) });
            }
            Action::PollRun { row, run_id } => {
                self.send(async move { Answer::PollRun(row, client.get_run(&run_id).await) });
            }
            Action::Sleep(delay) => return Wait::Sleep(delay),
            Action::Await if !self.in_flight.is_empty() => return Wait::Answer,
            // The machine counts an action this stream does not hold: never, but a wait for
            // nothing would never end.
            Action::Await => return Wait::Sleep(Duration::from_millis(1)),
            Action::Done => {
                // A row that settled without a record (one whose start could not even be
                // formed) is handed out here.
                for row in 0..self.keys.len() {
                    self.note(row);
                }
                self.ended = true;
            }
            Action::Stop(error) => {
                self.stopped.get_or_insert(error);
            }
            _ => return Wait::Sleep(Duration::from_millis(100)),
        }
        Wait::No
    }
}

impl<J: Journal + Unpin> Stream for BatchStream<J> {
    type Item = (String, Outcome);

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(item) = this.ready.pop_front() {
                return Poll::Ready(Some(item));
            }
            if this.ended {
                return Poll::Ready(None);
            }
            // An action asked for before the outcomes handed out just now: done after them, so
            // that a row is handed out before anything else is sent.
            if let Some(action) = this.held.take() {
                this.act(action);
                continue;
            }
            // Polled on every turn that may return Pending, so its waker is registered.
            if let Poll::Ready(Some(answer)) = this.in_flight.poll_next_unpin(cx) {
                this.handle(answer);
                continue;
            }
            let now = this.epoch.elapsed();
            let wall = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
            let action = this.batch.poll(now, wall);
            if !matches!(action, Action::Record(_)) {
                // The records of what the rows touched came to are in the journal: a row is
                // handed out once its records are.
                this.note_touched();
                if !this.ready.is_empty() {
                    // A wait is asked for anew on the next turn; anything else is kept.
                    if !matches!(action, Action::Sleep(_) | Action::Await) {
                        this.held = Some(action);
                    }
                    continue;
                }
            }
            let wait = match this.act(action) {
                Wait::No => continue,
                // Woken by the actions in flight, polled above.
                Wait::Answer => return Poll::Pending,
                Wait::Sleep(wait) => wait,
            };
            let deadline = this.epoch + now + delay_cap(wait);
            let sleep = this
                .sleep
                .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
            sleep.as_mut().reset(deadline);
            if sleep.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
        }
    }
}

/// A delay the timer can hold: the machine's longest wait is far shorter than this.
fn delay_cap(delay: Duration) -> Duration {
    delay.min(Duration::from_secs(24 * 60 * 60))
}

impl<J> fmt::Debug for BatchStream<J> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BatchStream")
            .field("progress", &self.batch.progress())
            .field("in_flight", &self.in_flight.len())
            .field("stopped", &self.stopped)
            .field("ended", &self.ended)
            .finish_non_exhaustive()
    }
}
