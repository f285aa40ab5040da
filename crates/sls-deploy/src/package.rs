//! `sls package`: zips and templates written to `.serverless/` the way v3 writes them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use crate::build_host::BuildHost;
use crate::compile::{self, FunctionArtifact};
use crate::error::{DeployError, Result};
use crate::files::{self, SourceFile, DEFAULT_EXCLUDES};
use crate::naming;
use crate::python_requirements;
use crate::zipper::{self, Artifact};
use sls_config::model::Service;

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

/// [`package`], with what the built-in `serverless-python-requirements` needs from the machine
/// (`PATH`, a cache folder).
pub fn package_with(input: &PackageInput<'_>, python: &BuildHost) -> Result<PackageResult> {
    let service = Service::from_config(input.config, input.stage, input.region)?;
    // Refuse what cannot be deployed before any work is done.
    compile::check(&service, input.config)?;
    python_requirements::check(input.config, input.service_dir)?;
    python_requirements::check_artifacts(
        input.config,
        input.service_dir,
        &service,
        crate::esbuild::bundles_service_zip(input.config, &service),
    )?;
    // The built-in serverless-python-requirements installs (or finds in its cache) before
    // `.serverless/` is touched, so a failed install leaves the previous package as it was.
    let requirements = if python_requirements::wanted(input.config, &service) {
        python_requirements::prepare(input.service_dir, input.config, &service, python)?
    } else {
        None
    };
    // The built-in serverless-plugin-typescript compiles into `.build` (removed when `ts_build`
    // is dropped) and serverless-plugin-include-dependencies traces the handlers, both before
    // `.serverless/` is touched, so a failure leaves the previous package as it was.
    let ts_build = crate::typescript_build::build(
        input.service_dir,
        input.config,
        python,
        crate::typescript_build::Purpose::Package,
    )?;
    let traced = crate::include_dependencies::trace(
        &crate::include_dependencies::trace_root(
            input.service_dir,
            input.config,
            ts_build.as_ref().map(|b| b.dir.as_path()),
        ),
        input.config,
    )?;
    let out = input.out_dir.to_path_buf();
    // The built-in serverless-esbuild bundles before `.serverless/` is touched, so a failed
    // build leaves the previous package as it was.
    let esbuilt = crate::esbuild::package(input.service_dir, input.config, &service, python)?;

    // Which zip each function uses: (file name, patterns) for zips we build, or a given file.
    enum Source {
        Build {
            excludes: Vec<String>,
            patterns: Vec<String>,
            /// Whether the Python requirements go into this zip.
            python: bool,
        },
        Given(PathBuf),
    }
    // v3's old syntax: `package.exclude` joins the excludes, `package.include` goes first among
    // the patterns (`getExcludes`/`getIncludes`, each a lodash `union`).
    let service_excludes = files::package_list(input.config, "exclude");
    let mut service_patterns = files::package_list(input.config, "include");
    match &traced {
        Some(t) => service_patterns.extend(t.service_patterns.iter().cloned()),
        None => service_patterns.extend(service.package.patterns.iter().cloned()),
    }
    let mut plan: BTreeMap<String, (Source, Vec<String>)> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    for f in &service.functions {
        let (file, source) = if let Some(a) = esbuilt.as_ref().and_then(|b| b.artifact_of(&f.key)) {
            // The plugin sets the function's (or the service's) `package.artifact`; its zip is
            // moved into `out` below.
            let file = base_name(&a.to_string_lossy());
            (file.clone(), Source::Given(out.join(file)))
        } else if let Some(a) = &f.package.artifact {
            (base_name(a), Source::Given(input.service_dir.join(a)))
        } else if service.package.individually || f.package.individually {
            let raw_fn = &input.config["functions"][&f.key];
            let mut excludes = service_excludes.clone();
            excludes.extend(files::package_list(raw_fn, "exclude"));
            let mut patterns = service_patterns.clone();
            patterns.extend(files::package_list(raw_fn, "include"));
            patterns.extend(f.package.patterns.iter().cloned());
            if let Some(t) = &traced {
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
        match plan.get_mut(&file) {
            Some((_, fns)) => fns.push(f.key.clone()),
            None => {
                order.push(file.clone());
                plan.insert(file, (source, vec![f.key.clone()]));
            }
        }
    }

    // One listing of the service folder serves every zip.
    let needs_listing = plan
        .values()
        .any(|(s, _)| matches!(s, Source::Build { .. }));
    let (listing, dev_excludes) = if needs_listing {
        let mut listing = match &ts_build {
            Some(b) => b.files.clone(),
            None => files::list_files(input.service_dir)?,
        };
        // serverless-esbuild's zips are moved out of its work folder below, before v3 lists.
        if let Some(b) = &esbuilt {
            listing.retain(|f| !b.is_zip(&f.path));
        }
        let dev = if service.package.exclude_dev_dependencies {
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
            crate::devdeps::dev_dependency_excludes(input.service_dir, &dirs)
        } else {
            Vec::new()
        };
        (listing, dev)
    } else {
        (Vec::new(), Vec::new())
    };
    let mut excludes: Vec<String> = DEFAULT_EXCLUDES.iter().map(|s| s.to_string()).collect();
    match input.config_file_name {
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
    if let Ok(rel) = out.strip_prefix(input.service_dir) {
        if let Some(rel) = rel.to_str().filter(|r| !r.is_empty()) {
            excludes.push(format!("{}/**", rel.replace('\\', "/")));
        }
    }

    // The built-in serverless-python-requirements: install (or reuse) once, add to the zips.
    let mut notices = Vec::new();
    if let Some(r) = &requirements {
        notices.extend(r.notices().iter().cloned());
    }
    if let Some(b) = &esbuilt {
        notices.extend(b.notices.iter().cloned());
    }
    if let Some(b) = &ts_build {
        notices.push(b.notice.clone());
        notices.extend(b.warnings.iter().cloned());
    }
    if let Some(t) = &traced {
        notices.extend(t.notices.iter().cloned());
    }

    // Every zip's entries are decided (and given artifacts checked) before `.serverless/` is
    // touched, so bad input leaves the previous package as it was.
    enum Contents {
        Given(PathBuf),
        Build(Vec<SourceFile>),
    }
    let mut contents = Vec::new();
    for file in &order {
        let (source, fns) = &plan[file];
        contents.push(match source {
            Source::Given(path) => {
                let moved_later = esbuilt
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
                let context = if file == &format!("{}.zip", service.name) {
                    "the service package".to_string()
                } else {
                    format!("function \"{}\"", fns.join(", "))
                };
                let mut all_excludes = excludes.clone();
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
                let chosen = match &requirements {
                    Some(r) => {
                        r.zip_entries(chosen, fns, *with_python, &|n| selection.includes(n))?
                    }
                    None => chosen,
                };
                Contents::Build(chosen)
            }
        });
    }

    std::fs::create_dir_all(&out).map_err(|e| DeployError::io("could not create", &out, e))?;
    clean_out_dir(&out)?;
    if let Some(b) = esbuilt {
        b.move_into(&out)?;
    }
    let mut artifacts = Vec::new();
    for (file, contents) in order.iter().zip(contents) {
        let fns = &plan[file].1;
        let artifact = match contents {
            Contents::Given(path) => Artifact {
                sha256: zipper::sha256_file(&path)?,
                path,
                file_name: file.clone(),
                functions: fns.clone(),
            },
            Contents::Build(chosen) => {
                let path = out.join(file);
                let sha256 = zipper::write_zip(&chosen, &path)?;
                // A function of a requirements `module` is deployed from its moved zip.
                let moved = match &requirements {
                    Some(r) => r.move_module_up(fns, &chosen, &out)?,
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

    let at = input.timestamp.unwrap_or_else(SystemTime::now);
    let dir_name = artifact_directory_name(&service, at);
    let fn_artifacts: Vec<FunctionArtifact> = service
        .functions
        .iter()
        .map(|f| {
            let a = artifacts
                .iter()
                .find(|a| a.functions.contains(&f.key))
                .expect("every function was given an artifact above");
            FunctionArtifact {
                file_name: a.file_name.clone(),
                sha256: a.sha256.clone(),
            }
        })
        .collect();
    let create_template = compile::core_template(&service);
    let mut update_template =
        compile::update_template(&service, input.config, &dir_name, &fn_artifacts)?;
    let mut state = service_state(
        input.config,
        &service,
        &create_template,
        &update_template,
        &dir_name,
        &artifacts,
    );
    // serverless-python-requirements' layer: its zip, resources, outputs and state entry.
    if let Some(r) = &requirements {
        r.finish(
            &service,
            &mut update_template,
            &mut state,
            &dir_name,
            &mut artifacts,
            &out,
        )?;
    }

    if !service.uses_custom_bucket() {
        write_json(&out.join(naming::CREATE_TEMPLATE_FILE), &create_template)?;
    }
    write_json(&out.join(naming::UPDATE_TEMPLATE_FILE), &update_template)?;
    write_json(&out.join(naming::STATE_FILE), &state)?;
    Ok(PackageResult {
        service,
        out_dir: out,
        artifact_directory_name: dir_name,
        artifacts,
        create_template,
        update_template,
        state,
        notices,
    })
}

fn base_name(p: &str) -> String {
    p.rsplit(['/', '\\']).next().unwrap_or(p).to_string()
}

/// v3 empties `.serverless/` first; we remove only what we write, so a custom `--package`
/// folder never loses unrelated files.
fn clean_out_dir(out: &Path) -> Result<()> {
    let entries = std::fs::read_dir(out).map_err(|e| DeployError::io("could not read", out, e))?;
    for e in entries.flatten() {
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
