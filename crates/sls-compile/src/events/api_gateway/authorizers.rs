//! Authorizers of `http` events: a function of the service by name, a Lambda ARN, Cognito user
//! pools, `aws_iam`, or an existing authorizer id (v3 `getAuthorizer`, `compileAuthorizers`,
//! `getMethodAuthorization`).

use serde_json::{json, Map, Value};

use super::{truthy, HttpEvent, Output, Settings};
use crate::error::{DeployError, Result};
use crate::naming;
use sls_config::model::Service;

const KEYS: &[&str] = &[
    "arn",
    "authorizerId",
    "claims",
    "identitySource",
    "identityValidationExpression",
    "managedExternally",
    "name",
    "resultTtlInSeconds",
    "scopes",
    "type",
];
const TYPES: &[&str] = &[
    "TOKEN",
    "COGNITO_USER_POOLS",
    "REQUEST",
    "AWS_IAM",
    "CUSTOM",
];

#[derive(Debug, Clone, Default)]
pub(crate) struct Authorizer {
    /// As written (`request`), or `AWS_IAM`.
    pub type_: Option<String>,
    pub name: Option<String>,
    pub arn: Option<Value>,
    pub managed_externally: bool,
    pub authorizer_id: Option<Value>,
    pub result_ttl: Option<i64>,
    pub identity_source: Option<String>,
    pub identity_validation_expression: Option<String>,
    pub claims: Vec<Value>,
    pub scopes: Option<Vec<Value>>,
    /// The authorizer function's alias (v3 `authorizer.logicalId`), if it has one.
    pub logical_id: Option<String>,
}

impl Authorizer {
    fn type_upper(&self) -> String {
        self.type_.as_deref().unwrap_or("").to_uppercase()
    }

    /// A Cognito user pool authorizer (by type, or by its ARN).
    pub fn is_cognito(&self) -> bool {
        self.type_upper() == "COGNITO_USER_POOLS"
            || self
                .arn
                .as_ref()
                .and_then(Value::as_str)
                .is_some_and(is_cognito_arn)
    }
}

fn is_cognito_arn(arn: &str) -> bool {
    // v3 `/^arn:[a-zA-Z-]*:cognito-idp/`
    arn.strip_prefix("arn:")
        .and_then(|rest| {
            let (partition, tail) = rest.split_once(':')?;
            Some(
                partition
                    .chars()
                    .all(|c| c.is_ascii_alphabetic() || c == '-')
                    && tail.starts_with("cognito-idp"),
            )
        })
        .unwrap_or(false)
}

fn function_arn(service: &Service, name: &str, at: &str) -> Result<Value> {
    if !service.functions.iter().any(|f| f.key == name) {
        return Err(DeployError::config(
            at,
            format!("Function \"{name}\" doesn't exist in this Service; name a function of this service, or give the authorizer's `arn`"),
        ));
    }
    Ok(crate::events::common::lambda_target_of(service, name))
}

