//! Variables: `${source:address, fallback}` resolution with Serverless v3 semantics, in two
//! phases.
//!
//! Phase 1 ([`resolve_phase1`]) follows v3's own sequence of passes: first the properties v3
//! needs early (`provider.stage`, with `self`, `file`, `strToBool`, `opt`, `env`, `sls:stage`),
//! then everything with those sources, then with `opt`, `sls:instanceId` and `param` too.
//! After it, `provider.stage`, `provider.region` and `provider.profile` must be known (as v3
//! requires before it talks to AWS). Phase 2 ([`resolve_service`]) continues from the state
//! phase 1 left in its [`Phase1`] and adds the sources that need
//! AWS (`ssm`, `cf`, `s3`, `aws:accountId`) through an [`ExternalSource`], reports unknown
//! sources, and normalises the result as `serverless print` shows it.

pub mod parse;
mod resolve;

use std::path::PathBuf;

use serde_json::{Map, Value};

use crate::error::ConfigError;
use crate::files::ServiceFile;
use crate::jsval::{coerce_string, is_truthy};
use crate::{CliOptions, Context};
use resolve::{Resolver, SourceSet, State};

/// Why an external source could not answer: what happened, and apart from it what to do (an
/// AWS error's hint: which permission, which profile, `sls sso login`, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceError {
    pub message: String,
    pub hint: Option<String>,
}

/// One paragraph, as it reads in a log: what happened, then what to do.
impl std::fmt::Display for SourceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)?;
        match &self.hint {
            Some(h) if self.message.ends_with(['.', '!', '?']) => write!(f, " {h}"),
            Some(h) => write!(f, ". {h}"),
            None => Ok(()),
        }
    }
}

impl From<String> for SourceError {
    fn from(message: String) -> Self {
        SourceError {
            message,
            hint: None,
        }
    }
}

impl From<&str> for SourceError {
    fn from(message: &str) -> Self {
        SourceError::from(message.to_string())
    }
}

/// Sources that need AWS, resolved by the caller (the AWS crate implements this).
///
/// `source` is `ssm`, `cf`, `s3` or `aws` (for `aws:accountId`); `address` is the part after
/// the colon; `params` are the parenthesised arguments (`ssm(eu-west-1, raw):/x` gives
/// `["eu-west-1", "raw"]`). Return `Ok(None)` when the value does not exist (so a fallback
/// applies), `Err` for a failure (shown as `Cannot resolve variable at "…": message`, with its
/// hint apart, as every error's).
pub trait ExternalSource {
    fn resolve(
        &self,
        source: &str,
        address: &str,
        params: &[String],
    ) -> Result<Option<Value>, SourceError>;

    /// Called once before phase 2 with every AWS variable whose address and
    /// parameters are known without AWS, so the implementation can fetch them
    /// concurrently (v3 resolves them in parallel) and answer `resolve` from
    /// its cache. Variables whose address needs another AWS value are asked
    /// for later through `resolve` only. The default fetches nothing.
    fn prefetch(&self, _requests: &[ExternalRequest]) {}
}

/// One AWS variable to answer: `${ssm(eu-west-1):/path}` is source `ssm`,
/// address `/path`, params `["eu-west-1"]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ExternalRequest {
    pub source: String,
    pub address: String,
    pub params: Vec<String>,
}

/// Records the requests of a dry pass (answering none of them), for
/// [`ExternalSource::prefetch`].
#[derive(Default)]
struct Recorder {
    requests: std::cell::RefCell<Vec<ExternalRequest>>,
}

impl ExternalSource for Recorder {
    fn resolve(
        &self,
        source: &str,
        address: &str,
        params: &[String],
    ) -> Result<Option<Value>, SourceError> {
        let request = ExternalRequest {
            source: source.into(),
            address: address.into(),
            params: params.to_vec(),
        };
        let mut requests = self.requests.borrow_mut();
        if !requests.contains(&request) {
            requests.push(request);
        }
        // An error (not a missing value) so no fallback is followed in the dry pass.
        Err("not fetched yet".into())
    }
}

