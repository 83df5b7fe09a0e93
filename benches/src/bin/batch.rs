//! A batch of 1,000 rows under an organisation's limits, against the emulator: how close to
//! the limits' lower bound it finishes, and what it costs.
//!
//! `cargo build --release -p runs-benches --bin batch && target/release/batch` (`--rows N`,
//! `--cap N`, `--rate N`, `--run-secs S`). The emulator caps active runs at `--cap` (403
//! "Resource Not Available" beyond) and limits the API to `--rate` requests a second (429
//! beyond); each run lasts `--run-secs`. The batch is given the same limits (its
//! `--max-active` at the cap, its `--rate` at the limit), as a user who knows them would.
//!
//! The lower bound: every row needs one `POST`, at most `rate` a second, and at most `cap`
//! runs are active at once, each for `run-secs`: `max(rows / rate, rows / cap * run_secs)`
//! plus one run's duration for the last. The table prints wall time against it, requests per
//! row, 429s and 403s received, the peak of active runs the emulator saw, and the peak RSS of
//! this process (client and emulator together: the emulator holds every run it started).

use std::time::{Duration, Instant};

use runs_benches::measure::peak_rss_kib;
use runs_blocking::Client;
use runs_blocking::batch::{Batch, BatchOptions, BatchRow, Journal, Outcome, Record};
use runs_core::{ProcessStage, RunStatus, StartRun};
use runs_emulator::{DEMO_AGENT, Emulator, HELLO_WORLD, Route, Schedule};

const KEY: &str = "sk-bench-key";

/// A journal kept in memory: the bench measures the batch, not the disk.
struct Memory(Vec<Record>);

impl Journal for Memory {
    fn append(&mut self, record: &Record) -> std::io::Result<()> {
        self.0.push(record.clone());
        Ok(())
    }
}

fn arg(name: &str, default: f64) -> f64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let rows = arg("--rows", 1000.0) as usize;
    let cap = arg("--cap", 150.0) as usize;
    let rate = arg("--rate", 50.0) as u32;
    let run_secs = arg("--run-secs", 2.0);
    let emu = Emulator::builder()
        .api_key(KEY)
        // Three steps (Created, Pending, Running) before the terminal status.
        .schedule(Schedule::real_time(Duration::from_secs_f64(run_secs / 3.0)))
        .max_active_runs(cap)
        .rate_limit(rate)
        .worker_threads(1)
        .start()
        .expect("emulator");
    let client = Client::builder()
        .api_key(KEY)
        .base_url(emu.base_url())
        .rate_limit(rate)
        .build()
        .expect("client");
    let batch_rows = (1..=rows)
        .map(|i| {
            let start = StartRun::builder()
                .agent_id(DEMO_AGENT)
                .process_id(HELLO_WORLD)
                .name(format!("bench-{i}"))
                .stage(ProcessStage::Published)
                .input("row", i as i64)
                .build()
                .expect("row");
            BatchRow::new(i.to_string(), start)
        })
        .collect();
    let options = BatchOptions::default().with_max_active(cap).with_concurrency(16);
    let mut batch = Batch::new(batch_rows, options.clone());
    let mut journal = Memory(Vec::new());
    let began = Instant::now();
    let mut all_started = None;
    client
        .run_batch(&mut batch, &mut journal, options.concurrency(), |b| {
            if std::env::var_os("BATCH_TRACE").is_some() {
                eprintln!("{:.3} {:?}", began.elapsed().as_secs_f64(), b.progress());
            }
            if all_started.is_none() && b.progress().0 == 0 {
                all_started = Some(began.elapsed().as_secs_f64());
            }
        })
        .expect("the batch ran to its end");
    let wall = began.elapsed().as_secs_f64();
    let succeeded = batch
        .outcomes()
        .filter(|(_, o)| matches!(o, Outcome::Finished { status, .. } if *status == RunStatus::Succeeded))
        .count();
    let per_name = emu.runs_per_name();
    let twice = per_name.values().filter(|&&n| n > 1).count();
    let counters = emu.counters();
    let requests = counters.requests(Route::Any);
    let bound = (rows as f64 / f64::from(rate)).max(rows as f64 / cap as f64 * run_secs) + run_secs;
    println!("rows {rows}, cap {cap}, rate {rate}/s, runs of {run_secs} s");
    println!("{:<28} {:>10}", "measure", "value");
    println!("{:<28} {:>10.2}", "wall time (s)", wall);
    println!("{:<28} {:>10.2}", "lower bound (s)", bound);
    println!(
        "{:<28} {:>10.2}",
        "every row started at (s)",
        all_started.unwrap_or(f64::NAN)
    );
    println!("{:<28} {:>10.3}", "wall / bound", wall / bound);
    println!(
        "{:<28} {:>10.3}",
        "requests per row",
        requests as f64 / rows as f64
    );
    println!("{:<28} {:>10}", "429s received", counters.rate_limited);
    println!(
        "{:<28} {:>10}",
        "403s (cap) received", counters.refused_at_capacity
    );
    println!("{:<28} {:>10}", "peak active runs", counters.peak_active_runs);
    println!("{:<28} {:>10}", "rows succeeded", succeeded);
    println!("{:<28} {:>10}", "names started twice", twice);
    println!("{:<28} {:>10}", "journal records", journal.0.len());
    let rss = peak_rss_kib().map_or_else(|| "n/a".to_owned(), |k| format!("{:.1}", k as f64 / 1024.0));
    println!("{:<28} {:>10}", "peak RSS (MiB)", rss);
}
