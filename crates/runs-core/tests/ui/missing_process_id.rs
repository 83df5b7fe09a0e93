use runs_core::{ProcessStage, StartRun};

fn main() {
    let _ = ProcessStage::Draft;
    let _ = StartRun::builder().agent_id("a").name("n").stage(ProcessStage::Draft).build();
}
