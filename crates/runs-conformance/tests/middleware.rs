//! A user's middleware in each transport (a `tower` layer around runs-async's exchange, a
//! `ureq::Agent` with its middleware chain for runs-blocking): it sees every attempt, its
//! changes reach the server, and runs-core's rules (retries, the body cap, timeouts) still
//! hold with it in place. The same cases run on both.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use runs_conformance::{Answer, ScriptedServer};
use runs_core::{Config, Error, ProcessStage, RetryPolicy, RunId, StartRun, TransportErrorKind};

/// What a case did: the result, and how many attempts the middleware saw.
type Seen = (Result<(), String>, usize);

/// The operation of a case.
#[derive(Clone, Copy)]
enum Op {
    Get,
    Start,
}

fn config(server: &ScriptedServer, tune: impl Fn(Config) -> Config) -> Config {
    let config = Config::builder()
        .api_key("sk-middleware")
        .base_url(server.base_url())
        .retry_policy(
            RetryPolicy::default()
                .with_max_attempts(3)
                .with_initial_backoff(Duration::from_millis(1)),
        )
        .request_timeout(Duration::from_millis(500))
        .max_body_bytes(4096)
        .build()
        .unwrap();
    tune(config)
}

fn outcome(result: Result<(), Error>) -> Result<(), String> {
    result.map_err(|e| match e {
        Error::Api(api) => format!("api {}", api.status()),
        Error::Transport(t) => format!("transport {:?}", t.kind()),
        other => format!("other {other}"),
    })
}

fn start() -> StartRun {
    StartRun::builder()
        .agent_id("a")
        .process_id("p")
        .name("n")
        .stage(ProcessStage::Draft)
        .build()
        .unwrap()
}

fn blocking(config: Config, op: Op) -> Seen {
    let count = Arc::new(AtomicUsize::new(0));
    let counted = count.clone();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .middleware(
            move |mut request: http::Request<ureq::SendBody>, next: ureq::middleware::MiddlewareNext| {
                counted.fetch_add(1, Ordering::SeqCst);
                request
                    .headers_mut()
                    .insert("x-tenant", http::HeaderValue::from_static("acme"));
                next.handle(request)
            },
        )
        .build()
        .into();
    let client = runs_blocking::Client::with_agent(config, agent).unwrap();
    let id: RunId = "r1".parse().unwrap();
    let result = match op {
        Op::Get => client.get_run(&id).map(drop),
        Op::Start => client.start_run(&start()).map(drop),
    };
    (outcome(result), count.load(Ordering::SeqCst))
}

fn asynchronous(config: Config, op: Op) -> Seen {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let count = Arc::new(AtomicUsize::new(0));
        let counted = count.clone();
        let layer = tower::util::MapRequestLayer::new(move |mut request: http::Request<Bytes>| {
            counted.fetch_add(1, Ordering::SeqCst);
            request
                .headers_mut()
                .insert("x-tenant", http::HeaderValue::from_static("acme"));
            request
        });
        let client = runs_async::Client::new(config).unwrap().with_layer(layer);
        let id: RunId = "r1".parse().unwrap();
        let result = match op {
            Op::Get => client.get_run(&id).await.map(drop),
            Op::Start => client.start_run(&start()).await.map(drop),
        };
        (outcome(result), count.load(Ordering::SeqCst))
    })
}

/// Runs `script` for `op` on both transports, each against a fresh server; gives what both
/// saw (which must agree) and each server's request heads.
fn both(script: Vec<Answer>, op: Op, tune: impl Fn(Config) -> Config + Copy) -> (Seen, Vec<String>) {
    let mut seen = Vec::new();
    let mut heads = Vec::new();
    for transport in [blocking as fn(Config, Op) -> Seen, asynchronous] {
        let server = ScriptedServer::scripted(script.clone());
        seen.push(transport(config(&server, tune), op));
        heads.extend(server.heads());
    }
    assert_eq!(seen[0], seen[1], "the transports differ");
    (seen.remove(0), heads)
}

#[test]
fn a_header_added_by_middleware_reaches_the_server_on_every_attempt() {
    let (seen, heads) = both(vec![Answer::Json(503, "{}".into())], Op::Get, |c| c);
    assert_eq!(seen, (Ok(()), 2));
    assert_eq!(heads.len(), 4);
    for head in &heads {
        assert!(head.contains("x-tenant: acme\n"), "{head}");
        // The SDK's own headers are still there, the key among them.
        assert!(head.contains("x-api-key: sk-middleware\n"), "{head}");
    }
}

#[test]
fn retries_are_still_runs_cores_with_middleware_in_place() {
    let busy = || {
        Answer::Json(
            503,
            r#"{"status_code":503,"message":"busy","details":null}"#.into(),
        )
    };
    let (seen, _) = both(vec![busy(), busy()], Op::Get, |c| c);
    assert_eq!(seen, (Ok(()), 3), "a GET is retried through the middleware");

    let failed = Answer::Json(
        500,
        r#"{"status_code":500,"message":"boom","details":null}"#.into(),
    );
    let (seen, heads) = both(vec![failed], Op::Start, |c| c);
    assert_eq!(
        seen,
        (Err("api 500".into()), 1),
        "a POST that may have run is sent once"
    );
    assert_eq!(heads.len(), 2);
}

#[test]
fn the_body_cap_and_the_timeout_still_hold_with_middleware_in_place() {
    let huge = Answer::Json(200, format!(r#"{{"pad":"{}"}}"#, "x".repeat(10_000)));
    let (seen, _) = both(vec![huge], Op::Get, |c| c);
    assert_eq!(
        seen,
        (
            Err(format!("transport {:?}", TransportErrorKind::BodyTooLarge)),
            1
        )
    );

    let one_attempt = |c: Config| {
        Config::builder()
            .api_key("sk-middleware")
            .base_url(c.base_url().as_str())
            .retry_policy(RetryPolicy::default().with_max_attempts(1))
            .request_timeout(Duration::from_millis(300))
            .build()
            .unwrap()
    };
    let (seen, _) = both(vec![Answer::Stall], Op::Get, one_attempt);
    assert_eq!(
        seen,
        (Err(format!("transport {:?}", TransportErrorKind::Timeout)), 1)
    );
}
