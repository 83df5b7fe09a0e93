//! Which proxy, if any, carries the connections to each origin: decided here, once, for every
//! transport.
//!
//! A transport asks [`ProxyRules::proxy_for`] when it opens a connection, and maps the answer
//! onto its library; it reads no environment variable and applies no rule of its own, so the
//! blocking and the async client reach the same origin the same way.
//!
//!
//! The rules are on [`ProxyRules`].

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;
use core::net::IpAddr;

use crate::config::{NON_ASCII_HOST, is_in_domain, is_loopback_host};
use crate::error::{ConfigError, Quoted};

/// Which proxy to use: a setting of [`ConfigBuilder`](crate::ConfigBuilder).
#[derive(Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Proxy {
    /// The proxy variables of the environment, by the rules of [`ProxyRules`].
    #[default]
    FromEnv,
    /// Connect directly, whatever the environment says.
    None,
    /// This proxy (`http://proxy.internal:3128`, credentials allowed) for every origin.
    Url(String),
}

impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Proxy::FromEnv => f.write_str("FromEnv"),
            Proxy::None => f.write_str("None"),
            // The URL may carry credentials.
            Proxy::Url(url) => write!(f, "Url({:?})", without_credentials(url)),
        }
    }
}

/// The names [`Proxy::FromEnv`] reads, in the order the rules look at them.
pub const PROXY_ENV_VARS: [&str; 9] = [
    "https_proxy",
    "HTTPS_PROXY",
    "http_proxy",
    "HTTP_PROXY",
    "all_proxy",
    "ALL_PROXY",
    "no_proxy",
    "NO_PROXY",
    "REQUEST_METHOD",
];

/// A proxy to connect through: where it is, and the credentials to give it.
#[derive(Clone, PartialEq, Eq)]
pub struct ProxyEndpoint {
    host: String,
    port: u16,
    authorization: Option<Credentials>,
}

#[derive(Clone, PartialEq, Eq)]
struct Credentials {
    username: String,
    password: String,
    header: String,
}

impl ProxyEndpoint {
    /// Parses a proxy URL; `setting` names where it came from in errors.
    fn parse(setting: &'static str, input: &str) -> Result<Self, ConfigError> {
        let shown = without_credentials(input);
        let bad = |why: &str| ConfigError::new(setting, alloc::format!("{} {why}", Quoted(&shown)));
        let rest = match input.split_once("://") {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => rest,
            Some((scheme, _)) => {
                return Err(bad(&alloc::format!(
                    "is a {} proxy; only http:// proxies are supported (a CONNECT tunnel \
                     through one still carries TLS end to end)",
                    scheme.to_ascii_lowercase()
                )));
            }
            None => input,
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if rest[authority.len()..]
            .trim_start_matches('/')
            .contains(|c: char| !c.is_whitespace())
        {
            return Err(bad(
                "has a path; a proxy URL is http://[user:password@]host[:port]",
            ));
        }
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((user, host)) => (Some(user), host),
            None => (None, authority),
        };
        let (host, port) = split_host_port(hostport).ok_or_else(|| bad("has no usable host and port"))?;
        let port = match port {
            None => 80,
            Some(p) => match p.parse::<u16>() {
                Ok(n) if n > 0 => n,
                _ => return Err(bad("has a port that is not 1 to 65535")),
            },
        };
        if !host.is_ascii() {
            return Err(bad(NON_ASCII_HOST));
        }
        if host.is_empty()
            || !host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-._:".contains(c))
        {
            return Err(bad("has no usable host"));
        }
        let authorization = match userinfo {
            None => None,
            Some(userinfo) => {
                let (user, pass) = userinfo.split_once(':').unwrap_or((userinfo, ""));
                let decode = |s: &str| {
                    percent_encoding::percent_decode_str(s)
                        .decode_utf8()
                        .map(|s| s.into_owned())
                        .map_err(|_| bad("has credentials that are not UTF-8 once percent-decoded"))
                };
                let (username, password) = (decode(user)?, decode(pass)?);
                // Basic authentication cannot carry a ':' in the user name.
                if username.contains(':') || username.chars().chain(password.chars()).any(char::is_control) {
                    return Err(bad(
                        "has credentials with a ':' in the user name or a control character",
                    ));
                }
                let mut header = String::from("Basic ");
                base64(alloc::format!("{username}:{password}").as_bytes(), &mut header);
                Some(Credentials {
                    username,
                    password,
                    header,
                })
            }
        };
        Ok(Self {
            host: host.to_ascii_lowercase(),
            port,
            authorization,
        })
    }

    /// The proxy's host name or IP address (IPv6 without brackets).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The proxy's port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The user name and password to give the proxy, if its URL had them. Secrets: only for
    /// the transport that sends them.
    pub fn credentials(&self) -> Option<(&str, &str)> {
        self.authorization
            .as_ref()
            .map(|c| (c.username.as_str(), c.password.as_str()))
    }

