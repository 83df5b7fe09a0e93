//! The command line: every option and subcommand, as clap reads them.
//!
//! Values with rules of their own (ids, names, limits) are taken here as plain text and checked
//! by the command that uses them, with runs-core's rules, so that a mistake is reported in one
//! line naming the flag, before any request is sent.

#[cfg(feature = "emulator")]
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use runs_core::{ProcessStage, Region};

/// What the exit codes mean, shown after the top-level help.
const EXIT_CODES: &str = "\
Exit codes:
  0  success (for `wait` and `start --wait`: the run Succeeded)
  1  the run ended in another terminal status
  2  invalid arguments or input, found before any request is sent
  3  the API answered with an error status (after retries)
  4  no usable answer (connection, timeout, wait deadline, malformed or oversized body)";

/// Script the Runs API from a shell or a CI pipeline.
#[derive(Debug, Parser)]
#[command(
    name = "runs",
    version,
    propagate_version = true,
    args_override_self = true,
    after_help = EXIT_CODES
)]
pub struct Cli {
    /// Options every command takes.
    #[command(flatten)]
    pub global: Global,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The help heading of the options every command takes.
const GLOBAL: &str = "Global options";

/// Options every command takes, before or after the command's name.
#[derive(Debug, Args)]
pub struct Global {
    /// The API key, sent in `x-api-key` [default: the profile's api_key_env, api_key_command
    /// or api_key]. For `runs emulator`: the key the emulator accepts (only when given on the
    /// command line).
    #[arg(
        long,
        env = "RUNS_API_KEY",
        help_heading = GLOBAL,
        hide_env_values = true,
        global = true,
        value_name = "KEY"
    )]
    pub api_key: Option<String>,

    /// The region of the hosted service.
    #[arg(
        long,
        env = "RUNS_REGION",
        global = true,
        help_heading = GLOBAL,
        hide_env_values = true,
        value_enum,
        ignore_case = true,
        default_value_t = RegionArg::Us
    )]
    pub region: RegionArg,

    /// Show each HTTP attempt, retry and wait poll on stderr; -vv for more. RUNS_LOG (a
    /// tracing filter, such as `runs=debug`) sets it finer.
    #[arg(short = 'v', long = "verbose", action = clap::ArgAction::Count, global = true, help_heading = GLOBAL)]
    pub verbose: u8,

    /// The API's base URL, ending in /v2 (an emulator, a gateway); wins over --region.
    #[arg(long, env = "RUNS_BASE_URL", global = true, help_heading = GLOBAL, hide_env_values = true, value_name = "URL",
          value_parser = base_url)]
    pub base_url: Option<String>,

    /// How results are printed on stdout: aligned columns for people, the API's JSON, CSV (a
    /// header, then a row per item; a run's outputs as `output.NAME` columns, a listing's in
    /// one `outputs` column as a JSON object), or JSON lines (a compact object per item).
    #[arg(long, env = "RUNS_OUTPUT", global = true, help_heading = GLOBAL, hide_env_values = true, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,

    /// Time allowed for one HTTP request, retries aside (an upload: since its last byte
    /// moved) [default: 30].
    #[arg(long, env = "RUNS_REQUEST_TIMEOUT", global = true, help_heading = GLOBAL, hide_env_values = true, value_name = "SECS", value_parser = seconds)]
    pub request_timeout: Option<Duration>,

    /// Time allowed for one operation, all its retries included; never exceeded once set
    /// (unset, it grows for a large upload) [default: 120].
    #[arg(long, env = "RUNS_DEADLINE", global = true, help_heading = GLOBAL, hide_env_values = true, value_name = "SECS", value_parser = seconds)]
    pub deadline: Option<Duration>,

    /// The most requests sent for one operation, the first included (1: never retry)
    /// [default: 4].
    #[arg(long, env = "RUNS_MAX_ATTEMPTS", global = true, help_heading = GLOBAL, hide_env_values = true, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_attempts: Option<u32>,

    /// Also trust the CA certificates in this PEM file (the one `runs emulator --tls` writes).
    #[arg(long, env = "RUNS_CA_CERT", global = true, help_heading = GLOBAL, hide_env_values = true, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,

    /// Take the settings of `[profile.NAME]` in the config file, over its `[default]` section
    /// (`runs config path` says where the file is; RUNS_CONFIG names another). A flag or its
    /// environment variable wins over the file.
    #[arg(long, env = "RUNS_PROFILE", global = true, help_heading = GLOBAL, hide_env_values = true, value_name = "NAME")]
    pub profile: Option<String>,

    /// The key's reference from the config file, and the section that gave it, when no
    /// --api-key or RUNS_API_KEY does: read when a client is built.
    #[arg(skip)]
    pub key_ref: Option<(crate::key::KeyRef, String)>,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the runs of a process, one page or all of them.
    List(ListArgs),
    /// Show a run.
    Get(GetArgs),
    /// Start a run, and optionally wait for it to finish.
    Start(StartArgs),
    /// Wait for runs to finish, and show them; exit 0 only if every one Succeeded.
    Wait(WaitArgs),
    /// Watch many runs until they finish, each printed as it finishes.
    ///
    /// The runs given, or every run of a process not yet finished. A terminal shows how many
    /// are still going. Exit 0 only if every one Succeeded; 1 if one ended otherwise; 4 at
    /// --timeout.
    ///
    /// Runs of one process are polled with list pages (one page reports up to 100 runs) while
    /// several are going, and each other run with one request.
    Watch(WatchArgs),
    /// Upload files, for a run's inputs.
    #[command(subcommand)]
    Files(FilesCommand),
    /// List or show an agent's processes.
    #[command(subcommand)]
    Processes(ProcessesCommand),
    /// Check whether the API is up: exit 0 when it is, 3 when it answers that it is not.
    Health,
    /// Start a run for each row of a CSV or JSON-lines file, each exactly once, and wait for
    /// them; results in a file beside the input.
    ///
    /// Every row is checked before anything is sent (exit 2 lists every bad row). Each row's
    /// run gets a name unique to the batch; a journal records each start before it is sent and
    /// its run id after, so a batch that was killed or stopped resumes from where it was when
    /// the same command runs again, and a start whose answer was lost is looked for by name
    /// rather than sent twice.
    ///
    /// Exit codes: 0 every row Succeeded (with --no-wait: every row started); 1 a row ended
    /// otherwise (the results say which); 2 invalid input, nothing sent; 3 or 4 the batch
    /// stopped on an API or connection problem: run the same command again to resume.
    Batch(BatchArgs),
    /// Serve a local Runs API emulator until Ctrl-C.
    ///
    /// It accepts the key given with --api-key (`emulator-key` if none; RUNS_API_KEY is not
    /// used, as the banner prints the key). Agent `demo-agent` has the processes
    /// `hello-world` (runs succeed), `always-fails`, `gets-cancelled` and `times-out`.
    #[cfg(feature = "emulator")]
    Emulator(EmulatorArgs),
    /// Walk through start, wait, get and list against an in-process emulator; needs no key
    /// and no network.
    ///
    /// Explanations go to stderr, results to stdout, always as tables (whatever --output says).
    #[cfg(feature = "emulator")]
    Quickstart,
    /// Print a shell's completion script on stdout.
    ///
    /// bash:  runs completions bash > ~/.local/share/bash-completion/completions/runs
    ///
    /// zsh:   runs completions zsh > ~/.zfunc/_runs   (with ~/.zfunc in fpath)
    ///
    /// fish:  runs completions fish > ~/.config/fish/completions/runs.fish
    ///
    /// PowerShell, in $PROFILE:  runs completions powershell | Out-String | Invoke-Expression
    ///
    /// elvish, in rc.elv:  eval (runs completions elvish | slurp)
    Completions(CompletionsArgs),
    /// The config file of profiles, and the settings in effect.
    ///
    /// The file is `$XDG_CONFIG_HOME/runs/config.toml` (else `~/.config/runs/config.toml`;
    /// on Windows `%APPDATA%\runs\config.toml`), or the file RUNS_CONFIG names. Its
    /// `[default]` section applies to every command, and `[profile.NAME]` (chosen with
    /// --profile or RUNS_PROFILE) over it. Keys are the options' names with `_` for `-`:
    /// region, base_url, agent_id, process_id, stage, output, request_timeout, deadline,
    /// max_attempts, ca_cert; and the key by reference, api_key_env (a variable's name) or
    /// api_key_command (run with `sh -c`; its output is the key), or inline as api_key in
    /// a file only its owner can read. A flag wins, then its environment variable, then the
    /// profile, then `[default]`, then the built-in default.
    #[command(subcommand)]
    Config(ConfigCommand),
}

