//! `sls package`, `sls deploy`, `sls deploy function`, `sls info`, `sls remove`:
//! the CLI side of sls-deploy (credentials, SDK configuration, progress, output). Each AWS
//! command runs its v3 lifecycle (`sls_lifecycle`); sls's steps here are its participants,
//! and `sls package`'s own lifecycle runs inside (sls-package).

use std::path::PathBuf;

use sls_deploy::{
    AwsAnswers, AwsOptions, DeployOutcome, FunctionOutcome, PackageInput, PackageResult,
    RemoveOutcome, ServiceInfo,
};

use serde_json::Value;
use sls_lifecycle::{self as lifecycle, HookPoint, Participant, When};
use sls_plugins::{HostState, PluginHost};

use crate::cli::{
    DeployArgs, DeployFunctionArgs, InfoArgs, PackageArgs, RemoveArgs, ServiceOptions,
};
use crate::error::{from_error, hinted, CliError, CliResult};
use crate::host::Host;
use crate::plugins::{self, from_plugin, Plugins, WithPlugins};
use crate::progress::Progress;
use crate::service::{self, CommandOptions, Loaded};

/// A service loaded and resolved, with live AWS configuration.
pub(super) struct Session {
    pub(super) loaded: Loaded,
    pub(super) service: sls_config::Service,
    pub(super) sdk: aws_config::SdkConfig,
    pub(super) runtime: tokio::runtime::Runtime,
    pub(super) options: AwsOptions,
}

/// The lifecycle command (`deploy`, `deploy function`, `info`, `remove`) and the plugins the
/// user asked to skip.
pub(super) struct PluginUse<'a> {
    pub(super) command: &'a str,
    pub(super) ignore: &'a [String],
}

/// The service loaded and resolved with live AWS, and the plugin host when a plugin needs it
/// (its AWS calls use the same credentials as the deploy).
pub(super) fn session(
    host: &Host,
    opts: &ServiceOptions,
    config: Option<&std::path::Path>,
    command: CommandOptions,
    force: bool,
    plugin_use: PluginUse<'_>,
) -> CliResult<(Session, Option<PluginHost>)> {
    let loaded = service::load(host, opts, config, command, true)?;
    let crate::aws::Aws { sdk, runtime, .. } = crate::aws::Aws::connect(host, &loaded)?;
    // AWS variables are answered with the same credentials the deploy uses.
    let aws_vars = crate::aws_vars::for_sdk(host, &loaded, &sdk, runtime.handle().clone());
    let lists_plugins = loaded.lists_plugins();
    let keys = if lists_plugins {
        Some(
            runtime
                .block_on(sls_aws::config_keys(&sdk))
                .map_err(|e| crate::error::hinted(&e))?,
        )
    } else {
        None
    };
    let (service, plugins) = plugins::resolve_and_start(
        host,
        &loaded,
        &aws_vars,
        plugin_use.command,
        plugin_use.ignore,
        keys.as_ref(),
    )?;
    let options = AwsOptions {
        s3_path_style: sls_aws::uses_local_endpoint(&host.env, "S3"),
        force,
        ..AwsOptions::default()
    };
    let s = Session {
        loaded,
        service,
        sdk,
        runtime,
        options,
    };
    Ok((s, plugins))
}

