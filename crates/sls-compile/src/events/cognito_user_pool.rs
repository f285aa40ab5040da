//! `cognitoUserPool` events on pools the stack creates (v3
//! `compile/events/cognito-user-pool.js`, `newCognitoUserPools`): one `AWS::Cognito::UserPool`
//! per pool with every trigger in its `LambdaConfig` (custom sender triggers with their KMS key),
//! and an `AWS::Lambda::Permission` per trigger. Events with `existing: true`
//! (`existingCognitoUserPools`) set triggers of a pool the stack does not own through the custom
//! resource `Custom::CognitoUserPool` (one per function, `<Function>CustomCognitoUserPool1`).

use serde_json::{json, Map, Value};

use super::common::{self, err, path};
use super::custom_resources::{self as cr, Kind};
use crate::error::Result;
use crate::naming;
use sls_config::model::events::{CognitoUserPool, Parsed};
use sls_config::model::{EventKind, Function, Service};

const FAMILY: &str = "cognitoUserPool";

/// The parsed settings of a `cognitoUserPool` event.
fn settings_of(kind: &EventKind) -> Option<&Parsed<CognitoUserPool>> {
    match kind {
        EventKind::CognitoUserPool(s) => Some(s),
        _ => None,
    }
}
pub(super) fn compile_all(service: &Service, template: &mut Value) -> Result<()> {
    // v3 merges a top-level `resources.CognitoUserPool<Name>` after the template is written.
    if let Some(k) = service
        .resources
        .as_ref()
        .and_then(|r| r.keys().find(|k| k.starts_with("CognitoUserPool")))
    {
        return Err(err(
            format!("resources.{k}"),
            "overriding a generated user pool at the top level of `resources` is not supported; put the override under `resources.Resources`",
        ));
    }
    let mut triggers: Vec<(&Function, &CognitoUserPool)> = Vec::new();
    let mut pools: Vec<String> = Vec::new();
    for f in &service.functions {
        for (_, parsed) in common::events_of(f, settings_of) {
            let t = common::parsed(parsed)?;
            if t.existing {
                continue; // v3 `existingCognitoUserPools`, below
            }
            if !pools.contains(&t.pool) {
                pools.push(t.pool.clone());
            }
            triggers.push((f, t));
        }
    }
    for pool in &pools {
        let mut lambda_config = Map::new();
        let mut kms: Option<Value> = None;
        let mut depends_on = Vec::new();
        for (f, t) in triggers.iter().filter(|(_, t)| &t.pool == pool) {
            let target = common::lambda_target(f);
            if t.is_custom_sender() {
                let key = t.kms_key_id.clone().unwrap_or(Value::Null);
                if let Some(previous) = &kms {
                    if previous != &key {
                        return Err(err(
                            format!("functions.{}.events", f.key),
                            format!("Only one KMS Key for can be configured per Cognito User Pool. Affected Cognito User Pool: \"{pool}\""),
                        ));
                    }
                }
                kms = Some(key.clone());
                lambda_config.insert(
                    t.trigger.clone(),
                    json!({"LambdaArn": target, "LambdaVersion": t.lambda_version.clone().unwrap_or(json!("V1_0"))}),
                );
                lambda_config.insert("KMSKeyID".into(), key);
            } else {
                lambda_config.insert(t.trigger.clone(), target);
            }
            depends_on.push(json!(
                naming::target_alias_id(f).unwrap_or_else(|| naming::lambda_logical_id(&f.key))
            ));
        }
        common::merge_resource(
            template,
            &naming::cognito_user_pool_logical_id(pool),
            json!({
                "Type": "AWS::Cognito::UserPool",
                "Properties": {"UserPoolName": pool, "LambdaConfig": lambda_config},
                "DependsOn": depends_on
            }),
        );
    }
    for (f, t) in &triggers {
        common::merge_resource(
            template,
            &naming::lambda_cognito_user_pool_permission_logical_id(&f.key, &t.pool, &t.trigger),
            common::alias_dep(
                f,
                common::invoke_permission(
                    common::lambda_target(f),
                    "cognito-idp.amazonaws.com",
                    json!({"Fn::GetAtt": [naming::cognito_user_pool_logical_id(&t.pool), "Arn"]}),
                ),
            ),
        );
    }
    Ok(())
}

