//! The servers of the hostile suite: runs-conformance's [`ScriptedServer`] (the one
//! hand-written HTTP server of the tests, answering whatever a test scripts), and stand-ins
//! below HTTP: an address that never answers, a listener that never reads, a port that is
//! not listening yet.

use std::net::{TcpListener, TcpStream};

pub use runs_conformance::{Reply, ScriptedServer, json, response};

/// A run, as JSON, with `status` (any text, escapes included) and `extra` fields appended.
pub fn run_json(id: &str, status: &str, extra: &str) -> String {
    format!(
        r#"{{"id":"{id}","name":"n","agent_id":"agent-1","process_id":"proc-1","stage":"Draft","status":{},"created_at":"2021-01-01T12:00:00"{extra}}}"#,
        serde_json::to_string(status).unwrap()
    )
}

/// A loopback address that never answers: a listener whose accept queue is full, so the kernel
/// drops every further SYN and a connect to it hangs until the client's connect timeout. A
/// backlog of 0 queues one connection; that one is made here and never accepted.
pub struct BlackHole {
    listener: TcpListener,
    _queued: TcpStream,
}

impl BlackHole {
    pub fn new() -> Self {
        let listener = Unready::new().listen(0);
        let queued = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        Self {
            listener,
            _queued: queued,
        }
    }

    /// The base URL clients are given, ending in `/v2`.
    pub fn base_url(&self) -> String {
        format!("http://{}/v2", self.listener.local_addr().unwrap())
    }
}

/// A loopback listener that completes TCP handshakes and never accepts, so a TLS client's
/// handshake (its ClientHello unread) hangs: the connect stalls after the socket is up, before
/// any byte of a request can be written. The kernel queues each connection until
/// [`Mute::connections`] takes them, so the count does not race the clients.
pub struct Mute {
    listener: TcpListener,
}

impl Mute {
    pub fn new() -> Self {
        Self {
            listener: Unready::new().listen(16),
        }
    }

    /// An `https://` base URL, ending in `/v2`.
    pub fn base_url(&self) -> String {
        format!("https://{}/v2", self.listener.local_addr().unwrap())
    }

    /// How many connections were made since the last call; each is then closed. A client's
    /// connect returns once the handshake is done, which puts the connection in this queue.
    pub fn connections(&self) -> usize {
        self.listener.set_nonblocking(true).unwrap();
        let mut n = 0;
        while self.listener.accept().is_ok() {
            n += 1;
        }
        n
    }
}

/// A port on 127.0.0.1 that is bound but not listening: connections to it are refused until
/// [`Unready::listen`], and no other program can take the port in between.
pub struct Unready(tokio::net::TcpSocket);

impl Unready {
    pub fn new() -> Self {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        Self(socket)
    }

    /// The base URL clients are given, ending in `/v2`.
    pub fn base_url(&self) -> String {
        format!("http://{}/v2", self.0.local_addr().unwrap())
    }

    /// Starts listening, with an accept queue of `backlog`, as a blocking std listener.
    pub fn listen(self, backlog: u32) -> TcpListener {
        // tokio's listen registers the socket with a reactor; it is handed back at once.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()
            .unwrap();
        let _entered = runtime.enter();
        let listener = self.0.listen(backlog).unwrap().into_std().unwrap();
        listener.set_nonblocking(false).unwrap();
        listener
    }
}
