//! Errors the API answers with.
//!
//! The documented body is `{"status_code", "message", "details"}`, but what actually arrives on
//! an error status can be anything a proxy in between produced: an HTML page, an empty body, a
//! FastAPI-style `{"detail": ...}`. [`ApiError::from_response`] never fails: it keeps what it
//! can read and, for bodies that are not the documented JSON, a short snippet of the text.

use alloc::boxed::Box;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;
use core::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Seconds, one_line};
use crate::secret::Secrets;

/// The error body as the API documents it. Every field is optional on the way in.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The HTTP status the server meant, repeated in the body.
    #[serde(default)]
    pub status_code: Option<i64>,
    /// A human-readable message.
    #[serde(default)]
    pub message: Option<String>,
    /// Details, each kept as raw JSON since their shape is not published.
    #[serde(default)]
    pub details: Option<Vec<Value>>,
}

/// How many characters of a body that is not the documented JSON an error keeps.
pub const SNIPPET_CHARS: usize = 200;

/// The API answered with an error status.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    status: u16,
    message: Option<String>,
    /// Boxed, as `retry_after`: most errors have none.
    details: Option<Box<Details>>,
    request_id: Option<String>,
    snippet: Option<String>,
    attempts: u32,
    /// Whether the base URL's path does not end in `/v2`, where a 404 may be the URL's fault.
    unversioned_base_url: bool,
    /// Boxed: most errors have none, and this error travels inside every `Result` of the SDK.
    retry_after: Option<Box<RetryAfter>>,
}

/// An error's details, and each as the line its text shows, made when the error is read: so
/// `Display` prints text, and a program that never reads an error body (firmware that knows
/// its statuses) links no code that writes a `Value` (docs/performance.md, "Firmware").
#[derive(Debug, Clone, PartialEq)]
struct Details {
    values: Vec<Value>,
    lines: Vec<String>,
}

impl Details {
    fn of(values: Vec<Value>) -> Option<Box<Self>> {
        let lines = values.iter().map(detail_line).collect();
        (!values.is_empty()).then(|| Box::new(Self { values, lines }))
    }
}

/// A `Retry-After` the server sent with an error status.
#[derive(Debug, Clone, PartialEq)]
struct RetryAfter {
    /// How long the server asked to wait.
    asked: Duration,
    /// The [`RetryPolicy::max_retry_after`](crate::RetryPolicy::max_retry_after) that `asked`
    /// was over, when that is what ended the retries.
    over_cap: Option<Duration>,
}

impl ApiError {
    /// Reads an error response; never fails, whatever the body.
    pub fn from_response(status: u16, request_id: Option<&str>, body: &[u8]) -> Self {
        Self::from_response_scrubbed(status, request_id, body, &Secrets::default())
    }

