//! Starts the real provider binary the way Terraform's go-plugin client does and
//! talks to it over its Unix socket: cookie and protocol checks, the handshake
//! line, AutoMTLS (with a P-256 client cert and with a go-plugin-shaped P-521 CA
//! cert), health, stdio, broker, Shutdown, SIGINT handling and --debug.

use base64::Engine as _;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use hyper_util::rt::TokioIo;
use tencentchat::plugin::proto::grpc_broker_client::GrpcBrokerClient;
use tencentchat::plugin::proto::grpc_controller_client::GrpcControllerClient;
use tencentchat::plugin::proto::grpc_stdio_client::GrpcStdioClient;
use tencentchat::plugin::proto::{ConnInfo, Empty};
use tokio::net::UnixStream;
use tokio_rustls::rustls;
use tonic::transport::{Channel, Endpoint};
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::HealthCheckRequest;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

const BIN: &str = env!("CARGO_BIN_EXE_terraform-provider-tencentchat");
const COOKIE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
const WAIT: Duration = Duration::from_secs(20);

/// A client certificate shaped like go-plugin's (ECDSA P-521, self-signed CA,
/// O=HashiCorp CN=localhost, client+server auth), made once with openssl for
/// this test, with its private scalar. Test material only.
const P521_CERT_PEM: &str = "-----BEGIN CERTIFICATE-----
MIICdjCCAdegAwIBAgIUWWGwjrSTJrjXp3phzvdOXUtOAN0wCgYIKoZIzj0EAwQw
KDESMBAGA1UECgwJSGFzaGlDb3JwMRIwEAYDVQQDDAlsb2NhbGhvc3QwIBcNMjYx
MTIxMjEwMDQ1WhgPMjA1NjExMTMyMTAwNDVaMCgxEjAQBgNVBAoMCUhhc2hpQ29y
cDESMBAGA1UEAwwJbG9jYWxob3N0MIGbMBAGByqGSM49AgEGBSuBBAAjA4GGAAQA
y56wSZf0lqA011wzXklBV9QvE9dxEdQ42EIhh6/Yyo/nRM7dyaMqu+sPYZkg1/gF
AKikN6uS7MDVIxoUBQV9GrQAQn4A6K6D7hcJckEc9pw/xqh+WD7I2djEIYUV2CpX
s2Y6HsJP6gZGdsmDf+POKmBOxMiOGuzYqAIM+t241Gnr3VqjgZkwgZYwHQYDVR0O
BBYEFN9QJXxqvNkXR5XXhBtHEY6mrUYrMB8GA1UdIwQYMBaAFN9QJXxqvNkXR5XX
hBtHEY6mrUYrMBQGA1UdEQQNMAuCCWxvY2FsaG9zdDAPBgNVHRMBAf8EBTADAQH/
MA4GA1UdDwEB/wQEAwICrDAdBgNVHSUEFjAUBggrBgEFBQcDAgYIKwYBBQUHAwEw
CgYIKoZIzj0EAwQDgYwAMIGIAkIBMpb/js1D1I9U3MSeP44qWPyMwcw3Lo5I8vfx
rK0HzxMvTbd7qIFnfgT4nEjHQqww+e5UZNl2UfBlznpSRRjZ5BMCQgG5Suu6D2FL
VwiRKd33ukO9JCm+jEcqCjtxel3LiRkNQ39LCbU48baKnzKHS6dL6yl9FnLEI0Od
NjC3vHj04yoPCA==
-----END CERTIFICATE-----
";
const P521_KEY_HEX: &str = "0075864f3b8420124a18d7031a1ad8207115ff9e83e59dfc204e085cdb6afa544396535592b50e7788d60fcdd1ea3ecef84809c1bd339b0b3b25b12e34e0b254ee35";

// ---------------------------------------------------------------- process

struct Plugin {
    child: Child,
    stdout: mpsc::Receiver<String>,
    stderr: Arc<Mutex<String>>,
    dir: PathBuf,
}

