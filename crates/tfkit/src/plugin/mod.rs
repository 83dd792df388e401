//! Being a go-plugin server: the part of the provider Terraform talks to first.
//!
//! Owns: the magic-cookie and protocol-version checks, the listener (Unix socket
//! or TCP), AutoMTLS, the one handshake line on stdout (or the reattach banner
//! in `--debug` mode), the health service, go-plugin's controller/stdio/broker
//! services, signals, and graceful shutdown. Knows nothing of Terraform schemas:
//! the tfplugin6 service arrives ready-made in `routes`.
//!
//! Invariants: stdout carries the handshake line (or the debug banner) and
//! nothing else; the socket file is removed when serving ends; without
//! `--debug` an interrupt is ignored (Terraform stops providers through
//! StopProvider and Shutdown), and SIGTERM ends serving cleanly.

mod accept;
mod handshake;
mod listen;
mod services;
mod tls;

/// go-plugin's internal services, generated from `proto/plugin.proto`.
pub mod proto {
    tonic::include_proto!("plugin");
}

pub use accept::AcceptBackoff;
pub use handshake::{APP_PROTOCOL_VERSION, MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE};

use listen::Listener;
use proto::grpc_broker_server::GrpcBrokerServer;
use proto::grpc_controller_server::GrpcControllerServer;
use proto::grpc_stdio_server::GrpcStdioServer;
use services::{Broker, Controller, Shutdown, Stdio};
use std::future::Future;
use std::io::Write as _;
use std::pin::Pin;
use std::time::Duration;
use tokio_stream::wrappers::{TcpListenerStream, UnixListenerStream};

/// After Shutdown, how long in-flight calls get before the server is dropped.
/// go-plugin's client kills a plugin that has not exited about 2 s after
/// Shutdown; stopping before that still removes the socket.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(1500);

/// How to serve.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    /// `--debug`: no cookie, no mTLS, print a `TF_REATTACH_PROVIDERS` banner and
    /// serve until Ctrl-C.
    pub debug: bool,
    /// The provider's source address, e.g. `registry.terraform.io/example/example`.
    pub provider_address: String,
    /// The provider's short name: the Unix socket is `plugin-<name>-<random>.sock`.
    pub name: String,
    /// The organisation in the AutoMTLS server certificate (go-plugin's providers
    /// put their program's name there).
    pub certificate_organization: String,
    /// What a person who runs the binary by hand is told (the magic cookie is
    /// missing or wrong), as [`PluginError::NotLaunchedByTerraform`]'s text.
    pub not_launched_message: String,
}

/// True when a plugin host (Terraform, OpenTofu) started this process: the magic
/// cookie is set as go-plugin sets it. Not so in `--debug` mode or by hand.
pub fn started_by_terraform() -> bool {
    handshake::check_cookie(std::env::var(MAGIC_COOKIE_KEY).ok().as_deref())
}

/// Why the plugin could not start or keep serving.
#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    /// The magic cookie is missing or wrong: a person ran the binary by hand. The
    /// text is [`ServeOptions::not_launched_message`].
    #[error("{0}")]
    NotLaunchedByTerraform(String),
    /// `PLUGIN_PROTOCOL_VERSIONS` does not include 6.
    #[error(
        "Terraform offered plugin protocol version(s) {offered}, but this provider speaks \
         only protocol 6; use Terraform 1.0 or later (or OpenTofu)"
    )]
    UnsupportedProtocol { offered: String },
    /// A `PLUGIN_*` variable holds something unusable.
    #[error("invalid plugin setting: {0}")]
    Config(String),
    #[error("cannot listen for Terraform: {0}")]
    Listen(String),
    #[error("cannot set up TLS with Terraform: {0}")]
    Tls(String),
    #[error("cannot write the handshake to stdout: {0}")]
    Stdout(std::io::Error),
    #[error("cannot install signal handlers: {0}")]
    Signals(std::io::Error),
    #[error("the gRPC server failed: {0}")]
    Serve(#[from] tonic::transport::Error),
}

type ServeFuture = Pin<Box<dyn Future<Output = Result<(), tonic::transport::Error>> + Send>>;