/// `runs config ...`.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the settings in effect and where each comes from (the key: only where it comes
    /// from, and whether it is set).
    Show,
    /// Print the config file's path (whether or not it exists).
    Path,
}

/// `runs completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

/// `runs list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// The agent that owns the process [default: the profile's agent_id].
    #[arg(long, value_name = "ID")]
    pub agent_id: Option<String>,
    /// The process whose runs to list [default: the profile's process_id].
    #[arg(long, value_name = "ID")]
    pub process_id: Option<String>,
    /// Only runs of this stage.
    #[arg(long, value_enum)]
    pub stage: Option<StageArg>,
    /// Runs per page, 1 to 100 [default: the server's, 10].
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub limit: Option<i64>,
    /// Start from this page (the token a previous page gave).
    #[arg(long, value_name = "TOKEN")]
    pub continuation_token: Option<String>,
    /// Fetch every page (lazily, as they are printed); JSON output is one array of runs.
    #[arg(long, conflicts_with = "max_items")]
    pub all: bool,
    /// Fetch pages until N runs, at least 1 (lazily, as they are printed); JSON output is one
    /// array. With --status or --since: N runs that match.
    #[arg(long, value_name = "N")]
    pub max_items: Option<u64>,
    /// Only runs in one of these statuses, comma-separated (`Failed,TimedOut`; any case; a
    /// status this tool does not know is matched too). The API cannot filter by status: the
    /// runs the pages bring are filtered here, so every page is still fetched.
    #[arg(long, value_name = "STATUS,...", value_delimiter = ',')]
    pub status: Vec<String>,
    /// Only runs created at or after this: a duration back from now (`90s`, `30m`, `2h`, `1d`,
    /// `1w`) or a UTC date-time (`2026-03-01T00:00:00`, `2026-03-01`). Filtered here, as the
    /// API cannot; the listing stops at the first older run if every run before it came newest
    /// first (the API promises no order), and otherwise reads on to the end.
    #[arg(long, value_name = "DURATION|TIMESTAMP", value_parser = crate::filter::since)]
    pub since: Option<crate::filter::Since>,
}

