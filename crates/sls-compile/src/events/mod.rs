//! Function events (`functions.<key>.events`), one module per family. sls-config reads each
//! entry once into a typed [`EventKind`] (most families with their settings parsed, the
//! errors kept); [`compile_event`] checks an event by its kind, and each family's module
//! compiles its kind's events. Adding a family is one variant in sls-config, one file here
//! (`<family>.rs`, compiling into the template with ids from [`crate::naming`]) and one arm in
//! the match. Until then a family is [`EventKind::Unknown`] and refused, naming the function
//! and the event, so nothing is deployed without the events the user asked for.

mod alb;
mod alexa;
mod api_gateway;
mod cloud_front;
mod cloudwatch_event;
mod cloudwatch_log;
mod cognito_user_pool;
mod common;
pub mod custom_resources;
mod event_bridge;
mod http_api;
mod iot;
mod iot_fleet_provisioning;
mod kafka;
mod mq;
mod msk;
mod s3;
mod schedule;
mod sns;
mod sqs;
mod stream;
mod websocket;

pub(crate) use common::lambda_target;

use serde_json::{Map, Value};

use crate::error::{DeployError, Result};
use sls_config::model::{Event, EventKind, Function, Service};

pub(super) use cloud_front::{notices as cloud_front_notices, prepare_functions};

/// Families compiled over all functions at once, in v3's plugin order (`lib/plugins/index.js`):
/// each v3 plugin walks every function, then appends its role statements, so the order of
/// resources and of statements follows the family first. Runs after the functions are in the
/// template; each event was already checked by [`compile_event`].
/// `config` is the resolved configuration (provider settings the model does not carry, such as
/// `provider.apiGateway`); `instance_id` is the deployment's timestamp (v3 `instanceId`), and
/// the custom-resource function's zip is in `artifact_directory_name`.
pub(super) fn compile_families(
    service: &Service,
    config: &Value,
    artifact_directory_name: &str,
    instance_id: &str,
    template: &mut Value,
) -> Result<()> {
    let ctx = custom_resources::Context {
        service,
        config,
        artifact_directory_name,
    };
    schedule::compile_all(service, template)?;
    s3::compile_all(service, template)?;
    s3::compile_existing(&ctx, instance_id, template)?;
    api_gateway::compile(&ctx, instance_id, template)?;
    websocket::compile(&ctx, template)?;
    sns::compile_all(service, template)?;
    stream::compile_all(service, template)?;
    kafka::compile_all(service, template)?;
    mq::compile_all(mq::ACTIVEMQ, service, template)?;
    mq::compile_all(mq::RABBITMQ, service, template)?;
    msk::compile_all(service, template)?;
    alb::compile_all(service, template)?;
    alexa::compile_all(alexa::SKILL, service, template)?;
    alexa::compile_all(alexa::SMART_HOME, service, template)?;
    iot::compile_all(service, template)?;
    iot_fleet_provisioning::compile_all(service, template)?;
    cloudwatch_event::compile_all(service, template)?;
    cloudwatch_log::compile_all(service, template)?;
    cognito_user_pool::compile_all(service, template)?;
    cognito_user_pool::compile_existing(&ctx, instance_id, template)?;
    event_bridge::compile_all(&ctx, template)?;
    sqs::compile_all(service, template)?;
    cloud_front::compile_all(service, template)?;
    http_api::compile(service, template)?;
    Ok(())
}

/// Compiles every event of `f` into `template`: each entry's first family, as an entry is
/// read by its key.
pub(super) fn compile(service: &Service, f: &Function, template: &mut Value) -> Result<()> {
    let mut last = None;
    for event in &f.events {
        if last != Some(event.index) {
            compile_event(service, f, event, template)?;
        }
        last = Some(event.index);
    }
    Ok(())
}

/// Service-level checks of the families compiled over all functions (provider settings, an
/// authorizer naming a function, ...): they compile into a scratch template.
pub(super) fn check_families(service: &Service, config: &Value) -> Result<()> {
    let mut scratch = serde_json::json!({"Resources": {}, "Outputs": {}});
    let ctx = custom_resources::Context {
        service,
        config,
        artifact_directory_name: "",
    };
    s3::compile_all(service, &mut scratch)?;
    s3::compile_existing(&ctx, "0", &mut scratch)?;
    event_bridge::compile_all(&ctx, &mut scratch)?;
    cloudwatch_log::compile_all(service, &mut scratch)?;
    cognito_user_pool::compile_all(service, &mut scratch)?;
    cognito_user_pool::compile_existing(&ctx, "0", &mut scratch)?;
    iot_fleet_provisioning::compile_all(service, &mut scratch)?;
    alb::compile_all(service, &mut scratch)?;
    cloud_front::compile_all(service, &mut scratch)?;
    api_gateway::compile(&ctx, "0", &mut scratch)?;
    websocket::compile(&ctx, &mut scratch)?;
    http_api::compile(service, &mut scratch)
}

/// Refuses unsupported events before packaging: compiling into a scratch template is the
/// check, so the supported families are listed only once, in [`compile_event`].
pub(super) fn check(service: &Service, f: &Function) -> Result<()> {
    compile(service, f, &mut Value::Object(Map::new()))
}

fn compile_event(
    service: &Service,
    f: &Function,
    event: &Event,
    _template: &mut Value,
) -> Result<()> {
    let index = event.index;
    match &event.kind {
        // Families compiled by `compile_families`: here only checked, so a bad event stops
        // the command before anything is packaged.
        EventKind::Schedule(parsed) => common::parsed(parsed).map(drop),
        EventKind::Sqs(parsed) => common::parsed(parsed).map(drop),
        EventKind::Stream(parsed) => common::parsed(parsed).map(drop),
        EventKind::Sns(parsed) => common::parsed(parsed).map(drop),
        EventKind::S3(parsed) => common::parsed(parsed).map(drop),
        EventKind::EventBridge(parsed) => common::parsed(parsed).map(drop),
        EventKind::CloudwatchEvent(parsed) => common::parsed(parsed).map(drop),
        EventKind::CloudwatchLog(parsed) => common::parsed(parsed).map(drop),
        EventKind::AlexaSkill(parsed) => common::parsed(parsed).map(drop),
        EventKind::AlexaSmartHome(parsed) => common::parsed(parsed).map(drop),
        EventKind::Iot(parsed) => common::parsed(parsed).map(drop),
        EventKind::IotFleetProvisioning(parsed) => common::parsed(parsed).map(drop),
        EventKind::CognitoUserPool(parsed) => common::parsed(parsed).map(drop),
        EventKind::Kafka(parsed) => common::parsed(parsed).map(drop),
        EventKind::ActiveMq(parsed) => common::parsed(parsed).map(drop),
        EventKind::RabbitMq(parsed) => common::parsed(parsed).map(drop),
        EventKind::Msk(parsed) => common::parsed(parsed).map(drop),
        EventKind::CloudFront(parsed) => cloud_front::check_event(f, index, parsed.as_ref()),
        EventKind::Alb(_) => Ok(()), // checked with the other events in `check_families`
        EventKind::Http(parsed) => api_gateway::check_event(service, f, index, parsed),
        EventKind::HttpApi(parsed) => common::parsed(parsed).map(drop),
        EventKind::Websocket(parsed) => websocket::check_event(service, f, parsed),
        EventKind::Unknown(family) => Err(DeployError::UnsupportedEvent {
            function: f.key.clone(),
            event: family.clone(),
        }),
    }
}
