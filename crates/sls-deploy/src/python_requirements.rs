//! The built-in equivalent of the `serverless-python-requirements` plugin (v6): installs the
//! service's `requirements.txt` with pip into a static cache and adds the installed files to the
//! function zips at their root, as the plugin's `lib/pip.js` and `lib/inject.js` do.
//!
//! What is honoured: `fileName`, `pipCmdExtraArgs`, `noDeploy` (filtered from the requirements
//! file and from the installed files, as the plugin does), `pythonBin`, `cacheLocation`,
//! `useStaticCache`/`useDownloadCache` (the download cache is pip's own), `invalidateCaches`
//! (the cache entry is rebuilt), `usePipenv`/`usePoetry: false`. Everything else that changes
//! what is deployed (`dockerizePip`, `zip`, `layer`, `slim`, `vendor`, Pipfile/Poetry projects,
//! per-function `module`s) is refused by name.
//!
//! The cache entry is `<cache>/<sha256>_<architecture>_slspyc/`, keyed by the filtered
//! requirements, the runtime, the architecture and `pipCmdExtraArgs`; a finished entry holds
//! `.completed_requirements` (with the pip version line), and a second package reuses it without
//! running pip. The library reads no process environment: the caller passes `PATH`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::error::{DeployError, Result};
use crate::files::{self, SourceFile};

/// The plugin this module replaces.
pub const PLUGIN: &str = "serverless-python-requirements";

const MARKER: &str = ".completed_requirements";

/// What the caller knows about the machine: the child's `PATH` (libraries never read the
/// process environment) and, optionally, a user cache folder.
#[derive(Debug, Clone, Default)]
pub struct PythonHost {
    /// `PATH` used to find `pythonX.Y` / `python3`; `None` means no interpreter can be found.
    pub path_var: Option<String>,
    /// Default cache folder when `cacheLocation` is not set; `None` means
    /// `<service>/.serverless/requirements-cache`.
    pub cache_dir: Option<PathBuf>,
    /// Extra environment for pip (e.g. `HOME`); pip runs with exactly `PATH` plus these.
    pub env: BTreeMap<String, String>,
}

/// The installed requirements, ready to be added to zips.
#[derive(Debug, Clone)]
pub struct Installed {
    /// Files (zip names relative to the zip root), sorted.
    pub files: Vec<SourceFile>,
    /// The cache folder used.
    pub dir: PathBuf,
    /// Whether pip ran (false: the cache was reused).
    pub installed_now: bool,
    /// Notice lines for the user.
    pub notices: Vec<String>,
}

/// Whether the service lists the plugin.
pub fn enabled(config: &Value) -> bool {
    sls_config::plugins::plugin_names(config)
        .iter()
        .any(|n| n == PLUGIN)
}

#[derive(Debug, Clone)]
struct Options {
    file_name: String,
    extra_args: Vec<String>,
    no_deploy: Vec<String>,
    python_bin: Option<String>,
    cache_location: Option<String>,
    invalidate: bool,
    use_pipenv: bool,
    use_poetry: bool,
    use_download_cache: bool,
    slim: bool,
    strip: bool,
    slim_patterns: Vec<String>,
    slim_append_defaults: bool,
}

/// JavaScript truthiness of an option value.
fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0 && !f.is_nan()),
        Value::String(s) => !s.is_empty(),
        _ => true,
    }
}

fn opt_path(key: &str) -> String {
    format!("custom.pythonRequirements.{key}")
}

fn string_list(v: &Value, key: &str) -> Result<Vec<String>> {
    match v {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => items
            .iter()
            .map(|i| match i {
                Value::String(s) => Ok(s.clone()),
                Value::Number(n) => Ok(n.to_string()),
                _ => Err(DeployError::config(
                    opt_path(key),
                    "expected a list of strings",
                )),
            })
            .collect(),
        _ => Err(DeployError::config(
            opt_path(key),
            "expected a list of strings",
        )),
    }
}

