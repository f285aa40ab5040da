//! `provider.apiGateway`: the REST API's settings (API Gateway v1), read once.
//!
//! v3 reads these only when the service has `http` events, and checks them at different steps
//! of its compile (the provider checks first, the API keys last). So a setting's error is kept
//! with it, and the REST API compiler reports it at the step that reads the setting.

use serde_json::{Map, Value};

mod api_keys;

pub use api_keys::{ApiKey, ApiKeyEntry, ApiKeys, NamedPlan, UsagePlan};

use super::events::Parsed;
use super::ModelError;
use crate::is_truthy;

const AT: &str = "provider.apiGateway";

/// The settings `provider.apiGateway` takes (v3's schema, as far as sls compiles it).
const KEYS: &[&str] = &[
    "apiKeys",
    "apiKeySourceType",
    "binaryMediaTypes",
    "description",
    "disableDefaultEndpoint",
    // Applied to the stage after the deployment (sls-deploy's `api_gateway_stage`), as v3 does.
    "metrics",
    "minimumCompressionSize",
    "request",
    "resourcePolicy",
    "restApiId",
    "restApiResources",
    "restApiRootResourceId",
    "shouldStartNameWithService",
    "usagePlan",
    "websocketApiId",
];

/// `provider.apiGateway`, as the REST API compiler reads it.
#[derive(Debug, Clone)]
pub struct ApiGateway {
    /// The provider check: the first unknown setting, then a `restApiId` without its
    /// `restApiRootResourceId`.
    pub check: Parsed<()>,
    /// `restApiId`, when set (JavaScript-truthy): the service attaches to an existing API.
    pub rest_api_id: Option<Value>,
    /// `restApiRootResourceId`, when set (JavaScript-truthy).
    pub rest_api_root_resource_id: Option<Value>,
    /// `restApiResources`: the existing API's resources by path.
    pub rest_api_resources: Parsed<Vec<RestApiResource>>,
    /// `apiKeys` and `usagePlan`, checked together (v3 checks them in one step).
    pub api_keys: Parsed<ApiKeys>,
    /// `resourcePolicy`, when a non-empty list or object.
    pub resource_policy: Option<Value>,
    /// `minimumCompressionSize`, when not null.
    pub minimum_compression_size: Option<Value>,
    /// `binaryMediaTypes`, when set (JavaScript-truthy).
    pub binary_media_types: Option<Value>,
    /// `metrics`, as written (applied to the stage after the deployment).
    pub metrics: Option<Value>,
    pub should_start_name_with_service: bool,
    /// `description`, when set (JavaScript-truthy).
    pub description: Option<Value>,
    /// `disableDefaultEndpoint`, when not null.
    pub disable_default_endpoint: Option<Value>,
    /// `apiKeySourceType` in upper case, when set (JavaScript-truthy).
    pub api_key_source_type: Parsed<Option<String>>,
    /// `request.schemas`: content type → schema (empty when absent).
    pub request_schemas: Map<String, Value>,
    /// `websocketApiId`, as written.
    pub websocket_api_id: Option<Value>,
}

/// One of `restApiResources`: a path of the existing API and its resource id.
#[derive(Debug, Clone, PartialEq)]
pub struct RestApiResource {
    pub path: String,
    /// `name` (list form): the name used in the methods' logical ids.
    pub name: Option<String>,
    /// `resourceId` (list form) or the value (object form), when set (JavaScript-truthy).
    pub resource_id: Option<Value>,
}

impl Default for ApiGateway {
    fn default() -> Self {
        ApiGateway::from_json(&Map::new())
    }
}

/// Reads `provider.apiGateway` (`None` when absent or null).
pub(super) fn parse(provider: &Map<String, Value>) -> Option<Parsed<ApiGateway>> {
    match provider.get("apiGateway") {
        None | Some(Value::Null) => None,
        Some(Value::Object(o)) => Some(Ok(ApiGateway::from_json(o))),
        Some(_) => Some(Err(ModelError::new(AT, "must be an object"))),
    }
}

impl ApiGateway {
    fn from_json(o: &Map<String, Value>) -> Self {
        let truthy = |k: &str| o.get(k).filter(|v| is_truthy(v)).cloned();
        let not_null = |k: &str| o.get(k).filter(|v| !v.is_null()).cloned();
        ApiGateway {
            check: check(o),
            rest_api_id: truthy("restApiId"),
            rest_api_root_resource_id: truthy("restApiRootResourceId"),
            rest_api_resources: rest_api_resources(o.get("restApiResources")),
            api_keys: api_keys::parse(o),
            resource_policy: o
                .get("resourcePolicy")
                .filter(|p| {
                    p.as_array().is_some_and(|a| !a.is_empty())
                        || p.as_object().is_some_and(|o| !o.is_empty())
                })
                .cloned(),
            minimum_compression_size: not_null("minimumCompressionSize"),
            binary_media_types: truthy("binaryMediaTypes"),
            metrics: o.get("metrics").cloned(),
            should_start_name_with_service: o
                .get("shouldStartNameWithService")
                .is_some_and(is_truthy),
            description: truthy("description"),
            disable_default_endpoint: not_null("disableDefaultEndpoint"),
            api_key_source_type: match truthy("apiKeySourceType") {
                None => Ok(None),
                Some(Value::String(t)) => Ok(Some(t.to_uppercase())),
                Some(_) => Err(ModelError::new(
                    format!("{AT}.apiKeySourceType"),
                    "must be HEADER or AUTHORIZER",
                )),
            },
            request_schemas: o
                .get("request")
                .and_then(|r| r.get("schemas"))
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default(),
            websocket_api_id: o.get("websocketApiId").cloned(),
        }
    }
}

