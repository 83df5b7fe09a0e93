//! Drives runs-core's machines with scripted replies on a virtual clock, writing a transcript
//! of every action: the sans-IO equivalent of a server, with no sockets and no sleeps.

#![allow(dead_code)]

use std::fmt::Write;
use std::time::Duration;

use runs_core::transport::{Action, Machine, Response};
use runs_core::{Config, Delivery, RetryPolicy, TransportError, TransportErrorKind};

/// What the "server" does with one request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// Answers with a status, headers and body, taking `took` of virtual time.
    Http {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        took: Duration,
    },
    /// Fails below HTTP.
    Fail {
        kind: TransportErrorKind,
        delivery: Delivery,
        took: Duration,
    },
    /// Never answers: the transport times out after the timeout it was given.
    Hang,
}

pub fn http(status: u16, body: &str) -> Reply {
    Reply::Http {
        status,
        headers: Vec::new(),
        body: body.as_bytes().to_vec(),
        took: Duration::ZERO,
    }
}

pub fn with_header(reply: Reply, name: &str, value: &str) -> Reply {
    match reply {
        Reply::Http {
            status,
            mut headers,
            body,
            took,
        } => {
            headers.push((name.into(), value.into()));
            Reply::Http {
                status,
                headers,
                body,
                took,
            }
        }
        other => other,
    }
}

pub fn fail(kind: TransportErrorKind, delivery: Delivery) -> Reply {
    Reply::Fail {
        kind,
        delivery,
        took: Duration::ZERO,
    }
}

pub fn run_json(id: &str, status: &str) -> String {
    format!(
        r#"{{"id":"{id}","name":"n","agent_id":"agent-1","process_id":"proc-1","stage":"Draft","status":"{status}","created_at":"2021-01-01T12:00:00"}}"#
    )
}

pub fn page_json(ids: &[&str], token: Option<&str>) -> String {
    let items: Vec<String> = ids.iter().map(|id| run_json(id, "Succeeded")).collect();
    let token = match token {
        Some(t) => format!("\"{t}\""),
        None => "null".into(),
    };
    format!(
        r#"{{"items":[{}],"continuation_token":{token}}}"#,
        items.join(",")
    )
}

pub fn config() -> Config {
    Config::builder()
        .api_key("sk-live-SECRET")
        .base_url("https://api.test/v2")
        .retry_policy(RetryPolicy::default().with_initial_backoff(Duration::from_millis(100)))
        .request_timeout(Duration::from_secs(5))
        .deadline(Duration::from_secs(30))
        .build()
        .unwrap()
}

fn secs(d: Duration) -> String {
    format!("{}.{:03}s", d.as_secs(), d.subsec_millis())
}

/// The result of a scripted run.
pub struct Outcome<T, R = runs_core::transport::Request> {
    pub transcript: String,
    pub outputs: Vec<T>,
    pub requests: Vec<R>,
    pub now: Duration,
}

/// What a machine sends: an API request or an upload.
pub trait Sent {
    fn describe(&self) -> String;
}

impl Sent for runs_core::transport::Request {
    fn describe(&self) -> String {
        runs_core::transport::Request::describe(self)
    }
}

impl Sent for runs_core::transport::UploadRequest {
    fn describe(&self) -> String {
        runs_core::transport::UploadRequest::describe(self)
    }
}

/// Runs `machine` against `replies` until `last(output)` says it is the final output (or the
/// script runs out, which is a failure of the test).
pub fn drive<R: Sent, M: Machine<R>>(
    machine: &mut M,
    replies: impl IntoIterator<Item = Reply>,
    show: impl Fn(&M::Output) -> String,
    last: impl Fn(&M::Output) -> bool,
) -> Outcome<M::Output, R> {
    let mut replies = replies.into_iter();
    let mut now = Duration::ZERO;
    let mut t = String::new();
    let mut outputs = Vec::new();
    let mut requests = Vec::new();
    for _ in 0..10_000 {
        match machine.poll(now) {
            Action::Send { request, timeout } => {
                writeln!(
                    t,
                    "{:>8} send {} (timeout {})",
                    secs(now),
                    request.describe(),
                    secs(timeout)
                )
                .unwrap();
                requests.push(request);
                match replies
                    .next()
                    .expect("the machine sent more requests than scripted")
                {
                    Reply::Http {
                        status,
                        headers,
                        body,
                        took,
                    } => {
                        now += took;
                        let h: Vec<(String, String)> = headers.clone();
                        writeln!(t, "{:>8}   <- {status} ({} bytes)", secs(now), body.len()).unwrap();
                        machine.handle_response(
                            now,
                            Response {
                                status,
                                headers: &h,
                                body: &body,
                            },
                        );
                    }
                    Reply::Fail { kind, delivery, took } => {
                        now += took;
                        writeln!(t, "{:>8}   <- failed {kind:?} {delivery:?}", secs(now)).unwrap();
                        machine.handle_failure(now, TransportError::new(kind, delivery, "scripted"));
                    }
                    Reply::Hang => {
                        now += timeout;
                        writeln!(t, "{:>8}   <- timed out", secs(now)).unwrap();
                        machine.handle_failure(
                            now,
                            TransportError::new(TransportErrorKind::Timeout, Delivery::MaybeSent, "scripted"),
                        );
                    }
                }
            }
            Action::Sleep(d) => {
                writeln!(t, "{:>8} sleep {}", secs(now), secs(d)).unwrap();
                now += d;
            }
            Action::Done(output) => {
                writeln!(t, "{:>8} done {}", secs(now), show(&output)).unwrap();
                let stop = last(&output);
                outputs.push(output);
                if stop {
                    assert!(replies.next().is_none(), "scripted replies were left over");
                    return Outcome {
                        transcript: t,
                        outputs,
                        requests,
                        now,
                    };
                }
            }
        }
    }
    panic!("the machine did not finish within 10,000 steps:\n{t}");
}

pub fn show_result<T>(r: &Result<T, runs_core::Error>, ok: impl Fn(&T) -> String) -> String {
    match r {
        Ok(v) => format!("Ok({})", ok(v)),
        Err(e) => {
            // The whole chain, as anyhow's `{:#}` would print it.
            let mut text = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(s) = source {
                text.push_str(&format!(": {s}"));
                source = s.source();
            }
            format!("Err({text})")
        }
    }
}
