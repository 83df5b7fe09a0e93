//! Files, uploads, processes and health on both transports: one list of cases, each against
//! a fresh emulator, run by the blocking and the async client, which must answer alike. The
//! outcomes (what each call returned and what the emulator counted) are one snapshot.
//!
//! What this proves beyond the shape of the answers:
//! - the API key never reaches the upload target (another origin): the emulator refuses and
//!   counts any upload carrying `x-api-key`, and every case checks that count is 0;
//! - an upload is streamed with exactly the file's bytes (the emulator's size and SHA-256);
//! - retries follow the spec's decisions: an upload or a `POST /files` answered with an error
//!   is not sent again; a `GET` is; health reads a 5xx as "not up" at once;
//! - a storage error keeps the storage service's code and message;
//! - the upload goes through the connection plan's proxy for its own origin.

use std::io::Write;
use std::net::TcpListener;
use std::time::Duration;

use runs_conformance::ConnectProxy;
use runs_core::transport::FromConfig;
use runs_core::{
    AgentId, ConfigBuilder, CreateFile, Error, FileId, FileResource, ListProcesses, ProcessStage, Proxy,
    RetryPolicy, StartRun,
};
use runs_emulator::{
    Counters, DEMO_AGENT, Emulator, Fault, FaultKind, HELLO_WORLD, RetryAfter, Route, Schedule,
};
use sha2::{Digest, Sha256};

const KEY: &str = "sk-beyond-SECRET-41d2";

fn emulator(
    configure: impl FnOnce(runs_emulator::EmulatorBuilder) -> runs_emulator::EmulatorBuilder,
) -> Emulator {
    configure(Emulator::builder().api_key(KEY).schedule(Schedule::Instant))
        .start()
        .unwrap()
}

fn client<C: FromConfig>(emu: &Emulator, proxy: Option<String>) -> C {
    ConfigBuilder::<_, _, C>::new()
        .api_key(KEY)
        .base_url(emu.base_url())
        .retry_policy(
            RetryPolicy::default()
                .with_max_attempts(3)
                .with_initial_backoff(Duration::from_millis(1))
                .with_max_backoff(Duration::from_millis(2)),
        )
        .proxy(proxy.map_or(Proxy::None, Proxy::Url))
        .build()
        .unwrap()
}

