//! The client surface, written once for every bundled transport.
//!
//! runs-blocking and runs-async offer the same operations with the same documentation; the
//! only difference is that one blocks and the other returns futures. Rather than keep two
//! copies in step by hand, the operations are defined here once, as `async` code, and each
//! transport expands them with [`maybe-async`](https://docs.rs/maybe-async) in its own mode:
//!
//! ```text
//! runs_core::client_surface!(maybe_async::must_be_sync);  // runs-blocking
//! runs_core::client_surface!(maybe_async::must_be_async); // runs-async
//! ```
//!
//! Each crate picks its mode itself (`must_be_sync` / `must_be_async`), never through
//! maybe-async's crate-global `is_sync` feature, which would turn *both* crates sync as soon
//! as one build contains both.
//!
//! What a transport still writes itself is what really differs: `Client::new` (building its
//! HTTP client from the [`Config`](crate::Config)), `execute` (the `drive!` loop with its own
//! clock, `send` and `sleep`), and the `Runs` type (an `Iterator` or a `Stream`).
//!
//! This macro is machinery for the bundled transports, not a public API: a transport of your
//! own drives the machines directly (see `docs/transports.md`).

/// Expands the client operations for a transport; see the [module docs](self).
///
/// The calling crate must have in scope: `Client` (with `execute(&self, &mut impl Machine, span)`
/// in the mode given, and `new(Config)`), `Runs` (with `Runs::new(Client, ListRuns,
/// Option<u64>)`), and the `maybe_async` crate; and a `tracing` feature, which makes the span
/// a `tracing::Span` (else a [`NoSpan`](crate::NoSpan)).
#[doc(hidden)]
#[macro_export]
macro_rules! client_surface {
    ($mode:path) => {
        #[$mode]
        impl Client {
            /// A builder for a client: set the API key and a region or base URL, then
            /// `build()`. Every other setting (timeouts, the deadline, retry and wait
            /// policies, the body cap, proxy, extra roots) is runs-core's
            /// [`ConfigBuilder`](runs_core::ConfigBuilder), with a documented default there.
            pub fn builder() -> $crate::ConfigBuilder<$crate::Missing, $crate::Missing, Client> {
                $crate::ConfigBuilder::new()
            }

            /// A builder with the key and endpoint from the environment: `RUNS_API_KEY`
            /// (required), and `RUNS_BASE_URL` or else `RUNS_REGION` (`us`, `eu`, `uk`;
            /// default `us`); proxies from the proxy variables. Other settings can still be
            /// changed before `build()`.
            pub fn from_env()
            -> ::core::result::Result<$crate::ConfigBuilder<$crate::Set, $crate::Set, Client>, $crate::Error>
            {
                $crate::ConfigBuilder::from_env()
            }

            /// The configuration the client was built with.
            pub fn config(&self) -> &$crate::Config {
                self.config_ref()
            }

            /// Fetches a run (`GET /runs/{run_id}`), retrying as the retry policy allows.
            pub async fn get_run(
                &self,
                run_id: &$crate::RunId,
            ) -> ::core::result::Result<$crate::Run, $crate::Error> {
                let mut call = $crate::Call::new(
                    self.config(),
                    $crate::GetRun(run_id.clone()),
                    $crate::random_seed(),
                );
                self.execute(
                    &mut call,
                    $crate::__span!("get_run", run.id = run_id.as_str()),
                )
                .await
            }

            /// Starts a run (`POST /runs`).
            ///
            /// The API has no idempotency key, so the request is sent again only when it
            /// provably never reached the server, or when the server answered 429 or 503 with
            /// `Retry-After`.
            pub async fn start_run(
                &self,
                start: &$crate::StartRun,
            ) -> ::core::result::Result<$crate::Run, $crate::Error> {
                let mut call = $crate::Call::new(self.config(), start.clone(), $crate::random_seed());
                let span = $crate::__span!(
                    "start_run",
                    agent.id = start.agent_id().as_str(),
                    process.id = start.process_id().as_str()
                );
                self.execute(&mut call, span).await
            }

            /// Fetches one page of runs (`GET /runs`). Pass the page's continuation token
            /// back in the query for the next page, or use [`runs`](Self::runs) to walk
            /// them all.
            pub async fn list_runs(
                &self,
                query: &$crate::ListRuns,
            ) -> ::core::result::Result<$crate::RunPage, $crate::Error> {
                let mut call = $crate::Call::new(
                    self.config(),
                    $crate::ListPage(query.clone()),
                    $crate::random_seed(),
                );
                let span = $crate::__span!(
                    "list_runs",
                    agent.id = query.agent_id().as_str(),
                    process.id = query.process_id().as_str()
                );
                self.execute(&mut call, span).await
            }

            /// Every run of `query`, fetched page by page as they are used; see [`Runs`], whose
            /// `max_items(n)` stops after `n` runs (the last page asking only for what is still
            /// wanted). To resume a listing saved at a page boundary, list
            /// `query.clone().continuation_token(saved)`.
            pub fn runs(&self, query: &$crate::ListRuns) -> Runs {
                Runs::new(self.clone(), query.clone(), ::core::option::Option::None)
            }

            /// Polls a run until its status is terminal (`Succeeded`, `Failed`, `Cancelled`,
            /// `TimedOut`), as `options` say: the configured [`WaitPolicy`](runs_core::WaitPolicy)
            /// unless changed there, and a callback for each new status if one is given
            /// (`WaitOptions::default()` for neither).
            ///
            /// A terminal run is returned whether it succeeded or not: check
            /// [`RunStatus::is_success`](runs_core::RunStatus::is_success). The wait ends with
            /// [`Error::WaitTimedOut`](runs_core::Error::WaitTimedOut) when the timeout passes
            /// first.
            pub async fn wait_for_run(
                &self,
                run_id: &$crate::RunId,
                options: $crate::WaitOptions<'_>,
            ) -> ::core::result::Result<$crate::Run, $crate::Error> {
                let mut wait = options.into_wait(self.config(), run_id.clone(), $crate::random_seed());
                self.execute(
                    &mut wait,
                    $crate::__span!("wait_for_run", run.id = run_id.as_str()),
                )
                .await
            }

            /// Starts a run and waits for it to finish, as `options` say (see
            /// [`wait_for_run`](Self::wait_for_run)).
            ///
            /// If the wait fails, the error does not carry the new run's id (except
            /// [`Error::WaitTimedOut`](runs_core::Error::WaitTimedOut)); call
            /// [`start_run`](Self::start_run) then [`wait_for_run`](Self::wait_for_run) to
            /// keep it.
            pub async fn start_and_wait(
                &self,
                start: &$crate::StartRun,
                options: $crate::WaitOptions<'_>,
            ) -> ::core::result::Result<$crate::Run, $crate::Error> {
                let started = self.start_run(start).await?;
                self.wait_for_run(&started.id, options).await
            }
        }

        /// What lets [`Client::builder`] build a client.
        impl $crate::FromConfig for Client {
            fn from_config(config: $crate::Config) -> ::core::result::Result<Self, $crate::Error> {
                Client::new(config)
            }
        }
    };
}
