//! The Runs API itself: authentication, validation (runs-core's own readers) and the
//! operations, over the emulator's state.
//!
//! Everything here works on a request whose body has already been read and whose route is
//! known ([`crate::routing`]), and produces a [`Reply`] ([`crate::reply`]); sockets, faults and
//! timing live in [`crate::server`].

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

use http::{HeaderValue, StatusCode};
use percent_encoding::percent_decode_str;
use runs_core::{
    AgentId, CreateFile, FieldError, Process, ProcessId, ProcessPage, ProcessStage, Rule, RunId, RunPage,
    StartRun,
};
use serde_json::json;

use crate::catalog::{Catalog, Lookup};
use crate::counters::Cells;
use crate::fault::{Fault, FaultQueues, Route};
use crate::files::Files;
use crate::reply::{Reply, not_found};
use crate::runs::Store;
use crate::schedule::Schedule;
use crate::token::{self, TokenError};

/// The emulator's state and configuration, shared by every connection.
pub(crate) struct Api {
    pub(crate) catalog: Catalog,
    pub(crate) keys: Vec<String>,
    pub(crate) schedule: Schedule,
    pub(crate) token_secret: u64,
    pub(crate) max_body_bytes: usize,
    pub(crate) store: Mutex<Store>,
    pub(crate) faults: Mutex<FaultQueues>,
    pub(crate) counters: Cells,
    pub(crate) files: Mutex<Files>,
    /// Where uploads go: the other listener, set once it is bound.
    pub(crate) upload_url: OnceLock<String>,
    pub(crate) upload_expiry: Duration,
    pub(crate) healthy: AtomicBool,
    /// Whether every file id of a run must be an accepted upload, not only the emulator's own.
    pub(crate) strict_file_ids: bool,
    /// The organisation's cap on active runs, if one is set.
    pub(crate) max_active_runs: Option<usize>,
    /// The rate every API route shares, if one is set.
    pub(crate) rate_limit: Option<crate::limits::RateLimit>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Nothing here panics while holding a lock; if something ever did, keep serving.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Api {
    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        lock(&self.store)
    }