/// What phase 1 decided: stage, region and profile, and the configuration as
/// phase 1 left it, from which [`resolve_service`] continues (phase 1 runs once).
///
/// Without a service file, [`Phase1::without_file`] gives the command-line
/// decisions and defaults.
#[derive(Debug, Clone)]
pub struct Phase1 {
    /// `--stage`, else `provider.stage`, else `dev`.
    pub stage: String,
    /// `--region`, else `provider.region`, else `us-east-1`.
    pub region: String,
    /// Resolved `provider.profile`, if set.
    pub profile: Option<String>,
    /// `provider.profile` as written when it holds variables (e.g.
    /// `${self:custom.profiles.${sls:stage}}`); `None` when literal or absent.
    pub profile_expression: Option<String>,
    /// The partly resolved configuration of the file phase 1 read (`None`
    /// without a file: [`resolve_service`] then runs phase 1 itself).
    resolved: Option<Box<State>>,
}

impl Phase1 {
    /// Stage and region when there is no service file: `--stage`, else
    /// `dev`; `--region`, else `us-east-1`; no profile.
    pub fn without_file(options: &CliOptions) -> Phase1 {
        let given = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
        Phase1 {
            stage: given(&options.stage).unwrap_or_else(|| "dev".into()),
            region: given(&options.region).unwrap_or_else(|| "us-east-1".into()),
            profile: None,
            profile_expression: None,
            resolved: None,
        }
    }

    /// The Serverless Dashboard keys the file sets (`org`, `app`, as resolved in phase 1):
    /// v3 would log in to the Dashboard and instrument the handlers; sls does neither.
    pub fn dashboard_keys(&self) -> Vec<&'static str> {
        let Some(st) = &self.resolved else {
            return Vec::new();
        };
        ["org", "app"]
            .into_iter()
            .filter(|k| st.config.get(*k).is_some_and(is_truthy))
            .collect()
    }
}

/// The resolved service.
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    pub path: PathBuf,
    pub stage: String,
    pub region: String,
    /// Resolved and normalised configuration (what `sls print` prints).
    pub config: Value,
    /// Warnings v3 shows for this configuration (schema validation with
    /// `configValidationMode: warn`, an invalid `frameworkVersion` range), without v3's
    /// `Warning: ` prefix; show each on stderr.
    pub warnings: Vec<String>,
    /// With [`PluginSources::Leave`]: the unknown sources whose variables were left as
    /// written, for the plugins to define.
    pub pending_sources: Vec<String>,
}

/// v3 hands `opt:` the options of the command schema, `null` when not given. These names are
/// the ones `print` (and every service command) knows.
const KNOWN_OPTIONS: &[&str] = &[
    "region",
    "stage",
    "aws-profile",
    "app",
    "org",
    "use-local-credentials",
    "config",
    "param",
    "help",
    "version",
    "verbose",
    "debug",
];

fn options_map(o: &CliOptions) -> Map<String, Value> {
    let mut m = Map::new();
    for (k, v) in &o.other {
        m.insert(k.clone(), v.clone());
    }
    for k in KNOWN_OPTIONS {
        m.entry(k.to_string()).or_insert(Value::Null);
    }
    let s = |v: &Option<String>| v.clone().map_or(Value::Null, Value::String);
    m.insert("stage".into(), s(&o.stage));
    m.insert("region".into(), s(&o.region));
    m.insert("aws-profile".into(), s(&o.aws_profile));
    if !o.params.is_empty() {
        m.insert(
            "param".into(),
            Value::Array(
                o.params
                    .iter()
                    .map(|(k, v)| Value::String(format!("{k}={v}")))
                    .collect(),
            ),
        );
    }
    m
}

fn set(names: &[&str]) -> std::collections::HashSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

struct Run<'a> {
    file: &'a ServiceFile,
    ctx: &'a Context<'a>,
    options: Map<String, Value>,
}

impl Run<'_> {
    fn pass(
        &self,
        st: &mut State,
        sources: &SourceSet,
        paths: Option<&[&str]>,
        external: Option<&dyn ExternalSource>,
    ) {
        let mut r = Resolver {
            st,
            ctx: self.ctx,
            sources,
            options: &self.options,
            dir: &self.file.dir,
            external,
        };
        r.run(paths);
    }

    fn report(&self, st: &State) -> Result<(), ConfigError> {
        let errors = st.errors();
        if errors.is_empty() {
            return Ok(());
        }
        Err(ConfigError::Variables {
            name: self.file.name.clone(),
            errors,
            hints: st.hints(),
        })
    }

    fn ensure(&self, st: &State, path: &str) -> Result<(), ConfigError> {
        if st.is_resolved(path) {
            return Ok(());
        }
        Err(ConfigError::Inaccessible {
            name: self.file.name.clone(),
            property: path.replace('\0', "."),
        })
    }
}

