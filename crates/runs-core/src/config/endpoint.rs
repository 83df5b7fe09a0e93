//! Where the API is: a [`Region`] of the hosted service, or a [`BaseUrl`] (parsed once:
//! scheme, ASCII host, port, the version path), and the one rule for which hosts are this
//! machine (plain HTTP is allowed to them, and they bypass proxies).

use alloc::string::{String, ToString};
use core::fmt;
use core::str::FromStr;

use crate::error::{ConfigError, Quoted};

/// A region of the hosted service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Region {
    /// United States: `https://rest-api.app.kognitos.com/v2`.
    #[default]
    Us,
    /// European Union: `https://rest-api.eu.kognitos.com/v2`.
    Eu,
    /// United Kingdom: `https://rest-api.uk.kognitos.com/v2`.
    Uk,
}

impl Region {
    /// The region's base URL, ending in `/v2`.
    pub fn base_url(self) -> &'static str {
        match self {
            Region::Us => "https://rest-api.app.kognitos.com/v2",
            Region::Eu => "https://rest-api.eu.kognitos.com/v2",
            Region::Uk => "https://rest-api.uk.kognitos.com/v2",
        }
    }
}

impl FromStr for Region {
    type Err = ConfigError;
    /// `us`, `eu` or `uk`, in any case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "us" => Ok(Region::Us),
            "eu" => Ok(Region::Eu),
            "uk" => Ok(Region::Uk),
            _ => Err(ConfigError::new(
                "region",
                alloc::format!(
                    "{} is not one of us, eu, uk",
                    Quoted(&s.chars().take(20).collect::<String>())
                ),
            )),
        }
    }
}

/// A base URL such as `https://rest-api.app.kognitos.com/v2`: scheme, host, optional port and
/// a path (the API's version, `/v2`, unless a gateway maps it elsewhere), with no query,
/// fragment or credentials.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct BaseUrl {
    url: String,
    https: bool,
    host_start: usize,
    host_end: usize,
    // Where the origin ends (after the port): every call asks for it.
    origin_end: usize,
}

impl BaseUrl {
    /// Parses and normalises a base URL (scheme and host lowercased, no trailing `/`).
    ///
    /// A URL with no path (`https://host` or `https://host/`) is refused, naming the path it
    /// most likely lacks: every API path is under the version, `/v2`, and without it each
    /// call would only ever be answered 404.
    pub fn parse(input: &str) -> Result<Self, ConfigError> {
        let url = Self::parse_any_path(input)?;
        if url.url.len() == url.origin_end {
            let with_version = alloc::format!("{}{API_VERSION_PATH}", url.url);
            return Err(ConfigError::new(
                "base_url",
                alloc::format!(
                    "{} has no path, and every API path starts with the version: use {}",
                    Quoted(input),
                    Quoted(&with_version)
                ),
            ));
        }
        Ok(url)
    }