/// Adds health ("plugin" SERVING), GRPCController, GRPCStdio and GRPCBroker to
/// `routes` (which holds the tfplugin6 Provider service), does the handshake and
/// serves until Shutdown (or Ctrl-C in debug mode).
pub async fn serve(routes: tonic::service::Routes, opts: ServeOptions) -> Result<(), PluginError> {
    let env = |k: &str| std::env::var(k).ok();
    if !opts.debug && !started_by_terraform() {
        return Err(PluginError::NotLaunchedByTerraform(
            opts.not_launched_message.clone(),
        ));
    }
    // Only now: a person who ran the binary by hand sees just the message.
    log_debug!(
        "plugin",
        "starting plugin server",
        version = env!("CARGO_PKG_VERSION"),
        pid = std::process::id(),
        debug = opts.debug
    );
    handshake::check_protocol_versions(env("PLUGIN_PROTOCOL_VERSIONS").as_deref())?;
    let ports = handshake::port_range(
        env("PLUGIN_MIN_PORT").as_deref(),
        env("PLUGIN_MAX_PORT").as_deref(),
    )?;

    let shutdown = Shutdown::new();
    watch_signals(opts.debug, &shutdown)?;

    let socket_dir = env("PLUGIN_UNIX_SOCKET_DIR")
        .filter(|d| !d.is_empty())
        .map(Into::into);
    let (listener, address, socket_file) =
        listen::bind(&opts.name, socket_dir, ports, !opts.debug)?;
    let network = listener.network();

    let client_cert = env("PLUGIN_CLIENT_CERT").filter(|c| !c.trim().is_empty());
    let tls = match client_cert {
        Some(pem) if !opts.debug => {
            log_debug!("plugin", "configuring server automatic mTLS");
            let client = tls::parse_client_cert(&pem)?;
            let identity = tls::generate_server_identity(&opts.certificate_organization)?;
            Some((tls::acceptor(&identity, client)?, identity.cert_base64()))
        }
        _ => None,
    };

    let (health, health_service) = tonic_health::server::health_reporter();
    health
        .set_service_status("plugin", tonic_health::ServingStatus::Serving)
        .await;
    let routes = routes
        .add_service(health_service)
        .add_service(GrpcControllerServer::new(Controller {
            shutdown: shutdown.clone(),
        }))
        .add_service(GrpcStdioServer::new(Stdio {
            shutdown: shutdown.clone(),
        }))
        .add_service(GrpcBrokerServer::new(Broker {
            shutdown: shutdown.clone(),
        }));
    let router = tonic::transport::Server::builder().add_routes(routes);
    let stop = shutdown.wait();
    let serving: ServeFuture = match (listener, tls.as_ref()) {
        (Listener::Unix(l), None) => Box::pin(router.serve_with_incoming_shutdown(
            accept::patient(UnixListenerStream::new(l), "plugin"),
            stop,
        )),
        (Listener::Tcp(l), None) => Box::pin(router.serve_with_incoming_shutdown(
            accept::patient(TcpListenerStream::new(l), "plugin"),
            stop,
        )),
        (Listener::Unix(l), Some((acceptor, _))) => Box::pin(router.serve_with_incoming_shutdown(
            tls::tls_incoming(UnixListenerStream::new(l), acceptor.clone()),
            stop,
        )),
        (Listener::Tcp(l), Some((acceptor, _))) => Box::pin(router.serve_with_incoming_shutdown(
            tls::tls_incoming(TcpListenerStream::new(l), acceptor.clone()),
            stop,
        )),
    };

    log_debug!(
        "plugin",
        "plugin address",
        network = network,
        address = address,
        tls = tls.is_some(),
        debug = opts.debug
    );
    let announcement = if opts.debug {
        let json = handshake::reattach_json(
            &opts.provider_address,
            std::process::id(),
            network,
            &address,
        );
        handshake::debug_banner(&json)
    } else {
        let cert = tls.as_ref().map(|(_, c)| c.as_str()).unwrap_or("");
        handshake::handshake_line(network, &address, cert)
    };
    {
        let mut out = std::io::stdout().lock();
        out.write_all(announcement.as_bytes())
            .and_then(|()| out.flush())
            .map_err(PluginError::Stdout)?;
    }

    tokio::pin!(serving);
    let grace = {
        let stop = shutdown.wait();
        async move {
            stop.await;
            tokio::time::sleep(SHUTDOWN_GRACE).await;
        }
    };
    let result = tokio::select! {
        r = &mut serving => r.map_err(PluginError::from),
        () = grace => {
            log_warn!("plugin", "calls still running after shutdown; stopping anyway");
            Ok(())
        }
    };
    health
        .set_service_status("plugin", tonic_health::ServingStatus::NotServing)
        .await;
    drop(socket_file);
    log_debug!("plugin", "plugin server stopped");
    result
}

/// Interrupts: ignored when Terraform runs us (it stops providers over gRPC and
/// a Ctrl-C in the terminal reaches the whole process group), the way out in
/// debug mode. SIGTERM always ends serving cleanly so the socket is removed.
fn watch_signals(debug: bool, shutdown: &Shutdown) -> Result<(), PluginError> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut interrupt = signal(SignalKind::interrupt()).map_err(PluginError::Signals)?;
    let mut terminate = signal(SignalKind::terminate()).map_err(PluginError::Signals)?;
    let shutdown = shutdown.clone();
    tokio::spawn(async move {
        let mut count = 0u64;
        loop {
            tokio::select! {
                Some(()) = interrupt.recv() => {
                    count += 1;
                    if debug {
                        log_debug!("plugin", "interrupt received, stopping");
                        shutdown.trigger();
                    } else {
                        log_trace!("plugin", "interrupt received, ignoring", count = count);
                    }
                }
                Some(()) = terminate.recv() => {
                    log_debug!("plugin", "terminate signal received, stopping");
                    shutdown.trigger();
                }
                else => break,
            }
        }
    });
    Ok(())
}
