//! `sls package`: zips and templates written to `.serverless/` the way v3 writes them, by v3's
//! `package` lifecycle: sls's compiler, packager and state writer and the built-in plugins are
//! its participants.

use sls_hint::Hint;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use crate::build_host::BuildHost;
use crate::error::{DeployError, Result};
use crate::files::{self, SourceFile, DEFAULT_EXCLUDES};
use crate::naming;
use crate::python_requirements;
use crate::zipper::{self, Artifact};
use sls_compile::{self as compile, FunctionArtifact};
use sls_config::model::Service;
use sls_lifecycle::{self as lifecycle, HookPoint, Participant, When};
use sls_plugins::{HostState, Hosted, PluginError, PluginHost};

/// What to package.
#[derive(Debug, Clone)]
pub struct PackageInput<'a> {
    /// The folder holding serverless.yml; zips are built from it.
    pub service_dir: &'a Path,
    /// The resolved configuration (as `serverless print` shows it).
    pub config: &'a Value,
    pub stage: &'a str,
    pub region: &'a str,
    /// Where to write the artifacts; v3 uses `<service_dir>/.serverless`.
    pub out_dir: &'a Path,
    /// File name of the service file (`serverless.yml`, ...), left out of zips as v3 does.
    /// `None` leaves out every `serverless.{yml,yaml,json,js,ts}`.
    pub config_file_name: Option<&'a str>,
    /// Time used for the artifact directory name (`<epochMs>-<ISO 8601>`); `None` = now.
    pub timestamp: Option<SystemTime>,
}

/// Everything `package` produced, and what deploy needs next.
#[derive(Debug, Clone)]
pub struct PackageResult {
    pub service: Service,
    pub out_dir: PathBuf,
    /// `<prefix>/<service>/<stage>/<epochMs>-<ISO 8601>`.
    pub artifact_directory_name: String,
    pub artifacts: Vec<Artifact>,
    /// `cloudformation-template-create-stack.json` (the core stack).
    pub create_template: Value,
    /// `cloudformation-template-update-stack.json`.
    pub update_template: Value,
    /// `serverless-state.json`.
    pub state: Value,
    /// Notice lines for the user (built-in plugin equivalents).
    pub notices: Vec<String>,
    /// The configuration as packaged (as the JavaScript plugins left it).
    pub config: Value,
    /// The top-level `layers` as packaged (their zips are also in `artifacts`, unless an
    /// unchanged layer keeps its deployed S3 key: see `reused_layers`).
    pub layers: Vec<crate::layers::PackagedLayer>,
    /// Layers whose zips are not uploaded: the deployed stack has the same hash (v3
    /// `compareWithLastLayer`).
    pub reused_layers: Vec<sls_compile::ReusedLayer>,
}

impl PackageResult {
    /// The artifact of one function (by key).
    pub fn artifact_of(&self, function: &str) -> Option<&Artifact> {
        self.artifacts
            .iter()
            .find(|a| a.functions.iter().any(|f| f == function))
    }
}

