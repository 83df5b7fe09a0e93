//! What runs-core's own crates share and do not promise: the machinery that the bundled
//! transports (runs-blocking, runs-async) expand or call, kept in one room as rustls keeps its
//! `internal` module.
//!
//! Nothing here is part of the API. It is hidden from rustdoc and from the `api/` listings,
//! and any release, a patch release included, may change or remove it. The crates that use it
//! depend on runs-core with an exact (`=`) version, so they never meet a runs-core whose room
//! was rearranged under them. A program (or a third-party transport) that names an item here
//! is on its own: [`transport`](crate::transport) holds everything a transport is promised.
//!
//! The macros are exported at the crate root under `__`-prefixed names, as `#[macro_export]`
//! requires; their names here are the ones to use.

/// The re-exports of runs-core's root a client crate makes, so its users need no second
/// dependency.
pub use crate::__client_reexports as client_reexports;
/// The client operations every bundled transport has (`get_run`, `start_run`, `runs`, …),
/// expanded in the transport's `Client` in its mode (`maybe_async::must_be_sync` or
/// `must_be_async`).
pub use crate::__client_surface as client_surface;
/// The parts of a transport's `FileSource` that do not depend on its reader trait.
pub use crate::__file_source_common as file_source_common;
/// An operation's span in a transport: a `tracing` span with that feature, a [`NoSpan`]
/// without it.
pub use crate::__span as span;
pub use crate::trace::NoSpan;
#[cfg(feature = "tracing")]
pub use crate::trace::page_span;
pub use crate::wire::get_run_call;

/// `request` as an `http::Request` with the `host` header already in its map, as hyper-util's
/// client values it; saves that client a reallocation of the header map on every request.
#[cfg(feature = "http")]
pub fn into_http_with_host<B>(
    request: crate::transport::Request,
    body: impl FnOnce(alloc::vec::Vec<u8>) -> B,
) -> Result<http::Request<B>, http::Error> {
    request.into_http_with_host(body)
}
