//! Uploading a file to object storage; the rules are on [`Upload`].

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;
use core::time::Duration;

use crate::attempt::{Attempts, Next};
use crate::call::{Action, Machine};
use crate::config::{BaseUrl, Config};
use crate::error::{DecodeError, Delivery, Error, TransportError, TransportErrorKind, one_line};
use crate::file::{FileId, FileResource};
use crate::http::{API_KEY_HEADER, Method, Response};
use crate::jitter::Jitter;
use crate::proxy::ProxyEndpoint;
use crate::retry::Retry;
use crate::secret::Secrets;
use crate::storage_error::StorageError;
use crate::validation::{FieldError, Rule};

/// The form field the file goes in.
pub const FILE_FIELD: &str = "file";

/// The slowest transfer an upload's allowance plans for, in bytes per second: an attempt that
/// keeps moving may take the request timeout plus the file's size at this rate, and, unless
/// the caller set a deadline, the deadline grows by as much. A stalled upload gets no such
/// allowance: it ends [`UploadRequest::idle_timeout`] after its last byte moved.
pub const MIN_UPLOAD_RATE: u64 = 256 * 1024;

/// The most bytes of names and values the form fields and headers of a target may hold in all:
/// a presigned POST's policy and signature take a few KiB.
pub const MAX_UPLOAD_TARGET_BYTES: usize = 64 * 1024;

/// Headers a target may not set: the key never goes to storage, and the framing of the body
/// is the SDK's (its boundary, its length, its `Expect`).
const NOT_FROM_TARGET: [&str; 7] = [
    API_KEY_HEADER,
    "content-type",
    "content-length",
    "transfer-encoding",
    "host",
    "connection",
    "expect",
];

/// Headers whose values are shown in `Debug`; every other value may be a credential.
const SHOWN_IN_DEBUG: [&str; 4] = ["content-type", "content-length", "expect", "user-agent"];

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
    idle_timeout: Duration,
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
    /// `content-length`, `expect: 100-continue`, the `user-agent`, then the target's own
    /// headers, in their order.
    ///
    /// `expect: 100-continue` lets a storage service that refuses the upload from its headers
    /// (an expired policy, a bad signature) say so before the file is sent: a transport that
    /// waits for the interim answer (ureq does, for a second) then reads the refusal instead
    /// of losing it to a connection the service closed mid-body.
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

    /// `POST URL`, without the query (a presigned URL may carry credentials there). Errors
    /// name the request with this, never with [`url`](Self::url).
    pub fn describe(&self) -> String {
        let url = self.url.split(['?', '#']).next().unwrap_or_default();
        alloc::format!("POST {url}")
    }

    /// The longest a transport may wait with no byte moving in either direction (none of the
    /// body taken by the connection, none of the answer read): the configuration's request
    /// timeout. A stalled upload ends this long after its last byte moved, whatever its size;
    /// the attempt's own timeout (in [`Action::Send`]) bounds one that keeps moving.
    pub fn idle_timeout(&self) -> Duration {
        self.idle_timeout
    }

    /// What an answer that came before the whole body was handed to the connection means:
    /// `Ok` when it is to be read as any answer (a refusal, the storage's final word), or the
    /// failure to report instead. A success cannot prove the file arrived whole: a storage
    /// service that says 2xx to a part of a file would store a truncated one, so that is a
    /// failure ([`Delivery::MaybeSent`], never sent again).
    pub fn early_answer(&self, status: u16) -> Result<(), TransportError> {
        if (200..300).contains(&status) {
            return Err(TransportError::new(
                TransportErrorKind::Io,
                Delivery::MaybeSent,
                alloc::format!(
                    "{} (the storage service answered {status} before the whole file was sent, \
                     so the upload cannot be trusted to be whole)",
                    self.describe()
                ),
            ));
        }
        Ok(())
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

/// Checks the upload URL by the base URL's rule: absolute `https`, or plain `http` to this
/// machine, or to any host when the configuration allows plain http on purpose
/// ([`allow_insecure_http`](crate::ConfigBuilder::allow_insecure_http)). The API's own scheme
/// does not matter: an API on this machine does not make a remote storage host safe.
fn check_url(config: &Config, url: &str) -> Result<(), FieldError> {
    let bad = |form| FieldError::new("upload_url", Rule::Malformed(form));
    if url.contains('#') || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("an absolute URL without spaces or a fragment"));
    }
    let without_query = url.split('?').next().unwrap_or_default();
    let parsed = BaseUrl::parse_any_path(without_query)
        .map_err(|_| bad("an absolute http(s) URL with an ASCII host and no credentials"))?;
    if !(parsed.is_https() || parsed.is_loopback() || config.allow_insecure_http) {
        return Err(bad(
            "https (plain http only to this machine, or with allow_insecure_http)",
        ));
    }
    Ok(())
}