/// `runs get`.
#[derive(Debug, Args)]
pub struct GetArgs {
    /// The run's id.
    #[arg(value_name = "RUN_ID")]
    pub run_id: String,
}

/// `runs start`.
#[derive(Debug, Args)]
pub struct StartArgs {
    /// The agent that owns the process [default: the profile's agent_id].
    #[arg(long, value_name = "ID")]
    pub agent_id: Option<String>,
    /// The process to run [default: the profile's process_id].
    #[arg(long, value_name = "ID")]
    pub process_id: Option<String>,
    /// The run's name, 1 to 100 characters.
    #[arg(long)]
    pub name: String,
    /// Which version of the process to run [default: the profile's stage].
    #[arg(long, value_enum)]
    pub stage: Option<StageArg>,
    /// A file id from the files API; repeat for several.
    #[arg(long = "file-id", value_name = "FILE_ID")]
    pub file_ids: Vec<String>,
    /// A file to upload first and give the run (after any --file-id); repeat for several.
    #[arg(long = "file", value_name = "PATH")]
    pub files: Vec<PathBuf>,
    /// An input with a string value; repeat for several. Inputs keep their command-line
    /// order, with --input-json.
    #[arg(long = "input", value_name = "NAME=VALUE")]
    pub inputs: Vec<String>,
    /// An input with any JSON value (`n=42`, `tags=["a","b"]`); repeat for several.
    #[arg(long = "input-json", value_name = "NAME=JSON")]
    pub json_inputs: Vec<String>,
    /// Wait for the run to finish and print the final run; exit 1 unless it Succeeded.
    #[arg(long)]
    pub wait: bool,
    /// With --wait: give up waiting after this long, more than 0 (exit 4) [default: 600].
    #[arg(long, requires = "wait", value_name = "SECS", value_parser = seconds)]
    pub timeout: Option<Duration>,
    /// With --wait: poll this often, at least 0.1 [default: from 1, growing to 10].
    #[arg(long, requires = "wait", value_name = "SECS", value_parser = seconds)]
    pub interval: Option<Duration>,
}

