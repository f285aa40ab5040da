//! The command line: commands and options with the Serverless Framework's names.
//!
//! Service options are not clap-global because `config credentials` reuses
//! `-s` for `--secret` and `invoke local` reuses `-c` for `--context`, exactly
//! as Serverless v3 does; each command flattens the option groups it needs.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::sync::LazyLock;

/// What `sls --version` prints after "sls ": the version, the commit it was built from with its
/// date (`build.rs`; "unknown" outside a git checkout) and the v3 release sls answers to, so a
/// bug report says exactly what ran.
static VERSION: LazyLock<String> = LazyLock::new(|| {
    format!(
        "{} ({})\nServerless Framework v{} compatible",
        env!("CARGO_PKG_VERSION"),
        env!("SLS_BUILD_COMMIT"),
        sls_config::FRAMEWORK_VERSION
    )
});

#[derive(Parser, Debug)]
#[command(
    name = "sls",
    version = VERSION.as_str(),
    about = "A fast, Serverless Framework-compatible CLI for AWS",
    propagate_version = true,
    disable_help_subcommand = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Print the resolved service configuration.
    Print(PrintArgs),
    /// Configure the AWS credentials file (`sls config credentials`).
    Config(ConfigArgs),
    /// Show or export the AWS credentials sls would use.
    Credentials(CredentialsArgs),
    /// Sign in to IAM Identity Center (AWS SSO), or sign out.
    Sso(SsoArgs),
    /// Package the service into .serverless/ without deploying.
    Package(PackageArgs),
    /// Deploy the service (or one function with `deploy function`).
    Deploy(DeployArgs),
    /// Show information about the deployed service.
    Info(InfoArgs),
    /// Remove the deployed service and its deployment bucket contents.
    Remove(RemoveArgs),
    /// Invoke a deployed function (`invoke -f NAME`), or run it here (`invoke local`).
    Invoke(InvokeArgs),
    /// Show a deployed function's logs (`--tail` to follow them).
    Logs(LogsArgs),
    /// Roll the service back to an earlier deployment (`rollback function`: one function).
    Rollback(RollbackArgs),
    /// Show invocations, throttles, errors and average duration of the functions.
    Metrics(MetricsArgs),
}

/// Options every service command takes (`--stage`, `--region`, …).
#[derive(Args, Debug, Clone, Default)]
pub struct ServiceOptions {
    /// Stage of the service (default: provider.stage, else "dev").
    #[arg(short = 's', long)]
    pub stage: Option<String>,
    /// AWS region (default: provider.region, else "us-east-1").
    #[arg(short = 'r', long)]
    pub region: Option<String>,
    /// AWS profile to use; wins over every other credential source.
    #[arg(long = "aws-profile", value_name = "NAME")]
    pub aws_profile: Option<String>,
    /// A parameter for ${param:key}, as "key=value" (repeatable).
    #[arg(long = "param", value_name = "KEY=VALUE")]
    pub params: Vec<String>,
    /// Show more detail.
    #[arg(long)]
    pub verbose: bool,
}

