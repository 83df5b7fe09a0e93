//! Extra trusted root certificates: PEM read once, here, for every transport.
//!
//! A transport gets DER certificates ([`ConnectionPlan::root_certificates`]) and adds them to
//! its TLS library's store beside Mozilla's roots; it parses no PEM of its own. A PEM that
//! cannot be used fails the configuration's `build()`, with the source (a file's path, or
//! the number of the PEM given) and the bad block named, rather than at the first handshake.
//!
//! [`ConnectionPlan::root_certificates`]: crate::ConnectionPlan::root_certificates

use alloc::string::String;
use alloc::vec::Vec;

use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::{self, PemObject, SectionKind};

use crate::error::ConfigError;

/// The PEM certificates in `pem`, as DER. `source` names the PEM in errors (a file's path,
/// or `PEM number 2`).
///
/// Blocks other than `CERTIFICATE` (a private key left in a bundle, say) are skipped; a
/// certificate block that is not base64, is not a DER structure, or never ends is an error
/// naming the block by its number and first line, as is text with no certificate at all.
pub(crate) fn parse_pem(source: &str, pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, ConfigError> {
    let starts = block_starts(pem);
    let mut certs = Vec::new();
    for (block, &start) in starts.iter().enumerate() {
        let end = starts.get(block + 1).copied().unwrap_or(pem.len());
        let bad = |why: &dyn core::fmt::Display| {
            ConfigError::new(
                "root_certificates",
                alloc::format!(
                    "{source}: block {} (line {}) {why}",
                    block + 1,
                    line_of(pem, start)
                ),
            )
        };
        // Each block is read alone, so an error is always that block's.
        match <(SectionKind, Vec<u8>)>::from_pem_slice(&pem[start..end]) {
            Ok((SectionKind::Certificate, der)) => {
                check_der(&der).map_err(|why| bad(&why))?;
                certs.push(CertificateDer::from(der));
            }
            // A key, a CRL, or a label rustls does not know: not a root.
            Ok(_) | Err(pem::Error::NoItemsFound) => {}
            Err(pem::Error::Base64Decode(_)) => return Err(bad(&"is not valid base64")),
            Err(pem::Error::MissingSectionEnd { .. }) => return Err(bad(&"has no END line")),
            Err(pem::Error::IllegalSectionStart { .. }) => return Err(bad(&"has a malformed BEGIN line")),
            Err(e) => return Err(bad(&e)),
        }
    }
    if certs.is_empty() {
        return Err(ConfigError::new(
            "root_certificates",
            alloc::format!("{source} holds no PEM certificate (-----BEGIN CERTIFICATE-----)"),
        ));
    }
    Ok(certs)
}

/// Where each line that begins a block (`-----BEGIN `) starts.
fn block_starts(pem: &[u8]) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut at = 0;
    for line in pem.split_inclusive(|&b| b == b'\n') {
        if line.starts_with(b"-----BEGIN ") {
            starts.push(at);
        }
        at += line.len();
    }
    starts
}

fn line_of(pem: &[u8], offset: usize) -> usize {
    1 + pem[..offset.min(pem.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}

/// A certificate is one DER `SEQUENCE` that fills the block exactly: enough to refuse
/// garbage here, while the TLS library checks the certificate itself.
fn check_der(der: &[u8]) -> Result<(), String> {
    let wrong = || String::from("is not a DER certificate");
    let (&tag, rest) = der.split_first().ok_or_else(wrong)?;
    let (&first, rest) = rest.split_first().ok_or_else(wrong)?;
    if tag != 0x30 {
        return Err(wrong());
    }
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return Err(wrong());
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (len, &rest[n..])
    };
    if len != rest.len() {
        return Err(String::from("is a truncated or padded DER certificate"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    // A real self-signed P-256 certificate (openssl req -x509), so the happy path is a real one.
    const CERT: &str = "-----BEGIN CERTIFICATE-----
MIIBkzCCATmgAwIBAgIUWvgWxV5UDqUMVGLxBfVGgEYN9oowCgYIKoZIzj0EAwIw
HjEcMBoGA1UEAwwTcnVucy1jb3JlIHRlc3Qgcm9vdDAgFw0yNjEyMDIxMzMxMjla
GA8yMTI2MTEwODEzMzEyOVowHjEcMBoGA1UEAwwTcnVucy1jb3JlIHRlc3Qgcm9v
dDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABPPapnBJB5mjel+TlIdfANf65IGm
AQj6nMPemggfZPTaNal4QKM2IHcAx/qbeu6oj+WbFAMaAfXAjK+pbpuonAOjUzBR
MB0GA1UdDgQWBBQMVGNvcuWn+fJV5OWNP6OdKhMK4zAfBgNVHSMEGDAWgBQMVGNv
cuWn+fJV5OWNP6OdKhMK4zAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0gA
MEUCIHxGKzeTOat6HOXdH2th4qAIbq8oZIOFAlStla0Ue1GjAiEA0cpvUgfAVdRF
8ILSuJdM0lBgdXRV8ryZze9SgRzZHfE=
-----END CERTIFICATE-----
";

    #[test]
    fn certificates_are_read_and_other_blocks_skipped() {
        let key = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
        let bundle = alloc::format!("# a comment\n{CERT}{key}{CERT}");
        let certs = parse_pem("bundle.pem", bundle.as_bytes()).unwrap();
        assert_eq!(certs.len(), 2);
        assert_eq!(certs[0].as_ref()[0], 0x30);
    }

    #[test]
    fn each_bad_input_names_the_source_the_block_and_its_line() {
        let garbage_inside =
            alloc::format!("{CERT}\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        let not_base64 =
            alloc::format!("{CERT}-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n");
        let unended = alloc::format!("{CERT}-----BEGIN CERTIFICATE-----\nMIIB\n");
        let cases: [(&str, &str); 5] = [
            (
                &garbage_inside,
                "corp.pem: block 2 (line 13) is not a DER certificate",
            ),
            (&not_base64, "corp.pem: block 2 (line 12) is not valid base64"),
            (&unended, "corp.pem: block 2 (line 12) has no END line"),
            ("not a certificate", "corp.pem holds no PEM certificate"),
            (
                "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
                "holds no PEM certificate",
            ),
        ];
        for (pem, expected) in cases {
            let error = parse_pem("corp.pem", pem.as_bytes()).unwrap_err();
            assert_eq!(error.setting(), "root_certificates");
            assert!(error.to_string().contains(expected), "{error}");
        }
    }

    #[test]
    fn der_framing_is_checked() {
        assert!(check_der(&[0x30, 0x03, 1, 2, 3]).is_ok());
        assert!(check_der(&[0x30, 0x81, 0x01, 9]).is_ok());
        assert!(check_der(&[0x30, 0x04, 1, 2, 3]).is_err());
        assert!(check_der(&[0x02, 0x01, 1]).is_err());
        assert!(check_der(&[0x30]).is_err());
        assert!(check_der(&[0x30, 0x80]).is_err());
        assert!(check_der(&[0x30, 0x85, 1, 1, 1, 1, 1]).is_err());
    }
}
