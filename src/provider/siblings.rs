//! The other provider processes of the same Terraform run, so that one process
//! starting to read can tell the others to fetch their apps too.
//!
//! Why: with one provider alias per app, Terraform runs one provider process per
//! alias, and its parallelism slots (10) fill with readers of one alias, all
//! waiting for that alias's shared fetch; the other aliases' readers get a slot
//! only after it, so N apps were fetched one after another (2 rounds each).
//! Fetching at ConfigureProvider would overlap them but costs a list and a
//! profile read in every walk that never reads (the plan and apply walks of a
//! destroy, the apply walk of an update). So instead the first process that
//! fetches *announces* it, and every configured sibling prefetches at once
//! ([`super::snapshot::Snapshot::prefetch`]): in a walk that reads, they all
//! read anyway; in a walk that does not, nobody announces.
//!
//! How: each configured process listens on a Unix socket named after
//! Terraform's process id (its parent) and its own, in the temp directory,
//! readable by its user only; announcing is connecting to each sibling's
//! socket once. Connection refused means a stale socket (a process that was
//! killed), which is removed. Nothing is sent: a connection is the message.

use super::snapshot::Directory;
use crate::chat::wire::UserProfile;
use crate::chat::{ChatError, Client};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::net::{UnixListener, UnixStream};

/// Our socket file, removed when dropped.
struct SocketFile(PathBuf);

impl SocketFile {
    fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for SocketFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Start of every sibling socket's file name.
const PREFIX: &str = "tencentchat-siblings-";

/// This process's place among its siblings.
pub(crate) struct Siblings {
    dir: PathBuf,
    /// `tencentchat-siblings-<terraform pid>-`: the sockets of this run.
    prefix: String,
    /// `<prefix><sdkappid>-`: the sockets of this run's processes for our own app,
    /// which are not told: the announcing process is fetching that app already,
    /// and a process of the same app that reads fetches it itself.
    same_app: String,
    /// Our socket, removed when this is dropped.
    _own: SocketFile,
    uid: u32,
    announced: AtomicBool,
}

impl Siblings {
    /// Joins the siblings of this process's parent in the temp directory; only
    /// when Terraform started this process (not in `--debug` mode, where the
    /// parent is a shell or a test, nor when the provider is embedded).
    pub(crate) fn join(sdkappid: u64) -> std::io::Result<(Siblings, UnixListener)> {
        if !crate::plugin::started_by_terraform() {
            return Err(std::io::Error::other("not started by Terraform"));
        }
        Self::join_in(
            std::env::temp_dir(),
            std::os::unix::process::parent_id(),
            sdkappid,
            std::process::id(),
        )
    }

    fn join_in(
        dir: PathBuf,
        parent: u32,
        sdkappid: u64,
        pid: u32,
    ) -> std::io::Result<(Siblings, UnixListener)> {
        let prefix = format!("{PREFIX}{parent}-");
        let same_app = format!("{prefix}{sdkappid}-");
        // Unique per join: a second ConfigureProvider in this process joins
        // again, and dropping the first join's guard must not remove the
        // second's socket (nor may a leftover of an earlier process with our
        // pid be in the way).
        let (listener, own) = bind_unique(&dir, &format!("{same_app}{pid}-"))?;
        let uid = std::fs::metadata(own.path())?.uid();
        let siblings = Siblings {
            dir,
            prefix,
            same_app,
            _own: own,
            uid,
            announced: AtomicBool::new(false),
        };
        Ok((siblings, listener))
    }

    /// Runs `on_announce` for every sibling's announcement, for as long as the
    /// listener lives. A failed accept (out of file descriptors, say) is waited
    /// out with a growing pause (crate::plugin::AcceptBackoff), never the end
    /// of listening, and never a busy loop.
    pub(crate) async fn listen(listener: UnixListener, on_announce: impl Fn() + Send + 'static) {
        let conns = tokio_stream::wrappers::UnixListenerStream::new(listener);
        Self::listen_to(conns, on_announce).await
    }

    /// [`listen`](Self::listen) over any stream of accepted connections.
    async fn listen_to<S, C>(mut conns: S, on_announce: impl Fn() + Send + 'static)
    where
        S: tokio_stream::Stream<Item = std::io::Result<C>> + Unpin,
    {
        use tokio_stream::StreamExt as _;
        let mut backoff = crate::plugin::AcceptBackoff::new("siblings");
        while let Some(next) = conns.next().await {
            match next {
                Ok(conn) => {
                    backoff.reset();
                    drop(conn);
                    on_announce();
                }
                Err(e) => backoff.wait(&e).await,
            }
        }
    }

    /// Tells every sibling of another app to prefetch; only the first call in a
    /// process does.
    pub(crate) async fn announce(&self) {
        if self.announced.swap(true, Ordering::SeqCst) {
            return;
        }
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let mut told = 0;
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            let Some(name) = name.to_str() else {
                continue;
            };
            let ours = name.starts_with(&self.prefix) && name.ends_with(".sock");
            if !ours || name.starts_with(&self.same_app) {
                continue;
            }
            // Only sockets of our own user.
            if !entry.metadata().is_ok_and(|m| m.uid() == self.uid) {
                continue;
            }
            match UnixStream::connect(&path).await {
                Ok(_) => told += 1,
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                    let _ = std::fs::remove_file(&path);
                }
                Err(_) => {}
            }
        }
        log_debug!(
            "provider",
            "asked sibling provider processes to fetch their apps",
            siblings = told
        );
    }
}

