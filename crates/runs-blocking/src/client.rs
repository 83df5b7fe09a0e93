//! The client: one method per API operation, each a runs-core machine driven to its end.

use std::fmt;
use std::time::Instant;

use runs_core::{
    Call, Config, ConfigBuilder, Error, FromConfig, GetRun, ListPage, ListRuns, Machine, Missing, Run, RunId,
    RunPage, RunStatus, Set, StartRun, Wait, WaitPolicy, drive, random_seed,
};

use crate::listing::Runs;

/// A blocking Runs API client.
///
/// Cheap to clone (clones share one connection pool) and safe to share between threads.
/// Each method blocks until the operation is done, retries included, and gives up at the
/// configured deadline at the latest.
#[derive(Clone)]
pub struct Client {
    agent: ureq::Agent,
    config: Config,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Config's Debug redacts the key.
        f.debug_struct("Client")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl FromConfig for Client {
    fn from_config(config: Config) -> Result<Self, Error> {
        Client::new(config)
    }
}

impl Client {
    /// A builder for a client: set the API key and a region or base URL, then `build()`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use runs_blocking::{Client, Region};
    ///
    /// let client = Client::builder()
    ///     .api_key("sk-live-1234")
    ///     .region(Region::Eu)
    ///     .deadline(Duration::from_secs(30))
    ///     .build()?;
    /// assert_eq!(client.config().base_url().as_str(), "https://rest-api.eu.kognitos.com/v2");
    /// # Ok::<(), runs_blocking::Error>(())
    /// ```
    pub fn builder() -> ConfigBuilder<Missing, Missing, Client> {
        ConfigBuilder::new()
    }

    /// A builder with the key and endpoint from the environment: `RUNS_API_KEY` (required),
    /// and `RUNS_BASE_URL` or else `RUNS_REGION` (`us`, `eu`, `uk`; default `us`). Other
    /// settings can still be changed before `build()`.
    pub fn from_env() -> Result<ConfigBuilder<Set, Set, Client>, Error> {
        ConfigBuilder::from_env()
    }

    /// A client for a configuration already built.
    ///
    /// Fails if the configuration's extra root certificates do not parse or its proxy URL is
    /// unusable.
    pub fn new(config: Config) -> Result<Self, Error> {
        Ok(Self {
            agent: crate::agent::agent(&config)?,
            config,
        })
    }

    /// The configuration the client was built with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Fetches one page of runs (`GET /runs`). Pass the page's continuation token back in the
    /// query for the next page, or use [`Client::runs`] to walk them all.
    pub fn list_runs(&self, query: &ListRuns) -> Result<RunPage, Error> {
        self.execute(&mut Call::new(
            &self.config,
            ListPage(query.clone()),
            random_seed(),
        ))
    }

    /// Every run of `query` (at most `max_items` of them), fetched page by page as the
    /// iterator is consumed; see [`Runs`].
    pub fn runs(&self, query: &ListRuns, max_items: Option<u64>) -> Runs {
        Runs::new(self.clone(), query.clone(), max_items)
    }

    /// Starts a run (`POST /runs`).
    ///
    /// The API has no idempotency key, so this request is re-sent only when it provably never
    /// reached the server, or when the server answers 429 or 503 with `Retry-After`.
    pub fn start_run(&self, run: &StartRun) -> Result<Run, Error> {
        self.execute(&mut Call::new(&self.config, run.clone(), random_seed()))
    }

    /// Fetches a run (`GET /runs/{run_id}`).
    pub fn get_run(&self, run_id: &RunId) -> Result<Run, Error> {
        self.execute(&mut Call::new(
            &self.config,
            GetRun(run_id.clone()),
            random_seed(),
        ))
    }

    /// Polls a run until its status is terminal, on the configured wait policy.
    ///
    /// A terminal run is returned whether it succeeded or not: check
    /// [`RunStatus::is_success`](runs_core::RunStatus::is_success). The wait ends with
    /// [`Error::WaitTimedOut`] when the policy's timeout passes first.
    pub fn wait_for_run(&self, run_id: &RunId) -> Result<Run, Error> {
        self.wait_for_run_with(run_id, self.config.wait_policy().clone())
    }

    /// As [`Client::wait_for_run`], on `policy` (for another timeout:
    /// `client.config().wait_policy().clone().timeout(duration)`).
    pub fn wait_for_run_with(&self, run_id: &RunId, policy: WaitPolicy) -> Result<Run, Error> {
        self.execute(&mut Wait::new(
            &self.config,
            run_id.clone(),
            policy,
            random_seed(),
        ))
    }

    /// As [`Client::wait_for_run_with`], calling `on_status` with each status a poll sees
    /// before the run is terminal, once per change (for a progress display). The terminal run
    /// is the result, as there.
    pub fn wait_for_run_observed(
        &self,
        run_id: &RunId,
        policy: WaitPolicy,
        on_status: impl FnMut(&RunStatus),
    ) -> Result<Run, Error> {
        self.execute(&mut Wait::new(&self.config, run_id.clone(), policy, random_seed()).observed(on_status))
    }

    /// Starts a run and waits for it to finish, on the configured wait policy.
    ///
    /// If the wait fails, the error does not carry the new run's id (except
    /// [`Error::WaitTimedOut`]); call [`Client::start_run`] then [`Client::wait_for_run`] to
    /// keep it.
    pub fn start_and_wait(&self, run: &StartRun) -> Result<Run, Error> {
        self.start_and_wait_with(run, self.config.wait_policy().clone())
    }

    /// As [`Client::start_and_wait`], on `policy`.
    pub fn start_and_wait_with(&self, run: &StartRun, policy: WaitPolicy) -> Result<Run, Error> {
        let started = self.start_run(run)?;
        self.wait_for_run_with(&started.id, policy)
    }

    /// Drives a machine to its end with a fresh clock.
    fn execute<M: Machine>(&self, machine: &mut M) -> M::Output {
        self.drive(machine, Instant::now())
    }

    /// Drives a machine until it is done, `epoch` being the time its clock counts from: sends
    /// what it asks for, sleeps when it says so.
    pub(crate) fn drive<M: Machine>(&self, machine: &mut M, epoch: Instant) -> M::Output {
        drive!(
            *machine,
            now = epoch.elapsed(),
            // The wall clock, for a Retry-After date that comes without a Date header.
            wall = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default(),
            send(request, timeout) => crate::send::send(
                &self.agent,
                request,
                timeout,
                self.config.max_body_bytes(),
            ),
            sleep(delay) => std::thread::sleep(delay),
        )
    }
}
