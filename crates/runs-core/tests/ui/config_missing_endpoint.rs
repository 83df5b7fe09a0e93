use runs_core::Config;

fn main() {
    let _ = Config::builder().api_key("k").build();
}
