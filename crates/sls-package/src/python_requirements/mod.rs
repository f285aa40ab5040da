//! The built-in equivalent of the `serverless-python-requirements` plugin (v6.1): installs the
//! requirements with pip into a static cache and puts them where the plugin puts them.
//!
//! - Default: the files are injected at the zip root (lib/inject.js): service files keep their
//!   places (a requirement file of the same name replaces one in place), the others follow in
//!   the plugin's glob order, without a root `__pycache__/` or `noDeploy` names.
//! - `zip: true` (lib/zip.js): `.requirements.zip` (the requirements folder, with folder
//!   entries) and `unzip_requirements.py` (sls's own helper, same behaviour) join the service
//!   files instead, as if they were in the service folder (sls never writes them there).
//! - `layer` (lib/layer.js): `.serverless/pythonRequirements.zip` (`python/…`), published as
//!   the layer `pythonRequirements` the way v3 compiles layers (`PythonRequirementsLambdaLayer`,
//!   its permissions and the three outputs); functions reference it themselves.
//! - `package.individually` with `module:` (lib/pip.js, inject.js `moveModuleUp`): each module
//!   folder's requirements; a function of module `m` is deployed from
//!   `.serverless/<m>-<function name>.zip`, its zip with `m/` moved to the root.
//! - `dockerizePip`: no Docker; manylinux2014 wheels for the architecture with the local pip.
//! - `usePipenv` / `usePoetry`: `pipenv requirements` / `poetry export` first, as the plugin.
//!
//! Options are read in [`options`]; pip, caching and exports are in [`install`]. The library
//! reads no process environment: the caller passes `PATH` and pip's environment.

mod install;
mod options;
mod slim;
mod tree_zip;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

use crate::build_host::BuildHost;
use crate::error::{DeployError, Result};
use crate::files::{self, SourceFile};
use crate::naming;
use crate::zipper::Artifact;
use install::{Ctx, ModuleInstall};
use options::{opt_path, truthy, Options};
use sls_config::model::{Function, Service};

/// The plugin this module replaces.
pub const PLUGIN: &str = "serverless-python-requirements";

/// The layer's key under `layers` (and so `PythonRequirementsLambdaLayer`).
const LAYER_KEY: &str = "pythonRequirements";
const LAYER_FILE: &str = "pythonRequirements.zip";
const HELPER: &str = "unzip_requirements.py";
const REQUIREMENTS_ZIP: &str = ".requirements.zip";

/// sls's `unzip_requirements.py` (written for sls; it behaves as the plugin's helper: the first
/// import in a container extracts `.requirements.zip` from the task root, or from the working
/// folder when `IS_LOCAL=true`, into `/tmp/sls-py-req`, and puts that folder on `sys.path`).
const HELPER_SOURCE: &str = r#"# Added by sls (built-in serverless-python-requirements, `zip: true`).
# `import unzip_requirements` before importing the requirements: they travel zipped as
# .requirements.zip and are extracted once per container.
import os
import shutil
import sys
import zipfile

_TARGET = "/tmp/sls-py-req"
sys.path.insert(1, _TARGET)
if not os.path.exists(_TARGET):
    _staging = "/tmp/_temp-sls-py-req"
    shutil.rmtree(_staging, ignore_errors=True)
    if os.environ.get("IS_LOCAL") == "true":
        _root = os.getcwd()
    else:
        _root = os.environ.get("LAMBDA_TASK_ROOT", os.getcwd())
    with zipfile.ZipFile(os.path.join(_root, ".requirements.zip")) as _archive:
        _archive.extractall(_staging)
    os.rename(_staging, _TARGET)
"#;

/// Whether the service lists the plugin.
pub fn enabled(config: &Value) -> bool {
    sls_config::plugins::plugin_names(config)
        .iter()
        .any(|n| n == PLUGIN)
}

/// Checks `custom.pythonRequirements` and the functions' `module`s without running anything:
/// every unsupported option is refused by name before any file is written.
pub fn check(config: &Value, service: &Service) -> Result<()> {
    if !enabled(config) {
        return Ok(());
    }
    checked_options(config, service).map(drop)
}

