//! Many runs, each started exactly once: runs-core's [`Batch`] machine (re-exported here),
//! driven by [`Client::run_batch`] on a bounded set of threads, with a [`FileJournal`] or a
//! [`Journal`] of your own. runs-core's [`runs_core::batch`] module docs say what is
//! guaranteed and how.
//!
//! The machine decides everything (what to start, search, poll; when; within which limits);
//! this module does what it asks with the client's operations, on at most `concurrency`
//! worker threads, and keeps the journal in the order the machine's guarantee needs: an
//! intent is appended and synced to disk before its `POST` is handed to a worker.

use std::io;
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub use runs_core::batch::*;
use runs_core::{ConfigError, Error, Run, RunPage};

use crate::client::Client;

/// One job for a worker, and what came of it.
enum Job {
    Start(RowIndex, runs_core::StartRun),
    Search(RowIndex, runs_core::ListRuns),
    PollPage(runs_core::ListRuns),
    PollRun(RowIndex, runs_core::RunId),
}

enum Done {
    Start(RowIndex, Result<Run, Error>),
    Search(RowIndex, Result<RunPage, Error>),
    PollPage(Result<RunPage, Error>),
    PollRun(RowIndex, Result<Run, Error>),
}

impl Client {
    /// Drives `batch` to its end on `concurrency` threads (give it the batch's own limit,
    /// [`BatchOptions::concurrency`]), appending to `journal` as it goes, and calls `progress`
    /// after each change. Afterwards [`Batch::report`] has every row's outcome. An error is
    /// what stopped the batch part-way (the API or the connection failing again and again, or
    /// the journal failing); the journal resumes it ([`Batch::resume`]).
    pub fn run_batch(
        &self,
        batch: &mut Batch,
        journal: &mut dyn Journal,
        concurrency: usize,
        mut progress: impl FnMut(&Batch),
    ) -> Result<(), Error> {
        let journal_error =
            |e: io::Error| Error::from(ConfigError::new("journal", format!("cannot append: {e}")));
        let epoch = Instant::now();
        let wall = || SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        let (jobs_tx, jobs_rx) = mpsc::channel::<Job>();
        let jobs_rx = std::sync::Mutex::new(jobs_rx);
        let (done_tx, done_rx) = mpsc::channel::<Done>();
        std::thread::scope(|scope| {
            for _ in 0..concurrency.max(1) {
                let done_tx = done_tx.clone();
                let jobs_rx = &jobs_rx;
                scope.spawn(move || {
                    loop {
                        let job = match jobs_rx.lock() {
                            Ok(rx) => rx.recv(),
                            Err(_) => return,
                        };
                        let Ok(job) = job else { return };
                        let done = match job {
                            Job::Start(row, start) => Done::Start(row, self.start_run(&start)),
                            Job::Search(row, query) => Done::Search(row, self.list_runs(&query)),
                            Job::PollPage(query) => Done::PollPage(self.list_runs(&query)),
                            Job::PollRun(row, id) => Done::PollRun(row, self.get_run(&id)),
                        };
                        if done_tx.send(done).is_err() {
                            return;
                        }
                    }
                });
            }
            drop(done_tx);
            let mut stopped = None;
            let result = loop {
                let now = epoch.elapsed();
                let wait = match batch.poll(now, wall()) {
                    Action::Record(record) => {
                        if let Err(e) = journal.append(&record) {
                            break Err(journal_error(e));
                        }
                        progress(batch);
                        continue;
                    }
                    Action::Start { row, intent, start } => {
                        if let Err(e) = journal.append(&intent) {
                            break Err(journal_error(e));
                        }
                        let _ = jobs_tx.send(Job::Start(row, start));
                        continue;
                    }
                    Action::Search { row, query } => {
                        let _ = jobs_tx.send(Job::Search(row, query));
                        continue;
                    }
                    Action::PollPage { query } => {
                        let _ = jobs_tx.send(Job::PollPage(query));
                        continue;
                    }
                    Action::PollRun { row, run_id } => {
                        let _ = jobs_tx.send(Job::PollRun(row, run_id));
                        continue;
                    }
                    Action::Sleep(d) => Some(d),
                    Action::Await => None,
                    Action::Done => break stopped.map_or(Ok(()), Err),
                    Action::Stop(error) => {
                        stopped = Some(error);
                        continue;
                    }
                    _ => Some(Duration::from_millis(100)),
                };
                let done = match wait {
                    Some(d) => match done_rx.recv_timeout(d) {
                        Ok(done) => done,
                        Err(mpsc::RecvTimeoutError::Timeout) => continue,
                        Err(mpsc::RecvTimeoutError::Disconnected) => break stopped.map_or(Ok(()), Err),
                    },
                    None => match done_rx.recv() {
                        Ok(done) => done,
                        Err(_) => break stopped.map_or(Ok(()), Err),
                    },
                };
                let now = epoch.elapsed();
                match done {
                    Done::Start(row, result) => batch.handle_start(row, now, result),
                    Done::Search(row, result) => batch.handle_search(row, now, result),
                    Done::PollPage(result) => batch.handle_poll_page(now, result),
                    Done::PollRun(row, result) => batch.handle_poll_run(row, now, result),
                }
                progress(batch);
            };
            // Closing the job queue ends the workers once their jobs in hand are done.
            drop(jobs_tx);
            result
        })
    }
}
