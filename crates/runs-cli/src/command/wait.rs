//! `runs wait RUN_ID`, and the waiting `runs start --wait` shares.

use std::io::Write;
use std::time::Duration;

use runs_blocking::{Client, Run, RunId, WaitPolicy};

use crate::cli::{Global, WaitArgs};
use crate::exit::Failure;
use crate::progress::Progress;
use crate::{config, render};
use runs_core::WaitOptions;

/// Waits for the run, prints the final run, and fails with exit 1 unless it Succeeded;
/// several runs are watched together ([`super::watch`]).
pub fn run(global: &Global, args: &WaitArgs, out: &mut dyn Write) -> Result<(), Failure> {
    if args.run_ids.len() > 1 {
        let options = super::watch::options(args.interval, args.timeout)?;
        let client = config::client(global)?;
        let runs = super::watch::fetch(&client, &args.run_ids)?;
        return super::watch::watch(global, &client, runs, options, out);
    }
    let run_id = super::run_id(&args.run_ids[0])?;
    let client = config::client(global)?;
    let out = &mut super::scrubbed(out, &client);
    let policy = policy(&client, args.timeout, args.interval)?;
    let run = wait(&client, &run_id, policy)?;
    finished(global, run, out)
}

/// The client's wait policy, with the timeout and a fixed poll interval if given.
///
/// Refuses (exit 2, before any request) a timeout of 0, which would give up without looking,
/// and an interval below runs-core's floor ([`WaitPolicy::MIN_INTERVAL`]), which the library
/// would raise silently: on the command line, a value that is not used is a mistake to report.
pub fn policy(
    client: &Client,
    timeout: Option<Duration>,
    interval: Option<Duration>,
) -> Result<WaitPolicy, Failure> {
    let mut policy = client.config().wait_policy().clone();
    if let Some(timeout) = timeout {
        if timeout.is_zero() {
            return Err(Failure::usage("--timeout must be more than 0 seconds"));
        }
        policy = policy.with_timeout(timeout);
    }
    if let Some(interval) = interval {
        if interval < WaitPolicy::MIN_INTERVAL {
            return Err(Failure::usage(format!(
                "--interval must be at least {} seconds: polling faster would flood the API, \
                 whose rate limit every call shares",
                WaitPolicy::MIN_INTERVAL.as_secs_f64()
            )));
        }
        policy = policy
            .with_initial_interval(interval)
            .with_max_interval(interval)
            .with_factor(1.0);
    }
    Ok(policy)
}

/// Polls the run until it is terminal, showing its status on stderr as it goes.
pub fn wait(client: &Client, run_id: &RunId, policy: WaitPolicy) -> Result<Run, Failure> {
    let mut progress = Progress::start(run_id);
    let result = client.wait_for_run(
        run_id,
        WaitOptions::new()
            .policy(policy)
            .on_status(|status| progress.status(status)),
    );
    progress.finish();
    Ok(result?)
}

/// Prints a terminal run; exit 1 unless it Succeeded.
pub fn finished(global: &Global, run: Run, out: &mut dyn Write) -> Result<(), Failure> {
    render::run(out, global.output, &run)?;
    if run.status.is_success() {
        Ok(())
    } else {
        Err(Failure::RunEnded(Box::new(run)))
    }
}
