//! Exit codes, and the failures that lead to them.
//!
//! Scripts depend on these codes, so each failure maps to exactly one, in one place:
//! [`code_for`] for the SDK's errors, [`Failure::exit`] for everything else.

use std::fmt;
use std::io;
use std::process::ExitCode;

use runs_core::{Error, FieldError, Run, ValidationError};

/// What a command's exit code says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: done (for `wait` and `start --wait`: the run Succeeded).
    Success = 0,
    /// 1: the run ended in a terminal status other than Succeeded.
    RunUnsuccessful = 1,
    /// 2: invalid arguments or input, found before any request was sent.
    Invalid = 2,
    /// 3: the API answered with an error status (after retries).
    ApiError = 3,
    /// 4: no usable answer (connection, timeout, wait deadline, malformed or oversized body,
    /// a repeated continuation token).
    NoAnswer = 4,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit as u8)
    }
}

/// The exit code for an SDK error.
pub fn code_for(error: &Error) -> Exit {
    match error {
        Error::Invalid(_) | Error::Config(_) => Exit::Invalid,
        // A file that cannot be opened is found before any request is sent.
        Error::LocalFile(e) if e.problem() == runs_core::LocalFileProblem::Open => Exit::Invalid,
        // Storage answering with an error status (an expired target, a denied policy).
        Error::Api(_) | Error::Storage(_) => Exit::ApiError,
        // The deadline cut short retries of an error status: the API did answer.
        Error::DeadlineExceeded { last: Some(last), .. } if matches!(**last, Error::Api(_)) => Exit::ApiError,
        // A wait's polls failed in a row, the last one on an error status (after its retries).
        Error::WaitPollsFailed { last_error, .. } => code_for(last_error),
        Error::Decode(_)
        | Error::Transport(_)
        | Error::DeadlineExceeded { .. }
        | Error::RepeatedToken { .. }
        | Error::WaitTimedOut { .. } => Exit::NoAnswer,
        // A kind of failure this CLI does not know yet: no usable answer came back.
        _ => Exit::NoAnswer,
    }
}

/// Why a command did not succeed.
#[derive(Debug)]
pub enum Failure {
    /// Bad arguments or input, found before any request: the text names the flag and the rule.
    Usage(String),
    /// The SDK failed.
    Sdk(Error),
    /// Uploading `file` failed (the files before it uploaded, and were printed).
    Upload {
        /// The file's name, printable.
        file: String,
        /// Why (boxed: it is the largest variant).
        error: Box<Error>,
    },
    /// The run finished, but not with Succeeded (it has been printed).
    RunEnded(Box<Run>),
    /// The emulator could not start or serve.
    #[cfg(feature = "emulator")]
    Emulator(runs_emulator::Error),
    /// Writing the results failed.
    Output(io::Error),
    /// `runs health`: the API answered that it is not up (already printed).
    NotUp,
    /// `runs batch`: a row ended otherwise than Succeeded (the results, at this path, say
    /// which).
    BatchIncomplete(String),
    /// `runs watch`, `runs wait ID ID...`: this many runs ended otherwise than Succeeded
    /// (they have been printed).
    RunsEnded(usize),
}

impl Failure {
    /// A usage failure.
    pub fn usage(message: impl Into<String>) -> Self {
        Failure::Usage(message.into())
    }

    /// The exit code this failure ends the process with.
    pub fn exit(&self) -> Exit {
        match self {
            Failure::Usage(_) => Exit::Invalid,
            Failure::Sdk(e) => code_for(e),
            Failure::Upload { error, .. } => code_for(error),
            Failure::RunEnded(_) => Exit::RunUnsuccessful,
            #[cfg(feature = "emulator")]
            Failure::Emulator(runs_emulator::Error::Bind { .. } | runs_emulator::Error::EmptyApiKey) => {
                Exit::Invalid
            }
            #[cfg(feature = "emulator")]
            Failure::Emulator(_) => Exit::NoAnswer,
            // stdout went away (`runs list --all | head`): nobody is left to tell.
            Failure::Output(e) if e.kind() == io::ErrorKind::BrokenPipe => Exit::Success,
            Failure::Output(_) => Exit::NoAnswer,
            Failure::NotUp => Exit::ApiError,
            Failure::BatchIncomplete(_) | Failure::RunsEnded(_) => Exit::RunUnsuccessful,
        }
    }

