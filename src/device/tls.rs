//! How the harness decides to trust a phone's certificate.
//!
//! Phones ship certificates issued by Polycom's CA for MAC-based names that are not in
//! DNS, so ordinary verification fails on almost every lab phone. The choices are
//! explicit: `--insecure` (accept anything), `--pin-sha256` (accept exactly one
//! certificate, the safest choice for a lab), or `--ca-cert` (verify against a CA).

use rustls::DigitallySignedStruct;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// The trust decision for one target.
#[derive(Debug, Clone, PartialEq)]
pub enum Trust {
    /// The platform's trust store.
    System,
    /// Accept any certificate.
    Insecure,
    /// Accept only the certificate whose DER has this SHA-256.
    Pin([u8; 32]),
    /// Verify against the CA certificates in this PEM text.
    Ca(Vec<u8>),
}

impl Trust {
    /// Whether a curl line that repeats a request needs `-k`: curl cannot check a pin,
    /// and an insecure target has a certificate curl would refuse.
    pub fn curl_needs_insecure(&self) -> bool {
        matches!(self, Trust::Insecure | Trust::Pin(_))
    }
}

/// Parse a fingerprint written as hex, with or without colons.
pub fn parse_pin(text: &str) -> Result<[u8; 32], String> {
    let hex: String = text.chars().filter(|c| !matches!(c, ':' | ' ')).collect();
    if hex.len() != 64 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(format!(
            "`{text}` is not a SHA-256 fingerprint (hint: 64 hex digits, colons allowed, as `polyconform emulate --tls` or `openssl x509 -fingerprint -sha256` print it)"
        ));
    }
    let mut out = [0u8; 32];
    for (i, chunk) in hex.as_bytes().chunks(2).enumerate() {
        out[i] = u8::from_str_radix(std::str::from_utf8(chunk).unwrap_or("00"), 16).map_err(|e| e.to_string())?;
    }
    Ok(out)
}

/// SHA-256 of a certificate, as colon-separated upper-case hex.
pub fn fingerprint(der: &[u8]) -> String {
    Sha256::digest(der).iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(":")
}

/// Make sure rustls has a crypto provider (ring) installed for the process.
pub fn install_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The rustls client configuration for a trust decision; `None` means "use the system store".
pub fn client_config(trust: &Trust) -> Result<Option<rustls::ClientConfig>, String> {
    install_provider();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?;
    let config = match trust {
        Trust::System => return Ok(None),
        Trust::Insecure => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Accept { pin: None, provider }))
            .with_no_client_auth(),
        Trust::Pin(pin) => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Accept { pin: Some(*pin), provider }))
            .with_no_client_auth(),
        Trust::Ca(pem) => {
            let mut roots = rustls::RootCertStore::empty();
            let mut reader = std::io::BufReader::new(pem.as_slice());
            let mut n = 0;
            for cert in rustls_pemfile::certs(&mut reader) {
                let cert = cert.map_err(|e| format!("cannot read CA certificate: {e}"))?;
                roots.add(cert).map_err(|e| format!("bad CA certificate: {e}"))?;
                n += 1;
            }
            if n == 0 {
                return Err("no PEM certificate found in the --ca-cert file (hint: the file must hold `-----BEGIN CERTIFICATE-----` blocks)".into());
            }
            builder.with_root_certificates(roots).with_no_client_auth()
        }
    };
    Ok(Some(config))
}

/// Accepts any certificate, or exactly the pinned one; signatures are still checked.
#[derive(Debug)]
struct Accept {
    pin: Option<[u8; 32]>,
    provider: Arc<rustls::crypto::CryptoProvider>,
}

impl ServerCertVerifier for Accept {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self.pin {
            None => Ok(ServerCertVerified::assertion()),
            Some(pin) if Sha256::digest(end_entity.as_ref()).as_slice() == pin => Ok(ServerCertVerified::assertion()),
            Some(_) => Err(rustls::Error::General(format!(
                "certificate fingerprint {} does not match --pin-sha256",
                fingerprint(end_entity.as_ref())
            ))),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_parse_with_and_without_colons() {
        let hex = "ab".repeat(32);
        assert_eq!(parse_pin(&hex).unwrap(), [0xab; 32]);
        let colons = vec!["AB"; 32].join(":");
        assert_eq!(parse_pin(&colons).unwrap(), [0xab; 32]);
        assert!(parse_pin("abc").unwrap_err().contains("64 hex digits"));
    }
}
