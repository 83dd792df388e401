//! Where the plugin listens: a Unix socket (go-plugin's default on Unix), or
//! TCP on 127.0.0.1 within the allowed port range when no socket can be made.

use super::PluginError;
use std::path::{Path, PathBuf};
use tokio::net::{TcpListener, UnixListener};

pub(super) enum Listener {
    Unix(UnixListener),
    Tcp(TcpListener),
}

/// Removes the socket file when dropped, however serving ends.
#[derive(Debug)]
pub(crate) struct SocketFile(PathBuf);

impl SocketFile {
    pub(crate) fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for SocketFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

impl Listener {
    /// go-plugin's names for the network: `unix` or `tcp`.
    pub(super) fn network(&self) -> &'static str {
        match self {
            Listener::Unix(_) => "unix",
            Listener::Tcp(_) => "tcp",
        }
    }
}

/// Binds a Unix socket under `socket_dir` (or the temp dir), falling back to TCP
/// on 127.0.0.1 within `ports` when `tcp_fallback` allows. Returns the
/// listener, its address as the handshake shows it, and for a socket the
/// guard that removes the file.
///
/// `--debug` serves plain gRPC, so it passes `tcp_fallback: false`: on TCP
/// every local user could reach it (and mint UserSigs or send deletes), while
/// the socket is readable by our user only. go-plugin itself never falls back
/// to TCP on Unix. Under Terraform the fallback stays: AutoMTLS pins the
/// client there (a chroot without /tmp relies on it).
pub(crate) fn bind(
    name: &str,
    socket_dir: Option<PathBuf>,
    ports: (u16, u16),
    tcp_fallback: bool,
) -> Result<(Listener, String, Option<SocketFile>), PluginError> {
    let from_env = socket_dir.is_some();
    // An empty TMPDIR means unset, as Go's os.TempDir has it (std's temp_dir
    // would give "", and a socket in the working directory a relative address
    // that works only from there).
    let dir = socket_dir
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or_else(|| {
            let t = std::env::temp_dir();
            if t.as_os_str().is_empty() {
                PathBuf::from("/tmp")
            } else {
                t
            }
        });
    match bind_unix(name, &dir) {
        Ok((l, file)) => {
            let addr = file.path().display().to_string();
            return Ok((Listener::Unix(l), addr, Some(file)));
        }
        Err(e) if !tcp_fallback => {
            let setting = if from_env {
                "PLUGIN_UNIX_SOCKET_DIR"
            } else {
                "TMPDIR"
            };
            return Err(PluginError::Listen(format!(
                "--debug serves Terraform on a Unix socket only, and none could be made in \
                 {} ({setting}): {e}. Plain gRPC over TCP would be open to every local user, \
                 so there is no TCP fallback in --debug mode; set TMPDIR to a directory you \
                 can write (for example TMPDIR=$HOME/tmp).",
                dir.display()
            )));
        }
        // Not a problem (go-plugin clients speak TCP too, with AutoMTLS as
        // before): a chroot or a read-only temp dir, say. So INFO, not WARN.
        Err(e) => log_info!(
            "plugin",
            "cannot make a Unix socket, serving on TCP 127.0.0.1 instead",
            dir = dir.display(),
            error = e
        ),
    }
    let l = bind_tcp(ports)?;
    let addr = l
        .local_addr()
        .map_err(|e| PluginError::Listen(e.to_string()))?
        .to_string();
    Ok((Listener::Tcp(l), addr, None))
}

fn bind_unix(name: &str, dir: &Path) -> std::io::Result<(UnixListener, SocketFile)> {
    let mut last = None;
    for _ in 0..8 {
        let path = dir.join(format!("plugin-{name}-{:016x}.sock", fastrand::u64(..)));
        match UnixListener::bind(&path) {
            Ok(l) => {
                let file = SocketFile(path);
                // Only our own user may connect (Terraform runs as us), whatever
                // the umask: in --debug mode the socket serves plain gRPC.
                use std::os::unix::fs::PermissionsExt as _;
                std::fs::set_permissions(file.path(), std::fs::Permissions::from_mode(0o600))?;
                return Ok((l, file));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no free socket name")))
}

/// Tries every port of the range once, starting at a random one so that
/// several plugins started together do not race for the same port.
fn bind_tcp((lo, hi): (u16, u16)) -> Result<TcpListener, PluginError> {
    let span = u32::from(hi - lo) + 1;
    let start = fastrand::u32(..span);
    for i in 0..span {
        let port = lo as u32 + (start + i) % span;
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port as u16));
        // std's bind then tokio's from_std: no runtime needed to probe ports.
        if let Ok(l) = std::net::TcpListener::bind(addr) {
            l.set_nonblocking(true)
                .map_err(|e| PluginError::Listen(e.to_string()))?;
            return TcpListener::from_std(l).map_err(|e| PluginError::Listen(e.to_string()));
        }
    }
    Err(PluginError::Listen(format!(
        "no free TCP port on 127.0.0.1 in {lo}..={hi} (PLUGIN_MIN_PORT/PLUGIN_MAX_PORT)"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn unix_socket_is_made_and_removed() {
        let dir = std::env::temp_dir();
        let (l, addr, file) = bind("test", Some(dir.clone()), (1, 1), false).unwrap();
        assert_eq!(l.network(), "unix");
        assert!(addr.starts_with(dir.to_str().unwrap()));
        assert!(Path::new(&addr).exists());
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&addr).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
        drop(l);
        drop(file);
        assert!(!Path::new(&addr).exists());
    }

    #[tokio::test]
    async fn falls_back_to_tcp_in_range() {
        // A directory that does not exist cannot hold a socket.
        let missing = std::env::temp_dir().join(format!("no-such-dir-{}", fastrand::u64(..)));
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = probe.local_addr().unwrap().port();
        drop(probe);
        let (l, addr, file) = bind("test", Some(missing.clone()), (port, port), true).unwrap();
        assert_eq!(l.network(), "tcp");
        assert_eq!(addr, format!("127.0.0.1:{port}"));
        assert!(file.is_none());
        // The port is taken now, so a second bind in the same one-port range fails.
        let err = bind_tcp((port, port)).err().unwrap();
        assert!(err.to_string().contains(&port.to_string()));
        // Without the fallback (--debug) the missing directory is the error.
        let err = bind("test", Some(missing.clone()), (port, port), false)
            .err()
            .unwrap();
        let text = err.to_string();
        assert!(text.contains("PLUGIN_UNIX_SOCKET_DIR"), "{text}");
        assert!(text.contains(missing.to_str().unwrap()), "{text}");
        assert!(text.contains("no TCP fallback"), "{text}");
    }
}
