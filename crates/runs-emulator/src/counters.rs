//! What the emulator has seen, for tests to assert on.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::fault::Route;

/// A snapshot of the emulator's counters, taken by [`crate::Emulator::counters`].
///
/// Requests are counted when their headers have been read, whatever happens next (faulted,
/// refused for a bad key, invalid), so a client's retries show up here.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Counters {
    /// `GET /v2/runs` requests.
    pub list_runs: u64,
    /// `POST /v2/runs` requests.
    pub start_run: u64,
    /// `GET /v2/runs/{run_id}` requests.
    pub get_run: u64,
    /// Requests to any other path or with another method.
    pub other: u64,
    /// Runs started (a `POST` that a fault answered does not count, unless the fault was
    /// [`crate::Fault::status_after_processing`]).
    pub runs_created: u64,
    /// TCP connections accepted (before any TLS handshake).
    pub connections: u64,
    /// Requests a fault was applied to.
    pub faults_applied: u64,
}

impl Counters {
    /// The requests counted for `route`; for [`Route::Any`], those of the three routes together.
    pub fn requests(&self, route: Route) -> u64 {
        match route {
            Route::ListRuns => self.list_runs,
            Route::StartRun => self.start_run,
            Route::GetRun => self.get_run,
            Route::Any => self.list_runs + self.start_run + self.get_run,
        }
    }
}

/// The live counters.
#[derive(Debug, Default)]
pub(crate) struct Cells {
    list_runs: AtomicU64,
    start_run: AtomicU64,
    get_run: AtomicU64,
    other: AtomicU64,
    pub(crate) runs_created: AtomicU64,
    pub(crate) connections: AtomicU64,
    pub(crate) faults_applied: AtomicU64,
}

impl Cells {
    pub(crate) fn count_request(&self, route: Option<Route>) {
        let cell = match route {
            Some(Route::ListRuns) => &self.list_runs,
            Some(Route::StartRun) => &self.start_run,
            Some(Route::GetRun) => &self.get_run,
            Some(Route::Any) | None => &self.other,
        };
        cell.fetch_add(1, Ordering::SeqCst);
    }

    pub(crate) fn bump(cell: &AtomicU64) {
        cell.fetch_add(1, Ordering::SeqCst);
    }

    pub(crate) fn snapshot(&self) -> Counters {
        let get = |c: &AtomicU64| c.load(Ordering::SeqCst);
        Counters {
            list_runs: get(&self.list_runs),
            start_run: get(&self.start_run),
            get_run: get(&self.get_run),
            other: get(&self.other),
            runs_created: get(&self.runs_created),
            connections: get(&self.connections),
            faults_applied: get(&self.faults_applied),
        }
    }
}
