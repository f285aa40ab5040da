//! One module's requirements: exported from Pipfile / pyproject.toml when the plugin would
//! (`pipenv requirements`, `poetry export`), filtered like the plugin's
//! `filterRequirementsFile`, installed with pip into a static cache entry (manylinux wheels for
//! the function's architecture with `dockerizePip`), slimmed, vendored.
//!
//! A cache entry `<cache>/<sha256>_<arch>_slspyc/` holds `target/` (what the plugin's
//! requirements folder holds: the installed files, `requirements.txt`, an empty
//! `.completed_requirements`) and a marker `.completed_requirements` with the pip version line.
//! An entry is built in a temporary sibling and renamed, so a failure never leaves one that
//! looks complete.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use super::options::{opt_path, Options};
use crate::build_host::which;
use crate::error::{DeployError, Result};
use crate::files::{self, SourceFile};

pub(crate) const MARKER: &str = ".completed_requirements";

/// What every module's install shares.
pub(crate) struct Ctx<'a> {
    pub service_dir: &'a Path,
    pub runtime: &'a str,
    pub arch: &'a str,
    pub path_var: &'a str,
    pub env: &'a BTreeMap<String, String>,
    pub cache_root: PathBuf,
}

/// A module's installed requirements.
#[derive(Debug, Clone)]
pub(crate) struct ModuleInstall {
    /// Every file of the requirements folder (zip names), in the plugin's glob order.
    pub files: Vec<SourceFile>,
    /// The cache entry.
    pub dir: PathBuf,
    pub installed_now: bool,
    pub version_line: String,
}

fn run_err(program: &str, key: &str, what: String) -> DeployError {
    DeployError::config(opt_path(key), format!("`{program}` {what}"))
}

/// `<tool> …` in `cwd` with the host's environment; a missing program is a clear error.
fn run_tool(
    program: &str,
    args: &[String],
    cwd: &Path,
    ctx: &Ctx<'_>,
    key: &str,
) -> Result<std::process::Output> {
    let Some(exe) = which(program, ctx.path_var) else {
        return Err(DeployError::config(
            opt_path(key),
            format!(
                "this service needs `{program}` to export its requirements (as serverless-python-requirements does), and `{program}` is not on PATH: install it, or set {key}: false to use {}",
                "the requirements file"
            ),
        ));
    };
    let mut env = ctx.env.clone();
    env.insert("PATH".into(), ctx.path_var.to_string());
    Command::new(&exe)
        .args(args)
        .current_dir(cwd)
        .env_clear()
        .envs(&env)
        .output()
        .map_err(|e| DeployError::io("could not run", &exe, e))
}

/// The plugin's `isPoetryProject`: `pyproject.toml` whose `build-system.requires` names poetry.
pub(crate) fn is_poetry_project(dir: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(dir.join("pyproject.toml")) else {
        return false;
    };
    let mut in_build = false;
    let mut requires = String::new();
    let mut collecting = false;
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with('[') && !collecting {
            in_build = t == "[build-system]";
            continue;
        }
        if in_build && (collecting || t.starts_with("requires")) {
            requires.push_str(t);
            collecting = !t.contains(']');
        }
    }
    requires
        .split(['"', '\''])
        .skip(1)
        .step_by(2)
        .any(|s| s.starts_with("poetry"))
}

