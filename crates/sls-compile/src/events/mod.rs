//! Function events (`functions.<key>.events`), one module per family. Each entry is a
//! single-key object (`- http: {...}`) or a bare string; [`compile_event`] dispatches on that
//! key. Adding a family is one file here (`<family>.rs`, compiling into the template with ids
//! from [`crate::naming`]) and one arm in the match. Until then a family is refused, naming the
//! function and the event, so nothing is deployed without the events the user asked for.

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
use sls_config::model::{Function, Service};

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
    s3::compile_all(service, config, template)?;
    s3::compile_existing(&ctx, instance_id, template)?;
    api_gateway::compile(&ctx, instance_id, template)?;
    websocket::compile(&ctx, template)?;
    sns::compile_all(service, template)?;
    stream::compile_all(service, config, template)?;
    kafka::compile_all(service, template)?;
    mq::compile_all(mq::ACTIVEMQ, service, template)?;
    mq::compile_all(mq::RABBITMQ, service, template)?;
    msk::compile_all(service, template)?;
    alb::compile_all(service, config, template)?;
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
    cloud_front::compile_all(service, config, template)?;
    http_api::compile(service, config, template)?;
    Ok(())
}

/// Compiles every event of `f` into `template`.
pub(super) fn compile(service: &Service, f: &Function, template: &mut Value) -> Result<()> {
    for (index, event) in f.events.iter().enumerate() {
        compile_event(service, f, index, event, template)?;
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
    s3::compile_all(service, config, &mut scratch)?;
    s3::compile_existing(&ctx, "0", &mut scratch)?;
    event_bridge::compile_all(&ctx, &mut scratch)?;
    cloudwatch_log::compile_all(service, &mut scratch)?;
    cognito_user_pool::compile_all(service, &mut scratch)?;
    cognito_user_pool::compile_existing(&ctx, "0", &mut scratch)?;
    iot_fleet_provisioning::compile_all(service, &mut scratch)?;
    alb::compile_all(service, config, &mut scratch)?;
    cloud_front::compile_all(service, config, &mut scratch)?;
    api_gateway::compile(&ctx, "0", &mut scratch)?;
    websocket::compile(&ctx, &mut scratch)?;
    http_api::compile(service, config, &mut scratch)
}

/// Refuses unsupported events before packaging: compiling into a scratch template is the
/// check, so the supported families are listed only once, in [`compile_event`].
pub(super) fn check(service: &Service, f: &Function) -> Result<()> {
    compile(service, f, &mut Value::Object(Map::new()))
}

/// The family (the entry's only key, or the string itself) and its settings.
fn family(event: &Value) -> (String, Option<&Value>) {
    match event {
        Value::Object(o) => match o.iter().next() {
            Some((k, v)) => (k.clone(), Some(v)),
            None => (String::new(), None),
        },
        Value::String(s) => (s.clone(), None),
        other => (other.to_string(), None),
    }
}

fn compile_event(
    service: &Service,
    f: &Function,
    index: usize,
    event: &Value,
    _template: &mut Value,
) -> Result<()> {
    let (family, settings) = family(event);
    match family.as_str() {
        // Families compiled by `compile_families`: here only checked, so a bad event stops
        // the command before anything is packaged.
        "schedule" => schedule::parse(f, index, settings).map(drop),
        "sqs" => sqs::parse(f, index, settings).map(drop),
        "stream" => stream::parse(f, index, settings).map(drop),
        "sns" => sns::parse(f, index, settings).map(drop),
        "s3" => s3::parse(f, index, settings).map(drop),
        "eventBridge" => event_bridge::parse(f, index, settings).map(drop),
        "cloudwatchEvent" => cloudwatch_event::parse(f, index, settings).map(drop),
        "cloudwatchLog" => cloudwatch_log::parse(f, index, settings).map(drop),
        "alexaSkill" => alexa::parse(alexa::SKILL, f, index, settings).map(drop),
        "alexaSmartHome" => alexa::parse(alexa::SMART_HOME, f, index, settings).map(drop),
        "iot" => iot::parse(f, index, settings).map(drop),
        "iotFleetProvisioning" => iot_fleet_provisioning::parse(f, index, settings).map(drop),
        "cognitoUserPool" => cognito_user_pool::parse(f, index, settings).map(drop),
        "kafka" => kafka::parse(f, index, settings).map(drop),
        "activemq" => mq::parse(mq::ACTIVEMQ, f, index, settings).map(drop),
        "rabbitmq" => mq::parse(mq::RABBITMQ, f, index, settings).map(drop),
        "msk" => msk::parse(f, index, settings).map(drop),
        "cloudFront" => cloud_front::parse(f, index, settings).map(drop),
        "alb" => Ok(()), // checked with the other events in `check_families`
        "http" => api_gateway::check_event(service, f, index, settings),
        "httpApi" => http_api::check_event(f, index, settings),
        "websocket" => websocket::check_event(service, f, index, settings),
        _ => Err(DeployError::UnsupportedEvent {
            function: f.key.clone(),
            event: family,
        }),
    }
}
