//! The commands, one module each; [`run`] dispatches to them.

mod batch;
mod completions;
mod config;
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
mod watch;

use std::io::Write;

use clap::ArgMatches;
use runs_core::transport::Secrets;
use runs_core::{FieldError, MAX_LIMIT, RunId};

use crate::cli::{Cli, Command, OutputFormat};
use crate::exit::Failure;
use crate::filter::Keep;
use crate::render;
use crate::terminal::shell_word;

/// Runs the command `cli` names, printing results on `out`. `matches` is what clap parsed
/// `cli` from, for what the derived struct does not keep (argument positions and sources).
/// `settings` are those [`crate::config::resolve`] put into `cli`, with their origins.
pub fn run(
    cli: &Cli,
    matches: &ArgMatches,
    settings: Option<&crate::config::Settings>,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let sub = matches.subcommand().map(|(_, m)| m);
    match &cli.command {
        Command::List(args) => list::run(&cli.global, args, out),
        Command::Get(args) => get::run(&cli.global, args, out),
        Command::Start(args) => start::run(&cli.global, args, sub, out),
        Command::Wait(args) => wait::run(&cli.global, args, out),
        Command::Watch(args) => watch::run(&cli.global, args, out),
        Command::Files(crate::cli::FilesCommand::Upload(args)) => files::run(&cli.global, args, out),
        Command::Processes(command) => processes::run(&cli.global, command, out),
        Command::Health => health::run(&cli.global, out),
        Command::Batch(args) => batch::run(&cli.global, args),
        #[cfg(feature = "emulator")]
        Command::Emulator(args) => emulator::run(&cli.global, args, sub),
        #[cfg(feature = "emulator")]
        Command::Quickstart => quickstart::run(out),
        Command::Completions(args) => completions::run(args, out),
        Command::Config(command) => config::run(command, settings, out),
    }
}

/// `out` scrubbed of `client`'s secrets (its key, any proxy password) on every line: what a
/// command prints is server text, which a hostile server can fill with the key it was sent.
fn scrubbed<'a>(out: &'a mut dyn Write, client: &runs_blocking::Client) -> crate::scrub::Scrubbed<'a> {
    crate::scrub::Scrubbed::new(out, Secrets::of(client.config()).clone())
}

/// Prints every item of a listing as it arrives (`--all`, `--max-items`), stopping after
/// `max_items` when given. The output starts with the first item, so a listing that fails at
/// once prints nothing; one that fails later still closes its JSON array, and the exit code
/// tells it is partial.
fn print_all<Q>(
    out: &mut dyn Write,
    format: OutputFormat,
    mut pages: runs_blocking::Pages<Q>,
    max_items: Option<u64>,
) -> Result<(), Failure>
where
    Q: runs_core::transport::PageQuery,
    Q::Item: render::Row,
{
    if let Some(n) = max_items {
        pages = pages.max_items(n);
    }
    print_matching(out, format, pages, None, |_| Keep::Print)
}

/// [`print_all`], printing only the items `keep` says to, at most `max_printed` of them, and
/// fetching no further once `keep` says [`Keep::Stop`].
fn print_matching<Q>(
    out: &mut dyn Write,
    format: OutputFormat,
    pages: runs_blocking::Pages<Q>,
    max_printed: Option<u64>,
    mut keep: impl FnMut(&Q::Item) -> Keep,
) -> Result<(), Failure>
where
    Q: runs_core::transport::PageQuery,
    Q::Item: render::Row,
{
    let mut stream = render::Stream::<Q::Item>::new(out, format);
    for item in pages {
        match item {
            Ok(item) => match keep(&item) {
                Keep::Print => {
                    stream.item(&item)?;
                    if max_printed.is_some_and(|n| stream.count() >= n) {
                        break;
                    }
                }
                Keep::Skip => {}
                Keep::Stop => break,
            },
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

/// A `--limit` as a page size for the query to check. A negative one is as out of range as
/// 0, and is told so the same way.
fn page_size(limit: i64) -> Result<u64, Failure> {
    u64::try_from(limit).map_err(|_| {
        Failure::usage(format!(
            "invalid input: --limit must be between 1 and {MAX_LIMIT}, got {limit}"
        ))
    })
}

/// After one page in a table, CSV or JSON lines: how to get the next (on stderr). The token
/// is the server's text, pasted into a command: scrubbed of the configuration's secrets like any server text (a token
/// holding the key is hostile, and is not worth printing the key for), quoted, and escaped.
fn hint_next_page(format: OutputFormat, what: &str, token: Option<&str>, secrets: &Secrets) {
    // JSON has the token in its document; the others, only here.
    if let (OutputFormat::Table | OutputFormat::Csv | OutputFormat::Jsonl, Some(token)) = (format, token) {
        eprintln!(
            "more {what}: add --continuation-token {}, or --all",
            shell_word(&secrets.scrub(token))
        );
    }
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