/// v3 `getAuthorizer`; `at` is the event's path (`functions.<fn>.events[<i>].http`).
pub(crate) fn parse(
    service: &Service,
    v: &Value,
    integration: &str,
    at: &str,
) -> Result<Authorizer> {
    let at = format!("{at}.authorizer");
    let mut a = Authorizer::default();
    let mut function_name: Option<String> = None;
    match v {
        Value::String(s) => {
            if s.eq_ignore_ascii_case("AWS_IAM") {
                a.type_ = Some("AWS_IAM".into());
            } else if !s.contains(':') {
                function_name = Some(s.clone());
                a.name = Some(s.clone());
            } else {
                a.arn = Some(json!(s));
                a.name = Some(naming::authorizer_name_from_arn(s));
            }
        }
        Value::Object(o) => {
            for k in o.keys() {
                if !KEYS.contains(&k.as_str()) {
                    return Err(DeployError::config(
                        format!("{at}.{k}"),
                        format!(
                            "unknown authorizer property \"{k}\" (supported: {}); remove it",
                            KEYS.join(", ")
                        ),
                    ));
                }
            }
            let type_ = match o.get("type") {
                None | Some(Value::Null) => None,
                Some(Value::String(t)) if TYPES.contains(&t.to_uppercase().as_str()) => {
                    Some(t.clone())
                }
                Some(_) => {
                    return Err(DeployError::config(
                        format!("{at}.type"),
                        "must be token, request, cognito_user_pools, aws_iam or custom",
                    ))
                }
            };
            let name = match o.get("name") {
                None | Some(Value::Null) => None,
                Some(Value::String(n)) => Some(n.clone()),
                Some(_) => {
                    return Err(DeployError::config(
                        format!("{at}.name"),
                        "must be a string",
                    ))
                }
            };
            let arn = o.get("arn").filter(|x| truthy(x));
            let authorizer_id = o.get("authorizerId").filter(|x| truthy(x));
            if let (Some(t), Some(id)) = (&type_, authorizer_id) {
                a.type_ = Some(t.clone());
                a.authorizer_id = Some(id.clone());
            } else if type_
                .as_deref()
                .is_some_and(|t| t.eq_ignore_ascii_case("AWS_IAM"))
            {
                a.type_ = Some("AWS_IAM".into());
            } else if let Some(arn) = arn {
                a.arn = Some(arn.clone());
                if let Some(n) = &name {
                    a.name = Some(n.clone());
                } else if let Some(s) = arn.as_str() {
                    a.name = Some(naming::authorizer_name_from_arn(s));
                } else {
                    return Err(DeployError::config(
                        format!("{at}.name"),
                        "Please provide an authorizer name when `arn` is not a string",
                    ));
                }
            } else if let Some(n) = &name {
                function_name = Some(n.clone());
                a.name = Some(n.clone());
            } else {
                return Err(DeployError::config(
                    &at,
                    "Please provide either an authorizer name or ARN",
                ));
            }
            if a.type_.is_none() {
                a.type_ = type_;
            }
            a.result_ttl = Some(match o.get("resultTtlInSeconds") {
                None | Some(Value::Null) => 300,
                Some(Value::Number(n)) if n.as_i64().is_some_and(|n| (0..=3600).contains(&n)) => {
                    n.as_i64().unwrap_or(300)
                }
                Some(_) => {
                    return Err(DeployError::config(
                        format!("{at}.resultTtlInSeconds"),
                        "must be a whole number from 0 to 3600",
                    ))
                }
            });
            a.claims = match o.get("claims") {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::Array(c)) => c.clone(),
                Some(_) => {
                    return Err(DeployError::config(
                        format!("{at}.claims"),
                        "must be a list",
                    ))
                }
            };
            a.scopes = match o.get("scopes") {
                None | Some(Value::Null) => None,
                Some(Value::Array(c)) => Some(c.clone()),
                Some(_) => {
                    return Err(DeployError::config(
                        format!("{at}.scopes"),
                        "must be a list",
                    ))
                }
            };
            for (k, slot) in [
                ("identitySource", &mut a.identity_source),
                (
                    "identityValidationExpression",
                    &mut a.identity_validation_expression,
                ),
            ] {
                match o.get(k) {
                    None | Some(Value::Null) => {}
                    Some(Value::String(s)) => *slot = Some(s.clone()),
                    Some(_) => {
                        return Err(DeployError::config(format!("{at}.{k}"), "must be a string"))
                    }
                }
            }
            a.managed_externally = match o.get("managedExternally") {
                None | Some(Value::Null) => false,
                Some(Value::Bool(b)) => *b,
                Some(_) => {
                    return Err(DeployError::config(
                        format!("{at}.managedExternally"),
                        "must be true or false",
                    ))
                }
            };
        }
        _ => {
            return Err(DeployError::config(
                &at,
                "must be a function name, an ARN, \"aws_iam\" or an object",
            ))
        }
    }
    if let Some(f) = &function_name {
        a.arn = Some(function_arn(service, f, &at)?);
        a.logical_id =
            crate::events::common::function(service, f).and_then(naming::target_alias_id);
    }
    if a.identity_source.is_none() && !(a.type_upper() == "REQUEST" && a.result_ttl == Some(0)) {
        a.identity_source = Some("method.request.header.Authorization".into());
    }
    if integration == "AWS_PROXY"
        && a.arn
            .as_ref()
            .and_then(Value::as_str)
            .is_some_and(is_cognito_arn)
        && !a.claims.is_empty()
    {
        return Err(DeployError::config(
            format!("{at}.claims"),
            "Cognito claims can only be filtered when using the lambda integration type",
        ));
    }
    Ok(a)
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
