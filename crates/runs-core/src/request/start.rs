//! Starting a run: the request body and its typed-state builder.
//!
//! The four required fields (`agent_id`, `process_id`, `name`, `stage`) are tracked in the
//! builder's type, so leaving one out does not compile, and the compiler names the missing
//! field. The values themselves are checked when [`StartRunBuilder::build`] runs, and every
//! broken rule is reported at once, each with its field, as
//! [`Error::Invalid`](crate::Error::Invalid): the SDK's one error, which one `?` carries as
//! far as a client call's.
//!
//! ```
//! use runs_core::{ProcessStage, StartRun};
//!
//! let start = StartRun::builder()
//!     .agent_id("agent-1")
//!     .process_id("invoice-ocr")
//!     .name("March invoices")
//!     .stage(ProcessStage::Published)
//!     .input("month", "2026-03")
//!     .file_id("s3://bucket/invoices.zip")
//!     .build()?;
//! assert_eq!(start.name().as_str(), "March invoices");
//! # Ok::<(), runs_core::Error>(())
//! ```
//!
//! Leaving out a required field is a compile error:
//!
//! ```compile_fail
//! use runs_core::StartRun;
//! let start = StartRun::builder().agent_id("a").process_id("p").name("n").build();
//! ```

use alloc::string::String;
use alloc::vec::Vec;
use core::marker::PhantomData;

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::file::FileId;
use crate::id::{AgentId, ProcessId, RunName, check_name};
use crate::json_value::JsonValue;
use crate::run::NameValue;
use crate::status::ProcessStage;
use crate::struct_inputs::inputs_of;
use crate::typestate::{Missing, Set};
use crate::validation::{Collector, FieldError, Rule, ValidationError};

/// A validated start-run request, ready to encode.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartRun {
    agent_id: AgentId,
    process_id: ProcessId,
    name: RunName,
    stage: ProcessStage,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    file_ids: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    inputs: Option<Vec<NameValue>>,
}

impl StartRun {
    /// A builder with no field set.
    pub fn builder() -> StartRunBuilder<Missing, Missing, Missing, Missing> {
        StartRunBuilder {
            agent_id: None,
            process_id: None,
            name: None,
            stage: None,
            file_ids: Vec::new(),
            inputs: Vec::new(),
            inputs_errors: Vec::new(),
            state: PhantomData,
        }
    }

    /// Reads a `POST /runs` body as the service does, reporting every broken rule by its field
    /// (`name`, `file_ids[2]`, `inputs[0].value`, a field it does not know): for servers and
    /// the emulator.
    ///
    /// ```
    /// # use runs_core::StartRun;
    /// let e = StartRun::from_json(br#"{"agent_id":"a","name":"","stage":"Live","colour":1}"#).unwrap_err();
    /// let fields: Vec<&str> = e.errors().iter().map(|e| e.field()).collect();
    /// assert_eq!(fields, ["process_id", "name", "stage", "colour"]);
    /// ```
    pub fn from_json(body: &[u8]) -> Result<Self, ValidationError> {
        let value: serde_json::Value = serde_json::from_slice(body)
            .map_err(|_| ValidationError::from(FieldError::new("body", Rule::Malformed("valid JSON"))))?;
        let serde_json::Value::Object(map) = value else {
            return Err(FieldError::new("body", Rule::Malformed("a JSON object")).into());
        };
        let mut c = Collector::default();
        // Each string field: present, a string, and valid as the SDK's own type reads it.
        let agent_id = string(&map, "agent_id", &mut c).and_then(|v| c.check(AgentId::new(v)));
        let process_id = string(&map, "process_id", &mut c).and_then(|v| c.check(ProcessId::new(v)));
        let name = string(&map, "name", &mut c).and_then(|v| c.check(RunName::new(v)));
        let stage =
            string(&map, "stage", &mut c).and_then(|v| c.check(ProcessStage::parse_field("stage", &v)));
        check_file_ids_json(&mut c, map.get("file_ids"));
        check_inputs_json(&mut c, map.get("inputs"));
        const KNOWN: [&str; 6] = ["agent_id", "process_id", "name", "stage", "file_ids", "inputs"];
        for key in map.keys().filter(|k| !KNOWN.contains(&k.as_str())) {
            // A client-chosen key: kept short in the error.
            let key: String = key.chars().take(40).collect();
            c.push(FieldError::new(
                key,
                Rule::Malformed("absent: it is not a known field"),
            ));
        }
        // The shape is checked: read again for the inputs' exact text. Whatever this reading
        // refuses that the checks above let through is still an error, never an empty one.
        let raw = if c.is_clean() {
            let raw = serde_json::from_slice::<RawStartRun>(body);
            c.check(raw.map_err(|_| FieldError::new("inputs", Rule::Malformed("name-value pairs"))))
        } else {
            None
        };
        c.finish(|| {
            let raw = raw?;
            Some(StartRun {
                agent_id: agent_id?,
                process_id: process_id?,
                name: name?,
                stage: stage?,
                file_ids: raw.file_ids,
                inputs: raw.inputs,
            })
        })
    }