/// `--config/-c`: the service file to use instead of serverless.yml in the working directory.
#[derive(Args, Debug, Clone, Default)]
pub struct ConfigPath {
    /// Path to the service file (serverless.yml, .yaml or .json).
    #[arg(short = 'c', long = "config", value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct PrintArgs {
    #[command(flatten)]
    pub service: ServiceOptions,
    #[command(flatten)]
    pub config: ConfigPath,
    /// Output format.
    #[arg(long, value_enum, default_value_t = PrintFormatArg::Yaml)]
    pub format: PrintFormatArg,
    /// Print only the value at this dotted path (e.g. provider.region).
    #[arg(long)]
    pub path: Option<String>,
    /// Transform the output: "keys" prints the keys only.
    #[arg(long)]
    pub transform: Option<String>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrintFormatArg {
    Yaml,
    Json,
    Text,
}

#[derive(Args, Debug)]
pub struct ConfigArgs {
    #[command(subcommand)]
    pub command: ConfigCommand,
}

#[derive(Subcommand, Debug)]
pub enum ConfigCommand {
    /// Add or update a profile in the AWS credentials file.
    Credentials(ConfigCredentialsArgs),
}

#[derive(Args, Debug)]
pub struct ConfigCredentialsArgs {
    /// Cloud provider (only "aws").
    #[arg(short = 'p', long)]
    pub provider: String,
    /// AWS access key id.
    #[arg(short = 'k', long)]
    pub key: Option<String>,
    /// AWS secret access key.
    #[arg(short = 's', long)]
    pub secret: Option<String>,
    /// Profile name.
    #[arg(short = 'n', long, default_value = "default")]
    pub profile: String,
    /// Replace the keys of an existing profile.
    #[arg(short = 'o', long)]
    pub overwrite: bool,
    /// Write an assume-role profile into the config file instead of keys.
    #[arg(long = "role-arn", value_name = "ARN", conflicts_with_all = ["key", "secret"])]
    pub role_arn: Option<String>,
    /// The profile whose credentials assume the role (default: "default").
    #[arg(long = "source-profile", value_name = "NAME", requires = "role_arn")]
    pub source_profile: Option<String>,
    /// The MFA device whose code is asked for when the role is assumed.
    #[arg(long = "mfa-serial", value_name = "ARN", requires = "role_arn")]
    pub mfa_serial: Option<String>,
    /// External id required by the role's trust policy.
    #[arg(long = "external-id", requires = "role_arn")]
    pub external_id: Option<String>,
    /// Session length in seconds (900 to 43200).
    #[arg(long = "duration-seconds", value_name = "N", requires = "role_arn")]
    pub duration_seconds: Option<u32>,
}

#[derive(Args, Debug)]
pub struct SsoArgs {
    #[command(subcommand)]
    pub command: SsoCommand,
}

#[derive(Subcommand, Debug)]
pub enum SsoCommand {
    /// Sign in to the profile's SSO session (device code) and cache the token where the AWS CLI
    /// keeps it (~/.aws/sso/cache), for sls, the AWS CLI and the SDKs.
    Login(SsoLoginArgs),
    /// Sign out: revoke and remove every cached SSO token, and the role credentials cached from them.
    Logout(SsoLogoutArgs),
}

#[derive(Args, Debug)]
pub struct SsoLoginArgs {
    #[command(flatten)]
    pub service: ServiceOptions,
    #[command(flatten)]
    pub config: ConfigPath,
    /// Sign in to this [sso-session NAME] of ~/.aws/config instead of the profile's.
    #[arg(long = "sso-session", value_name = "NAME")]
    pub sso_session: Option<String>,
    /// Print the sign-in page and code only; never open a browser.
    #[arg(long = "no-browser")]
    pub no_browser: bool,
    /// Use the device code flow (accepted for the AWS CLI's sake: it is the only flow sls has).
    #[arg(long = "use-device-code")]
    pub use_device_code: bool,
}

#[derive(Args, Debug)]
pub struct SsoLogoutArgs {}

#[derive(Args, Debug)]
pub struct CredentialsArgs {
    #[command(subcommand)]
    pub command: CredentialsCommand,
}

#[derive(Subcommand, Debug)]
pub enum CredentialsCommand {
    /// Show which credentials sls would use, and every source it considered.
    Show(CredentialsShowArgs),
    /// Print the resolved credentials for other tools (prints secrets).
    Export(CredentialsExportArgs),
    /// Print the least-privilege IAM policy that deploy, deploy function, info and remove
    /// need for this service (packages it in a temporary folder; no AWS calls unless the
    /// service uses AWS variables), or put it on an IAM user (--create-user) or role (--role).
    Policy(CredentialsPolicyArgs),
}

#[derive(Args, Debug)]
pub struct CredentialsPolicyArgs {
    #[command(flatten)]
    pub service: ServiceOptions,
    #[command(flatten)]
    pub config: ConfigPath,
    /// Also allow the day-two commands: invoke -f, logs, deploy list functions, rollback
    /// function and metrics (statements DayTwoFunctions, DayTwoLogs, DayTwoMetrics).
    #[arg(long = "day-two")]
    pub day_two: bool,
    /// Print only the JSON (no explanation on stderr), for scripts.
    #[arg(long)]
    pub json: bool,
    /// Skip this plugin after checking the service is correct without it (repeatable).
    #[arg(long = "ignore-plugin", value_name = "NAME")]
    pub ignore_plugins: Vec<String>,
    /// Create this IAM user if missing (with the credentials sls finds as usual), put the
    /// policy on it, and write its access key into the credentials file as --profile.
    #[arg(
        long = "create-user",
        value_name = "NAME",
        requires = "profile",
        conflicts_with = "role"
    )]
    pub create_user: Option<String>,
    /// The credentials-file profile that receives the user's access key.
    #[arg(long, value_name = "NAME", requires = "create_user")]
    pub profile: Option<String>,
    /// Create a new access key for the user, write it, then delete sls's old key.
    #[arg(long = "rotate-key", requires = "create_user")]
    pub rotate_key: bool,
    /// Replace the keys of an existing profile of that name.
    #[arg(short = 'o', long, requires = "create_user")]
    pub overwrite: bool,
    /// Create (or update) this IAM role with the policy, for a CI system to assume.
    #[arg(long, value_name = "NAME", requires = "trust_principal")]
    pub role: Option<String>,
    /// Who may assume --role: an account id, an IAM ARN, or a service principal.
    #[arg(long = "trust-principal", value_name = "ARN", requires = "role")]
    pub trust_principal: Option<String>,
}

