//! Item 1: an interval of 0 must not become a busy loop against the shared rate limit.

use std::time::Duration;

use runs_core::{Error, WaitPolicy};

use crate::clients::{Clients, builder, fast_wait, runs};
use crate::server::{ScriptedServer, json, run_json};

#[test]
fn a_wait_asked_to_poll_at_zero_polls_no_faster_than_the_floor_on_both_transports() {
    let timeout = Duration::from_secs(1);
    for_each_transport_on_a_run_that_never_ends(|clients, server, t| {
        let result = clients.wait(t, "r1", fast_wait(timeout));
        assert!(
            matches!(result, Err(Error::WaitTimedOut { .. })),
            "{t:?}: {result:?}"
        );
        // One poll at once, then at most one per floor until the timeout (sleeps never end
        // early, so a slow machine only polls less). Unbounded, this was thousands.
        let most = (timeout.as_millis() / WaitPolicy::MIN_INTERVAL.as_millis()) as usize + 2;
        assert!(
            server.count() <= most,
            "{t:?}: {} polls in {timeout:?}",
            server.count()
        );
    });
}

fn for_each_transport_on_a_run_that_never_ends(
    check: impl Fn(&Clients, &ScriptedServer, crate::clients::Transport),
) {
    for t in [
        crate::clients::Transport::Blocking,
        crate::clients::Transport::Async,
    ] {
        let server = ScriptedServer::start(|_, _| json(200, &run_json("r1", "Running", "")));
        let clients = Clients::of(builder(&server.base_url()));
        check(&clients, &server, t);
    }
}

#[test]
fn the_cli_refuses_an_interval_below_the_floor_before_any_request() {
    let server = ScriptedServer::start(|_, _| json(201, &run_json("r1", "Running", "")));
    for interval in ["0", "0.001", "0.099"] {
        let out = runs(&server.base_url(), &["wait", "r1", "--interval", interval]);
        assert_eq!(out.code, 2, "{interval}: {}", out.stderr);
        insta::assert_snapshot!("interval_below_floor", out.stderr);
        let start = [
            "start",
            "--agent-id",
            "a",
            "--process-id",
            "p",
            "--name",
            "n",
            "--stage",
            "Draft",
            "--wait",
            "--interval",
            interval,
        ];
        let out = runs(&server.base_url(), &start);
        assert_eq!(out.code, 2, "{interval}: {}", out.stderr);
        insta::assert_snapshot!("interval_below_floor", out.stderr);
    }
    // Not even the POST of `start --wait`: a refused option leaves no run behind.
    assert_eq!(server.count(), 0);
}