/// v3 `resolveProviderName`: `provider.name` (or a string `provider`) must be a string.
fn check_provider_name(config: &Value) -> Result<(), ConfigError> {
    let name = match config.get("provider") {
        Some(p @ Value::Object(_)) => p.get("name"),
        other => other,
    };
    match name {
        Some(v) if !v.is_null() && coerce_string(v).is_some() => Ok(()),
        _ => Err(ConfigError::Invalid {
            message: "Invalid service configuration: \"provider.name\" property is missing".into(),
        }),
    }
}

fn core_sources() -> SourceSet {
    SourceSet {
        known: set(&["env", "file", "opt", "self", "strToBool", "sls"]),
        fulfilled: set(&["file", "self", "strToBool"]),
        plugin: std::collections::HashSet::new(),
        instance: false,
    }
}

/// Phase 1: resolve everything that needs no AWS; decide stage, region and profile.
pub fn resolve_phase1(file: &ServiceFile, ctx: &Context) -> Result<Phase1, ConfigError> {
    let run = Run {
        file,
        ctx,
        options: options_map(ctx.options),
    };
    let mut st = State::new(file.raw.clone());
    run.report(&st)?;
    run.ensure(&st, "disabledDeprecations")?;
    run.ensure(&st, "deprecationNotificationMode")?;
    let mut provider_checked = false;
    if st.is_resolved("provider\0name") {
        check_provider_name(&st.config)?;
        provider_checked = true;
    }
    if !st.meta.is_empty() {
        // v3: "resolve variables in core properties".
        let mut sources = core_sources();
        run.pass(
            &mut st,
            &sources,
            Some(&["provider\0name", "provider\0stage", "useDotenv"]),
            None,
        );
        run.report(&st)?;
        if !provider_checked && st.is_resolved("provider\0name") {
            check_provider_name(&st.config)?;
            provider_checked = true;
        }
        // v3: "resolve variables in stage related properties" (env now answers "not found").
        sources.fulfilled.insert("env".into());
        if !st.is_resolved("provider\0stage") || !st.is_resolved("useDotenv") {
            run.pass(
                &mut st,
                &sources,
                Some(&["provider\0stage", "useDotenv"]),
                None,
            );
            run.report(&st)?;
            run.ensure(&st, "provider\0stage")?;
            run.ensure(&st, "useDotenv")?;
        }
        if !st.meta.is_empty() {
            run.ensure(&st, "provider\0name")?;
            if !provider_checked {
                check_provider_name(&st.config)?;
            }
            // v3: "resolve variables in all properties".
            run.pass(&mut st, &sources, None, None);
            run.report(&st)?;
            if !st.meta.is_empty() {
                for p in [
                    "plugins",
                    "package\0path",
                    "frameworkVersion",
                    "app",
                    "org",
                    "dashboard",
                    "service",
                ] {
                    run.ensure(&st, p)?;
                }
                // v3: after the Serverless instance exists: opt, sls:instanceId and param.
                sources.fulfilled.insert("opt".into());
                sources.fulfilled.insert("sls".into());
                sources.instance = true;
                sources.known.insert("param".into());
                sources.fulfilled.insert("param".into());
                run.pass(&mut st, &sources, None, None);
                if !st.meta.is_empty() {
                    run.report(&st)?;
                    for p in [
                        "provider\0credentials",
                        "provider\0deploymentBucket\0serverSideEncryption",
                        "provider\0profile",
                        "provider\0region",
                    ] {
                        run.ensure(&st, p)?;
                    }
                }
            }
        }
    }
    let o = ctx.options;
    let provider = st.config.get("provider");
    let from_provider = |key: &str| -> Option<String> {
        provider
            .and_then(|p| p.get(key))
            .filter(|v| is_truthy(v))
            .and_then(coerce_string)
    };
    let (stage, origin) = match o.stage.as_ref().filter(|s| !s.is_empty()) {
        Some(s) => (s.clone(), "--stage"),
        None => match from_provider("stage") {
            Some(s) => (s, "provider.stage"),
            None => ("dev".to_string(), "default"),
        },
    };
    if stage.is_empty() || !stage.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(ConfigError::InvalidStage {
            stage,
            origin: origin.to_string(),
        });
    }
    let region = o
        .region
        .clone()
        .filter(|s| !s.is_empty())
        .or_else(|| from_provider("region"))
        .unwrap_or_else(|| "us-east-1".to_string());
    let profile = from_provider("profile");
    let profile_expression = file
        .raw
        .get("provider")
        .and_then(|p| p.get("profile"))
        .and_then(Value::as_str)
        .filter(|s| matches!(parse::parse(s), Ok(Some(_))))
        .map(str::to_string);
    Ok(Phase1 {
        stage,
        region,
        profile,
        profile_expression,
        resolved: Some(Box::new(st)),
    })
}