/// The options, once [`check`] passes (the plugin is listed).
fn checked_options(config: &Value, service: &Service) -> Result<Options> {
    let o = options::options(config)?;
    for f in &service.functions {
        let (key, plugin) = (&f.key, &f.plugin_options);
        if plugin.module.as_ref().is_some_and(|m| !m.is_string()) {
            return Err(DeployError::config(
                format!("functions.{key}.module"),
                "expected a folder name",
            ));
        }
        if plugin.vendor {
            return Err(DeployError::config(
                format!("functions.{key}.vendor"),
                "a per-function vendor folder is not supported by sls's built-in serverless-python-requirements; use custom.pythonRequirements.vendor",
            ));
        }
    }
    if let Some(layer) = &o.layer {
        for key in [
            "compatibleRuntimes",
            "compatibleArchitectures",
            "allowedAccounts",
        ] {
            if layer.get(key).is_some_and(|v| !v.is_array()) {
                return Err(DeployError::config(
                    opt_path(&format!("layer.{key}")),
                    "expected a list",
                ));
            }
        }
    }
    Ok(o)
}

/// The plugin injects the requirements into the zip a Python function is deployed from even
/// when it did not build it (lib/inject.js: the service's or the function's `package.artifact`,
/// or serverless-esbuild's service zip, which that plugin sets as `package.artifact`). sls
/// never rewrites such a zip, so it refuses rather than deploy a function without its
/// requirements. `esbuild_service_zip`: serverless-esbuild packs the whole service into one zip.
pub fn check_artifacts(
    config: &Value,
    service_dir: &Path,
    service: &Service,
    esbuild_service_zip: bool,
) -> Result<()> {
    if !enabled(config) {
        return Ok(());
    }
    let o = options::options(config)?;
    // With `zip` or `layer` the plugin injects nothing into the function zips.
    if o.zip || o.layer.is_some() {
        return Ok(());
    }
    let fix = "; sls does not rewrite a zip it did not build, so the function would be deployed without its requirements: let sls build the zip, or set custom.pythonRequirements.layer: true and reference the layer";
    let python_fns = service
        .functions
        .iter()
        .filter(|f| service.runtime_of(f).starts_with("python") && !is_image(f));
    if service.package.individually {
        for f in python_fns {
            let module = f.plugin_options.python_module().unwrap_or(".");
            if f.package.artifact.is_some() && has_requirements(service_dir, module, &o) {
                return Err(DeployError::config(
                    format!("functions.{}.package.artifact", f.key),
                    format!("serverless-python-requirements injects the requirements into this given artifact{fix}"),
                ));
            }
        }
        return Ok(());
    }
    // Without `package.individually`, the Python functions deployed from the service's zip.
    let mut with_service_zip = python_fns.filter(|f| f.package.artifact.is_none());
    if with_service_zip.next().is_none() || !has_requirements(service_dir, ".", &o) {
        return Ok(());
    }
    if service.package.artifact.is_some() {
        return Err(DeployError::config(
            "package.artifact",
            format!("serverless-python-requirements injects the requirements into this given artifact{fix}"),
        ));
    }
    if esbuild_service_zip {
        return Err(DeployError::config(
            "package.individually",
            "serverless-esbuild packs the whole service into one zip, which the Python functions are deployed from too, and serverless-python-requirements injects the requirements into it; sls does not rewrite that zip, so they would be deployed without their requirements: set package.individually: true (each Python function then gets its own zip with them), or custom.pythonRequirements.layer: true and reference the layer",
        ));
    }
    Ok(())
}

/// A container image function (`image` set, JavaScript-truthy): the plugin leaves it alone.
fn is_image(f: &Function) -> bool {
    f.image.as_ref().is_some_and(truthy)
}

/// `provider.architecture`, the wheels' architecture (default `x86_64`).
fn provider_architecture(service: &Service) -> &str {
    let written = service.provider.function_defaults.architecture.as_ref();
    written.and_then(Value::as_str).unwrap_or("x86_64")
}

/// Whether a module has requirements the plugin would install (its requirements file, the
/// service's Pipfile, or a Poetry project).
fn has_requirements(service_dir: &Path, module: &str, o: &Options) -> bool {
    let dir = service_dir.join(module);
    dir.join(&o.file_name).is_file()
        || (o.use_pipenv && service_dir.join("Pipfile").is_file())
        || (o.use_poetry && install::is_poetry_project(&dir))
}

