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

use crate::cli::{Cli, Command, OutputFormat};
use crate::exit::Failure;
use crate::render;

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

/// Prints every item of a listing as it arrives (`--all`, `--max-items`). The output starts with
/// the first item, so a listing that fails at once prints nothing; one that fails later still
/// closes its JSON array, and the exit code tells it is partial.
fn print_all<R: render::Row>(
    out: &mut dyn Write,
    format: OutputFormat,
    items: impl Iterator<Item = Result<R, runs_core::Error>>,
) -> Result<(), Failure> {
    let mut stream = render::Stream::<R>::new(out, format);
    for item in items {
        match item {
            Ok(item) => stream.item(&item)?,
            Err(e) => {
                if stream.count() > 0 {
                    stream.finish()?;
                }
                return Err(e.into());
            }
        }
    }
    stream.finish()?;
    Ok(())
}

/// `--max-items 0` is refused rather than read as "nothing" or "no cap".
fn check_max_items(max_items: Option<u64>) -> Result<(), Failure> {
    if max_items == Some(0) {
        return Err(Failure::usage(
            "--max-items must be at least 1 (leave it out for one page, or use --all)",
        ));
    }
    Ok(())
}

/// A run id given as the `RUN_ID` argument.
fn run_id(text: &str) -> Result<RunId, Failure> {
    text.parse()
        .map_err(|e: FieldError| Failure::from(e.in_field("RUN_ID")))
}
