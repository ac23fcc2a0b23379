//! HTTPS for the emulator: a self-signed certificate made at start.
//!
//! Real phones present a certificate for a MAC-based name that no client can verify
//! (research/real-devices.md §2), so a lab client pins it or skips verification; the
//! emulator prints the SHA-256 fingerprint so `--pin-sha256` can be used against it.

use crate::device::tls::{fingerprint, install_provider};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio_rustls::TlsAcceptor;

/// A certificate, its fingerprint and the acceptor that serves it.
pub struct Identity {
    pub acceptor: TlsAcceptor,
    pub fingerprint: String,
}

impl Identity {
    /// A fresh self-signed certificate for `localhost`, the loopback addresses and the
    /// address the emulator listens on.
    pub fn generate(addr: SocketAddr) -> Result<Identity, String> {
        install_provider();
        let mut names = vec!["localhost".to_string(), "127.0.0.1".to_string(), "::1".to_string()];
        let ip = addr.ip().to_string();
        if !names.contains(&ip) && !addr.ip().is_unspecified() {
            names.push(ip);
        }
        let certified = rcgen::generate_simple_self_signed(names).map_err(|e| e.to_string())?;
        let cert_der: CertificateDer<'static> = certified.cert.der().clone();
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certified.key_pair.serialize_der()));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_no_client_auth()
            .with_single_cert(vec![cert_der.clone()], key)
            .map_err(|e| e.to_string())?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Identity { acceptor: TlsAcceptor::from(Arc::new(config)), fingerprint: fingerprint(cert_der.as_ref()) })
    }
}
