//! No setting makes the library panic, and none turns a wait into a busy loop.
//!
//! The machines are driven with scripted replies on a virtual clock that saturates, over
//! arbitrary durations (`Duration::MAX` and zero included) and arbitrary factors.

use std::time::Duration;

use proptest::prelude::*;
use runs_core::transport::{Action, Call, GetRun, Machine, Response, Wait};
use runs_core::{Config, Delivery, RetryPolicy, TransportError, TransportErrorKind, WaitPolicy};

fn duration() -> impl Strategy<Value = Duration> {
    prop_oneof![
        Just(Duration::ZERO),
        Just(Duration::MAX),
        Just(Duration::from_nanos(1)),
        Just(Duration::new(u64::MAX, 0)),
        (any::<u64>(), 0u32..1_000_000_000).prop_map(|(s, n)| Duration::new(s, n)),
        (0u64..100_000).prop_map(Duration::from_millis),
    ]
}

fn factor() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(f64::MAX),
        Just(f64::INFINITY),
        Just(f64::NAN),
        Just(1e300),
        Just(-1.0),
        any::<f64>(),
        1.0f64..10.0,
    ]
}

/// What the scripted server answers.
#[derive(Debug, Clone)]
enum Reply {
    Running,
    Succeeded,
    Status(u16, Option<String>),
    Broken,
}

fn reply() -> impl Strategy<Value = Reply> {
    prop_oneof![
        Just(Reply::Running),
        Just(Reply::Succeeded),
        (
            prop::sample::select(vec![429u16, 500, 503, 404]),
            prop::option::of(prop_oneof![
                any::<u64>().prop_map(|s| s.to_string()),
                Just("18446744073709551616".to_string()),
                Just("Sun, 06 Nov 1994 08:49:37 GMT".to_string()),
                Just("Fri, 31 Dec 9999 23:59:59 GMT".to_string()),
            ])
        )
            .prop_map(|(s, r)| Reply::Status(s, r)),
        Just(Reply::Broken),
    ]
}

fn run_body(status: &str) -> Vec<u8> {
    format!(
        r#"{{"id":"r1","name":"n","agent_id":"a","process_id":"p","stage":"Draft","status":"{status}","created_at":"2021-01-01T12:00:00"}}"#
    )
    .into_bytes()
}

/// Drives `machine` for at most `steps` actions on a saturating clock; returns whether it
/// finished, and the times at which it sent requests.
fn drive<M: Machine>(
    machine: &mut M,
    replies: &[Reply],
    wall: Option<Duration>,
    steps: usize,
) -> (bool, Vec<Duration>) {
    let mut now = Duration::ZERO;
    let mut sent = Vec::new();
    let mut replies = replies.iter().cycle();
    for _ in 0..steps {
        match machine.poll(now) {
            Action::Send { timeout, .. } => {
                sent.push(now);
                let reply = replies.next().cloned().unwrap_or(Reply::Broken);
                let (status, retry_after, body) = match reply {
                    Reply::Running => (200, None, run_body("Running")),
                    Reply::Succeeded => (200, None, run_body("Succeeded")),
                    Reply::Status(s, r) => (s, r, Vec::new()),
                    Reply::Broken => {
                        now = now.saturating_add(timeout);
                        let e = TransportError::new(TransportErrorKind::Io, Delivery::MaybeSent, "scripted");
                        machine.handle_failure(now, e);
                        continue;
                    }
                };
                let headers: Vec<(String, String)> = retry_after
                    .into_iter()
                    .map(|r| ("retry-after".to_string(), r))
                    .collect();
                let response = Response {
                    status,
                    headers: &headers,
                    body: &body,
                };
                match wall {
                    Some(wall) => machine.handle_response_at(now, wall.saturating_add(now), response),
                    None => machine.handle_response(now, response),
                }
            }
            Action::Sleep(d) => now = now.saturating_add(d),
            Action::Done(_) => return (true, sent),
        }
    }
    (false, sent)
}

