//! The run object, as returned by get-run, start-run and each item of a list page.

use alloc::string::String;
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};

use crate::id::{AgentId, ProcessId, RunId};
use crate::json_value::JsonValue;
use crate::status::{ProcessStage, RunStatus, Stage};
use crate::timestamp::Timestamp;

/// A named JSON value: an input given to a run, or an output it produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NameValue {
    /// The name. Inputs must have a non-empty one; outputs are kept as the server sent them.
    pub name: String,
    /// Any JSON value (seen as strings and integers), kept as its exact text, so numbers of
    /// any size or precision survive.
    pub value: JsonValue,
}

impl NameValue {
    /// A name with its value.
    pub fn new(name: impl Into<String>, value: impl Into<JsonValue>) -> Self {
        Self {
            name: name.into(),
            value: value.into(),
        }
    }
}

/// One execution of a process.
///
/// Fields the SDK does not know are ignored, so a service that adds fields does not break
/// decoding. `file_ids` and `outputs` keep the difference between `null` and `[]`; the
/// accessors [`Run::outputs`] and [`Run::file_ids`] read both as empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Run {
    /// The run's id.
    pub id: RunId,
    /// The name it was started with.
    pub name: String,
    /// The agent that owns the process.
    pub agent_id: AgentId,
    /// The process being run.
    pub process_id: ProcessId,
    /// Which version of the process runs; a stage this SDK does not know is kept as sent.
    pub stage: Stage,
    /// Where the run is in its life.
    pub status: RunStatus,
    /// When it was created, in UTC.
    pub created_at: Timestamp,
    /// Files given to the run, as sent (`None` when the server sent `null` or nothing).
    #[serde(default)]
    pub file_ids: Option<Vec<String>>,
    /// Outputs, set when the run finishes (`None` when the server sent `null` or nothing).
    #[serde(default)]
    pub outputs: Option<Vec<NameValue>>,
}

impl Run {
    /// A run with no files and no outputs yet; for servers, emulators and tests.
    pub fn new(
        id: RunId,
        name: impl Into<String>,
        agent_id: AgentId,
        process_id: ProcessId,
        stage: ProcessStage,
        status: RunStatus,
        created_at: Timestamp,
    ) -> Self {
        Self {
            id,
            name: name.into(),
            agent_id,
            process_id,
            stage: stage.into(),
            status,
            created_at,
            file_ids: None,
            outputs: None,
        }
    }

    /// The outputs, empty when there are none.
    pub fn outputs(&self) -> &[NameValue] {
        self.outputs.as_deref().unwrap_or_default()
    }

    /// The value of the first output called `name`, as its exact JSON text; see
    /// [`output_as`](Self::output_as) to read it into a type.
    pub fn output(&self, name: &str) -> Option<&JsonValue> {
        self.outputs().iter().find(|o| o.name == name).map(|o| &o.value)
    }

    /// The file ids, empty when there are none.
    pub fn file_ids(&self) -> &[String] {
        self.file_ids.as_deref().unwrap_or_default()
    }
}
