//! `runs get RUN_ID`.

use std::io::Write;

use crate::cli::{GetArgs, Global};
use crate::exit::Failure;
use crate::{config, render};

/// Fetches the run and prints it.
pub fn run(global: &Global, args: &GetArgs, out: &mut dyn Write) -> Result<(), Failure> {
    let run_id = super::run_id(&args.run_id)?;
    let client = config::client(global)?;
    let out = &mut super::scrubbed(out, &client);
    let run = client.get_run(&run_id)?;
    render::run(out, global.output, &run)?;
    Ok(())
}
