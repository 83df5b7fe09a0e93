//! `runs list`.

use std::io::Write;
use std::time::SystemTime;

use runs_blocking::ListRuns;
use runs_core::{AgentId, FieldError, ProcessId, RunPage};

use crate::cli::{Global, ListArgs};
use crate::exit::Failure;
use crate::filter::{Filter, Keep};
use crate::{config, render};

/// Prints one page, or with `--all`/`--max-items` every run, fetched as it is printed; with
/// `--status`/`--since`, only the runs that match.
pub fn run(global: &Global, args: &ListArgs, out: &mut dyn Write) -> Result<(), Failure> {
    let query = query(args)?;
    let mut filter = filter(args)?;
    let client = config::client(global)?;
    let out = &mut super::scrubbed(out, &client);
    if !args.all && args.max_items.is_none() {
        let mut page = client.list_runs(&query)?;
        if filter.is_active() {
            page = filtered(page, &mut filter);
        }
        render::page(out, global.output, &page)?;
        super::hint_next_page(
            global.output,
            "runs",
            page.continuation_token.as_deref(),
            runs_core::transport::Secrets::of(client.config()),
        );
        return Ok(());
    }
    if !filter.is_active() {
        return super::print_all(out, global.output, client.runs(&query), args.max_items);
    }
    super::print_matching(out, global.output, client.runs(&query), args.max_items, |run| {
        filter.judge(run)
    })
}

/// The page with only its matching runs. When `--since` stopped the listing, the token is
/// dropped too: the pages after it hold older runs.
fn filtered(page: RunPage, filter: &mut Filter) -> RunPage {
    let mut items = Vec::new();
    let mut stopped = false;
    for run in page.items.unwrap_or_default() {
        match filter.judge(&run) {
            Keep::Print => items.push(run),
            Keep::Skip => {}
            Keep::Stop => {
                stopped = true;
                break;
            }
        }
    }
    RunPage {
        items: Some(items),
        continuation_token: if stopped { None } else { page.continuation_token },
    }
}

/// `--status` and `--since`, the duration counted back from now.
fn filter(args: &ListArgs) -> Result<Filter, Failure> {
    let mut statuses = Vec::new();
    for status in &args.status {
        let status = status.trim();
        if status.is_empty() {
            return Err(Failure::usage(
                "--status takes statuses separated by commas, such as Failed,TimedOut; one is empty",
            ));
        }
        statuses.push(status.to_string());
    }
    let since = args.since.and_then(|since| since.cutoff(SystemTime::now()));
    Ok(Filter::new(statuses, since))
}

/// The query, every value checked and named by its flag.
fn query(args: &ListArgs) -> Result<ListRuns, Failure> {
    let agent_id: AgentId = config::required(&args.agent_id, "--agent-id", "agent_id")?
        .parse()
        .map_err(|e: FieldError| e.in_field("--agent-id"))?;
    let process_id: ProcessId = config::required(&args.process_id, "--process-id", "process_id")?
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