    /// Whether there is anything to say on stderr.
    pub fn is_silent(&self) -> bool {
        matches!(self, Failure::Output(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Usage(message) => f.write_str(message),
            Failure::Sdk(Error::Invalid(e)) => write!(f, "{}", flagged(e)),
            Failure::Sdk(Error::Config(e)) => {
                let text = e.to_string();
                let reason = text
                    .strip_prefix(&format!("invalid {}: ", e.setting()))
                    .unwrap_or(&text);
                write!(f, "invalid {}: {reason}", flag_for(e.setting()))
            }
            // After a deadline, what follows is the last attempt's error.
            Failure::Sdk(e @ Error::DeadlineExceeded { .. }) => write_chain(f, e, "; last error: "),
            Failure::Sdk(e) => write_chain(f, e, ": "),
            Failure::Upload { file, error } => {
                // A local file's error names the file already.
                if !matches!(**error, Error::LocalFile(_)) {
                    write!(f, "{file} was not uploaded: ")?;
                }
                write_chain(f, &**error, ": ")
            }
            Failure::RunEnded(run) => write!(
                f,
                "run {} ended {}",
                run.id,
                crate::terminal::printable(run.status.as_str())
            ),
            #[cfg(feature = "emulator")]
            Failure::Emulator(e) => write_chain(f, e, ": "),
            Failure::Output(e) => write!(f, "cannot write the output: {e}"),
            Failure::NotUp => f.write_str("the API is not up"),
            Failure::BatchIncomplete(results) => {
                write!(f, "not every row succeeded; {results} says which")
            }
            Failure::RunsEnded(1) => f.write_str("1 run ended otherwise than Succeeded"),
            Failure::RunsEnded(n) => write!(f, "{n} runs ended otherwise than Succeeded"),
        }
    }
}

/// `error` and its sources on one line, each said once (the library's errors never repeat
/// their source), `first` between the error and its first source and `: ` after that.
fn write_chain(f: &mut fmt::Formatter<'_>, error: &dyn std::error::Error, first: &str) -> fmt::Result {
    write!(f, "{error}")?;
    let mut joiner = first;
    let mut source = error.source();
    while let Some(s) = source {
        write!(f, "{joiner}{s}")?;
        joiner = ": ";
        source = s.source();
    }
    Ok(())
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Sdk(e)
    }
}

impl From<FieldError> for Failure {
    fn from(e: FieldError) -> Self {
        Failure::Sdk(Error::Invalid(e.into()))
    }
}

impl From<ValidationError> for Failure {
    fn from(e: ValidationError) -> Self {
        Failure::Sdk(Error::Invalid(e))
    }
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Self {
        Failure::Output(e)
    }
}

#[cfg(feature = "emulator")]
impl From<runs_emulator::Error> for Failure {
    fn from(e: runs_emulator::Error) -> Self {
        Failure::Emulator(e)
    }
}

/// A validation error with the API's field names replaced by the flags that set them
/// (`name` is `--name`, `inputs[1].name` is the second input's name).
fn flagged(error: &ValidationError) -> String {
    let mut text = String::from("invalid input: ");
    for (i, e) in error.errors().iter().enumerate() {
        if i > 0 {
            text.push_str("; ");
        }
        text.push_str(&e.clone().in_field(flag_for(e.field())).to_string());
    }
    text
}

