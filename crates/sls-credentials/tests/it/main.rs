//! sls-credentials's integration tests, one binary: each extra test binary would link the
//! AWS SDK again (see README "Tests"). One module per former test file.

mod chain;
mod common;
mod concurrency;
mod configure;
mod configure_role;
mod properties;
mod redaction;
mod syntax;
