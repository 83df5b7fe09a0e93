//! `runs health`.

use std::io::Write;

use crate::cli::Global;
use crate::exit::Failure;
use crate::{config, render};

/// Prints what the health check found; exits 3 when the API answered that it is not up.
pub fn run(global: &Global, out: &mut dyn Write) -> Result<(), Failure> {
    let client = config::client(global)?;
    let out = &mut super::scrubbed(out, &client);
    let health = client.health()?;
    render::health(out, global.output, &health)?;
    if health.is_up() {
        Ok(())
    } else {
        Err(Failure::NotUp)
    }
}