    /// The agent.
    pub fn agent_id(&self) -> &AgentId {
        &self.agent_id
    }
    /// The process.
    pub fn process_id(&self) -> &ProcessId {
        &self.process_id
    }
    /// The run's name.
    pub fn name(&self) -> &RunName {
        &self.name
    }
    /// The process stage to run.
    pub fn stage(&self) -> ProcessStage {
        self.stage
    }
    /// The file ids, empty when none were given.
    pub fn file_ids(&self) -> &[String] {
        self.file_ids.as_deref().unwrap_or_default()
    }
    /// The inputs in the order given, empty when none were given.
    pub fn inputs(&self) -> &[NameValue] {
        self.inputs.as_deref().unwrap_or_default()
    }

    /// The `POST /runs` body: the JSON the derived `Serialize` writes, except that each
    /// input's value is copied as its text. `JsonValue`'s `Serialize` reads its text into a
    /// tree so that formats other than JSON see structure; the wire needs only the text, and
    /// the copy spares a parse of every value on every start (and the tree's code in
    /// firmware). The same JSON as `serde_json::to_vec(self)` up to whitespace inside values
    /// given as text, which the tests below hold.
    pub(crate) fn wire_body(&self) -> Vec<u8> {
        use crate::json::write_string as string;
        let mut out = Vec::with_capacity(256);
        out.extend_from_slice(b"{\"agent_id\":");
        string(&mut out, self.agent_id.as_str());
        out.extend_from_slice(b",\"process_id\":");
        string(&mut out, self.process_id.as_str());
        out.extend_from_slice(b",\"name\":");
        string(&mut out, self.name.as_str());
        out.extend_from_slice(b",\"stage\":");
        string(&mut out, self.stage.as_str());
        if let Some(ids) = &self.file_ids {
            out.extend_from_slice(b",\"file_ids\":[");
            for (i, id) in ids.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                string(&mut out, id);
            }
            out.push(b']');
        }
        if let Some(inputs) = &self.inputs {
            out.extend_from_slice(b",\"inputs\":[");
            for (i, input) in inputs.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                out.extend_from_slice(b"{\"name\":");
                string(&mut out, &input.name);
                out.extend_from_slice(b",\"value\":");
                out.extend_from_slice(input.value.as_str().as_bytes());
                out.push(b'}');
            }
            out.push(b']');
        }
        out.push(b'}');
        out
    }

    /// The same request under another name (a batch's next attempt of a row).
    /// The request `run` could have been started with, its name unchecked (a server's run
    /// may have any name) and an unknown stage as `Draft`: for reading the agent and process
    /// of a run a batch watches, never for sending.
    pub(crate) fn of_run(run: &crate::run::Run) -> Self {
        Self {
            agent_id: run.agent_id.clone(),
            process_id: run.process_id.clone(),
            name: RunName::unchecked(run.name.clone()),
            stage: match &run.stage {
                crate::status::Stage::Known(stage) => *stage,
                crate::status::Stage::Unknown(_) => ProcessStage::Draft,
            },
            file_ids: None,
            inputs: None,
        }
    }

    pub(crate) fn with_name(mut self, name: RunName) -> Self {
        self.name = name;
        self
    }

    /// This request with one more file, by the [`FileId`] its upload returned, after those it
    /// has: what a client's `start_run_with_files` does with the files it uploaded. A file id
    /// is never empty, so the request stays valid.
    ///
    /// ```
    /// # use runs_core::{FileId, ProcessStage, StartRun};
    /// let start = StartRun::builder()
    ///     .agent_id("agent-1")
    ///     .process_id("invoice-ocr")
    ///     .name("March invoices")
    ///     .stage(ProcessStage::Published)
    ///     .file_id("s3://bucket/a.pdf")
    ///     .build()?;
    /// let uploaded: FileId = "s3://bucket/b.pdf".parse()?;
    /// let start = start.with_file(uploaded);
    /// assert_eq!(start.file_ids(), ["s3://bucket/a.pdf", "s3://bucket/b.pdf"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_file(mut self, id: impl Into<FileId>) -> Self {
        self.file_ids
            .get_or_insert_with(Vec::new)
            .push(id.into().into_string());
        self
    }
}

