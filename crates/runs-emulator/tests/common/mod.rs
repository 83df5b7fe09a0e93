//! A small HTTP/1.1 client over hyper's connection API, so each test controls its connections.
#![allow(dead_code)]

use std::net::SocketAddr;

use bytes::Bytes;
use http::{HeaderMap, Method, Request};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

pub const KEY: &str = "test-key";

/// What came back.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", String::from_utf8_lossy(&self.body)))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// One keep-alive connection.
pub struct Conn {
    sender: SendRequest<Full<Bytes>>,
    pub driver: tokio::task::JoinHandle<Result<(), hyper::Error>>,
}

impl Conn {
    pub async fn open(addr: SocketAddr) -> Conn {
        let tcp = TcpStream::connect(addr).await.unwrap();
        Conn::over(tcp).await
    }

    pub async fn over<S: AsyncRead + AsyncWrite + Unpin + Send + 'static>(io: S) -> Conn {
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(io))
            .await
            .unwrap();
        let driver = tokio::spawn(connection);
        Conn { sender, driver }
    }

    /// Sends a request and reads the whole answer; `Err` when the connection broke.
    pub async fn try_send(
        &mut self,
        method: Method,
        path: &str,
        key: Option<&str>,
        body: Option<&[u8]>,
    ) -> Result<Answer, hyper::Error> {
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header("host", "emulator");
        if let Some(key) = key {
            req = req.header("x-api-key", key);
        }
        if body.is_some() {
            req = req.header("content-type", "application/json");
        }
        let req = req
            .body(Full::new(Bytes::copy_from_slice(body.unwrap_or_default())))
            .unwrap();
        self.sender.ready().await?;
        let response = self.sender.send_request(req).await?;
        let (parts, body) = response.into_parts();
        let body = body.collect().await?.to_bytes();
        Ok(Answer {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body,
        })
    }

    /// Sends a request with exactly these headers (no key unless one is among them).
    pub async fn send_raw(
        &mut self,
        method: Method,
        path: &str,
        headers: &[(String, String)],
        body: Vec<u8>,
    ) -> Result<Answer, hyper::Error> {
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header("host", "storage");
        for (name, value) in headers {
            req = req.header(name.as_str(), value.as_str());
        }
        let req = req.body(Full::new(Bytes::from(body))).unwrap();
        self.sender.ready().await?;
        let response = self.sender.send_request(req).await?;
        let (parts, body) = response.into_parts();
        let body = body.collect().await?.to_bytes();
        Ok(Answer {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body,
        })
    }

    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        key: Option<&str>,
        body: Option<&[u8]>,
    ) -> Answer {
        self.try_send(method, path, key, body).await.unwrap()
    }

    pub async fn get(&mut self, path: &str) -> Answer {
        self.send(Method::GET, path, Some(KEY), None).await
    }

    pub async fn post(&mut self, path: &str, body: &Value) -> Answer {
        let body = serde_json::to_vec(body).unwrap();
        self.send(Method::POST, path, Some(KEY), Some(&body)).await
    }
}

/// A one-off GET on a fresh connection.
pub async fn get(addr: SocketAddr, path: &str) -> Answer {
    Conn::open(addr).await.get(path).await
}

/// A one-off POST on a fresh connection.
pub async fn post(addr: SocketAddr, path: &str, body: &Value) -> Answer {
    Conn::open(addr).await.post(path, body).await
}

/// A start-run body for the seeded agent.
pub fn start_body(process: &str, name: &str) -> Value {
    serde_json::json!({
        "agent_id": runs_emulator::DEMO_AGENT,
        "process_id": process,
        "name": name,
        "stage": "Published",
    })
}

/// Starts a run and returns its id.
pub async fn start_run(addr: SocketAddr, process: &str, name: &str) -> String {
    let answer = post(addr, "/v2/runs", &start_body(process, name)).await;
    assert_eq!(answer.status, 201, "{:?}", answer.body);
    answer.json()["id"].as_str().unwrap().to_string()
}

pub fn list_path(process: &str, extra: &str) -> String {
    format!(
        "/v2/runs?agent_id={}&process_id={process}{extra}",
        runs_emulator::DEMO_AGENT
    )
}
