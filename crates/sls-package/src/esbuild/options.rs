//! `custom.esbuild`: the plugin's options over its defaults, read and checked in one place
//! (the plugin's `getBuildOptions` and `bundle.js`); each unsupported option is refused by name.

use std::path::Path;

use serde_json::{json, Map, Value};

use super::{DEFAULT_EXTENSIONS, PLUGIN};
use crate::error::{DeployError, Result};
use sls_config::is_truthy as truthy;

/// The plugin's own options (bundle.js removes these before calling esbuild).
const PLUGIN_OPTIONS: &[&str] = &[
    "concurrency",
    "zipConcurrency",
    "exclude",
    "nativeZip",
    "packager",
    "packagePath",
    "watch",
    "keepOutputDirectory",
    "packagerOptions",
    "installExtraArgs",
    "outputFileExtension",
    "outputBuildFolder",
    "outputWorkFolder",
    "nodeExternals",
    "skipBuild",
    "skipRebuild",
    "skipBuildExcludeFns",
    "stripEntryResolveExtensions",
    "disposeContext",
];

/// esbuild 0.25's `build()` options (`BuildOptions` and `CommonOptions`); anything else in
/// `custom.esbuild` is neither the plugin's nor esbuild's, and esbuild would reject it.
const ESBUILD_OPTIONS: &[&str] = &[
    "sourcemap",
    "legalComments",
    "sourceRoot",
    "sourcesContent",
    "format",
    "globalName",
    "target",
    "supported",
    "platform",
    "mangleProps",
    "reserveProps",
    "mangleQuoted",
    "mangleCache",
    "drop",
    "dropLabels",
    "minify",
    "minifyWhitespace",
    "minifyIdentifiers",
    "minifySyntax",
    "lineLimit",
    "charset",
    "treeShaking",
    "ignoreAnnotations",
    "jsx",
    "jsxFactory",
    "jsxFragment",
    "jsxImportSource",
    "jsxDev",
    "jsxSideEffects",
    "define",
    "pure",
    "keepNames",
    "absPaths",
    "color",
    "logLevel",
    "logLimit",
    "logOverride",
    "tsconfigRaw",
    "bundle",
    "splitting",
    "preserveSymlinks",
    "outfile",
    "metafile",
    "outdir",
    "outbase",
    "external",
    "packages",
    "alias",
    "loader",
    "resolveExtensions",
    "mainFields",
    "conditions",
    "write",
    "allowOverwrite",
    "tsconfig",
    "outExtension",
    "publicPath",
    "entryNames",
    "chunkNames",
    "assetNames",
    "inject",
    "banner",
    "footer",
    "entryPoints",
    "stdin",
    "absWorkingDir",
    "nodePaths",
];

/// helper.js `awsNodeMatcher`: runtime → esbuild target.
pub(super) fn node_target(runtime: &str) -> Option<&'static str> {
    Some(match runtime {
        "nodejs24.x" => "node24",
        "nodejs22.x" => "node22",
        "nodejs20.x" => "node20",
        "nodejs18.x" => "node18",
        "nodejs16.x" => "node16",
        "nodejs14.x" => "node14",
        "nodejs12.x" => "node12",
        _ => return None,
    })
}

/// Whether the service lists the plugin.
pub fn enabled(config: &Value) -> bool {
    sls_config::plugins::plugin_names(config)
        .iter()
        .any(|n| n == PLUGIN)
}

pub(super) fn opt_path(key: &str) -> String {
    format!("custom.esbuild.{key}")
}

fn refuse(key: &str, why: &str) -> DeployError {
    DeployError::config(
        opt_path(key),
        format!(
            "{why}; sls's built-in serverless-esbuild does not support it: remove it, or package this service with the Serverless Framework"
        ),
    )
}

