//! Zips with folder entries, as the plugin's JSZip writes them (`.requirements.zip`, the layer
//! zip, a module's moved zip); deterministic like every sls zip: fixed 1980-01-01 timestamps,
//! modes 0644/0755 (folders 0755), Unix "made by", files deflated in parallel.

use std::collections::HashSet;
use std::io::BufWriter;
use std::path::Path;

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, System, ZipWriter};

use crate::error::{DeployError, Result};
use crate::files::SourceFile;

/// A zip entry: a folder (`name` ends with `/`, no file) or a file.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub name: String,
    pub file: Option<SourceFile>,
}

/// Appends `f` (under its own name) after the folder entries of its parents not yet added, as
/// JSZip's `createFolders` does.
pub(crate) fn push_with_folders(tree: &mut Vec<Entry>, seen: &mut HashSet<String>, f: &SourceFile) {
    let mut end = 0;
    while let Some(i) = f.name[end..].find('/') {
        end += i + 1;
        let dir = &f.name[..end];
        if seen.insert(dir.to_string()) {
            tree.push(Entry {
                name: dir.to_string(),
                file: None,
            });
        }
    }
    tree.push(Entry {
        name: f.name.clone(),
        file: Some(f.clone()),
    });
}

/// The plugin's `addTree` into `prefix` (`""` or `"python/"`): every folder and file of the
/// requirements folder, each folder before what it holds. (The plugin adds entries as its
/// concurrent reads finish, so its order varies between runs; sls uses the files' order.)
pub(crate) fn tree(files: &[SourceFile], prefix: &str) -> Vec<Entry> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    if !prefix.is_empty() {
        seen.insert(prefix.to_string());
        out.push(Entry {
            name: prefix.to_string(),
            file: None,
        });
    }
    for f in files {
        let moved = SourceFile {
            name: format!("{prefix}{}", f.name),
            ..f.clone()
        };
        push_with_folders(&mut out, &mut seen, &moved);
    }
    out
}

/// Writes `entries` to `dest` atomically; returns base64(SHA-256) of the zip.
pub(crate) fn write(entries: &[Entry], dest: &Path) -> Result<String> {
    let zip_err = |message: String| DeployError::Zip {
        path: dest.to_path_buf(),
        message,
    };
    let dir = dest.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| DeployError::io("could not create", dir, e))?;
    let tmp = dest.with_extension("zip.tmp");
    let file =
        std::fs::File::create(&tmp).map_err(|e| DeployError::io("could not create", &tmp, e))?;
    let mut writer = ZipWriter::new(BufWriter::with_capacity(1 << 20, file));
    let base = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(DateTime::default())
        .system(System::Unix)
        .large_file(false);
    let mut batch: Vec<(&str, &Path, SimpleFileOptions)> = Vec::new();
    let result = (|| -> zip::result::ZipResult<()> {
        for e in entries {
            match &e.file {
                None => {
                    if !batch.is_empty() {
                        writer.par_append_from_paths_atomic(std::mem::take(&mut batch))?;
                    }
                    writer.add_directory(e.name.as_str(), base.unix_permissions(0o755))?;
                }
                Some(f) => {
                    let size = std::fs::metadata(&f.path).map(|m| m.len()).unwrap_or(0);
                    let o = base
                        .unix_permissions(if f.executable { 0o755 } else { 0o644 })
                        .large_file(size >= u32::MAX as u64);
                    batch.push((e.name.as_str(), f.path.as_path(), o));
                }
            }
        }
        if !batch.is_empty() {
            writer.par_append_from_paths_atomic(std::mem::take(&mut batch))?;
        }
        Ok(())
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(zip_err(e.to_string()));
    }
    let inner = writer.finish().map_err(|e| zip_err(e.to_string()))?;
    let file = inner
        .into_inner()
        .map_err(|e| DeployError::io("could not write", &tmp, e.into_error()))?;
    file.sync_all()
        .map_err(|e| DeployError::io("could not write", &tmp, e))?;
    drop(file);
    std::fs::rename(&tmp, dest).map_err(|e| DeployError::io("could not write", dest, e))?;
    crate::zipper::sha256_file(dest)
}
