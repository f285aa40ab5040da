//! sls-invoke's integration tests, one binary: each extra test binary would link the
//! AWS SDK again (see README "Tests"). One module per former test file.

mod common;
mod node;
mod python;
mod request;
