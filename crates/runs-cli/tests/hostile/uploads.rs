//! Issue 18: uploads under attack. A truncated file never counts as uploaded, a stalled
//! upload ends an idle timeout after its last byte moved, a server's target cannot make the
//! client send a huge body or the file in the wrong part, and storage's text is scrubbed.
//!
//! The storage service here ([`Storage`]) is a hand-written HTTP/1.1 server that reads a
//! request's head and then does what the test asks: reads the whole body, stops reading,
//! answers before reading. Where a test bounds how long something may take, the bound is a
//! hang guard ([`within`]) many times the configured timeouts, never a measure of speed.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use runs_core::{Error, LocalFileProblem, TransportErrorKind};

use crate::clients::{Clients, KEY, Source, builder, runs, start};
use crate::server::{ScriptedServer, json, run_json};

/// What the storage service does once it has read a request's head.
#[derive(Clone)]
enum Behaviour {
    /// `100 Continue`, the whole body, `204`.
    Accept,
    /// Appends `extra` bytes to the file at the path, then as [`Behaviour::Accept`]: the file
    /// grows after its size was read and before its bytes were.
    GrowThenAccept(PathBuf, usize),
    /// `100 Continue`, then this many bytes of the body, then nothing more is read.
    StallAfter(usize),
    /// `100 Continue`, then the body at 16 KiB every 50 ms: slow, but moving.
    Trickle,
    /// These bytes (a whole response) before any byte of the body is read; then the
    /// connection is closed (`close`) or kept, unread.
    Early(Vec<u8>, bool),
}

/// What one upload request brought.
#[derive(Debug, Clone, Default)]
struct Received {
    head: String,
    declared: usize,
    body: usize,
}

impl Received {
    fn is_whole(&self) -> bool {
        self.body == self.declared && self.declared > 0
    }
}

/// A storage service on 127.0.0.1 and an ephemeral port. Connections it holds unread are
/// released when it is dropped.
struct Storage {
    port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    _release: mpsc::Sender<()>,
}

impl Storage {
    fn start(behaviour: Behaviour) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let (release, released) = mpsc::channel::<()>();
        let released = Arc::new(Mutex::new(released));
        let record = received.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (behaviour, record, released) = (behaviour.clone(), record.clone(), released.clone());
                std::thread::spawn(move || serve(stream, &behaviour, &record, &released));
            }
        });
        Self {
            port,
            received,
            _release: release,
        }
    }

    /// The upload URL, with a signature in its query as a presigned URL has.
    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/bucket?X-Amz-Signature=SIG-0b5e7c", self.port)
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    fn whole_uploads(&self) -> usize {
        self.received().iter().filter(|r| r.is_whole()).count()
    }
}

fn serve(
    stream: TcpStream,
    behaviour: &Behaviour,
    record: &Mutex<Vec<Received>>,
    released: &Mutex<mpsc::Receiver<()>>,
) {
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    let mut got = Received::default();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        if line == "\r\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                got.declared = value.trim().parse().unwrap_or(0);
            }
        }
        got.head.push_str(&line);
    }
    let index = {
        let mut all = record.lock().unwrap();
        all.push(got.clone());
        all.len() - 1
    };
    let hold = || {
        // Until the test ends: the sender is dropped with the Storage.
        let _ = released.lock().unwrap().recv();
    };
    let mut read_body = |limit: usize, pace: Option<Duration>| {
        let mut buf = vec![0u8; 16 * 1024];
        let mut total = 0;
        while total < limit {
            let want = buf.len().min(limit - total);
            match reader.read(&mut buf[..want]) {
                Ok(0) | Err(_) => break,
                Ok(n) => total += n,
            }
            record.lock().unwrap()[index].body = total;
            if let Some(pace) = pace {
                std::thread::sleep(pace);
            }
        }
        total
    };
    let continue_100 = |w: &mut TcpStream| w.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").is_ok();
    let no_content = b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n";
    match behaviour {
        Behaviour::Accept | Behaviour::GrowThenAccept(..) => {
            if let Behaviour::GrowThenAccept(path, extra) = behaviour {
                let mut file = std::fs::OpenOptions::new().append(true).open(path).unwrap();
                file.write_all(&vec![b'+'; *extra]).unwrap();
            }
            if !continue_100(&mut writer) {
                return;
            }
            if read_body(got.declared, None) == got.declared {
                let _ = writer.write_all(no_content);
            }
        }
        Behaviour::StallAfter(n) => {
            if continue_100(&mut writer) {
                read_body(*n, None);
                hold();
            }
        }
        Behaviour::Trickle => {
            if continue_100(&mut writer) {
                read_body(got.declared, Some(Duration::from_millis(50)));
            }
        }
        Behaviour::Early(answer, close) => {
            let _ = writer.write_all(answer);
            let _ = writer.flush();
            if !close {
                hold();
            }
        }
    }
}