/// v3 `checkKmsArn`'s second half: one KMS key per pool.
fn check_one_key(
    keys: &mut Vec<(String, Value)>,
    pool: &str,
    key: &Value,
    at: String,
) -> Result<()> {
    match keys.iter().find(|(p, _)| p == pool) {
        Some((_, previous)) if previous != key => Err(err(
            at,
            format!("Only one KMS Key for can be configured per Cognito User Pool. Affected Cognito User Pool: \"{pool}\""),
        )),
        Some(_) => Ok(()),
        None => {
            keys.push((pool.to_string(), key.clone()));
            Ok(())
        }
    }
}

/// v3 `existingCognitoUserPools`: a `Custom::CognitoUserPool` per function gathering its
/// triggers (one pool per function), each after the previous one on the same pool, then the
/// custom resource's function with the statements to update those pools.
pub(super) fn compile_existing(
    ctx: &cr::Context<'_>,
    instance_id: &str,
    template: &mut Value,
) -> Result<()> {
    let mut statements = Vec::new();
    let mut on_pool: Vec<(String, Vec<String>)> = Vec::new();
    let mut keys: Vec<(String, Value)> = Vec::new();
    for f in &ctx.service.functions {
        let mut current: Option<String> = None;
        let id = format!(
            "{}CustomCognitoUserPool1",
            naming::normalized_function_name(&f.key)
        );
        for (index, parsed) in common::events_of(f, settings_of) {
            let t = common::parsed(parsed)?;
            if !t.existing {
                continue;
            }
            if let Some(c) = current.as_ref().filter(|c| **c != t.pool) {
                return Err(err(
                    path(f, index, FAMILY, "pool"),
                    format!("Only one Cognito User Pool can be configured per function. In \"{}\" you're attempting to configure \"{c}\" and \"{}\" at the same time", f.name, t.pool),
                ));
            }
            let mut config = Map::new();
            config.insert("Trigger".into(), json!(t.trigger));
            let sender = t.is_custom_sender();
            if sender {
                let key = t.kms_key_id.clone().unwrap_or(Value::Null);
                check_one_key(&mut keys, &t.pool, &key, path(f, index, FAMILY, "kmsKeyId"))?;
                config.insert(
                    "LambdaVersion".into(),
                    t.lambda_version.clone().unwrap_or(json!("V1_0")),
                );
                config.insert("KMSKeyID".into(), key);
            }
            if current.is_none() {
                current = Some(t.pool.clone());
                if let Some(key) = t.kms_key_id.as_ref().filter(|_| sender) {
                    statements.push(
                        json!({"Effect": "Allow", "Resource": key, "Action": ["kms:CreateGrant"]}),
                    );
                }
                cr::FunctionResource {
                    kind: Kind::CognitoUserPool,
                    resource_type: "Custom::CognitoUserPool",
                    function: f,
                    target: ("UserPoolName", json!(t.pool)),
                    configs: ("UserPoolConfigs", Value::Object(config)),
                    force_deploy: t.force_deploy.then_some(instance_id),
                }
                .add(template, &id);
                statements.push(json!({
                    "Effect": "Allow",
                    "Resource": "*",
                    "Action": ["cognito-idp:ListUserPools", "cognito-idp:DescribeUserPool", "cognito-idp:UpdateUserPool"],
                }));
            } else if let Some(list) =
                template["Resources"][&id]["Properties"]["UserPoolConfigs"].as_array_mut()
            {
                list.push(Value::Object(config));
            }
            match on_pool.iter_mut().find(|(p, _)| *p == t.pool) {
                Some((_, ids)) if !ids.contains(&id) => ids.push(id.clone()),
                Some(_) => {}
                None => on_pool.push((t.pool.clone(), vec![id.clone()])),
            }
        }
        if current.is_some() {
            statements.push(json!({
                "Effect": "Allow",
                "Resource": {"Fn::Sub": format!("arn:${{AWS::Partition}}:lambda:*:*:function:{}", f.name)},
                "Action": ["lambda:AddPermission", "lambda:RemovePermission"],
            }));
        }
    }
    if statements.is_empty() {
        return Ok(());
    }
    statements.push(json!({
        "Effect": "Allow",
        "Resource": {"Fn::Sub": "arn:${AWS::Partition}:iam::*:role/*"},
        "Action": ["iam:PassRole"],
    }));
    for (_, ids) in &on_pool {
        for pair in ids.windows(2) {
            if let Some(d) = template["Resources"][&pair[1]]["DependsOn"].as_array_mut() {
                d.push(json!(pair[0]));
            }
        }
    }
    cr::add_to_service(ctx, Kind::CognitoUserPool, statements, template);
    Ok(())
}