/// Phase 2: AWS-backed sources, unknown-source check, then v3's normalisation.
///
/// Continues from the configuration `phase1` holds, so `file` and `ctx` must
/// be the ones phase 1 was resolved with.
pub fn resolve_service(
    file: &ServiceFile,
    ctx: &Context,
    phase1: &Phase1,
    external: Option<&dyn ExternalSource>,
) -> Result<Service, ConfigError> {
    resolve_service_with(file, ctx, phase1, external, PluginSources::None)
}

/// What to do with variable sources the service's plugins may define.
#[derive(Debug, Clone, Copy)]
pub enum PluginSources<'a> {
    /// None: an unknown source is an error (v3's, naming the sources).
    None,
    /// Leave variables of unknown sources as written and report the sources in
    /// [`Service::pending_sources`]: v3 constructs plugins with the configuration in this
    /// state, and only then knows the plugins' sources.
    Leave,
    /// These sources are the plugins': `external` answers them.
    Resolve(&'a [String]),
}

/// [`resolve_service`], with the plugins' variable sources.
pub fn resolve_service_with(
    file: &ServiceFile,
    ctx: &Context,
    phase1: &Phase1,
    external: Option<&dyn ExternalSource>,
    plugin_sources: PluginSources<'_>,
) -> Result<Service, ConfigError> {
    let run = Run {
        file,
        ctx,
        options: options_map(ctx.options),
    };
    let mut st = match &phase1.resolved {
        Some(st) => State::clone(st),
        // A `Phase1` built without a file: run phase 1 here (once).
        None => resolve_phase1(file, ctx)?
            .resolved
            .map_or_else(|| State::new(file.raw.clone()), |st| *st),
    };
    let mut pending = Vec::new();
    if !st.meta.is_empty() {
        let mut sources = core_sources();
        for s in ["env", "opt", "sls", "param", "cf", "s3", "ssm", "aws"] {
            sources.known.insert(s.into());
            sources.fulfilled.insert(s.into());
        }
        sources.instance = true;
        if let PluginSources::Resolve(names) = plugin_sources {
            for s in names {
                sources.known.insert(s.clone());
                sources.fulfilled.insert(s.clone());
                sources.plugin.insert(s.clone());
            }
        }
        match external {
            Some(external) => {
                // A dry pass collects the AWS variables, which are then fetched
                // together; with none, the dry pass already is the result.
                let recorder = Recorder::default();
                let mut dry = st.clone();
                run.pass(&mut dry, &sources, None, Some(&recorder));
                let requests = recorder.requests.into_inner();
                if requests.is_empty() {
                    st = dry;
                } else {
                    external.prefetch(&requests);
                    run.pass(&mut st, &sources, None, Some(external));
                }
            }
            None => run.pass(&mut st, &sources, None, None),
        }
        if !st.meta.is_empty() {
            run.report(&st)?;
            let unknown: Vec<String> = st
                .unresolved_source_types()
                .into_iter()
                .filter(|s| !sources.known.contains(s))
                .collect();
            let leave = matches!(plugin_sources, PluginSources::Leave);
            if leave && !unknown.is_empty() && unknown.iter().all(|s| s != "output") {
                pending = unknown;
            } else {
                if unknown.iter().any(|s| s == "output") {
                    // v3's message, stray quote included.
                    return Err(ConfigError::Invalid {
                    message: "\"Cannot resolve configuration: \"output\" variable can only be used in services deployed with Serverless Dashboard (with \"org\" setting configured)".into(),
                });
                }
                return Err(ConfigError::UnrecognizedSources { sources: unknown });
            }
        }
    }
    // Service.loadServiceFileParam checks.
    match st.config.get("service") {
        Some(Value::Object(_)) => {
            return Err(ConfigError::Invalid {
                message: "Object notation for \"service\" property is not supported. Set \"service\" property directly with service name.".into(),
            })
        }
        Some(v) if is_truthy(v) => {}
        _ => {
            return Err(ConfigError::Invalid {
                message: format!("\"service\" property is missing in {}", file.name),
            })
        }
    }
    let (config, warnings) = crate::normalize::normalize(st.config, ctx.options, &file.name)?;
    Ok(Service {
        path: file.path.clone(),
        stage: phase1.stage.clone(),
        region: phase1.region.clone(),
        config,
        warnings,
        pending_sources: pending,
    })
}
