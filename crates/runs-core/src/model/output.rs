//! Typed outputs: a run's outputs read into the caller's own types.
//!
//! Outputs are any JSON, so [`Run::output`](crate::Run::output) gives a
//! [`JsonValue`](crate::JsonValue), its exact text; most programs know what a process produces and would rather have a
//! `u64` or their own `#[derive(Deserialize)]` struct. [`Run::output_as`] reads one output by
//! name, [`Run::outputs_as`] reads all of them into a struct whose fields are the outputs'
//! names. A missing output or one of the wrong shape is an [`Error::Output`](crate::Error::Output)
//! whose [`OutputError`] names it: the SDK's one error, as a client call's, so one `?` carries
//! both. Both read the outputs' exact text, so a `u128` output gets every digit.
//!
//! ```
//! use serde::Deserialize;
//! use runs_core::{Run, serde_json};
//!
//! let run: Run = serde_json::from_str(r#"{"id":"r1","name":"n","agent_id":"a","process_id":"p",
//!     "stage":"Published","status":"Succeeded","created_at":"2026-03-01T09:00:00",
//!     "outputs":[{"name":"total","value":1250},{"name":"currency","value":"EUR"}]}"#)?;
//!
//! let total: u64 = run.output_as("total")?;
//! assert_eq!(total, 1250);
//!
//! #[derive(Deserialize)]
//! struct Invoice { total: u64, currency: String }
//! let invoice: Invoice = run.outputs_as()?;
//! assert_eq!(invoice.currency, "EUR");
//!
//! let missing = run.output_as::<String>("due_date").unwrap_err();
//! assert_eq!(missing.to_string(), "the run has no output \"due_date\"");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use alloc::collections::BTreeSet;
use alloc::string::String;
use core::fmt;

use serde::de::DeserializeOwned;

use crate::error::{Error, Quoted, one_line};
use crate::json_value::without_position;
use crate::run::Run;

/// An output that is not there, or not of the type asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputError {
    name: Option<String>,
    detail: Option<String>,
}

impl OutputError {
    /// The output's name; `None` when [`Run::outputs_as`] failed on the outputs as a whole.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// Whether the output is missing (rather than of the wrong shape).
    pub fn is_missing(&self) -> bool {
        self.detail.is_none()
    }
}

impl fmt::Display for OutputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.name, &self.detail) {
            (Some(name), None) => write!(f, "the run has no output {}", Quoted(&one_line(name, 100))),
            (Some(name), Some(detail)) => write!(
                f,
                "output {} is not of the type asked for: {detail}",
                Quoted(&one_line(name, 100))
            ),
            (None, Some(detail)) => write!(f, "the outputs do not fit the type asked for: {detail}"),
            (None, None) => f.write_str("the outputs do not fit the type asked for"),
        }
    }
}

impl core::error::Error for OutputError {}

impl Run {
    /// The output `name` (the first of that name), read as a `T`. A missing output or one of
    /// another shape is an [`Error::Output`] naming it.
    pub fn output_as<T: DeserializeOwned>(&self, name: &str) -> Result<T, Error> {
        let value = self.output(name).ok_or_else(|| OutputError {
            name: Some(name.into()),
            detail: None,
        })?;
        let read = value.parse().map_err(|e| OutputError {
            name: Some(name.into()),
            detail: Some(one_line(&without_position(&e), 200)),
        })?;
        Ok(read)
    }

