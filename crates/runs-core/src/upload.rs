//! Uploading a file to object storage; the rules are on [`Upload`].

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;
use core::time::Duration;

use crate::attempt::{Attempts, Next};
use crate::call::{Action, Machine};
use crate::config::{BaseUrl, Config};
use crate::error::{Error, TransportError, one_line};
use crate::file::{FileId, FileResource};
use crate::http::{API_KEY_HEADER, Method, Response};
use crate::jitter::Jitter;
use crate::retry::Retry;
use crate::storage::StorageError;
use crate::validation::{FieldError, Rule};

/// The form field the file goes in.
pub const FILE_FIELD: &str = "file";

/// The slowest transfer an upload's timeout allows for, in bytes per second: an attempt may
/// take the request timeout plus the file's size at this rate.
pub const MIN_UPLOAD_RATE: u64 = 256 * 1024;

/// Headers a target may not set: the key never goes to storage, and the framing of the body
/// is the SDK's (its boundary, its length).
const NOT_FROM_TARGET: [&str; 6] = [
    API_KEY_HEADER,
    "content-type",
    "content-length",
    "transfer-encoding",
    "host",
    "connection",
];

/// Headers whose values are shown in `Debug`; every other value may be a credential.
const SHOWN_IN_DEBUG: [&str; 3] = ["content-type", "content-length", "user-agent"];

/// The upload request: where it goes, its headers, and its body described in three parts.
///
/// It has no API key and no way to be given one; see [`Upload`]. `Debug` shows
/// neither header values other than the framing nor the form fields, which hold the
/// target's credentials.
#[derive(Clone, PartialEq, Eq)]
pub struct UploadRequest {
    url: String,
    headers: Arc<[(String, String)]>,
    head: Arc<[u8]>,
    fields_len: usize,
    file_size: u64,
    tail: Arc<[u8]>,
    content_length: u64,
}

impl UploadRequest {
    /// The method: always `POST`.
    pub fn method(&self) -> Method {
        Method::Post
    }

    /// The absolute URL of the upload target.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The headers, names in lowercase: the body's `content-type` (with its boundary) and
    /// `content-length`, the `user-agent`, then the target's own headers, in their order.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The value of header `name` (lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every byte of the body before the file's: the form fields, then the file part's header.
    pub fn head(&self) -> &[u8] {
        &self.head
    }

    /// The form fields' part of [`head`](Self::head).
    pub fn fields_part(&self) -> &[u8] {
        &self.head[..self.fields_len]
    }

    /// The file part's header, the end of [`head`](Self::head).
    pub fn file_part_header(&self) -> &[u8] {
        &self.head[self.fields_len..]
    }

    /// How many bytes of the file go between [`head`](Self::head) and [`tail`](Self::tail).
    /// A transport that reads a different number from the file fails the attempt.
    pub fn file_size(&self) -> u64 {
        self.file_size
    }

    /// Every byte of the body after the file's: the closing boundary.
    pub fn tail(&self) -> &[u8] {
        &self.tail
    }

    /// The body's length: head, file and tail. The `content-length` header says the same.
    pub fn content_length(&self) -> u64 {
        self.content_length
    }

    /// `POST URL`, without the query (a presigned URL may carry credentials there).
    pub fn describe(&self) -> String {
        let url = self.url.split(['?', '#']).next().unwrap_or_default();
        alloc::format!("POST {url}")
    }
}

impl fmt::Debug for UploadRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Headers<'a>(&'a [(String, String)]);
        impl fmt::Debug for Headers<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_map()
                    .entries(self.0.iter().map(|(n, v)| {
                        let shown = SHOWN_IN_DEBUG.contains(&n.as_str());
                        (n, if shown { v.as_str() } else { "<redacted>" })
                    }))
                    .finish()
            }
        }
        f.debug_struct("UploadRequest")
            .field("target", &self.describe())
            .field("headers", &Headers(&self.headers))
            .field("head_bytes", &self.head.len())
            .field("file_size", &self.file_size)
            .field("tail_bytes", &self.tail.len())
            .finish()
    }
}

