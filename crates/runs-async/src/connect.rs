//! Opening a connection: DNS and TCP, a `CONNECT` tunnel through a proxy, then TLS, all within
//! the configured connect timeout.
//!
//! A host's addresses are raced as RFC 8305 (Happy Eyeballs) says, so one that black-holes
//! costs an attempt delay (250 ms), not the whole connect timeout of every retry.
//!
//! Nothing of a request is written until all of this has succeeded, so every failure here means
//! the request provably never left ([`Delivery::NotSent`](runs_core::Delivery::NotSent)); the
//! exchange learns that from hyper-util (`is_connect()`), and learns *which* failure it was from
//! the [`ConnectFailure`] each stage tags its errors with.

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use std::sync::Arc;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use http::{HeaderValue, Uri};
use hyper_rustls::{HttpsConnector, MaybeHttpsStream};
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::rt::TokioIo;
use runs_core::transport::{ConnectionPlan, Origin, ProxyEndpoint};
use runs_core::{BoxError, TransportErrorKind};
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

/// How long an attempt to one address has before the next address is tried alongside it:
/// RFC 8305's recommended "Connection Attempt Delay".
const ATTEMPT_DELAY: Duration = Duration::from_millis(250);

async fn open_tcp(dst: Uri) -> Result<Tcp, ConnectFailure> {
    let (host, port) = host_and_port(&dst)?;
    let addrs = match runs_core::transport::ConnectionPlan::loopback_addresses(&host) {
        // A `localhost` name is this machine whatever DNS would say (RFC 6761).
        Some(ips) => ips
            .iter()
            .map(|&ip| std::net::SocketAddr::from((ip, port)))
            .collect(),
        None => interleave(
            tokio::net::lookup_host((host.as_str(), port))
                .await
                .map_err(|e| ConnectFailure::new(TransportErrorKind::Dns, e))?,
        ),
    };
    if addrs.is_empty() {
        return Err(ConnectFailure::new(
            TransportErrorKind::Dns,
            format!("{host} resolved to no address"),
        ));
    }
    let stream = race(addrs, ATTEMPT_DELAY, TcpStream::connect)
        .await
        .map_err(|e| ConnectFailure::new(TransportErrorKind::Connect, e))?;
    // Requests are small and written whole; Nagle would only delay them.
    stream
        .set_nodelay(true)
        .map_err(|e| ConnectFailure::new(TransportErrorKind::Connect, e))?;
    Ok(TokioIo::new(stream))
}

/// The resolver's addresses with the two families alternating, starting with the family of the
/// first (RFC 8305, section 4): a host whose every IPv6 address black-holes then costs one
/// attempt delay, not one per IPv6 address.
fn interleave(addrs: impl IntoIterator<Item = SocketAddr>) -> Vec<SocketAddr> {
    let addrs: Vec<SocketAddr> = addrs.into_iter().collect();
    let Some(first) = addrs.first() else {
        return addrs;
    };
    let preferred_v6 = first.is_ipv6();
    let (preferred, other): (Vec<SocketAddr>, Vec<SocketAddr>) =
        addrs.iter().partition(|a| a.is_ipv6() == preferred_v6);
    let mut out = Vec::with_capacity(addrs.len());
    let (mut preferred, mut other) = (preferred.into_iter(), other.into_iter());
    loop {
        match (preferred.next(), other.next()) {
            (None, None) => return out,
            (a, b) => out.extend(a.into_iter().chain(b)),
        }
    }
}

/// Happy Eyeballs (RFC 8305, section 5): connects to `addrs` in order, starting the next
/// attempt `delay` after the previous one began, or at once when it fails; the first to
/// connect wins and the others are dropped. Fails with the last error once every attempt has.
///
/// Attempts are futures polled here, not tasks: dropping this future (the connect timeout
/// expiring, or the request being dropped) cancels every attempt still in flight.
async fn race<T, F, Fut>(addrs: Vec<SocketAddr>, delay: Duration, mut connect: F) -> io::Result<T>
where
    F: FnMut(SocketAddr) -> Fut,
    Fut: Future<Output = io::Result<T>>,
{
    let mut waiting = addrs.into_iter();
    let mut attempts = FuturesUnordered::new();
    let mut last_error = None;
    let next_start = tokio::time::sleep(delay);
    tokio::pin!(next_start);
    if let Some(addr) = waiting.next() {
        attempts.push(connect(addr));
    }
    std::future::poll_fn(|cx| {
        loop {
            match attempts.poll_next_unpin(cx) {
                Poll::Ready(Some(Ok(stream))) => return Poll::Ready(Ok(stream)),
                Poll::Ready(Some(Err(e))) => {
                    last_error = Some(e);
                    // A failure starts the next attempt at once.
                    if let Some(addr) = waiting.next() {
                        attempts.push(connect(addr));
                        next_start.as_mut().reset(tokio::time::Instant::now() + delay);
                    }
                    continue;
                }
                Poll::Ready(None) => {
                    // Nothing in flight: a failure would have started the next address, so
                    // there is none left.
                    return Poll::Ready(Err(last_error.take().unwrap_or_else(|| {
                        io::Error::new(io::ErrorKind::NotFound, "no address to connect to")
                    })));
                }
                Poll::Pending => {}
            }
            if waiting.as_slice().is_empty() || next_start.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            // The attempt delay passed with every attempt still pending: add the next one.
            if let Some(addr) = waiting.next() {
                attempts.push(connect(addr));
            }
            next_start.as_mut().reset(tokio::time::Instant::now() + delay);
        }
    })
    .await
}

