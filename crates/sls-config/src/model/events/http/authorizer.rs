//! `authorizer` of an `http` event: a function of the service by name, a Lambda ARN, Cognito
//! user pools, `aws_iam`, or an existing authorizer id (v3 `getAuthorizer`).

use serde_json::{json, Value};

use super::super::check::{err, Result};
use crate::is_truthy as truthy;

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

#[derive(Debug, Clone, Default, PartialEq)]
pub struct HttpAuthorizer {
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
    /// The function of the service it names (`authorizer: <name>` or `{name}` without an
    /// ARN): sls-compile checks it exists and sets [`HttpAuthorizer::arn`] to it.
    pub function: Option<String>,
}

impl HttpAuthorizer {
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

/// v3 `extractAuthorizerNameFromArn`: the part of the ARN's last segment after its last `-`
/// (sls-compile's naming re-exports it).
pub fn authorizer_name_from_arn(arn: &str) -> String {
    let last = arn.rsplit(':').next().unwrap_or(arn);
    last.rsplit('-').next().unwrap_or(last).to_string()
}

/// v3 `getAuthorizer`; `at` is its path (`functions.<fn>.events[<i>].http.authorizer`).
///
/// `function` is set to the function it names as soon as it is known: the caller keeps it on a
/// later error, as v3 checks that function before the checks that follow.
pub(super) fn parse(
    v: &Value,
    integration: &str,
    at: &str,
    function: &mut Option<String>,
) -> Result<HttpAuthorizer> {
    let mut a = HttpAuthorizer::default();
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
                a.name = Some(authorizer_name_from_arn(s));
            }
        }
        Value::Object(o) => {
            for k in o.keys() {
                if !KEYS.contains(&k.as_str()) {
                    return Err(err(
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
                    return Err(err(
                        format!("{at}.type"),
                        "must be token, request, cognito_user_pools, aws_iam or custom",
                    ))
                }
            };
            let name = match o.get("name") {
                None | Some(Value::Null) => None,
                Some(Value::String(n)) => Some(n.clone()),
                Some(_) => return Err(err(format!("{at}.name"), "must be a string")),
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
                    a.name = Some(authorizer_name_from_arn(s));
                } else {
                    return Err(err(
                        format!("{at}.name"),
                        "Please provide an authorizer name when `arn` is not a string",
                    ));
                }
            } else if let Some(n) = &name {
                function_name = Some(n.clone());
                a.name = Some(n.clone());
            } else {
                return Err(err(at, "Please provide either an authorizer name or ARN"));
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
                    return Err(err(
                        format!("{at}.resultTtlInSeconds"),
                        "must be a whole number from 0 to 3600",
                    ))
                }
            });
            a.claims = match o.get("claims") {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::Array(c)) => c.clone(),
                Some(_) => return Err(err(format!("{at}.claims"), "must be a list")),
            };
            a.scopes = match o.get("scopes") {
                None | Some(Value::Null) => None,
                Some(Value::Array(c)) => Some(c.clone()),
                Some(_) => return Err(err(format!("{at}.scopes"), "must be a list")),
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
                    Some(_) => return Err(err(format!("{at}.{k}"), "must be a string")),
                }
            }
            a.managed_externally = match o.get("managedExternally") {
                None | Some(Value::Null) => false,
                Some(Value::Bool(b)) => *b,
                Some(_) => {
                    return Err(err(
                        format!("{at}.managedExternally"),
                        "must be true or false",
                    ))
                }
            };
        }
        _ => {
            return Err(err(
                at,
                "must be a function name, an ARN, \"aws_iam\" or an object",
            ))
        }
    }
    if let Some(f) = &function_name {
        a.function = Some(f.clone());
        *function = Some(f.clone());
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
        return Err(err(
            format!("{at}.claims"),
            "Cognito claims can only be filtered when using the lambda integration type",
        ));
    }
    Ok(a)
}
