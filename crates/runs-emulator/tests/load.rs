//! Many concurrent keep-alive connections, all answered (bounded, loopback only).

mod common;

use common::{Conn, KEY, list_path};
use runs_emulator::{Emulator, HELLO_WORLD, Schedule};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_concurrent_keep_alive_connections_are_all_served() {
    const CONNECTIONS: usize = 2000;
    const REQUESTS_EACH: usize = 3;
    let emu = Emulator::builder()
        .api_key(KEY)
        .schedule(Schedule::Instant)
        .start()
        .unwrap();
    let addr = emu.addr();
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(CONNECTIONS));
    let mut tasks = Vec::with_capacity(CONNECTIONS);
    for _ in 0..CONNECTIONS {
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            let mut conn = Conn::open(addr).await;
            // Every connection is open at once before any sends.
            barrier.wait().await;
            let mut ok = 0;
            for _ in 0..REQUESTS_EACH {
                if conn.get(&list_path(HELLO_WORLD, "&limit=1")).await.status == 200 {
                    ok += 1;
                }
            }
            ok
        }));
    }
    let mut ok = 0;
    for task in tasks {
        ok += task.await.unwrap();
    }
    assert_eq!(ok, CONNECTIONS * REQUESTS_EACH);
    let c = emu.counters();
    assert_eq!(c.connections, CONNECTIONS as u64);
    assert_eq!(c.list_runs, (CONNECTIONS * REQUESTS_EACH) as u64);
}