/// Escapes a form field's name or file name for a `Content-Disposition` header the way
/// browsers do (WHATWG HTML): `"` `\r` `\n` percent-encoded, everything else as it is.
fn push_quoted(out: &mut Vec<u8>, s: &str) {
    for b in s.bytes() {
        match b {
            b'"' => out.extend_from_slice(b"%22"),
            b'\r' => out.extend_from_slice(b"%0D"),
            b'\n' => out.extend_from_slice(b"%0A"),
            _ => out.push(b),
        }
    }
}

fn is_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn is_field_value(value: &str) -> bool {
    value.chars().all(|c| c == '\t' || !c.is_control())
}

/// Server text put in a field path: one line, short.
fn named(prefix: &str, name: &str) -> String {
    alloc::format!("{prefix}[{}]", one_line(name, 40))
}

/// Checks the upload URL: absolute `https`, or plain `http` to this machine or when the API
/// itself is plain `http` (which the configuration only allows on purpose).
fn check_url(config: &Config, url: &str) -> Result<(), FieldError> {
    let bad = |form| FieldError::new("upload_url", Rule::Malformed(form));
    if url.contains('#') || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("an absolute URL without spaces or a fragment"));
    }
    let without_query = url.split('?').next().unwrap_or_default();
    let parsed = BaseUrl::parse(without_query)
        .map_err(|_| bad("an absolute http(s) URL with a host and no credentials"))?;
    if !(parsed.is_https() || parsed.is_loopback() || !config.base_url.is_https()) {
        return Err(bad(
            "https (plain http only to this machine, or when the API is plain http)",
        ));
    }
    Ok(())
}

/// A boundary that none of the form's text contains. The file's bytes cannot be checked
/// (they are streamed); 128 random bits make a collision with them negligible.
fn boundary(jitter: &mut Jitter, target: &FileResource) -> Option<String> {
    let texts = || {
        target
            .upload_fields
            .as_slice()
            .iter()
            .flat_map(|(n, v)| [n.as_str(), v.as_str()])
            .chain([target.file_name.as_str()])
    };
    (0..8).find_map(|_| {
        let b = alloc::format!("runs-sdk-{:016x}{:016x}", jitter.next_u64(), jitter.next_u64());
        (!texts().any(|t| t.contains(&b))).then_some(b)
    })
}

impl UploadRequest {
    /// Plans the upload of a `file_size`-byte file to `target`. It takes the user agent and
    /// not the configuration, so the API key cannot reach the request.
    fn plan(
        target: &FileResource,
        file_size: u64,
        user_agent: &str,
        boundary: &str,
    ) -> Result<Self, FieldError> {
        let mut head = Vec::with_capacity(256);
        for (name, value) in target.upload_fields.as_slice() {
            head.extend_from_slice(b"--");
            head.extend_from_slice(boundary.as_bytes());
            head.extend_from_slice(b"\r\nContent-Disposition: form-data; name=\"");
            push_quoted(&mut head, name);
            head.extend_from_slice(b"\"\r\n\r\n");
            head.extend_from_slice(value.as_bytes());
            head.extend_from_slice(b"\r\n");
        }
        let fields_len = head.len();
        head.extend_from_slice(b"--");
        head.extend_from_slice(boundary.as_bytes());
        head.extend_from_slice(b"\r\nContent-Disposition: form-data; name=\"");
        head.extend_from_slice(FILE_FIELD.as_bytes());
        head.extend_from_slice(b"\"; filename=\"");
        push_quoted(&mut head, &target.file_name);
        head.extend_from_slice(b"\"\r\nContent-Type: application/octet-stream\r\n\r\n");
        let tail = alloc::format!("\r\n--{boundary}--\r\n").into_bytes();
        let content_length = (head.len() as u64)
            .checked_add(file_size)
            .and_then(|n| n.checked_add(tail.len() as u64))
            .ok_or_else(|| {
                FieldError::new(
                    "file_size",
                    Rule::OutOfRange {
                        min: 0,
                        max: u64::MAX - (head.len() + tail.len()) as u64,
                        actual: file_size,
                    },
                )
            })?;
        let mut headers = alloc::vec![
            (
                String::from("content-type"),
                alloc::format!("multipart/form-data; boundary={boundary}"),
            ),
            (String::from("content-length"), alloc::format!("{content_length}")),
            (String::from("user-agent"), String::from(user_agent)),
        ];
        for (name, value) in target.upload_http_headers.iter().flat_map(|h| h.as_slice()) {
            let lower = name.to_ascii_lowercase();
            if NOT_FROM_TARGET.contains(&lower.as_str()) {
                continue;
            }
            if !is_token(name) {
                return Err(FieldError::new(
                    named("upload_http_headers", name),
                    Rule::Malformed("a header name (letters, digits and !#$%&'*+-.^_`|~)"),
                ));
            }
            if !is_field_value(value) {
                return Err(FieldError::new(
                    named("upload_http_headers", name),
                    Rule::Malformed("a header value without control characters"),
                ));
            }
            if lower == "user-agent" {
                headers.retain(|(n, _)| n != "user-agent");
            }
            headers.push((lower, value.clone()));
        }
        Ok(Self {
            url: target.upload_url.clone(),
            headers: headers.into(),
            head: head.into(),
            fields_len,
            file_size,
            tail: tail.into(),
            content_length,
        })
    }
}

