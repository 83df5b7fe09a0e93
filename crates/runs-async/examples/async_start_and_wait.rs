//! Starts a run, waits for it to finish, and prints its outputs.
//!
//! ```text
//! cargo run -p runs-async --example async_start_and_wait [AGENT_ID PROCESS_ID]
//! ```
//!
//! With `RUNS_API_KEY` set (and `RUNS_BASE_URL` or `RUNS_REGION`), it calls that service.
//! Otherwise it starts a local emulator and uses its demo agent, so it runs anywhere.

use runs_async::WaitOptions;
use runs_async::{Client, ProcessStage, StartRun};
use runs_emulator::{DEMO_AGENT, Emulator, HELLO_WORLD};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let local = match std::env::var_os("RUNS_API_KEY") {
        Some(_) => None,
        None => Some(Emulator::builder().api_key("local-key").start()?),
    };
    let client = match &local {
        None => Client::from_env()?.build()?,
        Some(emulator) => {
            eprintln!(
                "no RUNS_API_KEY: calling a local emulator at {}",
                emulator.base_url()
            );
            let builder = Client::builder().api_key(emulator.api_key());
            builder.base_url(emulator.base_url()).build()?
        }
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (agent, process) = match args.as_slice() {
        [agent, process] => (agent.as_str(), process.as_str()),
        _ => (DEMO_AGENT, HELLO_WORLD),
    };

    let request = StartRun::builder()
        .agent_id(agent)
        .process_id(process)
        .name("async example")
        .stage(ProcessStage::Published)
        .input("greeting", "hello from runs-async")
        .build()?;
    let started = client.start_run(&request).await?;
    println!("started {} ({})", started.id, started.status);

    let run = client.wait_for_run(&started.id, WaitOptions::default()).await?;
    println!("{} ended {}", run.id, run.status);
    for output in run.outputs() {
        println!("  {} = {}", output.name, output.value);
    }
    Ok(())
}
