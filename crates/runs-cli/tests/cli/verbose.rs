//! `-v`, `-vv` and `RUNS_LOG`: what the SDK did, on stderr, with stdout left to the results.

use runs_blocking::ProcessStage;
use runs_emulator::{Fault, HELLO_WORLD, RetryAfter, Route};

use crate::harness::{KEY, emulator, outcome, runs, seed_run, snapshot};

/// Elapsed times vary; everything else in a line is deterministic.
fn without_timings(text: &str) -> String {
    let line = |line: &str| {
        line.split(' ')
            .map(|word| match word.split_once('=') {
                Some(("elapsed_ms", _)) => "elapsed_ms=[ms]".to_owned(),
                _ => word.to_owned(),
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    text.lines().map(|l| line(l) + "\n").collect()
}

#[test]
fn v_shows_each_response_and_retry_on_stderr_and_leaves_stdout_alone() {
    let emu = emulator();
    let run = seed_run(&emu, HELLO_WORLD, "verbose", ProcessStage::Published);
    emu.inject_times(
        Route::GetRun,
        Fault::status(503).retry_after(RetryAfter::Seconds(0)),
        1,
    );
    let out = outcome(runs(&emu, &["-v", "--output", "json", "get", run.id.as_str()]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    // stdout is the one JSON document it always is.
    let parsed: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(parsed["id"], run.id.as_str());
    assert!(!out.stderr.contains(KEY) && !out.stdout.contains(KEY));
    snapshot("verbose_get_with_a_retry", &without_timings(&out.stderr));
}

#[test]
fn vv_adds_each_request_and_wait_poll() {
    let emu = emulator();
    let run = seed_run(&emu, HELLO_WORLD, "verbose wait", ProcessStage::Published);
    let out = outcome(runs(&emu, &["-vv", "wait", run.id.as_str(), "--interval", "0.1"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let polls = out.stderr.lines().filter(|l| l.contains("wait poll")).count();
    // One line per poll, the terminal one included.
    assert_eq!(polls as u64, emu.counters().get_run, "{}", out.stderr);
    assert!(
        out.stderr
            .lines()
            .any(|l| l.starts_with("DEBUG") && l.contains(" sending ")),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains(KEY));
}

#[test]
fn runs_log_wins_over_v_and_a_bad_filter_exits_2_before_any_request() {
    let emu = emulator();
    let run = seed_run(&emu, HELLO_WORLD, "filtered", ProcessStage::Published);
    let quiet = outcome(runs(&emu, &["-vv", "get", run.id.as_str()]).env("RUNS_LOG", "runs=warn"));
    assert_eq!(quiet.code, 0);
    assert!(
        !quiet.stderr.contains("INFO") && !quiet.stderr.contains("DEBUG"),
        "{}",
        quiet.stderr
    );

    let before = emu.counters().get_run;
    let bad = outcome(runs(&emu, &["get", run.id.as_str()]).env("RUNS_LOG", "runs=loud"));
    assert_eq!((bad.code, bad.stdout.as_str()), (2, ""));
    assert!(bad.stderr.starts_with("error: RUNS_LOG: "), "{}", bad.stderr);
    assert_eq!(emu.counters().get_run, before);
}

#[test]
fn without_v_nothing_is_logged() {
    let emu = emulator();
    let run = seed_run(&emu, HELLO_WORLD, "silent", ProcessStage::Published);
    let out = outcome(runs(&emu, &["get", run.id.as_str()]).env_remove("RUNS_LOG"));
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
}