/// `runs files ...`.
#[derive(Debug, Subcommand)]
pub enum FilesCommand {
    /// Upload files and print their ids, for `runs start --file-id`.
    Upload(UploadArgs),
}

/// `runs files upload`.
#[derive(Debug, Args)]
pub struct UploadArgs {
    /// The files, each uploaded under its file name.
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
    /// The agent the files are for (may be left out when the key belongs to one agent)
    /// [default: the profile's agent_id].
    #[arg(long, value_name = "ID")]
    pub agent_id: Option<String>,
}

/// `runs processes ...`.
#[derive(Debug, Subcommand)]
pub enum ProcessesCommand {
    /// List an agent's processes, one page or all of them.
    List(ProcessListArgs),
    /// Show one process of an agent.
    Get(ProcessGetArgs),
}

/// `runs processes list`.
#[derive(Debug, Args)]
pub struct ProcessListArgs {
    /// The agent whose processes to list [default: the profile's agent_id].
    #[arg(long, value_name = "ID")]
    pub agent_id: Option<String>,
    /// Processes per page, 1 to 100 [default: the server's, 10].
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub limit: Option<i64>,
    /// Start from this page (the token a previous page gave).
    #[arg(long, value_name = "TOKEN")]
    pub continuation_token: Option<String>,
    /// Fetch every page (lazily, as they are printed); JSON output is one array.
    #[arg(long, conflicts_with = "max_items")]
    pub all: bool,
    /// Fetch pages until N processes, at least 1 (lazily, as they are printed); JSON output is
    /// one array.
    #[arg(long, value_name = "N")]
    pub max_items: Option<u64>,
}

/// `runs processes get`.
#[derive(Debug, Args)]
pub struct ProcessGetArgs {
    /// The process's id.
    #[arg(value_name = "PROCESS_ID")]
    pub process_id: String,
    /// The agent that owns it [default: the profile's agent_id].
    #[arg(long, value_name = "ID")]
    pub agent_id: Option<String>,
}

/// `runs wait`.
#[derive(Debug, Args)]
pub struct WaitArgs {
    /// The runs' ids: one is followed status by status; several are watched together as
    /// `runs watch` does (each printed as it finishes).
    #[arg(value_name = "RUN_ID", required = true)]
    pub run_ids: Vec<String>,
    /// Give up after this long, more than 0 (exit 4) [default: 600].
    #[arg(long, value_name = "SECS", value_parser = seconds)]
    pub timeout: Option<Duration>,
    /// Poll this often, at least 0.1 [default: from 1, growing to 10].
    #[arg(long, value_name = "SECS", value_parser = seconds)]
    pub interval: Option<Duration>,
}

