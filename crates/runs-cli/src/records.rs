//! Results as records for programs: CSV rows (`--output csv`) and JSON lines
//! (`--output jsonl`).
//!
//! A record is written whole as soon as it is known, so a listing streams one line per item
//! and never holds more than one item. CSV quoting is the `csv` crate's; a run's columns are
//! [`RUN_COLUMNS`], then its outputs: `output.NAME` columns for one run (`get`, `wait`,
//! `start`), one `outputs` column holding a JSON object for a listing, whose output names are
//! not known before its last page.

use std::io::{self, Write};

use runs_core::{JsonValue, NameValue, Run};

/// The columns of a run, in this order, before its outputs.
pub const RUN_COLUMNS: [&str; 7] = [
    "id",
    "name",
    "agent_id",
    "process_id",
    "stage",
    "status",
    "created_at",
];

/// A run's cells for [`RUN_COLUMNS`].
pub fn run_cells(run: &Run) -> Vec<String> {
    vec![
        run.id.to_string(),
        text(&run.name),
        run.agent_id.to_string(),
        run.process_id.to_string(),
        text(run.stage.as_str()),
        text(run.status.as_str()),
        run.created_at.to_string(),
    ]
}

/// Writes one CSV record (a header or a row), quoted as it needs, ending in `\n`.
pub fn csv_line<I, T>(out: &mut dyn Write, fields: I) -> io::Result<()>
where
    I: IntoIterator<Item = T>,
    T: AsRef<[u8]>,
{
    let mut writer = csv::WriterBuilder::new().from_writer(Vec::new());
    writer.write_record(fields)?;
    let line = writer.into_inner().map_err(|e| e.into_error())?;
    out.write_all(&line)
}

/// Writes `item` as compact JSON on one line (JSON strings hold no raw line breaks).
pub fn json_line<T: serde::Serialize + ?Sized>(out: &mut dyn Write, item: &T) -> io::Result<()> {
    serde_json::to_writer(&mut *out, item)?;
    writeln!(out)
}

/// One run as CSV: a header with every output as an `output.NAME` column, and its row.
pub fn run_csv(out: &mut dyn Write, run: &Run) -> io::Result<()> {
    let header = RUN_COLUMNS
        .iter()
        .map(|c| c.to_string())
        .chain(run.outputs().iter().map(|o| format!("output.{}", text(&o.name))));
    csv_line(out, header)?;
    let row = run_cells(run)
        .into_iter()
        .chain(run.outputs().iter().map(|o| value(&o.value)));
    csv_line(out, row)
}

/// A listing's `outputs` cell: a JSON object of the outputs by name, in the run's order
/// (empty when the run has none yet).
pub fn outputs_cell(outputs: &[NameValue]) -> String {
    if outputs.is_empty() {
        return String::new();
    }
    let mut object = String::from("{");
    for (i, output) in outputs.iter().enumerate() {
        if i > 0 {
            object.push(',');
        }
        // A string always serialises.
        object.push_str(&serde_json::to_string(&output.name).unwrap_or_default());
        object.push(':');
        object.push_str(&compact(&output.value));
    }
    object.push('}');
    text(&object)
}

/// An output's cell: a string as it is, anything else as compact JSON with its numbers
/// exactly as the server wrote them.
pub fn value(value: &JsonValue) -> String {
    match value.parse::<String>() {
        Ok(s) => text(&s),
        Err(_) => text(&compact(value)),
    }
}

fn compact(value: &JsonValue) -> String {
    // The server's spacing could hold line breaks; never fails for a JsonValue.
    serde_json::to_string(value).unwrap_or_else(|_| value.to_string())
}

/// Server text in a cell: exact, line breaks and tabs included (CSV quotes them), but with
/// the characters that could act on a terminal (escape, carriage return, bidi controls)
/// written as escapes, as the tables do.
pub fn text(text: &str) -> String {
    text.split('\n')
        .map(|line| {
            line.split('\t')
                .map(crate::terminal::printable)
                .collect::<Vec<_>>()
                .join("\t")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use runs_core::{ProcessStage, RunStatus};

    use super::*;

    fn sample() -> Run {
        let mut run = Run::new(
            "r1".parse().unwrap(),
            "a, \"quoted\"\nname\u{1b}[31m",
            "agent-1".parse().unwrap(),
            "proc-1".parse().unwrap(),
            ProcessStage::Published,
            RunStatus::from("SomethingNew"),
            "2021-01-01T12:00:00".parse().unwrap(),
        );
        run.outputs = Some(vec![
            NameValue::new("greeting", "hi, there"),
            NameValue::new("n", 42),
            NameValue::new(
                "big",
                "[123456789012345678901234567890,\n 3.14159265358979323846264338327950288]"
                    .parse::<JsonValue>()
                    .unwrap(),
            ),
        ]);
        run
    }

    fn written(f: impl FnOnce(&mut Vec<u8>) -> io::Result<()>) -> String {
        let mut out = Vec::new();
        f(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn one_run_has_a_column_per_output_and_reads_back_as_csv() {
        let run = sample();
        let shown = written(|out| run_csv(out, &run));
        insta::assert_snapshot!(shown, @r#"
        id,name,agent_id,process_id,stage,status,created_at,output.greeting,output.n,output.big
        r1,"a, ""quoted""
        name\u{1b}[31m",agent-1,proc-1,Published,SomethingNew,2021-01-01T12:00:00,"hi, there",42,"[123456789012345678901234567890,3.14159265358979323846264338327950288]"
        "#);
        let mut reader = csv::Reader::from_reader(shown.as_bytes());
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 1);
        assert_eq!(&rows[0][1], "a, \"quoted\"\nname\\u{1b}[31m");
        assert_eq!(&rows[0][8], "42");
    }

    #[test]
    fn a_listing_cell_holds_the_outputs_as_one_json_object() {
        let run = sample();
        let cell = outputs_cell(run.outputs());
        let parsed: serde_json::Value = serde_json::from_str(&cell).unwrap();
        assert_eq!(parsed["greeting"], "hi, there");
        assert_eq!(parsed["n"], 42);
        assert_eq!(outputs_cell(&[]), "");
    }

    #[test]
    fn a_json_line_is_one_line() {
        let run = sample();
        let shown = written(|out| json_line(out, &run));
        assert_eq!(shown.lines().count(), 1);
        let parsed: Run = serde_json::from_str(&shown).unwrap();
        assert_eq!(parsed, run);
    }
}
