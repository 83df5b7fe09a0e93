//! Transport-neutral HTTP messages: what runs-core asks a transport to send, and what it reads
//! back.
//!
//! These are deliberately plain (a method, a URL string, header pairs, body bytes) so that any
//! HTTP stack can carry them, including one on a microcontroller. With the `http` feature they
//! convert to and from the `http` crate's types, which both bundled transports use.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;

/// The methods the Runs API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
    /// `GET`: reads, safe to repeat.
    Get,
    /// `POST`: starts a run; repeating it starts another.
    Post,
}

impl Method {
    /// The method's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }

    /// Whether sending the request twice has the effect of sending it once.
    pub fn is_idempotent(self) -> bool {
        matches!(self, Method::Get)
    }
}

/// The header carrying the API key.
pub const API_KEY_HEADER: &str = "x-api-key";

/// A request for a transport to send.
///
/// `Debug` redacts the API key, so a request can be logged as it is.
#[derive(Clone, PartialEq, Eq)]
pub struct Request {
    method: Method,
    url: String,
    // Shared with the config that made them: they are the same for every request, so a request
    // (and each retry's copy of it) does not allocate them again.
    headers: Arc<[(&'static str, String)]>,
    body: Vec<u8>,
}

impl Request {
    pub(crate) fn new(
        method: Method,
        url: String,
        headers: Arc<[(&'static str, String)]>,
        body: Vec<u8>,
    ) -> Self {
        Self {
            method,
            url,
            headers,
            body,
        }
    }

    pub(crate) fn set_url(&mut self, url: String) {
        self.url = url;
    }

    /// The method.
    pub fn method(&self) -> Method {
        self.method
    }

    /// The absolute URL, query included, every value percent-encoded.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The headers, names in lowercase. One of them is the API key: never log these values.
    pub fn headers(&self) -> &[(&'static str, String)] {
        &self.headers
    }

    /// The value of header `name` (lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body (empty for `GET`).
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// `METHOD URL`, for errors and logs: no headers, so no key.
    pub fn describe(&self) -> String {
        alloc::format!("{} {}", self.method.as_str(), self.url)
    }

    /// Takes the parts, for a transport that builds its own request type.
    pub fn into_parts(self) -> (Method, String, Vec<(&'static str, String)>, Vec<u8>) {
        (self.method, self.url, self.headers.to_vec(), self.body)
    }
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Headers<'a>(&'a [(&'static str, String)]);
        impl fmt::Debug for Headers<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_map()
                    .entries(self.0.iter().map(|(n, v)| {
                        (
                            n,
                            if *n == API_KEY_HEADER {
                                "<redacted>"
                            } else {
                                v.as_str()
                            },
                        )
                    }))
                    .finish()
            }
        }
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &Headers(&self.headers[..]))
            .field("body", &String::from_utf8_lossy(&self.body))
            .finish()
    }
}

/// Reads response headers by name, whatever map a transport keeps them in.
pub trait HeaderSource {
    /// The first value of header `name` (case-insensitive), if it is there and is text.
    fn header(&self, name: &str) -> Option<&str>;
}

impl HeaderSource for [(&str, &str)] {
    fn header(&self, name: &str) -> Option<&str> {
        self.iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
    }
}

impl<const N: usize> HeaderSource for [(&str, &str); N] {
    fn header(&self, name: &str) -> Option<&str> {
        self.as_slice().header(name)
    }
}

impl HeaderSource for Vec<(String, String)> {
    fn header(&self, name: &str) -> Option<&str> {
        self.iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A whole response as a transport received it.
#[derive(Clone, Copy)]
pub struct Response<'a> {
    /// The status code.
    pub status: u16,
    /// The headers.
    pub headers: &'a dyn HeaderSource,
    /// The whole body.
    pub body: &'a [u8],
}

impl fmt::Debug for Response<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

/// A transport's received response, viewed as a [`Response`].
pub trait AsResponse {
    /// The view.
    fn as_response(&self) -> Response<'_>;
}

impl AsResponse for Response<'_> {
    fn as_response(&self) -> Response<'_> {
        *self
    }
}

#[cfg(feature = "http")]
mod http_crate {
    use super::*;

    impl HeaderSource for http::HeaderMap {
        fn header(&self, name: &str) -> Option<&str> {
            self.get(name).and_then(|v| v.to_str().ok())
        }
    }

    impl<B: AsRef<[u8]>> AsResponse for http::Response<B> {
        fn as_response(&self) -> Response<'_> {
            Response {
                status: self.status().as_u16(),
                headers: self.headers(),
                body: self.body().as_ref(),
            }
        }
    }

    const X_API_KEY: http::HeaderName = http::HeaderName::from_static(API_KEY_HEADER);

    fn header_name(name: &'static str) -> Result<http::HeaderName, http::Error> {
        Ok(match name {
            API_KEY_HEADER => X_API_KEY,
            "accept" => http::header::ACCEPT,
            "user-agent" => http::header::USER_AGENT,
            "content-type" => http::header::CONTENT_TYPE,
            other => http::HeaderName::try_from(other)?,
        })
    }

    impl Request {
        /// The request as an `http::Request`, its body mapped by `body` (to `Bytes`, say).
        pub fn into_http<B>(self, body: impl FnOnce(Vec<u8>) -> B) -> Result<http::Request<B>, http::Error> {
            // Built part by part from constants rather than through `http::Request::builder()`,
            // which parses the method and each header name again on every request.
            let mut request = http::Request::new(body(self.body));
            *request.method_mut() = match self.method {
                Method::Get => http::Method::GET,
                Method::Post => http::Method::POST,
            };
            *request.uri_mut() = http::Uri::try_from(self.url)?;
            let headers = request.headers_mut();
            headers.reserve(self.headers.len());
            for &(name, ref value) in self.headers.iter() {
                let mut value = http::HeaderValue::try_from(value.as_str())?;
                // Marked sensitive, the key stays out of HPACK tables and `Debug` output.
                value.set_sensitive(name == API_KEY_HEADER);
                headers.append(header_name(name)?, value);
            }
            Ok(request)
        }
    }
}

#[cfg(all(test, feature = "http"))]
mod tests {
    use crate::{Config, Operation, ProcessStage, StartRun};

    #[test]
    fn a_request_converts_to_http_with_the_key_marked_sensitive() {
        let config = Config::builder()
            .api_key("sk-1")
            .base_url("https://api.test/v2")
            .build()
            .unwrap();
        let start = StartRun::builder()
            .agent_id("a")
            .process_id("p")
            .name("n")
            .stage(ProcessStage::Draft)
            .build()
            .unwrap();
        let request = start.request(&config).into_http(|b| b).unwrap();
        assert_eq!(request.method(), http::Method::POST);
        assert_eq!(request.uri(), "https://api.test/v2/runs");
        let key = &request.headers()["x-api-key"];
        assert!(key.is_sensitive());
        assert_eq!(key, "sk-1");
        assert_eq!(request.headers()["content-type"], "application/json");
        assert!(!request.headers()["user-agent"].is_sensitive());
        assert!(!format!("{request:?}").contains("sk-1"));
    }
}