/// A file of `len` bytes of a pattern (so chunks differ), and its SHA-256 in hex.
fn file_of(len: usize) -> (tempfile::TempDir, std::path::PathBuf, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("invoice-march.pdf");
    let bytes: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
    std::fs::File::create(&path).unwrap().write_all(&bytes).unwrap();
    (dir, path, hex(&Sha256::digest(&bytes)))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What an error was, without run ids or ports; and never the key.
fn error(e: &Error) -> String {
    let text = format!("{e:?} {e}");
    assert!(!text.contains(KEY), "the key leaked: {text}");
    match e {
        Error::Storage(s) => format!(
            "Storage {} {:?} {:?} expired={}",
            s.status(),
            s.code(),
            s.message(),
            s.is_expired()
        ),
        Error::Api(a) => format!("Api {}", a.status()),
        Error::Transport(t) => format!("Transport {:?} {:?}", t.kind(), t.delivery()),
        Error::LocalFile(l) => format!("LocalFile {:?}", l.problem()),
        Error::Invalid(v) => format!("Invalid {}", v.errors()[0].field()),
        other => format!("other: {other}"),
    }
}

/// The counters a case is judged by.
fn counted(c: Counters) -> String {
    assert_eq!(c.uploads_with_api_key, 0, "the API key reached the upload target");
    format!(
        "create_file={} upload={} files_uploaded={} list_processes={} get_process={} health={} start_run={}",
        c.create_file, c.upload, c.files_uploaded, c.list_processes, c.get_process, c.health, c.start_run
    )
}

fn agent() -> AgentId {
    DEMO_AGENT.parse().unwrap()
}

/// A target on a port nothing listens on: the connection is refused before any byte is sent.
fn unreachable_target() -> FileResource {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    FileResource::new(
        FileId::new("s3://nowhere/k").unwrap(),
        "a.txt",
        format!("http://127.0.0.1:{port}/bucket"),
        vec![("key".into(), "k".into())],
    )
}

/// Every case, on `$krate`'s client (`runs_blocking` or `runs_async`), each call followed by
/// `$($await)*`. Gives one line per case.
macro_rules! cases {
    ($krate:ident, $($await:tt)*) => {{
        use $krate::{Client, FileSource};
        let mut seen: Vec<String> = Vec::new();
        let mut case = |name: &str, outcome: String| seen.push(format!("{name}: {outcome}"));

        {
            let emu = emulator(|b| b);
            let c: Client = client(&emu, None);
            let (_dir, path, sha) = file_of(300_000);
            let id = c.upload_file(FileSource::path(&path), Some(&agent()))$($await)*.unwrap();
            let got = emu.uploaded_file(id.as_str()).unwrap();
            case("upload_file from a path", format!(
                "name={} size={} sha256 matches={} | {}",
                got.file_name, got.size, got.sha256 == sha, counted(emu.counters())
            ));
        }
        {
            let emu = emulator(|b| b);
            let c: Client = client(&emu, None);
            let bytes: &'static [u8] = b"month,total\n2026-03,1200\n";
            let id = c
                .upload_file(FileSource::reader("totals.csv", bytes, bytes.len() as u64), None)$($await)*
                .unwrap();
            let got = emu.uploaded_file(id.as_str()).unwrap();
            case("upload_file from a reader", format!(
                "name={} size={} sha256 matches={} | {}",
                got.file_name, got.size, got.sha256 == hex(&Sha256::digest(bytes)), counted(emu.counters())
            ));
        }
        {
            let emu = emulator(|b| b);
            let proxy = ConnectProxy::start().unwrap();
            let c: Client = client(&emu, Some(proxy.url()));
            let (_dir, path, _) = file_of(10);
            c.upload_file(FileSource::path(&path), None)$($await)*.unwrap();
            let upload_origin = emu.upload_addr().to_string();
            let through: Vec<bool> = proxy.tunnels().iter().map(|t| t.target == upload_origin).collect();
            case("upload through an explicit proxy", format!(
                "tunnel to the upload origin opened={} | {}",
                through.contains(&true), counted(emu.counters())
            ));
        }
        {
            let emu = emulator(|b| b.upload_expiry(Duration::ZERO));
            let c: Client = client(&emu, None);
            let (_dir, path, _) = file_of(10);
            let e = c.upload_file(FileSource::path(&path), None)$($await)*.unwrap_err();
            case("an expired target", format!("{} | {}", error(&e), counted(emu.counters())));
        }
        {
            let emu = emulator(|b| b);
            emu.inject(Route::Upload, Fault::status(503).retry_after(RetryAfter::Seconds(0)));
            let c: Client = client(&emu, None);
            let (_dir, path, _) = file_of(10);
            let e = c.upload_file(FileSource::path(&path), None)$($await)*.unwrap_err();
            case("an upload answered 503 with Retry-After", format!("{} | {}", error(&e), counted(emu.counters())));
        }
        {
            let emu = emulator(|b| b);
            emu.inject(Route::Upload, Fault::new(FaultKind::Respond {
                status: 403,
                content_type: "application/xml".into(),
                body: "<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code>\
                       <Message>Invalid according to Policy</Message></Error>".into(),
            }));
            let c: Client = client(&emu, None);
            let (_dir, path, _) = file_of(10);
            let e = c.upload_file(FileSource::path(&path), None)$($await)*.unwrap_err();
            case("an upload denied with storage XML", format!("{} | {}", error(&e), counted(emu.counters())));
        }
        {
            let emu = emulator(|b| b);
            emu.inject(Route::Upload, Fault::close_before_response());
            let c: Client = client(&emu, None);
            let (_dir, path, _) = file_of(10);
            let e = c.upload_file(FileSource::path(&path), None)$($await)*.unwrap_err();
            case("an upload whose connection closes", format!("{} | {}", error(&e), counted(emu.counters())));
        }
        {
            let emu = emulator(|b| b);
            let c: Client = client(&emu, None);
            let (_dir, path, _) = file_of(10);
            let e = c.upload_to(&unreachable_target(), FileSource::path(&path))$($await)*.unwrap_err();
            case("an upload target refusing connections", error(&e));
        }
        {
            let emu = emulator(|b| b);
            emu.inject(Route::CreateFile, Fault::status(500));
            let c: Client = client(&emu, None);
            let (_dir, path, _) = file_of(10);
            let e = c.upload_file(FileSource::path(&path), None)$($await)*.unwrap_err();
            case("POST /files answered 500", format!("{} | {}", error(&e), counted(emu.counters())));
        }
        {
            let emu = emulator(|b| b);
            emu.inject(Route::CreateFile, Fault::status(503).retry_after(RetryAfter::Seconds(0)));
            let c: Client = client(&emu, None);
            let target = c.create_file(&CreateFile::new("a.txt").unwrap())$($await)*.unwrap();
            case("POST /files answered 503 with Retry-After", format!(
                "name={} | {}", target.file_name, counted(emu.counters())
            ));
        }
        {
            let emu = emulator(|b| b);
            let c: Client = client(&emu, None);
            let missing = std::env::temp_dir().join("runs-conformance-no-such-file.pdf");
            let e = c.upload_file(FileSource::path(&missing), None)$($await)*.unwrap_err();
            case("a missing file", format!("{} | {}", error(&e), counted(emu.counters())));
        }
        {
            let emu = emulator(|b| b);
            let c: Client = client(&emu, None);
            let bytes: &'static [u8] = b"short";
            let e = c.upload_file(FileSource::reader("short.txt", bytes, 10), None)$($await)*.unwrap_err();
            // Whether the emulator saw the request's headers before the body failed is the
            // HTTP library's buffering (hyper may not flush them), so only the outcome counts.
            let c = emu.counters();
            assert_eq!(c.uploads_with_api_key, 0);
            case("a reader shorter than its size", format!(
                "{} | create_file={} files_uploaded={}", error(&e), c.create_file, c.files_uploaded
            ));
        }
        {
            let emu = emulator(|b| b.require_uploaded_files(true));
            let c: Client = client(&emu, None);
            let (_dir, path, _) = file_of(1000);
            let start = StartRun::builder()
                .agent_id(DEMO_AGENT)
                .process_id(HELLO_WORLD)
                .name("with files")
                .stage(ProcessStage::Published)
                .build()
                .unwrap();
            let run = c.start_run_with_files(&start, [path.clone(), path])$($await)*.unwrap();
            let uploaded: Vec<String> = emu.uploaded_files().into_iter().map(|f| f.id.into_string()).collect();
            case("start_run_with_files", format!(
                "file_ids are the uploads in order={} count={} | {}",
                run.file_ids() == uploaded.as_slice(), run.file_ids().len(), counted(emu.counters())
            ));
        }
        {
            let emu = emulator(|b| b);
            let c: Client = client(&emu, None);
            let start = StartRun::builder()
                .agent_id(DEMO_AGENT)
                .process_id(HELLO_WORLD)
                .name("with files")
                .stage(ProcessStage::Published)
                .build()
                .unwrap();
            let files = [FileSource::from("/definitely/not/here.pdf")];
            let e = c.start_run_with_files(&start, files)$($await)*.unwrap_err();
            case("start_run_with_files with a missing file", format!("{} | {}", error(&e), counted(emu.counters())));
        }
        {
            let emu = emulator(|b| b);
            let c: Client = client(&emu, None);
            let query = ListProcesses::new(agent()).with_limit(1).unwrap();
            let page = c.list_processes(&query)$($await)*.unwrap();
            let first = page.items()[0].clone();
            let got = c.get_process(&agent(), &first.id)$($await)*.unwrap();
            let unknown = c.get_process(&agent(), &"no-such-process".parse().unwrap())$($await)*.unwrap_err();
            case("list_processes and get_process", format!(
                "page of {} more={} got the same={} unknown: {} | {}",
                page.items().len(), page.continuation_token.is_some(), got == first, error(&unknown),
                counted(emu.counters())
            ));
        }
        {
            let emu = emulator(|b| b);
            emu.inject_times(Route::ListProcesses, Fault::status(503), 2);
            let c: Client = client(&emu, None);
            let page = c.list_processes(&ListProcesses::new(agent()))$($await)*.unwrap();
            case("a process page answered 503 twice", format!(
                "{} processes | {}", page.items().len(), counted(emu.counters())
            ));
        }
        {
            let emu = emulator(|b| b);
            emu.inject(Route::GetProcess, Fault::close_before_response());
            let c: Client = client(&emu, None);
            let id = "hello-world".parse().unwrap();
            let got = c.get_process(&agent(), &id)$($await)*.unwrap();
            case("a process get whose connection closes", format!(
                "{} | {}", got.id, counted(emu.counters())
            ));
        }
        {
            let emu = emulator(|b| b);
            let c: Client = client(&emu, None);
            let up = c.health()$($await)*.unwrap();
            emu.set_healthy(false);
            let down = c.health()$($await)*.unwrap();
            emu.set_healthy(true);
            emu.inject(Route::Health, Fault::html(502));
            let proxy_page = c.health()$($await)*.unwrap();
            emu.inject(Route::Health, Fault::status(401));
            let refused = c.health()$($await)*.unwrap_err();
            emu.inject(Route::Health, Fault::close_before_response());
            let after_reset = c.health()$($await)*.unwrap();
            case("health", format!(
                "up={}/{}/{:?} down={}/{}/{:?} 502 page={}/{} 401: {} after a reset up={} | {}",
                up.is_up(), up.http_status(), up.status(),
                down.is_up(), down.http_status(), down.status(),
                proxy_page.is_up(), proxy_page.http_status(),
                error(&refused), after_reset.is_up(), counted(emu.counters())
            ));
        }
        seen
    }};
}

/// Every process of the demo agent through the Iterator and the Stream, a page of one at a
/// time, with a page that fails once in the middle (retried within the listing).
fn all_processes_blocking(emu: &Emulator) -> Vec<String> {
    let c: runs_blocking::Client = client(emu, None);
    let query = ListProcesses::new(agent()).with_limit(1).unwrap();
    c.processes(&query).map(|p| p.unwrap().id.to_string()).collect()
}

async fn all_processes_async(emu: &Emulator) -> Vec<String> {
    use futures_util::StreamExt;
    let c: runs_async::Client = client(emu, None);
    let query = ListProcesses::new(agent()).with_limit(1).unwrap();
    let mut out = Vec::new();
    let mut stream = c.processes(&query);
    while let Some(p) = stream.next().await {
        out.push(p.unwrap().id.to_string());
    }
    out
}

#[test]
fn both_clients_meet_every_case_alike() {
    let from_blocking = cases!(runs_blocking,);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let from_async = runtime.block_on(async { cases!(runs_async, .await) });
    assert_eq!(from_blocking, from_async);
    insta::assert_snapshot!(from_blocking.join("\n"));
}

#[test]
fn both_clients_walk_every_process_page_by_page() {
    let (a, b) = (emulator(|b| b), emulator(|b| b));
    a.inject(Route::ListProcesses, Fault::status(503));
    b.inject(Route::ListProcesses, Fault::status(503));
    let blocking = all_processes_blocking(&a);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let asynchronous = runtime.block_on(all_processes_async(&b));
    assert!(blocking.len() > 1, "{blocking:?}");
    assert_eq!(blocking, asynchronous);
    assert_eq!(
        a.counters().list_processes,
        blocking.len() as u64 + 1,
        "one page per process, one retried"
    );
}
