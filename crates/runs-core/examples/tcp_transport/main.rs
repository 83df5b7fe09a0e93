//! A transport of your own: runs-core's machines driven over HTTP/1.1 written by hand on a
//! `std::net::TcpStream`, with no HTTP library at all, as firmware with only a socket would.
//!
//! ```text
//! cargo run -p runs-core --example tcp_transport
//! ```
//!
//! It starts an emulator in this process, then starts runs, gets one, lists them all over
//! several pages (the `Listing` machine) and waits for one to finish (the `Wait` machine).
//! `docs/transports.md` walks through it. `tests.rs` beside this file runs the same code
//! against the emulator and the reader against hostile bytes; `cargo test` runs it
//! (`cargo test -p runs-core --example tcp_transport`).
//!
//! What this transport does, and each rule is there for a reason told beside it:
//! - one connection per request (`Connection: close`): no pool to get wrong;
//! - the request line and headers from [`Request`], `Content-Length` for a body;
//! - the status line and headers read with a size cap, names case-insensitive, `1xx` skipped;
//! - the body by `Content-Length`, `chunked`, or until close, never past
//!   [`Config::max_body_bytes`];
//! - the machine's `timeout` as a deadline for the whole attempt, checked before each read and
//!   write;
//! - every failure as a [`TransportError`] whose [`Delivery`] is `NotSent` only if not one byte
//!   of the request was written;
//! - plain `http://` only, directly or through an HTTP proxy from the configuration's
//!   [`ConnectionPlan`] (TLS needs a TLS library; see the guide for where it fits).
#![forbid(unsafe_code)]

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use runs_core::transport::{
    AsResponse, Call, ConnectionPlan, GetRun, HeaderSource, Listing, Machine, PostRun, Request, Response,
    Wait, body_too_large, declared_length, drive,
};
use runs_core::{
    Config, Delivery, Error, ListRuns, ProcessStage, Run, RunId, StartRun, TransportError,
    TransportErrorKind, WaitPolicy,
};
use runs_emulator::{DEMO_AGENT, Emulator, HELLO_WORLD, Schedule};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Each get advances a run one step, so the wait below ends after a few polls.
    let emulator = Emulator::builder().schedule(Schedule::PerPoll).start()?;
    let config = Config::builder()
        .api_key(emulator.api_key())
        .base_url(emulator.base_url())
        .wait_policy(WaitPolicy::default().with_initial_interval(Duration::from_millis(100)))
        .build()?;
    let tour = tour(&Transport::new(config))?;
    println!(
        "started {} runs, the first {}",
        tour.started.len(),
        tour.started[0].id
    );
    println!("got {} ({})", tour.fetched.id, tour.fetched.status);
    println!("listed {} runs, 2 a page", tour.listed.len());
    println!("waited: {} is {}", tour.finished.id, tour.finished.status);
    Ok(())
}

/// What [`tour`] did, for `main` to print and the tests to check.
struct Tour {
    started: Vec<Run>,
    fetched: Run,
    listed: Vec<Run>,
    finished: Run,
}

/// How many runs the tour starts: enough for three pages of two.
const RUNS: usize = 5;

/// Starts [`RUNS`] runs, gets the first, lists them all two a page, and waits for the first.
fn tour(transport: &Transport) -> Result<Tour, Error> {
    let mut started = Vec::new();
    for n in 1..=RUNS {
        let start = StartRun::builder()
            .agent_id(DEMO_AGENT)
            .process_id(HELLO_WORLD)
            .name(format!("tcp run {n}"))
            .stage(ProcessStage::Draft)
            .build()?;
        started.push(transport.start_run(start)?);
    }
    let first = started[0].id.clone();
    let fetched = transport.get_run(&first)?;

    let query = ListRuns::new(DEMO_AGENT.parse()?, HELLO_WORLD.parse()?).with_limit(2)?;
    let mut listing = Listing::new(
        &transport.config,
        query,
        None,
        runs_core::transport::random_seed(),
    );
    let mut listed = Vec::new();
    // Each drive of a listing ends with its next run; a page is fetched when one is needed.
    while let Some(run) = transport.drive(&mut listing) {
        listed.push(run?);
    }

    let policy = transport.config.wait_policy().clone();
    let mut wait = Wait::new(
        &transport.config,
        first,
        policy,
        runs_core::transport::random_seed(),
    );
    let finished = transport.drive(&mut wait)?;
    Ok(Tour {
        started,
        fetched,
        listed,
        finished,
    })
}