    /// The `Proxy-Authorization` value for the `CONNECT` (`Basic ...`), if there are
    /// credentials. A secret, like the API key.
    pub fn authorization(&self) -> Option<&str> {
        self.authorization.as_ref().map(|c| c.header.as_str())
    }

    /// The secrets this proxy knows (its password, and the header carrying it), to scrub
    /// from server text.
    pub(crate) fn secrets(&self) -> impl Iterator<Item = &str> {
        self.authorization
            .iter()
            // The credentials' base64 alone: a server may echo it without the scheme.
            .flat_map(|c| [c.password.as_str(), c.header.trim_start_matches("Basic ")])
            .filter(|s| !s.is_empty())
    }

    /// The proxy's URL without credentials: `http://host:port`.
    pub fn url(&self) -> String {
        if self.host.contains(':') {
            alloc::format!("http://[{}]:{}", self.host, self.port)
        } else {
            alloc::format!("http://{}:{}", self.host, self.port)
        }
    }
}

impl fmt::Debug for ProxyEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProxyEndpoint")
            .field("url", &self.url())
            .field("credentials", &self.authorization.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl fmt::Display for ProxyEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.url())
    }
}

/// One `NO_PROXY` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Bypass {
    Everything,
    /// A host and its subdomains, lowercase, without a leading dot.
    Domain(String, Option<u16>),
    Ip(IpAddr, Option<u16>),
    Cidr(IpAddr, u8),
}

impl Bypass {
    fn parse(entry: &str) -> Option<Self> {
        let entry = entry.trim();
        if entry.is_empty() {
            return None;
        }
        if entry == "*" {
            return Some(Bypass::Everything);
        }
        if let Some((ip, bits)) = entry.split_once('/') {
            let ip: IpAddr = ip.trim_start_matches('[').trim_end_matches(']').parse().ok()?;
            let max = if ip.is_ipv4() { 32 } else { 128 };
            return bits
                .parse::<u8>()
                .ok()
                .filter(|b| *b <= max)
                .map(|b| Bypass::Cidr(ip, b));
        }
        if let Ok(ip) = entry
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
        {
            return Some(Bypass::Ip(ip, None));
        }
        let (host, port) = split_host_port(entry)?;
        let port = match port {
            Some(p) => Some(p.parse::<u16>().ok()?),
            None => None,
        };
        if let Ok(ip) = host.parse::<IpAddr>() {
            return Some(Bypass::Ip(ip, port));
        }
        let domain = host
            .trim_start_matches("*.")
            .trim_start_matches('.')
            .to_ascii_lowercase();
        (!domain.is_empty()).then_some(Bypass::Domain(domain, port))
    }

    fn matches(&self, host: &str, ip: Option<IpAddr>, port: u16) -> bool {
        let port_ok = |p: &Option<u16>| p.is_none_or(|p| p == port);
        match self {
            Bypass::Everything => true,
            Bypass::Domain(domain, p) => port_ok(p) && is_in_domain(host, domain),
            Bypass::Ip(entry, p) => port_ok(p) && ip == Some(*entry),
            Bypass::Cidr(net, bits) => ip.is_some_and(|ip| in_block(ip, *net, *bits)),
        }
    }
}

fn in_block(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(ip), IpAddr::V4(net)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
            u32::from(ip) & mask == u32::from(net) & mask
        }
        (IpAddr::V6(ip), IpAddr::V6(net)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
            u128::from(ip) & mask == u128::from(net) & mask
        }
        _ => false,
    }
}

/// The proxy decision for every origin, resolved from the [`Proxy`] setting and the
/// environment when a [`Config`](crate::Config) is built.
///
/// # The rules
/// - [`Proxy::None`] connects directly; [`Proxy::Url`] sends every origin, loopback included,
///   through that proxy (it is how a test watches the traffic through a local proxy).
/// - [`Proxy::FromEnv`] (the default) reads the environment once, when the configuration is
///   built:
///   - an `https://` origin uses `https_proxy`, else `HTTPS_PROXY`, else `all_proxy`, else
///     `ALL_PROXY`;
///   - an `http://` origin uses `http_proxy`, else `HTTP_PROXY`, else `all_proxy`, else
///     `ALL_PROXY`. `HTTP_PROXY` is ignored when `REQUEST_METHOD` is set: in a CGI program it
///     is a request header an attacker chose ("httpoxy").
///   - A lowercase name wins over its uppercase twin, as in curl; an empty value counts as
///     unset.
///   - `no_proxy`, else `NO_PROXY`: comma-separated entries, each `*` (every origin),
///     a host name that matches itself and its subdomains (`example.com` and `.example.com`
///     both match `api.example.com`), an IP address, or a CIDR block (`10.0.0.0/8`). An entry
///     with `:port` matches that port only.
///   - A loopback origin (`localhost`, `127.0.0.0/8`, `[::1]`, IPv4-mapped loopback) is always
///     reached directly: a
///     proxy elsewhere cannot reach this machine's loopback, and a local emulator lives there.
/// - Only `http://` proxies are supported (a URL without a scheme means `http://`, port 80 by
///   default). Every connection through one is a `CONNECT` tunnel, so `https://` stays
///   encrypted end to end. `https://`, `socks4://` and `socks5://` proxies are refused when
///   the configuration is built, with the variable named.
/// - Credentials in a proxy URL (`http://user:pass@proxy:3128`, percent-encoded) are sent as
///   `Proxy-Authorization: Basic ...` on the `CONNECT`, and are never printed: the proxy's
///   `Debug` and `Display`, and every error, show the URL without them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProxyRules {
    https: Option<ProxyEndpoint>,
    http: Option<ProxyEndpoint>,
    bypass: Vec<Bypass>,
    /// `Proxy::Url` applies to loopback too; proxies from the environment do not.
    loopback_too: bool,
}

