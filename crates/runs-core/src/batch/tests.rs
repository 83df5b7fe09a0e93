//! The batch machine driven by scripted answers and by a simulated service that loses answers
//! and crashes the client at random: no sockets, no clock.

use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;
use core::time::Duration;

use proptest::prelude::*;

use super::*;
use crate::api_error::ApiError;
use crate::error::{TransportError, TransportErrorKind};
use crate::page::Page;
use crate::status::ProcessStage;
use crate::timestamp::Timestamp;

const WALL: Duration = Duration::from_secs(1_800_000_000);

fn row(key: &str) -> BatchRow {
    let start = StartRun::builder()
        .agent_id("agent-1")
        .process_id("invoices")
        .name(alloc::format!("batch-{key}"))
        .stage(ProcessStage::Published)
        .build()
        .unwrap();
    BatchRow::new(key, start)
}

fn rows(n: usize) -> Vec<BatchRow> {
    (1..=n).map(|i| row(&i.to_string())).collect()
}

fn run(id: &str, name: &str, status: RunStatus, created: i64) -> Run {
    let mut run = Run::new(
        id.parse().unwrap(),
        name,
        "agent-1".parse().unwrap(),
        "invoices".parse().unwrap(),
        ProcessStage::Published,
        status,
        Timestamp::from_unix(created, 0).unwrap(),
    );
    if run.status == RunStatus::Succeeded {
        run.outputs = Some(vec![NameValue::new("total", 42)]);
    }
    run
}

fn lost() -> Error {
    Error::Transport(TransportError::new(
        TransportErrorKind::Io,
        Delivery::MaybeSent,
        "POST /runs",
    ))
}

fn api(status: u16, message: &str) -> Error {
    Error::Api(ApiError::new(status, message))
}

fn page(items: Vec<Run>, token: Option<&str>) -> RunPage {
    Page {
        items: Some(items),
        continuation_token: token.map(String::from),
    }
}

/// Polls until an action other than a record, collecting the records.
fn next(batch: &mut Batch, now: Duration, records: &mut Vec<Record>) -> Action {
    loop {
        match batch.poll(now, WALL + now) {
            Action::Record(r) => records.push(r),
            other => return other,
        }
    }
}

#[test]
fn an_answered_start_is_recorded_and_one_run_is_polled_with_a_get() {
    let mut batch = Batch::new(rows(1), BatchOptions::default());
    let mut records = Vec::new();
    let Action::Start { row, intent, start } = next(&mut batch, Duration::ZERO, &mut records) else {
        panic!("expected a start")
    };
    let t = Duration::from_millis(1);
    assert!(matches!(intent, Record::Intent { attempt: 1, ref name, .. } if name == "batch-1"));
    let created = run("r1", start.name().as_str(), RunStatus::Created, 1);
    batch.handle_start(row, Duration::ZERO, Ok(created));
    // Polled a poll interval after it started.
    assert!(matches!(next(&mut batch, t, &mut records), Action::Sleep(d) if d == Duration::from_secs(2) - t));
    let t = Duration::from_secs(2);
    let Action::PollRun { row, run_id } = next(&mut batch, t, &mut records) else {
        panic!("one active run is polled with a GET")
    };
    assert_eq!(run_id.as_str(), "r1");
    batch.handle_poll_run(row, t, Ok(run("r1", "batch-1", RunStatus::Succeeded, 1)));
    assert!(matches!(next(&mut batch, t, &mut records), Action::Done));
    assert!(matches!(records[0], Record::Started { .. }));
    assert!(matches!(
        records[1],
        Record::Finished {
            status: RunStatus::Succeeded,
            ..
        }
    ));
    let (_, outcome) = batch.outcomes().next().unwrap();
    assert!(matches!(outcome, Outcome::Finished { outputs, .. } if outputs.len() == 1));
}