/// lodash `union` of one list: first occurrences, in order.
fn union(list: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(list.len());
    for s in list {
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

/// v3's artifact directory name: `<prefix>/<service>/<stage>/<epochMs>-<ISO 8601 UTC, ms>`.
pub fn artifact_directory_name(service: &Service, at: SystemTime) -> String {
    let ms = at
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    let dt = time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let iso = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        dt.year(),
        u8::from(dt.month()),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second(),
        dt.millisecond()
    );
    format!(
        "{}/{}/{}/{ms}-{iso}",
        service.provider.deployment_prefix, service.name, service.stage
    )
}

/// Packages the service: zips, both templates and the state file in `input.out_dir`.
pub fn package(input: &PackageInput<'_>) -> Result<PackageResult> {
    package_with(input, &BuildHost::default())
}

/// [`package_with`], with the JavaScript plugin host joining the lifecycle after sls's own
/// participants (v3 runs service plugins after its internal ones at every hook point).
pub fn package_with_plugins(
    input: &PackageInput<'_>,
    host: &BuildHost,
    plugins: Option<&mut PluginHost>,
) -> Result<PackageResult> {
    package_with_deployed(input, host, plugins, AwsAnswers::default())
}

/// [`package_with_plugins`], with what the caller asked AWS and docker (`answers`): the
/// outputs of the deployed stack (v3 asks CloudFormation while packaging a service with
/// `layers`; an unchanged layer keeps its deployed S3 key and its zip is not uploaded again),
/// and the container images' digests.
pub fn package_with_deployed(
    input: &PackageInput<'_>,
    host: &BuildHost,
    plugins: Option<&mut PluginHost>,
    answers: AwsAnswers,
) -> Result<PackageResult> {
    let service = Service::from_config(input.config, input.stage, input.region)?;
    let plugin_excludes = plugins
        .as_ref()
        .map(|p| p.local_plugin_patterns.clone())
        .unwrap_or_default();
    let mut st = PackageState {
        input,
        config: input.config.clone(),
        host,
        service,
        out: input.out_dir.to_path_buf(),
        artifact_directory_name: String::new(),
        artifacts: Vec::new(),
        create_template: Value::Null,
        update_template: Value::Null,
        service_state: Value::Null,
        notices: Vec::new(),
        built: Built::default(),
        plugin_excludes,
        layers: Vec::new(),
        reused_layers: Vec::new(),
        answers,
    };
    let mut own: [&mut dyn Participant<PackageState<'_>, Error = DeployError>; 7] = [
        &mut Compiler,
        &mut Packager,
        &mut PythonRequirements,
        &mut TypeScript,
        &mut IncludeDependencies,
        &mut Esbuild,
        &mut StateWriter,
    ];
    match plugins {
        Some(p) => {
            let mut hosted = Hosted::new(p, plugin_error);
            let [a, b, c, d, e, f, g] = own;
            lifecycle::run(
                &lifecycle::PACKAGE,
                &mut [a, b, c, d, e, f, g, &mut hosted],
                &mut st,
            )?
        }
        None => lifecycle::run(&lifecycle::PACKAGE, &mut own, &mut st)?,
    };
    Ok(PackageResult {
        service: st.service,
        out_dir: st.out,
        artifact_directory_name: st.artifact_directory_name,
        artifacts: st.artifacts,
        create_template: st.create_template,
        update_template: st.update_template,
        state: st.service_state,
        notices: st.notices,
        config: st.config,
        layers: st.layers,
        reused_layers: st.reused_layers,
    })
}

/// A plugin's failure as the build reports it: the plugin, its hook, its message.
pub fn plugin_error(e: PluginError) -> DeployError {
    let hint = e.hint().map(|h| h.into_owned());
    let message = match &e {
        PluginError::Plugin {
            plugin: Some(plugin),
            point,
            message,
            ..
        } => match point {
            Some(point) => format!("Plugin {plugin} failed at \"{point}\": {message}"),
            None => format!("Plugin {plugin} failed: {message}"),
        },
        other => other.to_string(),
    };
    let message = match e.location() {
        Some(at) => format!("{message}\n  {at}"),
        None => message,
    };
    DeployError::Plugin { message, hint }
}

impl HostState for PackageState<'_> {
    fn config(&self) -> &Value {
        &self.config
    }
    fn set_config(&mut self, config: Value) -> std::result::Result<(), String> {
        self.service = Service::from_config(&config, self.input.stage, self.input.region)
            .map_err(|e| e.to_string())?;
        self.config = config;
        Ok(())
    }
    fn templates(&self) -> Option<(&Value, &Value)> {
        (!self.update_template.is_null()).then_some((&self.update_template, &self.create_template))
    }
    fn templates_mut(&mut self) -> Option<(&mut Value, &mut Value)> {
        (!self.update_template.is_null())
            .then_some((&mut self.update_template, &mut self.create_template))
    }
}

/// [`package`], with what the built-in plugins need from the machine (`PATH`, a cache folder).
/// Runs v3's `package` lifecycle ([`lifecycle::PACKAGE`]) with sls's own steps and the built-in
/// plugins as participants (`sls_lifecycle`), in the order v3 would run them.
pub fn package_with(input: &PackageInput<'_>, host: &BuildHost) -> Result<PackageResult> {
    package_with_plugins(input, host, None)
}

/// What `sls package` holds while its lifecycle runs: what every participant sees and changes.
pub struct PackageState<'a> {
    pub input: &'a PackageInput<'a>,
    /// The configuration being packaged: the input's, as the JavaScript plugins leave it.
    pub config: Value,
    pub host: &'a BuildHost,
    pub service: Service,
    /// `.serverless/` (or `--package`).
    pub out: PathBuf,
    /// Set at `before:package:compileFunctions`, as in v3.
    pub artifact_directory_name: String,
    /// Set at `package:createDeploymentArtifacts`.
    pub artifacts: Vec<Artifact>,
    /// The core template, from `package:initialize`.
    pub create_template: Value,
    /// The compiled template, built up from `package:initialize` to `aws:package:finalize`.
    pub update_template: Value,
    /// `serverless-state.json`, from `aws:package:finalize:saveServiceState`.
    pub service_state: Value,
    /// Notice lines for the user.
    pub notices: Vec<String>,
    /// What the built-in plugins made before the zips are written (for sls's packager).
    pub built: Built,
    /// The files of `./local` plugins, which v3 leaves out of every zip.
    pub plugin_excludes: Vec<String>,
    /// The top-level `layers`, packaged at `package:createDeploymentArtifacts`.
    pub layers: Vec<crate::layers::PackagedLayer>,
    /// Set at `package:compileLayers`.
    pub reused_layers: Vec<sls_compile::ReusedLayer>,
    /// What the caller asked AWS and docker before packaging.
    pub answers: AwsAnswers,
}