impl ProxyRules {
    /// Resolves `setting`, reading the environment through `var` for [`Proxy::FromEnv`].
    ///
    /// Fails with a [`ConfigError`] naming the variable (or `proxy`) whose URL is unusable.
    pub fn resolve(setting: &Proxy, var: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        match setting {
            Proxy::None => Ok(Self::default()),
            Proxy::Url(url) => {
                let endpoint = ProxyEndpoint::parse("proxy", url)?;
                Ok(Self {
                    https: Some(endpoint.clone()),
                    http: Some(endpoint),
                    bypass: Vec::new(),
                    loopback_too: true,
                })
            }
            Proxy::FromEnv => {
                let var = |name: &'static str| var(name).filter(|v| !v.trim().is_empty()).map(|v| (name, v));
                let cgi = var("REQUEST_METHOD").is_some();
                let all = || var("all_proxy").or_else(|| var("ALL_PROXY"));
                let https = var("https_proxy").or_else(|| var("HTTPS_PROXY")).or_else(all);
                let http = var("http_proxy")
                    .or_else(|| if cgi { None } else { var("HTTP_PROXY") })
                    .or_else(all);
                let parse = |chosen: Option<(&'static str, String)>| {
                    chosen
                        .map(|(name, url)| ProxyEndpoint::parse(name, url.trim()))
                        .transpose()
                };
                let bypass = var("no_proxy")
                    .or_else(|| var("NO_PROXY"))
                    .map(|(_, list)| list.split([',', ' ']).filter_map(Bypass::parse).collect())
                    .unwrap_or_default();
                Ok(Self {
                    https: parse(https)?,
                    http: parse(http)?,
                    bypass,
                    loopback_too: false,
                })
            }
        }
    }

    /// Every proxy these rules may use (at most two).
    pub(crate) fn endpoints(&self) -> impl Iterator<Item = &ProxyEndpoint> {
        self.https.iter().chain(self.http.iter())
    }

    /// The proxy for a connection to `host:port` (`https` tells the scheme), or `None` to
    /// connect directly. `host` may be a name or an IP address, IPv6 with or without brackets.
    pub fn proxy_for(&self, https: bool, host: &str, port: u16) -> Option<&ProxyEndpoint> {
        let proxy = if https {
            self.https.as_ref()
        } else {
            self.http.as_ref()
        }?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if self.loopback_too {
            return Some(proxy);
        }
        let ip = host.parse::<IpAddr>().ok().map(|ip| ip.to_canonical());
        let host = host.strip_suffix('.').unwrap_or(host);
        if is_loopback_host(host) || self.bypass.iter().any(|b| b.matches(host, ip, port)) {
            return None;
        }
        Some(proxy)
    }
}

/// `host[:port]` or `[v6][:port]`, the host without brackets.
fn split_host_port(s: &str) -> Option<(&str, Option<&str>)> {
    if let Some(v6) = s.strip_prefix('[') {
        let (host, after) = v6.split_once(']')?;
        return match after {
            "" => Some((host, None)),
            _ => Some((host, Some(after.strip_prefix(':')?))),
        };
    }
    match s.rsplit_once(':') {
        // More than one ':' is a bare IPv6 address.
        Some((host, _)) if host.contains(':') => Some((s, None)),
        Some((host, port)) => Some((host, Some(port))),
        None => Some((s, None)),
    }
}

/// `input` with any `user:password@` removed, for messages.
fn without_credentials(input: &str) -> String {
    let (scheme, rest) = match input.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, input),
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let rest = match rest[..end].rfind('@') {
        Some(at) => &rest[at + 1..],
        None => rest,
    };
    let shown: String = rest.chars().filter(|c| !c.is_control()).take(200).collect();
    match scheme {
        Some(scheme) => alloc::format!("{scheme}://{shown}"),
        None => shown.to_string(),
    }
}

/// Standard base64 with padding, for `Proxy-Authorization: Basic`.
fn base64(input: &[u8], out: &mut String) {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for chunk in input.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
}

#[cfg(test)]
mod tests;
