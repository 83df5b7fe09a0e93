//! `runs batch` (issue 21): each row started exactly once, counted on the emulator's side,
//! through lost answers, the concurrent-run cap, the rate limit and `kill -9` at seeded
//! instants followed by a resume.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use runs_emulator::{ALWAYS_FAILS, DEMO_AGENT, Emulator, Fault, HELLO_WORLD, Route, Schedule};

use crate::harness::{KEY, builder, runs};

/// An emulator whose runs finish 90 ms after they start (three 30 ms steps).
fn quick() -> runs_emulator::EmulatorBuilder {
    builder().schedule(Schedule::real_time(Duration::from_millis(30)))
}

/// A CSV of `n` invoices in a new folder.
fn invoices(n: usize) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("march.csv");
    let mut text = String::from("invoice,amount\n");
    for i in 1..=n {
        text.push_str(&format!("INV-{i},{}\n", i * 10));
    }
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

fn batch_args<'a>(file: &'a str, process: &'a str) -> Vec<&'a str> {
    vec![
        "batch",
        file,
        "--agent-id",
        DEMO_AGENT,
        "--process-id",
        process,
        "--stage",
        "Published",
        "--key",
        "invoice",
        "--poll-interval",
        "0.1",
        "--rate",
        "200",
    ]
}

/// Every row's run, counted by name on the emulator: each exactly once.
fn assert_each_started_once(emu: &Emulator, n: usize) {
    let per_name = emu.runs_per_name();
    for i in 1..=n {
        let name = format!("march-INV-{i}");
        assert_eq!(per_name.get(&name), Some(&1), "{name}: {per_name:?}");
    }
    assert_eq!(per_name.len(), n, "{per_name:?}");
}

fn results(path: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path.with_file_name("march.results.csv")).unwrap();
    text.lines()
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect()
}

#[test]
fn every_row_starts_once_through_lost_answers_the_cap_and_the_rate_limit() {
    let emu = quick().max_active_runs(4).rate_limit(100).start().unwrap();
    // Three starts whose run is created and whose answer is lost, one answered 503 after
    // creating its run: all four in doubt, all four to be found, none sent twice.
    emu.inject_times(Route::StartRun, Fault::close_after_processing(), 3);
    emu.inject(Route::StartRun, Fault::status_after_processing(503));
    let (_dir, csv) = invoices(12);
    let file = csv.display().to_string();
    let mut args = batch_args(&file, HELLO_WORLD);
    // More than the emulator's cap: its 403s are back-pressure, not failures.
    args.extend(["--max-active", "8"]);
    let out = runs(&emu, &args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_each_started_once(&emu, 12);
    let counters = emu.counters();
    assert!(counters.peak_active_runs <= 4, "{counters:?}");
    let rows = results(&csv);
    assert_eq!(rows[0][..5], ["key", "run_id", "status", "name", "error"]);
    assert_eq!(rows.len(), 13);
    assert!(rows[1..].iter().all(|r| r[2] == "Succeeded"), "{rows:?}");
    assert!(rows[0].contains(&"output.amount".to_owned()), "{:?}", rows[0]);

    // The same command again: the journal says everything is done; nothing is sent.
    let before = emu.counters().requests(Route::Any);
    let again = runs(&emu, &args).output().unwrap();
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(emu.counters().requests(Route::Any), before);
}

#[test]
fn a_batch_killed_at_seeded_instants_and_resumed_starts_each_row_exactly_once() {
    for seed in [1usize, 3, 7, 12, 20] {
        let emu = quick().max_active_runs(6).start().unwrap();
        // Answers lost on the way, so some kills land on rows in doubt.
        emu.inject_times(Route::StartRun, Fault::close_after_processing(), 2);
        let (_dir, csv) = invoices(10);
        let file = csv.display().to_string();
        let args = batch_args(&file, HELLO_WORLD);
        // The first process is killed after `seed` progress lines: a point in the batch
        // chosen by the seed, not by a clock.
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("runs"))
            .env_clear()
            .args(["--base-url", emu.base_url(), "--api-key", KEY])
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let mut lines = BufReader::new(stderr).lines();
        for _ in 0..seed {
            if lines.next().is_none() {
                break;
            }
        }
        child.kill().unwrap(); // SIGKILL: no chance to tidy up
        child.wait().unwrap();
        let mut code = None;
        for _ in 0..5 {
            let out = runs(&emu, &args).output().unwrap();
            code = out.status.code();
            if code == Some(0) {
                break;
            }
        }
        assert_eq!(code, Some(0), "seed {seed}: the resumed batch did not finish");
        assert_each_started_once(&emu, 10);
        assert_eq!(results(&csv).len(), 11, "seed {seed}: every row has its result");
    }
}