fn config(
    deadline: Duration,
    request_timeout: Duration,
    retry: RetryPolicy,
    wait: WaitPolicy,
) -> Option<Config> {
    Config::builder()
        .api_key("k")
        .base_url("http://127.0.0.1:1/v2")
        .deadline(deadline)
        .request_timeout(request_timeout)
        .connect_timeout(request_timeout)
        .retry_policy(retry)
        .wait_policy(wait)
        .build()
        .ok()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn no_duration_or_factor_makes_a_call_or_a_wait_panic(
        deadline in duration(),
        request_timeout in duration(),
        initial_backoff in duration(),
        max_backoff in duration(),
        max_retry_after in duration(),
        attempts in any::<u32>(),
        initial_interval in duration(),
        max_interval in duration(),
        wait_factor in factor(),
        wait_timeout in duration(),
        max_failed_polls in any::<u32>(),
        wall in prop::option::of(duration()),
        replies in prop::collection::vec(reply(), 1..6),
        start in duration(),
    ) {
        let retry = RetryPolicy::default()
            .with_max_attempts(attempts)
            .with_initial_backoff(initial_backoff)
            .with_max_backoff(max_backoff)
            .with_max_retry_after(max_retry_after);
        let policy = WaitPolicy::default()
            .with_initial_interval(initial_interval)
            .with_max_interval(max_interval)
            .with_factor(wait_factor)
            .with_timeout(wait_timeout)
            .with_max_failed_polls(max_failed_polls);
        // Zero timeouts are refused with a typed error at build time, never a panic.
        let Some(config) = config(deadline, request_timeout, retry, policy.clone()) else {
            return Ok(());
        };
        let mut call = Call::new(&config, GetRun("r1".parse().unwrap()), 1);
        drive(&mut call, &replies, wall, 64);
        let mut wait = Wait::new(&config, "r1".parse().unwrap(), policy, 2);
        drive(&mut wait, &replies, wall, 256);
        // A clock that starts anywhere, even near its end, is fine too.
        let mut late = Call::new(&config, GetRun("r1".parse().unwrap()), 3);
        let _ = late.poll(start);
        late.handle_response(start, Response { status: 503, headers: &[("retry-after", "5")], body: b"" });
        let _ = late.poll(start.saturating_add(Duration::from_secs(5)));
    }
}

#[test]
fn a_wait_polls_no_faster_than_the_floor_whatever_interval_is_asked() {
    let policy = WaitPolicy::default()
        .with_initial_interval(Duration::ZERO)
        .with_max_interval(Duration::ZERO)
        .with_factor(0.0)
        .with_timeout(Duration::from_secs(10));
    let config = config(
        Duration::from_secs(5),
        Duration::from_secs(5),
        RetryPolicy::default(),
        policy.clone(),
    )
    .unwrap();
    let mut wait = Wait::new(&config, "r1".parse().unwrap(), policy, 0);
    let (finished, sent) = drive(&mut wait, &[Reply::Running], None, 100_000);
    assert!(finished, "the wait ends at its timeout");
    assert!(sent.len() > 2, "{sent:?}");
    for pair in sent.windows(2) {
        assert!(pair[1] - pair[0] >= WaitPolicy::MIN_INTERVAL, "{sent:?}");
    }
    // 10 s at one poll per 100 ms at most, and the first poll at once.
    assert!(sent.len() <= 101, "{} polls", sent.len());
}

#[test]
fn a_wait_of_duration_max_ends_when_the_run_does() {
    // A factor that overflows any duration at once, capped by an hour between polls.
    let policy = WaitPolicy::default()
        .with_factor(f64::MAX)
        .with_max_interval(Duration::from_secs(3600))
        .with_timeout(Duration::MAX);
    let config = config(
        Duration::MAX,
        Duration::MAX,
        RetryPolicy::default(),
        policy.clone(),
    )
    .unwrap();
    let mut wait = Wait::new(&config, "r1".parse().unwrap(), policy, 0);
    let (finished, sent) = drive(
        &mut wait,
        &[Reply::Running, Reply::Running, Reply::Succeeded],
        None,
        100,
    );
    assert!(finished);
    assert_eq!(sent.len(), 3);
}

#[test]
fn a_zero_wait_timeout_gives_up_at_once_without_a_request() {
    let policy = WaitPolicy::default().with_timeout(Duration::ZERO);
    let config = config(
        Duration::from_secs(1),
        Duration::from_secs(1),
        RetryPolicy::default(),
        policy.clone(),
    )
    .unwrap();
    let mut wait = Wait::new(&config, "r1".parse().unwrap(), policy, 0);
    match wait.poll(Duration::ZERO) {
        Action::Done(Err(runs_core::Error::WaitTimedOut { waited, .. })) => {
            assert_eq!(waited, Duration::ZERO)
        }
        other => panic!("{other:?}"),
    }
}
