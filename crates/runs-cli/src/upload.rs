//! Files given on the command line, checked before any request and uploaded with a progress
//! bar on stderr when stderr is a terminal.
//!
//! The bar is a line redrawn with `\r` at each whole percent, written by hand: a progress
//! crate would add a dependency (and its terminal handling) for one line of text.

use std::fs::File;
use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use runs_blocking::FileSource;
use runs_core::CreateFile;

use crate::exit::Failure;
use crate::terminal::printable;

/// A file checked to be uploadable: open, a regular file, with a name the API takes.
pub struct Checked {
    name: String,
    file: File,
    size: u64,
}

impl Checked {
    /// The name it is uploaded as.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// Opens every file in `paths` (given as `what`: `PATH`, `--file`), so a mistake in any of
/// them exits 2 before the first request.
pub fn check(paths: &[PathBuf], what: &str) -> Result<Vec<Checked>, Failure> {
    paths.iter().map(|path| check_one(path, what)).collect()
}

fn check_one(path: &Path, what: &str) -> Result<Checked, Failure> {
    let shown = printable(&path.display().to_string()).into_owned();
    let refuse = |why: String| Failure::usage(format!("invalid {what} {shown}: {why}"));
    // Checked before opening: opening a FIFO with no writer would block for good.
    let regular = |meta: &std::fs::Metadata| {
        runs_core::transport::check_regular_file(meta).map_err(|e| refuse(e.to_string()))
    };
    regular(&std::fs::metadata(path).map_err(|e| refuse(e.to_string()))?)?;
    let file = File::open(path).map_err(|e| refuse(e.to_string()))?;
    let meta = file.metadata().map_err(|e| refuse(e.to_string()))?;
    regular(&meta)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| refuse("has no file name".into()))?;
    // The name is checked as the request will be, before any byte of the file is read.
    CreateFile::new(name.as_str()).map_err(|e| refuse(format!("its name {}", e.rule())))?;
    Ok(Checked {
        name,
        file,
        size: meta.len(),
    })
}

/// What the SDK uploads for `file`: the file already open, through a progress bar when
/// stderr is a terminal.
pub fn source(file: Checked) -> FileSource {
    let Checked { name, file, size } = file;
    if io::stderr().is_terminal() {
        let bar = Bar {
            inner: file,
            name: printable(&name).into_owned(),
            sent: 0,
            size,
            drawn: None,
        };
        FileSource::reader(name, bar, size)
    } else {
        FileSource::reader(name, file, size)
    }
}

/// A reader that redraws one stderr line as its bytes are read.
struct Bar<R> {
    inner: R,
    name: String,
    sent: u64,
    size: u64,
    drawn: Option<u64>,
}

impl<R: Read> Read for Bar<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.sent += n as u64;
        let percent = (self.sent * 100).checked_div(self.size).unwrap_or(100);
        if self.drawn != Some(percent) {
            self.drawn = Some(percent);
            let filled = usize::try_from(percent / 5).unwrap_or(20);
            let mut err = io::stderr().lock();
            let _ = write!(
                err,
                "\r{} [{:<20}] {percent:>3}% of {}",
                self.name,
                "#".repeat(filled),
                human(self.size)
            );
            if self.sent >= self.size {
                let _ = writeln!(err);
            }
            let _ = err.flush();
        }
        Ok(n)
    }
}

/// A size for people: bytes, KiB, MiB or GiB with one decimal.
fn human(bytes: u64) -> String {
    const UNITS: [&str; 3] = ["KiB", "MiB", "GiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(human(10), "10 B");
        assert_eq!(human(1536), "1.5 KiB");
        assert_eq!(human(1 << 30), "1.0 GiB");
    }

    #[test]
    fn the_bar_passes_every_byte_through() {
        let mut bar = Bar {
            inner: &b"hello"[..],
            name: "a".into(),
            sent: 0,
            size: 5,
            drawn: None,
        };
        let mut out = Vec::new();
        bar.read_to_end(&mut out).unwrap();
        assert_eq!(out, b"hello");
    }
}