/// `runs watch`.
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// The runs to watch [default: every run of --process-id not yet finished].
    #[arg(value_name = "RUN_ID")]
    pub run_ids: Vec<String>,
    /// Without RUN_IDs: the agent that owns the process [default: the profile's agent_id].
    #[arg(long, value_name = "ID", conflicts_with = "run_ids")]
    pub agent_id: Option<String>,
    /// Without RUN_IDs: the process whose runs not yet finished to watch [default: the
    /// profile's process_id].
    #[arg(long, value_name = "ID", conflicts_with = "run_ids")]
    pub process_id: Option<String>,
    /// Give up after this long, more than 0 (exit 4) [default: 600].
    #[arg(long, value_name = "SECS", value_parser = seconds)]
    pub timeout: Option<Duration>,
    /// Poll this often, at least 0.1 [default: 2].
    #[arg(long, value_name = "SECS", value_parser = seconds)]
    pub interval: Option<Duration>,
    /// At most N requests a second to the API [default: no limit; a 429 slows every request].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub rate: Option<u32>,
}

/// `runs emulator`. The key it accepts is the global `--api-key`.
#[cfg(feature = "emulator")]
#[derive(Debug, Args)]
pub struct EmulatorArgs {
    /// Address to listen on; port 0 picks a free port (the banner says which).
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    pub listen: SocketAddr,
    /// Serve https with a certificate made at start; its CA is written to --ca-out.
    #[arg(long)]
    pub tls: bool,
    /// With --tls: where to write the CA certificate (PEM) [default: a file in the temp dir].
    #[arg(long, requires = "tls", value_name = "PATH")]
    pub ca_out: Option<PathBuf>,
    /// Time each run spends in Created, Pending and Running; 0 finishes runs at once.
    #[arg(long, default_value = "2", value_name = "SECS", value_parser = seconds)]
    pub step: Duration,
    /// Cap the runs active at once, as an organisation's concurrent-run capacity does: a start
    /// beyond it gets 403 "Resource Not Available" [default: no cap].
    #[arg(long, value_name = "N")]
    pub max_active_runs: Option<usize>,
    /// Limit every API route together to N requests a second: 429 with Retry-After beyond it
    /// [default: no limit].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub rate_limit: Option<u32>,
}

/// `runs batch`.
#[derive(Debug, Args)]
pub struct BatchArgs {
    /// The rows: CSV with a header row, or JSON lines (`.jsonl`, `.ndjson`: an object a line).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// The agent every run is started for [default: the profile's agent_id].
    #[arg(long, value_name = "ID")]
    pub agent_id: Option<String>,
    /// The process every run is started of [default: the profile's process_id].
    #[arg(long, value_name = "ID")]
    pub process_id: Option<String>,
    /// The stage every run is started at [default: the profile's stage].
    #[arg(long, value_enum)]
    pub stage: Option<StageArg>,
    /// The column (or member) that identifies a row; its values must be unique [default: the
    /// row number, from 1].
    #[arg(long, value_name = "COLUMN")]
    pub key: Option<String>,
    /// Each run's name: {key} and {stem} (the input file's stem) are filled in; at most 100
    /// characters, unique per row.
    #[arg(long, value_name = "TEMPLATE", default_value = "{stem}-{key}")]
    pub name: String,
    /// A column holding a local path (relative to the current folder); the file is uploaded
    /// and its id goes into file_ids. An empty cell means no file. Repeat for several.
    #[arg(long = "file-column", value_name = "COLUMN")]
    pub file_columns: Vec<String>,
    /// A column whose cells are JSON values rather than strings. Repeat for several.
    #[arg(long = "json-column", value_name = "COLUMN")]
    pub json_columns: Vec<String>,
    /// The journal [default: FILE with `.journal` appended].
    #[arg(long, value_name = "PATH")]
    pub journal: Option<PathBuf>,
    /// The results [default: FILE's stem + `.results.csv`, `.results.jsonl` for JSON lines].
    #[arg(long, value_name = "PATH")]
    pub results: Option<PathBuf>,
    /// At most N requests in flight.
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..=64))]
    pub concurrency: u64,
    /// At most N runs of this batch not yet finished; keep it under your organisation's
    /// concurrent-run cap (150 by default, shared with everyone else's runs).
    #[arg(long, value_name = "N", default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_active: u64,
    /// At most N requests a second to the API, every request of the batch counted (starts,
    /// searches, polls, uploads' POST /files); a 429 slows them all (the API's limit is shared
    /// by the whole organisation's traffic).
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    pub rate: u32,
    /// Stop once every row's run has started, without waiting for them to finish.
    #[arg(long)]
    pub no_wait: bool,
    /// Start again the rows whose run ended Failed, Cancelled or TimedOut (named NAME #2...).
    #[arg(long)]
    pub retry_failed: bool,
    /// How often the unfinished runs are polled, at least 0.1 [default: 2].
    #[arg(long, value_name = "SECS", value_parser = seconds)]
    pub poll_interval: Option<Duration>,
    /// Print no progress on stderr.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `--region`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RegionArg {
    // United States.
    Us,
    // European Union.
    Eu,
    // United Kingdom.
    Uk,
}

