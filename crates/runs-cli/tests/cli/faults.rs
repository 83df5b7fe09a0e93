//! A misbehaving server, through the emulator's fault injection: exit 3 for error statuses,
//! exit 4 when no usable answer comes.

use predicates::prelude::*;
use runs_blocking::ProcessStage;
use runs_emulator::{DEMO_AGENT, Fault, HELLO_WORLD, Route};

use crate::harness::{emulator, outcome, runs, seed_run, snapshot};

#[test]
fn a_persistent_503_exits_3_after_the_retries() {
    let emu = emulator();
    emu.inject_times(Route::GetRun, Fault::status(503), 10);
    let out = outcome(runs(&emu, &["--max-attempts", "3", "get", "r1"]));
    assert_eq!((out.code, out.stdout.as_str()), (3, ""));
    snapshot("error_503", &out.stderr);
    assert_eq!(emu.counters().get_run, 3);
}

#[test]
fn an_api_error_exits_3_with_the_servers_message() {
    let emu = emulator();
    let out = outcome(runs(&emu, &["get", "no-such-run"]));
    assert_eq!(out.code, 3);
    snapshot("error_404", &out.stderr);

    let out = outcome(runs(
        &emu,
        &["list", "--agent-id", DEMO_AGENT, "--process-id", "nope"],
    ));
    assert_eq!(out.code, 3);
    snapshot("error_404_list", &out.stderr);

    let out = outcome(runs(&emu, &["wait", "no-such-run", "--interval", "0.1"]));
    assert_eq!((out.code, out.stdout.as_str()), (3, ""));
    let start = [
        "start",
        "--agent-id",
        DEMO_AGENT,
        "--process-id",
        "nope",
        "--name",
        "n",
        "--stage",
        "Draft",
    ];
    let out = outcome(runs(&emu, &start));
    assert_eq!((out.code, out.stdout.as_str()), (3, ""));
    assert_eq!(emu.counters().runs_created, 0);

    let out = outcome(runs(&emu, &["--api-key", "wrong", "get", "r1"]));
    assert_eq!(out.code, 3);
    snapshot("error_401", &out.stderr);
}

#[test]
fn a_post_is_not_resent_after_a_500() {
    let emu = emulator();
    emu.inject(Route::StartRun, Fault::html(500));
    let out = outcome(runs(
        &emu,
        &[
            "start",
            "--agent-id",
            DEMO_AGENT,
            "--process-id",
            HELLO_WORLD,
            "--name",
            "n",
            "--stage",
            "Draft",
        ],
    ));
    assert_eq!(out.code, 3);
    snapshot("error_500_html", &out.stderr);
    assert_eq!(emu.counters().start_run, 1);
}

#[test]
fn a_hanging_server_exits_4_at_the_request_timeout() {
    let emu = emulator();
    emu.inject(Route::GetRun, Fault::hang());
    let out = outcome(runs(
        &emu,
        &["--request-timeout", "0.2", "--max-attempts", "1", "get", "r1"],
    ));
    assert_eq!((out.code, out.stdout.as_str()), (4, ""));
    snapshot("error_timeout", &out.stderr);
}

#[test]
fn unusable_bodies_exit_4() {
    let emu = emulator();
    let run = seed_run(&emu, HELLO_WORLD, "r", ProcessStage::Draft);
    for (name, fault) in [
        ("malformed", Fault::malformed_json()),
        ("truncated", Fault::truncated_json()),
        ("oversized", Fault::oversized(16 * 1024 * 1024 + 1)),
    ] {
        emu.inject(Route::GetRun, fault);
        let out = outcome(runs(&emu, &["--max-attempts", "1", "get", run.id.as_str()]));
        assert_eq!((out.code, out.stdout.as_str()), (4, ""), "{name}: {}", out.stderr);
        snapshot(&format!("error_body_{name}"), &out.stderr);
    }
}

#[test]
fn a_refused_connection_exits_4() {
    let emu = emulator();
    let base_url = emu.base_url().to_string();
    emu.shutdown();
    crate::harness::bare()
        .args([
            "--base-url",
            &base_url,
            "--api-key",
            "k",
            "--max-attempts",
            "1",
            "get",
            "r1",
        ])
        .assert()
        .code(4)
        .stdout(predicate::str::is_empty())
        .stderr(
            predicate::str::is_match(
                r"^error: could not connect \(GET http://127\.0\.0\.1:\d+/v2/runs/r1\): .+\n$",
            )
            .unwrap(),
        );
}

#[test]
fn a_repeated_continuation_token_exits_4_after_closing_the_array() {
    let emu = emulator();
    seed_run(&emu, HELLO_WORLD, "only", ProcessStage::Draft);
    let page = r#"{"items": null, "continuation_token": "same"}"#;
    emu.inject_times(Route::ListRuns, Fault::json(200, page), 2);
    let list = [
        "list",
        "--agent-id",
        DEMO_AGENT,
        "--process-id",
        HELLO_WORLD,
        "--all",
    ];
    let out = outcome(runs(&emu, &["--output", "json"]).args(list));
    assert_eq!((out.code, out.stdout.as_str()), (4, ""));
    snapshot("error_repeated_token", &out.stderr);
}

#[test]
fn a_listing_that_fails_midway_keeps_stdout_one_json_document() {
    let emu = emulator();
    for n in 0..3 {
        seed_run(&emu, HELLO_WORLD, &format!("r{n}"), ProcessStage::Draft);
    }
    let list = [
        "list",
        "--agent-id",
        DEMO_AGENT,
        "--process-id",
        HELLO_WORLD,
        "--all",
        "--limit",
        "2",
    ];
    // The first page is served; the second fails.
    emu.inject(Route::ListRuns, Fault::delay_only(std::time::Duration::ZERO));
    emu.inject(Route::ListRuns, Fault::status(400));
    let out = outcome(runs(&emu, &["--output", "json"]).args(list));
    assert_eq!(out.code, 3, "{}", out.stderr);
    let partial: Vec<serde_json::Value> = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(partial.len(), 2);
    assert_eq!(out.stderr.lines().count(), 1);
}