impl Plugin {
    fn start(args: &[&str], env: &[(&str, &str)]) -> Plugin {
        Self::start_under(None, args, env)
    }

    /// Like [`start`](Self::start), with the soft limit of open files lowered
    /// to `max_files` first (through a shell's `ulimit -n`, then `exec`, so the
    /// child's pid is the provider's).
    fn start_under(max_files: Option<u32>, args: &[&str], env: &[(&str, &str)]) -> Plugin {
        let dir = std::env::temp_dir().join(format!("tc-plugin-test-{:016x}", fastrand::u64(..)));
        std::fs::create_dir_all(&dir).unwrap();
        let mut cmd = match max_files {
            None => Command::new(BIN),
            Some(n) => {
                let mut c = Command::new("sh");
                c.arg("-c")
                    .arg(format!("ulimit -n {n} && exec \"$0\" \"$@\""))
                    .arg(BIN);
                c
            }
        };
        for var in [
            "TF_PLUGIN_MAGIC_COOKIE",
            "PLUGIN_PROTOCOL_VERSIONS",
            "PLUGIN_CLIENT_CERT",
            "PLUGIN_MIN_PORT",
            "PLUGIN_MAX_PORT",
        ] {
            cmd.env_remove(var);
        }
        cmd.env("PLUGIN_UNIX_SOCKET_DIR", &dir)
            .envs(env.iter().copied())
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn provider");
        let out = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut err = child.stderr.take().unwrap();
        let sink = stderr.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = err.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Plugin {
            child,
            stdout: rx,
            stderr,
            dir,
        }
    }

    fn line(&self) -> String {
        self.stdout
            .recv_timeout(WAIT)
            .unwrap_or_else(|e| panic!("no stdout line ({e}); stderr: {}", self.stderr()))
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    fn stderr_len(&self) -> usize {
        self.stderr.lock().unwrap().len()
    }

    /// User plus system CPU time the provider has used so far.
    fn cpu(&self) -> Duration {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id()))
            .expect("/proc/PID/stat");
        // Fields after the command name in parentheses; utime and stime are the
        // 14th and 15th of the whole line, in clock ticks.
        let rest = &stat[stat.rfind(')').expect("comm") + 2..];
        let fields: Vec<u64> = rest
            .split(' ')
            .skip(11)
            .take(2)
            .map(|f| f.parse().expect("tick count"))
            .collect();
        let hz: u64 = Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(100);
        Duration::from_millis((fields[0] + fields[1]) * 1000 / hz)
    }

    fn wait_exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "provider did not exit; stderr: {}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .args([sig, &self.child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill {sig}");
    }

    /// Nothing more was printed on stdout, and stdout is closed.
    fn assert_stdout_done(&self) {
        match self.stdout.recv_timeout(WAIT) {
            Err(mpsc::RecvTimeoutError::Disconnected) => {}
            other => panic!("unexpected stdout after the handshake: {other:?}"),
        }
    }
}

impl Drop for Plugin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Runs to completion and returns (status, stdout, stderr).
fn run(args: &[&str], env: &[(&str, &str)]) -> (ExitStatus, String, String) {
    let mut p = Plugin::start(args, env);
    let status = p.wait_exit();
    let mut out = String::new();
    while let Ok(line) = p.stdout.recv_timeout(WAIT) {
        out.push_str(&line);
        out.push('\n');
    }
    // Give the stderr reader a moment to drain after exit.
    std::thread::sleep(Duration::from_millis(50));
    (status, out, p.stderr())
}

// ---------------------------------------------------------------- TLS client

