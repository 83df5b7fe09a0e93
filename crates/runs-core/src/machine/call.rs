//! One API operation, retries included, as a state machine: [`Call`]; how a transport drives
//! any machine is on [`Machine`].

use alloc::string::String;
use core::time::Duration;

use crate::api_error::ApiError;
use crate::attempt::{Attempts, Next};
use crate::config::{API_VERSION_PATH, Config};
use crate::error::{Delivery, Error, TransportError, TransportErrorKind};
use crate::http::{Method, Request, Response};
use crate::proxy::ProxyEndpoint;
use crate::retry::{Retry, Verdict};
use crate::secret::Secrets;
use crate::trace::event;
use crate::wire::{self, Operation};

/// What a machine wants the transport to do next.
///
/// `R` is what is sent: an API [`Request`] for every API operation, an
/// [`UploadRequest`](crate::transport::UploadRequest) for an upload to object storage.
#[derive(Debug, PartialEq)]
pub enum Action<T, R = Request> {
    /// Send this request, and give up on it after `timeout` (connect to last body byte).
    Send {
        /// The request.
        request: R,
        /// How long this attempt may take.
        timeout: Duration,
    },
    /// Sleep this long, then poll again.
    Sleep(Duration),
    /// Finished, with this output.
    Done(T),
}

/// A state machine that a transport drives.
///
/// `now` is any monotonic time (the elapsed time since the client started, say); machines only
/// compare and subtract it. `R` is the kind of request the machine sends (see [`Action`]).
///
/// # How it works
///
/// Every operation of the SDK (get, start, a page of a listing, a wait) is a [`Machine`]: the
/// transport asks it what to do ([`Machine::poll`]), does it, and reports what happened
/// ([`Machine::handle_response`] or [`Machine::handle_failure`]). The machine answers with an
/// [`Action`]: send this request within this timeout, sleep this long, or done. A transport is
/// therefore one loop ([`drive!`](crate::transport::drive)) around its own `send` and `sleep`; everything
/// else (status codes, retries, deadlines, decoding) is decided here, where tests can script it.
///
/// ```
/// use std::time::Duration;
/// use runs_core::transport::{Action, Call, GetRun, Machine, Response};
/// use runs_core::Config;
///
/// let config = Config::builder().api_key("k").base_url("http://127.0.0.1:1/v2").build()?;
/// let mut call = Call::new(&config, GetRun("run-1".parse()?), 7);
/// let now = Duration::ZERO;
/// let Action::Send { request, .. } = call.poll(now) else { unreachable!() };
/// assert_eq!(request.url(), "http://127.0.0.1:1/v2/runs/run-1");
/// call.handle_response(now, Response { status: 503, headers: &[("retry-after", "1")], body: b"" });
/// assert!(matches!(call.poll(now), Action::Sleep(d) if d == Duration::from_secs(1)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait Machine<R = Request> {
    /// What the machine produces when done.
    type Output;
    /// What to do next.
    fn poll(&mut self, now: Duration) -> Action<Self::Output, R>;
    /// The whole response to the last request sent.
    fn handle_response(&mut self, now: Duration, response: Response<'_>);
    /// As [`handle_response`](Machine::handle_response), with the wall-clock time it arrived
    /// at as time since the Unix epoch (`SystemTime::now().duration_since(UNIX_EPOCH)`): it
    /// measures a `Retry-After` date sent without a `Date` header, which is otherwise ignored.
    /// The machine still reads no clock; a transport that has one passes it here.
    ///
    /// The default ignores the time. A machine that wraps others forwards it to them.
    fn handle_response_at(&mut self, now: Duration, unix_time: Duration, response: Response<'_>) {
        let _ = unix_time;
        self.handle_response(now, response);
    }
    /// The last request failed below HTTP.
    fn handle_failure(&mut self, now: Duration, error: TransportError);
}

