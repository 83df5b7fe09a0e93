//! The floor a hand-written client reaches: `serde_json` into structs of `String`s, with no
//! validation and no typed values.

use serde::Deserialize;

/// A run with every field a plain string (or raw JSON).
#[derive(Debug, Deserialize)]
#[allow(dead_code)] // decoded to be measured, never read
pub struct PlainRun {
    id: String,
    name: String,
    agent_id: String,
    process_id: String,
    stage: String,
    status: String,
    created_at: String,
    file_ids: Option<Vec<String>>,
    outputs: Option<Vec<PlainNameValue>>,
}

/// An output as a name and raw JSON.
#[derive(Debug, Deserialize)]
#[allow(dead_code)] // decoded to be measured, never read
pub struct PlainNameValue {
    name: String,
    value: serde_json::Value,
}

/// A page of plain runs.
#[derive(Debug, Deserialize)]
#[allow(dead_code)] // decoded to be measured, never read
pub struct PlainPage {
    items: Option<Vec<PlainRun>>,
    continuation_token: Option<String>,
}
