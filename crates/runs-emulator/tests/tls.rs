//! https with a certificate made at start, trusted through the emulator's CA.

mod common;

use std::sync::Arc;

use common::{Conn, KEY, list_path};
use runs_emulator::{Emulator, HELLO_WORLD};
use rustls::RootCertStore;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::TlsConnector;

fn connector(ca_pem: Option<&str>) -> TlsConnector {
    let mut roots = RootCertStore::empty();
    if let Some(pem) = ca_pem {
        for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
            roots.add(cert.unwrap()).unwrap();
        }
    }
    let config =
        rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
    TlsConnector::from(Arc::new(config))
}

#[tokio::test]
async fn clients_trusting_the_ca_get_https_for_localhost_and_the_ip() {
    let emu = Emulator::builder().api_key(KEY).tls(true).start().unwrap();
    assert!(
        emu.base_url().starts_with("https://127.0.0.1:"),
        "{}",
        emu.base_url()
    );
    let ca = emu.ca_pem().unwrap();
    assert!(ca.starts_with("-----BEGIN CERTIFICATE-----"));
    for name in ["localhost", "127.0.0.1"] {
        let tcp = tokio::net::TcpStream::connect(emu.addr()).await.unwrap();
        let server_name = ServerName::try_from(name).unwrap().to_owned();
        let tls = connector(Some(ca)).connect(server_name, tcp).await.unwrap();
        let mut conn = Conn::over(tls).await;
        let answer = conn.get(&list_path(HELLO_WORLD, "")).await;
        assert_eq!(answer.status, 200, "{name}");
        assert_eq!(
            conn.get(&list_path(HELLO_WORLD, "")).await.status,
            200,
            "keep-alive over TLS"
        );
    }
    assert_eq!(emu.counters().connections, 2);
}

#[tokio::test]
async fn clients_not_trusting_the_ca_are_refused_and_the_server_goes_on() {
    let emu = Emulator::builder().api_key(KEY).tls(true).start().unwrap();
    let tcp = tokio::net::TcpStream::connect(emu.addr()).await.unwrap();
    let name = ServerName::try_from("localhost").unwrap().to_owned();
    let err = connector(None).connect(name.clone(), tcp).await.unwrap_err();
    assert!(err.to_string().contains("certificate"), "{err}");
    // Plain HTTP to the TLS port gets no HTTP answer.
    let tcp = tokio::net::TcpStream::connect(emu.addr()).await.unwrap();
    let mut plain = Conn::over(tcp).await;
    assert!(
        plain
            .try_send(http::Method::GET, "/v2/runs", Some(KEY), None)
            .await
            .is_err()
    );
    // A good client still gets through.
    let tcp = tokio::net::TcpStream::connect(emu.addr()).await.unwrap();
    let tls = connector(emu.ca_pem()).connect(name, tcp).await.unwrap();
    assert_eq!(
        Conn::over(tls)
            .await
            .get(&list_path(HELLO_WORLD, ""))
            .await
            .status,
        200
    );
}

#[test]
fn plain_emulators_have_no_ca() {
    let emu = Emulator::start().unwrap();
    assert!(emu.ca_pem().is_none());
    assert!(emu.base_url().starts_with("http://127.0.0.1:"));
    assert_eq!(emu.api_key(), runs_emulator::DEFAULT_API_KEY);
}
