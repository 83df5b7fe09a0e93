//! Dropping a future stops its operation: nothing keeps polling or re-sends a `POST` later.
//!
//! No test sleeps to give a leaked task time to show itself. Each drives the operation until the
//! emulator's counters show it mid-way, drops it, then makes a known sequence of further
//! requests through the same client (which also proves the client and its pool still work). A
//! task left polling every millisecond would have added requests meanwhile; at most the one
//! request already handed to a connection when the future was dropped may still arrive.

use std::future::Future;
use std::pin::pin;

use futures_util::StreamExt;
use runs_async::{Client, ListRuns, ProcessStage, RunStatus, StartRun};
use runs_emulator::{DEMO_AGENT, Emulator, Fault, HELLO_WORLD, Route, Schedule};
use tokio::task::yield_now;

use super::{SECRET, hello_run, runtime, settings};
use runs_async::WaitOptions;

/// Polls `operation` until `reached` holds (checked between polls, never by sleeping), then
/// drops it; fails if the operation ends first.
async fn drop_midway<F: Future>(operation: F, reached: impl Fn() -> bool)
where
    F::Output: std::fmt::Debug,
{
    let mut operation = pin!(operation);
    let watch = async {
        while !reached() {
            yield_now().await;
        }
    };
    tokio::select! {
        biased;
        () = watch => {}
        out = &mut operation => panic!("the operation ended before it could be dropped: {out:?}"),
    }
}

/// A known sequence of requests on another route, through the same client.
async fn more_traffic(client: &Client, emu: &Emulator) {
    let before = emu.counters().list_runs;
    let query = ListRuns::new(DEMO_AGENT.parse().unwrap(), ENDLESS.parse().unwrap());
    for _ in 0..20 {
        client.list_runs(&query).await.unwrap();
    }
    assert_eq!(emu.counters().list_runs, before + 20);
}

/// A process whose runs never reach a terminal status.
const ENDLESS: &str = "never-ends";

/// An emulator with the [`ENDLESS`] process.
fn endless() -> Emulator {
    let builder = Emulator::builder().api_key(SECRET).schedule(Schedule::PerPoll);
    let builder = builder.process(DEMO_AGENT, ENDLESS, RunStatus::from("Paused"));
    builder.start().unwrap()
}

#[test]
fn a_dropped_wait_stops_polling() {
    for multi in [false, true] {
        let emu = endless();
        let client = settings(&emu).build().unwrap();
        runtime(multi).block_on(async {
            let start = StartRun::builder().agent_id(DEMO_AGENT).process_id(ENDLESS);
            let start = start.name("endless").stage(ProcessStage::Draft).build().unwrap();
            let run = client.start_run(&start).await.unwrap();

            drop_midway(client.wait_for_run(&run.id, WaitOptions::default()), || {
                emu.counters().get_run >= 10
            })
            .await;
            let at_drop = emu.counters().get_run;

            more_traffic(&client, &emu).await;
            let later = emu.counters().get_run;
            assert!(
                later <= at_drop + 1,
                "polled on after the drop: {at_drop} then {later}"
            );

            // The counter is live: one more get shows up as exactly one.
            client.get_run(&run.id).await.unwrap();
            assert_eq!(emu.counters().get_run, later + 1);
        });
    }
}

#[test]
fn a_listing_fetches_a_page_only_when_polled_past_the_last_one() {
    let emu = endless();
    let client = settings(&emu).build().unwrap();
    runtime(true).block_on(async {
        for _ in 0..5 {
            client.start_run(&hello_run()).await.unwrap();
        }
        let query = ListRuns::new(DEMO_AGENT.parse().unwrap(), HELLO_WORLD.parse().unwrap());
        let mut runs = client.runs(&query.with_limit(2).unwrap());
        assert_eq!(emu.counters().list_runs, 0, "made, not polled");
        runs.next().await.unwrap().unwrap();
        runs.next().await.unwrap().unwrap();
        assert_eq!(emu.counters().list_runs, 1, "two runs from the first page");
        runs.next().await.unwrap().unwrap();
        assert_eq!(emu.counters().list_runs, 2);
        assert!(runs.continuation_token().is_some());
        drop(runs);
        more_traffic(&client, &emu).await;
        assert_eq!(
            emu.counters().list_runs,
            22,
            "the two pages polled for, and the 20 others"
        );
    });
}

#[test]
fn a_listing_whose_fetch_was_dropped_still_says_where_it_stands() {
    let emu = endless();
    let client = settings(&emu).build().unwrap();
    runtime(true).block_on(async {
        for _ in 0..3 {
            client.start_run(&hello_run()).await.unwrap();
        }
        let query = ListRuns::new(DEMO_AGENT.parse().unwrap(), HELLO_WORLD.parse().unwrap());
        let mut runs = client.runs(&query.with_limit(2).unwrap());
        runs.next().await.unwrap().unwrap();
        runs.next().await.unwrap().unwrap();
        let token = runs.continuation_token().map(String::from);
        assert!(token.is_some(), "a second page is due");
        emu.inject(Route::ListRuns, Fault::hang());
        drop_midway(runs.next(), || emu.counters().list_runs >= 2).await;
        // The fetch took the listing with it; what it reports is as it was before.
        assert_eq!(runs.handed_out(), 2);
        assert_eq!(runs.continuation_token().map(String::from), token);
    });
    super::drop_all(vec![emu]);
}

#[test]
fn a_dropped_start_is_never_sent_again() {
    let emu = endless();
    let client = settings(&emu).build().unwrap();
    emu.inject(Route::StartRun, Fault::hang());
    runtime(true).block_on(async {
        drop_midway(client.start_run(&hello_run()), || emu.counters().start_run >= 1).await;
        more_traffic(&client, &emu).await;
        // The next start is the second POST the emulator ever sees.
        client.start_run(&hello_run()).await.unwrap();
        let counters = emu.counters();
        assert_eq!((counters.start_run, counters.runs_created), (2, 1));
    });
    super::drop_all(vec![emu]);
}