#[test]
fn a_start_in_doubt_is_searched_for_after_a_pause_and_found_rather_than_sent_again() {
    let mut batch = Batch::new(rows(1), BatchOptions::default().with_wait(false));
    let mut records = Vec::new();
    let Action::Start { row, .. } = next(&mut batch, Duration::ZERO, &mut records) else {
        panic!()
    };
    batch.handle_start(row, Duration::ZERO, Err(lost()));
    let t = Duration::from_millis(1);
    assert!(matches!(next(&mut batch, t, &mut records), Action::Sleep(d) if d == SEARCH_DELAY - t));
    let Action::Search { row, query } = next(&mut batch, SEARCH_DELAY, &mut records) else {
        panic!("expected a search")
    };
    assert_eq!(query.limit(), Some(100));
    let now = WALL.as_secs() as i64;
    let older_namesake = run("old", "batch-1", RunStatus::Succeeded, now - 3600);
    let ours = run("r1", "batch-1", RunStatus::Running, now);
    batch.handle_search(row, SEARCH_DELAY, Ok(page(vec![ours, older_namesake], Some("t"))));
    assert!(matches!(
        next(&mut batch, SEARCH_DELAY, &mut records),
        Action::Done
    ));
    assert!(matches!(&records[..], [Record::Started { run_id, .. }] if run_id.as_str() == "r1"));
}

#[test]
fn a_search_that_proves_absence_lets_the_row_start_once_more_under_the_same_name() {
    let mut batch = Batch::new(rows(1), BatchOptions::default().with_wait(false));
    let mut records = Vec::new();
    let Action::Start { row, .. } = next(&mut batch, Duration::ZERO, &mut records) else {
        panic!()
    };
    batch.handle_start(row, Duration::ZERO, Err(api(503, "unavailable")));
    let Action::Search { row, .. } = next(&mut batch, SEARCH_DELAY, &mut records) else {
        panic!("a 5xx is in doubt")
    };
    let now = WALL.as_secs() as i64;
    // Newest first and past the intent (less the skew): no run of this attempt can be older.
    let older = run("old", "batch-1", RunStatus::Succeeded, now - 3600);
    batch.handle_search(row, SEARCH_DELAY, Ok(page(vec![older], Some("more"))));
    let t = SEARCH_DELAY + Duration::from_millis(1);
    let Action::Start { start, .. } = next(&mut batch, t, &mut records) else {
        panic!("absence proven: the row may be sent again")
    };
    assert_eq!(start.name().as_str(), "batch-1");
    assert!(matches!(records.last(), Some(Record::NotCreated { .. })));
}

#[test]
fn pages_out_of_order_prove_nothing_and_the_bound_leaves_the_row_unknown() {
    let mut batch = Batch::new(rows(1), BatchOptions::default().with_wait(false));
    let mut records = Vec::new();
    let Action::Start { row, .. } = next(&mut batch, Duration::ZERO, &mut records) else {
        panic!()
    };
    batch.handle_start(row, Duration::ZERO, Err(lost()));
    let now = WALL.as_secs() as i64;
    let mut t = SEARCH_DELAY;
    for n in 0..MAX_SEARCH_PAGES {
        let Action::Search { row, .. } = next(&mut batch, t, &mut records) else {
            panic!("page {n}: expected a search")
        };
        // Oldest first: the order the search relies on is not there.
        let items = vec![
            run("a", "other", RunStatus::Succeeded, now - 7200),
            run("b", "other", RunStatus::Succeeded, now - 3600),
        ];
        batch.handle_search(row, t, Ok(page(items, Some("next"))));
        t += Duration::from_millis(100);
    }
    assert!(matches!(next(&mut batch, t, &mut records), Action::Done));
    assert!(matches!(batch.outcomes().next(), Some((_, Outcome::Unknown(_)))));
    assert!(
        records.is_empty(),
        "an unknown row keeps its intent, so a resume searches again"
    );
}

#[test]
fn back_pressure_waits_then_tries_again_and_a_403_for_a_key_is_final() {
    let mut batch = Batch::new(rows(2), BatchOptions::default().with_wait(false));
    let mut records = Vec::new();
    let Action::Start { row: first, .. } = next(&mut batch, Duration::ZERO, &mut records) else {
        panic!()
    };
    let Action::Start { row: second, .. } = next(&mut batch, Duration::from_millis(1), &mut records) else {
        panic!()
    };
    let t = Duration::from_millis(2);
    batch.handle_start(first, t, Err(api(403, "Resource Not Available: at capacity")));
    batch.handle_start(second, t, Err(api(403, "Forbidden: this key may not start runs")));
    let Action::Sleep(wait) = next(&mut batch, t, &mut records) else {
        panic!("back-pressure waits")
    };
    assert!(wait >= Duration::from_secs(1), "{wait:?}");
    let Action::Start { row, .. } = next(&mut batch, t + wait, &mut records) else {
        panic!("then tries again")
    };
    assert_eq!(row, first);
    assert!(matches!(records[0], Record::NotCreated { .. }));
    assert!(matches!(records[1], Record::Refused { .. }));
}