/// What the caller asked AWS (and docker) for before packaging, where v3 asks while packaging:
/// sls-package itself makes no AWS call.
#[derive(Debug, Clone, Default)]
pub struct AwsAnswers {
    /// The deployed stack's outputs, for `compareWithLastLayer` (`None`: no stack, or not
    /// asked).
    pub stack_outputs: Option<Vec<(String, String)>>,
    /// The container images' digests: tags looked up in ECR, images built and pushed
    /// ([`sls_compile::image_requests`]).
    pub images: sls_compile::ResolvedImages,
}

/// The built-in plugins' work at `before:package:createDeploymentArtifacts`. Each is made
/// before `.serverless/` is touched, so a failure leaves the previous package as it was.
#[derive(Default)]
pub struct Built {
    /// serverless-python-requirements: the installed requirements (or its cache entry).
    pub requirements: Option<python_requirements::Requirements>,
    /// serverless-plugin-typescript: `.build` (removed when dropped).
    pub typescript: Option<crate::typescript_build::Build>,
    /// serverless-plugin-include-dependencies: the traced patterns.
    pub traced: Option<crate::include_dependencies::Traced>,
    /// serverless-esbuild: the bundles and their zips (the work folder is removed when dropped).
    pub esbuild: Option<crate::esbuild::Bundled>,
}

type Hooks = &'static [HookPoint];

/// sls's template compiler at v3's points (v3's AwsCommon validate, AwsPackage, AwsCompile*).
struct Compiler;

impl<'a> Participant<PackageState<'a>> for Compiler {
    type Error = DeployError;
    fn name(&self) -> &'static str {
        "sls:compiler"
    }
    fn hooks(&self) -> Hooks {
        const HOOKS: Hooks = &[
            HookPoint::at("aws:common:validate:validate"),
            HookPoint::at("package:initialize"),
            HookPoint::at("package:setupProviderConfiguration"),
            HookPoint::before("package:compileLayers"),
            HookPoint::at("package:compileLayers"),
            HookPoint::before("package:compileFunctions"),
            HookPoint::at("package:compileFunctions"),
            HookPoint::at("package:compileEvents"),
            HookPoint::at("aws:package:finalize:addExportNameForOutputs"),
            HookPoint::at("aws:package:finalize:mergeCustomProviderResources"),
            HookPoint::at("aws:package:finalize:stripNullPropsFromTemplateResources"),
            HookPoint::at("aws:package:finalize:saveServiceState"),
        ];
        HOOKS
    }
    fn run(&mut self, point: HookPoint, st: &mut PackageState<'a>) -> Result<()> {
        if point.event == "package:compileFunctions" && point.when == When::Before {
            // What v3's cloudFront compile does to the functions before compiling them.
            compile::prepare_functions(&mut st.service, &mut st.config);
            return Ok(());
        }
        let config = &st.config;
        let t = &mut st.update_template;
        match point.event {
            // Refuse what cannot be deployed before any work is done.
            "aws:common:validate:validate" => {
                compile::check(&st.service, config)?;
                compile::check_images(&st.service, &st.answers.images)?
            }
            "package:initialize" => {
                st.create_template = compile::core_template(&st.service);
                *t = st.create_template.clone();
            }
            "package:setupProviderConfiguration" => {
                compile::setup_provider_configuration(&st.service, t)
            }
            // v3 `generateArtifactDirectoryName` runs before `package:compileLayers`.
            "package:compileLayers" if point.when == When::Before => {
                let at = st.input.timestamp.unwrap_or_else(SystemTime::now);
                st.artifact_directory_name = artifact_directory_name(&st.service, at);
            }
            "package:compileLayers" => compile_layers(st)?,
            "package:compileFunctions" => {
                let artifacts = function_artifacts(&st.service, &st.artifacts, &st.answers.images)?;
                let dir = &st.artifact_directory_name;
                let zips: Vec<_> = st.layers.iter().map(|l| l.zip.clone()).collect();
                compile::compile_functions_with_layers(&st.service, dir, &artifacts, &zips, t)?
            }
            "package:compileEvents" => {
                compile::compile_events(&st.service, config, &st.artifact_directory_name, t)?;
                // v3 writes its custom resources' zip when an event family first needs it.
                if compile::custom_resources::used(t) {
                    st.artifacts
                        .push(crate::custom_resources::write_zip(&st.out)?);
                }
                let notices = compile::compile_notices(&st.service, t);
                st.notices.extend(notices);
            }
            "aws:package:finalize:addExportNameForOutputs" => {
                compile::add_export_names(&st.service, t)
            }
            "aws:package:finalize:mergeCustomProviderResources" => {
                compile::merge_custom_provider_resources(&st.service, t)?
            }
            "aws:package:finalize:stripNullPropsFromTemplateResources" => {
                compile::strip_null_props(t)
            }
            "aws:package:finalize:saveServiceState" => {
                st.service_state = service_state(
                    config,
                    &st.service,
                    &st.create_template,
                    t,
                    &st.artifact_directory_name,
                    &st.artifacts,
                );
                st.service_state["service"]["layers"] =
                    state_layers(config, &st.layers, &st.reused_layers);
            }
            // `hooks()` names exactly the points above.
            _ => {}
        }
        Ok(())
    }
}

