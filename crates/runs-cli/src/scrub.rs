//! What the `runs` command prints, scrubbed of the configuration's secrets on its way out.
//!
//! Runs, pages, processes and files are server text: a hostile or broken server (or a proxy)
//! can echo the API key into a run's name or outputs, and the CLI would print it on a terminal
//! or into a pipeline's file. runs-core scrubs every error it makes; this does the same for
//! results, at one place, the command's output, so no renderer can forget it.
//!
//! Scrubbing works on whole lines (a line ends at `\n` or `\r`, the live view's redraw): a key
//! is one line, so it is never split between two scrubs.

use std::io::{self, Write};

use runs_core::transport::Secrets;

/// `out`, with every line scrubbed of `secrets` before it is written.
pub struct Scrubbed<'a> {
    out: &'a mut dyn Write,
    secrets: Secrets,
    /// The line not yet ended.
    pending: Vec<u8>,
}

impl<'a> Scrubbed<'a> {
    /// Writes to `out`, scrubbing `secrets`.
    pub fn new(out: &'a mut dyn Write, secrets: Secrets) -> Self {
        Self {
            out,
            secrets,
            pending: Vec::new(),
        }
    }

    fn emit(&mut self, bytes: &[u8]) -> io::Result<()> {
        if self.secrets.is_empty() {
            return self.out.write_all(bytes);
        }
        // Everything the renderers write is UTF-8; anything else is shown as text would be.
        let text = String::from_utf8_lossy(bytes);
        self.out.write_all(self.secrets.scrub(&text).as_bytes())
    }

    fn emit_pending(&mut self) -> io::Result<()> {
        let pending = std::mem::take(&mut self.pending);
        self.emit(&pending)
    }
}

impl Write for Scrubbed<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        if let Some(end) = self.pending.iter().rposition(|&b| b == b'\n' || b == b'\r') {
            let rest = self.pending.split_off(end + 1);
            let lines = std::mem::replace(&mut self.pending, rest);
            self.emit(&lines)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.emit_pending()?;
        self.out.flush()
    }
}

impl Drop for Scrubbed<'_> {
    fn drop(&mut self) {
        // Output ends with a line break, so this is empty unless a command stopped mid-line;
        // an error here has nowhere to go but the exit code the command already chose.
        let _ = self.emit_pending();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "sk-live-0123456789";

    fn scrubbed(chunks: &[&str]) -> String {
        let mut out = Vec::new();
        {
            let mut w = Scrubbed::new(&mut out, Secrets::default().with(KEY));
            for chunk in chunks {
                w.write_all(chunk.as_bytes()).unwrap();
            }
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_key_split_across_writes_is_scrubbed_whole() {
        let line = format!("run name {KEY} end\n");
        for cut in 0..line.len() {
            let shown = scrubbed(&[&line[..cut], &line[cut..]]);
            assert_eq!(shown, "run name <redacted> end\n", "cut at {cut}");
        }
    }

    #[test]
    fn lines_pass_as_they_end_and_the_last_on_drop() {
        assert_eq!(scrubbed(&["a\r", "b\n", "c"]), "a\rb\nc");
        assert_eq!(scrubbed(&[&format!("x{KEY}")]), "x<redacted>");
        let mut out = Vec::new();
        let mut w = Scrubbed::new(&mut out, Secrets::default().with(KEY));
        w.write_all(b"done\npartial").unwrap();
        drop(w);
        assert_eq!(out, b"done\npartial");
    }
}
