//! sls-policy's integration tests, one binary (see README "Tests").

mod expected;
mod custom_resources;
