//! Errors from the object storage an upload goes to (another service than the API).
//!
//! Storage answers a failed upload with XML (`<Error><Code>AccessDenied</Code><Message>…
//! </Message></Error>`), or with an empty body. [`StorageError::from_response`] never fails:
//! it keeps the code, message and request id it can read, and for a body that is not that XML
//! a short snippet of the text. Everything read is server text: scrubbed of control characters
//! and cut short before it reaches an error message.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::error::{Quoted, one_line};
use crate::http::HeaderSource;
use crate::secret::Secrets;

/// How many characters of a body that is not storage XML an error keeps.
const SNIPPET_CHARS: usize = 200;

/// The storage service refused an upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageError {
    status: u16,
    code: Option<String>,
    message: Option<String>,
    request_id: Option<String>,
    snippet: Option<String>,
}

impl StorageError {
    /// Reads a storage error response; never fails, whatever the body.
    pub fn from_response(status: u16, headers: &dyn HeaderSource, body: &[u8]) -> Self {
        Self::read(status, headers, body, &Secrets::default())
    }

    /// [`from_response`](Self::from_response) with `secrets` scrubbed from everything read
    /// (code, message, request id, snippet) before it is cut short, so a storage service that
    /// echoes the API key back cannot put it in an error.
    pub(crate) fn read(status: u16, headers: &dyn HeaderSource, body: &[u8], secrets: &Secrets) -> Self {
        let lossy = String::from_utf8_lossy(body);
        let text = secrets.scrub(&lossy);
        let error = element(&text, "Error");
        let within = error.as_deref().unwrap_or("");
        let field = |name: &str| {
            element(within, name)
                .map(|t| one_line(&t, 1000))
                .filter(|t| !t.is_empty())
        };
        let code = field("Code");
        let message = field("Message");
        let request_id = headers
            .header("x-amz-request-id")
            .map(|id| String::from(secrets.scrub(id)))
            .or_else(|| element(within, "RequestId"))
            .map(|id| one_line(&id, 100));
        let snippet = (code.is_none() && message.is_none() && !body.is_empty()).then(|| {
            let flat: Vec<&str> = text.split_whitespace().collect();
            one_line(&flat.join(" "), SNIPPET_CHARS)
        });
        Self {
            status,
            code,
            message,
            request_id,
            snippet,
        }
    }

    /// A synthetic error, for emulators and tests.
    pub fn new(status: u16, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            status,
            code: Some(code.into()),
            message: Some(message.into()),
            request_id: None,
            snippet: None,
        }
    }

    /// The HTTP status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The storage service's error code (`AccessDenied`, `EntityTooLarge`...), when it sent one.
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// The storage service's message, when it sent one.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// The storage request id (`x-amz-request-id`, or `<RequestId>`), for support.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The start of a body that was not storage XML.
    pub fn body_snippet(&self) -> Option<&str> {
        self.snippet.as_deref()
    }

    /// Whether the upload target has expired: the storage said so in its code or message.
    pub fn is_expired(&self) -> bool {
        let says_expired = |s: &Option<String>| {
            s.as_deref()
                .is_some_and(|s| s.to_ascii_lowercase().contains("expired"))
        };
        says_expired(&self.code) || says_expired(&self.message)
    }

    /// Whether uploading again, to a new target, could succeed: an expired target, a rate
    /// limit, or a failure on the storage side. The same target is never tried again.
    pub fn is_retryable(&self) -> bool {
        self.is_expired() || matches!(self.status, 408 | 429 | 500..=599)
    }
}

impl fmt::Display for StorageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the storage service answered {} to the upload", self.status)?;
        match (&self.code, &self.message) {
            (Some(c), Some(m)) => write!(f, ": {c}: {m}")?,
            (Some(t), None) | (None, Some(t)) => write!(f, ": {t}")?,
            (None, None) => {}
        }
        if let Some(s) = &self.snippet {
            write!(f, ": body starts {}", Quoted(s))?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request id {id}]")?;
        }
        if self.is_expired() {
            f.write_str("; the upload target has expired: create a new one and upload again")?;
        }
        Ok(())
    }
}

impl core::error::Error for StorageError {}

/// The text of the first `<name>…</name>` in `xml`, entities decoded; `None` if there is none.
/// Not an XML parser: storage errors are flat, and anything else yields `None`.
fn element(xml: &str, name: &str) -> Option<String> {
    let open = alloc::format!("<{name}>");
    let close = alloc::format!("</{name}>");
    let start = xml.find(&open)? + open.len();
    let len = xml[start..].find(&close)?;
    Some(unescape(&xml[start..start + len]))
}

/// Decodes the five predefined XML entities and numeric character references; anything else
/// is kept as it is.
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let decoded = rest.find(';').filter(|&end| end <= 12).and_then(|end| {
            let entity = &rest[1..end];
            let ch = match entity {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => entity
                    .strip_prefix("#x")
                    .map(|h| u32::from_str_radix(h, 16))
                    .or_else(|| entity.strip_prefix('#').map(str::parse::<u32>))
                    .and_then(Result::ok)
                    .and_then(char::from_u32),
            };
            ch.map(|c| (c, end))
        });
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const NO_HEADERS: [(&str, &str); 0] = [];

    #[test]
    fn an_s3_error_keeps_code_message_and_request_id() {
        let body = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code>\
            <Message>Invalid according to Policy: Policy expired.</Message>\
            <RequestId>R1</RequestId><HostId>h</HostId></Error>";
        let e = StorageError::from_response(403, &NO_HEADERS, body);
        assert_eq!(e.code(), Some("AccessDenied"));
        assert_eq!(e.message(), Some("Invalid according to Policy: Policy expired."));
        assert_eq!(e.request_id(), Some("R1"));
        assert!(e.is_expired() && e.is_retryable());
        assert!(e.body_snippet().is_none());
    }

    #[test]
    fn entities_are_decoded_and_control_characters_scrubbed() {
        let body = b"<Error><Code>X</Code><Message>a &lt;b&gt; &amp; &#x41;&#66; &bogus; \n\x1b[31m</Message></Error>";
        let e = StorageError::from_response(400, &[("x-amz-request-id", "hdr")], body);
        assert_eq!(e.message(), Some("a <b> & AB &bogus;   [31m"));
        assert_eq!(e.request_id(), Some("hdr"), "the header wins");
        assert!(!e.to_string().contains(['\n', '\u{1b}']));
    }

    #[test]
    fn an_empty_or_foreign_body_still_names_the_status() {
        let e = StorageError::from_response(503, &NO_HEADERS, b"");
        assert_eq!(e.to_string(), "the storage service answered 503 to the upload");
        assert!(e.is_retryable());
        let e = StorageError::from_response(400, &NO_HEADERS, b"<html>\n<b>no</b></html>");
        assert_eq!(e.body_snippet(), Some("<html> <b>no</b></html>"));
        assert!(!e.is_retryable());
    }
}
