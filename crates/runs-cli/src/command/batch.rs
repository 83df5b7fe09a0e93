//! `runs batch FILE`: a run for each row, each started exactly once, resumable.
//!
//! The rows are read and checked first ([`crate::batch::input`]); then the journal is opened
//! (and refused if it belongs to another batch); then the files of the rows still to start
//! are uploaded; then runs-blocking drives runs-core's batch machine, and the results are
//! written ([`crate::batch::results`]), also when the batch stopped part-way.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use runs_blocking::FileSource;
use runs_blocking::batch::{
    Batch, BatchOptions, BatchRow, FileJournal, JOURNAL_VERSION, Outcome, Record, fingerprint,
};
use runs_core::{AgentId, ProcessId, ProcessStage, RunStatus};

use crate::batch::input::{self, Shape};
use crate::batch::results::{self, ResultRow};
use crate::cli::{BatchArgs, Global};
use crate::exit::Failure;
use crate::{config, terminal};

/// `path` with `suffix` appended to its file name.
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}

pub fn run(global: &Global, args: &BatchArgs) -> Result<(), Failure> {
    let shown = terminal::printable(&args.file.display().to_string()).into_owned();
    let agent_id: AgentId = config::required(&args.agent_id, "--agent-id", "agent_id")?
        .parse()
        .map_err(|e: runs_core::FieldError| e.in_field("--agent-id"))?;
    let process_id: ProcessId = config::required(&args.process_id, "--process-id", "process_id")?
        .parse()
        .map_err(|e: runs_core::FieldError| e.in_field("--process-id"))?;
    let stage = ProcessStage::from(*config::required(&args.stage, "--stage", "stage")?);
    let bytes = std::fs::read(&args.file).map_err(|e| Failure::usage(format!("cannot read {shown}: {e}")))?;
    let shape = Shape {
        agent_id: agent_id.as_str(),
        process_id: process_id.as_str(),
        stage,
        key: args.key.as_deref(),
        name: &args.name,
        file_columns: &args.file_columns,
        json_columns: &args.json_columns,
    };
    let input = input::read(&args.file, &bytes, &shape).map_err(|problems| {
        let mut err = std::io::stderr().lock();
        for problem in &problems {
            let _ = writeln!(err, "{shown}: {}", terminal::printable(problem));
        }
        Failure::usage(format!(
            "{} problem(s) in {shown} (listed above); nothing was sent",
            problems.len()
        ))
    })?;
    let journal_path = args
        .journal
        .clone()
        .unwrap_or_else(|| with_suffix(&args.file, ".journal"));
    let results_path = args.results.clone().unwrap_or_else(|| {
        let ext = if input.jsonl {
            "results.jsonl"
        } else {
            "results.csv"
        };
        args.file
            .with_file_name(format!("{}.{ext}", input::stem(&args.file)))
    });
    let header = Record::Batch {
        version: JOURNAL_VERSION,
        input: fingerprint(&bytes),
        agent_id: agent_id.clone(),
        process_id,
        stage,
    };
    let client = config::limited_client(global, Some(args.rate))?;
    let (mut journal, records) = FileJournal::open(&journal_path, &header)?;
    // Files for the rows that may still be sent (never started, or in doubt): an upload
    // repeated on a resume leaves an unused file, never a second run.
    let settled: std::collections::HashSet<&str> = records
        .iter()
        .filter(|r| {
            matches!(
                r,
                Record::Started { .. } | Record::Finished { .. } | Record::Refused { .. }
            )
        })
        .filter_map(Record::row)
        .collect();
    let mut rows = Vec::with_capacity(input.rows.len());
    for row in input.rows {
        let mut start = row.start;
        if !settled.contains(row.key.as_str()) {
            for path in &row.files {
                let id = client.upload_file(FileSource::path(path), Some(&agent_id))?;
                start = start.with_file(id);
            }
        }
        rows.push(BatchRow::new(row.key, start));
    }
    let mut options = BatchOptions::default()
        .with_concurrency(usize::try_from(args.concurrency).unwrap_or(8))
        .with_max_active(usize::try_from(args.max_active).unwrap_or(50))
        .with_wait(!args.no_wait)
        .with_retry_failed(args.retry_failed);
    if let Some(interval) = args.poll_interval {
        options = options.with_poll_interval(interval);
    }
    let concurrency = options.concurrency();
    let mut batch = Batch::resume(rows, options, &records)?;
    let mut last = None;
    let quiet = args.quiet;
    let terminal = std::io::stderr().is_terminal();
    let began = std::time::Instant::now();
    // Rows the journal had already settled do not tell how fast this run goes.
    let done_before = batch.progress().2;
    let report = |batch: &Batch| {
        if quiet {
            return;
        }
        let counts = tally(batch);
        if last.as_ref() != Some(&counts) {
            let line = counts.line(began.elapsed(), done_before);
            let mut err = std::io::stderr().lock();
            // On a terminal the line is redrawn in place; otherwise one line per change.
            let _ = if terminal {
                write!(err, "\r{line}")
            } else {
                writeln!(err, "{line}")
            };
            let _ = err.flush();
            last = Some(counts);
        }
    };
    let ran = client.run_batch(&mut batch, &mut journal, concurrency, report);
    if terminal && !quiet {
        let _ = writeln!(std::io::stderr());
    }
    // Written also when the batch stopped: where each row stands; the journal resumes it.
    let outcomes = owned_report(&batch);
    let rows: Vec<ResultRow<'_>> = outcomes
        .iter()
        .map(|(key, outcome)| ResultRow { key, outcome })
        .collect();
    results::write(&results_path, &rows, input.jsonl).map_err(Failure::Output)?;
    ran?;
    let all_good = outcomes.iter().all(|(_, outcome)| match outcome {
        Outcome::Finished { status, .. } => *status == RunStatus::Succeeded,
        Outcome::Started { .. } => args.no_wait,
        _ => false,
    });
    if !quiet {
        let _ = writeln!(
            std::io::stderr(),
            "results: {}",
            terminal::printable(&results_path.display().to_string())
        );
    }
    if all_good {
        Ok(())
    } else {
        Err(Failure::BatchIncomplete(
            terminal::printable(&results_path.display().to_string()).into_owned(),
        ))
    }
}

