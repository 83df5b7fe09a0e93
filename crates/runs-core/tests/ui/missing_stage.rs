use runs_core::{ProcessStage, StartRun};

fn main() {
    let _ = ProcessStage::Draft;
    let _ = StartRun::builder().agent_id("a").process_id("p").name("n").build();
}