/// v3's provider check: no unknown setting, and an existing API needs its root resource id.
fn check(o: &Map<String, Value>) -> Parsed<()> {
    if let Some(k) = o.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return Err(ModelError::new(
            format!("{AT}.{k}"),
            "is not a supported setting; remove it",
        ));
    }
    if o.get("restApiId").is_some_and(is_truthy)
        && !o.get("restApiRootResourceId").is_some_and(is_truthy)
    {
        return Err(ModelError::new(
            format!("{AT}.restApiRootResourceId"),
            "Missing required \"provider.apiGateway.restApiRootResourceId\" property (needed if \"provider.apiGateway.restApiId\" is provided)",
        ));
    }
    Ok(())
}

/// `restApiResources`: a list of `{path, name, resourceId}` or an object of path → id.
fn rest_api_resources(v: Option<&Value>) -> Parsed<Vec<RestApiResource>> {
    let at = format!("{AT}.restApiResources");
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(list)) => list
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let path = r.get("path").and_then(Value::as_str).ok_or_else(|| {
                    ModelError::new(format!("{at}[{i}].path"), "must be a string")
                })?;
                Ok(RestApiResource {
                    path: path.to_string(),
                    name: r.get("name").and_then(Value::as_str).map(str::to_string),
                    resource_id: r.get("resourceId").filter(|v| is_truthy(v)).cloned(),
                })
            })
            .collect(),
        Some(Value::Object(o)) => Ok(o
            .iter()
            .map(|(k, v)| RestApiResource {
                path: k.clone(),
                name: None,
                resource_id: Some(v.clone()).filter(is_truthy),
            })
            .collect()),
        Some(_) => Err(ModelError::new(
            at,
            "must be an object of path → resource id",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(v: Value) -> Option<Parsed<ApiGateway>> {
        parse(json!({ "apiGateway": v }).as_object().expect("object"))
    }

    #[test]
    fn settings_are_typed() {
        let ag = read(json!({
            "restApiId": "abc",
            "restApiRootResourceId": "root",
            "restApiResources": {"/users": "r1", "/empty": ""},
            "apiKeySourceType": "header",
            "shouldStartNameWithService": true,
            "resourcePolicy": [],
            "request": {"schemas": {"m": {"schema": {}}}}
        }))
        .expect("set")
        .expect("valid");
        assert_eq!(ag.check, Ok(()));
        assert_eq!(ag.rest_api_id, Some(json!("abc")));
        assert_eq!(
            ag.rest_api_resources,
            Ok(vec![
                RestApiResource {
                    path: "/users".into(),
                    name: None,
                    resource_id: Some(json!("r1")),
                },
                RestApiResource {
                    path: "/empty".into(),
                    name: None,
                    resource_id: None,
                },
            ])
        );
        assert_eq!(ag.api_key_source_type, Ok(Some("HEADER".into())));
        assert!(ag.should_start_name_with_service);
        assert_eq!(ag.resource_policy, None);
        assert!(ag.request_schemas.contains_key("m"));
    }

    /// Errors are kept per setting, with their path, for the compiler to report in v3's order.
    #[test]
    fn errors_are_kept_with_their_setting() {
        assert!(read(Value::Null).is_none());
        let not_object = read(json!("x")).expect("set").expect_err("an error");
        assert_eq!(not_object.path, "provider.apiGateway");
        let ag = read(json!({
            "restApiId": "abc",
            "apiKeys": {"k": 1},
            "usagePlan": "free",
            "restApiResources": [{"name": "x"}],
            "apiKeySourceType": 5
        }))
        .expect("set")
        .expect("an object");
        let path = |e: Parsed<()>| e.expect_err("an error").path;
        assert_eq!(
            path(ag.check.clone()),
            "provider.apiGateway.restApiRootResourceId"
        );
        assert_eq!(
            path(ag.api_keys.clone().map(|_| ())),
            "provider.apiGateway.apiKeys"
        );
        assert_eq!(
            path(ag.rest_api_resources.clone().map(|_| ())),
            "provider.apiGateway.restApiResources[0].path"
        );
        assert_eq!(
            path(ag.api_key_source_type.clone().map(|_| ())),
            "provider.apiGateway.apiKeySourceType"
        );
        let unknown = read(json!({"restApiId": "abc", "color": 1})).expect("set");
        assert_eq!(
            path(unknown.expect("an object").check),
            "provider.apiGateway.color"
        );
    }
}
