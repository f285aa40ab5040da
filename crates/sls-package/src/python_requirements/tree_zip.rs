//! Zips with folder entries, as the plugin's JSZip writes them (`.requirements.zip`, the layer
//! zip, a module's moved zip); deterministic like every sls zip: fixed 1980-01-01 timestamps,
//! modes 0644/0755 (folders 0755), Unix "made by", files deflated in parallel (the writer is
//! [`crate::zipper::write_entries`]).

use std::collections::HashSet;
use std::path::Path;

use crate::error::Result;
use crate::files::SourceFile;
use crate::zipper::ZipEntry;

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
    crate::zipper::write_entries(
        entries.iter().map(|e| match &e.file {
            Some(f) => ZipEntry::File(f),
            None => ZipEntry::Folder(&e.name),
        }),
        dest,
    )
}
