//! `--output csv` and `--output jsonl`: a header and a row per item, or a compact JSON object
//! a line, for list (one page and streamed), get, wait, processes, health and files upload.

use runs_blocking::ProcessStage;
use runs_emulator::{DEMO_AGENT, HELLO_WORLD};
use serde_json::Value;

use crate::harness::{emulator, outcome, runs, seed_run, snapshot};

const LIST: [&str; 5] = ["list", "--agent-id", DEMO_AGENT, "--process-id", HELLO_WORLD];

/// Three runs of hello-world named `run-1` to `run-3`; `run-1` has Succeeded (PerPoll: the
/// third get shows it finished, with outputs), the others are just Created.
fn three_runs(emu: &runs_emulator::Emulator) -> String {
    let first = seed_run(emu, HELLO_WORLD, "run-1, \"quoted\"", ProcessStage::Published);
    for _ in 0..3 {
        outcome(runs(emu, &["get", first.id.as_str()]));
    }
    for n in 2..=3 {
        seed_run(emu, HELLO_WORLD, &format!("run-{n}"), ProcessStage::Draft);
    }
    first.id.to_string()
}

fn json_lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

#[test]
fn list_csv_has_a_header_and_a_row_per_run_with_the_outputs_as_one_json_cell() {
    let emu = emulator();
    three_runs(&emu);
    let out = outcome(runs(&emu, &["--output", "csv"]).args(LIST));
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
    snapshot("list_csv_page", &out.stdout);

    // A page with more after it: the next page's token on stderr, stdout stays CSV.
    let out = outcome(runs(&emu, &["--output", "csv"]).args(LIST).args(["--limit", "2"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout.lines().count(), 3, "{}", out.stdout);
    assert!(
        out.stderr.starts_with("more runs: add --continuation-token "),
        "{}",
        out.stderr
    );
}

#[test]
fn list_jsonl_is_one_compact_run_a_line() {
    let emu = emulator();
    three_runs(&emu);
    let out = outcome(runs(&emu, &["--output", "jsonl"]).args(LIST));
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
    let names: Vec<Value> = json_lines(&out.stdout)
        .iter()
        .map(|r| r["name"].clone())
        .collect();
    assert_eq!(names, ["run-3", "run-2", "run-1, \"quoted\""]);
    snapshot("list_jsonl_page", &out.stdout);
}

#[test]
fn list_all_streams_csv_and_jsonl_across_pages() {
    let emu = emulator();
    three_runs(&emu);
    let out = outcome(
        runs(&emu, &["--output", "jsonl"])
            .args(LIST)
            .args(["--all", "--limit", "1"]),
    );
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
    assert_eq!(json_lines(&out.stdout).len(), 3);
    assert_eq!(emu.counters().list_runs, 3);

    let out = outcome(
        runs(&emu, &["--output", "csv"])
            .args(LIST)
            .args(["--all", "--limit", "1"]),
    );
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
    snapshot("list_csv_all", &out.stdout);
}

#[test]
fn an_empty_listing_is_a_csv_header_and_no_json_lines() {
    let emu = emulator();
    for all in [false, true] {
        let mut csv = runs(&emu, &["--output", "csv"]);
        csv.args(LIST);
        let mut jsonl = runs(&emu, &["--output", "jsonl"]);
        jsonl.args(LIST);
        if all {
            csv.arg("--all");
            jsonl.arg("--all");
        }
        let out = outcome(csv);
        assert_eq!(
            (out.code, out.stdout.as_str()),
            (0, "id,name,agent_id,process_id,stage,status,created_at,outputs\n")
        );
        let out = outcome(jsonl);
        assert_eq!((out.code, out.stdout.as_str()), (0, ""));
    }
}

#[test]
fn get_csv_has_a_column_per_output_and_jsonl_one_line() {
    let emu = emulator();
    let id = three_runs(&emu);
    let out = outcome(runs(&emu, &["--output", "csv", "get", &id]));
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
    snapshot("get_csv", &out.stdout);

    let out = outcome(runs(&emu, &["--output", "jsonl", "get", &id]));
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
    assert_eq!(out.stdout.lines().count(), 1);
    snapshot("get_jsonl", &out.stdout);
}

#[test]
fn wait_prints_the_final_run_as_csv_or_jsonl_from_the_environment() {
    let emu = emulator();
    let run = seed_run(&emu, HELLO_WORLD, "waited", ProcessStage::Published);
    let out = outcome(runs(&emu, &["wait", run.id.as_str(), "--interval", "0.1"]).env("RUNS_OUTPUT", "csv"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", out.stdout);
    assert_eq!(
        lines[0],
        "id,name,agent_id,process_id,stage,status,created_at,output.run_name,output.input_count"
    );
    assert!(lines[1].contains(",Succeeded,"), "{}", lines[1]);

    let out =
        outcome(runs(&emu, &["wait", run.id.as_str(), "--interval", "0.1"]).env("RUNS_OUTPUT", "jsonl"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let lines = json_lines(&out.stdout);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["status"], "Succeeded");
}

#[test]
fn processes_list_as_csv_and_jsonl() {
    let emu = emulator();
    let list = ["processes", "list", "--agent-id", DEMO_AGENT];
    let out = outcome(runs(&emu, &["--output", "csv"]).args(list));
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
    snapshot("processes_list_csv", &out.stdout);

    let out = outcome(runs(&emu, &["--output", "jsonl"]).args(list).arg("--all"));
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
    snapshot("processes_list_jsonl", &out.stdout);

    let get = ["processes", "get", HELLO_WORLD, "--agent-id", DEMO_AGENT];
    let out = outcome(runs(&emu, &["--output", "csv"]).args(get));
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (
            0,
            "id,name,agent_id,stage\nhello-world,Hello world,demo-agent,Published\n"
        )
    );
}

#[test]
fn health_and_files_upload_are_a_csv_table_or_a_json_line_per_item() {
    let emu = emulator();
    let out = outcome(runs(&emu, &["--output", "csv", "health"]));
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (0, "up,http_status,status\ntrue,200,OK\n")
    );
    let out = outcome(runs(&emu, &["--output", "jsonl", "health"]));
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (0, "{\"http_status\":200,\"status\":\"OK\",\"up\":true}\n")
    );

    let dir = tempfile::tempdir().unwrap();
    let paths: Vec<String> = ["a.txt", "b, c.txt"]
        .iter()
        .map(|name| {
            let path = dir.path().join(name);
            std::fs::write(&path, "x").unwrap();
            path.to_str().unwrap().to_owned()
        })
        .collect();
    let upload = ["files", "upload", &paths[0], &paths[1], "--agent-id", DEMO_AGENT];
    let out = outcome(runs(&emu, &["--output", "jsonl"]).args(upload));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let names: Vec<Value> = json_lines(&out.stdout)
        .iter()
        .map(|f| f["file_name"].clone())
        .collect();
    assert_eq!(names, ["a.txt", "b, c.txt"]);

    let out = outcome(runs(&emu, &["--output", "csv"]).args(upload));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", out.stdout);
    assert_eq!(lines[0], "id,file_name");
    assert!(lines[1].ends_with(",a.txt"), "{}", lines[1]);
    assert!(lines[2].ends_with(",\"b, c.txt\""), "{}", lines[2]);
}
