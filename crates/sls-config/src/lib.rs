//! sls-config: reads a Serverless service file exactly like the Serverless Framework v3.
//!
//! Flow: [`find_service_file`] → [`read_service_file`] (YAML with CloudFormation tags, or JSON,
//! into a [`serde_json::Value`] in file order) → [`resolve_phase1`] (every variable that needs no
//! AWS; yields stage, region and profile) → [`resolve_service`] (AWS-backed sources through an
//! [`ExternalSource`], then v3's normalisation) → [`render_print`] for `sls print`.
//!
//! The library never reads the process environment or the terminal: the caller passes an
//! [`Env`] snapshot and the CLI options.
//!
//! # Compatibility
//! `tests/corpus/` holds services run through Serverless Framework v3.40.0 with their recorded
//! `print` output and error messages; the crate reproduces them byte for byte. Deliberate
//! differences:
//! - YAML/JSON syntax errors: same `Cannot parse "serverless.yml": ` prefix, but the parser's
//!   own description and `(line L, column C)` instead of js-yaml's text and code excerpt.
//! - `serverless.js`/`.ts`/`.mjs`/`.cjs` and `${file(x.js)}` are refused with a clear message.
//! - `ssm`, `cf`, `s3` and `aws:accountId` are answered by an [`ExternalSource`]; without one
//!   they are an error saying AWS access is needed (v3 would call AWS).
//! - An invalid stage (not `^[a-zA-Z0-9-]+$`) is an error; v3 only warned.
//! - v3's schema validation (AJV with `coerceTypes: 'array'`) is reproduced from v3's recorded
//!   schema (`src/schema/`): same coercions, same warnings/errors per `configValidationMode`.
//! - `${opt:}` (all options) lists the options sls knows, not v3's schema-ordered set.
//! - `useDotenv`: [`wants_dotenv`] and [`load_dotenv`] give the env snapshot with `.env`
//!   loaded; the CLI resolves with it. sls answers to `frameworkVersion` as v3
//!   [`FRAMEWORK_VERSION`].
//! - Not done here: plugin-provided variable sources (reported as
//!   unrecognized, as v3 does for an unknown source), Serverless Dashboard params/outputs.

pub mod calendar;
mod dotenv;
mod error;
pub mod executables;
mod files;
mod framework_version;
mod jsval;
pub mod model;
mod normalize;
pub mod plugins;
mod print;
pub mod schema;
pub mod vars;

/// JavaScript truthiness of a JSON value (`if (value)` in v3 and its plugins).
pub use jsval::is_truthy;
/// JS key order of an object (integer-like keys first, ascending), as `JSON.stringify` writes it.
pub use jsval::js_order;
mod yaml;
mod yaml_dump;

pub use dotenv::{dotenv_stage, load_dotenv, wants_dotenv};
pub use error::ConfigError;
pub use files::{find_service_file, read_service_file, ServiceFile};
pub use framework_version::FRAMEWORK_VERSION;
pub use print::{render_print, PrintFormat};
pub use vars::{
    resolve_phase1, resolve_service, resolve_service_with, ExternalRequest, ExternalSource, Phase1,
    PluginSources, Service, SourceError,
};

/// A snapshot of environment variables, taken by the CLI (the workspace's one
/// `Env`). `${env:NAME}` reads it raw: `""` and `undefined` are values there.
pub use sls_credentials::Env;

/// The CLI options that variables can see (`${opt:…}`) and that decide stage and region.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CliOptions {
    /// `--stage` / `-s`.
    pub stage: Option<String>,
    /// `--region` / `-r`.
    pub region: Option<String>,
    /// `--aws-profile`.
    pub aws_profile: Option<String>,
    /// `--param key=value`, in order given (a later key wins, as in v3).
    pub params: Vec<(String, String)>,
    /// Any other option given on the command line (e.g. `format`, `path`), for `${opt:name}`.
    pub other: serde_json::Map<String, serde_json::Value>,
}

/// What resolution may use besides the file itself.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    pub options: &'a CliOptions,
    pub env: &'a Env,
    /// Value of `${sls:instanceId}` (v3: a per-process random id; the CLI picks it).
    pub instance_id: String,
}