#[test]
fn in_flight_starts_never_exceed_the_active_cap_nor_the_concurrency() {
    let options = BatchOptions::default().with_max_active(3).with_concurrency(8);
    let mut batch = Batch::new(rows(10), options);
    let mut records = Vec::new();
    let mut starts = 0;
    let mut t = Duration::ZERO;
    loop {
        match next(&mut batch, t, &mut records) {
            Action::Start { .. } => starts += 1,
            Action::Sleep(d) => t += d,
            Action::Await => break,
            other => panic!("{other:?}"),
        }
        assert!(t < Duration::from_secs(10));
    }
    assert_eq!(starts, 3);
    let options = BatchOptions::default().with_max_active(50).with_concurrency(2);
    let mut batch = Batch::new(rows(10), options);
    let mut t = Duration::ZERO;
    let mut starts = 0;
    loop {
        match next(&mut batch, t, &mut records) {
            Action::Start { .. } => starts += 1,
            Action::Sleep(d) => t += d,
            _ => break,
        }
    }
    assert_eq!(starts, 2);
}

#[test]
fn starts_refused_together_make_one_pause_and_a_refusal_after_it_a_longer_one() {
    let mut batch = Batch::new(rows(4), BatchOptions::default().with_wait(false));
    let mut records = Vec::new();
    let starts: Vec<RowIndex> = (0..4)
        .map(|_| match next(&mut batch, Duration::ZERO, &mut records) {
            Action::Start { row, .. } => row,
            other => panic!("{other:?}"),
        })
        .collect();
    let at_capacity = || Err(api(403, "Resource Not Available: at capacity"));
    for (i, row) in starts.iter().enumerate() {
        batch.handle_start(*row, Duration::from_millis(i as u64), at_capacity());
    }
    let Action::Sleep(first) = next(&mut batch, Duration::from_millis(3), &mut records) else {
        panic!()
    };
    assert_eq!(
        first,
        Duration::from_millis(997),
        "one pause of 1 s, from the first refusal"
    );
    let t = Duration::from_secs(1);
    let Action::Start { row, .. } = next(&mut batch, t, &mut records) else {
        panic!()
    };
    batch.handle_start(row, t, at_capacity());
    let Action::Sleep(second) = next(&mut batch, t, &mut records) else {
        panic!()
    };
    assert_eq!(
        second,
        Duration::from_secs(2),
        "refused again after the pause: twice as long"
    );
}

#[test]
fn back_pressure_holds_the_starts_but_not_the_polls() {
    let options = BatchOptions::default().with_poll_interval(Duration::from_millis(100));
    let mut batch = Batch::new(rows(3), options.clone());
    let mut records = Vec::new();
    let Action::Start { row: first, .. } = next(&mut batch, Duration::ZERO, &mut records) else {
        panic!()
    };
    let Action::Start { row: second, .. } = next(&mut batch, Duration::ZERO, &mut records) else {
        panic!()
    };
    let Action::Start { row: third, .. } = next(&mut batch, Duration::ZERO, &mut records) else {
        panic!()
    };
    batch.handle_start(
        first,
        Duration::ZERO,
        Ok(run("r1", "batch-1", RunStatus::Running, 0)),
    );
    batch.handle_start(
        second,
        Duration::ZERO,
        Ok(run("r2", "batch-2", RunStatus::Running, 0)),
    );
    let t = Duration::from_millis(10);
    batch.handle_start(third, t, Err(api(429, "Too Many Requests")));
    // The two active runs are still polled (with a page: more than one is active) while no
    // start may leave.
    let poll_at = t + options.poll_interval();
    let mut now = t;
    let action = loop {
        match next(&mut batch, now, &mut records) {
            Action::Sleep(d) => now += d,
            other => break other,
        }
    };
    assert!(matches!(action, Action::PollPage { .. }), "{action:?}");
    assert!(now <= poll_at, "polled at {now:?}");
    assert!(now < t + Duration::from_secs(1), "before the back-pressure ends");
    let running = || {
        page(
            vec![
                run("r1", "batch-1", RunStatus::Running, 0),
                run("r2", "batch-2", RunStatus::Running, 0),
            ],
            None,
        )
    };
    batch.handle_poll_page(now, Ok(running()));
    let action = loop {
        match next(&mut batch, now, &mut records) {
            Action::Sleep(d) => now += d,
            Action::PollPage { .. } => batch.handle_poll_page(now, Ok(running())),
            other => break other,
        }
    };
    assert!(
        matches!(action, Action::Start { row, .. } if row == third),
        "{action:?}"
    );
    assert!(now >= t + Duration::from_secs(1), "started again at {now:?}");
}

