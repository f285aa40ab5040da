//! The built-in equivalent of the `serverless-esbuild` plugin (1.57): bundles each Node.js
//! function's handler with the project's own esbuild and zips the bundles the way the plugin's
//! `bundle.js`, `index.js` (`copyExtras`, `moveArtifacts`) and `pack.js` do.
//!
//! - Entries: a function's `esbuildEntrypoint` or `handler` without its export (`src/app.main` →
//!   `src/app`), tried with `resolveExtensions` (default `.ts`, `.js`, `.jsx`, `.tsx`), each as
//!   `<file><ext>` then `<file>/index<ext>`. Only functions with a Node.js runtime (the
//!   function's, else `provider.runtime`) and without `skipEsbuild` are bundled.
//! - Build: one esbuild build per unique entry into `<outputWorkFolder>/<outputBuildFolder>`
//!   (default `.esbuild/.build`), `outdir` = the entry's folder there, so the handler path in the
//!   template stays as written. The options are `custom.esbuild` deep-merged over the plugin's
//!   defaults (`bundle: true`, `platform: node`, `target` from `provider.runtime`), minus the
//!   plugin's own options, with `external` = `external` + `exclude` (default `aws-sdk`).
//! - Extras: files matched by `package.patterns` are copied into the build folder, a function's
//!   own patterns into `__only_<function>/`.
//! - Zips: with `package.individually`, one `<function>.zip` per bundled function (its bundle,
//!   the extras, not the other bundles); else one `<service>.zip` of the whole build folder, used
//!   by every function without its own artifact. Lock files and the top `package.json` are left
//!   out. The zips are ours (deterministic), not the plugin's archiver output.
//!
//! Why esbuild's JS API through `node` and not its CLI: the plugin hands the merged options
//! object to `esbuild.build()` unchanged, so any esbuild option a service sets (`define`,
//! `loader`, `banner`, `alias`, `tsconfigRaw`, …) must mean exactly what it means there; the CLI
//! spells many of them differently and has no form for some. One `node` process (embedded
//! `bundle.cjs`) resolves `esbuild` from the service folder as the plugin's `require` does and
//! runs every build, so the cost is one Node start, not one per function.
//!
//! - Options: `custom.esbuild` is read and checked in one place (`options.rs`).
//! - Externals (`external` entries not in `exclude`): installed with npm into the build folder
//!   (`externals.rs`, the plugin's `pack-externals.js`), versions from the service's
//!   `package.json` (`packagePath`), `npm ci` with its `package-lock.json` (unless
//!   `packagerOptions.ignoreLockfile`), else `npm install`, plus `installExtraArgs`, then
//!   `npm prune` and `packagerOptions.scripts`; each individually packaged zip takes the modules
//!   its bundle imports (esbuild's metafile) and their dependencies.
//!
//! Refused by name: `plugins` and `config` (JavaScript files sls does not run), `skipBuild`,
//! `stripEntryResolveExtensions`, `write: false`, and externals to install with `packager`
//! yarn or pnpm. Accepted without effect, because they change nothing deployed: `watch`,
//! `zipConcurrency`, `nativeZip`, `skipRebuild`, `disposeContext`, `nodeExternals` (only read by
//! the refused `plugins`), `skipBuildExcludeFns`.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use globset::{GlobBuilder, GlobMatcher};
use serde_json::{json, Value};

use crate::build_host::{which, BuildHost};
use crate::error::{DeployError, Result};
use crate::files::{self, SourceFile};
use crate::zipper;
use sls_config::model::{Function, Service};

/// The plugin this module replaces.
pub const PLUGIN: &str = "serverless-esbuild";

mod externals;
mod options;

pub use options::enabled;
use options::{node_target, opt_path, options, provider_runtime, string_array, Options};

const SCRIPT: &str = include_str!("bundle.cjs");
const ONLY_PREFIX: &str = "__only_";
const DEFAULT_EXTENSIONS: &[&str] = &[".ts", ".js", ".jsx", ".tsx"];
/// pack.js `excludedFilesDefault`: left out of every zip (top level only).
const EXCLUDED_FILES: &[&str] = &[
    "package-lock.json",
    "pnpm-lock.yaml",
    "yarn.lock",
    "package.json",
];

