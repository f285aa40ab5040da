//! The built-in equivalent of `serverless-plugin-typescript` (2.1.x): compiles the handlers,
//! and what they import, with the project's own TypeScript into `<service>/.build`, and packages
//! from there, as the plugin does by switching the service path to `.build`.
//!
//! What the plugin does, and how this module does the same (the plugin's `dist/src/index.js`
//! and `typescript.js`):
//! - root files: each Node function's handler file (`<path>.ts` if it exists, else
//!   `<path>.js`; otherwise "Cannot locate handler"), joined with the `files` that
//!   `tsconfig.json` selects (always `tsconfig.json`, even with `tsConfigFileLocation`: the
//!   plugin reads it there). sls asks `tsc --showConfig` for that list.
//! - compiler options: those of `custom.serverlessPluginTypescript.tsConfigFileLocation`
//!   (default `tsconfig.json`) with `rootDir` forced to the service folder and `outDir` to
//!   `.build`; without that file, the plugin's defaults (`target es5`, `lib es2015`,
//!   `sourceMap`, `allowJs`, `preserveConstEnums`, `strictNullChecks`, `moduleResolution node`).
//!   sls writes a small config that `extends` the project's, overriding those two options and
//!   listing the root files, and runs the project's `tsc -p` on it (the plugin calls the same
//!   compiler through its API). The compiler is `typescript` as Node resolves it from the
//!   service folder, run with `node`.
//! - diagnostics: the plugin prints them and goes on while output was emitted (type errors do
//!   not stop a package); when emit is skipped (`noEmitOnError`, config errors) it fails. Same
//!   here: warnings in the first case, an error with tsc's diagnostics in the second.
//! - `.build` then gets the `package.include`/`package.patterns` files (globby, the compiled
//!   files win), `package.json` and all of `node_modules` (copied when packaging; linked for
//!   `invoke local`). sls links both in either case: the zip holds the same files.
//! - `.build` is removed after packaging (the plugin's `cleanup`); sls also empties it before
//!   compiling, so files of an interrupted earlier run never reach a zip.
//!
//! The plugin does not rewrite handler paths: `src/handler.hello` finds `src/handler.js` in
//! `.build`, because `rootDir` keeps the source layout.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

use crate::error::{DeployError, Result};
use crate::files::{self, SourceFile};

/// The plugin this module replaces.
pub const PLUGIN: &str = "serverless-plugin-typescript";

/// The plugin's build folder, inside the service folder.
pub const BUILD_FOLDER: &str = ".build";

/// Whether the service lists the plugin.
pub fn enabled(config: &Value) -> bool {
    sls_config::plugins::plugin_names(config)
        .iter()
        .any(|n| n == PLUGIN)
}

use crate::build_host::which;
/// What compiling needs from the machine: `PATH` (to find `node`) and the environment for
/// `tsc` (the library reads no process environment); the same host the other build tools get.
use crate::build_host::BuildHost;

/// What [`build`] is for: packaging (`.build` is removed afterwards) or `invoke local` of one
/// function (only its handler among the root files; `.build` stays, as with the plugin).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose<'a> {
    Package,
    Invoke { function: &'a str },
}

/// The compiled service in `.build`. Removes `.build` when dropped, unless built for invoke.
#[derive(Debug)]
pub struct Build {
    /// `<service>/.build`.
    pub dir: PathBuf,
    /// What the plugin's `.build` holds (zip names relative to it), sorted as v3 orders zips:
    /// compiled files, extras, `package.json`, `node_modules/**`.
    pub files: Vec<SourceFile>,
    /// `Using sls's built-in serverless-plugin-typescript: tsc 5.9.3, tsconfig.json`.
    pub notice: String,
    /// tsc's diagnostics when it emitted anyway (the plugin prints them and goes on).
    pub warnings: Vec<String>,
    keep: bool,
}