fn check_file_ids(c: &mut Collector, file_ids: &[String]) {
    for (i, f) in file_ids.iter().enumerate() {
        if f.is_empty() {
            c.push(FieldError::new(alloc::format!("file_ids[{i}]"), Rule::Empty));
        }
    }
}

fn check_inputs(c: &mut Collector, inputs: &[NameValue]) {
    for (i, input) in inputs.iter().enumerate() {
        if input.name.is_empty() {
            c.push(FieldError::new(alloc::format!("inputs[{i}].name"), Rule::Empty));
        }
    }
}

/// A body whose shape [`StartRun::from_json`] has checked, read for its values.
#[derive(Deserialize)]
struct RawStartRun {
    file_ids: Option<Vec<String>>,
    inputs: Option<Vec<NameValue>>,
}

/// The string `field` of a body, or its error collected.
fn string(
    map: &serde_json::Map<String, serde_json::Value>,
    field: &'static str,
    c: &mut Collector,
) -> Option<String> {
    match map.get(field) {
        None | Some(serde_json::Value::Null) => {
            c.push(FieldError::new(field, Rule::Malformed("present and not null")));
            None
        }
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        Some(_) => {
            c.push(FieldError::new(field, Rule::Malformed("a string")));
            None
        }
    }
}

fn check_file_ids_json(c: &mut Collector, value: Option<&serde_json::Value>) {
    use serde_json::Value;
    match value {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                match item {
                    Value::String(s) if s.is_empty() => {
                        c.push(FieldError::new(alloc::format!("file_ids[{i}]"), Rule::Empty));
                    }
                    Value::String(_) => {}
                    _ => c.push(FieldError::new(
                        alloc::format!("file_ids[{i}]"),
                        Rule::Malformed("a string"),
                    )),
                }
            }
        }
        Some(_) => c.push(FieldError::new(
            "file_ids",
            Rule::Malformed("an array of strings, or null"),
        )),
    }
}

fn check_inputs_json(c: &mut Collector, value: Option<&serde_json::Value>) {
    use serde_json::Value;
    match value {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                let Value::Object(input) = item else {
                    c.push(FieldError::new(
                        alloc::format!("inputs[{i}]"),
                        Rule::Malformed("an object with a name and a value"),
                    ));
                    continue;
                };
                let field = alloc::format!("inputs[{i}].name");
                match input.get("name") {
                    Some(Value::String(s)) if s.is_empty() => c.push(FieldError::new(field, Rule::Empty)),
                    Some(Value::String(_)) => {}
                    None => c.push(FieldError::new(field, Rule::Malformed("present"))),
                    Some(_) => c.push(FieldError::new(field, Rule::Malformed("a string"))),
                }
                if !input.contains_key("value") {
                    c.push(FieldError::new(
                        alloc::format!("inputs[{i}].value"),
                        Rule::Malformed("present (any JSON value, null included)"),
                    ));
                }
                // Other members are ignored, as a name-value pair reads them.
            }
        }
        Some(_) => c.push(FieldError::new(
            "inputs",
            Rule::Malformed("an array of {name, value} objects, or null"),
        )),
    }
}