/// Drives a [`Machine`] to completion with a transport's own `send` and `sleep`, blocking or
/// async: the one loop every transport runs.
///
/// `send(request, timeout)` must evaluate to `Result<R, TransportError>` where `R` implements
/// [`AsResponse`](crate::transport::AsResponse); in an async function it may `.await`. `now` is read once
/// before the first poll and once after each `send` or `sleep` returns: that time is given to
/// the machine with what came back and to its next poll (nothing happens between the two). An
/// optional `wall = expr` after `now` gives the wall clock (time since the Unix epoch) a
/// response arrived at, for [`Machine::handle_response_at`]; it is read only for a status of
/// 400 or more, the only responses a `Retry-After` date can delay a retry after, and any other
/// goes to [`Machine::handle_response`].
///
/// ```
/// use std::time::Duration;
/// use runs_core::transport::{drive, Call, GetRun, Response};
/// use runs_core::{Config, TransportError};
///
/// let config = Config::builder().api_key("k").base_url("http://127.0.0.1:1/v2").build()?;
/// let mut call = Call::new(&config, GetRun("run-1".parse()?), 0);
/// let body = br#"{"id":"run-1","name":"n","agent_id":"a","process_id":"p","stage":"Draft",
///     "status":"Running","created_at":"2021-01-01T12:00:00"}"#;
/// let run = drive!(
///     call,
///     now = Duration::ZERO,
///     send(_request, _timeout) => Ok::<_, TransportError>(Response { status: 200, headers: &[("a", "b")], body }),
///     sleep(_d) => ()
/// )?;
/// assert_eq!(run.id.as_str(), "run-1");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[doc(hidden)]
#[macro_export]
macro_rules! __drive {
    ($machine:expr, now = $now:expr, send($req:pat_param, $timeout:pat_param) => $send:expr, sleep($delay:pat_param) => $sleep:expr $(,)?) => {
        $crate::__drive!(@loop $machine, $now, |machine, response, now| $crate::transport::Machine::handle_response(
            machine,
            now,
            $crate::transport::AsResponse::as_response(&response),
        ), $req, $timeout, $send, $delay, $sleep)
    };
    ($machine:expr, now = $now:expr, wall = $wall:expr, send($req:pat_param, $timeout:pat_param) => $send:expr, sleep($delay:pat_param) => $sleep:expr $(,)?) => {
        $crate::__drive!(@loop $machine, $now, |machine, response, now| {
            let response = $crate::transport::AsResponse::as_response(&response);
            // Only a status that may be retried can have its retry put off by a `Retry-After`
            // date; the wall clock measures nothing else.
            if response.status >= 400 {
                $crate::transport::Machine::handle_response_at(machine, now, $wall, response)
            } else {
                $crate::transport::Machine::handle_response(machine, now, response)
            }
        }, $req, $timeout, $send, $delay, $sleep)
    };
    (@loop $machine:expr, $now:expr, |$m:ident, $response:ident, $t:ident| $handle:expr, $req:pat_param, $timeout:pat_param, $send:expr, $delay:pat_param, $sleep:expr) => {{
        let $m = &mut $machine;
        let mut $t = $now;
        loop {
            match $crate::transport::Machine::poll($m, $t) {
                $crate::transport::Action::Send {
                    request: $req,
                    timeout: $timeout,
                } => {
                    let sent = $send;
                    $t = $now;
                    match sent {
                        ::core::result::Result::Ok($response) => $handle,
                        ::core::result::Result::Err(error) => {
                            $crate::transport::Machine::handle_failure($m, $t, error)
                        }
                    }
                }
                // A caller's `sleep` may never return (`unreachable!()` where a test scripts
                // no retry); the clock read after it is then dead code, and that is fine.
                #[allow(unreachable_code)]
                $crate::transport::Action::Sleep($delay) => {
                    $sleep;
                    $t = $now;
                }
                $crate::transport::Action::Done(output) => break output,
            }
        }
    }};
}

/// The most same-origin redirects a `GET` follows.
const MAX_REDIRECTS: u8 = 5;

