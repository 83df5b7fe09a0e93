//! The two enumerations of the API: a process's stage and a run's status.
//!
//! `RunStatus` comes from the server and the list of values is not published, so it is forward
//! compatible: a value the SDK has never seen is kept, exactly as it came, in
//! [`RunStatus::Unknown`] and written back unchanged. A request takes only the stages this SDK
//! knows, [`ProcessStage`]; a stage the server reports (a process's) is a [`Stage`], which keeps
//! a value added later as it came instead of rejecting the whole response.

use alloc::string::String;
use core::fmt;
use core::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::validation::{FieldError, Rule};

/// The stage of a process: the draft being edited, or the published version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ProcessStage {
    /// The draft version of the process.
    Draft,
    /// The published version of the process.
    Published,
}

impl ProcessStage {
    /// The words the API accepts, in exact case.
    pub const ALL: &'static [&'static str] = &["Draft", "Published"];

    /// The value as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            ProcessStage::Draft => "Draft",
            ProcessStage::Published => "Published",
        }
    }

    /// Parses the exact-case API spelling, naming `field` in the error.
    pub fn parse_field(field: &str, s: &str) -> Result<Self, FieldError> {
        match s {
            "Draft" => Ok(ProcessStage::Draft),
            "Published" => Ok(ProcessStage::Published),
            _ => Err(FieldError::new(field, Rule::NotOneOf { allowed: Self::ALL })),
        }
    }
}

/// The API's spelling; a width and alignment are honoured (`{:<10}`), for tables.
impl fmt::Display for ProcessStage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for ProcessStage {
    type Err = FieldError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse_field("stage", s)
    }
}

impl Serialize for ProcessStage {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ProcessStage {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <alloc::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::from_str(&s).map_err(serde::de::Error::custom)
    }
}

/// A process stage as the server reports it: one this SDK knows, or a newer one kept as it came.
///
/// The service may add stages; a response carrying one still decodes, and writes back
/// unchanged. Requests take a [`ProcessStage`], which has only the known values.
///
/// ```
/// # use runs_core::{ProcessStage, Stage, serde_json};
/// let known: Stage = serde_json::from_str("\"Published\"")?;
/// assert_eq!(known, ProcessStage::Published);
/// let newer: Stage = serde_json::from_str("\"Archived\"")?;
/// assert_eq!((newer.known(), newer.as_str()), (None, "Archived"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Stage {
    /// A stage this SDK knows.
    Known(ProcessStage),
    /// A value this SDK does not know, kept exactly as the server sent it.
    Unknown(String),
}

impl Stage {
    /// The value as the API spells it (the original text for `Unknown`).
    pub fn as_str(&self) -> &str {
        match self {
            Stage::Known(s) => s.as_str(),
            Stage::Unknown(s) => s,
        }
    }

    /// The known stage, or `None` for a value this SDK does not know.
    pub fn known(&self) -> Option<ProcessStage> {
        match self {
            Stage::Known(s) => Some(*s),
            Stage::Unknown(_) => None,
        }
    }
}

impl From<ProcessStage> for Stage {
    fn from(s: ProcessStage) -> Self {
        Stage::Known(s)
    }
}

impl From<&str> for Stage {
    fn from(s: &str) -> Self {
        match ProcessStage::parse_field("stage", s) {
            Ok(known) => Stage::Known(known),
            Err(_) => Stage::Unknown(s.into()),
        }
    }
}

impl PartialEq<ProcessStage> for Stage {
    fn eq(&self, other: &ProcessStage) -> bool {
        self.known() == Some(*other)
    }
}

/// The API's spelling; a width and alignment are honoured (`{:<10}`), for tables.
impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl Serialize for Stage {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Stage {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <alloc::borrow::Cow<'de, str>>::deserialize(d)?;
        Ok(Stage::from(&*s))
    }
}

