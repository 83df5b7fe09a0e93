//! The example's tests: the tour against the emulator, each failure's kind and delivery, and
//! the reader against hostile bytes.

use super::*;
use std::net::TcpListener;

use proptest::prelude::*;
use runs_core::Proxy;
use runs_emulator::{Fault, Route};

fn emulator() -> Emulator {
    Emulator::builder().schedule(Schedule::PerPoll).start().unwrap()
}

fn config(emulator: &Emulator) -> runs_core::ConfigBuilder<runs_core::Set, runs_core::Set, Config> {
    Config::builder()
        .api_key(emulator.api_key())
        .base_url(emulator.base_url())
        .wait_policy(WaitPolicy::default().with_initial_interval(Duration::from_millis(100)))
}

fn transport(emulator: &Emulator) -> Transport {
    Transport::new(config(emulator).build().unwrap())
}

fn get_request(transport: &Transport) -> Request {
    Call::new(&transport.config, GetRun("r1".parse().unwrap()), 0)
        .request()
        .clone()
}

fn parse(bytes: &[u8]) -> Result<Received, Failure> {
    read_response(&mut &bytes[..], 100)
}

#[test]
fn the_tour_gets_starts_lists_every_page_and_waits() {
    let emulator = emulator();
    let tour = tour(&transport(&emulator)).unwrap();

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
fn the_request_head_is_runs_cores_request_with_a_host_and_a_length() {
    let config = Config::builder()
        .api_key("sk-test")
        .base_url("http://127.0.0.1:8080/v2")
        .user_agent("ua")
        .build()
        .unwrap();
    let start = StartRun::builder()
        .agent_id("a")
        .process_id("p")
        .name("n")
        .stage(ProcessStage::Draft)
        .build()
        .unwrap();
    let request = Call::new(&config, runs_core::transport::PostRun(start), 0)
        .request()
        .clone();
    let head = encode(&request, "/v2/runs", "127.0.0.1:8080", None).unwrap();
    assert_eq!(
        String::from_utf8(head).unwrap(),
        format!(
            "POST /v2/runs HTTP/1.1\r\nhost: 127.0.0.1:8080\r\n{}content-length: {}\r\nconnection: close\r\n\r\n",
            request
                .headers()
                .iter()
                .map(|(n, v)| format!("{n}: {v}\r\n"))
                .collect::<String>(),
            request.body().len(),
        )
    );
    assert!(request.header("x-api-key").is_some());
}

#[test]
fn a_post_that_may_have_arrived_is_not_sent_again() {
    let emulator = emulator();
    emulator.inject(Route::StartRun, Fault::close_before_response());
    let start = StartRun::builder()
        .agent_id(DEMO_AGENT)
        .process_id(HELLO_WORLD)
        .name("once")
        .stage(ProcessStage::Draft)
        .build()
        .unwrap();
    let error = transport(&emulator).start_run(start).unwrap_err();
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
    let transport = transport(&emulator);
    let start = StartRun::builder()
        .agent_id(DEMO_AGENT)
        .process_id(HELLO_WORLD)
        .name("cut")
        .stage(ProcessStage::Draft)
        .build()
        .unwrap();
    let run = transport.start_run(start).unwrap();
    emulator.inject(Route::GetRun, Fault::close_mid_body());
    assert_eq!(transport.get_run(&run.id).unwrap().id, run.id);
    assert_eq!(emulator.counters().get_run, 2);
}

#[test]
fn a_refused_connection_was_not_sent() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = Config::builder()
        .api_key("k")
        .base_url(format!("http://127.0.0.1:{port}/v2"))
        .build()
        .unwrap();
    let transport = Transport::new(config);
    let e = transport
        .send(&get_request(&transport), Duration::from_secs(5))
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.delivery()),
        (TransportErrorKind::Connect, Delivery::NotSent)
    );
}

#[test]
fn a_server_that_never_answers_is_a_timeout() {
    let emulator = emulator();
    emulator.inject(Route::GetRun, Fault::hang());
    let transport = transport(&emulator);
    let e = transport
        .send(&get_request(&transport), Duration::from_millis(200))
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.delivery()),
        (TransportErrorKind::Timeout, Delivery::MaybeSent)
    );
}

#[test]
fn a_body_over_the_cap_is_refused_by_length_or_as_read() {
    let emulator = emulator();
    let transport = Transport::new(config(&emulator).max_body_bytes(1000).build().unwrap());
    for (fault, declared) in [
        (Fault::oversized(5000), Some(5000)),
        (Fault::oversized_chunked(5000), None),
    ] {
        emulator.inject(Route::GetRun, fault);
        let e = transport
            .send(&get_request(&transport), Duration::from_secs(5))
            .unwrap_err();
        assert_eq!(e.kind(), TransportErrorKind::BodyTooLarge);
        let limit = std::error::Error::source(&e)
            .and_then(|s| s.downcast_ref::<runs_core::transport::OverLimit>())
            .unwrap();
        assert_eq!((limit.limit(), limit.declared()), (1000, declared));
        assert!(e.to_string().contains("which answered 200"), "{e}");
    }
}

