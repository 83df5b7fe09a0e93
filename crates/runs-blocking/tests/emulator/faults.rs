//! The emulator's fault menu: what is retried and recovers, and what surfaces as which error.

use std::net::TcpListener;
use std::time::Duration;

use runs_blocking::{Client, Delivery, Error, ListRuns, Proxy, RunId, TransportErrorKind};
use runs_emulator::{DEMO_AGENT, Fault, HELLO_WORLD, RetryAfter, Route};

use super::{KEY, assert_keyless, builder, client, emulator, fast_retries, hello};
use runs_blocking::WaitOptions;

/// A run that exists, and a client, on an emulator with no faults queued yet.
fn with_a_run(tls: bool) -> (runs_emulator::Emulator, Client, RunId) {
    let emu = emulator(tls);
    let client = client(&emu);
    let run = client.start_run(&hello("target")).unwrap();
    (emu, client, run.id)
}

fn transport(error: &Error) -> (TransportErrorKind, Delivery) {
    match error {
        Error::Transport(e) => (e.kind(), e.delivery()),
        other => panic!("expected a transport error, got {other:?}"),
    }
}

// Retried and recovered.

#[test]
fn a_get_answered_503_is_retried_and_recovers() {
    for tls in [false, true] {
        let (emu, client, id) = with_a_run(tls);
        emu.inject_times(Route::GetRun, Fault::status(503), 2);
        assert_eq!(client.get_run(&id).unwrap().id, id);
        assert_eq!(emu.counters().get_run, 3, "tls: {tls}");
    }
}

#[test]
fn a_429_with_retry_after_seconds_is_retried_after_it() {
    let (emu, client, id) = with_a_run(false);
    emu.inject(
        Route::GetRun,
        Fault::status(429).retry_after(RetryAfter::Seconds(1)),
    );
    assert_eq!(client.get_run(&id).unwrap().id, id);
    assert_eq!(emu.counters().get_run, 2);
}

#[test]
fn a_429_with_retry_after_as_an_http_date_is_retried_after_it() {
    let (emu, client, id) = with_a_run(false);
    emu.inject(
        Route::GetRun,
        Fault::status(429).retry_after(RetryAfter::DateIn(Duration::from_secs(1))),
    );
    assert_eq!(client.get_run(&id).unwrap().id, id);
    assert_eq!(emu.counters().get_run, 2);
}

#[test]
fn a_get_whose_connection_is_reset_is_retried_and_recovers() {
    for tls in [false, true] {
        let (emu, client, id) = with_a_run(tls);
        emu.inject(Route::GetRun, Fault::close_before_response());
        emu.inject(Route::GetRun, Fault::close_mid_body());
        assert_eq!(client.get_run(&id).unwrap().id, id);
        assert_eq!(emu.counters().get_run, 3, "tls: {tls}");
    }
}

#[test]
fn a_listing_page_that_fails_once_is_retried_within_the_iteration() {
    let emu = emulator(false);
    let client = client(&emu);
    for i in 0..3 {
        client.start_run(&hello(&format!("r{i}"))).unwrap();
    }
    let query = ListRuns::new(DEMO_AGENT.parse().unwrap(), HELLO_WORLD.parse().unwrap())
        .with_limit(2)
        .unwrap();
    let mut runs = client.runs(&query);
    runs.next().unwrap().unwrap();
    emu.inject(Route::ListRuns, Fault::html(502));
    let rest: Vec<_> = runs.collect::<Result<_, _>>().unwrap();
    assert_eq!(rest.len(), 2);
    assert_eq!(emu.counters().list_runs, 3);
}

#[test]
fn a_post_answered_503_with_retry_after_is_sent_again_and_starts_one_run() {
    let emu = emulator(false);
    let client = client(&emu);
    emu.inject(
        Route::StartRun,
        Fault::status(503).retry_after(RetryAfter::Seconds(1)),
    );
    client.start_run(&hello("after a 503")).unwrap();
    let counters = emu.counters();
    assert_eq!((counters.start_run, counters.runs_created), (2, 1));
}

#[test]
fn a_wait_rides_out_polls_that_failed_after_their_retries() {
    let (emu, _, id) = with_a_run(false);
    // One attempt per poll: each fault fails a whole poll, and the wait polls again.
    let client = builder(&emu).retry_policy(fast_retries(1)).build().unwrap();
    emu.inject_times(Route::GetRun, Fault::status(503), 2);
    emu.inject(Route::GetRun, Fault::close_before_response());
    let run = client.wait_for_run(&id, WaitOptions::default()).unwrap();
    assert!(run.status.is_terminal());
}

// Surfaced as the right error.

