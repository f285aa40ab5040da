//! sls-cli's integration tests, one binary: each extra test binary would link the
//! AWS SDK again (see README "Tests"). One module per former test file.

mod aws_vars;
mod chain;
mod cli;
mod common;
mod config_credentials;
mod day_two;
mod esbuild;
mod faults;
mod images;
mod install;
mod interrupt;
mod invoke;
mod layers;
mod least_privilege;
mod module_cycles;
mod moto;
mod plugin_corpus;
mod plugin_host;
mod plugins_dotenv;
mod plugins_js;
mod policy;
mod python_requirements;
mod snapshots;
mod sso;
