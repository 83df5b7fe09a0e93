//! Printing results on stdout: the API's JSON for programs, aligned text for people, CSV and
//! JSON lines for spreadsheets and pipelines (see [`crate::records`]).
//!
//! JSON output is always exactly one document: a run, a page (`{"items": [...],
//! "continuation_token": ...}`), or an array of runs that is written as the runs arrive. CSV
//! and JSON lines have no document around the items: a listing, one page or all, is a header
//! (CSV) then one record per item, written as it arrives.

use std::io::{self, Write};
use std::marker::PhantomData;

use runs_core::{FileId, Health, ID_MAX_LEN, JsonValue, Process, ProcessPage, Run, RunPage};

use crate::cli::OutputFormat;
use crate::records::{self, csv_line, json_line};

/// Prints one run: its JSON, or its fields one per line.
pub fn run(out: &mut dyn Write, format: OutputFormat, run: &Run) -> io::Result<()> {
    match format {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, run)?;
            writeln!(out)?;
        }
        OutputFormat::Jsonl => json_line(out, run)?,
        OutputFormat::Csv => records::run_csv(out, run)?,
        OutputFormat::Table => {
            let file_ids = if run.file_ids().is_empty() {
                "-".to_string()
            } else {
                run.file_ids()
                    .iter()
                    .map(|f| cell(f))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let fields = [
                ("id", run.id.to_string()),
                ("name", cell(&run.name)),
                ("status", cell(run.status.as_str())),
                ("stage", run.stage.to_string()),
                ("agent_id", run.agent_id.to_string()),
                ("process_id", run.process_id.to_string()),
                ("created_at", run.created_at.to_string()),
                ("file_ids", file_ids),
            ];
            for (name, value) in fields {
                writeln!(out, "{name:<12}{value}")?;
            }
            if run.outputs().is_empty() {
                writeln!(out, "{:<12}-", "outputs")?;
            } else {
                writeln!(out, "outputs")?;
                let width = run.outputs().iter().map(|o| cell(&o.name).chars().count()).max();
                let width = width.unwrap_or(0);
                for output in run.outputs() {
                    writeln!(out, "  {:<width$}  {}", cell(&output.name), value(&output.value))?;
                }
            }
        }
    }
    Ok(())
}

/// Prints one page of a listing.
pub fn page(out: &mut dyn Write, format: OutputFormat, page: &RunPage) -> io::Result<()> {
    match format {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, page)?;
            writeln!(out)?;
        }
        OutputFormat::Table => {
            let table = Table::fitting(page.items());
            table.header(out)?;
            for run in page.items() {
                table.row(out, run)?;
            }
        }
        OutputFormat::Csv | OutputFormat::Jsonl => {
            let mut stream = Stream::<Run>::new(out, format);
            for run in page.items() {
                stream.item(run)?;
            }
            stream.finish()?;
        }
    }
    Ok(())
}

/// What a streamed listing prints of each item: its JSON, one line of a table whose columns
/// have fixed widths (so a row can be printed before the next page is fetched), or one CSV
/// record whose columns are known before the first item.
pub trait Row: serde::Serialize {
    /// The table's header line.
    fn header(out: &mut dyn Write) -> io::Result<()>;
    /// This item's line of the table.
    fn row(&self, out: &mut dyn Write) -> io::Result<()>;
    /// The CSV header's columns.
    fn csv_header() -> Vec<&'static str>;
    /// This item's CSV cells, one per column of [`csv_header`](Self::csv_header).
    fn csv_cells(&self) -> Vec<String>;
}

/// Runs: `ID STATUS STAGE CREATED_AT NAME`; the name, the only column of unbounded width,
/// comes last.
impl Row for Run {
    fn header(out: &mut dyn Write) -> io::Result<()> {
        Table::fixed().header(out)
    }
    fn row(&self, out: &mut dyn Write) -> io::Result<()> {
        Table::fixed().row(out, self)
    }
    /// The run's fields, then `outputs`: a listing's output names are not known before its
    /// last page, so they share one cell, a JSON object.
    fn csv_header() -> Vec<&'static str> {
        let mut columns = records::RUN_COLUMNS.to_vec();
        columns.push("outputs");
        columns
    }
    fn csv_cells(&self) -> Vec<String> {
        let mut cells = records::run_cells(self);
        cells.push(records::outputs_cell(self.outputs()));
        cells
    }
}