/// The whole transport: the configuration, and the clock every machine counts from.
struct Transport {
    config: Config,
    // Machines only compare and subtract `now`, but it must never go backwards, even across
    // the several drives of one listing: one epoch for the transport's lifetime.
    epoch: Instant,
}

impl Transport {
    fn new(config: Config) -> Self {
        Self {
            config,
            epoch: Instant::now(),
        }
    }

    fn get_run(&self, id: &RunId) -> Result<Run, Error> {
        self.drive(&mut Call::new(
            &self.config,
            GetRun(id.clone()),
            runs_core::transport::random_seed(),
        ))
    }

    fn start_run(&self, start: StartRun) -> Result<Run, Error> {
        self.drive(&mut Call::new(
            &self.config,
            PostRun(start),
            runs_core::transport::random_seed(),
        ))
    }

    /// The one loop: send what the machine asks, sleep when it says so, report what came back.
    fn drive<M: Machine>(&self, machine: &mut M) -> M::Output {
        drive!(
            *machine,
            now = self.epoch.elapsed(),
            // The wall clock, which only measures a `Retry-After` date sent without `Date`.
            wall = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default(),
            send(request, timeout) => self.send(&request, timeout),
            sleep(delay) => std::thread::sleep(delay),
        )
    }

    /// One attempt: connect, write the request, read the whole response, all within `timeout`.
    fn send(&self, request: &Request, timeout: Duration) -> Result<Received, TransportError> {
        // `METHOD URL` names the request in errors: no headers, so never the key.
        let context = request.describe();
        let fail = |kind, delivery, source: io::Error| {
            TransportError::new(kind, delivery, context.as_str()).with_source(source)
        };
        let deadline = Deadline(Instant::now().checked_add(timeout));

        let base = self.config.base_url();
        // runs-core follows only same-origin redirects, so every URL starts with the base's
        // origin; the rest is the path and query of the request line.
        let path = request
            .url()
            .strip_prefix(base.origin())
            .filter(|p| p.starts_with('/'));
        let Some(path) = path.filter(|_| !base.is_https()) else {
            let why = "this example speaks plain http:// only; https needs a TLS library";
            return Err(fail(TransportErrorKind::Connect, Delivery::NotSent, invalid(why)));
        };
        let host_header = &base.origin()["http://".len()..];
        // The connection plan decides whether a proxy carries this origin; loopback never.
        let proxy = ConnectionPlan::of(&self.config).proxy_for(false, base.host(), base.port());
        let (connect_host, connect_port, target) = match proxy {
            // Through a proxy, plain HTTP names the whole URL on the request line.
            Some(p) => (p.host(), p.port(), request.url()),
            None => (base.host(), base.port(), path),
        };
        let head = encode(
            request,
            target,
            host_header,
            proxy.and_then(|p| p.authorization()),
        )
        .map_err(|e| fail(TransportErrorKind::Io, Delivery::NotSent, e))?;

        let stream = connect(
            connect_host,
            connect_port,
            self.config.connect_timeout(),
            &deadline,
        )
        .map_err(|(kind, e)| fail(kind, Delivery::NotSent, e))?;
        // Delivery is decided here: a failure before the first byte is written is `NotSent`
        // (runs-core may then re-send even a POST); after it, the server may have the request.
        let mut written = 0;
        for part in [&head[..], request.body()] {
            write_all(&stream, part, &deadline, &mut written).map_err(|e| {
                let delivery = if written == 0 {
                    Delivery::NotSent
                } else {
                    Delivery::MaybeSent
                };
                fail(io_kind(&e), delivery, e)
            })?;
        }

        let max_body = self.config.max_body_bytes();
        let mut reader = BufReader::new(Timed(&stream, &deadline));
        read_response(&mut reader, max_body).map_err(|e| match e {
            Failure::Io(e) => fail(io_kind(&e), Delivery::MaybeSent, e),
            Failure::Broken(why) => fail(TransportErrorKind::Io, Delivery::MaybeSent, invalid(why)),
            // The same error, worded the same way, as the bundled transports give.
            Failure::TooLarge { status, declared } => body_too_large(&context, status, max_body, declared),
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Writing the request

/// The request head: request line, `Host`, runs-core's headers, `Content-Length` for a body.
/// `target` is the path and query (or the whole URL, to a proxy).
fn encode(request: &Request, target: &str, host: &str, proxy_auth: Option<&str>) -> io::Result<Vec<u8>> {
    let mut head = format!(
        "{} {target} HTTP/1.1\r\nhost: {host}\r\n",
        request.method().as_str()
    );
    // One of these is the API key: they are written to the socket and nowhere else (never to
    // a log, not even at debug level).
    let headers = request.headers().iter().map(|(n, v)| (*n, v.as_str()));
    for (name, value) in headers.chain(proxy_auth.map(|a| ("proxy-authorization", a))) {
        // A CR or LF in a value would let it write headers of its own.
        if value.contains(['\r', '\n']) {
            return Err(invalid("a header value holds a line break"));
        }
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if !request.body().is_empty() {
        head.push_str(&format!("content-length: {}\r\n", request.body().len()));
    }
    head.push_str("connection: close\r\n\r\n");
    Ok(head.into_bytes())
}

/// Resolves and connects within the connect timeout and what is left of the attempt. Every
/// failure here is before any byte was written; the kind says which step failed.
fn connect(
    host: &str,
    port: u16,
    connect_timeout: Duration,
    deadline: &Deadline,
) -> Result<TcpStream, (TransportErrorKind, io::Error)> {
    // std's resolver has no timeout of its own; a device would use its own DNS client here.
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let addrs = (host, port)
        .to_socket_addrs()
        .map_err(|e| (TransportErrorKind::Dns, e))?;
    let mut last = io::Error::new(io::ErrorKind::NotFound, "the host name resolved to no address");
    let mut kind = TransportErrorKind::Dns;
    for addr in addrs {
        let left = deadline.left().map_err(|e| (TransportErrorKind::Connect, e))?;
        match TcpStream::connect_timeout(&addr, left.min(connect_timeout)) {
            Ok(stream) => return Ok(stream),
            Err(e) => (kind, last) = (TransportErrorKind::Connect, e),
        }
    }
    Err((kind, last))
}

/// Writes `bytes`, counting in `written` what the socket took, so the caller knows whether
/// any of the request left.
fn write_all(
    mut stream: &TcpStream,
    bytes: &[u8],
    deadline: &Deadline,
    written: &mut usize,
) -> io::Result<()> {
    let mut rest = bytes;
    while !rest.is_empty() {
        stream.set_write_timeout(Some(deadline.left()?))?;
        match stream.write(rest) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => {
                *written += n;
                rest = &rest[n..];
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Time

/// When the attempt must be over; `None` when the timeout is too long for `Instant` to hold.
struct Deadline(Option<Instant>);

impl Deadline {
    /// The time left, or a `TimedOut` error once there is none: a socket timeout of zero
    /// would mean "block forever" to some systems, and is an error to std.
    fn left(&self) -> io::Result<Duration> {
        let Some(at) = self.0 else {
            return Ok(Duration::from_secs(365 * 24 * 3600));
        };
        match at.saturating_duration_since(Instant::now()) {
            left if left.is_zero() => Err(io::ErrorKind::TimedOut.into()),
            left => Ok(left),
        }
    }
}

/// A stream whose every read gets only the time left: a per-read timeout alone would let a
/// server that sends one byte a second hold the attempt forever.
struct Timed<'a>(&'a TcpStream, &'a Deadline);

impl Read for Timed<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.set_read_timeout(Some(self.1.left()?))?;
        let mut stream = self.0;
        stream.read(buf)
    }
}

/// A socket error's kind: a read timeout is `WouldBlock` on Unix and `TimedOut` on Windows.
fn io_kind(error: &io::Error) -> TransportErrorKind {
    match error.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => TransportErrorKind::Timeout,
        _ => TransportErrorKind::Io,
    }
}

fn invalid(why: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, why)
}

// ---------------------------------------------------------------------------------------------
// Reading the response

/// A whole response, as runs-core reads it through [`AsResponse`].
#[derive(Debug)]
struct Received {
    status: u16,
    /// Names as sent; runs-core looks them up case-insensitively (`HeaderSource`).
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl AsResponse for Received {
    fn as_response(&self) -> Response<'_> {
        Response {
            status: self.status,
            headers: &self.headers,
            body: &self.body,
        }
    }
}

/// Why reading a response failed.
#[derive(Debug)]
enum Failure {
    /// The socket failed (reset, timed out).
    Io(io::Error),
    /// The bytes are not HTTP/1.1 as this client reads it.
    Broken(&'static str),
    /// The body is over the cap: by its `Content-Length` (`declared`), or as read.
    TooLarge { status: u16, declared: Option<u64> },
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Self {
        Failure::Io(e)
    }
}

/// The most bytes of status line and headers read; a server sending more is broken.
const MAX_HEAD: usize = 64 * 1024;
/// The most bytes of one chunk-size line, extensions included.
const MAX_CHUNK_LINE: usize = 1024;

/// Reads one response from `reader`, its body at most `max_body` bytes. Any bytes at all give
/// a response or a `Failure`, never a panic: every length is checked before it is used.
fn read_response(reader: &mut impl BufRead, max_body: usize) -> Result<Received, Failure> {
    let mut budget = MAX_HEAD;
    loop {
        if reader.fill_buf()?.is_empty() {
            return Err(Failure::Broken(
                "the server closed the connection without a response",
            ));
        }
        let status = status_line(&line(reader, &mut budget)?)?;
        let mut headers = Vec::new();
        loop {
            let text = line(reader, &mut budget)?;
            if text.is_empty() {
                break;
            }
            headers.push(header(&text)?);
        }
        // A 1xx (100 Continue, 103 Early Hints) is interim: the answer follows it.
        if status < 200 {
            continue;
        }
        let body = read_body(reader, status, &headers, max_body)?;
        return Ok(Received {
            status,
            headers,
            body,
        });
    }
}

/// One line without its line ending (CRLF, or a bare LF), of at most what is left of `budget`.
fn line(reader: &mut impl BufRead, budget: &mut usize) -> Result<String, Failure> {
    let mut buf = Vec::new();
    let limit = u64::try_from(*budget).unwrap_or(u64::MAX);
    reader.by_ref().take(limit).read_until(b'\n', &mut buf)?;
    *budget = budget.saturating_sub(buf.len());
    if buf.pop() != Some(b'\n') {
        return Err(Failure::Broken(if *budget == 0 {
            "the response head or a chunk line is too long"
        } else {
            "the connection closed in the middle of a line"
        }));
    }
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    // Server text is data: runs-core scrubs it before it reaches an error or a log.
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// The status of `HTTP/1.x NNN reason`.
fn status_line(line: &str) -> Result<u16, Failure> {
    let mut parts = line.splitn(3, ' ');
    let version = parts.next().unwrap_or_default();
    let code = parts.next().unwrap_or_default();
    if !version.starts_with("HTTP/1.") || code.len() != 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Failure::Broken("the status line is not HTTP/1.x NNN"));
    }
    match code.parse() {
        Ok(status @ 100..) => Ok(status),
        _ => Err(Failure::Broken("the status code is below 100")),
    }
}

/// `Name: value`, the value trimmed.
fn header(line: &str) -> Result<(String, String), Failure> {
    let (name, value) = line
        .split_once(':')
        .ok_or(Failure::Broken("a header line has no colon"))?;
    // Whitespace before the colon, or a line folded onto the last, is refused by RFC 9112.
    if name.is_empty() || name.contains(|c: char| c.is_ascii_whitespace()) {
        return Err(Failure::Broken("a header name is empty or holds whitespace"));
    }
    Ok((name.to_owned(), value.trim().to_owned()))
}

/// The body, framed as the headers say, never more than `max_body` bytes held.
#[allow(clippy::ptr_arg)] // runs-core's `HeaderSource` is implemented for the `Vec`.
fn read_body(
    reader: &mut impl BufRead,
    status: u16,
    headers: &Vec<(String, String)>,
    max_body: usize,
) -> Result<Vec<u8>, Failure> {
    let too_large = |declared| Failure::TooLarge { status, declared };
    let cap = u64::try_from(max_body).unwrap_or(u64::MAX);
    if let Some(coding) = headers.header("transfer-encoding") {
        // We sent no `TE`, so chunked is the only coding a server may use on us.
        if !coding.eq_ignore_ascii_case("chunked") {
            return Err(Failure::Broken("a transfer-encoding other than chunked"));
        }
        return chunked(reader, status, max_body);
    }
    if headers.header("content-length").is_some() {
        let length = declared_length(headers).ok_or(Failure::Broken("Content-Length is not a number"))?;
        let lengths = headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("content-length"));
        if lengths.map(|(_, v)| v.trim()).any(|v| v.parse() != Ok(length)) {
            return Err(Failure::Broken("two different Content-Length headers"));
        }
        // Refused unread: a server may declare a gigabyte and send it slowly.
        if length > cap {
            return Err(too_large(Some(length)));
        }
        let mut body = Vec::new();
        reader.by_ref().take(length).read_to_end(&mut body)?;
        if body.len() as u64 != length {
            return Err(Failure::Broken("the connection closed before the whole body"));
        }
        return Ok(body);
    }
    if status == 204 || status == 304 {
        return Ok(Vec::new());
    }
    // No length and no chunks: the body ends when the server closes (we asked it to).
    let mut body = Vec::new();
    reader
        .by_ref()
        .take(cap.saturating_add(1))
        .read_to_end(&mut body)?;
    if body.len() > max_body {
        return Err(too_large(None));
    }
    Ok(body)
}

/// A chunked body: `SIZE[;ext]` CRLF, that many bytes, CRLF; ..., `0`, trailers, CRLF.
fn chunked(reader: &mut impl BufRead, status: u16, max_body: usize) -> Result<Vec<u8>, Failure> {
    let mut body = Vec::new();
    loop {
        let size_line = line(reader, &mut { MAX_CHUNK_LINE })?;
        let size = size_line.split(';').next().unwrap_or_default().trim();
        if size.is_empty() || !size.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Failure::Broken("a chunk size is not a hexadecimal number"));
        }
        let size = u64::from_str_radix(size, 16).map_err(|_| Failure::Broken("a chunk size is too large"))?;
        if size == 0 {
            // Trailers are read and dropped: runs-core reads nothing from them.
            let mut budget = MAX_HEAD;
            while !line(reader, &mut budget)?.is_empty() {}
            return Ok(body);
        }
        let room = max_body - body.len();
        if size > u64::try_from(room).unwrap_or(u64::MAX) {
            return Err(Failure::TooLarge {
                status,
                declared: None,
            });
        }
        let before = body.len();
        reader.by_ref().take(size).read_to_end(&mut body)?;
        if (body.len() - before) as u64 != size {
            return Err(Failure::Broken("the connection closed in the middle of a chunk"));
        }
        if !line(reader, &mut { MAX_CHUNK_LINE })?.is_empty() {
            return Err(Failure::Broken("a chunk is longer than its size"));
        }
    }
}

#[cfg(test)]
mod tests;