/// `asArray(x).filter(isString)`.
pub(super) fn string_array(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

/// ramda `mergeDeepRight`: objects merge key by key, anything else is replaced.
fn merge_deep_right(left: &mut Value, right: &Value) {
    match (left, right) {
        (Value::Object(l), Value::Object(r)) => {
            for (k, v) in r {
                match l.get_mut(k) {
                    Some(existing) if existing.is_object() && v.is_object() => {
                        merge_deep_right(existing, v)
                    }
                    _ => {
                        l.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (l, r) => *l = r.clone(),
    }
}

/// The decided options.
#[derive(Debug, Clone)]
pub(super) struct Options {
    /// What esbuild's `build()` gets (without `entryPoints`/`outdir`).
    pub(super) esbuild: Map<String, Value>,
    pub(super) target: String,
    pub(super) concurrency: Option<u64>,
    pub(super) keep_output: bool,
    pub(super) output_extension: String,
    pub(super) work_folder: String,
    pub(super) build_folder: String,
    pub(super) resolve_extensions: Vec<String>,
    /// `external` entries not in `exclude`: installed with npm into the build folder.
    pub(super) to_install: Vec<String>,
    pub(super) exclude: Vec<String>,
    pub(super) package_path: Option<String>,
    pub(super) ignore_lockfile: bool,
    pub(super) scripts: Vec<String>,
    pub(super) install_extra_args: Vec<String>,
    pub(super) write_metafile: bool,
}

fn folder_option(m: &Map<String, Value>, key: &str, default: &str) -> Result<String> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(default.to_string()),
        Some(Value::String(s)) if s.is_empty() => Ok(default.to_string()),
        Some(Value::String(s)) => {
            let p = Path::new(s);
            if p.is_absolute()
                || p.components()
                    .any(|c| matches!(c, std::path::Component::ParentDir))
            {
                return Err(DeployError::config(
                    opt_path(key),
                    "expected a folder inside the service folder",
                ));
            }
            Ok(s.trim_start_matches("./").to_string())
        }
        Some(_) => Err(DeployError::config(opt_path(key), "expected a folder name")),
    }
}

/// Reads and checks `custom.esbuild` over the plugin's defaults, as the plugin's
/// `getBuildOptions` and `bundle.js` do; each unsupported option is refused by name.
pub(super) fn options(config: &Value) -> Result<Options> {
    let custom = custom_options(config)?;
    let runtime_target = provider_node_target(config)?;
    for (key, v) in &custom {
        check_option(key, v)?;
    }
    let merged = merge_over_defaults(custom, runtime_target);
    let externals = Externals::read(&merged);
    let to_install = externals.to_install();
    check_packager_installs(&merged, &to_install)?;
    let package_path = package_path(&merged)?;
    let packager_options = merged.get("packagerOptions");
    let ignore_lockfile = packager_options
        .and_then(|p| p.get("ignoreLockfile"))
        .is_some_and(truthy);
    let scripts = string_array(packager_options.and_then(|p| p.get("scripts")));
    let install_extra_args = string_array(merged.get("installExtraArgs"));
    let write_metafile = merged.get("metafile").is_some_and(truthy);
    let output_extension = output_extension(&merged)?;
    let target = match merged.get("target") {
        Some(Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
        None => runtime_target.to_string(),
    };
    let concurrency = merged
        .get("concurrency")
        .and_then(Value::as_f64)
        .filter(|n| n.is_finite())
        .map(|n| n as u64);
    let keep_output = merged.get("keepOutputDirectory").is_some_and(truthy);
    let work_folder = folder_option(&merged, "outputWorkFolder", ".esbuild")?;
    let build_folder = folder_option(&merged, "outputBuildFolder", ".build")?;
    let resolve_extensions = resolve_extensions(&merged);
    let esbuild = esbuild_build_options(merged, &externals, &output_extension);
    Ok(Options {
        esbuild,
        target,
        concurrency,
        keep_output,
        output_extension,
        work_folder,
        build_folder,
        resolve_extensions,
        to_install,
        exclude: externals.exclude,
        package_path,
        ignore_lockfile,
        scripts,
        install_extra_args,
        write_metafile,
    })
}

/// `custom.esbuild` (an object, or nothing).
fn custom_options(config: &Value) -> Result<Map<String, Value>> {
    match config.get("custom").and_then(|c| c.get("esbuild")) {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(m)) => Ok(m.clone()),
        Some(_) => Err(DeployError::config(
            "custom.esbuild",
            "expected an object of serverless-esbuild and esbuild options",
        )),
    }
}

/// `provider.runtime`, as written.
pub(super) fn provider_runtime(config: &Value) -> Option<&str> {
    config
        .get("provider")
        .and_then(|p| p.get("runtime"))
        .and_then(Value::as_str)
}

/// The esbuild target of `provider.runtime`. getBuildOptions asserts a Node.js provider runtime
/// (the plugin crashes without one).
fn provider_node_target(config: &Value) -> Result<&'static str> {
    let provider_runtime = provider_runtime(config);
    provider_runtime.and_then(node_target).ok_or_else(|| {
        DeployError::config(
            "provider.runtime",
            format!(
                "serverless-esbuild needs a Node.js provider runtime (nodejs12.x … nodejs24.x), and it is {}",
                provider_runtime
                    .map(|r| format!("\"{r}\""))
                    .unwrap_or_else(|| "not set".to_string())
            ),
        )
    })
}

/// Checks one key of `custom.esbuild`: supported, of the right shape, and known to the plugin
/// or to esbuild.
fn check_option(key: &str, v: &Value) -> Result<()> {
    if let Some(why) = unsupported_option(key, v) {
        return Err(refuse(key, why));
    }
    let expected = match key {
        "packager" => return check_packager_name(v),
        "outputFileExtension" if !matches!(v.as_str(), Some(".js" | ".cjs" | ".mjs")) => {
            "expected \".js\", \".cjs\" or \".mjs\""
        }
        "concurrency" if !(v.is_number() && v.as_f64().is_some_and(|n| n >= 1.0)) => {
            "expected a number of builds to run at once (1 or more)"
        }
        "external" | "exclude" if !is_module_list(key, v) => "expected a list of module names",
        k if PLUGIN_OPTIONS.contains(&k) || ESBUILD_OPTIONS.contains(&k) => return Ok(()),
        other => {
            return Err(DeployError::config(
                opt_path(other),
                format!(
                    "\"{other}\" is neither a serverless-esbuild option nor an esbuild 0.25 build option; check its spelling"
                ),
            ))
        }
    };
    Err(DeployError::config(opt_path(key), expected))
}

/// Why sls refuses this option (with this value), if it does.
fn unsupported_option(key: &str, v: &Value) -> Option<&'static str> {
    match key {
        "plugins" => Some("esbuild plugins are JavaScript, which sls does not run"),
        "config" => Some(
            "a JavaScript configuration file is code, which sls does not run (move its options into custom.esbuild)",
        ),
        "skipBuild" if truthy(v) => Some("skipBuild (deploying prebuilt zips)"),
        "stripEntryResolveExtensions" if truthy(v) => Some("stripEntryResolveExtensions"),
        "write" if v == &Value::Bool(false) => {
            Some("write: false leaves the bundles in memory, so the zips would hold no code")
        }
        _ => None,
    }
}

/// The plugin knows three packagers.
fn check_packager_name(v: &Value) -> Result<()> {
    match v.as_str() {
        Some("npm" | "yarn" | "pnpm") => Ok(()),
        _ => Err(DeployError::config(
            opt_path("packager"),
            format!(
                "Could not find packager '{}' (expected npm, yarn or pnpm)",
                v.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string())
            ),
        )),
    }
}