/// Checks the target's form fields and headers: few and small (a presigned POST has about
/// ten), and no field named `file`, which storage would read instead of the real file.
fn check_fields(target: &FileResource) -> Result<(), FieldError> {
    let headers = target
        .upload_http_headers
        .as_ref()
        .map_or(&[][..], |h| h.as_slice());
    let fields = target.upload_fields.as_slice();
    let size: usize = fields
        .iter()
        .chain(headers)
        .map(|(n, v)| n.len().saturating_add(v.len()))
        .fold(0, usize::saturating_add);
    if size > MAX_UPLOAD_TARGET_BYTES {
        return Err(FieldError::new(
            "upload_fields",
            Rule::Malformed("form fields and headers of at most 64 KiB in all"),
        ));
    }
    if let Some((name, _)) = fields.iter().find(|(n, _)| n.eq_ignore_ascii_case(FILE_FIELD)) {
        return Err(FieldError::new(
            named("upload_fields", name),
            Rule::Malformed("a field other than `file`, the one the SDK sends the file in"),
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
        idle_timeout: Duration,
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
            (String::from("expect"), String::from("100-continue")),
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
            idle_timeout,
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
/// a 2xx is final and becomes [`Error::Storage`] with the storage service's code and message
/// (scrubbed of the API key and proxy credentials, as the API's errors are). The caller may
/// create a new target and upload again.
///
/// # How long an upload may take
///
/// Progress is what proves an upload alive. A transport ends an attempt when no byte has moved
/// for [`UploadRequest::idle_timeout`] (the request timeout), however large the file. An
/// attempt that keeps moving may take the request timeout plus the file's size at
/// [`MIN_UPLOAD_RATE`]; the operation's deadline grows by the same allowance, unless the
/// caller set the deadline ([`ConfigBuilder::deadline`](crate::ConfigBuilder::deadline)),
/// which is then never exceeded. A large file on a slow link gets more time from a longer
/// deadline set on purpose.
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
    secrets: Secrets,
    /// The proxy the plan sends the upload's origin through, to name it in failures.
    proxy: Option<ProxyEndpoint>,
}

impl Upload {
    /// Plans the upload of a `file_size`-byte file to `target` under `config` (its user agent,
    /// timeouts and retry policy; never its key), the boundary and jitter drawn from `seed`.
    ///
    /// Fails with [`Error::Decode`], naming the field, when the target (the server's answer
    /// to `POST /files`) cannot be used: a method other than `POST`; a URL that is not
    /// absolute `https` (plain `http` is allowed to this machine, or with
    /// [`allow_insecure_http`](crate::ConfigBuilder::allow_insecure_http)); a bad header; a
    /// form field named `file`; fields and headers over [`MAX_UPLOAD_TARGET_BYTES`]. A file
    /// too large to describe is [`Error::Invalid`] on `file_size`.
    pub fn new(config: &Config, target: &FileResource, file_size: u64, seed: u64) -> Result<Self, Error> {
        let unusable = |e: FieldError| Error::Decode(DecodeError::unusable_target(&e));
        if !target.upload_http_method.eq_ignore_ascii_case("POST") {
            return Err(unusable(FieldError::new(
                "upload_http_method",
                Rule::Malformed("POST, the one upload method the SDK knows"),
            )));
        }
        check_url(config, &target.upload_url).map_err(unusable)?;
        check_fields(target).map_err(unusable)?;
        let mut jitter = Jitter::new(seed);
        let boundary = boundary(&mut jitter, target).ok_or_else(|| {
            unusable(FieldError::new(
                "upload_fields",
                Rule::Malformed("text a multipart boundary can avoid"),
            ))
        })?;
        let request = UploadRequest::plan(
            target,
            file_size,
            &config.user_agent,
            &boundary,
            config.request_timeout,
        )
        .map_err(|e| {
            if e.field() == "file_size" {
                Error::from(e)
            } else {
                unusable(e)
            }
        })?;
        let proxy = BaseUrl::parse_any_path(target.upload_url.split('?').next().unwrap_or_default())
            .ok()
            .and_then(|url| {
                config
                    .connection
                    .proxy_for(url.is_https(), url.host(), url.port())
                    .cloned()
            });
        let allowance = Duration::from_secs(file_size.div_ceil(MIN_UPLOAD_RATE));
        let attempt_timeout = config.request_timeout.saturating_add(allowance);
        let deadline = if config.deadline_is_set {
            config.deadline
        } else {
            config.deadline.saturating_add(allowance)
        };
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
            secrets: config.secrets.clone(),
            proxy,
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
            Err(Error::Storage(StorageError::read(
                response.status,
                response.headers,
                response.body,
                &self.secrets,
            )))
        };
        self.attempts.finish(result);
    }

    fn handle_failure(&mut self, now: Duration, error: TransportError) {
        let error = match &self.proxy {
            Some(proxy) => error.at_proxy(proxy),
            None => error,
        };
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
            [
                "content-type",
                "content-length",
                "expect",
                "user-agent",
                "x-amz-meta-a"
            ]
        );
        assert!(
            u.request()
                .header("content-type")
                .unwrap()
                .starts_with("multipart/form-data; boundary=runs-sdk-")
        );
    }

    /// The message of the error planning an upload to `t` under `config` gives.
    fn unusable(config: &Config, t: &FileResource) -> String {
        match Upload::new(config, t, 1, 1) {
            Err(Error::Decode(e)) => e.to_string(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unusable_targets_are_the_servers_mistake_and_name_their_field() {
        // The field, as the message names it after its opening.
        let field = |t: FileResource| {
            let text = unusable(&config(), &t);
            let rest = text
                .strip_prefix("the API gave an upload target the SDK cannot use: ")
                .unwrap_or_else(|| panic!("{text}"));
            let end = rest.find(" must").unwrap_or(rest.len());
            rest[..end].to_string()
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
            "http://\u{20ac}\u{20ac}\u{20ac}\u{20ac}/u",
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
    fn plain_http_to_another_host_needs_the_same_consent_as_a_base_url() {
        let mut t = target();
        t.upload_url = "http://storage.example/u".into();
        let on_loopback = Config::builder()
            .api_key("sk-live-SECRET")
            .base_url("http://127.0.0.1:8080/v2")
            .build()
            .unwrap();
        assert!(unusable(&on_loopback, &t).contains("upload_url"));
        let allowed = Config::builder()
            .api_key("sk-live-SECRET")
            .base_url("http://127.0.0.1:8080/v2")
            .allow_insecure_http(true)
            .build()
            .unwrap();
        assert!(Upload::new(&allowed, &t, 1, 1).is_ok());
    }

    #[test]
    fn a_field_named_file_or_an_oversized_target_is_refused() {
        for name in ["file", "FILE", "File"] {
            let mut t = target();
            t.upload_fields = alloc::vec![(name.into(), "x".into()), ("key".into(), "k".into())].into();
            let text = unusable(&config(), &t);
            assert!(text.contains(&alloc::format!("upload_fields[{name}]")), "{text}");
        }
        let mut t = target();
        t.upload_fields = alloc::vec![("policy".into(), "p".repeat(MAX_UPLOAD_TARGET_BYTES))].into();
        assert!(unusable(&config(), &t).contains("64 KiB"));
        let mut t = target();
        t.upload_fields = alloc::vec![("policy".into(), "p".repeat(MAX_UPLOAD_TARGET_BYTES - 100))].into();
        assert!(Upload::new(&config(), &t, 1, 1).is_ok(), "just under the bound");
    }

    #[test]
    fn a_stall_is_bounded_by_the_request_timeout_and_a_set_deadline_by_itself() {
        let size = 1u64 << 30; // 4096 s of allowance at the slowest planned rate
        let timeouts = |config: &Config| {
            let mut u = Upload::new(config, &target(), size, 1).unwrap();
            let idle = u.request().idle_timeout();
            let Action::Send { timeout, .. } = u.poll(Duration::ZERO) else {
                panic!("expected a send")
            };
            (idle, timeout)
        };
        let default = Config::builder()
            .api_key("sk-live-SECRET")
            .base_url("https://api.test/v2")
            .request_timeout(Duration::from_secs(2))
            .build()
            .unwrap();
        let (idle, attempt) = timeouts(&default);
        assert_eq!(idle, Duration::from_secs(2));
        assert_eq!(
            attempt,
            Duration::from_secs(2 + 4096),
            "a moving upload keeps its allowance"
        );

        let set = Config::builder()
            .api_key("sk-live-SECRET")
            .base_url("https://api.test/v2")
            .request_timeout(Duration::from_secs(2))
            .deadline(Duration::from_secs(3))
            .build()
            .unwrap();
        let (idle, attempt) = timeouts(&set);
        assert_eq!(idle, Duration::from_secs(2));
        assert_eq!(
            attempt,
            Duration::from_secs(3),
            "a deadline the caller set is never exceeded"
        );
    }

    #[test]
    fn an_early_success_is_a_failure_and_an_early_refusal_an_answer() {
        let u = Upload::new(&config(), &target(), 3, 1).unwrap();
        let e = u.request().early_answer(204).unwrap_err();
        assert_eq!(e.delivery(), Delivery::MaybeSent);
        assert!(e.to_string().contains("before the whole file was sent"), "{e}");
        assert!(u.request().early_answer(403).is_ok());
    }

    #[test]
    fn a_storage_error_never_repeats_the_key() {
        let mut u = Upload::new(&config(), &target(), 3, 1).unwrap();
        assert!(matches!(u.poll(Duration::ZERO), Action::Send { .. }));
        let body = b"<Error><Code>sk-live-SECRET</Code><Message>bad key sk-live-SECRET</Message>\
            <RequestId>sk-live-SECRET</RequestId></Error>";
        u.handle_response(
            Duration::ZERO,
            Response {
                status: 403,
                headers: &[("x-amz-request-id", "id-sk-live-SECRET")],
                body,
            },
        );
        let Action::Done(Err(e)) = u.poll(Duration::ZERO) else {
            panic!("expected an error")
        };
        let text = alloc::format!("{e} {e:?}");
        assert!(!text.contains("sk-live-SECRET"), "{text}");
        assert!(text.contains("403"), "{text}");
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
