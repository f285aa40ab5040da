//! `provider.httpApi` and `provider.logs.httpApi`: the settings of the service's one HTTP API
//! (API Gateway v2), read once.
//!
//! v3 checks them only when the service has `httpApi` events, after its routes, and an
//! authorizer naming a function is checked against the service's functions in the middle of
//! the authorizer checks. So each part keeps its error, and the HTTP API compiler reports it
//! at the step v3 checks it (settings' keys, authorizers, cors).

use serde_json::{json, Map, Value};

use super::events::Parsed;
use super::ModelError;
use crate::is_truthy as truthy;

const AT: &str = "provider.httpApi";

const KEYS: &[&str] = &[
    "authorizers",
    "cors",
    "disableDefaultEndpoint",
    "id",
    "metrics",
    "name",
    "payload",
    "shouldStartNameWithService",
    "useProviderTags",
];

const AUTHORIZER_KEYS: &[&str] = &[
    "audience",
    "enableSimpleResponses",
    "functionArn",
    "functionName",
    "identitySource",
    "issuerUrl",
    "managedExternally",
    "name",
    "payloadVersion",
    "resultTtlInSeconds",
    "type",
];

const CORS_KEYS: &[&str] = &[
    "allowedOrigins",
    "allowedHeaders",
    "allowedMethods",
    "allowCredentials",
    "exposedResponseHeaders",
    "maxAge",
];

/// The headers v3 allows when `cors` does not list them (HTTP and REST APIs alike).
pub const DEFAULT_CORS_HEADERS: &[&str] = &[
    "Content-Type",
    "X-Amz-Date",
    "Authorization",
    "X-Api-Key",
    "X-Amz-Security-Token",
    "X-Amz-User-Agent",
    "X-Amzn-Trace-Id",
];

/// The provider's settings of the HTTP API.
#[derive(Debug, Clone)]
pub struct HttpApiProvider {
    /// `provider.httpApi` (defaults when absent), or the error of its shape or keys.
    pub settings: Parsed<HttpApiSettings>,
    /// `provider.logs.httpApi` when set (JavaScript-truthy): the access-log format, if given.
    pub logs: Option<HttpApiLogs>,
    /// `provider.logDataProtectionPolicy`, for the access-log group.
    pub log_data_protection_policy: Option<Value>,
}

impl Default for HttpApiProvider {
    fn default() -> Self {
        HttpApiProvider {
            settings: Ok(HttpApiSettings::default()),
            logs: None,
            log_data_protection_policy: None,
        }
    }
}

/// `provider.logs.httpApi`.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpApiLogs {
    /// `format` when set (JavaScript-truthy).
    pub format: Option<Value>,
}

/// `provider.httpApi`.
#[derive(Debug, Clone)]
pub struct HttpApiSettings {
    /// `id` (JavaScript-truthy): the API is external, configured outside this service.
    pub id: Option<Value>,
    /// `name` (JavaScript-truthy), a non-string shown as JSON.
    pub name: Option<String>,
    /// `payload` (JavaScript-truthy): the functions' default payload format version.
    pub payload: Option<Value>,
    /// `cors` (JavaScript-truthy) as a `CorsConfiguration` without its default
    /// `AllowMethods` (the compiler adds the routes' methods), or its error.
    pub cors: Parsed<Option<Map<String, Value>>>,
    /// `authorizers`, each with its own error (in order), or the error of the list.
    pub authorizers: Parsed<Vec<Parsed<HttpApiAuthorizer>>>,
    pub disable_default_endpoint: Option<Value>,
    /// `metrics` (JavaScript-truthy).
    pub metrics: Option<Value>,
    pub should_start_name_with_service: bool,
}

impl Default for HttpApiSettings {
    fn default() -> Self {
        HttpApiSettings {
            id: None,
            name: None,
            payload: None,
            cors: Ok(None),
            authorizers: Ok(Vec::new()),
            disable_default_endpoint: None,
            metrics: None,
            should_start_name_with_service: false,
        }
    }
}

