//! The plugin's `pack-externals.js` with npm: external modules (in `external`, not in
//! `exclude`) are installed into the build folder from a generated `package.json`, with the
//! versions of the service's own `package.json` (and its `package-lock.json`, then `npm ci`),
//! and each function's zip takes the installed modules its bundle imports, with their
//! dependencies (pack.js `depWhiteList`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Map, Value};

use super::{opt_path, Options};
use crate::build_host::BuildHost;
use crate::error::{DeployError, Result};

fn read_json(path: &Path) -> Result<Value> {
    let text =
        std::fs::read_to_string(path).map_err(|e| DeployError::io("could not read", path, e))?;
    serde_json::from_str(&text).map_err(|e| DeployError::Tool {
        message: format!(
            "serverless-esbuild reads {} to install the external modules, and it is not valid JSON: {e}",
            path.display()
        ),
        hint: None,
    })
}

/// utils.js `findUp`: the first folder from `start` upwards holding one of `names`.
fn find_up(start: &Path, names: &[&str]) -> Option<PathBuf> {
    let mut dir = Some(start);
    while let Some(d) = dir {
        if names.iter().any(|n| d.join(n).is_file()) {
            return Some(d.to_path_buf());
        }
        dir = d.parent();
    }
    None
}

/// `name@version` for each external the package.json lists (pack-externals.js `getProdModules`),
/// with their non-optional peer dependencies.
fn prod_modules(
    externals: &[String],
    package_json: &Value,
    module_dirs: &[PathBuf],
    exclude: &[String],
    out: &mut Vec<String>,
    depth: usize,
) -> Result<()> {
    let deps = package_json.get("dependencies").and_then(Value::as_object);
    let Some(deps) = deps else { return Ok(()) };
    let dev = package_json
        .get("devDependencies")
        .and_then(Value::as_object);
    for ext in externals {
        let in_deps = deps.get(ext).and_then(Value::as_str);
        let in_dev = dev.and_then(|d| d.get(ext)).is_some();
        let Some(version) = in_deps else {
            if in_dev && ext != "aws-sdk" {
                return Err(DeployError::config(
                    opt_path("external"),
                    format!(
                        "the runtime dependency '{ext}' is in devDependencies of package.json, so serverless-esbuild stops (Serverless-webpack dependency error: {ext}); move it to dependencies, or to exclude"
                    ),
                ));
            }
            continue;
        };
        out.push(format!("{ext}@{version}"));
        if depth > 16 {
            continue;
        }
        let module_pkg = module_dirs
            .iter()
            .map(|d| d.join("node_modules").join(ext).join("package.json"))
            .find(|p| p.is_file());
        if let Some(p) = module_pkg {
            let m = read_json(&p)?;
            let optional: BTreeSet<&str> = m
                .get("peerDependenciesMeta")
                .and_then(Value::as_object)
                .map(|o| {
                    o.iter()
                        .filter(|(_, v)| v.get("optional").is_some_and(|b| b == true))
                        .map(|(k, _)| k.as_str())
                        .collect()
                })
                .unwrap_or_default();
            let peers: Vec<String> = m
                .get("peerDependencies")
                .and_then(Value::as_object)
                .map(|o| {
                    o.keys()
                        .filter(|k| !optional.contains(k.as_str()) && !exclude.contains(k))
                        .cloned()
                        .collect()
                })
                .unwrap_or_default();
            if !peers.is_empty() {
                prod_modules(&peers, package_json, module_dirs, exclude, out, depth + 1)?;
            }
        }
    }
    Ok(())
}

/// pack-externals.js `rebaseFileReferences`.
fn rebase(relative: &str, version: &str) -> String {
    let is_file = version.starts_with("./")
        || version.starts_with("../")
        || (version.starts_with("file:")
            && version[5..].chars().take(2).all(|c| c != '/')
            && version.len() >= 7);
    if !is_file {
        return version.to_string();
    }
    let path = version.strip_prefix("file:").unwrap_or(version);
    let prefix = if version.starts_with("file:") {
        "file:"
    } else {
        ""
    };
    format!("{prefix}{relative}/{path}").replace('\\', "/")
}

