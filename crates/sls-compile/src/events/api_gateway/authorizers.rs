//! Authorizers of `http` events: a function of the service by name, a Lambda ARN, Cognito user
//! pools, `aws_iam`, or an existing authorizer id (v3 `getAuthorizer`, `compileAuthorizers`,
//! `getMethodAuthorization`).

use serde_json::{json, Map, Value};

use super::{HttpEvent, Output, Settings};
use crate::error::{DeployError, Result};
use crate::naming;
use sls_config::model::events::HttpAuthorizer;
use sls_config::model::Service;

/// An `http` event's authorizer with the function it names resolved.
#[derive(Debug, Clone)]
pub(crate) struct Authorizer {
    /// The settings, with `arn` set to the function's ARN when it names a function.
    pub settings: HttpAuthorizer,
    /// The authorizer function's alias (v3 `authorizer.logicalId`), if it has one.
    pub logical_id: Option<String>,
}

impl std::ops::Deref for Authorizer {
    type Target = HttpAuthorizer;

    fn deref(&self) -> &HttpAuthorizer {
        &self.settings
    }
}

impl Authorizer {
    /// `a` with the function it names (checked by [`check_function`]) as its ARN.
    pub fn resolve(service: &Service, a: &HttpAuthorizer) -> Authorizer {
        let mut settings = a.clone();
        let mut logical_id = None;
        if let Some(f) = &a.function {
            settings.arn = Some(crate::events::common::lambda_target_of(service, f));
            logical_id =
                crate::events::common::function(service, f).and_then(naming::target_alias_id);
        }
        Authorizer {
            settings,
            logical_id,
        }
    }
}

/// The function an authorizer names is a function of the service; `at` is the authorizer's
/// path.
pub(crate) fn check_function(service: &Service, name: &str, at: &str) -> Result<()> {
    if !service.functions.iter().any(|f| f.key == name) {
        return Err(DeployError::config(
            at,
            format!("Function \"{name}\" doesn't exist in this Service; name a function of this service, or give the authorizer's `arn`"),
        ));
    }
    Ok(())
}

/// v3 `compileAuthorizers`: one `AWS::ApiGateway::Authorizer` per authorizer with an ARN.
pub(crate) fn compile(s: &Settings<'_>, events: &[HttpEvent], out: &mut Output) {
    for e in events {
        let Some(a) = &e.authorizer else { continue };
        let Some(arn) = &a.arn else { continue };
        let name = a.name.clone().unwrap_or_default();
        let mut props = Map::new();
        if let Some(ttl) = a.result_ttl {
            props.insert("AuthorizerResultTtlInSeconds".into(), json!(ttl));
        }
        if let Some(src) = &a.identity_source {
            props.insert("IdentitySource".into(), json!(src));
        }
        props.insert("Name".into(), json!(name));
        props.insert("RestApiId".into(), s.rest_api_id());
        if let Some(x) = &a.identity_validation_expression {
            props.insert("IdentityValidationExpression".into(), json!(x));
        }
        if a.is_cognito() {
            props.insert("Type".into(), json!("COGNITO_USER_POOLS"));
            props.insert("ProviderARNs".into(), json!([arn]));
        } else {
            props.insert(
                "AuthorizerUri".into(),
                json!({"Fn::Join": ["", [
                    "arn:", {"Ref": "AWS::Partition"}, ":apigateway:", {"Ref": "AWS::Region"},
                    ":lambda:path/2015-03-31/functions/", arn, "/invocations"
                ]]}),
            );
            let t = a.type_.as_deref().map(str::to_uppercase);
            props.insert("Type".into(), json!(t.unwrap_or_else(|| "TOKEN".into())));
        }
        let mut res = Map::new();
        res.insert("Type".into(), json!("AWS::ApiGateway::Authorizer"));
        if let Some(id) = &a.logical_id {
            res.insert("DependsOn".into(), json!(id));
        }
        res.insert("Properties".into(), Value::Object(props));
        out.add(
            &naming::api_gateway_authorizer_logical_id(&name),
            Value::Object(res),
        );
    }
}

/// v3 `getMethodAuthorization`: the method's `AuthorizationType`, `AuthorizerId`, scopes, and
/// its `DependsOn` on the authorizer.
pub(crate) fn method_authorization(http: &HttpEvent) -> Value {
    let Some(a) = &http.authorizer else {
        return json!({"Properties": {"AuthorizationType": "NONE"}});
    };
    if a.type_.as_deref() == Some("AWS_IAM") {
        return json!({"Properties": {"AuthorizationType": "AWS_IAM"}});
    }
    if let (Some(t), Some(id)) = (&a.type_, &a.authorizer_id) {
        let up = t.to_uppercase();
        let auth_type = if up == "TOKEN" || up == "REQUEST" {
            "CUSTOM".to_string()
        } else {
            t.clone()
        };
        let mut r = json!({"Properties": {"AuthorizationType": auth_type, "AuthorizerId": id}});
        if up == "COGNITO_USER_POOLS" {
            if let Some(scopes) = a.scopes.as_ref().filter(|s| !s.is_empty()) {
                r["Properties"]["AuthorizationScopes"] = json!(scopes);
            }
        }
        return r;
    }
    let id = naming::api_gateway_authorizer_logical_id(a.name.as_deref().unwrap_or_default());
    if a.is_cognito() {
        let mut r = json!({
            "Properties": {"AuthorizationType": "COGNITO_USER_POOLS", "AuthorizerId": {"Ref": id}},
            "DependsOn": [id]
        });
        if let Some(scopes) = a.scopes.as_ref().filter(|s| !s.is_empty()) {
            r["Properties"]["AuthorizationScopes"] = json!(scopes);
        }
        return r;
    }
    json!({
        "Properties": {"AuthorizationType": "CUSTOM", "AuthorizerId": {"Ref": id}},
        "DependsOn": [id]
    })
}
