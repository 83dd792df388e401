//! go-plugin's AutoMTLS, server side.
//!
//! Terraform passes its client certificate (PEM) in `PLUGIN_CLIENT_CERT`; we make
//! a fresh self-signed server certificate, announce its DER (base64, no padding)
//! in the handshake line, and accept only TLS clients that present exactly the
//! certificate Terraform gave us.
//!
//! Two facts shape this module:
//! - go-plugin's certificates are CA certificates used as leaves. WebPKI
//!   verification (what tonic's `ServerTlsConfig` uses) rejects that
//!   (`CaUsedAsEndEntity`), so the client certificate is pinned byte for byte by
//!   our own verifier instead of being chain-verified.
//! - go-plugin's client key is ECDSA P-521, which the `ring` provider cannot
//!   verify; P-521 handshake signatures are checked with the pure-Rust `p521`
//!   crate, everything else with ring.

use super::PluginError;
use std::io;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::mpsc;
use tokio_rustls::rustls;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;
use tokio_stream::{Stream, StreamExt};

use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, SignatureScheme};

/// How long a client gets to finish the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// go-plugin's server certificate lifetime (262980 hours, about 30 years).
const CERT_LIFETIME: Duration = Duration::from_secs(262_980 * 3600);

/// A freshly generated server identity.
pub(super) struct ServerIdentity {
    pub cert_der: CertificateDer<'static>,
    key_der: PrivatePkcs8KeyDer<'static>,
}

impl std::fmt::Debug for ServerIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerIdentity")
            .field("cert_der_len", &self.cert_der.len())
            .finish_non_exhaustive()
    }
}

impl ServerIdentity {
    /// The certificate as the handshake line carries it: standard base64, no padding.
    pub(super) fn cert_base64(&self) -> String {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(self.cert_der.as_ref())
    }
}

/// A self-signed ECDSA P-256 certificate for `localhost`, usable as server,
/// client and CA, valid from 30 seconds ago for about 30 years (as go-plugin does).
pub(crate) fn generate_server_identity(organization: &str) -> Result<ServerIdentity, PluginError> {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
        KeyUsagePurpose, SanType, SerialNumber,
    };
    let tls_err = |e: rcgen::Error| PluginError::Tls(format!("generating server certificate: {e}"));
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(tls_err)?;
    let mut params = CertificateParams::default();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    params
        .distinguished_name
        .push(DnType::OrganizationName, organization);
    params.subject_alt_names = vec![SanType::DnsName("localhost".try_into().map_err(tls_err)?)];
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
        KeyUsagePurpose::KeyCertSign,
    ];
    params.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ServerAuth,
        ExtendedKeyUsagePurpose::ClientAuth,
    ];
    let mut serial = [0u8; 16];
    fastrand::fill(&mut serial);
    serial[0] &= 0x7f; // keep it positive
    params.serial_number = Some(SerialNumber::from_slice(&serial));
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let epoch = rcgen::date_time_ymd(1970, 1, 1);
    params.not_before = epoch + now.saturating_sub(Duration::from_secs(30));
    params.not_after = epoch + (now + CERT_LIFETIME);
    let cert = params.self_signed(&key).map_err(tls_err)?;
    Ok(ServerIdentity {
        cert_der: cert.der().clone(),
        key_der: PrivatePkcs8KeyDer::from(key.serialize_der()),
    })
}

/// The first certificate in a PEM text, as DER.
pub(super) fn parse_client_cert(pem: &str) -> Result<CertificateDer<'static>, PluginError> {
    CertificateDer::from_pem_slice(pem.as_bytes()).map_err(|e| {
        PluginError::Tls(format!(
            "PLUGIN_CLIENT_CERT holds no usable PEM certificate: {e}"
        ))
    })
}

/// A rustls acceptor that serves `identity` over h2 and requires `client_cert`.
pub(super) fn acceptor(
    identity: &ServerIdentity,
    client_cert: CertificateDer<'static>,
) -> Result<TlsAcceptor, PluginError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = PinnedClientCert::new(client_cert, provider.clone())?;
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| PluginError::Tls(e.to_string()))?
        .with_client_cert_verifier(Arc::new(verifier))
        .with_single_cert(
            vec![identity.cert_der.clone()],
            PrivateKeyDer::Pkcs8(identity.key_der.clone_key()),
        )
        .map_err(|e| PluginError::Tls(format!("server certificate: {e}")))?;
    // gRPC clients (grpc-go included) insist on HTTP/2 being negotiated by ALPN.
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Most TLS handshakes in progress at once. Terraform makes one connection;
/// the cap keeps a flood of idle connections from holding a task, a buffer and
/// a file descriptor each for the whole [`HANDSHAKE_TIMEOUT`].
pub(crate) const MAX_PENDING_HANDSHAKES: usize = 32;

