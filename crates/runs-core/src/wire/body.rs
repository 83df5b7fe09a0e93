//! The cap on a response body; the rule is on [`body_too_large`].

use alloc::string::String;
use core::fmt;

use crate::error::{Delivery, TransportError, TransportErrorKind};
use crate::http::HeaderSource;

/// The `Content-Length` a response declares, when it is one plain number.
pub fn declared_length(headers: &dyn HeaderSource) -> Option<u64> {
    let value = headers.header("content-length")?.trim();
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // More digits than a u64 holds is still a length over any cap.
    Some(value.parse().unwrap_or(u64::MAX))
}

/// Whether a response declaring `headers` must be refused before its body is read.
pub fn declared_over(headers: &dyn HeaderSource, limit: usize) -> Option<u64> {
    declared_length(headers).filter(|&n| n > u64::try_from(limit).unwrap_or(u64::MAX))
}

/// The error for a response body over `limit` bytes. `context` is the request's method and
/// URL; `declared` the `Content-Length` when that is how it was found out.
///
/// # How it works
///
/// The cap on a response body, as every transport applies it.
///
/// A transport reads at most [`Config::max_body_bytes`](crate::Config::max_body_bytes) of a
/// body. It refuses a response whose `Content-Length` is already over the cap before reading
/// any of the body (a hostile server may declare a gigabyte and send it slowly), and stops
/// reading one that turns out to be longer. Either way the error is [`body_too_large`]: it
/// names the request, the status the server answered with (an oversized *error* page is still
/// an answer worth naming) and the limit, so both transports say the same thing.
pub fn body_too_large(context: &str, status: u16, limit: usize, declared: Option<u64>) -> TransportError {
    let mut where_ = String::with_capacity(context.len() + 16);
    where_.push_str(context);
    where_.push_str(&alloc::format!(", which answered {status}"));
    TransportError::new(TransportErrorKind::BodyTooLarge, Delivery::MaybeSent, where_)
        .with_source(OverLimit { limit, declared })
}

/// Why a body was refused: over the response limit, by its declared length or as read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OverLimit {
    limit: usize,
    declared: Option<u64>,
}

impl OverLimit {
    /// The limit, in bytes.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// The `Content-Length` the server declared, when the body was refused by it.
    pub fn declared(&self) -> Option<u64> {
        self.declared
    }
}

impl fmt::Display for OverLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.declared {
            Some(n) => write!(
                f,
                "its Content-Length of {n} bytes is over the response limit of {} bytes (max_body_bytes); none of it was read",
                self.limit
            ),
            None => write!(
                f,
                "it is longer than the response limit of {} bytes (max_body_bytes)",
                self.limit
            ),
        }
    }
}

impl core::error::Error for OverLimit {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_declared_length_is_read_only_when_it_is_a_number() {
        assert_eq!(declared_length(&[("Content-Length", " 42 ")]), Some(42));
        assert_eq!(
            declared_length(&[("content-length", "99999999999999999999999")]),
            Some(u64::MAX)
        );
        assert_eq!(declared_length(&[("content-length", "-1")]), None);
        assert_eq!(declared_length(&[("content-length", "1, 1")]), None);
        assert_eq!(declared_over(&[("content-length", "11")], 10), Some(11));
        assert_eq!(declared_over(&[("content-length", "10")], 10), None);
    }

    #[test]
    fn the_error_names_the_status_and_the_response_limit() {
        let e = body_too_large("GET http://127.0.0.1:1/v2/runs/r", 500, 1000, Some(5000));
        // The error, then its source, as a chain printer shows them.
        let source = core::error::Error::source(&e)
            .map(|s| alloc::format!(": {s}"))
            .unwrap_or_default();
        assert_eq!(
            alloc::format!("{e}{source}"),
            "the response body is too large (GET http://127.0.0.1:1/v2/runs/r, which answered 500): \
             its Content-Length of 5000 bytes is over the response limit of 1000 bytes (max_body_bytes); \
             none of it was read"
        );
        assert!(!crate::Error::Transport(e).is_retryable());
    }
}
