//! `runs`: the Runs API from the command line, on the blocking client.
//!
//! Scripts and CI pipelines call the API with it (`list`, `get`, `start`, `wait`), people try
//! the SDK with it (`quickstart`), and tests serve an emulator with it (`emulator`).
//!
//! | module | what it holds |
//! |---|---|
//! | [`cli`] | the options and commands, as clap reads them |
//! | [`config`] | the settings in effect (flag, environment, profile, default), and a client |
//! | [`profile`] | the config file: where it is, `[default]` and `[profile.NAME]` |
//! | [`key`] | where the API key comes from: given, a variable's name, a command |
//! | [`command`] | one module per command |
//! | [`inputs`] | `--input` and `--input-json`, in command-line order |
//! | [`logging`] | `-v`, `-vv` and `RUNS_LOG`: what the SDK does, on stderr |
//! | [`render`] | results on stdout: JSON or tables |
//! | [`records`] | results on stdout as CSV rows or JSON lines |
//! | [`progress`] | a wait's progress on stderr |
//! | [`terminal`] | server text made printable, and shell-quoted in suggested commands |
//! | [`exit`] | failures and their exit codes |
//! | [`filter`] | `list --status` and `--since`, applied to what the pages bring |
//!
//! Results go to stdout, in the `--output` format; everything else (explanations, progress,
//! the one `error: ...` line of a failure) goes to stderr. The API key is never printed.
//!
//! # Decisions the issue leaves open
//! - A listing with `--all`/`--max-items` prints nothing if its first page fails; if a later
//!   page fails, the JSON array is closed (stdout stays one document) and the exit code says
//!   the listing is partial.
//! - stdout closing early (`runs list --all | head`) stops the listing and exits 0, silently.
//! - `runs emulator` accepts the key of `--api-key` only when given on the command line, not
//!   from `RUNS_API_KEY` (it may be a real key, and the banner prints the key accepted). An
//!   address in use exits 2; any other emulator failure exits 4.
//! - A loopback `--base-url` is reached without the environment's proxy.
//! - Extensions to the interface: `--deadline`, `--max-attempts`, `--ca-cert` (global,
//!   with `RUNS_*` fallbacks like `RUNS_OUTPUT` and `RUNS_REQUEST_TIMEOUT`), `--interval` on
//!   `start --wait`, and `--ca-out` and `--step` on `emulator`. A repeated option overrides
//!   the earlier one.
//! - `runs quickstart` prints its results as tables whatever `--output` says: it is a
//!   walkthrough for people, and several JSON documents would break the one-document rule.
//! - `--output csv|jsonl`, `list --status` and `--since` (issue 22): docs/decisions.md, "The
//!   command line for daily work". In short: a listing's CSV has its outputs in one JSON
//!   `outputs` column (one run: an `output.NAME` column each); the filters apply to what the
//!   pages bring; `--since` stops early only once the listing has shown itself newest first.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod batch;
mod cli;
mod command;
mod config;
mod exit;
mod filter;
mod inputs;
mod key;
mod logging;
mod profile;
mod progress;
mod records;
mod render;
mod scrub;
mod terminal;
mod upload;

use std::io::Write;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

use crate::cli::Cli;
use crate::exit::Exit;

fn main() -> ExitCode {
    // clap prints its own usage errors and exits 2 (0 for --help and --version).
    let matches = Cli::command().get_matches();
    let mut cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let stdout = std::io::stdout();
    let runs_log = std::env::var("RUNS_LOG").ok();
    let result = logging::install(cli.global.verbose, runs_log.as_deref())
        .and_then(|()| config::resolve(&mut cli, &matches))
        .and_then(|settings| command::run(&cli, &matches, settings.as_ref(), &mut stdout.lock()));
    match result {
        Ok(()) => Exit::Success.into(),
        Err(failure) => {
            if !failure.is_silent() {
                let _ = writeln!(std::io::stderr(), "error: {}", one_line(&failure.to_string()));
            }
            failure.exit().into()
        }
    }
}

/// The message on one line: any line break or control character from a server's text
/// becomes a space.
fn one_line(message: &str) -> String {
    message
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_message_is_kept_to_one_line() {
        assert_eq!(super::one_line("a\nb\r\tc"), "a b  c");
    }
}
