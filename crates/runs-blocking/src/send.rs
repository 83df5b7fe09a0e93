//! Sending one request with ureq, and naming its failures in runs-core's terms.
//!
//! What matters most here is [`Delivery`]: runs-core re-sends a `POST` only after a failure
//! that is [`Delivery::NotSent`], so that is claimed only for failures ureq reports while
//! connecting (DNS, TCP connect, proxy, TLS handshake), before any byte of the request is
//! written. Everything else is [`Delivery::MaybeSent`].

use std::io;
use std::time::Duration;

use runs_core::transport::{Request, UploadRequest};
use runs_core::{Delivery, TransportError, TransportErrorKind};
use ureq::AsSendBody;

use crate::agent::Pins;

/// Sends `request` within `timeout` and reads the whole response, its body capped at
/// `max_body` bytes (one more byte is an error, and nothing past it is read). `agent_timeout`
/// is the one the agent already applies to every request; `pins` are applied when the agent
/// is a user's (see [`Pins`]).
pub(crate) fn send(
    agent: &ureq::Agent,
    pins: Option<&Pins>,
    request: Request,
    timeout: Duration,
    agent_timeout: Duration,
    max_body: usize,
) -> Result<http::Response<Vec<u8>>, TransportError> {
    let (parts, body) = request
        .into_http(|body| body)
        .map_err(|e| {
            TransportError::new(TransportErrorKind::Io, Delivery::NotSent, "building the request")
                .with_source(e)
        })?
        .into_parts();
    // Cheap copies (a shared buffer and a tag), kept to name the request only if it fails: the
    // success path formats nothing (formatting it cost ~1,000 instructions a request).
    let target = Target(parts.method.clone(), parts.uri.clone());
    let fail = |error: ureq::Error| transport_error(error, &target.describe());
    // An empty body is no body: a GET carries no `content-length: 0`.
    let response = if body.is_empty() {
        run(
            agent,
            pins,
            http::Request::from_parts(parts, ()),
            timeout,
            agent_timeout,
        )
    } else {
        run(
            agent,
            pins,
            http::Request::from_parts(parts, body),
            timeout,
            agent_timeout,
        )
    }
    .map_err(fail)?;
    read_capped(response, || target.describe(), max_body)
}

/// Sends an upload: `request`'s headers (its exact `content-length` among them, so ureq does
/// not chunk, and its `expect: 100-continue`, for which ureq waits a second) and `body`
/// streamed from its head, the file and its tail, through `proxy` (the upload origin's, from
/// the connection plan). The response is read as [`send`] reads one.
///
/// Two clocks bound it: `timeout`, the whole attempt's, and the request's idle timeout, for
/// each read and write on the connection, so a storage service that stops reading (or never
/// answers) ends the attempt that long after the last byte moved, whatever the file's size.
pub(crate) fn send_upload(
    agent: &ureq::Agent,
    pins: Option<&Pins>,
    proxy: Option<ureq::Proxy>,
    request: &UploadRequest,
    file: &mut dyn io::Read,
    timeout: Duration,
    max_body: usize,
) -> Result<http::Response<Vec<u8>>, TransportError> {
    let context = request.describe();
    let mut sent = 0u64;
    let response = {
        let mut body = Counted {
            inner: io::Read::chain(io::Read::chain(request.head(), file), request.tail()),
            count: &mut sent,
        };
        let http_request = request
            .to_http(ureq::SendBody::from_reader(&mut body))
            .map_err(|e| {
                TransportError::new(TransportErrorKind::Io, Delivery::NotSent, context.as_str())
                    .with_source(e)
            })?;
        let idle = Some(request.idle_timeout());
        let mut configured = agent
            .configure_request(http_request)
            .timeout_global(Some(timeout))
            .timeout_per_read(idle)
            .timeout_per_write(idle);
        if let Some(pins) = pins {
            configured = pins.apply(configured);
        }
        // After the pins, which carry the base URL's proxy: this origin has its own.
        agent
            .run(configured.proxy(proxy).build())
            .map_err(|e| transport_error(e, &context))?
    };
    // ureq reads an answer before the whole body only while it waits for `100 Continue`.
    if sent < request.content_length() {
        request.early_answer(response.status().as_u16())?;
    }
    read_capped(response, || context.clone(), max_body)
}

/// A reader that counts the bytes read through it.
struct Counted<'a, R> {
    inner: R,
    count: &'a mut u64,
}

impl<R: io::Read> io::Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        *self.count += n as u64;
        Ok(n)
    }
}

