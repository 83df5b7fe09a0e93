//! The outputs a succeeded run gets: deterministic, derived from what it was started with.
//!
//! In this order:
//! 1. `run_name`: the run's name, a string;
//! 2. `input_count`: how many inputs it was given, an integer;
//! 3. each input, echoed with its name and value, in the order given.
//!
//! Runs that end in any other status have `outputs: null`, as do runs not yet finished.

use runs_core::NameValue;
use serde_json::Value;

/// The outputs of a succeeded run named `name` started with `inputs`.
///
/// ```
/// use runs_core::NameValue;
/// let outputs = runs_emulator::outputs::for_run("March", &[NameValue::new("month", "2026-03")]);
/// assert_eq!(outputs[0], NameValue::new("run_name", "March"));
/// assert_eq!(outputs[1], NameValue::new("input_count", 1));
/// assert_eq!(outputs[2], NameValue::new("month", "2026-03"));
/// ```
pub fn for_run(name: &str, inputs: &[NameValue]) -> Vec<NameValue> {
    let mut outputs = Vec::with_capacity(inputs.len() + 2);
    outputs.push(NameValue::new("run_name", name));
    outputs.push(NameValue::new("input_count", Value::from(inputs.len())));
    outputs.extend(inputs.iter().cloned());
    outputs
}
