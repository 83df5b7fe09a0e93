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
//!
//! ```
//! use runs_core::{Config, ConfigBuilder};
//!
//! let env = |name: &str| match name {
//!     "RUNS_API_KEY" => Some("sk-test".to_string()),
//!     "HTTPS_PROXY" => Some("http://user:secret@proxy.corp:3128".to_string()),
//!     "NO_PROXY" => Some("internal.corp".to_string()),
//!     _ => None,
//! };
//! let config = ConfigBuilder::<_, _, Config>::from_env_vars(env)?.build()?;
//! let plan = config.connection();
//!
//! let proxy = plan.proxy_for(true, "rest-api.app.kognitos.com", 443).unwrap();
//! assert_eq!(proxy.url(), "http://proxy.corp:3128");
//! assert_eq!(proxy.authorization(), Some("Basic dXNlcjpzZWNyZXQ="));
//! assert!(plan.proxy_for(true, "runs.internal.corp", 443).is_none()); // NO_PROXY
//! assert!(plan.proxy_for(false, "127.0.0.1", 8080).is_none()); // loopback: always direct
//! assert!(!format!("{plan:?}").contains("secret"));
//! # Ok::<(), runs_core::Error>(())
//! ```

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;

use rustls_pki_types::CertificateDer;

use crate::proxy::{ProxyEndpoint, ProxyRules};

/// How to connect to each origin: the proxy and the trusted roots, decided once when the
/// [`Config`](crate::Config) was built; a transport only maps it onto its library.
///
/// ```
/// use runs_core::{Config, ConfigBuilder};
///
/// let env = |name: &str| match name {
///     "RUNS_API_KEY" => Some("sk-test".to_string()),
///     "HTTPS_PROXY" => Some("http://user:secret@proxy.corp:3128".to_string()),
///     "NO_PROXY" => Some("internal.corp".to_string()),
///     _ => None,
/// };
/// let config = ConfigBuilder::<_, _, Config>::from_env_vars(env)?.build()?;
/// let plan = config.connection();
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
}

impl fmt::Debug for ConnectionPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectionPlan")
            .field("proxies", &self.proxies)
            .field("root_certificates", &self.roots.len())
            .finish()
    }
}
