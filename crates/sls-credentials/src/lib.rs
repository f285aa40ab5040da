//! The AWS credentials side of sls, without any network: the profile files as
//! lossless documents, the Serverless v3 credential chain producing a [`Plan`],
//! and safe edits of the credentials file.
//!
//! - [`document`]: lossless line-based parse/render of `credentials`/`config`.
//! - [`env`]: the environment snapshot ([`Env`]) and what counts as set.
//! - [`profiles`]: file paths and the merged lookup view ([`load_profiles`]).
//! - [`resolve`]: one profile → [`Plan`] (roles, SSO, process, web identity, keys).
//! - [`chain`]: the v3 layers → [`Resolution`] with a per-layer report.
//! - [`configure`]: `sls config credentials` ([`configure_credentials`]).
//! - [`configure_role`]: `sls config credentials --role-arn` ([`configure_role_profile`]).
//! - [`save`]: locked, atomic writes.
//! - [`sso`]: what `sls sso login` signs in to ([`sso_login_target`]).
//!
//! Nothing here reads the process environment or the home directory: callers
//! pass an [`Env`] snapshot, `home` and `cwd`.
//!
//! Decisions (beyond compat.md), each explained where it is implemented:
//! - Inside a profile the `aws-config` order applies: `source_profile` /
//!   `credential_source` (role) → `web_identity_token_file` → SSO →
//!   `credential_process` → static keys ([`resolve`]).
//! - `--overwrite` rewrites the key lines of *every* `[name]` section (so no
//!   old secret survives in a shadowed duplicate) and inserts missing keys in
//!   the last one, whose keys win ([`configure`]).
//! - A symlinked credentials file is written through to its target; the lock
//!   is a `flock` on the target's directory, so no lock file is left next to
//!   the user's files, and a refusal changes nothing on disk ([`save`]).
//! - The override notice ignores the implicit `default` profile and layers
//!   that yield the very same credentials as the winner ([`chain`]).
//! - In config files `[profile  x ]` is trimmed like the AWS CLI does; in the
//!   credentials file names are literal (compat.md).
//! - Nested blocks (`s3 =` + indented lines) start only after a key with an
//!   empty value ([`document`]).

pub mod chain;
pub mod configure;
pub mod configure_role;
pub mod document;
pub mod env;
pub mod plan;
pub mod profiles;
pub mod resolve;
pub mod save;
pub mod sso;

pub use chain::{
    describe, resolve_chain, resolve_chain_with, ChainError, ChainErrorKind, ChainInput, LayerKind,
    LayerReport, LayerState, Resolution,
};
pub use configure::{
    configure_credentials, credentials_target, validate_profile_name, Action, CredentialsTarget,
    Error, Outcome,
};
pub use configure_role::{config_target, configure_role_profile, ConfigTarget, RoleProfile};
pub use document::Document;
pub use env::{Env, EnvExt};
pub use plan::{mask_key_id, Origin, Plan, Secret, StaticKeys};
pub use profiles::{
    config_file_path, credentials_file_path, load_profiles, Entry, FileKind, Profile, ProfileFile,
    ProfileSet,
};
pub use resolve::{profile_plan, ProfileError};
pub use sso::{
    selected_profile, sso_login_target, SelectedProfile, SsoConfigError, SsoLoginTarget,
};
