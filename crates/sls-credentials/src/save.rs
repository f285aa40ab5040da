//! Locked, atomic saves of a profile file.
//!
//! - Check first: callers decide a refusal (profile exists, no `--overwrite`;
//!   a file that is not UTF-8) from an unlocked read before taking the lock,
//!   and decide again under the lock. A refusal touches nothing: the folder
//!   stays byte-identical.
//! - Lock: an exclusive advisory lock (`flock` through `std::fs::File::lock`)
//!   on the target's *directory* (e.g. `~/.aws`), held across the whole
//!   read-modify-write. The directory's inode survives the rename that
//!   replaces the target (a lock on the target itself would not exclude the
//!   next writer), and locking it leaves no lock file next to the user's AWS
//!   files. Writers of `config` and `credentials` in one directory exclude each
//!   other too, which costs nothing at this scale. (Off Unix, where a directory
//!   cannot be opened as a file, a `<name>.lock` file next to the target is
//!   used instead and removed again after the write.)
//! - Write: a new temp file in the same directory (`create_new`), with the
//!   existing file's mode (or 0600), written, fsynced, renamed over the target,
//!   then the directory fsynced. A crash leaves either the old or the new file.
//! - Symlinks: the target of a symlinked file is written (the link stays), so
//!   dotfile managers that link `~/.aws/credentials` keep working.
//! - A missing parent directory is created with mode 0700 (only on the way to
//!   a write, never for a refusal).
//! - Temp files left by a writer killed before its rename are removed by the
//!   next writer, under the lock, just before it writes.

use crate::env::{Env, EnvExt};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

#[cfg(unix)]
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};

/// An AWS file to edit (`~/.aws/credentials`, `~/.aws/config`), and how to name it in
/// messages: as `~/.aws/<name>` at its default place, else as the real path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileTarget {
    pub path: PathBuf,
    pub shown: String,
}

impl FileTarget {
    /// `path` as resolved; named by `default_shown` unless `env_var` chose it.
    pub(crate) fn resolved(path: PathBuf, env: &Env, env_var: &str, default_shown: &str) -> Self {
        let shown = match env.value(env_var) {
            Some(_) => path.display().to_string(),
            None => default_shown.to_string(),
        };
        FileTarget { path, shown }
    }
}

impl From<&Path> for FileTarget {
    fn from(path: &Path) -> Self {
        FileTarget {
            path: path.to_path_buf(),
            shown: path.display().to_string(),
        }
    }
}

impl From<PathBuf> for FileTarget {
    fn from(path: PathBuf) -> Self {
        FileTarget::from(path.as_path())
    }
}

impl From<&PathBuf> for FileTarget {
    fn from(path: &PathBuf) -> Self {
        FileTarget::from(path.as_path())
    }
}

/// An I/O failure with the step and the path it concerned.
#[derive(Debug, thiserror::Error)]
#[error("could not {action} {}: {source}", path.display())]
pub struct SaveError {
    pub action: &'static str,
    pub path: PathBuf,
    #[source]
    pub source: io::Error,
}

fn err(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> SaveError {
    let path = path.to_path_buf();
    move |source| SaveError {
        action,
        path,
        source,
    }
}

/// Follows symlinks (up to 40 hops) to the file that is really written. A
/// dangling link resolves to its (missing) target, which is then created.
pub fn resolve_target(path: &Path) -> Result<PathBuf, SaveError> {
    let mut current = path.to_path_buf();
    for _ in 0..40 {
        match fs::symlink_metadata(&current) {
            Ok(m) if m.file_type().is_symlink() => {
                let link = fs::read_link(&current).map_err(err("read the symlink", &current))?;
                current = match current.parent() {
                    Some(dir) => dir.join(link),
                    None => link,
                };
            }
            _ => return Ok(current),
        }
    }
    Err(SaveError {
        action: "resolve (too many symlinks)",
        path: path.to_path_buf(),
        source: io::Error::other("symlink loop"),
    })
}

/// The lock held during a read-modify-write; released on drop.
pub struct Lock {
    _file: File,
    /// Off Unix: the lock file, removed on drop.
    #[cfg(not(unix))]
    path: PathBuf,
}

#[cfg(not(unix))]
impl Drop for Lock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

/// Creates the parent directory (0700) if needed and takes the exclusive lock
/// for `target` (already symlink-resolved): a `flock` on the directory.
pub fn lock(target: &Path) -> Result<Lock, SaveError> {
    let dir = parent_dir(target);
    if !dir.exists() {
        create_private_dir(&dir)?;
    }
    #[cfg(unix)]
    {
        let file = File::open(&dir).map_err(err("open the directory", &dir))?;
        file.lock().map_err(err("lock the directory", &dir))?;
        Ok(Lock { _file: file })
    }
    #[cfg(not(unix))]
    {
        let lock_path = lock_path(target);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(err("open the lock file", &lock_path))?;
        file.lock().map_err(err("lock", &lock_path))?;
        Ok(Lock {
            _file: file,
            path: lock_path,
        })
    }
}

/// Under the lock no other writer can own a temp file of ours, so any left
/// are from a writer that died before its rename: remove them (they may hold
/// secrets).
fn remove_stale_temp_files(target: &Path) {
    let Some(name) = target.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return;
    };
    let prefix = format!(".{name}.");
    let Ok(entries) = fs::read_dir(parent_dir(target)) else {
        return;
    };
    for e in entries.flatten() {
        let file_name = e.file_name();
        let f = file_name.to_string_lossy();
        if f.starts_with(&prefix) && f.ends_with(".tmp") {
            let _ = fs::remove_file(e.path());
        }
    }
}