/// Whether any zip of the service gets requirements: the plugin is listed and a function is
/// packaged with the service (whatever its runtime, as the plugin does), or individually with a
/// Python runtime.
pub fn wanted(config: &Value, service: &Service) -> bool {
    enabled(config)
        && service.functions.iter().any(|f| {
            f.package.artifact.is_none()
                && if service.package.individually || f.package.individually {
                    service.runtime_of(f).starts_with("python")
                } else {
                    service.package.artifact.is_none()
                }
        })
}

/// The requirements of a service, installed (or found in the cache), ready to go into zips and
/// the template.
#[derive(Debug, Clone)]
pub struct Requirements {
    o: Options,
    individually: bool,
    /// Module (`.` for the service folder) → its installed requirements.
    modules: BTreeMap<String, ModuleInstall>,
    /// Python function key → module (with `package.individually`).
    fn_modules: BTreeMap<String, String>,
    /// Every function key → deployed name.
    fn_names: BTreeMap<String, String>,
    helper: PathBuf,
    notices: Vec<String>,
}

/// Installs the requirements of the service: `Ok(None)` when the plugin is not listed.
pub fn prepare(
    service_dir: &Path,
    config: &Value,
    service: &Service,
    host: &BuildHost,
) -> Result<Option<Requirements>> {
    if !enabled(config) {
        return Ok(None);
    }
    let o = checked_options(config, service)?;
    let individually = service.package.individually;
    let mut fn_modules = BTreeMap::new();
    let mut fn_names = BTreeMap::new();
    for f in &service.functions {
        fn_names.insert(f.key.clone(), f.name.clone());
        if is_image(f) || !service.runtime_of(f).starts_with("python") {
            continue;
        }
        // The wheels are chosen for the provider's architecture (the plugin's cache key and,
        // without `package.individually`, its Docker image): a Python function of another one
        // would get the wrong native code.
        if o.dockerize {
            if let Some(a) = f.settings.architecture.as_ref().and_then(Value::as_str) {
                let provider_arch = provider_architecture(service);
                if a != provider_arch {
                    return Err(DeployError::config(
                        format!("functions.{}.architecture", f.key),
                        format!("with dockerizePip, sls installs manylinux wheels for provider.architecture ({provider_arch}) only; set provider.architecture to {a}, or package this function's service separately"),
                    ));
                }
            }
        }
        let module = match f.plugin_options.python_module() {
            Some(m) if individually => m.trim_end_matches('/').to_string(),
            _ => ".".to_string(),
        };
        fn_modules.insert(f.key.clone(), module);
    }
    let mut wanted: Vec<String> = if individually {
        fn_modules.values().cloned().collect()
    } else {
        vec![".".into()]
    };
    wanted.sort();
    wanted.dedup();

    // pip runs for the Python functions: on a mixed service (e.g. a Node.js provider runtime
    // with serverless-esbuild), the runtime of its first Python function.
    let runtime = service
        .provider
        .runtime
        .as_deref()
        .filter(|r| r.starts_with("python"))
        .or_else(|| {
            service
                .functions
                .iter()
                .find(|f| fn_modules.contains_key(&f.key))
                .map(|f| service.runtime_of(f))
        })
        .unwrap_or("python3");
    let arch = provider_architecture(service).to_string();
    let cache_root = match &o.cache_location {
        Some(loc) => service_dir.join(loc),
        None => host
            .cache_dir
            .clone()
            .unwrap_or_else(|| service_dir.join(".serverless/requirements-cache")),
    };
    let path_var = host.path_var.clone().unwrap_or_default();
    let ctx = Ctx {
        service_dir,
        runtime,
        arch: &arch,
        path_var: &path_var,
        env: &host.env,
        cache_root: cache_root.clone(),
    };
    let mut notices = Vec::new();
    let pipenv_text = if o.use_pipenv && service_dir.join("Pipfile").is_file() {
        Some(install::pipenv_export(service_dir, &ctx)?)
    } else {
        None
    };
    let mut modules = BTreeMap::new();
    for m in wanted {
        if let Some(i) =
            install::install_module(&m, &o, &ctx, pipenv_text.as_deref(), &mut notices)?
        {
            modules.insert(m, i);
        }
    }
    if o.layer.is_some() && !modules.contains_key(".") {
        return Err(DeployError::config(
            opt_path("layer"),
            format!(
                "there are no requirements to put in the layer ({} is missing or empty after noDeploy); functions referencing PythonRequirementsLambdaLayer would fail: add requirements or remove layer",
                o.file_name
            ),
        ));
    }
    let helper = cache_root.join(HELPER);
    if o.zip
        && !modules.is_empty()
        && std::fs::read(&helper).ok().as_deref() != Some(HELPER_SOURCE.as_bytes())
    {
        crate::files::write_atomic(&helper, HELPER_SOURCE.as_bytes())?;
    }
    let head = match modules.values().next() {
        None => "no requirements to install".to_string(),
        Some(first) => {
            let mut s = install::version_summary(&first.version_line);
            if o.dockerize {
                s.push_str(&format!(
                    ", {} wheels (dockerizePip: no Docker, the local pip installs wheels for {arch})",
                    install::manylinux_platform(&arch)
                ));
            }
            if modules.values().all(|m| !m.installed_now) {
                s.push_str(" (cached)");
            }
            s
        }
    };
    notices.insert(
        0,
        format!("Using sls's built-in serverless-python-requirements: {head}"),
    );
    Ok(Some(Requirements {
        o,
        individually,
        modules,
        fn_modules,
        fn_names,
        helper,
        notices,
    }))
}