impl Drop for Build {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

fn opt_path(key: &str) -> String {
    format!("custom.serverlessPluginTypescript.{key}")
}

/// `custom.serverlessPluginTypescript`: only `tsConfigFileLocation` exists in the plugin.
fn tsconfig_location(config: &Value) -> Result<Option<String>> {
    let Some(custom) = config
        .get("custom")
        .and_then(|c| c.get("serverlessPluginTypescript"))
    else {
        return Ok(None);
    };
    let map = match custom {
        Value::Null => return Ok(None),
        Value::Object(m) => m,
        _ => {
            return Err(DeployError::config(
                "custom.serverlessPluginTypescript",
                "expected an object",
            ))
        }
    };
    let mut location = None;
    for (key, v) in map {
        match (key.as_str(), v) {
            ("tsConfigFileLocation", Value::String(s)) if !s.is_empty() => {
                location = Some(s.clone())
            }
            ("tsConfigFileLocation", Value::Null) => {}
            ("tsConfigFileLocation", _) => {
                return Err(DeployError::config(
                    opt_path(key),
                    "expected the path of a tsconfig file, relative to the service folder",
                ))
            }
            (other, _) => {
                return Err(DeployError::config(
                    opt_path(other),
                    format!(
                        "serverless-plugin-typescript has no option \"{other}\" (its only option is tsConfigFileLocation); remove it"
                    ),
                ))
            }
        }
    }
    Ok(location)
}

/// Checks the options without running anything: its own, and that serverless-esbuild, which
/// builds the same handlers, is not listed too.
pub fn check(config: &Value) -> Result<()> {
    if !enabled(config) {
        return Ok(());
    }
    checked_location(config).map(drop)
}

/// `tsConfigFileLocation`, once [`check`] passes (the plugin is listed).
fn checked_location(config: &Value) -> Result<Option<String>> {
    let names = sls_config::plugins::plugin_names(config);
    if names.iter().any(|n| n == "serverless-esbuild") {
        return Err(DeployError::config(
            "plugins",
            "this service lists both serverless-plugin-typescript and serverless-esbuild, which both build the TypeScript handlers (into .build and .esbuild); keep one of them",
        ));
    }
    tsconfig_location(config)
}

/// The runtime of a function as the plugin reads it (function, then provider; sls's default
/// when neither is set, where the plugin would fail on `undefined`).
fn runtime_of<'a>(config: &'a Value, f: &'a Value) -> &'a str {
    f.get("runtime")
        .and_then(Value::as_str)
        .or_else(|| config.pointer("/provider/runtime").and_then(Value::as_str))
        .unwrap_or(crate::DEFAULT_RUNTIME)
}

/// The plugin's `extractFileNames`: `<path>.ts`, else `<path>.js`, of each Node handler.
fn handler_files(service_dir: &Path, config: &Value, only: Option<&str>) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let Some(Value::Object(fns)) = config.get("functions") else {
        return Ok(out);
    };
    for (key, f) in fns {
        if only.is_some_and(|o| o != key) || !runtime_of(config, f).contains("nodejs") {
            continue;
        }
        let Some(h) = f.get("handler").and_then(Value::as_str) else {
            continue;
        };
        // The plugin cuts at the last occurrence of the text after the last dot.
        let fn_name = h.rsplit('.').next().unwrap_or(h);
        let base = &h[..h.rfind(fn_name).unwrap_or(0)];
        let found = ["ts", "js"]
            .iter()
            .map(|ext| format!("{base}{ext}"))
            .find(|p| service_dir.join(p).is_file());
        match found {
            Some(p) => {
                if !out.contains(&p) {
                    out.push(p)
                }
            }
            None => {
                return Err(DeployError::config(
                    format!("functions.{key}.handler"),
                    format!(
                        "serverless-plugin-typescript cannot locate the handler file: neither {base}ts nor {base}js exists in {}",
                        service_dir.display()
                    ),
                ))
            }
        }
    }
    Ok(out)
}

/// `typescript` as Node resolves it from the service folder: `node_modules/typescript` here or
/// in a parent folder.
fn find_typescript(service_dir: &Path) -> Option<PathBuf> {
    service_dir
        .ancestors()
        .filter(|d| d.file_name().is_none_or(|n| n != "node_modules"))
        .map(|d| d.join("node_modules/typescript"))
        .find(|d| d.join("bin/tsc").is_file() && d.join("package.json").is_file())
}

