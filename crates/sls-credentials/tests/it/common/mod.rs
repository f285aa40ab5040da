//! Shared helpers: a temporary home with real files, an env snapshot, and a
//! shortcut to run the chain.
#![allow(dead_code, clippy::result_large_err)]

use std::path::{Path, PathBuf};

use sls_credentials::{
    resolve_chain, ChainError, ChainInput, Env, LayerKind, LayerState, Plan, Resolution,
};
use sls_testkit::TempHome;

/// A temporary home (from sls-testkit) with an env snapshot that holds only
/// `AWS_EC2_METADATA_DISABLED=true` until a test sets more.
pub struct Home {
    pub dir: TempHome,
    pub env: Env,
    pub stage: String,
    pub provider_profile: Option<String>,
    pub provider_expression: Option<String>,
    pub option: Option<String>,
}

impl Home {
    pub fn new() -> Home {
        let mut env = Env::new();
        // Never let a test plan reach for EC2 metadata.
        env.insert("AWS_EC2_METADATA_DISABLED".into(), "true".into());
        Home {
            dir: TempHome::new(),
            env,
            stage: "dev".into(),
            provider_profile: None,
            provider_expression: None,
            option: None,
        }
    }
    pub fn home(&self) -> &Path {
        self.dir.home()
    }
    pub fn cwd(&self) -> PathBuf {
        self.dir.cwd().to_path_buf()
    }
    pub fn aws(&self) -> PathBuf {
        self.dir.aws_dir()
    }
    pub fn creds_path(&self) -> PathBuf {
        self.aws().join("credentials")
    }
    pub fn creds(&self, text: &str) -> &Self {
        std::fs::write(self.creds_path(), text).unwrap();
        self
    }
    pub fn config(&self, text: &str) -> &Self {
        std::fs::write(self.aws().join("config"), text).unwrap();
        self
    }
    pub fn set(&mut self, k: &str, v: &str) -> &mut Self {
        self.env.insert(k.into(), v.into());
        self
    }
    pub fn resolve(&self) -> Result<Resolution, ChainError> {
        let cwd = self.cwd();
        resolve_chain(&ChainInput {
            env: &self.env,
            home: self.home(),
            cwd: &cwd,
            stage: &self.stage,
            aws_profile_option: self.option.as_deref(),
            provider_profile: self.provider_profile.as_deref(),
            provider_profile_expression: self.provider_expression.as_deref(),
        })
    }
    /// The access key id of the resolved static plan (`None` for other plans / no plan).
    pub fn key(&self) -> Option<String> {
        key_of(
            &self
                .resolve()
                .unwrap_or_else(|e| panic!("chain failed: {e}")),
        )
    }
    pub fn err(&self) -> String {
        match self.resolve() {
            Ok(r) => panic!("expected an error, got {:?}", r.plan),
            Err(e) => e.to_string(),
        }
    }
}

pub fn key_of(r: &Resolution) -> Option<String> {
    match &r.plan {
        Some(Plan::Static { keys, .. }) => Some(keys.access_key_id.clone()),
        _ => None,
    }
}

pub fn state(r: &Resolution, kind: LayerKind) -> LayerState {
    r.layers.iter().find(|l| l.kind == kind).unwrap().state
}

/// A 20-character key id unique to `tag`.
pub fn kid(tag: &str) -> String {
    format!("AKIA{:X<16}", tag.to_uppercase())
}

/// A `[name]` section with static keys (secret derived from the tag).
pub fn section(name: &str, tag: &str) -> String {
    format!(
        "[{name}]\naws_access_key_id = {}\naws_secret_access_key = secret-{tag}\n",
        kid(tag)
    )
}
