//! The emulator handle and its builder.

use std::hash::{BuildHasher, RandomState};
use std::net::{Ipv4Addr, SocketAddr, TcpListener as StdListener};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use runs_core::{AgentId, ProcessId, Run, RunId, RunStatus};
use tokio::sync::watch;

use crate::api::Api;
use crate::catalog::Catalog;
use crate::counters::{Cells, Counters};
use crate::error::Error;
use crate::fault::{Fault, FaultQueues, Route};
use crate::files::{Files, UPLOAD_PATH, UploadedFile};
use crate::routing::BASE_PATH;
use crate::runs::Store;
use crate::schedule::Schedule;
use crate::server::{self, Limits, Origin};
use crate::tls;

/// The API key accepted when none is configured.
pub const DEFAULT_API_KEY: &str = "emulator-key";
/// The default largest request body accepted; larger ones get a 413.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;
/// The default time a client has to send a request's headers on an open connection.
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// The default largest request head (request line and headers); larger ones get a 431.
pub const DEFAULT_MAX_HEADER_BYTES: usize = 64 * 1024;
/// How long an upload target stays valid by default.
pub const DEFAULT_UPLOAD_EXPIRY: Duration = Duration::from_secs(15 * 60);

/// A running Runs API emulator, serving on a background thread until shut down or dropped.
///
/// Start one with [`Emulator::builder`] (or [`Emulator::start`] for the defaults). It works the
/// same from plain `#[test]`s and from inside `#[tokio::test]`s: it owns its runtime, so
/// starting and dropping it never needs (or disturbs) the caller's.
#[derive(Debug)]
pub struct Emulator {
    addr: SocketAddr,
    upload_addr: SocketAddr,
    base_url: String,
    api_key: String,
    ca_pem: Option<String>,
    api: Arc<Api>,
    shutdown: watch::Sender<bool>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Api")
            .field("schedule", &self.schedule)
            .finish_non_exhaustive()
    }
}

impl Emulator {
    /// A builder with the defaults: `127.0.0.1:0`, key [`DEFAULT_API_KEY`], plain HTTP, the
    /// seeded catalog, real-time schedule.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }

    /// Starts an emulator with the defaults.
    pub fn start() -> Result<Emulator, Error> {
        Self::builder().start()
    }

    /// The base URL clients use, ending in `/v2`: `http://127.0.0.1:PORT/v2`, or `https://`
    /// with TLS.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The address of the upload target, a second listener: another origin than the API.
    pub fn upload_addr(&self) -> SocketAddr {
        self.upload_addr
    }

    /// The URL upload targets name (`http://127.0.0.1:PORT/emulator-bucket`, plain HTTP on
    /// loopback even with TLS on the API); see `docs/emulator.md` for what it checks.
    pub fn upload_url(&self) -> String {
        format!("http://{}{UPLOAD_PATH}", self.upload_addr)
    }

    /// Every file whose upload was accepted, in the order of their first upload.
    pub fn uploaded_files(&self) -> Vec<UploadedFile> {
        self.api.files().all()
    }

    /// The uploaded file with this id, if its upload was accepted.
    pub fn uploaded_file(&self, id: &str) -> Option<UploadedFile> {
        self.api.files().uploaded(id).cloned()
    }

    /// Makes `GET /v2/health` answer 200 `{"status":"OK"}` (up, the default) or 503
    /// `{"status":"Unavailable"}`.
    pub fn set_healthy(&self, up: bool) {
        self.api.healthy.store(up, std::sync::atomic::Ordering::SeqCst);
    }

    /// The first accepted API key, to hand to clients.
    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    /// The PEM of the CA that signed the server certificate, when TLS is on; clients add it
    /// to their trusted roots.
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// The schedule runs follow.
    pub fn schedule(&self) -> Schedule {
        self.api.schedule
    }

    /// Queues `fault` for the next request of `route`.
    pub fn inject(&self, route: Route, fault: Fault) {
        self.inject_times(route, fault, 1);
    }

    /// Queues `fault` for the next `times` requests of `route`.
    pub fn inject_times(&self, route: Route, fault: Fault, times: usize) {
        self.api.faults().push(route, fault, times);
    }

    /// How many faults are queued for `route` itself (not counting [`Route::Any`]'s).
    pub fn pending_faults(&self, route: Route) -> usize {
        self.api.faults().pending(route)
    }

    /// Drops every queued fault.
    pub fn clear_faults(&self) {
        self.api.faults().clear();
    }

    /// A snapshot of the counters.
    pub fn counters(&self) -> Counters {
        self.api.counters.snapshot()
    }

    /// How many runs were started with each name: a test's proof that nothing started twice
    /// (every count 1) and nothing was lost (every name there).
    pub fn runs_per_name(&self) -> std::collections::BTreeMap<String, usize> {
        self.api.store().runs_per_name()
    }

    /// How many runs were started with `name`.
    pub fn runs_named(&self, name: &str) -> usize {
        self.runs_per_name().get(name).copied().unwrap_or(0)
    }

    /// How many runs are active now (not yet in a terminal status).
    pub fn active_runs(&self) -> usize {
        self.api.store().active(self.api.schedule)
    }