fn refuse(key: &str, what: &str) -> DeployError {
    DeployError::config(
        opt_path(key),
        format!(
            "{what} is not supported yet by sls's built-in serverless-python-requirements; remove it, or package this service with the Serverless Framework"
        ),
    )
}

fn options(config: &Value) -> Result<Options> {
    let mut o = Options {
        file_name: "requirements.txt".into(),
        extra_args: Vec::new(),
        no_deploy: Vec::new(),
        python_bin: None,
        cache_location: None,
        invalidate: false,
        use_pipenv: true,
        use_poetry: true,
        use_download_cache: true,
        slim: false,
        strip: true,
        slim_patterns: Vec::new(),
        slim_append_defaults: true,
    };
    let custom = config
        .get("custom")
        .and_then(|c| c.get("pythonRequirements"));
    let map = match custom {
        None | Some(Value::Null) => return Ok(o),
        Some(Value::Object(m)) => m,
        Some(_) => {
            return Err(DeployError::config(
                "custom.pythonRequirements",
                "expected an object",
            ))
        }
    };
    for (key, v) in map {
        match key.as_str() {
            "fileName" => match v {
                Value::String(s) if !s.is_empty() => o.file_name = s.clone(),
                _ => return Err(DeployError::config(opt_path(key), "expected a file name")),
            },
            "pipCmdExtraArgs" => o.extra_args = string_list(v, key)?,
            "noDeploy" => o.no_deploy = string_list(v, key)?,
            "pythonBin" => match v {
                Value::String(s) if !s.is_empty() => o.python_bin = Some(s.clone()),
                _ => {
                    return Err(DeployError::config(
                        opt_path(key),
                        "expected a program name",
                    ))
                }
            },
            "cacheLocation" => {
                if truthy(v) {
                    match v {
                        Value::String(s) => o.cache_location = Some(s.clone()),
                        _ => return Err(DeployError::config(opt_path(key), "expected a folder")),
                    }
                }
            }
            "invalidateCaches" => o.invalidate = truthy(v),
            "usePipenv" => o.use_pipenv = truthy(v),
            "usePoetry" => o.use_poetry = truthy(v),
            "useDownloadCache" => o.use_download_cache = truthy(v),
            "useStaticCache" => {
                if !truthy(v) {
                    return Err(refuse(key, "useStaticCache: false"));
                }
            }
            // Options that only matter when a refused option is on, or that change nothing
            // deployed when off.
            // The plugin compares with `true`/`'true'` for slim, and `false`/`'false'` for the rest.
            "slim" => o.slim = matches!(v, Value::Bool(true)) || v.as_str() == Some("true"),
            "strip" => o.strip = !(matches!(v, Value::Bool(false)) || v.as_str() == Some("false")),
            "slimPatterns" => {
                if truthy(v) {
                    o.slim_patterns = string_list(v, key)?;
                }
            }
            "slimPatternsAppendDefaults" => {
                o.slim_append_defaults =
                    !(matches!(v, Value::Bool(false)) || v.as_str() == Some("false"))
            }
            // Neither changes what is deployed: the first prunes the local cache (sls keeps
            // every entry), the second only matters with `zip`, which is refused below.
            "staticCacheMaxVersions" | "cleanupZipHelper" => {}
            "dockerizePip"
            | "dockerSsh"
            | "dockerPrivateKey"
            | "dockerImage"
            | "dockerFile"
            | "dockerEnv"
            | "dockerBuildCmdExtraArgs"
            | "dockerRunCmdExtraArgs"
            | "dockerExtraFiles"
            | "dockerRootless"
            | "zip"
            | "layer"
            | "vendor"
            | "requirePoetryLockFile"
            | "poetryWithGroups"
            | "poetryWithoutGroups"
            | "poetryOnlyGroups" => {
                let empty_list = matches!(v, Value::Array(a) if a.is_empty());
                if truthy(v) && !empty_list {
                    return Err(refuse(key, key));
                }
            }
            other => return Err(refuse(other, other)),
        }
    }
    Ok(o)
}