    /// All outputs read into a `T` whose fields are named after them (the first output of
    /// each name counts), as serde reads a JSON object: a missing field is an error unless
    /// it is an `Option` or has `#[serde(default)]`, and outputs with no field are ignored
    /// unless `T` denies unknown fields. Outputs that do not fit are an [`Error::Output`].
    pub fn outputs_as<T: DeserializeOwned>(&self) -> Result<T, Error> {
        // One JSON object of the outputs' exact texts, in their order, read as `T`.
        let mut seen = BTreeSet::new();
        let mut object = String::from("{");
        for output in self.outputs() {
            if seen.insert(output.name.as_str()) {
                if seen.len() > 1 {
                    object.push(',');
                }
                object.push_str(&serde_json::to_string(&output.name).unwrap_or_default());
                object.push(':');
                object.push_str(output.value.as_str());
            }
        }
        object.push('}');
        let read = serde_json::from_str(&object).map_err(|e| OutputError {
            name: None,
            detail: Some(one_line(&without_position(&e), 200)),
        })?;
        Ok(read)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    /// The output error `result` failed with: the reads give it as `Error::Output`.
    fn failed<T: core::fmt::Debug>(result: Result<T, Error>) -> OutputError {
        match result {
            Err(Error::Output(e)) => e,
            other => panic!("not an output error: {other:?}"),
        }
    }

    fn run(outputs: &str) -> Run {
        serde_json::from_str(&alloc::format!(
            r#"{{"id":"r1","name":"n","agent_id":"a","process_id":"p","stage":"Draft","status":"Succeeded","created_at":"2021-01-01T12:00:00","outputs":{outputs}}}"#
        ))
        .unwrap()
    }

    #[test]
    fn a_wrong_shape_names_the_output_and_says_what_was_found() {
        let r = run(r#"[{"name":"total","value":"twelve"}]"#);
        let e = failed(r.output_as::<u64>("total"));
        assert_eq!(e.name(), Some("total"));
        assert!(!e.is_missing());
        assert_eq!(
            e.to_string(),
            "output \"total\" is not of the type asked for: invalid type: string \"twelve\", expected u64"
        );
    }

    #[test]
    fn all_outputs_fill_a_struct_by_name_the_first_of_each_name_winning() {
        #[derive(Deserialize, Debug, PartialEq)]
        struct Out {
            a: u8,
            b: Option<String>,
        }
        let r = run(r#"[{"name":"a","value":1},{"name":"a","value":2},{"name":"extra","value":true}]"#);
        assert_eq!(r.outputs_as::<Out>().unwrap(), Out { a: 1, b: None });
        let none = run("null");
        let e = failed(none.outputs_as::<Out>());
        assert_eq!(e.name(), None);
        assert_eq!(
            e.to_string(),
            "the outputs do not fit the type asked for: missing field `a`"
        );
    }

    #[test]
    fn an_output_error_is_the_sdks_error_so_a_boxed_handler_can_downcast_to_it() {
        fn total(run: &Run) -> Result<u64, alloc::boxed::Box<dyn core::error::Error + Send + Sync>> {
            Ok(run.output_as("total")?)
        }
        let e = total(&run("[]")).unwrap_err();
        let Some(Error::Output(missing)) = e.downcast_ref::<Error>() else {
            panic!("not a runs Error::Output: {e:?}");
        };
        assert_eq!((missing.name(), missing.is_missing()), (Some("total"), true));
        assert!(e.downcast_ref::<OutputError>().is_none(), "one type to look for");
    }

    const BIG: &str = "123456789012345678901234567890";

    #[test]
    fn outputs_are_read_from_their_exact_text() {
        let r = run(&alloc::format!(
            r#"[{{"name":"big","value":{BIG}}},{{"name":"pi","value":3.14159265358979323846264338327950288}}]"#
        ));
        assert_eq!(r.output("big").unwrap().as_str(), BIG);
        assert_eq!(
            r.output_as::<u128>("big").unwrap(),
            123_456_789_012_345_678_901_234_567_890
        );
        #[derive(Deserialize)]
        struct Out {
            big: u128,
            pi: crate::JsonValue,
        }
        let out: Out = r.outputs_as().unwrap();
        assert_eq!(out.big, 123_456_789_012_345_678_901_234_567_890);
        assert_eq!(out.pi.as_str(), "3.14159265358979323846264338327950288");
        let e = failed(r.output_as::<u64>("big"));
        assert_eq!(e.name(), Some("big"));
        assert!(!e.is_missing());
    }
}
