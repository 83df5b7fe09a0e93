//! `runs list --status` and `--since`: filtered here from what the pages bring, and a newest
//! first listing stopped at its first run older than `--since`.
//!
//! The emulator lists newest first and stamps runs with the clock: timestamps far in the past
//! or the future give results that do not depend on when the test runs.

use runs_blocking::ProcessStage;
use runs_emulator::{DEMO_AGENT, Emulator, HELLO_WORLD};
use serde_json::Value;

use crate::harness::{emulator, outcome, runs, seed_run, snapshot, snapshot_outcome};

const LIST: [&str; 5] = ["list", "--agent-id", DEMO_AGENT, "--process-id", HELLO_WORLD];
const FUTURE: &str = "2999-01-01T00:00:00";
const PAST: &str = "2000-01-01T00:00:00";

/// Runs `run-1` to `run-n` of hello-world; `run-1` has Succeeded (PerPoll: the third get
/// finishes it), the others are Created.
fn runs_of_hello_world(emu: &Emulator, n: usize) {
    let first = seed_run(emu, HELLO_WORLD, "run-1", ProcessStage::Published);
    for _ in 0..3 {
        outcome(runs(emu, &["get", first.id.as_str()]));
    }
    for i in 2..=n {
        seed_run(emu, HELLO_WORLD, &format!("run-{i}"), ProcessStage::Draft);
    }
}

/// The names of the runs printed as JSON lines.
fn names(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .map(|line| {
            let run: Value = serde_json::from_str(line).unwrap();
            run["name"].as_str().unwrap().to_owned()
        })
        .collect()
}

#[test]
fn status_keeps_the_runs_in_any_listed_status_across_every_page() {
    let emu = emulator();
    runs_of_hello_world(&emu, 3);
    let out = outcome(runs(&emu, &["--output", "jsonl"]).args(LIST).args([
        "--all",
        "--limit",
        "1",
        "--status",
        "Succeeded",
    ]));
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
    assert_eq!(names(&out.stdout), ["run-1"]);
    assert!(emu.counters().list_runs >= 3, "every page is read");

    // Any case, and a status this tool does not know is no error.
    let out = outcome(
        runs(&emu, &["--output", "jsonl"])
            .args(LIST)
            .args(["--status", "created,SomethingNew"]),
    );
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
    assert_eq!(names(&out.stdout), ["run-3", "run-2"]);

    let out = outcome(runs(&emu, &LIST).args(["--status", "Succeeded"]));
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
    snapshot("list_table_status_succeeded", &out.stdout);
}

#[test]
fn max_items_counts_the_runs_that_match() {
    let emu = emulator();
    runs_of_hello_world(&emu, 3);
    let out = outcome(runs(&emu, &["--output", "jsonl"]).args(LIST).args([
        "--max-items",
        "1",
        "--limit",
        "1",
        "--status",
        "Succeeded",
    ]));
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
    assert_eq!(names(&out.stdout), ["run-1"]);
    assert_eq!(emu.counters().list_runs, 3);
}

#[test]
fn since_in_the_future_stops_a_newest_first_listing_at_its_second_run() {
    let emu = emulator();
    runs_of_hello_world(&emu, 5);
    let out = outcome(
        runs(&emu, &["--output", "jsonl"])
            .args(LIST)
            .args(["--all", "--limit", "1", "--since", FUTURE]),
    );
    assert_eq!((out.code, out.stdout.as_str(), out.stderr.as_str()), (0, "", ""));
    // The first run says nothing of the order; the second, no newer, shows it newest first.
    assert_eq!(emu.counters().list_runs, 2);

    // One page: its runs left out, and no token to pages of older runs.
    let out = outcome(
        runs(&emu, &["--output", "json"])
            .args(LIST)
            .args(["--limit", "3", "--since", FUTURE]),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let page: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(page, serde_json::json!({"items": [], "continuation_token": null}));
    let out = outcome(runs(&emu, &LIST).args(["--limit", "3", "--since", FUTURE]));
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
}

#[test]
fn since_in_the_past_or_a_day_back_keeps_every_run() {
    let emu = emulator();
    runs_of_hello_world(&emu, 3);
    for since in [PAST, "2000-01-01", "1d", "1w"] {
        let out = outcome(
            runs(&emu, &["--output", "jsonl"])
                .args(LIST)
                .args(["--all", "--limit", "1", "--since", since]),
        );
        assert_eq!((out.code, out.stderr.as_str()), (0, ""), "{since}");
        assert_eq!(names(&out.stdout), ["run-3", "run-2", "run-1"], "{since}");
    }
    // With a page token left: the hint for the next page stays.
    let out = outcome(runs(&emu, &LIST).args(["--limit", "1", "--since", PAST]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.starts_with("more runs: add --continuation-token "),
        "{}",
        out.stderr
    );
}

#[test]
fn status_and_since_together() {
    let emu = emulator();
    runs_of_hello_world(&emu, 3);
    let out = outcome(
        runs(&emu, &["--output", "jsonl"])
            .args(LIST)
            .args(["--all", "--since", "1h", "--status", "Created"]),
    );
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
    assert_eq!(names(&out.stdout), ["run-3", "run-2"]);
}

#[test]
fn bad_filters_exit_2_before_any_request() {
    let emu = emulator();
    for (name, args) in [
        ("usage_bad_since", &["--since", "yesterday"][..]),
        ("usage_empty_status", &["--status", "Failed,,TimedOut"]),
    ] {
        let out = outcome(runs(&emu, &LIST).args(args));
        assert_eq!(out.code, 2, "{name}: {}", out.stderr);
        snapshot_outcome(name, &out);
    }
    assert_eq!(emu.counters().list_runs, 0);
}