/// The plugin's inject filter: no root `__pycache__/`, nothing whose first name part is in
/// `noDeploy` (JavaScript: `relativeFile.split(/([-\\/]|\.py$|\.pyc$)/, 1)[0]`).
fn keep(name: &str, no_deploy: &[String]) -> bool {
    if name.starts_with("__pycache__/") {
        return false;
    }
    let first = name.split(['-', '/', '\\']).next().unwrap_or(name);
    let first = first
        .strip_suffix(".py")
        .or_else(|| first.strip_suffix(".pyc"))
        .unwrap_or(first);
    !no_deploy.iter().any(|n| n == first)
}

/// JSZip's `file()`: a file of the same name is replaced in place, a new one is appended.
fn inject(
    mut entries: Vec<SourceFile>,
    add: impl IntoIterator<Item = SourceFile>,
) -> Vec<SourceFile> {
    for f in add {
        match entries.iter_mut().find(|e| e.name == f.name) {
            Some(e) => *e = f,
            None => entries.push(f),
        }
    }
    entries
}

fn in_module(module: &str, name: &str) -> String {
    if module == "." {
        name.to_string()
    } else {
        format!("{module}/{name}")
    }
}

impl Requirements {
    /// Notice lines for the user.
    pub fn notices(&self) -> &[String] {
        &self.notices
    }

    fn module_of(&self, functions: &[String]) -> Option<&str> {
        if !self.individually {
            return Some(".");
        }
        functions
            .iter()
            .find_map(|f| self.fn_modules.get(f))
            .map(String::as_str)
    }

    fn inject_mode(&self) -> bool {
        !self.o.zip && self.o.layer.is_none()
    }

