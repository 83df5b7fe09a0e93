//! Sockets: the accept loop, one hyper connection per client, faults, limits and shutdown.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

use crate::api::Api;
use crate::body::Body;
use crate::counters::Cells;
use crate::fault::{Fault, FaultKind, Route};
use crate::reply::Reply;
use crate::routing::{Target, route};

/// Connection limits.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub(crate) header_read_timeout: Duration,
    pub(crate) max_header_bytes: usize,
    pub(crate) tls_handshake_timeout: Duration,
    pub(crate) shutdown_grace: Duration,
}

/// The error that makes hyper drop a connection without (finishing) a response.
#[derive(Debug)]
pub(crate) struct CloseConnection;

impl fmt::Display for CloseConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection closed on purpose")
    }
}

impl std::error::Error for CloseConnection {}

/// Waits until shutdown is asked for (or the emulator handle is gone).
async fn shutting_down(mut rx: watch::Receiver<bool>) {
    let _ = rx.wait_for(|stop| *stop).await;
}

/// Which of the emulator's two origins a listener serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    /// The Runs API under `/v2`.
    Api,
    /// The upload target (object storage), every request of it [`Route::Upload`].
    Storage,
}

/// Serves until `shutdown` turns true, then closes connections gracefully.
pub(crate) async fn serve(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    api: Arc<Api>,
    shutdown: watch::Receiver<bool>,
    limits: Limits,
    origin: Origin,
) {
    let graceful = GracefulShutdown::new();
    loop {
        let accepted = tokio::select! {
            () = shutting_down(shutdown.clone()) => break,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(_) => {
                // Out of file descriptors, most likely: give other connections time to close
                // rather than spin, but stay responsive to shutdown.
                tokio::select! {
                    () = shutting_down(shutdown.clone()) => break,
                    () = tokio::time::sleep(Duration::from_millis(10)) => continue,
                }
            }
        };
        Cells::bump(&api.counters.connections);
        let _ = stream.set_nodelay(true);
        let watcher = graceful.watcher();
        let api = api.clone();
        let shutdown = shutdown.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            let service = {
                let shutdown = shutdown.clone();
                service_fn(move |req| respond(api.clone(), shutdown.clone(), req, origin))
            };
            let mut builder = http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_read_timeout)
                .max_buf_size(limits.max_header_bytes.max(8192))
                .keep_alive(true);
            match tls {
                None => {
                    let conn = builder.serve_connection(TokioIo::new(stream), service);
                    let _ = watcher.watch(conn).await;
                }
                Some(acceptor) => {
                    let handshake =
                        tokio::time::timeout(limits.tls_handshake_timeout, acceptor.accept(stream));
                    let stream = tokio::select! {
                        () = shutting_down(shutdown) => return,
                        done = handshake => match done {
                            Ok(Ok(stream)) => stream,
                            _ => return,
                        },
                    };
                    let conn = builder.serve_connection(TokioIo::new(stream), service);
                    let _ = watcher.watch(conn).await;
                }
            }
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(limits.shutdown_grace, graceful.shutdown()).await;
}

fn reply_to_response(reply: Reply) -> Response<Body> {
    let content_type = reply.content_type();
    let mut response = Response::new(Body::full(reply.body));
    *response.status_mut() = reply.status;
    if !reply.content_type.is_empty() {
        response.headers_mut().insert(header::CONTENT_TYPE, content_type);
    }
    if let Some(allow) = reply.allow {
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static(allow));
    }
    if let Some(seconds) = reply.retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

