//! Streaming a file to its upload target: the one part of an upload this transport writes.
//!
//! runs-core's [`Upload`] plans the request (its headers, the multipart body's head and tail,
//! its length) and decides what an answer or a failure means. This module opens the file and
//! gives hyper a body that yields the head, then the file in chunks of at most [`CHUNK`]
//! bytes as hyper asks for them, then the tail, with an exact size hint. hyper asks for the
//! next chunk only when the connection has taken the last, so memory stays a few chunks
//! deep whatever the file's size. Files are read with `tokio::fs` (a blocking-pool read per
//! chunk), so no task is spawned by this crate and dropping the future stops the upload.

use std::io;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use http_body::{Frame, SizeHint};
use runs_core::transport::{Upload, UploadRequest, random_seed};
use runs_core::{
    Delivery, Error, FieldError, FileId, FileResource, LocalFileError, LocalFileProblem, Rule,
    TransportError, TransportErrorKind,
};
use tokio::io::{AsyncRead, ReadBuf};
use tokio::time::Instant;

use crate::client::Client;

/// The most bytes of a file read at once, and so held per chunk in flight.
pub(crate) const CHUNK: usize = 64 * 1024;

/// How long the body waits for `100 Continue` before it is sent anyway: ureq's wait, so both
/// transports hear a storage service that refuses from the headers alike.
const AWAIT_100: std::time::Duration = std::time::Duration::from_secs(1);

type Reader = Box<dyn AsyncRead + Send + Unpin>;

/// What an upload reads: a file on disk, or any async reader of a known size.
///
/// A path converts into one (`"invoice.pdf".into()`, `PathBuf`, `&Path`), so
/// [`Client::start_run_with_files`] takes a list of paths. Nothing is opened until an upload
/// begins; then the file is opened once, its size read, and exactly that many bytes streamed.
///
/// ```
/// use runs_async::FileSource;
/// let from_disk = FileSource::path("reports/march.pdf");
/// assert_eq!(from_disk.file_name(), Some("march.pdf"));
/// let bytes: &'static [u8] = b"a,b\n1,2\n";
/// let from_memory = FileSource::reader("table.csv", bytes, bytes.len() as u64);
/// assert_eq!(from_memory.file_name(), Some("table.csv"));
/// ```
pub struct FileSource {
    name: Option<String>,
    kind: Kind,
}

enum Kind {
    Path(PathBuf),
    Reader { reader: Reader, size: u64 },
}

