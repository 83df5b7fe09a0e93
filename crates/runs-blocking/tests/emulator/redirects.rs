//! Redirects, which the emulator never sends: a scripted loopback server answers instead.
//!
//! ureq is told not to follow redirects, so runs-core sees each one and decides: a `GET` follows
//! a redirect within the base URL's origin, and nothing follows one elsewhere, where the API key
//! would go with it.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::thread::JoinHandle;

use runs_blocking::{Client, Error, TransportErrorKind};

use super::{KEY, assert_keyless};

const RUN: &str = r#"{"id":"run-2","name":"n","agent_id":"a","process_id":"p","stage":"Draft",
    "status":"Running","created_at":"2021-01-01T12:00:00"}"#;

/// A server on an ephemeral loopback port that answers one request per connection with each
/// of `answers` in turn, then stops. Joining it gives the request lines it read.
fn scripted(answers: Vec<String>) -> (String, JoinHandle<Vec<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base_url = format!("http://{}/v2", listener.local_addr().unwrap());
    let server = std::thread::spawn(move || {
        let mut seen = Vec::new();
        for answer in answers {
            let (stream, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(stream);
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            seen.push(line.trim_end().to_string());
            while line != "\r\n" {
                line.clear();
                reader.read_line(&mut line).unwrap();
            }
            reader.get_mut().write_all(answer.as_bytes()).unwrap();
        }
        seen
    });
    (base_url, server)
}

fn redirect(location: &str) -> String {
    format!(
        "HTTP/1.1 307 Temporary Redirect\r\nlocation: {location}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
    )
}

fn client(base_url: &str) -> Client {
    Client::builder().api_key(KEY).base_url(base_url).build().unwrap()
}

#[test]
fn a_get_follows_a_redirect_within_its_origin() {
    let ok = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{RUN}",
        RUN.len()
    );
    let (base_url, server) = scripted(vec![redirect("/v2/runs/run-2"), ok]);
    let run = client(&base_url).get_run(&"run-1".parse().unwrap()).unwrap();
    assert_eq!(run.id.as_str(), "run-2");
    assert_eq!(
        server.join().unwrap(),
        ["GET /v2/runs/run-1 HTTP/1.1", "GET /v2/runs/run-2 HTTP/1.1"]
    );
}

#[test]
fn a_redirect_to_another_origin_is_refused_and_not_followed() {
    let (base_url, server) = scripted(vec![redirect("http://127.0.0.2:9/v2/runs/run-1")]);
    let error = client(&base_url).get_run(&"run-1".parse().unwrap()).unwrap_err();
    assert!(
        matches!(&error, Error::Transport(e) if e.kind() == TransportErrorKind::Redirect),
        "{error:?}"
    );
    assert_eq!(server.join().unwrap().len(), 1);
    assert_keyless(&error);
}
