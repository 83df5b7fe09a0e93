//! One program depending on both transports: it builds (so their `maybe-async` modes, chosen
//! per crate, do not collide), and it calls every operation of the one client surface on
//! both, which must answer alike.

use futures_util::StreamExt;
use runs_core::{ListRuns, ProcessStage, RunStatus, StartRun, WaitOptions, WaitPolicy};
use runs_emulator::{Emulator, Schedule};

/// Every operation of the surface, called on `$client`, each followed by `$($await)*` (nothing
/// for the blocking client, `.await` for the async one). Gives what each returned, as text.
macro_rules! every_operation {
    ($client:expr, $($await:tt)*) => {{
        let client = &$client;
        let start = StartRun::builder()
            .agent_id("demo-agent")
            .process_id("hello-world")
            .name("surface")
            .stage(ProcessStage::Published)
            .build()
            .unwrap();
        let policy = WaitPolicy::default().with_initial_interval(WaitPolicy::MIN_INTERVAL);
        let query = ListRuns::new("demo-agent".parse().unwrap(), "hello-world".parse().unwrap());
        let mut seen = Vec::new();
        let started = client.start_run(&start)$($await)*.unwrap();
        seen.push(format!("start_run: {}", started.status));
        seen.push(format!("get_run: {}", client.get_run(&started.id)$($await)*.unwrap().name));
        seen.push(format!("wait_for_run: {}", client.wait_for_run(&started.id, WaitOptions::default())$($await)*.unwrap().status));
        let waited = client.wait_for_run(&started.id, WaitOptions::new().policy(policy.clone()))$($await)*.unwrap();
        seen.push(format!("wait_for_run with a policy: {}", waited.status));
        let mut statuses = Vec::<RunStatus>::new();
        let observed = client
            .wait_for_run(&started.id, WaitOptions::new().policy(policy.clone()).on_status(|s| statuses.push(s.clone())))$($await)*
            .unwrap();
        seen.push(format!("wait_for_run with a callback: {} after {} non-terminal", observed.status, statuses.len()));
        seen.push(format!("start_and_wait: {}", client.start_and_wait(&start, WaitOptions::default())$($await)*.unwrap().status));
        seen.push(format!("start_and_wait with a policy: {}", client.start_and_wait(&start, WaitOptions::new().policy(policy))$($await)*.unwrap().status));
        let page = client.list_runs(&query)$($await)*.unwrap();
        seen.push(format!("list_runs: {} runs", page.items().len()));
        seen.push(format!("config: {}", client.config().base_url().host()));
        seen
    }};
}

fn emulator() -> Emulator {
    Emulator::builder()
        .api_key("sk-surface")
        .schedule(Schedule::Instant)
        .start()
        .unwrap()
}

#[test]
fn both_clients_offer_every_operation_and_answer_alike() {
    let (blocking_emu, async_emu) = (emulator(), emulator());
    let blocking = runs_blocking::Client::builder()
        .api_key("sk-surface")
        .base_url(blocking_emu.base_url())
        .build()
        .unwrap();
    let mut from_blocking = every_operation!(blocking,);
    let listed: Vec<_> = blocking
        .runs(&ListRuns::new(
            "demo-agent".parse().unwrap(),
            "hello-world".parse().unwrap(),
        ))
        .max_items(2)
        .map(|r| r.unwrap().name)
        .collect();
    from_blocking.push(format!("runs: {listed:?}"));

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let from_async = runtime.block_on(async {
        let client = runs_async::Client::builder()
            .api_key("sk-surface")
            .base_url(async_emu.base_url())
            .build()
            .unwrap();
        let mut seen = every_operation!(client, .await);
        let query = ListRuns::new("demo-agent".parse().unwrap(), "hello-world".parse().unwrap());
        let listed: Vec<_> = client
            .runs(&query)
            .max_items(2)
            .map(|r| r.unwrap().name)
            .collect()
            .await;
        seen.push(format!("runs: {listed:?}"));
        seen
    });
    assert_eq!(from_blocking, from_async);
    assert_eq!(from_blocking.len(), 10);
    // The configuration builders of both are runs-core's, with the client as the target.
    let _: runs_core::ConfigBuilder<_, _, runs_blocking::Client> = runs_blocking::Client::builder();
    let _: runs_core::ConfigBuilder<_, _, runs_async::Client> = runs_async::Client::builder();
}