    /// A run as a list would show it now, without counting as a get.
    pub fn run(&self, id: &RunId) -> Option<Run> {
        self.api.store().peek(id, self.api.schedule)
    }

    /// Stops accepting, closes connections (a hanging fault ends here), and waits for the
    /// background thread. Dropping the emulator does the same.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(thread) = self.thread.take() {
            // A plain join: safe inside an async runtime (no block_on), and the thread only
            // runs the emulator's own runtime, which ends once shutdown is seen.
            let _ = thread.join();
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Configures and starts an [`Emulator`].
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until .start() is called"]
pub struct EmulatorBuilder {
    listen: SocketAddr,
    api_keys: Vec<String>,
    tls: bool,
    schedule: Schedule,
    processes: Vec<(String, String, RunStatus)>,
    seed: Option<u64>,
    max_body_bytes: usize,
    max_header_bytes: usize,
    header_read_timeout: Duration,
    worker_threads: usize,
    upload_expiry: Duration,
    strict_file_ids: bool,
    max_active_runs: Option<usize>,
    rate_limit: Option<u32>,
}

impl Default for EmulatorBuilder {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            api_keys: Vec::new(),
            tls: false,
            schedule: Schedule::default(),
            processes: Catalog::seeded(),
            seed: None,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_header_bytes: DEFAULT_MAX_HEADER_BYTES,
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            worker_threads: 1,
            upload_expiry: DEFAULT_UPLOAD_EXPIRY,
            strict_file_ids: false,
            max_active_runs: None,
            rate_limit: None,
        }
    }
}

