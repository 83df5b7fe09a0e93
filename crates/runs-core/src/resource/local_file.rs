//! A file (or reader) on this machine that an upload could not open or read.
//!
//! Uploads stream a local file; reading it is I/O the transport does, and can fail apart from
//! the network: the path does not exist, the file shrank while it was being sent. Those are
//! not transport failures (nothing is wrong with the connection) nor the service's answers,
//! so they have their own error, naming the file.

use alloc::string::String;
use core::fmt;

use crate::error::BoxError;

/// What went wrong with a local file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LocalFileProblem {
    /// It could not be opened, or its size read (it does not exist, is a directory, may not
    /// be read): found before any request was sent.
    Open,
    /// Reading it failed part-way through the upload.
    Read,
    /// It ended before the size it had when the upload began (it shrank, or a reader gave
    /// fewer bytes than its declared size).
    EndedEarly,
    /// It still had bytes after its size when the upload began (it grew while being sent).
    Grew,
}

/// A local file to upload could not be opened or read.
///
/// Uploads stream a local file, and reading it can fail apart from the network (the path does
/// not exist, the file shrank while it was being sent): neither a transport failure nor the
/// service's answer, so it has its own error, naming the file.
///
/// `Display` names the file and the problem; the operating system's error, when there is one,
/// is the [`source`](core::error::Error::source).
#[derive(Debug)]
pub struct LocalFileError {
    file: String,
    problem: LocalFileProblem,
    source: Option<BoxError>,
}

impl LocalFileError {
    /// `problem` with `file` (a path as text, or the name given to a reader).
    pub fn new(file: impl Into<String>, problem: LocalFileProblem) -> Self {
        Self {
            file: file.into(),
            problem,
            source: None,
        }
    }

    /// The same error caused by `source` (an `std::io::Error`, say).
    pub fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// The file: its path as given, or the name given to a reader.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// What went wrong.
    pub fn problem(&self) -> LocalFileProblem {
        self.problem
    }
}

impl fmt::Display for LocalFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = crate::error::one_line(&self.file, 200);
        match self.problem {
            LocalFileProblem::Open => write!(f, "cannot open {file} to upload it"),
            LocalFileProblem::Read => write!(f, "reading {file} failed during its upload"),
            LocalFileProblem::EndedEarly => write!(
                f,
                "{file} ended before its size when the upload began (it changed during the upload)"
            ),
            LocalFileProblem::Grew => write!(
                f,
                "{file} grew during its upload; upload it again once it stops changing"
            ),
        }
    }
}

impl core::error::Error for LocalFileError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn core::error::Error + 'static))
    }
}

/// Checks that what `metadata` describes can be uploaded: a regular file, whose size is
/// known before its first byte is sent. A directory, a device, a socket or a FIFO is refused
/// (a FIFO's `open` would wait for a writer for good, so a path is checked before it is
/// opened, and the opened file again). The error is the source of a [`LocalFileError`] with
/// [`LocalFileProblem::Open`].
#[cfg(feature = "std")]
pub fn check_regular_file(metadata: &std::fs::Metadata) -> Result<(), std::io::Error> {
    if metadata.is_file() {
        return Ok(());
    }
    let what = if metadata.is_dir() {
        "a directory"
    } else {
        "a device, FIFO or socket"
    };
    Err(std::io::Error::other(alloc::format!(
        "not a regular file ({what}); upload a regular file with its content"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_names_the_file_and_the_cause_is_the_source() {
        #[derive(Debug)]
        struct Gone;
        impl fmt::Display for Gone {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("No such file or directory")
            }
        }
        impl core::error::Error for Gone {}
        let e = LocalFileError::new("in/voice\n.pdf", LocalFileProblem::Open).with_source(Gone);
        assert_eq!(e.to_string(), "cannot open in/voice .pdf to upload it");
        let source = core::error::Error::source(&e).map(alloc::string::ToString::to_string);
        assert_eq!(source.as_deref(), Some("No such file or directory"));
    }
}
