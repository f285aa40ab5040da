//! Deterministic, parallel zip writing.
//!
//! Same sources → same bytes: entries in sorted order, every timestamp 1980-01-01 00:00, modes
//! 0644 or 0755 (owner execute bit, as v3), Unix "made by", no extra fields. Files are read and
//! deflated in parallel with rayon (`par_append_from_paths_atomic` keeps input order) in batches,
//! so memory stays bounded for large trees. The zip is written to a temporary file in the same
//! folder, synced and renamed into place.

use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use base64::Engine;
use sha2::{Digest, Sha256};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, System, ZipWriter};

use crate::error::{DeployError, Result};
use crate::files::SourceFile;

/// Uncompressed bytes per parallel batch: bounds memory (compressed data is held until written).
const BATCH_BYTES: u64 = 64 * 1024 * 1024;

/// Writes `files` (already sorted) to `dest` and returns `CodeSha256` (base64 of SHA-256).
pub fn write_zip(files: &[SourceFile], dest: &Path) -> Result<String> {
    write_entries(files.iter().map(ZipEntry::File), dest)
}

/// Writes in-memory files (`(name, bytes)`, in order) to `dest` with the same fixed metadata as
/// [`write_zip`] (mode 0644), atomically; returns base64(SHA-256) of the zip.
pub fn write_bytes_zip(files: &[(&str, &[u8])], dest: &Path) -> Result<String> {
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(DateTime::default())
        .system(System::Unix)
        .unix_permissions(0o644);
    write_atomically(dest, 64 << 10, |writer, zip_err| {
        for (name, bytes) in files {
            writer
                .start_file(*name, options)
                .and_then(|()| writer.write_all(bytes).map_err(Into::into))
                .map_err(|e| zip_err(e.to_string()))?;
        }
        Ok(())
    })
}

type Writer = ZipWriter<BufWriter<std::fs::File>>;

/// A zip at `dest`, written whole or not at all: `fill` adds the entries to a temp file next to
/// it, which is then fsynced and renamed over `dest` (removed on error). Returns base64(SHA-256).
fn write_atomically(
    dest: &Path,
    buffer: usize,
    fill: impl FnOnce(&mut Writer, &dyn Fn(String) -> DeployError) -> Result<()>,
) -> Result<String> {
    let zip_err = |message: String| DeployError::Zip {
        path: dest.to_path_buf(),
        message,
    };
    let dir = dest.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| DeployError::io("could not create", dir, e))?;
    let tmp = dest.with_extension("zip.tmp");
    let file =
        std::fs::File::create(&tmp).map_err(|e| DeployError::io("could not create", &tmp, e))?;
    let mut writer = ZipWriter::new(BufWriter::with_capacity(buffer, file));
    if let Err(e) = fill(&mut writer, &zip_err) {
        drop(writer);
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    let file = writer
        .finish()
        .map_err(|e| zip_err(e.to_string()))?
        .into_inner()
        .map_err(|e| DeployError::io("could not write", &tmp, e.into_error()))?;
    file.sync_all()
        .map_err(|e| DeployError::io("could not write", &tmp, e))?;
    drop(file);
    std::fs::rename(&tmp, dest).map_err(|e| DeployError::io("could not write", dest, e))?;
    sha256_file(dest)
}

/// One entry of a zip: a file, or a folder entry (`name` ending in `/`), which sls's own zips
/// leave out but the plugins' zip libraries (JSZip) write.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ZipEntry<'a> {
    File(&'a SourceFile),
    Folder(&'a str),
}

/// Writes `entries`, in order, to `dest` atomically and returns base64(SHA-256) of the zip.
pub(crate) fn write_entries<'a>(
    entries: impl IntoIterator<Item = ZipEntry<'a>>,
    dest: &Path,
) -> Result<String> {
    let base = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(DateTime::default())
        .system(System::Unix)
        .large_file(false);
    write_atomically(dest, 1 << 20, |writer, zip_err| {
        let mut batch: Vec<(&str, &Path, SimpleFileOptions)> = Vec::new();
        let mut batch_bytes = 0u64;
        for entry in entries {
            match entry {
                ZipEntry::Folder(name) => {
                    // Entries keep their order: the files before this folder go first.
                    flush(writer, &mut batch).map_err(|e| zip_err(e.to_string()))?;
                    batch_bytes = 0;
                    writer
                        .add_directory(name, base.unix_permissions(0o755))
                        .map_err(|e| zip_err(e.to_string()))?;
                }
                ZipEntry::File(f) => {
                    let size = std::fs::metadata(&f.path)
                        .map_err(|e| DeployError::io("could not read", &f.path, e))?
                        .len();
                    // Files of 4 GiB and more need ZIP64 headers; mark them so the writer
                    // allows it.
                    let options = base
                        .unix_permissions(if f.executable { 0o755 } else { 0o644 })
                        .large_file(size >= u32::MAX as u64);
                    batch.push((f.name.as_str(), f.path.as_path(), options));
                    batch_bytes += size;
                    if batch_bytes >= BATCH_BYTES {
                        flush(writer, &mut batch).map_err(|e| zip_err(e.to_string()))?;
                        batch_bytes = 0;
                    }
                }
            }
        }
        flush(writer, &mut batch).map_err(|e| zip_err(e.to_string()))
    })
}

fn flush<W: Write + std::io::Seek + Send>(
    writer: &mut ZipWriter<W>,
    batch: &mut Vec<(&str, &Path, SimpleFileOptions)>,
) -> zip::result::ZipResult<()> {
    if batch.is_empty() {
        return Ok(());
    }
    writer.par_append_from_paths_atomic(std::mem::take(batch))
}

/// base64(SHA-256(file)): Lambda's `CodeSha256` and v3's `filesha256` metadata.
pub fn sha256_file(path: &Path) -> Result<String> {
    let mut file =
        std::fs::File::open(path).map_err(|e| DeployError::io("could not read", path, e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file
            .read(&mut buf)
            .map_err(|e| DeployError::io("could not read", path, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(base64::engine::general_purpose::STANDARD.encode(hasher.finalize()))
}

/// base64(SHA-256(bytes)): the compiler's (it names function versions by it).
pub use sls_compile::sha256_b64;

/// One zip (or user-provided artifact) to upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    /// Local file.
    pub path: PathBuf,
    /// Name in the artifact directory of the bucket.
    pub file_name: String,
    /// base64(SHA-256), i.e. Lambda's `CodeSha256`.
    pub sha256: String,
    /// Function keys using this artifact.
    pub functions: Vec<String>,
}