fn flag_for(field: &str) -> String {
    fn numbered(rest: &str) -> Option<(usize, &str)> {
        let (n, after) = rest.split_once(']')?;
        Some((n.parse::<usize>().ok()? + 1, after))
    }
    match field {
        "agent_id" => "--agent-id".into(),
        "process_id" => "--process-id".into(),
        "name" => "--name".into(),
        "run_id" => "RUN_ID".into(),
        "limit" => "--limit".into(),
        "api_key" => "--api-key".into(),
        "base_url" => "--base-url".into(),
        "root_certificates" => "--ca-cert".into(),
        other => {
            if let Some((n, _)) = other.strip_prefix("file_ids[").and_then(numbered) {
                format!("--file-id number {n}")
            } else if let Some((n, after)) = other.strip_prefix("inputs[").and_then(numbered) {
                format!("input number {n}{}", after.replace('.', " "))
            } else {
                other.into()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use runs_core::{ApiError, ConfigError, Delivery, Rule, RunStatus, TransportError, TransportErrorKind};

    use super::*;

    fn api(status: u16) -> Error {
        Error::Api(ApiError::from_response(
            status,
            None,
            br#"{"status_code":503,"message":"busy"}"#,
        ))
    }

    fn transport(kind: TransportErrorKind) -> Error {
        Error::Transport(TransportError::new(kind, Delivery::MaybeSent, "GET x"))
    }

    #[test]
    fn each_sdk_error_has_its_exit_code() {
        let cases = [
            (
                Error::from(FieldError::new("agent_id", Rule::Empty)),
                Exit::Invalid,
            ),
            (Error::Config(ConfigError::new("base_url", "bad")), Exit::Invalid),
            (api(400), Exit::ApiError),
            (api(503), Exit::ApiError),
            (
                Error::DeadlineExceeded {
                    deadline: Duration::from_secs(1),
                    attempts: 3,
                    last: Some(Box::new(api(503))),
                },
                Exit::ApiError,
            ),
            (
                Error::DeadlineExceeded {
                    deadline: Duration::from_secs(1),
                    attempts: 3,
                    last: Some(Box::new(transport(TransportErrorKind::Timeout))),
                },
                Exit::NoAnswer,
            ),
            (
                Error::DeadlineExceeded {
                    deadline: Duration::from_secs(1),
                    attempts: 0,
                    last: None,
                },
                Exit::NoAnswer,
            ),
            (transport(TransportErrorKind::Connect), Exit::NoAnswer),
            (transport(TransportErrorKind::Timeout), Exit::NoAnswer),
            (transport(TransportErrorKind::BodyTooLarge), Exit::NoAnswer),
            (Error::RepeatedToken { token: "t".into() }, Exit::NoAnswer),
            (
                Error::WaitTimedOut {
                    run_id: "r".parse().unwrap(),
                    last_status: Some(RunStatus::Running),
                    waited: Duration::from_secs(1),
                    failed_polls: 2,
                    last_error: Some(Box::new(ApiError::new(503, "busy").into())),
                },
                Exit::NoAnswer,
            ),
            (
                Error::WaitPollsFailed {
                    run_id: "r".parse().unwrap(),
                    last_status: None,
                    waited: Duration::from_secs(1),
                    failed_polls: 5,
                    last_error: Box::new(ApiError::new(503, "busy").into()),
                },
                Exit::ApiError,
            ),
            (
                Error::WaitPollsFailed {
                    run_id: "r".parse().unwrap(),
                    last_status: None,
                    waited: Duration::from_secs(1),
                    failed_polls: 5,
                    last_error: Box::new(transport(TransportErrorKind::Connect)),
                },
                Exit::NoAnswer,
            ),
        ];
        for (error, exit) in cases {
            assert_eq!(code_for(&error), exit, "{error}");
        }
    }

    #[test]
    fn other_failures_have_their_exit_codes() {
        assert_eq!(Failure::usage("x").exit(), Exit::Invalid);
        let run = runs_core::Run::new(
            "r".parse().unwrap(),
            "n",
            "a".parse().unwrap(),
            "p".parse().unwrap(),
            runs_core::ProcessStage::Draft,
            RunStatus::Failed,
            "2021-01-01T12:00:00".parse().unwrap(),
        );
        let ended = Failure::RunEnded(Box::new(run));
        assert_eq!(ended.exit(), Exit::RunUnsuccessful);
        assert_eq!(ended.to_string(), "run r ended Failed");
        let pipe = Failure::from(io::Error::from(io::ErrorKind::BrokenPipe));
        assert_eq!(pipe.exit(), Exit::Success);
        assert!(pipe.is_silent());
        assert_eq!(
            Failure::from(io::Error::other("disk full")).exit(),
            Exit::NoAnswer
        );
        #[cfg(feature = "emulator")]
        assert_eq!(
            Failure::from(runs_emulator::Error::EmptyApiKey).exit(),
            Exit::Invalid
        );
    }

    #[test]
    fn validation_errors_name_the_flags() {
        let start = runs_core::StartRun::builder()
            .agent_id("bad id")
            .process_id("p")
            .name("")
            .stage(runs_core::ProcessStage::Draft)
            .file_id("")
            .input("a", 1)
            .input("", 2)
            .build()
            .unwrap_err();
        assert_eq!(
            Failure::from(start).to_string(),
            "invalid input: --agent-id must contain only ASCII letters, digits, '-' and '_', found ' ' at \
             position 3; --name must not be empty; --file-id number 1 must not be empty; input number 2 \
             name must not be empty"
        );
    }
}
