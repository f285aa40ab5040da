//! sls-deploy's integration tests, one binary: each extra test binary would link the
//! AWS SDK again (see README "Tests"). One module per former test file.

mod api_gateway_errors;
mod cloud_front;
#[cfg(feature = "aws")]
mod common;
mod corpus;
#[cfg(feature = "aws")]
mod custom_resources;
mod esbuild;
mod event_errors;
mod layers;
#[cfg(feature = "aws")]
mod moto_aliases;
#[cfg(feature = "aws")]
mod moto_api_gateway;
#[cfg(feature = "aws")]
mod moto_e2e;
#[cfg(feature = "aws")]
mod moto_events;
#[cfg(feature = "aws")]
#[cfg(feature = "aws")]
mod moto_examples;
#[cfg(feature = "aws")]
mod moto_faults;
#[cfg(feature = "aws")]
mod moto_images;
#[cfg(feature = "aws")]
mod moto_layers;
#[cfg(feature = "aws")]
mod moto_policy;
mod package;
mod plugins_js;
mod python_requirements;
mod python_requirements_v3;
mod settings;
mod v3_corpus;
mod v3_corpus_api;
