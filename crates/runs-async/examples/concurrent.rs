//! Starts several runs at once from clones of one client, then lists them page by page.
//!
//! ```text
//! cargo run -p runs-async --example concurrent
//! ```
//!
//! It starts its own emulator over HTTPS (trusting the emulator's CA), so it needs no setup.

use futures_util::StreamExt;
use runs_async::WaitOptions;
use runs_async::{Client, ListRuns, ProcessStage, StartRun};
use runs_emulator::{DEMO_AGENT, Emulator, HELLO_WORLD, Schedule};
use tokio::task::JoinSet;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = Emulator::builder()
        .tls(true)
        .schedule(Schedule::Instant)
        .start()?;
    let ca = emulator.ca_pem().ok_or("the emulator has no CA")?;
    let client = Client::builder()
        .api_key(emulator.api_key())
        .base_url(emulator.base_url())
        .add_root_certificate_pem(ca)
        .build()?;

    // Clones share one connection pool; each task drives its own start-and-wait.
    let mut tasks = JoinSet::new();
    for n in 1..=5 {
        let client = client.clone();
        tasks.spawn(async move {
            let request = StartRun::builder()
                .agent_id(DEMO_AGENT)
                .process_id(HELLO_WORLD)
                .name(format!("batch item {n}"))
                .input("item", n)
                .stage(ProcessStage::Draft)
                .build()?;
            client.start_and_wait(&request, WaitOptions::default()).await
        });
    }
    while let Some(done) = tasks.join_next().await {
        let run = done??;
        println!("{} {} {}", run.id, run.name, run.status);
    }

    // Two runs a page: the stream fetches a page only when it needs the next run.
    let query = ListRuns::new(DEMO_AGENT.parse()?, HELLO_WORLD.parse()?).with_limit(2)?;
    let mut runs = client.runs(&query);
    while let Some(run) = runs.next().await {
        let run = run?;
        println!("listed {} ({})", run.name, run.status);
    }
    println!("{} connections served it all", emulator.counters().connections);
    Ok(())
}
