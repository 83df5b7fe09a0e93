//! The TLS configuration: Mozilla's roots (webpki-root-certs, as runs-blocking uses) plus the
//! connection plan's extra roots (PEM parsed by runs-core), on rustls with the *ring* provider.

use std::sync::Arc;

use runs_core::{Config, ConfigError, Error};
use rustls::pki_types::CertificateDer;
use rustls::{ClientConfig, RootCertStore};

/// The rustls client configuration for `config`; a root that does not parse is a
/// [`ConfigError`] on `root_certificates`.
pub(crate) fn client_config(config: &Config) -> Result<ClientConfig, Error> {
    let mut roots = RootCertStore::empty();
    // A bundled root that does not parse is skipped, as a browser would.
    roots.add_parsable_certificates(webpki_root_certs::TLS_SERVER_ROOT_CERTS.iter().cloned());
    // runs-core parsed the PEM and checked each block's framing; rustls checks the rest.
    for (i, der) in runs_core::transport::ConnectionPlan::of(config)
        .root_certificates()
        .enumerate()
    {
        roots.add(CertificateDer::from(der)).map_err(|e| {
            bad_root(format!(
                "root certificate number {} is not a usable root: {e}",
                i + 1
            ))
        })?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| bad_root(format!("the TLS provider is unusable: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(tls)
}

fn bad_root(reason: String) -> Error {
    ConfigError::new("root_certificates", reason).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_der_block_rustls_cannot_use_is_a_config_error_naming_the_setting() {
        // Well-framed DER (runs-core's check) that is no certificate (rustls's).
        let pem = "-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n";
        let config = Config::builder()
            .api_key("k")
            .base_url("https://127.0.0.1:1/v2")
            .add_root_certificate_pem(pem)
            .build()
            .unwrap();
        let err = client_config(&config).unwrap_err();
        assert!(
            matches!(&err, Error::Config(e) if e.setting() == "root_certificates"),
            "{err}"
        );
    }
}