#[derive(Args, Debug)]
pub struct CredentialsShowArgs {
    #[command(flatten)]
    pub service: ServiceOptions,
    #[command(flatten)]
    pub config: ConfigPath,
    /// Print a JSON object instead of text.
    #[arg(long)]
    pub json: bool,
    /// Ask AWS (STS GetCallerIdentity) who these credentials belong to.
    #[arg(long)]
    pub verify: bool,
}

#[derive(Args, Debug)]
pub struct CredentialsExportArgs {
    #[command(flatten)]
    pub service: ServiceOptions,
    #[command(flatten)]
    pub config: ConfigPath,
    /// `json` (the credential_process format) or `env` (export lines).
    #[arg(long, value_enum, default_value_t = ExportFormat::Json)]
    pub format: ExportFormat,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    Json,
    Env,
}

#[derive(Args, Debug)]
pub struct PackageArgs {
    #[command(flatten)]
    pub service: ServiceOptions,
    #[command(flatten)]
    pub config: ConfigPath,
    /// Output folder (default: .serverless).
    #[arg(short = 'p', long)]
    pub package: Option<PathBuf>,
    /// Skip this plugin after checking the service is correct without it (repeatable); sls
    /// runs no JavaScript plugins and otherwise refuses services that use one.
    #[arg(long = "ignore-plugin", value_name = "NAME")]
    pub ignore_plugins: Vec<String>,
}

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct DeployArgs {
    #[command(subcommand)]
    pub command: Option<DeploySubcommand>,
    #[command(flatten)]
    pub service: ServiceOptions,
    #[command(flatten)]
    pub config: ConfigPath,
    /// Deploy even when nothing changed.
    #[arg(long)]
    pub force: bool,
    /// Skip this plugin after checking the service is correct without it (repeatable); sls
    /// runs no JavaScript plugins and otherwise refuses services that use one.
    #[arg(long = "ignore-plugin", value_name = "NAME")]
    pub ignore_plugins: Vec<String>,
}

