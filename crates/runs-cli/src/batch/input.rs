//! Reading a batch's rows from CSV or JSON lines, every row checked before anything is sent.
//!
//! Each bad cell is reported with its line and column and the rule it breaks, all of them at
//! once, so a spreadsheet is fixed in one pass.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use runs_core::{JsonValue, ProcessStage, StartRun};
use serde_json::Value;

/// One row, ready to start: its key, the request, and the files to upload for it.
pub struct InputRow {
    pub key: String,
    pub start: StartRun,
    pub files: Vec<PathBuf>,
}

/// What was read.
pub struct Input {
    pub rows: Vec<InputRow>,
    /// Whether the input is JSON lines (the results are written alike).
    pub jsonl: bool,
}

/// What every row shares, from the command line.
pub struct Shape<'a> {
    pub agent_id: &'a str,
    pub process_id: &'a str,
    pub stage: ProcessStage,
    pub key: Option<&'a str>,
    pub name: &'a str,
    pub file_columns: &'a [String],
    pub json_columns: &'a [String],
}

/// Whether `path` names a JSON-lines file (by its extension).
pub fn is_jsonl(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("jsonl" | "ndjson")
    )
}

/// The input file's stem, for `{stem}`.
pub fn stem(path: &Path) -> String {
    path.file_stem()
        .map_or_else(String::new, |s| s.to_string_lossy().into_owned())
}

/// One cell of a row, before it is an input.
enum Cell {
    Text(String),
    Json(Value),
}

/// Reads every row of `bytes` (the file at `path`), or every problem found, each as
/// `line L, column C: what`.
pub fn read(path: &Path, bytes: &[u8], shape: &Shape<'_>) -> Result<Input, Vec<String>> {
    let jsonl = is_jsonl(path);
    let mut problems = Vec::new();
    let cells = if jsonl {
        jsonl_rows(bytes, &mut problems)
    } else {
        csv_rows(bytes, shape, &mut problems)
    };
    for column in shape.file_columns.iter().chain(shape.json_columns) {
        if !cells
            .iter()
            .any(|(_, row)| row.iter().any(|(name, _)| name == column))
            && !cells.is_empty()
        {
            problems.push(format!("column {column:?}: no row has it"));
        }
    }
    let stem = stem(path);
    let mut keys = HashSet::new();
    let mut names = HashSet::new();
    let mut rows = Vec::new();
    for (number, (line, row)) in cells.into_iter().enumerate() {
        let at = |column: &str| format!("line {line}, column {column}");
        let key = match shape.key {
            None => (number + 1).to_string(),
            Some(column) => match row.iter().find(|(name, _)| name == column) {
                Some((_, Cell::Text(text))) if !text.is_empty() => text.clone(),
                Some((_, Cell::Json(Value::String(text)))) if !text.is_empty() => text.clone(),
                Some((_, Cell::Json(value @ Value::Number(_)))) => value.to_string(),
                _ => {
                    problems.push(format!("{}: the key is missing or empty", at(column)));
                    continue;
                }
            },
        };
        if !keys.insert(key.clone()) {
            problems.push(format!(
                "{}: the key {key:?} is also another row's; keys must be unique",
                at(shape.key.unwrap_or("(row number)"))
            ));
        }
        let name = shape.name.replace("{key}", &key).replace("{stem}", &stem);
        if !names.insert(name.clone()) {
            problems.push(format!(
                "line {line}: the name {name:?} is also another row's; put {{key}} in --name"
            ));
        }
        let mut builder = StartRun::builder()
            .agent_id(shape.agent_id)
            .process_id(shape.process_id)
            .name(&name)
            .stage(shape.stage);
        let mut files = Vec::new();
        for (column, cell) in row {
            if shape.key == Some(column.as_str()) {
                continue;
            }
            if shape.file_columns.contains(&column) {
                let text = match cell {
                    Cell::Text(text) | Cell::Json(Value::String(text)) => text,
                    Cell::Json(Value::Null) => String::new(),
                    Cell::Json(_) => {
                        problems.push(format!("{}: a path must be text", at(&column)));
                        continue;
                    }
                };
                if text.is_empty() {
                    continue;
                }
                let path = PathBuf::from(&text);
                match std::fs::metadata(&path).map(|m| runs_core::transport::check_regular_file(&m)) {
                    Ok(Ok(())) => files.push(path),
                    Ok(Err(e)) | Err(e) => problems.push(format!("{}: {text}: {e}", at(&column))),
                }
                continue;
            }
            let value: JsonValue = match cell {
                Cell::Text(text) if shape.json_columns.contains(&column) => match text.parse() {
                    Ok(value) => value,
                    Err(e) => {
                        problems.push(format!("{}: not a JSON value ({e})", at(&column)));
                        continue;
                    }
                },
                Cell::Text(text) => JsonValue::from(text),
                Cell::Json(value) => JsonValue::from(value),
            };
            builder = builder.input(column, value);
        }
        match builder.build() {
            Ok(start) => rows.push(InputRow { key, start, files }),
            Err(e) => problems.push(format!("line {line}: {e}")),
        }
    }
    if rows.is_empty() && problems.is_empty() {
        problems.push("no rows: the file has a header (or nothing) and no row under it".into());
    }
    if problems.is_empty() {
        Ok(Input { rows, jsonl })
    } else {
        Err(problems)
    }
}

/// The rows of a CSV file with a header row: each row's line and its `(column, cell)`s.
fn csv_rows(bytes: &[u8], shape: &Shape<'_>, problems: &mut Vec<String>) -> Vec<(u64, Vec<(String, Cell)>)> {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(bytes);
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(str::to_owned).collect(),
        Err(e) => {
            problems.push(format!("line 1: not a CSV header row ({e})"));
            return Vec::new();
        }
    };
    let mut seen = HashSet::new();
    for header in &headers {
        if header.is_empty() || !seen.insert(header.as_str()) {
            problems.push(format!(
                "line 1, column {header:?}: headers must be non-empty and unique"
            ));
        }
    }
    if let Some(key) = shape.key {
        if !headers.iter().any(|h| h == key) {
            problems.push(format!("line 1: there is no column {key:?} for --key"));
        }
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        match record {
            Ok(record) => {
                let line = record.position().map_or(0, csv::Position::line);
                let cells = headers
                    .iter()
                    .cloned()
                    .zip(record.iter().map(|c| Cell::Text(c.to_owned())))
                    .collect();
                rows.push((line, cells));
            }
            Err(e) => {
                let line = e.position().map_or(0, csv::Position::line);
                problems.push(format!("line {line}: {e}"));
            }
        }
    }
    rows
}

/// The rows of a JSON-lines file: each non-blank line an object whose members are the cells.
fn jsonl_rows(bytes: &[u8], problems: &mut Vec<String>) -> Vec<(u64, Vec<(String, Cell)>)> {
    let text = String::from_utf8_lossy(bytes);
    let mut rows = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let number = index as u64 + 1;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(line) {
            Ok(Value::Object(members)) => rows.push((
                number,
                members.into_iter().map(|(k, v)| (k, Cell::Json(v))).collect(),
            )),
            Ok(_) => problems.push(format!("line {number}: not a JSON object")),
            Err(e) => problems.push(format!("line {number}: not JSON ({e})")),
        }
    }
    rows
}