/// Checks `custom.esbuild` without running anything: every unsupported option is refused by
/// name before any file is written.
pub fn check(config: &Value, service: &Service) -> Result<()> {
    if !enabled(config) {
        return Ok(());
    }
    checked_options(config, service).map(drop)
}

/// The options, once [`check`] passes (the plugin is listed).
fn checked_options(config: &Value, service: &Service) -> Result<Options> {
    let o = options(config)?;
    if !service.package.individually {
        if let Some(f) = service.functions.iter().find(|f| f.package.individually) {
            return Err(DeployError::config(
                format!("functions.{}.package.individually", f.key),
                "serverless-esbuild packs functions one by one only with the service-level package.individually; set package.individually: true at the top level, or remove it here",
            ));
        }
    }
    Ok(o)
}

/// Whether the plugin packs the whole service into one zip that every function is deployed
/// from: it is listed, without `package.individually`, and bundles at least one function.
pub fn bundles_service_zip(config: &Value, service: &Service) -> bool {
    let provider_runtime = service.provider.runtime.as_deref();
    enabled(config)
        && !service.package.individually
        && service
            .functions
            .iter()
            .any(|f| is_node_function(provider_runtime, f) && !f.plugin_options.skip_esbuild)
}

/// One function to bundle.
#[derive(Debug, Clone)]
struct Entry {
    function: String,
    /// The source file, relative to the service folder (`src/app.ts`).
    entry: String,
    /// The bundle, relative to the build folder (`src/app.js`).
    bundle: String,
}

/// Node's `path.extname`.
fn extname(p: &str) -> &str {
    let base = p.rsplit('/').next().unwrap_or(p);
    match base.rfind('.') {
        Some(0) | None => "",
        Some(i) => &base[i..],
    }
}

/// utils.js `trimExtension` (`entry.slice(0, -ext.length)`: empty without an extension).
fn trim_extension(p: &str) -> &str {
    let ext = extname(p);
    if ext.is_empty() {
        ""
    } else {
        &p[..p.len() - ext.len()]
    }
}

/// Normalises a relative path the way `path.relative(cwd, path.join(cwd, p))` does.
fn normalise(p: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in p.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}

/// A function the plugin bundles: a handler, and a Node.js runtime (its own, else the
/// provider's; the plugin does not apply v3's default runtime).
fn is_node_function(provider_runtime: Option<&str>, f: &Function) -> bool {
    let runtime = f
        .runtime
        .as_deref()
        .filter(|s| !s.is_empty())
        .or(provider_runtime);
    f.handler.is_some() && runtime.and_then(node_target).is_some()
}

/// helper.js `extractFunctionEntries` for the given functions (in service order).
fn entries(
    service_dir: &Path,
    provider_runtime: Option<&str>,
    functions: &[&Function],
    o: &Options,
) -> Result<Vec<Entry>> {
    let mut out = Vec::new();
    for f in functions {
        let key = &f.key;
        if !is_node_function(provider_runtime, f) || f.plugin_options.skip_esbuild {
            continue;
        }
        let entrypoint = f
            .plugin_options
            .esbuild_entrypoint
            .as_deref()
            .or(f.handler.as_deref())
            .unwrap_or_default();
        let ext = extname(entrypoint);
        let file = match entrypoint.rfind(ext) {
            Some(i) if !ext.is_empty() => &entrypoint[..i],
            _ => entrypoint,
        };
        let mut found = None;
        'ext: for e in &o.resolve_extensions {
            for candidate in [format!("{file}{e}"), format!("{file}/index{e}")] {
                if service_dir.join(&candidate).is_file() {
                    found = Some(normalise(&candidate));
                    break 'ext;
                }
            }
        }
        let Some(entry) = found else {
            return Err(DeployError::config(
                format!("functions.{key}.handler"),
                format!(
                    "Compilation failed for function alias {key}: serverless-esbuild looks for {} or {}/index with the extensions {}, and none exists",
                    file,
                    file,
                    o.resolve_extensions.join(", ")
                ),
            ));
        };
        let bundle = format!(
            "{}{}",
            &entry[..entry.rfind('.').unwrap_or(entry.len())],
            o.output_extension
        );
        out.push(Entry {
            function: key.clone(),
            entry,
            bundle,
        });
    }
    Ok(out)
}