#[derive(Subcommand, Debug)]
pub enum DeploySubcommand {
    /// Update one function's code (and configuration) directly through Lambda.
    Function(DeployFunctionArgs),
    /// List the deployments in the deployment bucket (`list functions`: function versions).
    List(DeployListArgs),
}

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct DeployListArgs {
    #[command(subcommand)]
    pub command: Option<DeployListSubcommand>,
    #[command(flatten)]
    pub service: ServiceOptions,
    #[command(flatten)]
    pub config: ConfigPath,
}

#[derive(Subcommand, Debug)]
pub enum DeployListSubcommand {
    /// List each function and its published versions.
    Functions(ServiceArgs),
}

/// Only the service options and `--config`.
#[derive(Args, Debug)]
pub struct ServiceArgs {
    #[command(flatten)]
    pub service: ServiceOptions,
    #[command(flatten)]
    pub config: ConfigPath,
}

#[derive(Args, Debug)]
pub struct DeployFunctionArgs {
    #[command(flatten)]
    pub service: ServiceOptions,
    #[command(flatten)]
    pub config: ConfigPath,
    /// Name of the function (as in serverless.yml).
    #[arg(short = 'f', long)]
    pub function: String,
    /// Also update the function's configuration (memory, timeout, environment, …).
    #[arg(long = "update-config", short = 'u')]
    pub update_config: bool,
    /// Deploy even when the code is unchanged.
    #[arg(long)]
    pub force: bool,
    /// Skip this plugin after checking the service is correct without it (repeatable); sls
    /// runs no JavaScript plugins and otherwise refuses services that use one.
    #[arg(long = "ignore-plugin", value_name = "NAME")]
    pub ignore_plugins: Vec<String>,
}

#[derive(Args, Debug)]
pub struct InfoArgs {
    #[command(flatten)]
    pub service: ServiceOptions,
    #[command(flatten)]
    pub config: ConfigPath,
}

#[derive(Args, Debug)]
pub struct RemoveArgs {
    #[command(flatten)]
    pub service: ServiceOptions,
    #[command(flatten)]
    pub config: ConfigPath,
}

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct InvokeArgs {
    #[command(subcommand)]
    pub command: Option<InvokeCommand>,
    #[command(flatten)]
    pub remote: InvokeRemoteArgs,
}

/// `sls invoke -f NAME`: v3's options of the remote invoke.
#[derive(Args, Debug)]
pub struct InvokeRemoteArgs {
    #[command(flatten)]
    pub service: ServiceOptions,
    #[command(flatten)]
    pub config: ConfigPath,
    /// Name of the function (as in serverless.yml).
    #[arg(short = 'f', long, required = true)]
    pub function: Option<String>,
    /// Event data: JSON, or any other text sent as a JSON string (default: stdin when piped).
    #[arg(short = 'd', long)]
    pub data: Option<String>,
    /// Event from a JSON or YAML file (relative to the service).
    #[arg(short = 'p', long)]
    pub path: Option<PathBuf>,
    /// Invocation type.
    #[arg(short = 't', long = "type", value_name = "TYPE", default_value = "RequestResponse",
          value_parser = ["RequestResponse", "Event", "DryRun"])]
    pub invocation_type: String,
    /// Show the end of the execution log after the payload.
    #[arg(short = 'l', long)]
    pub log: bool,
    /// Version or alias to invoke.
    #[arg(short = 'q', long)]
    pub qualifier: Option<String>,
    /// Client context as JSON (sent as ClientContext).
    #[arg(long)]
    pub context: Option<String>,
    /// Client context from a JSON or YAML file (relative to the service).
    #[arg(long = "contextPath", value_name = "FILE")]
    pub context_path: Option<PathBuf>,
    /// Send --data (and --context) as a string, without parsing it as JSON.
    #[arg(long)]
    pub raw: bool,
}

