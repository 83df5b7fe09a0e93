//! What the examples share: a client for the real service when `RUNS_API_KEY` is set, or else
//! for an emulator started in this process (returned too, as it serves while it lives).

use std::error::Error;

use runs_blocking::Client;
use runs_emulator::Emulator;

/// A client from the environment, or for a fresh local emulator.
pub fn client() -> Result<(Client, Option<Emulator>), Box<dyn Error>> {
    if std::env::var_os("RUNS_API_KEY").is_some() {
        return Ok((Client::from_env()?.build()?, None));
    }
    let emulator = Emulator::builder().api_key("demo-key").start()?;
    eprintln!(
        "RUNS_API_KEY is not set: using an emulator at {}",
        emulator.base_url()
    );
    let client = Client::builder()
        .api_key("demo-key")
        .base_url(emulator.base_url())
        .build()?;
    Ok((client, Some(emulator)))
}
