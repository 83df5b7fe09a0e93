//! Fault injection: scripted misbehaviour for the next requests of a route (see [`Fault`]).

use std::collections::VecDeque;
use std::time::{Duration, SystemTime};

/// Which requests a fault applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Route {
    /// `GET /v2/runs`.
    ListRuns,
    /// `POST /v2/runs`.
    StartRun,
    /// `GET /v2/runs/{run_id}`.
    GetRun,
    /// `POST /v2/files`.
    CreateFile,
    /// `GET /v2/processes`.
    ListProcesses,
    /// `GET /v2/processes/{process_id}`.
    GetProcess,
    /// `GET /v2/health`.
    Health,
    /// The upload target, `POST` to [`crate::Emulator::upload_url`] (the other listener).
    Upload,
    /// Any of the concrete routes (used after the route's own queue is empty).
    Any,
}

impl Route {
    /// The concrete routes.
    pub const ALL: [Route; 8] = [
        Route::ListRuns,
        Route::StartRun,
        Route::GetRun,
        Route::CreateFile,
        Route::ListProcesses,
        Route::GetProcess,
        Route::Health,
        Route::Upload,
    ];

    fn index(self) -> usize {
        match self {
            Route::ListRuns => 0,
            Route::StartRun => 1,
            Route::GetRun => 2,
            Route::CreateFile => 3,
            Route::ListProcesses => 4,
            Route::GetProcess => 5,
            Route::Health => 6,
            Route::Upload => 7,
            Route::Any => 8,
        }
    }
}

/// The value of a `Retry-After` header.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryAfter {
    /// A number of seconds (`Retry-After: 2`).
    Seconds(u64),
    /// An HTTP date this long after the response is written, in the same clock as its `Date`
    /// header (`Retry-After: Wed, 01 Apr 2026 09:00:02 GMT`).
    DateIn(Duration),
    /// A fixed HTTP date.
    Date(SystemTime),
    /// Any text, for testing how clients treat a malformed header.
    Raw(String),
}

impl RetryAfter {
    pub(crate) fn header_value(&self) -> String {
        match self {
            RetryAfter::Seconds(s) => s.to_string(),
            RetryAfter::DateIn(d) => httpdate::fmt_http_date(SystemTime::now() + *d),
            RetryAfter::Date(t) => httpdate::fmt_http_date(*t),
            RetryAfter::Raw(text) => text.clone(),
        }
    }
}

/// What an injected fault does.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FaultKind {
    /// Answer with this status and body instead of handling the request.
    Respond {
        /// The status code.
        status: u16,
        /// The `Content-Type` header.
        content_type: String,
        /// The body.
        body: String,
    },
    /// Handle the request normally (it takes effect), then answer with this status and the
    /// documented error body instead of the real answer.
    RespondAfterProcessing {
        /// The status code.
        status: u16,
    },
    /// Handle the request normally, after the fault's delay. Only useful with a delay.
    Proceed,
    /// Send headers with a `Content-Length` of `declared` bytes, write `sent` bytes of a JSON
    /// start, then close the connection.
    CloseMidBody {
        /// The length announced.
        declared: u64,
        /// How many bytes are written before the close (less than `declared`).
        sent: u64,
    },
    /// Close the connection without writing any response.
    CloseBeforeResponse,
    /// Handle the request normally (it takes effect: a `POST` starts its run), then close the
    /// connection without answering: the client cannot know whether it did.
    CloseAfterProcessing,
    /// A 200 whose body is not JSON at all.
    MalformedJson,
    /// A 200 whose JSON body stops in the middle (its `Content-Length` matches what is sent).
    TruncatedJson,
    /// A 200 with a body of this many bytes, streamed (the emulator never holds it whole).
    Oversized {
        /// The body's size in bytes.
        bytes: u64,
        /// Whether the size is announced in `Content-Length` (true) or the body is chunked.
        content_length: bool,
    },
    /// Never answer; the request hangs until the emulator shuts down, then the connection closes.
    Hang,
}

/// One scripted misbehaviour for the next requests of a route.
///
/// Faults are queued per [`Route`] and used in FIFO order, one per request. A request takes a
/// fault from its own route's queue first, then from [`Route::Any`]'s. A fault answers *instead
/// of* the emulator, before authentication and validation (as a proxy or an overloaded service
/// would), so a faulted request changes nothing: a `POST` answered with an injected 500 starts
/// no run, and an upload answered by a fault records no file. Faults apply to the upload
/// target ([`Route::Upload`]) like to any API route. The exceptions are
/// [`Fault::status_after_processing`] and [`Fault::close_after_processing`], which let the
/// request take effect and then answer with an error or not at all, to prove a client does not
/// resend a `POST` it cannot know the fate of.
///
/// ```
/// use std::time::Duration;
/// use runs_emulator::{Fault, RetryAfter, Route};
///
/// let emu = runs_emulator::Emulator::builder().start()?;
/// // The next two gets are rate limited; the third gets a proxy's HTML page after a pause.
/// emu.inject_times(Route::GetRun, Fault::status(429).retry_after(RetryAfter::Seconds(1)), 2);
/// emu.inject(Route::GetRun, Fault::html(502).delay(Duration::from_millis(50)));
/// assert_eq!(emu.pending_faults(Route::GetRun), 3);
/// # Ok::<(), runs_emulator::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    kind: FaultKind,
    delay: Duration,
    retry_after: Option<RetryAfter>,
}

