//! The runs the emulator has started, and how they look when read.

use std::collections::{BTreeMap, HashMap};
use std::ops::Not;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use runs_core::{AgentId, NameValue, ProcessId, ProcessStage, Run, RunId, RunStatus, StartRun, Timestamp};

use crate::outputs;
use crate::schedule::Schedule;
use crate::token::mix;

struct Record {
    /// The run as created: status `Created`, no outputs.
    run: Run,
    ends_in: RunStatus,
    inputs: Vec<NameValue>,
    created: Instant,
    gets: u64,
}

impl Record {
    /// The run's status at `now`: a step of its lifecycle, the last how it ends.
    fn status(&self, schedule: Schedule, now: Instant) -> RunStatus {
        match schedule.step(now.saturating_duration_since(self.created), self.gets) {
            0 => RunStatus::Created,
            1 => RunStatus::Pending,
            2 => RunStatus::Running,
            _ => self.ends_in.clone(),
        }
    }

    fn view(&self, schedule: Schedule, now: Instant) -> Run {
        let mut run = self.run.clone();
        run.status = self.status(schedule, now);
        if run.status == RunStatus::Succeeded {
            run.outputs = Some(outputs::for_run(&run.name, &self.inputs));
        }
        run
    }
}

/// All runs, oldest first; a run's position in this list is its sequence number.
pub(crate) struct Store {
    runs: Vec<Record>,
    by_id: HashMap<RunId, usize>,
    /// The runs not yet seen ended, oldest first: a run's status only moves towards its end,
    /// so counting the active ones looks at these alone, not at every run ever started
    /// (a POST counted them all, which made 100,000 starts quadratic).
    maybe_active: Vec<usize>,
    seed: u64,
}

/// One page of a listing.
pub(crate) struct Page {
    pub(crate) items: Vec<Run>,
    /// The position of the last item, when more runs of the query are older than it.
    pub(crate) more_after: Option<u64>,
}

/// The clock read as the API writes it: whole seconds, UTC, no offset.
fn wall_clock() -> Option<Timestamp> {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).ok()?.as_secs();
    Timestamp::from_unix(i64::try_from(secs).ok()?, 0)
}

const ALPHABET: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";

fn base36(mut n: u64, width: usize, out: &mut String) {
    let mut digits = [b'0'; 13];
    for d in digits.iter_mut().rev() {
        *d = ALPHABET[usize::try_from(n % 36).unwrap_or(0)];
        n /= 36;
    }
    out.extend(digits[13 - width.min(13)..].iter().map(|&b| char::from(b)));
}

impl Store {
    pub(crate) fn new(seed: u64) -> Self {
        Self {
            runs: Vec::new(),
            by_id: HashMap::new(),
            maybe_active: Vec::new(),
            seed,
        }
    }

    /// A 25-character id of `[0-9a-z]`, unique per sequence number: its first 13 characters
    /// are a bijection of it, the last 12 are noise so ids look like the service's.
    fn id_for(&self, seq: u64) -> Option<RunId> {
        let mut id = String::with_capacity(25);
        base36(mix(seq ^ self.seed), 13, &mut id);
        base36(mix(seq.wrapping_add(self.seed.rotate_left(17))), 12, &mut id);
        RunId::new(id).ok()
    }

    /// Creates a run; `None` only if the clock is outside the years 1970 to 9999.
    pub(crate) fn create(&mut self, start: &StartRun, ends_in: RunStatus) -> Option<Run> {
        let seq = self.runs.len();
        let id = self.id_for(u64::try_from(seq).ok()?)?;
        let mut run = Run::new(
            id.clone(),
            start.name().as_str(),
            start.agent_id().clone(),
            start.process_id().clone(),
            start.stage(),
            RunStatus::Created,
            wall_clock()?,
        );
        // Sent as given: absent stays null, an empty list stays empty.
        run.file_ids = serde_json_file_ids(start);
        self.runs.push(Record {
            run: run.clone(),
            ends_in,
            inputs: start.inputs().to_vec(),
            created: Instant::now(),
            gets: 0,
        });
        self.by_id.insert(id, seq);
        self.maybe_active.push(seq);
        Some(run)
    }

    /// Reads a run as `GET /runs/{run_id}` does, advancing a [`Schedule::PerPoll`] run.
    pub(crate) fn get(&mut self, id: &RunId, schedule: Schedule) -> Option<Run> {
        let record = self.runs.get_mut(*self.by_id.get(id)?)?;
        record.gets = record.gets.saturating_add(1);
        Some(record.view(schedule, Instant::now()))
    }

    /// How many runs are active now: not yet in a terminal status, for every agent.
    pub(crate) fn active(&mut self, schedule: Schedule) -> usize {
        let now = Instant::now();
        let runs = &self.runs;
        self.maybe_active.retain(|&seq| {
            runs.get(seq)
                .is_some_and(|r| r.status(schedule, now).is_terminal().not())
        });
        self.maybe_active.len()
    }