/// One authorizer of `provider.httpApi.authorizers`.
#[derive(Debug, Clone)]
pub struct HttpApiAuthorizer {
    pub key: String,
    /// `name`, else the key.
    pub name: String,
    /// `identitySource` (JavaScript-truthy), else `[]`.
    pub identity_source: Value,
    pub issuer_url: Option<Value>,
    /// `audience` as a set (`[null]` when absent).
    pub audience: Vec<Value>,
    /// `jwt` or `request`.
    pub type_: Option<String>,
    /// `functionName`: the compiler checks that the service has it.
    pub function_name: Option<String>,
    pub function_arn: Option<Value>,
    pub managed_externally: bool,
    pub result_ttl: Option<Value>,
    pub enable_simple_responses: Option<Value>,
    /// `payloadVersion`, else `2.0`.
    pub payload_version: Value,
    /// Where the authorizer is written (`provider.httpApi.authorizers.<key>`).
    pub path: String,
    /// The caching check (`resultTtlInSeconds` needs `identitySource`), which v3 makes after
    /// the function lookup.
    pub cache_check: Parsed<()>,
}

fn err(at: impl Into<String>, m: impl Into<String>) -> ModelError {
    ModelError::new(at, m)
}

/// `new Set(Array.isArray(x) ? x : [x])` as a list.
pub fn to_set(v: &Value) -> Vec<Value> {
    let list = match v {
        Value::Array(a) => a.clone(),
        other => vec![other.clone()],
    };
    let mut out: Vec<Value> = Vec::new();
    for x in list {
        if !out.contains(&x) {
            out.push(x);
        }
    }
    out
}

impl HttpApiProvider {
    pub(crate) fn from_json(p: &Map<String, Value>) -> Self {
        HttpApiProvider {
            settings: parse_settings(p.get("httpApi")),
            logs: p
                .get("logs")
                .and_then(|l| l.get("httpApi"))
                .filter(|v| truthy(v))
                .map(|l| HttpApiLogs {
                    format: l.get("format").filter(|v| truthy(v)).cloned(),
                }),
            log_data_protection_policy: p
                .get("logDataProtectionPolicy")
                .filter(|v| truthy(v))
                .cloned(),
        }
    }
}

fn parse_settings(http: Option<&Value>) -> Parsed<HttpApiSettings> {
    let empty = Map::new();
    let http = match http {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(o)) => o,
        Some(_) => return Err(err(AT, "must be an object")),
    };
    if let Some(k) = http.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return Err(err(
            format!("{AT}.{k}"),
            format!(
                "unknown property \"{k}\" (supported: {}); remove it",
                KEYS.join(", ")
            ),
        ));
    }
    let set = |k: &str| http.get(k).filter(|v| truthy(v)).cloned();
    let id = set("id");
    let external = id.is_some();
    Ok(HttpApiSettings {
        name: match set("name") {
            Some(Value::String(n)) => Some(n),
            Some(other) => Some(other.to_string()),
            None => None,
        },
        payload: set("payload"),
        cors: parse_cors(http.get("cors"), external),
        authorizers: parse_authorizers(http.get("authorizers"), external),
        disable_default_endpoint: http
            .get("disableDefaultEndpoint")
            .filter(|v| !v.is_null())
            .cloned(),
        metrics: set("metrics"),
        should_start_name_with_service: http.get("shouldStartNameWithService").is_some_and(truthy),
        id,
    })
}

/// `provider.httpApi.authorizers` (none for an external API).
fn parse_authorizers(
    list: Option<&Value>,
    external: bool,
) -> Parsed<Vec<Parsed<HttpApiAuthorizer>>> {
    let Some(list) = list.filter(|v| !v.is_null()) else {
        return Ok(Vec::new());
    };
    let at = "provider.httpApi.authorizers";
    let Some(list) = list.as_object() else {
        return Err(err(at, "must be an object of name → authorizer"));
    };
    if external {
        return Err(err(
            at,
            "Cannot setup authorizers for externally configured HTTP API",
        ));
    }
    Ok(list
        .iter()
        .map(|(key, a)| parse_authorizer(key, a, &format!("{at}.{key}")))
        .collect())
}