/// Where a run is in its life.
///
/// `Succeeded`, `Failed`, `Cancelled` and `TimedOut` are terminal; only `Succeeded` is success.
/// A status this SDK does not know is kept in `Unknown` and is not terminal, so waiting goes on
/// (bounded by its deadline) rather than stopping on a state nobody understands.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RunStatus {
    /// Accepted, not yet queued.
    Created,
    /// Queued, waiting for a worker.
    Pending,
    /// Executing.
    Running,
    /// Finished successfully; outputs are set.
    Succeeded,
    /// Finished with an error.
    Failed,
    /// Stopped by a person or the system.
    Cancelled,
    /// Stopped for running too long.
    TimedOut,
    /// A value this SDK does not know, kept exactly as the server sent it.
    Unknown(String),
}

impl RunStatus {
    /// The value as the API spells it (the original text for `Unknown`).
    pub fn as_str(&self) -> &str {
        match self {
            RunStatus::Created => "Created",
            RunStatus::Pending => "Pending",
            RunStatus::Running => "Running",
            RunStatus::Succeeded => "Succeeded",
            RunStatus::Failed => "Failed",
            RunStatus::Cancelled => "Cancelled",
            RunStatus::TimedOut => "TimedOut",
            RunStatus::Unknown(s) => s,
        }
    }

    /// Whether the run has finished and will not change again.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            RunStatus::Succeeded | RunStatus::Failed | RunStatus::Cancelled | RunStatus::TimedOut
        )
    }

    /// Whether the run finished successfully.
    pub fn is_success(&self) -> bool {
        matches!(self, RunStatus::Succeeded)
    }
}

impl From<&str> for RunStatus {
    fn from(s: &str) -> Self {
        match s {
            "Created" => RunStatus::Created,
            "Pending" => RunStatus::Pending,
            "Running" => RunStatus::Running,
            "Succeeded" => RunStatus::Succeeded,
            "Failed" => RunStatus::Failed,
            "Cancelled" => RunStatus::Cancelled,
            "TimedOut" => RunStatus::TimedOut,
            other => RunStatus::Unknown(other.into()),
        }
    }
}

/// The API's spelling; a width and alignment are honoured (`{:<12}`), for tables.
impl fmt::Display for RunStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl Serialize for RunStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for RunStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <alloc::borrow::Cow<'de, str>>::deserialize(d)?;
        Ok(RunStatus::from(&*s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_status_survives_and_is_not_terminal() {
        let s: RunStatus = serde_json::from_str("\"Paused\"").unwrap();
        assert_eq!(s, RunStatus::Unknown("Paused".into()));
        assert!(!s.is_terminal());
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"Paused\"");
    }

    #[test]
    fn an_unknown_stage_survives_a_round_trip_and_a_known_one_is_typed() {
        let s: Stage = serde_json::from_str("\"Archived\"").unwrap();
        assert_eq!(s, Stage::Unknown("Archived".into()));
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"Archived\"");
        assert_eq!(
            Stage::from("draft"),
            Stage::Unknown("draft".into()),
            "case matters"
        );
        assert_eq!(Stage::from("Draft"), ProcessStage::Draft);
    }

    #[test]
    fn a_status_with_a_known_name_in_other_case_is_unknown() {
        assert_eq!(
            RunStatus::from("succeeded"),
            RunStatus::Unknown("succeeded".into())
        );
    }

    #[test]
    fn a_status_and_a_stage_fill_the_width_they_are_given() {
        assert_eq!(alloc::format!("[{:<12}]", RunStatus::Running), "[Running     ]");
        let paused = RunStatus::Unknown("Paused".into());
        assert_eq!(alloc::format!("[{paused:>8}]"), "[  Paused]");
        assert_eq!(alloc::format!("[{:^9}]", ProcessStage::Draft), "[  Draft  ]");
        assert_eq!(
            alloc::format!("[{:<10}]", Stage::Unknown("Archived".into())),
            "[Archived  ]"
        );
        // A width smaller than the text never cuts it.
        assert_eq!(alloc::format!("[{:<3}]", RunStatus::Succeeded), "[Succeeded]");
    }

    #[test]
    fn only_succeeded_is_success() {
        for s in [
            "Created",
            "Pending",
            "Running",
            "Failed",
            "Cancelled",
            "TimedOut",
            "x",
        ] {
            assert!(!RunStatus::from(s).is_success());
        }
        assert!(RunStatus::Succeeded.is_success());
    }
}