#[test]
fn many_active_runs_are_polled_with_pages_and_the_unseen_with_gets() {
    let mut batch = Batch::new(rows(3), BatchOptions::default());
    let mut records = Vec::new();
    let mut t = Duration::ZERO;
    for id in ["r1", "r2", "r3"] {
        let Action::Start { row, start, .. } = next(&mut batch, t, &mut records) else {
            panic!()
        };
        batch.handle_start(row, t, Ok(run(id, start.name().as_str(), RunStatus::Created, 1)));
        t += Duration::from_millis(1);
    }
    t = Duration::from_secs(2);
    let Action::PollPage { query } = next(&mut batch, t, &mut records) else {
        panic!("three active runs: one page, not three gets")
    };
    assert_eq!(query.continuation_token(), None);
    // The page shows two of them finished; the third is not on it.
    let items = vec![
        run("r3", "batch-3", RunStatus::Failed, 1),
        run("r1", "batch-1", RunStatus::Succeeded, 1),
    ];
    batch.handle_poll_page(t, Ok(page(items, None)));
    t += Duration::from_millis(1);
    let Action::PollRun { row, run_id } = next(&mut batch, t, &mut records) else {
        panic!("the unseen run is asked for alone")
    };
    assert_eq!(run_id.as_str(), "r2");
    batch.handle_poll_run(row, t, Ok(run("r2", "batch-2", RunStatus::TimedOut, 1)));
    assert!(matches!(next(&mut batch, t, &mut records), Action::Done));
    let finished = records
        .iter()
        .filter(|r| matches!(r, Record::Finished { .. }))
        .count();
    assert_eq!(finished, 3);
}

#[test]
fn a_resumed_batch_searches_for_intents_waits_for_runs_and_retries_failures_under_a_new_name() {
    let records = vec![
        Record::Intent {
            row: "1".into(),
            name: "batch-1".into(),
            attempt: 1,
            at: WALL.as_secs() as i64,
        },
        Record::Started {
            row: "2".into(),
            run_id: "r2".parse().unwrap(),
        },
        Record::Started {
            row: "3".into(),
            run_id: "r3".parse().unwrap(),
        },
        Record::Finished {
            row: "3".into(),
            run_id: "r3".parse().unwrap(),
            status: RunStatus::Failed,
            outputs: None,
        },
    ];
    let options = BatchOptions::default().with_retry_failed(true);
    let mut batch = Batch::resume(rows(3), options, &records).unwrap();
    let mut seen = Vec::new();
    let mut t = Duration::ZERO;
    while seen.len() < 3 {
        match next(&mut batch, t, &mut Vec::new()) {
            Action::Search { row, .. } => seen.push(alloc::format!("search {row} after {}s", t.as_secs())),
            Action::PollRun { row, .. } => seen.push(alloc::format!("poll {row}")),
            Action::Start { row, start, .. } => {
                seen.push(alloc::format!("start {row} {}", start.name().as_str()))
            }
            Action::Sleep(d) => t += d,
            other => panic!("{other:?}"),
        }
        t += Duration::from_millis(1);
        assert!(t < Duration::from_secs(10), "{seen:?}");
    }
    // The row in doubt is searched for only after the delay a killed POST may still need.
    assert_eq!(seen, ["poll 1", "start 2 batch-3 #2", "search 0 after 2s"]);

    let foreign = vec![Record::NotCreated { row: "9".into() }];
    assert!(Batch::resume(rows(3), BatchOptions::default(), &foreign).is_err());
}