/// `package:compileLayers`: each layer's resources and outputs (v3 reads each zip for its
/// hash); an unchanged layer keeps its deployed S3 key and leaves the upload list.
fn compile_layers(st: &mut PackageState<'_>) -> Result<()> {
    for l in &st.layers {
        let bytes =
            std::fs::read(&l.path).map_err(|e| DeployError::io("could not read", &l.path, e))?;
        let reused = compile::compile_layer(
            &st.service,
            &l.layer,
            &st.artifact_directory_name,
            &bytes,
            st.answers.stack_outputs.as_deref(),
            &mut st.update_template,
        );
        if let Some(r) = reused {
            st.artifacts
                .retain(|a| !(a.functions.is_empty() && a.path == l.path));
            st.reused_layers.push(r);
        }
    }
    Ok(())
}

/// The state's `layers`: as configured, each built zip as its `package.artifact` (v3
/// `packageLayer`), and `artifactAlreadyUploaded` on each layer whose deployed zip is kept.
fn state_layers(
    config: &Value,
    layers: &[crate::layers::PackagedLayer],
    reused: &[sls_compile::ReusedLayer],
) -> Value {
    let mut out = config.get("layers").cloned().unwrap_or_else(|| json!({}));
    for l in layers {
        if l.layer.artifact.is_none() {
            out[&l.layer.key]["package"] = json!({"artifact": l.path.to_string_lossy()});
        }
    }
    // v3 `compareWithLastLayer` marks a layer that keeps its deployed S3 key.
    for r in reused {
        out[&r.key]["artifactAlreadyUploaded"] = json!(true);
    }
    out
}

/// Each function's zip, in `service.functions` order (what the compiler needs of packaging).
/// An image function has none (v3 packages no zip for it): its entry holds the image, resolved
/// with the caller's answers.
fn function_artifacts(
    service: &Service,
    artifacts: &[Artifact],
    images: &sls_compile::ResolvedImages,
) -> Result<Vec<FunctionArtifact>> {
    let mut out = Vec::with_capacity(service.functions.len());
    for f in &service.functions {
        let image = match &f.image {
            Some(i) => Some(sls_compile::resolve_image(service, &f.key, i, images)?),
            None => None,
        };
        let zip = artifacts.iter().find(|a| a.functions.contains(&f.key));
        out.push(FunctionArtifact {
            file_name: zip.map(|a| a.file_name.clone()).unwrap_or_default(),
            sha256: zip.map(|a| a.sha256.clone()).unwrap_or_default(),
            image,
        });
    }
    Ok(out)
}

/// sls's packager (v3's Package plugin): selects each zip's files and writes the zips.
struct Packager;

impl<'a> Participant<PackageState<'a>> for Packager {
    type Error = DeployError;
    fn name(&self) -> &'static str {
        "sls:packager"
    }
    fn hooks(&self) -> Hooks {
        const HOOKS: Hooks = &[HookPoint::at("package:createDeploymentArtifacts")];
        HOOKS
    }
    fn run(&mut self, _: HookPoint, st: &mut PackageState<'a>) -> Result<()> {
        st.notices.extend(built_notices(&st.built));
        let zips = plan_zips(st);
        let contents = decide_contents(st, &zips)?;
        let layers = decide_layers(st)?;
        // Only now, with every zip's entries decided, is `.serverless/` touched.
        std::fs::create_dir_all(&st.out)
            .map_err(|e| DeployError::io("could not create", &st.out, e))?;
        // A zip a plugin already put there (serverless-webpack copies its bundles into
        // `.serverless/` and names them as the artifacts) is the one to deploy: kept.
        let given: Vec<PathBuf> = zips
            .zips
            .values()
            .filter_map(|(source, _)| match source {
                Source::Given(p) => Some(p.clone()),
                Source::Build { .. } => None,
            })
            .collect();
        clean_out_dir(&st.out, &given)?;
        if let Some(b) = st.built.esbuild.take() {
            b.move_into(&st.out)?;
        }
        st.artifacts = write_zips(st, &zips, contents)?;
        let (artifacts, layers) = crate::layers::write(layers, st.input.service_dir, &st.out)?;
        st.artifacts.extend(artifacts);
        st.layers = layers;
        Ok(())
    }
}

/// The layers' zips, decided with the functions' (before `.serverless/` is touched).
fn decide_layers(st: &PackageState<'_>) -> Result<Vec<crate::layers::Decided>> {
    let layers = sls_compile::layers::layers(&st.config)?;
    if layers.is_empty() {
        return Ok(Vec::new());
    }
    let dev_excludes = if layers.iter().any(|l| l.artifact.is_none()) {
        listing(st)?.1
    } else {
        Vec::new()
    };
    let common = crate::layers::Common {
        service_dir: st.input.service_dir,
        config: &st.config,
        base_excludes: base_excludes(st),
        dev_excludes,
    };
    crate::layers::decide(&layers, &common)
}