/// Every row's key and outcome.
fn owned_report(batch: &Batch) -> Vec<(String, Outcome)> {
    batch
        .report()
        .into_iter()
        .map(|(key, outcome)| (key.to_owned(), outcome))
        .collect()
}

/// The counts the progress line shows.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Tally {
    rows: usize,
    started: usize,
    active: usize,
    succeeded: usize,
    failed: usize,
    unknown: usize,
}

fn tally(batch: &Batch) -> Tally {
    let (pending, active, _) = batch.progress();
    let mut t = Tally {
        rows: batch.rows().count(),
        started: 0,
        active,
        succeeded: 0,
        failed: 0,
        unknown: 0,
    };
    for (_, outcome) in batch.outcomes() {
        match outcome {
            Outcome::Finished { status, .. } if *status == RunStatus::Succeeded => t.succeeded += 1,
            Outcome::Unknown(_) => t.unknown += 1,
            _ => t.failed += 1,
        }
    }
    t.started = t.rows - pending;
    t
}

impl Tally {
    /// The line, with an estimate of the time left once rows have settled in this run:
    /// the pace so far (`elapsed` for what settled beyond `done_before`) over the rows left.
    fn line(&self, elapsed: std::time::Duration, done_before: usize) -> String {
        let done = self.succeeded + self.failed + self.unknown;
        let eta = match done.checked_sub(done_before) {
            Some(now_done) if now_done > 0 && done < self.rows => {
                let left = elapsed.as_secs_f64() / now_done as f64 * (self.rows - done) as f64;
                format!(", about {}s left", left.ceil() as u64)
            }
            _ => String::new(),
        };
        format!(
            "batch: {} of {} started, {} active, {} succeeded, {} failed, {} unknown{eta}",
            self.started, self.rows, self.active, self.succeeded, self.failed, self.unknown
        )
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::Tally;

    #[test]
    fn the_progress_line_estimates_the_time_left_from_this_runs_pace() {
        let t = Tally {
            rows: 100,
            started: 60,
            active: 20,
            succeeded: 38,
            failed: 2,
            unknown: 0,
        };
        // 40 settled, 10 of them by an earlier run: 30 in 15 s, 60 left at that pace.
        assert_eq!(
            t.line(Duration::from_secs(15), 10),
            "batch: 60 of 100 started, 20 active, 38 succeeded, 2 failed, 0 unknown, about 30s left"
        );
        assert!(
            !t.line(Duration::from_secs(15), 40).contains("left"),
            "nothing settled yet"
        );
    }
}
