//! The connection plan: how a transport reaches the API, decided once when a
//! [`Config`](crate::Config) is built.
//!
//! A plan holds two decisions, each made in this crate and only *mapped* by a transport onto
//! its HTTP library:
//! - which proxy carries a connection to each origin ([`ConnectionPlan::proxy_for`]; the
//!   rules are on [`ProxyRules`](crate::transport::ProxyRules));
//! - which extra roots to trust beside Mozilla's ([`ConnectionPlan::root_certificates`],
//!   from PEM parsed here once).
//!
//! Everything in it was resolved at build time (the environment read, the PEM decoded, the
//! proxy URLs checked), so a transport asks it nothing that costs more than a comparison, and
//! nothing on the path of a request that reuses a pooled connection.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;

use rustls_pki_types::CertificateDer;

use crate::proxy::{ProxyEndpoint, ProxyRules};

/// How to connect to each origin: the proxy and the trusted roots, decided once when the
/// [`Config`](crate::Config) was built; a transport only maps it onto its library.
///
/// ```
/// # use runs_core::{Config, ConfigBuilder};
/// use runs_core::transport::ConnectionPlan;
/// let env = |name: &str| match name {
///     "RUNS_API_KEY" => Some("sk-test".to_string()),
///     "HTTPS_PROXY" => Some("http://user:secret@proxy.corp:3128".to_string()),
///     "NO_PROXY" => Some("internal.corp".to_string()),
///     _ => None,
/// };
/// let config = ConfigBuilder::<_, _, Config>::from_env_vars(env)?.build()?;
/// let plan = ConnectionPlan::of(&config);
///
/// let proxy = plan.proxy_for(true, "rest-api.app.kognitos.com", 443).unwrap();
/// assert_eq!(proxy.url(), "http://proxy.corp:3128");
/// assert_eq!(proxy.authorization(), Some("Basic dXNlcjpzZWNyZXQ="));
/// assert!(plan.proxy_for(true, "runs.internal.corp", 443).is_none()); // NO_PROXY
/// assert!(plan.proxy_for(false, "127.0.0.1", 8080).is_none()); // loopback: always direct
/// assert!(!format!("{plan:?}").contains("secret"));
/// # Ok::<(), runs_core::Error>(())
/// ```

#[derive(Clone, PartialEq, Eq)]
pub struct ConnectionPlan {
    proxies: ProxyRules,
    // Shared: every clone of a Config (listings and waits keep one) points at the same roots.
    roots: Arc<[CertificateDer<'static>]>,
}

impl ConnectionPlan {
    pub(crate) fn new(proxies: ProxyRules, roots: Vec<CertificateDer<'static>>) -> Self {
        Self {
            proxies,
            roots: roots.into(),
        }
    }

    /// The plan of `config`: how a transport connects under it. A function of the plan rather
    /// than a method of [`Config`](crate::Config), so a program that only uses a client
    /// never meets a transport type.
    pub fn of(config: &crate::Config) -> &ConnectionPlan {
        &config.connection
    }

    /// The proxy a connection to `host:port` goes through, `None` to connect directly.
    /// `https` is the origin's scheme; `host` may be a name or an IP address (IPv6 with or
    /// without brackets).
    pub fn proxy_for(&self, https: bool, host: &str, port: u16) -> Option<&ProxyEndpoint> {
        self.proxies.proxy_for(https, host, port)
    }

    /// The proxy rules themselves.
    pub fn proxy_rules(&self) -> &ProxyRules {
        &self.proxies
    }

    /// The extra trusted roots (DER), to add beside the built-in Mozilla roots.
    pub fn root_certificates(&self) -> impl ExactSizeIterator<Item = &[u8]> {
        self.roots.iter().map(|c| c.as_ref())
    }

    /// The addresses of `host` when it is a name under `localhost` (`localhost`,
    /// `api.localhost`, with or without a final dot): `127.0.0.1` and `::1`, which a transport
    /// connects to without asking DNS. `None` for any other name and for IP addresses.
    ///
    /// Such names count as this machine wherever the SDK decides by host (plain `http`
    /// allowed, no proxy), so they must reach this machine: RFC 6761 lets resolvers answer
    /// them with loopback addresses, but a DNS server may answer anything, and a remote address
    /// would receive what was only allowed because it was local.
    ///
    /// ```
    /// use runs_core::transport::ConnectionPlan;
    /// let [v4, v6] = ConnectionPlan::loopback_addresses("storage.localhost.").unwrap();
    /// assert!(v4.is_loopback() && v6.is_loopback());
    /// assert!(ConnectionPlan::loopback_addresses("LOCALHOST").is_some());
    /// assert!(ConnectionPlan::loopback_addresses("127.0.0.1").is_none()); // already an address
    /// assert!(ConnectionPlan::loopback_addresses("localhost.example").is_none());
    /// assert!(ConnectionPlan::loopback_addresses("\u{20ac}localhost").is_none());
    /// ```
    pub fn loopback_addresses(host: &str) -> Option<[core::net::IpAddr; 2]> {
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        if bare.parse::<core::net::IpAddr>().is_ok() || !crate::config::is_loopback_host(bare) {
            return None;
        }
        Some([
            core::net::IpAddr::V4(core::net::Ipv4Addr::LOCALHOST),
            core::net::IpAddr::V6(core::net::Ipv6Addr::LOCALHOST),
        ])
    }
}

impl fmt::Debug for ConnectionPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectionPlan")
            .field("proxies", &self.proxies)
            .field("root_certificates", &self.roots.len())
            .finish()
    }
}