/// `<dir>/<name>.lock`: the lock file used off Unix only.
#[cfg(not(unix))]
fn lock_path(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "credentials".into());
    parent_dir(target).join(format!("{name}.lock"))
}

fn parent_dir(target: &Path) -> PathBuf {
    match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn create_private_dir(dir: &Path) -> Result<(), SaveError> {
    let mut b = fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    b.mode(0o700);
    b.create(dir).map_err(err("create the directory", dir))
}

/// Reads the target if it exists (`Ok(None)` when missing). A directory in
/// its place is an error here: we must not replace it.
pub fn read_existing(target: &Path) -> Result<Option<Vec<u8>>, SaveError> {
    match fs::metadata(target) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(err("inspect", target)(e)),
        Ok(m) if m.is_dir() => {
            return Err(SaveError {
                action: "write",
                path: target.to_path_buf(),
                source: io::Error::other("it is a directory"),
            })
        }
        Ok(_) => {}
    }
    fs::read(target).map(Some).map_err(err("read", target))
}

/// Atomically replaces `target` with `bytes`, under `lock` (taken with
/// [`lock`] for this target). Temp files a killed writer left are removed
/// first. `before_rename` is a test hook (crash injection) run after the temp
/// file is complete and synced.
pub fn write_atomic(
    _lock: &Lock,
    target: &Path,
    bytes: &[u8],
    before_rename: &dyn Fn(&Path) -> io::Result<()>,
) -> Result<(), SaveError> {
    remove_stale_temp_files(target);
    let dir = parent_dir(target);
    // Keep the existing mode exactly (never loosen); new files are private.
    #[cfg(unix)]
    let mode = fs::metadata(target)
        .map(|m| m.permissions().mode() & 0o7777)
        .unwrap_or(0o600);
    let (tmp_path, mut tmp) = create_temp(&dir, target)?;
    let cleanup = |e: SaveError| {
        let _ = fs::remove_file(&tmp_path);
        e
    };
    #[cfg(unix)]
    tmp.set_permissions(fs::Permissions::from_mode(mode))
        .map_err(err("set the mode of", &tmp_path))
        .map_err(cleanup)?;
    tmp.write_all(bytes)
        .map_err(err("write", &tmp_path))
        .map_err(cleanup)?;
    tmp.sync_all()
        .map_err(err("sync", &tmp_path))
        .map_err(cleanup)?;
    drop(tmp);
    before_rename(&tmp_path)
        .map_err(err("finish writing", &tmp_path))
        .map_err(cleanup)?;
    fs::rename(&tmp_path, target)
        .map_err(err("replace", target))
        .map_err(cleanup)?;
    // The rename is durable only once the directory entry is on disk.
    if let Ok(d) = File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

fn create_temp(dir: &Path, target: &Path) -> Result<(PathBuf, File), SaveError> {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "credentials".into());
    let pid = std::process::id();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let mut last = None;
    for attempt in 0..100u32 {
        let path = dir.join(format!(".{name}.{pid}.{nanos:x}.{attempt}.tmp"));
        let mut opts = OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        opts.mode(0o600);
        match opts.open(&path) {
            Ok(f) => return Ok((path, f)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(err("create a temporary file in", dir)(e)),
        }
    }
    Err(err("create a temporary file in", dir)(
        last.unwrap_or_else(|| io::Error::other("no free name")),
    ))
}