fn package_service(
    host: &Host,
    loaded: &Loaded,
    service: &sls_config::Service,
    out: Option<PathBuf>,
    plugins: Option<&mut PluginHost>,
    answers: AwsAnswers,
) -> CliResult<PackageResult> {
    crate::policy::show_warnings(service);
    let service_dir = loaded.service_dir(host);
    let out_dir = match out {
        Some(p) if p.is_absolute() => p,
        Some(p) => host.cwd.join(p),
        None => service_dir.join(".serverless"),
    };
    let file_name = loaded
        .file
        .as_ref()
        .and_then(|f| f.path.file_name())
        .and_then(|n| n.to_str())
        .map(str::to_string);
    // The built-in plugin equivalents run pip, node, tsc and npm with the environment snapshot
    // (without AWS credentials); the library reads no environment.
    let python = sls_deploy::BuildHost::from_env(&host.env);
    let pkg = sls_deploy::package_with_deployed(
        &PackageInput {
            service_dir: &service_dir,
            config: &service.config,
            stage: &service.stage,
            region: &service.region,
            out_dir: &out_dir,
            config_file_name: file_name.as_deref(),
            timestamp: None,
        },
        &python,
        plugins,
        answers,
    )
    .map_err(|e| hinted(&e))?;
    for n in &pkg.notices {
        eprintln!("{n}");
    }
    Ok(pkg)
}

/// Whether the service has top-level `layers`: v3 then asks CloudFormation for the deployed
/// stack while packaging (`compareWithLastLayer`).
fn has_layers(service: &sls_config::Service) -> bool {
    service
        .config
        .get("layers")
        .and_then(Value::as_object)
        .is_some_and(|l| !l.is_empty())
}

/// The typed model of the resolved service.
fn model(service: &sls_config::Service) -> CliResult<sls_deploy::Service> {
    sls_deploy::Service::from_config(&service.config, &service.stage, &service.region)
        .map_err(|e| hinted(&sls_deploy::DeployError::from(e)))
}

/// What v3 asks AWS (and docker) while packaging, asked before sls packages: the deployed
/// stack's outputs for a service with `layers` (when `stack` is set: `deploy function` packages
/// no layer), and the container images' digests (tags looked up in ECR, images built with
/// docker and pushed).
fn aws_answers(
    host: &Host,
    loaded: &Loaded,
    sdk: &aws_config::SdkConfig,
    runtime: &tokio::runtime::Runtime,
    options: &AwsOptions,
    service: &sls_config::Service,
    stack: bool,
) -> CliResult<AwsAnswers> {
    let svc = model(service)?;
    let requests = sls_deploy::image_requests(&svc);
    if !(stack && has_layers(service)) && requests.is_empty() {
        return Ok(AwsAnswers::default());
    }
    let stack_outputs = if stack && has_layers(service) {
        runtime
            .block_on(sls_deploy::stack_outputs(sdk, options, &svc.stack_name))
            .map_err(|e| hinted(&e))?
    } else {
        None
    };
    let images = if requests.is_empty() {
        Default::default()
    } else {
        let service_dir = loaded.service_dir(host);
        let repository = sls_deploy::ecr_repository_name(&svc.name, &svc.stage);
        let docker = sls_deploy::DockerCli {
            host: sls_deploy::BuildHost::from_env(&host.env),
            service_dir: service_dir.clone(),
        };
        let site = sls_deploy::ImageSite {
            service_dir: &service_dir,
            repository: &repository,
        };
        let progress = Progress::new(host.stderr_is_terminal);
        let images = runtime.block_on(sls_deploy::resolve_images(
            sdk,
            options,
            &requests,
            &site,
            &docker,
            &|e| progress.event(e),
        ));
        progress.finish();
        images.map_err(|e| hinted(&e))?
    };
    Ok(AwsAnswers {
        stack_outputs,
        images,
    })
}

