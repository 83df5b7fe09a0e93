//! `runs processes list` and `runs processes get`.

use std::io::Write;

use runs_core::{AgentId, FieldError, ListProcesses, ProcessId};

use crate::cli::{Global, ProcessGetArgs, ProcessListArgs, ProcessesCommand};
use crate::exit::Failure;
use crate::{config, render};

/// Dispatches to `list` or `get`.
pub fn run(global: &Global, command: &ProcessesCommand, out: &mut dyn Write) -> Result<(), Failure> {
    match command {
        ProcessesCommand::List(args) => list(global, args, out),
        ProcessesCommand::Get(args) => get(global, args, out),
    }
}

fn agent_id(text: &Option<String>) -> Result<AgentId, Failure> {
    let text = config::required(text, "--agent-id", "agent_id")?;
    Ok(text.parse().map_err(|e: FieldError| e.in_field("--agent-id"))?)
}

/// One page, or with `--all`/`--max-items` every process, fetched as it is printed.
fn list(global: &Global, args: &ProcessListArgs, out: &mut dyn Write) -> Result<(), Failure> {
    let mut query = ListProcesses::new(agent_id(&args.agent_id)?);
    if let Some(limit) = args.limit {
        query = query
            .with_limit(super::page_size(limit)?)
            .map_err(|e| e.in_field("--limit"))?;
    }
    if let Some(token) = &args.continuation_token {
        query = query.with_continuation_token(token);
    }
    super::check_max_items(args.max_items)?;
    let client = config::client(global)?;
    let out = &mut super::scrubbed(out, &client);
    if !args.all && args.max_items.is_none() {
        let page = client.list_processes(&query)?;
        render::process_page(out, global.output, &page)?;
        super::hint_next_page(
            global.output,
            "processes",
            page.continuation_token.as_deref(),
            runs_core::transport::Secrets::of(client.config()),
        );
        return Ok(());
    }
    super::print_all(out, global.output, client.processes(&query), args.max_items)
}

fn get(global: &Global, args: &ProcessGetArgs, out: &mut dyn Write) -> Result<(), Failure> {
    let agent_id = agent_id(&args.agent_id)?;
    let process_id: ProcessId = args
        .process_id
        .parse()
        .map_err(|e: FieldError| Failure::from(e.in_field("PROCESS_ID")))?;
    let client = config::client(global)?;
    let out = &mut super::scrubbed(out, &client);
    let process = client.get_process(&agent_id, &process_id)?;
    render::process(out, global.output, &process)?;
    Ok(())
}
