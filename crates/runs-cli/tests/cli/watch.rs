//! `runs wait ID ID...` and `runs watch` (issue 22): many runs waited for at once, each
//! printed as it finishes, exit 0 only if every one Succeeded, list pages for the runs of one
//! process. The runs finish on the emulator's clock (a step every 50 ms); the outcomes and
//! the emulator's request counts are checked, never how long it took.

use std::time::Duration;

use runs_blocking::{ProcessStage, Run};
use runs_emulator::{ALWAYS_FAILS, Emulator, HELLO_WORLD, Schedule};

use crate::harness::{KEY, NEVER_ENDS, builder, outcome, runs, seed_run, snapshot, snapshot_outcome};

fn emulator() -> Emulator {
    builder()
        .schedule(Schedule::real_time(Duration::from_millis(50)))
        .start()
        .unwrap()
}

fn seed(emu: &Emulator, process: &str, names: &[&str]) -> Vec<Run> {
    names
        .iter()
        .map(|name| seed_run(emu, process, name, ProcessStage::Published))
        .collect()
}

/// stdout's lines after the header, sorted: runs print in the order they finish.
fn sorted_rows(stdout: &str) -> String {
    let mut lines: Vec<&str> = stdout.lines().collect();
    let header = lines.remove(0);
    lines.sort_by_key(|line| line.split(',').nth(1).unwrap_or_default().to_string());
    format!("{header}\n{}\n", lines.join("\n"))
}

#[test]
fn wait_for_several_runs_prints_each_and_exits_1_when_one_did_not_succeed() {
    let emu = emulator();
    let mut all = seed(&emu, HELLO_WORLD, &["invoice 1", "invoice 2", "invoice 3"]);
    all.extend(seed(&emu, ALWAYS_FAILS, &["invoice 4"]));
    let gets_before = emu.counters().get_run;
    let mut args = vec!["--output", "csv", "wait", "--interval", "0.1", "--timeout", "30"];
    args.extend(all.iter().map(|run| run.id.as_str()));
    // The same run twice is watched once.
    args.push(all[0].id.as_str());
    let out = outcome(runs(&emu, &args));
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(
        out.stdout.lines().count(),
        5,
        "a header and one row per run:\n{}",
        out.stdout
    );
    snapshot("wait_several_csv", &sorted_rows(&out.stdout));
    assert!(
        out.stderr
            .ends_with("error: 1 run ended otherwise than Succeeded\n"),
        "{}",
        out.stderr
    );
    for run in &all {
        assert!(
            out.stderr.contains(run.id.as_str()),
            "each run's end is shown: {}",
            out.stderr
        );
    }
    let counters = emu.counters();
    assert!(
        counters.list_runs >= 1,
        "three runs of one process are polled with pages: {counters:?}"
    );
    // One GET each to begin with; after that, GETs only for what the pages did not show
    // (the run of the other process), so fewer than a GET per run per poll.
    assert!(counters.get_run - gets_before >= 4, "{counters:?}");
}

#[test]
fn watch_a_process_waits_for_every_run_not_yet_finished_and_exits_0() {
    // Steps of a second: the runs are still going when the watch lists the process.
    let emu = builder()
        .schedule(Schedule::real_time(Duration::from_secs(1)))
        .start()
        .unwrap();
    let going = seed(&emu, HELLO_WORLD, &["row 1", "row 2"]);
    let out = outcome(runs(
        &emu,
        &[
            "--output",
            "jsonl",
            "watch",
            "--agent-id",
            runs_emulator::DEMO_AGENT,
            "--process-id",
            HELLO_WORLD,
            "--interval",
            "0.1",
        ],
    ));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let mut names: Vec<String> = out
        .stdout
        .lines()
        .map(|line| {
            let run: serde_json::Value = serde_json::from_str(line).unwrap();
            assert_eq!(run["status"], "Succeeded", "{line}");
            run["name"].as_str().unwrap().to_string()
        })
        .collect();
    names.sort();
    let mut expected: Vec<String> = going.iter().map(|run| run.name.clone()).collect();
    expected.sort();
    assert_eq!(names, expected);
    assert!(emu.counters().list_runs >= 2, "listed, then polled with pages");
}

#[test]
fn watch_past_its_timeout_exits_4_naming_a_run_still_going() {
    let emu = emulator();
    let stuck = seed(&emu, NEVER_ENDS, &["stuck"]);
    let out = outcome(runs(
        &emu,
        &[
            "watch",
            stuck[0].id.as_str(),
            "--interval",
            "0.1",
            "--timeout",
            "0.3",
        ],
    ));
    assert_eq!(out.code, 4, "{}", out.stderr);
    // The table's header (as for an empty listing), and no run.
    assert_eq!(out.stdout.lines().count(), 1, "{}", out.stdout);
    snapshot("watch_timed_out_error", out.stderr.lines().last().unwrap());
}

#[test]
fn watch_needs_runs_or_a_process_and_checks_them_before_any_request() {
    let emu = emulator();
    let out = outcome(runs(&emu, &["watch", "--agent-id", "a"]));
    assert_eq!(out.code, 2);
    let out = outcome(runs(&emu, &["watch", "not an id"]));
    assert_eq!(out.code, 2);
    let out = outcome(runs(&emu, &["watch", "r1", "--interval", "0.01"]));
    assert_eq!(out.code, 2);
    snapshot_outcome("watch_interval_too_short", &out);
    assert_eq!(emu.counters().get_run + emu.counters().list_runs, 0);
    assert!(!out.stderr.contains(KEY));
}