pub fn package(args: &PackageArgs, host: &Host) -> CliResult {
    // Packaging needs AWS access only for AWS variables (ssm, cf, s3, aws:accountId).
    let command =
        CommandOptions::default().text("package", args.package.as_ref().map(|p| p.display()));
    let loaded = service::load(
        host,
        &args.service,
        args.config.config.as_deref(),
        command,
        true,
    )?;
    // Packaging needs AWS only for AWS variables (ssm, cf, s3, aws:accountId).
    let aws_vars = crate::aws_vars::LazyAwsSource::new(host, &loaded);
    let (service, mut plugins) = plugins::resolve_and_start(
        host,
        &loaded,
        &aws_vars,
        "package",
        &args.ignore_plugins,
        loaded
            .lists_plugins()
            .then(|| crate::aws::static_keys(host, &loaded))
            .flatten()
            .as_ref(),
    )?;
    // v3 asks CloudFormation for the deployed stack while packaging `layers`, and ECR (and
    // docker) for container images.
    let answers =
        if has_layers(&service) || !sls_deploy::image_requests(&model(&service)?).is_empty() {
            let aws = crate::aws::Aws::connect(host, &loaded)?;
            let options = AwsOptions {
                s3_path_style: sls_aws::uses_local_endpoint(&host.env, "S3"),
                ..AwsOptions::default()
            };
            aws_answers(
                host,
                &loaded,
                &aws.sdk,
                &aws.runtime,
                &options,
                &service,
                true,
            )?
        } else {
            AwsAnswers::default()
        };
    let pkg = package_service(
        host,
        &loaded,
        &service,
        args.package.clone(),
        plugins.as_mut(),
        answers,
    );
    let pkg = crate::plugins::with_error_hooks(plugins.as_mut(), pkg)?;
    if let Some(p) = plugins.as_mut() {
        p.finalize().map_err(from_plugin)?;
    }
    eprintln!(
        "✔ Service packaged ({} artifact{}) in {}",
        pkg.artifacts.len(),
        if pkg.artifacts.len() == 1 { "" } else { "s" },
        pkg.out_dir.display()
    );
    Ok(())
}

/// A day-two AWS command (`invoke`, `logs`, `metrics`): the session with its plugins, then the
/// command's lifecycle with sls's `step` and the plugins.
pub(super) fn run_aws_command<'h>(
    host: &'h Host,
    opts: &ServiceOptions,
    config: Option<&std::path::Path>,
    command: CommandOptions,
    lifecycle: &sls_lifecycle::Lifecycle,
    step: &mut dyn Participant<Run<'h>, Error = CliError>,
) -> CliResult {
    let (s, plugins) = session(
        host,
        opts,
        config,
        command,
        false,
        PluginUse {
            command: &lifecycle.command.replace(':', " "),
            ignore: &[],
        },
    )?;
    let mut run = Run::new(host, s, false, plugins);
    let mut hosted = Plugins::new(run.plugins.as_ref());
    run_lifecycle(lifecycle, &mut [step, &mut hosted], &mut run)
}

/// Runs a command's lifecycle (sls's participants, then the plugins: see [`Plugins`]), then
/// v3's `finalize` hooks.
pub(super) fn run_lifecycle<'h>(
    lifecycle: &sls_lifecycle::Lifecycle,
    participants: &mut [&mut dyn Participant<Run<'h>, Error = CliError>],
    run: &mut Run<'h>,
) -> CliResult {
    let result = lifecycle::run(lifecycle, participants, run);
    crate::plugins::with_error_hooks(run.plugins.as_mut(), result)?;
    if let Some(p) = run.plugins.as_mut() {
        p.finalize().map_err(from_plugin)?;
        print_output_sections(p);
    }
    Ok(())
}

/// `serverless.addServiceOutputSection`: v3 prints them after the service information.
fn print_output_sections(p: &PluginHost) {
    for (section, content) in &p.output_sections {
        let lines: Vec<String> = match content {
            Value::Array(items) => items
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| v.to_string())
                })
                .collect(),
            Value::String(s) => s.lines().map(str::to_string).collect(),
            other => vec![other.to_string()],
        };
        println!("{section}:");
        for l in lines {
            println!("  {l}");
        }
    }
}

