//! Item 8: connecting. An address that black-holes or refuses is a connect failure that
//! provably sent nothing, bounded by the connect timeout, and leaves nothing behind: the same
//! client reaches the server once it is there.
//!
//! Racing a dual-stack host's addresses (runs-async) and forgetting a cached address that
//! failed (runs-blocking) need a name with several addresses, or one that moves; loopback
//! names here have one, so those are unit tests beside the code, which inject the addresses
//! (`crates/runs-async/src/connect.rs`, `crates/runs-blocking/src/resolve.rs`).

use std::time::Duration;

use runs_core::{Delivery, Error, RetryPolicy, TransportErrorKind};

use crate::clients::{Clients, Transport, builder, start};
use crate::server::{BlackHole, Mute, ScriptedServer, Unready, json, run_json};

fn assert_connect_not_sent(t: Transport, result: Result<runs_core::Run, Error>) {
    let error = result.unwrap_err();
    let Error::Transport(e) = &error else {
        panic!("{t:?}: {error:?}")
    };
    assert_eq!(
        (e.kind(), e.delivery()),
        (TransportErrorKind::Connect, Delivery::NotSent),
        "{t:?}: {error}"
    );
}

#[test]
fn a_black_holed_address_fails_at_the_connect_timeout_as_not_sent_on_both_transports() {
    let hole = BlackHole::new();
    // One attempt: a hang would last the whole test's run, not a deadline's retries.
    let clients = Clients::of(
        builder(&hole.base_url())
            .connect_timeout(Duration::from_millis(200))
            .retry_policy(RetryPolicy::none()),
    );
    // A POST: not sent, so a retry could safely send it again.
    for (t, result) in clients.each(|t, c| (t, c.start_run(t, &start()))) {
        assert_connect_not_sent(t, result);
    }
}

#[test]
fn a_server_that_refused_is_reached_by_the_same_clients_once_it_listens() {
    let unready = Unready::new();
    let clients = Clients::of(builder(&unready.base_url()).retry_policy(RetryPolicy::none()));
    for (t, result) in clients.each(|t, c| (t, c.get_run(t, "r1"))) {
        assert_connect_not_sent(t, result);
    }
    let server = ScriptedServer::on(unready.listen(128), |_, _| {
        json(200, &run_json("r1", "Running", ""))
    });
    for (t, result) in clients.each(|t, c| (t, c.get_run(t, "r1"))) {
        assert_eq!(result.unwrap().id.as_str(), "r1", "{t:?}");
    }
    assert_eq!(server.count(), 2);
}

#[test]
fn a_connect_that_stalls_past_the_attempt_timeout_sent_nothing_so_a_post_is_sent_again() {
    let mute = Mute::new();
    // The TLS handshake outlasts the attempt's timeout, well within the connect timeout: the
    // attempt ends with its own timeout, while still connecting.
    let clients = Clients::of(
        builder(&mute.base_url())
            .connect_timeout(Duration::from_secs(30))
            .request_timeout(Duration::from_millis(300))
            .retry_policy(
                RetryPolicy::default()
                    .with_max_attempts(2)
                    .with_initial_backoff(Duration::from_millis(1)),
            ),
    );
    for t in [Transport::Blocking, Transport::Async] {
        let result = clients.start_run(t, &start());
        assert_connect_not_sent(t, result);
        assert_eq!(mute.connections(), 2, "{t:?}: the POST was sent again");
    }
}
