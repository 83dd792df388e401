//! `--tls-self-signed DIR`: the simulator serves HTTPS with a certificate signed
//! by a CA it makes itself and writes to `DIR/ca.pem`, so tests (and users) can
//! trust exactly that CA, e.g. through `SSL_CERT_FILE`.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::rustls;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

/// The names every simulator certificate covers, besides `--tls-name`s.
pub const DEFAULT_NAMES: [&str; 2] = ["localhost", "127.0.0.1"];
/// The CA certificate's file name inside the directory.
pub const CA_FILE: &str = "ca.pem";
/// A client has this long to finish its TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// A fresh CA (written to `dir/ca.pem`) and a server certificate it signed.
pub struct SelfSigned {
    /// Where the CA certificate was written.
    pub ca_file: PathBuf,
    config: Arc<rustls::ServerConfig>,
}

fn tls_err(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(format!("setting up TLS: {e}"))
}

impl SelfSigned {
    /// Makes a CA and a server certificate for [`DEFAULT_NAMES`] and `extra_names`;
    /// writes the CA to `dir/ca.pem` (creating `dir`).
    pub fn create(dir: &Path, extra_names: &[String]) -> io::Result<SelfSigned> {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
        let ca_key = KeyPair::generate().map_err(tls_err)?;
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(tls_err)?;
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "tencentchat-sim test CA");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca_cert = ca_params.self_signed(&ca_key).map_err(tls_err)?;
        let issuer = Issuer::new(ca_params, ca_key);

        let mut names: Vec<String> = DEFAULT_NAMES.iter().map(|s| s.to_string()).collect();
        names.extend(extra_names.iter().cloned());
        let key = KeyPair::generate().map_err(tls_err)?;
        let mut params = CertificateParams::new(names).map_err(tls_err)?;
        params
            .distinguished_name
            .push(DnType::CommonName, "tencentchat-sim");
        let cert = params.signed_by(&key, &issuer).map_err(tls_err)?;

        std::fs::create_dir_all(dir)?;
        let ca_file = dir.join(CA_FILE);
        // A new file renamed into place: a link planted at DIR/ca.pem is
        // replaced, never written through.
        super::persist::write_new_then_rename(&ca_file, ca_cert.pem().as_bytes(), 0o600)?;

        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(tls_err)?
            .with_no_client_auth()
            .with_single_cert(
                vec![cert.der().clone()],
                rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
            )
            .map_err(tls_err)?;
        Ok(SelfSigned {
            ca_file,
            config: Arc::new(config),
        })
    }
}

impl SelfSigned {
    /// The server side, for another HTTPS server trusted through the same CA
    /// (the packaging tests' network mirror).
    pub fn server_config(&self) -> Arc<rustls::ServerConfig> {
        self.config.clone()
    }
}

/// A TCP listener whose connections are TLS: the handshake runs in `accept`,
/// and a connection whose handshake fails is dropped.
pub(crate) struct TlsListener {
    tcp: TcpListener,
    acceptor: TlsAcceptor,
}

impl TlsListener {
    pub(crate) fn new(tcp: TcpListener, tls: &SelfSigned) -> TlsListener {
        TlsListener {
            tcp,
            acceptor: TlsAcceptor::from(tls.config.clone()),
        }
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let (stream, addr) = match self.tcp.accept().await {
                Ok(s) => s,
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, self.acceptor.accept(stream)).await {
                Ok(Ok(tls)) => return (tls, addr),
                Ok(Err(e)) => log_debug!("sim", "TLS handshake failed", error = e),
                Err(_) => log_debug!("sim", "TLS handshake timed out"),
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A link planted at DIR/ca.pem is replaced by the new CA, its target untouched.
    #[test]
    fn a_link_at_ca_pem_is_not_written_through() {
        use std::os::unix::fs::{symlink, PermissionsExt as _};
        let dir = std::env::temp_dir().join(format!("sim-tls-link-{:016x}", fastrand::u64(..)));
        std::fs::create_dir_all(&dir).unwrap();
        let victim = dir.join("victim");
        std::fs::write(&victim, b"precious").unwrap();
        symlink(&victim, dir.join(CA_FILE)).unwrap();
        let tls = SelfSigned::create(&dir, &[]).unwrap();
        assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
        let meta = std::fs::symlink_metadata(&tls.ca_file).unwrap();
        assert!(meta.file_type().is_file(), "{meta:?}");
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        let pem = std::fs::read_to_string(&tls.ca_file).unwrap();
        assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 2, "no temporary file left: {names:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