pub fn deploy(args: &DeployArgs, host: &Host) -> CliResult {
    let command = CommandOptions::default().flag("force", args.force);
    let (s, plugins) = session(
        host,
        &args.service,
        args.config.config.as_deref(),
        command,
        args.force,
        PluginUse {
            command: "deploy",
            ignore: &args.ignore_plugins,
        },
    )?;
    eprintln!(
        "Deploying {} to stage {} ({})",
        s.service
            .config
            .get("service")
            .and_then(|v| v.as_str())
            .unwrap_or("service"),
        s.service.stage,
        s.service.region
    );
    let mut run = Run::new(host, s, args.service.verbose, plugins);
    run_lifecycle(
        &lifecycle::DEPLOY,
        &mut [
            &mut PackageService,
            &mut AwsDeploy::default(),
            &mut PrintInfo,
            &mut Plugins::new(run.plugins.as_ref()),
        ],
        &mut run,
    )
}

/// What an AWS command holds while its lifecycle runs: what every participant sees.
pub(super) struct Run<'h> {
    pub(super) host: &'h Host,
    pub(super) s: Session,
    pub(super) verbose: bool,
    /// From `sls package`'s lifecycle (deploy, deploy function).
    pkg: Option<PackageResult>,
    /// What `aws:info` shows.
    info: Option<ServiceInfo>,
    /// The JavaScript plugin host, when the service has plugins it runs.
    pub(super) plugins: Option<PluginHost>,
}

impl<'h> Run<'h> {
    pub(super) fn new(
        host: &'h Host,
        s: Session,
        verbose: bool,
        plugins: Option<PluginHost>,
    ) -> Self {
        Run {
            host,
            s,
            verbose,
            pkg: None,
            info: None,
            plugins,
        }
    }

    /// The service as the AWS operations take it.
    pub(super) fn service(&self) -> CliResult<sls_deploy::Service> {
        let c = &self.s.service;
        sls_deploy::Service::from_config(&c.config, &c.stage, &c.region).map_err(|e| from_error(&e))
    }

    /// The deployed name of the function `key` of serverless.yml; v3's error for another key.
    pub(super) fn function_name(&self, key: &str) -> CliResult<String> {
        let svc = self.service()?;
        svc.functions
            .iter()
            .find(|f| f.key == key)
            .map(|f| f.name.clone())
            .ok_or_else(|| {
                let known: Vec<&str> = svc.functions.iter().map(|f| f.key.as_str()).collect();
                CliError::new(format!("Function \"{key}\" doesn't exist in this Service"))
                    .with_hint(if known.is_empty() {
                        "The service defines no functions.".to_string()
                    } else {
                        format!("Its functions: {}.", known.join(", "))
                    })
            })
    }

    fn packaged(&self) -> &PackageResult {
        self.pkg
            .as_ref()
            .expect("the package lifecycle ran at an earlier hook point")
    }
}

impl HostState for Run<'_> {
    fn config(&self) -> &Value {
        &self.s.service.config
    }
    fn set_config(&mut self, config: Value) -> Result<(), String> {
        self.s.service.config = config;
        Ok(())
    }
    fn templates(&self) -> Option<(&Value, &Value)> {
        self.pkg
            .as_ref()
            .map(|p| (&p.update_template, &p.create_template))
    }
    fn templates_mut(&mut self) -> Option<(&mut Value, &mut Value)> {
        self.pkg
            .as_mut()
            .map(|p| (&mut p.update_template, &mut p.create_template))
    }
}

impl WithPlugins for Run<'_> {
    fn plugins(&mut self) -> &mut Option<PluginHost> {
        &mut self.plugins
    }
}

pub(super) type Hooks = &'static [HookPoint];

/// v3's Deploy plugin: runs `sls package`'s whole lifecycle before deploying (and for
/// `deploy function`, where v3 packages the one function, sls packages the service).
struct PackageService;

