//! A tiny HTTP/1.1 server on loopback that answers from a script and records every request's
//! head: for checking what a client (and a user's middleware in it) really sent. Each answer
//! carries `x-request-id: req-N`, N counting the requests.

use std::collections::VecDeque;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::Duration;

/// One scripted answer.
#[derive(Debug, Clone)]
pub enum Reply {
    /// This status with this JSON body.
    Json(u16, String),
    /// Read the request and never answer (until the client goes away).
    Stall,
}

#[derive(Default)]
struct State {
    script: VecDeque<Reply>,
    heads: Vec<String>,
}

/// A running server; it stops accepting when dropped.
pub struct RecordingServer {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
}

/// A run as the API sends it, for the default answer.
pub const RUN_JSON: &str = r#"{"id":"r1","name":"n","agent_id":"a","process_id":"p","stage":"Draft","status":"Running","created_at":"2021-01-01T12:00:00"}"#;

impl RecordingServer {
    /// Starts on `127.0.0.1` at a free port; once the script is used up it answers `200` with
    /// [`RUN_JSON`].
    pub fn start(script: impl IntoIterator<Item = Reply>) -> io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let state = Arc::new(Mutex::new(State {
            script: script.into_iter().collect(),
            heads: Vec::new(),
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let (shared, stopping) = (state.clone(), stop.clone());
        thread::spawn(move || {
            for stream in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let state = shared.clone();
                thread::spawn(move || {
                    let _ = serve(stream, &state);
                });
            }
        });
        Ok(Self { addr, state, stop })
    }

    /// `http://127.0.0.1:PORT/v2`.
    pub fn base_url(&self) -> String {
        format!("http://{}/v2", self.addr)
    }

    /// Every request head received so far (request line and headers, lowercase names).
    pub fn heads(&self) -> Vec<String> {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .heads
            .clone()
    }
}

impl Drop for RecordingServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
    }
}

fn serve(stream: TcpStream, state: &Mutex<State>) -> io::Result<()> {
    // A client that stops talking is let go, so no thread outlives its test for long.
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    loop {
        let mut head = String::new();
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line)? == 0 {
                return Ok(());
            }
            if line == "\r\n" {
                break;
            }
            let line = line.trim_end().to_owned();
            if let Some((name, value)) = line.split_once(':') {
                let name = name.trim().to_ascii_lowercase();
                if name == "content-length" {
                    length = value.trim().parse().unwrap_or(0);
                }
                head.push_str(&format!("{name}: {}\n", value.trim()));
            } else {
                head.push_str(&line);
                head.push('\n');
            }
        }
        let mut body = vec![0; length.min(1 << 20)];
        reader.read_exact(&mut body)?;
        let (reply, number) = {
            let mut state = state.lock().unwrap_or_else(PoisonError::into_inner);
            state.heads.push(head);
            (state.script.pop_front(), state.heads.len())
        };
        match reply.unwrap_or(Reply::Json(200, RUN_JSON.to_owned())) {
            Reply::Json(status, body) => {
                // Each answer names itself, as a real API's request id does.
                let response = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\nx-request-id: req-{number}\r\ncontent-length: {}\r\n\r\n{body}",
                    body.len()
                );
                writer.write_all(response.as_bytes())?;
            }
            Reply::Stall => {
                // Until the client gives up and closes.
                let _ = io::copy(&mut reader, &mut io::sink());
                return Ok(());
            }
        }
    }
}
