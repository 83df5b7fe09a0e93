//! A server that answers at once with fixed bytes, so that a comparison measures the clients,
//! not the server. It runs in a child process (`compare --serve`), so its CPU time and its
//! allocations are not counted against the client being measured.
//!
//! - `GET /v2/runs/{id}`: one realistic run.
//! - `GET /v2/runs?...&continuation_token=N`: a page of 100 runs starting at run N, with the
//!   token of the next page, until `total` runs have been served.

use std::convert::Infallible;
use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use crate::fixture;

/// Serves until the process ends; prints `listening on ADDR` on stdout once bound.
pub async fn serve(total_runs: usize) -> std::io::Result<()> {
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    println!("listening on {}", listener.local_addr()?);
    let run = Bytes::from(fixture::run_json(1));
    loop {
        let (stream, _) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        let run = run.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req: Request<Incoming>| {
                let run = run.clone();
                async move { Ok::<_, Infallible>(answer(&req, run, total_runs)) }
            });
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

fn answer(req: &Request<Incoming>, run: Bytes, total_runs: usize) -> Response<Full<Bytes>> {
    let body = match req.uri().query() {
        Some(query) => Bytes::from(page(query, total_runs)),
        None => run,
    };
    Response::builder()
        .header("content-type", "application/json")
        .body(Full::new(body))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}

fn page(query: &str, total_runs: usize) -> String {
    let offset: usize = query
        .split('&')
        .find_map(|kv| kv.strip_prefix("continuation_token="))
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    let end = (offset + 100).min(total_runs);
    let mut out = String::from(r#"{"items":["#);
    for i in offset..end {
        if i > offset {
            out.push(',');
        }
        out.push_str(&fixture::run_json(i));
    }
    out.push_str(r#"],"continuation_token":"#);
    if end < total_runs {
        out.push_str(&format!("\"{end}\"}}"));
    } else {
        out.push_str("null}");
    }
    out
}
