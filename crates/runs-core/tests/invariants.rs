//! Property tests: round trips of the models, and the invariants of the pagination and retry
//! machines over arbitrary scripts.

mod scripted;

use std::time::Duration;

use proptest::prelude::*;
use runs_core::transport::{
    Action, Call, GetRun, ListPage, Machine, Operation, Paginator, Response, Secrets,
};
use runs_core::{
    Config, Delivery, ErrorBody, ListRuns, NameValue, ProcessStage, RetryPolicy, Run, RunPage, RunStatus,
    StartRun, Timestamp, TransportError, TransportErrorKind,
};
use serde_json::Value;

fn id() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_-]{1,26}"
}

fn status() -> impl Strategy<Value = RunStatus> {
    prop_oneof![
        Just(RunStatus::Created),
        Just(RunStatus::Pending),
        Just(RunStatus::Running),
        Just(RunStatus::Succeeded),
        Just(RunStatus::Failed),
        Just(RunStatus::Cancelled),
        Just(RunStatus::TimedOut),
        "\\PC{0,20}".prop_map(|s| RunStatus::from(s.as_str())),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map("[a-z]{1,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn run() -> impl Strategy<Value = Run> {
    (
        (id(), "\\PC{0,30}", id(), id(), any::<bool>(), status()),
        (-62_167_219_200i64..=253_402_300_799, 0u32..1_000_000_000),
        prop::option::of(prop::collection::vec("\\PC{0,10}", 0..3)),
        prop::option::of(prop::collection::vec(("\\PC{0,8}", json_value()), 0..3)),
    )
        .prop_map(
            |((rid, name, agent, process, draft, status), (secs, nanos), files, outputs)| {
                let mut run = Run::new(
                    rid.parse().unwrap(),
                    name,
                    agent.parse().unwrap(),
                    process.parse().unwrap(),
                    if draft {
                        ProcessStage::Draft
                    } else {
                        ProcessStage::Published
                    },
                    status,
                    Timestamp::from_unix(secs, nanos).unwrap(),
                );
                run.file_ids = files;
                run.outputs = outputs.map(|o| o.into_iter().map(|(n, v)| NameValue::new(n, v)).collect());
                run
            },
        )
}

proptest! {
    #[test]
    fn runs_survive_a_json_round_trip(run in run()) {
        let text = serde_json::to_string(&run).unwrap();
        let back: Run = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(back, run);
    }

    #[test]
    fn pages_survive_a_json_round_trip(items in prop::option::of(prop::collection::vec(run(), 0..4)), token in prop::option::of("\\PC{0,20}")) {
        let page = RunPage { items, continuation_token: token };
        let back: RunPage = serde_json::from_str(&serde_json::to_string(&page).unwrap()).unwrap();
        prop_assert_eq!(back, page);
    }

    #[test]
    fn error_bodies_survive_a_json_round_trip(code in prop::option::of(any::<i64>()), message in prop::option::of("\\PC{0,20}"), details in prop::option::of(prop::collection::vec(json_value(), 0..3))) {
        let body = ErrorBody { status_code: code, message, details };
        let back: ErrorBody = serde_json::from_str(&serde_json::to_string(&body).unwrap()).unwrap();
        prop_assert_eq!(back, body);
    }

    #[test]
    fn start_requests_survive_encoding_and_the_server_side_reading(
        agent in id(), process in id(), name in "\\PC{1,100}",
        inputs in prop::collection::vec(("\\PC{1,8}", json_value()), 0..4),
        files in prop::collection::vec("\\PC{1,12}", 0..3),
    ) {
        let mut b = StartRun::builder().agent_id(&agent).process_id(&process).name(&name).stage(ProcessStage::Published);
        for (n, v) in &inputs { b = b.input(n.clone(), v.clone()); }
        for f in &files { b = b.file_id(f.clone()); }
        let start = b.build().unwrap();
        let body = serde_json::to_vec(&start).unwrap();
        prop_assert_eq!(StartRun::from_json(&body).unwrap(), start);
    }
}

/// A 200 with `body`, decoded by the wire's own reader (what every call decodes a run or a
/// page with) and by the derived `Deserialize` (what users' serde code calls).
fn both_decoders<O: Operation>(body: &[u8]) -> (Option<O::Output>, Option<O::Output>)
where
    O::Output: serde::de::DeserializeOwned,
{
    let headers: [(&str, &str); 0] = [];
    let response = Response {
        status: 200,
        headers: &headers,
        body,
    };
    (
        O::decode(response, &Secrets::default()).ok(),
        serde_json::from_slice(body).ok(),
    )
}

/// Damage to JSON text: a byte deleted, a token inserted (one that breaks or changes the
/// shape: a quote, an escape, a duplicate key, a number out of range, a lone surrogate), or
/// the text cut short. Always UTF-8: the reader's one known difference, that it refuses a
/// body that is not UTF-8 as a whole, is tested on its own.
fn damage(text: &mut String, edits: &[(prop::sample::Index, u8, prop::sample::Index)]) {
    const TOKENS: [&str; 24] = [
        "\"",
        "\\",
        ",",
        ":",
        "{",
        "}",
        "[",
        "]",
        "null",
        "1e400",
        "\"x\":1,",
        "\"id\":\"r2\",",
        "\\ud800",
        " ",
        "é",
        "\u{1}",
        "\"file_ids\":null,",
        "-",
        "0",
        ".",
        "e",
        "true",
        "\"outputs\":[],",
        "\"items\":[],",
    ];
    for (at, kind, token) in edits {
        if text.is_empty() {
            return;
        }
        let mut i = at.index(text.len());
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        let token = TOKENS[token.index(TOKENS.len())];
        match kind % 4 {
            0 => {
                text.remove(i);
            }
            1 => text.insert_str(i, token),
            // Where a member or an item starts, where a shape's mistakes matter most.
            2 => {
                let starts: Vec<usize> = text.match_indices(['{', '[', ',']).map(|(j, _)| j + 1).collect();
                if !starts.is_empty() {
                    text.insert_str(starts[at.index(starts.len())], token);
                }
            }
            _ => text.truncate(i),
        }
    }
}

fn edits() -> impl Strategy<Value = Vec<(prop::sample::Index, u8, prop::sample::Index)>> {
    prop::collection::vec(
        (
            any::<prop::sample::Index>(),
            any::<u8>(),
            any::<prop::sample::Index>(),
        ),
        1..4,
    )
}

proptest! {
    #[test]
    fn the_wire_reader_reads_every_run_as_serde_does(run in run(), pretty in any::<bool>()) {
        let text = if pretty { serde_json::to_vec_pretty(&run) } else { serde_json::to_vec(&run) }.unwrap();
        prop_assert_eq!(both_decoders::<GetRun>(&text), (Some(run.clone()), Some(run)));
    }

    #[test]
    fn the_wire_reader_and_serde_accept_and_refuse_the_same_damaged_runs(run in run(), edits in edits()) {
        let mut text = serde_json::to_string(&run).unwrap();
        damage(&mut text, &edits);
        let (ours, serdes) = both_decoders::<GetRun>(text.as_bytes());
        prop_assert_eq!(ours, serdes, "{}", text);
    }

    #[test]
    fn the_wire_reader_and_serde_accept_and_refuse_the_same_damaged_pages(
        items in prop::option::of(prop::collection::vec(run(), 0..3)),
        token in prop::option::of("\\PC{0,20}"),
        edits in edits(),
    ) {
        let page = RunPage { items, continuation_token: token };
        let mut text = serde_json::to_string(&page).unwrap();
        prop_assert_eq!(both_decoders::<ListPage>(text.as_bytes()), (Some(page.clone()), Some(page)));
        damage(&mut text, &edits);
        let (ours, serdes) = both_decoders::<ListPage>(text.as_bytes());
        prop_assert_eq!(ours, serdes, "{}", text);
    }
}

/// A listing of pages of sizes `sizes`, run ids numbered in order.
fn pages(sizes: &[Option<usize>]) -> Vec<RunPage> {
    let mut n = 0;
    let last = sizes.len().saturating_sub(1);
    sizes
        .iter()
        .enumerate()
        .map(|(i, size)| {
            let items = size.map(|k| {
                (0..k)
                    .map(|_| {
                        n += 1;
                        serde_json::from_str::<Run>(&scripted::run_json(&format!("r{n}"), "Succeeded"))
                            .unwrap()
                    })
                    .collect()
            });
            RunPage {
                items,
                continuation_token: (i < last).then(|| format!("token-{i}")),
            }
        })
        .collect()
}

proptest! {
    #[test]
    fn the_paginator_yields_exactly_the_concatenated_items_cut_at_max_items(
        sizes in prop::collection::vec(prop::option::of(0usize..6), 1..8),
        max_items in prop::option::of(0u64..30),
    ) {
        let pages = pages(&sizes);
        let all: Vec<String> = pages.iter().flat_map(|p| p.items().iter().map(|r| r.id.to_string())).collect();
        let expected: Vec<String> = match max_items {
            Some(m) => all.iter().take(m as usize).cloned().collect(),
            None => all.clone(),
        };
        let query = ListRuns::new("a".parse().unwrap(), "p".parse().unwrap());
        let mut paginator = Paginator::new(query, max_items);
        let mut got = Vec::new();
        let mut fetched = 0;
        let mut feed = pages.into_iter();
        loop {
            match paginator.poll() {
                runs_core::transport::Step::Item(run) => got.push(run.id.to_string()),
                runs_core::transport::Step::Fetch(q) => {
                    fetched += 1;
                    if let Some(m) = max_items {
                        // The request never asks for more runs than are still wanted.
                        let wanted = m - got.len() as u64;
                        let expected_limit = (wanted < 10).then_some(wanted as u8);
                        prop_assert_eq!(q.limit(), expected_limit);
                    }
                    let page = feed.next().expect("fetched past the last page");
                    paginator.handle_page(page).unwrap();
                }
                runs_core::transport::Step::Done => break,
            }
        }
        prop_assert_eq!(got, expected);
        prop_assert!(fetched <= sizes.len());
    }
}

#[derive(Debug, Clone)]
enum Outcome {
    Status(u16, bool),
    Fail(bool),
    Hang,
}

fn outcome() -> impl Strategy<Value = Outcome> {
    prop_oneof![
        (
            prop::sample::select(vec![200u16, 400, 404, 408, 429, 500, 502, 503, 504]),
            any::<bool>()
        )
            .prop_map(|(s, ra)| Outcome::Status(s, ra)),
        any::<bool>().prop_map(Outcome::Fail),
        Just(Outcome::Hang),
    ]
}

proptest! {
    #[test]
    fn retries_respect_attempts_deadline_and_the_post_rule(
        post in any::<bool>(),
        attempts in 1u32..6,
        deadline_ms in 1u64..20_000,
        took_ms in 0u64..3_000,
        script in prop::collection::vec(outcome(), 8),
        seed in any::<u64>(),
    ) {
        let config = Config::builder()
            .api_key("k")
            .base_url("http://127.0.0.1:1/v2")
            .retry_policy(RetryPolicy::default().with_max_attempts(attempts))
            .request_timeout(Duration::from_secs(2))
            .deadline(Duration::from_millis(deadline_ms))
            .build()
            .unwrap();
        let body = scripted::run_json("r1", "Running");
        let deadline = Duration::from_millis(deadline_ms);
        let took = Duration::from_millis(took_ms);
        let start = StartRun::builder().agent_id("a").process_id("p").name("n").stage(ProcessStage::Draft).build().unwrap();
        let mut get = Call::new(&config, GetRun("r1".parse().unwrap()), seed);
        let mut post_call = Call::new(&config, runs_core::transport::PostRun(start), seed);
        let machine: &mut dyn Machine<Output = Result<Run, runs_core::Error>> = if post { &mut post_call } else { &mut get };
        let mut now = Duration::ZERO;
        let mut sends = 0u32;
        let mut may_have_been_received = false;
        let mut script = script.into_iter();
        for _ in 0..100 {
            match machine.poll(now) {
                Action::Send { timeout, .. } => {
                    prop_assert!(now < deadline, "sent at {now:?}, past the deadline {deadline:?}");
                    prop_assert!(now + timeout <= deadline, "an attempt may outlive the deadline");
                    prop_assert!(!(post && may_have_been_received), "a POST that may have been received was sent again");
                    sends += 1;
                    prop_assert!(sends <= attempts);
                    match script.next().unwrap() {
                        Outcome::Status(status, retry_after) => {
                            now += took.min(timeout);
                            let h: Vec<(String, String)> = if retry_after { vec![("retry-after".into(), "1".into())] } else { vec![] };
                            machine.handle_response(now, Response { status, headers: &h, body: body.as_bytes() });
                            if !(matches!(status, 429 | 503) && retry_after) { may_have_been_received = true; }
                        }
                        Outcome::Fail(sent) => {
                            now += took.min(timeout);
                            let delivery = if sent { Delivery::MaybeSent } else { Delivery::NotSent };
                            machine.handle_failure(now, TransportError::new(TransportErrorKind::Io, delivery, ""));
                            if sent { may_have_been_received = true; }
                        }
                        Outcome::Hang => {
                            now += timeout;
                            machine.handle_failure(now, TransportError::new(TransportErrorKind::Timeout, Delivery::MaybeSent, ""));
                            may_have_been_received = true;
                        }
                    }
                }
                Action::Sleep(d) => {
                    prop_assert!(now + d < deadline, "slept past the deadline");
                    now += d;
                }
                Action::Done(_) => return Ok(()),
            }
        }
        prop_assert!(false, "the call never finished");
    }
}