/// v3 leaves every layer's folder out of the service's and the functions' zips
/// (`getExcludes(…, excludeLayers)`: `<path>/**`, the path as written).
fn layer_path_excludes(config: &Value) -> Vec<String> {
    let Some(Value::Object(layers)) = config.get("layers") else {
        return Vec::new();
    };
    layers
        .values()
        .map(|l| match l.get("path").and_then(Value::as_str) {
            Some(p) => format!("{p}/**"),
            None => "undefined/**".to_string(),
        })
        .collect()
}

/// The built-in plugins' notices, in the order sls has always shown them.
fn built_notices(built: &Built) -> Vec<String> {
    let mut notices = Vec::new();
    if let Some(r) = &built.requirements {
        notices.extend(r.notices().iter().cloned());
    }
    if let Some(b) = &built.esbuild {
        notices.extend(b.notices.iter().cloned());
    }
    if let Some(b) = &built.typescript {
        notices.push(b.notice.clone());
        notices.extend(b.warnings.iter().cloned());
    }
    if let Some(t) = &built.traced {
        notices.extend(t.notices.iter().cloned());
    }
    notices
}

/// Where a zip's contents come from.
enum Source {
    /// Built by sls from the service folder.
    Build {
        excludes: Vec<String>,
        patterns: Vec<String>,
        /// Whether the Python requirements go into this zip.
        python: bool,
    },
    /// A given file (`package.artifact`, or serverless-esbuild's zip).
    Given(PathBuf),
}

/// Every zip of the service: file names in first-use order, each with its source and the
/// functions deployed from it.
struct ZipPlan {
    order: Vec<String>,
    zips: BTreeMap<String, (Source, Vec<String>)>,
}

/// Which zip each function uses: (file name, patterns) for zips sls builds, or a given file.
fn plan_zips(st: &PackageState<'_>) -> ZipPlan {
    let (input, service) = (st.input, &st.service);
    let esbuilt = st.built.esbuild.as_ref();
    // v3's old syntax: `package.exclude` joins the excludes, `package.include` goes first among
    // the patterns (`getExcludes`/`getIncludes`, each a lodash `union`).
    let service_excludes = files::package_list(&st.config, "exclude");
    let mut service_patterns = files::package_list(&st.config, "include");
    match &st.built.traced {
        Some(t) => service_patterns.extend(t.service_patterns.iter().cloned()),
        None => service_patterns.extend(service.package.patterns.iter().cloned()),
    }
    let mut plan = ZipPlan {
        order: Vec::new(),
        zips: BTreeMap::new(),
    };
    // v3 `packageService`: an image function gets no zip.
    for f in service.functions.iter().filter(|f| f.image.is_none()) {
        let (file, source) = if let Some(a) = esbuilt.and_then(|b| b.artifact_of(&f.key)) {
            // The plugin sets the function's (or the service's) `package.artifact`; its zip is
            // moved into `out` before the zips are written.
            let file = base_name(&a.to_string_lossy());
            (file.clone(), Source::Given(st.out.join(file)))
        } else if let Some(a) = &f.package.artifact {
            (base_name(a), Source::Given(input.service_dir.join(a)))
        } else if service.package.individually || f.package.individually {
            let raw_fn = &st.config["functions"][&f.key];
            let mut excludes = service_excludes.clone();
            excludes.extend(files::package_list(raw_fn, "exclude"));
            let mut patterns = service_patterns.clone();
            patterns.extend(files::package_list(raw_fn, "include"));
            patterns.extend(f.package.patterns.iter().cloned());
            if let Some(t) = &st.built.traced {
                patterns.extend(
                    t.function_patterns
                        .get(&f.key)
                        .into_iter()
                        .flatten()
                        .cloned(),
                );
            }
            (
                format!("{}.zip", f.key),
                Source::Build {
                    excludes: union(excludes),
                    patterns: union(patterns),
                    // The plugin injects into individually packaged Python functions only.
                    python: service.runtime_of(f).starts_with("python"),
                },
            )
        } else if let Some(a) = &service.package.artifact {
            (base_name(a), Source::Given(input.service_dir.join(a)))
        } else {
            (
                format!("{}.zip", service.name),
                Source::Build {
                    excludes: union(service_excludes.clone()),
                    patterns: union(service_patterns.clone()),
                    python: true,
                },
            )
        };
        match plan.zips.get_mut(&file) {
            Some((_, fns)) => fns.push(f.key.clone()),
            None => {
                plan.order.push(file.clone());
                plan.zips.insert(file, (source, vec![f.key.clone()]));
            }
        }
    }
    plan
}