/// `external` is a list of names; `exclude` may also be one name.
fn is_module_list(key: &str, v: &Value) -> bool {
    match v {
        Value::Array(a) => a.iter().all(Value::is_string),
        Value::String(_) => key == "exclude",
        _ => false,
    }
}

/// `custom.esbuild` deep-merged over the plugin's defaults and the provider runtime's target.
fn merge_over_defaults(custom: Map<String, Value>, runtime_target: &str) -> Map<String, Value> {
    let mut merged = json!({
        "bundle": true,
        "target": "node18",
        "external": [],
        "exclude": ["aws-sdk"],
        "platform": "node",
        "outputFileExtension": ".js",
    });
    merge_deep_right(&mut merged, &json!({ "target": runtime_target }));
    merge_deep_right(&mut merged, &Value::Object(custom));
    match merged {
        Value::Object(m) => m,
        // The defaults are an object and merging an object keeps one.
        _ => Map::new(),
    }
}

/// `external` and `exclude` as the plugin reads them.
struct Externals {
    external: Vec<String>,
    exclude: Vec<String>,
    /// `exclude: '*'` (or a string pattern with `*`): every external is left out.
    exclude_all: bool,
}

impl Externals {
    fn read(merged: &Map<String, Value>) -> Self {
        let exclude_raw = merged.get("exclude").cloned().unwrap_or(Value::Null);
        let exclude = string_array(Some(&exclude_raw));
        let exclude_all = match &exclude_raw {
            Value::String(s) => s.contains('*'),
            Value::Array(_) => exclude.iter().any(|e| e == "*"),
            _ => false,
        };
        Externals {
            external: string_array(merged.get("external")),
            exclude,
            exclude_all,
        }
    }