/// Uploading one file to its target, as a [`Machine`] that sends an [`UploadRequest`]; its
/// output is the file's id, for a run's `file_ids`.
///
/// # How it works
///
/// Uploading a file's bytes to the target `POST /files` gave ([`FileResource`]).
///
/// The upload goes to object storage, another origin than the API, as a `multipart/form-data`
/// `POST`: every `upload_fields` entry as a form field in the order given, then the file in the
/// field `file`, last, with every `upload_http_headers` entry as a header. [`Upload`] plans that
/// request and drives it like any other [`Machine`], but what it sends is an [`UploadRequest`],
/// a type of its own:
///
/// - **It cannot carry the API key.** It is built from the target and the user agent only; the
///   configuration's key never reaches its constructor, and a header called `x-api-key` in the
///   target is dropped. An [`UploadRequest`] has no way to add a header afterwards.
/// - **The body is described, not built.** The bytes before the file ([`UploadRequest::head`]),
///   the file's size, and the bytes after it ([`UploadRequest::tail`]) are all a transport
///   needs: it writes `head`, then streams exactly [`UploadRequest::file_size`] bytes of the
///   file, then `tail`, and sends [`UploadRequest::content_length`] as the `Content-Length`
///   (already among the headers). The file is never held in memory.
///
/// Retries follow the spec: a presigned target may expire, so an upload is sent again only
/// when it provably never left ([`Delivery::NotSent`](crate::Delivery)); any answer other than
/// a 2xx is final and becomes [`Error::Storage`] with the storage service's code and message.
/// The caller may create a new target and upload again.
///
/// ```
/// use std::time::Duration;
/// use runs_core::transport::{Action, Machine, Response, Upload};
/// use runs_core::{Config, FileResource};
///
/// let config = Config::builder().api_key("sk-secret").base_url("https://api.test/v2").build()?;
/// let target: FileResource = serde_json::from_str(r#"{"id": "s3://bucket/k1",
///     "file_name": "invoice.pdf", "upload_url": "https://bucket.s3.test/",
///     "upload_http_method": "POST", "upload_fields": {"key": "k1", "policy": "p"}}"#)?;
/// let mut upload = Upload::new(&config, &target, 5, 7)?;
/// let Action::Send { request, .. } = upload.poll(Duration::ZERO) else { unreachable!() };
/// assert!(request.headers().iter().all(|(name, _)| name != "x-api-key"));
/// let mut body = request.head().to_vec();
/// body.extend_from_slice(b"hello"); // a transport streams the file here
/// body.extend_from_slice(request.tail());
/// assert_eq!(body.len() as u64, request.content_length());
/// upload.handle_response(Duration::ZERO, Response { status: 204, headers: &[("a", "b")], body: b"" });
/// let Action::Done(id) = upload.poll(Duration::ZERO) else { unreachable!() };
/// assert_eq!(id?.as_str(), "s3://bucket/k1");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Upload {
    id: FileId,
    request: UploadRequest,
    attempts: Attempts<FileId>,
    attempt_timeout: Duration,
}