#[test]
fn journal_records_round_trip_as_lines() {
    let records = vec![
        Record::Batch {
            version: JOURNAL_VERSION,
            input: fingerprint(b"key,month\n1,2026-03\n"),
            agent_id: "agent-1".parse().unwrap(),
            process_id: "invoices".parse().unwrap(),
            stage: ProcessStage::Draft,
        },
        Record::Finished {
            row: "1".into(),
            run_id: "r1".parse().unwrap(),
            status: RunStatus::from("Paused"),
            outputs: Some(vec![NameValue::new("n", 1.5)]),
        },
    ];
    for record in records {
        assert_eq!(Record::from_line(&record.to_line()).unwrap(), record);
    }
    assert!(Record::from_line("{\"nonsense\":1}").is_err());
    assert_ne!(fingerprint(b"a"), fingerprint(b"b"));
}

fn header(stage: ProcessStage) -> Record {
    Record::Batch {
        version: JOURNAL_VERSION,
        input: fingerprint(b"key\n1\n"),
        agent_id: "agent-1".parse().unwrap(),
        process_id: "invoices".parse().unwrap(),
        stage,
    }
}

#[test]
fn a_journal_is_read_up_to_a_last_line_cut_short_and_refused_for_another_batch() {
    let head = header(ProcessStage::Published);
    let intent = Record::Intent {
        row: "1".into(),
        name: "batch-1".into(),
        attempt: 1,
        at: 7,
    };
    let whole = alloc::format!("{}\n{}\n", head.to_line(), intent.to_line());
    assert_eq!(
        read_journal("j", whole.as_bytes(), &head).unwrap(),
        (vec![intent.clone()], whole.len())
    );
    // A crash while the last line was written: cut, or whole but for its line break.
    let tails: [&[u8]; 3] = [
        b"{\"started\":{\"ro",
        b"{\"not_created\":{\"row\":\"1\"}}",
        b"{\"intent\xe2\n",
    ];
    for tail in tails {
        let journal = [whole.as_bytes(), tail].concat();
        assert_eq!(
            read_journal("j", &journal, &head).unwrap(),
            (vec![intent.clone()], whole.len()),
            "{tail:?}"
        );
    }
    // Nothing whole: the header is to be written.
    assert_eq!(read_journal("j", b"", &head).unwrap(), (vec![], 0));
    assert_eq!(read_journal("j", b"{\"batch\":{", &head).unwrap(), (vec![], 0));
    // A bad line before the last is not a crash's doing.
    let middle = alloc::format!("{}\nnonsense\n{}\n", head.to_line(), intent.to_line());
    assert!(read_journal("j", middle.as_bytes(), &head).is_err());
    let other = read_journal("march.journal", whole.as_bytes(), &header(ProcessStage::Draft)).unwrap_err();
    assert!(
        other
            .to_string()
            .contains("march.journal belongs to another batch"),
        "{other}"
    );
}

#[test]
fn a_row_is_settled_when_it_ends_or_without_waiting_when_it_starts() {
    for wait in [true, false] {
        let options = BatchOptions::default().with_wait(wait);
        let mut batch = Batch::new(rows(1), options);
        let mut records = Vec::new();
        let Action::Start { row, .. } = next(&mut batch, Duration::ZERO, &mut records) else {
            panic!("expected a start")
        };
        assert_eq!(batch.settled(row), None);
        batch.handle_start(
            row,
            Duration::ZERO,
            Ok(run("r1", "batch-1", RunStatus::Created, 1)),
        );
        let started = batch.settled(row);
        assert_eq!(started.is_some(), !wait, "wait: {wait}");
        assert!(started.is_none_or(|o| matches!(o, Outcome::Started { ref name, .. } if name == "batch-1")));
        if wait {
            batch.handle_poll_run(
                row,
                Duration::ZERO,
                Ok(run("r1", "batch-1", RunStatus::Failed, 1)),
            );
            let ended = batch.settled(row);
            assert!(matches!(
                ended,
                Some(Outcome::Finished {
                    status: RunStatus::Failed,
                    ..
                })
            ));
        }
        assert_eq!(batch.settled(1), None);
    }
}

