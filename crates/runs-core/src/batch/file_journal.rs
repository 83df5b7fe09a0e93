//! The journal in a file (with `std`): one JSON record a line, appended; intents synced.
//!
//! File I/O, not the network's: kept here, once, so both transports and the command line
//! read and write journals by the same rules (what a cut last line means, when a journal
//! belongs to another batch).

use alloc::format;
use alloc::vec::Vec;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use super::{Record, read_journal};
use crate::error::{ConfigError, Error};

/// Where a batch keeps its journal: the records of [`crate::batch`], appended in order.
///
/// [`append`](Journal::append) must not return before the record would survive the process
/// being killed; for a [`Record::Intent`], before it would survive the machine losing power,
/// if the journal can promise that ([`FileJournal`] syncs intents to disk). The transports'
/// drivers call it between the machine's actions (runs-async's from its stream's
/// `poll_next`), so it must not wait long: a local file, not a network store.
pub trait Journal {
    /// Appends `record`.
    fn append(&mut self, record: &Record) -> io::Result<()>;
}

impl<J: Journal + ?Sized> Journal for &mut J {
    fn append(&mut self, record: &Record) -> io::Result<()> {
        (**self).append(record)
    }
}

/// A journal in a file, one JSON record a line: the one both clients and the `runs batch`
/// command use, so any of them can resume a batch another began.
#[derive(Debug)]
pub struct FileJournal {
    file: File,
    path: PathBuf,
}

impl FileJournal {
    /// Opens (or creates) the journal at `path` for the batch `header` describes
    /// ([`Record::Batch`]) and returns it with the records it already holds, the header
    /// excluded: what [`Batch::resume`](super::Batch::resume) takes. A journal whose header differs (another input,
    /// agent, process or stage) is refused with a [`ConfigError`] on `journal`, and so is one
    /// with a line that is not a record (a last line cut short by a crash while it was written
    /// is cut off: its action never began). See [`read_journal`].
    ///
    /// Reads and writes with `std::fs`, on the calling thread.
    pub fn open(path: impl AsRef<Path>, header: &Record) -> Result<(Self, Vec<Record>), Error> {
        let path = path.as_ref().to_path_buf();
        let shown = path.display().to_string();
        let io_error = |e: io::Error| ConfigError::new("journal", format!("{shown}: {e}"));
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
            .map_err(io_error)?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(io_error)?;
        let (records, whole) = read_journal(&shown, &bytes, header)?;
        if whole < bytes.len() {
            // Appends go to the end of the file, which is now the end of the last whole line.
            file.set_len(whole as u64).map_err(io_error)?;
            file.sync_data().map_err(io_error)?;
        }
        let mut journal = Self { file, path };
        if whole == 0 {
            journal.append(header).map_err(io_error)?;
        }
        Ok((journal, records))
    }

    /// The journal's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Journal for FileJournal {
    fn append(&mut self, record: &Record) -> io::Result<()> {
        let mut line = record.to_line();
        line.push('\n');
        self.file.write_all(line.as_bytes())?;
        if matches!(record, Record::Intent { .. } | Record::Batch { .. }) {
            // The one record the guarantee rests on: on disk before its POST leaves.
            self.file.sync_data()?;
        }
        Ok(())
    }
}