/// One authorizer of `provider.httpApi.authorizers` (`at` is its path).
fn parse_authorizer(key: &str, a: &Value, at: &str) -> Parsed<HttpApiAuthorizer> {
    let Some(a) = a.as_object() else {
        return Err(err(at, "must be an object"));
    };
    if let Some(k) = a.keys().find(|k| !AUTHORIZER_KEYS.contains(&k.as_str())) {
        return Err(err(
            format!("{at}.{k}"),
            format!(
                "unknown property \"{k}\" (supported: {}); remove it",
                AUTHORIZER_KEYS.join(", ")
            ),
        ));
    }
    let type_ = match a.get("type") {
        None | Some(Value::Null) => None,
        Some(Value::String(t)) if t == "request" || t == "jwt" => Some(t.clone()),
        Some(_) => return Err(err(format!("{at}.type"), "must be \"jwt\" or \"request\"")),
    };
    let function_name = a
        .get("functionName")
        .and_then(Value::as_str)
        .map(str::to_string);
    let function_arn = a.get("functionArn").filter(|v| truthy(v)).cloned();
    let mut cache_check = Ok(());
    if type_.as_deref() == Some("request") {
        check_request_function(key, at, function_name.is_some(), function_arn.is_some())?;
        cache_check = check_cache(key, a, at);
    } else if a.contains_key("functionName") || a.contains_key("functionArn") {
        return Err(err(
            format!("{at}.type"),
            "an authorizer with a function needs `type: request`",
        ));
    }
    Ok(HttpApiAuthorizer {
        key: key.to_string(),
        name: a
            .get("name")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .unwrap_or(key)
            .to_string(),
        identity_source: a
            .get("identitySource")
            .filter(|v| truthy(v))
            .cloned()
            .unwrap_or(json!([])),
        issuer_url: a.get("issuerUrl").cloned(),
        audience: a
            .get("audience")
            .map(to_set)
            .unwrap_or_else(|| vec![Value::Null]),
        type_,
        function_name,
        function_arn,
        managed_externally: a.get("managedExternally").is_some_and(truthy),
        result_ttl: a
            .get("resultTtlInSeconds")
            .filter(|v| !v.is_null())
            .cloned(),
        enable_simple_responses: a
            .get("enableSimpleResponses")
            .filter(|v| !v.is_null())
            .cloned(),
        payload_version: a
            .get("payloadVersion")
            .filter(|v| truthy(v))
            .cloned()
            .unwrap_or(json!("2.0")),
        path: at.to_string(),
        cache_check,
    })
}

/// A request authorizer names one function: `functionArn`, or `functionName`.
fn check_request_function(key: &str, at: &str, name: bool, arn: bool) -> Parsed<()> {
    if !arn && !name {
        return Err(err(
            at,
            format!("Either \"functionArn\" or \"functionName\" property needs to be set on authorizer \"{key}\""),
        ));
    }
    if arn && name {
        return Err(err(
            at,
            format!("Either \"functionArn\" or \"functionName\" (not both) property needs to be set on authorizer \"{key}\""),
        ));
    }
    Ok(())
}

/// Caching needs an identity source.
fn check_cache(key: &str, a: &Map<String, Value>, at: &str) -> Parsed<()> {
    if a.get("resultTtlInSeconds").is_some_and(truthy)
        && !a.get("identitySource").is_some_and(truthy)
    {
        return Err(err(
            format!("{at}.identitySource"),
            format!("Property \"identitySource\" has to be set on authorizer \"{key}\" when \"resultTtlInSeconds\" is set to non-zero value"),
        ));
    }
    Ok(())
}