/// An API whose `POST /files` answers with `target` (a JSON object's members after the id),
/// whose `POST /runs` starts a run, and which counts both.
fn api(target: impl Fn() -> String + Send + Sync + 'static) -> ScriptedServer {
    ScriptedServer::start(
        move |n, request| match (request.method.as_str(), request.target.as_str()) {
            ("POST", "/v2/files") => json(
                201,
                &format!(r#"{{"id":"s3://bucket/k{n}","file_name":"a.bin",{}}}"#, target()),
            ),
            ("POST", "/v2/runs") => json(201, &run_json("r1", "Succeeded", "")),
            (_, t) if t.starts_with("/v2/runs/") => json(200, &run_json("r1", "Succeeded", "")),
            _ => json(404, r#"{"message":"no such route"}"#),
        },
    )
}

/// A target whose upload goes to `url`.
fn target_to(url: &str) -> String {
    format!(r#""upload_url":"{url}","upload_http_method":"POST","upload_fields":{{"key":"k","policy":"p"}}"#)
}

fn runs_posted(api: &ScriptedServer) -> usize {
    api.requests()
        .iter()
        .filter(|r| r.method == "POST" && r.target == "/v2/runs")
        .count()
}

/// A sparse file of `len` bytes in a new folder, costing no disk.
fn sparse(len: u64) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.bin");
    std::fs::File::create(&path).unwrap().set_len(len).unwrap();
    (dir, path)
}

/// `f`'s result, or a panic naming `what` if it has not returned within `guard`: a test that
/// would otherwise hang fails instead. The guard is many times the timeouts configured.
fn within<T: Send + 'static>(guard: Duration, what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(guard)
        .unwrap_or_else(|_| panic!("{what} did not end within {guard:?}"))
}

fn problem(error: &Error) -> Option<LocalFileProblem> {
    match error {
        Error::LocalFile(e) => Some(e.problem()),
        _ => None,
    }
}

#[test]
fn a_reader_with_more_bytes_than_its_size_is_never_uploaded() {
    let storage = Storage::start(Behaviour::Accept);
    let url = storage.url();
    let api = api(move || target_to(&url));
    let clients = Clients::of(builder(&api.base_url()));
    let source = Source::Reader {
        bytes: vec![7; 100_000],
        size: 60_000,
    };
    for (t, result) in clients.each(|t, c| (t, c.upload(t, &source))) {
        let error = result.expect_err("the reader grew past its size");
        assert_eq!(problem(&error), Some(LocalFileProblem::Grew), "{t:?}: {error}");
    }
    assert_eq!(storage.whole_uploads(), 0, "{:?}", storage.received());
}

#[test]
fn a_file_that_grows_during_its_upload_fails_and_no_run_starts_with_it() {
    // 16 MiB: more than the socket buffers hold before the storage reads a byte, so the
    // growth lands before the client has read to the file's end.
    let (_dir, path) = sparse(16 << 20);
    let storage = Storage::start(Behaviour::GrowThenAccept(path.clone(), 1 << 20));
    let url = storage.url();
    let api = api(move || target_to(&url));
    let clients = Clients::of(builder(&api.base_url()));
    for (t, result) in clients.each(|t, c| (t, c.start_with_file(t, &start(), &path))) {
        let error = result.expect_err("the file grew during its upload");
        assert_eq!(problem(&error), Some(LocalFileProblem::Grew), "{t:?}: {error}");
    }
    assert_eq!(storage.whole_uploads(), 0);
    assert_eq!(runs_posted(&api), 0, "a run started with a truncated file");

    // The command line, which streams the file through its progress reader.
    std::fs::File::create(&path).unwrap().set_len(16 << 20).unwrap();
    let path_text = path.display().to_string();
    let out = runs(
        &api.base_url(),
        &[
            "start",
            "--agent-id",
            "agent-1",
            "--process-id",
            "proc-1",
            "--name",
            "n",
            "--stage",
            "Draft",
            "--file",
            &path_text,
            "--wait",
        ],
    );
    assert_ne!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("grew during its upload"), "{}", out.stderr);
    assert_eq!(
        runs_posted(&api),
        0,
        "the CLI started a run with a truncated file"
    );
    assert_eq!(storage.whole_uploads(), 0);
}