/// The files sls may zip: one listing of the service folder (or serverless-plugin-typescript's
/// `.build`), and the development dependencies to leave out.
fn listing(st: &PackageState<'_>) -> Result<(Vec<SourceFile>, Vec<String>)> {
    let mut listing = match &st.built.typescript {
        Some(b) => b.files.clone(),
        None => files::list_files(st.input.service_dir)?,
    };
    // serverless-esbuild's zips are moved out of its work folder, before v3 lists.
    if let Some(b) = &st.built.esbuild {
        listing.retain(|f| !b.is_zip(&f.path));
    }
    let dev = if st.service.package.exclude_dev_dependencies {
        let dirs: Vec<String> = listing
            .iter()
            .filter(|f| {
                (f.name == "package.json" || f.name.ends_with("/package.json"))
                    && !f.name.contains("node_modules")
            })
            .map(|f| {
                f.name
                    .trim_end_matches("package.json")
                    .trim_end_matches('/')
                    .to_string()
            })
            .collect();
        crate::devdeps::dev_dependency_excludes(st.input.service_dir, &dirs)
    } else {
        Vec::new()
    };
    Ok((listing, dev))
}

/// What every zip leaves out: v3's defaults, the service file, and the output folder.
fn base_excludes(st: &PackageState<'_>) -> Vec<String> {
    let mut excludes: Vec<String> = DEFAULT_EXCLUDES.iter().map(|s| s.to_string()).collect();
    match st.input.config_file_name {
        Some(n) => excludes.push(n.to_string()),
        None => excludes.extend(
            [
                "serverless.yml",
                "serverless.yaml",
                "serverless.json",
                "serverless.js",
                "serverless.ts",
            ]
            .iter()
            .map(|s| s.to_string()),
        ),
    }
    // Keep the output folder out of the zips when it lives inside the service folder.
    if let Ok(rel) = st.out.strip_prefix(st.input.service_dir) {
        if let Some(rel) = rel.to_str().filter(|r| !r.is_empty()) {
            excludes.push(format!("{}/**", rel.replace('\\', "/")));
        }
    }
    excludes.extend(st.plugin_excludes.iter().cloned());
    excludes
}

/// A zip's decided contents.
enum Contents {
    Given(PathBuf),
    Build(Vec<SourceFile>),
}

/// Every zip's entries (and given artifacts checked), decided before `.serverless/` is touched,
/// so bad input leaves the previous package as it was.
fn decide_contents(st: &PackageState<'_>, plan: &ZipPlan) -> Result<Vec<Contents>> {
    let needs_listing = plan
        .zips
        .values()
        .any(|(s, _)| matches!(s, Source::Build { .. }));
    let (listing, dev_excludes) = if needs_listing {
        listing(st)?
    } else {
        (Vec::new(), Vec::new())
    };
    let excludes = base_excludes(st);
    let mut contents = Vec::new();
    for file in &plan.order {
        let (source, fns) = &plan.zips[file];
        contents.push(match source {
            Source::Given(path) => {
                let moved_later = st
                    .built
                    .esbuild
                    .as_ref()
                    .is_some_and(|b| fns.iter().any(|f| b.artifact_of(f).is_some()));
                if !moved_later && !path.is_file() {
                    return Err(DeployError::config(
                        "package.artifact",
                        format!("cannot access package artifact at \"{}\"", path.display()),
                    ));
                }
                Contents::Given(path.clone())
            }
            Source::Build {
                excludes: own_excludes,
                patterns,
                python: with_python,
            } => {
                let context = if file == &format!("{}.zip", st.service.name) {
                    "the service package".to_string()
                } else {
                    format!("function \"{}\"", fns.join(", "))
                };
                let mut all_excludes = excludes.clone();
                all_excludes.extend(layer_path_excludes(&st.config));
                all_excludes.extend(own_excludes.iter().cloned());
                let selection =
                    files::Selection::new(&union(all_excludes), patterns, &dev_excludes, &context)?;
                let chosen: Vec<SourceFile> = listing
                    .iter()
                    .filter(|f| selection.includes(&f.name))
                    .cloned()
                    .collect();
                if chosen.is_empty() {
                    return Err(DeployError::NoFiles { context });
                }
                let chosen = match &st.built.requirements {
                    Some(r) => {
                        r.zip_entries(chosen, fns, *with_python, &|n| selection.includes(n))?
                    }
                    None => chosen,
                };
                Contents::Build(chosen)
            }
        });
    }
    Ok(contents)
}

/// Writes the zips sls builds (a requirements `module`'s zip moved up), hashes the given ones.
fn write_zips(
    st: &PackageState<'_>,
    plan: &ZipPlan,
    contents: Vec<Contents>,
) -> Result<Vec<Artifact>> {
    let mut artifacts = Vec::new();
    for (file, contents) in plan.order.iter().zip(contents) {
        let fns = &plan.zips[file].1;
        let artifact = match contents {
            Contents::Given(path) => Artifact {
                sha256: zipper::sha256_file(&path)?,
                path,
                file_name: file.clone(),
                functions: fns.clone(),
            },
            Contents::Build(chosen) => {
                let path = st.out.join(file);
                let sha256 = zipper::write_zip(&chosen, &path)?;
                // A function of a requirements `module` is deployed from its moved zip.
                let moved = match &st.built.requirements {
                    Some(r) => r.move_module_up(fns, &chosen, &st.out)?,
                    None => None,
                };
                match moved {
                    Some((path, file_name, sha256)) => Artifact {
                        path,
                        file_name,
                        sha256,
                        functions: fns.clone(),
                    },
                    None => Artifact {
                        path,
                        file_name: file.clone(),
                        sha256,
                        functions: fns.clone(),
                    },
                }
            }
        };
        artifacts.push(artifact);
    }
    Ok(artifacts)
}

