//! Item 4: no setting panics: the largest durations and factors work on both transports.

use std::time::Duration;

use runs_core::{RetryPolicy, WaitPolicy};

use crate::clients::{Clients, builder};
use crate::server::{ScriptedServer, json, run_json};

#[test]
fn duration_max_everywhere_and_a_huge_factor_work_on_both_transports() {
    let server = ScriptedServer::start(|n, _| {
        let status = if n % 3 == 2 { "Succeeded" } else { "Running" };
        json(200, &run_json("r1", status, ""))
    });
    let clients = Clients::of(
        builder(&server.base_url())
            .deadline(Duration::MAX)
            .request_timeout(Duration::MAX)
            .connect_timeout(Duration::MAX)
            .retry_policy(
                RetryPolicy::default()
                    .with_max_attempts(u32::MAX)
                    .with_initial_backoff(Duration::MAX)
                    .with_max_backoff(Duration::MAX)
                    .with_max_retry_after(Duration::MAX),
            ),
    );
    let policy = WaitPolicy::default()
        .with_initial_interval(Duration::ZERO)
        .with_factor(f64::MAX)
        .with_max_interval(Duration::from_millis(200))
        .with_timeout(Duration::MAX);
    for t in [
        crate::clients::Transport::Blocking,
        crate::clients::Transport::Async,
    ] {
        let run = clients.get_run(t, "r1").unwrap();
        assert_eq!(run.status.as_str(), "Running", "{t:?}");
        let run = clients.wait(t, "r1", policy.clone()).unwrap();
        assert!(run.status.is_success(), "{t:?}");
    }
    assert_eq!(server.count(), 6);
}