impl<'h> Participant<Run<'h>> for PackageService {
    type Error = CliError;
    fn name(&self) -> &'static str {
        "sls:package"
    }
    fn hooks(&self) -> Hooks {
        const HOOKS: Hooks = &[
            HookPoint::before("deploy:deploy"),
            HookPoint::at("deploy:function:packageFunction"),
        ];
        HOOKS
    }
    fn run(&mut self, point: HookPoint, run: &mut Run<'h>) -> CliResult {
        // `deploy function` packages no layer in v3, so it does not ask for the stack.
        let s = &run.s;
        let stack = point.event == "deploy:deploy";
        let answers = aws_answers(
            run.host, &s.loaded, &s.sdk, &s.runtime, &s.options, &s.service, stack,
        )?;
        let mut plugins = run.plugins.take();
        let pkg = package_service(
            run.host,
            &run.s.loaded,
            &run.s.service,
            None,
            plugins.as_mut(),
            answers,
        );
        run.plugins = plugins;
        let pkg = pkg?;
        // What the plugins changed while packaging is what the AWS steps deploy.
        run.s.service.config = pkg.config.clone();
        run.pkg = Some(pkg);
        Ok(())
    }
}

/// sls's deploy, one step at each of v3's `aws:deploy:deploy` events (create the stack,
/// check for changes, upload, update), so plugins hooked between them see what v3 shows.
#[derive(Default)]
struct AwsDeploy {
    steps: Option<sls_deploy::StackDeploy>,
    started: Option<std::time::Instant>,
}

impl<'h> Participant<Run<'h>> for AwsDeploy {
    type Error = CliError;
    fn name(&self) -> &'static str {
        "sls:aws-deploy"
    }
    fn hooks(&self) -> Hooks {
        const HOOKS: Hooks = &[
            HookPoint::at("aws:deploy:deploy:createStack"),
            HookPoint::at("aws:deploy:deploy:checkForChanges"),
            HookPoint::at("aws:deploy:deploy:uploadArtifacts"),
            HookPoint::at("aws:deploy:deploy:updateStack"),
        ];
        HOOKS
    }
    fn run(&mut self, point: HookPoint, run: &mut Run<'h>) -> CliResult {
        let (s, pkg) = (&run.s, run.packaged());
        let started = *self.started.get_or_insert_with(std::time::Instant::now);
        let progress = Progress::new(run.host.stderr_is_terminal);
        let on_event = |e| progress.event(e);
        let opts = &s.options;
        let step = async {
            match point.event {
                "aws:deploy:deploy:createStack" => {
                    let d =
                        sls_deploy::StackDeploy::create_stack(&s.sdk, pkg, opts, &on_event).await?;
                    self.steps = Some(d);
                    Ok(None)
                }
                "aws:deploy:deploy:checkForChanges" => {
                    let d = self.steps.as_mut().ok_or_else(out_of_order)?;
                    d.check_for_changes(pkg, opts, &on_event)
                        .await
                        .map(|_| None)
                }
                "aws:deploy:deploy:uploadArtifacts" => {
                    let d = self.steps.as_mut().ok_or_else(out_of_order)?;
                    d.upload_artifacts(pkg, &on_event).await.map(|_| None)
                }
                _ => {
                    let d = self.steps.take().ok_or_else(out_of_order)?;
                    d.update_stack(pkg, opts, &on_event).await.map(Some)
                }
            }
        };
        // `biased`: the signal listener is in place before the step's first request.
        let outcome = s.runtime.block_on(async {
            tokio::select! {
                biased;
                _ = interrupted() => None,
                r = step => Some(r),
            }
        });
        progress.finish();
        let Some(outcome) = outcome else {
            return Err(stopped_waiting(s, &pkg.service));
        };
        let info = match outcome.map_err(|e| hinted(&e))? {
            None => return Ok(()),
            Some(DeployOutcome::Deployed { info }) => {
                eprintln!(
                    "✔ Service deployed to stack {} ({}s)",
                    info.stack,
                    started.elapsed().as_secs()
                );
                info
            }
            Some(DeployOutcome::Skipped { info }) => {
                eprintln!(
                    "No changes to deploy. Deployment skipped. (use --force to deploy anyway)"
                );
                info
            }
        };
        run.info = Some(info);
        Ok(())
    }
}

