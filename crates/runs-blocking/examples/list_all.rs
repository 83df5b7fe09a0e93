//! Lists every run of a process, page by page.
//!
//! ```text
//! cargo run -p runs-blocking --example list_all
//! ```
//!
//! With `RUNS_API_KEY` set (and `RUNS_REGION` or `RUNS_BASE_URL`), it lists that service's runs
//! of the agent and process given as its two arguments. Without it, it starts an emulator in
//! this process and first starts a few runs there to list.

use std::error::Error;

use runs_blocking::{Client, ListRuns, ProcessStage, StartRun};
use runs_emulator::{DEMO_AGENT, Emulator, HELLO_WORLD};

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let (client, _emulator) = if std::env::var_os("RUNS_API_KEY").is_some() {
        (Client::from_env()?.build()?, None)
    } else {
        let emulator = Emulator::builder().api_key("demo-key").start()?;
        eprintln!(
            "RUNS_API_KEY is not set: using an emulator at {}",
            emulator.base_url()
        );
        let client = Client::builder()
            .api_key("demo-key")
            .base_url(emulator.base_url())
            .build()?;
        for n in 1..=25 {
            let start = StartRun::builder()
                .agent_id(DEMO_AGENT)
                .process_id(HELLO_WORLD)
                .name(format!("run {n}"))
                .stage(ProcessStage::Draft)
                .build()?;
            client.start_run(&start)?;
        }
        (client, Some(emulator))
    };
    let agent = args.next().unwrap_or_else(|| DEMO_AGENT.into());
    let process = args.next().unwrap_or_else(|| HELLO_WORLD.into());

    // Pages of 10: the iterator fetches the next page only when this one is used up.
    let query = ListRuns::new(agent.parse()?, process.parse()?).limit(10)?;
    let mut count = 0;
    for run in client.runs(&query, None) {
        let run = run?;
        count += 1;
        println!(
            "{}  {:<10} {}  {}",
            run.id,
            run.status.as_str(),
            run.created_at,
            run.name
        );
    }
    println!("{count} runs");
    Ok(())
}
