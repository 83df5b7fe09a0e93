//! `runs list`.

use std::io::Write;

use runs_blocking::ListRuns;
use runs_core::{AgentId, FieldError, MAX_LIMIT, ProcessId};

use crate::cli::{Global, ListArgs, OutputFormat};
use crate::exit::Failure;
use crate::terminal::shell_word;
use crate::{config, render};

/// Prints one page, or with `--all`/`--max-items` every run, fetched as it is printed.
pub fn run(global: &Global, args: &ListArgs, out: &mut dyn Write) -> Result<(), Failure> {
    let query = query(args)?;
    let client = config::client(global)?;
    if !args.all && args.max_items.is_none() {
        let page = client.list_runs(&query)?;
        render::page(out, global.output, &page)?;
        if let (OutputFormat::Table, Some(token)) = (global.output, &page.continuation_token) {
            // The token is the server's text, pasted into a command: quoted, and escaped.
            eprintln!(
                "more runs: add --continuation-token {}, or --all",
                shell_word(token)
            );
        }
        return Ok(());
    }
    let mut runs = client.runs(&query);
    if let Some(n) = args.max_items {
        runs = runs.max_items(n);
    }
    super::print_all(out, global.output, runs)
}

/// The query, every value checked and named by its flag.
fn query(args: &ListArgs) -> Result<ListRuns, Failure> {
    let agent_id: AgentId = args
        .agent_id
        .parse()
        .map_err(|e: FieldError| e.in_field("--agent-id"))?;
    let process_id: ProcessId = args
        .process_id
        .parse()
        .map_err(|e: FieldError| e.in_field("--process-id"))?;
    let mut query = ListRuns::new(agent_id, process_id);
    if let Some(limit) = args.limit {
        // A negative limit is as out of range as 0, and is told so the same way.
        let checked = u64::try_from(limit).map_err(|_| {
            Failure::usage(format!(
                "invalid input: --limit must be between 1 and {MAX_LIMIT}, got {limit}"
            ))
        })?;
        query = query.with_limit(checked).map_err(|e| e.in_field("--limit"))?;
    }
    super::check_max_items(args.max_items)?;
    if let Some(stage) = args.stage {
        query = query.with_stage(stage.into());
    }
    if let Some(token) = &args.continuation_token {
        query = query.with_continuation_token(token);
    }
    Ok(query)
}