/// The lifecycle runs `createStack` before the other steps; this is never reached.
fn out_of_order() -> sls_deploy::DeployError {
    sls_deploy::DeployError::config(
        "aws:deploy:deploy",
        "the deploy's steps ran out of order (createStack must come first); this is a bug in sls",
    )
}

/// v3's AwsInfo `gatherData` for `sls info` (a deploy already has what it shows).
struct GatherInfo;

impl<'h> Participant<Run<'h>> for GatherInfo {
    type Error = CliError;
    fn name(&self) -> &'static str {
        "sls:info"
    }
    fn hooks(&self) -> Hooks {
        const HOOKS: Hooks = &[HookPoint::at("aws:info:gatherData")];
        HOOKS
    }
    fn run(&mut self, _: HookPoint, run: &mut Run<'h>) -> CliResult {
        let svc = run.service()?;
        let s = &run.s;
        let info = s
            .runtime
            .block_on(sls_deploy::info(&s.sdk, &svc, &s.options))
            .map_err(|e| hinted(&e))?;
        run.info = Some(info);
        Ok(())
    }
}

/// v3's AwsInfo display: sls prints every section (service, endpoints, functions, outputs)
/// at `displayServiceInfo`.
struct PrintInfo;

impl<'h> Participant<Run<'h>> for PrintInfo {
    type Error = CliError;
    fn name(&self) -> &'static str {
        "sls:info-display"
    }
    fn hooks(&self) -> Hooks {
        const HOOKS: Hooks = &[HookPoint::at("aws:info:displayServiceInfo")];
        HOOKS
    }
    fn run(&mut self, _: HookPoint, run: &mut Run<'h>) -> CliResult {
        if let Some(info) = &run.info {
            let layers = layer_arns(&run.s.service.config, info);
            print_info(info, &layers, run.verbose);
        }
        Ok(())
    }
}

/// Resolves at the first Ctrl-C or SIGTERM.
pub(super) async fn interrupted() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// After the first Ctrl-C or SIGTERM: sls stops waiting (the deploy future is dropped, which
/// is safe), says that CloudFormation carries on, with the stack's current status (one
/// DescribeStacks, a few seconds at most) and how to follow it, and exits 130. A second
/// signal exits at once.
fn stopped_waiting(s: &Session, service: &sls_deploy::Service) -> CliError {
    s.runtime.spawn(async {
        interrupted().await;
        std::process::exit(EXIT_INTERRUPTED);
    });
    eprintln!("\nInterrupted: sls stopped waiting. CloudFormation continues any operation it has started on its own.");
    let status = s.runtime.block_on(async {
        tokio::time::timeout(
            std::time::Duration::from_secs(5),
            sls_deploy::info(&s.sdk, service, &s.options),
        )
        .await
    });
    let status = match status {
        Ok(Ok(info)) => info.stack_status,
        Ok(Err(sls_deploy::DeployError::NotDeployed { .. })) => "not created".to_string(),
        _ => "unknown (could not be read)".to_string(),
    };
    let mut follow = format!(
        "sls info --stage {} --region {}",
        service.stage, service.region
    );
    if let Some(config) = &s.loaded.file {
        if let Some(name) = config.path.file_name().and_then(|n| n.to_str()) {
            if !name.starts_with("serverless.") {
                follow.push_str(&format!(" --config {name}"));
            }
        }
    }
    CliError {
        message: format!(
            "Deployment interrupted. Stack {}: {status}.",
            service.stack_name
        ),
        hint: Some(format!(
            "Follow it with `{follow}`; run `sls deploy` again once it has finished."
        )),
        exit_code: EXIT_INTERRUPTED,
    }
}

/// Exit code after Ctrl-C / SIGTERM (128 + SIGINT), as shells report it.
const EXIT_INTERRUPTED: i32 = 130;

