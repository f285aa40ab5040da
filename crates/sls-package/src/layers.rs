//! The zips of the top-level `layers` (v3 `packageLayer` / `resolveFilePathsLayer`): each
//! layer's `path` (relative to the service folder) zipped with names relative to it, into
//! `<layer>.zip`; or its `package.artifact` as given.
//!
//! v3's selection for a layer: the default excludes, the service file, local plugins, the
//! service's `package.exclude` and the layer's own; then the service's `package.include` and
//! `package.patterns`, then the layer's; the Node dev-dependency excludes last. The patterns
//! match paths relative to the layer's folder.

use std::path::{Path, PathBuf};

use sls_compile::{Layer, LayerZip};

use crate::error::{DeployError, Result};
use crate::files::{self, SourceFile};
use crate::zipper::{self, Artifact};

/// A layer's zip, decided before `.serverless/` is touched.
pub(crate) struct Decided {
    layer: Layer,
    contents: Contents,
}

enum Contents {
    Given(PathBuf),
    Build(Vec<SourceFile>),
}

/// What the selection of every layer shares.
pub(crate) struct Common<'a> {
    pub service_dir: &'a Path,
    pub config: &'a serde_json::Value,
    /// The default excludes, the service file, local plugins, the output folder.
    pub base_excludes: Vec<String>,
    /// The Node dev-dependency globs (relative to the service folder, as v3 applies them).
    pub dev_excludes: Vec<String>,
}

/// Every layer's files (or given zip, checked to exist).
pub(crate) fn decide(layers: &[Layer], c: &Common<'_>) -> Result<Vec<Decided>> {
    let mut out = Vec::new();
    for layer in layers {
        let contents = match (&layer.artifact, &layer.path) {
            (Some(a), _) => {
                let path = c.service_dir.join(a);
                if !path.is_file() {
                    return Err(DeployError::config(
                        format!("layers.{}.package.artifact", layer.key),
                        format!("cannot access the layer artifact at \"{}\"", path.display()),
                    ));
                }
                Contents::Given(path)
            }
            (None, Some(p)) => Contents::Build(select(layer, p, c)?),
            (None, None) => {
                return Err(DeployError::config(
                    format!("layers.{}.path", layer.key),
                    "a layer needs `path` or `package.artifact`",
                ))
            }
        };
        out.push(Decided {
            layer: layer.clone(),
            contents,
        });
    }
    Ok(out)
}

/// The files of a layer's folder that go into its zip.
fn select(layer: &Layer, path: &str, c: &Common<'_>) -> Result<Vec<SourceFile>> {
    let context = format!("layer \"{}\"", layer.key);
    let dir = c.service_dir.join(path);
    let listing = if dir.is_dir() {
        files::list_files(&dir)?
    } else {
        // v3 lists nothing under a missing folder, then finds no file.
        Vec::new()
    };
    let mut excludes = c.base_excludes.clone();
    excludes.extend(files::package_list(c.config, "exclude"));
    excludes.extend(layer.exclude.iter().cloned());
    let mut patterns = files::package_list(c.config, "include");
    patterns.extend(files::package_list(c.config, "patterns"));
    patterns.extend(layer.include.iter().cloned());
    patterns.extend(layer.patterns.iter().cloned());
    let selection = files::Selection::new(
        &union(excludes),
        &union(patterns),
        &c.dev_excludes,
        &context,
    )?;
    let chosen: Vec<SourceFile> = listing
        .into_iter()
        .filter(|f| selection.includes(&f.name))
        .collect();
    if chosen.is_empty() {
        return Err(DeployError::NoFiles { context });
    }
    Ok(chosen)
}

fn union(list: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(list.len());
    for s in list {
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

/// A layer as packaged: what the compiler needs, the artifact to upload, where its bytes are.
#[derive(Debug, Clone)]
pub struct PackagedLayer {
    pub layer: Layer,
    pub zip: LayerZip,
    pub path: PathBuf,
}

/// Writes the zips decided above into `out`; the artifacts (deployed by no function) to
/// upload, and each layer as packaged.
pub(crate) fn write(
    decided: Vec<Decided>,
    service_dir: &Path,
    out: &Path,
) -> Result<(Vec<Artifact>, Vec<PackagedLayer>)> {
    let mut artifacts = Vec::new();
    let mut packaged = Vec::new();
    for Decided { layer, contents } in decided {
        let file_name = layer.file_name();
        let (path, sha256, sort_key) = match contents {
            Contents::Given(path) => {
                let sha = zipper::sha256_file(&path)?;
                let given = layer.artifact.clone().unwrap_or_default();
                (path, sha, given)
            }
            Contents::Build(files) => {
                let path = out.join(&file_name);
                let sha = zipper::write_zip(&files, &path)?;
                // v3 zips into `<service>/.serverless` and sorts by that path.
                let v3_path = service_dir.join(".serverless").join(&file_name);
                (path, sha, v3_path.to_string_lossy().into_owned())
            }
        };
        artifacts.push(Artifact {
            path: path.clone(),
            file_name: file_name.clone(),
            sha256: sha256.clone(),
            functions: Vec::new(),
        });
        packaged.push(PackagedLayer {
            zip: LayerZip {
                key: layer.key.clone(),
                file_name,
                sha256,
                sort_key,
            },
            layer,
            path,
        });
    }
    Ok((artifacts, packaged))
}
