//! `Client::run_batch` (issue 21): each row's run started exactly once, counted on the
//! emulator's side, through lost answers and the concurrent-run cap; each row handed out once;
//! a batch dropped part-way and resumed from its journal.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use futures_util::StreamExt;
use runs_async::batch::{
    Batch, BatchOptions, BatchRow, FileJournal, JOURNAL_VERSION, Journal, Outcome, Record, fingerprint,
};
use runs_async::{ProcessStage, RunStatus, StartRun};
use runs_emulator::{DEMO_AGENT, Emulator, Fault, HELLO_WORLD, Route, Schedule};

use super::{SECRET, runtime, settings};

const ROWS: usize = 12;

/// Runs that finish 90 ms after they start, at most 4 active at once (a `POST` beyond that is
/// refused as back-pressure), and three starts whose run is created and whose answer is lost.
fn emulator() -> Emulator {
    let emu = Emulator::builder()
        .api_key(SECRET)
        .schedule(Schedule::real_time(Duration::from_millis(30)))
        .max_active_runs(4)
        .start()
        .unwrap();
    emu.inject_times(Route::StartRun, Fault::close_after_processing(), 3);
    emu
}

fn name(i: usize) -> String {
    format!("async batch {i}")
}

fn rows() -> Vec<BatchRow> {
    (1..=ROWS)
        .map(|i| {
            let start = StartRun::builder()
                .agent_id(DEMO_AGENT)
                .process_id(HELLO_WORLD)
                .name(name(i))
                .stage(ProcessStage::Draft)
                .build()
                .unwrap();
            BatchRow::new(format!("row-{i}"), start)
        })
        .collect()
}

fn options() -> BatchOptions {
    BatchOptions::default().with_poll_interval(Duration::from_millis(100))
}

/// The journal's first line for these rows, started at `stage`.
fn header_at(stage: ProcessStage) -> Record {
    Record::Batch {
        version: JOURNAL_VERSION,
        input: fingerprint(b"async batch"),
        agent_id: DEMO_AGENT.parse().unwrap(),
        process_id: HELLO_WORLD.parse().unwrap(),
        stage,
    }
}

fn header() -> Record {
    header_at(ProcessStage::Draft)
}

/// Every row's run, counted by name on the emulator: each exactly once.
#[track_caller]
fn assert_each_started_once(emu: &Emulator) {
    let per_name = emu.runs_per_name();
    for i in 1..=ROWS {
        assert_eq!(per_name.get(&name(i)), Some(&1), "{}: {per_name:?}", name(i));
    }
    assert_eq!(per_name.len(), ROWS, "{per_name:?}");
}

/// Each row's outcome handed out, by key: each row once, and every one succeeded.
#[track_caller]
fn assert_each_succeeded_once(outcomes: Vec<(String, Outcome)>) {
    let mut by_key = BTreeMap::new();
    for (key, outcome) in outcomes {
        let status = match outcome {
            Outcome::Finished { status, .. } => status,
            other => panic!("{key}: {other:?}"),
        };
        assert!(by_key.insert(key.clone(), status).is_none(), "{key} came twice");
    }
    assert_eq!(by_key.len(), ROWS, "{by_key:?}");
    assert!(by_key.values().all(|s| *s == RunStatus::Succeeded), "{by_key:?}");
}

/// A journal that keeps its records in memory.
#[derive(Default)]
struct Memory(Vec<Record>);

impl Journal for Memory {
    fn append(&mut self, record: &Record) -> std::io::Result<()> {
        self.0.push(record.clone());
        Ok(())
    }
}

