//! Accepting connections without spinning: a failed `accept` (EMFILE when
//! the process is out of file descriptors, ENFILE, ENOMEM…) is retried after a
//! pause that grows from [`FIRST_PAUSE`] to [`MAX_PAUSE`], and the warning is
//! written at most once per [`WARN_EVERY`] with a count of the ones left out.
//!
//! Why: the listener stays readable while the error lasts, so retrying at once
//! is a busy loop; a peer holding many idle connections under a low fd limit
//! turned that into hundreds of MiB of warnings a second at full CPU.

use std::io;
use std::time::Duration;
use tokio::time::Instant;
use tokio_stream::{Stream, StreamExt};

/// The pause after the first failed accept in a row.
pub(crate) const FIRST_PAUSE: Duration = Duration::from_millis(5);
/// The longest pause between accepts while they keep failing.
pub(crate) const MAX_PAUSE: Duration = Duration::from_secs(1);
/// At most one warning about failed accepts per this long.
pub(crate) const WARN_EVERY: Duration = Duration::from_secs(10);

/// The pause-and-warn state of one accept loop.
#[derive(Debug)]
pub struct AcceptBackoff {
    /// Which listener, for the log line (`plugin`, `siblings`).
    what: &'static str,
    pause: Duration,
    last_warning: Option<Instant>,
    /// Failures since the last warning that were not logged.
    unlogged: u64,
}

impl AcceptBackoff {
    pub fn new(what: &'static str) -> Self {
        AcceptBackoff {
            what,
            pause: Duration::ZERO,
            last_warning: None,
            unlogged: 0,
        }
    }

    /// An accept succeeded: the next failure pauses briefly again.
    pub fn reset(&mut self) {
        self.pause = Duration::ZERO;
    }

    /// The pause the next failure waits, growing with each failure in a row.
    pub fn next_pause(&mut self) -> Duration {
        self.pause = if self.pause.is_zero() {
            FIRST_PAUSE
        } else {
            (self.pause * 2).min(MAX_PAUSE)
        };
        self.pause
    }

    /// Notes a failed accept (warning if none was written lately) and returns
    /// how long to wait before the next accept.
    pub fn failed(&mut self, error: &io::Error) -> Duration {
        let pause = self.next_pause();
        let now = Instant::now();
        let due = self
            .last_warning
            .is_none_or(|t| now.duration_since(t) >= WARN_EVERY);
        if due {
            log_warn!(
                "plugin",
                "accepting a connection failed; pausing before the next accept",
                listener = self.what,
                error = error,
                pause_ms = pause.as_millis(),
                failures_not_logged = self.unlogged
            );
            self.last_warning = Some(now);
            self.unlogged = 0;
        } else {
            self.unlogged += 1;
        }
        pause
    }

    /// [`failed`](Self::failed), then the pause.
    pub async fn wait(&mut self, error: &io::Error) {
        let pause = self.failed(error);
        tokio::time::sleep(pause).await;
    }
}

/// At most one warning per [`WARN_EVERY`] for a kind of event that a peer can
/// cause at will (a failed TLS handshake per connection); the rest are counted
/// and the count goes with the next warning. Shared by the tasks that log.
#[derive(Debug, Default)]
pub(crate) struct WarnEvery {
    state: std::sync::Mutex<(Option<Instant>, u64)>,
}

impl WarnEvery {
    /// `Some(left out since the last one)` when a warning may be written now.
    pub(crate) fn allow(&self) -> Option<u64> {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        if s.0.is_none_or(|t| now.duration_since(t) >= WARN_EVERY) {
            let left_out = s.1;
            *s = (Some(now), 0);
            Some(left_out)
        } else {
            s.1 += 1;
            None
        }
    }
}

/// A listener stream whose errors are paused on (see [`AcceptBackoff`]) instead
/// of being handed on: what comes out is only accepted connections.
pub(crate) fn patient<S, IO>(
    mut listener: S,
    what: &'static str,
) -> impl Stream<Item = io::Result<IO>> + Send + 'static
where
    S: Stream<Item = io::Result<IO>> + Send + Unpin + 'static,
    IO: Send + 'static,
{
    async_stream(move |tx| async move {
        let mut backoff = AcceptBackoff::new(what);
        loop {
            let next = tokio::select! {
                c = listener.next() => c,
                _ = tx.closed() => break,
            };
            match next {
                Some(Ok(io)) => {
                    backoff.reset();
                    if tx.send(Ok(io)).await.is_err() {
                        break;
                    }
                }
                Some(Err(e)) => backoff.wait(&e).await,
                None => break,
            }
        }
    })
}

/// A stream fed by a task running `body` with the sending half of a channel.
fn async_stream<T, F, Fut>(body: F) -> impl Stream<Item = T> + Send + 'static
where
    T: Send + 'static,
    F: FnOnce(tokio::sync::mpsc::Sender<T>) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let (tx, rx) = tokio::sync::mpsc::channel(16);
    tokio::spawn(body(tx));
    tokio_stream::wrappers::ReceiverStream::new(rx)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[test]
    fn a_peer_caused_warning_is_written_once_per_window() {
        let w = WarnEvery::default();
        assert_eq!(w.allow(), Some(0));
        assert_eq!((0..100).filter_map(|_| w.allow()).count(), 0);
        // The next window's warning carries the count left out.
        w.state.lock().unwrap().0 = Some(Instant::now() - WARN_EVERY);
        assert_eq!(w.allow(), Some(100));
    }

    #[test]
    fn pauses_grow_to_a_second_and_reset() {
        let mut b = AcceptBackoff::new("test");
        let pauses: Vec<u128> = (0..10).map(|_| b.next_pause().as_millis()).collect();
        assert_eq!(pauses, [5, 10, 20, 40, 80, 160, 320, 640, 1000, 1000]);
        b.reset();
        assert_eq!(b.next_pause(), FIRST_PAUSE);
    }

    /// A listener that fails every accept, counting how often it is asked.
    pub(crate) fn failing_listener(
        polls: Arc<AtomicUsize>,
    ) -> impl Stream<Item = io::Result<tokio::io::DuplexStream>> + Send + Unpin + 'static {
        tokio_stream::iter(std::iter::repeat_with(move || {
            polls.fetch_add(1, Ordering::SeqCst);
            Err(io::Error::from_raw_os_error(24)) // EMFILE
        }))
    }

    #[tokio::test]
    async fn a_failing_listener_is_asked_a_few_times_a_second_not_millions() {
        let polls = Arc::new(AtomicUsize::new(0));
        let stream = patient(failing_listener(polls.clone()), "test");
        tokio::time::sleep(Duration::from_millis(1000)).await;
        let n = polls.load(Ordering::SeqCst);
        // 5+10+…+640 ms: 8 failures fit in the first 1.3 s.
        assert!((2..=12).contains(&n), "{n} accepts in one second");
        drop(stream);
    }
}
