//! What the SDK does, on stderr: `-v`, `-vv` and `RUNS_LOG`.
//!
//! The library reports each attempt, retry, wait poll and page through `tracing` (target
//! `runs`); this installs a subscriber that prints those lines on stderr, so stdout stays the
//! results alone. `-v` shows responses and retries (INFO), `-vv` each request sent and each
//! poll as well (DEBUG); `RUNS_LOG`, an `EnvFilter` directive such as `runs=debug` or
//! `runs=info,hyper_util=debug`, wins over both. Nothing is installed without either, so a
//! plain run pays nothing.
//!
//! The SDK never puts the key or a query string in a field; what the server said reaches a
//! line with its control characters escaped (see [`crate::terminal`]).

use std::io::{self, Write};

use tracing_subscriber::EnvFilter;

use crate::exit::Failure;

/// Installs the stderr subscriber `verbose` and `RUNS_LOG` ask for, if any.
pub fn install(verbose: u8, runs_log: Option<&str>) -> Result<(), Failure> {
    let filter = match (runs_log.filter(|d| !d.trim().is_empty()), verbose) {
        (Some(directive), _) => EnvFilter::try_new(directive)
            .map_err(|e| Failure::usage(format!("RUNS_LOG: {e}; expected a filter such as runs=debug")))?,
        (None, 0) => return Ok(()),
        (None, 1) => EnvFilter::new("runs=info"),
        (None, _) => EnvFilter::new("runs=debug"),
    };
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(|| Printable(io::stderr()))
        .with_ansi(false)
        .with_target(false)
        .without_time()
        .finish();
    // Only main calls this, once; a second subscriber would be a bug, not a user's error.
    let _ = tracing::subscriber::set_global_default(subscriber);
    Ok(())
}

/// stderr with every character that could drive a terminal escaped, line breaks aside.
struct Printable(io::Stderr);

impl Write for Printable {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        let mut out = String::with_capacity(text.len());
        for line in text.split_inclusive('\n') {
            let (body, end) = match line.strip_suffix('\n') {
                Some(body) => (body, "\n"),
                None => (line, ""),
            };
            out.push_str(&crate::terminal::printable(body));
            out.push_str(end);
        }
        self.0.write_all(out.as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}
