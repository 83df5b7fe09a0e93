//! Every operation, over HTTP and HTTPS.

use std::time::Duration;

use runs_blocking::{Client, Error, ListRuns, RunStatus};
use runs_emulator::{ALWAYS_FAILS, DEMO_AGENT, Emulator, HELLO_WORLD, Route, Schedule};

use super::{KEY, assert_keyless, builder, client, emulator, hello, start_request};
use runs_blocking::WaitOptions;

fn query() -> ListRuns {
    ListRuns::new(DEMO_AGENT.parse().unwrap(), HELLO_WORLD.parse().unwrap())
}

/// Starts `n` runs named `run 1` to `run n`.
fn start_runs(client: &Client, n: usize) {
    for i in 1..=n {
        client.start_run(&hello(&format!("run {i}"))).unwrap();
    }
}

#[test]
fn start_then_get_returns_the_same_run_over_http_and_https() {
    for tls in [false, true] {
        let emu = emulator(tls);
        let client = client(&emu);
        let started = client.start_run(&hello("first")).unwrap();
        assert_eq!(started.status, RunStatus::Created);
        assert_eq!(started.name, "first");
        let fetched = client.get_run(&started.id).unwrap();
        assert_eq!(fetched.id, started.id);
        assert_eq!(fetched.status, RunStatus::Pending, "tls: {tls}");
        assert_eq!(emu.counters().runs_created, 1);
    }
}

#[test]
fn wait_polls_until_the_run_is_terminal_over_http_and_https() {
    for tls in [false, true] {
        let emu = emulator(tls);
        let client = client(&emu);
        let started = client.start_run(&hello("waited")).unwrap();
        let done = client.wait_for_run(&started.id, WaitOptions::default()).unwrap();
        assert_eq!(done.status, RunStatus::Succeeded, "tls: {tls}");
        assert!(!done.outputs().is_empty());
        // Pending, Running, Succeeded: one get each.
        assert_eq!(emu.counters().get_run, 3);
    }
}

#[test]
fn start_and_wait_returns_a_failed_run_as_a_run() {
    for tls in [false, true] {
        let emu = emulator(tls);
        let client = client(&emu);
        let run = client
            .start_and_wait(&start_request(ALWAYS_FAILS, "doomed"), WaitOptions::default())
            .unwrap();
        assert_eq!(run.status, RunStatus::Failed, "tls: {tls}");
        assert!(!run.status.is_success());
        assert_eq!(emu.counters().start_run, 1);
    }
}

#[test]
fn a_wait_past_its_timeout_says_how_far_the_run_got() {
    let emu = Emulator::builder()
        .api_key(KEY)
        .schedule(Schedule::real_time(Duration::from_secs(3600)))
        .start()
        .unwrap();
    let client = client(&emu);
    let run = client.start_run(&hello("slow")).unwrap();
    let policy = client
        .config()
        .wait_policy()
        .clone()
        // Long enough for the first poll to finish even on a loaded machine.
        .with_timeout(Duration::from_millis(300));
    match client.wait_for_run(&run.id, WaitOptions::new().policy(policy)) {
        Err(Error::WaitTimedOut {
            run_id, last_status, ..
        }) => {
            assert_eq!(run_id, run.id);
            assert_eq!(last_status, Some(RunStatus::Created));
        }
        other => panic!("expected WaitTimedOut, got {other:?}"),
    }
}

#[test]
fn list_runs_returns_one_page_and_its_token_over_http_and_https() {
    for tls in [false, true] {
        let emu = emulator(tls);
        let client = client(&emu);
        start_runs(&client, 3);
        let first = client.list_runs(&query().with_limit(2).unwrap()).unwrap();
        assert_eq!(first.items().len(), 2, "tls: {tls}");
        let token = first.continuation_token.clone().unwrap();
        let rest = client
            .list_runs(&query().with_limit(2).unwrap().with_continuation_token(token))
            .unwrap();
        assert_eq!(rest.items().len(), 1);
        assert_eq!(rest.continuation_token, None);
        assert_eq!(emu.counters().list_runs, 2);
    }
}