    /// As [`BaseUrl::parse`], any path allowed, none included: the rule for other absolute
    /// URLs the SDK is given (an upload target's, whose path may well be `/`).
    pub(crate) fn parse_any_path(input: &str) -> Result<Self, ConfigError> {
        let bad = |why: &str| ConfigError::new("base_url", alloc::format!("{} {why}", Quoted(input)));
        let (scheme, rest) = input
            .split_once("://")
            .ok_or_else(|| bad("is not an absolute URL (expected https://host/path)"))?;
        let https = match scheme.to_ascii_lowercase().as_str() {
            "https" => true,
            "http" => false,
            _ => return Err(bad("must start with https:// or http://")),
        };
        if rest.contains(['?', '#']) {
            return Err(bad("must not have a query or fragment"));
        }
        if rest.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad("must not contain spaces"));
        }
        let (authority, path) = match rest.find('/') {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        if authority.contains('@') {
            return Err(bad("must not carry credentials; give the API key separately"));
        }
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (h, after) = v6
                .split_once(']')
                .ok_or_else(|| bad("has an unclosed [ in its host"))?;
            (alloc::format!("[{h}]"), after.strip_prefix(':'))
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h.to_string(), Some(p)),
                None => (authority.to_string(), None),
            }
        };
        if host.is_empty() || host == "[]" {
            return Err(bad("has no host"));
        }
        if !host.is_ascii() {
            return Err(bad(NON_ASCII_HOST));
        }
        if let Some(p) = port {
            if !matches!(p.parse::<u16>(), Ok(n) if n > 0) {
                return Err(bad("has a port that is not 1 to 65535"));
            }
        }
        let host = host.to_ascii_lowercase();
        let prefix = if https { "https://" } else { "http://" };
        let mut url = String::with_capacity(input.len());
        url.push_str(prefix);
        url.push_str(&host);
        if let Some(p) = port {
            url.push(':');
            url.push_str(p);
        }
        let origin_end = url.len();
        url.push_str(path.trim_end_matches('/'));
        Ok(Self {
            url,
            https,
            host_start: prefix.len(),
            host_end: prefix.len() + host.len(),
            origin_end,
        })
    }

    /// The URL as text, without a trailing `/`.
    pub fn as_str(&self) -> &str {
        &self.url
    }

    /// Whether the scheme is `https`.
    pub fn is_https(&self) -> bool {
        self.https
    }

    /// The host (IPv6 addresses keep their brackets).
    pub fn host(&self) -> &str {
        &self.url[self.host_start..self.host_end]
    }

    /// Whether the host is this machine (`localhost`, `127.0.0.0/8`, `[::1]`), where plain HTTP
    /// cannot leak the key to the network.
    pub fn is_loopback(&self) -> bool {
        is_loopback_host(self.host())
    }

    /// The port: the one given, else 443 for `https` and 80 for `http`.
    pub fn port(&self) -> u16 {
        self.url[self.host_end..]
            .strip_prefix(':')
            .and_then(|rest| rest.split('/').next())
            .and_then(|p| p.parse().ok())
            .unwrap_or(if self.https { 443 } else { 80 })
    }

    /// `scheme://host[:port]`: what a redirect must keep for the key to follow it.
    pub fn origin(&self) -> &str {
        &self.url[..self.origin_end]
    }
}

/// The path every API path starts with: the API's version, which a base URL ends in.
pub(crate) const API_VERSION_PATH: &str = "/v2";

/// Why a host with characters outside ASCII is refused, wherever a URL is read (the base URL,
/// an upload target, a proxy): HTTP libraries refuse such a URI anyway, and an IDN must be
/// given in the form DNS knows.
pub(crate) const NON_ASCII_HOST: &str = "has a non-ASCII host; write it in its ASCII (punycode) form, \
     e.g. xn--bcher-kva.example for bücher.example";

/// Whether `host` (a name, or an IP address with or without brackets) is this machine:
/// `localhost` and its subdomains, `127.0.0.0/8`, `::1`, and those as IPv4-mapped IPv6. The
/// one rule for both plain-HTTP refusal and proxy bypass. Any text is accepted (a name from a
/// server or the environment may hold anything); only ASCII names can be loopback.
pub(crate) fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    match host.parse::<core::net::IpAddr>() {
        Ok(ip) => ip.to_canonical().is_loopback(),
        Err(_) => is_in_domain(host.strip_suffix('.').unwrap_or(host), "localhost"),
    }
}

/// Whether the name `host` is `domain` or one of its subdomains, in any ASCII case. Compared
/// as bytes, so text of any kind is safe: a multi-byte character where the suffix would start
/// simply does not match.
pub(crate) fn is_in_domain(host: &str, domain: &str) -> bool {
    let (host, domain) = (host.as_bytes(), domain.as_bytes());
    let Some(cut) = host.len().checked_sub(domain.len()) else {
        return false;
    };
    host[cut..].eq_ignore_ascii_case(domain) && (cut == 0 || host[cut - 1] == b'.')
}