fn version_of(package_dir: &Path) -> String {
    std::fs::read_to_string(package_dir.join("package.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<Value>(&t).ok())
        .and_then(|v| v.get("version").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

struct Tsc {
    node: PathBuf,
    script: PathBuf,
    env: BTreeMap<String, String>,
}

impl Tsc {
    fn run(&self, cwd: &Path, args: &[&str]) -> Result<std::process::Output> {
        Command::new(&self.node)
            .arg(&self.script)
            .args(args)
            .current_dir(cwd)
            .env_clear()
            .envs(&self.env)
            .output()
            .map_err(|e| DeployError::io("could not run", &self.node, e))
    }
}

/// tsc's diagnostics, at most `max` lines.
fn diagnostics(out: &std::process::Output, max: usize) -> String {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with("TSFILE: ") && !l.trim().is_empty())
        // `--listFiles` lines: the program's files.
        .filter(|l| !(Path::new(l.trim()).is_absolute() && Path::new(l.trim()).is_file()))
        .collect();
    let mut shown: Vec<&str> = lines.iter().take(max).copied().collect();
    let more = lines.len().saturating_sub(max);
    let extra;
    if more > 0 {
        extra = format!("… and {more} more lines");
        shown.push(&extra);
    }
    shown.join("\n")
}

/// Compiles the service into `.build` and lists what the plugin's `.build` would hold.
/// `Ok(None)` when the plugin is not listed.
pub fn build(
    service_dir: &Path,
    config: &Value,
    host: &BuildHost,
    purpose: Purpose<'_>,
) -> Result<Option<Build>> {
    if !enabled(config) {
        return Ok(None);
    }
    let location = checked_location(config)?;
    let only = match purpose {
        Purpose::Invoke { function } => Some(function),
        Purpose::Package => None,
    };
    let handlers = handler_files(service_dir, config, only)?;

    let Some(ts_dir) = find_typescript(service_dir) else {
        return Err(DeployError::config(
            "plugins",
            format!(
                "serverless-plugin-typescript compiles with the project's own TypeScript, which is not installed: no node_modules/typescript in {} or a parent folder. Install it (`npm install --save-dev typescript`)",
                service_dir.display()
            ),
        ));
    };
    let path_var = host.path_var.clone().unwrap_or_default();
    let Some(node) = which("node", &path_var) else {
        return Err(DeployError::config(
            "plugins",
            "serverless-plugin-typescript runs the project's TypeScript compiler with Node.js, and `node` was not found on PATH; install Node.js",
        ));
    };
    let mut env = host.env.clone();
    env.insert("PATH".into(), path_var);
    let tsc = Tsc {
        node,
        script: ts_dir.join("bin/tsc"),
        env,
    };
    let version = version_of(&ts_dir);

    let config_name = location.clone().unwrap_or_else(|| "tsconfig.json".into());
    let chosen = service_dir.join(&config_name);
    let described = if chosen.is_file() {
        config_name.clone()
    } else {
        "no tsconfig.json, the plugin's defaults".to_string()
    };
    let dir = service_dir.join(BUILD_FOLDER);
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(|e| DeployError::io("could not remove", &dir, e))?;
    }
    std::fs::create_dir_all(&dir).map_err(|e| DeployError::io("could not create", &dir, e))?;
    // From here on `.build` is removed on any error (the guard), unless kept for invoke.
    let mut build = Build {
        dir: dir.clone(),
        files: Vec::new(),
        notice: String::new(),
        warnings: Vec::new(),
        keep: false,
    };
    let cache =
        crate::typescript_cache::Cache::new(service_dir, &ts_dir, &version, &handlers, &chosen);
    let tree = cache.as_ref().map(|c| c.tree()).unwrap_or_default();
    let cached = match &cache {
        Some(c) => c.restore(&dir, &tree)?,
        None => None,
    };
    let from_cache = cached.is_some();
    match cached {
        Some(warnings) => build.warnings = warnings,
        None => {
            let compiled = compile(service_dir, &tsc, &version, &handlers, &config_name, &dir)?;
            build.warnings = compiled.warnings;
            if let Some(c) = &cache {
                // A cache that cannot be written only costs the next run a compile.
                let _ = c.store(&dir, &tree, &compiled.program_files, &build.warnings);
            }
        }
    }

    copy_extras(service_dir, config, &dir)?;
    let nm = service_dir.join("node_modules");
    let pkg = service_dir.join("package.json");
    // The plugin copies `node_modules` and links `package.json` into `.build` when packaging,
    // and links both for invoke local. Links give the same listing (v3 follows them when
    // zipping) without copying; for invoke local `.build` stays, as with the plugin.
    link(&nm, &dir.join("node_modules"));
    link(&pkg, &dir.join("package.json"));
    if let Purpose::Invoke { .. } = purpose {
        build.keep = true;
    }
    let mut listed = files::list_files(&dir)?;
    // Where links cannot be made, the same names point at the originals.
    if pkg.is_file() && !listed.iter().any(|f| f.name == "package.json") {
        let meta =
            std::fs::metadata(&pkg).map_err(|e| DeployError::io("could not read", &pkg, e))?;
        listed.push(SourceFile {
            name: "package.json".into(),
            path: pkg.clone(),
            executable: files::is_executable(&meta),
        });
    }
    if nm.is_dir() && !dir.join("node_modules").exists() {
        for mut f in files::list_files(&nm)? {
            f.name = format!("node_modules/{}", f.name);
            listed.push(f);
        }
    }
    listed.sort_by(|a, b| files::v3_name_order(&a.name, &b.name).then_with(|| a.cmp(b)));
    build.files = listed;
    build.notice = format!(
        "Using sls's built-in serverless-plugin-typescript: tsc {version}, {described}{}",
        if from_cache { " (cached)" } else { "" }
    );
    Ok(Some(build))
}

/// What one tsc run gave.
struct Compiled {
    warnings: Vec<String>,
    /// The files of the program (`--listFiles`), for the cache.
    program_files: Vec<PathBuf>,
}

/// Runs the project's tsc as the plugin compiles: root files, options, `.build`.
fn compile(
    service_dir: &Path,
    tsc: &Tsc,
    version: &str,
    handlers: &[String],
    config_name: &str,
    dir: &Path,
) -> Result<Compiled> {
    let mut warnings = Vec::new();
    // Root files: the handlers, then what tsconfig.json selects (the plugin's `_.union`).
    let mut roots: Vec<PathBuf> = handlers.iter().map(|h| service_dir.join(h)).collect();
    let default_config = service_dir.join("tsconfig.json");
    if default_config.is_file() {
        let out = tsc.run(service_dir, &["--showConfig", "-p", "tsconfig.json"])?;
        let shown: Option<Value> = serde_json::from_slice(&out.stdout).ok();
        let Some(shown) = shown.filter(|_| out.status.success()) else {
            return Err(DeployError::config(
                "tsconfig.json",
                format!(
                    "serverless-plugin-typescript could not read tsconfig.json (TypeScript {version}):\n{}",
                    diagnostics(&out, 20)
                ),
            ));
        };
        for f in shown
            .get("files")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            let p = service_dir.join(f.strip_prefix("./").unwrap_or(f));
            if !roots.contains(&p) {
                roots.push(p);
            }
        }
    }

    let chosen = service_dir.join(config_name);
    let abs = |p: &Path| p.to_string_lossy().replace('\\', "/");
    let mut options = json!({"outDir": abs(dir), "rootDir": abs(service_dir)});
    let mut project = json!({
        "files": roots.iter().map(|p| abs(p)).collect::<Vec<_>>(),
        "include": [],
    });
    if chosen.is_file() {
        project["extends"] = json!(abs(&chosen));
    } else {
        // The plugin's makeDefaultTypescriptConfig.
        for (k, v) in [
            ("preserveConstEnums", json!(true)),
            ("strictNullChecks", json!(true)),
            ("sourceMap", json!(true)),
            ("allowJs", json!(true)),
            ("target", json!("es5")),
            ("moduleResolution", json!("node")),
            ("lib", json!(["es2015"])),
        ] {
            options[k] = v;
        }
    }
    project["compilerOptions"] = options;
    let project_file = dir.join(".sls-tsconfig.json");
    std::fs::write(&project_file, project.to_string())
        .map_err(|e| DeployError::io("could not write", &project_file, e))?;
    let out = tsc.run(
        service_dir,
        &[
            "-p",
            &project_file.to_string_lossy(),
            "--listEmittedFiles",
            "--listFiles",
            "--pretty",
            "false",
        ],
    )?;
    let _ = std::fs::remove_file(&project_file);
    let emitted: Vec<PathBuf> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("TSFILE: "))
        .map(|p| PathBuf::from(p.trim()))
        .collect();
    // The plugin compiles through the API, which writes no build info; tsc -p does with
    // `incremental`/`composite`.
    for e in emitted
        .iter()
        .filter(|e| e.extension().is_some_and(|x| x == "tsbuildinfo"))
    {
        let _ = std::fs::remove_file(e);
    }
    let js_emitted = emitted
        .iter()
        .any(|e| e.extension().is_some_and(|x| x == "js"));
    match out.status.code() {
        // 0: clean; 2: errors, but output was emitted (the plugin logs them and goes on).
        Some(0) | Some(2) if js_emitted => {
            if out.status.code() == Some(2) {
                warnings.push(format!(
                    "serverless-plugin-typescript: tsc reported errors and emitted anyway; packaging goes on, as with the plugin:\n{}",
                    diagnostics(&out, 20)
                ));
            }
        }
        Some(0) | Some(2) => {
            return Err(DeployError::config(
                config_name.to_string(),
                "serverless-plugin-typescript: TypeScript compilation emitted no JavaScript (is `noEmit` set?); the plugin fails the same way (\"Typescript compilation failed\")",
            ))
        }
        _ => {
            return Err(DeployError::config(
                config_name.to_string(),
                format!(
                    "serverless-plugin-typescript: TypeScript compilation failed (tsc {version}):\n{}",
                    diagnostics(&out, 30)
                ),
            ))
        }
    }

    let program_files = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| PathBuf::from(l.trim()))
        .filter(|p| p.is_absolute() && p.is_file())
        .collect();
    Ok(Compiled {
        warnings,
        program_files,
    })
}

