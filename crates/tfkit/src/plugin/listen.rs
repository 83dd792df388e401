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
/// on 127.0.0.1 within `ports`. Returns the listener, its address as the
/// handshake shows it, and for a socket the guard that removes the file.
pub(crate) fn bind(
    name: &str,
    socket_dir: Option<PathBuf>,
    ports: (u16, u16),
) -> Result<(Listener, String, Option<SocketFile>), PluginError> {
    let dir = socket_dir.unwrap_or_else(std::env::temp_dir);
    match bind_unix(name, &dir) {
        Ok((l, file)) => {
            let addr = file.path().display().to_string();
            return Ok((Listener::Unix(l), addr, Some(file)));
        }
        Err(e) => log_warn!(
            "plugin",
            "cannot make a Unix socket, falling back to TCP",
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
            Ok(l) => return Ok((l, SocketFile(path))),
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
        let (l, addr, file) = bind("test", Some(dir.clone()), (1, 1)).unwrap();
        assert_eq!(l.network(), "unix");
        assert!(addr.starts_with(dir.to_str().unwrap()));
        assert!(Path::new(&addr).exists());
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
        let (l, addr, file) = bind("test", Some(missing), (port, port)).unwrap();
        assert_eq!(l.network(), "tcp");
        assert_eq!(addr, format!("127.0.0.1:{port}"));
        assert!(file.is_none());
        // The port is taken now, so a second bind in the same one-port range fails.
        let err = bind_tcp((port, port)).err().unwrap();
        assert!(err.to_string().contains(&port.to_string()));
    }
}
