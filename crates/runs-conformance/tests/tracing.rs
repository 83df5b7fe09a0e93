//! What a `tracing` subscriber sees of the fault matrix's cases, on both transports: the same
//! spans and events, field for field, and never the key.
//!
//! A capturing layer records every span and event as a line; timings and generated ids are
//! redacted, and the two transports' lines must be equal before one snapshot holds them.

use std::fmt::Write as _;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use runs_core::WaitOptions;
use runs_core::{ListRuns, ProcessStage, RetryPolicy, RunId, StartRun, WaitPolicy};
use runs_emulator::{Emulator, Fault, RetryAfter, Route, Schedule};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id};
use tracing::{Event, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

const KEY: &str = "sk-traced-secret-key";

/// Each span and event as an indented line, in order.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<String>>>);

#[derive(Default)]
struct Fields(String);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, " {}={value:?}", field.name());
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        let _ = write!(self.0, " {}={value}", field.name());
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        let depth = ctx.span_scope(id).map_or(1, |scope| scope.count()) - 1;
        let line = format!(
            "{}span {}{}",
            "  ".repeat(depth),
            attrs.metadata().name(),
            fields.0
        );
        self.0.lock().unwrap().push(line);
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        // The SDK's own events; the HTTP libraries' (hyper-util's pool) are theirs.
        if event.metadata().target() != "runs" {
            return;
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        let depth = ctx.event_scope(event).map_or(0, |scope| scope.count());
        let meta = event.metadata();
        let line = format!(
            "{}{} {}:{}",
            "  ".repeat(depth),
            meta.level(),
            meta.target(),
            fields.0
        );
        self.0.lock().unwrap().push(line);
    }
}

/// Timings and jittered delays vary run to run; ids are the emulator's.
fn redact(lines: &[String], ids: &[RunId]) -> String {
    let mut text = lines.join("\n");
    for (n, id) in ids.iter().enumerate() {
        text = text.replace(id.as_str(), &format!("RUN{}", n + 1));
    }
    let mut out = String::new();
    for line in text.lines() {
        let words: Vec<String> = line
            .split(' ')
            .map(|w| match w.split_once('=') {
                Some(("elapsed_ms", _)) => "elapsed_ms=[ms]".to_owned(),
                Some(("retry.delay_ms", _)) if line.contains("retry.basis=backoff") => {
                    "retry.delay_ms=[jittered]".to_owned()
                }
                _ => w.to_owned(),
            })
            .collect();
        out.push_str(&words.join(" "));
        out.push('\n');
    }
    out
}

fn emulator() -> Emulator {
    Emulator::builder()
        .api_key(KEY)
        .schedule(Schedule::PerPoll)
        .seed(7)
        .start()
        .unwrap()
}

fn builder<T: runs_core::transport::FromConfig>(
    base_url: &str,
) -> runs_core::ConfigBuilder<runs_core::Set, runs_core::Set, T> {
    runs_core::ConfigBuilder::new()
        .api_key(KEY)
        .base_url(base_url)
        .retry_policy(
            RetryPolicy::default()
                .with_max_attempts(2)
                .with_initial_backoff(Duration::from_millis(1)),
        )
        .wait_policy(
            WaitPolicy::default()
                .with_initial_interval(WaitPolicy::MIN_INTERVAL)
                .with_max_interval(WaitPolicy::MIN_INTERVAL),
        )
}

fn start() -> StartRun {
    StartRun::builder()
        .agent_id("demo-agent")
        .process_id("hello-world")
        .name("traced")
        .stage(ProcessStage::Published)
        .build()
        .unwrap()
}

fn query() -> ListRuns {
    ListRuns::new("demo-agent".parse().unwrap(), "hello-world".parse().unwrap())
        .with_limit(2)
        .unwrap()
}

fn closed_port_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v2", listener.local_addr().unwrap());
    drop(listener);
    url
}

/// The cases, with the ids of the runs they made, in the order made.
fn traced(run: impl FnOnce() -> Vec<RunId>) -> (String, Vec<RunId>) {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::registry().with(capture.clone());
    let ids = tracing::subscriber::with_default(subscriber, run);
    let lines = capture.0.lock().unwrap().clone();
    (redact(&lines, &ids), ids)
}

