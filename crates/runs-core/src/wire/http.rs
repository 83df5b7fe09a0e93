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

/// The headers of every request of one kind under one configuration, and the origin they are
/// sent to, made once when it is built and shared by every request (and each retry's copy of
/// one).
#[derive(PartialEq, Eq)]
pub(crate) struct Headers {
    pairs: Vec<(&'static str, String)>,
    /// The same headers as the `http` crate's map, for [`Request::into_http`] to clone: values
    /// checked and copied once, not on every request (~1,000 instructions of each). `None` if
    /// one is not a valid header value; `into_http` then converts them itself and says which.
    #[cfg(feature = "http")]
    map: Option<http::HeaderMap>,
    /// The base URL's origin, its scheme and authority parsed once, so that `into_http` parses
    /// only the path of a URL under it (~300 instructions of each request). `None` if the
    /// `http` crate does not read the authority; `into_http` then parses the whole URL.
    #[cfg(feature = "http")]
    origin: Option<http_crate::Origin>,
    /// `map` with the origin's `host` appended, last, where hyper-util would append it.
    #[cfg(feature = "http")]
    map_with_host: Option<http::HeaderMap>,
}

impl Headers {
    /// `pairs`, for requests to URLs under `origin` (`scheme://host[:port]`).
    pub(crate) fn new(pairs: Vec<(&'static str, String)>, origin: &str) -> Self {
        #[cfg(not(feature = "http"))]
        let _ = origin;
        #[cfg(feature = "http")]
        let (map, origin) = (
            http_crate::header_map(&pairs).ok(),
            http_crate::Origin::parse(origin),
        );
        Self {
            #[cfg(feature = "http")]
            map_with_host: map.clone().zip(origin.as_ref()).map(|(mut map, origin)| {
                map.append(http::header::HOST, origin.host.clone());
                map
            }),
            #[cfg(feature = "http")]
            map,
            #[cfg(feature = "http")]
            origin,
            pairs,
        }
    }
}

/// A request for a transport to send.
///
/// `Debug` redacts the API key, so a request can be logged as it is.
#[derive(Clone, PartialEq, Eq)]
pub struct Request {
    method: Method,
    url: String,
    // Shared with the config that made them: they are the same for every request, so a request
    // (and each retry's copy of it) does not allocate them again.
    headers: Arc<Headers>,
    body: Vec<u8>,
}

impl Request {
    pub(crate) fn new(method: Method, url: String, headers: Arc<Headers>, body: Vec<u8>) -> Self {
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
        &self.headers.pairs
    }

    /// The value of header `name` (lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .pairs
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
        (self.method, self.url, self.headers.pairs.to_vec(), self.body)
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
            .field("headers", &Headers(&self.headers.pairs))
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
            // `Content-Length` is read on every response: as a constant it is hashed as a
            // known header, where a `&str` is parsed into a header name first.
            let value = if name == "content-length" {
                self.get(http::header::CONTENT_LENGTH)
            } else {
                self.get(name)
            };
            value.and_then(|v| v.to_str().ok())
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
            self.convert(body, false)
        }

        /// As [`into_http`](Self::into_http), with the `host` header in the map, valued as
        /// hyper-util's client values it (the origin's host, and its port unless it is the
        /// scheme's default), which that client then leaves as it is. It would add it
        /// otherwise, to a copy of the prepared map that has no room to spare (its entries are
        /// a `Vec` of their exact length), which then grew, reallocating and copying every
        /// entry, on every request (callgrind: ~570 instructions, more with a port to format).
        /// For a URL not under the base URL's origin (never one runs-core makes) it is
        /// [`into_http`](Self::into_http). For the bundled transports, through
        /// [`__private::into_http_with_host`](crate::__private::into_http_with_host).
        pub(crate) fn into_http_with_host<B>(
            self,
            body: impl FnOnce(Vec<u8>) -> B,
        ) -> Result<http::Request<B>, http::Error> {
            self.convert(body, true)
        }

        fn convert<B>(
            self,
            body: impl FnOnce(Vec<u8>) -> B,
            with_host: bool,
        ) -> Result<http::Request<B>, http::Error> {
            // Built part by part from constants rather than through `http::Request::builder()`,
            // which parses the method and each header name again on every request.
            let mut request = http::Request::new(body(self.body));
            *request.method_mut() = match self.method {
                Method::Get => http::Method::GET,
                Method::Post => http::Method::POST,
            };
            let (uri, under_origin) = match &self.headers.origin {
                Some(origin) => origin.uri(self.url)?,
                None => (http::Uri::try_from(self.url)?, false),
            };
            *request.uri_mut() = uri;
            *request.headers_mut() = match (&self.headers.map_with_host, &self.headers.map) {
                (Some(map), _) if with_host && under_origin => map.clone(),
                (_, Some(map)) => map.clone(),
                (_, None) => header_map(&self.headers.pairs)?,
            };
            Ok(request)
        }
    }

    /// An origin (`scheme://host[:port]`) as the `http` crate's parts, parsed once.
    #[derive(PartialEq, Eq)]
    pub(super) struct Origin {
        text: String,
        scheme: http::uri::Scheme,
        authority: http::uri::Authority,
        /// The `Host` header of a request to it, as hyper-util writes it.
        pub(super) host: http::HeaderValue,
    }