#[test]
fn an_unknown_run_is_a_404_api_error() {
    for tls in [false, true] {
        let emu = emulator(tls);
        let client = client(&emu);
        let error = client.get_run(&"no-such-run".parse().unwrap()).unwrap_err();
        assert!(matches!(&error, Error::Api(e) if e.status() == 404), "{error:?}");
        assert!(!error.is_retryable());
        assert_eq!(emu.counters().get_run, 1, "a 404 is not retried");
        assert_keyless(&error);
    }
}

#[test]
fn a_400_keeps_the_servers_message_and_details() {
    let emu = emulator(false);
    let client = client(&emu);
    let body = r#"{"status_code":400,"message":"invalid input","details":[
        {"loc":["body","name"],"msg":"name is too long","type":"value_error"}]}"#;
    emu.inject(Route::StartRun, Fault::json(400, body));
    let error = client.start_run(&hello("rejected")).unwrap_err();
    let Error::Api(api) = &error else {
        panic!("expected an API error, got {error:?}")
    };
    assert_eq!(api.status(), 400);
    assert_eq!(api.message(), Some("invalid input"));
    assert_eq!(api.details().len(), 1);
    assert!(error.to_string().contains("name is too long"), "{error}");
    assert_eq!(emu.counters().start_run, 1);
    assert_keyless(&error);
}

#[test]
fn the_emulators_own_400_for_a_bad_token_reaches_the_caller() {
    let emu = emulator(false);
    let client = client(&emu);
    let query = ListRuns::new(DEMO_AGENT.parse().unwrap(), HELLO_WORLD.parse().unwrap())
        .with_continuation_token("not-a-token");
    let error = client.list_runs(&query).unwrap_err();
    assert_eq!(error.status(), Some(400), "{error:?}");
    assert_keyless(&error);
}

#[test]
fn a_persistent_5xx_gives_up_after_the_attempt_limit_with_the_last_answer() {
    let (emu, _, id) = with_a_run(false);
    let client = builder(&emu).retry_policy(fast_retries(3)).build().unwrap();
    emu.inject_times(Route::GetRun, Fault::html(502), 10);
    let error = client.get_run(&id).unwrap_err();
    let Error::Api(api) = &error else {
        panic!("expected an API error, got {error:?}")
    };
    assert_eq!(api.status(), 502);
    assert!(api.body_snippet().is_some_and(|s| s.contains("502")), "{api:?}");
    assert!(error.is_retryable());
    assert_eq!(emu.counters().get_run, 3);
    assert_keyless(&error);
}

#[test]
fn a_post_answered_500_is_never_sent_twice() {
    for tls in [false, true] {
        let emu = emulator(tls);
        let client = client(&emu);
        emu.inject(Route::StartRun, Fault::status_after_processing(500));
        let error = client.start_run(&hello("maybe started")).unwrap_err();
        assert_eq!(error.status(), Some(500));
        let counters = emu.counters();
        assert_eq!((counters.start_run, counters.runs_created), (1, 1), "tls: {tls}");
        assert_keyless(&error);
    }
}

#[test]
fn a_post_whose_connection_drops_is_not_sent_again() {
    let emu = emulator(false);
    let client = client(&emu);
    emu.inject(Route::StartRun, Fault::close_before_response());
    let error = client.start_run(&hello("lost answer")).unwrap_err();
    assert_eq!(transport(&error).1, Delivery::MaybeSent);
    assert_eq!(emu.counters().start_run, 1);
    assert_keyless(&error);
}

#[test]
fn truncated_and_malformed_json_are_decode_errors_not_retried() {
    let (emu, client, id) = with_a_run(false);
    emu.inject(Route::GetRun, Fault::truncated_json());
    match client.get_run(&id).unwrap_err() {
        Error::Decode(e) => assert!(e.is_truncated(), "{e}"),
        other => panic!("expected a decode error, got {other:?}"),
    }
    emu.inject(Route::GetRun, Fault::malformed_json());
    let error = client.get_run(&id).unwrap_err();
    assert!(
        matches!(&error, Error::Decode(e) if !e.is_truncated()),
        "{error:?}"
    );
    assert_eq!(emu.counters().get_run, 2);
    assert_keyless(&error);
}

#[test]
fn a_body_over_the_cap_is_body_too_large_announced_or_chunked() {
    for tls in [false, true] {
        let (emu, _, id) = with_a_run(tls);
        let client = builder(&emu).max_body_bytes(64 * 1024).build().unwrap();
        emu.inject(Route::GetRun, Fault::oversized(50 * 1024 * 1024));
        emu.inject(Route::GetRun, Fault::oversized_chunked(50 * 1024 * 1024));
        for _ in 0..2 {
            let error = client.get_run(&id).unwrap_err();
            assert_eq!(
                transport(&error).0,
                TransportErrorKind::BodyTooLarge,
                "tls: {tls}"
            );
            assert!(!error.is_retryable());
            assert_keyless(&error);
        }
        assert_eq!(emu.counters().get_run, 2, "an oversized body is not retried");
    }
}

