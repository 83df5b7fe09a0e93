//! The transport against the emulator and against scripted servers: the tour, each failure's
//! kind and delivery, the body cap, the head reqwless writes for it, and a proxy.

use super::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::thread::JoinHandle;

use firmware_reqwless::Received;
use runs_core::transport::{Call, GetRun, Request};
use runs_core::{Delivery, Proxy, TransportError, TransportErrorKind};
use runs_emulator::{Fault, Route};

fn emulator() -> Emulator {
    Emulator::builder().schedule(Schedule::PerPoll).start().unwrap()
}

fn builder(base_url: &str) -> runs_core::ConfigBuilder<runs_core::Set, runs_core::Set, Config> {
    Config::builder()
        .api_key("test-key")
        .base_url(base_url)
        .max_body_bytes(MAX_BODY)
        .wait_policy(WaitPolicy::default().with_initial_interval(Duration::from_millis(100)))
}

fn emulator_config(emulator: &Emulator) -> Config {
    builder(emulator.base_url())
        .api_key(emulator.api_key())
        .build()
        .unwrap()
}

fn get_request(config: &Config) -> Request {
    Call::new(config, GetRun("r1".parse().unwrap()), 0)
        .request()
        .clone()
}

/// One attempt of a get, as the machine would send it, within `timeout`.
fn send_get(config: Config, timeout: Duration) -> Result<Received, TransportError> {
    let stack = Stack::default();
    let request = get_request(&config);
    let mut transport = Transport::new(&stack, &stack, Host::new(), config);
    async_io::block_on(transport.send(&request, timeout))
}

fn start(name: &str) -> StartRun {
    StartRun::builder()
        .agent_id(DEMO_AGENT)
        .process_id(HELLO_WORLD)
        .name(name)
        .stage(ProcessStage::Draft)
        .build()
        .unwrap()
}

const RUN: &str = r#"{"id":"r1","name":"n","agent_id":"a","process_id":"p","stage":"Draft","status":"Running","created_at":"2021-01-01T12:00:00"}"#;

/// A server for one connection: reads the request head and as much body as its
/// `Content-Length` says, answers `answer`, and returns what it read.
fn scripted(answer: String) -> (String, JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let server = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(&stream);
        let mut head = String::new();
        while reader.read_line(&mut head).unwrap() > 2 {}
        let length = head
            .lines()
            .find_map(|l| {
                l.strip_prefix("content-length: ")
                    .or(l.strip_prefix("Content-Length: "))
            })
            .map_or(0, |l| l.trim().parse().unwrap());
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        (&stream).write_all(answer.as_bytes()).unwrap();
        head + &String::from_utf8(body).unwrap()
    });
    (address, server)
}

fn ok(body: &str) -> String {
    format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}", body.len())
}

#[test]
fn the_tour_gets_starts_lists_every_page_and_waits() {
    let emulator = emulator();
    let stack = Stack::default();
    let mut transport = Transport::new(&stack, &stack, Host::new(), emulator_config(&emulator));
    let tour = async_io::block_on(tour(&mut transport)).unwrap();

    assert_eq!(emulator.counters().runs_created, RUNS as u64);
    assert_eq!(tour.fetched.id, tour.started[0].id);
    // Five runs, two a page: three pages, every run once, newest first.
    let mut started: Vec<_> = tour.started.iter().map(|r| r.id.clone()).collect();
    started.reverse();
    let listed: Vec<_> = tour.listed.iter().map(|r| r.id.clone()).collect();
    assert_eq!(listed, started);
    assert_eq!(emulator.counters().list_runs, 3);
    assert_eq!(tour.finished.id, tour.started[0].id);
    assert!(tour.finished.status.is_success(), "{}", tour.finished.status);
}