#[cfg(unix)]
fn link(src: &Path, dst: &Path) {
    if src.exists() && !dst.exists() {
        let _ = std::os::unix::fs::symlink(src, dst);
    }
}

#[cfg(not(unix))]
fn link(_src: &Path, _dst: &Path) {
    // No links: the listing names the originals instead (see `build`).
}

/// The plugin's `copyExtras`: `globby([...package.include, ...package.patterns])` from the
/// service folder, each file copied into `.build` unless a compiled file is already there.
///
/// globby semantics kept: only positive patterns select (negatives only remove), `*`/`**` do
/// not match names starting with a dot (`dot: false`) unless the pattern spells the dot.
/// Files under `node_modules/` are skipped: the plugin's next step replaces `.build/node_modules`.
fn copy_extras(service_dir: &Path, config: &Value, build_dir: &Path) -> Result<()> {
    let mut patterns = crate::files::package_list(config, "include");
    patterns.extend(crate::files::package_list(config, "patterns"));
    let positive: Vec<&String> = patterns.iter().filter(|p| !p.starts_with('!')).collect();
    if positive.is_empty() {
        return Ok(());
    }
    let mut candidates = Vec::new();
    for p in &positive {
        // Walk only below the pattern's literal prefix, as fast-glob does.
        let p = p.strip_prefix("./").unwrap_or(p);
        let literal: Vec<&str> = p
            .split('/')
            .take_while(|s| !s.contains(['*', '?', '[', '{', '(', '!', '+', '@']))
            .collect();
        let base = service_dir.join(literal.join("/"));
        if base.is_file() {
            let rel = literal.join("/");
            candidates.push(rel);
        } else if base.is_dir() {
            for f in files::list_files(&base)? {
                let rel = if literal.is_empty() {
                    f.name
                } else {
                    format!("{}/{}", literal.join("/"), f.name)
                };
                candidates.push(rel);
            }
        }
    }
    candidates.sort();
    candidates.dedup();
    let selection = files::Selection::new(&[], &patterns, &[], "package.patterns")?;
    let mut matchers = Vec::new();
    for p in &positive {
        let only = files::Selection::new(
            &["**".to_string()],
            &[p.to_string()],
            &[],
            "package.patterns",
        )?;
        matchers.push((p.as_str(), only));
    }
    for rel in candidates {
        if rel.starts_with("node_modules/") || rel == BUILD_FOLDER || rel.starts_with(".build/") {
            continue;
        }
        // The file must match a positive pattern and no later negative one.
        let matched = matchers
            .iter()
            .any(|(p, only)| only.includes(&rel) && dot_ok(p, &rel));
        if !matched || !selection.includes(&rel) {
            continue;
        }
        let dst = build_dir.join(&rel);
        if dst.exists() {
            continue;
        }
        if let Some(parent) = dst.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| DeployError::io("could not create", parent, e))?;
        }
        std::fs::copy(service_dir.join(&rel), &dst)
            .map_err(|e| DeployError::io("could not copy", &dst, e))?;
    }
    Ok(())
}

