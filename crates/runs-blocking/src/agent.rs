//! The one `ureq::Agent` a client sends through, configured from a runs-core [`Config`].
//!
//! Nothing is decided here: the proxy and the extra roots are runs-core's
//! [`ConnectionPlan`](runs_core::transport::ConnectionPlan), mapped onto ureq's settings.

use runs_core::transport::{ConnectionPlan, Origin, ProxyEndpoint};
use runs_core::{Config, ConfigError, Error};
use ureq::tls::{Certificate, RootCerts, TlsConfig, TlsProvider};
use ureq::unversioned::resolver::Resolver;

/// An agent that leaves every decision to runs-core: 4xx and 5xx come back as responses with
/// their bodies, redirects come back unfollowed, and each request gets its own timeout.
pub(crate) fn agent(config: &Config) -> Result<ureq::Agent, Error> {
    agent_with(config, ureq::unversioned::resolver::DefaultResolver::default())
}

/// [`agent`], looking names up with `lookup` (behind the cache) instead of the system's
/// resolver: tests script where a host is.
pub(crate) fn agent_with(config: &Config, lookup: impl Resolver) -> Result<ureq::Agent, Error> {
    let agent_config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_connect(Some(config.connect_timeout()))
        .timeout_global(Some(config.request_timeout()))
        // runs-core sets these headers on every request.
        .user_agent(config.user_agent())
        .accept("")
        .tls_config(tls_config(config))
        .proxy(base_proxy(config)?)
        .build();
    let (resolver, connector) =
        crate::resolve::cached(lookup, ureq::unversioned::transport::DefaultConnector::default());
    Ok(ureq::Agent::with_parts(agent_config, connector, resolver))
}

/// What a user's agent is made to do on each request, so that runs-core's rules hold on it
/// as on the client's own: statuses come back as data, redirects unfollowed, the connection
/// plan's proxy and roots, the configured connect timeout.
#[derive(Debug, Clone)]
pub(crate) struct Pins {
    tls: TlsConfig,
    proxy: Option<ureq::Proxy>,
    connect_timeout: std::time::Duration,
}

impl Pins {
    pub(crate) fn new(config: &Config) -> Result<Self, Error> {
        Ok(Self {
            tls: tls_config(config),
            proxy: base_proxy(config)?,
            connect_timeout: config.connect_timeout(),
        })
    }

    /// `request`'s settings with the pins applied.
    pub(crate) fn apply<B: ureq::AsSendBody>(
        &self,
        request: ureq::config::ConfigBuilder<ureq::typestate::HttpCrateScope<B>>,
    ) -> ureq::config::ConfigBuilder<ureq::typestate::HttpCrateScope<B>> {
        request
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_connect(Some(self.connect_timeout))
            .proxy(self.proxy.clone())
            .tls_config(self.tls.clone())
    }
}

/// Mozilla's roots (from `webpki-root-certs`; ureq's own copy is not compiled in), then the
/// plan's, on rustls with *ring*.
fn tls_config(config: &Config) -> TlsConfig {
    let roots: Vec<Certificate<'static>> = webpki_root_certs::TLS_SERVER_ROOT_CERTS
        .iter()
        .map(|der| Certificate::from_der(der.as_ref()))
        .chain(
            ConnectionPlan::of(config)
                .root_certificates()
                .map(|der| Certificate::from_der(der).to_owned()),
        )
        .collect();
    TlsConfig::builder()
        .provider(TlsProvider::Rustls)
        .unversioned_rustls_crypto_provider(std::sync::Arc::new(rustls::crypto::ring::default_provider()))
        .root_certs(RootCerts::from(roots))
        .build()
}

/// Every request of the client goes to its base URL's origin (runs-core follows redirects
/// only within it), so the agent carries that origin's proxy.
fn base_proxy(config: &Config) -> Result<Option<ureq::Proxy>, Error> {
    let base = config.base_url();
    ConnectionPlan::of(config)
        .proxy_for(base.is_https(), base.host(), base.port())
        .map(proxy)
        .transpose()
}

/// The proxy for `url`, another origin than the base URL (an upload target): the agent carries
/// only the base URL's, so a request there sets its own from the same plan.
pub(crate) fn proxy_for_url(config: &Config, url: &str) -> Result<Option<ureq::Proxy>, Error> {
    // runs-core checked the upload URL is absolute http(s) when it planned the request.
    let uri: http::Uri = url
        .parse()
        .map_err(|_| ConfigError::new("upload_url", "is not a URL ureq can use"))?;
    let origin = Origin::of(&uri)
        .ok_or_else(|| ConfigError::new("upload_url", "is not an http(s) URL with a host"))?;
    ConnectionPlan::of(config)
        .proxy_for(origin.is_https(), origin.host(), origin.port())
        .map(proxy)
        .transpose()
}

/// The plan's proxy as ureq's: an HTTP `CONNECT` proxy, with its credentials.
fn proxy(endpoint: &ProxyEndpoint) -> Result<ureq::Proxy, Error> {
    let host = endpoint.host();
    let host = if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_owned()
    };
    let mut builder = ureq::Proxy::builder(ureq::ProxyProtocol::Http)
        .host(&host)
        .port(endpoint.port());
    if let Some((username, password)) = endpoint.credentials() {
        builder = builder.username(username).password(password);
    }
    // runs-core has checked the URL; the proxy is named without its credentials.
    builder
        .build()
        .map_err(|_| ConfigError::new("proxy", format!("ureq cannot use the proxy {endpoint}")).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_proxy_with_credentials_maps_onto_ureq_with_them() {
        let config = Config::builder()
            .api_key("k")
            .base_url("https://api.example.com/v2")
            .proxy(runs_core::Proxy::Url(
                "http://us%40er:p%40ss@proxy.corp:3128".into(),
            ))
            .build()
            .unwrap();
        let endpoint = ConnectionPlan::of(&config)
            .proxy_for(true, "api.example.com", 443)
            .unwrap();
        let proxy = proxy(endpoint).unwrap();
        assert_eq!((proxy.host(), proxy.port()), ("proxy.corp", 3128));
        assert_eq!(
            (proxy.username(), proxy.password()),
            (Some("us@er"), Some("p@ss"))
        );
        assert!(agent(&config).is_ok());
    }
}
