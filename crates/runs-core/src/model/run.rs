//! The run object, as returned by get-run, start-run and each item of a list page.

use alloc::string::String;
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};

use crate::id::{AgentId, ProcessId, RunId};
use crate::json::{self, Reader, nullable, once, required};
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

impl NameValue {
    /// Reads one `{"name": …, "value": …}`, the value kept as its text.
    fn read(r: &mut Reader<'_>) -> Result<Self, json::Error> {
        let (mut name, mut value) = (None, None);
        r.object("struct NameValue", &mut |r, key| match key {
            "name" => once(&mut name, "name", r, |r| r.string().map(Into::into)),
            "value" => once(&mut value, "value", r, |r| r.value().map(JsonValue::from_checked)),
            _ => r.skip(),
        })?;
        Ok(Self {
            name: required(name, "name", r)?,
            value: required(value, "value", r)?,
        })
    }
}

impl Run {
    /// Reads a run the way its derived `Deserialize` does, without serde (see
    /// `wire::json` for why): every required field once, unknown fields passed over, `null`
    /// for an optional field's absence.
    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, json::Error> {
        let (mut id, mut name, mut agent_id, mut process_id) = (None, None, None, None);
        let (mut stage, mut status, mut created_at) = (None, None, None);
        let (mut file_ids, mut outputs) = (None, None);
        r.object("struct Run", &mut |r, key| match key {
            "id" => once(&mut id, "id", r, |r| r.id(RunId::FIELD).map(RunId::from_checked)),
            "name" => once(&mut name, "name", r, |r| r.string().map(Into::into)),
            "agent_id" => once(&mut agent_id, "agent_id", r, |r| {
                r.id(AgentId::FIELD).map(AgentId::from_checked)
            }),
            "process_id" => once(&mut process_id, "process_id", r, |r| {
                r.id(ProcessId::FIELD).map(ProcessId::from_checked)
            }),
            "stage" => once(&mut stage, "stage", r, |r| r.string().map(|s| Stage::from(&*s))),
            "status" => once(&mut status, "status", r, |r| {
                r.string().map(|s| RunStatus::from(&*s))
            }),
            "created_at" => once(&mut created_at, "created_at", r, |r| {
                r.parsed(|s| Timestamp::parse(&s))
            }),
            "file_ids" => once(&mut file_ids, "file_ids", r, |r| nullable(r, json::strings)),
            "outputs" => once(&mut outputs, "outputs", r, |r| {
                nullable(r, |r| {
                    let mut items = Vec::new();
                    r.array("a sequence", &mut |r| NameValue::read(r).map(|o| items.push(o)))?;
                    Ok(items)
                })
            }),
            _ => r.skip(),
        })?;
        // One match, so that a missing field drops what was read in one place.
        match (id, name, agent_id, process_id, stage, status, created_at) {
            (
                Some(id),
                Some(name),
                Some(agent_id),
                Some(process_id),
                Some(stage),
                Some(status),
                Some(created_at),
            ) => Ok(Self {
                id,
                name,
                agent_id,
                process_id,
                stage,
                status,
                created_at,
                file_ids: file_ids.flatten(),
                outputs: outputs.flatten(),
            }),
            (id, name, agent_id, process_id, stage, status, _) => {
                let first_missing = [
                    ("id", id.is_none()),
                    ("name", name.is_none()),
                    ("agent_id", agent_id.is_none()),
                    ("process_id", process_id.is_none()),
                    ("stage", stage.is_none()),
                    ("status", status.is_none()),
                ]
                .into_iter()
                .find_map(|(field, missing)| missing.then_some(field));
                Err(r.field_error("missing", first_missing.unwrap_or("created_at")))
            }
        }
    }
}
