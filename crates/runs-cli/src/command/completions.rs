//! `runs completions SHELL`.

use std::io::Write;

use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs};
use crate::exit::Failure;

/// Prints the completion script of `args.shell`, generated from the command line's definition.
pub fn run(args: &CompletionsArgs, out: &mut dyn Write) -> Result<(), Failure> {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "runs", &mut script);
    out.write_all(&script)?;
    out.flush()?;
    Ok(())
}