/// A folder of this test's own, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(test: &str) -> Self {
        let path = std::env::temp_dir().join(format!("runs-async-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn every_row_starts_once_through_lost_answers_and_the_cap_and_is_handed_out_once() {
    let emu = emulator();
    let client = settings(&emu).build().unwrap();
    let mut journal = Memory::default();
    let (outcomes, batch, stopped) = runtime(false).block_on(async {
        let mut stream = client.run_batch(Batch::new(rows(), options()), &mut journal);
        let mut outcomes = Vec::new();
        while let Some(outcome) = stream.next().await {
            outcomes.push(outcome);
        }
        let (batch, stopped) = stream.finish();
        (outcomes, batch, stopped)
    });
    stopped.unwrap();
    assert_each_started_once(&emu);
    assert_each_succeeded_once(outcomes);
    assert_eq!(batch.outcomes().count(), ROWS);
    let counters = emu.counters();
    assert!(counters.peak_active_runs <= 4, "{counters:?}");
    // Each intent came before its row's run was known, and the three lost answers were
    // found by a search rather than sent again.
    for row in 1..=ROWS {
        let key = format!("row-{row}");
        let of_row: Vec<&Record> = journal
            .0
            .iter()
            .filter(|r| r.row() == Some(key.as_str()))
            .collect();
        let intent = of_row.iter().position(|r| matches!(r, Record::Intent { .. }));
        let started = of_row.iter().position(|r| matches!(r, Record::Started { .. }));
        assert!(intent.is_some() && intent < started, "{key}: {of_row:?}");
    }
    assert_eq!(counters.faults_applied, 3, "{counters:?}");
}

#[test]
fn a_batch_dropped_part_way_resumes_from_its_journal_and_starts_each_row_once() {
    let emu = emulator();
    let client = settings(&emu).build().unwrap();
    let dir = TempDir::new("batch-resume");
    let path = dir.path().join("batch.journal");
    let rt = runtime(false);

    let (journal, records) = FileJournal::open(&path, &header()).unwrap();
    assert!(records.is_empty());
    // One action at a time, so that none is in flight when a row is handed out and the stream
    // dropped: a resumed batch searches at once for a row in doubt, and a POST still on its
    // way to the emulator could create its run after that search.
    let first = Batch::new(rows(), options().with_concurrency(1));
    rt.block_on(async {
        let mut stream = client.run_batch(first, journal);
        for _ in 0..4 {
            stream.next().await.unwrap();
        }
        // Dropped here, the journal with it.
    });

    let (journal, records) = FileJournal::open(&path, &header()).unwrap();
    // A row is handed out once its end is in the journal; the batch was far from done.
    let finished = records.iter().filter(|r| matches!(r, Record::Finished { .. }));
    let finished = finished.count();
    assert!((4..ROWS).contains(&finished), "{records:?}");
    let resumed = Batch::resume(rows(), options(), &records).unwrap();
    assert_eq!(resumed.outcomes().count(), finished);
    let (outcomes, stopped) = rt.block_on(async {
        let mut stream = client.run_batch(resumed, journal);
        let mut outcomes = Vec::new();
        while let Some(outcome) = stream.next().await {
            outcomes.push(outcome);
        }
        (outcomes, stream.finish().1)
    });
    stopped.unwrap();
    assert_each_started_once(&emu);
    // The resumed stream hands out every row: those the journal had settled first.
    assert_each_succeeded_once(outcomes);

    // A third run of the same batch has nothing to send.
    let before = emu.counters().requests(Route::Any);
    let (journal, records) = FileJournal::open(&path, &header()).unwrap();
    let settled = Batch::resume(rows(), options(), &records).unwrap();
    let outcomes = rt.block_on(client.run_batch(settled, journal).collect::<Vec<_>>());
    assert_each_succeeded_once(outcomes);
    assert_eq!(emu.counters().requests(Route::Any), before);
}

#[test]
fn a_file_journal_cuts_off_a_line_cut_short_and_refuses_another_batch() {
    let dir = TempDir::new("batch-journal");
    let path = dir.path().join("batch.journal");
    let intent = Record::Intent {
        row: "row-1".into(),
        name: name(1),
        attempt: 1,
        at: 1_800_000_000,
    };
    let (mut journal, records) = FileJournal::open(&path, &header()).unwrap();
    assert!(records.is_empty());
    journal.append(&intent).unwrap();
    drop(journal);
    // A crash while a record was written: the line is cut short.
    let mut file = std::fs::OpenOptions::new().append(true).open(&path).unwrap();
    file.write_all(br#"{"started":{"row":"row-1","run_"#).unwrap();
    drop(file);
    for _ in 0..2 {
        let (mut journal, records) = FileJournal::open(&path, &header()).unwrap();
        assert_eq!(records, std::slice::from_ref(&intent));
        journal
            .append(&Record::NotCreated { row: "row-2".into() })
            .unwrap();
        journal.append(&intent).unwrap();
        drop(journal);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.ends_with('\n'), "{text}");
        // Opened again, it holds what was appended; then back to the one intent.
        let (_, records) = FileJournal::open(&path, &header()).unwrap();
        assert_eq!(records.len(), 3, "{records:?}");
        let keep = text.lines().take(2).map(|l| format!("{l}\n")).collect::<String>();
        std::fs::write(&path, format!("{keep}{{\"finished\":")).unwrap();
    }
    let refused = FileJournal::open(&path, &header_at(ProcessStage::Published)).unwrap_err();
    assert!(
        refused.to_string().contains("belongs to another batch"),
        "{refused}"
    );
}