fn blocking_cases(emulator: &Emulator, refused: &str) -> Vec<RunId> {
    let client: runs_blocking::Client = builder(emulator.base_url()).build().unwrap();
    emulator.inject_times(
        Route::StartRun,
        Fault::status(503).retry_after(RetryAfter::Seconds(0)),
        1,
    );
    let first = client.start_run(&start()).unwrap();
    emulator.inject_times(Route::GetRun, Fault::status(500), 1);
    client.get_run(&first.id).unwrap();
    client.wait_for_run(&first.id, WaitOptions::default()).unwrap();
    let second = client.start_run(&start()).unwrap();
    let third = client.start_run(&start()).unwrap();
    let listed: Vec<_> = client
        .runs(&query())
        .max_items(3)
        .map(|r| r.unwrap().id)
        .collect();
    assert_eq!(listed.len(), 3);
    let dead: runs_blocking::Client = builder(refused).build().unwrap();
    assert!(dead.get_run(&first.id).is_err());
    vec![first.id, second.id, third.id]
}

fn async_cases(emulator: &Emulator, refused: &str) -> Vec<RunId> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client: runs_async::Client = builder(emulator.base_url()).build().unwrap();
        emulator.inject_times(
            Route::StartRun,
            Fault::status(503).retry_after(RetryAfter::Seconds(0)),
            1,
        );
        let first = client.start_run(&start()).await.unwrap();
        emulator.inject_times(Route::GetRun, Fault::status(500), 1);
        client.get_run(&first.id).await.unwrap();
        client
            .wait_for_run(&first.id, WaitOptions::default())
            .await
            .unwrap();
        let second = client.start_run(&start()).await.unwrap();
        let third = client.start_run(&start()).await.unwrap();
        let listed: Vec<_> = client
            .runs(&query())
            .max_items(3)
            .map(|r| r.unwrap().id)
            .collect()
            .await;
        assert_eq!(listed.len(), 3);
        let dead: runs_async::Client = builder(refused).build().unwrap();
        assert!(dead.get_run(&first.id).await.is_err());
        vec![first.id, second.id, third.id]
    })
}

#[test]
fn both_transports_trace_the_same_spans_and_fields_and_never_the_key() {
    let refused = closed_port_url();
    let (blocking, _) = traced(|| blocking_cases(&emulator(), &refused));
    let (asynchronous, _) = traced(|| async_cases(&emulator(), &refused));
    for trace in [&blocking, &asynchronous] {
        assert!(!trace.contains(KEY), "{trace}");
        assert!(!trace.contains("continuation_token"), "{trace}");
    }
    assert_eq!(blocking, asynchronous);
    insta::assert_snapshot!(blocking);
}

#[test]
fn the_request_id_the_server_sent_is_a_field_of_each_response_event() {
    let mut traces = Vec::new();
    for transport in ["blocking", "async"] {
        let server = runs_conformance::ScriptedServer::scripted([runs_conformance::Answer::Json(
            503,
            r#"{"status_code":503,"message":"busy","details":null}"#.into(),
        )]);
        let id: RunId = "r1".parse().unwrap();
        let (trace, _) = traced(|| {
            match transport {
                "blocking" => {
                    let client: runs_blocking::Client = builder(&server.base_url()).build().unwrap();
                    client.get_run(&id).unwrap();
                }
                _ => {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .unwrap();
                    let client: runs_async::Client = builder(&server.base_url()).build().unwrap();
                    runtime.block_on(client.get_run(&id)).unwrap();
                }
            }
            Vec::new()
        });
        let responses: Vec<&str> = trace.lines().filter(|l| l.contains("message=response")).collect();
        assert_eq!(responses.len(), 2, "{transport}: {trace}");
        assert!(
            responses[0].contains(r#"request_id="req-1""#),
            "{transport}: {trace}"
        );
        assert!(
            responses[1].contains(r#"request_id="req-2""#),
            "{transport}: {trace}"
        );
        traces.push(trace);
    }
    assert_eq!(traces[0], traces[1]);
}