impl EmulatorBuilder {
    /// Where to listen; the default `127.0.0.1:0` picks a free port.
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }

    /// Accepts this API key; call again to accept several. With none, [`DEFAULT_API_KEY`].
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_keys.push(key.into());
        self
    }

    /// Serves `https` with a certificate made at start; see [`Emulator::ca_pem`].
    pub fn tls(mut self, on: bool) -> Self {
        self.tls = on;
        self
    }

    /// How runs advance; see [`Schedule`].
    pub fn schedule(mut self, schedule: Schedule) -> Self {
        self.schedule = schedule;
        self
    }

    /// Adds a process of an agent (creating the agent if new) whose runs end in `ends_in`.
    /// Any status works, an unknown one (`RunStatus::from("Paused")`) included, which no
    /// client will see as terminal. Ids are checked by [`start`](Self::start).
    pub fn process(mut self, agent_id: &str, process_id: &str, ends_in: RunStatus) -> Self {
        self.processes.push((agent_id.into(), process_id.into(), ends_in));
        self
    }

    /// Forgets the seeded processes ([`DEMO_AGENT`](crate::DEMO_AGENT)'s); add your own with
    /// [`process`](Self::process).
    pub fn without_seeded_processes(mut self) -> Self {
        self.processes.clear();
        self
    }

    /// Fixes the seed for run ids and continuation tokens, so they repeat from one start to
    /// the next; by default each emulator has its own.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// The largest request body accepted (default [`DEFAULT_MAX_BODY_BYTES`]).
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }

    /// The largest request head accepted, at least 8 KiB (default [`DEFAULT_MAX_HEADER_BYTES`]).
    pub fn max_header_bytes(mut self, bytes: usize) -> Self {
        self.max_header_bytes = bytes.max(8192);
        self
    }

    /// How long a connection may take to send a request's headers (default
    /// [`DEFAULT_HEADER_READ_TIMEOUT`]).
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout;
        self
    }

    /// How long an upload target stays valid (default [`DEFAULT_UPLOAD_EXPIRY`]); an upload
    /// after that is refused as storage refuses an expired policy. `Duration::ZERO` makes every
    /// target expired at once, for testing that path.
    pub fn upload_expiry(mut self, expiry: Duration) -> Self {
        self.upload_expiry = expiry;
        self
    }

    /// Refuses a run naming any file id that is not an upload this emulator accepted for the
    /// run's agent. By default only ids of the emulator's own (`s3://runs-emulator/...`) are
    /// held to that; other ids are taken as references to files it cannot know.
    pub fn require_uploaded_files(mut self, strict: bool) -> Self {
        self.strict_file_ids = strict;
        self
    }

    /// Caps the runs active at once (not yet in a terminal status, every agent's together), as
    /// the organisation's concurrent-run capacity does: a `POST /v2/runs` beyond it gets `403`
    /// "Resource Not Available" and starts nothing. No cap by default. See `crate::limits`.
    pub fn max_active_runs(mut self, cap: usize) -> Self {
        self.max_active_runs = Some(cap);
        self
    }

    /// Limits every API route together to `per_second` requests a second (a bucket holding one
    /// second's worth): a request beyond it gets `429` with `Retry-After` and is not processed.
    /// No limit by default; the upload target is never limited.
    pub fn rate_limit(mut self, per_second: u32) -> Self {
        self.rate_limit = Some(per_second.max(1));
        self
    }

    /// Runtime worker threads (default 1, a single-threaded runtime that leaves the other
    /// cores to the code under test; raise it for load tests).
    pub fn worker_threads(mut self, threads: usize) -> Self {
        self.worker_threads = threads.max(1);
        self
    }

    /// Binds the socket and starts serving on a background thread. Returns once the port is
    /// bound, so the base URL can be used at once.
    pub fn start(self) -> Result<Emulator, Error> {
        let mut catalog = Catalog::default();
        for (agent, process, ends_in) in &self.processes {
            let agent = AgentId::new(agent.as_str()).map_err(Error::InvalidId)?;
            let process = ProcessId::new(process.as_str()).map_err(Error::InvalidId)?;
            catalog.insert(agent, process, ends_in.clone());
        }
        let keys = if self.api_keys.is_empty() {
            vec![DEFAULT_API_KEY.to_string()]
        } else {
            self.api_keys
        };
        if keys.iter().any(String::is_empty) {
            return Err(Error::EmptyApiKey);
        }
        let seed = self
            .seed
            .unwrap_or_else(|| RandomState::new().hash_one(std::process::id()));
        let tls = if self.tls { Some(tls::generate()?) } else { None };

        let listener = StdListener::bind(self.listen).map_err(|source| Error::Bind {
            addr: self.listen,
            source,
        })?;
        let addr = listener.local_addr().map_err(Error::Runtime)?;
        listener.set_nonblocking(true).map_err(Error::Runtime)?;
        // The upload target: another port, so another origin, on the same interface.
        let upload_listen = SocketAddr::new(self.listen.ip(), 0);
        let upload_listener = StdListener::bind(upload_listen).map_err(|source| Error::Bind {
            addr: upload_listen,
            source,
        })?;
        let upload_addr = upload_listener.local_addr().map_err(Error::Runtime)?;
        upload_listener.set_nonblocking(true).map_err(Error::Runtime)?;
        let runtime = if self.worker_threads <= 1 {
            tokio::runtime::Builder::new_current_thread().enable_all().build()
        } else {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(self.worker_threads)
                .enable_all()
                .build()
        }
        .map_err(Error::Runtime)?;

        let api = Arc::new(Api {
            catalog,
            keys: keys.clone(),
            schedule: self.schedule,
            token_secret: crate::token::mix(seed ^ 0x746f_6b65_6e73),
            max_body_bytes: self.max_body_bytes,
            store: Mutex::new(Store::new(seed)),
            faults: Mutex::new(FaultQueues::default()),
            counters: Cells::default(),
            files: Mutex::new(Files::default()),
            upload_url: std::sync::OnceLock::new(),
            upload_expiry: self.upload_expiry,
            healthy: std::sync::atomic::AtomicBool::new(true),
            strict_file_ids: self.strict_file_ids,
            max_active_runs: self.max_active_runs,
            rate_limit: self.rate_limit.map(crate::limits::RateLimit::new),
        });
        let _ = api.upload_url.set(format!("http://{upload_addr}{UPLOAD_PATH}"));
        let limits = Limits {
            header_read_timeout: self.header_read_timeout,
            max_header_bytes: self.max_header_bytes,
            tls_handshake_timeout: self.header_read_timeout,
            shutdown_grace: Duration::from_secs(2),
        };
        let (shutdown, shutdown_rx) = watch::channel(false);
        let acceptor = tls.as_ref().map(|t| t.acceptor.clone());
        let served = api.clone();
        let (ready, is_ready) = std::sync::mpsc::sync_channel(1);
        let thread = std::thread::Builder::new()
            .name(format!("runs-emulator-{}", addr.port()))
            .spawn(move || {
                runtime.block_on(async move {
                    let listeners = tokio::net::TcpListener::from_std(listener)
                        .and_then(|l| Ok((l, tokio::net::TcpListener::from_std(upload_listener)?)));
                    let (listener, upload_listener) = match listeners {
                        Ok(listeners) => listeners,
                        Err(e) => {
                            let _ = ready.send(Err(e));
                            return;
                        }
                    };
                    let _ = ready.send(Ok(()));
                    let storage = served.clone();
                    tokio::join!(
                        server::serve(
                            listener,
                            acceptor,
                            served,
                            shutdown_rx.clone(),
                            limits,
                            Origin::Api
                        ),
                        server::serve(
                            upload_listener,
                            None,
                            storage,
                            shutdown_rx,
                            limits,
                            Origin::Storage
                        ),
                    );
                });
                // The runtime is dropped here, on its own thread, never inside the caller's.
            })
            .map_err(Error::Runtime)?;
        let registered = is_ready
            .recv()
            .unwrap_or_else(|_| Err(std::io::Error::other("the emulator thread stopped")));
        if let Err(e) = registered {
            let _ = thread.join();
            return Err(Error::Runtime(e));
        }

        let scheme = if tls.is_some() { "https" } else { "http" };
        Ok(Emulator {
            addr,
            upload_addr,
            base_url: format!("{scheme}://{addr}{BASE_PATH}"),
            api_key: keys.into_iter().next().unwrap_or_default(),
            ca_pem: tls.map(|t| t.ca_pem),
            api,
            shutdown,
            thread: Some(thread),
        })
    }
}
