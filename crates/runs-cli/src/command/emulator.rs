//! `runs emulator`: the emulator library's own serve-until-Ctrl-C, with this CLI's options.

use clap::ArgMatches;
use clap::parser::ValueSource;
use runs_emulator::ServeArgs;

use crate::cli::{EmulatorArgs, Global};
use crate::exit::Failure;

/// Serves until Ctrl-C (or SIGTERM); the banner (URL, key, CA file) goes to stderr.
pub fn run(global: &Global, args: &EmulatorArgs, matches: Option<&ArgMatches>) -> Result<(), Failure> {
    // The key the emulator accepts comes from `--api-key` only: a RUNS_API_KEY in the
    // environment may be a real key, and the banner prints the key it accepts.
    let from_command_line = matches
        .and_then(|m| m.value_source("api_key"))
        .is_some_and(|source| source == ValueSource::CommandLine);
    let api_keys = match &global.api_key {
        Some(key) if from_command_line => vec![key.clone()],
        _ => Vec::new(),
    };
    let serve = ServeArgs {
        listen: args.listen,
        api_keys,
        tls: args.tls,
        ca_out: args.ca_out.clone(),
        step_seconds: args.step.as_secs_f64(),
        max_active_runs: args.max_active_runs,
        rate_limit: args.rate_limit,
    };
    serve.run(&mut std::io::stderr())?;
    Ok(())
}
