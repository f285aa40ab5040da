//! sls-aws's integration tests, one binary: each extra test binary would link the
//! AWS SDK again (see README "Tests"). One module per former test file.

mod aws_cli_cache;
mod common;
mod moto_auth;
mod sources;
mod sso_login;
mod tls_proxy;
mod variables;
