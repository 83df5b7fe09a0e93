//! A minimal blocking program on the SDK: start a run, get it. Built only to be measured
//! (its stripped size, against the same program on reqwest).

use runs_core::ProcessStage;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = runs_blocking::Client::from_env()?.build()?;
    let start = runs_core::StartRun::builder()
        .agent_id("demo-agent")
        .process_id("hello-world")
        .name("size check")
        .stage(ProcessStage::Published)
        .build()?;
    let run = client.start_run(&start)?;
    let run = client.get_run(&run.id)?;
    println!("{} {}", run.id, run.status);
    Ok(())
}
