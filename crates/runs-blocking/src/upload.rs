//! Streaming a file to its upload target: the one part of an upload this transport writes.
//!
//! runs-core's [`Upload`] plans the request (its headers, the multipart body's head and tail,
//! its length) and decides what an answer or a failure means. This module opens the file and
//! hands ureq one reader: the head, then exactly the file's size in bytes of the file, then
//! the tail, with the planned `Content-Length`, so ureq writes it as it reads, 64 KiB or so at a
//! time, and never holds the file.

use std::fs::File;
use std::io::{self, Read};
use std::path::PathBuf;

use runs_core::transport::{Upload, random_seed};
use runs_core::{Error, FieldError, FileId, FileResource, LocalFileError, LocalFileProblem, Rule};

use crate::client::Client;

/// What an upload reads: a file on disk, or any reader of a known size.
///
/// A path converts into one (`"invoice.pdf".into()`, `PathBuf`, `&Path`), so
/// [`Client::start_run_with_files`] takes a list of paths. Nothing is opened until an upload
/// begins; then the file is opened once, its size read, and exactly that many bytes streamed.
///
/// ```
/// use runs_blocking::FileSource;
/// let from_disk = FileSource::path("reports/march.pdf");
/// assert_eq!(from_disk.file_name(), Some("march.pdf"));
/// let bytes = b"a,b\n1,2\n";
/// let from_memory = FileSource::reader("table.csv", &bytes[..], bytes.len() as u64);
/// assert_eq!(from_memory.file_name(), Some("table.csv"));
/// ```
pub struct FileSource {
    name: Option<String>,
    kind: Kind,
}

enum Kind {
    Path(PathBuf),
    Reader { reader: Box<dyn Read + Send>, size: u64 },
}

impl FileSource {
    /// `size` bytes read from `reader`, uploaded as `file_name`. The size must be exact:
    /// the request declares it before the first byte, so a reader that ends sooner fails the
    /// upload ([`LocalFileProblem::EndedEarly`]), and so does one with bytes after `size`
    /// ([`LocalFileProblem::Grew`]: a file that grew while it was sent, or a special file
    /// whose size says 0). Either way the upload never counts as done. To send the start of a
    /// longer reader, give it [`Read::take`].
    pub fn reader(file_name: impl Into<String>, reader: impl Read + Send + 'static, size: u64) -> Self {
        Self {
            name: Some(file_name.into()),
            kind: Kind::Reader {
                reader: Box::new(reader),
                size,
            },
        }
    }
}

runs_core::__private::file_source_common!();

/// A source opened and sized, ready to stream.
pub(crate) struct OpenedFile {
    name: String,
    /// How errors name it: the path as given, or the reader's name.
    label: String,
    size: u64,
    reader: Box<dyn Read + Send>,
    /// Whether the end is still to be checked: one read past the size must find nothing.
    check_end: bool,
    /// Bytes of the file handed to ureq so far, over all attempts.
    read: u64,
    failure: Option<LocalFileError>,
}

impl OpenedFile {
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    fn fail(&mut self, problem: LocalFileProblem, source: Option<io::Error>) -> io::Error {
        let mut error = LocalFileError::new(self.label.clone(), problem);
        let kind = source
            .as_ref()
            .map_or(io::ErrorKind::UnexpectedEof, io::Error::kind);
        if let Some(source) = source {
            error = error.with_source(source);
        }
        let text = error.to_string();
        self.failure = Some(error);
        io::Error::new(kind, text)
    }
}

/// The file's part of the body: exactly `size` bytes, an error if the file ends sooner (or,
/// for a file on disk, goes on after them).
struct Exact<'a> {
    file: &'a mut OpenedFile,
}

impl Read for Exact<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let file = &mut *self.file;
        let left = file.size - file.read;
        if left == 0 {
            if file.check_end && file.read == file.size {
                // One byte more than its size means the file grew while it was sent: what
                // was sent is a prefix of it, so the upload must not succeed.
                let mut probe = [0u8; 1];
                return match file.reader.read(&mut probe) {
                    Ok(0) => {
                        file.check_end = false;
                        Ok(0)
                    }
                    Ok(_) => Err(file.fail(LocalFileProblem::Grew, None)),
                    Err(e) => Err(file.fail(LocalFileProblem::Read, Some(e))),
                };
            }
            return Ok(0);
        }
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        match file.reader.read(&mut buf[..want]) {
            Ok(0) if want > 0 => Err(file.fail(LocalFileProblem::EndedEarly, None)),
            Ok(n) => {
                file.read += n as u64;
                Ok(n)
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Err(e),
            Err(e) => Err(file.fail(LocalFileProblem::Read, Some(e))),
        }
    }
}