/// The built-in serverless-python-requirements (`python_requirements`).
struct PythonRequirements;

impl<'a> Participant<PackageState<'a>> for PythonRequirements {
    type Error = DeployError;
    fn name(&self) -> &'static str {
        "serverless-python-requirements"
    }
    fn hooks(&self) -> Hooks {
        const HOOKS: Hooks = &[
            HookPoint::after("package:cleanup"),
            HookPoint::before("package:createDeploymentArtifacts"),
            // The layer goes into the templates and the state once both are made, before they
            // are written (sls's StateWriter runs after this at the same point).
            HookPoint::at("aws:package:finalize:saveServiceState"),
        ];
        HOOKS
    }
    fn run(&mut self, point: HookPoint, st: &mut PackageState<'a>) -> Result<()> {
        let (input, service, config) = (st.input, &st.service, &st.config);
        match point.when {
            When::After => {
                python_requirements::check(config, service)?;
                python_requirements::check_artifacts(
                    config,
                    input.service_dir,
                    service,
                    crate::esbuild::bundles_service_zip(config, service),
                )
            }
            When::Before => {
                if python_requirements::wanted(config, service) {
                    st.built.requirements =
                        python_requirements::prepare(input.service_dir, config, service, st.host)?;
                }
                Ok(())
            }
            When::At => match &st.built.requirements {
                Some(r) => r.finish(
                    service,
                    &mut st.update_template,
                    &mut st.service_state,
                    &st.artifact_directory_name,
                    &mut st.artifacts,
                    &st.out,
                ),
                None => Ok(()),
            },
        }
    }
}

/// The built-in serverless-plugin-typescript: compiles into `.build`.
struct TypeScript;

impl<'a> Participant<PackageState<'a>> for TypeScript {
    type Error = DeployError;
    fn name(&self) -> &'static str {
        "serverless-plugin-typescript"
    }
    fn hooks(&self) -> Hooks {
        const HOOKS: Hooks = &[HookPoint::before("package:createDeploymentArtifacts")];
        HOOKS
    }
    fn run(&mut self, _: HookPoint, st: &mut PackageState<'a>) -> Result<()> {
        st.built.typescript = crate::typescript_build::build(
            st.input.service_dir,
            &st.config,
            st.host,
            crate::typescript_build::Purpose::Package,
        )?;
        Ok(())
    }
}

/// The built-in serverless-plugin-include-dependencies: traces the handlers (in `.build` when
/// serverless-plugin-typescript compiled them).
struct IncludeDependencies;

impl<'a> Participant<PackageState<'a>> for IncludeDependencies {
    type Error = DeployError;
    fn name(&self) -> &'static str {
        "serverless-plugin-include-dependencies"
    }
    fn hooks(&self) -> Hooks {
        const HOOKS: Hooks = &[HookPoint::before("package:createDeploymentArtifacts")];
        HOOKS
    }
    fn run(&mut self, _: HookPoint, st: &mut PackageState<'a>) -> Result<()> {
        let (dir, config) = (st.input.service_dir, &st.config);
        let built = st.built.typescript.as_ref().map(|b| b.dir.as_path());
        let root = crate::include_dependencies::trace_root(dir, config, built);
        st.built.traced = crate::include_dependencies::trace(&root, config)?;
        Ok(())
    }
}

/// The built-in serverless-esbuild: bundles and zips in its work folder.
struct Esbuild;

impl<'a> Participant<PackageState<'a>> for Esbuild {
    type Error = DeployError;
    fn name(&self) -> &'static str {
        "serverless-esbuild"
    }
    fn hooks(&self) -> Hooks {
        const HOOKS: Hooks = &[HookPoint::before("package:createDeploymentArtifacts")];
        HOOKS
    }
    fn run(&mut self, _: HookPoint, st: &mut PackageState<'a>) -> Result<()> {
        let (dir, config) = (st.input.service_dir, &st.config);
        st.built.esbuild = crate::esbuild::package(dir, config, &st.service, st.host)?;
        Ok(())
    }
}

/// Writes both templates and `serverless-state.json` (the end of v3's `saveServiceState`).
struct StateWriter;