impl Upload {
    /// Plans the upload of a `file_size`-byte file to `target` under `config` (its user agent,
    /// timeouts and retry policy; never its key), the boundary and jitter drawn from `seed`.
    ///
    /// Fails with [`Error::Invalid`], naming the field, when the target cannot be used: a
    /// method other than `POST`, a URL that is not absolute `https` (plain `http` is allowed
    /// to this machine, or when the API itself is plain `http`), a bad header.
    pub fn new(config: &Config, target: &FileResource, file_size: u64, seed: u64) -> Result<Self, Error> {
        if !target.upload_http_method.eq_ignore_ascii_case("POST") {
            return Err(FieldError::new(
                "upload_http_method",
                Rule::Malformed("POST, the one upload method the SDK knows"),
            )
            .into());
        }
        check_url(config, &target.upload_url)?;
        let mut jitter = Jitter::new(seed);
        let boundary = boundary(&mut jitter, target).ok_or_else(|| {
            FieldError::new(
                "upload_fields",
                Rule::Malformed("text a multipart boundary can avoid"),
            )
        })?;
        let request = UploadRequest::plan(target, file_size, &config.user_agent, &boundary)?;
        let allowance = Duration::from_secs(file_size.div_ceil(MIN_UPLOAD_RATE));
        let attempt_timeout = config.request_timeout.saturating_add(allowance);
        let deadline = config.deadline.saturating_add(allowance);
        Ok(Self {
            id: target.id.clone(),
            request,
            attempts: Attempts::new(Retry::new(
                config.retry.clone(),
                Method::Post,
                deadline,
                jitter.next_u64(),
            )),
            attempt_timeout,
        })
    }

    /// The request this upload sends.
    pub fn request(&self) -> &UploadRequest {
        &self.request
    }

    /// The id of the file being uploaded.
    pub fn file_id(&self) -> &FileId {
        &self.id
    }
}

impl Machine<UploadRequest> for Upload {
    type Output = Result<FileId, Error>;

    fn poll(&mut self, now: Duration) -> Action<Self::Output, UploadRequest> {
        match self.attempts.poll(
            now,
            "upload",
            "was polled again after it finished; plan a new upload",
        ) {
            Next::Send { left } => Action::Send {
                request: self.request.clone(),
                timeout: self.attempt_timeout.min(left),
            },
            Next::Sleep(delay) => Action::Sleep(delay),
            Next::Done(result) => Action::Done(result),
        }
    }

    fn handle_response(&mut self, _now: Duration, response: Response<'_>) {
        // Any answer is final: the target may have expired, and a redirect cannot be
        // followed with a streamed body.
        let result = if (200..300).contains(&response.status) {
            Ok(self.id.clone())
        } else {
            Err(Error::Storage(StorageError::from_response(
                response.status,
                response.headers,
                response.body,
            )))
        };
        self.attempts.finish(result);
    }

    fn handle_failure(&mut self, now: Duration, error: TransportError) {
        // As a POST: sent again only when it provably never left.
        self.attempts.fail(now, error);
    }
}

