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
//! clock, `send` and `sleep`), the `Runs` and `Processes` types (an `Iterator` or a `Stream`),
//! and the upload's body (`FileSource`: a file or reader streamed with blocking or async I/O).
//!
//! This macro is machinery for the bundled transports, not a public API: a transport of your
//! own drives the machines directly (see `docs/transports.md`).

/// Expands the client operations for a transport; see the [module docs](self).
///
/// The calling crate must have in scope: `Client` (with `execute(&self, &mut impl Machine, span)`
/// in the mode given, and `new(Config)`), `Runs` (with `Runs::new(Client, ListRuns,
/// Option<u64>)`), `Processes` (the same for `ListProcesses`), `FileSource` (what an upload
/// reads) with `Client::open_file(&self, FileSource) -> Result<F, Error>` (`F` having
/// `name(&self) -> &str`) and `Client::upload_opened(&self, &FileResource, F) -> Result<FileId,
/// Error>` in the mode given, and the `maybe_async` crate; and a `tracing` feature, which makes the span
/// a `tracing::Span` (else a [`NoSpan`](crate::__private::NoSpan)).
#[doc(hidden)]
#[macro_export]
macro_rules! __client_surface {
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

            /// As [`from_env`](Self::from_env), each variable read through `var` rather than
            /// from the process environment (the proxy variables too): how a test gives its
            /// own, since setting the process's variables is `unsafe` in edition 2024.
            ///
            /// ```
            #[doc = concat!("use ", env!("CARGO_CRATE_NAME"), "::Client;")]
            ///
            /// let env = |name: &str| match name {
            ///     "RUNS_API_KEY" => Some("sk-test".to_string()),
            ///     "RUNS_REGION" => Some("eu".to_string()),
            ///     _ => None,
            /// };
            /// let client = Client::from_env_vars(env)?.build()?;
            /// assert_eq!(client.config().base_url().as_str(), "https://rest-api.eu.kognitos.com/v2");
            #[doc = concat!("# Ok::<(), ", env!("CARGO_CRATE_NAME"), "::Error>(())")]
            /// ```
            pub fn from_env_vars(
                var: impl Fn(&str) -> ::core::option::Option<::std::string::String>,
            ) -> ::core::result::Result<$crate::ConfigBuilder<$crate::Set, $crate::Set, Client>, $crate::Error>
            {
                $crate::ConfigBuilder::from_env_vars(var)
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
                let mut call =
                    $crate::__private::get_run_call(self.config(), run_id, $crate::transport::random_seed());
                self.execute(
                    &mut call,
                    $crate::__private::span!("get_run", run.id = run_id.as_str()),
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
                let mut call = $crate::transport::Call::new(
                    self.config(),
                    $crate::transport::PostRun(start.clone()),
                    $crate::transport::random_seed(),
                );
                let span = $crate::__private::span!(
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
                let mut call = $crate::transport::Call::new(
                    self.config(),
                    $crate::transport::ListPage(query.clone()),
                    $crate::transport::random_seed(),
                );
                let span = $crate::__private::span!(
                    "list_runs",
                    agent.id = query.agent_id().as_str(),
                    process.id = query.process_id().as_str()
                );
                self.execute(&mut call, span).await
            }

            /// Every run of `query`, fetched page by page as they are used; see [`Runs`], whose
            /// `max_items(n)` stops after `n` runs (the last page asking only for what is still
            /// wanted). To resume a listing saved at a page boundary, list
            /// `query.clone().with_continuation_token(saved)`.
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
            ///
            /// Each poll is a [`get_run`](Self::get_run), retried as it is. A poll that still
            /// fails for a reason that may pass (a 503, a dropped connection) does not end the
            /// wait, but [`WaitPolicy::max_failed_polls`](runs_core::WaitPolicy::max_failed_polls)
            /// of them in a row (5 by default) end it with
            /// [`Error::WaitPollsFailed`](runs_core::Error::WaitPollsFailed), and a timeout
            /// while polls fail gives `WaitTimedOut`; both carry the last poll's error as their
            /// [`source`](std::error::Error::source). A poll that fails for good (a 404, a bad
            /// key) ends the wait at once with its error.
            pub async fn wait_for_run(
                &self,
                run_id: &$crate::RunId,
                options: $crate::WaitOptions<'_>,
            ) -> ::core::result::Result<$crate::Run, $crate::Error> {
                let mut wait = $crate::transport::Observed::from_options(
                    self.config(),
                    run_id.clone(),
                    options,
                    $crate::transport::random_seed(),
                );
                self.execute(
                    &mut wait,
                    $crate::__private::span!("wait_for_run", run.id = run_id.as_str()),
                )
                .await
            }

            /// Starts a run and waits for it to finish, as `options` say (see
            /// [`wait_for_run`](Self::wait_for_run)).
            ///
            /// If the wait fails, the error does not carry the new run's id (except
            /// [`Error::WaitTimedOut`](runs_core::Error::WaitTimedOut) and
            /// [`Error::WaitPollsFailed`](runs_core::Error::WaitPollsFailed)); call
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

            /// Asks for an upload target for one file (`POST /files`): the file's id and where
            /// to send its bytes. [`upload_to`](Self::upload_to) sends them; most callers want
            /// [`upload_file`](Self::upload_file), which does both.
            ///
            /// Sent again only as [`start_run`](Self::start_run) is (a repeat only leaves an
            /// unused target behind, but the API draws no line between its POSTs).
            pub async fn create_file(
                &self,
                create: &$crate::CreateFile,
            ) -> ::core::result::Result<$crate::FileResource, $crate::Error> {
                let mut call = $crate::transport::Call::new(
                    self.config(),
                    $crate::transport::PostFile(create.clone()),
                    $crate::transport::random_seed(),
                );
                let span = $crate::__private::span!("create_file", file.name = create.file_name());
                self.execute(&mut call, span).await
            }

            /// Uploads `source` to `target` (from [`create_file`](Self::create_file)) and gives
            /// back the file's id, for a run's `file_ids`.
            ///
            /// The file is streamed, never held in memory, with an exact `Content-Length`. The
            /// API key is never sent: the target is another origin (object storage). A target
            /// may expire, so the upload is sent again only when it provably never left; any
            /// answer other than a 2xx is [`Error::Storage`](runs_core::Error::Storage), with
            /// the storage service's code and message (create a new target to try again). A
            /// file that cannot be opened or changes while it is sent is
            /// [`Error::LocalFile`](runs_core::Error::LocalFile).
            pub async fn upload_to(
                &self,
                target: &$crate::FileResource,
                source: FileSource,
            ) -> ::core::result::Result<$crate::FileId, $crate::Error> {
                let opened = self.open_file(source).await?;
                self.upload_opened(target, opened).await
            }

            /// Uploads one file: opens `source` (so a missing file fails before any request),
            /// creates its target (`POST /files`, named after the source, for `agent_id` if
            /// given) and streams it there, as [`upload_to`](Self::upload_to). Gives back the
            /// file's id, for [`StartRunBuilder::file`](runs_core::StartRunBuilder::file).
            pub async fn upload_file(
                &self,
                source: FileSource,
                agent_id: ::core::option::Option<&$crate::AgentId>,
            ) -> ::core::result::Result<$crate::FileId, $crate::Error> {
                let opened = self.open_file(source).await?;
                let mut create = $crate::CreateFile::new(opened.name())?;
                if let ::core::option::Option::Some(agent_id) = agent_id {
                    create = create.with_agent_id(agent_id.clone());
                }
                let target = self.create_file(&create).await?;
                self.upload_opened(&target, opened).await
            }

            /// Uploads `files` for `start`'s agent, one after another, then starts the run
            /// with their ids after any `start` already has (in the order given).
            ///
            /// Every file is opened and its name checked before the first request, so a
            /// missing path or a bad name sends nothing. A path converts into a
            /// [`FileSource`] (`["invoice.pdf"]`, a `PathBuf`, ...). If an upload or the start
            /// fails, the files uploaded before it are not given back: to keep their ids, call
            /// [`upload_file`](Self::upload_file) for each, then
            /// [`start_run`](Self::start_run) with `start.with_file(id)`.
            pub async fn start_run_with_files(
                &self,
                start: &$crate::StartRun,
                files: impl ::core::iter::IntoIterator<Item = impl ::core::convert::Into<FileSource>>,
            ) -> ::core::result::Result<$crate::Run, $crate::Error> {
                let sources: ::std::vec::Vec<FileSource> =
                    files.into_iter().map(::core::convert::Into::into).collect();
                let mut opened = ::std::vec::Vec::with_capacity(sources.len());
                for source in sources {
                    opened.push(self.open_file(source).await?);
                }
                let mut creates = ::std::vec::Vec::with_capacity(opened.len());
                for file in &opened {
                    creates
                        .push($crate::CreateFile::new(file.name())?.with_agent_id(start.agent_id().clone()));
                }
                let mut start = start.clone();
                for (create, file) in creates.iter().zip(opened) {
                    let target = self.create_file(create).await?;
                    start = start.with_file(self.upload_opened(&target, file).await?);
                }
                self.start_run(&start).await
            }

            /// Fetches one page of an agent's processes (`GET /processes`). Pass the page's
            /// continuation token back in the query for the next page, or use
            /// [`processes`](Self::processes) to walk them all.
            pub async fn list_processes(
                &self,
                query: &$crate::ListProcesses,
            ) -> ::core::result::Result<$crate::ProcessPage, $crate::Error> {
                let mut call = $crate::transport::Call::new(
                    self.config(),
                    $crate::transport::ListProcessesPage(query.clone()),
                    $crate::transport::random_seed(),
                );
                let span = $crate::__private::span!("list_processes", agent.id = query.agent_id().as_str());
                self.execute(&mut call, span).await
            }

            /// Every process of `query`, fetched page by page as they are used, like
            /// [`runs`](Self::runs); see [`Processes`], whose `max_items(n)` caps it.
            pub fn processes(&self, query: &$crate::ListProcesses) -> Processes {
                Processes::new(self.clone(), query.clone(), ::core::option::Option::None)
            }

            /// Fetches one process of an agent (`GET /processes/{process_id}`).
            pub async fn get_process(
                &self,
                agent_id: &$crate::AgentId,
                process_id: &$crate::ProcessId,
            ) -> ::core::result::Result<$crate::Process, $crate::Error> {
                let mut call = $crate::transport::Call::new(
                    self.config(),
                    $crate::transport::GetProcess::new(agent_id.clone(), process_id.clone()),
                    $crate::transport::random_seed(),
                );
                let span = $crate::__private::span!(
                    "get_process",
                    agent.id = agent_id.as_str(),
                    process.id = process_id.as_str()
                );
                self.execute(&mut call, span).await
            }

            /// Checks whether the API is up (`GET /health`).
            ///
            /// A 5xx, or a 2xx with another status than `OK`, is an answer ("not up", at once
            /// and without retrying), not an error: check
            /// [`Health::is_up`](runs_core::Health::is_up). A 4xx (a bad key) and a
            /// connection that fails after its retries are errors.
            pub async fn health(&self) -> ::core::result::Result<$crate::Health, $crate::Error> {
                let mut call = $crate::transport::Call::new(
                    self.config(),
                    $crate::transport::GetHealth,
                    $crate::transport::random_seed(),
                );
                self.execute(&mut call, $crate::__private::span!("health")).await
            }
        }

        /// What lets [`Client::builder`] build a client.
        impl $crate::transport::FromConfig for Client {
            fn from_config(config: $crate::Config) -> ::core::result::Result<Self, $crate::Error> {
                Client::new(config)
            }
        }
    };
}

