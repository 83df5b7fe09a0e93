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
    /// `POST /v2/files` requests.
    pub create_file: u64,
    /// `GET /v2/processes` requests.
    pub list_processes: u64,
    /// `GET /v2/processes/{process_id}` requests.
    pub get_process: u64,
    /// `GET /v2/health` requests.
    pub health: u64,
    /// Requests to the upload target (the other listener), whatever their outcome.
    pub upload: u64,
    /// Upload targets handed out by `POST /v2/files`.
    pub targets_created: u64,
    /// Files whose upload was accepted; [`crate::Emulator::uploaded_files`] lists them.
    pub files_uploaded: u64,
    /// Requests to the upload target that carried an `x-api-key` header (refused with a 400):
    /// a client that is right never makes this more than 0.
    pub uploads_with_api_key: u64,
    /// Requests to any other path or with another method.
    pub other: u64,
    /// Runs started (a `POST` that a fault answered does not count, unless the fault was
    /// [`crate::Fault::status_after_processing`]).
    pub runs_created: u64,
    /// TCP connections accepted (before any TLS handshake).
    pub connections: u64,
    /// `POST /v2/runs` refused with `403` "Resource Not Available": the active runs were at
    /// the cap ([`crate::EmulatorBuilder::max_active_runs`]).
    pub refused_at_capacity: u64,
    /// Requests refused with `429`: over the rate limit ([`crate::EmulatorBuilder::rate_limit`]).
    pub rate_limited: u64,
    /// The most runs active at once, as counted when each run started.
    pub peak_active_runs: u64,
    /// Requests a fault was applied to.
    pub faults_applied: u64,
}

impl Counters {
    /// The requests counted for `route`; for [`Route::Any`], those of every route together.
    pub fn requests(&self, route: Route) -> u64 {
        match route {
            Route::ListRuns => self.list_runs,
            Route::StartRun => self.start_run,
            Route::GetRun => self.get_run,
            Route::CreateFile => self.create_file,
            Route::ListProcesses => self.list_processes,
            Route::GetProcess => self.get_process,
            Route::Health => self.health,
            Route::Upload => self.upload,
            Route::Any => Route::ALL.iter().map(|r| self.requests(*r)).sum(),
        }
    }
}

/// The live counters.
#[derive(Debug, Default)]
pub(crate) struct Cells {
    list_runs: AtomicU64,
    start_run: AtomicU64,
    get_run: AtomicU64,
    create_file: AtomicU64,
    list_processes: AtomicU64,
    get_process: AtomicU64,
    health: AtomicU64,
    upload: AtomicU64,
    pub(crate) targets_created: AtomicU64,
    pub(crate) files_uploaded: AtomicU64,
    pub(crate) uploads_with_api_key: AtomicU64,
    other: AtomicU64,
    pub(crate) runs_created: AtomicU64,
    pub(crate) connections: AtomicU64,
    pub(crate) faults_applied: AtomicU64,
    pub(crate) refused_at_capacity: AtomicU64,
    pub(crate) rate_limited: AtomicU64,
    pub(crate) peak_active_runs: AtomicU64,
}

impl Cells {
    pub(crate) fn count_request(&self, route: Option<Route>) {
        let cell = match route {
            Some(Route::ListRuns) => &self.list_runs,
            Some(Route::StartRun) => &self.start_run,
            Some(Route::GetRun) => &self.get_run,
            Some(Route::CreateFile) => &self.create_file,
            Some(Route::ListProcesses) => &self.list_processes,
            Some(Route::GetProcess) => &self.get_process,
            Some(Route::Health) => &self.health,
            Some(Route::Upload) => &self.upload,
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
            create_file: get(&self.create_file),
            list_processes: get(&self.list_processes),
            get_process: get(&self.get_process),
            health: get(&self.health),
            upload: get(&self.upload),
            targets_created: get(&self.targets_created),
            files_uploaded: get(&self.files_uploaded),
            uploads_with_api_key: get(&self.uploads_with_api_key),
            other: get(&self.other),
            runs_created: get(&self.runs_created),
            connections: get(&self.connections),
            faults_applied: get(&self.faults_applied),
            refused_at_capacity: get(&self.refused_at_capacity),
            rate_limited: get(&self.rate_limited),
            peak_active_runs: get(&self.peak_active_runs),
        }
    }
}
