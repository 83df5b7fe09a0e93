//! Starts a run and waits for it to finish.
//!
//! ```text
//! cargo run -p runs-blocking --example start_and_wait
//! ```
//!
//! With `RUNS_API_KEY` set (and `RUNS_REGION` or `RUNS_BASE_URL`), it talks to that service and
//! takes the agent and process ids as its two arguments. Without it, it starts an emulator in
//! this process and uses its demo agent.

use std::error::Error;

use runs_blocking::WaitOptions;
use runs_blocking::{ProcessStage, StartRun};
use runs_emulator::{DEMO_AGENT, HELLO_WORLD};

mod support;

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let (client, _emulator) = support::client()?;
    let agent = args.next().unwrap_or_else(|| DEMO_AGENT.into());
    let process = args.next().unwrap_or_else(|| HELLO_WORLD.into());

    let start = StartRun::builder()
        .agent_id(&agent)
        .process_id(&process)
        .name("example run")
        .stage(ProcessStage::Published)
        .input("greeting", "hello")
        .build()?;
    let run = client.start_run(&start)?;
    println!("started {} ({})", run.id, run.status);

    let run = client.wait_for_run(&run.id, WaitOptions::default())?;
    println!("{} finished: {}", run.id, run.status);
    for output in run.outputs() {
        println!("  {} = {}", output.name, output.value);
    }
    if !run.status.is_success() {
        return Err(format!("run {} ended {}", run.id, run.status).into());
    }
    Ok(())
}
