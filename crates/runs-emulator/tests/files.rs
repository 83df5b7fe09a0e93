//! Files over real sockets: creating targets, uploading to the other listener with the plan
//! runs-core makes, every check the upload target makes, faults, and the file_ids rule.

mod common;

use std::time::Duration;

use common::{Answer, Conn, KEY, post, start_body};
use http::Method;
use runs_core::transport::{Action, Machine, Upload, UploadRequest};
use runs_core::{Config, FileResource, StorageError};
use runs_emulator::{DEMO_AGENT, Emulator, Fault, HELLO_WORLD, Route, Schedule};
use serde_json::json;
use sha2::{Digest, Sha256};

fn emulator() -> Emulator {
    Emulator::builder()
        .api_key(KEY)
        .schedule(Schedule::Instant)
        .start()
        .unwrap()
}

async fn create(emu: &Emulator, name: &str) -> FileResource {
    let answer = post(
        emu.addr(),
        "/v2/files",
        &json!({"file_name": name, "agent_id": DEMO_AGENT}),
    )
    .await;
    assert_eq!(answer.status, 201, "{:?}", answer.body);
    serde_json::from_slice(&answer.body).unwrap()
}

fn plan(emu: &Emulator, target: &FileResource, size: u64) -> UploadRequest {
    let config = Config::builder()
        .api_key(KEY)
        .base_url(emu.base_url())
        .build()
        .unwrap();
    let mut upload = Upload::new(&config, target, size, 9).unwrap();
    let Action::Send { request, .. } = upload.poll(Duration::ZERO) else {
        panic!("an upload sends first")
    };
    request
}

/// The path part of the target URL, to send on a connection to the upload listener.
fn path(request: &UploadRequest) -> String {
    let url = request.url();
    let after_scheme = &url[url.find("://").unwrap() + 3..];
    after_scheme[after_scheme.find('/').unwrap()..].to_string()
}

/// Sends `body` with `headers` to the upload target; hyper writes the body's own length, so
/// a test may send a body other than the planned one.
async fn send(
    emu: &Emulator,
    request: &UploadRequest,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
) -> Answer {
    let headers: Vec<_> = headers
        .into_iter()
        .filter(|(n, _)| n != "content-length")
        .collect();
    let mut conn = Conn::open(emu.upload_addr()).await;
    conn.send_raw(Method::POST, &path(request), &headers, body)
        .await
        .unwrap()
}

/// Uploads `content` exactly as planned, the planned Content-Length included.
async fn upload(emu: &Emulator, target: &FileResource, content: &[u8]) -> Answer {
    let request = plan(emu, target, content.len() as u64);
    let body = [request.head(), content, request.tail()].concat();
    assert_eq!(body.len() as u64, request.content_length());
    let mut conn = Conn::open(emu.upload_addr()).await;
    conn.send_raw(Method::POST, &path(&request), request.headers(), body)
        .await
        .unwrap()
}

fn storage_error(answer: &Answer) -> StorageError {
    assert_eq!(answer.header("content-type"), Some("application/xml"));
    StorageError::from_response(answer.status, &[("a", "b")], &answer.body)
}

#[tokio::test]
async fn an_upload_is_recorded_with_its_name_size_and_sha256_and_a_run_may_name_it() {
    let emu = emulator();
    let target = create(&emu, "reports/March invoices.pdf").await;
    assert_eq!(
        target.file_name, "March invoices.pdf",
        "sanitised to the last path segment"
    );
    assert!(target.upload_url.starts_with("http://127.0.0.1:"));
    assert_ne!(emu.upload_addr().port(), emu.addr().port(), "another origin");
    let content: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let answer = upload(&emu, &target, &content).await;
    assert_eq!(answer.status, 204, "{:?}", String::from_utf8_lossy(&answer.body));
    let file = emu.uploaded_file(target.id.as_str()).unwrap();
    assert_eq!(
        (file.file_name.as_str(), file.size),
        ("March invoices.pdf", 200_000)
    );
    assert_eq!(file.sha256, format!("{:x}", Sha256::digest(&content)));
    assert_eq!(emu.uploaded_files(), [file]);
    let counters = emu.counters();
    assert_eq!(
        (
            counters.create_file,
            counters.targets_created,
            counters.upload,
            counters.files_uploaded
        ),
        (1, 1, 1, 1)
    );
    assert_eq!(counters.uploads_with_api_key, 0);

    let mut start = start_body(HELLO_WORLD, "with a file");
    start["file_ids"] = json!([target.id.as_str()]);
    let run = post(emu.addr(), "/v2/runs", &start).await;
    assert_eq!(run.status, 201, "{:?}", run.body);
    assert_eq!(run.json()["file_ids"], json!([target.id.as_str()]));
}

