//! Issue 18, item 5: a host with characters outside ASCII, from the user (`--base-url`) or
//! from a server (an upload target), is refused with an error, never a panic (a byte index
//! inside `€` panicked where the loopback rule looked for `.localhost`).

use runs_core::{Error, FileResource, Proxy};

use crate::clients::{Clients, KEY, Source, Transport, builder, runs};
use crate::server::{ScriptedServer, json};

/// Hosts that are not ASCII: the euro sign (three bytes), one ending in a multi-byte
/// character right where `.localhost` would start, an emoji, a combining accent.
const HOSTS: [&str; 4] = ["€€€€", "€€€€€localhost", "🦀.example", "e\u{301}.example"];

#[test]
fn a_non_ascii_base_url_is_refused_by_the_cli_naming_the_flag() {
    for host in HOSTS {
        let out = runs(&format!("http://{host}/v2"), &["get", "x"]);
        assert_eq!(out.code, 2, "{host}: {}", out.stderr);
        assert!(out.stderr.contains("--base-url"), "{host}: {}", out.stderr);
        assert!(out.stderr.contains("punycode"), "{host}: {}", out.stderr);
    }
    let out = runs("http://€€€€/v2", &["get", "x"]);
    insta::assert_snapshot!(out.stderr, @r#"error: invalid --base-url: "http://€€€€/v2" has a non-ASCII host; write it in its ASCII (punycode) form, e.g. xn--bcher-kva.example for bücher.example"#);
}

#[test]
fn a_non_ascii_base_url_is_a_config_error_on_both_transports() {
    for host in HOSTS {
        let url = format!("http://{host}/v2");
        let blocking = runs_blocking::Client::builder()
            .api_key(KEY)
            .base_url(&url)
            .proxy(Proxy::None)
            .build();
        let asynch = runs_async::Client::builder()
            .api_key(KEY)
            .base_url(&url)
            .proxy(Proxy::None)
            .build();
        for (t, error) in [
            (Transport::Blocking, blocking.err()),
            (Transport::Async, asynch.err()),
        ] {
            let Some(Error::Config(e)) = &error else {
                panic!("{t:?} {host}: {error:?}");
            };
            assert_eq!(e.setting(), "base_url", "{t:?} {host}: {e}");
            assert!(e.to_string().contains("non-ASCII host"), "{t:?} {host}: {e}");
        }
    }
}

/// A `POST /files` answer whose target is on a host that is not ASCII.
fn target_json(host: &str) -> String {
    serde_json::json!({
        "id": "s3://bucket/agent-1/f1",
        "file_name": "a.txt",
        "upload_url": format!("http://{host}/u"),
        "upload_http_method": "POST",
        "upload_fields": {"key": "agent-1/f1"},
    })
    .to_string()
}

#[test]
fn a_non_ascii_upload_url_from_the_server_is_an_error_on_both_transports() {
    for host in HOSTS {
        let answer = target_json(host);
        let server = ScriptedServer::start(move |_, _| json(201, &answer));
        // Plain http to any host allowed, so only the host's text can refuse the target.
        let clients = Clients::of(builder(&server.base_url()).allow_insecure_http(true));
        let target: FileResource = serde_json::from_str(&target_json(host)).unwrap();
        let hello = Source::Reader {
            bytes: b"hello".to_vec(),
            size: 5,
        };
        for t in [Transport::Blocking, Transport::Async] {
            // With the target from POST /files (upload_file), and given (upload_to).
            for result in [clients.upload(t, &hello), clients.upload_to(t, &target, &hello)] {
                let error = result.expect_err("a target that cannot be reached");
                let shown = crate::chain(&error);
                assert!(shown.contains("upload_url"), "{t:?} {host}: {shown}");
            }
        }
        // One POST /files per upload_file; nothing was sent anywhere else.
        let requests = server.requests();
        assert_eq!(requests.len(), 2, "{host}: {requests:?}");
        assert!(
            requests
                .iter()
                .all(|r| r.method == "POST" && r.target == "/v2/files"),
            "{requests:?}"
        );
    }
}

#[test]
fn a_non_ascii_upload_url_from_the_server_does_not_panic_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.txt");
    std::fs::write(&path, "hello").unwrap();
    for host in HOSTS {
        let answer = target_json(host);
        let server = ScriptedServer::start(move |_, _| json(201, &answer));
        let out = runs(&server.base_url(), &["files", "upload", path.to_str().unwrap()]);
        assert!(![0, 101].contains(&out.code), "{host}: {}", out.code);
        assert!(out.stderr.contains("upload_url"), "{host}: {}", out.stderr);
        assert!(!out.stderr.contains("panicked"), "{host}: {}", out.stderr);
    }
}
