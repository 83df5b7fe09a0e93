//! Writing a batch's results: one row per input row, written whole or not at all.
//!
//! CSV has `key,run_id,status,name,error`, then one `output.NAME` column per output name any
//! row has (sorted); JSON lines have the same members with an `outputs` object. The file is
//! written beside its destination and renamed over it, so a reader never sees half of it.

use std::collections::BTreeSet;
use std::io::{self, Write};
use std::path::Path;

use runs_blocking::batch::Outcome;
use serde_json::{Map, Value, json};

/// One row's result.
pub struct ResultRow<'a> {
    pub key: &'a str,
    pub outcome: &'a Outcome,
}

impl ResultRow<'_> {
    fn fields(&self) -> (String, String, String, String) {
        match self.outcome {
            Outcome::Finished {
                run_id, name, status, ..
            } => (
                run_id.to_string(),
                status.to_string(),
                name.clone(),
                String::new(),
            ),
            Outcome::Started { run_id, name } => {
                (run_id.to_string(), "Started".into(), name.clone(), String::new())
            }
            Outcome::Refused(e) => (String::new(), "refused".into(), String::new(), e.clone()),
            Outcome::Unknown(e) => (String::new(), "unknown".into(), String::new(), e.clone()),
            Outcome::NotStarted(e) => (String::new(), "not started".into(), String::new(), e.clone()),
            _ => (String::new(), "unknown".into(), String::new(), String::new()),
        }
    }

    fn outputs(&self) -> Vec<(&str, String)> {
        match self.outcome {
            Outcome::Finished { outputs, .. } => outputs
                .iter()
                .map(|o| (o.name.as_str(), cell(o.value.as_str())))
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// A JSON value as a cell: a string's text, any other value's JSON.
fn cell(json: &str) -> String {
    serde_json::from_str::<String>(json).unwrap_or_else(|_| json.to_owned())
}

/// Writes `rows` to `path` atomically, as CSV or as JSON lines.
pub fn write(path: &Path, rows: &[ResultRow<'_>], jsonl: bool) -> io::Result<()> {
    let mut bytes = Vec::new();
    if jsonl {
        for row in rows {
            let (run_id, status, name, error) = row.fields();
            let outputs: Map<String, Value> = match row.outcome {
                Outcome::Finished { outputs, .. } => outputs
                    .iter()
                    .map(|o| {
                        let value = serde_json::from_str(o.value.as_str()).unwrap_or(Value::Null);
                        (o.name.clone(), value)
                    })
                    .collect(),
                _ => Map::new(),
            };
            let line = json!({"key": row.key, "run_id": run_id, "status": status, "name": name,
                "error": error, "outputs": outputs});
            serde_json::to_writer(&mut bytes, &line)?;
            bytes.push(b'\n');
        }
    } else {
        let names: BTreeSet<&str> = rows.iter().flat_map(|r| r.outputs()).map(|(n, _)| n).collect();
        let mut csv = csv::Writer::from_writer(&mut bytes);
        let mut header = vec![
            "key".to_owned(),
            "run_id".into(),
            "status".into(),
            "name".into(),
            "error".into(),
        ];
        header.extend(names.iter().map(|n| format!("output.{n}")));
        csv.write_record(&header)?;
        for row in rows {
            let (run_id, status, name, error) = row.fields();
            let outputs = row.outputs();
            let mut record = vec![row.key.to_owned(), run_id, status, name, error];
            record.extend(names.iter().map(|n| {
                outputs
                    .iter()
                    .find(|(o, _)| o == n)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            }));
            csv.write_record(&record)?;
        }
        csv.flush()?;
        drop(csv);
    }
    let temp = path.with_extension(format!(
        "{}.partial",
        path.extension().and_then(|e| e.to_str()).unwrap_or("out")
    ));
    {
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(&bytes)?;
        file.sync_all()?;
    }
    std::fs::rename(&temp, path)
}
