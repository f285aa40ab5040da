//! sls-policy's integration tests, one binary (see README "Tests").

mod custom_resources;
mod expected;
