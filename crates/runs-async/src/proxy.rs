//! Which proxy, if any, carries the connections to the API.
//!
//! Every request of a client goes to the one origin of its base URL (runs-core follows
//! redirects only within it), so the decision is made once, when the client is built.

use http::Uri;
use hyper_util::client::proxy::matcher::{Intercept, Matcher};
use runs_core::{Config, ConfigError, Error, Proxy};

/// The proxy for `config`'s base URL: `None` to connect directly.
///
/// - [`Proxy::FromEnv`] reads `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` as curl
///   does, except that a loopback base URL is always reached directly: a proxy elsewhere could
///   not reach this machine's loopback interface, and a test's emulator is there.
/// - [`Proxy::Url`] is used for every base URL, loopback included.
/// - Only `http://` proxies are supported; the tunnel through them carries TLS end to end.
pub(crate) fn proxy_for(config: &Config) -> Result<Option<Intercept>, Error> {
    let base = config.base_url();
    let origin: Uri = base
        .origin()
        .parse()
        .map_err(|e| ConfigError::new("base_url", format!("{base} is not a usable URI: {e}")))?;
    let intercept = match config.proxy() {
        Proxy::None => None,
        Proxy::FromEnv if base.is_loopback() => None,
        Proxy::FromEnv => Matcher::from_env().intercept(&origin),
        Proxy::Url(url) => Matcher::builder().all(url.as_str()).build().intercept(&origin),
    };
    match &intercept {
        Some(proxy) if proxy.uri().scheme_str() != Some("http") => Err(ConfigError::new(
            "proxy",
            format!(
                "{}://{} is not an http:// proxy; only http:// proxies are supported (the tunnel \
                 through one still carries TLS to the API)",
                proxy.uri().scheme_str().unwrap_or("?"),
                proxy.uri().authority().map_or("", |a| a.host()),
            ),
        )
        .into()),
        _ => Ok(intercept),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decide(base: &str, proxy: Proxy) -> Result<Option<Intercept>, Error> {
        let config = Config::builder().api_key("k").base_url(base).proxy(proxy);
        proxy_for(&config.build().unwrap())
    }

    #[test]
    fn an_explicit_proxy_is_used_even_for_loopback() {
        let explicit = Proxy::Url("http://127.0.0.1:3128".into());
        let p = decide("http://127.0.0.1:9/v2", explicit).unwrap().unwrap();
        assert_eq!(p.uri().port_u16(), Some(3128));
    }

    #[test]
    fn no_proxy_and_loopback_from_env_connect_directly() {
        assert!(
            decide("https://api.example.com/v2", Proxy::None)
                .unwrap()
                .is_none()
        );
        assert!(decide("http://localhost:9/v2", Proxy::FromEnv).unwrap().is_none());
    }

    #[test]
    fn an_https_proxy_is_refused_with_the_setting_named() {
        let https = Proxy::Url("https://proxy.example.com".into());
        let err = decide("https://api.example.com/v2", https).unwrap_err();
        assert!(
            matches!(&err, Error::Config(e) if e.setting() == "proxy"),
            "{err}"
        );
    }
}
