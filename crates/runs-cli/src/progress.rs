//! Showing a wait's progress on stderr: a spinner with the run's status on a terminal, one
//! line per status change otherwise (a CI log, a file).

use std::io::{IsTerminal, Write};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use runs_core::{RunId, RunStatus};

use crate::terminal::printable;

const FRAMES: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const TICK: Duration = Duration::from_millis(100);

/// The progress display of one wait. Call [`Progress::status`] with each status seen, then
/// [`Progress::finish`] (dropping it does the same).
pub struct Progress {
    run_id: RunId,
    spinner: Option<(Sender<String>, JoinHandle<()>)>,
}

impl Progress {
    /// Starts showing progress for `run_id`: a spinner when stderr is a terminal.
    pub fn start(run_id: &RunId) -> Self {
        let spinner = std::io::stderr().is_terminal().then(|| spin(run_id.clone()));
        Self {
            run_id: run_id.clone(),
            spinner: spinner.flatten(),
        }
    }

    /// The run was seen in `status`.
    pub fn status(&mut self, status: &RunStatus) {
        match &self.spinner {
            Some((tx, _)) => {
                let _ = tx.send(printable(status.as_str()).into_owned());
            }
            None => {
                let _ = writeln!(
                    std::io::stderr(),
                    "run {}: {}",
                    self.run_id,
                    printable(status.as_str())
                );
            }
        }
    }

    /// Stops the spinner and clears its line.
    pub fn finish(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        if let Some((tx, thread)) = self.spinner.take() {
            drop(tx);
            let _ = thread.join();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A thread redrawing the spinner line every tick until the sender is dropped.
fn spin(run_id: RunId) -> Option<(Sender<String>, JoinHandle<()>)> {
    let (tx, rx) = mpsc::channel::<String>();
    let thread = std::thread::Builder::new()
        .name("runs-spinner".into())
        .spawn(move || {
            let started = Instant::now();
            let mut status = String::from("checking");
            let mut stderr = std::io::stderr();
            for frame in 0.. {
                let _ = write!(
                    stderr,
                    "\r\x1b[2K{}",
                    line(frame, &run_id, &status, started.elapsed())
                );
                let _ = stderr.flush();
                match rx.recv_timeout(TICK) {
                    Ok(new) => status = new,
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => break,
                }
            }
            let _ = write!(stderr, "\r\x1b[2K");
            let _ = stderr.flush();
        })
        .ok()?;
    Some((tx, thread))
}

/// One frame of the spinner line.
fn line(frame: usize, run_id: &RunId, status: &str, elapsed: Duration) -> String {
    format!(
        "{} waiting for run {run_id}: {status} ({}s)",
        FRAMES[frame % FRAMES.len()],
        elapsed.as_secs()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spinner_line_shows_the_frame_status_and_time() {
        let id: RunId = "run-1".parse().unwrap();
        assert_eq!(
            line(11, &id, "Running", Duration::from_millis(2500)),
            "⠙ waiting for run run-1: Running (2s)"
        );
    }
}