    /// pack-externals.js: externals not excluded are installed with the packager into the zips.
    fn to_install(&self) -> Vec<String> {
        if self.exclude_all {
            return Vec::new();
        }
        self.external
            .iter()
            .filter(|e| !self.exclude.contains(e))
            .cloned()
            .collect()
    }

    /// What esbuild's `external` gets: both lists, unless everything is excluded.
    fn for_esbuild(&self) -> Vec<Value> {
        let mut externals: Vec<Value> = self.external.iter().cloned().map(Value::String).collect();
        if !self.exclude_all {
            externals.extend(self.exclude.iter().cloned().map(Value::String));
        }
        externals
    }
}

/// Externals are installed with npm only (yarn and pnpm are refused, not run as npm).
fn check_packager_installs(merged: &Map<String, Value>, to_install: &[String]) -> Result<()> {
    let packager = merged
        .get("packager")
        .and_then(Value::as_str)
        .unwrap_or("npm");
    if to_install.is_empty() || packager == "npm" {
        return Ok(());
    }
    Err(DeployError::config(
        opt_path("packager"),
        format!(
            "installing the external modules ({}) with {packager} is not supported yet by sls's built-in serverless-esbuild (npm is); set packager: npm, or bundle them (remove them from external)",
            to_install.iter().map(|s| format!("\"{s}\"")).collect::<Vec<_>>().join(", "),
        ),
    ))
}

/// `packagePath`: the service's `package.json` the externals' versions come from.
fn package_path(merged: &Map<String, Value>) -> Result<Option<String>> {
    match merged.get("packagePath") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if !s.is_empty() => Ok(Some(s.clone())),
        Some(_) => Err(DeployError::config(
            opt_path("packagePath"),
            "expected the path of a package.json",
        )),
    }
}

/// `outputFileExtension`, checked against the module format as the plugin does.
fn output_extension(merged: &Map<String, Value>) -> Result<String> {
    let output_extension = merged
        .get("outputFileExtension")
        .and_then(Value::as_str)
        .unwrap_or(".js")
        .to_string();
    let format = merged.get("format").and_then(Value::as_str);
    let platform = merged.get("platform").and_then(Value::as_str);
    let is_esm = format == Some("esm") || (platform == Some("neutral") && format.is_none());
    if is_esm && output_extension == ".cjs" {
        return Err(DeployError::config(
            opt_path("outputFileExtension"),
            "format \"esm\" or platform \"neutral\" should not output a file with extension \".cjs\"",
        ));
    }
    if !is_esm && output_extension == ".mjs" {
        return Err(DeployError::config(
            opt_path("outputFileExtension"),
            "Non esm builds should not output a file with extension \".mjs\"",
        ));
    }
    Ok(output_extension)
}

/// `resolveExtensions`, else esbuild's defaults the plugin tries entries with.
fn resolve_extensions(merged: &Map<String, Value>) -> Vec<String> {
    match merged.get("resolveExtensions") {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        _ => DEFAULT_EXTENSIONS.iter().map(|s| s.to_string()).collect(),
    }
}

