//! Files, uploads, processes and health: round trips of the new models, snapshots of the new
//! requests (the key redacted) and error texts, and the proof that an upload never carries the
//! API key.

mod scripted;

use std::time::Duration;

use proptest::prelude::*;
use runs_core::transport::{
    Action, Call, GetHealth, GetProcess, ListProcessesPage, Machine, Operation, PostFile, Response, Secrets,
    Upload, UploadRequest,
};
use runs_core::{
    Config, CreateFile, Delivery, Error, FileId, FileResource, ListProcesses, Process, ProcessPage,
    ProcessStage, Stage, StorageError, TransportError, TransportErrorKind,
};
use scripted::{drive, fail, http, show_result};

const KEY: &str = "sk-live-SECRET";

fn config() -> Config {
    scripted::config()
}

fn target_json(fields: &str, headers: &str) -> String {
    format!(
        r#"{{"id":"s3://bucket/agent-1/f1","file_name":"inv\"oice\r\n.pdf","upload_url":"https://bucket.s3.test/",
        "upload_http_method":"POST","upload_fields":{fields},"upload_http_headers":{headers}}}"#
    )
}

fn target() -> FileResource {
    let fields = r#"{"key":"agent-1/f1","Content-Type":"application/pdf","policy":"eyJ9","x-amz-security-token":"tok","signature":"c2ln","AWSAccessKeyId":"AKIA"}"#;
    serde_json::from_str(&target_json(fields, r#"{"x-amz-meta-origin":"sdk"}"#)).unwrap()
}

fn upload_request(target: &FileResource, size: u64) -> UploadRequest {
    let mut upload = Upload::new(&config(), target, size, 42).unwrap();
    match upload.poll(Duration::ZERO) {
        Action::Send { request, .. } => request,
        other => panic!("expected a send, got {other:?}"),
    }
}

fn mentions_key(request: &UploadRequest) -> bool {
    request
        .headers()
        .iter()
        .any(|(n, v)| n.eq_ignore_ascii_case("x-api-key") || v.contains(KEY))
        || String::from_utf8_lossy(request.head()).contains(KEY)
        || String::from_utf8_lossy(request.tail()).contains(KEY)
        || request.url().contains(KEY)
        || format!("{request:?}").contains(KEY)
}

#[test]
fn an_upload_never_carries_the_api_key() {
    let request = upload_request(&target(), 10);
    assert!(!mentions_key(&request), "{request:?}");
    // A target that asks for the key header, in any case, still does not get it (nor one it
    // made up): the header is dropped, whatever its value.
    for name in ["x-api-key", "X-API-KEY", "X-Api-Key"] {
        let headers = format!(r#"{{"{name}":"{KEY}"}}"#);
        let hostile: FileResource = serde_json::from_str(&target_json("{}", &headers)).unwrap();
        let request = upload_request(&hostile, 10);
        assert!(!mentions_key(&request), "{name}: {request:?}");
    }
    // While the API requests of the same configuration do carry it.
    let api = PostFile(CreateFile::new("a").unwrap()).request(&config());
    assert_eq!(api.header("x-api-key"), Some(KEY));
}

#[test]
fn the_upload_body_is_the_fields_in_order_then_the_file_last() {
    let request = upload_request(&target(), 5);
    let mut body = request.head().to_vec();
    body.extend_from_slice(b"%PDF!");
    body.extend_from_slice(request.tail());
    assert_eq!(body.len() as u64, request.content_length());
    assert_eq!(
        [request.fields_part(), request.file_part_header()].concat(),
        request.head()
    );
    insta::assert_snapshot!(String::from_utf8(body).unwrap().replace("\r\n", "⏎\n"));
    insta::assert_debug_snapshot!(request);
}

#[test]
fn new_api_requests() {
    let create = CreateFile::new("invoice.pdf")
        .unwrap()
        .with_agent_id("agent-1".parse().unwrap());
    let list = ListProcesses::new("agent-1".parse().unwrap())
        .with_limit(25)
        .unwrap()
        .with_continuation_token("a+b/c=");
    let requests = [
        PostFile(create).request(&config()),
        PostFile(CreateFile::new("no-agent.txt").unwrap()).request(&config()),
        ListProcessesPage(list).request(&config()),
        GetProcess::new("agent-1".parse().unwrap(), "proc_2".parse().unwrap()).request(&config()),
        GetHealth.request(&config()),
    ];
    assert!(requests.iter().all(|r| !format!("{r:?}").contains(KEY)));
    insta::assert_debug_snapshot!(requests);
}

#[test]
fn new_error_texts() {
    let xml = |body: &str| StorageError::from_response(403, &[("a", "b")], body.as_bytes());
    let bad_target = |edit: fn(&mut FileResource)| {
        let mut t = target();
        edit(&mut t);
        Upload::new(&config(), &t, 1, 0).unwrap_err()
    };
    let errors: Vec<Error> = vec![
        Error::Storage(xml(
            "<Error><Code>AccessDenied</Code><Message>Invalid according to Policy: Policy expired.</Message><RequestId>4442587FB7D0A2F9</RequestId></Error>",
        )),
        Error::Storage(xml(
            "<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match</Message></Error>",
        )),
        Error::Storage(StorageError::from_response(
            503,
            &[("x-amz-request-id", "r-9")],
            b"",
        )),
        Error::Storage(StorageError::from_response(
            400,
            &[("a", "b")],
            b"<html>\n<h1>Bad Request</h1></html>",
        )),
        bad_target(|t| t.upload_http_method = "PUT".into()),
        bad_target(|t| t.upload_url = "http://bucket.example/".into()),
        bad_target(|t| t.upload_http_headers = Some(vec![("x-a".into(), "1\n2".into())].into())),
        PostFile::decode(
            Response {
                status: 201,
                headers: &[("a", "b")],
                body: &target_json(r#"{"key":1}"#, "null").into_bytes(),
            },
            &Secrets::default(),
        )
        .unwrap_err(),
        GetProcess::decode(
            Response {
                status: 200,
                headers: &[("a", "b")],
                body: br#"{"id":"p 1","name":"n","agent_id":"a","stage":"Draft"}"#,
            },
            &Secrets::default(),
        )
        .unwrap_err(),
        CreateFile::new("x".repeat(257)).unwrap_err().into(),
        FileId::new("").unwrap_err().into(),
    ];
    let text: Vec<String> = errors
        .iter()
        .map(|e| format!("{e}\n  retryable: {}", e.is_retryable()))
        .collect();
    insta::assert_snapshot!(text.join("\n"));
}

#[test]
fn an_upload_is_resent_only_when_it_never_left() {
    let mut upload = Upload::new(&config(), &target(), 3, 1).unwrap();
    let outcome = drive(
        &mut upload,
        [
            fail(TransportErrorKind::Connect, Delivery::NotSent),
            fail(TransportErrorKind::Io, Delivery::MaybeSent),
        ],
        |r| show_result(r, |id| id.to_string()),
        |_| true,
    );
    insta::assert_snapshot!(outcome.transcript);
}

#[test]
fn a_storage_refusal_is_final_even_with_retry_after() {
    let mut upload = Upload::new(&config(), &target(), 3, 1).unwrap();
    let reply = scripted::with_header(
        http(
            503,
            "<Error><Code>SlowDown</Code><Message>Reduce your request rate.</Message></Error>",
        ),
        "retry-after",
        "1",
    );
    let outcome = drive(
        &mut upload,
        [reply],
        |r| show_result(r, |id| id.to_string()),
        |_| true,
    );
    assert!(matches!(&outcome.outputs[0], Err(Error::Storage(e)) if e.code() == Some("SlowDown")));
    assert_eq!(outcome.requests.len(), 1);
}

#[test]
fn health_reads_a_5xx_as_not_up_without_retrying_and_a_401_as_an_error() {
    let mut call = Call::new(&config(), GetHealth, 1);
    let outcome = drive(
        &mut call,
        [http(502, "<html>bad gateway</html>")],
        |r| show_result(r, |h| format!("up={} {:?}", h.is_up(), h.status())),
        |_| true,
    );
    assert!(matches!(&outcome.outputs[0], Ok(h) if !h.is_up() && h.http_status() == 502));
    for (status, body, up) in [
        (200, r#"{"status":"OK"}"#, true),
        (200, r#"{"status":"Degraded"}"#, false),
        (200, "not json", false),
    ] {
        let mut call = Call::new(&config(), GetHealth, 1);
        let outcome = drive(&mut call, [http(status, body)], |_| String::new(), |_| true);
        assert!(matches!(&outcome.outputs[0], Ok(h) if h.is_up() == up), "{body}");
    }
    let mut call = Call::new(&config(), GetHealth, 1);
    let outcome = drive(
        &mut call,
        [http(401, r#"{"message":"bad key"}"#)],
        |_| String::new(),
        |_| true,
    );
    assert!(matches!(&outcome.outputs[0], Err(Error::Api(e)) if e.status() == 401));
}

#[test]
fn an_echoed_key_is_scrubbed_from_the_health_status_of_an_up_and_a_down_answer() {
    let status = |status: &str| {
        let body = serde_json::json!({ "status": status }).to_string();
        [200, 503].map(|code| {
            let mut call = Call::new(&config(), GetHealth, 1);
            let outcome = drive(&mut call, [http(code, &body)], |_| String::new(), |_| true);
            match &outcome.outputs[0] {
                Ok(health) => health.status().unwrap().to_string(),
                Err(e) => panic!("{code}: {e:?}"),
            }
        })
    };
    for shown in status(&format!("{KEY} is not a key we know")) {
        assert_eq!(shown, "<redacted> is not a key we know");
    }
    // The status is cut at 100 characters, here inside the key: scrubbed whole before the cut,
    // so not even the key's start is shown.
    for shown in status(&format!("{}{KEY}", "x".repeat(95))) {
        assert_eq!(shown, format!("{}<reda…", "x".repeat(95)));
    }
}

#[test]
fn a_process_listing_pages_like_runs() {
    let page = |ids: &[&str], token: Option<&str>| {
        let items: Vec<String> = ids
            .iter()
            .map(|id| {
                format!(r#"{{"id":"{id}","name":"N","agent_id":"agent-1","stage":"Archived","extra":1}}"#)
            })
            .collect();
        let token = token.map_or("null".into(), |t| format!("\"{t}\""));
        format!(
            r#"{{"items":[{}],"continuation_token":{token}}}"#,
            items.join(",")
        )
    };
    let query = ListProcesses::new("agent-1".parse().unwrap())
        .with_limit(2)
        .unwrap();
    let mut listing = runs_core::transport::Listing::new(&config(), query, None, 3);
    let outcome = drive(
        &mut listing,
        [
            http(200, &page(&["p1", "p2"], Some("t1"))),
            http(503, ""),
            http(200, &page(&["p3"], None)),
        ],
        |r| match r {
            None => "end".into(),
            Some(r) => show_result(r, |p: &Process| format!("{} ({})", p.id, p.stage)),
        },
        Option::is_none,
    );
    insta::assert_snapshot!(outcome.transcript);
}

fn stage() -> impl Strategy<Value = Stage> {
    prop_oneof![
        Just(Stage::Known(ProcessStage::Draft)),
        Just(Stage::Known(ProcessStage::Published)),
        "\\PC{0,12}".prop_map(|s| Stage::from(s.as_str())),
    ]
}

fn process() -> impl Strategy<Value = Process> {
    (
        "[A-Za-z0-9_-]{1,26}",
        "\\PC{0,20}",
        "[A-Za-z0-9_-]{1,26}",
        stage(),
    )
        .prop_map(|(id, name, agent, stage)| {
            Process::new(id.parse().unwrap(), name, agent.parse().unwrap(), stage)
        })
}

fn fields() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec(("\\PC{0,10}", "\\PC{0,20}"), 0..6)
}

proptest! {
    #[test]
    fn processes_and_their_pages_survive_a_json_round_trip(
        items in prop::option::of(prop::collection::vec(process(), 0..4)),
        token in prop::option::of("\\PC{0,20}"),
    ) {
        let page = ProcessPage { items, continuation_token: token };
        let back: ProcessPage = serde_json::from_str(&serde_json::to_string(&page).unwrap()).unwrap();
        prop_assert_eq!(back, page);
    }

    #[test]
    fn file_targets_survive_a_json_round_trip_with_their_field_order(
        id in "\\PC{1,40}", name in "\\PC{0,30}", url in "\\PC{0,30}", method in "\\PC{0,6}",
        upload_fields in fields(), headers in prop::option::of(fields()),
    ) {
        let mut target = FileResource::new(id.parse().unwrap(), name, url, upload_fields);
        target.upload_http_method = method;
        target.upload_http_headers = headers.map(Into::into);
        let back: FileResource = serde_json::from_str(&serde_json::to_string(&target).unwrap()).unwrap();
        prop_assert_eq!(back, target);
    }

    #[test]
    fn create_file_requests_survive_encoding_and_the_server_side_reading(
        name in "\\PC{1,256}", agent in prop::option::of("[A-Za-z0-9_-]{1,26}"),
    ) {
        let mut create = CreateFile::new(name).unwrap();
        if let Some(a) = agent { create = create.with_agent_id(a.parse().unwrap()); }
        let body = serde_json::to_vec(&create).unwrap();
        prop_assert_eq!(CreateFile::from_json(&body).unwrap(), create);
    }

    #[test]
    fn every_planned_upload_has_its_fields_in_order_and_an_exact_length(
        upload_fields in fields(), name in "\\PC{0,30}", size in 0u64..1 << 50, seed in any::<u64>(),
    ) {
        let target = FileResource::new(
            "s3://b/k".parse().unwrap(), name, "https://s3.test/", upload_fields.clone(),
        );
        let request = upload_request_seeded(&target, size, seed);
        prop_assert_eq!(
            request.content_length(),
            request.head().len() as u64 + size + request.tail().len() as u64
        );
        let boundary = request.header("content-type").unwrap().split("boundary=").nth(1).unwrap().to_string();
        let head = String::from_utf8(request.head().to_vec()).unwrap();
        let parts: Vec<&str> = head.split(&format!("--{boundary}\r\n")).skip(1).collect();
        prop_assert_eq!(parts.len(), upload_fields.len() + 1, "one part per field, then the file");
        for (part, (_, value)) in parts.iter().zip(&upload_fields) {
            let (disposition, rest) = part.split_once("\r\n\r\n").unwrap();
            prop_assert!(disposition.starts_with("Content-Disposition: form-data; name=\""));
            prop_assert!(!disposition[38..].contains(['\r', '\n']));
            prop_assert_eq!(rest, format!("{value}\r\n"));
        }
        prop_assert!(parts.last().unwrap().starts_with("Content-Disposition: form-data; name=\"file\"; filename=\""));
        let tail = format!("\r\n--{boundary}--\r\n");
        prop_assert_eq!(request.tail(), tail.as_bytes());
    }
}

fn upload_request_seeded(target: &FileResource, size: u64, seed: u64) -> UploadRequest {
    let mut upload = Upload::new(&config(), target, size, seed).unwrap();
    match upload.poll(Duration::ZERO) {
        Action::Send { request, .. } => request,
        other => panic!("expected a send, got {other:?}"),
    }
}

#[test]
fn a_transport_failure_type_is_still_what_it_was() {
    // The upload reports transport failures as they came, for the transports' error mapping.
    let mut upload = Upload::new(&config(), &target(), 1, 1).unwrap();
    let _ = upload.poll(Duration::ZERO);
    upload.handle_failure(
        Duration::ZERO,
        TransportError::new(TransportErrorKind::BodyTooLarge, Delivery::MaybeSent, "POST x"),
    );
    assert!(
        matches!(upload.poll(Duration::ZERO), Action::Done(Err(Error::Transport(e))) if e.kind() == TransportErrorKind::BodyTooLarge)
    );
}