impl From<RegionArg> for Region {
    fn from(region: RegionArg) -> Self {
        match region {
            RegionArg::Us => Region::Us,
            RegionArg::Eu => Region::Eu,
            RegionArg::Uk => Region::Uk,
        }
    }
}

/// `--output`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    // Aligned columns, and a run's fields one per line.
    Table,
    // The API's JSON, one document.
    Json,
    // A header row, then a row per item.
    Csv,
    // The API's JSON, one compact object a line.
    Jsonl,
}

/// `--stage`, in the API's exact case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StageArg {
    // The draft version of the process.
    #[value(name = "Draft")]
    Draft,
    // The published version of the process.
    #[value(name = "Published")]
    Published,
}

impl From<StageArg> for ProcessStage {
    fn from(stage: StageArg) -> Self {
        match stage {
            StageArg::Draft => ProcessStage::Draft,
            StageArg::Published => ProcessStage::Published,
        }
    }
}

/// Reads `--base-url`, refusing plain `http://` to another host in this command line's terms:
/// the library's own refusal names a builder method this tool has no flag for.
pub fn base_url(text: &str) -> Result<String, String> {
    match runs_core::BaseUrl::parse(text) {
        Ok(url) if !url.is_https() && !url.is_loopback() => Err(format!(
            "{url} is plain http:// to another host, which would send the API key in clear; \
             use https:// (plain http:// is accepted only for this machine: localhost, 127.0.0.1, [::1])"
        )),
        // Other mistakes are reported by the library, with the rule they break.
        _ => Ok(text.to_string()),
    }
}

/// Reads a number of seconds, fractions allowed (`2`, `0.5`).
pub fn seconds(text: &str) -> Result<Duration, String> {
    let secs: f64 = text
        .trim()
        .parse()
        .map_err(|_| "must be a number of seconds, like 2 or 0.5".to_string())?;
    if !secs.is_finite() || secs < 0.0 {
        return Err("must be a number of seconds, 0 or more".into());
    }
    Duration::try_from_secs_f64(secs).map_err(|_| "is too many seconds".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn the_defaults_the_help_names_are_runs_cores() {
        use runs_core::config_defaults::{DEFAULT_DEADLINE, DEFAULT_REQUEST_TIMEOUT};
        assert_eq!(DEFAULT_REQUEST_TIMEOUT, Duration::from_secs(30));
        assert_eq!(DEFAULT_DEADLINE, Duration::from_secs(120));
        assert_eq!(runs_core::RetryPolicy::default().max_attempts(), 4);
        assert_eq!(
            runs_core::WaitPolicy::default().timeout(),
            Duration::from_secs(600)
        );
    }

    #[test]
    fn seconds_take_fractions_and_refuse_the_rest() {
        assert_eq!(seconds("0.5"), Ok(Duration::from_millis(500)));
        assert_eq!(seconds("2"), Ok(Duration::from_secs(2)));
        assert_eq!(seconds("0"), Ok(Duration::ZERO));
        for bad in ["", "-1", "abc", "inf", "NaN", "1e400"] {
            assert!(seconds(bad).is_err(), "{bad}");
        }
    }
}
