//! `runs start`.

use std::io::Write;

use clap::ArgMatches;
use runs_blocking::StartRun;

use crate::cli::{Global, StartArgs};
use crate::exit::Failure;
use crate::{config, inputs, render, upload};

/// Starts the run and prints it; with `--wait`, waits and prints the final run instead.
pub fn run(
    global: &Global,
    args: &StartArgs,
    matches: Option<&ArgMatches>,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let start = request(args, matches)?;
    // Every --file is opened before any request: a missing one exits 2 with nothing sent.
    let files = upload::check(&args.files, "--file")?;
    let client = config::client(global)?;
    let out = &mut super::scrubbed(out, &client);
    // Checked before the run is started: a refused --interval must not leave a run behind.
    let policy = super::wait::policy(&client, args.timeout, args.interval)?;
    let run = if files.is_empty() {
        client.start_run(&start)?
    } else {
        client.start_run_with_files(&start, files.into_iter().map(upload::source))?
    };
    if !args.wait {
        render::run(out, global.output, &run)?;
        return Ok(());
    }
    eprintln!("started run {}", run.id);
    let run = super::wait::wait(&client, &run.id, policy)?;
    super::wait::finished(global, run, out)
}

/// The start-run request, every value checked, inputs in command-line order.
fn request(args: &StartArgs, matches: Option<&ArgMatches>) -> Result<StartRun, Failure> {
    let inputs = inputs::ordered(
        &positioned(&args.inputs, matches, "inputs"),
        &positioned(&args.json_inputs, matches, "json_inputs"),
    )?;
    let mut builder = StartRun::builder()
        .agent_id(config::required(&args.agent_id, "--agent-id", "agent_id")?)
        .process_id(config::required(&args.process_id, "--process-id", "process_id")?)
        .name(&args.name)
        .stage((*config::required(&args.stage, "--stage", "stage")?).into());
    for file_id in &args.file_ids {
        builder = builder.file_id(file_id);
    }
    for input in inputs {
        builder = builder.input(input.name, input.value);
    }
    Ok(builder.build()?)
}

/// Each value of a repeated flag with its position on the command line (or its place in
/// the list, when the matches are not at hand).
fn positioned<'a>(values: &'a [String], matches: Option<&ArgMatches>, id: &str) -> Vec<(usize, &'a str)> {
    let indices: Vec<usize> = matches
        .and_then(|m| m.indices_of(id))
        .map(Iterator::collect)
        .unwrap_or_default();
    values
        .iter()
        .enumerate()
        .map(|(i, v)| (indices.get(i).copied().unwrap_or(i), v.as_str()))
        .collect()
}