#[cfg(feature = "http")]
impl UploadRequest {
    /// The request as an `http::Request` with `body` (a stream of head, file, tail, built by
    /// the transport) as its body.
    pub fn to_http<B>(&self, body: B) -> Result<http::Request<B>, http::Error> {
        let mut request = http::Request::new(body);
        *request.method_mut() = http::Method::POST;
        *request.uri_mut() = http::Uri::try_from(self.url.as_str())?;
        let headers = request.headers_mut();
        for (name, value) in self.headers.iter() {
            let mut value = http::HeaderValue::try_from(value.as_str())?;
            value.set_sensitive(!SHOWN_IN_DEBUG.contains(&name.as_str()));
            headers.append(http::HeaderName::try_from(name.as_str())?, value);
        }
        Ok(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Delivery, TransportErrorKind};

    fn config() -> Config {
        Config::builder()
            .api_key("sk-live-SECRET")
            .base_url("https://api.test/v2")
            .build()
            .unwrap()
    }

    fn target() -> FileResource {
        let mut t = FileResource::new(
            FileId::new("s3://bucket/k").unwrap(),
            "a.pdf",
            "https://bucket.s3.test/",
            alloc::vec![("key".into(), "k".into()), ("policy".into(), "p".into())],
        );
        t.upload_http_headers = Some(
            alloc::vec![
                ("X-Api-Key".into(), "sk-live-SECRET".into()),
                ("x-amz-meta-a".into(), "1".into()),
                ("Content-Type".into(), "text/plain".into()),
            ]
            .into(),
        );
        t
    }

    #[test]
    fn the_content_length_is_head_file_and_tail() {
        for size in [0u64, 1, 1 << 40] {
            let u = Upload::new(&config(), &target(), size, 1).unwrap();
            let r = u.request();
            assert_eq!(
                r.content_length(),
                r.head().len() as u64 + size + r.tail().len() as u64
            );
            assert_eq!(
                r.header("content-length"),
                Some(alloc::format!("{}", r.content_length()).as_str())
            );
        }
        let huge = Upload::new(&config(), &target(), u64::MAX, 1).unwrap_err();
        assert!(matches!(huge, Error::Invalid(e) if e.has_field("file_size")));
    }

    #[test]
    fn the_target_cannot_set_the_key_or_the_framing() {
        let u = Upload::new(&config(), &target(), 3, 1).unwrap();
        let names: Vec<_> = u.request().headers().iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            ["content-type", "content-length", "user-agent", "x-amz-meta-a"]
        );
        assert!(
            u.request()
                .header("content-type")
                .unwrap()
                .starts_with("multipart/form-data; boundary=runs-sdk-")
        );
    }

    #[test]
    fn unusable_targets_name_their_field() {
        let field = |t: FileResource| match Upload::new(&config(), &t, 1, 1) {
            Err(Error::Invalid(e)) => e.errors()[0].field().to_string(),
            other => panic!("{other:?}"),
        };
        let mut t = target();
        t.upload_http_method = "PUT".into();
        assert_eq!(field(t), "upload_http_method");
        for url in [
            "http://bucket.test/",
            "ftp://x/",
            "https://u:p@x/",
            "/relative",
            "https://x/#f",
        ] {
            let mut t = target();
            t.upload_url = url.into();
            assert_eq!(field(t), "upload_url", "{url}");
        }
        let mut t = target();
        t.upload_http_headers = Some(alloc::vec![("bad name".into(), "v".into())].into());
        assert_eq!(field(t), "upload_http_headers[bad name]");
        let mut t = target();
        t.upload_http_headers = Some(alloc::vec![("x-a".into(), "v\r\nx-api-key: k".into())].into());
        assert_eq!(field(t), "upload_http_headers[x-a]");
        let mut t = target();
        t.upload_url = "http://127.0.0.1:9/upload?sig=1".into();
        assert!(
            Upload::new(&config(), &t, 1, 1).is_ok(),
            "plain http to this machine is fine"
        );
    }

    #[test]
    fn a_failure_is_retried_only_when_nothing_was_sent_and_an_answer_is_final() {
        let now = Duration::ZERO;
        let mut u = Upload::new(&config(), &target(), 3, 1).unwrap();
        assert!(matches!(u.poll(now), Action::Send { .. }));
        u.handle_failure(
            now,
            TransportError::new(TransportErrorKind::Connect, Delivery::NotSent, "x"),
        );
        let Action::Sleep(d) = u.poll(now) else {
            panic!("expected a retry")
        };
        assert!(matches!(u.poll(now + d), Action::Send { .. }));
        u.handle_failure(
            now + d,
            TransportError::new(TransportErrorKind::Io, Delivery::MaybeSent, "x"),
        );
        assert!(matches!(u.poll(now + d), Action::Done(Err(Error::Transport(_)))));

        let mut u = Upload::new(&config(), &target(), 3, 1).unwrap();
        assert!(matches!(u.poll(now), Action::Send { .. }));
        u.handle_response(
            now,
            Response {
                status: 503,
                headers: &[("retry-after", "1")],
                body: b"",
            },
        );
        assert!(matches!(u.poll(now), Action::Done(Err(Error::Storage(e))) if e.status() == 503));
    }
}