/// One operation with retries: a [`Machine`] whose output is the operation's result.
#[derive(Debug)]
pub struct Call<O: Operation> {
    request: Request,
    // The request URL starts with the base URL, so its origin is a prefix of it: kept as a
    // length rather than a second string allocated per call.
    origin_len: usize,
    attempts: Attempts<O::Output>,
    request_timeout: Duration,
    redirects: u8,
    secrets: Secrets,
    /// The proxy the connection plan sends this call's requests through (redirects stay on
    /// the origin, so it is one for every attempt), for failures to name when they are its.
    proxy: Option<ProxyEndpoint>,
    /// Whether the base URL's path does not end in the API's version, `/v2`, so that a 404
    /// may be the URL's fault rather than the ids'.
    unversioned_base_url: bool,
    /// When the attempt in flight was sent, for the trace's `elapsed_ms`.
    #[cfg_attr(not(feature = "tracing"), allow(dead_code))]
    sent_at: Duration,
}

impl<O: Operation> Call<O> {
    /// The operation `op` under `config`, its jitter seeded with `seed`.
    pub fn new(config: &Config, op: O, seed: u64) -> Self {
        Self::with_deadline(config, op, config.deadline, seed)
    }

    /// As [`Call::new`], with a deadline other than the config's (a wait's remaining time).
    pub fn with_deadline(config: &Config, op: O, deadline: Duration, seed: u64) -> Self {
        Self::for_request(config, op.request(config), deadline, seed)
    }

    /// The call that sends `request`, which must be `O`'s request under `config`.
    pub(crate) fn for_request(config: &Config, request: Request, deadline: Duration, seed: u64) -> Self {
        let retry = Retry::new(config.retry.clone(), request.method(), deadline, seed);
        let base = &config.base_url;
        let proxy = config
            .connection
            .proxy_for(base.is_https(), base.host(), base.port())
            .cloned();
        Self {
            request,
            origin_len: config.base_url.origin().len(),
            attempts: Attempts::new(retry),
            request_timeout: config.request_timeout,
            redirects: 0,
            secrets: config.secrets.clone(),
            proxy,
            unversioned_base_url: !base.as_str().ends_with(API_VERSION_PATH),
            sent_at: Duration::ZERO,
        }
    }

    /// The request this call sends.
    pub fn request(&self) -> &Request {
        &self.request
    }

