use runs_core::{Config, Region};

fn main() {
    let _ = Config::builder().region(Region::Us).build();
}
