//! Where the API key comes from: `--api-key`/`RUNS_API_KEY`, or a profile's reference to it
//! (an environment variable's name, a command whose output is the key) or the key itself.
//!
//! The key is read only when a client is built, so `runs config show` runs no command and a
//! command that sends nothing never asks a password manager. It is never printed: [`Secret`]
//! redacts itself, and errors name where the key was looked for, never what was found.

use std::fmt;
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::exit::Failure;

/// How long `api_key_command` may take before it is killed and the command fails.
pub const COMMAND_DEADLINE: Duration = Duration::from_secs(30);

/// The key itself, printed as a redaction.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps the key.
    pub fn new(key: String) -> Self {
        Secret(key)
    }

    /// The key, to send.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// A reference to the key, as a profile gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyRef {
    /// `api_key_env`: the name of the environment variable holding it.
    Env(String),
    /// `api_key_command`: a command line whose standard output is the key.
    Command(String),
    /// `api_key`: the key, inline in a file only its owner can read.
    Inline(Secret),
}

impl KeyRef {
    /// Where the key comes from, for `runs config show`: never the key.
    pub fn describe(&self) -> String {
        match self {
            KeyRef::Env(name) => format!("env {name}"),
            KeyRef::Command(command) => format!("command `{command}`"),
            KeyRef::Inline(_) => "inline api_key".into(),
        }
    }

    /// The key, read now. `section` names the profile for errors (`[profile.staging]`).
    pub fn read(&self, section: &str) -> Result<Secret, Failure> {
        match self {
            KeyRef::Env(name) => match std::env::var(name) {
                Ok(key) if !key.is_empty() => Ok(Secret(key)),
                _ => Err(Failure::usage(format!(
                    "no API key: {section} has api_key_env = \"{name}\", and {name} is not set \
                     (or is empty or not UTF-8)"
                ))),
            },
            KeyRef::Command(command) => run(command, COMMAND_DEADLINE).map_err(|why| {
                Failure::usage(format!("no API key: {section} api_key_command `{command}` {why}"))
            }),
            KeyRef::Inline(key) => Ok(key.clone()),
        }
    }
}

/// Runs `command` with the platform's shell (`sh -c` on unix, `cmd /C` on Windows), its
/// stderr passed through and stdin inherited (a password manager may ask for a passphrase),
/// and returns its standard output with the trailing line break removed. A command still
/// running after `deadline` is killed. The error says what went wrong, never the output.
pub fn run(command: &str, deadline: Duration) -> Result<Secret, String> {
    let mut child = shell(command)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("could not be started: {e}"))?;
    let mut stdout = child
        .stdout
        .take()
        .ok_or_else(|| "could not be started: no stdout".to_string())?;
    // Read on another thread, so that a command that never ends can be killed; a
    // grandchild keeping the pipe open after the kill leaves only that thread waiting.
    let reader = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        stdout.read_to_end(&mut bytes).map(|_| bytes)
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("did not finish within {deadline:?}, and was killed"));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(format!("could not be waited for: {e}")),
        }
    };
    if !status.success() {
        return Err(match status.code() {
            Some(code) => format!("exited with status {code}"),
            None => "was ended by a signal".into(),
        });
    }
    let bytes = match reader.join() {
        Ok(Ok(bytes)) => bytes,
        _ => return Err("printed nothing readable".into()),
    };
    let text = String::from_utf8(bytes).map_err(|_| "printed something that is not UTF-8".to_string())?;
    let key = text.trim_end_matches(['\n', '\r']);
    if key.is_empty() {
        return Err("printed nothing".into());
    }
    if key.contains(['\n', '\r']) {
        return Err("printed more than one line".into());
    }
    Ok(Secret(key.to_string()))
}

#[cfg(unix)]
fn shell(command: &str) -> Command {
    let mut shell = Command::new("sh");
    shell.arg("-c").arg(command);
    shell
}

#[cfg(not(unix))]
fn shell(command: &str) -> Command {
    let mut shell = Command::new("cmd");
    shell.arg("/C").arg(command);
    shell
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn the_output_is_the_key_without_its_line_break() {
        let key = run("printf 'sk-1\\n'", COMMAND_DEADLINE).unwrap();
        assert_eq!(key.expose(), "sk-1");
        assert_eq!(format!("{key:?}"), "Secret(<redacted>)");
    }

    #[test]
    fn a_failing_or_silent_command_is_an_error_without_its_output() {
        assert_eq!(
            run("echo sk-2; exit 3", COMMAND_DEADLINE).unwrap_err(),
            "exited with status 3"
        );
        assert_eq!(run("true", COMMAND_DEADLINE).unwrap_err(), "printed nothing");
        assert_eq!(
            run("printf 'a\\nb\\n'", COMMAND_DEADLINE).unwrap_err(),
            "printed more than one line"
        );
    }

    #[test]
    fn a_command_past_its_deadline_is_killed() {
        let err = run("exec sleep 60", Duration::from_millis(100)).unwrap_err();
        assert_eq!(err, "did not finish within 100ms, and was killed");
    }
}