/// Binds a socket named `<stem><random>.sock` in `dir`, mode 0600, and the
/// guard that removes it.
fn bind_unique(dir: &std::path::Path, stem: &str) -> std::io::Result<(UnixListener, SocketFile)> {
    let mut last = None;
    for _ in 0..8 {
        let path = dir.join(format!("{stem}{:016x}.sock", fastrand::u64(..)));
        match UnixListener::bind(&path) {
            Ok(listener) => {
                let own = SocketFile(path);
                std::fs::set_permissions(own.path(), std::fs::Permissions::from_mode(0o600))?;
                return Ok((listener, own));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no free socket name")))
}

/// The chat client as the snapshot's [`Directory`], announcing the first list.
pub(crate) struct Announcing {
    pub(crate) client: Client,
    pub(crate) siblings: Option<Arc<Siblings>>,
}

#[async_trait::async_trait]
impl Directory for Announcing {
    async fn robot_ids(&self) -> Result<Vec<String>, ChatError> {
        if let Some(s) = &self.siblings {
            s.announce().await;
        }
        self.client.robot_ids().await
    }
    async fn profiles(
        &self,
        user_ids: &[String],
        tags: &[String],
    ) -> Result<Vec<UserProfile>, ChatError> {
        self.client.profiles(user_ids, tags).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::time::Duration;

    #[tokio::test]
    async fn an_announcement_reaches_every_sibling_once_and_clears_stale_sockets() {
        let dir = std::env::temp_dir().join(format!("siblings-test-{}", fastrand::u64(..)));
        std::fs::create_dir_all(&dir).unwrap();
        let heard = Arc::new(AtomicUsize::new(0));
        let mut members = Vec::new();
        // Three apps' processes of one run, and a second process of the first app.
        for (app, pid) in [(1, 11), (2, 12), (3, 13), (1, 14)] {
            let (s, l) = Siblings::join_in(dir.clone(), 7, app, pid).unwrap();
            let heard = heard.clone();
            tokio::spawn(Siblings::listen(l, move || {
                heard.fetch_add(1, Ordering::SeqCst);
            }));
            members.push(s);
        }
        // Another Terraform run's process, and a stale socket of this run.
        let (other, other_l) = Siblings::join_in(dir.clone(), 8, 2, 21).unwrap();
        let stale = dir.join(format!("{PREFIX}7-4-99-0.sock"));
        drop(std::os::unix::net::UnixListener::bind(&stale).unwrap());
        assert!(stale.exists());

        members[0].announce().await;
        members[0].announce().await;
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while heard.load(Ordering::SeqCst) < 2 && std::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(
            heard.load(Ordering::SeqCst),
            2,
            "the two other apps' siblings, once; not the same app's"
        );
        assert!(!stale.exists(), "stale socket removed");
        assert!(other._own.path().exists(), "another run's socket untouched");
        drop(other_l);
        drop(other);
        let mode = std::fs::metadata(members[1]._own.path())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "only our user may connect");
        let paths: Vec<PathBuf> = members.iter().map(|m| m._own.path().to_owned()).collect();
        drop(members);
        assert!(paths.iter().all(|p| !p.exists()), "sockets removed on drop");
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A second ConfigureProvider in one process joins again; replacing (dropping)
    /// the first join must leave the second's socket in place and listening.
    #[tokio::test]
    async fn a_second_join_in_one_process_keeps_its_socket() {
        let dir = std::env::temp_dir().join(format!("siblings-rejoin-{}", fastrand::u64(..)));
        std::fs::create_dir_all(&dir).unwrap();
        let (first, first_l) = Siblings::join_in(dir.clone(), 7, 1, 11).unwrap();
        let (second, second_l) = Siblings::join_in(dir.clone(), 7, 1, 11).unwrap();
        assert_ne!(first._own.path(), second._own.path());
        let heard = Arc::new(AtomicUsize::new(0));
        let h = heard.clone();
        tokio::spawn(Siblings::listen(second_l, move || {
            h.fetch_add(1, Ordering::SeqCst);
        }));
        drop(first_l);
        drop(first);
        assert!(
            second._own.path().exists(),
            "the second join's socket survives the first's drop"
        );
        let (teller, _teller_l) = Siblings::join_in(dir.clone(), 7, 2, 12).unwrap();
        teller.announce().await;
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while heard.load(Ordering::SeqCst) < 1 && std::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert_eq!(
            heard.load(Ordering::SeqCst),
            1,
            "the second join still hears"
        );
        drop(second);
        drop(teller);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Failed accepts (out of file descriptors) pause the listener; they do not
    /// end it: announcements after them are still heard.
    #[tokio::test]
    async fn the_listener_survives_failed_accepts() {
        let heard = Arc::new(AtomicUsize::new(0));
        let h = heard.clone();
        let emfile = || Err::<(), _>(std::io::Error::from_raw_os_error(24));
        let conns = tokio_stream::iter(vec![emfile(), emfile(), Ok(()), emfile(), Ok(())]);
        let started = std::time::Instant::now();
        Siblings::listen_to(conns, move || {
            h.fetch_add(1, Ordering::SeqCst);
        })
        .await;
        assert_eq!(heard.load(Ordering::SeqCst), 2, "both announcements heard");
        // 5 + 10 ms, then 5 ms again after the success reset the pause.
        assert!(started.elapsed() >= Duration::from_millis(20));
    }
}
