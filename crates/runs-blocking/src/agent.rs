//! The one `ureq::Agent` a client sends through, configured from a runs-core [`Config`].

use runs_core::{Config, ConfigError, Error, Proxy};
use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig, TlsProvider};

/// An agent that leaves every decision to runs-core: 4xx and 5xx come back as responses with
/// their bodies, redirects come back unfollowed, and each request gets its own timeout.
pub(crate) fn agent(config: &Config) -> Result<ureq::Agent, Error> {
    let tls = TlsConfig::builder()
        .provider(TlsProvider::Rustls)
        .unversioned_rustls_crypto_provider(std::sync::Arc::new(rustls::crypto::ring::default_provider()))
        .root_certs(root_certs(config.root_certificates())?)
        .build();
    let agent_config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_connect(Some(config.connect_timeout()))
        .timeout_global(Some(config.request_timeout()))
        // runs-core sets these headers on every request.
        .user_agent(config.user_agent())
        .accept("")
        .tls_config(tls)
        .proxy(proxy(config.proxy())?)
        .build();
    Ok(ureq::Agent::with_parts(
        agent_config,
        ureq::unversioned::transport::DefaultConnector::default(),
        crate::resolve::CachingResolver::default(),
    ))
}

fn proxy(proxy: &Proxy) -> Result<Option<ureq::Proxy>, Error> {
    match proxy {
        Proxy::FromEnv => Ok(ureq::Proxy::try_from_env()),
        Proxy::None => Ok(None),
        // The URL is not repeated: a proxy URL may carry credentials.
        Proxy::Url(url) => ureq::Proxy::new(url)
            .map(Some)
            .map_err(|_| ConfigError::new("proxy", "is not a proxy URL ureq can use").into()),
    }
}

/// Mozilla's roots (from `webpki-root-certs`; ureq's own copy is not compiled in), plus the
/// configured PEM certificates.
fn root_certs(pems: &[Vec<u8>]) -> Result<RootCerts, Error> {
    let mut certs: Vec<Certificate<'static>> = webpki_root_certs::TLS_SERVER_ROOT_CERTS
        .iter()
        .map(|der| Certificate::from_der(der.as_ref()))
        .collect();
    for (n, pem) in pems.iter().enumerate() {
        let before = certs.len();
        for item in ureq::tls::parse_pem(pem) {
            let item = item.map_err(|e| {
                ConfigError::new(
                    "root_certificates",
                    format!("root certificate PEM number {} does not parse: {e}", n + 1),
                )
            })?;
            if let PemItem::Certificate(cert) = item {
                certs.push(cert);
            }
        }
        if certs.len() == before {
            return Err(ConfigError::new(
                "root_certificates",
                format!("root certificate PEM number {} holds no certificate", n + 1),
            )
            .into());
        }
    }
    Ok(RootCerts::from(certs))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builder() -> runs_core::ConfigBuilder<runs_core::Set, runs_core::Set, Config> {
        Config::builder().api_key("k").base_url("https://127.0.0.1:1/v2")
    }

    #[test]
    fn a_pem_with_no_certificate_is_a_config_error() {
        let config = builder().add_root_certificate_pem("not a pem").build().unwrap();
        let error = agent(&config).unwrap_err();
        assert!(error.to_string().contains("root_certificates"), "{error}");
    }

    #[test]
    fn default_and_explicit_proxies_build() {
        for proxy in [
            Proxy::FromEnv,
            Proxy::None,
            Proxy::Url("http://127.0.0.1:3128".into()),
        ] {
            let config = builder().proxy(proxy).build().unwrap();
            assert!(agent(&config).is_ok());
        }
    }
}