/// Implemented by [`Set`] only: `agent_id` has been given.
#[diagnostic::on_unimplemented(
    message = "missing required field `agent_id`: call `.agent_id(..)` before `.build()`",
    label = "`agent_id` is not set"
)]
pub trait AgentIdIsSet {}
/// Implemented by [`Set`] only: `process_id` has been given.
#[diagnostic::on_unimplemented(
    message = "missing required field `process_id`: call `.process_id(..)` before `.build()`",
    label = "`process_id` is not set"
)]
pub trait ProcessIdIsSet {}
/// Implemented by [`Set`] only: `name` has been given.
#[diagnostic::on_unimplemented(
    message = "missing required field `name`: call `.name(..)` before `.build()`",
    label = "`name` is not set"
)]
pub trait NameIsSet {}
/// Implemented by [`Set`] only: `stage` has been given.
#[diagnostic::on_unimplemented(
    message = "missing required field `stage`: call `.stage(..)` before `.build()`",
    label = "`stage` is not set"
)]
pub trait StageIsSet {}

impl AgentIdIsSet for Set {}
impl ProcessIdIsSet for Set {}
impl NameIsSet for Set {}
impl StageIsSet for Set {}

/// Builds a [`StartRun`]; the type parameters track which required fields are set.
///
/// Setters take plain strings (or already-validated ids); the values are checked together in
/// [`build`](Self::build).
#[derive(Debug)]
#[must_use = "a builder does nothing until .build() is called"]
pub struct StartRunBuilder<A, P, N, S> {
    agent_id: Option<String>,
    process_id: Option<String>,
    name: Option<String>,
    stage: Option<ProcessStage>,
    file_ids: Vec<String>,
    inputs: Vec<NameValue>,
    /// What `inputs_from` could not read, reported by `build`.
    inputs_errors: Vec<FieldError>,
    state: PhantomData<(A, P, N, S)>,
}

impl<A, P, N, S> StartRunBuilder<A, P, N, S> {
    fn retype<A2, P2, N2, S2>(self) -> StartRunBuilder<A2, P2, N2, S2> {
        StartRunBuilder {
            agent_id: self.agent_id,
            process_id: self.process_id,
            name: self.name,
            stage: self.stage,
            file_ids: self.file_ids,
            inputs: self.inputs,
            inputs_errors: self.inputs_errors,
            state: PhantomData,
        }
    }

    /// The agent that owns the process (required).
    pub fn agent_id(mut self, id: impl AsRef<str>) -> StartRunBuilder<Set, P, N, S> {
        self.agent_id = Some(id.as_ref().into());
        self.retype()
    }

    /// The process to run (required).
    pub fn process_id(mut self, id: impl AsRef<str>) -> StartRunBuilder<A, Set, N, S> {
        self.process_id = Some(id.as_ref().into());
        self.retype()
    }

    /// The run's name, 1 to 100 characters (required).
    pub fn name(mut self, name: impl AsRef<str>) -> StartRunBuilder<A, P, Set, S> {
        self.name = Some(name.as_ref().into());
        self.retype()
    }

    /// Which version of the process to run (required).
    pub fn stage(mut self, stage: ProcessStage) -> StartRunBuilder<A, P, N, Set> {
        self.stage = Some(stage);
        self.retype()
    }

    /// Adds a file id from the files API as text; ids keep their order. See also
    /// [`file`](Self::file), which takes the id an upload returned.
    pub fn file_id(mut self, id: impl Into<String>) -> Self {
        self.file_ids.push(id.into());
        self
    }