/// `poetry export` in the module folder (the plugin's `pyprojectTomlToRequirements`), `-e `
/// flags removed. Returns the exported text.
fn poetry_export(module_dir: &Path, o: &Options, ctx: &Ctx<'_>, tmp: &Path) -> Result<String> {
    if o.require_poetry_lock && !module_dir.join("poetry.lock").is_file() {
        return Err(DeployError::config(
            opt_path("requirePoetryLockFile"),
            format!(
                "poetry.lock was not found in {}: run `poetry lock`, or set requirePoetryLockFile: false",
                module_dir.display()
            ),
        ));
    }
    let out_file = tmp.join("poetry-requirements.txt");
    let mut args: Vec<String> = ["export", "--without-hashes", "-f", "requirements.txt", "-o"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.push(out_file.display().to_string());
    args.push("--with-credentials".into());
    if !o.poetry_with.is_empty() {
        args.push(format!("--with={}", o.poetry_with.join(",")));
    }
    if !o.poetry_without.is_empty() {
        args.push(format!("--without={}", o.poetry_without.join(",")));
    }
    if !o.poetry_only.is_empty() {
        args.push(format!("--only={}", o.poetry_only.join(",")));
    }
    let out = run_tool("poetry", &args, module_dir, ctx, "usePoetry")?;
    if !out.status.success() {
        return Err(run_err(
            "poetry export",
            "usePoetry",
            format!("failed: {}", String::from_utf8_lossy(&out.stderr).trim()),
        ));
    }
    let text = std::fs::read_to_string(&out_file)
        .map_err(|e| DeployError::io("could not read", &out_file, e))?;
    Ok(text
        .lines()
        .map(|l| l.strip_prefix("-e ").unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n")
        + "\n")
}

/// The plugin's `pipfileToRequirements`: `pipenv requirements` (after `pipenv lock` when there
/// is no lock file), or `pipenv lock --requirements --keep-outdated` before pipenv 2022.8.13.
pub(crate) fn pipenv_export(service_dir: &Path, ctx: &Ctx<'_>) -> Result<String> {
    let version = run_tool(
        "pipenv",
        &["--version".to_string()],
        service_dir,
        ctx,
        "usePipenv",
    )?;
    let text = String::from_utf8_lossy(&version.stdout);
    let v = text.split_whitespace().nth(2).unwrap_or("");
    let parts: Vec<u64> = v.split('.').filter_map(|p| p.parse().ok()).collect();
    if parts.len() < 3 {
        return Err(run_err(
            "pipenv --version",
            "usePipenv",
            format!("printed no version sls can read: {}", text.trim()),
        ));
    }
    let legacy = (parts[0], parts[1], parts[2]) <= (2022, 8, 5);
    let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let out = if legacy {
        run_tool(
            "pipenv",
            &args(&["lock", "--requirements", "--keep-outdated"]),
            service_dir,
            ctx,
            "usePipenv",
        )?
    } else {
        let first = run_tool(
            "pipenv",
            &args(&["requirements"]),
            service_dir,
            ctx,
            "usePipenv",
        )?;
        if !first.status.success()
            && String::from_utf8_lossy(&first.stderr).contains("FileNotFoundError")
        {
            let lock = run_tool("pipenv", &args(&["lock"]), service_dir, ctx, "usePipenv")?;
            if !lock.status.success() {
                return Err(run_err(
                    "pipenv lock",
                    "usePipenv",
                    format!("failed: {}", String::from_utf8_lossy(&lock.stderr).trim()),
                ));
            }
            run_tool(
                "pipenv",
                &args(&["requirements"]),
                service_dir,
                ctx,
                "usePipenv",
            )?
        } else {
            first
        }
    };
    if !out.status.success() {
        return Err(run_err(
            "pipenv",
            "usePipenv",
            format!(
                "could not export the Pipfile: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .split('\n')
        .map(|l| l.strip_prefix("-e ").unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n"))
}

/// The plugin's `getRequirements`: lines (backslash continuations joined) with `-r` includes
/// expanded relative to the including file.
fn read_requirements(source: &Path, text: Option<&str>, depth: usize) -> Result<Vec<String>> {
    let text = match text {
        Some(t) => t.to_string(),
        None => std::fs::read_to_string(source)
            .map_err(|e| DeployError::io("could not read", source, e))?,
    };
    let mut out = Vec::new();
    for line in text.replace("\\\n", " ").split('\n') {
        let line = line.trim_end_matches('\r').trim();
        if let Some(rest) = line.strip_prefix("-r") {
            if depth < 16 {
                let inner = source
                    .parent()
                    .unwrap_or(Path::new("."))
                    .join(rest.trim_start());
                out.extend(read_requirements(&inner, None, depth + 1)?);
                continue;
            }
        }
        out.push(line.to_string());
    }
    Ok(out)
}

/// The plugin's `filterRequirementsFile`: comments and blank lines dropped, options (`--…`,
/// `-c`, `-e`, `-f`, `-i`, `-r`) kept first in order (with `-e` stripped), the rest without
/// `noDeploy` and sorted.
pub(crate) fn filter_requirements(
    source: &Path,
    text: Option<&str>,
    no_deploy: &[String],
) -> Result<String> {
    let lines = read_requirements(source, text, 0)?;
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
    // JavaScript's default sort: UTF-16 code units (byte order for these names).
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
    env: &BTreeMap<String, String>,
    notices: &mut Vec<String>,
) -> Result<PathBuf> {
    let missing = |program: &str| {
        DeployError::config(
            opt_path("pythonBin"),
            format!(
                "serverless-python-requirements needs `{program}` on PATH to install the requirements, and it was not found (install it, or set pythonBin)"
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
        if let Some(p) = which(exact, path_var).filter(|p| runs(p, env)) {
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

/// A pyenv shim can exist for a version that is not installed: check that it runs (with the
/// host's environment, as pip will run: pyenv reads `PYENV_VERSION` from it).
fn runs(p: &Path, env: &BTreeMap<String, String>) -> bool {
    Command::new(p)
        .arg("-c")
        .arg("")
        .env_clear()
        .envs(env)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// `pip X from … (python 3.Y)` → `pip X, python3.Y`.
pub(crate) fn version_summary(line: &str) -> String {
    let pip = line.split_whitespace().nth(1).unwrap_or("?");
    let py = line
        .rsplit_once("(python ")
        .map(|(_, v)| v.trim_end_matches(')').trim())
        .unwrap_or("?");
    format!("pip {pip}, python{py}")
}

/// The manylinux platform tag pip installs for with `dockerizePip`.
pub(crate) fn manylinux_platform(arch: &str) -> &'static str {
    if arch == "arm64" {
        "manylinux2014_aarch64"
    } else {
        "manylinux2014_x86_64"
    }
}

/// `python3.11` → `3.11`.
pub(crate) fn runtime_python_version(runtime: &str) -> Option<String> {
    let v = runtime.strip_prefix("python")?;
    let (major, minor) = v.split_once('.')?;
    (major.chars().all(|c| c.is_ascii_digit())
        && !minor.is_empty()
        && minor.chars().all(|c| c.is_ascii_digit()))
    .then(|| format!("{major}.{minor}"))
}

/// The package pip could not find (`… satisfies the requirement NAME …`).
fn missing_package(stderr: &str) -> Option<String> {
    for marker in [
        "satisfies the requirement ",
        "No matching distribution found for ",
    ] {
        if let Some(i) = stderr.find(marker) {
            let rest = &stderr[i + marker.len()..];
            let name: String = rest
                .chars()
                .take_while(|c| !c.is_whitespace() && *c != '(')
                .collect();
            if !name.is_empty() {
                return Some(name);
            }
        }
    }
    None
}

/// Installs (or reuses) one module's requirements. `Ok(None)`: no requirements file (and no
/// Pipfile/Poetry project), or nothing left after filtering; the plugin skips those.
pub(crate) fn install_module(
    module: &str,
    o: &Options,
    ctx: &Ctx<'_>,
    pipenv_text: Option<&str>,
    notices: &mut Vec<String>,
) -> Result<Option<ModuleInstall>> {
    let module_dir = if module == "." {
        ctx.service_dir.to_path_buf()
    } else {
        ctx.service_dir.join(module)
    };
    let Some(requirements) = module_requirements(&module_dir, o, ctx, pipenv_text)? else {
        return Ok(None);
    };
    let py_version = manylinux_python_version(o, ctx.runtime)?;
    let hash = cache_key(&requirements, o, ctx);
    let kind = if o.use_static_cache {
        "slspyc"
    } else {
        "nostatic"
    };
    let dir = ctx.cache_root.join(format!("{hash}_{}_{kind}", ctx.arch));
    let marker = dir.join(MARKER);
    let install_now = o.invalidate || !o.use_static_cache || !marker.is_file();
    if install_now {
        let pip = PipInstall {
            module,
            o,
            ctx,
            requirements: &requirements,
            py_version: py_version.as_deref(),
        };
        pip.build_entry(&dir, &hash, notices)?;
    }
    let version_line = std::fs::read_to_string(&marker)
        .map_err(|e| DeployError::io("could not read", &marker, e))?
        .trim()
        .to_string();
    let files = files::list_files(&dir.join("target"))?;
    Ok(Some(ModuleInstall {
        files,
        dir,
        installed_now: install_now,
        version_line,
    }))
}

/// The module's requirements file text, exported (Poetry, Pipenv) and filtered; `None` when
/// there is none or nothing is left.
fn module_requirements(
    module_dir: &Path,
    o: &Options,
    ctx: &Ctx<'_>,
    pipenv_text: Option<&str>,
) -> Result<Option<String>> {
    let source = module_dir.join(&o.file_name);
    let exported = if o.use_poetry && is_poetry_project(module_dir) {
        create_dir(&ctx.cache_root)?;
        Some(poetry_export(module_dir, o, ctx, &ctx.cache_root)?)
    } else {
        pipenv_text.map(str::to_string)
    };
    if exported.is_none() && !source.is_file() {
        return Ok(None);
    }
    let filtered = filter_requirements(&source, exported.as_deref(), &o.no_deploy)?;
    Ok((!filtered.trim().is_empty()).then_some(filtered))
}

/// With `dockerizePip`, the runtime's Python version the manylinux wheels are for.
fn manylinux_python_version(o: &Options, runtime: &str) -> Result<Option<String>> {
    if !o.dockerize {
        return Ok(None);
    }
    runtime_python_version(runtime).map(Some).ok_or_else(|| {
        DeployError::config(
            opt_path("dockerizePip"),
            format!(
                "sls installs manylinux wheels for the runtime's Python instead of running Docker, and the runtime \"{runtime}\" names no Python version (use a pythonX.Y runtime)"
            ),
        )
    })
}

/// The cache entry's key: a SHA-256 of the requirements and of every option that changes
/// what gets installed.
fn cache_key(requirements: &str, o: &Options, ctx: &Ctx<'_>) -> String {
    let mut hasher = Sha256::new();
    hasher.update(requirements.as_bytes());
    for part in [ctx.runtime, ctx.arch, o.python_bin.as_deref().unwrap_or("")] {
        hasher.update([0u8]);
        hasher.update(part.as_bytes());
    }
    for a in &o.extra_args {
        hasher.update([1u8]);
        hasher.update(a.as_bytes());
    }
    // Unlike the plugin, slimming, manylinux wheels and the vendor folder are part of the key:
    // installs that differ never share an entry.
    if o.slim {
        hasher.update(format!("\0slim:{}:{}", o.strip, o.slim_append_defaults).as_bytes());
        for p in &o.slim_patterns {
            hasher.update([2u8]);
            hasher.update(p.as_bytes());
        }
    }
    if o.dockerize {
        hasher.update(b"\0manylinux2014");
        for (k, v) in &o.docker_env {
            hasher.update(format!("\0{k}={v}").as_bytes());
        }
    }
    if let Some(v) = &o.vendor {
        hasher.update(format!("\0vendor:{v}").as_bytes());
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// One pip install of a module's requirements into a new cache entry.
struct PipInstall<'a> {
    module: &'a str,
    o: &'a Options,
    ctx: &'a Ctx<'a>,
    /// The filtered requirements file.
    requirements: &'a str,
    /// The Python version of the manylinux wheels (`dockerizePip`).
    py_version: Option<&'a str>,
}

impl PipInstall<'_> {
    /// Builds the entry `dir` in a temporary sibling and renames it into place, so a failure
    /// never leaves one that looks complete.
    fn build_entry(&self, dir: &Path, hash: &str, notices: &mut Vec<String>) -> Result<()> {
        remove_dir_if_present(dir)?;
        let env = self.tool_env();
        let python = find_python(self.o, self.ctx.runtime, self.ctx.path_var, &env, notices)?;
        let version_line = pip_version_line(&python, &env)?;
        create_dir(&self.ctx.cache_root)?;
        let tmp = self
            .ctx
            .cache_root
            .join(format!(".{hash}_{}.tmp", self.ctx.arch));
        remove_dir_if_present(&tmp)?;
        create_dir(&tmp.join("target"))?;
        if let Err(e) = self.fill_entry(&tmp, &python, &env, &version_line) {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(e);
        }
        std::fs::rename(&tmp, dir).map_err(|e| DeployError::io("could not write", dir, e))
    }

    /// pip's environment: the host's, its `PATH`, and `dockerizePip`'s `dockerEnv`.
    fn tool_env(&self) -> BTreeMap<String, String> {
        let mut env = self.ctx.env.clone();
        env.insert("PATH".into(), self.ctx.path_var.to_string());
        for (k, v) in &self.o.docker_env {
            env.insert(k.clone(), v.clone());
        }
        env
    }

    /// Installs, slims and vendors into `<entry>/target`, then writes what the plugin's
    /// requirements folder also holds and the entry's marker.
    fn fill_entry(
        &self,
        entry: &Path,
        python: &Path,
        env: &BTreeMap<String, String>,
        version_line: &str,
    ) -> Result<()> {
        let target = entry.join("target");
        let reqs = entry.join("requirements.txt");
        write_file(&reqs, self.requirements)?;
        self.pip_install(python, env, &target, &reqs)?;
        if self.o.slim {
            super::slim::slim(&target, self.o, self.ctx.path_var, env, self.ctx.arch)?;
        }
        if let Some(v) = &self.o.vendor {
            copy_vendor(&self.ctx.service_dir.join(v), &target)?;
        }
        // What the plugin's requirements folder also holds (and so its zips).
        write_file(&target.join("requirements.txt"), self.requirements)?;
        if self.o.use_static_cache {
            write_file(&target.join(MARKER), "")?;
        }
        write_file(&entry.join(MARKER), &format!("{version_line}\n"))
    }

    /// `python -m pip install -t <target> -r <reqs>`, for manylinux wheels with `dockerizePip`.
    fn pip_install(
        &self,
        python: &Path,
        env: &BTreeMap<String, String>,
        target: &Path,
        reqs: &Path,
    ) -> Result<()> {
        let mut cmd = Command::new(python);
        cmd.args(["-m", "pip", "install"]);
        cmd.args(&self.o.extra_args);
        cmd.arg("-t")
            .arg(target)
            .arg("-r")
            .arg(reqs)
            .args(["--disable-pip-version-check", "--no-compile"]);
        if let Some(v) = self.py_version {
            cmd.args([
                "--platform",
                manylinux_platform(self.ctx.arch),
                "--only-binary=:all:",
                "--python-version",
                v,
                "--implementation",
                "cp",
            ]);
        }
        if self.o.use_download_cache {
            cmd.arg("--cache-dir")
                .arg(self.ctx.cache_root.join("downloadCacheslspyc"));
        } else {
            cmd.arg("--no-cache-dir");
        }
        let out = cmd
            .current_dir(self.ctx.service_dir)
            .env_clear()
            .envs(env)
            .output()
            .map_err(|e| DeployError::io("could not run", python, e))?;
        if out.status.success() {
            return Ok(());
        }
        Err(self.pip_failed(&String::from_utf8_lossy(&out.stderr)))
    }

    /// pip's failure with the end of what it said; a missing wheel gets its own advice.
    fn pip_failed(&self, stderr: &str) -> DeployError {
        let tail: Vec<&str> = stderr.lines().rev().take(8).collect();
        let tail = tail.into_iter().rev().collect::<Vec<_>>().join("\n");
        let file = self.requirements_file_name();
        if let (Some(v), Some(pkg)) = (self.py_version, missing_package(stderr)) {
            return DeployError::config(
                opt_path("dockerizePip"),
                format!(
                    "there is no {} wheel for Python {v} of \"{pkg}\" (from {file}), and without Docker sls installs wheels only: pin a version of \"{pkg}\" that publishes one, or package this service with the Serverless Framework and Docker. pip said: {tail}",
                    manylinux_platform(self.ctx.arch),
                ),
            );
        }
        DeployError::config(
            "plugins",
            format!("serverless-python-requirements: pip install -r {file} failed: {tail}"),
        )
    }

    /// The requirements file as the user names it (`requirements.txt`, `m/requirements.txt`).
    fn requirements_file_name(&self) -> String {
        if self.module == "." {
            self.o.file_name.clone()
        } else {
            format!("{}/{}", self.module, self.o.file_name)
        }
    }
}

/// `python -m pip --version`'s line; pip missing is a clear error.
fn pip_version_line(python: &Path, env: &BTreeMap<String, String>) -> Result<String> {
    let version = Command::new(python)
        .args(["-m", "pip", "--version"])
        .env_clear()
        .envs(env)
        .output()
        .map_err(|e| DeployError::io("could not run", python, e))?;
    if !version.status.success() {
        return Err(DeployError::config(
            opt_path("pythonBin"),
            format!(
                "serverless-python-requirements needs pip: `{} -m pip --version` failed: {}",
                python.display(),
                String::from_utf8_lossy(&version.stderr).trim()
            ),
        ));
    }
    Ok(String::from_utf8_lossy(&version.stdout).trim().to_string())
}

fn create_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| DeployError::io("could not create", dir, e))
}

fn remove_dir_if_present(dir: &Path) -> Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(|e| DeployError::io("could not remove", dir, e))?;
    }
    Ok(())
}

fn write_file(path: &Path, contents: &str) -> Result<()> {
    std::fs::write(path, contents).map_err(|e| DeployError::io("could not write", path, e))
}

/// The plugin's `copyVendors`: every entry of the vendor folder replaces the same name.
fn copy_vendor(from: &Path, target: &Path) -> Result<()> {
    if !from.is_dir() {
        return Err(DeployError::config(
            opt_path("vendor"),
            format!("the vendor folder {} does not exist", from.display()),
        ));
    }
    for f in files::list_files(from)? {
        let to = target.join(&f.name);
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| DeployError::io("could not create", parent, e))?;
        }
        std::fs::copy(&f.path, &to).map_err(|e| DeployError::io("could not copy", &f.path, e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_like_the_plugin() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("requirements.txt"),
            "# c\nrequests==2\n\n--extra-index-url x\nboto3>=1\n-e ./local\nattrs\n-r more.txt\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("more.txt"), "zed\n").unwrap();
        let out = filter_requirements(
            &dir.path().join("requirements.txt"),
            None,
            &["boto3".into()],
        )
        .unwrap();
        assert_eq!(
            out,
            "--extra-index-url x\n./local\nattrs\nrequests==2\nzed\n"
        );
    }

    #[test]
    fn version_line() {
        assert_eq!(
            version_summary("pip 23.2.1 from /x/pip (python 3.11)"),
            "pip 23.2.1, python3.11"
        );
    }

    #[test]
    fn runtime_versions_and_platforms() {
        assert_eq!(
            runtime_python_version("python3.12").as_deref(),
            Some("3.12")
        );
        assert_eq!(runtime_python_version("python3"), None);
        assert_eq!(runtime_python_version("nodejs20.x"), None);
        assert_eq!(manylinux_platform("arm64"), "manylinux2014_aarch64");
        assert_eq!(manylinux_platform("x86_64"), "manylinux2014_x86_64");
    }

    #[test]
    fn pip_missing_package() {
        let e = "ERROR: Could not find a version that satisfies the requirement srconly (from versions: none)\nERROR: No matching distribution found for srconly\n";
        assert_eq!(missing_package(e).as_deref(), Some("srconly"));
    }

    #[test]
    fn poetry_projects() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(
            d.path().join("pyproject.toml"),
            "[tool.poetry]\nname='x'\n[build-system]\nrequires = [\n  \"poetry-core>=1.0\",\n]\n",
        )
        .unwrap();
        assert!(is_poetry_project(d.path()));
        std::fs::write(
            d.path().join("pyproject.toml"),
            "[build-system]\nrequires = [\"setuptools\"]\n[tool.poetry]\n",
        )
        .unwrap();
        assert!(!is_poetry_project(d.path()));
    }
}