#[test]
fn the_head_has_the_port_in_host_and_a_length_only_with_a_body() {
    let (address, server) = scripted(ok(RUN));
    let config = builder(&format!("http://{address}/v2")).build().unwrap();
    let stack = Stack::default();
    let mut transport = Transport::new(&stack, &stack, Host::new(), config);
    let run = async_io::block_on(transport.start_run(start("head"))).unwrap();
    let seen = server.join().unwrap();
    assert_eq!(run.id.as_str(), "r1");
    assert!(seen.starts_with("POST /v2/runs HTTP/1.1\r\n"), "{seen}");
    assert!(seen.contains(&format!("Host: {address}\r\n")), "{seen}");
    assert!(seen.contains("x-api-key: test-key\r\n"), "{seen}");
    assert!(seen.contains("connection: close\r\n"), "{seen}");
    assert!(seen.ends_with(r#""name":"head","stage":"Draft"}"#), "{seen}");
    let length = seen.split("\r\n\r\n").nth(1).unwrap().len();
    assert!(seen.contains(&format!("Content-Length: {length}\r\n")), "{seen}");

    let (address, server) = scripted(ok(RUN));
    let config = builder(&format!("http://{address}/v2")).build().unwrap();
    send_get(config, Duration::from_secs(5)).unwrap();
    let seen = server.join().unwrap();
    assert!(seen.starts_with("GET /v2/runs/r1 HTTP/1.1\r\n"), "{seen}");
    assert!(!seen.to_ascii_lowercase().contains("content-length"), "{seen}");
}

#[test]
fn a_post_that_may_have_arrived_is_not_sent_again() {
    let emulator = emulator();
    emulator.inject(Route::StartRun, Fault::close_before_response());
    let stack = Stack::default();
    let mut transport = Transport::new(&stack, &stack, Host::new(), emulator_config(&emulator));
    let error = async_io::block_on(transport.start_run(start("once"))).unwrap_err();
    let Error::Transport(e) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(
        (e.kind(), e.delivery()),
        (TransportErrorKind::Io, Delivery::MaybeSent)
    );
    assert_eq!(emulator.counters().start_run, 1);
}

#[test]
fn a_get_is_retried_after_a_body_cut_short() {
    let emulator = emulator();
    let stack = Stack::default();
    let mut transport = Transport::new(&stack, &stack, Host::new(), emulator_config(&emulator));
    let run = async_io::block_on(transport.start_run(start("cut"))).unwrap();
    emulator.inject(Route::GetRun, Fault::close_mid_body());
    let got = async_io::block_on(transport.get_run(&run.id)).unwrap();
    assert_eq!(got.id, run.id);
    assert_eq!(emulator.counters().get_run, 2);
}

#[test]
fn a_body_cut_short_is_a_broken_connection_not_a_short_body() {
    let emulator = emulator();
    emulator.inject(Route::GetRun, Fault::close_mid_body());
    let e = send_get(emulator_config(&emulator), Duration::from_secs(5)).unwrap_err();
    assert_eq!(
        (e.kind(), e.delivery()),
        (TransportErrorKind::Io, Delivery::MaybeSent)
    );
}

#[test]
fn a_refused_connection_was_not_sent() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = builder(&format!("http://127.0.0.1:{port}/v2")).build().unwrap();
    let e = send_get(config, Duration::from_secs(5)).unwrap_err();
    assert_eq!(
        (e.kind(), e.delivery()),
        (TransportErrorKind::Connect, Delivery::NotSent)
    );
}

#[test]
fn a_server_that_never_answers_is_a_timeout() {
    let emulator = emulator();
    emulator.inject(Route::GetRun, Fault::hang());
    let e = send_get(emulator_config(&emulator), Duration::from_millis(200)).unwrap_err();
    assert_eq!(
        (e.kind(), e.delivery()),
        (TransportErrorKind::Timeout, Delivery::MaybeSent)
    );
}

#[test]
fn a_body_over_the_cap_is_refused_by_length_or_as_read() {
    let emulator = emulator();
    let config = builder(emulator.base_url())
        .api_key(emulator.api_key())
        .max_body_bytes(1000)
        .build()
        .unwrap();
    for (fault, declared) in [
        (Fault::oversized(5000), Some(5000)),
        (Fault::oversized_chunked(5000), None),
    ] {
        emulator.inject(Route::GetRun, fault);
        let e = send_get(config.clone(), Duration::from_secs(5)).unwrap_err();
        assert_eq!(e.kind(), TransportErrorKind::BodyTooLarge);
        let limit = std::error::Error::source(&e)
            .and_then(|s| s.downcast_ref::<runs_core::transport::OverLimit>())
            .unwrap();
        assert_eq!((limit.limit(), limit.declared()), (1000, declared));
        assert!(e.to_string().contains("which answered 200"), "{e}");
    }
}

#[test]
fn https_is_refused_before_anything_is_sent() {
    let config = builder("https://runs.example.test/v2").build().unwrap();
    let e = send_get(config, Duration::from_secs(5)).unwrap_err();
    assert_eq!(
        (e.kind(), e.delivery()),
        (TransportErrorKind::Connect, Delivery::NotSent)
    );
}

#[test]
fn a_proxy_gets_the_whole_url_and_its_credentials() {
    let (address, server) = scripted(ok(RUN));
    let config = builder("http://runs.example.test/v2")
        .allow_insecure_http(true)
        .proxy(Proxy::Url(format!("http://user:pw@{address}")))
        .build()
        .unwrap();
    let received = send_get(config, Duration::from_secs(5)).unwrap();
    let head = server.join().unwrap();
    assert_eq!(received.status, 200);
    assert!(
        head.starts_with("GET http://runs.example.test/v2/runs/r1 HTTP/1.1\r\nHost: runs.example.test\r\n"),
        "{head}"
    );
    assert!(
        head.contains("proxy-authorization: Basic dXNlcjpwdw==\r\n"),
        "{head}"
    );
}