/// A compiled `globby` pattern list: in order, `x` includes and `!x` excludes what it matches;
/// `*`/`**` do not match dot files or folders unless the pattern names them (globby's
/// `dot: false`).
struct Globby {
    rules: Vec<(bool, GlobMatcher, String)>,
}

impl Globby {
    fn new(patterns: &[String], context: &str) -> Result<Self> {
        let mut rules = Vec::new();
        for p in patterns {
            let (include, pat) = match p.strip_prefix('!') {
                Some(rest) => (false, rest),
                None => (true, p.as_str()),
            };
            let pat = pat.strip_prefix("./").unwrap_or(pat);
            let g = GlobBuilder::new(pat)
                .literal_separator(true)
                .backslash_escape(true)
                .build()
                .map_err(|e| {
                    DeployError::config(context, format!("invalid pattern \"{p}\": {e}"))
                })?;
            rules.push((include, g.compile_matcher(), pat.to_string()));
        }
        Ok(Globby { rules })
    }

    /// The literal folders the positive patterns start with (`assets/**` → `assets`), where the
    /// walk starts, as fast-glob does; `""` is the whole service folder.
    fn bases(&self) -> Vec<String> {
        self.rules
            .iter()
            .filter(|(inc, _, _)| *inc)
            .map(|(_, _, pat)| {
                let segs: Vec<&str> = pat.split('/').collect();
                let literal = segs
                    .iter()
                    .take_while(|s| {
                        !s.contains(['*', '?', '[', ']', '{', '}', '(', ')', '!', '+', '@'])
                    })
                    .count();
                // A fully literal pattern names a file: start at its folder.
                let n = if literal == segs.len() {
                    literal - 1
                } else {
                    literal
                };
                segs[..n].join("/")
            })
            .collect()
    }

    fn has_positive(&self) -> bool {
        self.rules.iter().any(|(inc, _, _)| *inc)
    }

    fn matches(&self, name: &str, dot: bool) -> bool {
        let mut state = false;
        for (include, glob, pat) in &self.rules {
            if !glob.is_match(name) {
                continue;
            }
            if *include && !dot {
                let pat_segments: BTreeSet<&str> = pat.split('/').collect();
                let hidden = name
                    .split('/')
                    .any(|s| s.starts_with('.') && !pat_segments.contains(s));
                if hidden {
                    continue;
                }
            }
            state = *include;
        }
        state
    }
}

/// index.js `prepare`: `include`, `!exclude`, `patterns` (unique, in order).
fn prepared_patterns(v: &Value, service_level: bool) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut all = crate::files::package_list(v, "include");
    all.extend(
        crate::files::package_list(v, "exclude")
            .into_iter()
            .map(|e| format!("!{e}")),
    );
    all.extend(crate::files::package_list(v, "patterns"));
    if service_level {
        all.push("!node_modules/serverless-esbuild".into());
    }
    for p in all {
        if !out.contains(&p) {
            out.push(p);
        }
    }
    out
}

/// The bundles of one package run, written to the work folder, ready to be moved into
/// `.serverless/`.
#[derive(Debug)]
pub struct Bundled {
    work_dir: PathBuf,
    keep_output: bool,
    /// Zip file name → (path in the work folder, functions using it).
    zips: Vec<(String, PathBuf, Vec<String>)>,
    /// Notice lines for the user.
    pub notices: Vec<String>,
}

impl Bundled {
    /// The zip a function uses, once moved (see [`Bundled::move_into`]).
    pub fn artifact_of(&self, function: &str) -> Option<&Path> {
        self.zips
            .iter()
            .find(|(_, _, fns)| fns.iter().any(|f| f == function))
            .map(|(_, p, _)| p.as_path())
    }