/// Trusts exactly the certificate announced in the handshake, the way
/// go-plugin's client puts it alone in its root pool.
#[derive(Debug)]
struct AnnouncedServerCert {
    der: Vec<u8>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for AnnouncedServerCert {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        assert_eq!(server_name.to_str(), "localhost");
        if end_entity.as_ref() == self.der.as_slice() {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General(
                "not the announced server cert".into(),
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// A P-521 client key; ring cannot sign with it, the p521 crate can.
struct P521Key(p521::ecdsa::SigningKey);

impl std::fmt::Debug for P521Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("P521Key(..)")
    }
}

impl rustls::sign::SigningKey for P521Key {
    fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<Box<dyn rustls::sign::Signer>> {
        offered
            .contains(&SignatureScheme::ECDSA_NISTP521_SHA512)
            .then(|| Box::new(P521Signer(self.0.clone())) as Box<dyn rustls::sign::Signer>)
    }

    fn algorithm(&self) -> rustls::SignatureAlgorithm {
        rustls::SignatureAlgorithm::ECDSA
    }
}

struct P521Signer(p521::ecdsa::SigningKey);

impl std::fmt::Debug for P521Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("P521Signer(..)")
    }
}

impl rustls::sign::Signer for P521Signer {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, rustls::Error> {
        use p521::ecdsa::signature::Signer as _;
        let sig: p521::ecdsa::Signature = self.0.sign(message);
        Ok(sig.to_der().as_bytes().to_vec())
    }

    fn scheme(&self) -> SignatureScheme {
        SignatureScheme::ECDSA_NISTP521_SHA512
    }
}

#[derive(Debug)]
struct FixedClientCert(Arc<rustls::sign::CertifiedKey>);

impl rustls::client::ResolvesClientCert for FixedClientCert {
    fn resolve(
        &self,
        _hints: &[&[u8]],
        _schemes: &[SignatureScheme],
    ) -> Option<Arc<rustls::sign::CertifiedKey>> {
        Some(self.0.clone())
    }

    fn has_certs(&self) -> bool {
        true
    }
}

enum ClientCert {
    None,
    P256 {
        pem: String,
        der: Vec<u8>,
        key: Vec<u8>,
    },
    P521,
}

impl ClientCert {
    /// A self-signed CA certificate for localhost, as go-plugin's client makes.
    fn p256() -> ClientCert {
        use rcgen::{BasicConstraints, ExtendedKeyUsagePurpose, IsCa, KeyUsagePurpose};
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let mut params = rcgen::CertificateParams::new(vec!["localhost".into()]).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
            KeyUsagePurpose::KeyCertSign,
        ];
        params.extended_key_usages = vec![
            ExtendedKeyUsagePurpose::ClientAuth,
            ExtendedKeyUsagePurpose::ServerAuth,
        ];
        let cert = params.self_signed(&key).unwrap();
        ClientCert::P256 {
            pem: cert.pem(),
            der: cert.der().to_vec(),
            key: key.serialize_der(),
        }
    }

    fn pem(&self) -> String {
        match self {
            ClientCert::None => String::new(),
            ClientCert::P256 { pem, .. } => pem.clone(),
            ClientCert::P521 => P521_CERT_PEM.to_string(),
        }
    }

    fn tls_config(&self, server_der: &[u8]) -> rustls::ClientConfig {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .unwrap()
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnnouncedServerCert {
                der: server_der.to_vec(),
                provider,
            }));
        let mut config = match self {
            ClientCert::None => builder.with_no_client_auth(),
            ClientCert::P256 { der, key, .. } => builder
                .with_client_auth_cert(
                    vec![CertificateDer::from(der.clone())],
                    PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.clone())),
                )
                .unwrap(),
            ClientCert::P521 => {
                let der = CertificateDer::from_pem_slice(P521_CERT_PEM.as_bytes()).unwrap();
                let scalar = hex(P521_KEY_HEX);
                let key = p521::ecdsa::SigningKey::from_slice(&scalar).unwrap();
                let certified = rustls::sign::CertifiedKey::new(vec![der], Arc::new(P521Key(key)));
                builder.with_client_cert_resolver(Arc::new(FixedClientCert(Arc::new(certified))))
            }
        };
        config.alpn_protocols = vec![b"h2".to_vec()];
        config
    }
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// A gRPC channel over the Unix socket, with TLS when `tls` is given.
async fn connect(path: &str, tls: Option<rustls::ClientConfig>) -> Result<Channel, String> {
    let path = path.to_string();
    let connector = tls.map(|c| tokio_rustls::TlsConnector::from(Arc::new(c)));
    let endpoint = Endpoint::from_static("http://[::]:50051").connect_timeout(WAIT);
    match connector {
        None => {
            endpoint
                .connect_with_connector(tower::service_fn(move |_| {
                    let path = path.clone();
                    async move {
                        Ok::<_, std::io::Error>(TokioIo::new(UnixStream::connect(path).await?))
                    }
                }))
                .await
                .map_err(|e| format!("{e:?}"))
        }
        Some(connector) => endpoint
            .connect_with_connector(tower::service_fn(move |_| {
                let (path, connector) = (path.clone(), connector.clone());
                async move {
                    let sock = UnixStream::connect(path).await?;
                    let name = ServerName::try_from("localhost").unwrap();
                    let tls = connector.connect(name, sock).await?;
                    Ok::<_, std::io::Error>(TokioIo::new(tls))
                }
            }))
            .await
            .map_err(|e| format!("{e:?}")),
    }
}

