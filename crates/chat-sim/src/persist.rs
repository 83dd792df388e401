//! The state file: the model as JSON, loaded at start and replaced atomically
//! after every change (temporary file in the same directory, fsync, rename, fsync
//! of the directory), so a crash leaves either the old or the new file, never a
//! torn one. The temporary file is always a new file (random name, created
//! exclusively, mode 0600), so a link planted in the directory is never written
//! through; see [`write_new_then_rename`].

use super::state::{AppRobots, Model};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{self, Write as _};
use std::path::Path;

const FORMAT_VERSION: u32 = 1;

/// The file's shape: a version, then the model's apps keyed by SDKAppID.
#[derive(Serialize, Deserialize)]
struct File {
    version: u32,
    #[serde(default)]
    apps: BTreeMap<u64, AppRobots>,
}

/// Reads the state file; a missing file is an empty model.
pub(crate) fn load(path: &Path) -> io::Result<Model> {
    let text = match std::fs::read(path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Model::default()),
        Err(e) => return Err(e),
    };
    let file: File = serde_json::from_slice(&text).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("state file {} is not valid: {e}", path.display()),
        )
    })?;
    if file.version != FORMAT_VERSION {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "state file {} has version {}, this simulator reads {FORMAT_VERSION}",
                path.display(),
                file.version
            ),
        ));
    }
    Ok(Model { apps: file.apps })
}

/// Replaces the state file with `model`, atomically.
pub(crate) fn save(path: &Path, model: &Model) -> io::Result<()> {
    let file = File {
        version: FORMAT_VERSION,
        apps: model.apps.clone(),
    };
    let mut text = serde_json::to_vec_pretty(&file).map_err(io::Error::other)?;
    text.push(b'\n');
    write_new_then_rename(path, &text, 0o600)
}

/// Replaces `path` with `contents` atomically: writes a new temporary file
/// next to it (`.NAME.tmp.<random>`, created exclusively with `mode`, so it is
/// never an existing file or a link someone planted at a predictable name),
/// fsyncs it and renames it over `path` (which replaces a link at `path`
/// rather than following it), then fsyncs the directory.
pub(crate) fn write_new_then_rename(path: &Path, contents: &[u8], mode: u32) -> io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt as _;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the path has no file name"))?;
    let (tmp, mut f) = {
        let mut attempt = 0;
        loop {
            let tmp = dir.join(format!(
                ".{}.tmp.{:016x}",
                name.to_string_lossy(),
                fastrand::u64(..)
            ));
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(mode)
                .open(&tmp)
            {
                Ok(f) => break (tmp, f),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 8 => attempt += 1,
                Err(e) => return Err(e),
            }
        }
    };
    let result = (|| {
        f.write_all(contents)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)?;
        // Make the rename itself durable. Directories cannot be opened on every
        // platform, so this step is best effort.
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::ProfileChange;

    fn temp_dir(tag: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!(
            "tencentchat-sim-persist-{tag}-{}-{}",
            std::process::id(),
            fastrand::u64(..)
        ));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn save_then_load() {
        let dir = temp_dir("rt");
        let path = dir.join("state.json");
        assert_eq!(load(&path).unwrap(), Model::default());
        let mut m = Model::default();
        m.app_mut(7)
            .create("@RBT#1", &ProfileChange::default())
            .unwrap();
        save(&path, &m).unwrap();
        assert_eq!(load(&path).unwrap(), m);
        m.app_mut(7).delete("@RBT#1").unwrap();
        save(&path, &m).unwrap();
        assert_eq!(load(&path).unwrap(), m);
        // Only the state file is left behind: no temporary files.
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["state.json"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn garbage_is_refused() {
        let dir = temp_dir("bad");
        let path = dir.join("state.json");
        std::fs::write(&path, b"{\"version\":1,\"apps\":").unwrap();
        assert_eq!(load(&path).unwrap_err().kind(), io::ErrorKind::InvalidData);
        std::fs::write(&path, b"{\"version\":99,\"apps\":{}}").unwrap();
        assert_eq!(load(&path).unwrap_err().kind(), io::ErrorKind::InvalidData);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A link planted at the temporary file's old predictable name, or at the
    /// state file itself, is never written through: its target is untouched.
    #[test]
    fn planted_links_are_not_written_through() {
        use std::os::unix::fs::{symlink, PermissionsExt as _};
        let dir = temp_dir("link");
        let victim = dir.join("victim");
        std::fs::write(&victim, b"precious").unwrap();
        let path = dir.join("state.json");
        symlink(
            &victim,
            dir.join(format!(".state.json.tmp.{}", std::process::id())),
        )
        .unwrap();
        let mut m = Model::default();
        m.app_mut(7)
            .create("@RBT#1", &ProfileChange::default())
            .unwrap();
        save(&path, &m).unwrap();
        assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
        assert_eq!(load(&path).unwrap(), m);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
        // A link at the state file's own path is replaced, not followed.
        std::fs::remove_file(&path).unwrap();
        symlink(&victim, &path).unwrap();
        save(&path, &m).unwrap();
        assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
        assert!(!std::fs::symlink_metadata(&path)
            .unwrap()
            .file_type()
            .is_symlink());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
