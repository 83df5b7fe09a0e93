//! One request and its whole response over the shared connection pool: the transport's only
//! I/O, with no opinion on what the response means.
//!
//! The attempt's timeout covers everything (waiting for a connection slot, connecting, sending,
//! the headers and the last byte of the body); the body is read into memory up to the
//! configured cap and no further.

use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper_util::client::legacy;
use runs_core::{Delivery, Request, TransportError, TransportErrorKind};
use tokio::sync::Semaphore;

use crate::connect::{ConnectFailure, Connector};

/// The most requests one client (clones included) has in flight at once; further requests wait
/// for a slot, within their own timeout.
///
/// HTTP/1.1 carries one request at a time per connection, so without a bound a burst of calls
/// would open a connection each. With it, the pool holds about this many connections: a few
/// more may open when a connection is handed back to the pool just after a new request looked
/// for an idle one. Exposed for documentation; it is not a setting.
pub const MAX_IN_FLIGHT: usize = 64;

/// How long an unused pooled connection is kept. Below the idle timeouts of common servers and
/// load balancers (60 s), so the client closes first and does not reuse a connection the server
/// is closing.
pub const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// Sends requests over a pooled hyper client.
#[derive(Debug)]
pub(crate) struct Exchange {
    http: legacy::Client<Connector, Full<Bytes>>,
    slots: Semaphore,
    max_body_bytes: usize,
}

impl Exchange {
    pub(crate) fn new(http: legacy::Client<Connector, Full<Bytes>>, max_body_bytes: usize) -> Self {
        Self {
            http,
            slots: Semaphore::new(MAX_IN_FLIGHT),
            max_body_bytes,
        }
    }

    /// Sends `request` and reads the whole response, all within `timeout`.
    pub(crate) async fn send(
        &self,
        request: Request,
        timeout: Duration,
    ) -> Result<http::Response<Bytes>, TransportError> {
        let request = request
            .into_http(|body| Full::new(Bytes::from(body)))
            .map_err(|e| {
                TransportError::new(TransportErrorKind::Io, Delivery::NotSent, "building the request")
                    .with_source(e)
            })?;
        // Cheap copies (a shared buffer and a tag), kept to name the request only if it fails:
        // the success path formats nothing.
        let target = Target(request.method().clone(), request.uri().clone());
        match tokio::time::timeout(timeout, self.attempt(request, &target)).await {
            Ok(result) => result,
            Err(_) => Err(target
                .error(TransportErrorKind::Timeout, Delivery::MaybeSent)
                .with_source(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("no whole response within {timeout:?}"),
                ))),
        }
    }

    async fn attempt(
        &self,
        request: http::Request<Full<Bytes>>,
        target: &Target,
    ) -> Result<http::Response<Bytes>, TransportError> {
        // The semaphore is never closed, so acquiring only ever waits.
        let _slot = self.slots.acquire().await.map_err(|e| {
            target
                .error(TransportErrorKind::Io, Delivery::NotSent)
                .with_source(e)
        })?;
        let response = self.http.request(request).await.map_err(|e| {
            let (kind, delivery) = if e.is_connect() {
                let kind = ConnectFailure::find_kind(&e).unwrap_or(TransportErrorKind::Connect);
                (kind, Delivery::NotSent)
            } else {
                (TransportErrorKind::Io, Delivery::MaybeSent)
            };
            target.error(kind, delivery).with_source(Below(e))
        })?;
        let (parts, body) = response.into_parts();
        let status = parts.status.as_u16();
        let limit = self.max_body_bytes;
        // Refused unread: a server may declare a gigabyte and send it slowly.
        if let Some(declared) = runs_core::body::declared_over(&parts.headers, limit) {
            return Err(runs_core::body::body_too_large(
                &target.describe(),
                status,
                limit,
                Some(declared),
            ));
        }
        let body = Limited::new(body, limit)
            .collect()
            .await
            .map_err(|e| {
                if e.is::<LengthLimitError>() {
                    runs_core::body::body_too_large(&target.describe(), status, limit, None)
                } else {
                    target
                        .error(TransportErrorKind::Io, Delivery::MaybeSent)
                        .with_source(e)
                }
            })?
            .to_bytes();
        Ok(http::Response::from_parts(parts, body))
    }
}

/// The method and URL of a request in flight, to name it in an error (never its headers).
struct Target(http::Method, http::Uri);

impl Target {
    fn describe(&self) -> String {
        format!("{} {}", self.0, self.1)
    }

    fn error(&self, kind: TransportErrorKind, delivery: Delivery) -> TransportError {
        TransportError::new(kind, delivery, self.describe())
    }
}

/// hyper-util's error, shown by its cause: its own text (`client error (Connect)`) says less
/// than what is below it.
struct Below(legacy::Error);

impl fmt::Debug for Below {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for Below {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.source() {
            Some(cause) => fmt::Display::fmt(cause, f),
            None => fmt::Display::fmt(&self.0, f),
        }
    }
}

impl StdError for Below {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.0.source().and_then(StdError::source)
    }
}