#[test]
fn a_special_file_whose_size_says_zero_is_not_uploaded_empty() {
    let storage = Storage::start(Behaviour::Accept);
    let url = storage.url();
    let api = api(move || target_to(&url));
    let clients = Clients::of(builder(&api.base_url()));
    let cpuinfo = Path::new("/proc/cpuinfo");
    assert_eq!(std::fs::metadata(cpuinfo).unwrap().len(), 0, "stat says 0 bytes");
    for (t, result) in clients.each(|t, c| (t, c.upload(t, &Source::Path(cpuinfo.into())))) {
        let error = result.expect_err("the file has more than its size");
        assert_eq!(problem(&error), Some(LocalFileProblem::Grew), "{t:?}: {error}");
    }
    let out = runs(&api.base_url(), &["files", "upload", "/proc/cpuinfo"]);
    assert_ne!(out.code, 0, "{}", out.stdout);
    assert!(
        !out.stdout.contains("s3://"),
        "reported as uploaded: {}",
        out.stdout
    );
    assert_eq!(storage.whole_uploads(), 0, "{:?}", storage.received());
}

#[test]
fn a_storage_that_stops_reading_ends_the_attempt_an_idle_timeout_after_the_last_byte() {
    // 1 GiB: the size's allowance is over an hour, which must not keep a stalled upload.
    let (_dir, path) = sparse(1 << 30);
    let storage = Storage::start(Behaviour::StallAfter(128 * 1024));
    let url = storage.url();
    let api = api(move || target_to(&url));
    let clients = Clients::of(builder(&api.base_url()).request_timeout(Duration::from_secs(1)));
    let results = within(Duration::from_secs(60), "a stalled upload", move || {
        clients.each(|t, c| (t, c.upload(t, &Source::Path(path.clone()))))
    });
    for (t, result) in results {
        let error = result.expect_err("the storage stopped reading");
        let Error::Transport(e) = &error else {
            panic!("{t:?}: {error:?}")
        };
        assert_eq!(e.kind(), TransportErrorKind::Timeout, "{t:?}: {error}");
    }
    assert_eq!(
        storage.received().len(),
        2,
        "one attempt each: a POST that may have left is final"
    );
}

#[test]
fn an_upload_that_keeps_moving_still_ends_at_a_deadline_the_caller_set() {
    let (_dir, path) = sparse(1 << 30);
    let storage = Storage::start(Behaviour::Trickle);
    let url = storage.url();
    let api = api(move || target_to(&url));
    let config = builder(&api.base_url())
        .request_timeout(Duration::from_secs(1))
        .deadline(Duration::from_secs(2));
    let clients = Clients::of(config);
    let results = within(Duration::from_secs(60), "a trickling upload", move || {
        clients.each(|t, c| (t, c.upload(t, &Source::Path(path.clone()))))
    });
    for (t, result) in results {
        let error = result.expect_err("the deadline passed");
        let timed_out = match &error {
            Error::Transport(e) => e.kind() == TransportErrorKind::Timeout,
            Error::DeadlineExceeded { .. } => true,
            _ => false,
        };
        assert!(timed_out, "{t:?}: {error:?}");
    }
}