    /// Whether `path` is one of the zips (in the work folder, until moved).
    pub fn is_zip(&self, path: &Path) -> bool {
        self.zips.iter().any(|(_, p, _)| p == path)
    }

    /// index.js `moveArtifacts` and `cleanup`: the zips go into `out`, and the work folder is
    /// removed unless `keepOutputDirectory`.
    pub fn move_into(mut self, out: &Path) -> Result<Self> {
        std::fs::create_dir_all(out).map_err(|e| DeployError::io("could not create", out, e))?;
        for (name, path, _) in &mut self.zips {
            let dest = out.join(&*name);
            if std::fs::rename(&*path, &dest).is_err() {
                std::fs::copy(&*path, &dest)
                    .map_err(|e| DeployError::io("could not write", &dest, e))?;
            }
            *path = dest;
        }
        if !self.keep_output {
            remove_dir(&self.work_dir)?;
        }
        Ok(self)
    }
}

/// A run that fails after bundling (a later packaging step) leaves no work folder behind.
impl Drop for Bundled {
    fn drop(&mut self) {
        if !self.keep_output {
            let _ = std::fs::remove_dir_all(&self.work_dir);
        }
    }
}

fn remove_dir(dir: &Path) -> Result<()> {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(DeployError::io("could not remove", dir, e)),
    }
}

/// What one run of esbuild produced.
struct BuildOutput {
    version: String,
    warnings: Vec<String>,
    /// Entry → the modules its bundle imports and leaves external.
    externals: BTreeMap<String, Vec<String>>,
}

/// Runs the builds with the project's esbuild.
fn run_esbuild(
    service_dir: &Path,
    build_dir: &Path,
    entries: &[Entry],
    o: &Options,
    host: &BuildHost,
) -> Result<BuildOutput> {
    let path_var = host.path_var.clone().unwrap_or_default();
    let node = which("node", &path_var).ok_or_else(|| DeployError::Tool {
        message: "serverless-esbuild runs the project's esbuild with Node.js, and `node` was not found on PATH.".into(),
        hint: Some("Install Node.js (the version of the functions' runtime), then package again.".into()),
    })?;
    let mut unique: Vec<String> = Vec::new();
    for e in entries {
        if !unique.contains(&e.entry) {
            unique.push(e.entry.clone());
        }
    }
    let job = json!({
        "serviceDir": service_dir,
        "buildDir": build_dir,
        "entries": unique,
        "options": o.esbuild,
        "concurrency": o.concurrency,
        "writeMetafile": o.write_metafile,
    });
    let mut env = host.env.clone();
    env.insert("PATH".into(), path_var);
    let mut child = Command::new(&node)
        .arg("-e")
        .arg(SCRIPT)
        .current_dir(service_dir)
        .env_clear()
        .envs(&env)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| DeployError::io("could not run", &node, e))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(job.to_string().as_bytes())
            .map_err(|e| DeployError::io("could not run", &node, e))?;
    }
    let out = child
        .wait_with_output()
        .map_err(|e| DeployError::io("could not run", &node, e))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let reply: Value = stdout
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str(l).ok())
        .ok_or_else(|| DeployError::Tool {
            message: format!(
                "serverless-esbuild: running esbuild with {} failed: {}",
                node.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            ),
            hint: None,
        })?;
    if let Some(m) = reply.get("missing").and_then(Value::as_str) {
        return Err(DeployError::Tool {
            message: format!(
                "serverless-esbuild bundles with the project's own esbuild, and `esbuild` is not installed in {}/node_modules (or a parent folder's): {}",
                service_dir.display(),
                m.lines().next().unwrap_or(m)
            ),
            hint: Some("Install it in the service's project: `npm install --save-dev esbuild`.".into()),
        });
    }
    if let Some(m) = reply.get("error").and_then(Value::as_str) {
        let entry = reply.get("entry").and_then(Value::as_str);
        let version = reply.get("version").and_then(Value::as_str).unwrap_or("?");
        let functions: Vec<&str> = entries
            .iter()
            .filter(|e| Some(e.entry.as_str()) == entry)
            .map(|e| e.function.as_str())
            .collect();
        let what = match entry {
            Some(en) => format!(
                "{en} (function{} {})",
                if functions.len() == 1 { "" } else { "s" },
                functions
                    .iter()
                    .map(|f| format!("\"{f}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None => "the handlers".to_string(),
        };
        // esbuild's own option checks name the option: point at custom.esbuild for those.
        let invalid_option = m.contains("Invalid option") || m.contains(" must be ");
        return Err(DeployError::Tool {
            message: format!("esbuild {version} could not bundle {what}:\n{m}"),
            hint: Some(if invalid_option {
                "Check the option in custom.esbuild against esbuild's documentation.".into()
            } else {
                "Fix the error above; nothing was written to .serverless/.".into()
            }),
        });
    }
    let version = reply
        .get("version")
        .and_then(Value::as_str)
        .unwrap_or("?")
        .to_string();
    let warnings = reply
        .get("warnings")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|w| w.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let externals = reply
        .get("externals")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), string_array(Some(v))))
                .collect()
        })
        .unwrap_or_default();
    Ok(BuildOutput {
        version,
        warnings,
        externals,
    })
}