impl<'a> Participant<PackageState<'a>> for StateWriter {
    type Error = DeployError;
    fn name(&self) -> &'static str {
        "sls:state-writer"
    }
    fn hooks(&self) -> Hooks {
        const HOOKS: Hooks = &[HookPoint::at("aws:package:finalize:saveServiceState")];
        HOOKS
    }
    fn run(&mut self, _: HookPoint, st: &mut PackageState<'a>) -> Result<()> {
        if !st.service.uses_custom_bucket() {
            write_json(
                &st.out.join(naming::CREATE_TEMPLATE_FILE),
                &st.create_template,
            )?;
        }
        write_json(
            &st.out.join(naming::UPDATE_TEMPLATE_FILE),
            &st.update_template,
        )?;
        write_json(&st.out.join(naming::STATE_FILE), &st.service_state)
    }
}

fn base_name(p: &str) -> String {
    p.rsplit(['/', '\\']).next().unwrap_or(p).to_string()
}

/// v3 empties `.serverless/` first; we remove only what we write, so a custom `--package`
/// folder never loses unrelated files.
fn clean_out_dir(out: &Path, keep: &[PathBuf]) -> Result<()> {
    let keep: Vec<PathBuf> = keep
        .iter()
        .filter_map(|p| std::fs::canonicalize(p).ok())
        .collect();
    let entries = std::fs::read_dir(out).map_err(|e| DeployError::io("could not read", out, e))?;
    for e in entries.flatten() {
        if std::fs::canonicalize(e.path()).is_ok_and(|p| keep.contains(&p)) {
            continue;
        }
        let name = e.file_name();
        let name = name.to_string_lossy();
        let ours = name.ends_with(".zip")
            || name == naming::CREATE_TEMPLATE_FILE
            || name == naming::UPDATE_TEMPLATE_FILE
            || name == naming::STATE_FILE;
        if ours && e.path().is_file() {
            std::fs::remove_file(e.path())
                .map_err(|err| DeployError::io("could not remove", e.path(), err))?;
        }
    }
    Ok(())
}

/// `serverless-state.json`: the service as v3 stores it (`service` with the compiled templates,
/// and `package` with the artifact directory).
fn service_state(
    config: &Value,
    service: &Service,
    core: &Value,
    compiled: &Value,
    dir_name: &str,
    artifacts: &[Artifact],
) -> Value {
    let mut provider = config.get("provider").cloned().unwrap_or_else(|| json!({}));
    provider["name"] = json!("aws");
    provider["stage"] = json!(service.stage);
    provider["region"] = json!(service.region);
    provider["versionFunctions"] = json!(service.provider.version_functions);
    provider["compiledCloudFormationTemplate"] = compiled.clone();
    if !service.uses_custom_bucket() {
        provider["coreCloudFormationTemplate"] = core.clone();
    }
    let mut functions = config
        .get("functions")
        .cloned()
        .unwrap_or_else(|| json!({}));
    if let Some(fns) = functions.as_object_mut() {
        for f in &service.functions {
            if let Some(Value::Object(o)) = fns.get_mut(&f.key) {
                o.entry("events").or_insert_with(|| json!([]));
                o.insert("name".into(), json!(f.name));
                let res = &compiled["Resources"][naming::lambda_logical_id(&f.key)]["Properties"];
                o.insert("memory".into(), res["MemorySize"].clone());
                o.insert("timeout".into(), res["Timeout"].clone());
                o.insert("runtime".into(), res["Runtime"].clone());
                o.insert("vpc".into(), json!({}));
                if let Some(v) = compiled["Resources"].as_object().and_then(|r| {
                    r.keys().find(|k| {
                        k.starts_with(&format!(
                            "{}LambdaVersion",
                            naming::normalized_function_name(&f.key)
                        ))
                    })
                }) {
                    o.insert("versionLogicalId".into(), json!(v));
                }
            }
        }
    }
    let single = artifacts
        .iter()
        .find(|a| a.functions.len() > 1 || artifacts.len() == 1);
    json!({
        "service": {
            "service": service.name,
            "serviceObject": {"name": service.name},
            "provider": provider,
            "custom": config.get("custom").cloned(),
            "plugins": config.get("plugins").cloned(),
            "pluginsData": {},
            "functions": functions,
            "resources": config.get("resources").cloned(),
            "configValidationMode": config.get("configValidationMode").cloned().unwrap_or(json!("warn")),
            "serviceFilename": config.get("serviceFilename").cloned(),
            "initialServerlessConfig": config,
            "layers": {},
            "isDashboardMonitoringPreconfigured": false,
        },
        "package": {
            "individually": service.package.individually,
            "artifactDirectoryName": dir_name,
            "artifact": single.map(|a| a.file_name.clone()).unwrap_or_default(),
        }
    })
}

/// Writes pretty JSON (2 spaces, like `JSON.stringify(x, null, 2)`) atomically.
pub(crate) fn write_json(path: &Path, value: &Value) -> Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(|e| DeployError::Io {
        action: "could not serialise",
        path: path.to_path_buf(),
        source: std::io::Error::other(e),
    })?;
    files::write_atomic(path, text.as_bytes())
}
