//! The commands, one module each; [`run`] dispatches to them.

#[cfg(feature = "emulator")]
mod emulator;
mod files;
mod get;
mod health;
mod list;
mod processes;
#[cfg(feature = "emulator")]
mod quickstart;
mod start;
mod wait;

use std::io::Write;

use clap::ArgMatches;
use runs_core::{FieldError, RunId};

use crate::cli::{Cli, Command};
use crate::exit::Failure;

/// Runs the command `cli` names, printing results on `out`. `matches` is what clap parsed
/// `cli` from, for what the derived struct does not keep (argument positions and sources).
pub fn run(cli: &Cli, matches: &ArgMatches, out: &mut dyn Write) -> Result<(), Failure> {
    let sub = matches.subcommand().map(|(_, m)| m);
    match &cli.command {
        Command::List(args) => list::run(&cli.global, args, out),
        Command::Get(args) => get::run(&cli.global, args, out),
        Command::Start(args) => start::run(&cli.global, args, sub, out),
        Command::Wait(args) => wait::run(&cli.global, args, out),
        Command::Files(crate::cli::FilesCommand::Upload(args)) => files::run(&cli.global, args, out),
        Command::Processes(command) => processes::run(&cli.global, command, out),
        Command::Health => health::run(&cli.global, out),
        #[cfg(feature = "emulator")]
        Command::Emulator(args) => emulator::run(&cli.global, args, sub),
        #[cfg(feature = "emulator")]
        Command::Quickstart => quickstart::run(out),
    }
}

/// A run id given as the `RUN_ID` argument.
fn run_id(text: &str) -> Result<RunId, Failure> {
    text.parse()
        .map_err(|e: FieldError| Failure::from(e.in_field("RUN_ID")))
}
