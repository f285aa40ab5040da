//! The Serverless v3 credential chain (compat.md §1) as pure code, with the
//! sls improvements of §2.3–2.5 and 2.8.
//!
//! Every layer is evaluated (so the report is complete), in this order; the
//! last layer that yields credentials wins:
//!
//! 1. `AWS_DEFAULT_PROFILE`, else the profile `default` (missing → nothing;
//!    incomplete → nothing plus a warning; never an error)
//! 2. `provider.profile` (skipped entirely when `--aws-profile` is given)
//! 3. `AWS_ACCESS_KEY_ID` + `AWS_SECRET_ACCESS_KEY` [+ `AWS_SESSION_TOKEN`]
//! 4. `AWS_PROFILE`
//! 5. `AWS_<STAGE>_ACCESS_KEY_ID` + `AWS_<STAGE>_SECRET_ACCESS_KEY` [+ `_SESSION_TOKEN`]
//! 6. `AWS_<STAGE>_PROFILE`
//! 7. `--aws-profile`
//!
//! A named profile (layers 2, 4, 6, 7) that is missing or incomplete is an
//! error even if a later layer would win. With no winner: web identity from
//! the environment → container → EC2 instance metadata (unless
//! `AWS_EC2_METADATA_DISABLED=true`).
//!
//! Notice (§2.8): when an explicitly set layer is overridden by a later one, one
//! line names the winner. The implicit `default` profile (layer 1 without
//! `AWS_DEFAULT_PROFILE`) is the baseline almost everyone has, so overriding it
//! is not worth a notice.

// `ChainError` carries the whole report so the CLI can show the chain on
// failure; it is returned once per command, so its size does not matter.
#![allow(clippy::result_large_err)]

use std::path::{Path, PathBuf};

use crate::env::{Env, EnvExt};
use crate::plan::{Origin, Plan, Secret, StaticKeys};
use crate::profiles::{load_profiles, Profile, ProfileSet};
use crate::resolve::{has_credential_keys, profile_plan, ProfileError};

/// What the chain gets from the CLI and the resolved service. `Debug` lists
/// the environment's variable names only (values may be secrets).
#[derive(Clone, Copy)]
pub struct ChainInput<'a> {
    pub env: &'a Env,
    pub home: &'a Path,
    pub cwd: &'a Path,
    /// The resolved stage (`--stage`, else `provider.stage`, else `dev`).
    pub stage: &'a str,
    /// `--aws-profile` (empty = not given).
    pub aws_profile_option: Option<&'a str>,
    /// The resolved `provider.profile`.
    pub provider_profile: Option<&'a str>,
    /// `provider.profile` as written in serverless.yml, for the report.
    pub provider_profile_expression: Option<&'a str>,
}

impl std::fmt::Debug for ChainInput<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChainInput")
            .field("env", &self.env.keys().collect::<Vec<_>>())
            .field("home", &self.home)
            .field("cwd", &self.cwd)
            .field("stage", &self.stage)
            .field("aws_profile_option", &self.aws_profile_option)
            .field("provider_profile", &self.provider_profile)
            .field(
                "provider_profile_expression",
                &self.provider_profile_expression,
            )
            .finish()
    }
}

/// Which layer a report line is about (stable names for `--json`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LayerKind {
    DefaultProfile,
    ProviderProfile,
    EnvKeys,
    EnvProfile,
    StageEnvKeys,
    StageEnvProfile,
    AwsProfileOption,
    WebIdentityEnv,
    Container,
    InstanceMetadata,
}

/// What happened to a layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LayerState {
    /// Nothing configured for this layer.
    NotSet,
    /// Yields credentials (final state only when the chain stopped on an error).
    Found,
    /// Yielded credentials, but a later layer won.
    Overridden,
    /// The winner.
    Used,
    /// Configured but unusable and deliberately ignored (with a warning).
    Ignored,
    /// Not consulted (layer 2 with `--aws-profile`, fallbacks after a winner).
    Skipped,
    /// Configured and wrong: the chain fails.
    Error,
}