/// index.js `copyExtras`: `package.patterns` into the build folder, each function's own patterns
/// into `__only_<function>/`. Returns the service-level files copied (pack.js `packageFiles`).
fn copy_extras(
    service_dir: &Path,
    build_dir: &Path,
    config: &Value,
    functions: &[String],
) -> Result<BTreeSet<String>> {
    let service_patterns = prepared_patterns(config, true);
    let service_glob = Globby::new(&service_patterns, "package.patterns")?;
    let mut fn_globs = Vec::new();
    for key in functions {
        let patterns = prepared_patterns(&config["functions"][key], false);
        let g = Globby::new(&patterns, &format!("functions.{key}.package.patterns"))?;
        if g.has_positive() {
            fn_globs.push((key.clone(), g));
        }
    }
    let mut copied = BTreeSet::new();
    if !service_glob.has_positive() && fn_globs.is_empty() {
        return Ok(copied);
    }
    let mut bases: Vec<String> = service_glob.bases();
    for (_, g) in &fn_globs {
        bases.extend(g.bases());
    }
    bases.sort();
    bases.dedup();
    let roots: Vec<&String> = bases
        .iter()
        .filter(|b| {
            !bases
                .iter()
                .any(|a| a != *b && (a.is_empty() || b.starts_with(&format!("{a}/"))))
        })
        .collect();
    let mut listing = Vec::new();
    for root in roots {
        listing.extend(list_visible(service_dir, root, build_dir)?);
    }
    for f in &listing {
        if service_glob.matches(&f.name, false) {
            copy_file(&f.path, &build_dir.join(&f.name))?;
            copied.insert(f.name.clone());
        }
        for (key, g) in &fn_globs {
            if g.matches(&f.name, false) {
                copy_file(
                    &f.path,
                    &build_dir.join(format!("{ONLY_PREFIX}{key}")).join(&f.name),
                )?;
            }
        }
    }
    Ok(copied)
}

/// The files under `service_dir/base` as globby sees them with `dot: false`: dot folders
/// (`.git`, `.esbuild`, `.serverless`) below the base are not entered (a pattern can still name
/// one as its base).
fn list_visible(service_dir: &Path, base: &str, build_dir: &Path) -> Result<Vec<SourceFile>> {
    let mut out = Vec::new();
    let start = service_dir.join(base);
    if !start.exists() {
        return Ok(out);
    }
    let walker = walkdir::WalkDir::new(&start)
        .follow_links(true)
        .into_iter()
        .filter_entry(|e| {
            e.depth() == 0
                || !(e.file_type().is_dir()
                    && (e.file_name().to_string_lossy().starts_with('.') || e.path() == build_dir))
        });
    for entry in walker {
        let entry = entry.map_err(|e| {
            let path = e
                .path()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| service_dir.to_path_buf());
            DeployError::io(
                "could not list",
                path,
                e.into_io_error()
                    .unwrap_or_else(|| std::io::Error::other("symbolic link loop")),
            )
        })?;
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(service_dir)
            .unwrap_or(entry.path());
        let Some(name) = rel.to_str().map(|s| s.replace('\\', "/")) else {
            continue;
        };
        out.push(SourceFile {
            name,
            path: entry.path().to_path_buf(),
            executable: false,
        });
    }
    Ok(out)
}