/// Turns a stream of accepted connections into a stream of finished TLS
/// sessions. Handshakes run concurrently; failed ones are logged and dropped
/// so one bad client cannot stall the others.
///
/// Against floods: at most [`MAX_PENDING_HANDSHAKES`] run at once, and making
/// room (for a new connection, or when `accept` fails for want of file
/// descriptors) drops the oldest one still waiting — an honest client finishes
/// its handshake in milliseconds, an idle one is the first to go. Failed
/// accepts are paused on ([`super::accept`]), never retried in a busy loop.
pub(super) fn tls_incoming<S, IO>(
    mut listener: S,
    acceptor: TlsAcceptor,
) -> impl Stream<Item = io::Result<TlsStream<IO>>> + Send + 'static
where
    S: Stream<Item = io::Result<IO>> + Send + Unpin + 'static,
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (tx, rx) = mpsc::channel(16);
    tokio::spawn(async move {
        let mut backoff = super::accept::AcceptBackoff::new("plugin");
        let mut pending: std::collections::VecDeque<tokio::task::AbortHandle> = Default::default();
        let mut dropped = 0u64;
        let failures = Arc::new(super::accept::WarnEvery::default());
        loop {
            let conn = tokio::select! {
                c = listener.next() => c,
                _ = tx.closed() => break,
            };
            pending.retain(|h| !h.is_finished());
            let io = match conn {
                Some(Ok(io)) => io,
                Some(Err(e)) => {
                    // Out of descriptors or memory: the oldest idle handshake
                    // gives its share back. (A peer that hung up before the
                    // accept, ECONNABORTED, costs nobody else's handshake.)
                    if out_of_resources(&e) {
                        if let Some(oldest) = pending.pop_front() {
                            oldest.abort();
                            dropped += 1;
                        }
                    }
                    backoff.wait(&e).await;
                    continue;
                }
                None => break,
            };
            backoff.reset();
            while pending.len() >= MAX_PENDING_HANDSHAKES {
                if let Some(oldest) = pending.pop_front() {
                    oldest.abort();
                    dropped += 1;
                    if dropped.is_power_of_two() {
                        log_warn!(
                            "plugin",
                            "too many TLS handshakes at once; dropped the oldest unfinished ones",
                            dropped_so_far = dropped,
                            limit = MAX_PENDING_HANDSHAKES
                        );
                    }
                }
            }
            let acceptor = acceptor.clone();
            let tx = tx.clone();
            let failures = failures.clone();
            let task = tokio::spawn(async move {
                let why = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(io)).await {
                    Ok(Ok(tls)) => {
                        let _ = tx.send(Ok(tls)).await;
                        return;
                    }
                    Ok(Err(e)) => e.to_string(),
                    Err(_) => "timed out".to_string(),
                };
                // A peer can fail handshakes at will: one warning per window.
                if let Some(left_out) = failures.allow() {
                    log_warn!(
                        "plugin",
                        "TLS handshake refused",
                        error = why,
                        failures_not_logged = left_out
                    );
                }
            });
            pending.push_back(task.abort_handle());
        }
        for h in pending {
            h.abort();
        }
    });
    tokio_stream::wrappers::ReceiverStream::new(rx)
}

/// EMFILE, ENFILE, ENOBUFS, ENOMEM: the process (or system) is out of
/// something a pending handshake holds.
fn out_of_resources(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(24 | 23 | 105 | 12))
}

/// Accepts exactly one client certificate, compared byte for byte, and checks
/// the client's handshake signature against that certificate's key.
#[derive(Debug)]
struct PinnedClientCert {
    cert: CertificateDer<'static>,
    /// Raw SEC1 point of the key when it is on P-521, which ring cannot verify.
    p521_point: Option<Vec<u8>>,
    hints: Vec<DistinguishedName>,
    provider: Arc<CryptoProvider>,
}

