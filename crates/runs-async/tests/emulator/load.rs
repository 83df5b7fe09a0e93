//! Many concurrent calls from one client share a few pooled connections.

use runs_async::{Error, MAX_IN_FLIGHT};
use runs_emulator::{Emulator, Schedule};
use tokio::task::JoinSet;

use super::{SECRET, hello_run, runtime, settings};

const CALLS: usize = 1_000;

#[test]
fn a_thousand_concurrent_gets_are_all_answered_over_reused_connections() {
    for tls in [false, true] {
        let emu = Emulator::builder()
            .api_key(SECRET)
            .schedule(Schedule::Instant)
            .worker_threads(2)
            .tls(tls)
            .start()
            .unwrap();
        let client = settings(&emu).build().unwrap();
        runtime(true).block_on(async {
            let mut ids = Vec::new();
            for _ in 0..8 {
                ids.push(client.start_run(&hello_run()).await.unwrap().id);
            }
            let mut calls = JoinSet::new();
            for i in 0..CALLS {
                let (client, id) = (client.clone(), ids[i % ids.len()].clone());
                calls.spawn(async move {
                    let run = client.get_run(&id).await?;
                    Ok::<_, Error>((id, run))
                });
            }
            let mut answered = 0;
            while let Some(joined) = calls.join_next().await {
                let (asked, run) = joined.unwrap().unwrap();
                assert_eq!(run.id, asked);
                assert!(run.status.is_success(), "{run:?}");
                answered += 1;
            }
            assert_eq!(answered, CALLS);
        });
        let counters = emu.counters();
        assert_eq!(
            counters.get_run, CALLS as u64,
            "tls: {tls}: no call needed a retry"
        );
        // Near one per in-flight slot (a few more open when a connection is handed back to the
        // pool just after a new request looked for one), and far from one per call.
        assert!(
            counters.connections <= 3 * MAX_IN_FLIGHT as u64,
            "tls: {tls}: {} connections for {CALLS} calls",
            counters.connections
        );
    }
}
