//! The origin of a URL a transport connects to, the base URL's or an upload target's: whether
//! it is TLS, the host without IPv6 brackets, the port defaulted by scheme.
//!
//! Decided here once: a transport asks it for the proxy choice, its DNS cache's key and its
//! connector's address alike, so they cannot disagree on `[::1]` against `::1`, on a missing
//! port, or on a scheme that is neither `http` nor `https` (no origin at all).

/// Where a connection to a URL goes: see [`Origin::of`].
///
/// ```
/// use runs_core::transport::Origin;
/// let uri: http::Uri = "https://[::1]/v2/runs".parse()?;
/// let origin = Origin::of(&uri).unwrap();
/// assert_eq!((origin.is_https(), origin.host(), origin.port()), (true, "::1", 443));
/// let ftp: http::Uri = "ftp://files.example/a".parse()?;
/// assert!(Origin::of(&ftp).is_none());
/// # Ok::<(), http::uri::InvalidUri>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin<'a> {
    https: bool,
    host: &'a str,
    port: u16,
}

impl<'a> Origin<'a> {
    /// The origin of `uri`; `None` unless it is an absolute `http` or `https` URI with a host.
    pub fn of(uri: &'a http::Uri) -> Option<Self> {
        let https = match uri.scheme_str()? {
            "https" => true,
            "http" => false,
            _ => return None,
        };
        let host = uri.host().filter(|h| !h.is_empty())?;
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
        Some(Self { https, host, port })
    }

    /// Whether the scheme is `https`.
    pub fn is_https(&self) -> bool {
        self.https
    }

    /// The host: a name, or an IP address (IPv6 without its brackets).
    pub fn host(&self) -> &'a str {
        self.host
    }

    /// The port: the one given, else 443 for `https` and 80 for `http`.
    pub fn port(&self) -> u16 {
        self.port
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin(url: &str) -> Option<(bool, String, u16)> {
        let uri: http::Uri = url.parse().unwrap();
        Origin::of(&uri).map(|o| (o.is_https(), o.host().to_owned(), o.port()))
    }

    #[test]
    fn ports_default_by_scheme_and_brackets_go() {
        assert_eq!(
            origin("https://a.example/v2"),
            Some((true, "a.example".into(), 443))
        );
        assert_eq!(
            origin("http://a.example/v2"),
            Some((false, "a.example".into(), 80))
        );
        assert_eq!(
            origin("HTTPS://a.example:8443/"),
            Some((true, "a.example".into(), 8443))
        );
        assert_eq!(origin("http://[::1]:9/x"), Some((false, "::1".into(), 9)));
        assert_eq!(origin("https://[fe80::1]/x"), Some((true, "fe80::1".into(), 443)));
        assert_eq!(
            origin("http://127.0.0.1:80/"),
            Some((false, "127.0.0.1".into(), 80))
        );
    }

    #[test]
    fn other_schemes_and_relative_uris_have_no_origin() {
        assert_eq!(origin("ftp://a.example/x"), None);
        assert_eq!(origin("ws://a.example/x"), None);
        assert_eq!(origin("/v2/runs"), None);
    }
}
