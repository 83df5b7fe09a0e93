//! `runs wait RUN_ID`, and the waiting `runs start --wait` shares.

use std::io::Write;
use std::time::Duration;

use runs_blocking::{Client, Run, RunId, WaitPolicy};

use crate::cli::{Global, WaitArgs};
use crate::exit::Failure;
use crate::progress::Progress;
use crate::{config, render};

/// Waits for the run, prints the final run, and fails with exit 1 unless it Succeeded.
pub fn run(global: &Global, args: &WaitArgs, out: &mut dyn Write) -> Result<(), Failure> {
    let run_id = super::run_id(&args.run_id)?;
    let client = config::client(global)?;
    let policy = policy(&client, args.timeout, args.interval);
    let run = wait(&client, &run_id, policy)?;
    finished(global, run, out)
}

/// The client's wait policy, with the timeout and a fixed poll interval if given.
pub fn policy(client: &Client, timeout: Option<Duration>, interval: Option<Duration>) -> WaitPolicy {
    let mut policy = client.config().wait_policy().clone();
    if let Some(timeout) = timeout {
        policy = policy.timeout(timeout);
    }
    if let Some(interval) = interval {
        policy = policy
            .initial_interval(interval)
            .max_interval(interval)
            .factor(1.0);
    }
    policy
}

/// Polls the run until it is terminal, showing its status on stderr as it goes.
pub fn wait(client: &Client, run_id: &RunId, policy: WaitPolicy) -> Result<Run, Failure> {
    let mut progress = Progress::start(run_id);
    let result = client.wait_for_run_observed(run_id, policy, |status| progress.status(status));
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