/// The whole response, its body read up to `max_body` bytes (one more is an error).
/// `describe` names the request, only when it fails.
fn read_capped(
    response: http::Response<ureq::Body>,
    describe: impl Fn() -> String,
    max_body: usize,
) -> Result<http::Response<Vec<u8>>, TransportError> {
    let (parts, body) = response.into_parts();
    let status = parts.status.as_u16();
    // Refused unread: a server may declare a gigabyte and send it slowly.
    if let Some(declared) = runs_core::transport::declared_over(&parts.headers, max_body) {
        return Err(runs_core::transport::body_too_large(
            &describe(),
            status,
            max_body,
            Some(declared),
        ));
    }
    let body = body
        .into_with_config()
        .limit(u64::try_from(max_body).unwrap_or(u64::MAX))
        .read_to_vec()
        .map_err(|e| match e {
            ureq::Error::BodyExceedsLimit(_) => {
                runs_core::transport::body_too_large(&describe(), status, max_body, None)
            }
            other => transport_error(other, &describe()),
        })?;
    Ok(http::Response::from_parts(parts, body))
}

/// The method and URL of a request in flight, to name it in an error (never its headers).
struct Target(http::Method, http::Uri);

impl Target {
    fn describe(&self) -> String {
        format!("{} {}", self.0, self.1)
    }
}

fn run(
    agent: &ureq::Agent,
    pins: Option<&Pins>,
    request: http::Request<impl AsSendBody>,
    timeout: Duration,
    agent_timeout: Duration,
) -> Result<http::Response<ureq::Body>, ureq::Error> {
    // A request-level setting makes ureq copy its whole configuration for the request; most
    // attempts (all but those near the deadline, and none on a user's agent) skip that.
    if timeout == agent_timeout && pins.is_none() {
        return agent.run(request);
    }
    let mut request = agent.configure_request(request).timeout_global(Some(timeout));
    if let Some(pins) = pins {
        request = pins.apply(request);
    }
    agent.run(request.build())
}

/// Names a ureq failure. `context` is the request's method and URL, never its headers.
fn transport_error(error: ureq::Error, context: &str) -> TransportError {
    use Delivery::{MaybeSent, NotSent};
    use TransportErrorKind as Kind;
    use ureq::Timeout;

    let (kind, delivery) = match &error {
        ureq::Error::HostNotFound | ureq::Error::Timeout(Timeout::Resolve) => (Kind::Dns, NotSent),
        ureq::Error::Timeout(Timeout::Connect) | ureq::Error::ConnectionFailed => (Kind::Connect, NotSent),
        ureq::Error::ConnectProxyFailed(reason) if refused_credentials(reason) => (Kind::ProxyAuth, NotSent),
        ureq::Error::ConnectProxyFailed(_) | ureq::Error::InvalidProxyUrl => (Kind::Proxy, NotSent),
        ureq::Error::Tls(_) | ureq::Error::Pem(_) => (Kind::Tls, NotSent),
        ureq::Error::Rustls(e) => (Kind::Tls, tls_delivery(e)),
        ureq::Error::Timeout(_) => (Kind::Timeout, MaybeSent),
        ureq::Error::BodyExceedsLimit(_) => (Kind::BodyTooLarge, MaybeSent),
        ureq::Error::TooManyRedirects | ureq::Error::RedirectFailed => (Kind::Redirect, MaybeSent),
        ureq::Error::Io(e) => io_error(e),
        _ => (Kind::Io, MaybeSent),
    };
    TransportError::new(kind, delivery, context).with_source(error)
}

/// Whether the proxy answered the `CONNECT` with `407 Proxy Authentication Required`: ureq
/// gives the status only in its text (`proxy server responded 407/...`), which a test below
/// holds it to.
fn refused_credentials(reason: &str) -> bool {
    reason
        .strip_prefix("proxy server responded ")
        .is_some_and(|status| status.starts_with("407/"))
}

fn io_error(error: &io::Error) -> (TransportErrorKind, Delivery) {
    use io::ErrorKind;
    // rustls reports a failed handshake as an io::Error wrapping its own.
    if let Some(tls) = error.get_ref().and_then(|e| e.downcast_ref::<rustls::Error>()) {
        return (TransportErrorKind::Tls, tls_delivery(tls));
    }
    match error.kind() {
        // Only `connect` fails these ways.
        ErrorKind::ConnectionRefused
        | ErrorKind::HostUnreachable
        | ErrorKind::NetworkUnreachable
        | ErrorKind::NetworkDown
        | ErrorKind::AddrNotAvailable
        | ErrorKind::AddrInUse => (TransportErrorKind::Connect, Delivery::NotSent),
        ErrorKind::TimedOut => (TransportErrorKind::Timeout, Delivery::MaybeSent),
        _ => (TransportErrorKind::Io, Delivery::MaybeSent),
    }
}

