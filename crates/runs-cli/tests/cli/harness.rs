//! Starting emulators, building `runs` invocations, and making output deterministic.

use std::borrow::BorrowMut;

use assert_cmd::Command;
use runs_blocking::{Client, ProcessStage, Run, RunStatus, StartRun, WaitPolicy};
use runs_emulator::{DEMO_AGENT, Emulator, Schedule};

/// The key every test sends; no output may ever contain it.
pub const KEY: &str = "sk-test-SECRET-51c0";

/// A process of [`DEMO_AGENT`] whose runs never reach a terminal status.
pub const NEVER_ENDS: &str = "never-ends";

/// An emulator accepting [`KEY`], whose runs advance one status per get, with fixed ids.
pub fn emulator() -> Emulator {
    builder().start().unwrap()
}

/// The builder of [`emulator`], to change before starting.
pub fn builder() -> runs_emulator::EmulatorBuilder {
    Emulator::builder()
        .api_key(KEY)
        .schedule(Schedule::PerPoll)
        .seed(6)
        .process(DEMO_AGENT, NEVER_ENDS, RunStatus::from("Paused"))
}

/// `runs` with an empty environment (no RUNS_* variable, no proxy) and no options.
pub fn bare() -> Command {
    let mut cmd = Command::cargo_bin("runs").unwrap();
    cmd.env_clear();
    cmd
}

/// `runs --base-url <emulator> --api-key KEY`, then `args`.
pub fn runs(emu: &Emulator, args: &[&str]) -> Command {
    let mut cmd = bare();
    cmd.args(["--base-url", emu.base_url(), "--api-key", KEY])
        .args(args);
    cmd
}

/// A client for seeding runs directly, without going through the binary.
pub fn client(emu: &Emulator) -> Client {
    Client::builder()
        .api_key(KEY)
        .base_url(emu.base_url())
        .wait_policy(WaitPolicy::default().with_initial_interval(WaitPolicy::MIN_INTERVAL))
        .build()
        .unwrap()
}

/// Starts a run of `process` named `name`, in `stage`, through the client.
pub fn seed_run(emu: &Emulator, process: &str, name: &str, stage: ProcessStage) -> Run {
    let start = StartRun::builder()
        .agent_id(DEMO_AGENT)
        .process_id(process)
        .name(name)
        .stage(stage)
        .build()
        .unwrap();
    client(emu).start_run(&start).unwrap()
}

/// What a finished `runs` process left: exit code, stdout and stderr.
pub struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `cmd` to its end.
pub fn outcome(mut cmd: impl BorrowMut<Command>) -> Outcome {
    let output = cmd.borrow_mut().output().unwrap();
    let outcome = Outcome {
        code: output.status.code().unwrap(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    };
    assert!(
        !outcome.stdout.contains(KEY) && !outcome.stderr.contains(KEY),
        "the key was printed:\n{}\n{}",
        outcome.stdout,
        outcome.stderr
    );
    outcome
}

/// Filters making output deterministic: timestamps `YYYY-MM-DDTHH:MM:SS`, loopback ports
/// `PORT`, measured durations `N.NNNs`.
const FILTERS: [(&str, &str); 5] = [
    (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", "YYYY-MM-DDTHH:MM:SS"),
    (r"127\.0\.0\.1:\d+/", "127.0.0.1:PORT/"),
    (r"within \d+(\.\d+)?s", "within N.NNNs"),
    (r"\(\d+s\)", "(Ns)"),
    (r"runs-emulator-ca-\d+\.pem", "runs-emulator-ca-PORT.pem"),
];

/// Asserts the snapshot `name` of `text`, made deterministic: run ids (25 lowercase letters
/// and digits) become `<run-N>` in order of appearance (padded to keep columns aligned), and
/// [`FILTERS`] apply.
pub fn snapshot(name: &str, text: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    for (pattern, replacement) in FILTERS {
        settings.add_filter(pattern, replacement);
    }
    settings.bind(|| insta::assert_snapshot!(name, replace_ids(text)));
}

/// A snapshot of a whole outcome: exit code, stdout and stderr.
pub fn snapshot_outcome(name: &str, outcome: &Outcome) {
    snapshot(
        name,
        &format!(
            "exit: {}\n--- stdout\n{}--- stderr\n{}",
            outcome.code, outcome.stdout, outcome.stderr
        ),
    );
}

fn replace_ids(text: &str) -> String {
    let mut ids: Vec<String> = Vec::new();
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    let is_id_char = |c: char| c.is_ascii_digit() || c.is_ascii_lowercase();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let starts_word = i == 0 || !(chars[i - 1].is_ascii_alphanumeric() || chars[i - 1] == '-');
        if is_id_char(c) && starts_word {
            let end = (i..chars.len())
                .find(|&j| !is_id_char(chars[j]))
                .unwrap_or(chars.len());
            let word: String = chars[i..end].iter().collect();
            let ends_word = end == chars.len() || !(chars[end].is_ascii_alphanumeric() || chars[end] == '-');
            if word.len() == 25 && ends_word && word.chars().any(|c| c.is_ascii_digit()) {
                let n = match ids.iter().position(|id| *id == word) {
                    Some(n) => n + 1,
                    None => {
                        ids.push(word);
                        ids.len()
                    }
                };
                let label = format!("<run-{n}>");
                out.push_str(&label);
                if chars[end..].starts_with(&[' ', ' ']) {
                    out.push_str(&" ".repeat(25 - label.len()));
                }
            } else {
                out.push_str(&word);
            }
            i = end;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}