fn copy_file(from: &Path, to: &Path) -> Result<()> {
    if let Some(dir) = to.parent() {
        std::fs::create_dir_all(dir).map_err(|e| DeployError::io("could not create", dir, e))?;
    }
    std::fs::copy(from, to).map_err(|e| DeployError::io("could not copy", from, e))?;
    Ok(())
}

/// pack.js `filterFilesForZipPackage` for one function: of `node_modules`, only the `allowed`
/// modules (none without installed externals).
fn function_files(
    files: &[SourceFile],
    function: &str,
    included: &BTreeSet<String>,
    excluded: &[String],
    allowed: &[String],
) -> Vec<SourceFile> {
    let own = format!("{ONLY_PREFIX}{function}/");
    files
        .iter()
        .filter(|f| {
            let p = f.name.as_str();
            if included.contains(p) {
                return true;
            }
            if excluded.iter().any(|x| p.starts_with(&format!("{x}."))) {
                return false;
            }
            if p.starts_with(ONLY_PREFIX) && !p.starts_with(&own) {
                return false;
            }
            if p.starts_with("node_modules") {
                // helper.js `doSharePath`: the module's folder, by whole path segments.
                return allowed.iter().any(|dep| {
                    let prefix: Vec<&str> =
                        ["node_modules"].into_iter().chain(dep.split('/')).collect();
                    let segs: Vec<&str> = p.split('/').collect();
                    prefix
                        .iter()
                        .enumerate()
                        .all(|(i, t)| segs.get(i) == Some(t))
                });
            }
            true
        })
        .map(|f| SourceFile {
            name: f.name.strip_prefix(&own).unwrap_or(&f.name).to_string(),
            ..f.clone()
        })
        .collect()
}

/// Sorted like v3's zips, first of each name kept.
fn zip_order(mut files: Vec<SourceFile>) -> Vec<SourceFile> {
    files.sort_by(|a, b| files::v3_name_order(&a.name, &b.name));
    files.dedup_by(|a, b| a.name == b.name);
    files
}

fn work_dirs(service_dir: &Path, o: &Options) -> (PathBuf, PathBuf) {
    let work = service_dir.join(&o.work_folder);
    let build = work.join(&o.build_folder);
    (work, build)
}

fn notice(version: &str, o: &Options, bundles: usize, extra: &str) -> String {
    format!(
        "Using sls's built-in serverless-esbuild: esbuild {version}, target {}, {bundles} bundle{}{extra}",
        o.target,
        if bundles == 1 { "" } else { "s" }
    )
}

/// Bundles the service's Node.js functions and zips them into the work folder. `Ok(None)` when
/// the plugin is not listed or no function is bundled (the plugin then leaves packaging to v3).
/// On error the work folder is removed and nothing is written to `.serverless/`.
pub fn package(
    service_dir: &Path,
    config: &Value,
    service: &Service,
    host: &BuildHost,
) -> Result<Option<Bundled>> {
    if !enabled(config) {
        return Ok(None);
    }
    let o = checked_options(config, service)?;
    let functions: Vec<&Function> = service.functions.iter().collect();
    let entries = entries(
        service_dir,
        service.provider.runtime.as_deref(),
        &functions,
        &o,
    )?;
    if entries.is_empty() {
        return Ok(None);
    }
    let (work, build) = work_dirs(service_dir, &o);
    // A work folder left by `invoke local` or an interrupted run must not leak into the zips.
    remove_dir(&work)?;
    let result = build_and_zip(
        service_dir,
        config,
        service,
        host,
        &o,
        &entries,
        &work,
        &build,
    );
    if result.is_err() && !o.keep_output {
        let _ = std::fs::remove_dir_all(&work);
    }
    result.map(Some)
}

