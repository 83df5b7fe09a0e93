//! A hand-written HTTP/1.1 server on loopback that answers whatever a test scripts, however
//! wrong: one thread per connection, keep-alive, every request recorded.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// A request as the server read it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub target: String,
    pub body: Vec<u8>,
}

/// What the server does with a request.
pub enum Reply {
    /// Writes these bytes (a whole response), then reads the next request.
    Bytes(Vec<u8>),
    /// Writes these bytes (a response head, say, promising a body), then sends nothing more
    /// and keeps the connection open until the client closes it.
    Hold(Vec<u8>),
}

type Handler = dyn Fn(usize, &Recorded) -> Reply + Send + Sync;

/// A misbehaving server on 127.0.0.1 and an ephemeral port.
pub struct Hostile {
    port: u16,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

impl Hostile {
    /// Serves `handler`, which gets each request with its number (0 for the first).
    pub fn start(handler: impl Fn(usize, &Recorded) -> Reply + Send + Sync + 'static) -> Self {
        Self::on(TcpListener::bind("127.0.0.1:0").unwrap(), handler)
    }

    /// Serves `handler` on `listener`.
    pub fn on(
        listener: TcpListener,
        handler: impl Fn(usize, &Recorded) -> Reply + Send + Sync + 'static,
    ) -> Self {
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let recorded = requests.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (handler, recorded) = (handler.clone(), recorded.clone());
                std::thread::spawn(move || serve(stream, &*handler, &recorded));
            }
        });
        Self { port, requests }
    }

    /// The base URL clients are given, ending in `/v2`.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}/v2", self.port)
    }

    /// How many requests arrived.
    pub fn count(&self) -> usize {
        self.requests.lock().unwrap().len()
    }

    /// The requests that arrived, in order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }
}

fn serve(stream: TcpStream, handler: &Handler, recorded: &Mutex<Vec<Recorded>>) {
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let (method, target) = (
            parts.next().unwrap_or("").to_string(),
            parts.next().unwrap_or("").to_string(),
        );
        let mut length = 0usize;
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let request = Recorded { method, target, body };
        let n = {
            let mut all = recorded.lock().unwrap();
            all.push(request.clone());
            all.len() - 1
        };
        match handler(n, &request) {
            Reply::Bytes(bytes) => {
                if writer.write_all(&bytes).is_err() {
                    return;
                }
            }
            Reply::Hold(bytes) => {
                let _ = writer.write_all(&bytes);
                let _ = writer.flush();
                // Until the client gives up and closes.
                let _ = std::io::copy(&mut reader, &mut std::io::sink());
                return;
            }
        }
    }
}

/// A whole response: `status`, `headers`, then `body` with its `Content-Length`.
pub fn response(status: u16, headers: &[(&str, &str)], body: &str) -> Reply {
    let mut text = format!("HTTP/1.1 {status} Hostile\r\ncontent-length: {}\r\n", body.len());
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str("\r\n");
    text.push_str(body);
    Reply::Bytes(text.into_bytes())
}

/// A JSON response.
pub fn json(status: u16, body: &str) -> Reply {
    response(status, &[("content-type", "application/json")], body)
}

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