    fn follow_redirect(&mut self, location: Option<&str>) -> Result<(), Error> {
        let origin = &self.request.url()[..self.origin_len];
        let refuse = |why: &str| {
            Error::Transport(TransportError::new(
                TransportErrorKind::Redirect,
                Delivery::MaybeSent,
                alloc::format!("{} was redirected {why}", self.request.describe()),
            ))
        };
        let location = location.ok_or_else(|| refuse("with no Location"))?;
        if self.request.method() != Method::Get {
            return Err(refuse("and a POST is never re-sent"));
        }
        let target = if location.starts_with('/') && !location.starts_with("//") {
            alloc::format!("{origin}{location}")
        } else if location.starts_with(origin) && location[origin.len()..].starts_with('/') {
            location.into()
        } else {
            // The key would follow the request to whoever the Location names.
            return Err(refuse(&alloc::format!(
                "to another origin ({}); not followed so the API key stays with {origin}",
                location.chars().take(100).collect::<String>(),
            )));
        };
        if self.redirects >= MAX_REDIRECTS {
            return Err(refuse("too many times"));
        }
        self.redirects += 1;
        self.request.set_url(target);
        Ok(())
    }
    /// Reads a response, `unix_time` measuring a `Retry-After` date without `Date`. Every
    /// piece of server text that can reach an error is scrubbed of the configured secrets.
    fn respond(&mut self, now: Duration, unix_time: Option<Duration>, response: Response<'_>) {
        let status = response.status;
        event!(
            info,
            {
                http.request.method = self.request.method().as_str(),
                url.path = crate::trace::path(self.request.url(), self.origin_len),
                attempt = self.attempts.retry.attempts(),
                http.response.status_code = status,
                elapsed_ms = crate::trace::millis(now.saturating_sub(self.sent_at)),
                // Server text: Debug-quoted, so no control character reaches a log as it is.
                request_id = wire::request_id(response.headers)
                    .map(|id| ::tracing::field::debug(self.secrets.scrub(id))),
            },
            "response"
        );
        if (300..400).contains(&status) && status != 304 {
            let location = response
                .headers
                .header("location")
                .map(|l| self.secrets.scrub(l).into_owned());
            match self.follow_redirect(location.as_deref()) {
                Ok(()) => self.attempts.send_again(),
                Err(e) => self.attempts.finish(Err(e)),
            }
            return;
        }
        if (200..300).contains(&status) {
            let result = O::decode(response, &self.secrets);
            self.attempts.finish(result);
            return;
        }
        if let Some(answer) = O::answer_error(&response, &self.secrets) {
            self.attempts.finish(Ok(answer));
            return;
        }
        let error = Error::Api(
            ApiError::from_response_scrubbed(
                status,
                wire::request_id(response.headers),
                response.body,
                &self.secrets,
            )
            .with_retry_after(crate::retry::retry_after_at(response.headers, unix_time))
            .with_unversioned_base_url(self.unversioned_base_url),
        );
        match self
            .attempts
            .retry
            .after_status_at(now, unix_time, status, response.headers)
        {
            Verdict::RetryAfter(d) => {
                event!(
                    info,
                    {
                        retry.reason = "status",
                        http.response.status_code = status,
                        retry.delay_ms = crate::trace::millis(d),
                        retry.basis = crate::trace::basis(crate::retry::retry_after_at(response.headers, unix_time)),
                        http.request.resend_count = self.attempts.retry.attempts(),
                    },
                    "retrying"
                );
                self.attempts.sleep(now, d, error);
            }
            Verdict::Stop(reason) => {
                event!(
                    debug,
                    {
                        reason = ?reason,
                    },
                    "not retrying"
                );
                self.attempts.stop(reason, error)
            }
        }
    }
}

impl<O: Operation> Machine for Call<O> {
    type Output = Result<O::Output, Error>;

    fn poll(&mut self, now: Duration) -> Action<Self::Output> {
        match self.attempts.poll(
            now,
            "call",
            "was polled again after it finished; start a new call",
        ) {
            Next::Send { left } => {
                self.sent_at = now;
                event!(
                    debug,
                    {
                        http.request.method = self.request.method().as_str(),
                        url.path = crate::trace::path(self.request.url(), self.origin_len),
                        attempt = self.attempts.retry.attempts(),
                    },
                    "sending"
                );
                Action::Send {
                    request: self.request.clone(),
                    timeout: self.request_timeout.min(left),
                }
            }
            Next::Sleep(delay) => Action::Sleep(delay),
            Next::Done(result) => Action::Done(result),
        }
    }

    fn handle_response(&mut self, now: Duration, response: Response<'_>) {
        self.respond(now, None, response);
    }

    fn handle_response_at(&mut self, now: Duration, unix_time: Duration, response: Response<'_>) {
        self.respond(now, Some(unix_time), response);
    }