impl Client {
    /// Opens `source` and reads its size: every local failure happens here, before a request.
    pub(crate) fn open_file(&self, source: FileSource) -> Result<OpenedFile, Error> {
        let name = source
            .name
            .ok_or_else(|| FieldError::new("file_name", Rule::Empty))?;
        let (label, size, reader): (String, u64, Box<dyn Read + Send>) = match source.kind {
            Kind::Path(path) => {
                let label = path.display().to_string();
                let open =
                    |e: io::Error| LocalFileError::new(label.clone(), LocalFileProblem::Open).with_source(e);
                // Checked before opening: opening a FIFO with no writer blocks for good.
                runs_core::transport::check_regular_file(&std::fs::metadata(&path).map_err(open)?)
                    .map_err(open)?;
                let file = File::open(&path).map_err(open)?;
                let meta = file.metadata().map_err(open)?;
                runs_core::transport::check_regular_file(&meta).map_err(open)?;
                (label, meta.len(), Box::new(file))
            }
            Kind::Reader { reader, size } => (name.clone(), size, reader),
        };
        Ok(OpenedFile {
            name,
            label,
            size,
            reader,
            check_end: true,
            read: 0,
            failure: None,
        })
    }

    /// Streams `file` to `target`, as runs-core's [`Upload`] decides, in the client's one loop
    /// (`Client::drive`) with the upload's own sending: to object storage, without the key,
    /// outside the API's rate limit.
    pub(crate) fn upload_opened(&self, target: &FileResource, mut file: OpenedFile) -> Result<FileId, Error> {
        let mut upload = Upload::new(self.config(), target, file.size, random_seed())?;
        let proxy = crate::agent::proxy_for_url(self.config(), upload.request().url())?;
        #[cfg(feature = "tracing")]
        let _entered = tracing::info_span!(target: "runs", "upload", file.size = file.size).entered();
        let max_body = self.config().max_body_bytes();
        let result = self.drive(&mut upload, None, |request, timeout| {
            if file.read > 0 {
                // runs-core sends again only after a failure before any byte left, so the
                // file is untouched; if it was not, it cannot be replayed.
                Err(runs_core::TransportError::new(
                    runs_core::TransportErrorKind::Io,
                    runs_core::Delivery::MaybeSent,
                    request.describe(),
                )
                .with_source(file.fail(
                    LocalFileProblem::Read,
                    Some(io::Error::other(
                        "an earlier attempt read part of it, so it cannot be sent again",
                    )),
                )))
            } else {
                crate::send::send_upload(
                    self.agent(),
                    self.pins(),
                    proxy.clone(),
                    &request,
                    &mut Exact { file: &mut file },
                    timeout,
                    max_body,
                )
            }
        });
        // A failure of the file itself, not of the network, is what the caller must hear.
        match (result, file.failure.take()) {
            (Err(_), Some(local)) => Err(local.into()),
            (result, _) => result,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opened(bytes: &'static [u8], size: u64) -> OpenedFile {
        OpenedFile {
            name: "a".into(),
            label: "a".into(),
            size,
            reader: Box::new(bytes),
            check_end: true,
            read: 0,
            failure: None,
        }
    }

    #[test]
    fn exactly_the_size_is_read_and_a_short_or_long_file_is_named() {
        let mut file = opened(b"hello", 5);
        let mut out = Vec::new();
        Exact { file: &mut file }.read_to_end(&mut out).unwrap();
        assert_eq!(out, b"hello");

        let mut file = opened(b"hel", 5);
        assert!(Exact { file: &mut file }.read_to_end(&mut Vec::new()).is_err());
        assert_eq!(file.failure.unwrap().problem(), LocalFileProblem::EndedEarly);

        let mut file = opened(b"hello!", 5);
        assert!(Exact { file: &mut file }.read_to_end(&mut Vec::new()).is_err());
        assert_eq!(file.failure.unwrap().problem(), LocalFileProblem::Grew);
    }
}