#[allow(clippy::too_many_arguments)]
fn build_and_zip(
    service_dir: &Path,
    config: &Value,
    service: &Service,
    host: &BuildHost,
    o: &Options,
    entries: &[Entry],
    work: &Path,
    build: &Path,
) -> Result<Bundled> {
    std::fs::create_dir_all(build).map_err(|e| DeployError::io("could not create", build, e))?;
    let built = run_esbuild(service_dir, build, entries, o, host)?;
    let installed = if o.to_install.is_empty() {
        None
    } else {
        externals::install(service_dir, build, &service.name, o, host)?
    };
    // copyExtras works on the plugin's node functions (bundled or not).
    let node_fns: Vec<String> = service
        .functions
        .iter()
        .filter(|f| is_node_function(service.provider.runtime.as_deref(), f))
        .map(|f| f.key.clone())
        .collect();
    let package_files = copy_extras(service_dir, build, config, &node_fns)?;
    let files: Vec<SourceFile> = files::list_files(build)?
        .into_iter()
        .filter(|f| !EXCLUDED_FILES.contains(&f.name.as_str()))
        .collect();
    let zip_dir = work.join(".serverless");
    let mut zips = Vec::new();
    let unique_bundles: BTreeSet<&str> = entries.iter().map(|e| e.bundle.as_str()).collect();
    if service.package.individually {
        let bundle_list: Vec<&str> = entries.iter().map(|e| e.bundle.as_str()).collect();
        for e in entries {
            let raw_fn = &config["functions"][&e.function];
            let fn_patterns = prepared_patterns(raw_fn, false);
            let context = format!("functions.{}.package.patterns", e.function);
            let fn_glob = Globby::new(&fn_patterns, &context)?;
            let negatives: Vec<String> = fn_patterns
                .iter()
                .filter_map(|p| p.strip_prefix('!').map(str::to_string))
                .collect();
            let neg_glob = Globby::new(&negatives, &context)?;
            let mut included = package_files.clone();
            let mut excluded: Vec<String> = bundle_list
                .iter()
                .filter(|b| !e.bundle.starts_with(**b))
                .map(|b| trim_extension(b).to_string())
                .collect();
            for f in &files {
                if fn_glob.matches(&f.name, false) {
                    included.insert(f.name.clone());
                }
                if neg_glob.matches(&f.name, false) {
                    excluded.push(trim_extension(&f.name).to_string());
                }
            }
            // pack.js: the installed modules this bundle imports, with their dependencies.
            let allowed = match &installed {
                Some(names) => {
                    let imports: Vec<String> = built
                        .externals
                        .get(&e.entry)
                        .into_iter()
                        .flatten()
                        .filter_map(|i| externals::base_dep(i))
                        .filter(|d| names.contains(d) && o.to_install.contains(d))
                        .collect();
                    externals::whitelist(build, &imports)
                }
                None => Vec::new(),
            };
            let chosen = zip_order(function_files(
                &files,
                &e.function,
                &included,
                &excluded,
                &allowed,
            ));
            let name = format!("{}.zip", e.function);
            let path = zip_dir.join(&name);
            zipper::write_zip(&chosen, &path)?;
            zips.push((name, path, vec![e.function.clone()]));
        }
    } else {
        let only = regex_only_prefix;
        let chosen: Vec<SourceFile> = files
            .iter()
            .filter(|f| !f.name.starts_with(ONLY_PREFIX) || f.name.contains('/'))
            .map(|f| SourceFile {
                name: only(&f.name).to_string(),
                ..f.clone()
            })
            .collect();
        let name = format!("{}.zip", service.name);
        let path = zip_dir.join(&name);
        zipper::write_zip(&zip_order(chosen), &path)?;
        // Every function without its own artifact uses the service zip (v3's
        // `package.artifact`), whatever its runtime.
        let fns = service
            .functions
            .iter()
            .filter(|f| f.package.artifact.is_none())
            .map(|f| f.key.clone())
            .collect();
        zips.push((name, path, fns));
    }
    let mut extra = String::new();
    if service.package.individually {
        extra.push_str(", one zip per function");
    }
    if let Some(names) = &installed {
        extra.push_str(&format!(
            ", externals installed with npm: {}",
            names.join(", ")
        ));
    }
    let mut notices = vec![notice(&built.version, o, unique_bundles.len(), &extra)];
    notices.extend(built.warnings.into_iter().map(|w| format!("esbuild: {w}")));
    Ok(Bundled {
        work_dir: work.to_path_buf(),
        keep_output: o.keep_output,
        zips,
        notices,
    })
}