    /// Adds an uploaded file, by the [`FileId`] its upload returned; files keep their order.
    ///
    /// ```
    /// # use runs_core::{FileId, ProcessStage, StartRun};
    /// let uploaded: FileId = "s3://bucket/invoice.pdf".parse()?;
    /// let start = StartRun::builder()
    ///     .agent_id("agent-1")
    ///     .process_id("invoice-ocr")
    ///     .name("March invoices")
    ///     .stage(ProcessStage::Published)
    ///     .file(&uploaded)
    ///     .build()?;
    /// assert_eq!(start.file_ids(), ["s3://bucket/invoice.pdf"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn file(mut self, id: impl Into<FileId>) -> Self {
        self.file_ids.push(id.into().into_string());
        self
    }

    /// Adds an input; inputs keep their order. The value is any JSON (`"text"`, `42`,
    /// `serde_json::json!({..})`, or a [`JsonValue`] for exact numbers).
    pub fn input(mut self, name: impl Into<String>, value: impl Into<JsonValue>) -> Self {
        self.inputs.push(NameValue::new(name, value));
        self
    }

    /// Adds every field of a `#[derive(Serialize)]` struct (or every entry of a map) as an
    /// input, in the struct's field order, after the inputs given so far. Each value is
    /// written by serde_json ([`JsonValue::from_serialize`]), so `u128`s and nested structs
    /// arrive exactly. A field that serializes to `null` (a `None`) is left out, as serde's
    /// `skip_serializing_if = "Option::is_none"` would; give `.input(name, ())` to send a
    /// `null`.
    ///
    /// A value that is not a struct or map, or a field that cannot be written as JSON, is
    /// reported by [`build`](Self::build) as an error on the field `inputs`, with the others.
    ///
    /// ```
    /// # use runs_core::{ProcessStage, StartRun};
    /// #[derive(serde::Serialize)]
    /// struct Invoices {
    ///     month: &'static str,
    ///     pages: u32,
    ///     total_cents: u128,
    ///     reviewer: Option<String>,
    /// }
    ///
    /// let start = StartRun::builder()
    ///     .agent_id("agent-1")
    ///     .process_id("invoice-ocr")
    ///     .name("March invoices")
    ///     .stage(ProcessStage::Published)
    ///     .input("priority", "high")
    ///     .inputs_from(&Invoices {
    ///         month: "2026-03",
    ///         pages: 12,
    ///         total_cents: 123456789012345678901234567890,
    ///         reviewer: None,
    ///     })
    ///     .build()?;
    /// let inputs: Vec<_> = start.inputs().iter().map(|i| (i.name.as_str(), i.value.as_str())).collect();
    /// assert_eq!(inputs, [
    ///     ("priority", r#""high""#),
    ///     ("month", r#""2026-03""#),
    ///     ("pages", "12"),
    ///     ("total_cents", "123456789012345678901234567890"),
    /// ]);
    ///
    /// let refused = StartRun::builder()
    ///     .agent_id("agent-1")
    ///     .process_id("invoice-ocr")
    ///     .name("n")
    ///     .stage(ProcessStage::Draft)
    ///     .inputs_from(&[1, 2, 3])
    ///     .build()
    ///     .unwrap_err();
    /// assert_eq!(refused.to_string(), "invalid input: inputs must be a struct or map whose fields are the inputs");
    /// # Ok::<(), runs_core::Error>(())
    /// ```
    pub fn inputs_from<T: Serialize + ?Sized>(mut self, value: &T) -> Self {
        match inputs_of(value) {
            Ok(inputs) => self.inputs.extend(inputs),
            Err(e) => self.inputs_errors.push(e),
        }
        self
    }
}