    /// As [`from_response`](Self::from_response), every piece of server text (message,
    /// details, body snippet, request id) scrubbed of `secrets` before it is kept or cut, so
    /// a server that echoes the API key back cannot put it in the error.
    pub fn from_response_scrubbed(
        status: u16,
        request_id: Option<&str>,
        body: &[u8],
        secrets: &Secrets,
    ) -> Self {
        let mut error = Self {
            status,
            message: None,
            details: None,
            request_id: request_id.map(|s| one_line(&secrets.scrub(s), 100)),
            snippet: None,
            attempts: 1,
            unversioned_base_url: false,
            retry_after: None,
        };
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(mut map)) => {
                if !secrets.is_empty() {
                    for value in map.values_mut() {
                        secrets.scrub_json(value);
                    }
                }
                let message = map.get("message").and_then(Value::as_str);
                let detail = map.get("detail");
                match (message, detail) {
                    (Some(m), _) => error.message = Some(one_line(m, 1000)),
                    // FastAPI writes `{"detail": "text"}` or `{"detail": [ ... ]}`.
                    (None, Some(Value::String(m))) => error.message = Some(one_line(m, 1000)),
                    _ => {}
                }
                match map.get("details").or(detail) {
                    Some(Value::Array(items)) => error.details = Details::of(items.clone()),
                    Some(Value::Null) | None | Some(Value::String(_)) => {}
                    Some(other) => error.details = Details::of(alloc::vec![other.clone()]),
                }
                if error.message.is_none() && error.details.is_none() {
                    error.snippet = Some(snippet(body, secrets));
                }
            }
            _ => {
                if !body.is_empty() {
                    error.snippet = Some(snippet(body, secrets));
                }
            }
        }
        error
    }

    /// A synthetic error, for emulators and tests.
    pub fn new(status: u16, message: impl Into<String>) -> Self {
        Self {
            status,
            message: Some(message.into()),
            details: None,
            request_id: None,
            snippet: None,
            attempts: 1,
            unversioned_base_url: false,
            retry_after: None,
        }
    }

    /// This error with the server's `Retry-After`, as the machine that read it measured it.
    pub(crate) fn with_retry_after(mut self, retry_after: Option<Duration>) -> Self {
        self.retry_after = retry_after.map(|asked| {
            Box::new(RetryAfter {
                asked,
                over_cap: None,
            })
        });
        self
    }

    /// This error on a call whose base URL's path does not end in `/v2`: a 404 says so.
    pub(crate) fn with_unversioned_base_url(mut self, unversioned: bool) -> Self {
        self.unversioned_base_url = unversioned;
        self
    }

    /// Records that `attempts` requests were sent for the operation this error ended.
    pub(crate) fn set_attempts(&mut self, attempts: u32) {
        self.attempts = attempts.max(1);
    }

    /// Records that retrying stopped because the server's `Retry-After` was over `cap`.
    pub(crate) fn set_retry_after_cap(&mut self, cap: Duration) {
        if let Some(retry_after) = &mut self.retry_after {
            retry_after.over_cap = Some(cap);
        }
    }

    /// The HTTP status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The server's message, when it sent one.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// The details, raw; see [`ApiError::detail_lines`] for readable text.
    pub fn details(&self) -> &[Value] {
        self.details.as_ref().map_or(&[], |d| &d.values)
    }

    /// The request id the server gave in `x-request-id` (or a similar header), for support.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The start of a body that was not the documented JSON (HTML from a proxy, say).
    pub fn body_snippet(&self) -> Option<&str> {
        self.snippet.as_deref()
    }

    /// How many requests were sent for the operation this error ended, this one included: more
    /// than 1 when the status was retried (1 for an error made by [`ApiError::new`] or
    /// [`ApiError::from_response`]).
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// How long the server asked the client to wait before trying again (`Retry-After`, in
    /// seconds or as an HTTP date), when it said so in a form the SDK could read.
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after.as_ref().map(|r| r.asked)
    }

    /// Whether the same request could succeed later (rate limits and server-side failures).
    pub fn is_retryable(&self) -> bool {
        matches!(self.status, 408 | 429 | 500 | 502 | 503 | 504)
    }

    /// Each detail as one line: the common shapes (`{"loc", "msg"}`, `{"field", "message"}`)
    /// as `field: message`, anything else as compact JSON.
    pub fn detail_lines(&self) -> impl Iterator<Item = String> + '_ {
        self.lines().iter().cloned()
    }
}

impl ApiError {
    fn lines(&self) -> &[String] {
        self.details.as_ref().map_or(&[], |d| &d.lines)
    }
}

fn detail_line(detail: &Value) -> String {
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(ToString::to_string);
    let location = match detail.get("loc") {
        Some(Value::Array(parts)) => {
            let parts: Vec<String> = parts
                .iter()
                .map(|p| match p {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect();
            Some(parts.join("."))
        }
        _ => text(detail.get("field")),
    };
    let message = text(detail.get("msg")).or_else(|| text(detail.get("message")));
    let line = match (location, message) {
        (Some(l), Some(m)) => alloc::format!("{l}: {m}"),
        (None, Some(m)) => m,
        _ => detail.to_string(),
    };
    one_line(&line, 300)
}

fn snippet(body: &[u8], secrets: &Secrets) -> String {
    let text = String::from_utf8_lossy(body);
    let text = secrets.scrub(&text);
    // One line, so the error prints on one line whatever the page looked like.
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    one_line(&flat, SNIPPET_CHARS)
}

fn reason(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        408 => "Request Timeout",
        409 => "Conflict",
        413 => "Payload Too Large",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    }
}

fn hint(status: u16) -> Option<&'static str> {
    match status {
        401 | 403 => Some("check the API key and the region it was issued for"),
        404 => Some("check the ids and the region"),
        429 => Some("rate limited: slow down or raise the retry deadline"),
        _ => None,
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the API answered {}", self.status)?;
        let reason = reason(self.status);
        if !reason.is_empty() {
            write!(f, " {reason}")?;
        }
        if self.attempts > 1 {
            write!(f, " after {} attempts", self.attempts)?;
        }
        if let Some(m) = &self.message {
            write!(f, ": {m}")?;
        }
        for (i, line) in self.lines().iter().enumerate() {
            f.write_str(if i == 0 { " (" } else { "; " })?;
            f.write_str(line)?;
        }
        if self.details.is_some() {
            f.write_str(")")?;
        }
        if let Some(s) = &self.snippet {
            write!(f, ": body starts {}", crate::error::Quoted(s))?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request id {id}]")?;
        }
        match self.retry_after.as_deref() {
            // The setting that stopped the retries, not a generic hint.
            Some(&RetryAfter {
                asked,
                over_cap: Some(cap),
            }) => write!(
                f,
                "; the server asked to wait {} before trying again, longer than the {} \
                 `RetryPolicy::with_max_retry_after` allows: raise it to wait that long, or try later",
                Seconds(asked),
                Seconds(cap)
            )?,
            _ => {
                if let Some(h) = hint(self.status) {
                    write!(f, "; {h}")?;
                }
            }
        }
        if self.status == 404 && self.unversioned_base_url {
            f.write_str("; the base URL does not end in the API's version, /v2: check it too")?;
        }
        Ok(())
    }
}