#[test]
fn an_answer_before_the_whole_file_is_a_refusal_or_a_failure_never_an_upload() {
    let (_dir, path) = sparse(16 << 20);
    // A 204 with most of the file unsent: never counted as uploaded, no run started.
    let early = Storage::start(Behaviour::Early(
        b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n".to_vec(),
        false,
    ));
    let url = early.url();
    let api_early = api(move || target_to(&url));
    let clients = Clients::of(builder(&api_early.base_url()).request_timeout(Duration::from_secs(2)));
    let file = path.clone();
    let results = within(Duration::from_secs(60), "an early 204", move || {
        clients.each(|t, c| (t, c.start_with_file(t, &start(), &file)))
    });
    for (t, result) in results {
        let error = result.expect_err("an early 204 is no upload");
        assert!(matches!(error, Error::Transport(_)), "{t:?}: {error:?}");
        assert!(!crate::chain(&error).contains("SIG-0b5e7c"), "{t:?}: {error}");
    }
    assert_eq!(runs_posted(&api_early), 0);

    // A 403 before any byte of the body, and the connection closed: the answer is shown.
    let body = format!(
        "<Error><Code>AccessDenied</Code><Message>Policy expired for {KEY}</Message>\
         <RequestId>{KEY}</RequestId></Error>"
    );
    let refusal = format!(
        "HTTP/1.1 403 Forbidden\r\ncontent-type: application/xml\r\nx-amz-request-id: id-{KEY}\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let refusing = Storage::start(Behaviour::Early(refusal.into_bytes(), true));
    let url = refusing.url();
    let api_refusing = api(move || target_to(&url));
    let clients = Clients::of(builder(&api_refusing.base_url()));
    let file = path.clone();
    let results = within(Duration::from_secs(60), "an early 403", move || {
        clients.each(|t, c| (t, c.upload(t, &Source::Path(file.clone()))))
    });
    for (t, result) in results {
        let error = result.expect_err("refused");
        let Error::Storage(storage) = &error else {
            panic!("{t:?}: the answer was lost: {error:?}")
        };
        assert_eq!(
            (storage.status(), storage.code()),
            (403, Some("AccessDenied")),
            "{t:?}"
        );
        let shown = format!("{} {error:?}", crate::chain(&error));
        assert!(
            !shown.contains(KEY) && !shown.contains("SIG-0b5e7c"),
            "{t:?}: {shown}"
        );
    }
    let out = runs(
        &api_refusing.base_url(),
        &["files", "upload", &path.display().to_string()],
    );
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        out.stderr.contains("AccessDenied") && !out.stderr.contains("SIG-0b5e7c"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_target_with_too_many_fields_is_refused_before_any_upload() {
    let storage = Storage::start(Behaviour::Accept);
    let url = storage.url();
    let api = api(move || {
        let fields: Vec<String> = (0..100_000).map(|i| format!(r#""f{i}":"""#)).collect();
        format!(
            r#""upload_url":"{url}","upload_http_method":"POST","upload_fields":{{{}}}"#,
            fields.join(",")
        )
    });
    let clients = Clients::of(builder(&api.base_url()));
    let (_dir, path) = sparse(10);
    for (t, result) in clients.each(|t, c| (t, c.upload(t, &Source::Path(path.clone())))) {
        let error = result.expect_err("too many fields");
        assert!(matches!(error, Error::Decode(_)), "{t:?}: {error:?}");
        assert!(
            error.to_string().contains("more than 64 entries"),
            "{t:?}: {error}"
        );
    }
    assert!(storage.received().is_empty());
    let out = runs(&api.base_url(), &["files", "upload", &path.display().to_string()]);
    assert_eq!(out.code, 4, "a malformed answer: {}", out.stderr);
}

#[test]
fn a_target_the_sdk_cannot_use_is_the_servers_mistake_exit_4() {
    let storage = Storage::start(Behaviour::Accept);
    let url = storage.url();
    let (_dir, path) = sparse(10);
    let cases: Vec<(&str, String)> = vec![
        (
            "a field named file, which storage would read as the file",
            format!(
                r#""upload_url":"{url}","upload_http_method":"POST","upload_fields":{{"file":"evil","key":"k"}}"#
            ),
        ),
        (
            "a method other than POST",
            format!(r#""upload_url":"{url}","upload_http_method":"PUT","upload_fields":{{}}"#),
        ),
        (
            "plain http to another host, with the API on this machine",
            target_to("http://storage.example/bucket"),
        ),
    ];
    for (case, target) in cases {
        let api = api(move || target.clone());
        let clients = Clients::of(builder(&api.base_url()));
        for (t, result) in clients.each(|t, c| (t, c.upload(t, &Source::Path(path.clone())))) {
            let error = result.expect_err(case);
            assert!(matches!(error, Error::Decode(_)), "{case}, {t:?}: {error:?}");
        }
        let out = runs(&api.base_url(), &["files", "upload", &path.display().to_string()]);
        assert_eq!(out.code, 4, "{case}: {}", out.stderr);
        assert!(
            out.stderr
                .contains("the API gave an upload target the SDK cannot use"),
            "{case}: {}",
            out.stderr
        );
        assert!(
            !out.stderr.contains("invalid input"),
            "{case}: the user is not to blame: {}",
            out.stderr
        );
    }
    assert!(storage.received().is_empty(), "nothing reached storage");
}

#[test]
fn a_localhost_name_reaches_this_machine_without_dns() {
    let storage = Storage::start(Behaviour::Accept);
    let url = format!("http://storage.localhost:{}/bucket", storage.port);
    let api = api(move || target_to(&url));
    let clients = Clients::of(builder(&api.base_url()));
    let (_dir, path) = sparse(1000);
    for (t, result) in clients.each(|t, c| (t, c.upload(t, &Source::Path(path.clone())))) {
        result.unwrap_or_else(|e| panic!("{t:?}: {}", crate::chain(&e)));
    }
    assert_eq!(storage.whole_uploads(), 2);
}

#[test]
fn a_fifo_is_refused_before_it_is_opened() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let storage = Storage::start(Behaviour::Accept);
    let url = storage.url();
    let api = api(move || target_to(&url));
    let clients = Clients::of(builder(&api.base_url()));
    let file = fifo.clone();
    let results = within(Duration::from_secs(60), "opening a FIFO", move || {
        clients.each(|t, c| (t, c.upload(t, &Source::Path(file.clone()))))
    });
    for (t, result) in results {
        let error = result.expect_err("a FIFO is not a regular file");
        assert_eq!(problem(&error), Some(LocalFileProblem::Open), "{t:?}: {error}");
        assert!(
            crate::chain(&error).contains("not a regular file"),
            "{t:?}: {error}"
        );
    }
    let fifo_text = fifo.display().to_string();
    let api_url = api.base_url();
    let out = within(Duration::from_secs(60), "runs files upload FIFO", move || {
        runs(&api_url, &["files", "upload", &fifo_text])
    });
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("not a regular file"), "{}", out.stderr);
    assert_eq!(api.count(), 0, "nothing was sent");
}

#[test]
fn files_upload_prints_each_id_as_it_is_known_and_names_the_one_that_failed() {
    let storage = Storage::start(Behaviour::Accept);
    let url = storage.url();
    // Each `runs` below asks for two targets: the first is given, the second refused.
    let api = ScriptedServer::start(move |n, _| match n % 2 {
        0 => json(
            201,
            &format!(
                r#"{{"id":"s3://bucket/first","file_name":"a.txt",{}}}"#,
                target_to(&url)
            ),
        ),
        _ => json(400, r#"{"message":"no more files today"}"#),
    });
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.txt"), dir.path().join("b.txt"));
    std::fs::write(&a, "first").unwrap();
    std::fs::write(&b, "second").unwrap();
    let (a, b) = (a.display().to_string(), b.display().to_string());
    let out = runs(&api.base_url(), &["files", "upload", &a, &b]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        out.stdout.contains("s3://bucket/first"),
        "a.txt did upload: {}",
        out.stdout
    );
    assert!(out.stderr.contains("b.txt was not uploaded"), "{}", out.stderr);
    let out = runs(&api.base_url(), &["--output", "json", "files", "upload", &a, &b]);
    let printed: serde_json::Value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("not one JSON document ({e}): {}", out.stdout));
    assert_eq!(printed[0]["id"], "s3://bucket/first", "{}", out.stdout);
}