/// Processes: `ID STAGE NAME`.
impl Row for Process {
    fn header(out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "{:<ID_MAX_LEN$}  {:<9}  NAME", "ID", "STAGE")
    }
    fn row(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(
            out,
            "{:<ID_MAX_LEN$}  {:<9}  {}",
            self.id.as_str(),
            cell(self.stage.as_str()),
            cell(&self.name)
        )
    }
    fn csv_header() -> Vec<&'static str> {
        PROCESS_COLUMNS.to_vec()
    }
    fn csv_cells(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            records::text(&self.name),
            self.agent_id.to_string(),
            records::text(self.stage.as_str()),
        ]
    }
}

/// A process's CSV columns.
const PROCESS_COLUMNS: [&str; 4] = ["id", "name", "agent_id", "stage"];

/// Items printed as they arrive: one JSON array, a table of [`Row`]s, CSV records or JSON
/// lines.
pub struct Stream<'a, R> {
    out: &'a mut dyn Write,
    format: OutputFormat,
    count: u64,
    rows: PhantomData<fn(&R)>,
}

impl<'a, R: Row> Stream<'a, R> {
    /// An output with nothing written yet: it starts (`[`, or the table's or CSV's header)
    /// with the first item, or at [`finish`](Self::finish).
    pub fn new(out: &'a mut dyn Write, format: OutputFormat) -> Self {
        Self {
            out,
            format,
            count: 0,
            rows: PhantomData,
        }
    }

    /// How many items have been printed.
    pub fn count(&self) -> u64 {
        self.count
    }

    fn begin(&mut self) -> io::Result<()> {
        match self.format {
            OutputFormat::Json => write!(self.out, "["),
            OutputFormat::Table => R::header(self.out),
            OutputFormat::Csv => csv_line(self.out, R::csv_header()),
            OutputFormat::Jsonl => Ok(()),
        }
    }

    /// Prints an item, and flushes it so a reader sees it at once.
    pub fn item(&mut self, item: &R) -> io::Result<()> {
        if self.count == 0 {
            self.begin()?;
        }
        match self.format {
            OutputFormat::Json => {
                let text = serde_json::to_string_pretty(item)?;
                let separator = if self.count == 0 { "" } else { "," };
                // JSON strings hold no raw newlines, so this only indents the structure.
                write!(self.out, "{separator}\n  {}", text.replace('\n', "\n  "))?;
            }
            OutputFormat::Table => item.row(self.out)?,
            OutputFormat::Csv => csv_line(self.out, item.csv_cells())?,
            OutputFormat::Jsonl => json_line(self.out, item)?,
        }
        self.count += 1;
        self.out.flush()
    }

    /// Ends the output (`]` closes the array, also after an error, so that stdout stays one
    /// JSON document); returns how many items were printed.
    pub fn finish(mut self) -> io::Result<u64> {
        if self.count == 0 {
            self.begin()?;
        }
        if self.format == OutputFormat::Json {
            writeln!(self.out, "{}]", if self.count == 0 { "" } else { "\n" })?;
        }
        self.out.flush()?;
        Ok(self.count)
    }
}

/// Column widths of a run table: id, status, stage, created_at, then the name.
struct Table {
    widths: [usize; 4],
}

const HEADERS: [&str; 5] = ["ID", "STATUS", "STAGE", "CREATED_AT", "NAME"];

impl Table {
    /// Widths that fit any id, the known statuses and stages, and whole-second timestamps.
    fn fixed() -> Self {
        Self {
            widths: [
                ID_MAX_LEN,
                "Succeeded".len(),
                "Published".len(),
                "2021-01-01T12:00:00".len(),
            ],
        }
    }

    /// Widths that fit these runs exactly.
    fn fitting(runs: &[Run]) -> Self {
        let mut widths = [0; 4];
        for (w, h) in widths.iter_mut().zip(HEADERS) {
            *w = h.len();
        }
        for run in runs {
            for (w, text) in widths.iter_mut().zip(Self::cells(run)) {
                *w = (*w).max(text.chars().count());
            }
        }
        Self { widths }
    }

    fn cells(run: &Run) -> [String; 4] {
        [
            run.id.to_string(),
            cell(run.status.as_str()),
            run.stage.to_string(),
            run.created_at.to_string(),
        ]
    }

    fn header(&self, out: &mut dyn Write) -> io::Result<()> {
        let [a, b, c, d, e] = HEADERS;
        self.line(out, [a, b, c, d], e)
    }

