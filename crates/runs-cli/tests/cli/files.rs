//! files upload, start --file, processes and health: output in both formats, exit codes, and
//! the emulator's counters (nothing sent on bad input, the key never at the upload target).

use runs_emulator::{DEMO_AGENT, Fault, Route};
use serde_json::Value;

use crate::harness::{emulator, outcome, runs, snapshot, snapshot_outcome};

fn a_file(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn files_upload_prints_each_id_and_the_emulator_has_the_bytes() {
    let emu = emulator();
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (a_file(&dir, "a.txt", "alpha"), a_file(&dir, "b.csv", "x,y\n"));
    let out = outcome(runs(&emu, &["files", "upload", &a, &b, "--agent-id", DEMO_AGENT]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    snapshot("files_upload_table", &out.stdout);
    let sizes: Vec<u64> = emu.uploaded_files().iter().map(|f| f.size).collect();
    assert_eq!(sizes, [5, 4]);
    assert_eq!(emu.counters().uploads_with_api_key, 0);

    let out = outcome(runs(&emu, &["--output", "json", "files", "upload", &a]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc[0]["file_name"], "a.txt");
    snapshot("files_upload_json", &out.stdout);
}

#[test]
fn a_missing_file_exits_2_before_any_request() {
    let emu = emulator();
    let dir = tempfile::tempdir().unwrap();
    let a = a_file(&dir, "a.txt", "alpha");
    let missing = dir.path().join("missing.pdf");
    let missing = missing.to_str().unwrap();
    let out = outcome(runs(&emu, &["files", "upload", &a, missing]));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("invalid PATH") && out.stderr.contains("missing.pdf"),
        "{}",
        out.stderr
    );
    let start = [
        "start",
        "--agent-id",
        DEMO_AGENT,
        "--process-id",
        "hello-world",
        "--name",
        "n",
        "--stage",
        "Published",
        "--file",
        missing,
    ];
    let out = outcome(runs(&emu, &start));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("invalid --file"), "{}", out.stderr);
    let c = emu.counters();
    assert_eq!((c.create_file, c.upload, c.start_run), (0, 0, 0));
}

#[test]
fn start_with_files_uploads_them_then_starts_the_run_with_their_ids() {
    let emu = emulator();
    let dir = tempfile::tempdir().unwrap();
    let a = a_file(&dir, "invoice.pdf", "%PDF-1.7");
    let out = outcome(runs(
        &emu,
        &[
            "--output",
            "json",
            "start",
            "--agent-id",
            DEMO_AGENT,
            "--process-id",
            "hello-world",
            "--name",
            "with a file",
            "--stage",
            "Published",
            "--file-id",
            "s3://elsewhere/x",
            "--file",
            &a,
        ],
    ));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let run: Value = serde_json::from_str(&out.stdout).unwrap();
    let uploaded = emu.uploaded_files()[0].id.to_string();
    assert_eq!(run["file_ids"], serde_json::json!(["s3://elsewhere/x", uploaded]));
}

#[test]
fn a_refused_upload_exits_3_with_the_storage_code() {
    let emu = emulator();
    emu.inject(Route::Upload, Fault::status(403));
    let dir = tempfile::tempdir().unwrap();
    let a = a_file(&dir, "a.txt", "alpha");
    let out = outcome(runs(&emu, &["files", "upload", &a]));
    assert_eq!(out.code, 3, "{}", out.stderr);
    snapshot_outcome("files_upload_refused", &out);
    assert_eq!(emu.counters().upload, 1, "an answered upload is not sent again");
}

#[test]
fn processes_list_get_and_all() {
    let emu = emulator();
    let out = outcome(runs(
        &emu,
        &["processes", "list", "--agent-id", DEMO_AGENT, "--limit", "2"],
    ));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .starts_with("more processes: add --continuation-token "),
        "{}",
        out.stderr
    );
    snapshot("processes_list_page", &out.stdout);

    emu.inject(Route::ListProcesses, Fault::status(503));
    let out = outcome(runs(
        &emu,
        &[
            "--output",
            "json",
            "processes",
            "list",
            "--agent-id",
            DEMO_AGENT,
            "--all",
            "--limit",
            "1",
        ],
    ));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let all: Value = serde_json::from_str(&out.stdout).unwrap();
    assert!(all.as_array().unwrap().len() > 2, "{all}");
    snapshot("processes_list_all_json", &out.stdout);

    let out = outcome(runs(
        &emu,
        &["processes", "get", "hello-world", "--agent-id", DEMO_AGENT],
    ));
    assert_eq!(out.code, 0, "{}", out.stderr);
    snapshot("processes_get_table", &out.stdout);

    let out = outcome(runs(
        &emu,
        &["processes", "get", "nope", "--agent-id", DEMO_AGENT],
    ));
    assert_eq!(out.code, 3, "{}", out.stderr);
    snapshot_outcome("processes_get_404", &out);

    let before = emu.counters().get_process;
    let out = outcome(runs(
        &emu,
        &["processes", "get", "bad id!", "--agent-id", DEMO_AGENT],
    ));
    assert_eq!(out.code, 2, "{}", out.stderr);
    snapshot_outcome("invalid_bad_process_id_get", &out);
    assert_eq!(emu.counters().get_process, before, "nothing sent on bad input");
}

#[test]
fn processes_list_max_items_stops_fetching_at_n_processes() {
    let emu = emulator();
    let list = ["processes", "list", "--agent-id", DEMO_AGENT, "--limit", "1"];
    let all = outcome(runs(&emu, &["--output", "json"]).args(list).arg("--all"));
    let all: Value = serde_json::from_str(&all.stdout).unwrap();
    let all = all.as_array().unwrap();
    assert!(
        all.len() > 2,
        "the demo agent has more processes than asked for: {all:?}"
    );
    let before = emu.counters().list_processes;

    let out = outcome(
        runs(&emu, &["--output", "json"])
            .args(list)
            .args(["--max-items", "2"]),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let two: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(two.as_array().unwrap()[..], all[..2], "the first two, in order");
    assert_eq!(
        emu.counters().list_processes - before,
        2,
        "one page per process, no more"
    );

    let out = outcome(runs(&emu, &list).args(["--max-items", "0"]));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("--max-items must be at least 1"),
        "{}",
        out.stderr
    );
}

#[test]
fn health_exits_0_when_up_and_3_when_not() {
    let emu = emulator();
    let out = outcome(runs(&emu, &["health"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    snapshot("health_up", &out.stdout);
    emu.set_healthy(false);
    let out = outcome(runs(&emu, &["--output", "json", "health"]));
    assert_eq!(out.code, 3, "{}", out.stderr);
    snapshot_outcome("health_down_json", &out);
    emu.set_healthy(true);
    emu.inject(Route::Health, Fault::html(502));
    let out = outcome(runs(&emu, &["health"]));
    assert_eq!(out.code, 3, "{}", out.stderr);
    snapshot_outcome("health_502_page", &out);
}
