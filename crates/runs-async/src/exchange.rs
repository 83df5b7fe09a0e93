//! One request and its whole response over the shared connection pool: the transport's only
//! I/O, with no opinion on what the response means.
//!
//! The attempt's timeout covers everything (waiting for a connection slot, connecting, sending,
//! the headers and the last byte of the body); the body is read into memory up to the
//! configured cap and no further.

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper_util::client::legacy;
use runs_core::transport::{Request, UploadRequest};
use runs_core::{BoxError, Delivery, TransportError, TransportErrorKind};
use tokio::sync::Semaphore;
use tower::Service;
use tower::util::BoxCloneSyncService;

use crate::connect::{ConnectFailure, Connector};
use crate::upload::UploadBody;

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

/// The client's own HTTP exchange as a [`tower::Service`]: what a layer given to
/// [`Client::with_layer`](crate::Client::with_layer) wraps.
///
/// It takes a request whose body is whole (`http::Request<Bytes>`) and answers with the
/// whole response, its body read up to the configured cap (`http::Response<Bytes>`); waiting
/// for one of the [`MAX_IN_FLIGHT`] slots, connecting (through the connection plan's proxy and
/// TLS) and reading happen inside. Its error is runs-core's [`TransportError`]. Cheap to clone:
/// clones share the connection pool.
#[derive(Clone)]
pub struct HttpService {
    inner: Arc<Pool>,
}

impl std::fmt::Debug for HttpService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpService")
            .field("max_body_bytes", &self.inner.max_body_bytes)
            .finish_non_exhaustive()
    }
}

#[derive(Debug)]
struct Pool {
    http: legacy::Client<Connector, Full<Bytes>>,
    /// The same connector (so the connection plan's proxy and roots) with a streamed body,
    /// for uploads to storage.
    uploads: legacy::Client<Connector, UploadBody>,
    slots: Semaphore,
    max_body_bytes: usize,
}

impl Service<http::Request<Bytes>> for HttpService {
    type Response = http::Response<Bytes>;
    type Error = TransportError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, TransportError>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        // Readiness is a free slot, waited for inside the call, within its timeout.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<Bytes>) -> Self::Future {
        let pool = self.inner.clone();
        Box::pin(async move {
            let target = Target(request.method().clone(), request.uri().clone());
            pool.attempt(request.map(Full::new), &target).await
        })
    }
}

/// A user's layers around the [`HttpService`], their error types erased.
pub(crate) type Layered = BoxCloneSyncService<http::Request<Bytes>, http::Response<Bytes>, BoxError>;

/// Sends requests over a pooled hyper client, through the user's layers when there are any.
#[derive(Debug)]
pub(crate) struct Exchange {
    service: HttpService,
    // `None` keeps the usual path free of a boxed service and a boxed future per request.
    layered: Option<Layered>,
}

impl Exchange {
    pub(crate) fn new(
        http: legacy::Client<Connector, Full<Bytes>>,
        uploads: legacy::Client<Connector, UploadBody>,
        max_body_bytes: usize,
    ) -> Self {
        Self {
            service: HttpService {
                inner: Arc::new(Pool {
                    http,
                    uploads,
                    slots: Semaphore::new(MAX_IN_FLIGHT),
                    max_body_bytes,
                }),
            },
            layered: None,
        }
    }

    /// The same pool, with `layered` (made around [`service`](Self::service)) in front.
    pub(crate) fn with_layered(&self, layered: Layered) -> Self {
        Self {
            service: self.service.clone(),
            layered: Some(layered),
        }
    }

    /// The exchange itself, for a layer to wrap.
    pub(crate) fn service(&self) -> HttpService {
        self.service.clone()
    }

