//! A small HTTP `CONNECT` proxy on loopback that counts its tunnels and checks credentials.
//!
//! It stands in for a corporate proxy: a client that should go through it is seen to (each
//! tunnel is recorded with the target it asked for and the `Proxy-Authorization` it sent),
//! and one that should not is seen not to. Names it is told about ([`ConnectProxy::host`])
//! are resolved to loopback addresses, so a test can give the client a base URL that is *not*
//! loopback (which a proxy from the environment would never carry) and still reach an
//! emulator on this machine. Any other target is refused with `502`: nothing leaves loopback.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::Duration;

/// One `CONNECT` the proxy was asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tunnel {
    /// The `host:port` asked for.
    pub target: String,
    /// The `Proxy-Authorization` header sent, if any.
    pub authorization: Option<String>,
    /// Whether the proxy opened it (credentials accepted, target known).
    pub opened: bool,
}

#[derive(Default)]
struct State {
    hosts: HashMap<String, SocketAddr>,
    required: Option<String>,
    tunnels: Vec<Tunnel>,
}

/// A running proxy, counting its tunnels; it stops when dropped.
pub struct ConnectProxy {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
}

impl ConnectProxy {
    /// Starts a proxy on `127.0.0.1` at a free port.
    pub fn start() -> io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let state = Arc::new(Mutex::new(State::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let (shared, stopping) = (state.clone(), stop.clone());
        thread::spawn(move || {
            for client in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                let state = shared.clone();
                thread::spawn(move || {
                    let _ = serve(client, &state);
                });
            }
        });
        Ok(Self { addr, state, stop })
    }

    /// Resolves `name` (as a `CONNECT` target's host) to `addr`'s IP, keeping the port asked.
    pub fn host(self, name: &str, addr: SocketAddr) -> Self {
        self.lock().hosts.insert(name.to_ascii_lowercase(), addr);
        self
    }

    /// Requires this `Proxy-Authorization` value; a `CONNECT` without it gets `407`.
    pub fn require_authorization(self, value: &str) -> Self {
        self.lock().required = Some(value.to_owned());
        self
    }

    /// `http://127.0.0.1:PORT`, to give a client as its proxy.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The proxy's URL with credentials in it.
    pub fn url_with_credentials(&self, user: &str, password: &str) -> String {
        format!("http://{user}:{password}@{}", self.addr)
    }

    /// Every `CONNECT` asked for so far, in order.
    pub fn tunnels(&self) -> Vec<Tunnel> {
        self.lock().tunnels.clone()
    }

    /// How many tunnels were opened.
    pub fn opened(&self) -> usize {
        self.lock().tunnels.iter().filter(|t| t.opened).count()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for ConnectProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.addr);
    }
}

/// Reads one `CONNECT` head and, if it is acceptable, splices the connection to its target.
fn serve(mut client: TcpStream, state: &Mutex<State>) -> io::Result<()> {
    // A test proxy still refuses to hang: a client that sends nothing is dropped.
    client.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() > 16 * 1024 || client.read(&mut byte)? == 0 {
            return Ok(());
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let mut lines = head.split("\r\n");
    let request = lines.next().unwrap_or_default();
    let target = match request.split(' ').collect::<Vec<_>>()[..] {
        ["CONNECT", target, _version] => target.to_owned(),
        _ => return client.write_all(b"HTTP/1.1 405 Method Not Allowed\r\ncontent-length: 0\r\n\r\n"),
    };
    let authorization = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("proxy-authorization"))
        .map(|(_, value)| value.trim().to_owned());
    let (allowed, upstream) = {
        let state = state.lock().unwrap_or_else(PoisonError::into_inner);
        let allowed = state.required.is_none() || state.required == authorization;
        let upstream = target.rsplit_once(':').and_then(|(host, port)| {
            let host = host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_ascii_lowercase();
            let port: u16 = port.parse().ok()?;
            let known = state.hosts.get(&host).map(|a| a.ip());
            let ip = known.or_else(|| host.parse().ok().filter(|ip: &std::net::IpAddr| ip.is_loopback()))?;
            Some(SocketAddr::new(ip, port))
        });
        (allowed, upstream)
    };
    let record = |opened| {
        let tunnel = Tunnel {
            target: target.clone(),
            authorization: authorization.clone(),
            opened,
        };
        state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .tunnels
            .push(tunnel);
    };
    if !allowed {
        record(false);
        return client.write_all(
            b"HTTP/1.1 407 Proxy Authentication Required\r\nproxy-authenticate: Basic realm=\"test\"\r\ncontent-length: 0\r\n\r\n",
        );
    }
    let Some(server) = upstream.and_then(|addr| TcpStream::connect(addr).ok()) else {
        record(false);
        return client.write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n");
    };
    record(true);
    client.set_read_timeout(None)?;
    client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")?;
    let (mut from_client, mut to_server) = (client.try_clone()?, server.try_clone()?);
    let upload = thread::spawn(move || {
        let _ = io::copy(&mut from_client, &mut to_server);
        let _ = to_server.shutdown(Shutdown::Write);
    });
    let (mut from_server, mut to_client) = (server, client);
    let _ = io::copy(&mut from_server, &mut to_client);
    let _ = to_client.shutdown(Shutdown::Write);
    let _ = upload.join();
    Ok(())
}
