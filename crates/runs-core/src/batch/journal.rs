//! The batch journal: what a batch intends and learns, one JSON object per line, so that a
//! batch killed at any instant can be resumed without starting any row twice.
//!
//! The order of writes is the guarantee: an [`Record::Intent`] is on disk before its `POST`
//! leaves, and the run id ([`Record::Started`]) after the answer. A row whose last record is
//! an intent is in doubt on resume: its `POST` may or may not have created a run, and only a
//! reconciliation (a search of the process's runs for the row's name) decides which.
//!
//! ```
//! use runs_core::batch::Record;
//! let line = r#"{"started":{"row":"inv-7","run_id":"b4fznghynbdemslfd5k044fgd"}}"#;
//! let record = Record::from_line(line)?;
//! assert!(matches!(record, Record::Started { ref row, .. } if row == "inv-7"));
//! assert_eq!(record.to_line(), line);
//! # Ok::<(), runs_core::Error>(())
//! ```

use alloc::string::String;
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};

use crate::error::{ConfigError, Error};
use crate::id::{AgentId, ProcessId, RunId};
use crate::run::NameValue;
use crate::status::{ProcessStage, RunStatus};

/// The version of the record format this SDK writes and reads.
pub const JOURNAL_VERSION: u32 = 1;

/// One line of a batch journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Record {
    /// The first line: which batch this journal belongs to. A journal is refused for another
    /// input, agent, process or stage.
    Batch {
        /// [`JOURNAL_VERSION`] when written.
        version: u32,
        /// A fingerprint of the input (see [`fingerprint`]).
        input: String,
        /// The agent every run is started for.
        agent_id: AgentId,
        /// The process every run is started of.
        process_id: ProcessId,
        /// The stage every run is started at.
        stage: ProcessStage,
    },
    /// About to send the `POST` that starts `row`'s run named `name`, at `at` (seconds since
    /// the Unix epoch, by the client's clock): written, and made durable, first.
    Intent {
        /// The row's key.
        row: String,
        /// The run's name, unique to the row and attempt.
        name: String,
        /// Which attempt of the row this is: 1, then one more per `--retry-failed`.
        attempt: u32,
        /// When, in seconds since the Unix epoch.
        at: i64,
    },
    /// `row`'s run exists: the `POST` answered, or a reconciliation found it.
    Started {
        /// The row's key.
        row: String,
        /// The run.
        run_id: RunId,
    },
    /// `row`'s last intent created nothing (the service refused it as back-pressure, or a
    /// reconciliation proved no run of its name exists): it may be started again.
    NotCreated {
        /// The row's key.
        row: String,
    },
    /// The service refused `row` for good (a 4xx other than back-pressure).
    Refused {
        /// The row's key.
        row: String,
        /// The API's error, as text.
        error: String,
    },
    /// `row`'s run reached a terminal status.
    Finished {
        /// The row's key.
        row: String,
        /// The run.
        run_id: RunId,
        /// Its terminal status.
        status: RunStatus,
        /// Its outputs, when it has any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        outputs: Option<Vec<NameValue>>,
    },
}

impl Record {
    /// The record as one line of JSON, without the line break.
    pub fn to_line(&self) -> String {
        // A record is strings, numbers and ids: encoding cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads one line of a journal.
    pub fn from_line(line: &str) -> Result<Self, Error> {
        Self::from_bytes(line.as_bytes())
    }

    fn from_bytes(line: &[u8]) -> Result<Self, Error> {
        serde_json::from_slice(line).map_err(|e| {
            ConfigError::new(
                "journal",
                alloc::format!(
                    "a line is not a batch record ({e}); was the journal written by another program?"
                ),
            )
            .into()
        })
    }

    /// The row this record is about, if any.
    pub fn row(&self) -> Option<&str> {
        match self {
            Record::Batch { .. } => None,
            Record::Intent { row, .. }
            | Record::Started { row, .. }
            | Record::NotCreated { row }
            | Record::Refused { row, .. }
            | Record::Finished { row, .. } => Some(row),
        }
    }
}

/// A fingerprint of an input's bytes (64-bit FNV-1a, in hex): enough to tell one input file
/// from another, not a security measure.
pub fn fingerprint(bytes: &[u8]) -> String {
    let hash = bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    alloc::format!("fnv1a64:{hash:016x}")
}

/// Reads the journal `bytes` of the batch `header` describes ([`Record::Batch`]): the records
/// after the header, and how many leading bytes hold them (whole lines, each ending in a line
/// break). `name` (the journal's path) is what an error calls the journal.
///
/// A driver opens a journal with it: it cuts the file to that length before it appends (a
/// last line cut short by a crash while it was written is dropped: its action never began,
/// as an intent is made durable before its `POST` leaves), and writes `header` first when the
/// length is 0 (an empty or new journal). A journal whose header differs (another input,
/// agent, process or stage) is refused with a [`ConfigError`] on `journal`, and so is one with
/// a line that is not a record before its last.
///
/// ```
/// use runs_core::batch::{JOURNAL_VERSION, Record, read_journal};
/// use runs_core::ProcessStage;
///
/// let header = Record::Batch {
///     version: JOURNAL_VERSION,
///     input: "fnv1a64:00000000000000aa".into(),
///     agent_id: "agent-1".parse()?,
///     process_id: "invoices".parse()?,
///     stage: ProcessStage::Published,
/// };
/// let started = r#"{"started":{"row":"inv-7","run_id":"b4fznghynbdemslfd5k044fgd"}}"#;
/// let journal = format!("{}\n{started}\n{{\"intent\":{{\"ro", header.to_line());
/// let (records, whole) = read_journal("march.journal", journal.as_bytes(), &header)?;
/// assert_eq!(records, [Record::from_line(started)?]);
/// assert_eq!(&journal[whole..], r#"{"intent":{"ro"#); // cut short by a crash: cut off
/// assert_eq!(read_journal("new.journal", b"", &header)?, (vec![], 0));
/// # Ok::<(), runs_core::Error>(())
/// ```
pub fn read_journal(name: &str, bytes: &[u8], header: &Record) -> Result<(Vec<Record>, usize), Error> {
    let mut records = Vec::new();
    let mut whole = 0;
    let mut rest = bytes;
    while !rest.is_empty() {
        let (line, next, complete) = match rest.iter().position(|&b| b == b'\n') {
            Some(end) => (&rest[..end], &rest[end + 1..], true),
            None => (rest, &rest[rest.len()..], false),
        };
        match Record::from_bytes(line) {
            Ok(record) if complete => {
                records.push(record);
                whole += line.len() + 1;
            }
            // Only the last line can have been cut by a crash.
            _ if next.is_empty() => break,
            Err(e) => return Err(e),
            // A line without its line break is the last.
            Ok(_) => break,
        }
        rest = next;
    }
    match records.first() {
        None => Ok((records, 0)),
        Some(first) if first != header => Err(ConfigError::new(
            "journal",
            alloc::format!(
                "{name} belongs to another batch (another input file, agent, process or stage); \
                 give this batch its own --journal, or remove that file to start over"
            ),
        )
        .into()),
        Some(_) => {
            records.remove(0);
            Ok((records, whole))
        }
    }
}