/// Checks `custom.pythonRequirements` and the functions without running anything: every
/// unsupported option is refused by name before any file is written.
pub fn check(config: &Value, service_dir: &Path) -> Result<()> {
    if !enabled(config) {
        return Ok(());
    }
    let o = options(config)?;
    if o.use_pipenv && service_dir.join("Pipfile").is_file() {
        return Err(DeployError::config(
            opt_path("usePipenv"),
            "this service has a Pipfile, which serverless-python-requirements installs with pipenv; pipenv is not supported yet by sls's built-in serverless-python-requirements (set usePipenv: false to use the requirements file, or package with the Serverless Framework)",
        ));
    }
    if o.use_poetry
        && std::fs::read_to_string(service_dir.join("pyproject.toml"))
            .is_ok_and(|t| t.contains("[tool.poetry"))
    {
        return Err(DeployError::config(
            opt_path("usePoetry"),
            "this service is a Poetry project, which serverless-python-requirements installs with poetry; Poetry is not supported yet by sls's built-in serverless-python-requirements (set usePoetry: false to use the requirements file, or package with the Serverless Framework)",
        ));
    }
    if let Some(Value::Object(fns)) = config.get("functions") {
        for (key, f) in fns {
            if let Some(m) = f.get("module") {
                if m.as_str() != Some(".") && truthy(m) {
                    return Err(DeployError::config(
                        format!("functions.{key}.module"),
                        "per-function requirements (module) are not supported yet by sls's built-in serverless-python-requirements",
                    ));
                }
            }
        }
    }
    Ok(())
}

/// The plugin's `filterRequirementsFile`: `-r` includes expanded, comments and blank lines
/// dropped, options (`--…`, `-c`, `-e`, `-f`, `-i`, `-r`) kept first in order (with `-e`
/// stripped), the rest without `noDeploy` and sorted.
fn filter_requirements(source: &Path, no_deploy: &[String]) -> Result<String> {
    fn read(source: &Path, out: &mut Vec<String>, depth: usize) -> Result<()> {
        let text = std::fs::read_to_string(source)
            .map_err(|e| DeployError::io("could not read", source, e))?;
        for line in text.lines() {
            let line = line.trim_end_matches('\r');
            if let Some(rest) = line.strip_prefix("-r") {
                if depth < 16 {
                    let inner = source
                        .parent()
                        .unwrap_or(Path::new("."))
                        .join(rest.trim_start());
                    read(&inner, out, depth + 1)?;
                    continue;
                }
            }
            out.push(line.to_string());
        }
        Ok(())
    }
    let mut lines = Vec::new();
    read(source, &mut lines, 0)?;
    let mut prepend = Vec::new();
    let mut reqs = Vec::new();
    for req in lines {
        let req = req.trim();
        if req.starts_with('#') || req.is_empty() {
            continue;
        }
        if req.starts_with("--")
            || ["-c", "-e", "-f", "-i", "-r"]
                .iter()
                .any(|p| req.starts_with(p))
        {
            let kept = match req.strip_prefix("-e") {
                Some(rest) => rest.trim().to_string(),
                None => req.to_string(),
            };
            if !kept.is_empty() {
                prepend.push(kept);
            }
            continue;
        }
        let name = req
            .split(['=', '<', '>', ' ', '\t'])
            .next()
            .unwrap_or("")
            .trim();
        if !no_deploy.iter().any(|n| n == name) {
            reqs.push(req.to_string());
        }
    }
    reqs.sort();
    prepend.extend(reqs);
    Ok(prepend.join("\n") + "\n")
}