impl core::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_body_keeps_message_and_details() {
        let body = br#"{"status_code":400,"message":"bad input","details":[{"loc":["query","limit"],"msg":"too big","type":"x"},{"field":"name","message":"empty"},7]}"#;
        let e = ApiError::from_response(400, Some("req-1"), body);
        assert_eq!(e.message(), Some("bad input"));
        assert_eq!(e.details().len(), 3);
        let lines: Vec<_> = e.detail_lines().collect();
        assert_eq!(lines, ["query.limit: too big", "name: empty", "7"]);
        assert!(e.body_snippet().is_none());
    }

    #[test]
    fn html_body_becomes_a_one_line_snippet() {
        let e = ApiError::from_response(502, None, b"<html>\n <body>Bad gateway</body>\n</html>");
        assert_eq!(e.body_snippet(), Some("<html> <body>Bad gateway</body> </html>"));
        assert!(e.is_retryable());
    }

    #[test]
    fn fastapi_detail_is_read() {
        let e = ApiError::from_response(
            422,
            None,
            br#"{"detail":[{"loc":["body","name"],"msg":"field required"}]}"#,
        );
        assert_eq!(
            e.detail_lines().next().as_deref(),
            Some("body.name: field required")
        );
        let e = ApiError::from_response(404, None, br#"{"detail":"Not Found"}"#);
        assert_eq!(e.message(), Some("Not Found"));
    }

    #[test]
    fn server_text_cannot_break_the_line() {
        let e = ApiError::from_response(
            400,
            Some("a\nb"),
            br#"{"message":"one\ntwo\u001b[31m","details":[{"msg":"x\ny"}]}"#,
        );
        assert!(!e.to_string().contains(['\n', '\u{1b}']), "{e}");
    }

    #[test]
    fn an_echoed_key_is_scrubbed_from_every_piece_of_server_text() {
        let key = "sk-live-ECHOED-9f3a";
        let secrets = Secrets::default().with(key);
        let body = alloc::format!(
            r#"{{"message":"bad key {key}","details":[{{"field":"{key}","message":"was {key}"}},["{key}"]]}}"#
        );
        let e = ApiError::from_response_scrubbed(401, Some(key), body.as_bytes(), &secrets);
        let shown = alloc::format!("{e} {e:?}");
        assert!(!shown.contains(key), "{shown}");
        assert_eq!(e.message(), Some("bad key <redacted>"));
        // In an HTML page, and where a cut at the snippet's length would leave half of it.
        let html = alloc::format!("<p>{}{key}</p>", "x".repeat(SNIPPET_CHARS - 10));
        let e = ApiError::from_response_scrubbed(403, None, html.as_bytes(), &secrets);
        assert!(!e.to_string().contains("sk-live"), "{e}");
    }

    #[test]
    fn long_bodies_are_cut() {
        let body = "x".repeat(10_000);
        let e = ApiError::from_response(500, None, body.as_bytes());
        assert_eq!(e.body_snippet().unwrap().chars().count(), SNIPPET_CHARS + 1);
    }
}