/// What the simulated service does with a start.
#[derive(Debug, Clone, Copy)]
enum Fate {
    Answered,
    /// Created, but the answer is lost.
    CreatedLost,
    /// Not created, and the failure is in doubt (a 503).
    NotCreatedInDoubt,
    /// The cap: a 403 "Resource Not Available".
    AtCapacity,
    /// Never sent.
    NotSent,
}

fn fate() -> impl Strategy<Value = Fate> {
    prop_oneof![
        4 => Just(Fate::Answered),
        2 => Just(Fate::CreatedLost),
        1 => Just(Fate::NotCreatedInDoubt),
        1 => Just(Fate::AtCapacity),
        1 => Just(Fate::NotSent),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Whatever the service loses and wherever the client crashes, every row starts exactly
    /// once (counted on the service's side) and ends with an outcome.
    #[test]
    fn every_row_starts_exactly_once_through_lost_answers_and_crashes(
        n in 1usize..12,
        fates in proptest::collection::vec(fate(), 64),
        crashes in proptest::collection::vec(0usize..200, 0..4),
        max_active in 1usize..6,
    ) {
        let options = BatchOptions::default().with_max_active(max_active).with_wait(true);
        // Every run the service created, by name: more than one under a name is a duplicate.
        let mut server: BTreeMap<String, Vec<Run>> = BTreeMap::new();
        let mut created_count = 0usize;
        let mut journal: Vec<Record> = Vec::new();
        let mut batch = Batch::new(rows(n), options.clone());
        let mut fates = fates.into_iter().cycle();
        let mut t = Duration::ZERO;
        let mut steps = 0usize;
        let mut in_flight: Vec<Action> = Vec::new();
        loop {
            steps += 1;
            prop_assert!(steps < 20_000, "the batch does not end");
            if crashes.contains(&steps) {
                // kill -9: what was in flight is lost, the journal survives.
                in_flight.clear();
                batch = Batch::resume(rows(n), options.clone(), &journal).unwrap();
            }
            let now_secs = (WALL + t).as_secs() as i64;
            match batch.poll(t, WALL + t) {
                Action::Record(r) => journal.push(r),
                Action::Start { row, intent, start } => {
                    journal.push(intent);
                    in_flight.push(Action::Start { row, intent: Record::NotCreated { row: String::new() }, start });
                }
                a @ (Action::Search { .. } | Action::PollPage { .. } | Action::PollRun { .. }) => in_flight.push(a),
                Action::Sleep(d) => t += d,
                Action::Await => {}
                Action::Done => break,
                Action::Stop(e) => prop_assert!(false, "stopped: {e}"),
            }
            // The service answers the oldest action in flight.
            if !in_flight.is_empty() {
                match in_flight.remove(0) {
                    Action::Start { row, start, .. } => {
                        let name = start.name().as_str().to_string();
                        created_count += 1;
                        let id: RunId = alloc::format!("r{created_count}").parse().unwrap();
                        let create = |server: &mut BTreeMap<String, Vec<Run>>| {
                            let created = run(id.as_str(), &name, RunStatus::Created, now_secs);
                            server.entry(name.clone()).or_default().push(created.clone());
                            created
                        };
                        let result = match fates.next().unwrap() {
                            Fate::Answered => Ok(create(&mut server)),
                            Fate::CreatedLost => { create(&mut server); Err(lost()) }
                            Fate::NotCreatedInDoubt => Err(api(503, "unavailable")),
                            Fate::AtCapacity => Err(api(403, "Resource Not Available")),
                            Fate::NotSent => Err(Error::Transport(TransportError::new(
                                TransportErrorKind::Connect, Delivery::NotSent, "POST /runs"))),
                        };
                        batch.handle_start(row, t, result);
                    }
                    Action::Search { row, .. } => {
                        let mut items: Vec<Run> = server.values().flatten().cloned().collect();
                        items.sort_by_key(|r| core::cmp::Reverse(r.created_at.unix_seconds()));
                        batch.handle_search(row, t, Ok(page(items, None)));
                    }
                    Action::PollPage { .. } => {
                        let items = server.values().flatten().map(|r| {
                            let mut r = r.clone();
                            r.status = RunStatus::Succeeded;
                            r
                        }).collect();
                        batch.handle_poll_page(t, Ok(page(items, None)));
                    }
                    Action::PollRun { row, run_id } => {
                        let found = server.values().flatten().find(|r| r.id == run_id).cloned().map(|mut r| {
                            r.status = RunStatus::Succeeded;
                            r
                        });
                        batch.handle_poll_run(row, t, found.ok_or_else(|| api(404, "no such run")));
                    }
                    _ => {}
                }
            }
        }
        // Counted on the service: one run per row, none twice (a name is a row).
        prop_assert_eq!(server.len(), n, "a row never started: {:?}", server.keys().collect::<Vec<_>>());
        for (name, runs) in &server {
            prop_assert_eq!(runs.len(), 1, "{} started {} times", name, runs.len());
        }
        let report = batch.report();
        prop_assert_eq!(report.len(), n);
        for (key, outcome) in report {
            let finished = matches!(outcome, Outcome::Finished { ref status, .. } if *status == RunStatus::Succeeded);
            prop_assert!(finished, "row {}: {:?}", key, outcome);
        }
    }
}

#[test]
fn a_watch_starts_nothing_settles_what_has_ended_and_polls_the_rest_with_one_page() {
    let runs = [
        run("r1", "one", RunStatus::Succeeded, 0),
        run("r2", "two", RunStatus::Running, 0),
        run("r3", "three", RunStatus::Created, 0),
    ];
    let mut batch = Batch::watch(&runs, BatchOptions::default().with_retry_failed(true));
    assert_eq!(batch.progress(), (0, 2, 1));
    assert_eq!(batch.status(1), Some(&RunStatus::Running));
    let mut records = Vec::new();
    let mut now = Duration::ZERO;
    let mut pages = 0;
    let action = loop {
        match next(&mut batch, now, &mut records) {
            Action::Sleep(d) => now += d,
            Action::PollPage { query } => {
                pages += 1;
                assert_eq!(query.process_id().as_str(), "invoices");
                batch.handle_poll_page(
                    now,
                    Ok(page(
                        vec![
                            run("r3", "three", RunStatus::Failed, 0),
                            run("r2", "two", RunStatus::Succeeded, 0),
                        ],
                        None,
                    )),
                );
            }
            other => break other,
        }
    };
    assert!(matches!(action, Action::Done), "{action:?}");
    assert_eq!(pages, 1);
    assert_eq!(batch.status(2), Some(&RunStatus::Failed));
    let ended: Vec<(&str, RunStatus)> = batch
        .outcomes()
        .map(|(key, outcome)| match outcome {
            Outcome::Finished { status, .. } => (key, status.clone()),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        ended,
        [
            ("r1", RunStatus::Succeeded),
            ("r2", RunStatus::Succeeded),
            ("r3", RunStatus::Failed)
        ]
    );
    assert!(
        records.iter().all(|r| matches!(r, Record::Finished { .. })),
        "nothing started: {records:?}"
    );
}

#[test]
fn a_batch_with_a_timeout_stops_there_naming_a_run_not_finished() {
    let runs = [run("r1", "one", RunStatus::Running, 0)];
    let options = BatchOptions::default().with_timeout(Duration::from_secs(5));
    let mut batch = Batch::watch(&runs, options);
    let mut records = Vec::new();
    let mut now = Duration::ZERO;
    let stopped = loop {
        match next(&mut batch, now, &mut records) {
            Action::Sleep(d) => now += d,
            Action::PollRun { row, .. } => {
                batch.handle_poll_run(row, now, Ok(run("r1", "one", RunStatus::Pending, 0)))
            }
            Action::Stop(error) => break error,
            other => panic!("{other:?}"),
        }
        assert!(now <= Duration::from_secs(5), "slept past the timeout: {now:?}");
    };
    assert_eq!(now, Duration::from_secs(5));
    match stopped {
        Error::WaitTimedOut {
            run_id, last_status, ..
        } => {
            assert_eq!(run_id.as_str(), "r1");
            assert_eq!(last_status, Some(RunStatus::Pending));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(next(&mut batch, now, &mut records), Action::Done));
}
