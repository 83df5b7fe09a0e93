//! list, get, start and wait: output in both formats, and exit codes 0, 1 and 2.

use runs_blocking::{ProcessStage, Run};
use runs_emulator::{ALWAYS_FAILS, DEMO_AGENT, GETS_CANCELLED, HELLO_WORLD, Route, TIMES_OUT};
use serde_json::Value;

use crate::harness::{NEVER_ENDS, emulator, outcome, runs, seed_run, snapshot, snapshot_outcome};

const LIST: [&str; 5] = ["list", "--agent-id", DEMO_AGENT, "--process-id", HELLO_WORLD];

/// Five runs of hello-world: three Published, two Draft, named run-1 to run-5.
fn five_runs(emu: &runs_emulator::Emulator) -> Vec<Run> {
    (1..=5)
        .map(|n| {
            let stage = if n % 2 == 0 {
                ProcessStage::Draft
            } else {
                ProcessStage::Published
            };
            seed_run(emu, HELLO_WORLD, &format!("run-{n}"), stage)
        })
        .collect()
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not one JSON document ({e}):\n{text}"))
}

fn names(runs: &Value) -> Vec<&str> {
    runs.as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect()
}

#[test]
fn list_prints_one_page_as_a_table_with_a_hint_for_the_next() {
    let emu = emulator();
    five_runs(&emu);
    let out = outcome(runs(&emu, &LIST).args(["--limit", "2"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.starts_with("more runs: add --continuation-token "),
        "{}",
        out.stderr
    );
    snapshot("list_table_page", &out.stdout);
    assert_eq!(emu.counters().list_runs, 1);
}

#[test]
fn list_json_is_the_api_page_and_its_token_continues_the_listing() {
    let emu = emulator();
    five_runs(&emu);
    let out = outcome(
        runs(&emu, &["--output", "json"])
            .args(LIST)
            .args(["--limit", "3"]),
    );
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
    let page = json(&out.stdout);
    assert_eq!(page.as_object().unwrap().len(), 2, "{page}");
    assert_eq!(names(&page["items"]), ["run-5", "run-4", "run-3"]);
    let token = page["continuation_token"].as_str().unwrap();

    let out = outcome(runs(&emu, &["--output", "json"]).args(LIST).args([
        "--limit",
        "3",
        "--continuation-token",
        token,
    ]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let page = json(&out.stdout);
    assert_eq!(names(&page["items"]), ["run-2", "run-1"]);
    assert_eq!(page["continuation_token"], Value::Null);
    snapshot("list_json_last_page", &out.stdout);
}

#[test]
fn list_all_streams_every_page_into_one_array() {
    let emu = emulator();
    five_runs(&emu);
    let out = outcome(
        runs(&emu, &["--output", "json"])
            .args(LIST)
            .args(["--all", "--limit", "2"]),
    );
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
    assert_eq!(
        names(&json(&out.stdout)),
        ["run-5", "run-4", "run-3", "run-2", "run-1"]
    );
    assert_eq!(emu.counters().list_runs, 3);

    let out = outcome(runs(&emu, &LIST).args(["--all", "--limit", "2"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    snapshot("list_table_all", &out.stdout);
}

#[test]
fn list_max_items_stops_fetching_at_n_runs() {
    let emu = emulator();
    five_runs(&emu);
    let out =
        outcome(
            runs(&emu, &["--output", "json"])
                .args(LIST)
                .args(["--max-items", "3", "--limit", "2"]),
        );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(names(&json(&out.stdout)), ["run-5", "run-4", "run-3"]);
    assert_eq!(emu.counters().list_runs, 2);
}

#[test]
fn list_filters_by_stage_and_an_empty_listing_is_still_a_document() {
    let emu = emulator();
    five_runs(&emu);
    let out = outcome(
        runs(&emu, &["--output", "json"])
            .args(LIST)
            .args(["--stage", "Draft"]),
    );
    assert_eq!(names(&json(&out.stdout)["items"]), ["run-4", "run-2"]);

    let none = ["list", "--agent-id", DEMO_AGENT, "--process-id", TIMES_OUT];
    let out = outcome(runs(&emu, &["--output", "json"]).args(none).arg("--all"));
    assert_eq!((out.code, out.stdout.as_str()), (0, "[]\n"));
    let out = outcome(runs(&emu, &none));
    assert_eq!(out.code, 0);
    snapshot("list_table_empty", &out.stdout);
}

#[test]
fn get_shows_a_run_readably_and_as_the_api_json() {
    let emu = emulator();
    let run = seed_run(&emu, HELLO_WORLD, "March invoices", ProcessStage::Published);
    // PerPoll: the third get shows the terminal status and outputs.
    for _ in 0..2 {
        outcome(runs(&emu, &["get", run.id.as_str()]));
    }
    let out = outcome(runs(&emu, &["get", run.id.as_str()]));
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
    snapshot("get_table", &out.stdout);

    let out = outcome(runs(&emu, &["--output", "json", "get", run.id.as_str()]));
    assert_eq!(out.code, 0);
    let shown = json(&out.stdout);
    assert_eq!(shown["status"], "Succeeded");
    snapshot("get_json", &out.stdout);
}

#[test]
fn start_prints_the_new_run_with_its_file_ids() {
    let emu = emulator();
    let out = outcome(runs(
        &emu,
        &[
            "start",
            "--agent-id",
            DEMO_AGENT,
            "--process-id",
            HELLO_WORLD,
            "--name",
            "with files",
            "--stage",
            "Draft",
            "--file-id",
            "f-1",
            "--file-id",
            "s3://bucket/key.pdf",
        ],
    ));
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
    snapshot("start_table", &out.stdout);

    let out = outcome(runs(
        &emu,
        &[
            "--output",
            "json",
            "start",
            "--agent-id",
            DEMO_AGENT,
            "--process-id",
            HELLO_WORLD,
            "--name",
            "n",
            "--stage",
            "Published",
        ],
    ));
    assert_eq!(out.code, 0);
    let run = json(&out.stdout);
    assert_eq!(
        (run["status"].as_str(), run["file_ids"].clone()),
        (Some("Created"), Value::Null)
    );
    assert_eq!(emu.counters().runs_created, 2);
}

#[test]
fn start_wait_keeps_inputs_in_command_line_order_and_exits_0_on_success() {
    let emu = emulator();
    let out = outcome(runs(
        &emu,
        &[
            "--output",
            "json",
            "start",
            "--agent-id",
            DEMO_AGENT,
            "--process-id",
            HELLO_WORLD,
            "--name",
            "ordered",
            "--stage",
            "Published",
            "--input",
            "a=1",
            "--input-json",
            "b=2",
            "--input",
            "c=x=y",
            "--input-json",
            r#"d={"k":[true,null]}"#,
            "--wait",
            "--interval",
            "0.1",
            "--timeout",
            "30",
        ],
    ));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let run = json(&out.stdout);
    assert_eq!(run["status"], "Succeeded");
    assert_eq!(
        run["outputs"],
        serde_json::json!([
            {"name": "run_name", "value": "ordered"},
            {"name": "input_count", "value": 4},
            {"name": "a", "value": "1"},
            {"name": "b", "value": 2},
            {"name": "c", "value": "x=y"},
            {"name": "d", "value": {"k": [true, null]}},
        ])
    );
    snapshot("start_wait_stderr", &out.stderr);
}

#[test]
fn a_run_ending_in_another_terminal_status_exits_1() {
    let emu = emulator();
    let out = outcome(runs(
        &emu,
        &[
            "start",
            "--agent-id",
            DEMO_AGENT,
            "--process-id",
            ALWAYS_FAILS,
            "--name",
            "doomed",
            "--stage",
            "Published",
            "--wait",
            "--interval",
            "0.1",
        ],
    ));
    assert_eq!(out.code, 1);
    snapshot_outcome("start_wait_failed", &out);

    for (process, status) in [(GETS_CANCELLED, "Cancelled"), (TIMES_OUT, "TimedOut")] {
        let run = seed_run(&emu, process, "x", ProcessStage::Draft);
        let out = outcome(runs(
            &emu,
            &["--output", "json", "wait", run.id.as_str(), "--interval", "0.1"],
        ));
        assert_eq!(out.code, 1, "{}", out.stderr);
        assert_eq!(json(&out.stdout)["status"], status);
        assert_eq!(
            out.stderr.lines().last().unwrap(),
            format!("error: run {} ended {status}", run.id)
        );
    }
}

#[test]
fn wait_reports_each_status_on_stderr_and_prints_the_final_run() {
    let emu = emulator();
    let run = seed_run(&emu, HELLO_WORLD, "waited", ProcessStage::Published);
    let out = outcome(runs(
        &emu,
        &["wait", run.id.as_str(), "--interval", "0.1", "--timeout", "30"],
    ));
    assert_eq!(out.code, 0, "{}", out.stderr);
    snapshot_outcome("wait_succeeded", &out);
    assert_eq!(emu.counters().get_run, 3);
}

#[test]
fn wait_past_its_timeout_exits_4() {
    let emu = emulator();
    let run = seed_run(&emu, NEVER_ENDS, "stuck", ProcessStage::Published);
    let out = outcome(runs(
        &emu,
        &["wait", run.id.as_str(), "--interval", "0.1", "--timeout", "0.3"],
    ));
    assert_eq!(out.code, 4);
    assert_eq!(out.stdout, "");
    let last = out.stderr.lines().last().unwrap();
    snapshot("wait_timed_out_error", last);
}

#[test]
fn bad_input_exits_2_before_any_request() {
    let emu = emulator();
    let long_name = "n".repeat(101);
    let start = [
        "start",
        "--agent-id",
        DEMO_AGENT,
        "--process-id",
        HELLO_WORLD,
        "--stage",
        "Draft",
    ];
    let cases: Vec<(&str, Vec<&str>)> = vec![
        (
            "bad_agent_id",
            [
                &LIST[..1],
                &["--agent-id", "demo agent", "--process-id", HELLO_WORLD],
            ]
            .concat(),
        ),
        (
            "bad_process_id",
            [&LIST[..3], &["--process-id", "x".repeat(27).leak()]].concat(),
        ),
        ("limit_zero", [&LIST[..], &["--limit", "0"]].concat()),
        ("limit_too_big", [&LIST[..], &["--limit", "101"]].concat()),
        ("bad_run_id_get", vec!["get", "run/1"]),
        ("bad_run_id_wait", vec!["wait", ""]),
        ("name_too_long", [&start[..], &["--name", &long_name]].concat()),
        (
            "name_empty_and_file_id_empty",
            [&start[..], &["--name", "", "--file-id", ""]].concat(),
        ),
        (
            "input_without_equals",
            [&start[..], &["--name", "n", "--input", "novalue"]].concat(),
        ),
        (
            "input_json_not_json",
            [&start[..], &["--name", "n", "--input-json", "n=not json"]].concat(),
        ),
        (
            "input_empty_name",
            [&start[..], &["--name", "n", "--input", "a=1", "--input", "=2"]].concat(),
        ),
    ];
    for (name, args) in cases {
        let out = outcome(runs(&emu, &args));
        assert_eq!((out.code, out.stdout.as_str()), (2, ""), "{name}: {}", out.stderr);
        assert_eq!(out.stderr.lines().count(), 1, "{name}: {}", out.stderr);
        snapshot(&format!("invalid_{name}"), &out.stderr);
    }
    assert_eq!(emu.counters().requests(Route::Any), 0);
    assert_eq!(emu.counters().connections, 0);
}
