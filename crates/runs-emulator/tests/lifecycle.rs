//! Runs move Created -> Pending -> Running -> terminal on each schedule, with outputs.

mod common;

use common::{Conn, KEY, get, list_path, post, start_body, start_run};
use runs_core::RunStatus;
use runs_emulator::{ALWAYS_FAILS, Emulator, GETS_CANCELLED, HELLO_WORLD, Schedule, TIMES_OUT};
use serde_json::{Value, json};
use std::time::Duration;

fn emulator(schedule: Schedule) -> Emulator {
    Emulator::builder()
        .api_key(KEY)
        .schedule(schedule)
        .start()
        .unwrap()
}

#[tokio::test]
async fn per_poll_advances_one_step_per_get_and_listing_does_not() {
    let emu = emulator(Schedule::PerPoll);
    let created = post(emu.addr(), "/v2/runs", &start_body(HELLO_WORLD, "polled"))
        .await
        .json();
    assert_eq!(created["status"], "Created");
    let id = created["id"].as_str().unwrap();
    let mut conn = Conn::open(emu.addr()).await;
    let listed = conn.get(&list_path(HELLO_WORLD, "")).await.json();
    assert_eq!(
        listed["items"][0]["status"], "Created",
        "listing does not advance"
    );
    let mut seen = Vec::new();
    for _ in 0..5 {
        let run = conn.get(&format!("/v2/runs/{id}")).await.json();
        seen.push(run["status"].as_str().unwrap().to_string());
    }
    assert_eq!(
        seen,
        ["Pending", "Running", "Succeeded", "Succeeded", "Succeeded"]
    );
    let listed = conn.get(&list_path(HELLO_WORLD, "")).await.json();
    assert_eq!(listed["items"][0]["status"], "Succeeded");
}

#[tokio::test]
async fn instant_runs_are_terminal_from_the_first_read() {
    let emu = emulator(Schedule::Instant);
    let created = post(emu.addr(), "/v2/runs", &start_body(HELLO_WORLD, "quick"))
        .await
        .json();
    assert_eq!(created["status"], "Created");
    assert_eq!(created["outputs"], Value::Null);
    let listed = get(emu.addr(), &list_path(HELLO_WORLD, "")).await.json();
    assert_eq!(listed["items"][0]["status"], "Succeeded");
    let run = get(
        emu.addr(),
        &format!("/v2/runs/{}", created["id"].as_str().unwrap()),
    )
    .await
    .json();
    assert_eq!(run["status"], "Succeeded");
}

#[tokio::test]
async fn each_seeded_process_ends_in_its_status() {
    let emu = emulator(Schedule::Instant);
    for (process, status) in [
        (HELLO_WORLD, "Succeeded"),
        (ALWAYS_FAILS, "Failed"),
        (GETS_CANCELLED, "Cancelled"),
        (TIMES_OUT, "TimedOut"),
    ] {
        let id = start_run(emu.addr(), process, "ending").await;
        let run = get(emu.addr(), &format!("/v2/runs/{id}")).await.json();
        assert_eq!(run["status"], status, "{process}");
        if status != "Succeeded" {
            assert_eq!(run["outputs"], Value::Null, "{process}: only success has outputs");
        }
    }
}