/// What `esbuild.build()` gets: the merged options without the plugin's own, with the
/// externals and the output extension.
fn esbuild_build_options(
    merged: Map<String, Value>,
    externals: &Externals,
    output_extension: &str,
) -> Map<String, Value> {
    let mut esbuild: Map<String, Value> = merged
        .into_iter()
        .filter(|(k, _)| !PLUGIN_OPTIONS.contains(&k.as_str()))
        .collect();
    esbuild.insert("external".into(), Value::Array(externals.for_esbuild()));
    esbuild.remove("plugins");
    if output_extension != ".js" {
        esbuild.insert("outExtension".into(), json!({ ".js": output_extension }));
    }
    // sls reports esbuild's errors and warnings itself (formatted by esbuild), so esbuild does
    // not also print them; `logLevel` only changes logging, never the output.
    esbuild
        .entry("logLevel")
        .or_insert_with(|| Value::String("silent".into()));
    esbuild
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_is_deep_for_objects_only() {
        let mut a = json!({"a": {"x": 1, "y": 2}, "l": [1, 2], "s": "k"});
        merge_deep_right(&mut a, &json!({"a": {"y": 3}, "l": [9]}));
        assert_eq!(a, json!({"a": {"x": 1, "y": 3}, "l": [9], "s": "k"}));
    }

    fn cfg(esbuild: Value) -> Value {
        json!({"service": "s", "provider": {"runtime": "nodejs20.x"}, "plugins": [PLUGIN],
               "custom": {"esbuild": esbuild}, "functions": {"f": {"handler": "h.main"}}})
    }

    #[test]
    fn options_defaults_and_mapping() {
        let o = options(&cfg(
            json!({"minify": true, "external": ["pg-native"], "exclude": ["pg-native", "aws-sdk"]}),
        ))
        .unwrap();
        assert_eq!(o.target, "node20");
        assert_eq!(o.esbuild["bundle"], json!(true));
        assert_eq!(o.esbuild["platform"], json!("node"));
        assert_eq!(o.esbuild["minify"], json!(true));
        assert_eq!(
            o.esbuild["external"],
            json!(["pg-native", "pg-native", "aws-sdk"])
        );
        assert!(!o.esbuild.contains_key("exclude"));
        let o = options(&cfg(json!({"exclude": "*", "external": ["x"]}))).unwrap();
        assert_eq!(
            o.esbuild["external"],
            json!(["x"]),
            "exclude * installs nothing"
        );
        let o = options(&cfg(
            json!({"format": "esm", "outputFileExtension": ".mjs"}),
        ))
        .unwrap();
        assert_eq!(o.esbuild["outExtension"], json!({".js": ".mjs"}));
    }

    #[test]
    fn options_refused_by_name() {
        for (opts, path) in [
            (json!({"plugins": "./plugins.js"}), "custom.esbuild.plugins"),
            (
                json!({"config": "./esbuild.config.js"}),
                "custom.esbuild.config",
            ),
            (json!({"minfy": true}), "custom.esbuild.minfy"),
            (
                json!({"external": ["lodash"], "packager": "yarn"}),
                "custom.esbuild.packager",
            ),
            (json!({"packager": "bun"}), "custom.esbuild.packager"),
            (
                json!({"outputFileExtension": ".mjs"}),
                "custom.esbuild.outputFileExtension",
            ),
            (json!({"skipBuild": true}), "custom.esbuild.skipBuild"),
        ] {
            match options(&cfg(opts.clone())) {
                Err(DeployError::Config { path: p, .. }) => assert_eq!(p, path, "{opts}"),
                other => panic!("{opts}: {other:?}"),
            }
        }
        let mut c = cfg(json!({}));
        c["provider"]["runtime"] = json!("python3.12");
        assert!(
            matches!(options(&c), Err(DeployError::Config { path, .. }) if path == "provider.runtime")
        );
    }
}