fn status_code(status: u16) -> StatusCode {
    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// Answers one request: a fault if one is queued for its route, the API otherwise.
async fn respond(
    api: Arc<Api>,
    shutdown: watch::Receiver<bool>,
    req: Request<Incoming>,
    origin: Origin,
) -> Result<Response<Body>, CloseConnection> {
    let path = req.uri().path().to_owned();
    let target = match origin {
        Origin::Api => route(req.method(), &path),
        Origin::Storage => Target::Route(Route::Upload, None),
    };
    let route = match target {
        Target::Route(route, _) => Some(route),
        _ => None,
    };
    api.counters.count_request(route);
    let Some(fault) = route.and_then(|r| api.take_fault(r)) else {
        return Ok(reply_to_response(answer(&api, &target, req).await?));
    };
    Cells::bump(&api.counters.faults_applied);
    if !fault.delay_time().is_zero() {
        tokio::select! {
            () = shutting_down(shutdown.clone()) => return Err(CloseConnection),
            () = tokio::time::sleep(fault.delay_time()) => {}
        }
    }
    let mut response = match fault_response(&api, &fault, &target, req, shutdown).await? {
        Some(response) => response,
        None => return Err(CloseConnection),
    };
    if let Some(retry_after) = fault.retry_after_value() {
        if let Ok(value) = HeaderValue::from_str(&retry_after.header_value()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
    }
    Ok(response)
}

const MALFORMED_JSON: &[u8] = b"{\"id\": oops, this is not JSON";
const TRUNCATED_JSON: &[u8] = br#"{"id":"b4fznghynbdemslfd5k044fgd","name":"trunc"#;

fn json_200(body: Body) -> Response<Body> {
    let mut response = Response::new(body);
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

async fn fault_response(
    api: &Api,
    fault: &Fault,
    target: &Target<'_>,
    req: Request<Incoming>,
    shutdown: watch::Receiver<bool>,
) -> Result<Option<Response<Body>>, CloseConnection> {
    let response = match fault.kind() {
        FaultKind::Respond {
            status,
            content_type,
            body,
        } => {
            if let Target::Route(Route::Upload, _) = target {
                // Storage reads a whole POST form before it answers. Answering first and
                // closing with the body unread would have the kernel reset the connection,
                // and a client still writing could see the reset instead of the answer: a
                // race in every test of an upload fault.
                drain(req.into_body()).await;
            }
            let mut response = Response::new(Body::full(Bytes::from(body.clone())));
            *response.status_mut() = status_code(*status);
            if let Ok(value) = HeaderValue::from_str(content_type) {
                response.headers_mut().insert(header::CONTENT_TYPE, value);
            }
            response
        }
        FaultKind::RespondAfterProcessing { status } => {
            answer(api, target, req).await?;
            let status = status_code(*status);
            reply_to_response(Reply::error(status, "injected fault after processing", None))
        }
        FaultKind::Proceed => reply_to_response(answer(api, target, req).await?),
        FaultKind::CloseMidBody { declared, sent } => {
            let sent = usize::try_from(*sent)
                .unwrap_or(usize::MAX)
                .min(TRUNCATED_JSON.len());
            let mut response = json_200(Body::Broken {
                head: Some(Bytes::from_static(&TRUNCATED_JSON[..sent])),
                flushed: false,
            });
            response
                .headers_mut()
                .insert(header::CONTENT_LENGTH, HeaderValue::from(*declared));
            response
        }
        FaultKind::CloseBeforeResponse => return Ok(None),
        FaultKind::CloseAfterProcessing => {
            answer(api, target, req).await?;
            return Ok(None);
        }
        FaultKind::MalformedJson => json_200(Body::full(Bytes::from_static(MALFORMED_JSON))),
        FaultKind::TruncatedJson => json_200(Body::full(Bytes::from_static(TRUNCATED_JSON))),
        FaultKind::Oversized {
            bytes,
            content_length,
        } => json_200(Body::filler(*bytes, *content_length)),
        FaultKind::Hang => {
            shutting_down(shutdown).await;
            return Ok(None);
        }
    };
    Ok(Some(response))
}

/// Reads a request body to its end, keeping nothing (a frame at a time: an upload may be large).
async fn drain(mut body: Incoming) {
    use http_body_util::BodyExt;
    while let Some(Ok(_)) = body.frame().await {}
}

/// The API's own answer: routing errors, the body limit, authentication, then the operation.
async fn answer(api: &Api, target: &Target<'_>, req: Request<Incoming>) -> Result<Reply, CloseConnection> {
    let (route, segment) = match *target {
        Target::NotFound => {
            return Ok(Reply::error(StatusCode::NOT_FOUND, "no such path", None));
        }
        Target::MethodNotAllowed(allow) => {
            let mut reply = Reply::error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed", None);
            reply.allow = Some(allow);
            return Ok(reply);
        }
        Target::Route(Route::Upload, _) => return crate::object_storage::receive(api, req).await,
        Target::Route(route, segment) => (route, segment),
    };
    if let Some(refusal) = api.authenticate(req.headers().get(runs_core::transport::API_KEY_HEADER)) {
        return Ok(refusal);
    }
    if let Some(Err(wait)) = api
        .rate_limit
        .as_ref()
        .map(|l| l.admit(std::time::Instant::now()))
    {
        Cells::bump(&api.counters.rate_limited);
        let mut reply = Reply::error(
            StatusCode::TOO_MANY_REQUESTS,
            "rate limit exceeded: slow down and retry after the time in Retry-After",
            None,
        );
        reply.retry_after = Some(crate::limits::retry_after_seconds(wait));
        return Ok(reply);
    }
    let too_large = || {
        Reply::error(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the body is larger than {} bytes", api.max_body_bytes),
            None,
        )
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > api.max_body_bytes as u64) {
        return Ok(too_large());
    }
    let query = req.uri().query().map(str::to_owned);
    let body = match Limited::new(req.into_body(), api.max_body_bytes).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => return Ok(too_large()),
        // The client went away or sent a broken body: nobody is left to answer.
        Err(_) => return Err(CloseConnection),
    };
    Ok(api.handle(route, segment, query.as_deref(), &body))
}