/// One line of the chain report. Never contains a secret.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct LayerReport {
    pub kind: LayerKind,
    /// Human name: `AWS_DEFAULT_PROFILE`, `default profile`, `provider.profile`,
    /// `AWS_ACCESS_KEY_ID`, `AWS_PROFILE`, `AWS_PROD_ACCESS_KEY_ID`,
    /// `AWS_PROD_PROFILE`, `--aws-profile`, `AWS_WEB_IDENTITY_TOKEN_FILE`,
    /// `AWS_CONTAINER_CREDENTIALS_*`, `EC2 instance metadata`.
    pub layer: String,
    pub state: LayerState,
    /// Human detail: which profile and from where, masked key id, file, error.
    pub detail: String,
    /// The profile this layer names, if it is a profile layer that is set.
    pub profile: Option<String>,
}

/// The chain's decision plus everything needed to explain it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Resolution {
    /// `None` only when nothing at all is available (IMDS disabled too).
    pub plan: Option<Plan>,
    pub layers: Vec<LayerReport>,
    /// One line for stderr when a set layer was overridden (compat.md §2.8).
    pub notice: Option<String>,
    /// Lines for stderr (ignored incomplete default profile, half env pairs).
    pub warnings: Vec<String>,
    pub credentials_file: PathBuf,
    pub config_file: PathBuf,
    /// The winning profile name, when the winner is a profile.
    pub profile: Option<String>,
}

impl Resolution {
    /// The report line of the winning layer.
    pub fn used_layer(&self) -> Option<&LayerReport> {
        self.layers.iter().find(|l| l.state == LayerState::Used)
    }
}

/// Why the chain failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainErrorKind {
    /// v3's message, verbatim.
    #[error("AWS profile \"{name}\" doesn't seem to be configured")]
    ProfileNotConfigured { name: String },
    #[error(transparent)]
    Profile(#[from] ProfileError),
}

/// A failed chain: the first error in layer order, the layer it came from and
/// the full report (every layer is still evaluated).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{kind}")]
pub struct ChainError {
    pub kind: ChainErrorKind,
    /// The report label of the failing layer (e.g. `AWS_PROFILE`).
    pub layer: String,
    pub layers: Vec<LayerReport>,
    pub warnings: Vec<String>,
    pub credentials_file: PathBuf,
    pub config_file: PathBuf,
}

impl sls_hint::Hint for ChainError {
    /// Where sls looked and what to do.
    fn hint(&self) -> Option<std::borrow::Cow<'_, str>> {
        Some(std::borrow::Cow::Owned(match &self.kind {
            ChainErrorKind::ProfileNotConfigured { name } => format!(
                "It was named by {}. sls looked in {} and {}. Create it with `sls config credentials --provider aws --key KEY --secret SECRET --profile {name}`, or fix the name.",
                self.layer,
                self.credentials_file.display(),
                self.config_file.display()
            ),
            ChainErrorKind::Profile(_) => format!("The profile was named by {}.", self.layer),
        }))
    }
}

/// A layer's result before the winner is known.
struct Eval {
    report: LayerReport,
    candidate: Option<Candidate>,
    error: Option<ChainErrorKind>,
    /// Counts for the override notice (everything but the implicit default).
    explicit: bool,
}

struct Candidate {
    plan: Plan,
    /// How the notice names this source, e.g. `AWS_PROFILE ("team")`.
    label: String,
    profile: Option<String>,
}

fn report(kind: LayerKind, layer: &str, state: LayerState, detail: String) -> LayerReport {
    LayerReport {
        kind,
        layer: layer.to_string(),
        state,
        detail,
        profile: None,
    }
}

fn not_set(kind: LayerKind, layer: &str, detail: impl Into<String>) -> Eval {
    Eval {
        report: report(kind, layer, LayerState::NotSet, detail.into()),
        candidate: None,
        error: None,
        explicit: true,
    }
}

/// Reads the files named by `input.env` and runs the chain.
pub fn resolve_chain(input: &ChainInput) -> Result<Resolution, ChainError> {
    let set = load_profiles(input.env, input.home, input.cwd);
    resolve_chain_with(input, &set)
}