/// Finds the interpreter: `pythonBin` if set; else `pythonX.Y` of a `pythonX.Y` runtime, else
/// `python3` with a notice.
fn find_python(
    o: &Options,
    runtime: &str,
    path_var: &str,
    notices: &mut Vec<String>,
) -> Result<PathBuf> {
    let missing = |program: &str| {
        DeployError::config(
            "plugins",
            format!(
                "serverless-python-requirements needs `{program}` on PATH to install the requirements, and it was not found"
            ),
        )
    };
    if let Some(bin) = &o.python_bin {
        if bin.contains('/') {
            return Ok(PathBuf::from(bin));
        }
        return which(bin, path_var).ok_or_else(|| missing(bin));
    }
    let exact = runtime.split(['-', '_']).next().unwrap_or(runtime);
    if exact.starts_with("python") && exact != "python3" {
        if let Some(p) = which(exact, path_var).filter(|p| runs(p)) {
            return Ok(p);
        }
    }
    let p = which("python3", path_var).ok_or_else(|| missing("python3"))?;
    if exact != "python3" {
        notices.push(format!(
            "`{exact}` is not on PATH; installing the requirements with `python3`, whose version may differ from the runtime {runtime}"
        ));
    }
    Ok(p)
}

/// A pyenv shim can exist for a version that is not installed: check that it runs.
fn runs(p: &Path) -> bool {
    Command::new(p)
        .arg("-c")
        .arg("")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn which(name: &str, path_var: &str) -> Option<PathBuf> {
    std::env::split_paths(path_var)
        .filter(|d| !d.as_os_str().is_empty())
        .map(|d| d.join(name))
        .find(|c| is_executable(c))
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file() || path.with_extension("exe").is_file()
}

/// `pip X from … (python 3.Y)` → `pip X, python3.Y`.
fn version_summary(line: &str) -> String {
    let pip = line.split_whitespace().nth(1).unwrap_or("?");
    let py = line
        .rsplit_once("(python ")
        .map(|(_, v)| v.trim_end_matches(')').trim())
        .unwrap_or("?");
    format!("pip {pip}, python{py}")
}

/// Installs (or reuses) the requirements of the service. `Ok(None)` when the plugin is not
/// listed, or the requirements file is missing or empty after filtering (the plugin skips).
pub fn install(service_dir: &Path, config: &Value, host: &PythonHost) -> Result<Option<Installed>> {
    if !enabled(config) {
        return Ok(None);
    }
    check(config, service_dir)?;
    let o = options(config)?;
    let source = service_dir.join(&o.file_name);
    if !source.is_file() {
        return Ok(None);
    }
    let filtered = filter_requirements(&source, &o.no_deploy)?;
    if filtered.trim().is_empty() {
        return Ok(None);
    }
    let provider = config.get("provider");
    let runtime = provider
        .and_then(|p| p.get("runtime"))
        .and_then(Value::as_str)
        .unwrap_or("python3");
    let arch = provider
        .and_then(|p| p.get("architecture"))
        .and_then(Value::as_str)
        .unwrap_or("x86_64");
    let mut hasher = Sha256::new();
    hasher.update(filtered.as_bytes());
    for part in [runtime, arch, o.python_bin.as_deref().unwrap_or("")] {
        hasher.update([0u8]);
        hasher.update(part.as_bytes());
    }
    for a in &o.extra_args {
        hasher.update([1u8]);
        hasher.update(a.as_bytes());
    }
    // Unlike the plugin, slimming is part of the key: a slim and a full install never share.
    if o.slim {
        hasher.update(format!("\0slim:{}:{}", o.strip, o.slim_append_defaults).as_bytes());
        for p in &o.slim_patterns {
            hasher.update([2u8]);
            hasher.update(p.as_bytes());
        }
    }
    let hash: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let cache_root = match &o.cache_location {
        Some(loc) => service_dir.join(loc),
        None => host
            .cache_dir
            .clone()
            .unwrap_or_else(|| service_dir.join(".serverless/requirements-cache")),
    };
    let dir = cache_root.join(format!("{hash}_{arch}_slspyc"));
    let marker = dir.join(MARKER);
    let mut notices = Vec::new();
    let mut installed_now = false;
    if o.invalidate || !marker.is_file() {
        if dir.exists() {
            std::fs::remove_dir_all(&dir)
                .map_err(|e| DeployError::io("could not remove", &dir, e))?;
        }
        let path_var = host.path_var.as_deref().unwrap_or("");
        let python = find_python(&o, runtime, path_var, &mut notices)?;
        let mut env = host.env.clone();
        env.insert("PATH".into(), path_var.to_string());
        let version = Command::new(&python)
            .args(["-m", "pip", "--version"])
            .env_clear()
            .envs(&env)
            .output()
            .map_err(|e| DeployError::io("could not run", &python, e))?;
        let version_line = String::from_utf8_lossy(&version.stdout).trim().to_string();
        if !version.status.success() {
            return Err(DeployError::config(
                "plugins",
                format!(
                    "serverless-python-requirements needs pip: `{} -m pip --version` failed: {}",
                    python.display(),
                    String::from_utf8_lossy(&version.stderr).trim()
                ),
            ));
        }
        // Build in a temporary sibling and rename, so a failed install never looks complete.
        let tmp = cache_root.join(format!(".{hash}_{arch}.tmp"));
        if tmp.exists() {
            std::fs::remove_dir_all(&tmp)
                .map_err(|e| DeployError::io("could not remove", &tmp, e))?;
        }
        std::fs::create_dir_all(&tmp).map_err(|e| DeployError::io("could not create", &tmp, e))?;
        let reqs = tmp.join("requirements.txt");
        std::fs::write(&reqs, &filtered)
            .map_err(|e| DeployError::io("could not write", &reqs, e))?;
        let target = tmp.join("target");
        let mut cmd = Command::new(&python);
        cmd.args(["-m", "pip", "install"]);
        // The plugin splits each extra argument once on whitespace.
        for a in &o.extra_args {
            let mut parts = a.splitn(2, char::is_whitespace);
            if let Some(p) = parts.next() {
                cmd.arg(p);
            }
            if let Some(p) = parts.next() {
                cmd.arg(p);
            }
        }
        cmd.arg("-t")
            .arg(&target)
            .arg("-r")
            .arg(&reqs)
            .args(["--disable-pip-version-check", "--no-compile"]);
        if o.use_download_cache {
            cmd.arg("--cache-dir")
                .arg(cache_root.join("downloadCacheslspyc"));
        } else {
            cmd.arg("--no-cache-dir");
        }
        let out = cmd
            .current_dir(service_dir)
            .env_clear()
            .envs(&env)
            .output()
            .map_err(|e| DeployError::io("could not run", &python, e))?;
        if !out.status.success() {
            let _ = std::fs::remove_dir_all(&tmp);
            let stderr = String::from_utf8_lossy(&out.stderr);
            let tail: Vec<&str> = stderr.lines().rev().take(8).collect();
            return Err(DeployError::config(
                "plugins",
                format!(
                    "serverless-python-requirements: pip install -r {} failed: {}",
                    o.file_name,
                    tail.into_iter().rev().collect::<Vec<_>>().join("\n")
                ),
            ));
        }
        std::fs::create_dir_all(&target)
            .map_err(|e| DeployError::io("could not create", &target, e))?;
        if o.slim {
            if let Err(e) = slim(&target, &o, path_var, &env) {
                let _ = std::fs::remove_dir_all(&tmp);
                return Err(e);
            }
        }
        std::fs::write(tmp.join(MARKER), format!("{version_line}\n"))
            .map_err(|e| DeployError::io("could not write", tmp.join(MARKER), e))?;
        std::fs::rename(&tmp, &dir).map_err(|e| DeployError::io("could not write", &dir, e))?;
        installed_now = true;
    }
    let version_line = std::fs::read_to_string(&marker)
        .map_err(|e| DeployError::io("could not read", &marker, e))?;
    notices.insert(
        0,
        format!(
            "Using sls's built-in serverless-python-requirements: {}{}",
            version_summary(version_line.trim()),
            if installed_now { "" } else { " (cached)" }
        ),
    );
    let target = dir.join("target");
    let files: Vec<SourceFile> = files::list_files(&target)?
        .into_iter()
        .filter(|f| keep(&f.name, &o.no_deploy))
        .collect();
    Ok(Some(Installed {
        files,
        dir,
        installed_now,
        notices,
    }))
}

/// The plugin's `slim: true` (lib/slim.js): `strip` every `*.so` (Linux; not when
/// `strip: false`), then delete what matches `**/*.py[c|o]`, `**/__pycache__*`,
/// `**/*.dist-info*` and `slimPatterns` (a matching folder goes with everything in it).
fn slim(target: &Path, o: &Options, path_var: &str, env: &BTreeMap<String, String>) -> Result<()> {
    let listed = files::list_files(target)?;
    if o.strip && !cfg!(any(target_os = "macos", windows)) {
        let sos: Vec<&SourceFile> = listed.iter().filter(|f| f.name.ends_with(".so")).collect();
        if !sos.is_empty() {
            let strip = which("strip", path_var).ok_or_else(|| {
                DeployError::config(
                    opt_path("slim"),
                    "slim strips the installed *.so files with `strip`, which is not on PATH (install binutils, or set strip: false)",
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

/// The plugin's inject filter (no root `__pycache__/`, nothing whose first name part is in
/// `noDeploy`), and no compiled files at all (pip runs with `--no-compile`; stray `.pyc` files
/// would make zips differ between machines).
fn keep(name: &str, no_deploy: &[String]) -> bool {
    if name.split('/').any(|p| p == "__pycache__") || name.ends_with(".pyc") {
        return false;
    }
    // JavaScript: relativeFile.split(/([-\\/]|\.py$|\.pyc$)/, 1)[0]
    let first = name.split(['-', '/', '\\']).next().unwrap_or(name);
    let first = first.strip_suffix(".py").unwrap_or(first);
    !no_deploy.iter().any(|n| n == first)
}

/// The files of one zip with the requirements added at the root: a requirement file replaces
/// a service file of the same name (as the plugin's injection overwrites it), sorted by name.
pub fn merge(service_files: Vec<SourceFile>, installed: &[SourceFile]) -> Vec<SourceFile> {
    let mut by_name: BTreeMap<String, SourceFile> = service_files
        .into_iter()
        .map(|f| (f.name.clone(), f))
        .collect();
    for f in installed {
        by_name.insert(f.name.clone(), f.clone());
    }
    by_name.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn filters_like_the_plugin() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("requirements.txt"),
            "# c\nrequests==2\n\n--extra-index-url x\nboto3>=1\n-e ./local\nattrs\n-r more.txt\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("more.txt"), "zed\n").unwrap();
        let out =
            filter_requirements(&dir.path().join("requirements.txt"), &["boto3".into()]).unwrap();
        assert_eq!(
            out,
            "--extra-index-url x\n./local\nattrs\nrequests==2\nzed\n"
        );
    }

    #[test]
    fn keep_matches_inject() {
        let nd = vec!["six".to_string(), "boto3".to_string()];
        assert!(!keep("six.py", &nd));
        assert!(!keep("boto3/__init__.py", &nd));
        assert!(!keep("boto3-1.0.dist-info/RECORD", &nd));
        assert!(keep("requests/__init__.py", &nd));
        assert!(!keep("requests/__pycache__/x.pyc", &nd));
        assert!(keep("sixty/a.py", &nd));
    }

    #[test]
    fn options_refused_by_name() {
        let c =
            json!({"plugins": [PLUGIN], "custom": {"pythonRequirements": {"dockerizePip": true}}});
        let e = check(&c, Path::new("/nonexistent"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("custom.pythonRequirements.dockerizePip"), "{e}");
        let c = json!({"plugins": [PLUGIN], "custom": {"pythonRequirements": {"dockerizePip": false, "zip": false, "fileName": "r.txt"}}});
        check(&c, Path::new("/nonexistent")).unwrap();
        let c = json!({"plugins": [PLUGIN], "custom": {"pythonRequirements": {"bogus": 1}}});
        assert!(check(&c, Path::new("/x"))
            .unwrap_err()
            .to_string()
            .contains("custom.pythonRequirements.bogus"));
    }

    #[test]
    fn version_line() {
        assert_eq!(
            version_summary("pip 23.2.1 from /x/pip (python 3.11)"),
            "pip 23.2.1, python3.11"
        );
    }
}