    fn row(&self, out: &mut dyn Write, run: &Run) -> io::Result<()> {
        let [a, b, c, d] = Self::cells(run);
        self.line(out, [&a, &b, &c, &d], &cell(&run.name))
    }

    fn line(&self, out: &mut dyn Write, cells: [&str; 4], last: &str) -> io::Result<()> {
        for (text, width) in cells.iter().zip(self.widths) {
            write!(out, "{text:<width$}  ")?;
        }
        writeln!(out, "{last}")
    }
}

/// Text from the server made safe for one line of a terminal; see [`crate::terminal`].
fn cell(text: &str) -> String {
    crate::terminal::printable(text).into_owned()
}

/// An output value for people: strings as they are, anything else as compact JSON with its
/// numbers exactly as the server wrote them.
fn value(value: &JsonValue) -> String {
    match value.parse::<String>() {
        Ok(s) => cell(&s),
        // Compact (the server's spacing could hold newlines); never fails for a JsonValue.
        Err(_) => cell(&serde_json::to_string(value).unwrap_or_else(|_| value.to_string())),
    }
}

/// Prints uploaded files as they are uploaded, each row as soon as its id is known, so a
/// failure part-way leaves the ids of the files that did upload: `FILE_ID  NAME` rows, or one
/// JSON array of `{"id", "file_name"}` (closed by [`FileRows::finish`], failure or not).
pub struct FileRows<'a> {
    out: &'a mut dyn Write,
    format: OutputFormat,
    rows: usize,
    /// The id column's width, set by the first row (ids of one service have one shape).
    width: usize,
}

impl<'a> FileRows<'a> {
    /// Starts the output: the array's opening bracket (the table's header comes with its
    /// first row, whose id sets the column's width).
    pub fn begin(out: &'a mut dyn Write, format: OutputFormat) -> io::Result<Self> {
        if format == OutputFormat::Json {
            write!(out, "[")?;
            out.flush()?;
        }
        Ok(Self {
            out,
            format,
            rows: 0,
            width: 7,
        })
    }

    /// One uploaded file, written and flushed at once.
    pub fn row(&mut self, id: &FileId, name: &str) -> io::Result<()> {
        match self.format {
            OutputFormat::Jsonl => {
                json_line(self.out, &serde_json::json!({"id": id, "file_name": name}))?;
            }
            OutputFormat::Csv => {
                if self.rows == 0 {
                    csv_line(self.out, ["id", "file_name"])?;
                }
                csv_line(self.out, [records::text(id.as_str()), records::text(name)])?;
            }
            OutputFormat::Json => {
                let item = serde_json::json!({"id": id, "file_name": name});
                let text = serde_json::to_string_pretty(&item)?;
                let sep = if self.rows == 0 { "\n" } else { ",\n" };
                write!(self.out, "{sep}  {}", text.replace('\n', "\n  "))?;
            }
            OutputFormat::Table => {
                let id = cell(id.as_str());
                if self.rows == 0 {
                    self.width = self.width.max(id.chars().count());
                    writeln!(self.out, "{:<width$}  NAME", "FILE_ID", width = self.width)?;
                }
                writeln!(self.out, "{id:<width$}  {}", cell(name), width = self.width)?;
            }
        }
        self.rows += 1;
        self.out.flush()
    }

    /// Ends the output: the array's closing bracket (the table needs none).
    pub fn finish(self) -> io::Result<()> {
        if self.format == OutputFormat::Json {
            let end = if self.rows == 0 { "]\n" } else { "\n]\n" };
            self.out.write_all(end.as_bytes())?;
        }
        self.out.flush()
    }
}

/// Prints a health check: `{"up", "http_status", "status"}` (pretty, or on one line), a CSV
/// header and row of those, or one line for people.
pub fn health(out: &mut dyn Write, format: OutputFormat, health: &Health) -> io::Result<()> {
    let doc = serde_json::json!({
        "up": health.is_up(),
        "http_status": health.http_status(),
        "status": health.status(),
    });
    match format {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &doc)?;
            writeln!(out)?;
        }
        OutputFormat::Jsonl => json_line(out, &doc)?,
        OutputFormat::Csv => {
            csv_line(out, ["up", "http_status", "status"])?;
            let status = health.status().map(records::text).unwrap_or_default();
            csv_line(
                out,
                [
                    health.is_up().to_string(),
                    health.http_status().to_string(),
                    status,
                ],
            )?;
        }
        OutputFormat::Table => {
            let status = health.status().map_or_else(|| "no status".to_string(), cell);
            let up = if health.is_up() { "up" } else { "not up" };
            writeln!(out, "{up} (HTTP {}, {status})", health.http_status())?;
        }
    }
    Ok(())
}

