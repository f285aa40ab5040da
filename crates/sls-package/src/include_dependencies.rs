//! The built-in equivalent of `serverless-plugin-include-dependencies` (6.1.x): leaves
//! `node_modules` out of the zips and adds back only the files the handlers need, found by
//! tracing their `require`s and `import`s, as the plugin's `include-dependencies.js` and
//! `get-dependency-list.js` do.
//!
//! The plugin works on `package.patterns`, and so does this module:
//! - `!node_modules/**` goes first into the service's patterns (a lodash-style union);
//! - for each function whose runtime (the function's, else the provider's, as written; none
//!   means no trace, as in the plugin) matches `provided` or `nodejs`, the handler file is
//!   found as `require.resolve` finds it, then traced: relative imports are followed (resolved
//!   with the `resolve` package's rules, extension `.js` only), package imports are resolved
//!   from the service folder (`<name>/package.json`), and each package's `dependencies`,
//!   `peerDependencies` and `optionalDependencies` from its own folder upwards; every file of
//!   each package (glob `**`, no dot files, not its own `node_modules`) is added.
//! - the traced files become patterns appended to the service's patterns (or the function's,
//!   when packaged individually), filtered first by the user's `!node_modules…` patterns other
//!   than `!node_modules` and `!node_modules/**` (the plugin's rule).
//! - the positive patterns without `node_modules` (the user's and the added ones) are globbed
//!   and each file found is traced the same way (the plugin's `addDependenciesForTarget`).
//!
//! Which imports a file has follows `precinct` (the plugin's parser): by extension, `.cjs` is
//! CommonJS, `.mjs` an ES module, `.ts`/`.tsx` TypeScript, `.js`/`.jsx`/none sniffed as
//! `module-definition` does (the first `require(`/`exports` assignment makes it CommonJS, whose
//! `import`s are then ignored; the first `import`/`export` makes it an ES module, whose
//! `require`s are ignored; neither: no dependencies); any other extension has none.
//! Deliberate simplifications, said here: files are scanned by a tokenizer, not parsed, so a
//! file the plugin's parser rejects (it then reports no dependencies) is still scanned; AMD
//! `define` modules are read as CommonJS; a package that cannot be found is an error (the
//! plugin first tries `require.resolve` from its own folder, which can find packages installed
//! for the plugin itself); symbolic links are not resolved to real paths.
//!
//! Options (`custom.includeDependencies`): `enableCaching` changes only the plugin's speed and
//! is accepted; `handlerRoot` is honoured as the plugin's `require.resolve(path.join(root,
//! handler))` reads it: an absolute folder as is, a relative one that climbs (`../../`) from
//! the plugin's install folder (`node_modules/serverless-plugin-include-dependencies`, which
//! must then be installed); any other relative form (a bare module name to Node) and `always`
//! (gone since 5.0) are refused by name.

use std::collections::{BTreeSet, HashSet};
use std::path::{Component, Path, PathBuf};

use globset::{GlobBuilder, GlobMatcher};
use serde_json::Value;

use crate::error::{DeployError, Result};

/// The plugin this module replaces.
pub const PLUGIN: &str = "serverless-plugin-include-dependencies";

/// Whether the service lists the plugin.
pub fn enabled(config: &Value) -> bool {
    sls_config::plugins::plugin_names(config)
        .iter()
        .any(|n| n == PLUGIN)
}

fn opt_path(key: &str) -> String {
    format!("custom.includeDependencies.{key}")
}

/// Checks `custom.includeDependencies` by name.
pub fn check(config: &Value) -> Result<()> {
    if !enabled(config) {
        return Ok(());
    }
    options(config).map(drop)
}

/// `custom.includeDependencies`, as the plugin reads it.
#[derive(Debug, Clone, Default)]
struct Options {
    /// `handlerRoot`: where handler paths are resolved from (else the service folder).
    handler_root: Option<String>,
}

/// Reads and checks the options (and the plugin's place in `plugins`).
fn options(config: &Value) -> Result<Options> {
    // v3 runs both in plugin order: listed first, this plugin's traced files join
    // package.patterns before serverless-esbuild copies those into its build folder and zips,
    // which sls's built-in serverless-esbuild does not do (it copies the patterns as written).
    let names = sls_config::plugins::plugin_names(config);
    let pos = |n: &str| names.iter().position(|x| x == n);
    if let (Some(me), Some(esbuild)) = (pos(PLUGIN), pos(crate::esbuild::PLUGIN)) {
        if me < esbuild {
            return Err(DeployError::config(
                "plugins",
                "serverless-plugin-include-dependencies is listed before serverless-esbuild, so in v3 the files it traces are copied into esbuild's zips, which sls's built-in serverless-esbuild does not do: list serverless-esbuild first (its bundles hold their dependencies), or remove serverless-plugin-include-dependencies",
            ));
        }
    }
    let mut options = Options::default();
    let Some(custom) = config
        .get("custom")
        .and_then(|c| c.get("includeDependencies"))
    else {
        return Ok(options);
    };
    let map = match custom {
        Value::Null => return Ok(options),
        Value::Object(m) => m,
        _ => {
            return Err(DeployError::config(
                "custom.includeDependencies",
                "expected an object",
            ))
        }
    };
    for (key, v) in map {
        match key.as_str() {
            // Only the plugin's speed: the files found are the same with or without its cache.
            "enableCaching" => {}
            "always" => {
                return Err(DeployError::config(
                    opt_path(key),
                    "serverless-plugin-include-dependencies ignores `always` since version 5.0; list those files in package.patterns instead and remove it",
                ))
            }
            "handlerRoot" => match v {
                Value::Null => {}
                Value::String(s) if !s.is_empty() => options.handler_root = Some(s.clone()),
                _ => {
                    return Err(DeployError::config(
                        opt_path(key),
                        "expected a folder (absolute, or relative to the plugin's install folder, e.g. ../../)",
                    ))
                }
            },
            other => {
                return Err(DeployError::config(
                    opt_path(other),
                    format!(
                        "serverless-plugin-include-dependencies has no option \"{other}\" (its options are enableCaching and handlerRoot); remove it"
                    ),
                ))
            }
        }
    }
    Ok(options)
}

