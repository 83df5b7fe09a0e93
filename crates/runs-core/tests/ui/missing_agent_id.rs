use runs_core::{ProcessStage, StartRun};

fn main() {
    let _ = ProcessStage::Draft;
    let _ = StartRun::builder().process_id("p").name("n").stage(ProcessStage::Draft).build();
}