impl PinnedClientCert {
    fn new(
        cert: CertificateDer<'static>,
        provider: Arc<CryptoProvider>,
    ) -> Result<Self, PluginError> {
        let bad = |e: String| PluginError::Tls(format!("PLUGIN_CLIENT_CERT: {e}"));
        let mut roots = rustls::RootCertStore::empty();
        roots.add(cert.clone()).map_err(|e| bad(e.to_string()))?;
        let spki = cert_spki(&cert).map_err(bad)?;
        Ok(Self {
            p521_point: p521_point_from_spki(&spki),
            hints: roots.subjects(),
            cert,
            provider,
        })
    }

    fn check_cert(&self, cert: &CertificateDer<'_>) -> Result<(), rustls::Error> {
        if cert.as_ref() == self.cert.as_ref() {
            Ok(())
        } else {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_p521(
        &self,
        message: &[u8],
        dss: &DigitallySignedStruct,
    ) -> Option<Result<HandshakeSignatureValid, rustls::Error>> {
        let point = self.p521_point.as_ref()?;
        if dss.scheme != SignatureScheme::ECDSA_NISTP521_SHA512 {
            return None;
        }
        Some(
            verify_p521_sha512(point, message, dss.signature())
                .then(HandshakeSignatureValid::assertion)
                .ok_or(rustls::Error::InvalidCertificate(
                    rustls::CertificateError::BadSignature,
                )),
        )
    }

    /// A handshake signature by the pinned certificate: P-521 ourselves (rustls's
    /// ring provider has no P-521), anything else through rustls's `verify`
    /// (its TLS 1.2 or 1.3 verifier).
    fn verify_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
        verify: fn(
            &[u8],
            &CertificateDer<'_>,
            &DigitallySignedStruct,
            &rustls::crypto::WebPkiSupportedAlgorithms,
        ) -> Result<HandshakeSignatureValid, rustls::Error>,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.check_cert(cert)?;
        if let Some(r) = self.verify_p521(message, dss) {
            return r;
        }
        verify(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }
}

impl ClientCertVerifier for PinnedClientCert {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &self.hints
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        self.check_cert(end_entity)?;
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.verify_signature(message, cert, dss, verify_tls12_signature)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.verify_signature(message, cert, dss, verify_tls13_signature)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        let mut schemes = self
            .provider
            .signature_verification_algorithms
            .supported_schemes();
        if self.p521_point.is_some() {
            schemes.insert(0, SignatureScheme::ECDSA_NISTP521_SHA512);
        }
        schemes
    }
}

/// The SubjectPublicKeyInfo (with its SEQUENCE header) of a certificate.
fn cert_spki(cert: &CertificateDer<'_>) -> Result<Vec<u8>, String> {
    // Walk the DER just far enough: Certificate ::= SEQUENCE { tbs, .. };
    // tbs ::= SEQUENCE { [0] version, serial, sigAlg, issuer, validity, subject, spki, .. }
    let (_, cert_body, _) = der_tlv(cert.as_ref()).ok_or("not DER")?;
    let (_, mut tbs, _) = der_tlv(cert_body).ok_or("no tbsCertificate")?;
    let mut index = 0;
    loop {
        let (tag, _, rest) = der_tlv(tbs).ok_or("truncated tbsCertificate")?;
        let element = &tbs[..tbs.len() - rest.len()];
        // The optional [0] version is skipped without counting it.
        if !(index == 0 && tag == 0xa0) {
            if index == 5 {
                return Ok(element.to_vec());
            }
            index += 1;
        }
        tbs = rest;
    }
}

/// Splits one DER element: (tag, contents, what follows).
fn der_tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (first as usize, rest)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | *b as usize);
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

/// DER of OID 1.3.132.0.35 (secp521r1).
const SECP521R1_OID: &[u8] = &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23];

/// The public point when the SPKI is an EC key on P-521.
fn p521_point_from_spki(spki: &[u8]) -> Option<Vec<u8>> {
    let (_, body, _) = der_tlv(spki)?;
    let (_, alg, rest) = der_tlv(body)?;
    if !alg.windows(SECP521R1_OID.len()).any(|w| w == SECP521R1_OID) {
        return None;
    }
    let (tag, bits, _) = der_tlv(rest)?;
    // BIT STRING: first content byte is the count of unused bits (0).
    match (tag, bits.split_first()) {
        (0x03, Some((0, point))) => Some(point.to_vec()),
        _ => None,
    }
}

