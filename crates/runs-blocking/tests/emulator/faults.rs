//! What only the blocking client meets: the emulator's own 404 and 400s, a hang past the
//! deadline, a repeated token, TLS, refused connections, proxies, plain http. The fault table
//! both clients share is runs-conformance's `tests/faults.rs`.

use std::net::TcpListener;
use std::time::Duration;

use runs_blocking::{Client, Delivery, Error, ListRuns, Proxy, RunId, TransportErrorKind};
use runs_emulator::{DEMO_AGENT, Fault, HELLO_WORLD, Route};

use super::{KEY, assert_keyless, builder, client, emulator, fast_retries, hello};

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
