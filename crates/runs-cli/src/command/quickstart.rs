//! `runs quickstart`: a guided tour against an emulator started in this process.
//!
//! The explanations go to stderr and the results to stdout, as with every command; the
//! results are tables, this being a walkthrough for people.

use std::io::Write;
use std::time::Duration;

use runs_blocking::{Client, ListRuns, ProcessStage, StartRun, WaitPolicy};
use runs_emulator::{DEMO_AGENT, Emulator, HELLO_WORLD, Schedule};

use crate::cli::OutputFormat;
use crate::exit::Failure;
use crate::render;

/// The key the quickstart's emulator accepts; it never leaves the process.
const KEY: &str = "quickstart-key";
const NAME: &str = "My first run";
const FILE: &str = "invoice.txt";

/// Starts an emulator on a free loopback port and walks through start, wait, get and list.
pub fn run(out: &mut dyn Write) -> Result<(), Failure> {
    // Each poll of a run moves it one step (Pending, Running, Succeeded), so the tour takes
    // about a second and shows every status.
    let emulator = Emulator::builder()
        .api_key(KEY)
        .schedule(Schedule::PerPoll)
        .start()?;
    let poll = Duration::from_millis(300);
    let client = Client::builder()
        .api_key(KEY)
        .base_url(emulator.base_url())
        .wait_policy(
            WaitPolicy::default()
                .with_initial_interval(poll)
                .with_max_interval(poll)
                .with_factor(1.0)
                .with_timeout(Duration::from_secs(60)),
        )
        .build()?;
    let table = OutputFormat::Table;

    say(&format!(
        "Welcome to the Runs API. This tour runs against a local emulator started just now at\n\
         {}, so it needs no API key and no network. Each step shows the command\n\
         that does the same against the real API; results are printed below each step.",
        emulator.base_url()
    ));

    say(&format!(
        "1. Start a run of process {HELLO_WORLD} of agent {DEMO_AGENT}, with one input and one\n   \
         file ({FILE}, uploaded first; its id goes into the run's file_ids):\n   \
         $ runs start --agent-id {DEMO_AGENT} --process-id {HELLO_WORLD} --name '{NAME}' \
         --stage Published --input greeting=hello --file {FILE}"
    ));
    // A file of the tour's own, in a directory of its own, removed when the tour ends.
    let dir = std::env::temp_dir().join(format!("runs-quickstart-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let file = dir.join(FILE);
    std::fs::write(&file, "Invoice 2026-03: 3 items, 1200 EUR\n")?;
    let start = StartRun::builder()
        .agent_id(DEMO_AGENT)
        .process_id(HELLO_WORLD)
        .name(NAME)
        .stage(ProcessStage::Published)
        .input("greeting", "hello")
        .build()?;
    let started = client.start_run_with_files(&start, [&file]);
    let _ = std::fs::remove_dir_all(&dir);
    let started = started?;
    render::run(out, table, &started)?;
    out.flush()?;

    say(&format!(
        "2. Wait for it to finish: the run goes from Created through Pending and Running to a\n   \
         final status, and the command exits 0 only if that is Succeeded.\n   \
         $ runs wait {}",
        started.id
    ));
    let policy = client.config().wait_policy().clone();
    let finished = super::wait::wait(&client, &started.id, policy)?;
    render::run(out, table, &finished)?;
    out.flush()?;

    say(&format!(
        "3. Fetch the run again at any time; its outputs are set now that it Succeeded:\n   \
         $ runs get {}",
        started.id
    ));
    let fetched = client.get_run(&started.id)?;
    render::run(out, table, &fetched)?;
    out.flush()?;

    say(&format!(
        "4. List the process's runs, newest first (--all fetches every page):\n   \
         $ runs list --agent-id {DEMO_AGENT} --process-id {HELLO_WORLD}"
    ));
    let page = client.list_runs(&ListRuns::new(DEMO_AGENT.parse()?, HELLO_WORLD.parse()?))?;
    render::page(out, table, &page)?;
    out.flush()?;

    say(
        "Done. Against the real API, give your key with --api-key or RUNS_API_KEY, and pick\n\
         --region us|eu|uk; add --output json for the API's JSON. `runs emulator` serves this\n\
         emulator until Ctrl-C, and `runs --help` lists every command and exit code.",
    );
    emulator.shutdown();
    Ok(())
}

/// One step's explanation, on stderr, after a blank line.
fn say(text: &str) {
    eprintln!("\n{text}");
}
