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

use runs_blocking::{ListRuns, ProcessStage, StartRun};
use runs_emulator::{DEMO_AGENT, HELLO_WORLD};

mod support;

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let (client, emulator) = support::client()?;
    if emulator.is_some() {
        // A fresh emulator has no runs: start a few to list.
        for n in 1..=25 {
            let start = StartRun::builder()
                .agent_id(DEMO_AGENT)
                .process_id(HELLO_WORLD)
                .name(format!("run {n}"))
                .stage(ProcessStage::Draft)
                .build()?;
            client.start_run(&start)?;
        }
    }
    let agent = args.next().unwrap_or_else(|| DEMO_AGENT.into());
    let process = args.next().unwrap_or_else(|| HELLO_WORLD.into());

    // Pages of 10: the iterator fetches the next page only when this one is used up.
    let query = ListRuns::new(agent.parse()?, process.parse()?).with_limit(10)?;
    let mut count = 0;
    for run in client.runs(&query) {
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