// `build` exists in every state and its where-clause fails instead, so a missing field is
// reported with the marker trait's own message (E0277) rather than "method not found" (E0599).
impl<A, P, N, S> StartRunBuilder<A, P, N, S> {
    /// Checks every field and returns the request, or all the rules broken: an
    /// [`Error::Invalid`] whose [`ValidationError`] names each field and its rule.
    ///
    /// ```
    /// # use runs_core::{Error, ProcessStage, StartRun};
    /// let refused = StartRun::builder()
    ///     .agent_id("agent 1")
    ///     .process_id("invoice-ocr")
    ///     .name("")
    ///     .stage(ProcessStage::Published)
    ///     .build();
    /// let Err(Error::Invalid(invalid)) = refused else { unreachable!("refused as invalid") };
    /// let fields: Vec<_> = invalid.errors().iter().map(|e| e.field()).collect();
    /// assert_eq!(fields, ["agent_id", "name"]);
    /// ```
    pub fn build(self) -> Result<StartRun, Error>
    where
        A: AgentIdIsSet,
        P: ProcessIdIsSet,
        N: NameIsSet,
        S: StageIsSet,
    {
        let mut c = Collector::default();
        let agent_id = c.check(AgentId::new(self.agent_id.unwrap_or_default()));
        let process_id = c.check(ProcessId::new(self.process_id.unwrap_or_default()));
        let name = self.name.unwrap_or_default();
        let name_ok = c.check(check_name(RunName::FIELD, &name)).is_some();
        check_file_ids(&mut c, &self.file_ids);
        check_inputs(&mut c, &self.inputs);
        for e in self.inputs_errors {
            c.push(e);
        }
        Ok(c.finish(|| {
            Some(StartRun {
                agent_id: agent_id?,
                process_id: process_id?,
                name: name_ok.then(|| RunName::new(name).ok()).flatten()?,
                stage: self.stage?,
                file_ids: (!self.file_ids.is_empty()).then_some(self.file_ids),
                inputs: (!self.inputs.is_empty()).then_some(self.inputs),
            })
        })?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::collections::BTreeMap;
    use alloc::string::ToString;
    use proptest::prelude::*;

    fn builder() -> StartRunBuilder<Set, Set, Set, Set> {
        StartRun::builder()
            .agent_id("a")
            .process_id("p")
            .name("n")
            .stage(ProcessStage::Draft)
    }

    /// The rules `result` broke: `build` gives them as `Error::Invalid`.
    fn broken(result: Result<StartRun, Error>) -> ValidationError {
        match result {
            Err(Error::Invalid(invalid)) => invalid,
            other => panic!("not refused as invalid: {other:?}"),
        }
    }

    fn pairs(start: &StartRun) -> Vec<(&str, &str)> {
        start
            .inputs()
            .iter()
            .map(|i| (i.name.as_str(), i.value.as_str()))
            .collect()
    }

    #[derive(Serialize)]
    struct Nested {
        depth: u8,
        tags: Vec<&'static str>,
    }

    #[derive(Serialize)]
    struct Inputs {
        zebra: &'static str,
        apple: i128,
        nested: Nested,
        skipped: Option<u8>,
        present: Option<u8>,
        #[serde(rename = "renamed-field")]
        renamed: bool,
    }

    #[test]
    fn inputs_from_a_struct_keep_its_field_order_nesting_and_skip_none() {
        let start = builder()
            .input("first", 1)
            .inputs_from(&Inputs {
                zebra: "z",
                apple: i128::MIN,
                nested: Nested {
                    depth: 2,
                    tags: vec!["x", "y"],
                },
                skipped: None,
                present: Some(0),
                renamed: true,
            })
            .input("last", ())
            .build()
            .unwrap();
        assert_eq!(
            pairs(&start),
            [
                ("first", "1"),
                ("zebra", r#""z""#),
                ("apple", "-170141183460469231731687303715884105728"),
                ("nested", r#"{"depth":2,"tags":["x","y"]}"#),
                ("present", "0"),
                ("renamed-field", "true"),
                ("last", "null"),
            ]
        );
        assert_eq!(
            serde_json::to_string(&start).unwrap(),
            r#"{"agent_id":"a","process_id":"p","name":"n","stage":"Draft","inputs":[{"name":"first","value":1},{"name":"zebra","value":"z"},{"name":"apple","value":-170141183460469231731687303715884105728},{"name":"nested","value":{"depth":2,"tags":["x","y"]}},{"name":"present","value":0},{"name":"renamed-field","value":true},{"name":"last","value":null}]}"#
        );
    }

    #[test]
    fn inputs_from_a_map_take_its_entries_and_an_empty_key_is_named() {
        let map: BTreeMap<&str, u8> = [("b", 2), ("", 1)].into();
        let err = broken(builder().inputs_from(&map).build());
        assert_eq!(err.errors()[0].field(), "inputs[0].name");
        let map: BTreeMap<&str, u8> = [("b", 2), ("a", 1)].into();
        assert_eq!(
            pairs(&builder().inputs_from(&map).build().unwrap()),
            [("a", "1"), ("b", "2")]
        );
        let exact: crate::JsonValue = r#"{"z":123456789012345678901234567890,"a":null}"#.parse().unwrap();
        assert_eq!(
            pairs(&builder().inputs_from(&exact).build().unwrap()),
            [("z", "123456789012345678901234567890")]
        );
    }

    #[test]
    fn inputs_from_anything_but_a_struct_or_map_is_refused_with_the_other_errors() {
        for refused in [
            serde_json::to_value([1, 2]).unwrap(),
            serde_json::Value::from("text"),
            serde_json::Value::Null,
        ] {
            let err = broken(
                StartRun::builder()
                    .agent_id("bad id!")
                    .process_id("p")
                    .name("n")
                    .stage(ProcessStage::Draft)
                    .inputs_from(&refused)
                    .build(),
            );
            let fields: Vec<_> = err.errors().iter().map(|e| e.field()).collect();
            assert_eq!(fields, ["agent_id", "inputs"], "{refused}");
            assert_eq!(
                err.errors()[1].to_string(),
                "inputs must be a struct or map whose fields are the inputs"
            );
        }
        let keys: BTreeMap<(u8, u8), u8> = [((1, 2), 3)].into();
        let err = broken(builder().inputs_from(&keys).build());
        assert_eq!(
            err.to_string(),
            "invalid input: inputs must be a struct or map whose keys are strings"
        );
        let fields: BTreeMap<&str, BTreeMap<(u8, u8), u8>> = [("f", keys)].into();
        let err = broken(builder().inputs_from(&fields).build());
        assert_eq!(
            err.to_string(),
            "invalid input: inputs must be a struct or map whose every field serializes as JSON"
        );
    }

    proptest! {
        #[test]
        fn inputs_from_keep_numbers_exactly(u in any::<u128>(), i in any::<i128>(), f in any::<f64>()) {
            #[derive(Serialize)]
            struct Numbers { u: u128, i: i128, f: f64 }
            let start = builder().inputs_from(&Numbers { u, i, f }).build().unwrap();
            let f_text = if f.is_finite() { serde_json::to_string(&f).unwrap() } else { "null".to_string() };
            let mut expected = vec![("u", u.to_string()), ("i", i.to_string())];
            if f.is_finite() {
                expected.push(("f", f_text));
            }
            let got: Vec<_> = start.inputs().iter().map(|v| (v.name.as_str(), v.value.as_str().to_string())).collect();
            prop_assert_eq!(&got, &expected);
            prop_assert_eq!(start.inputs()[0].value.parse::<u128>().unwrap(), u);
            prop_assert_eq!(start.inputs()[1].value.parse::<i128>().unwrap(), i);
            let body = serde_json::to_string(&start).unwrap();
            prop_assert!(body.contains(&alloc::format!(r#"{{"name":"u","value":{u}}}"#)), "{}", body);
        }
    }

    #[test]
    fn every_broken_rule_is_reported_at_once() {
        let err = broken(
            StartRun::builder()
                .agent_id("bad id!")
                .process_id("")
                .name("x".repeat(101))
                .stage(ProcessStage::Draft)
                .file_id("")
                .input("", 1)
                .build(),
        );
        let fields: Vec<_> = err.errors().iter().map(|e| e.field()).collect();
        assert_eq!(
            fields,
            ["agent_id", "process_id", "name", "file_ids[0]", "inputs[0].name"]
        );
    }

    #[test]
    fn the_wire_body_is_the_serialized_request_with_values_copied_as_their_text() {
        let spaced: JsonValue = "{ \"b\" : [1, 2.50e3, \"\\u00e9\"],\n \"a\": null }"
            .parse()
            .unwrap();
        let start = builder()
            .file_id("file-1")
            .input(
                "big",
                "123456789012345678901234567890".parse::<JsonValue>().unwrap(),
            )
            .input("text", "quote \" and \\ and \u{1} and é")
            .input("spaced", spaced.clone())
            .build()
            .unwrap();
        let wire = start.wire_body();
        assert_eq!(serde_json::from_slice::<StartRun>(&wire).unwrap(), start);
        let text = core::str::from_utf8(&wire).unwrap();
        assert!(text.contains(spaced.as_str()), "{text}");
        assert!(
            text.contains(r#"{"name":"big","value":123456789012345678901234567890}"#),
            "{text}"
        );
        // Values made from Rust values are compact already: then the bytes are the same too.
        let compact = builder()
            .file_id("f")
            .input("n", 1.5)
            .input("s", "é\n")
            .build()
            .unwrap();
        assert_eq!(compact.wire_body(), serde_json::to_vec(&compact).unwrap());
        let bare = builder().build().unwrap();
        assert_eq!(bare.wire_body(), serde_json::to_vec(&bare).unwrap());
    }

    proptest! {
        #[test]
        fn the_wire_body_reads_back_as_the_request(
            name in "[a-zA-Z0-9 \u{e9}\\\"]{1,20}",
            inputs in proptest::collection::vec(("[a-z\u{e9}\\\"]{1,8}", any::<i64>(), ".{0,12}"), 0..4),
            file_ids in proptest::collection::vec("[a-z0-9-]{1,12}", 0..3),
        ) {
            let mut b = builder().name(name);
            for (key, number, text) in &inputs {
                b = b.input(key.clone(), *number).input(alloc::format!("{key}-text"), text.clone());
            }
            for id in &file_ids {
                b = b.file_id(id.clone());
            }
            let start = b.build().unwrap();
            let wire = start.wire_body();
            prop_assert_eq!(serde_json::from_slice::<StartRun>(&wire).unwrap(), start.clone());
            prop_assert_eq!(wire, serde_json::to_vec(&start).unwrap());
        }
    }

    #[test]
    fn unset_optional_fields_are_left_out_of_the_body() {
        let start = StartRun::builder()
            .agent_id("a")
            .process_id("p")
            .name("n")
            .stage(ProcessStage::Draft)
            .build()
            .unwrap();
        assert_eq!(
            serde_json::to_string(&start).unwrap(),
            r#"{"agent_id":"a","process_id":"p","name":"n","stage":"Draft"}"#
        );
    }

    #[test]
    fn server_side_reading_rejects_unknown_fields_and_names_bad_ones() {
        let err = StartRun::from_json(br#"{"agent_id":"a","process_id":"p","name":"","stage":"draft"}"#)
            .unwrap_err();
        assert!(err.has_field("name") && err.has_field("stage"));
        assert!(
            StartRun::from_json(br#"{"agent_id":"a","process_id":"p","name":"n","stage":"Draft","x":1}"#)
                .is_err()
        );
        assert!(StartRun::from_json(b"not json").unwrap_err().has_field("body"));
    }

    #[test]
    fn a_body_reports_every_broken_rule_by_its_field() {
        let e = StartRun::from_json(
            br#"{"agent_id":1,"name":"","stage":"draft","file_ids":[""],"inputs":[{"name":2},3],"extra":0}"#,
        )
        .unwrap_err();
        let fields: Vec<_> = e.errors().iter().map(FieldError::field).collect();
        assert_eq!(
            fields,
            [
                "agent_id",
                "process_id",
                "name",
                "stage",
                "file_ids[0]",
                "inputs[0].name",
                "inputs[0].value",
                "inputs[1]",
                "extra"
            ]
        );
        assert!(StartRun::from_json(b"[1]").unwrap_err().has_field("body"));
        let ok = StartRun::from_json(
            br#"{"agent_id":"a","process_id":"p","name":"n","stage":"Draft","inputs":[{"name":"x","value":1.50}],"file_ids":null}"#,
        )
        .unwrap();
        assert_eq!(
            ok.inputs()[0].value.as_str(),
            "1.50",
            "an input's exact text is kept"
        );
    }

    proptest! {
        /// Any bytes read as a body give a request or at least one error, never a panic.
        #[test]
        fn any_body_is_a_request_or_named_errors(body in proptest::collection::vec(any::<u8>(), 0..200)) {
            if let Err(e) = StartRun::from_json(&body) {
                prop_assert!(!e.errors().is_empty());
            }
        }

        /// Bodies of the right shape with odd members in their inputs: the same.
        #[test]
        fn odd_inputs_are_a_request_or_named_errors(extra in "[a-z]{1,5}", value in "[0-9a-z\\[\\]{}\":,]{0,12}") {
            let body = alloc::format!(
                r#"{{"agent_id":"a","process_id":"p","name":"n","stage":"Draft","inputs":[{{"name":"x","value":1,"{extra}":{value}}}]}}"#
            );
            if let Err(e) = StartRun::from_json(body.as_bytes()) {
                prop_assert!(!e.errors().is_empty());
            }
        }
    }
}
