//! The one hand-written HTTP/1.1 server of the test suites: on loopback, it answers whatever a
//! test scripts, however wrong, and records every request. One thread per connection,
//! keep-alive. The fault table, the middleware and tracing cases here and the CLI's hostile
//! suite all use it; the benches keep their own fixed-bytes server, where the server's cost is
//! part of what is measured.
// Test support: a server that cannot bind or a poisoned record is the test's failure.
#![allow(clippy::unwrap_used)]

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// A request as the server read it.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The method, as sent.
    pub method: String,
    /// The request target, as sent (`/v2/runs?..`).
    pub target: String,
    /// The request line and the headers, one per line, names lowercased.
    pub head: String,
    /// The body, `Content-Length` bytes of it.
    pub body: Vec<u8>,
}

/// What the server does with a request.
pub enum Reply {
    /// Writes these bytes (a whole response), then reads the next request.
    Bytes(Vec<u8>),
    /// Writes these bytes (a response head, say, promising a body, or nothing), then sends
    /// nothing more and keeps the connection open until the client closes it.
    Hold(Vec<u8>),
}

/// One answer of a [`ScriptedServer::scripted`] script.
#[derive(Debug, Clone)]
pub enum Answer {
    /// This status with this JSON body.
    Json(u16, String),
    /// Read the request and never answer (until the client goes away).
    Stall,
}

/// A run as the API sends it: what a script answers once it is used up.
pub const RUN_JSON: &str = r#"{"id":"r1","name":"n","agent_id":"a","process_id":"p","stage":"Draft","status":"Running","created_at":"2021-01-01T12:00:00"}"#;

type Handler = dyn Fn(usize, &Recorded) -> Reply + Send + Sync;

/// A scripted server on 127.0.0.1 and an ephemeral port.
pub struct ScriptedServer {
    port: u16,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

impl ScriptedServer {
    /// Serves `handler`, which gets each request with its number (0 for the first).
    pub fn start(handler: impl Fn(usize, &Recorded) -> Reply + Send + Sync + 'static) -> Self {
        Self::on(TcpListener::bind("127.0.0.1:0").unwrap(), handler)
    }

    /// Answers from `script` in order, then `200` with [`RUN_JSON`]. Each answer carries
    /// `x-request-id: req-N`, N counting the requests from 1, as a real API's request id does.
    pub fn scripted(script: impl IntoIterator<Item = Answer>) -> Self {
        let script = Mutex::new(script.into_iter().collect::<VecDeque<_>>());
        Self::start(move |n, _| {
            let answer = script.lock().unwrap().pop_front();
            match answer.unwrap_or(Answer::Json(200, RUN_JSON.to_owned())) {
                Answer::Json(status, body) => response(
                    status,
                    &[
                        ("content-type", "application/json"),
                        ("x-request-id", &format!("req-{}", n + 1)),
                    ],
                    &body,
                ),
                Answer::Stall => Reply::Hold(Vec::new()),
            }
        })
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

    /// The heads of the requests that arrived, in order ([`Recorded::head`]).
    pub fn heads(&self) -> Vec<String> {
        self.requests
            .lock()
            .unwrap()
            .iter()
            .map(|r| r.head.clone())
            .collect()
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
        let mut head = format!("{}\n", line.trim_end());
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
                let name = name.trim().to_ascii_lowercase();
                if name == "content-length" {
                    length = value.trim().parse().unwrap_or(0);
                }
                head.push_str(&format!("{name}: {}\n", value.trim()));
            }
        }
        let mut body = vec![0; length.min(64 << 20)];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let request = Recorded {
            method,
            target,
            head,
            body,
        };
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