async fn health(channel: Channel, service: &str) -> Result<i32, String> {
    let resp = HealthClient::new(channel)
        .check(HealthCheckRequest {
            service: service.into(),
        })
        .await
        .map_err(|s| format!("{s:?}"))?;
    Ok(resp.into_inner().status)
}

/// The six fields of `1|6|unix|/path|grpc|cert`.
fn parse_handshake(line: &str) -> (String, Vec<u8>) {
    let parts: Vec<&str> = line.split('|').collect();
    assert_eq!(parts.len(), 6, "handshake line: {line:?}");
    assert_eq!(&parts[..3], ["1", "6", "unix"], "handshake line: {line:?}");
    assert_eq!(parts[4], "grpc");
    assert!(!parts[5].contains('='), "cert must be unpadded base64");
    let cert = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(parts[5])
        .expect("base64 cert");
    (parts[3].to_string(), cert)
}

// ---------------------------------------------------------------- tests

#[test]
fn without_cookie_it_explains_and_exits() {
    let (status, out, err) = run(&[], &[]);
    assert!(!status.success());
    assert_eq!(out, "", "stdout must stay empty");
    assert!(
        err.contains("Terraform") && err.contains("not meant"),
        "stderr: {err}"
    );
    // A wrong cookie is the same as none.
    let (status, out, _) = run(&[], &[("TF_PLUGIN_MAGIC_COOKIE", "nope")]);
    assert!(!status.success());
    assert_eq!(out, "");
}

#[test]
fn protocol_5_only_is_refused() {
    let (status, out, err) = run(
        &[],
        &[
            ("TF_PLUGIN_MAGIC_COOKIE", COOKIE),
            ("PLUGIN_PROTOCOL_VERSIONS", "5"),
        ],
    );
    assert_eq!(status.code(), Some(1));
    assert_eq!(out, "");
    assert!(
        err.contains("protocol") && err.contains('6'),
        "stderr: {err}"
    );
}

#[test]
fn version_help_and_unknown_flags() {
    let (status, out, _) = run(&["--version"], &[]);
    assert!(status.success());
    assert_eq!(
        out,
        format!(
            "terraform-provider-tencentchat {}\n",
            env!("CARGO_PKG_VERSION")
        )
    );
    let (status, out, _) = run(&["--help"], &[]);
    assert!(status.success());
    assert!(out.contains("--debug"), "{out}");
    let (status, out, err) = run(&["--frobnicate"], &[]);
    assert!(!status.success());
    assert_eq!(out, "");
    assert!(
        err.contains("--frobnicate") && err.contains("--debug"),
        "{err}"
    );
}