/// `path.relative(from, to)` for two absolute paths.
fn relative(from: &Path, to: &Path) -> String {
    let f: Vec<_> = from.components().collect();
    let t: Vec<_> = to.components().collect();
    let common = f.iter().zip(&t).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_string(); f.len() - common];
    parts.extend(
        t[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

fn npm(build_dir: &Path, args: &[String], host: &BuildHost, what: &str) -> Result<()> {
    let path_var = host.path_var.clone().unwrap_or_default();
    let npm = crate::build_host::which("npm", &path_var)
        .ok_or_else(|| DeployError::Tool {
            message: "serverless-esbuild installs the external modules with npm, and `npm` was not found on PATH.".into(),
            hint: Some("Install Node.js with npm, or bundle the modules (remove them from custom.esbuild.external).".into()),
        })?;
    let mut env = host.env.clone();
    env.insert("PATH".into(), path_var);
    let out = Command::new(&npm)
        .args(args)
        .current_dir(build_dir)
        .env_clear()
        .envs(&env)
        .output()
        .map_err(|e| DeployError::io("could not run", &npm, e))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(12).collect();
        return Err(DeployError::Tool {
            message: format!(
                "serverless-esbuild: `npm {}` ({what}) failed in {}:\n{}",
                args.join(" "),
                build_dir.display(),
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            ),
            hint: Some(
                "Check custom.esbuild.external and installExtraArgs, and that the modules can be installed (network, registry, package-lock.json).".into(),
            ),
        });
    }
    Ok(())
}

/// Installs the externals into `build_dir`. Returns the installed module names (`None` when
/// nothing was installed: no external is listed in package.json's dependencies).
pub(super) fn install(
    service_dir: &Path,
    build_dir: &Path,
    service_name: &str,
    o: &Options,
    host: &BuildHost,
) -> Result<Option<Vec<String>>> {
    let local_dir = match &o.package_path {
        Some(p) => service_dir
            .join(p)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| service_dir.to_path_buf()),
        None => find_up(service_dir, &["package.json"]).ok_or_else(|| {
            DeployError::config(
                opt_path("external"),
                "serverless-esbuild installs external modules from the versions in package.json, and there is no package.json in the service folder or above it",
            )
        })?,
    };
    let package_json_path = match &o.package_path {
        Some(p) => service_dir.join(p),
        None => local_dir.join("package.json"),
    };
    let root_dir = find_up(
        service_dir,
        &["yarn.lock", "pnpm-lock.yaml", "package-lock.json"],
    )
    .unwrap_or_else(|| service_dir.to_path_buf());
    let package_json = read_json(&package_json_path)?;
    let mut modules = Vec::new();
    prod_modules(
        &o.to_install,
        &package_json,
        &[local_dir.clone(), root_dir.clone()],
        &o.exclude,
        &mut modules,
        0,
    )?;
    let mut unique: Vec<String> = Vec::new();
    for m in modules {
        if !unique.contains(&m) {
            unique.push(m);
        }
    }
    if unique.is_empty() {
        return Ok(None);
    }
    let rel = relative(build_dir, &local_dir);
    let mut scripts = Map::new();
    for (i, s) in o.scripts.iter().enumerate() {
        scripts.insert(format!("script{i}"), json!(s));
    }
    let mut deps = Map::new();
    let mut names = Vec::new();
    for m in &unique {
        // `@scope/name@version` or `name@version`.
        let (name, version) = match m.strip_prefix('@') {
            Some(rest) => {
                let (n, v) = rest.split_once('@').unwrap_or((rest, ""));
                (format!("@{n}"), v.to_string())
            }
            None => {
                let (n, v) = m.split_once('@').unwrap_or((m, ""));
                (n.to_string(), v.to_string())
            }
        };
        deps.insert(name.clone(), json!(rebase(&rel, &version)));
        names.push(name);
    }
    let composite = json!({
        "name": service_name,
        "version": "1.0.0",
        "description": format!("Packaged externals for {service_name}"),
        "private": true,
        "scripts": scripts,
        "dependencies": deps,
    });
    let text = serde_json::to_string_pretty(&composite).unwrap_or_default();
    std::fs::write(build_dir.join("package.json"), text)
        .map_err(|e| DeployError::io("could not write", build_dir.join("package.json"), e))?;
    let lock = local_dir.join("package-lock.json");
    let has_lock = lock.is_file();
    if has_lock {
        let v = read_json(&lock)?;
        let text = serde_json::to_string_pretty(&v).unwrap_or_default();
        std::fs::write(build_dir.join("package-lock.json"), text).map_err(|e| {
            DeployError::io("could not write", build_dir.join("package-lock.json"), e)
        })?;
    }
    let mut args = vec![if has_lock && !o.ignore_lockfile {
        "ci".to_string()
    } else {
        "install".to_string()
    }];
    args.extend(o.install_extra_args.iter().cloned());
    npm(build_dir, &args, host, "installing the external modules")?;
    npm(build_dir, &["prune".to_string()], host, "pruning")?;
    for name in scripts.keys() {
        npm(
            build_dir,
            &["run".to_string(), name.clone()],
            host,
            "packagerOptions.scripts",
        )?;
    }
    Ok(Some(names))
}

/// helper.js `getBaseDep`: `@scope/pkg/sub` → `@scope/pkg`, `pkg/sub` → `pkg`.
pub(super) fn base_dep(import: &str) -> Option<String> {
    let mut parts = import.split('/');
    let first = parts.next().filter(|s| !s.is_empty())?;
    if first.starts_with('@') {
        let second = parts.next().filter(|s| !s.is_empty())?;
        Some(format!("{first}/{second}"))
    } else {
        Some(first.to_string())
    }
}

/// pack.js `depWhiteList`: the installed modules among `imports`, with every module they
/// depend on that npm hoisted to the top of `node_modules` (nested ones come with their parent).
pub(super) fn whitelist(build_dir: &Path, imports: &[String]) -> Vec<String> {
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut queue: Vec<String> = imports.to_vec();
    let mut cache: BTreeMap<String, Vec<String>> = BTreeMap::new();
    while let Some(name) = queue.pop() {
        let dir = build_dir.join("node_modules").join(&name);
        if !dir.join("package.json").is_file() || !seen.insert(name.clone()) {
            continue;
        }
        let deps = cache.entry(name.clone()).or_insert_with(|| {
            let Ok(text) = std::fs::read_to_string(dir.join("package.json")) else {
                return Vec::new();
            };
            let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            ["dependencies", "optionalDependencies"]
                .iter()
                .filter_map(|k| v.get(*k).and_then(Value::as_object))
                .flat_map(|o| o.keys().cloned())
                .collect()
        });
        queue.extend(deps.iter().cloned());
    }
    seen.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(
            base_dep("@aws-sdk/client-s3/dist"),
            Some("@aws-sdk/client-s3".into())
        );
        assert_eq!(base_dep("lodash/fp"), Some("lodash".into()));
        assert_eq!(rebase("../..", "file:vendor/x"), "file:../../vendor/x");
        assert_eq!(rebase("../..", "./vendor/x"), "../.././vendor/x");
        assert_eq!(rebase("../..", "^1.2.3"), "^1.2.3");
        assert_eq!(
            relative(Path::new("/a/b/.esbuild/.build"), Path::new("/a/b")),
            "../.."
        );
    }
}