/// ECDSA P-521 with SHA-512 over `message`, signature DER-encoded as TLS sends it.
fn verify_p521_sha512(point: &[u8], message: &[u8], signature_der: &[u8]) -> bool {
    use p521::ecdsa::signature::Verifier as _;
    let Ok(key) = p521::ecdsa::VerifyingKey::from_sec1_bytes(point) else {
        return false;
    };
    let Ok(sig) = p521::ecdsa::Signature::from_der(signature_der) else {
        return false;
    };
    key.verify(message, &sig).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_identity_matches_go_plugin_shape() {
        let id = generate_server_identity("terraform-provider-test").unwrap();
        let b64 = id.cert_base64();
        assert!(!b64.contains('='), "no padding: {b64}");
        use base64::Engine as _;
        let back = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(&b64)
            .unwrap();
        assert_eq!(back, id.cert_der.as_ref());
        // rustls can load it as a trust anchor and as a server identity.
        let mut roots = rustls::RootCertStore::empty();
        roots.add(id.cert_der.clone()).unwrap();
        let other = generate_server_identity("terraform-provider-test").unwrap();
        assert_ne!(other.cert_der, id.cert_der, "each start makes a fresh cert");
        // The SPKI walk lands on an EC P-256 key, not a P-521 one.
        let spki = cert_spki(&id.cert_der).unwrap();
        assert_eq!(spki[0], 0x30);
        assert!(p521_point_from_spki(&spki).is_none());
        assert!(format!("{id:?}").contains("cert_der_len"));
    }

    #[test]
    fn pem_parsing() {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let cert = rcgen::CertificateParams::new(vec!["localhost".into()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let der = parse_client_cert(&cert.pem()).unwrap();
        assert_eq!(der.as_ref(), cert.der().as_ref());
        assert!(parse_client_cert("not a cert").is_err());
    }

    #[test]
    fn pinning_accepts_only_the_given_cert() {
        let make = || {
            let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
            rcgen::CertificateParams::new(vec!["localhost".into()])
                .unwrap()
                .self_signed(&key)
                .unwrap()
                .der()
                .clone()
        };
        let (a, b) = (make(), make());
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let v = PinnedClientCert::new(a.clone(), provider).unwrap();
        assert!(v.verify_client_cert(&a, &[], UnixTime::now()).is_ok());
        assert!(v.verify_client_cert(&b, &[], UnixTime::now()).is_err());
        assert!(v.client_auth_mandatory());
        assert_eq!(v.root_hint_subjects().len(), 1);
        assert!(!v
            .supported_verify_schemes()
            .contains(&SignatureScheme::ECDSA_NISTP521_SHA512));
    }

    #[test]
    fn p521_signatures() {
        use p521::ecdsa::signature::Signer as _;
        // A fixed, valid P-521 scalar (test only).
        let mut scalar = [7u8; 66];
        scalar[0] = 0;
        let sk = p521::ecdsa::SigningKey::from_slice(&scalar).unwrap();
        let point = p521::ecdsa::VerifyingKey::from(&sk)
            .to_encoded_point(false)
            .as_bytes()
            .to_vec();
        let sig: p521::ecdsa::Signature = sk.sign(b"handshake transcript");
        let der = sig.to_der();
        assert!(verify_p521_sha512(
            &point,
            b"handshake transcript",
            der.as_bytes()
        ));
        assert!(!verify_p521_sha512(
            &point,
            b"another transcript",
            der.as_bytes()
        ));
        assert!(!verify_p521_sha512(
            &point,
            b"handshake transcript",
            b"junk"
        ));

        // And the SPKI reader finds that point in a P-521 SubjectPublicKeyInfo.
        let mut spki_body = Vec::new();
        let alg: Vec<u8> = [
            &[0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01][..],
            SECP521R1_OID,
        ]
        .concat();
        spki_body.push(0x30);
        spki_body.push(alg.len() as u8);
        spki_body.extend_from_slice(&alg);
        spki_body.extend_from_slice(&[0x03, 0x81, (point.len() + 1) as u8, 0x00]);
        spki_body.extend_from_slice(&point);
        let mut spki = vec![0x30, 0x81, spki_body.len() as u8];
        spki.extend_from_slice(&spki_body);
        assert_eq!(p521_point_from_spki(&spki).as_deref(), Some(&point[..]));
    }

    /// When accept keeps failing (EMFILE), the loop pauses instead of spinning.
    #[tokio::test]
    async fn failing_accepts_are_paused_on() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let id = generate_server_identity("terraform-provider-test").unwrap();
        let acceptor = acceptor(&id, id.cert_der.clone()).unwrap();
        let polls = Arc::new(AtomicUsize::new(0));
        let listener = super::super::accept::tests::failing_listener(polls.clone());
        let stream = tls_incoming(listener, acceptor);
        tokio::time::sleep(Duration::from_millis(1000)).await;
        let n = polls.load(Ordering::SeqCst);
        assert!((2..=12).contains(&n), "{n} accepts in one second");
        drop(stream);
    }

    /// Idle connections beyond the cap push out the oldest unfinished
    /// handshakes at once (their peers see the connection closed), so a flood
    /// of them holds at most MAX_PENDING_HANDSHAKES, and a real client that
    /// comes after them is served.
    #[tokio::test]
    async fn idle_handshakes_beyond_the_cap_drop_the_oldest() {
        use tokio::io::AsyncReadExt as _;
        let id = generate_server_identity("terraform-provider-test").unwrap();
        let acceptor = acceptor(&id, id.cert_der.clone()).unwrap();
        let (conn_tx, conn_rx) = mpsc::channel::<io::Result<tokio::io::DuplexStream>>(1024);
        let mut sessions = tls_incoming(
            tokio_stream::wrappers::ReceiverStream::new(conn_rx),
            acceptor,
        );
        let mut idle = Vec::new();
        for _ in 0..(MAX_PENDING_HANDSHAKES + 10) {
            let (ours, theirs) = tokio::io::duplex(4096);
            conn_tx.send(Ok(theirs)).await.unwrap();
            idle.push(ours);
        }
        // The first ten were dropped: reading them ends (EOF) rather than waits.
        for (i, c) in idle.iter_mut().enumerate().take(10) {
            let mut b = [0u8; 1];
            let r = tokio::time::timeout(Duration::from_secs(5), c.read(&mut b)).await;
            assert!(
                matches!(r, Ok(Ok(0)) | Ok(Err(_))),
                "idle connection {i}: {r:?}"
            );
        }
        // The newest are still waiting for their ClientHello.
        let mut b = [0u8; 1];
        let r = tokio::time::timeout(Duration::from_millis(100), idle[40].read(&mut b)).await;
        assert!(r.is_err(), "newest idle connection was closed: {r:?}");
        // A real client still gets its session.
        let (client_io, server_io) = tokio::io::duplex(64 * 1024);
        conn_tx.send(Ok(server_io)).await.unwrap();
        let client = async move {
            // The server pins its own certificate as the client's: present it.
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let cfg = rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .unwrap()
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AnyServer))
                .with_client_auth_cert(
                    vec![id.cert_der.clone()],
                    PrivateKeyDer::Pkcs8(id.key_der.clone_key()),
                )
                .unwrap();
            let connector = tokio_rustls::TlsConnector::from(Arc::new(cfg));
            let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
            connector.connect(name, client_io).await
        };
        let (client, session) = tokio::join!(
            client,
            tokio::time::timeout(Duration::from_secs(5), sessions.next())
        );
        client.expect("client handshake");
        assert!(matches!(session, Ok(Some(Ok(_)))), "server session");
    }

    /// Accepts any server certificate (the test's client only needs a session).
    #[derive(Debug)]
    struct AnyServer;

    impl rustls::client::danger::ServerCertVerifier for AnyServer {
        fn verify_server_cert(
            &self,
            _: &CertificateDer<'_>,
            _: &[CertificateDer<'_>],
            _: &rustls::pki_types::ServerName<'_>,
            _: &[u8],
            _: UnixTime,
        ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
            Ok(rustls::client::danger::ServerCertVerified::assertion())
        }
        fn verify_tls12_signature(
            &self,
            _: &[u8],
            _: &CertificateDer<'_>,
            _: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            Ok(HandshakeSignatureValid::assertion())
        }
        fn verify_tls13_signature(
            &self,
            _: &[u8],
            _: &CertificateDer<'_>,
            _: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            Ok(HandshakeSignatureValid::assertion())
        }
        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            rustls::crypto::ring::default_provider()
                .signature_verification_algorithms
                .supported_schemes()
        }
    }
}
