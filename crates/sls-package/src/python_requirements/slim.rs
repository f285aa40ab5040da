//! The plugin's `slim` (lib/slim.js).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use super::options::{opt_path, Options};
use crate::build_host::which;
use crate::error::{DeployError, Result};
use crate::files::{self, SourceFile};

/// The plugin's `slim: true` (lib/slim.js): `strip` every `*.so` (Linux; not when
/// `strip: false`), then delete what matches `**/*.py[c|o]`, `**/__pycache__*`,
/// `**/*.dist-info*` and `slimPatterns` (a matching folder goes with everything in it).
pub(crate) fn slim(
    target: &Path,
    o: &Options,
    path_var: &str,
    env: &BTreeMap<String, String>,
    arch: &str,
) -> Result<()> {
    let listed = files::list_files(target)?;
    if o.strip && !cfg!(any(target_os = "macos", windows)) {
        let sos: Vec<&SourceFile> = listed.iter().filter(|f| f.name.ends_with(".so")).collect();
        if !sos.is_empty() {
            // Manylinux wheels for another architecture (dockerizePip) need that
            // architecture's strip; the plugin runs strip inside the build container.
            let wheel_machine = if arch == "arm64" { "aarch64" } else { "x86_64" };
            let foreign = o.dockerize && wheel_machine != std::env::consts::ARCH;
            let program = if foreign {
                format!("{wheel_machine}-linux-gnu-strip")
            } else {
                "strip".to_string()
            };
            let strip = which(&program, path_var).ok_or_else(|| {
                DeployError::config(
                    opt_path("slim"),
                    if foreign {
                        format!("slim strips the installed {wheel_machine} *.so files with `{program}`, which is not on PATH (install binutils for {wheel_machine}, e.g. Debian's binutils-{}-linux-gnu, or set strip: false)", wheel_machine.replace('_', "-"))
                    } else {
                        "slim strips the installed *.so files with `strip`, which is not on PATH (install binutils, or set strip: false)".to_string()
                    },
                )
            })?;
            for f in sos {
                let out = Command::new(&strip)
                    .arg(&f.path)
                    .env_clear()
                    .envs(env)
                    .output()
                    .map_err(|e| DeployError::io("could not run", &strip, e))?;
                if !out.status.success() {
                    return Err(DeployError::config(
                        opt_path("slim"),
                        format!(
                            "`strip {}` failed: {}",
                            f.name,
                            String::from_utf8_lossy(&out.stderr).trim()
                        ),
                    ));
                }
            }
        }
    }
    let mut patterns: Vec<String> = if o.slim_patterns.is_empty() || o.slim_append_defaults {
        vec![
            "**/*.py[c|o]".into(),
            "**/__pycache__*".into(),
            "**/*.dist-info*".into(),
        ]
    } else {
        Vec::new()
    };
    patterns.extend(o.slim_patterns.iter().cloned());
    let mut set = globset::GlobSetBuilder::new();
    for p in &patterns {
        let g = globset::GlobBuilder::new(p)
            .literal_separator(true)
            .build()
            .map_err(|e| {
                DeployError::config(
                    opt_path("slimPatterns"),
                    format!("invalid pattern \"{p}\": {e}"),
                )
            })?;
        set.add(g);
    }
    let set = set
        .build()
        .map_err(|e| DeployError::config(opt_path("slimPatterns"), e.to_string()))?;
    for f in &listed {
        // The file itself or any folder above it.
        let mut prefixes = vec![f.name.as_str()];
        let mut rest = f.name.as_str();
        while let Some((dir, _)) = rest.rsplit_once('/') {
            prefixes.push(dir);
            rest = dir;
        }
        if prefixes.iter().any(|p| set.is_match(p)) {
            std::fs::remove_file(&f.path)
                .map_err(|e| DeployError::io("could not remove", &f.path, e))?;
        }
    }
    Ok(())
}