#[derive(Args, Debug)]
pub struct LogsArgs {
    #[command(flatten)]
    pub service: ServiceOptions,
    #[command(flatten)]
    pub config: ConfigPath,
    /// Name of the function (as in serverless.yml).
    #[arg(short = 'f', long)]
    pub function: String,
    /// Keep polling for new events (Ctrl-C ends it).
    #[arg(short = 't', long)]
    pub tail: bool,
    /// Milliseconds between two polls with --tail.
    #[arg(short = 'i', long, value_name = "MS", default_value_t = 1000)]
    pub interval: u64,
    /// From when: 30m, 2h, 1d (ago), an ISO date, or an epoch time (default: 10m ago).
    #[arg(long = "startTime", value_name = "TIME")]
    pub start_time: Option<String>,
    /// Until when (same forms as --startTime; default: now).
    #[arg(long = "endTime", value_name = "TIME")]
    pub end_time: Option<String>,
    /// A CloudWatch Logs filter pattern, e.g. "ERROR".
    #[arg(long)]
    pub filter: Option<String>,
}

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct RollbackArgs {
    #[command(subcommand)]
    pub command: Option<RollbackSubcommand>,
    #[command(flatten)]
    pub service: ServiceOptions,
    #[command(flatten)]
    pub config: ConfigPath,
    /// The deployment to go back to (`sls deploy list` shows the timestamps).
    #[arg(short = 't', long)]
    pub timestamp: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum RollbackSubcommand {
    /// Put an earlier version's code back into one function.
    Function(RollbackFunctionArgs),
}

#[derive(Args, Debug)]
pub struct RollbackFunctionArgs {
    #[command(flatten)]
    pub service: ServiceOptions,
    #[command(flatten)]
    pub config: ConfigPath,
    /// Name of the function (as in serverless.yml).
    #[arg(short = 'f', long)]
    pub function: String,
    /// The version whose code to restore (`sls deploy list functions` lists them).
    #[arg(long = "function-version", value_name = "VERSION")]
    pub function_version: String,
}

#[derive(Args, Debug)]
pub struct MetricsArgs {
    #[command(flatten)]
    pub service: ServiceOptions,
    #[command(flatten)]
    pub config: ConfigPath,
    /// One function (as in serverless.yml); default: the whole service.
    #[arg(short = 'f', long)]
    pub function: Option<String>,
    /// From when: 30m, 2h, 1d (ago), an ISO date, or an epoch time (default: 24h ago).
    #[arg(long = "startTime", value_name = "TIME")]
    pub start_time: Option<String>,
    /// Until when (same forms; default: now).
    #[arg(long = "endTime", value_name = "TIME")]
    pub end_time: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum InvokeCommand {
    /// Run a function on this machine with your credentials.
    Local(InvokeLocalArgs),
}

#[derive(Args, Debug)]
pub struct InvokeLocalArgs {
    #[command(flatten)]
    pub service: ServiceOptions,
    /// Path to the service file (`-c` is --context here, as in Serverless v3).
    #[arg(long = "config", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Name of the function (as in serverless.yml).
    #[arg(short = 'f', long)]
    pub function: String,
    /// Event data: JSON, or any other text passed as a string.
    #[arg(short = 'd', long)]
    pub data: Option<String>,
    /// Event from a JSON or YAML file.
    #[arg(short = 'p', long)]
    pub path: Option<PathBuf>,
    /// Context from a JSON or YAML file.
    #[arg(short = 'x', long = "contextPath", value_name = "FILE")]
    pub context_path: Option<PathBuf>,
    /// Context as JSON.
    #[arg(short = 'c', long)]
    pub context: Option<String>,
    /// Extra environment variable for the function, as KEY=VALUE (repeatable).
    #[arg(short = 'e', long = "env", value_name = "KEY=VALUE")]
    pub env: Vec<String>,
    /// Pass the event data as a string, without parsing it as JSON.
    #[arg(long)]
    pub raw: bool,
}