/// Errors only a handshake produces mean the request was never written; any other TLS error
/// may have come later, on a connection that carried it.
fn tls_delivery(error: &rustls::Error) -> Delivery {
    match error {
        rustls::Error::InvalidCertificate(_)
        | rustls::Error::NoCertificatesPresented
        | rustls::Error::UnsupportedNameType
        | rustls::Error::PeerIncompatible(_)
        | rustls::Error::HandshakeNotComplete
        | rustls::Error::InappropriateHandshakeMessage { .. }
        | rustls::Error::NoApplicationProtocol => Delivery::NotSent,
        _ => Delivery::MaybeSent,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_failures_are_not_sent_and_broken_connections_may_be() {
        let refused = io::Error::from(io::ErrorKind::ConnectionRefused);
        let e = transport_error(ureq::Error::Io(refused), "POST http://127.0.0.1:1/v2/runs");
        assert_eq!(
            (e.kind(), e.delivery()),
            (TransportErrorKind::Connect, Delivery::NotSent)
        );

        let reset = io::Error::from(io::ErrorKind::ConnectionReset);
        let e = transport_error(ureq::Error::Io(reset), "POST http://127.0.0.1:1/v2/runs");
        assert_eq!(
            (e.kind(), e.delivery()),
            (TransportErrorKind::Io, Delivery::MaybeSent)
        );

        let e = transport_error(ureq::Error::HostNotFound, "GET http://nowhere.invalid/v2/runs");
        assert_eq!(
            (e.kind(), e.delivery()),
            (TransportErrorKind::Dns, Delivery::NotSent)
        );

        let e = transport_error(ureq::Error::Timeout(ureq::Timeout::Global), "GET x");
        assert_eq!(
            (e.kind(), e.delivery()),
            (TransportErrorKind::Timeout, Delivery::MaybeSent)
        );

        let e = transport_error(ureq::Error::BodyExceedsLimit(10), "GET x");
        assert_eq!(e.kind(), TransportErrorKind::BodyTooLarge);
    }

    /// ureq's own text for a `407`, read from a `CONNECT` it sent: if a new ureq words it
    /// otherwise, this fails rather than a refusal of the credentials being retried.
    #[test]
    fn a_proxy_answering_407_refused_the_credentials_and_any_other_answer_failed() {
        use std::io::{BufRead, Write};
        let proxy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = proxy.local_addr().unwrap();
        let answer = |status: &'static str| {
            let (stream, _) = proxy.accept().unwrap();
            let mut reader = io::BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap() > 2 {
                line.clear();
            }
            write!(&stream, "HTTP/1.1 {status}\r\ncontent-length: 0\r\n\r\n").unwrap();
        };
        for (status, kind) in [
            ("407 Proxy Authentication Required", TransportErrorKind::ProxyAuth),
            ("403 Forbidden", TransportErrorKind::Proxy),
        ] {
            let agent: ureq::Agent = ureq::Agent::config_builder()
                .proxy(Some(ureq::Proxy::new(&format!("http://u:p@{addr}")).unwrap()))
                .build()
                .into();
            let request = std::thread::spawn(move || agent.get("http://api.example/v2/runs").call());
            answer(status);
            let e = transport_error(request.join().unwrap().unwrap_err(), "GET x");
            assert_eq!((e.kind(), e.delivery()), (kind, Delivery::NotSent), "{status}");
        }
    }

    #[test]
    fn a_handshake_failure_is_tls_and_not_sent() {
        let bad_cert = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let wrapped = io::Error::new(io::ErrorKind::InvalidData, bad_cert);
        let e = transport_error(ureq::Error::Io(wrapped), "POST https://127.0.0.1:1/v2/runs");
        assert_eq!(
            (e.kind(), e.delivery()),
            (TransportErrorKind::Tls, Delivery::NotSent)
        );

        let late = io::Error::new(io::ErrorKind::InvalidData, rustls::Error::DecryptError);
        let e = transport_error(ureq::Error::Io(late), "POST https://127.0.0.1:1/v2/runs");
        assert_eq!(
            (e.kind(), e.delivery()),
            (TransportErrorKind::Tls, Delivery::MaybeSent)
        );
    }
}