impl FileSource {
    /// `size` bytes read from `reader`, uploaded as `file_name`. The size must be exact:
    /// the request declares it before the first byte, so a reader that ends sooner fails the
    /// upload ([`LocalFileProblem::EndedEarly`]), and so does one with bytes after `size`
    /// ([`LocalFileProblem::Grew`]: a file that grew while it was sent, or a special file
    /// whose size says 0). Either way the upload never counts as done. To send the start of a
    /// longer reader, give it `tokio::io::AsyncReadExt::take`.
    pub fn reader(
        file_name: impl Into<String>,
        reader: impl AsyncRead + Send + Unpin + 'static,
        size: u64,
    ) -> Self {
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

/// What a body hands back when hyper drops it: the reader (for a retry, which runs-core
/// allows only when nothing was sent, so it is untouched), how much of it was read, and a
/// failure of the file itself.
struct Slot {
    reader: Option<Reader>,
    read: u64,
    failure: Option<LocalFileError>,
}

/// A source opened and sized, ready to stream.
pub(crate) struct OpenedFile {
    name: String,
    /// How errors name it: the path as given, or the reader's name.
    label: String,
    size: u64,
    slot: Arc<Mutex<Slot>>,
}

impl OpenedFile {
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    fn slot(&self) -> std::sync::MutexGuard<'_, Slot> {
        // A panic elsewhere cannot leave a Slot half-written: each field is set whole.
        self.slot.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The body of one attempt, taking the reader.
    fn body(&self, request: &UploadRequest) -> Result<UploadBody, TransportError> {
        let mut slot = self.slot();
        match slot.reader.take() {
            Some(reader) if slot.read == 0 => Ok(UploadBody {
                head: Some(Bytes::copy_from_slice(request.head())),
                tail: Some(Bytes::copy_from_slice(request.tail())),
                reader: Some(reader),
                size: self.size,
                read: 0,
                check_end: true,
                left: request.content_length(),
                label: self.label.clone(),
                slot: self.slot.clone(),
                progress: Arc::new(Progress::new()),
                waiting: Some(Box::pin(tokio::time::sleep(AWAIT_100))),
            }),
            other => {
                slot.reader = other;
                // runs-core sends again only after a failure before any byte left; should a
                // file be partly read anyway, it cannot be replayed.
                slot.failure = Some(
                    LocalFileError::new(self.label.clone(), LocalFileProblem::Read).with_source(
                        io::Error::other("an earlier attempt read part of it, so it cannot be sent again"),
                    ),
                );
                Err(TransportError::new(
                    TransportErrorKind::Io,
                    Delivery::MaybeSent,
                    request.describe(),
                ))
            }
        }
    }
}

/// When the connection last took a chunk of an upload's body, whether it took the last, and
/// whether the storage said `100 Continue`.
pub(crate) struct Progress {
    start: Instant,
    /// Milliseconds from `start` to the last chunk taken.
    last: AtomicU64,
    complete: AtomicBool,
    continued: AtomicBool,
    /// The body's task, woken by `100 Continue`.
    waker: futures_util::task::AtomicWaker,
}

impl Progress {
    fn new() -> Self {
        Self {
            start: Instant::now(),
            last: AtomicU64::new(0),
            complete: AtomicBool::new(false),
            continued: AtomicBool::new(false),
            waker: futures_util::task::AtomicWaker::new(),
        }
    }

    /// The storage answered `100 Continue`: the body may go.
    pub(crate) fn continued(&self) {
        self.continued.store(true, Ordering::Release);
        self.waker.wake();
    }

    fn moved(&self) {
        let ms = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last.fetch_max(ms, Ordering::Relaxed);
    }

    /// When the connection last took a chunk (the attempt's start before the first).
    pub(crate) fn last_moved(&self) -> Instant {
        self.start + std::time::Duration::from_millis(self.last.load(Ordering::Relaxed))
    }

    /// Whether the connection took every byte of the body (the last chunk was handed over).
    pub(crate) fn is_complete(&self) -> bool {
        self.complete.load(Ordering::Relaxed)
    }
}

/// The request body of one upload attempt: head, exactly `size` bytes of the file, tail.
pub(crate) struct UploadBody {
    head: Option<Bytes>,
    tail: Option<Bytes>,
    reader: Option<Reader>,
    size: u64,
    read: u64,
    check_end: bool,
    /// Bytes of the body not yet yielded, for an exact size hint.
    left: u64,
    label: String,
    slot: Arc<Mutex<Slot>>,
    progress: Arc<Progress>,
    /// Until `100 Continue` or [`AWAIT_100`]: the head is held back, so a storage that
    /// refuses from the headers answers before any byte of the body is on the wire (and a
    /// close of its does not reset a connection with unread data, losing the answer).
    waiting: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl UploadBody {
    /// How far the connection has taken this body, shared with whoever watches the attempt.
    pub(crate) fn progress(&self) -> Arc<Progress> {
        self.progress.clone()
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
        self.slot.lock().unwrap_or_else(PoisonError::into_inner).failure = Some(error);
        self.reader = None;
        io::Error::new(kind, text)
    }

    fn data(&mut self, bytes: Bytes) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        // hyper asks for a chunk once the connection has taken the one before.
        self.progress.moved();
        self.left = self.left.saturating_sub(bytes.len() as u64);
        Poll::Ready(Some(Ok(Frame::data(bytes))))
    }
}

impl Drop for UploadBody {
    fn drop(&mut self) {
        let mut slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        slot.read = slot.read.max(self.read);
        if slot.reader.is_none() {
            slot.reader = self.reader.take();
        }
    }
}

impl http_body::Body for UploadBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        let this = self.get_mut();
        if let Some(waiting) = this.waiting.as_mut() {
            this.progress.waker.register(cx.waker());
            if !this.progress.continued.load(Ordering::Acquire) {
                ready!(waiting.as_mut().poll(cx));
            }
            this.waiting = None;
        }
        if let Some(head) = this.head.take() {
            return this.data(head);
        }
        while this.read < this.size || this.check_end {
            let Some(reader) = this.reader.as_mut() else {
                return Poll::Ready(Some(Err(io::Error::other(
                    "the upload's body ended after a failure",
                ))));
            };
            let left = this.size - this.read;
            // Past the size, one byte more would mean the file grew while it was sent.
            let want = usize::try_from(left).unwrap_or(usize::MAX).clamp(1, CHUNK);
            let mut buf = vec![0u8; want];
            let mut read_buf = ReadBuf::new(&mut buf);
            if let Err(e) = ready!(Pin::new(reader).poll_read(cx, &mut read_buf)) {
                return Poll::Ready(Some(Err(this.fail(LocalFileProblem::Read, Some(e)))));
            }
            let n = read_buf.filled().len();
            match (left, n) {
                (0, 0) => this.check_end = false,
                (0, _) => return Poll::Ready(Some(Err(this.fail(LocalFileProblem::Grew, None)))),
                (_, 0) => return Poll::Ready(Some(Err(this.fail(LocalFileProblem::EndedEarly, None)))),
                (_, n) => {
                    this.read += n as u64;
                    buf.truncate(n);
                    return this.data(Bytes::from(buf));
                }
            }
        }
        match this.tail.take() {
            // The last bytes: hyper knows the length, so it may never poll for the end.
            Some(tail) => {
                this.progress.complete.store(true, Ordering::Relaxed);
                this.data(tail)
            }
            None => Poll::Ready(None),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.left == 0 && self.tail.is_none() && !self.check_end
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.left)
    }
}