    pub(crate) fn faults(&self) -> MutexGuard<'_, FaultQueues> {
        lock(&self.faults)
    }

    pub(crate) fn files(&self) -> MutexGuard<'_, Files> {
        lock(&self.files)
    }

    pub(crate) fn take_fault(&self, route: Route) -> Option<Fault> {
        self.faults().take(route)
    }

    /// `Some(reply)` when the request must be refused for its key.
    pub(crate) fn authenticate(&self, key: Option<&HeaderValue>) -> Option<Reply> {
        match key {
            None => Some(Reply::error(
                StatusCode::UNAUTHORIZED,
                "missing API key: send it in the x-api-key header",
                None,
            )),
            Some(k) if self.keys.iter().any(|known| known.as_bytes() == k.as_bytes()) => None,
            Some(_) => Some(Reply::error(StatusCode::UNAUTHORIZED, "invalid API key", None)),
        }
    }

    /// Answers an authenticated request to a known route.
    pub(crate) fn handle(
        &self,
        route: Route,
        segment: Option<&str>,
        query: Option<&str>,
        body: &[u8],
    ) -> Reply {
        match route {
            Route::ListRuns => self.list_runs(query),
            Route::StartRun => self.start_run(body),
            Route::CreateFile => self.create_file(body),
            Route::ListProcesses => self.list_processes(query),
            Route::GetProcess => self.get_process(segment.unwrap_or_default(), query),
            Route::Health => self.health(),
            // The upload target is answered by crate::storage on its own listener.
            Route::Upload => Reply::error(StatusCode::NOT_FOUND, "no such path", None),
            Route::GetRun | Route::Any => self.get_run(segment.unwrap_or_default()),
        }
    }

    fn health(&self) -> Reply {
        if self.healthy.load(Ordering::SeqCst) {
            Reply::json(StatusCode::OK, &json!({"status": "OK"}))
        } else {
            Reply::json(StatusCode::SERVICE_UNAVAILABLE, &json!({"status": "Unavailable"}))
        }
    }

    fn create_file(&self, body: &[u8]) -> Reply {
        let create = match CreateFile::from_json(body) {
            Ok(create) => create,
            Err(e) => return Reply::invalid("body", e.errors()),
        };
        let agent = match create.agent_id() {
            Some(agent) if !self.catalog.has_agent(agent) => {
                return not_found("agent_id", "body", "agent", agent.as_str());
            }
            Some(agent) => agent.clone(),
            // Optional when the key belongs to one agent: the emulator's keys own every agent.
            None => match self.catalog.only_agent() {
                Some(agent) => agent.clone(),
                None => {
                    let e = FieldError::new(
                        "agent_id",
                        Rule::Malformed("present: this key has more than one agent"),
                    );
                    return Reply::invalid("body", &[e]);
                }
            },
        };
        let url = self.upload_url.get().map_or("", String::as_str);
        let secret = self.token_secret;
        match self
            .files()
            .issue(&agent, create.file_name(), url, secret, self.upload_expiry)
        {
            Some(target) => {
                Cells::bump(&self.counters.targets_created);
                Reply::json(StatusCode::CREATED, &target)
            }
            None => Reply::error(StatusCode::INTERNAL_SERVER_ERROR, "cannot make a file id", None),
        }
    }

    fn process(agent: &AgentId, id: &ProcessId) -> Process {
        let mut name: String = id.as_str().replace(['-', '_'], " ");
        if let Some(first) = name.get(..1) {
            name = first.to_uppercase() + &name[1..];
        }
        Process::new(id.clone(), name, agent.clone(), ProcessStage::Published)
    }

    fn get_process(&self, segment: &str, query: Option<&str>) -> Reply {
        let request = match runs_core::transport::GetProcess::from_request(segment, query.unwrap_or_default())
        {
            Ok(request) => request,
            Err(e) => {
                let location = if e.has_field("process_id") {
                    "path"
                } else {
                    "query"
                };
                return Reply::invalid(location, e.errors());
            }
        };
        let (agent, id) = (request.agent_id, request.process_id);
        match self.catalog.processes(&agent) {
            None => not_found("agent_id", "query", "agent", agent.as_str()),
            Some(ids) if ids.contains(&id) => Reply::json(StatusCode::OK, &Self::process(&agent, &id)),
            Some(_) => not_found("process_id", "path", "process", id.as_str()),
        }
    }

    fn list_processes(&self, query: Option<&str>) -> Reply {
        let q = match runs_core::ListProcesses::from_query(query.unwrap_or_default()) {
            Ok(q) => q,
            Err(e) => return Reply::invalid("query", e.errors()),
        };
        let (agent, limit) = (
            q.agent_id().clone(),
            q.limit().unwrap_or(runs_core::DEFAULT_LIMIT),
        );
        let token = q.continuation_token();
        let Some(ids) = self.catalog.processes(&agent) else {
            return not_found("agent_id", "query", "agent", agent.as_str());
        };
        let fingerprint = token::processes_fingerprint(&agent);
        let start = match token.map(|t| token::decode(self.token_secret, fingerprint, t)) {
            None => 0,
            Some(Ok(position)) => usize::try_from(position).unwrap_or(usize::MAX).saturating_add(1),
            Some(Err(_)) => {
                let why = "a token returned by a previous page of the same query (agent_id)";
                let error = FieldError::new("continuation_token", Rule::Malformed(why));
                return Reply::invalid("query", &[error]);
            }
        };
        let items: Vec<Process> = ids
            .iter()
            .skip(start)
            .take(usize::from(limit))
            .map(|id| Self::process(&agent, id))
            .collect();
        let last = start + items.len();
        let page = ProcessPage {
            continuation_token: (!items.is_empty() && last < ids.len())
                .then(|| token::encode(self.token_secret, fingerprint, (last - 1) as u64)),
            items: Some(items),
        };
        Reply::json(StatusCode::OK, &page)
    }

    fn get_run(&self, segment: &str) -> Reply {
        let id = match percent_decode_str(segment).decode_utf8() {
            Ok(text) => RunId::new(text.as_ref()),
            Err(_) => Err(FieldError::new("run_id", Rule::Malformed("UTF-8 text"))),
        };
        let id = match id {
            Ok(id) => id,
            Err(e) => return Reply::invalid("path", &[e]),
        };
        match self.store().get(&id, self.schedule) {
            Some(run) => Reply::json(StatusCode::OK, &run),
            None => not_found("run_id", "path", "run", id.as_str()),
        }
    }

    fn start_run(&self, body: &[u8]) -> Reply {
        let start = match StartRun::from_json(body) {
            Ok(start) => start,
            Err(e) => return Reply::invalid("body", e.errors()),
        };
        let ends_in = match self.catalog.lookup(start.agent_id(), start.process_id()) {
            Lookup::Found(status) => status,
            Lookup::NoAgent => return not_found("agent_id", "body", "agent", start.agent_id().as_str()),
            Lookup::NoProcess => {
                return not_found("process_id", "body", "process", start.process_id().as_str());
            }
        };
        let files = self.files();
        let unknown: Vec<FieldError> = start
            .file_ids()
            .iter()
            .enumerate()
            // Ids of this emulator's namespace must name an upload it accepted for this agent;
            // others are references it cannot know, taken as they are unless told otherwise.
            .filter(|(_, id)| self.strict_file_ids || id.starts_with(crate::files::FILE_ID_PREFIX))
            .filter(|(_, id)| files.uploaded(id).is_none_or(|f| &f.agent_id != start.agent_id()))
            .map(|(i, _)| {
                FieldError::new(
                    format!("file_ids[{i}]"),
                    Rule::Malformed(
                        "the id of a file uploaded for this agent (POST /v2/files, then the upload)",
                    ),
                )
            })
            .collect();
        drop(files);
        if !unknown.is_empty() {
            return Reply::invalid("body", &unknown);
        }
        let mut store = self.store();
        // Counted and created under one lock, so two requests cannot both take the last place.
        let active = store.active(self.schedule);
        if self.max_active_runs.is_some_and(|cap| active >= cap) {
            Cells::bump(&self.counters.refused_at_capacity);
            return Reply::error(StatusCode::FORBIDDEN, crate::limits::AT_CAPACITY, None);
        }
        match store.create(&start, ends_in) {
            Some(run) => {
                Cells::bump(&self.counters.runs_created);
                self.counters
                    .peak_active_runs
                    .fetch_max(active as u64 + 1, Ordering::SeqCst);
                Reply::json(StatusCode::CREATED, &run)
            }
            None => Reply::error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the clock is out of range",
                None,
            ),
        }
    }

    fn list_runs(&self, query: Option<&str>) -> Reply {
        let q = match runs_core::ListRuns::from_query(query.unwrap_or_default()) {
            Ok(q) => q,
            Err(e) => return Reply::invalid("query", e.errors()),
        };
        match self.catalog.lookup(q.agent_id(), q.process_id()) {
            Lookup::Found(_) => {}
            Lookup::NoAgent => return not_found("agent_id", "query", "agent", q.agent_id().as_str()),
            Lookup::NoProcess => {
                return not_found("process_id", "query", "process", q.process_id().as_str());
            }
        }
        let fingerprint = token::query_fingerprint(q.agent_id(), q.process_id(), q.stage());
        let before = match q
            .continuation_token()
            .map(|t| token::decode(self.token_secret, fingerprint, t))
        {
            None => None,
            Some(Ok(position)) => Some(position),
            Some(Err(e)) => {
                let why = match e {
                    TokenError::Malformed => "a token returned by a previous page",
                    TokenError::OtherQuery => {
                        "a token returned by a previous page of the same query (agent_id, process_id, stage)"
                    }
                };
                let error = FieldError::new("continuation_token", Rule::Malformed(why));
                return Reply::invalid("query", &[error]);
            }
        };
        let page = self.store().list(
            q.agent_id(),
            q.process_id(),
            q.stage(),
            usize::from(q.limit().unwrap_or(runs_core::DEFAULT_LIMIT)),
            before,
            self.schedule,
        );
        let page = RunPage {
            items: Some(page.items),
            continuation_token: page
                .more_after
                .map(|position| token::encode(self.token_secret, fingerprint, position)),
        };
        Reply::json(StatusCode::OK, &page)
    }
}