#[tokio::test]
async fn a_run_may_only_name_the_emulators_files_once_uploaded_for_its_agent() {
    let emu = Emulator::builder()
        .api_key(KEY)
        .process("other-agent", "p", runs_core::RunStatus::Succeeded)
        .start()
        .unwrap();
    let created_only = create(&emu, "a.txt").await;
    let mut start = start_body(HELLO_WORLD, "r");
    start["file_ids"] = json!(["s3://elsewhere/x", created_only.id.as_str()]);
    let answer = post(emu.addr(), "/v2/runs", &start).await;
    assert_eq!(answer.status, 400);
    let fields: Vec<_> = answer.json()["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].clone())
        .collect();
    assert_eq!(
        fields,
        [json!("file_ids[1]")],
        "only the emulator's own id is held to the rule"
    );
    start["file_ids"] = json!(["s3://elsewhere/x"]);
    assert_eq!(post(emu.addr(), "/v2/runs", &start).await.status, 201);

    let uploaded = create(&emu, "b.txt").await;
    assert_eq!(upload(&emu, &uploaded, b"b").await.status, 204);
    let other = json!({"agent_id": "other-agent", "process_id": "p", "name": "r", "stage": "Draft",
        "file_ids": [uploaded.id.as_str()]});
    assert_eq!(
        post(emu.addr(), "/v2/runs", &other).await.status,
        400,
        "another agent's file"
    );
    assert_eq!(emu.counters().runs_created, 1);
}

#[tokio::test]
async fn a_strict_emulator_refuses_every_file_id_it_did_not_accept() {
    let emu = Emulator::builder()
        .api_key(KEY)
        .require_uploaded_files(true)
        .start()
        .unwrap();
    let mut start = start_body(HELLO_WORLD, "r");
    start["file_ids"] = json!(["s3://elsewhere/x"]);
    assert_eq!(post(emu.addr(), "/v2/runs", &start).await.status, 400);
    let target = create(&emu, "ok.txt").await;
    assert_eq!(upload(&emu, &target, b"ok").await.status, 204);
    start["file_ids"] = json!([target.id.as_str()]);
    assert_eq!(post(emu.addr(), "/v2/runs", &start).await.status, 201);
}

#[tokio::test]
async fn create_file_checks_its_body_and_the_agent() {
    let emu = emulator();
    let bad = post(
        emu.addr(),
        "/v2/files",
        &json!({"file_name": "", "agent_id": "a b"}),
    )
    .await;
    assert_eq!(bad.status, 400);
    insta::assert_json_snapshot!("create_file_bad_fields", bad.json());
    let unknown = post(
        emu.addr(),
        "/v2/files",
        &json!({"file_name": "x", "agent_id": "nobody"}),
    )
    .await;
    assert_eq!(unknown.status, 404);
    let implied = post(emu.addr(), "/v2/files", &json!({"file_name": "x"})).await;
    assert_eq!(implied.status, 201, "the one agent is implied");
    assert!(implied.json()["id"].as_str().unwrap().contains(DEMO_AGENT));
    let mut conn = Conn::open(emu.addr()).await;
    let no_key = conn
        .send(Method::POST, "/v2/files", None, Some(br#"{"file_name":"x"}"#))
        .await;
    assert_eq!(no_key.status, 401);
    let get = conn.send(Method::GET, "/v2/files", Some(KEY), None).await;
    assert_eq!((get.status, get.header("allow")), (405, Some("POST")));
    assert_eq!(emu.counters().targets_created, 1);
}

#[tokio::test]
async fn an_expired_target_is_refused_as_storage_refuses_it() {
    let emu = Emulator::builder()
        .api_key(KEY)
        .upload_expiry(Duration::ZERO)
        .start()
        .unwrap();
    let target = create(&emu, "late.txt").await;
    let answer = upload(&emu, &target, b"too late").await;
    assert_eq!(answer.status, 403);
    let error = storage_error(&answer);
    assert_eq!(error.code(), Some("AccessDenied"));
    assert!(error.is_expired(), "{error}");
    assert!(emu.uploaded_files().is_empty());
}

#[tokio::test]
async fn the_upload_target_checks_fields_their_order_the_signature_and_its_header() {
    let emu = emulator();
    let target = create(&emu, "f.txt").await;
    let request = plan(&emu, &target, 1);
    let headers = request.headers().to_vec();
    let with_file = |head: &[u8]| [head, b"x", request.tail()].concat();

    // A field's value altered: the signature no longer matches, or the policy condition fails.
    let mut tampered = target.clone();
    let fields: Vec<(String, String)> = target
        .upload_fields
        .as_slice()
        .iter()
        .map(|(n, v)| {
            (
                n.clone(),
                if n == "signature" {
                    "0".repeat(32)
                } else {
                    v.clone()
                },
            )
        })
        .collect();
    tampered.upload_fields = fields.into();
    let bad_sig = plan(&emu, &tampered, 1);
    let answer = send(
        &emu,
        &bad_sig,
        bad_sig.headers().to_vec(),
        [bad_sig.head(), b"x", bad_sig.tail()].concat(),
    )
    .await;
    assert_eq!(storage_error(&answer).code(), Some("SignatureDoesNotMatch"));

    // The fields sorted by name, as a JSON map would: refused.
    let mut sorted = target.clone();
    let mut fields = target.upload_fields.as_slice().to_vec();
    fields.sort();
    sorted.upload_fields = fields.into();
    let reordered = plan(&emu, &sorted, 1);
    let answer = send(
        &emu,
        &reordered,
        reordered.headers().to_vec(),
        [reordered.head(), b"x", reordered.tail()].concat(),
    )
    .await;
    assert_eq!(
        (answer.status, storage_error(&answer).code()),
        (403, Some("AccessDenied"))
    );

    // Without the target's header.
    let without: Vec<_> = headers
        .iter()
        .filter(|(n, _)| n != "x-amz-meta-target")
        .cloned()
        .collect();
    let answer = send(&emu, &request, without, with_file(request.head())).await;
    assert_eq!(answer.status, 403);

    // With the API key: refused, and counted.
    let mut leaky = headers.clone();
    leaky.push(("x-api-key".into(), KEY.into()));
    let answer = send(&emu, &request, leaky, with_file(request.head())).await;
    assert_eq!(
        (answer.status, storage_error(&answer).code()),
        (400, Some("InvalidRequest"))
    );
    assert_eq!(emu.counters().uploads_with_api_key, 1);

    // Not multipart at all, and a body cut short.
    let json = vec![("content-type".to_string(), "application/json".to_string())];
    assert_eq!(send(&emu, &request, json, b"{}".to_vec()).await.status, 400);
    let cut = request.head().to_vec();
    let answer = send(&emu, &request, headers.clone(), cut).await;
    assert_eq!(storage_error(&answer).code(), Some("MalformedPOSTRequest"));

    assert!(emu.uploaded_files().is_empty(), "nothing was accepted");
    // And the genuine request still works.
    assert_eq!(
        send(&emu, &request, headers, with_file(request.head()))
            .await
            .status,
        204
    );
    assert_eq!(emu.uploaded_file(target.id.as_str()).unwrap().size, 1);
}

#[tokio::test]
async fn a_field_after_the_file_is_refused() {
    let emu = emulator();
    let target = create(&emu, "f.txt").await;
    let request = plan(&emu, &target, 1);
    let boundary = request
        .header("content-type")
        .unwrap()
        .split("boundary=")
        .nth(1)
        .unwrap()
        .to_string();
    let mut body = request.head().to_vec();
    body.extend_from_slice(
        format!("x\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"late\"\r\n\r\nv").as_bytes(),
    );
    body.extend_from_slice(request.tail());
    let answer = send(&emu, &request, request.headers().to_vec(), body).await;
    assert_eq!(
        (answer.status, storage_error(&answer).code()),
        (400, Some("InvalidArgument"))
    );
}

#[tokio::test]
async fn faults_apply_to_the_upload_target_and_record_nothing() {
    let emu = emulator();
    let target = create(&emu, "f.txt").await;
    emu.inject(Route::Upload, Fault::status(503));
    emu.inject(Route::Upload, Fault::close_before_response());
    assert_eq!(upload(&emu, &target, b"x").await.status, 503);
    let request = plan(&emu, &target, 1);
    let mut conn = Conn::open(emu.upload_addr()).await;
    let body = [request.head(), b"x", request.tail()].concat();
    assert!(
        conn.send_raw(Method::POST, &path(&request), request.headers(), body)
            .await
            .is_err()
    );
    assert!(emu.uploaded_files().is_empty());
    assert_eq!(emu.counters().faults_applied, 2);
    emu.inject(Route::CreateFile, Fault::status(500));
    let answer = post(emu.addr(), "/v2/files", &json!({"file_name": "x"})).await;
    assert_eq!(answer.status, 500);
    assert_eq!(
        emu.counters().targets_created,
        1,
        "a faulted create makes no target"
    );
    assert_eq!(upload(&emu, &target, b"x").await.status, 204);
}