/// `^__only_[^/]+/` removed.
fn regex_only_prefix(name: &str) -> &str {
    if let Some(rest) = name.strip_prefix(ONLY_PREFIX) {
        if let Some(i) = rest.find('/') {
            return &rest[i + 1..];
        }
    }
    name
}

/// What `sls invoke local` runs for one function when the plugin is listed: the plugin's
/// `before:invoke:local:invoke` (bundle that function, copy the extras, then run from the build
/// folder, which it leaves in place). `Ok(None)`: not listed, or not a bundled Node.js function
/// (run from the service folder as usual).
pub fn prepare_invoke(
    service_dir: &Path,
    config: &Value,
    function: &str,
    host: &BuildHost,
) -> Result<Option<(PathBuf, Vec<String>)>> {
    if !enabled(config) {
        return Ok(None);
    }
    let o = options(config)?;
    let keys = vec![function.to_string()];
    let Some(raw_fn) = config.get("functions").and_then(|fns| fns.get(function)) else {
        return Ok(None);
    };
    let name = sls_config::model::service_name(config).unwrap_or("service");
    // The stage only names the deployed function, which bundling does not use.
    let f = Function::from_json(function, raw_fn, name, "dev")?;
    let entries = entries(service_dir, provider_runtime(config), &[&f], &o)?;
    if entries.is_empty() {
        return Ok(None);
    }
    let (work, build) = work_dirs(service_dir, &o);
    remove_dir(&work)?;
    std::fs::create_dir_all(&build).map_err(|e| DeployError::io("could not create", &build, e))?;
    let built = run_esbuild(service_dir, &build, &entries, &o, host)?;
    if !o.to_install.is_empty() {
        externals::install(service_dir, &build, name, &o, host)?;
    }
    copy_extras(service_dir, &build, config, &keys)?;
    let mut notices = vec![notice(&built.version, &o, 1, "")];
    notices.extend(built.warnings.into_iter().map(|w| format!("esbuild: {w}")));
    Ok(Some((build, notices)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_path_helpers() {
        assert_eq!(extname("src/app.main"), ".main");
        assert_eq!(extname("src/.hidden"), "");
        assert_eq!(extname("handler"), "");
        assert_eq!(trim_extension("src/app.js"), "src/app");
        assert_eq!(trim_extension("LICENSE"), "");
        assert_eq!(normalise("./src/../src/app.ts"), "src/app.ts");
        assert_eq!(regex_only_prefix("__only_fn/docs/a.txt"), "docs/a.txt");
        assert_eq!(regex_only_prefix("src/a.js"), "src/a.js");
    }

    #[test]
    fn globby_order_and_dots() {
        let g = Globby::new(&["assets/**".into(), "!assets/skip.txt".into()], "p").unwrap();
        assert!(g.matches("assets/a.json", false));
        assert!(!g.matches("assets/skip.txt", false));
        assert!(!g.matches("assets/.env", false));
        assert!(!g.matches("src/a.ts", false));
        let g = Globby::new(&["assets/.env".into()], "p").unwrap();
        assert!(g.matches("assets/.env", false));
        let g = Globby::new(
            &[
                "assets/**".into(),
                "docs/a.txt".into(),
                "!x/**".into(),
                "top.txt".into(),
            ],
            "p",
        )
        .unwrap();
        assert_eq!(g.bases(), ["assets", "docs", ""]);
    }
}