    fn handle_failure(&mut self, now: Duration, error: TransportError) {
        let error = match &self.proxy {
            Some(proxy) => error.at_proxy(proxy),
            None => error,
        };
        event!(
            warn,
            {
                http.request.method = self.request.method().as_str(),
                url.path = crate::trace::path(self.request.url(), self.origin_len),
                attempt = self.attempts.retry.attempts(),
                error.type = ?error.kind(),
                delivery = ?error.delivery(),
                elapsed_ms = crate::trace::millis(now.saturating_sub(self.sent_at)),
            },
            "request failed"
        );
        // Read only by the trace (compiled out without the `tracing` feature).
        let _kind = error.kind();
        if let Some(_delay) = self.attempts.fail(now, error) {
            event!(
                info,
                {
                    retry.reason = "transport",
                    error.type = ?_kind,
                    retry.delay_ms = crate::trace::millis(_delay),
                    retry.basis = "backoff",
                    http.request.resend_count = self.attempts.retry.attempts(),
                },
                "retrying"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use alloc::vec::Vec;
    use core::time::Duration;

    use crate::transport::{Call, GetRun, Response};
    use crate::{Config, TransportError};

    const RUN: &[u8] = br#"{"id":"run-1","name":"n","agent_id":"a","process_id":"p","stage":"Draft","status":"Running","created_at":"2021-01-01T12:00:00"}"#;

    #[test]
    fn drive_reads_the_wall_clock_only_for_a_response_a_retry_after_date_can_delay() {
        let config = Config::builder()
            .api_key("k")
            .base_url("http://127.0.0.1:1/v2")
            .build()
            .unwrap();
        let mut call = Call::new(&config, GetRun("run-1".parse().unwrap()), 0);
        // 06 Nov 1994 08:49:37 GMT, three seconds before the date the 503 names.
        let wall = Duration::from_secs(784_111_777);
        let (mut walls, mut sleeps, mut sent, mut clock) = (0, Vec::new(), 0, Duration::ZERO);
        let run = crate::__drive!(
            call,
            now = clock,
            wall = {
                walls += 1;
                wall
            },
            send(_request, _timeout) => {
                sent += 1;
                Ok::<_, TransportError>(match sent {
                    1 => Response { status: 503, headers: &[("retry-after", "Sun, 06 Nov 1994 08:49:40 GMT")], body: b"" },
                    _ => Response { status: 200, headers: &[], body: RUN },
                })
            },
            sleep(d) => {
                sleeps.push(d);
                clock += d;
            },
        )
        .unwrap();
        assert_eq!(run.id.as_str(), "run-1");
        assert_eq!(
            sleeps,
            [Duration::from_secs(3)],
            "the date was measured against the wall clock"
        );
        assert_eq!(walls, 1, "read for the 503 only, not for the 200");
    }

    /// A call under a configuration whose plan sends everything through a proxy, driven
    /// with each attempt failing as `fail` says; the error and the number of attempts.
    fn through_proxy(fail: crate::TransportErrorKind) -> (crate::Error, u32) {
        let config = Config::builder()
            .api_key("k")
            .base_url("https://api.example/v2")
            .proxy(crate::Proxy::Url("http://user:hunter22@proxy.corp:3128".into()))
            .build()
            .unwrap();
        let mut call = Call::new(&config, GetRun("run-1".parse().unwrap()), 0);
        let (mut sent, mut clock) = (0, Duration::ZERO);
        let error = crate::__drive!(
            call,
            now = clock,
            send(request, _timeout) => {
                sent += 1;
                Err::<Response<'_>, _>(TransportError::new(fail, crate::Delivery::NotSent, request.describe()))
            },
            sleep(d) => clock += d,
        )
        .unwrap_err();
        (error, sent)
    }

    #[test]
    fn credentials_the_proxy_refused_are_reported_once_naming_the_proxy() {
        let (error, sent) = through_proxy(crate::TransportErrorKind::ProxyAuth);
        assert_eq!(sent, 1, "a 407 is not retried");
        assert!(!error.is_retryable());
        assert_eq!(
            error.to_string(),
            "the proxy proxy.corp:3128 refused the credentials (for GET https://api.example/v2/runs/run-1); \
             check the user name and password in the proxy URL"
        );
        assert!(!alloc::format!("{error:?}").contains("hunter22"));
    }

    #[test]
    fn a_proxy_that_cannot_be_reached_is_named_and_retried_as_a_refused_connection_is() {
        let (error, sent) = through_proxy(crate::TransportErrorKind::Connect);
        assert_eq!(sent, 4, "the default policy's attempts");
        let crate::Error::Transport(error) = error else {
            panic!("{error:?}")
        };
        assert_eq!(error.kind(), crate::TransportErrorKind::Proxy);
        assert_eq!(
            error.to_string(),
            "could not connect to the proxy proxy.corp:3128 (for GET https://api.example/v2/runs/run-1)"
        );
    }
}
