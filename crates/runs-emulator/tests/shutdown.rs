//! Shutting down: explicitly, on drop, from sync code and from inside tokio runtimes.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;

use common::{Conn, KEY, list_path};
use runs_emulator::{Emulator, HELLO_WORLD};

fn answers(addr: std::net::SocketAddr) -> bool {
    let Ok(mut tcp) = TcpStream::connect(addr) else {
        return false;
    };
    let request =
        format!("GET /v2/runs HTTP/1.1\r\nhost: e\r\nx-api-key: {KEY}\r\nconnection: close\r\n\r\n");
    if tcp.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut answer = String::new();
    let _ = tcp.read_to_string(&mut answer);
    answer.starts_with("HTTP/1.1 ")
}

#[test]
fn dropping_the_emulator_stops_it() {
    let emu = Emulator::builder().api_key(KEY).start().unwrap();
    let addr = emu.addr();
    assert!(answers(addr));
    drop(emu);
    assert!(!answers(addr));
}

#[test]
fn shutdown_closes_idle_keep_alive_connections() {
    let emu = Emulator::builder().api_key(KEY).start().unwrap();
    let mut idle = TcpStream::connect(emu.addr()).unwrap();
    idle.write_all(format!("GET /v2 HTTP/1.1\r\nhost: e\r\nx-api-key: {KEY}\r\n\r\n").as_bytes())
        .unwrap();
    let mut first = [0u8; 12];
    idle.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"HTTP/1.1 404");
    emu.shutdown();
    // The connection is closed by the server: reading reaches its end.
    let mut rest = Vec::new();
    idle.read_to_end(&mut rest).unwrap();
}

#[tokio::test]
async fn dropping_inside_a_current_thread_runtime_does_not_panic() {
    let emu = Emulator::builder().api_key(KEY).start().unwrap();
    let mut conn = Conn::open(emu.addr()).await;
    assert_eq!(conn.get(&list_path(HELLO_WORLD, "")).await.status, 200);
    drop(emu);
    assert!(
        conn.try_send(http::Method::GET, "/v2/runs", Some(KEY), None)
            .await
            .is_err()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starting_and_dropping_inside_a_multi_thread_runtime_works() {
    for _ in 0..3 {
        let emu = Emulator::builder()
            .api_key(KEY)
            .worker_threads(2)
            .start()
            .unwrap();
        let answer = common::get(emu.addr(), &list_path(HELLO_WORLD, "")).await;
        assert_eq!(answer.status, 200);
    }
}

#[test]
fn taken_ports_are_a_bind_error() {
    let first = Emulator::start().unwrap();
    let err = Emulator::builder().listen(first.addr()).start().unwrap_err();
    assert!(matches!(err, runs_emulator::Error::Bind { .. }), "{err}");
    assert!(std::error::Error::source(&err).is_some());
}

#[test]
fn a_client_that_never_finishes_its_headers_is_disconnected() {
    let emu = Emulator::builder()
        .api_key(KEY)
        .header_read_timeout(std::time::Duration::from_millis(200))
        .start()
        .unwrap();
    let mut slow = TcpStream::connect(emu.addr()).unwrap();
    slow.write_all(b"GET /v2/runs HTTP/1.1\r\nhost: e\r\n").unwrap();
    // The server gives up on the head and closes: the read ends (a 408 may precede the close).
    // The client's own read timeout only turns a server that never closes into a failure.
    slow.set_read_timeout(Some(std::time::Duration::from_secs(60)))
        .unwrap();
    let mut answer = Vec::new();
    let ended = slow.read_to_end(&mut answer);
    assert!(ended.is_ok(), "the server did not close: {ended:?}");
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "{answer}"
    );
    assert!(answers(emu.addr()), "others are still served");
}

#[test]
fn the_handle_can_be_shared_across_threads() {
    fn send_and_sync<T: Send + Sync>() {}
    send_and_sync::<Emulator>();
}