/// globby's `dot: false`: a path segment starting with `.` is matched only by a pattern segment
/// that starts with `.` too.
fn dot_ok(pattern: &str, rel: &str) -> bool {
    let pattern = pattern.strip_prefix("./").unwrap_or(pattern);
    let psegs: Vec<&str> = pattern.split('/').collect();
    rel.split('/')
        .enumerate()
        .all(|(i, seg)| !seg.starts_with('.') || psegs.get(i).is_some_and(|p| p.starts_with('.')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_are_checked_by_name() {
        let c = json!({"plugins": [PLUGIN], "custom": {"serverlessPluginTypescript": {"tsConfigFileLocation": "tsconfig.build.json"}}});
        assert_eq!(
            tsconfig_location(&c).unwrap().as_deref(),
            Some("tsconfig.build.json")
        );
        let c =
            json!({"plugins": [PLUGIN], "custom": {"serverlessPluginTypescript": {"watch": true}}});
        let e = check(&c).unwrap_err().to_string();
        assert!(e.contains("custom.serverlessPluginTypescript.watch"), "{e}");
        let c = json!({"plugins": [PLUGIN, "serverless-esbuild"]});
        let e = check(&c).unwrap_err().to_string();
        assert!(
            e.contains("both serverless-plugin-typescript and serverless-esbuild"),
            "{e}"
        );
    }

    #[test]
    fn handler_files_prefer_ts_and_skip_other_runtimes() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("src")).unwrap();
        std::fs::write(d.path().join("src/a.ts"), "").unwrap();
        std::fs::write(d.path().join("src/a.js"), "").unwrap();
        std::fs::write(d.path().join("b.js"), "").unwrap();
        let c = json!({"provider": {"runtime": "nodejs20.x"}, "functions": {
            "a": {"handler": "src/a.handler"}, "b": {"handler": "b.main"},
            "p": {"handler": "x.y", "runtime": "python3.12"}}});
        assert_eq!(
            handler_files(d.path(), &c, None).unwrap(),
            ["src/a.ts", "b.js"]
        );
        assert_eq!(handler_files(d.path(), &c, Some("b")).unwrap(), ["b.js"]);
        let c = json!({"functions": {"m": {"handler": "missing.h"}}});
        let e = handler_files(d.path(), &c, None).unwrap_err().to_string();
        assert!(
            e.contains("functions.m.handler") && e.contains("missing.ts"),
            "{e}"
        );
    }

    #[test]
    fn dot_segments_need_a_dot_in_the_pattern() {
        assert!(dot_ok("config/**", "config/a.json"));
        assert!(!dot_ok("config/**", "config/.env"));
        assert!(dot_ok("config/.env", "config/.env"));
    }
}