/// The folder the plugin traces from: the service folder, or the TypeScript build folder when
/// serverless-plugin-typescript is listed first (v3 runs the hooks in plugin order, and that
/// plugin moves the service path to `.build`; listed after, the plugin finds no `.js` handler
/// and fails, as the trace here does).
pub fn trace_root(service_dir: &Path, config: &Value, typescript_build: Option<&Path>) -> PathBuf {
    let names = sls_config::plugins::plugin_names(config);
    let pos = |n: &str| names.iter().position(|x| x == n);
    match (
        typescript_build,
        pos(crate::typescript_build::PLUGIN),
        pos(PLUGIN),
    ) {
        (Some(dir), Some(ts), Some(me)) if ts < me => dir.to_path_buf(),
        _ => service_dir.to_path_buf(),
    }
}

/// The patterns after the plugin ran.
#[derive(Debug, Clone, Default)]
pub struct Traced {
    /// `package.patterns` of the service, replaced.
    pub service_patterns: Vec<String>,
    /// Patterns appended to each individually packaged function's `package.patterns`.
    pub function_patterns: std::collections::BTreeMap<String, Vec<String>>,
    /// Notice lines (the one `Using …` line, warnings about missing optional packages).
    pub notices: Vec<String>,
}

fn union(into: &mut Vec<String>, more: impl IntoIterator<Item = String>) {
    let mut seen: HashSet<String> = into.iter().cloned().collect();
    for m in more {
        if seen.insert(m.clone()) {
            into.push(m);
        }
    }
}