/// Expands the parts of a transport's `FileSource` that do not depend on its reader trait:
/// `path`, `named`, `file_name`, `Debug` and the conversions from paths. Machinery for the
/// bundled transports, as [`client_surface!`](crate::__private::client_surface) is.
///
/// The calling crate must define `struct FileSource { name: Option<String>, kind: Kind }` and
/// `enum Kind { Path(PathBuf), Reader { size: u64, .. } }`; its `reader` constructor, the one
/// part written per transport, takes the transport's own reader trait.
#[doc(hidden)]
#[macro_export]
macro_rules! __file_source_common {
    () => {
        impl FileSource {
            /// The file at `path`, uploaded under its file name (the last part of the path).
            pub fn path(path: impl ::core::convert::Into<::std::path::PathBuf>) -> Self {
                let path = path.into();
                Self {
                    name: path.file_name().map(|n| n.to_string_lossy().into_owned()),
                    kind: Kind::Path(path),
                }
            }

            /// The same source uploaded as `file_name` (the service may still sanitise it).
            pub fn named(mut self, file_name: impl ::core::convert::Into<::std::string::String>) -> Self {
                self.name = ::core::option::Option::Some(file_name.into());
                self
            }

            /// The name the file is uploaded as, `None` for a path without one (`/`, `..`).
            pub fn file_name(&self) -> ::core::option::Option<&str> {
                self.name.as_deref()
            }
        }

        impl ::core::fmt::Debug for FileSource {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                let mut d = f.debug_struct("FileSource");
                d.field("name", &self.name);
                match &self.kind {
                    Kind::Path(path) => d.field("path", path),
                    Kind::Reader { size, .. } => d.field("size", size),
                };
                d.finish_non_exhaustive()
            }
        }

        impl ::core::convert::From<::std::path::PathBuf> for FileSource {
            fn from(path: ::std::path::PathBuf) -> Self {
                Self::path(path)
            }
        }

        impl ::core::convert::From<&::std::path::Path> for FileSource {
            fn from(path: &::std::path::Path) -> Self {
                Self::path(path)
            }
        }

        impl ::core::convert::From<&::std::path::PathBuf> for FileSource {
            fn from(path: &::std::path::PathBuf) -> Self {
                Self::path(path)
            }
        }

        /// A path given as text.
        impl ::core::convert::From<&str> for FileSource {
            fn from(path: &str) -> Self {
                Self::path(path)
            }
        }

        /// A path given as text.
        impl ::core::convert::From<::std::string::String> for FileSource {
            fn from(path: ::std::string::String) -> Self {
                Self::path(path)
            }
        }
    };
}