    /// Sends `request` and reads the whole response, all within `timeout`, the user's layers
    /// included: a layer that waits (a rate limiter) waits within the attempt's time.
    pub(crate) async fn send(
        &self,
        request: Request,
        timeout: Duration,
    ) -> Result<http::Response<Bytes>, TransportError> {
        // Without a layer, the request goes to hyper-util as it is, and `host` (which it would
        // add) is in it already; a layer sees the request as it always has.
        let request = match self.layered {
            None => runs_core::__private::into_http_with_host(request, Bytes::from),
            Some(_) => request.into_http(Bytes::from),
        }
        .map_err(|e| {
            TransportError::new(TransportErrorKind::Io, Delivery::NotSent, "building the request")
                .with_source(e)
        })?;
        // Cheap copies (a shared buffer and a tag), kept to name the request only if it fails:
        // the success path formats nothing.
        let mut request = request;
        let connected = watch_connection(&mut request, self.layered.is_none());
        let target = Target(request.method().clone(), request.uri().clone());
        let attempt = async {
            match &self.layered {
                None => self.service.inner.attempt(request.map(Full::new), &target).await,
                Some(layered) => {
                    let mut layered = layered.clone();
                    let ready = std::future::poll_fn(|cx| layered.poll_ready(cx)).await;
                    match ready {
                        Ok(()) => layered.call(request).await,
                        Err(e) => Err(e),
                    }
                    .map_err(|e| target.layer_failure(e))
                }
            }
        };
        match tokio::time::timeout(timeout, attempt).await {
            Ok(result) => result,
            Err(_) => Err(target.timed_out(timeout, connected.as_ref())),
        }
    }
}

/// For a POST sent without a user's layer, a watch on whether the pool found it a connection:
/// hyper-util sets it when the request gets one (new or pooled), before writing a byte. An
/// attempt that times out before then provably sent nothing, so the POST may be sent again.
///
/// Only a POST: a GET is retried either way, and the watch costs a few allocations. Not with a
/// layer: one that rebuilt the request without its extensions would hide the connection and
/// turn a request that left into one said not to have.
fn watch_connection<B>(
    request: &mut http::Request<B>,
    unlayered: bool,
) -> Option<legacy::connect::CaptureConnection> {
    (unlayered && request.method() == http::Method::POST)
        .then(|| legacy::connect::capture_connection(request))
}

impl Exchange {
    /// Sends an upload with its streamed `body`. It does not pass through a user's layers,
    /// which take whole bodies (`http::Request<Bytes>`).
    ///
    /// Two clocks bound it: `timeout`, the whole attempt's, and the request's idle timeout,
    /// restarted each time the connection takes a chunk of the body: a storage service that
    /// stops reading, or never answers, ends the attempt that long after the last byte moved,
    /// whatever the file's size. An answer that comes before the whole body was taken is
    /// judged by runs-core ([`UploadRequest::early_answer`]).
    pub(crate) async fn send_upload(
        &self,
        request: &UploadRequest,
        body: UploadBody,
        timeout: Duration,
    ) -> Result<http::Response<Bytes>, TransportError> {
        let progress = body.progress();
        let planned = request;
        let mut request = request.to_http(body).map_err(|e| {
            TransportError::new(
                TransportErrorKind::Io,
                Delivery::NotSent,
                "building the upload request",
            )
            .with_source(e)
        })?;
        // Uploads never pass through a layer.
        let connected = watch_connection(&mut request, true);
        // The body waits for this (or a second) before it is sent: see `UploadBody`.
        let continued = progress.clone();
        hyper::ext::on_informational(&mut request, move |answer| {
            if answer.status() == http::StatusCode::CONTINUE {
                continued.continued();
            }
        });
        // Named without the query: a presigned URL carries its signature there.
        let target = Target(request.method().clone(), without_query(request.uri()));
        let pool = &self.service.inner;
        let exchange = pool.exchange(&pool.uploads, request, &target);
        let overall = tokio::time::sleep(timeout);
        let mut exchange = std::pin::pin!(exchange);
        let mut overall = std::pin::pin!(overall);
        let idle = planned.idle_timeout();
        let response = loop {
            use futures_util::future::{Either, select};
            let stalled = std::pin::pin!(tokio::time::sleep_until(progress.last_moved() + idle));
            match select(exchange.as_mut(), select(overall.as_mut(), stalled)).await {
                Either::Left((result, _)) => break result?,
                Either::Right((Either::Left(_), _)) => {
                    return Err(target.timed_out(timeout, connected.as_ref()));
                }
                // Woken at the idle timeout from the last chunk seen; a later chunk moved it.
                Either::Right((Either::Right(_), _)) => {
                    if progress.last_moved() + idle <= tokio::time::Instant::now() {
                        return Err(target.stalled(idle, connected.as_ref()));
                    }
                }
            }
        };
        if !progress.is_complete() {
            planned.early_answer(response.status().as_u16())?;
        }
        Ok(response)
    }
}

