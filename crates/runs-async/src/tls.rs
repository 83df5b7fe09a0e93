//! The TLS configuration: Mozilla's roots (webpki-root-certs, as runs-blocking uses) plus the
//! configuration's extra PEM roots, on rustls with the *ring* provider.

use std::sync::Arc;

use runs_core::{Config, ConfigError, Error};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use rustls::{ClientConfig, RootCertStore};

/// The rustls client configuration for `config`; a root that does not parse is a
/// [`ConfigError`] on `root_certificates`.
pub(crate) fn client_config(config: &Config) -> Result<ClientConfig, Error> {
    let mut roots = RootCertStore::empty();
    // A bundled root that does not parse is skipped, as a browser would.
    roots.add_parsable_certificates(webpki_root_certs::TLS_SERVER_ROOT_CERTS.iter().cloned());
    for (i, pem) in config.root_certificates().iter().enumerate() {
        let number = i + 1;
        let mut added = 0;
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|e| {
                bad_root(format!(
                    "root certificate PEM number {number} does not parse: {e}"
                ))
            })?;
            roots.add(cert).map_err(|e| {
                bad_root(format!(
                    "root certificate PEM number {number} is not a usable root: {e}"
                ))
            })?;
            added += 1;
        }
        if added == 0 {
            return Err(bad_root(format!(
                "root certificate PEM number {number} holds no certificate"
            )));
        }
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

    fn config_with_root(pem: &str) -> Config {
        Config::builder()
            .api_key("k")
            .base_url("https://127.0.0.1:1/v2")
            .add_root_certificate_pem(pem)
            .build()
            .unwrap()
    }

    #[test]
    fn text_without_a_certificate_is_a_config_error_naming_the_setting() {
        let err = client_config(&config_with_root("not a certificate")).unwrap_err();
        assert!(
            matches!(&err, Error::Config(e) if e.setting() == "root_certificates"),
            "{err}"
        );
        assert!(err.to_string().contains("number 1 holds no certificate"), "{err}");
    }

    #[test]
    fn a_certificate_block_with_garbage_inside_is_refused() {
        let pem = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        assert!(matches!(
            client_config(&config_with_root(pem)),
            Err(Error::Config(_))
        ));
    }
}