pub fn deploy_function(args: &DeployFunctionArgs, host: &Host) -> CliResult {
    let command = CommandOptions::default()
        .text("function", Some(&args.function))
        .flag("update-config", args.update_config)
        .flag("force", args.force);
    let (s, plugins) = session(
        host,
        &args.service,
        args.config.config.as_deref(),
        command,
        args.force,
        PluginUse {
            command: "deploy function",
            ignore: &args.ignore_plugins,
        },
    )?;
    let mut run = Run::new(host, s, false, plugins);
    let mut deploy = DeployFunction {
        function: args.function.clone(),
        update_config: args.update_config,
    };
    run_lifecycle(
        &lifecycle::DEPLOY_FUNCTION,
        &mut [
            &mut PackageService,
            &mut deploy,
            &mut Plugins::new(run.plugins.as_ref()),
        ],
        &mut run,
    )
}

/// sls's `deploy function`: the function's code (and configuration) straight through Lambda.
struct DeployFunction {
    function: String,
    update_config: bool,
}

impl<'h> Participant<Run<'h>> for DeployFunction {
    type Error = CliError;
    fn name(&self) -> &'static str {
        "sls:deploy-function"
    }
    fn hooks(&self) -> Hooks {
        const HOOKS: Hooks = &[HookPoint::at("deploy:function:deploy")];
        HOOKS
    }
    fn run(&mut self, _: HookPoint, run: &mut Run<'h>) -> CliResult {
        let (s, pkg) = (&run.s, run.packaged());
        let progress = Progress::new(run.host.stderr_is_terminal);
        let outcome = s.runtime.block_on(sls_deploy::deploy_function(
            &s.sdk,
            pkg,
            &self.function,
            self.update_config,
            &s.options,
            &|e| progress.event(e),
        ));
        progress.finish();
        match outcome.map_err(|e| hinted(&e))? {
            FunctionOutcome::Updated { name, .. } => {
                eprintln!("✔ Function code deployed ({name})")
            }
            FunctionOutcome::CodeUnchanged { name, .. } => {
                eprintln!("Code of function {name} did not change. Skipping function deployment.")
            }
        }
        Ok(())
    }
}

pub fn info(args: &InfoArgs, host: &Host) -> CliResult {
    let (s, plugins) = session(
        host,
        &args.service,
        args.config.config.as_deref(),
        CommandOptions::default(),
        false,
        PluginUse {
            command: "info",
            ignore: &[],
        },
    )?;
    let mut run = Run::new(host, s, args.service.verbose, plugins);
    run_lifecycle(
        &lifecycle::INFO,
        &mut [
            &mut GatherInfo,
            &mut PrintInfo,
            &mut Plugins::new(run.plugins.as_ref()),
        ],
        &mut run,
    )
}

pub fn remove(args: &RemoveArgs, host: &Host) -> CliResult {
    let (s, plugins) = session(
        host,
        &args.service,
        args.config.config.as_deref(),
        CommandOptions::default(),
        false,
        PluginUse {
            command: "remove",
            ignore: &[],
        },
    )?;
    let mut run = Run::new(host, s, false, plugins);
    run_lifecycle(
        &lifecycle::REMOVE,
        &mut [&mut Remove, &mut Plugins::new(run.plugins.as_ref())],
        &mut run,
    )
}

/// sls's remove: empty the deployment bucket, delete the stack.
struct Remove;