#[test]
fn a_request_that_hangs_times_out() {
    let (emu, _, id) = with_a_run(false);
    let client = builder(&emu)
        .request_timeout(Duration::from_millis(200))
        .retry_policy(fast_retries(2))
        .build()
        .unwrap();
    emu.inject_times(Route::GetRun, Fault::hang(), 2);
    let error = client.get_run(&id).unwrap_err();
    assert_eq!(transport(&error).0, TransportErrorKind::Timeout, "{error:?}");
    assert_eq!(emu.counters().get_run, 2, "a timed-out GET is retried");
    assert_keyless(&error);
}

#[test]
fn a_hang_past_the_deadline_is_deadline_exceeded() {
    let (emu, _, id) = with_a_run(false);
    let client = builder(&emu)
        .deadline(Duration::from_millis(300))
        .build()
        .unwrap();
    emu.inject_times(Route::GetRun, Fault::hang(), 10);
    let error = client.get_run(&id).unwrap_err();
    assert!(matches!(error, Error::DeadlineExceeded { .. }), "{error:?}");
    assert_keyless(&error);
}

#[test]
fn a_post_that_hangs_is_not_sent_again() {
    let emu = emulator(false);
    let client = builder(&emu)
        .request_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    emu.inject(Route::StartRun, Fault::hang());
    let error = client.start_run(&hello("hung")).unwrap_err();
    assert_eq!(
        transport(&error),
        (TransportErrorKind::Timeout, Delivery::MaybeSent)
    );
    assert_eq!(emu.counters().start_run, 1);
}

#[test]
fn a_repeated_continuation_token_ends_the_listing_with_an_error() {
    let emu = emulator(false);
    let client = client(&emu);
    let page = r#"{"items":null,"continuation_token":"same"}"#;
    emu.inject_times(Route::ListRuns, Fault::json(200, page), 2);
    let query = ListRuns::new(DEMO_AGENT.parse().unwrap(), HELLO_WORLD.parse().unwrap());
    let results: Vec<_> = client.runs(&query).collect();
    assert_eq!(results.len(), 1);
    assert!(matches!(&results[0], Err(Error::RepeatedToken { token }) if token == "same"));
}

// Below HTTP.

#[test]
fn an_untrusted_certificate_is_a_tls_error_and_a_post_is_not_sent() {
    let emu = emulator(true);
    let client = Client::builder()
        .api_key(KEY)
        .base_url(emu.base_url())
        .retry_policy(fast_retries(3))
        .build()
        .unwrap();
    let error = client.start_run(&hello("never sent")).unwrap_err();
    assert_eq!(
        transport(&error),
        (TransportErrorKind::Tls, Delivery::NotSent),
        "{error}"
    );
    let counters = emu.counters();
    assert_eq!(counters.start_run, 0, "no request got through the handshake");
    assert_eq!(
        counters.connections, 3,
        "a POST that provably never left is retried"
    );
    assert_keyless(&error);
}

#[test]
fn a_refused_connection_is_a_connect_error_and_not_sent() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let client = Client::builder()
        .api_key(KEY)
        .base_url(format!("http://127.0.0.1:{port}/v2"))
        .retry_policy(fast_retries(2))
        .build()
        .unwrap();
    let error = client.start_run(&hello("nowhere")).unwrap_err();
    assert_eq!(
        transport(&error),
        (TransportErrorKind::Connect, Delivery::NotSent),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .contains(&format!("POST http://127.0.0.1:{port}/v2/runs"))
    );
    assert_keyless(&error);
}

#[test]
fn a_configured_proxy_is_used_and_its_refusal_is_a_proxy_error_before_sending() {
    // ureq tunnels through an HTTP proxy with CONNECT. The emulator, standing in for the
    // proxy, refuses that, which shows the request went there and nowhere else: no resolver
    // knows `runs.invalid`.
    let emu = emulator(false);
    let client = Client::builder()
        .api_key(KEY)
        .base_url("http://runs.invalid/v2")
        .allow_insecure_http(true)
        .proxy(Proxy::Url(format!("http://{}", emu.addr())))
        .retry_policy(fast_retries(2))
        .build()
        .unwrap();
    let error = client.start_run(&hello("via a proxy")).unwrap_err();
    assert_eq!(
        transport(&error),
        (TransportErrorKind::Proxy, Delivery::NotSent),
        "{error}"
    );
    let counters = emu.counters();
    assert_eq!(
        (counters.other, counters.start_run),
        (2, 0),
        "two CONNECTs, no POST"
    );
    assert_keyless(&error);
}

#[test]
fn plain_http_to_another_host_is_refused_before_anything_is_sent() {
    let error = Client::builder()
        .api_key(KEY)
        .base_url("http://runs.example.com/v2")
        .build()
        .unwrap_err();
    assert!(matches!(&error, Error::Config(_)), "{error:?}");
    assert_keyless(&error);
}
