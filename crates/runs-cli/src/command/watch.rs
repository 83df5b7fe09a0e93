//! `runs watch` and `runs wait ID ID...`: many runs waited for at once.
//!
//! The waiting is runs-core's batch machine with nothing to start ([`Batch::watch`]): it polls
//! with list pages (one page reports up to 100 runs of a process) while several runs of a
//! process are active and with one `GET` for the others, within the client's rate limit, and
//! gives up after `--timeout`. Each run is printed on stdout as it finishes, in the output
//! format; stderr shows how many are still going (one line redrawn in place on a terminal,
//! a line per finished run otherwise).

use std::collections::HashSet;
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use runs_blocking::batch::{Batch, BatchOptions, Journal, Outcome, Record};
use runs_blocking::{Client, ListRuns, Run, RunStatus};
use runs_core::{AgentId, FieldError, ProcessId};

use crate::cli::{Global, WatchArgs};
use crate::exit::Failure;
use crate::render::Stream;
use crate::{config, terminal};

/// The longest a watch lasts unless `--timeout` says otherwise: as `runs wait`.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);

/// The poll interval unless `--interval` says otherwise.
const DEFAULT_INTERVAL: Duration = Duration::from_secs(2);

/// Requests in flight at once: a poll round's pages go one after another, so this is for the
/// `GET`s of runs the pages did not show.
const CONCURRENCY: usize = 4;

/// `runs watch`: the runs given, or every run of the process not yet finished.
pub fn run(global: &Global, args: &WatchArgs, out: &mut dyn Write) -> Result<(), Failure> {
    let options = options(args.interval, args.timeout)?;
    let client = config::limited_client(global, args.rate)?;
    let runs = if args.run_ids.is_empty() {
        let (Some(agent), Some(process)) = (&args.agent_id, &args.process_id) else {
            return Err(Failure::usage(
                "give the runs to watch, or --agent-id and --process-id to watch every run of a process not yet finished",
            ));
        };
        let agent: AgentId = agent
            .parse()
            .map_err(|e: FieldError| Failure::from(e.in_field("--agent-id")))?;
        let process: ProcessId = process
            .parse()
            .map_err(|e: FieldError| Failure::from(e.in_field("--process-id")))?;
        let mut active = Vec::new();
        let query = ListRuns::new(agent, process)
            .with_limit(u64::from(runs_core::MAX_LIMIT))
            .map_err(Failure::from)?;
        for run in client.runs(&query) {
            let run = run?;
            if !run.status.is_terminal() {
                active.push(run);
            }
        }
        active
    } else {
        fetch(&client, &args.run_ids)?
    };
    watch(global, &client, runs, options, out)
}

/// Each run, by its id, checked before any request: the runs to watch.
pub fn fetch(client: &Client, ids: &[String]) -> Result<Vec<Run>, Failure> {
    let mut seen = HashSet::new();
    let mut parsed = Vec::with_capacity(ids.len());
    for text in ids {
        let id = super::run_id(text)?;
        // The same run twice is watched once.
        if seen.insert(id.clone()) {
            parsed.push(id);
        }
    }
    let mut runs = Vec::with_capacity(parsed.len());
    for id in &parsed {
        runs.push(client.get_run(id)?);
    }
    Ok(runs)
}

/// The batch options for `--interval` and `--timeout`, checked before any request.
pub fn options(interval: Option<Duration>, timeout: Option<Duration>) -> Result<BatchOptions, Failure> {
    let interval = interval.unwrap_or(DEFAULT_INTERVAL);
    if interval < runs_blocking::WaitPolicy::MIN_INTERVAL {
        return Err(Failure::usage(format!(
            "--interval must be at least {} seconds: polling faster would flood the API, \
             whose rate limit every call shares",
            runs_blocking::WaitPolicy::MIN_INTERVAL.as_secs_f64()
        )));
    }
    let timeout = timeout.unwrap_or(DEFAULT_TIMEOUT);
    if timeout.is_zero() {
        return Err(Failure::usage("--timeout must be more than 0 seconds"));
    }
    Ok(BatchOptions::default()
        .with_concurrency(CONCURRENCY)
        .with_poll_interval(interval)
        .with_timeout(timeout))
}

