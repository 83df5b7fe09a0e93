//! The wire format: each operation's request and decoding ([`Operation`]).

pub(crate) mod api_error;
pub(crate) mod body;
pub(crate) mod http;
pub(crate) mod json;
#[cfg(feature = "http")]
pub(crate) mod origin;

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};
use serde::de::DeserializeOwned;

use crate::api_error::ApiError;
use crate::call::Call;
use crate::config::Config;
use crate::error::{DecodeError, Error};
use crate::file::{CreateFile, FileResource};
use crate::health::{GetHealth, Health};
use crate::http::{API_KEY_HEADER, HeaderSource, Headers as RequestHeaders, Method, Request, Response};
use crate::id::RunId;
use crate::list::ListRuns;
use crate::page::{ProcessPage, RunPage};
use crate::process::{GetProcess, ListProcessesPage, Process};
use crate::run::Run;
use crate::secret::Secrets;
use crate::start::StartRun;

/// Everything but RFC 3986's unreserved characters is escaped in query values, so a token
/// holding `+`, `&`, `=` or `%` arrives as it was sent.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Headers that carry a request id, in the order they are looked for.
const REQUEST_ID_HEADERS: [&str; 3] = ["x-request-id", "x-amzn-requestid", "x-correlation-id"];

/// One API operation: how to ask, and what a success decodes into.
///
/// # How it works
///
/// Encoding operations into [`Request`]s and decoding [`Response`]s into typed results.
///
/// This is the whole of the API's wire format, in one place and free of I/O: paths, query
/// strings, headers, bodies, status handling. Every decoder takes arbitrary bytes and returns a
/// typed value or a typed error; none panics, which `fuzz/` checks continuously.
pub trait Operation {
    /// What a success decodes into.
    type Output;
    /// What the output is called in errors (`run`, `run page`).
    const WHAT: &'static str;
    /// The request for this operation under `config`.
    fn request(&self, config: &Config) -> Request;
    /// Decodes a success (a 2xx), any server text reaching an error first scrubbed of
    /// `secrets`. Never panics, whatever the bytes.
    fn decode(response: Response<'_>, secrets: &Secrets) -> Result<Self::Output, Error>;
    /// A response other than a 2xx that this operation reads as its answer rather than as an
    /// error to report or retry (a health check reads a 5xx as "not up"), any server text in
    /// it scrubbed of `secrets` as [`decode`](Self::decode) does. The default, `None`, leaves
    /// every such status to the usual error handling and retries.
    fn answer_error(response: &Response<'_>, secrets: &Secrets) -> Option<Self::Output> {
        let _ = (response, secrets);
        None
    }
}

/// `GET /runs/{run_id}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetRun(pub RunId);

/// `GET /runs?…`: one page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListPage(pub ListRuns);

/// `POST /runs`: start the run a [`StartRun`] describes.
#[derive(Debug, Clone, PartialEq)]
pub struct PostRun(pub StartRun);

/// `POST /files`: the upload target for a [`CreateFile`]; the first step of an upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostFile(pub CreateFile);

impl Operation for GetRun {
    type Output = Run;
    const WHAT: &'static str = "run";
    fn decode(response: Response<'_>, secrets: &Secrets) -> Result<Run, Error> {
        decode_read(Self::WHAT, response, secrets, Run::read)
    }
    fn request(&self, config: &Config) -> Request {
        get_run_request(config, &self.0)
    }
}

fn get_run_request(config: &Config, run_id: &RunId) -> Request {
    // A RunId holds only unreserved characters, so it needs no escaping in a path.
    let base = config.base_url.as_str();
    let mut url = String::with_capacity(base.len() + 6 + run_id.as_str().len());
    url.push_str(base);
    url.push_str("/runs/");
    url.push_str(run_id.as_str());
    Request::new(Method::Get, url, headers(config, false), Vec::new())
}

/// The call of `get_run(run_id)`, as `Call::new(config, GetRun(run_id.clone()), seed)` without
/// the copy of the id a `GetRun` would own only to make the request (~200 instructions of each
/// call, an allocation among them). For the transports' shared surface.
pub fn get_run_call(config: &Config, run_id: &RunId, seed: u64) -> Call<GetRun> {
    Call::for_request(config, get_run_request(config, run_id), config.deadline, seed)
}

impl Operation for ListPage {
    type Output = RunPage;
    const WHAT: &'static str = "run page";
    fn decode(response: Response<'_>, secrets: &Secrets) -> Result<RunPage, Error> {
        decode_read(Self::WHAT, response, secrets, RunPage::read)
    }
    fn request(&self, config: &Config) -> Request {
        let q = &self.0;
        let mut url = String::with_capacity(config.base_url.as_str().len() + 96);
        url.push_str(config.base_url.as_str());
        url.push_str("/runs?agent_id=");
        url.push_str(q.agent_id().as_str());
        url.push_str("&process_id=");
        url.push_str(q.process_id().as_str());
        if let Some(limit) = q.limit() {
            url.push_str("&limit=");
            push_u8(&mut url, limit);
        }
        if let Some(stage) = q.stage() {
            url.push_str("&stage=");
            url.push_str(stage.as_str());
        }
        if let Some(token) = q.continuation_token() {
            url.push_str("&continuation_token=");
            url.extend(percent_encoding::utf8_percent_encode(token, QUERY_VALUE));
        }
        Request::new(Method::Get, url, headers(config, false), Vec::new())
    }
}

impl Operation for PostRun {
    type Output = Run;
    const WHAT: &'static str = "run";
    fn decode(response: Response<'_>, secrets: &Secrets) -> Result<Run, Error> {
        decode_read(Self::WHAT, response, secrets, Run::read)
    }
    fn request(&self, config: &Config) -> Request {
        let url = alloc::format!("{}/runs", config.base_url.as_str());
        Request::new(Method::Post, url, headers(config, true), self.0.wire_body())
    }
}

impl Operation for PostFile {
    type Output = FileResource;
    const WHAT: &'static str = "file target";
    fn request(&self, config: &Config) -> Request {
        let url = alloc::format!("{}/files", config.base_url.as_str());
        // Serialising two plain strings to a Vec cannot fail.
        let body = serde_json::to_vec(&self.0).unwrap_or_default();
        Request::new(Method::Post, url, headers(config, true), body)
    }
    fn decode(response: Response<'_>, secrets: &Secrets) -> Result<FileResource, Error> {
        decode_scrubbed(Self::WHAT, response, secrets)
    }
}

impl Operation for ListProcessesPage {
    type Output = ProcessPage;
    const WHAT: &'static str = "process page";
    fn request(&self, config: &Config) -> Request {
        let q = &self.0;
        let mut url = String::with_capacity(config.base_url.as_str().len() + 64);
        url.push_str(config.base_url.as_str());
        url.push_str("/processes?agent_id=");
        url.push_str(q.agent_id().as_str());
        if let Some(limit) = q.limit() {
            url.push_str("&limit=");
            push_u8(&mut url, limit);
        }
        if let Some(token) = q.continuation_token() {
            url.push_str("&continuation_token=");
            url.extend(percent_encoding::utf8_percent_encode(token, QUERY_VALUE));
        }
        Request::new(Method::Get, url, headers(config, false), Vec::new())
    }
    fn decode(response: Response<'_>, secrets: &Secrets) -> Result<ProcessPage, Error> {
        decode_scrubbed(Self::WHAT, response, secrets)
    }
}

impl Operation for GetProcess {
    type Output = Process;
    const WHAT: &'static str = "process";
    fn request(&self, config: &Config) -> Request {
        // Ids hold only unreserved characters: no escaping needed in a path or a query.
        let url = alloc::format!(
            "{}/processes/{}?agent_id={}",
            config.base_url.as_str(),
            self.process_id.as_str(),
            self.agent_id.as_str()
        );
        Request::new(Method::Get, url, headers(config, false), Vec::new())
    }
    fn decode(response: Response<'_>, secrets: &Secrets) -> Result<Process, Error> {
        decode_scrubbed(Self::WHAT, response, secrets)
    }
}

impl Operation for GetHealth {
    type Output = Health;
    const WHAT: &'static str = "health";
    fn request(&self, config: &Config) -> Request {
        // The key is sent as on every request (spec: decided).
        let url = alloc::format!("{}/health", config.base_url.as_str());
        Request::new(Method::Get, url, headers(config, false), Vec::new())
    }
    fn decode(response: Response<'_>, secrets: &Secrets) -> Result<Health, Error> {
        Ok(Health::from_answer(response.status, response.body, secrets))
    }
    fn answer_error(response: &Response<'_>, secrets: &Secrets) -> Option<Health> {
        (500..600)
            .contains(&response.status)
            .then(|| Health::from_answer(response.status, response.body, secrets))
    }
}

fn push_u8(s: &mut String, n: u8) {
    if n >= 100 {
        s.push(char::from(b'0' + n / 100));
    }
    if n >= 10 {
        s.push(char::from(b'0' + n / 10 % 10));
    }
    s.push(char::from(b'0' + n % 10));
}

fn headers(config: &Config, json_body: bool) -> Arc<RequestHeaders> {
    if json_body {
        config.headers.post.clone()
    } else {
        config.headers.get.clone()
    }
}

/// The headers of every request under one configuration, made once when it is built.
#[derive(Clone)]
pub(crate) struct Headers {
    get: Arc<RequestHeaders>,
    post: Arc<RequestHeaders>,
}

impl Headers {
    /// For requests to `origin` (`scheme://host[:port]`).
    pub(crate) fn new(api_key: &str, user_agent: &str, origin: &str) -> Self {
        let get = alloc::vec![
            (API_KEY_HEADER, String::from(api_key)),
            ("accept", String::from("application/json")),
            ("user-agent", String::from(user_agent)),
        ];
        let mut post = get.clone();
        post.push(("content-type", String::from("application/json")));
        Self {
            get: Arc::new(RequestHeaders::new(get, origin)),
            post: Arc::new(RequestHeaders::new(post, origin)),
        }
    }
}

/// The request id a response carries, if any.
pub fn request_id(headers: &dyn HeaderSource) -> Option<&str> {
    REQUEST_ID_HEADERS.iter().find_map(|n| headers.header(n))
}

/// Decodes a whole response into `T` (any 2xx) or the API's error (anything else), every
/// piece of server text that reaches an error first scrubbed of `secrets`.
///
/// Never panics, whatever the status, headers or bytes.
pub fn decode_scrubbed<T: DeserializeOwned>(
    what: &'static str,
    response: Response<'_>,
    secrets: &Secrets,
) -> Result<T, Error> {
    decode_with(
        what,
        response,
        secrets,
        serde_json::from_slice,
        serde_json::Error::is_eof,
    )
}

/// [`decode_scrubbed`] for the shapes read without serde (a run, a page of runs: see
/// [`json`](crate::json)), by `read`.
fn decode_read<T>(
    what: &'static str,
    response: Response<'_>,
    secrets: &Secrets,
    read: for<'a> fn(&mut crate::json::Reader<'a>) -> Result<T, crate::json::Error>,
) -> Result<T, Error> {
    let decode = |body: &[u8]| crate::json::read_document(body, read);
    decode_with(what, response, secrets, decode, crate::json::Error::is_eof)
}