#[tokio::test]
async fn outputs_echo_the_inputs_after_the_name_and_count() {
    let emu = emulator(Schedule::Instant);
    let mut body = start_body(HELLO_WORLD, "with inputs");
    body["inputs"] = json!([
        {"name": "month", "value": "2026-03"},
        {"name": "pages", "value": 12},
        {"name": "options", "value": {"ocr": true}},
    ]);
    let id = post(emu.addr(), "/v2/runs", &body).await.json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let answer = get(emu.addr(), &format!("/v2/runs/{id}")).await;
    insta::assert_json_snapshot!("succeeded_outputs", answer.json()["outputs"]);
    // The same through the SDK's model.
    let run: runs_core::Run = serde_json::from_slice(&answer.body).unwrap();
    assert_eq!(
        run.output("run_name").map(|v| v.as_str()),
        Some(r#""with inputs""#)
    );
    assert_eq!(run.output("input_count").map(|v| v.as_str()), Some("3"));
    assert_eq!(run.output("pages").map(|v| v.as_str()), Some("12"));
    assert!(run.status.is_success());
}

#[tokio::test]
async fn inputs_with_long_numbers_are_echoed_digit_for_digit() {
    let emu = emulator(Schedule::Instant);
    let body = format!(
        r#"{{"agent_id":"{}","process_id":"{HELLO_WORLD}","name":"exact","stage":"Published","inputs":[{{"name":"x","value":[123456789012345678901234567890,-98765432109876543210987654321,3.14159265358979323846264338327950288]}}]}}"#,
        runs_emulator::DEMO_AGENT
    );
    let created = Conn::open(emu.addr())
        .await
        .send(http::Method::POST, "/v2/runs", Some(KEY), Some(body.as_bytes()))
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let id = created.json()["id"].as_str().unwrap().to_string();
    let answer = get(emu.addr(), &format!("/v2/runs/{id}")).await;
    let text = String::from_utf8(answer.body.to_vec()).unwrap();
    assert!(
        text.contains(r#"{"name":"x","value":[123456789012345678901234567890,-98765432109876543210987654321,3.14159265358979323846264338327950288]}"#),
        "{text}"
    );
    let run: runs_core::Run = serde_json::from_str(&text).unwrap();
    assert_eq!(
        run.output_as::<Vec<i128>>("x").ok(),
        None,
        "the decimal is not an integer"
    );
    assert_eq!(
        run.output("x").unwrap().as_str(),
        "[123456789012345678901234567890,-98765432109876543210987654321,3.14159265358979323846264338327950288]"
    );
}

#[tokio::test]
async fn a_custom_process_can_end_in_an_unknown_status() {
    let emu = Emulator::builder()
        .api_key(KEY)
        .without_seeded_processes()
        .process("my-agent", "stuck", RunStatus::from("Paused"))
        .schedule(Schedule::Instant)
        .start()
        .unwrap();
    let body = json!({"agent_id": "my-agent", "process_id": "stuck", "name": "n", "stage": "Draft"});
    let id = post(emu.addr(), "/v2/runs", &body).await.json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let run = get(emu.addr(), &format!("/v2/runs/{id}")).await.json();
    assert_eq!(run["status"], "Paused");
    let seeded = post(emu.addr(), "/v2/runs", &start_body(HELLO_WORLD, "gone")).await;
    assert_eq!(seeded.status, 404, "the seeded set was dropped");
}

#[test]
fn invalid_seeded_ids_are_refused_at_start() {
    let err = Emulator::builder()
        .process("bad agent", "p", RunStatus::Succeeded)
        .start()
        .unwrap_err();
    assert!(matches!(err, runs_emulator::Error::InvalidId(_)), "{err}");
    let err = Emulator::builder().api_key("").start().unwrap_err();
    assert!(matches!(err, runs_emulator::Error::EmptyApiKey), "{err}");
}

#[tokio::test]
async fn real_time_runs_wait_a_step_in_each_status() {
    // A step far longer than the test: the run must still be Created however often it is read.
    let slow = emulator(Schedule::real_time(Duration::from_secs(3600)));
    let id = start_run(slow.addr(), HELLO_WORLD, "slow").await;
    let mut conn = Conn::open(slow.addr()).await;
    for _ in 0..5 {
        let run = conn.get(&format!("/v2/runs/{id}")).await.json();
        assert_eq!(run["status"], "Created");
    }
    // A tiny step: the run reaches Succeeded, seen through the statuses in order.
    let fast = emulator(Schedule::real_time(Duration::from_millis(1)));
    let id = start_run(fast.addr(), HELLO_WORLD, "fast").await;
    let mut conn = Conn::open(fast.addr()).await;
    let order = ["Created", "Pending", "Running", "Succeeded"];
    let mut last = 0;
    for _ in 0..100_000 {
        let run = conn.get(&format!("/v2/runs/{id}")).await.json();
        let status = run["status"].as_str().unwrap().to_string();
        let at = order.iter().position(|s| *s == status).unwrap();
        assert!(at >= last, "went back from {} to {status}", order[last]);
        last = at;
        if status == "Succeeded" {
            return;
        }
    }
    panic!("the run never finished");
}

#[test]
fn the_emulator_peeks_at_runs_without_advancing_them() {
    let emu = emulator(Schedule::PerPoll);
    let addr = emu.addr();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let id = rt.block_on(start_run(addr, HELLO_WORLD, "peek"));
    let id: runs_core::RunId = id.parse().unwrap();
    assert_eq!(emu.run(&id).unwrap().status, RunStatus::Created);
    assert_eq!(emu.run(&id).unwrap().status, RunStatus::Created);
    assert!(emu.run(&"unknown".parse().unwrap()).is_none());
}