/// The whole life of a plugin under Terraform, for one kind of client cert.
async fn full_session(client: ClientCert) {
    let pem = client.pem();
    let mut p = Plugin::start(
        &[],
        &[
            ("TF_PLUGIN_MAGIC_COOKIE", COOKIE),
            ("PLUGIN_PROTOCOL_VERSIONS", "5,6"),
            ("PLUGIN_CLIENT_CERT", &pem),
        ],
    );
    let (path, server_der) = parse_handshake(&p.line());
    assert!(Path::new(&path).starts_with(&p.dir), "{path}");
    assert!(Path::new(&path).exists());
    assert!(!server_der.is_empty(), "AutoMTLS must announce a cert");

    let channel = connect(&path, Some(client.tls_config(&server_der)))
        .await
        .expect("mTLS connect");
    assert_eq!(
        health(channel.clone(), "plugin").await,
        Ok(ServingStatus::Serving as i32)
    );
    assert_eq!(
        health(channel.clone(), "").await,
        Ok(ServingStatus::Serving as i32)
    );

    let mut stdio = GrpcStdioClient::new(channel.clone())
        .stream_stdio(())
        .await
        .expect("stdio")
        .into_inner();
    let mut broker = GrpcBrokerClient::new(channel.clone())
        .start_stream(tokio_stream::iter(vec![ConnInfo {
            service_id: 1,
            network: "unix".into(),
            address: "/nowhere".into(),
            knock: None,
        }]))
        .await
        .expect("broker")
        .into_inner();

    // An interrupt (Ctrl-C in Terraform's terminal) does not stop the plugin.
    p.signal("-INT");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        p.child.try_wait().unwrap().is_none(),
        "SIGINT must be ignored"
    );
    assert_eq!(
        health(channel.clone(), "plugin").await,
        Ok(ServingStatus::Serving as i32)
    );

    GrpcControllerClient::new(channel.clone())
        .shutdown(Empty {})
        .await
        .expect("shutdown");
    let status = tokio::task::block_in_place(|| p.wait_exit());
    assert_eq!(status.code(), Some(0), "stderr: {}", p.stderr());
    assert!(!Path::new(&path).exists(), "socket must be removed");
    // The open streams ended rather than hanging.
    let end = tokio::time::timeout(WAIT, stdio.message())
        .await
        .expect("stdio end");
    assert!(!matches!(end, Ok(Some(_))), "stdio sent data: {end:?}");
    let end = tokio::time::timeout(WAIT, broker.message())
        .await
        .expect("broker end");
    assert!(!matches!(end, Ok(Some(_))), "broker sent data: {end:?}");
    p.assert_stdout_done();
    let err = p.stderr();
    assert!(
        err.contains(r#""@message":"plugin address""#),
        "hclog lines on stderr: {err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn automtls_session_with_p256_client_cert() {
    full_session(ClientCert::p256()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn automtls_session_with_go_plugin_p521_client_cert() {
    full_session(ClientCert::P521).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_clients_are_refused() {
    let expected = ClientCert::p256();
    let pem = expected.pem();
    let p = Plugin::start(
        &[],
        &[
            ("TF_PLUGIN_MAGIC_COOKIE", COOKIE),
            ("PLUGIN_CLIENT_CERT", &pem),
        ],
    );
    let (path, server_der) = parse_handshake(&p.line());
    for (what, client) in [
        ("a different cert", Some(ClientCert::p256())),
        ("no cert", Some(ClientCert::None)),
        ("plaintext", None),
    ] {
        let result = match connect(&path, client.map(|c| c.tls_config(&server_der))).await {
            Ok(ch) => health(ch, "plugin").await,
            Err(e) => Err(e),
        };
        assert!(result.is_err(), "{what} must be refused, got {result:?}");
    }
    // The right client still gets in afterwards.
    let ch = connect(&path, Some(expected.tls_config(&server_der)))
        .await
        .unwrap();
    assert_eq!(
        health(ch, "plugin").await,
        Ok(ServingStatus::Serving as i32)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn debug_mode_prints_reattach_and_stops_on_ctrl_c() {
    // No cookie, and a client cert is ignored: debug mode is plaintext.
    let mut p = Plugin::start(&["--debug"], &[("PLUGIN_CLIENT_CERT", "junk")]);
    let first = p.line();
    assert!(first.starts_with("Provider started."), "{first}");
    let reattach = loop {
        let line = p.line();
        if let Some(rest) = line.strip_prefix("\tTF_REATTACH_PROVIDERS='") {
            break rest.strip_suffix('\'').expect("quoted").to_string();
        }
    };
    let v: serde_json::Value = serde_json::from_str(&reattach).unwrap();
    let entry = &v["registry.terraform.io/tencentchat/tencentchat"];
    assert_eq!(entry["Protocol"], "grpc");
    assert_eq!(entry["ProtocolVersion"], 6);
    assert_eq!(entry["Pid"], p.child.id());
    assert_eq!(entry["Test"], true);
    assert_eq!(entry["Addr"]["Network"], "unix");
    let path = entry["Addr"]["String"].as_str().unwrap().to_string();

    let channel = connect(&path, None).await.expect("plaintext connect");
    assert_eq!(
        health(channel, "plugin").await,
        Ok(ServingStatus::Serving as i32)
    );

    p.signal("-INT");
    let status = tokio::task::block_in_place(|| p.wait_exit());
    assert_eq!(status.code(), Some(0), "stderr: {}", p.stderr());
    assert!(!Path::new(&path).exists(), "socket must be removed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn falls_back_to_tcp_in_the_port_range() {
    // A socket directory that does not exist forces the TCP fallback.
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = probe.local_addr().unwrap().port();
    drop(probe);
    let port_s = port.to_string();
    let missing = std::env::temp_dir().join(format!("tc-missing-{:016x}", fastrand::u64(..)));
    let mut p = Plugin::start(
        &[],
        &[
            ("TF_PLUGIN_MAGIC_COOKIE", COOKIE),
            ("PLUGIN_UNIX_SOCKET_DIR", missing.to_str().unwrap()),
            ("PLUGIN_MIN_PORT", &port_s),
            ("PLUGIN_MAX_PORT", &port_s),
        ],
    );
    let line = p.line();
    assert_eq!(line, format!("1|6|tcp|127.0.0.1:{port}|grpc|"));
    let channel = Endpoint::from_shared(format!("http://127.0.0.1:{port}"))
        .unwrap()
        .connect()
        .await
        .expect("tcp connect");
    assert_eq!(
        health(channel.clone(), "plugin").await,
        Ok(ServingStatus::Serving as i32)
    );
    GrpcControllerClient::new(channel)
        .shutdown(Empty {})
        .await
        .expect("shutdown");
    let status = tokio::task::block_in_place(|| p.wait_exit());
    assert_eq!(status.code(), Some(0), "stderr: {}", p.stderr());
}

/// A local peer opens 200 idle connections to the plugin socket of a provider
/// limited to 64 open files (issue 19: it used to spin on EMFILE, writing
/// ~220 MiB of warnings in 3 s at full CPU). Over 3 s of that flood the
/// provider writes under 100 KiB to stderr and uses under 0.5 s of CPU, and
/// Terraform's client (AutoMTLS) is served while the flood is still open.
/// At 64 files the cap on pending handshakes keeps the provider clear of
/// EMFILE; at 32 it runs out of descriptors, and failed accepts are paused on
/// (each giving the oldest idle handshake's descriptor back).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_idle_connections_under_a_low_fd_limit_is_cheap_and_terraform_is_served() {
    flood_under(64).await;
    flood_under(32).await;
}

async fn flood_under(max_files: u32) {
    const FLOOD: usize = 200;
    let client = ClientCert::p256();
    let pem = client.pem();
    let p = Plugin::start_under(
        Some(max_files),
        &[],
        &[
            ("TF_PLUGIN_MAGIC_COOKIE", COOKIE),
            ("PLUGIN_CLIENT_CERT", &pem),
        ],
    );
    let (path, server_der) = parse_handshake(&p.line());
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", p.child.id())).unwrap();
    let open_files = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .unwrap()
        .to_string();
    assert!(
        open_files.split_whitespace().nth(3) == Some(max_files.to_string().as_str()),
        "{open_files}"
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (err_before, cpu_before) = (p.stderr_len(), p.cpu());
    let started = Instant::now();
    let mut flood = Vec::new();
    for _ in 0..FLOOD {
        // A connect beyond the listen backlog would wait: give up on it quickly.
        match tokio::time::timeout(Duration::from_millis(50), UnixStream::connect(&path)).await {
            Ok(Ok(c)) => flood.push(c),
            Ok(Err(e)) => panic!("connect: {e}"),
            Err(_) => {}
        }
    }
    tokio::time::sleep(Duration::from_secs(3).saturating_sub(started.elapsed())).await;
    let stderr_bytes = p.stderr_len() - err_before;
    let cpu = p.cpu() - cpu_before;
    eprintln!(
        "ulimit -n {max_files}: flood of {} idle connections (of {FLOOD} tried) for {:?}: \
         {stderr_bytes} bytes on stderr, {cpu:?} of CPU",
        flood.len(),
        started.elapsed()
    );
    assert!(flood.len() >= 100, "only {} connections made", flood.len());
    assert!(
        stderr_bytes < 100 * 1024,
        "{stderr_bytes} bytes of stderr; the start: {}",
        p.stderr()
            .chars()
            .skip(err_before)
            .take(2000)
            .collect::<String>()
    );
    assert!(cpu < Duration::from_millis(500), "{cpu:?} of CPU");
    if max_files <= 32 {
        // This limit is below the cap plus what the provider holds anyway:
        // accepts failed, and were paused on.
        assert!(
            p.stderr().contains("pausing before the next accept"),
            "no failed accept at {max_files} files: {}",
            p.stderr()
        );
    }

    // Terraform's own connection, with the flood still open.
    let channel = tokio::time::timeout(WAIT, connect(&path, Some(client.tls_config(&server_der))))
        .await
        .expect("mTLS connect in time")
        .expect("mTLS connect");
    assert_eq!(
        health(channel.clone(), "plugin").await,
        Ok(ServingStatus::Serving as i32)
    );
    // The flood closes, and 200 more connect and hang up at once: every one a
    // failed handshake, at most one warning per window between them.
    drop(flood);
    for _ in 0..FLOOD {
        if let Ok(Ok(c)) =
            tokio::time::timeout(Duration::from_millis(50), UnixStream::connect(&path)).await
        {
            drop(c);
        }
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let all = p.stderr_len() - err_before;
    let refused = p.stderr().matches("TLS handshake refused").count();
    eprintln!("after the hang-ups: {all} bytes on stderr, {refused} handshake warning(s)");
    assert!(all < 100 * 1024, "{all} bytes of stderr");
    assert!(refused <= 2, "{refused} handshake warnings");
    GrpcControllerClient::new(channel)
        .shutdown(Empty {})
        .await
        .expect("shutdown");
    let mut p = p;
    let status = tokio::task::block_in_place(|| p.wait_exit());
    assert_eq!(status.code(), Some(0), "stderr: {}", p.stderr());
}

/// `--debug` serves plain gRPC; with no usable directory for its Unix socket it
/// used to fall back to TCP on 127.0.0.1, open to every local user. Now it
/// stops with a message naming TMPDIR, and prints no reattach banner.
#[test]
fn debug_mode_without_a_socket_directory_refuses_tcp_and_names_tmpdir() {
    let missing = std::env::temp_dir().join(format!("tc-missing-{:016x}", fastrand::u64(..)));
    let (status, out, err) = run(
        &["--debug"],
        &[
            ("PLUGIN_UNIX_SOCKET_DIR", ""),
            ("TMPDIR", missing.to_str().unwrap()),
        ],
    );
    assert_eq!(status.code(), Some(1), "stdout: {out}\nstderr: {err}");
    assert!(out.is_empty(), "no banner: {out}");
    assert!(!err.contains("serving on TCP"), "{err}");
    let last = err.lines().last().unwrap_or_default();
    assert!(last.contains("TMPDIR"), "{last}");
    assert!(last.contains(missing.to_str().unwrap()), "{last}");
    assert!(last.contains("no TCP fallback in --debug mode"), "{last}");
}
