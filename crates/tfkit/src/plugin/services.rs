//! go-plugin's own services: controller (Shutdown), stdio and broker.

use super::proto::grpc_broker_server::GrpcBroker;
use super::proto::grpc_controller_server::GrpcController;
use super::proto::grpc_stdio_server::GrpcStdio;
use super::proto::{ConnInfo, Empty, StdioData};
use tokio::sync::{mpsc, watch};
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status, Streaming};

/// A one-way switch from "serving" to "shutting down", shared by everything
/// that must end when the plugin stops.
#[derive(Clone, Debug)]
pub(super) struct Shutdown {
    tx: watch::Sender<bool>,
}

impl Shutdown {
    pub(super) fn new() -> Self {
        Self {
            tx: watch::channel(false).0,
        }
    }

    pub(super) fn trigger(&self) {
        self.tx.send_replace(true);
    }

    #[cfg(test)]
    pub(super) fn is_triggered(&self) -> bool {
        *self.tx.borrow()
    }

    /// Resolves once [`Shutdown::trigger`] has been called (at once if it was).
    pub(super) fn wait(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut rx = self.tx.subscribe();
        async move {
            // The sender lives in `self`'s clones; if all are gone, stop too.
            let _ = rx.wait_for(|stopped| *stopped).await;
        }
    }
}

impl Default for Shutdown {
    fn default() -> Self {
        Self::new()
    }
}

/// `plugin.GRPCController`: Terraform's way of saying goodbye.
pub(super) struct Controller {
    pub shutdown: Shutdown,
}

#[tonic::async_trait]
impl GrpcController for Controller {
    async fn shutdown(&self, _req: Request<Empty>) -> Result<Response<Empty>, Status> {
        log_debug!("plugin", "shutdown requested by the client");
        self.shutdown.trigger();
        Ok(Response::new(Empty {}))
    }
}

/// A response stream that yields nothing and ends when the plugin shuts down
/// (so graceful shutdown is not held up by it) or the client goes away.
fn silent_stream<T: Send + 'static>(shutdown: &Shutdown) -> ReceiverStream<Result<T, Status>> {
    let (tx, rx) = mpsc::channel(1);
    let stop = shutdown.wait();
    tokio::spawn(async move {
        tokio::select! {
            _ = stop => {}
            _ = tx.closed() => {}
        }
    });
    ReceiverStream::new(rx)
}

/// `plugin.GRPCStdio`: we never write to stdout after the handshake and log to
/// stderr ourselves, so there is nothing to forward.
pub(super) struct Stdio {
    pub shutdown: Shutdown,
}

#[tonic::async_trait]
impl GrpcStdio for Stdio {
    type StreamStdioStream = ReceiverStream<Result<StdioData, Status>>;

    async fn stream_stdio(
        &self,
        _req: Request<()>,
    ) -> Result<Response<Self::StreamStdioStream>, Status> {
        log_trace!("plugin", "stdio stream opened");
        Ok(Response::new(silent_stream(&self.shutdown)))
    }
}

/// `plugin.GRPCBroker`: the provider offers no extra connections; the stream is
/// kept open and whatever the client sends is read and dropped.
pub(super) struct Broker {
    pub shutdown: Shutdown,
}

#[tonic::async_trait]
impl GrpcBroker for Broker {
    type StartStreamStream = ReceiverStream<Result<ConnInfo, Status>>;

    async fn start_stream(
        &self,
        req: Request<Streaming<ConnInfo>>,
    ) -> Result<Response<Self::StartStreamStream>, Status> {
        log_trace!("plugin", "broker stream opened");
        let mut inbound = req.into_inner();
        let (tx, rx) = mpsc::channel(1);
        let stop = self.shutdown.wait();
        tokio::spawn(async move {
            tokio::pin!(stop);
            loop {
                tokio::select! {
                    _ = &mut stop => break,
                    _ = tx.closed() => break,
                    msg = inbound.message() => match msg {
                        Ok(Some(info)) => {
                            log_trace!("plugin", "ignoring broker message", service_id = info.service_id);
                        }
                        Ok(None) | Err(_) => break,
                    },
                }
            }
        });
        Ok(Response::new(ReceiverStream::new(rx)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use tokio_stream::StreamExt;

    #[tokio::test]
    async fn shutdown_switch() {
        let s = Shutdown::new();
        assert!(!s.is_triggered());
        let wait = s.wait();
        assert!(tokio::time::timeout(Duration::from_millis(20), s.wait())
            .await
            .is_err());
        s.clone().trigger();
        assert!(s.is_triggered());
        tokio::time::timeout(Duration::from_secs(1), wait)
            .await
            .unwrap();
        // Waiting after the fact returns at once.
        tokio::time::timeout(Duration::from_secs(1), s.wait())
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn stdio_stream_is_silent_until_shutdown() {
        let shutdown = Shutdown::new();
        let svc = Stdio {
            shutdown: shutdown.clone(),
        };
        let mut stream = svc
            .stream_stdio(Request::new(()))
            .await
            .unwrap()
            .into_inner();
        assert!(
            tokio::time::timeout(Duration::from_millis(50), stream.next())
                .await
                .is_err(),
            "stream must stay open and quiet"
        );
        shutdown.trigger();
        let end = tokio::time::timeout(Duration::from_secs(1), stream.next())
            .await
            .unwrap();
        assert!(end.is_none(), "stream ends on shutdown");
    }

    #[tokio::test]
    async fn controller_triggers_shutdown() {
        let shutdown = Shutdown::new();
        let c = Controller {
            shutdown: shutdown.clone(),
        };
        c.shutdown(Request::new(Empty {})).await.unwrap();
        assert!(shutdown.is_triggered());
    }
}