fn string_list(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Runs the plugin's `createDeploymentArtifacts` on the raw configuration. `root` is the
/// service folder. `Ok(None)` when the plugin is not listed.
pub fn trace(root: &Path, config: &Value) -> Result<Option<Traced>> {
    if !enabled(config) {
        return Ok(None);
    }
    let options = options(config)?;
    let mut tracer = Tracer {
        root: root.to_path_buf(),
        notices: Vec::new(),
    };
    let service_individually = config
        .pointer("/package/individually")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let mut service_patterns = string_list(config.pointer("/package/patterns"));
    let mut out = Traced::default();
    let empty = serde_json::Map::new();
    let fns = config
        .get("functions")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let provider_runtime = config.pointer("/provider/runtime").and_then(Value::as_str);
    for (key, f) in fns {
        let mut head = vec!["!node_modules/**".to_string()];
        union(&mut head, std::mem::take(&mut service_patterns));
        service_patterns = head;
        let runtime = f
            .get("runtime")
            .and_then(Value::as_str)
            .or(provider_runtime)
            .unwrap_or("");
        if !(runtime.contains("provided") || runtime.contains("nodejs")) {
            continue;
        }
        let handler = f.get("handler").and_then(Value::as_str).unwrap_or("");
        let handler_path = match handler.rfind('.') {
            Some(i) => &handler[..i],
            None => "index",
        };
        let wanted = handler_file_path(root, &options, handler_path)?;
        let Some(file) = node_require_resolve(&wanted) else {
            return Err(DeployError::config(
                format!("functions.{key}.handler"),
                format!(
                    "serverless-plugin-include-dependencies cannot find the handler file: Cannot find module '{}' (tried {handler_path}, .js, .json, .node and as a folder)",
                    wanted.display()
                ),
            ));
        };
        let individually = match f.pointer("/package/individually") {
            Some(Value::Bool(b)) => *b,
            _ => service_individually,
        };
        let fn_patterns = string_list(f.pointer("/package/patterns"));
        let mut exclusion_source = fn_patterns.clone();
        if individually {
            let mut all = service_patterns.clone();
            union(&mut all, fn_patterns.clone());
            exclusion_source = all;
        } else {
            exclusion_source.clone_from(&service_patterns);
        }
        let deps = tracer.dependencies(&file, &exclusion_source)?;
        if individually {
            let mut target = fn_patterns.clone();
            union(&mut target, deps);
            // addDependenciesForTarget(function): its own positive patterns, traced.
            let more = tracer.for_patterns(&target.clone(), &target)?;
            union(&mut target, more);
            let added: Vec<String> = target
                .into_iter()
                .filter(|p| !fn_patterns.contains(p))
                .collect();
            out.function_patterns.insert(key.clone(), added);
        } else {
            union(&mut service_patterns, deps);
        }
    }
    // addDependenciesForTarget(service).
    let more = tracer.for_patterns(&service_patterns.clone(), &service_patterns)?;
    union(&mut service_patterns, more);
    out.service_patterns = service_patterns;
    out.notices = tracer.notices;
    out.notices.push(
        "Using sls's built-in serverless-plugin-include-dependencies: node_modules traced from the handlers".to_string(),
    );
    Ok(Some(out))
}

/// `path.join(handlerRoot || servicePath, handlerPath)` as the plugin's `require.resolve`
/// reads it: absolute as is; a path that climbs (`../`) relative to the plugin's own folder.
fn handler_file_path(root: &Path, options: &Options, handler_path: &str) -> Result<PathBuf> {
    let Some(handler_root) = options.handler_root.as_deref() else {
        return Ok(root.join(handler_path));
    };
    if Path::new(handler_root).is_absolute() {
        return Ok(normalize(&Path::new(handler_root).join(handler_path)));
    }
    let joined = normalize(&Path::new(handler_root).join(handler_path));
    if !joined.starts_with("..") {
        return Err(DeployError::config(
            opt_path("handlerRoot"),
            format!(
                "\"{handler_root}\" joined with the handler path is \"{}\", which Node's require.resolve (as the plugin calls it) reads as a package name; use an absolute folder, or one relative to the plugin's install folder such as ../../",
                joined.display()
            ),
        ));
    }
    let Some(plugin_dir) = find_package(root, PLUGIN) else {
        return Err(DeployError::config(
            opt_path("handlerRoot"),
            format!(
                "a relative handlerRoot (\"{handler_root}\") is resolved, as by the plugin, from the plugin's install folder, and {PLUGIN} is not installed (no node_modules/{PLUGIN} in the service folder or a parent); install it, or make handlerRoot absolute"
            ),
        ));
    };
    // Node resolves relative to the real path of the plugin's module file.
    let plugin_dir = plugin_dir.canonicalize().unwrap_or(plugin_dir);
    Ok(normalize(&plugin_dir.join(joined)))
}

struct Tracer {
    root: PathBuf,
    notices: Vec<String>,
}

impl Tracer {
    /// The plugin's `getDependencies`: the trace, relative to the service folder, filtered by
    /// the `!node_modules…` exclusions among `patterns`.
    fn dependencies(&mut self, file: &Path, patterns: &[String]) -> Result<Vec<String>> {
        let list = self.dependency_list(file)?;
        let rel: Vec<String> = list.iter().map(|p| relative(&self.root, p)).collect();
        let exclusions: Vec<GlobMatcher> = patterns
            .iter()
            .filter(|p| {
                p.starts_with("!node_modules") && *p != "!node_modules" && *p != "!node_modules/**"
            })
            .filter_map(|p| glob(&p[1..]))
            .collect();
        Ok(rel
            .into_iter()
            .filter(|r| !exclusions.iter().any(|g| g.is_match(r)))
            .collect())
    }

    /// The plugin's `addDependenciesForTarget`: every file that a positive pattern without
    /// `node_modules` names is traced too.
    fn for_patterns(&mut self, patterns: &[String], filter: &[String]) -> Result<Vec<String>> {
        let mut out = Vec::new();
        let mut seen = BTreeSet::new();
        for p in patterns {
            if p.starts_with('!') || p.contains("node_modules") || !seen.insert(p.clone()) {
                continue;
            }
            for file in glob_files(&self.root, p)? {
                let deps = self.dependencies(&self.root.join(&file), filter)?;
                union(&mut out, deps);
            }
        }
        Ok(out)
    }

    /// The plugin's `get-dependency-list.js`: absolute paths (and, as the plugin does, the
    /// relative specifiers themselves, which it adds by mistake; made relative to the service
    /// folder they only ever match a file of that exact name).
    fn dependency_list(&mut self, file: &Path) -> Result<Vec<PathBuf>> {
        let mut file_paths: Vec<PathBuf> = Vec::new();
        let mut seen_files: HashSet<PathBuf> = HashSet::new();
        let mut to_process = vec![file.to_path_buf()];
        let mut modules: Vec<PathBuf> = Vec::new();
        while let Some(current) = to_process.pop() {
            if !seen_files.insert(current.clone()) {
                continue;
            }
            file_paths.push(current.clone());
            let text = match std::fs::read(&current) {
                Ok(b) => String::from_utf8_lossy(&b).into_owned(),
                Err(e) => return Err(DeployError::io("could not read", &current, e)),
            };
            let ext = current
                .extension()
                .map(|e| format!(".{}", e.to_string_lossy()))
                .unwrap_or_default();
            for dep in imports(&text, &ext) {
                if is_core(&dep) {
                    continue;
                }
                if dep.starts_with('.') {
                    let spec_path = normalize(&self.root.join(&dep));
                    if seen_files.insert(spec_path.clone()) {
                        file_paths.push(spec_path);
                    }
                    let dir = current.parent().unwrap_or(&self.root);
                    let Some(abs) = resolve_relative(dir, &dep) else {
                        return Err(DeployError::config(
                            "plugins",
                            format!(
                                "serverless-plugin-include-dependencies: Cannot find module '{dep}' from '{}' (imported by {}); the plugin resolves relative imports with the `.js` extension only",
                                dir.display(),
                                relative(&self.root, &current)
                            ),
                        ));
                    };
                    to_process.push(abs);
                } else if dep.starts_with('/') {
                    match node_require_resolve(Path::new(&dep)) {
                        Some(p) => to_process.push(p),
                        None => return Err(missing(&dep, &current, &self.root)),
                    }
                } else {
                    let root = self.root.clone();
                    match find_package(&root, &package_name(&dep)) {
                        Some(m) => modules.push(m),
                        None => return Err(missing(&dep, &current, &self.root)),
                    }
                }
            }
        }
        let mut module_paths: Vec<PathBuf> = Vec::new();
        let mut seen_modules: HashSet<PathBuf> = HashSet::new();
        while let Some(m) = modules.pop() {
            if !seen_modules.insert(m.clone()) {
                continue;
            }
            module_paths.push(m.clone());
            let pkg: Value = std::fs::read_to_string(m.join("package.json"))
                .ok()
                .and_then(|t| serde_json::from_str(&t).ok())
                .unwrap_or(Value::Null);
            let optional = pkg.get("optionalDependencies").and_then(Value::as_object);
            let peer_meta = pkg.get("peerDependenciesMeta").and_then(Value::as_object);
            for field in ["dependencies", "peerDependencies", "optionalDependencies"] {
                let Some(deps) = pkg.get(field).and_then(Value::as_object) else {
                    continue;
                };
                for name in deps.keys() {
                    let wanted = package_name(name);
                    match find_package(&m, &wanted) {
                        Some(found) => modules.push(found),
                        None => {
                            let is_optional = optional.is_some_and(|o| o.contains_key(&wanted))
                                || peer_meta.is_some_and(|p| {
                                    p.get(&wanted)
                                        .and_then(|x| x.get("optional"))
                                        .and_then(Value::as_bool)
                                        .unwrap_or(false)
                                });
                            if is_optional {
                                let line = format!("serverless-plugin-include-dependencies: missing optional dependency {wanted} (of {})", relative(&self.root, &m));
                                if !self.notices.contains(&line) {
                                    self.notices.push(line);
                                }
                            } else {
                                return Err(DeployError::config(
                                    "plugins",
                                    format!(
                                        "serverless-plugin-include-dependencies: Could not find npm package: {wanted} (a {field} entry of {}); install it (`npm install`)",
                                        relative(&self.root, &m.join("package.json"))
                                    ),
                                ));
                            }
                        }
                    }
                }
            }
        }
        for m in module_paths {
            for f in module_files(&m) {
                if seen_files.insert(f.clone()) {
                    file_paths.push(f);
                }
            }
        }
        Ok(file_paths)
    }
}

fn missing(dep: &str, from: &Path, root: &Path) -> DeployError {
    DeployError::config(
        "plugins",
        format!(
            "serverless-plugin-include-dependencies: Could not find npm package: {} (imported by {}); install it (`npm install`)",
            package_name(dep),
            relative(root, from)
        ),
    )
}

/// Node's built-in modules (precinct drops them with `includeCore: false`).
fn is_core(dep: &str) -> bool {
    const CORE: &[&str] = &[
        "assert",
        "async_hooks",
        "buffer",
        "child_process",
        "cluster",
        "console",
        "constants",
        "crypto",
        "dgram",
        "diagnostics_channel",
        "dns",
        "domain",
        "events",
        "fs",
        "http",
        "http2",
        "https",
        "inspector",
        "module",
        "net",
        "os",
        "path",
        "perf_hooks",
        "process",
        "punycode",
        "querystring",
        "readline",
        "repl",
        "stream",
        "string_decoder",
        "sys",
        "timers",
        "tls",
        "trace_events",
        "tty",
        "url",
        "util",
        "v8",
        "vm",
        "wasi",
        "worker_threads",
        "zlib",
    ];
    if dep.starts_with("node:") {
        return true;
    }
    // precinct checks `process.binding('natives')`, which also lists sub-paths such as
    // `fs/promises`.
    let base = dep.split('/').next().unwrap_or(dep);
    CORE.contains(&dep)
        || (CORE.contains(&base)
            && matches!(
                dep,
                "fs/promises"
                    | "dns/promises"
                    | "stream/promises"
                    | "stream/web"
                    | "stream/consumers"
                    | "timers/promises"
                    | "path/posix"
                    | "path/win32"
                    | "util/types"
                    | "assert/strict"
                    | "readline/promises"
            ))
}

/// `require-package-name`: `@scope/name` or `name` of a specifier.
fn package_name(spec: &str) -> String {
    let spec = spec.replacen('\\', "/", 1);
    let parts: Vec<&str> = spec.split('/').filter(|s| !s.is_empty()).collect();
    if spec.starts_with('@') && parts.len() >= 2 {
        format!("{}/{}", parts[0], parts[1])
    } else {
        parts.first().map(|s| s.to_string()).unwrap_or_default()
    }
}

/// `resolve.sync('<name>/package.json', {basedir})`: `<dir>/node_modules/<name>` from `basedir`
/// up to the file system root. Returns the package folder.
fn find_package(basedir: &Path, name: &str) -> Option<PathBuf> {
    if name.is_empty() {
        return None;
    }
    basedir
        .ancestors()
        .map(|d| d.join("node_modules").join(name))
        .find(|d| d.join("package.json").is_file())
}

/// Node's `require.resolve` of an absolute path: the file, with `.js`, `.json`, `.node`, or
/// the folder (`package.json` `main`, then `index`).
fn node_require_resolve(p: &Path) -> Option<PathBuf> {
    let exts = [".js", ".json", ".node"];
    load_as_file(p, &exts).or_else(|| load_as_dir(p, &exts))
}

/// The `resolve` package's rule for a relative specifier (extensions `.js` only).
fn resolve_relative(dir: &Path, spec: &str) -> Option<PathBuf> {
    let p = normalize(&dir.join(spec));
    let exts = [".js"];
    if spec == "." || spec == ".." || spec.ends_with('/') {
        return load_as_dir(&p, &exts);
    }
    load_as_file(&p, &exts).or_else(|| load_as_dir(&p, &exts))
}

fn load_as_file(p: &Path, exts: &[&str]) -> Option<PathBuf> {
    if p.is_file() {
        return Some(p.to_path_buf());
    }
    exts.iter()
        .map(|e| PathBuf::from(format!("{}{e}", p.display())))
        .find(|c| c.is_file())
}

fn load_as_dir(p: &Path, exts: &[&str]) -> Option<PathBuf> {
    let main = std::fs::read_to_string(p.join("package.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<Value>(&t).ok())
        .and_then(|v| v.get("main").and_then(Value::as_str).map(str::to_string));
    if let Some(main) = main.filter(|m| !m.is_empty()) {
        let main = if main == "." || main == "./" {
            "index".to_string()
        } else {
            main
        };
        let m = normalize(&p.join(main));
        if let Some(f) = load_as_file(&m, exts) {
            return Some(f);
        }
        if let Some(f) = load_as_dir_index(&m, exts) {
            return Some(f);
        }
    }
    load_as_dir_index(p, exts)
}

fn load_as_dir_index(p: &Path, exts: &[&str]) -> Option<PathBuf> {
    exts.iter()
        .map(|e| p.join(format!("index{e}")))
        .find(|c| c.is_file())
}

/// `path.normalize` without touching the file system.
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                // Leading `..` of a relative path stay; at the root they stop.
                if matches!(
                    out.components().next_back(),
                    None | Some(Component::ParentDir)
                ) {
                    out.push("..");
                } else {
                    out.pop();
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// `path.relative(root, p)`, `/`-separated.
fn relative(root: &Path, p: &Path) -> String {
    let root: Vec<Component> = root.components().collect();
    let p: Vec<Component> = p.components().collect();
    let common = root.iter().zip(&p).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> =
        std::iter::repeat_n("..".to_string(), root.len() - common).collect();
    parts.extend(
        p[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

/// `glob.sync('<module>/**', {nodir, ignore: '<module>/node_modules/**'})`: files, no dot
/// files, symbolic links to folders not followed.
fn module_files(module: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let walker = walkdir::WalkDir::new(module)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            e.depth() == 0
                || !(e.file_name().to_string_lossy().starts_with('.')
                    || (e.depth() == 1 && e.file_name() == "node_modules"))
        });
    for e in walker.flatten() {
        if e.depth() > 0 && (e.file_type().is_file() || (e.path_is_symlink() && e.path().is_file()))
        {
            out.push(e.path().to_path_buf());
        }
    }
    out
}

fn glob(pattern: &str) -> Option<GlobMatcher> {
    GlobBuilder::new(pattern.strip_prefix("./").unwrap_or(pattern))
        .literal_separator(true)
        .backslash_escape(true)
        .build()
        .ok()
        .map(|g| g.compile_matcher())
}

/// `glob.sync(pattern, {nodir: true, ignore: '<pattern>/node_modules/**'})` from `root`:
/// relative file names. Walks only below the pattern's literal prefix; no dot files unless the
/// pattern names them.
fn glob_files(root: &Path, pattern: &str) -> Result<Vec<String>> {
    let pattern = pattern.strip_prefix("./").unwrap_or(pattern);
    let magic = |s: &str| s.contains(['*', '?', '[', '{', '(', '!', '+', '@']);
    if !magic(pattern) {
        let p = root.join(pattern);
        return Ok(if p.is_file() {
            vec![pattern.to_string()]
        } else {
            Vec::new()
        });
    }
    let Some(matcher) = glob(pattern) else {
        return Ok(Vec::new());
    };
    let literal: Vec<&str> = pattern.split('/').take_while(|s| !magic(s)).collect();
    let base = root.join(literal.join("/"));
    let psegs: Vec<&str> = pattern.split('/').collect();
    let mut out = Vec::new();
    if !base.is_dir() {
        return Ok(out);
    }
    for e in walkdir::WalkDir::new(&base)
        .follow_links(true)
        .sort_by_file_name()
    {
        let Ok(e) = e else { continue };
        if !e.file_type().is_file() {
            continue;
        }
        let rel = relative(root, e.path());
        let in_node_modules = rel.split('/').any(|s| s == "node_modules");
        let dots_ok = rel
            .split('/')
            .enumerate()
            .all(|(i, s)| !s.starts_with('.') || psegs.get(i).is_some_and(|p| p.starts_with('.')));
        if !in_node_modules && dots_ok && matcher.is_match(&rel) {
            out.push(rel);
        }
    }
    Ok(out)
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    /// A template literal: its first raw chunk, and whether it has `${…}`.
    Template(String),
    Punct(char),
}

/// A small JavaScript tokenizer: identifiers, string and template literals, punctuation;
/// comments and regular expression literals skipped.
fn tokens(src: &str) -> Vec<Tok> {
    let chars: Vec<char> = src.chars().collect();
    let mut out: Vec<Tok> = Vec::new();
    let mut i = 0;
    let regex_allowed = |out: &Vec<Tok>| match out.last() {
        None => true,
        Some(Tok::Punct(c)) => !matches!(c, ')' | ']' | '}'),
        Some(Tok::Ident(w)) => matches!(
            w.as_str(),
            "return"
                | "typeof"
                | "instanceof"
                | "in"
                | "of"
                | "new"
                | "delete"
                | "void"
                | "throw"
                | "case"
                | "do"
                | "else"
                | "yield"
                | "await"
        ),
        _ => false,
    };
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '/' && chars.get(i + 1) == Some(&'/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && chars.get(i + 1) == Some(&'*') {
            i += 2;
            while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                i += 1;
            }
            i += 2;
        } else if c == '/' && regex_allowed(&out) {
            // A regular expression literal.
            i += 1;
            let mut in_class = false;
            while i < chars.len() && chars[i] != '\n' {
                match chars[i] {
                    '\\' => i += 1,
                    '[' => in_class = true,
                    ']' => in_class = false,
                    '/' if !in_class => break,
                    _ => {}
                }
                i += 1;
            }
            i += 1;
            while i < chars.len() && (chars[i].is_alphanumeric()) {
                i += 1;
            }
            out.push(Tok::Punct('r'));
        } else if c == '"' || c == '\'' {
            let mut s = String::new();
            i += 1;
            while i < chars.len() && chars[i] != c && chars[i] != '\n' {
                if chars[i] == '\\' && i + 1 < chars.len() {
                    i += 1;
                    match chars[i] {
                        'n' => s.push('\n'),
                        't' => s.push('\t'),
                        other => s.push(other),
                    }
                } else {
                    s.push(chars[i]);
                }
                i += 1;
            }
            i += 1;
            out.push(Tok::Str(s));
        } else if c == '`' {
            let mut first = String::new();
            let mut in_first = true;
            i += 1;
            let mut depth = 0usize;
            while i < chars.len() {
                if depth == 0 && chars[i] == '`' {
                    break;
                }
                if chars[i] == '\\' {
                    if in_first {
                        first.push(chars[i]);
                        if let Some(n) = chars.get(i + 1) {
                            first.push(*n);
                        }
                    }
                    i += 2;
                    continue;
                }
                if depth == 0 && chars[i] == '$' && chars.get(i + 1) == Some(&'{') {
                    in_first = false;
                    depth = 1;
                    i += 2;
                    continue;
                }
                if depth > 0 {
                    if chars[i] == '{' {
                        depth += 1;
                    } else if chars[i] == '}' {
                        depth -= 1;
                    }
                } else if in_first {
                    first.push(chars[i]);
                }
                i += 1;
            }
            i += 1;
            out.push(Tok::Template(first));
        } else if c.is_alphanumeric() || c == '_' || c == '$' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$')
            {
                i += 1;
            }
            out.push(Tok::Ident(chars[start..i].iter().collect()));
        } else {
            out.push(Tok::Punct(c));
            i += 1;
        }
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum ModuleType {
    None,
    CommonJs,
    Es6,
}

/// The imports precinct (`paperwork`, `includeCore` aside) finds in a file, by extension.
fn imports(src: &str, ext: &str) -> Vec<String> {
    let toks = tokens(src);
    let (kind, ts) = match ext {
        ".cjs" => (ModuleType::CommonJs, false),
        ".mjs" => (ModuleType::Es6, false),
        ".ts" | ".tsx" => (ModuleType::Es6, true),
        ".js" | ".jsx" | "" => (sniff(&toks), false),
        _ => return Vec::new(),
    };
    match kind {
        ModuleType::None => Vec::new(),
        ModuleType::CommonJs => requires(&toks),
        ModuleType::Es6 => es_imports(&toks, ts),
    }
}

fn is_ident(t: Option<&Tok>, w: &str) -> bool {
    matches!(t, Some(Tok::Ident(x)) if x == w)
}

fn is_punct(t: Option<&Tok>, c: char) -> bool {
    matches!(t, Some(Tok::Punct(x)) if *x == c)
}

/// An assignment `=` (not `==`, `===`, `=>`) at `i`.
fn is_assign(toks: &[Tok], i: usize) -> bool {
    if !is_punct(toks.get(i), '=') {
        return false;
    }
    let next_is_eq_or_arrow = matches!(toks.get(i + 1), Some(Tok::Punct('=' | '>')));
    let prev_is_op = i > 0 && matches!(toks.get(i - 1), Some(Tok::Punct('=' | '!' | '<' | '>')));
    !next_is_eq_or_arrow && !prev_is_op
}

/// `module-definition`'s `fromSource`: the first module construct decides.
fn sniff(toks: &[Tok]) -> ModuleType {
    for i in 0..toks.len() {
        let after_dot = i > 0 && is_punct(toks.get(i - 1), '.');
        let Tok::Ident(w) = &toks[i] else { continue };
        if after_dot || is_punct(toks.get(i + 1), ':') {
            continue;
        }
        match w.as_str() {
            "import" if !is_punct(toks.get(i + 1), '.') => return ModuleType::Es6,
            "export" => return ModuleType::Es6,
            "require" if is_punct(toks.get(i + 1), '(') => return ModuleType::CommonJs,
            "require"
                if is_punct(toks.get(i + 1), '.')
                    && is_ident(toks.get(i + 2), "main")
                    && is_punct(toks.get(i + 3), '.')
                    && is_ident(toks.get(i + 4), "require")
                    && is_punct(toks.get(i + 5), '(') =>
            {
                return ModuleType::CommonJs
            }
            "module" if is_punct(toks.get(i + 1), '.') && is_ident(toks.get(i + 2), "exports") => {
                let j = if is_punct(toks.get(i + 3), '.')
                    && matches!(toks.get(i + 4), Some(Tok::Ident(_)))
                {
                    i + 5
                } else {
                    i + 3
                };
                if is_assign(toks, j) {
                    return ModuleType::CommonJs;
                }
            }
            "exports" => {
                let j = if is_punct(toks.get(i + 1), '.')
                    && matches!(toks.get(i + 2), Some(Tok::Ident(_)))
                {
                    i + 3
                } else {
                    i + 1
                };
                if is_assign(toks, j) {
                    return ModuleType::CommonJs;
                }
            }
            _ => {}
        }
    }
    ModuleType::None
}

/// `detective-cjs`: `require('x')`, `` require(`x`) `` and `require.main.require('x')`.
fn requires(toks: &[Tok]) -> Vec<String> {
    let mut out = Vec::new();
    for i in 0..toks.len() {
        if !is_ident(toks.get(i), "require") || (i > 0 && is_punct(toks.get(i - 1), '.')) {
            continue;
        }
        let arg_at = if is_punct(toks.get(i + 1), '(') {
            i + 2
        } else if is_punct(toks.get(i + 1), '.')
            && is_ident(toks.get(i + 2), "main")
            && is_punct(toks.get(i + 3), '.')
            && is_ident(toks.get(i + 4), "require")
            && is_punct(toks.get(i + 5), '(')
        {
            i + 6
        } else {
            continue;
        };
        match toks.get(arg_at) {
            Some(Tok::Str(s)) | Some(Tok::Template(s)) => out.push(s.clone()),
            _ => {}
        }
    }
    out
}

/// `detective-es6` (and, with `ts`, `detective-typescript`): import declarations, `export …
/// from`, `import('x')` (and `import x = require('x')` in TypeScript).
fn es_imports(toks: &[Tok], ts: bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let after_dot = i > 0 && is_punct(toks.get(i - 1), '.');
        if after_dot {
            i += 1;
            continue;
        }
        if is_ident(toks.get(i), "import") {
            match toks.get(i + 1) {
                Some(Tok::Punct('(')) => {
                    if let Some(Tok::Str(s)) = toks.get(i + 2) {
                        out.push(s.clone());
                    }
                }
                Some(Tok::Str(s)) => out.push(s.clone()),
                Some(Tok::Punct('.')) | Some(Tok::Punct(':')) => {}
                _ => {
                    // `import a, { b } from 'x'`, `import type …`, `import x = require('x')`.
                    let mut j = i + 1;
                    while j < toks.len() && j < i + 200 {
                        match &toks[j] {
                            Tok::Ident(w) if w == "from" => {
                                if let Some(Tok::Str(s)) = toks.get(j + 1) {
                                    out.push(s.clone());
                                }
                                break;
                            }
                            Tok::Ident(w) if ts && w == "require" => {
                                if is_punct(toks.get(j + 1), '(') {
                                    if let Some(Tok::Str(s)) = toks.get(j + 2) {
                                        out.push(s.clone());
                                    }
                                }
                                break;
                            }
                            Tok::Punct(';') => break,
                            _ => j += 1,
                        }
                    }
                }
            }
        } else if is_ident(toks.get(i), "export")
            && (is_punct(toks.get(i + 1), '*')
                || is_punct(toks.get(i + 1), '{')
                || (ts && is_ident(toks.get(i + 1), "type")))
        {
            let mut j = i + 1;
            let mut depth = 0;
            while j < toks.len() && j < i + 400 {
                match &toks[j] {
                    Tok::Punct('{') => depth += 1,
                    Tok::Punct('}') => depth -= 1,
                    Tok::Ident(w) if w == "from" && depth == 0 => {
                        if let Some(Tok::Str(s)) = toks.get(j + 1) {
                            out.push(s.clone());
                        }
                        break;
                    }
                    Tok::Punct(';') => break,
                    _ if depth == 0
                        && j > i + 1
                        && !matches!(toks[j], Tok::Ident(_) | Tok::Punct('*')) =>
                    {
                        break
                    }
                    _ => {}
                }
                j += 1;
            }
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listed_before_esbuild_is_refused() {
        let c = |plugins: Value| serde_json::json!({ "plugins": plugins });
        let e = check(&c(serde_json::json!([PLUGIN, crate::esbuild::PLUGIN])))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("plugins") && e.contains("listed before serverless-esbuild"),
            "{e}"
        );
        check(&c(serde_json::json!([crate::esbuild::PLUGIN, PLUGIN]))).unwrap();
    }

    #[test]
    fn commonjs_sees_requires_only() {
        let src = "// require('commented')\nconst a = require('a');\nconst b = require(`b`);\nconst c = require.main.require('c');\nconst re = /require('no')/;\nmodule.exports = { x: import('d') };";
        assert_eq!(imports(src, ".js"), ["a", "b", "c"]);
    }

    #[test]
    fn es_module_sees_imports_only() {
        let src = "import x from 'x';\nimport { y } from \"y\";\nimport 'side';\nexport * from './all';\nexport { z } from './z';\nconst r = require('ignored');\nconst d = await import('dyn');";
        assert_eq!(
            imports(src, ".js"),
            ["x", "y", "side", "./all", "./z", "dyn"]
        );
        assert_eq!(
            imports("const a = 1;\nconsole.log(a)", ".js"),
            Vec::<String>::new()
        );
        assert_eq!(imports("{\"a\": \"b\"}", ".json"), Vec::<String>::new());
    }

    #[test]
    fn typescript_sees_type_imports_and_import_equals() {
        let src = "import type { T } from './types';\nimport fs = require('fs-extra');\nexport const h = 1;";
        assert_eq!(imports(src, ".ts"), ["./types", "fs-extra"]);
    }

    #[test]
    fn names_and_core_modules() {
        assert_eq!(package_name("@scope/pkg/sub"), "@scope/pkg");
        assert_eq!(package_name("lodash/fp"), "lodash");
        assert!(is_core("fs") && is_core("node:test") && is_core("fs/promises"));
        assert!(!is_core("left-pad") && !is_core("test"));
    }

    #[test]
    fn relative_paths_like_node() {
        assert_eq!(
            relative(Path::new("/a/b"), Path::new("/a/b/c/d.js")),
            "c/d.js"
        );
        assert_eq!(relative(Path::new("/a/b"), Path::new("/a/x")), "../x");
    }

    #[test]
    fn handler_root_reads_like_the_plugins_require_resolve() {
        let d = tempfile::tempdir().unwrap();
        let svc = d.path().canonicalize().unwrap().join("app");
        std::fs::create_dir_all(svc.join("node_modules").join(PLUGIN)).unwrap();
        std::fs::write(
            svc.join("node_modules").join(PLUGIN).join("package.json"),
            "{}",
        )
        .unwrap();
        let c = |root: &str| {
            options(&serde_json::json!({"custom": {"includeDependencies": {"handlerRoot": root}}}))
                .unwrap()
        };
        // `../../` from node_modules/<plugin> is the folder that holds node_modules.
        assert_eq!(
            handler_file_path(&svc, &c("../../dist"), "src/h").unwrap(),
            svc.join("dist/src/h")
        );
        assert_eq!(
            handler_file_path(&svc, &c("/abs/root"), "src/h").unwrap(),
            Path::new("/abs/root/src/h")
        );
        let e = handler_file_path(&svc, &c("./dist"), "src/h")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("custom.includeDependencies.handlerRoot") && e.contains("package name"),
            "{e}"
        );
        assert_eq!(
            handler_file_path(&svc, &Options::default(), "src/h").unwrap(),
            svc.join("src/h")
        );
    }

    #[test]
    fn options_are_checked_by_name() {
        let c = serde_json::json!({"plugins": [PLUGIN], "custom": {"includeDependencies": {"enableCaching": true}}});
        check(&c).unwrap();
        for bad in ["always", "checkDependencies"] {
            let c = serde_json::json!({"plugins": [PLUGIN], "custom": {"includeDependencies": {bad: ["x"]}}});
            let e = check(&c).unwrap_err().to_string();
            assert!(
                e.contains(&format!("custom.includeDependencies.{bad}")),
                "{e}"
            );
        }
    }
}
