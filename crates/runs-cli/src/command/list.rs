//! `runs list`.

use std::io::Write;

use runs_blocking::ListRuns;
use runs_core::{AgentId, FieldError, ProcessId};

use crate::cli::{Global, ListArgs};
use crate::exit::Failure;
use crate::{config, render};

/// Prints one page, or with `--all`/`--max-items` every run, fetched as it is printed.
pub fn run(global: &Global, args: &ListArgs, out: &mut dyn Write) -> Result<(), Failure> {
    let query = query(args)?;
    let client = config::client(global)?;
    if !args.all && args.max_items.is_none() {
        let page = client.list_runs(&query)?;
        render::page(out, global.output, &page)?;
        super::hint_next_page(
            global.output,
            "runs",
            page.continuation_token.as_deref(),
            client.config().secrets(),
        );
        return Ok(());
    }
    super::print_all(out, global.output, client.runs(&query), args.max_items)
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
        query = query
            .with_limit(super::page_size(limit)?)
            .map_err(|e| e.in_field("--limit"))?;
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