/// Re-exports, at a transport's root, the runs-core items a client's user names (the
/// configuration, requests, models, policies and errors), so a program depends on one crate.
/// One list for both transports, so they cannot drift. The list is closed: every runs-core
/// type that a re-exported item takes, returns or is bounded by is re-exported too (the
/// builders' typestate markers included), which `runs-core/tests/client_reexports.rs` checks
/// against the `api/` listings.
///
/// The doc examples of these items are runs-core's, shown on the client's pages: they hide
/// their `use runs_core::..` lines, so what shows pastes into a program that depends on the
/// client alone. `ReexportedExamples` below runs them again with this crate's paths.
#[doc(hidden)]
#[macro_export]
macro_rules! __client_reexports {
    () => {
        pub use $crate::{
            AgentId, AgentIdIsSet, ApiError, ApiKey, BaseUrl, BoxError, Config, ConfigBuilder, ConfigError,
            CreateFile, DecodeError, Delivery, EndpointIsSet, Error, ErrorBody, FieldError, FileId,
            FileResource, Health, JsonValue, KeyIsSet, ListProcesses, ListRuns, LocalFileError,
            LocalFileProblem, Missing, NameIsSet, NameValue, OrderedFields, OutputError, Page, Process,
            ProcessId, ProcessIdIsSet, ProcessPage, ProcessStage, Proxy, Region, RetryPolicy, Rule, Run,
            RunId, RunName, RunPage, RunStatus, Set, Stage, StageIsSet, StartRun, StartRunBuilder,
            StorageError, Timestamp, TransportError, TransportErrorKind, ValidationError, WaitOptions,
            WaitPolicy, serde_json,
        };

        /// The examples of the re-exported items' docs (their visible lines, as a user of this
        /// crate reads them there), compiled with this crate's paths alone.
        ///
        /// ```
        #[doc = concat!("use ", env!("CARGO_CRATE_NAME"), "::*;")]
        /// use std::time::Duration;
        ///
        /// // ConfigBuilder
        /// let config = Config::builder()
        ///     .api_key("sk-test")
        ///     .region(Region::Eu)
        ///     .deadline(Duration::from_secs(30))
        ///     .build()?;
        /// assert_eq!(config.base_url().as_str(), "https://rest-api.eu.kognitos.com/v2");
        ///
        /// // ListRuns
        /// let query = ListRuns::new("agent-1".parse()?, "invoice-ocr".parse()?)
        ///     .with_limit(50)?
        ///     .with_stage(ProcessStage::Published);
        /// assert_eq!(query.limit(), Some(50));
        /// let resumed = query.with_continuation_token(String::from("t2"));
        /// assert_eq!(resumed.continuation_token(), Some("t2"));
        ///
        /// // Stage
        /// let known: Stage = serde_json::from_str("\"Published\"")?;
        /// assert_eq!(known, ProcessStage::Published);
        ///
        /// // WaitOptions
        /// let mut seen = Vec::new();
        /// let options = WaitOptions::new()
        ///     .timeout(Duration::from_secs(60))
        ///     .on_status(|status| seen.push(status.to_string()));
        /// drop(options);
        ///
        /// // StartRunBuilder::file, StartRun::with_file
        /// let uploaded: FileId = "s3://bucket/invoice.pdf".parse()?;
        /// let start = StartRun::builder()
        ///     .agent_id("agent-1")
        ///     .process_id("invoice-ocr")
        ///     .name("March invoices")
        ///     .stage(ProcessStage::Published)
        ///     .file(&uploaded)
        ///     .build()?;
        /// let start = start.with_file("s3://bucket/b.pdf".parse::<FileId>()?);
        /// assert_eq!(start.file_ids(), ["s3://bucket/invoice.pdf", "s3://bucket/b.pdf"]);
        ///
        /// // StartRunBuilder::inputs_from
        /// #[derive(serde::Serialize)]
        /// struct Invoices {
        ///     month: &'static str,
        ///     total_cents: u128,
        /// }
        /// let start = StartRun::builder()
        ///     .agent_id("agent-1")
        ///     .process_id("invoice-ocr")
        ///     .name("March invoices")
        ///     .stage(ProcessStage::Published)
        ///     .inputs_from(&Invoices { month: "2026-03", total_cents: 123456789012345678901234567890 })
        ///     .build()?;
        /// assert_eq!(start.inputs()[1].value.as_str(), "123456789012345678901234567890");
        ///
        /// // StartRunBuilder::build
        /// let refused = StartRun::builder()
        ///     .agent_id("agent 1")
        ///     .process_id("invoice-ocr")
        ///     .name("")
        ///     .stage(ProcessStage::Published)
        ///     .build();
        /// let Err(Error::Invalid(invalid)) = refused else { unreachable!("refused as invalid") };
        /// assert!(invalid.has_field("agent_id") && invalid.has_field("name"));
        ///
        /// // JsonValue::parse, JsonValue::from_serialize
        /// let v: JsonValue = "-98765432109876543210987654321".parse()?;
        /// assert_eq!(v.parse::<i128>()?, -98765432109876543210987654321);
        /// let v = JsonValue::from_serialize(&u128::MAX)?;
        /// assert_eq!(v.as_str(), "340282366920938463463374607431768211455");
        ///
        /// // ApiKey
        /// let key = ApiKey::new("sk-live-1234")?;
        /// assert_eq!(format!("{key:?}"), "ApiKey(<redacted>)");
        /// # Ok::<(), Box<dyn std::error::Error>>(())
        /// ```
        #[cfg(doctest)]
        pub struct ReexportedExamples;
    };
}