impl fmt::Debug for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BaseUrl({:?})", self.url)
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Config, Error};

    #[test]
    fn base_urls_are_normalised() {
        let u = BaseUrl::parse("HTTP://LocalHost:8080/v2/").unwrap();
        assert_eq!(u.as_str(), "http://localhost:8080/v2");
        assert_eq!(u.origin(), "http://localhost:8080");
        assert!(u.is_loopback());
        let v6 = BaseUrl::parse("http://[::1]:9/v2").unwrap();
        assert_eq!(v6.host(), "[::1]");
        assert_eq!(v6.port(), 9);
        assert_eq!(BaseUrl::parse("https://a.example/v2").unwrap().port(), 443);
        assert_eq!(BaseUrl::parse("http://a.example/v2").unwrap().port(), 80);
        assert!(v6.is_loopback());
        assert!(!BaseUrl::parse("http://127.evil.com/v2").unwrap().is_loopback());
        for host in [
            "localhost.",
            "a.localhost",
            "127.255.0.1",
            "[::ffff:127.0.0.1]",
            "[::1]",
        ] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in ["0.0.0.0", "localhost.example", "128.0.0.1", "[::2]", "xlocalhost"] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }

    #[test]
    fn bad_base_urls_say_why() {
        for (bad, why) in [
            ("ftp://x/v2", "https://"),
            ("https://user:pw@x/v2", "credentials"),
            ("https://x/v2?a=1", "query"),
            ("https://x:0/v2", "port"),
            ("x/v2", "absolute"),
            ("https://x", "use \"https://x/v2\""),
            ("http://127.0.0.1:8080/", "use \"http://127.0.0.1:8080/v2\""),
        ] {
            let e = BaseUrl::parse(bad).unwrap_err();
            assert!(e.to_string().contains(why), "{bad}: {e}");
        }
    }

    #[test]
    fn a_non_ascii_host_is_refused_asking_for_its_ascii_form() {
        for bad in [
            "http://€€€€/v2",
            "https://bücher.example/v2",
            "https://🦀.example:8443/v2",
            "http://e\u{301}.example",
            "http://€€€€€localhost/v2",
            "http://[€]:80/v2",
        ] {
            let e = BaseUrl::parse(bad).unwrap_err();
            assert_eq!(e.setting(), "base_url");
            let text = e.to_string();
            assert!(
                text.contains("non-ASCII host") && text.contains("punycode"),
                "{bad}: {text}"
            );
        }
        // The rest of the URL may hold what the host may not: a path is percent-encoded later.
        let ascii = BaseUrl::parse("https://xn--bcher-kva.example/v2").unwrap();
        assert_eq!(ascii.host(), "xn--bcher-kva.example");
        let built = Config::builder().api_key("k").base_url("http://€€€€/v2").build();
        assert!(matches!(built, Err(Error::Config(e)) if e.setting() == "base_url"));
    }

    #[test]
    fn loopback_is_decided_on_any_text_without_panicking() {
        // Multi-byte characters where ".localhost" would start, and around it.
        for host in [
            "€€€€",
            "€€€€€localhost",
            "€localhost",
            "🦀🦀🦀localhost",
            "localhost\u{301}",
            "\u{301}localhost",
            "e\u{301}.localhost.€",
            "€",
            "",
            "[",
            "[]",
            ".",
        ] {
            assert!(!is_loopback_host(host), "{host:?}");
        }
        for host in ["€.localhost", "🦀.LOCALHOST.", "e\u{301}.localhost"] {
            assert!(is_loopback_host(host), "{host:?}");
        }
        assert!(is_in_domain("a.example.com", "example.com"));
        assert!(!is_in_domain("€example.com", "example.com"));
        assert!(!is_in_domain("com", "example.com"));
    }

    proptest::proptest! {
        /// Any text, printable Unicode included, as a base URL: parsing and every getter never
        /// panic, and what parses has an ASCII host.
        #[test]
        fn any_base_url_text_parses_or_is_refused_without_panicking(
            text in proptest::prop_oneof![
                "\\PC{0,40}",
                "(https?://)([a-z0-9€é🦀\u{301}.:@\\[\\]-]|\\PC){0,24}(/\\PC{0,8})?",
            ],
        ) {
            if let Ok(url) = BaseUrl::parse(&text) {
                proptest::prop_assert!(url.host().is_ascii(), "{:?}", url);
                let _ = (url.is_loopback(), url.port(), url.origin(), url.as_str());
            }
            let _ = is_loopback_host(&text);
        }
    }
}