/// `provider.httpApi.cors` (JavaScript-truthy), keys in any order.
fn parse_cors(cors: Option<&Value>, external: bool) -> Parsed<Option<Map<String, Value>>> {
    let Some(c) = cors.filter(|v| truthy(v)) else {
        return Ok(None);
    };
    let at = "provider.httpApi.cors";
    if external {
        return Err(err(
            at,
            "Cannot setup CORS rules for externally configured HTTP API",
        ));
    }
    match c {
        Value::Bool(true) => {
            let mut m = Map::new();
            m.insert("AllowOrigins".into(), json!(["*"]));
            m.insert("AllowHeaders".into(), json!(DEFAULT_CORS_HEADERS));
            Ok(Some(m))
        }
        Value::Object(o) => cors_from_object(o).map(Some),
        _ => Err(err(
            at,
            "must be true or an object (allowedOrigins, allowedHeaders, allowedMethods, allowCredentials, exposedResponseHeaders, maxAge)",
        )),
    }
}

/// `provider.httpApi.cors` written as an object.
fn cors_from_object(o: &Map<String, Value>) -> Parsed<Map<String, Value>> {
    if let Some(k) = o.keys().find(|k| !CORS_KEYS.contains(&k.as_str())) {
        return Err(err(
            format!("provider.httpApi.cors.{k}"),
            "unknown property; use allowedOrigins, allowedHeaders, allowedMethods, allowCredentials, exposedResponseHeaders, maxAge",
        ));
    }
    let get = |k: &str| o.get(k).filter(|v| truthy(v));
    let mut m = Map::new();
    if o.get("allowCredentials").is_some_and(truthy) {
        m.insert("AllowCredentials".into(), json!(true));
    }
    m.insert(
        "AllowHeaders".into(),
        get("allowedHeaders")
            .map(|v| Value::Array(to_set(v)))
            .unwrap_or(json!(DEFAULT_CORS_HEADERS)),
    );
    if let Some(v) = get("allowedMethods") {
        m.insert("AllowMethods".into(), Value::Array(to_set(v)));
    }
    m.insert(
        "AllowOrigins".into(),
        get("allowedOrigins")
            .map(|v| Value::Array(to_set(v)))
            .unwrap_or(json!(["*"])),
    );
    if let Some(v) = get("exposedResponseHeaders") {
        m.insert("ExposeHeaders".into(), Value::Array(to_set(v)));
    }
    if let Some(v) = o.get("maxAge").filter(|v| !v.is_null()) {
        m.insert("MaxAge".into(), v.clone());
    }
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider(v: Value) -> HttpApiProvider {
        HttpApiProvider::from_json(v.as_object().expect("an object"))
    }

    #[test]
    fn errors_are_kept_with_their_part() {
        let p = provider(json!({"httpApi": {"nope": 1}}));
        assert_eq!(p.settings.unwrap_err().path, "provider.httpApi.nope");

        let p = provider(json!({"httpApi": {"id": "abc", "cors": true, "authorizers": {}}}));
        let s = p.settings.expect("settings");
        assert_eq!(
            s.authorizers.unwrap_err().message,
            "Cannot setup authorizers for externally configured HTTP API"
        );
        assert_eq!(s.cors.unwrap_err().path, "provider.httpApi.cors");

        let p = provider(json!({"httpApi": {"authorizers": {
            "a": {"type": "request", "functionName": "f", "resultTtlInSeconds": 5},
            "b": {"type": "jwt", "functionArn": "arn"}
        }}}));
        let list = p.settings.expect("settings").authorizers.expect("list");
        let a = list[0].as_ref().expect("a parses");
        assert_eq!(a.function_name.as_deref(), Some("f"));
        assert_eq!(
            a.cache_check.as_ref().unwrap_err().path,
            "provider.httpApi.authorizers.a.identitySource"
        );
        assert_eq!(
            list[1].as_ref().unwrap_err().path,
            "provider.httpApi.authorizers.b.type"
        );
    }

    #[test]
    fn logs_and_defaults() {
        let p = provider(json!({"logs": {"httpApi": true}}));
        assert_eq!(p.logs, Some(HttpApiLogs { format: None }));
        let s = p.settings.expect("settings");
        assert!(s.id.is_none() && s.cors.expect("cors").is_none());
    }
}