/// The chain over already-loaded files (`home`/`cwd` of `input` are unused here).
pub fn resolve_chain_with(input: &ChainInput, set: &ProfileSet) -> Result<Resolution, ChainError> {
    let env = input.env;
    let mut warnings = Vec::new();
    let stage_prefix = format!("AWS_{}", input.stage.to_uppercase());
    let option = input.aws_profile_option.filter(|s| !s.is_empty());

    // One pass over each file for every profile a layer names.
    let stage_profile_var = format!("{stage_prefix}_PROFILE");
    let provider = input.provider_profile.filter(|s| !s.is_empty());
    let mut names: Vec<&str> = vec![env.value("AWS_DEFAULT_PROFILE").unwrap_or("default")];
    names.extend(provider.filter(|_| option.is_none()));
    names.extend(env.value("AWS_PROFILE"));
    names.extend(env.value(&stage_profile_var));
    names.extend(option);
    let found = set.get_many(&names);
    let lookup = |name: &str| -> Option<Profile> {
        match names.iter().position(|n| *n == name) {
            Some(i) => found[i].clone(),
            None => set.get(name),
        }
    };
    let lookup: &dyn Fn(&str) -> Option<Profile> = &lookup;

    let mut evals = Vec::with_capacity(10);
    evals.push(default_layer(set, lookup, env, &mut warnings));
    evals.push(match (provider, option) {
        (None, _) => not_set(
            LayerKind::ProviderProfile,
            "provider.profile",
            "not set in serverless.yml",
        ),
        (Some(name), Some(_)) => {
            let mut e = not_set(
                LayerKind::ProviderProfile,
                "provider.profile",
                format!("profile \"{name}\" not looked up: --aws-profile is given"),
            );
            e.report.state = LayerState::Skipped;
            e.report.profile = Some(name.to_string());
            e
        }
        (Some(name), None) => {
            let from = match input.provider_profile_expression {
                Some(expr) if expr != name => format!("from provider.profile = {expr}"),
                _ => "from provider.profile".to_string(),
            };
            named_layer(
                set,
                lookup,
                env,
                LayerKind::ProviderProfile,
                "provider.profile",
                name,
                &from,
            )
        }
    });
    evals.push(env_keys_layer(
        env,
        LayerKind::EnvKeys,
        "AWS",
        &mut warnings,
    ));
    evals.push(env_profile_layer(
        set,
        lookup,
        env,
        LayerKind::EnvProfile,
        "AWS_PROFILE",
    ));
    evals.push(env_keys_layer(
        env,
        LayerKind::StageEnvKeys,
        &stage_prefix,
        &mut warnings,
    ));
    evals.push(env_profile_layer(
        set,
        lookup,
        env,
        LayerKind::StageEnvProfile,
        &stage_profile_var,
    ));
    evals.push(match option {
        None => not_set(LayerKind::AwsProfileOption, "--aws-profile", "not given"),
        Some(name) => named_layer(
            set,
            lookup,
            env,
            LayerKind::AwsProfileOption,
            "--aws-profile",
            name,
            "from --aws-profile",
        ),
    });

    let winner = evals.iter().rposition(|e| e.candidate.is_some());
    let first_error = evals.iter().position(|e| e.error.is_some());

    // States and the notice, only when the chain succeeds.
    let mut notice = None;
    if first_error.is_none() {
        if let Some(w) = winner {
            let mut overridden = Vec::new();
            let (before, rest) = evals.split_at_mut(w);
            let winning_plan = rest[0].candidate.as_ref().map(|c| &c.plan);
            for e in before {
                if let Some(c) = &e.candidate {
                    e.report.state = LayerState::Overridden;
                    // Same credentials twice (e.g. provider.profile and
                    // AWS_PROFILE naming one profile) is not worth a notice.
                    if e.explicit && Some(&c.plan) != winning_plan {
                        overridden.push(c.label.clone());
                    }
                }
            }
            evals[w].report.state = LayerState::Used;
            if !overridden.is_empty() {
                if let Some(c) = &evals[w].candidate {
                    notice = Some(format!(
                        "Using credentials from {}; it overrides {}.",
                        c.label,
                        join_and(&overridden)
                    ));
                }
            }
        }
    }

    let fallback_skip = winner.is_some() || first_error.is_some();
    let mut fallbacks = fallback_layers(env, fallback_skip);
    let (plan, profile) = match winner {
        Some(w) if first_error.is_none() => {
            let c = evals[w].candidate.as_ref();
            (c.map(|c| c.plan.clone()), c.and_then(|c| c.profile.clone()))
        }
        _ => {
            let used = fallbacks.iter_mut().find(|e| e.candidate.is_some());
            match used {
                Some(e) if !fallback_skip => {
                    e.report.state = LayerState::Used;
                    (e.candidate.as_ref().map(|c| c.plan.clone()), None)
                }
                _ => (None, None),
            }
        }
    };

    let mut first = None;
    let mut layers = Vec::with_capacity(evals.len() + fallbacks.len());
    for e in evals.into_iter().chain(fallbacks) {
        if first.is_none() {
            if let Some(err) = e.error {
                first = Some((err, e.report.layer.clone()));
            }
        }
        layers.push(e.report);
    }
    let credentials_file = set.credentials.path.clone();
    let config_file = set.config.path.clone();
    if let Some((kind, layer)) = first {
        return Err(ChainError {
            kind,
            layer,
            layers,
            warnings,
            credentials_file,
            config_file,
        });
    }
    Ok(Resolution {
        plan,
        layers,
        notice,
        warnings,
        credentials_file,
        config_file,
        profile,
    })
}

fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {}", rest.join(", "), last),
    }
}

/// Looks a profile up (prefetched by the chain, else from the files).
type Lookup<'a> = &'a dyn Fn(&str) -> Option<Profile>;

fn default_layer(set: &ProfileSet, lookup: Lookup, env: &Env, warnings: &mut Vec<String>) -> Eval {
    let (name, layer, explicit) = match env.value("AWS_DEFAULT_PROFILE") {
        Some(n) => (n, "AWS_DEFAULT_PROFILE", true),
        None => ("default", "default profile", false),
    };
    let label = if explicit {
        format!("AWS_DEFAULT_PROFILE (\"{name}\")")
    } else {
        "the default profile".to_string()
    };
    let mut e = not_set(LayerKind::DefaultProfile, layer, "");
    e.explicit = explicit;
    e.report.profile = Some(name.to_string());
    let Some(p) = lookup(name) else {
        e.report.detail = format!(
            "no profile \"{name}\" in {} or {}",
            set.credentials.path.display(),
            set.config.path.display()
        );
        return e;
    };
    match profile_plan(set, env, &p) {
        Ok(plan) => {
            e.report.state = LayerState::Found;
            e.report.detail = format!("profile \"{name}\": {}", describe(&plan));
            e.candidate = Some(Candidate {
                plan,
                label,
                profile: Some(name.to_string()),
            });
        }
        Err(_) if !has_credential_keys(&p) => {
            // e.g. `[default]` in ~/.aws/config with only `region`: normal, silent.
            e.report.detail = format!("profile \"{name}\" has no credentials");
        }
        Err(err) => {
            e.report.state = LayerState::Ignored;
            e.report.detail = err.to_string();
            warnings.push(format!("Ignoring {}: {err}", label_for_warning(&label)));
        }
    }
    e
}

fn label_for_warning(label: &str) -> String {
    if label == "the default profile" {
        "the default AWS profile".to_string()
    } else {
        label.to_string()
    }
}

fn env_profile_layer(
    set: &ProfileSet,
    lookup: Lookup,
    env: &Env,
    kind: LayerKind,
    var: &str,
) -> Eval {
    match env.value(var) {
        None => not_set(kind, var, "not set"),
        Some(name) => named_layer(set, lookup, env, kind, var, name, &format!("from {var}")),
    }
}

fn named_layer(
    set: &ProfileSet,
    lookup: Lookup,
    env: &Env,
    kind: LayerKind,
    layer: &str,
    name: &str,
    from: &str,
) -> Eval {
    let mut e = not_set(kind, layer, "");
    e.report.profile = Some(name.to_string());
    let result = match lookup(name) {
        None => Err(ChainErrorKind::ProfileNotConfigured {
            name: name.to_string(),
        }),
        Some(p) => profile_plan(set, env, &p).map_err(ChainErrorKind::from),
    };
    match result {
        Ok(plan) => {
            e.report.state = LayerState::Found;
            e.report.detail = format!("profile \"{name}\" {from}: {}", describe(&plan));
            e.candidate = Some(Candidate {
                plan,
                label: format!("{layer} (\"{name}\")"),
                profile: Some(name.to_string()),
            });
        }
        Err(err) => {
            e.report.state = LayerState::Error;
            e.report.detail = format!("profile \"{name}\" {from}: {err}");
            e.error = Some(err);
        }
    }
    e
}