impl<'h> Participant<Run<'h>> for Remove {
    type Error = CliError;
    fn name(&self) -> &'static str {
        "sls:remove"
    }
    fn hooks(&self) -> Hooks {
        const HOOKS: Hooks = &[
            HookPoint::before("remove:remove"),
            HookPoint::at("remove:remove"),
        ];
        HOOKS
    }
    fn run(&mut self, point: HookPoint, run: &mut Run<'h>) -> CliResult {
        let svc = run.service()?;
        if point.when == When::Before {
            // v3's cloudFront plugin: the retained Lambda@Edge functions outlive the stack.
            let edge = svc.functions.iter().any(|f| {
                f.events
                    .iter()
                    .any(|e| matches!(e.kind, sls_config::model::EventKind::CloudFront(Some(_))))
            });
            if edge {
                eprintln!("Warning: Don't forget to manually remove your Lambda@Edge functions once the CloudFront distribution removal is successfully propagated!");
            }
            return Ok(());
        }
        let s = &run.s;
        let progress = Progress::new(run.host.stderr_is_terminal);
        let outcome = s
            .runtime
            .block_on(sls_deploy::remove(&s.sdk, &svc, &s.options, &|e| {
                progress.event(e)
            }));
        progress.finish();
        match outcome.map_err(|e| hinted(&e))? {
            RemoveOutcome::Removed {
                stack,
                objects_deleted,
            } => {
                eprintln!(
                    "✔ Service removed: stack {stack} deleted, {objects_deleted} deployment object(s) removed"
                );
                remove_ecr_repository(s, &svc)?;
            }
            RemoveOutcome::NotFound { stack } => eprintln!(
                "Stack {stack} does not exist in {}: nothing to remove.",
                s.service.region
            ),
        }
        Ok(())
    }
}

/// v3's last step of `remove:remove`: the ECR repository of the images sls built for the
/// service, with its images.
fn remove_ecr_repository(s: &Session, svc: &sls_deploy::Service) -> CliResult {
    let name = sls_deploy::ecr_repository_name(&svc.name, &svc.stage);
    let removal = s
        .runtime
        .block_on(sls_deploy::remove_repository(&s.sdk, &s.options, &name))
        .map_err(|e| hinted(&e))?;
    match removal {
        sls_deploy::RepositoryRemoval::Removed => {
            eprintln!("✔ ECR repository {name} removed (with its images)")
        }
        sls_deploy::RepositoryRemoval::Denied
            if !s.service.config["provider"]["ecr"]["images"].is_null() =>
        {
            eprintln!("Warning: Could not access ECR repository due to denied access, but there are images defined in \"provider.ecr\". ECR repository removal will be skipped.")
        }
        _ => {}
    }
    Ok(())
}

/// `sls info` output, in v3's layout.
/// v3 `getStackInfo`: each top-level layer with the ARN of its `…QualifiedArn` output
/// (`undefined` when the stack has none, as v3 prints it).
fn layer_arns(config: &Value, info: &ServiceInfo) -> Vec<(String, String)> {
    let Some(layers) = config.get("layers").and_then(Value::as_object) else {
        return Vec::new();
    };
    layers
        .keys()
        .map(|key| {
            let id = sls_deploy::naming::lambda_layer_output_logical_id(key);
            let arn = info
                .outputs
                .iter()
                .find(|(k, _, _)| *k == id)
                .map(|(_, v, _)| v.clone())
                .unwrap_or_else(|| "undefined".into());
            (key.clone(), arn)
        })
        .collect()
}

fn print_info(info: &ServiceInfo, layers: &[(String, String)], verbose: bool) {
    let mut out = format!(
        "service: {}\nstage: {}\nregion: {}\nstack: {}\n",
        info.service, info.stage, info.region, info.stack
    );
    // v3: one endpoint on the line, several as a list.
    match info.endpoints.as_slice() {
        [] => {}
        [one] => out.push_str(&format!("endpoint: {one}\n")),
        many => {
            out.push_str("endpoints:\n");
            for e in many {
                out.push_str(&format!("  {e}\n"));
            }
        }
    }
    if info.functions.is_empty() {
        out.push_str("functions: none\n");
    } else {
        out.push_str("functions:\n");
        for (key, name) in &info.functions {
            out.push_str(&format!("  {key}: {name}\n"));
        }
    }
    if !layers.is_empty() {
        out.push_str("layers:\n");
        for (key, arn) in layers {
            out.push_str(&format!("  {key}: {arn}\n"));
        }
    }
    if verbose && !info.outputs.is_empty() {
        out.push_str("\nStack Outputs:\n");
        for (key, value, _) in &info.outputs {
            out.push_str(&format!("  {key}: {value}\n"));
        }
    }
    print!("{out}");
}
