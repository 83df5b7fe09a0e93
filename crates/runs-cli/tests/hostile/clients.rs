//! Both transports over one configuration, and the `runs` binary, pointed at a hostile server.

use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use runs_core::WaitOptions;
use runs_core::{
    Config, ConfigBuilder, Error, ListRuns, Missing, Proxy, Run, RunId, Set, StartRun, WaitPolicy,
};

/// The key every test configures; no output may contain it.
pub const KEY: &str = "sk-hostile-KEY-7d41e9";

/// Which transport an outcome came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Blocking,
    Async,
}

/// Both clients, built from the same configuration.
pub struct Clients {
    blocking: runs_blocking::Client,
    asynch: runs_async::Client,
    runtime: tokio::runtime::Runtime,
}

/// The configuration builder every test starts from: [`KEY`], `base_url`, no proxy.
pub fn builder(base_url: &str) -> ConfigBuilder<Set, Set, Config> {
    ConfigBuilder::<Missing, Missing, Config>::new()
        .api_key(KEY)
        .base_url(base_url)
        .proxy(Proxy::None)
}

impl Clients {
    /// Clients for `config`.
    pub fn new(config: Config) -> Self {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        Self {
            blocking: runs_blocking::Client::new(config.clone()).unwrap(),
            asynch: runs_async::Client::new(config).unwrap(),
            runtime,
        }
    }

    /// Clients for `builder`'s configuration.
    pub fn of(builder: ConfigBuilder<Set, Set, Config>) -> Self {
        Self::new(builder.build().unwrap())
    }

    /// `f` on each transport, in turn.
    pub fn each<T>(&self, mut f: impl FnMut(Transport, &Self) -> T) -> Vec<T> {
        [Transport::Blocking, Transport::Async]
            .into_iter()
            .map(|t| f(t, self))
            .collect()
    }

    pub fn get_run(&self, t: Transport, id: &str) -> Result<Run, Error> {
        let id: RunId = id.parse().unwrap();
        match t {
            Transport::Blocking => self.blocking.get_run(&id),
            Transport::Async => self.runtime.block_on(self.asynch.get_run(&id)),
        }
    }

    /// `GET /health`.
    pub fn health(&self, t: Transport) -> Result<runs_core::Health, Error> {
        match t {
            Transport::Blocking => self.blocking.health(),
            Transport::Async => self.runtime.block_on(self.asynch.health()),
        }
    }

    pub fn start_run(&self, t: Transport, start: &StartRun) -> Result<Run, Error> {
        match t {
            Transport::Blocking => self.blocking.start_run(start),
            Transport::Async => self.runtime.block_on(self.asynch.start_run(start)),
        }
    }

    pub fn wait(&self, t: Transport, id: &str, policy: WaitPolicy) -> Result<Run, Error> {
        let id: RunId = id.parse().unwrap();
        match t {
            Transport::Blocking => self.blocking.wait_for_run(&id, WaitOptions::new().policy(policy)),
            Transport::Async => self
                .runtime
                .block_on(self.asynch.wait_for_run(&id, WaitOptions::new().policy(policy))),
        }
    }

    /// Uploads `source` (creating its target with `POST /files`), as `upload_file` does.
    pub fn upload(&self, t: Transport, source: &Source) -> Result<runs_core::FileId, Error> {
        match t {
            Transport::Blocking => self.blocking.upload_file(source.blocking(), None),
            Transport::Async => self
                .runtime
                .block_on(self.asynch.upload_file(source.asynch(), None)),
        }
    }

    /// Uploads `source` to `target`, as `upload_to` does (no `POST /files`).
    pub fn upload_to(
        &self,
        t: Transport,
        target: &runs_core::FileResource,
        source: &Source,
    ) -> Result<runs_core::FileId, Error> {
        match t {
            Transport::Blocking => self.blocking.upload_to(target, source.blocking()),
            Transport::Async => self
                .runtime
                .block_on(self.asynch.upload_to(target, source.asynch())),
        }
    }

    /// Uploads the file at `path` and starts a run with it.
    pub fn start_with_file(&self, t: Transport, start: &StartRun, path: &Path) -> Result<Run, Error> {
        match t {
            Transport::Blocking => self.blocking.start_run_with_files(start, [path]),
            Transport::Async => self
                .runtime
                .block_on(self.asynch.start_run_with_files(start, [path])),
        }
    }

    /// Every item of a listing, to its end.
    pub fn list_all(&self, t: Transport, query: &ListRuns) -> Vec<Result<Run, Error>> {
        match t {
            Transport::Blocking => self.blocking.runs(query).collect(),
            Transport::Async => {
                use futures_util::StreamExt;
                self.runtime.block_on(self.asynch.runs(query).collect())
            }
        }
    }
}

/// What an upload reads, for either transport.
pub enum Source {
    /// A file on disk.
    Path(PathBuf),
    /// `bytes` from a reader that declares `size` (which may be wrong on purpose).
    Reader { bytes: Vec<u8>, size: u64 },
}

impl Source {
    fn blocking(&self) -> runs_blocking::FileSource {
        match self {
            Source::Path(path) => runs_blocking::FileSource::path(path),
            Source::Reader { bytes, size } => {
                runs_blocking::FileSource::reader("r.bin", std::io::Cursor::new(bytes.clone()), *size)
            }
        }
    }

    fn asynch(&self) -> runs_async::FileSource {
        match self {
            Source::Path(path) => runs_async::FileSource::path(path),
            Source::Reader { bytes, size } => {
                runs_async::FileSource::reader("r.bin", std::io::Cursor::new(bytes.clone()), *size)
            }
        }
    }
}

/// A request to start a run.
pub fn start() -> StartRun {
    StartRun::builder()
        .agent_id("agent-1")
        .process_id("proc-1")
        .name("n")
        .stage(runs_core::ProcessStage::Draft)
        .build()
        .unwrap()
}

/// A policy that polls at the floor and gives up after `timeout`.
pub fn fast_wait(timeout: Duration) -> WaitPolicy {
    WaitPolicy::default()
        .with_initial_interval(Duration::ZERO)
        .with_max_interval(Duration::ZERO)
        .with_timeout(timeout)
}

/// What a finished `runs` process left.
pub struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `runs --base-url URL --api-key KEY ARGS...` with an empty environment.
pub fn runs(base_url: &str, args: &[&str]) -> Outcome {
    let output = Command::cargo_bin("runs")
        .unwrap()
        .env_clear()
        .args(["--base-url", base_url, "--api-key", KEY])
        .args(args)
        .output()
        .unwrap();
    let outcome = Outcome {
        code: output.status.code().unwrap(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    };
    assert!(
        !outcome.stdout.contains(KEY) && !outcome.stderr.contains(KEY),
        "the key was printed:\n{}\n{}",
        outcome.stdout,
        outcome.stderr
    );
    outcome
}

/// `text` with loopback ports replaced, for snapshots.
pub fn without_port(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("127.0.0.1:") {
        out.push_str(&rest[..i + 10]);
        rest = rest[i + 10..].trim_start_matches(|c: char| c.is_ascii_digit());
        out.push_str("PORT");
    }
    out.push_str(rest);
    out
}
