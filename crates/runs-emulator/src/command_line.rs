//! Serving from the command line until Ctrl-C: the `runs-emulator` binary, and later
//! `runs emulator`, are this module's [`ServeArgs`] and [`ServeArgs::run`].

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::emulator::{DEFAULT_API_KEY, Emulator};
use crate::error::Error;
use crate::schedule::Schedule;

/// Command-line options for serving an emulator; `#[command(flatten)]` them into a CLI.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port (the banner says which).
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    pub listen: SocketAddr,
    /// An API key to accept in `x-api-key`; repeat for several. Default: `emulator-key`.
    #[arg(long = "api-key", value_name = "KEY")]
    pub api_keys: Vec<String>,
    /// Serve https with a certificate made at start; its CA is written to --ca-out.
    #[arg(long)]
    pub tls: bool,
    /// Where to write the CA certificate (PEM) with --tls. Default: a file in the temp dir.
    #[arg(long, value_name = "PATH", requires = "tls")]
    pub ca_out: Option<PathBuf>,
    /// Seconds each run spends in Created, Pending and Running; 0 finishes runs at once.
    #[arg(long, default_value_t = 2.0, value_name = "SECONDS")]
    pub step_seconds: f64,
    /// Cap the runs active at once, as an organisation's concurrent-run capacity does: a start
    /// beyond it gets 403 "Resource Not Available". Default: no cap.
    #[arg(long, value_name = "N")]
    pub max_active_runs: Option<usize>,
    /// Limit every API route together to N requests a second (429 with Retry-After beyond
    /// it). Default: no limit.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub rate_limit: Option<u32>,
}

impl ServeArgs {
    /// The emulator these options describe, not yet started.
    pub fn builder(&self) -> crate::EmulatorBuilder {
        let step = Duration::try_from_secs_f64(self.step_seconds).unwrap_or(Schedule::DEFAULT_STEP);
        let schedule = if step.is_zero() {
            Schedule::Instant
        } else {
            Schedule::real_time(step)
        };
        let mut builder = Emulator::builder()
            .listen(self.listen)
            .tls(self.tls)
            .schedule(schedule);
        for key in &self.api_keys {
            builder = builder.api_key(key);
        }
        if let Some(cap) = self.max_active_runs {
            builder = builder.max_active_runs(cap);
        }
        if let Some(rate) = self.rate_limit {
            builder = builder.rate_limit(rate);
        }
        builder
    }

    /// Starts the emulator, writes a banner (base URL, key, CA file) to `out`, and serves
    /// until Ctrl-C (or SIGTERM), then shuts down gracefully.
    ///
    /// The signal handlers are installed before the banner is written, so a caller that
    /// signals as soon as it reads the banner always gets the graceful shutdown.
    pub fn run(&self, out: &mut dyn Write) -> Result<(), Error> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(Error::Runtime)?;
        let stop = StopSignal::install(&runtime)?;
        let emulator = self.builder().start()?;
        writeln!(out, "runs-emulator listening on {}", emulator.base_url()).map_err(Error::Io)?;
        let key = self.api_keys.first().map_or(DEFAULT_API_KEY, String::as_str);
        writeln!(out, "api key: {key}").map_err(Error::Io)?;
        if let Some(pem) = emulator.ca_pem() {
            let path = self.ca_out.clone().unwrap_or_else(|| {
                std::env::temp_dir().join(format!("runs-emulator-ca-{}.pem", emulator.addr().port()))
            });
            std::fs::write(&path, pem).map_err(Error::Io)?;
            writeln!(out, "CA certificate: {}", path.display()).map_err(Error::Io)?;
        }
        writeln!(out, "press Ctrl-C to stop").map_err(Error::Io)?;
        out.flush().map_err(Error::Io)?;
        runtime.block_on(stop.wait())?;
        emulator.shutdown();
        Ok(())
    }
}

/// Ctrl-C, and SIGTERM on Unix, listened for from the moment it is made.
struct StopSignal {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl StopSignal {
    fn install(runtime: &tokio::runtime::Runtime) -> Result<Self, Error> {
        let _context = runtime.enter();
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Self {
                interrupt: signal(SignalKind::interrupt()).map_err(Error::Runtime)?,
                terminate: signal(SignalKind::terminate()).map_err(Error::Runtime)?,
            })
        }
        #[cfg(not(unix))]
        {
            Ok(Self {})
        }
    }

    async fn wait(mut self) -> Result<(), Error> {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.interrupt.recv() => Ok(()),
                _ = self.terminate.recv() => Ok(()),
            }
        }
        #[cfg(not(unix))]
        {
            tokio::signal::ctrl_c().await.map_err(Error::Runtime)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        serve: ServeArgs,
    }

    #[test]
    fn flags_configure_the_emulator() {
        let cli = Cli::try_parse_from([
            "runs-emulator",
            "--listen",
            "127.0.0.1:0",
            "--api-key",
            "a",
            "--api-key",
            "b",
            "--step-seconds",
            "0",
            "--max-active-runs",
            "150",
            "--rate-limit",
            "50",
        ])
        .unwrap();
        assert_eq!(cli.serve.api_keys, ["a", "b"]);
        assert_eq!(
            (cli.serve.max_active_runs, cli.serve.rate_limit),
            (Some(150), Some(50))
        );
        assert!(Cli::try_parse_from(["runs-emulator", "--rate-limit", "0"]).is_err());
        let emu = cli.serve.builder().start().unwrap();
        assert_eq!(emu.api_key(), "a");
        assert_eq!(emu.schedule(), Schedule::Instant);
        assert!(emu.base_url().starts_with("http://127.0.0.1:"));
    }

    #[test]
    fn defaults_are_the_documented_ones() {
        let cli = Cli::try_parse_from(["runs-emulator"]).unwrap();
        assert_eq!(cli.serve.listen, "127.0.0.1:8080".parse().unwrap());
        assert!(cli.serve.api_keys.is_empty() && !cli.serve.tls);
        assert_eq!(
            (cli.serve.max_active_runs, cli.serve.rate_limit),
            (None, None),
            "no limits"
        );
        assert!(
            Cli::try_parse_from(["runs-emulator", "--ca-out", "x.pem"]).is_err(),
            "needs --tls"
        );
    }
}
