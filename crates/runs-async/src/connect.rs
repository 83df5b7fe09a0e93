//! Opening a connection: DNS and TCP, a `CONNECT` tunnel through a proxy, then TLS, all within
//! the configured connect timeout.
//!
//! Nothing of a request is written until all of this has succeeded, so every failure here means
//! the request provably never left ([`Delivery::NotSent`](runs_core::Delivery::NotSent)); the
//! exchange learns that from hyper-util (`is_connect()`), and learns *which* failure it was from
//! the [`ConnectFailure`] each stage tags its errors with.

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use std::sync::Arc;

use http::{HeaderValue, Uri};
use hyper_rustls::{HttpsConnector, MaybeHttpsStream};
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::rt::TokioIo;
use runs_core::{BoxError, ConnectionPlan, ProxyEndpoint, TransportErrorKind};
use tokio::net::TcpStream;
use tower_service::Service;

/// A TCP stream, as hyper reads and writes it.
pub(crate) type Tcp = TokioIo<TcpStream>;

type Connecting<T> = Pin<Box<dyn Future<Output = Result<T, ConnectFailure>> + Send>>;

/// A failure while opening a connection, tagged with what kind it was.
///
/// It is transparent: it displays as, and has the source of, the error it wraps, so an error
/// chain reads `connection refused` rather than a wrapper's name.
#[derive(Debug)]
pub(crate) struct ConnectFailure {
    kind: TransportErrorKind,
    error: BoxError,
}

impl ConnectFailure {
    fn new(kind: TransportErrorKind, error: impl Into<BoxError>) -> Self {
        Self {
            kind,
            error: error.into(),
        }
    }

    /// The kind tagged anywhere in `error`'s source chain (hyper-util wraps the connector's
    /// error in its own).
    pub(crate) fn find_kind(error: &(dyn StdError + 'static)) -> Option<TransportErrorKind> {
        let mut next = Some(error);
        while let Some(e) = next {
            if let Some(failure) = e.downcast_ref::<ConnectFailure>() {
                return Some(failure.kind);
            }
            next = e.source();
        }
        None
    }
}

impl fmt::Display for ConnectFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.error, f)
    }
}

impl StdError for ConnectFailure {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.error.source()
    }
}

async fn open_tcp(dst: Uri) -> Result<Tcp, ConnectFailure> {
    let (host, port) = host_and_port(&dst)?;
    let addrs = tokio::net::lookup_host((host.as_str(), port))
        .await
        .map_err(|e| ConnectFailure::new(TransportErrorKind::Dns, e))?;
    let mut last = None;
    for addr in addrs {
        match TcpStream::connect(addr).await {
            Ok(stream) => {
                // Requests are small and written whole; Nagle would only delay them.
                stream
                    .set_nodelay(true)
                    .map_err(|e| ConnectFailure::new(TransportErrorKind::Connect, e))?;
                return Ok(TokioIo::new(stream));
            }
            Err(e) => last = Some(e),
        }
    }
    Err(match last {
        Some(e) => ConnectFailure::new(TransportErrorKind::Connect, e),
        None => ConnectFailure::new(TransportErrorKind::Dns, format!("{host} resolved to no address")),
    })
}

/// The host (without IPv6 brackets) and port of `uri`, the port defaulting by scheme.
fn host_and_port(uri: &Uri) -> Result<(String, u16), ConnectFailure> {
    let host = uri
        .host()
        .ok_or_else(|| ConnectFailure::new(TransportErrorKind::Connect, "the URL has no host"))?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let port = uri.port_u16().unwrap_or(match uri.scheme_str() {
        Some("http") => 80,
        _ => 443,
    });
    Ok((host.to_owned(), port))
}

/// Resolves the host and opens a TCP connection to the first address that accepts, directly or
/// through a `CONNECT` tunnel when runs-core's connection plan names a proxy for the origin.
#[derive(Debug, Clone)]
pub(crate) struct Route {
    /// `None`: always direct (the hop to a proxy itself).
    plan: Option<Arc<ConnectionPlan>>,
}

impl Route {
    /// Connects as `plan` says for each origin.
    pub(crate) fn new(plan: ConnectionPlan) -> Self {
        Self {
            plan: Some(Arc::new(plan)),
        }
    }

    fn direct() -> Self {
        Self { plan: None }
    }
}