    impl Origin {
        pub(super) fn parse(origin: &str) -> Option<Self> {
            let (scheme, authority) = origin.split_once("://")?;
            let (scheme, default_port) = match scheme {
                "https" => (http::uri::Scheme::HTTPS, 443),
                "http" => (http::uri::Scheme::HTTP, 80),
                _ => return None,
            };
            let authority = http::uri::Authority::try_from(authority).ok()?;
            let host = match authority.port_u16() {
                Some(port) if port != default_port => {
                    http::HeaderValue::try_from(alloc::format!("{}:{port}", authority.host()))
                }
                _ => http::HeaderValue::try_from(authority.host()),
            }
            .ok()?;
            Some(Self {
                text: origin.into(),
                scheme,
                authority,
                host,
            })
        }

        /// `url` as an `http::Uri`, and whether it is under this origin (followed by `/`): if
        /// it is, only its path and query are parsed, in place; any other URL is parsed whole.
        pub(super) fn uri(&self, url: String) -> Result<(http::Uri, bool), http::Error> {
            let under = url
                .strip_prefix(self.text.as_str())
                .is_some_and(|rest| rest.starts_with('/'));
            if !under {
                return Ok((http::Uri::try_from(url)?, false));
            }
            let mut path = bytes::Bytes::from(url);
            bytes::Buf::advance(&mut path, self.text.len());
            let mut parts = http::uri::Parts::default();
            parts.scheme = Some(self.scheme.clone());
            parts.authority = Some(self.authority.clone());
            parts.path_and_query = Some(http::uri::PathAndQuery::from_maybe_shared(path)?);
            Ok((http::Uri::from_parts(parts)?, true))
        }
    }

    /// `pairs` as the `http` crate's map, the key marked sensitive.
    pub(super) fn header_map(pairs: &[(&'static str, String)]) -> Result<http::HeaderMap, http::Error> {
        // No `reserve`: the map's first insert makes room for six headers, and hyper-util adds
        // `host` to these three or four. Reserving exactly three made it grow (reallocate and
        // rehash) on that fourth header, on every request.
        let mut headers = http::HeaderMap::new();
        for &(name, ref value) in pairs {
            let mut value = http::HeaderValue::try_from(value.as_str())?;
            // Marked sensitive, the key stays out of HPACK tables and `Debug` output.
            value.set_sensitive(name == API_KEY_HEADER);
            headers.append(header_name(name)?, value);
        }
        Ok(headers)
    }
}

#[cfg(all(test, feature = "http"))]
mod tests {
    use crate::transport::Operation;
    use crate::{Config, ProcessStage, StartRun};

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
        let request = crate::transport::PostRun(start)
            .request(&config)
            .into_http(|b| b)
            .unwrap();
        assert_eq!(request.method(), http::Method::POST);
        assert_eq!(request.uri(), "https://api.test/v2/runs");
        let key = &request.headers()["x-api-key"];
        assert!(key.is_sensitive());
        assert_eq!(key, "sk-1");
        assert_eq!(request.headers()["content-type"], "application/json");
        assert!(!request.headers()["user-agent"].is_sensitive());
        assert!(!format!("{request:?}").contains("sk-1"));
    }

    #[test]
    fn with_host_the_map_holds_what_hyper_util_would_add_last() {
        for (base, host) in [
            ("https://api.test/v2", "api.test"),
            ("https://api.test:443/v2", "api.test"),
            ("https://api.test:8443/v2", "api.test:8443"),
            ("http://127.0.0.1:8080/v2", "127.0.0.1:8080"),
            ("http://127.0.0.1:80/v2", "127.0.0.1"),
            ("http://[::1]:9/a", "[::1]:9"),
        ] {
            let config = Config::builder().api_key("sk-1").base_url(base).build().unwrap();
            let run = crate::transport::GetRun("r-1".parse().unwrap()).request(&config);
            let mut plain = run.clone().into_http(|b| b).unwrap();
            let with_host = run.into_http_with_host(|b| b).unwrap();
            assert_eq!(plain.uri(), with_host.uri());
            // What hyper-util's client does to a request without `host`.
            let uri = plain.uri().clone();
            let port = match (uri.port_u16(), uri.scheme_str()) {
                (Some(443), Some("https")) | (Some(80), Some("http")) | (None, _) => None,
                (p, _) => p,
            };
            let value = match port {
                Some(p) => format!("{}:{p}", uri.host().unwrap()),
                None => uri.host().unwrap().to_string(),
            };
            assert_eq!(value, host);
            plain
                .headers_mut()
                .append(http::header::HOST, value.parse().unwrap());
            let names = |r: &http::Request<_>| {
                r.headers()
                    .iter()
                    .map(|(k, v)| format!("{k}: {v:?}"))
                    .collect::<Vec<_>>()
            };
            assert_eq!(names(&plain), names(&with_host), "{base}");
            assert!(with_host.headers()["x-api-key"].is_sensitive());
        }
    }

    #[test]
    fn a_url_converts_to_the_same_uri_with_the_origin_parsed_once_or_not() {
        use crate::RunId;
        use crate::transport::GetRun;
        for base in [
            "https://api.test/v2",
            "http://127.0.0.1:8080/v2",
            "http://[::1]:9/a/b",
        ] {
            let config = Config::builder().api_key("k").base_url(base).build().unwrap();
            let origin = super::http_crate::Origin::parse(config.base_url().origin()).unwrap();
            let run: RunId = "r-1".parse().unwrap();
            let mut request = GetRun(run).request(&config);
            let whole = http::Uri::try_from(request.url()).unwrap();
            assert_eq!(request.clone().into_http(|b| b).unwrap().uri(), &whole);
            assert_eq!(origin.uri(request.url().into()).unwrap(), (whole.clone(), true));
            // A URL under another origin (never made by a call) is still parsed whole.
            request.set_url("https://elsewhere.test/x?y=1".into());
            let uri = request.into_http(|b| b).unwrap().uri().clone();
            assert_eq!(uri, "https://elsewhere.test/x?y=1");
        }
    }
}