#[test]
fn a_proxy_gets_the_whole_url_and_its_credentials() {
    let proxy = TcpListener::bind("127.0.0.1:0").unwrap();
    let config = Config::builder()
        .api_key("k")
        .base_url("http://runs.example.test/v2")
        .allow_insecure_http(true)
        .proxy(Proxy::Url(format!(
            "http://user:pw@{}",
            proxy.local_addr().unwrap()
        )))
        .build()
        .unwrap();
    let server = std::thread::spawn(move || {
        let (stream, _) = proxy.accept().unwrap();
        let mut reader = BufReader::new(&stream);
        let mut head = String::new();
        while reader.read_line(&mut head).unwrap() > 2 {}
        let body = r#"{"id":"r1","name":"n","agent_id":"a","process_id":"p","stage":"Draft","status":"Running","created_at":"2021-01-01T12:00:00"}"#;
        let answer = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}", body.len());
        (&stream).write_all(answer.as_bytes()).unwrap();
        head
    });
    let run = Transport::new(config).get_run(&"r1".parse().unwrap()).unwrap();
    let head = server.join().unwrap();
    assert_eq!(run.id.as_str(), "r1");
    assert!(
        head.starts_with("GET http://runs.example.test/v2/runs/r1 HTTP/1.1\r\nhost: runs.example.test\r\n"),
        "{head}"
    );
    assert!(
        head.contains("proxy-authorization: Basic dXNlcjpwdw==\r\n"),
        "{head}"
    );
}

#[test]
fn headers_are_read_whatever_their_case_and_interim_answers_skipped() {
    let r = parse(
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 503 Busy\r\nRETRY-AFTER: 3\r\nContent-LENGTH: 2\r\n\r\nhi",
    )
    .unwrap();
    assert_eq!(
        (r.status, r.headers.header("retry-after"), &r.body[..]),
        (503, Some("3"), &b"hi"[..])
    );
}

#[test]
fn a_chunked_body_is_joined_with_extensions_and_trailers_dropped() {
    let r = parse(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n3;x=y\r\nabc\r\nA\r\n0123456789\r\n0\r\nT: v\r\n\r\n")
        .unwrap();
    assert_eq!(r.body, b"abc0123456789");
    let r = parse(b"HTTP/1.0 200 OK\n\nuntil close").unwrap();
    assert_eq!(r.body, b"until close");
}

#[test]
fn broken_framing_and_bodies_over_the_cap_are_errors() {
    let broken = |bytes: &[u8]| matches!(parse(bytes), Err(Failure::Broken(_)));
    assert!(broken(b""));
    assert!(broken(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabc"));
    assert!(broken(
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc"
    ));
    assert!(broken(b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"));
    assert!(broken(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n"));
    assert!(broken(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n+5\r\nabcde\r\n0\r\n\r\n"
    ));
    assert!(broken(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFF\r\n"
    ));
    assert!(broken(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n"
    ));
    assert!(broken(b"SSH-2.0-OpenSSH\r\n\r\n"));
    assert!(broken(b"HTTP/1.1 200 OK\r\n folded: no\r\n\r\n"));
    assert!(broken(
        &[b"HTTP/1.1 200 OK\r\nx: ".as_slice(), &[b'a'; MAX_HEAD]].concat()
    ));
    let too_large = |bytes: &[u8], d| matches!(parse(bytes), Err(Failure::TooLarge { status: 500, declared }) if declared == d);
    assert!(too_large(
        b"HTTP/1.1 500 Oops\r\nContent-Length: 101\r\n\r\n",
        Some(101)
    ));
    assert!(too_large(
        b"HTTP/1.1 500 Oops\r\nTransfer-Encoding: chunked\r\n\r\n65\r\n",
        None
    ));
    assert!(too_large(
        &[b"HTTP/1.1 500 Oops\r\n\r\n".as_slice(), &[b'a'; 101]].concat(),
        None
    ));
}

proptest! {
    #[test]
    fn no_bytes_from_a_server_panic_the_reader(tail in proptest::collection::vec(any::<u8>(), 0..400), n in 0usize..4) {
        let prefix: &[&[u8]] = &[b"", b"HTTP/1.1 200 OK\r\n", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n"];
        let bytes = [prefix[n], &tail].concat();
        if let Ok(r) = parse(&bytes) {
            prop_assert!(r.body.len() <= 100);
        }
    }
}