#[test]
fn bad_rows_exit_2_naming_each_and_nothing_is_sent() {
    let emu = quick().start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("bad.csv");
    let long = "x".repeat(120);
    std::fs::write(
        &csv,
        format!("invoice,amount,doc\nA,1,\nA,2,\n,3,\nB,4,missing.pdf\n{long},5,\n"),
    )
    .unwrap();
    let file = csv.display().to_string();
    let mut args = batch_args(&file, HELLO_WORLD);
    args.extend(["--file-column", "doc"]);
    let out = runs(&emu, &args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    for expected in [
        "line 3, column invoice: the key \"A\" is also another row's",
        "line 4, column invoice: the key is missing or empty",
        "line 5, column doc: missing.pdf",
        "line 6: invalid input: name must be at most 100 characters",
        "nothing was sent",
    ] {
        assert!(stderr.contains(expected), "{expected:?} not in:\n{stderr}");
    }
    assert_eq!(emu.counters().requests(Route::Any), 0);
}

#[test]
fn a_journal_of_another_batch_is_refused_before_anything_is_sent() {
    let emu = quick().start().unwrap();
    let (_dir, csv) = invoices(2);
    let file = csv.display().to_string();
    let out = runs(&emu, &batch_args(&file, HELLO_WORLD)).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let before = emu.counters().requests(Route::Any);
    let other = runs(&emu, &batch_args(&file, ALWAYS_FAILS)).output().unwrap();
    let stderr = String::from_utf8_lossy(&other.stderr);
    assert_eq!(other.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("belongs to another batch"), "{stderr}");
    assert_eq!(emu.counters().requests(Route::Any), before);
}

#[test]
fn failed_runs_exit_1_and_retry_failed_starts_them_again_under_a_new_name() {
    let emu = quick().start().unwrap();
    let (_dir, csv) = invoices(2);
    let file = csv.display().to_string();
    let args = batch_args(&file, ALWAYS_FAILS);
    let out = runs(&emu, &args).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(results(&csv)[1..].iter().all(|r| r[2] == "Failed"));
    let mut again = args.clone();
    again.push("--retry-failed");
    let out = runs(&emu, &again).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(emu.runs_named("march-INV-1 #2"), 1);
    assert_eq!(emu.runs_named("march-INV-1"), 1);
}

#[test]
fn json_lines_in_json_lines_out_and_no_wait_stops_once_started() {
    let emu = quick().start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("orders.jsonl");
    std::fs::write(&input, "{\"id\":7,\"items\":[1,2]}\n{\"id\":8,\"items\":[]}\n").unwrap();
    let file = input.display().to_string();
    let out = runs(
        &emu,
        &[
            "batch",
            &file,
            "--agent-id",
            DEMO_AGENT,
            "--process-id",
            HELLO_WORLD,
            "--stage",
            "Draft",
            "--key",
            "id",
            "--no-wait",
            "-q",
        ],
    )
    .output()
    .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stderr.is_empty(), "--quiet");
    let text = std::fs::read_to_string(dir.path().join("orders.results.jsonl")).unwrap();
    let rows: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["key"], "7");
    assert_eq!(rows[0]["name"], "orders-7");
    assert!(rows[0]["run_id"].as_str().is_some_and(|id| !id.is_empty()));
    assert_eq!(emu.runs_named("orders-8"), 1);
}