/// Waits for `runs`, printing each as it finishes; exit 0 only if every one Succeeded.
pub fn watch(
    global: &Global,
    client: &Client,
    runs: Vec<Run>,
    options: BatchOptions,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let out = &mut super::scrubbed(out, client);
    let mut batch = Batch::watch(&runs, options);
    let mut stream = Stream::<Run>::new(out, global.output);
    let mut view = View::new(runs.len());
    let mut printed = vec![false; runs.len()];
    let mut failed_to_print = None;
    let mut report = |batch: &Batch| {
        for (row, run) in runs.iter().enumerate() {
            if printed[row] {
                continue;
            }
            let Some(Outcome::Finished { status, outputs, .. }) = batch.settled(row) else {
                continue;
            };
            printed[row] = true;
            // The run as first fetched, with what changed since: its status and outputs.
            let mut run = run.clone();
            run.status = status;
            run.outputs = Some(outputs);
            view.finished(&run);
            if failed_to_print.is_none() {
                failed_to_print = stream.item(&run).err();
            }
        }
        view.update(batch);
    };
    report(&batch);
    let ran = client.run_batch(&mut batch, &mut Discard, CONCURRENCY, &mut report);
    view.end();
    if let Some(e) = failed_to_print {
        return Err(Failure::Output(e));
    }
    stream.finish()?;
    ran?;
    let not_succeeded = batch
        .outcomes()
        .filter(|(_, outcome)| !matches!(outcome, Outcome::Finished { status, .. } if *status == RunStatus::Succeeded))
        .count();
    match not_succeeded {
        0 => Ok(()),
        n => Err(Failure::RunsEnded(n)),
    }
}

/// Nothing is started, so nothing needs a journal.
struct Discard;

impl Journal for Discard {
    fn append(&mut self, _: &Record) -> std::io::Result<()> {
        Ok(())
    }
}

/// What stderr shows while the runs go on.
struct View {
    total: usize,
    terminal: bool,
    began: Instant,
    last: Option<String>,
    /// Whether the line on the terminal is one of ours, to be redrawn.
    drawn: bool,
}

impl View {
    fn new(total: usize) -> Self {
        Self {
            total,
            terminal: std::io::stderr().is_terminal(),
            began: Instant::now(),
            last: None,
            drawn: false,
        }
    }

    /// A run finished: a line of its own, above the redrawn one.
    fn finished(&mut self, run: &Run) {
        let mut err = std::io::stderr().lock();
        if self.drawn {
            let _ = write!(err, "\r\x1b[2K");
            self.drawn = false;
        }
        let _ = writeln!(
            err,
            "{:<25} {:<10} {}",
            run.id,
            terminal::printable(run.status.as_str()),
            terminal::printable(&run.name)
        );
        self.last = None;
    }

    /// The counts, redrawn in place on a terminal.
    fn update(&mut self, batch: &Batch) {
        if !self.terminal {
            return;
        }
        let (_, active, done) = batch.progress();
        let succeeded = batch
            .outcomes()
            .filter(|(_, o)| matches!(o, Outcome::Finished { status, .. } if *status == RunStatus::Succeeded))
            .count();
        let line = format!(
            "{active} of {} running, {succeeded} succeeded, {} ended otherwise ({} s)",
            self.total,
            done - succeeded,
            self.began.elapsed().as_secs()
        );
        if self.last.as_deref() == Some(line.as_str()) {
            return;
        }
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K{line}");
        let _ = err.flush();
        self.drawn = true;
        self.last = Some(line);
    }

    fn end(&mut self) {
        if self.drawn {
            let _ = writeln!(std::io::stderr());
        }
    }
}