/// A 2xx decoded by `decode` (whose error is a truncation when `truncated` says so), anything
/// else read as the API's error.
fn decode_with<'b, T, E: core::fmt::Display>(
    what: &'static str,
    response: Response<'b>,
    secrets: &Secrets,
    decode: impl FnOnce(&'b [u8]) -> Result<T, E>,
    truncated: fn(&E) -> bool,
) -> Result<T, Error> {
    if (200..300).contains(&response.status) {
        decode(response.body).map_err(|e| {
            Error::Decode(DecodeError::scrubbed(
                what,
                response.status,
                &e,
                truncated(&e),
                secrets,
            ))
        })
    } else {
        Err(Error::Api(ApiError::from_response_scrubbed(
            response.status,
            request_id(response.headers),
            response.body,
            secrets,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn config() -> Config {
        Config::builder()
            .api_key("sk-test")
            .base_url("http://127.0.0.1:4000/v2")
            .build()
            .unwrap()
    }

    #[test]
    fn tokens_are_percent_encoded() {
        let q = ListRuns::new("a".parse().unwrap(), "p".parse().unwrap())
            .with_continuation_token("a+b/c=d&e%f g~");
        let r = ListPage(q).request(&config());
        assert_eq!(
            r.url(),
            "http://127.0.0.1:4000/v2/runs?agent_id=a&process_id=p&continuation_token=a%2Bb%2Fc%3Dd%26e%25f%20g~"
        );
    }

    #[test]
    fn limits_are_written_in_decimal() {
        for n in [1u64, 9, 10, 99, 100] {
            let q = ListRuns::new("a".parse().unwrap(), "p".parse().unwrap())
                .with_limit(n)
                .unwrap();
            let url = String::from(ListPage(q).request(&config()).url());
            assert!(url.ends_with(&alloc::format!("limit={n}")), "{url}");
        }
    }

    #[test]
    fn a_2xx_that_is_not_json_is_a_decode_error_and_a_4xx_is_an_api_error() {
        let headers: [(&str, &str); 1] = [("X-Request-Id", "r-1")];
        let r = Response {
            status: 200,
            headers: &headers,
            body: b"{\"id\":",
        };
        match GetRun::decode(r, &Secrets::default()) {
            Err(Error::Decode(e)) => assert!(e.is_truncated()),
            other => panic!("{other:?}"),
        }
        let r = Response {
            status: 404,
            headers: &headers,
            body: b"{\"message\":\"no such run\"}",
        };
        match GetRun::decode(r, &Secrets::default()) {
            Err(Error::Api(e)) => assert_eq!((e.status(), e.request_id()), (404, Some("r-1"))),
            other => panic!("{other:?}"),
        }
    }
}