impl Fault {
    /// A fault of this kind, with no delay and no `Retry-After`.
    pub fn new(kind: FaultKind) -> Self {
        Self {
            kind,
            delay: Duration::ZERO,
            retry_after: None,
        }
    }

    /// `status` with the documented error body `{"status_code", "message", "details"}`.
    pub fn status(status: u16) -> Self {
        let body = serde_json::json!({
            "status_code": status,
            "message": "injected fault",
            "details": null,
        });
        Self::json(status, body.to_string())
    }

    /// `status` with an HTML page, as a proxy or load balancer sends.
    pub fn html(status: u16) -> Self {
        Self::new(FaultKind::Respond {
            status,
            content_type: "text/html; charset=utf-8".into(),
            body: format!(
                "<html>\r\n<head><title>{status} Error</title></head>\r\n<body>\r\n\
                 <center><h1>{status} Error</h1></center>\r\n<hr><center>proxy</center>\r\n\
                 </body>\r\n</html>\r\n"
            ),
        })
    }

    /// `status` with any JSON text (a `{"detail": ...}` body, or a hand-made 200 page).
    pub fn json(status: u16, body: impl Into<String>) -> Self {
        Self::new(FaultKind::Respond {
            status,
            content_type: "application/json".into(),
            body: body.into(),
        })
    }

    /// Let the request take effect, then answer `status` (a `POST` does start a run).
    pub fn status_after_processing(status: u16) -> Self {
        Self::new(FaultKind::RespondAfterProcessing { status })
    }

    /// Answer normally, but only after `delay` (the headers are held back).
    pub fn delay_only(delay: Duration) -> Self {
        Self::new(FaultKind::Proceed).delay(delay)
    }

    /// A 200 announcing 1,000 bytes that closes the connection after 20.
    pub fn close_mid_body() -> Self {
        Self::new(FaultKind::CloseMidBody {
            declared: 1_000,
            sent: 20,
        })
    }

    /// Close the connection without answering.
    pub fn close_before_response() -> Self {
        Self::new(FaultKind::CloseBeforeResponse)
    }

    /// Let the request take effect, then close the connection without answering: a `POST
    /// /v2/runs` whose run exists although the client never heard so (the "in doubt" case).
    pub fn close_after_processing() -> Self {
        Self::new(FaultKind::CloseAfterProcessing)
    }

    /// A 200 whose body is not JSON.
    pub fn malformed_json() -> Self {
        Self::new(FaultKind::MalformedJson)
    }

    /// A 200 whose JSON stops halfway.
    pub fn truncated_json() -> Self {
        Self::new(FaultKind::TruncatedJson)
    }

    /// A 200 with a streamed body of `bytes` bytes and a matching `Content-Length`.
    pub fn oversized(bytes: u64) -> Self {
        Self::new(FaultKind::Oversized {
            bytes,
            content_length: true,
        })
    }

    /// Like [`Fault::oversized`], with a chunked body whose size is not announced.
    pub fn oversized_chunked(bytes: u64) -> Self {
        Self::new(FaultKind::Oversized {
            bytes,
            content_length: false,
        })
    }

    /// Never answer (until shutdown).
    pub fn hang() -> Self {
        Self::new(FaultKind::Hang)
    }

    /// Waits `delay` before doing anything else (before the headers are written).
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// Adds a `Retry-After` header to the response.
    pub fn retry_after(mut self, value: RetryAfter) -> Self {
        self.retry_after = Some(value);
        self
    }

    /// What the fault does.
    pub fn kind(&self) -> &FaultKind {
        &self.kind
    }

    /// How long it waits first.
    pub fn delay_time(&self) -> Duration {
        self.delay
    }

    /// The `Retry-After` it sends, if any.
    pub fn retry_after_value(&self) -> Option<&RetryAfter> {
        self.retry_after.as_ref()
    }
}

/// The queues, one per route plus one for any route.
#[derive(Debug, Default)]
pub(crate) struct FaultQueues {
    queues: [VecDeque<Fault>; 9],
}

impl FaultQueues {
    pub(crate) fn push(&mut self, route: Route, fault: Fault, times: usize) {
        let queue = &mut self.queues[route.index()];
        queue.extend(std::iter::repeat_n(fault, times));
    }

    /// The next fault for a request of `route` (a concrete route), if any.
    pub(crate) fn take(&mut self, route: Route) -> Option<Fault> {
        self.queues[route.index()]
            .pop_front()
            .or_else(|| self.queues[Route::Any.index()].pop_front())
    }

    pub(crate) fn pending(&self, route: Route) -> usize {
        self.queues[route.index()].len()
    }

    pub(crate) fn clear(&mut self) {
        self.queues.iter_mut().for_each(VecDeque::clear);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_are_fifo_per_route_and_any_comes_last() {
        let mut q = FaultQueues::default();
        q.push(Route::Any, Fault::status(500), 1);
        q.push(Route::GetRun, Fault::status(503), 2);
        q.push(Route::GetRun, Fault::hang(), 1);
        let kinds: Vec<_> = std::iter::from_fn(|| q.take(Route::GetRun)).collect();
        assert_eq!(
            kinds,
            [
                Fault::status(503),
                Fault::status(503),
                Fault::hang(),
                Fault::status(500)
            ]
        );
        assert_eq!(q.take(Route::ListRuns), None);
    }

    #[test]
    fn retry_after_dates_are_http_dates() {
        let date = RetryAfter::Date(SystemTime::UNIX_EPOCH).header_value();
        assert_eq!(date, "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(RetryAfter::Seconds(3).header_value(), "3");
    }
}