impl Service<Uri> for Route {
    type Response = Tcp;
    type Error = ConnectFailure;
    type Future = Connecting<Tcp>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, dst: Uri) -> Self::Future {
        let (host, port) = match host_and_port(&dst) {
            Ok(target) => target,
            Err(e) => return Box::pin(async { Err(e) }),
        };
        let https = dst.scheme_str() != Some("http");
        let Some(proxy) = self
            .plan
            .as_ref()
            .and_then(|plan| plan.proxy_for(https, &host, port))
        else {
            return Box::pin(open_tcp(dst));
        };
        let tunnel = proxy_tunnel(proxy);
        Box::pin(async move {
            // The tunnel reads the port from the URI and assumes 443 when there is none.
            let scheme = if https { "https" } else { "http" };
            let target: Uri = format!("{scheme}://{}:{port}", bracket(&host))
                .parse()
                .map_err(|e| ConnectFailure::new(TransportErrorKind::Proxy, e))?;
            tunnel?
                .call(target)
                .await
                .map_err(|e| ConnectFailure::new(TransportErrorKind::Proxy, e))
        })
    }
}

/// A `CONNECT` tunnel through `proxy`, its credentials (if any) marked sensitive.
fn proxy_tunnel(proxy: &ProxyEndpoint) -> Result<Tunnel<Route>, ConnectFailure> {
    let fail = |e: &dyn fmt::Display| {
        ConnectFailure::new(
            TransportErrorKind::Proxy,
            format!("the proxy {proxy} is unusable: {e}"),
        )
    };
    let uri: Uri = proxy.url().parse().map_err(|e| fail(&e))?;
    // The hop to the proxy itself is a direct connection.
    let mut tunnel = Tunnel::new(uri, Route::direct());
    if let Some(authorization) = proxy.authorization() {
        let mut value = HeaderValue::from_str(authorization).map_err(|_| fail(&"bad credentials"))?;
        value.set_sensitive(true);
        tunnel = tunnel.with_auth(value);
    }
    Ok(tunnel)
}

fn bracket(host: &str) -> String {
    if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_owned()
    }
}

/// The connector the pooled client uses: [`Route`] under TLS, within the connect timeout.
#[derive(Debug, Clone)]
pub(crate) struct Connector {
    https: HttpsConnector<Route>,
    timeout: Duration,
}

impl Connector {
    /// TLS (for `https://`) over `route`, each connection opened within `timeout`.
    pub(crate) fn new(https: HttpsConnector<Route>, timeout: Duration) -> Self {
        Self { https, timeout }
    }
}

/// Anything the TLS layer fails with that is not its inner connector's tagged failure is the
/// handshake's.
fn tagged(error: BoxError) -> ConnectFailure {
    match error.downcast::<ConnectFailure>() {
        Ok(failure) => *failure,
        Err(other) => ConnectFailure::new(TransportErrorKind::Tls, other),
    }
}

impl Service<Uri> for Connector {
    type Response = MaybeHttpsStream<Tcp>;
    type Error = ConnectFailure;
    type Future = Connecting<Self::Response>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.https.poll_ready(cx).map_err(tagged)
    }

    fn call(&mut self, dst: Uri) -> Self::Future {
        let connecting = self.https.call(dst);
        let timeout = self.timeout;
        Box::pin(async move {
            match tokio::time::timeout(timeout, connecting).await {
                Ok(result) => result.map_err(tagged),
                Err(_) => Err(ConnectFailure::new(
                    TransportErrorKind::Connect,
                    io::Error::new(
                        io::ErrorKind::TimedOut,
                        format!("no connection within {timeout:?}"),
                    ),
                )),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_default_by_scheme_and_ipv6_loses_its_brackets() {
        let port = |u: &str| host_and_port(&u.parse().unwrap()).unwrap();
        assert_eq!(port("http://example.com/v2"), ("example.com".into(), 80));
        assert_eq!(port("https://example.com/v2"), ("example.com".into(), 443));
        assert_eq!(port("http://[::1]:8080/v2"), ("::1".into(), 8080));
        assert_eq!(bracket("::1"), "[::1]");
    }

    #[test]
    fn a_tagged_failure_is_found_through_wrappers_and_displays_as_its_cause() {
        let failure = ConnectFailure::new(TransportErrorKind::Dns, "no such host");
        assert_eq!(failure.to_string(), "no such host");
        let boxed: BoxError = Box::new(failure);
        assert_eq!(tagged(boxed).kind, TransportErrorKind::Dns);
        let untagged: BoxError = "bad certificate".into();
        assert_eq!(tagged(untagged).kind, TransportErrorKind::Tls);
    }
}
