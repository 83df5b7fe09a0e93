//! What the machines tell [`tracing`](https://docs.rs/tracing), with the `tracing` feature.
//!
//! The decisions are made here, so this is where they are reported: each attempt (method,
//! path, attempt number, status, elapsed time, the server's request id), each retry (its
//! reason, the delay and whether `Retry-After` or backoff chose it), each wait poll (the status
//! seen) and each page of a listing. `tracing` works without `std`, so runs-core stays
//! `no_std`; without the feature every event compiles to nothing. With it, an event that no
//! subscriber wants costs one check of a static level, and none of its fields is computed.
//!
//! Field names follow OpenTelemetry's HTTP client conventions where one exists
//! (`http.request.method`, `url.path`, `http.response.status_code`,
//! `http.request.resend_count`, `error.type`). Nothing secret is ever a field: no header is
//! recorded, `url.path` has no query string (a continuation token may be there), and server
//! text (a status, a request id) is scrubbed of the configured secrets and recorded with
//! `Debug`, so its control characters arrive escaped in any log.
//!
//! The spans around these events (one per operation, and per page of a listing) are opened
//! by the transports, through [`span!`](crate::__private::span).

/// Emits a `tracing` event with the `tracing` feature; nothing without it.
macro_rules! event {
    // Fields go in braces: tracing cannot parse dotted names after `target:` otherwise.
    ($level:ident, { $($fields:tt)* }, $message:literal) => {
        #[cfg(feature = "tracing")]
        {
            ::tracing::$level!(target: "runs", { $($fields)* }, $message);
        }
    };
}
pub(crate) use event;

/// The path of an absolute `url` after its origin (`origin_len` bytes), without the query.
#[cfg(feature = "tracing")]
pub(crate) fn path(url: &str, origin_len: usize) -> &str {
    let path = url.get(origin_len..).unwrap_or_default();
    path.split('?').next().unwrap_or_default()
}

/// Milliseconds, for the `elapsed_ms` and `retry.delay_ms` fields.
#[cfg(feature = "tracing")]
pub(crate) fn millis(d: core::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// What chose a retry's delay: the server's `Retry-After`, or the client's backoff.
#[cfg(feature = "tracing")]
pub(crate) fn basis(retry_after: Option<core::time::Duration>) -> &'static str {
    if retry_after.is_some() {
        "retry-after"
    } else {
        "backoff"
    }
}

/// A span that does nothing: what [`span!`](crate::__private::span) gives a transport built without
/// its `tracing` feature.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoSpan;

/// Opens an operation's span in a transport: `tracing::info_span!` when the *calling* crate
/// has its `tracing` feature, [`NoSpan`] otherwise. Machinery for the bundled transports.
#[doc(hidden)]
#[macro_export]
macro_rules! __span {
    ($($args:tt)+) => {{
        #[cfg(feature = "tracing")]
        let span = ::tracing::info_span!(target: "runs", $($args)+);
        #[cfg(not(feature = "tracing"))]
        let span = $crate::__private::NoSpan;
        span
    }};
}

/// The span of one page's fetch in a listing: the query's ids and how many items came before
/// it. Machinery for the bundled transports.
#[cfg(feature = "tracing")]
pub fn page_span<Q: crate::transport::PageQuery>(listing: &crate::transport::Listing<Q>) -> tracing::Span {
    let paginator = listing.paginator();
    paginator.query().page_span(paginator.handed_out())
}