impl Client {
    /// Opens `source` and reads its size: every local failure happens here, before a request.
    pub(crate) async fn open_file(&self, source: FileSource) -> Result<OpenedFile, Error> {
        let name = source
            .name
            .ok_or_else(|| FieldError::new("file_name", Rule::Empty))?;
        let (label, size, reader): (String, u64, Reader) = match source.kind {
            Kind::Path(path) => {
                let label = path.display().to_string();
                let open =
                    |e: io::Error| LocalFileError::new(label.clone(), LocalFileProblem::Open).with_source(e);
                // Checked before opening: opening a FIFO with no writer blocks for good.
                let meta = tokio::fs::metadata(&path).await.map_err(open)?;
                runs_core::transport::check_regular_file(&meta).map_err(open)?;
                let file = tokio::fs::File::open(&path).await.map_err(open)?;
                let meta = file.metadata().await.map_err(open)?;
                runs_core::transport::check_regular_file(&meta).map_err(open)?;
                (label, meta.len(), Box::new(file))
            }
            Kind::Reader { reader, size } => (name.clone(), size, reader),
        };
        Ok(OpenedFile {
            name,
            label,
            size,
            slot: Arc::new(Mutex::new(Slot {
                reader: Some(reader),
                read: 0,
                failure: None,
            })),
        })
    }

    /// Streams `file` to `target`, as runs-core's [`Upload`] decides, in the client's one loop
    /// (`Client::drive`) with the upload's own sending: to object storage, without the key,
    /// outside the API's rate limit.
    pub(crate) async fn upload_opened(
        &self,
        target: &FileResource,
        file: OpenedFile,
    ) -> Result<FileId, Error> {
        let mut upload = Upload::new(self.config(), target, file.size, random_seed())?;
        let exchange = self.exchange();
        let file = &file;
        let driving = self.drive(&mut upload, None, |request, timeout| {
            let body = file.body(&request);
            async move {
                match body {
                    Ok(body) => exchange.send_upload(&request, body, timeout).await,
                    Err(e) => Err(e),
                }
            }
        });
        #[cfg(feature = "tracing")]
        let driving = tracing::Instrument::instrument(
            driving,
            tracing::info_span!(target: "runs", "upload", file.size = file.size),
        );
        let result = driving.await;
        // A failure of the file itself, not of the network, is what the caller must hear.
        let local = file.slot().failure.take();
        match (result, local) {
            (Err(_), Some(local)) => Err(local.into()),
            (result, _) => result,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    fn body(bytes: &'static [u8], size: u64) -> (UploadBody, Arc<Mutex<Slot>>) {
        let slot = Arc::new(Mutex::new(Slot {
            reader: None,
            read: 0,
            failure: None,
        }));
        let body = UploadBody {
            head: Some(Bytes::from_static(b"H")),
            tail: Some(Bytes::from_static(b"T")),
            reader: Some(Box::new(bytes)),
            size,
            read: 0,
            check_end: true,
            left: size + 2,
            label: "a".into(),
            slot: slot.clone(),
            progress: Arc::new(Progress::new()),
            waiting: None,
        };
        (body, slot)
    }

    #[tokio::test]
    async fn the_body_is_head_exactly_the_file_and_tail_and_a_changed_file_is_named() {
        let (b, _) = body(b"hello", 5);
        assert_eq!(http_body::Body::size_hint(&b).exact(), Some(7));
        assert_eq!(&b.collect().await.unwrap().to_bytes()[..], b"HhelloT");

        let (b, slot) = body(b"hel", 5);
        assert!(b.collect().await.is_err());
        let problem = slot.lock().unwrap().failure.as_ref().map(LocalFileError::problem);
        assert_eq!(problem, Some(LocalFileProblem::EndedEarly));

        let (b, slot) = body(b"hello!", 5);
        assert!(b.collect().await.is_err());
        let problem = slot.lock().unwrap().failure.as_ref().map(LocalFileError::problem);
        assert_eq!(problem, Some(LocalFileProblem::Grew));
    }

    #[test]
    fn an_unread_body_hands_its_reader_back_for_a_retry() {
        let (b, slot) = body(b"hello", 5);
        drop(b);
        let slot = slot.lock().unwrap();
        assert!(slot.reader.is_some() && slot.read == 0);
    }
}