    fn injected(&self, module: &str) -> Vec<SourceFile> {
        self.modules
            .get(module)
            .map(|m| {
                m.files
                    .iter()
                    .filter(|f| keep(&f.name, &self.o.no_deploy))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The entries of one zip built from the service folder: `chosen` (the selected service
    /// files, in v3's order) for the zip of `functions` (`python`: a zip the plugin injects
    /// into), with what the plugin adds.
    /// `includes` is the zip's pattern selection (for the zip helpers of other modules, which
    /// the plugin leaves in the service folder).
    pub fn zip_entries(
        &self,
        chosen: Vec<SourceFile>,
        functions: &[String],
        python: bool,
        includes: &dyn Fn(&str) -> bool,
    ) -> Result<Vec<SourceFile>> {
        let own = if python {
            self.module_of(functions)
        } else {
            None
        };
        let mut chosen = chosen;
        if self.o.zip {
            let mut added = false;
            for (m, install) in &self.modules {
                let forced = own == Some(m.as_str());
                for (name, path) in [
                    (
                        in_module(m, REQUIREMENTS_ZIP),
                        self.requirements_zip(install)?,
                    ),
                    (in_module(m, HELPER), self.helper.clone()),
                ] {
                    if forced || includes(&name) {
                        chosen.retain(|f| f.name != name);
                        chosen.push(SourceFile {
                            name,
                            path,
                            executable: false,
                        });
                        added = true;
                    }
                }
            }
            if added {
                chosen.sort_by(|a, b| files::v3_name_order(&a.name, &b.name));
            }
        }
        if self.inject_mode() && own == Some(".") {
            chosen = inject(chosen, self.injected("."));
        }
        Ok(chosen)
    }

    /// `moveModuleUp`: for a function of a module other than `.` (with
    /// `package.individually`), `.serverless/<module>-<function name>.zip` holds its zip's
    /// `<module>/…` entries at the root (with folder entries, as JSZip adds them), then its
    /// module's requirements. Returns the artifact to deploy instead of `<key>.zip`.
    pub fn move_module_up(
        &self,
        functions: &[String],
        entries: &[SourceFile],
        out_dir: &Path,
    ) -> Result<Option<(PathBuf, String, String)>> {
        if !self.individually {
            return Ok(None);
        }
        let (Some(key), Some(module)) = (functions.first(), self.module_of(functions)) else {
            return Ok(None);
        };
        if module == "." {
            return Ok(None);
        }
        let prefix = format!("{module}/");
        let moved: Vec<SourceFile> = entries
            .iter()
            .filter_map(|f| {
                if let Some(rest) = f.name.strip_prefix(&prefix) {
                    Some(SourceFile {
                        name: rest.to_string(),
                        ..f.clone()
                    })
                } else if f.name.starts_with("serverless_sdk/")
                    || (f.name.starts_with("s_") && f.name.contains(".py"))
                {
                    Some(f.clone())
                } else {
                    None
                }
            })
            .collect();
        let mut tree: Vec<tree_zip::Entry> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for f in &moved {
            tree_zip::push_with_folders(&mut tree, &mut seen, f);
        }
        if self.inject_mode() {
            for f in self.injected(module) {
                match tree.iter_mut().find(|e| e.name == f.name) {
                    Some(e) => e.file = Some(f),
                    None => tree.push(tree_zip::Entry {
                        name: f.name.clone(),
                        file: Some(f),
                    }),
                }
            }
        }
        let name = self
            .fn_names
            .get(key)
            .cloned()
            .unwrap_or_else(|| key.clone());
        let rel = format!("{module}-{name}.zip");
        let path = out_dir.join(&rel);
        let sha = tree_zip::write(&tree, &path)?;
        let file_name = rel.rsplit('/').next().unwrap_or(&rel).to_string();
        Ok(Some((path, file_name, sha)))
    }

    /// `.requirements.zip` of a module (built once per cache entry).
    fn requirements_zip(&self, install: &ModuleInstall) -> Result<PathBuf> {
        let path = install.dir.join("requirements.zip");
        if !path.is_file() || install.installed_now {
            tree_zip::write(&tree_zip::tree(&install.files, ""), &path)?;
        }
        Ok(path)
    }

    /// The layer (`layer`): `pythonRequirements.zip` in `out_dir`, the layer's resources and
    /// outputs in the template (where v3 compiles them: before the functions, outputs after the
    /// bucket's), the layer in the state, and the zip among the artifacts to upload.
    pub fn finish(
        &self,
        service: &Service,
        template: &mut Value,
        state: &mut Value,
        artifact_directory_name: &str,
        artifacts: &mut Vec<Artifact>,
        out_dir: &Path,
    ) -> Result<()> {
        let Some(layer_opts) = &self.o.layer else {
            return Ok(());
        };
        let Some(install) = self.modules.get(".") else {
            return Ok(());
        };
        let cached = install.dir.join("layer.zip");
        if !cached.is_file() || install.installed_now {
            tree_zip::write(&tree_zip::tree(&install.files, "python/"), &cached)?;
        }
        let dest = out_dir.join(LAYER_FILE);
        std::fs::copy(&cached, &dest).map_err(|e| DeployError::io("could not write", &dest, e))?;
        let bytes =
            std::fs::read(&dest).map_err(|e| DeployError::io("could not read", &dest, e))?;

        // createLayers: the plugin's defaults, then `layer:`'s own keys.
        let mut layer = Map::new();
        layer.insert(
            "artifact".into(),
            json!(".serverless/pythonRequirements.zip"),
        );
        layer.insert(
            "name".into(),
            json!(format!(
                "{}-{}-python-requirements",
                service.name, service.stage
            )),
        );
        layer.insert(
            "description".into(),
            json!("Python requirements generated by serverless-python-requirements."),
        );
        layer.insert(
            "compatibleRuntimes".into(),
            json!([service.provider.runtime.clone()]),
        );
        for (k, v) in layer_opts {
            layer.insert(k.clone(), v.clone());
        }

        let bucket = match &service.provider.deployment_bucket {
            Some(b) => json!(b),
            None => json!({"Ref": naming::BUCKET_LOGICAL_ID}),
        };
        let s3_key = format!("{artifact_directory_name}/{LAYER_FILE}");
        let mut props = Map::new();
        props.insert("Content".into(), json!({"S3Bucket": bucket}));
        props.insert(
            "LayerName".into(),
            layer
                .get("name")
                .filter(|v| truthy(v))
                .cloned()
                .unwrap_or(json!(LAYER_KEY)),
        );
        for (key, prop) in [
            ("description", "Description"),
            ("licenseInfo", "LicenseInfo"),
            ("compatibleRuntimes", "CompatibleRuntimes"),
            ("compatibleArchitectures", "CompatibleArchitectures"),
        ] {
            if let Some(v) = layer.get(key).filter(|v| truthy(v)) {
                props.insert(prop.into(), v.clone());
            }
        }
        // v3: sha1 of the resource without its S3Key, then of the zip.
        let hashed = json!({"Type": "AWS::Lambda::LayerVersion", "Properties": Value::Object(props.clone())});
        let sha = layer_hash(
            serde_json::to_string(&hashed)
                .unwrap_or_default()
                .as_bytes(),
            &bytes,
        );
        props["Content"]["S3Key"] = json!(s3_key);
        // Keep v3's key order: Content {S3Bucket, S3Key} first.
        let mut resource =
            json!({"Type": "AWS::Lambda::LayerVersion", "Properties": Value::Object(props)});
        let retain = layer.get("retain").is_some_and(truthy);
        let base_id = format!("{}LambdaLayer", naming::normalized_function_name(LAYER_KEY));
        let layer_id = if retain {
            resource["DeletionPolicy"] = json!("Retain");
            format!("{base_id}{sha}")
        } else {
            base_id.clone()
        };
        let mut new_resources = vec![(layer_id.clone(), resource)];
        if let Some(Value::Array(accounts)) = layer.get("allowedAccounts") {
            for account in accounts {
                let account_str = match account {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                let mut id = format!(
                    "{}{}LambdaLayerPermission",
                    naming::normalized_function_name(LAYER_KEY),
                    account_str.replacen('*', "Wild", 1)
                );
                let mut perm = json!({
                    "Type": "AWS::Lambda::LayerVersionPermission",
                    "Properties": {
                        "Action": "lambda:GetLayerVersion",
                        "LayerVersionArn": {"Ref": layer_id},
                        "Principal": account,
                    }
                });
                if retain {
                    id.push_str(&sha);
                    perm["DeletionPolicy"] = json!("Retain");
                }
                new_resources.push((id, perm));
            }
        }
        let export =
            |key: &str| json!({"Name": naming::export_name(&service.name, &service.stage, key)});
        let new_outputs = vec![
            (
                format!("{base_id}QualifiedArn"),
                json!({"Description": "Current Lambda layer version", "Value": {"Ref": layer_id}, "Export": export(&format!("{base_id}QualifiedArn"))}),
            ),
            (
                format!("{base_id}Hash"),
                json!({"Description": "Current Lambda layer hash", "Value": sha, "Export": export(&format!("{base_id}Hash"))}),
            ),
            (
                format!("{base_id}S3Key"),
                json!({"Description": "Current Lambda layer S3Key", "Value": s3_key, "Export": export(&format!("{base_id}S3Key"))}),
            ),
        ];
        let resources = template["Resources"].as_object();
        let at = resources
            .and_then(|r| {
                r.values()
                    .position(|v| v["Type"] == "AWS::Lambda::Function")
            })
            .unwrap_or(usize::MAX);
        insert_at(template, "Resources", new_resources, at);
        // After the deployment bucket's output (v3 compiles layers before functions).
        let at = template["Outputs"]
            .as_object()
            .and_then(|o| o.keys().position(|k| k == naming::BUCKET_OUTPUT_LOGICAL_ID))
            .map_or(0, |i| i + 1);
        insert_at(template, "Outputs", new_outputs, at);

        layer.insert("package".into(), json!({}));
        state["service"]["layers"][LAYER_KEY] = Value::Object(layer);
        state["service"]["provider"]["compiledCloudFormationTemplate"] = template.clone();
        artifacts.push(Artifact {
            path: dest.clone(),
            file_name: LAYER_FILE.into(),
            sha256: crate::zipper::sha256_file(&dest)?,
            functions: Vec::new(),
        });
        Ok(())
    }
}

/// Inserts `new` into the object `template[section]` at position `at` (the end when past it).
/// v3's layer hash (`crypto.createHash('sha1')`, hex) over the resource, then the zip.
fn layer_hash(resource: &[u8], zip: &[u8]) -> String {
    use sha1::{Digest, Sha1};
    let mut h = Sha1::new();
    h.update(resource);
    h.update(zip);
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn insert_at(template: &mut Value, section: &str, new: Vec<(String, Value)>, at: usize) {
    let old = match template.get_mut(section).map(Value::take) {
        Some(Value::Object(m)) => m,
        _ => Map::new(),
    };
    let mut out = Map::new();
    let mut new = Some(new);
    for (i, (k, v)) in old.into_iter().enumerate() {
        if i == at {
            for (nk, nv) in new.take().unwrap_or_default() {
                out.insert(nk, nv);
            }
        }
        out.insert(k, v);
    }
    for (nk, nv) in new.unwrap_or_default() {
        out.insert(nk, nv);
    }
    template[section] = Value::Object(out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layer_hash_is_sha1_of_resource_then_zip() {
        assert_eq!(
            layer_hash(b"", b""),
            "da39a3ee5e6b4b0d3255bfef95601890afd80709"
        );
        assert_eq!(
            layer_hash(b"ab", b"c"),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(
            layer_hash(
                b"abcdbcdecdefdefgefghfghighij",
                b"hijkijkljklmklmnlmnomnopnopq"
            ),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1"
        );
        let million = vec![b'a'; 1_000_000];
        assert_eq!(
            layer_hash(&million, b""),
            "34aa973cd4c4daa4f61eeb2bdbad27316534016f"
        );
    }

    #[test]
    fn keep_matches_inject() {
        let nd = vec!["six".to_string(), "boto3".to_string()];
        assert!(!keep("six.py", &nd));
        assert!(!keep("boto3/__init__.py", &nd));
        assert!(!keep("boto3-1.0.dist-info/RECORD", &nd));
        assert!(keep("requests/__init__.py", &nd));
        assert!(!keep("__pycache__/six.cpython-311.pyc", &nd));
        assert!(keep("requests/__pycache__/x.pyc", &nd));
        assert!(keep("sixty/a.py", &nd));
    }

    #[test]
    fn inject_replaces_in_place_and_appends() {
        let f = |n: &str, p: &str| SourceFile {
            name: n.into(),
            path: PathBuf::from(p),
            executable: false,
        };
        let out = inject(
            vec![f("handler.py", "s"), f("requirements.txt", "s")],
            vec![
                f(".completed_requirements", "r"),
                f("requirements.txt", "r"),
            ],
        );
        let names: Vec<_> = out
            .iter()
            .map(|e| (e.name.as_str(), e.path.to_str().unwrap()))
            .collect();
        assert_eq!(
            names,
            vec![
                ("handler.py", "s"),
                ("requirements.txt", "r"),
                (".completed_requirements", "r")
            ]
        );
    }

    #[test]
    fn insert_at_positions() {
        let mut t = json!({"Resources": {"A": 1, "F": 2}});
        insert_at(&mut t, "Resources", vec![("L".into(), json!(3))], 1);
        insert_at(
            &mut t,
            "Resources",
            vec![("Z".into(), json!(4))],
            usize::MAX,
        );
        let keys: Vec<_> = t["Resources"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert_eq!(keys, vec!["A", "L", "F", "Z"]);
    }
}
