//! Connecting: TLS trust, refused connections, the plain-HTTP refusal, and a CONNECT proxy.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use runs_async::{Client, Delivery, Error, Proxy, RetryPolicy, TransportErrorKind};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::{SECRET, assert_no_key, emulator, hello_run, runtime, settings, transport};

/// Starts a run with `client` on a fresh current-thread runtime, expecting it to fail.
fn failed_start(client: &Client) -> Error {
    let error = runtime(false)
        .block_on(client.start_run(&hello_run()))
        .unwrap_err();
    assert_no_key(&error);
    error
}

/// A loopback port nothing listens on.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[test]
fn an_untrusted_certificate_fails_the_handshake_before_a_post_is_sent() {
    let emu = emulator(true);
    // Trusting another emulator's CA: Mozilla's roots and that CA, none of which signed `emu`'s.
    let stranger = emulator(true);
    let client = settings(&stranger)
        .base_url(emu.base_url())
        .retry_policy(RetryPolicy::none());
    let error = failed_start(&client.build().unwrap());
    assert!(
        transport(&error, TransportErrorKind::Tls, Delivery::NotSent),
        "{error:?}"
    );
    let counters = emu.counters();
    assert_eq!((counters.start_run, counters.runs_created), (0, 0));
    assert!(counters.connections >= 1);
}

#[test]
fn a_refused_connection_is_a_connect_error_and_not_sent() {
    let port = closed_port();
    let emu = emulator(false);
    let base = format!("http://127.0.0.1:{port}/v2");
    let error = failed_start(&settings(&emu).base_url(&base).build().unwrap());
    assert!(
        transport(&error, TransportErrorKind::Connect, Delivery::NotSent),
        "{error:?}"
    );
    assert!(
        error.to_string().contains(&format!("POST {base}/runs")),
        "{error}"
    );
}

#[test]
fn plain_http_to_another_host_is_refused_when_the_client_is_built() {
    let built = Client::builder()
        .api_key(SECRET)
        .base_url("http://api.example.com/v2")
        .build();
    let error = built.unwrap_err();
    assert!(
        matches!(&error, Error::Config(c) if c.setting() == "base_url"),
        "{error:?}"
    );
    assert_no_key(&error);
}

#[test]
fn an_unusable_root_certificate_is_a_config_error() {
    let built = Client::builder()
        .api_key(SECRET)
        .base_url("https://127.0.0.1:1/v2")
        .add_root_certificate_pem("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n")
        .build();
    assert!(matches!(built, Err(Error::Config(c)) if c.setting() == "root_certificates"));
}

/// A minimal HTTP CONNECT proxy on loopback, counting the tunnels it opened.
async fn connect_proxy() -> (SocketAddr, Arc<AtomicU64>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let tunnels = Arc::new(AtomicU64::new(0));
    let counted = tunnels.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let counted = counted.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                while !head.ends_with(b"\r\n\r\n") {
                    let mut byte = [0; 1];
                    client.read_exact(&mut byte).await.unwrap();
                    head.push(byte[0]);
                }
                let head = String::from_utf8(head).unwrap();
                let target = head.strip_prefix("CONNECT ").unwrap().split(' ').next().unwrap();
                let mut server = TcpStream::connect(target).await.unwrap();
                counted.fetch_add(1, Ordering::SeqCst);
                client
                    .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    .await
                    .unwrap();
                let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
            });
        }
    });
    (addr, tunnels)
}

#[test]
fn a_configured_proxy_carries_tls_through_a_connect_tunnel() {
    for tls in [false, true] {
        let emu = emulator(tls);
        let tunnels = runtime(true).block_on(async {
            let (proxy, tunnels) = connect_proxy().await;
            let client = settings(&emu)
                .proxy(Proxy::Url(format!("http://{proxy}")))
                .build()
                .unwrap();
            let run = client.start_run(&hello_run()).await.unwrap();
            assert_eq!(client.get_run(&run.id).await.unwrap().id, run.id);
            tunnels.load(Ordering::SeqCst)
        });
        // Every connection the emulator accepted came through the proxy.
        let counters = emu.counters();
        assert!(tunnels >= 1, "tls: {tls}");
        assert_eq!(counters.connections, tunnels, "tls: {tls}");
        assert_eq!((counters.start_run, counters.get_run), (1, 1));
    }
}

#[test]
fn a_proxy_that_cannot_be_reached_is_a_proxy_error_and_not_sent() {
    let proxy = Proxy::Url(format!("http://127.0.0.1:{}", closed_port()));
    let emu = emulator(true);
    let error = failed_start(&settings(&emu).proxy(proxy).build().unwrap());
    assert!(
        transport(&error, TransportErrorKind::Proxy, Delivery::NotSent),
        "{error:?}"
    );
    assert_eq!(emu.counters().connections, 0);
}