fn env_keys_layer(env: &Env, kind: LayerKind, prefix: &str, warnings: &mut Vec<String>) -> Eval {
    let id_var = format!("{prefix}_ACCESS_KEY_ID");
    let secret_var = format!("{prefix}_SECRET_ACCESS_KEY");
    let token_var = format!("{prefix}_SESSION_TOKEN");
    match (env.value(&id_var), env.value(&secret_var)) {
        (Some(id), Some(secret)) => {
            let plan = Plan::Static {
                keys: StaticKeys {
                    access_key_id: id.to_string(),
                    secret_access_key: Secret::new(secret),
                    session_token: env.value(&token_var).map(Secret::new),
                    expiration: None,
                },
                origin: Origin::EnvVars {
                    key_id_var: id_var.clone(),
                },
            };
            Eval {
                report: report(kind, &id_var, LayerState::Found, describe(&plan)),
                candidate: Some(Candidate {
                    plan,
                    label: id_var,
                    profile: None,
                }),
                error: None,
                explicit: true,
            }
        }
        (None, None) => not_set(kind, &id_var, format!("{id_var} and {secret_var} not set")),
        (Some(_), None) | (None, Some(_)) => {
            let (set_var, unset_var) = if env.value(&id_var).is_some() {
                (&id_var, &secret_var)
            } else {
                (&secret_var, &id_var)
            };
            let msg = format!("{set_var} is set but {unset_var} is not; both are ignored");
            warnings.push(format!("{msg}."));
            let mut e = not_set(kind, &id_var, msg);
            e.report.state = LayerState::Ignored;
            e
        }
    }
}

fn fallback_layers(env: &Env, skip: bool) -> Vec<Eval> {
    let mut out = Vec::with_capacity(3);
    let skipped = |kind, layer: &str| Eval {
        report: report(kind, layer, LayerState::Skipped, "not consulted".into()),
        candidate: None,
        error: None,
        explicit: false,
    };
    let found = |kind, layer: &str, plan: Plan| Eval {
        report: report(kind, layer, LayerState::Found, describe(&plan)),
        candidate: Some(Candidate {
            plan,
            label: layer.to_string(),
            profile: None,
        }),
        error: None,
        explicit: false,
    };
    let wi = "AWS_WEB_IDENTITY_TOKEN_FILE";
    let container = "AWS_CONTAINER_CREDENTIALS_*";
    let imds = "EC2 instance metadata";
    if skip {
        out.push(skipped(LayerKind::WebIdentityEnv, wi));
        out.push(skipped(LayerKind::Container, container));
        out.push(skipped(LayerKind::InstanceMetadata, imds));
        return out;
    }
    out.push(match (env.value(wi), env.value("AWS_ROLE_ARN")) {
        (Some(file), Some(role)) => found(
            LayerKind::WebIdentityEnv,
            wi,
            Plan::WebIdentity {
                profile: None,
                role_arn: role.to_string(),
                token_file: PathBuf::from(file),
                session_name: env.value("AWS_ROLE_SESSION_NAME").map(str::to_string),
            },
        ),
        (Some(_), None) => not_set(LayerKind::WebIdentityEnv, wi, "AWS_ROLE_ARN not set"),
        _ => not_set(LayerKind::WebIdentityEnv, wi, "not set"),
    });
    let container_set = env
        .value("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
        .is_some()
        || env.value("AWS_CONTAINER_CREDENTIALS_FULL_URI").is_some();
    out.push(if container_set {
        found(LayerKind::Container, container, Plan::Container)
    } else {
        not_set(LayerKind::Container, container, "not set")
    });
    let disabled = env
        .value("AWS_EC2_METADATA_DISABLED")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    out.push(if disabled {
        not_set(
            LayerKind::InstanceMetadata,
            imds,
            "disabled by AWS_EC2_METADATA_DISABLED",
        )
    } else {
        found(LayerKind::InstanceMetadata, imds, Plan::InstanceMetadata)
    });
    // Only the first available fallback is used; later ones are not consulted.
    if let Some(i) = out.iter().position(|e| e.candidate.is_some()) {
        for e in &mut out[i + 1..] {
            e.report.state = LayerState::Skipped;
            e.report.detail = "not consulted".into();
            e.candidate = None;
        }
    }
    out
}

/// A one-line, secret-free description of a plan: its `Display`.
pub fn describe(plan: &Plan) -> String {
    plan.to_string()
}