#[test]
fn the_iterator_walks_every_page_and_fetches_each_only_when_needed() {
    for tls in [false, true] {
        let emu = emulator(tls);
        let client = client(&emu);
        start_runs(&client, 25);
        let mut runs = client.runs(&query().with_limit(10).unwrap());
        assert_eq!(
            emu.counters().list_runs,
            0,
            "nothing is fetched before the first next()"
        );
        runs.next().unwrap().unwrap();
        assert_eq!(emu.counters().list_runs, 1);
        let rest: Vec<_> = runs.by_ref().collect::<Result<_, _>>().unwrap();
        assert_eq!(rest.len(), 24, "tls: {tls}");
        assert_eq!(emu.counters().list_runs, 3);
        assert_eq!(runs.handed_out(), 25);
        assert!(runs.next().is_none());
        assert_eq!(runs.continuation_token(), None);
    }
}

#[test]
fn max_items_stops_the_listing_and_asks_the_last_page_only_for_what_is_left() {
    let emu = emulator(false);
    let client = client(&emu);
    start_runs(&client, 25);
    let runs: Vec<_> = client
        .runs(&query().with_limit(10).unwrap())
        .max_items(15)
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(runs.len(), 15);
    assert_eq!(emu.counters().list_runs, 2);
}

#[test]
fn a_listing_resumes_from_its_token_at_a_page_boundary() {
    let emu = emulator(false);
    let client = client(&emu);
    start_runs(&client, 25);
    let mut first = client.runs(&query().with_limit(10).unwrap());
    let seen: Vec<_> = first.by_ref().take(10).map(Result::unwrap).collect();
    let token = first.continuation_token().unwrap().to_string();
    drop(first);

    let resumed = query().with_limit(10).unwrap().with_continuation_token(token);
    let rest: Vec<_> = client.runs(&resumed).collect::<Result<_, _>>().unwrap();
    assert_eq!(rest.len(), 15);
    let mut ids: Vec<_> = seen.iter().chain(&rest).map(|r| r.id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 25, "no run is listed twice or skipped");
}

#[test]
fn one_client_is_shared_across_threads() {
    let emu = emulator(false);
    let client = client(&emu);
    let run = client.start_run(&hello("shared")).unwrap();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let client = client.clone();
            let id = run.id.clone();
            std::thread::spawn(move || client.get_run(&id).unwrap())
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap().id, run.id);
    }
    assert_eq!(emu.counters().requests(Route::GetRun), 4);
}

#[test]
fn the_client_works_inside_a_tokio_task() {
    let emu = emulator(false);
    let client = client(&emu);
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let run = runtime.block_on(async move {
        // Called straight from async code, it blocks this task's thread but needs nothing
        // from the runtime.
        let started = client.start_run(&hello("in a task")).unwrap();
        let waited =
            tokio::task::spawn_blocking(move || client.wait_for_run(&started.id, WaitOptions::default()))
                .await
                .unwrap();
        waited.unwrap()
    });
    assert_eq!(run.status, RunStatus::Succeeded);
}

#[test]
fn a_bad_key_is_an_api_error_that_does_not_show_the_key() {
    let emu = emulator(false);
    let client = builder(&emu).api_key("sk-wrong-key").build().unwrap();
    let error = client.get_run(&"missing".parse().unwrap()).unwrap_err();
    assert!(matches!(error.status(), Some(401 | 403)), "{error}");
    assert!(!error.to_string().contains("sk-wrong-key"));
    assert_keyless(&error);
}

#[test]
fn an_observed_wait_reports_each_status_before_the_end() {
    let emu = emulator(false);
    let client = client(&emu);
    let run = client.start_run(&hello("watched")).unwrap();
    let mut seen = Vec::new();
    let policy = client.config().wait_policy().clone();
    let done = client
        .wait_for_run(
            &run.id,
            WaitOptions::new()
                .policy(policy)
                .on_status(|s| seen.push(s.clone())),
        )
        .unwrap();
    assert_eq!(done.status, RunStatus::Succeeded);
    assert_eq!(seen, [RunStatus::Pending, RunStatus::Running]);
}