/// The host (without IPv6 brackets) and port of `uri` (runs-core's [`Origin`]).
fn host_and_port(uri: &Uri) -> Result<(String, u16), ConnectFailure> {
    let origin = Origin::of(uri).ok_or_else(|| {
        ConnectFailure::new(
            TransportErrorKind::Connect,
            "the URL is not an http(s) URL with a host",
        )
    })?;
    Ok((origin.host().to_owned(), origin.port()))
}

/// Resolves the host and opens a TCP connection to the first address that accepts (racing them
/// as [`race`] does), directly or through a `CONNECT` tunnel when runs-core's connection plan names a proxy for the origin.
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
            tunnel?.call(target).await.map_err(tunnel_failure)
        })
    }
}

/// hyper-util's tunnel error, which it does not export by name.
type TunnelError = <Tunnel<Route> as Service<Uri>>::Error;

/// A tunnel that failed, in runs-core's terms: the hop to the proxy keeps its own failure (a
/// name that did not resolve, a connection refused), which runs-core names as the proxy's; a
/// `407` is the proxy refusing the credentials; any other answer, the proxy failing.
fn tunnel_failure(error: TunnelError) -> ConnectFailure {
    match error {
        TunnelError::ConnectFailed(hop) => match hop.downcast::<ConnectFailure>() {
            Ok(failure) => *failure,
            Err(other) => ConnectFailure::new(TransportErrorKind::Connect, other),
        },
        refused @ TunnelError::ProxyAuthRequired => {
            ConnectFailure::new(TransportErrorKind::ProxyAuth, refused)
        }
        other => ConnectFailure::new(TransportErrorKind::Proxy, other),
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
    fn address_families_alternate_starting_with_the_first_family() {
        let a = |s: &str| s.parse::<SocketAddr>().unwrap();
        let (v6a, v6b, v6c) = (a("[::1]:1"), a("[::1]:2"), a("[::1]:3"));
        let (v4a, v4b) = (a("127.0.0.1:1"), a("127.0.0.1:2"));
        assert_eq!(interleave([v6a, v6b, v6c, v4a, v4b]), [v6a, v4a, v6b, v4b, v6c]);
        assert_eq!(interleave([v4a, v4b, v6a]), [v4a, v6a, v4b]);
        assert_eq!(interleave([v4a, v4b]), [v4a, v4b]);
        assert!(interleave([]).is_empty());
    }

    /// A loopback address that never answers a SYN: a listener whose accept queue is full (a
    /// backlog of 0 queues one connection, which is made and never accepted), so the kernel
    /// drops further SYNs and a connect to it hangs. Keep both values alive.
    async fn black_hole() -> (tokio::net::TcpListener, TcpStream) {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let listener = socket.listen(0).unwrap();
        let queued = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
        (listener, queued)
    }

    /// What a sequential loop would never reach: the address after one that hangs. The outer
    /// bound only stops a broken race from hanging the test; it is no timing assertion.
    #[tokio::test]
    async fn an_address_that_hangs_does_not_keep_the_next_one_from_connecting() {
        let (hole, _queued) = black_hole().await;
        let good = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addrs = vec![hole.local_addr().unwrap(), good.local_addr().unwrap()];
        let stream = tokio::time::timeout(
            Duration::from_secs(60),
            race(addrs, ATTEMPT_DELAY, TcpStream::connect),
        )
        .await
        .expect("the race ended")
        .expect("the second address connected");
        assert_eq!(stream.peer_addr().unwrap(), good.local_addr().unwrap());
    }

    /// The delay is a year, so only a failure can start the second attempt.
    #[tokio::test]
    async fn a_refused_address_starts_the_next_attempt_at_once() {
        let refused = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let refused_addr = refused.local_addr().unwrap();
        drop(refused);
        let good = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let year = Duration::from_secs(365 * 24 * 3600);
        let racing = race(
            vec![refused_addr, good.local_addr().unwrap()],
            year,
            TcpStream::connect,
        );
        let stream = tokio::time::timeout(Duration::from_secs(60), racing)
            .await
            .expect("the race ended")
            .expect("the second address connected");
        assert_eq!(stream.peer_addr().unwrap(), good.local_addr().unwrap());
    }

    #[tokio::test]
    async fn when_every_address_fails_the_last_failure_is_reported() {
        let year = Duration::from_secs(365 * 24 * 3600);
        let attempts = std::cell::Cell::new(0);
        let error = race(
            vec!["127.0.0.1:1".parse().unwrap(), "[::1]:1".parse().unwrap()],
            year,
            |addr| {
                attempts.set(attempts.get() + 1);
                let kind = if addr.is_ipv4() {
                    io::ErrorKind::ConnectionRefused
                } else {
                    io::ErrorKind::NetworkUnreachable
                };
                std::future::ready(Err::<(), _>(io::Error::from(kind)))
            },
        )
        .await
        .unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::NetworkUnreachable);
        assert_eq!(attempts.get(), 2);
    }

    /// Dropping the race (as the connect timeout does) drops the attempt in flight: nothing is
    /// left running on its own.
    #[tokio::test]
    async fn dropping_the_race_drops_every_attempt() {
        let (hole, _queued) = black_hole().await;
        let alive = std::sync::Arc::new(());
        let watch = alive.clone();
        let year = Duration::from_secs(365 * 24 * 3600);
        let mut racing = Box::pin(race(vec![hole.local_addr().unwrap()], year, move |addr| {
            let token = watch.clone();
            async move {
                let _token = token;
                TcpStream::connect(addr).await
            }
        }));
        let mut cx = Context::from_waker(std::task::Waker::noop());
        assert!(racing.as_mut().poll(&mut cx).is_pending());
        // Ours, the closure's, and the hanging attempt's.
        assert_eq!(std::sync::Arc::strong_count(&alive), 3);
        drop(racing);
        assert_eq!(std::sync::Arc::strong_count(&alive), 1);
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