/// `uri` without its query.
fn without_query(uri: &http::Uri) -> http::Uri {
    let mut parts = uri.clone().into_parts();
    parts.path_and_query = parts
        .path_and_query
        .and_then(|pq| http::uri::PathAndQuery::try_from(pq.path()).ok());
    http::Uri::from_parts(parts).unwrap_or_else(|_| uri.clone())
}

impl Pool {
    async fn attempt(
        &self,
        request: http::Request<Full<Bytes>>,
        target: &Target,
    ) -> Result<http::Response<Bytes>, TransportError> {
        self.exchange(&self.http, request, target).await
    }

    /// One request on `http` (of the pool's two clients), within one of the slots, and its
    /// whole response up to the cap.
    async fn exchange<B>(
        &self,
        http: &legacy::Client<Connector, B>,
        request: http::Request<B>,
        target: &Target,
    ) -> Result<http::Response<Bytes>, TransportError>
    where
        B: http_body::Body + Send + Unpin + 'static,
        B::Data: Send,
        B::Error: Into<BoxError>,
    {
        // The semaphore is never closed, so acquiring only ever waits.
        let _slot = self.slots.acquire().await.map_err(|e| {
            target
                .error(TransportErrorKind::Io, Delivery::NotSent)
                .with_source(e)
        })?;
        let response = http.request(request).await.map_err(|e| {
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
        if let Some(declared) = runs_core::transport::declared_over(&parts.headers, limit) {
            return Err(runs_core::transport::body_too_large(
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
                    runs_core::transport::body_too_large(&target.describe(), status, limit, None)
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

    /// No byte moved for `idle`: named as the attempt's timeout is, after that long.
    fn stalled(
        &self,
        idle: Duration,
        connected: Option<&legacy::connect::CaptureConnection>,
    ) -> TransportError {
        let connecting = connected.is_some_and(|c| c.connection_metadata().is_none());
        if connecting {
            return self.timed_out(idle, connected);
        }
        self.error(TransportErrorKind::Timeout, Delivery::MaybeSent)
            .with_source(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("no byte of the upload moved for {idle:?}"),
            ))
    }

    /// The attempt's timeout: while still connecting (the watch saw no connection), a connect
    /// failure that sent nothing, as a connect timeout is; else a timeout that may have sent.
    fn timed_out(
        &self,
        timeout: Duration,
        connected: Option<&legacy::connect::CaptureConnection>,
    ) -> TransportError {
        let connecting = connected.is_some_and(|c| c.connection_metadata().is_none());
        let (kind, delivery, what) = if connecting {
            (TransportErrorKind::Connect, Delivery::NotSent, "no connection")
        } else {
            (
                TransportErrorKind::Timeout,
                Delivery::MaybeSent,
                "no whole response",
            )
        };
        self.error(kind, delivery).with_source(io::Error::new(
            io::ErrorKind::TimedOut,
            format!("{what} within {timeout:?}"),
        ))
    }

    /// A failure out of the user's layers: the exchange's own [`TransportError`] as it is;
    /// any other a middleware failure that may have sent the request (a layer that knows it
    /// did not can say so by failing with a `TransportError` of `Delivery::NotSent`).
    fn layer_failure(&self, error: BoxError) -> TransportError {
        match error.downcast::<TransportError>() {
            Ok(e) => *e,
            Err(other) => self
                .error(TransportErrorKind::Middleware, Delivery::MaybeSent)
                .with_source(other),
        }
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