    /// How many runs were started with each name.
    pub(crate) fn runs_per_name(&self) -> BTreeMap<String, usize> {
        let mut names = BTreeMap::new();
        for record in &self.runs {
            *names.entry(record.run.name.as_str().to_owned()).or_insert(0) += 1;
        }
        names
    }

    /// Reads a run without counting it as a get.
    pub(crate) fn peek(&self, id: &RunId, schedule: Schedule) -> Option<Run> {
        let record = self.runs.get(*self.by_id.get(id)?)?;
        Some(record.view(schedule, Instant::now()))
    }

    /// Up to `limit` runs of the query, newest first, older than position `before` if given.
    pub(crate) fn list(
        &self,
        agent: &AgentId,
        process: &ProcessId,
        stage: Option<ProcessStage>,
        limit: usize,
        before: Option<u64>,
        schedule: Schedule,
    ) -> Page {
        let end = before
            .and_then(|b| usize::try_from(b).ok())
            .map_or(self.runs.len(), |b| b.min(self.runs.len()));
        let now = Instant::now();
        let mut matching = self.runs[..end].iter().enumerate().rev().filter(|(_, r)| {
            &r.run.agent_id == agent && &r.run.process_id == process && stage.is_none_or(|s| r.run.stage == s)
        });
        let mut items = Vec::with_capacity(limit.min(end));
        let mut last = None;
        for (seq, record) in matching.by_ref().take(limit) {
            items.push(record.view(schedule, now));
            last = Some(seq);
        }
        let more_after = match (last, matching.next()) {
            (Some(seq), Some(_)) => u64::try_from(seq).ok(),
            _ => None,
        };
        Page { items, more_after }
    }
}

fn serde_json_file_ids(start: &StartRun) -> Option<Vec<String>> {
    // StartRun keeps `None` apart from `Some([])` only through its JSON form.
    match serde_json::to_value(start).ok()?.get("file_ids")? {
        serde_json::Value::Array(items) => Some(
            items
                .iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect(),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start(name: &str) -> StartRun {
        StartRun::builder()
            .agent_id("a")
            .process_id("p")
            .name(name)
            .stage(ProcessStage::Draft)
            .build()
            .unwrap()
    }

    #[test]
    fn ids_are_unique_lowercase_and_25_characters() {
        let store = Store::new(12345);
        let mut seen = std::collections::HashSet::new();
        for seq in 0..10_000 {
            let id = store.id_for(seq).unwrap();
            assert_eq!(id.as_str().len(), 25);
            assert!(
                id.as_str()
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
            );
            assert!(seen.insert(id));
        }
    }

    /// `active` counts only the runs not yet seen ended; whatever the order of starts and
    /// polls, it must agree with counting every run's status as a read shows it.
    #[test]
    fn the_active_count_agrees_with_every_runs_status() {
        let ends = [
            RunStatus::Succeeded,
            RunStatus::Failed,
            RunStatus::Cancelled,
            RunStatus::TimedOut,
        ];
        let mut store = Store::new(7);
        let mut ids = Vec::new();
        // A fixed pseudo-random interleaving of starts and gets (PerPoll: each get is a step).
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for i in 0..400 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            if ids.is_empty() || x % 3 == 0 {
                let run = store
                    .create(&start(&format!("r{i}")), ends[i % 4].clone())
                    .unwrap();
                ids.push(run.id);
            } else {
                let id = &ids[usize::try_from(x >> 8).unwrap() % ids.len()];
                store.get(id, Schedule::PerPoll).unwrap();
            }
            let by_status = ids
                .iter()
                .filter(|id| !store.peek(id, Schedule::PerPoll).unwrap().status.is_terminal())
                .count();
            assert_eq!(store.active(Schedule::PerPoll), by_status, "after step {i}");
        }
        assert!(store.active(Schedule::PerPoll) < ids.len(), "some runs ended");
        assert_eq!(store.active(Schedule::Instant), 0);
    }

    #[test]
    fn listing_pages_newest_first_and_says_when_more_remain() {
        let mut store = Store::new(1);
        for i in 0..5 {
            store
                .create(&start(&format!("r{i}")), RunStatus::Succeeded)
                .unwrap();
        }
        let (a, p) = ("a".parse().unwrap(), "p".parse().unwrap());
        let page = store.list(&a, &p, None, 2, None, Schedule::Instant);
        let names: Vec<_> = page.items.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["r4", "r3"]);
        let page = store.list(&a, &p, None, 3, page.more_after, Schedule::Instant);
        let names: Vec<_> = page.items.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["r2", "r1", "r0"]);
        assert_eq!(page.more_after, None);
        let other = store.list(&a, &p, Some(ProcessStage::Published), 10, None, Schedule::Instant);
        assert!(other.items.is_empty() && other.more_after.is_none());
    }
}