/// Prints one process: its JSON, or its fields one per line.
pub fn process(out: &mut dyn Write, format: OutputFormat, process: &Process) -> io::Result<()> {
    match format {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, process)?;
            writeln!(out)?;
        }
        OutputFormat::Jsonl => json_line(out, process)?,
        OutputFormat::Csv => {
            csv_line(out, Process::csv_header())?;
            csv_line(out, process.csv_cells())?;
        }
        OutputFormat::Table => {
            for (name, value) in [
                ("id", process.id.to_string()),
                ("name", cell(&process.name)),
                ("agent_id", process.agent_id.to_string()),
                ("stage", cell(process.stage.as_str())),
            ] {
                writeln!(out, "{name:<12}{value}")?;
            }
        }
    }
    Ok(())
}

/// Prints one page of processes.
pub fn process_page(out: &mut dyn Write, format: OutputFormat, page: &ProcessPage) -> io::Result<()> {
    match format {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, page)?;
            writeln!(out)?;
        }
        OutputFormat::Table | OutputFormat::Csv | OutputFormat::Jsonl => {
            let mut stream = Stream::<Process>::new(out, format);
            for process in page.items() {
                stream.item(process)?;
            }
            stream.finish()?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use runs_core::{NameValue, ProcessStage, RunStatus};

    use super::*;

    fn sample(id: &str, status: RunStatus, name: &str) -> Run {
        Run::new(
            id.parse().unwrap(),
            name,
            "agent-1".parse().unwrap(),
            "proc-1".parse().unwrap(),
            ProcessStage::Published,
            status,
            "2021-01-01T12:00:00".parse().unwrap(),
        )
    }

    fn text(f: impl FnOnce(&mut Vec<u8>) -> io::Result<()>) -> String {
        let mut out = Vec::new();
        f(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_run_shows_its_fields_and_outputs_one_per_line() {
        let mut run = sample("r1", RunStatus::Succeeded, "line\nbreak");
        run.outputs = Some(vec![
            NameValue::new("greeting", "hi"),
            NameValue::new("n", 42),
            NameValue::new("list", serde_json::json!([1, "a"])),
            NameValue::new(
                "big",
                "[123456789012345678901234567890,\n 3.14159265358979323846264338327950288]"
                    .parse::<JsonValue>()
                    .unwrap(),
            ),
        ]);
        run.file_ids = Some(vec!["f1".into(), "s3://b/k".into()]);
        let shown = text(|out| super::run(out, OutputFormat::Table, &run));
        insta::assert_snapshot!(shown, @r#"
        id          r1
        name        line\nbreak
        status      Succeeded
        stage       Published
        agent_id    agent-1
        process_id  proc-1
        created_at  2021-01-01T12:00:00
        file_ids    f1, s3://b/k
        outputs
          greeting  hi
          n         42
          list      [1,"a"]
          big       [123456789012345678901234567890,3.14159265358979323846264338327950288]
        "#);
    }

    #[test]
    fn a_page_table_fits_its_columns_and_an_unknown_status_is_shown_as_sent() {
        let page = RunPage {
            items: Some(vec![
                sample("r1", RunStatus::Running, "first"),
                sample("r2", RunStatus::from("SomethingNew"), "second"),
            ]),
            continuation_token: None,
        };
        let shown = text(|out| super::page(out, OutputFormat::Table, &page));
        insta::assert_snapshot!(shown, @r"
        ID  STATUS        STAGE      CREATED_AT           NAME
        r1  Running       Published  2021-01-01T12:00:00  first
        r2  SomethingNew  Published  2021-01-01T12:00:00  second
        ");
    }

    #[test]
    fn a_streamed_json_array_is_one_document_even_when_empty() {
        let runs = [
            sample("r1", RunStatus::Running, "a"),
            sample("r2", RunStatus::Failed, "b"),
        ];
        for n in 0..=2 {
            let shown = text(|out| {
                let mut stream = Stream::new(out, OutputFormat::Json);
                for run in &runs[..n] {
                    stream.item(run)?;
                }
                assert_eq!(stream.finish()?, n as u64);
                Ok(())
            });
            let parsed: Vec<Run> = serde_json::from_str(&shown).unwrap();
            assert_eq!(parsed, runs[..n]);
        }
    }
}
