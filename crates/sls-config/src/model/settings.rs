//! The function settings the compiler turns into an `AWS::Lambda::Function` and the resources
//! around it (log group, URL, event invoke config), and the provider's defaults for them.
//! Parsed once, with v3's JavaScript truthiness applied here: a field is `Some` exactly when
//! v3 would use the setting (`architecture` excepted: the plugins read it as written). Values
//! v3 hands to CloudFormation untouched (ARNs or intrinsics, numbers or strings) stay JSON
//! values. Nothing here fails: what v3 refuses is refused where v3 refuses it.

use serde_json::{Map, Value};

use crate::is_truthy;

/// A function's settings beyond name, handler, runtime, memory, timeout and environment.
#[derive(Debug, Clone, Default)]
pub struct FunctionSettings {
    /// `architecture`, as written (v3 compiles it when truthy; the plugins read the string).
    pub architecture: Option<Value>,
    /// `ephemeralStorageSize` (MB).
    pub ephemeral_storage_size: Option<Value>,
    /// `reservedConcurrency`, when set (`0` included).
    pub reserved_concurrency: Option<Value>,
    pub kms_key_arn: Option<Value>,
    /// `tracing` (`true` is `Active`, else the mode as written).
    pub tracing: Option<Value>,
    /// `onError`: the dead-letter target.
    pub on_error: Option<Value>,
    pub runtime_management: Option<RuntimeManagement>,
    pub vpc: VpcSetting,
    pub file_system: Option<FileSystemConfig>,
    /// `layers`: ARNs or `{Ref: <Layer>LambdaLayer}`.
    pub layers: Option<Value>,
    pub disable_logs: bool,
    pub log_data_protection_policy: Option<Value>,
    pub url: Option<FunctionUrlConfig>,
    /// `destinations`, when set (an empty object counts).
    pub destinations: Option<Destinations>,
    pub maximum_event_age: Option<Value>,
    /// `maximumRetryAttempts`, when not null (`0` included).
    pub maximum_retry_attempts: Option<Value>,
    /// `condition`: the CloudFormation condition of the function resource.
    pub condition: Option<Value>,
    /// `dependsOn`: one logical id or a list of them.
    pub depends_on: Vec<Value>,
    /// `httpApi.payload` (JavaScript-truthy): the payload format version of its HTTP API
    /// integration.
    pub http_api_payload: Option<Value>,
}

/// The provider's defaults for the settings in [`FunctionSettings`].
#[derive(Debug, Clone, Default)]
pub struct FunctionDefaults {
    /// `architecture`, as written.
    pub architecture: Option<Value>,
    pub kms_key_arn: Option<Value>,
    /// `tracing.lambda`.
    pub tracing: Option<Value>,
    pub runtime_management: Option<RuntimeManagement>,
    pub layers: Option<Value>,
    /// `vpc` (`securityGroupIds`, `subnetIds`).
    pub vpc: Option<Value>,
    pub log_data_protection_policy: Option<Value>,
}

/// A function's `vpc` key: absent (the provider's applies), `null`/`false` (none at all), or
/// set (its `securityGroupIds`/`subnetIds`, each falling back to the provider's).
#[derive(Debug, Clone, Default, PartialEq)]
pub enum VpcSetting {
    #[default]
    Unset,
    Off,
    On(Value),
}

impl VpcSetting {
    /// `securityGroupIds` or `subnetIds` of the function's own `vpc`, when set (truthy).
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            VpcSetting::On(v) => v.get(key).filter(|v| is_truthy(v)),
            _ => None,
        }
    }
}

/// `runtimeManagement`: a mode string, or `{mode, arn}`. An explicit `null` is kept (`Some(Null)`)
/// because v3 merges the provider's and the function's objects key by key.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuntimeManagement {
    pub mode: Option<Value>,
    pub arn: Option<Value>,
}

/// `fileSystemConfig`: the EFS access point and where it is mounted.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FileSystemConfig {
    pub arn: Option<Value>,
    pub local_mount_path: Option<Value>,
}

/// `url`: a function URL.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FunctionUrlConfig {
    /// `authorizer: aws_iam`.
    pub aws_iam: bool,
    /// `invokeMode: RESPONSE_STREAM`.
    pub response_stream: bool,
    pub cors: Option<UrlCors>,
}

/// `url.cors`, when set (`cors: true` is v3's defaults).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UrlCors {
    pub allow_credentials: bool,
    pub allowed_headers: CorsList,
    pub allowed_methods: CorsList,
    pub allowed_origins: CorsList,
    pub exposed_response_headers: CorsList,
    pub max_age: Option<Value>,
}

/// One list of `url.cors`: not given (v3's default applies), `null` (left out), or given
/// (a list without duplicates, or another value as written).
#[derive(Debug, Clone, Default, PartialEq)]
pub enum CorsList {
    #[default]
    Default,
    Removed,
    Given(Value),
}

/// `destinations.onSuccess` / `onFailure`: a function name, an ARN, or `{type, arn}`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Destinations {
    pub on_success: Option<Value>,
    pub on_failure: Option<Value>,
}

/// The value at `key` when JavaScript-truthy.
fn truthy_at(o: &Map<String, Value>, key: &str) -> Option<Value> {
    o.get(key).filter(|v| is_truthy(v)).cloned()
}

impl FunctionSettings {
    pub(super) fn from_json(f: &Map<String, Value>) -> Self {
        let reserved = f.get("reservedConcurrency");
        FunctionSettings {
            architecture: f.get("architecture").filter(|v| !v.is_null()).cloned(),
            ephemeral_storage_size: truthy_at(f, "ephemeralStorageSize"),
            reserved_concurrency: reserved
                .filter(|r| is_truthy(r) || r.as_f64() == Some(0.0))
                .cloned(),
            kms_key_arn: truthy_at(f, "kmsKeyArn"),
            tracing: truthy_at(f, "tracing"),
            on_error: truthy_at(f, "onError"),
            runtime_management: f
                .get("runtimeManagement")
                .and_then(RuntimeManagement::parse),
            vpc: match f.get("vpc") {
                None => VpcSetting::Unset,
                Some(Value::Null | Value::Bool(false)) => VpcSetting::Off,
                Some(v) => VpcSetting::On(v.clone()),
            },
            file_system: f
                .get("fileSystemConfig")
                .filter(|v| is_truthy(v))
                .map(|fs| FileSystemConfig {
                    arn: fs.get("arn").filter(|v| !v.is_null()).cloned(),
                    local_mount_path: fs.get("localMountPath").filter(|v| !v.is_null()).cloned(),
                }),
            layers: truthy_at(f, "layers"),
            disable_logs: f.get("disableLogs").is_some_and(is_truthy),
            log_data_protection_policy: truthy_at(f, "logDataProtectionPolicy"),
            url: f
                .get("url")
                .filter(|v| is_truthy(v))
                .map(FunctionUrlConfig::parse),
            destinations: f
                .get("destinations")
                .filter(|v| is_truthy(v))
                .map(|d| Destinations {
                    on_success: d.get("onSuccess").filter(|v| is_truthy(v)).cloned(),
                    on_failure: d.get("onFailure").filter(|v| is_truthy(v)).cloned(),
                }),
            maximum_event_age: truthy_at(f, "maximumEventAge"),
            maximum_retry_attempts: f
                .get("maximumRetryAttempts")
                .filter(|v| !v.is_null())
                .cloned(),
            condition: truthy_at(f, "condition"),
            depends_on: match f.get("dependsOn") {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::Array(d)) => d.clone(),
                Some(d) => vec![d.clone()],
            },
            http_api_payload: f
                .get("httpApi")
                .and_then(|h| h.get("payload"))
                .filter(|v| is_truthy(v))
                .cloned(),
        }
    }
}

impl FunctionDefaults {
    pub(super) fn from_json(p: &Map<String, Value>) -> Self {
        FunctionDefaults {
            architecture: p.get("architecture").filter(|v| !v.is_null()).cloned(),
            kms_key_arn: truthy_at(p, "kmsKeyArn"),
            tracing: p
                .get("tracing")
                .and_then(|t| t.get("lambda"))
                .filter(|v| is_truthy(v))
                .cloned(),
            runtime_management: p
                .get("runtimeManagement")
                .and_then(RuntimeManagement::parse),
            layers: truthy_at(p, "layers"),
            vpc: truthy_at(p, "vpc"),
            log_data_protection_policy: truthy_at(p, "logDataProtectionPolicy"),
        }
    }
}

impl RuntimeManagement {
    fn parse(v: &Value) -> Option<Self> {
        match v {
            Value::String(m) => Some(RuntimeManagement {
                mode: Some(Value::String(m.clone())),
                arn: None,
            }),
            Value::Object(o) => Some(RuntimeManagement {
                mode: o.get("mode").cloned(),
                arn: o.get("arn").cloned(),
            }),
            _ => None,
        }
    }
}

impl FunctionUrlConfig {
    fn parse(url: &Value) -> Self {
        FunctionUrlConfig {
            aws_iam: url["authorizer"] == "aws_iam",
            response_stream: url["invokeMode"] == "RESPONSE_STREAM",
            cors: url.get("cors").filter(|v| is_truthy(v)).map(UrlCors::parse),
        }
    }
}

impl UrlCors {
    fn parse(c: &Value) -> Self {
        let list = |key: &str| match c.get(key) {
            Some(Value::Array(a)) => {
                let mut unique: Vec<Value> = Vec::new();
                for v in a {
                    if !unique.contains(v) {
                        unique.push(v.clone());
                    }
                }
                CorsList::Given(Value::Array(unique))
            }
            Some(Value::Null) => CorsList::Removed,
            Some(v) if is_truthy(v) => CorsList::Given(v.clone()),
            _ => CorsList::Default,
        };
        UrlCors {
            allow_credentials: c["allowCredentials"] == true,
            allowed_headers: list("allowedHeaders"),
            allowed_methods: list("allowedMethods"),
            allowed_origins: list("allowedOrigins"),
            exposed_response_headers: list("exposedResponseHeaders"),
            max_age: c.get("maxAge").filter(|m| !m.is_null()).cloned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn settings(v: Value) -> FunctionSettings {
        FunctionSettings::from_json(v.as_object().unwrap())
    }

    #[test]
    fn truthiness_decides_what_is_set() {
        let s = settings(json!({
            "architecture": "", "reservedConcurrency": 0, "maximumRetryAttempts": 0,
            "maximumEventAge": 0, "destinations": {}, "vpc": false, "dependsOn": "A"
        }));
        assert_eq!(s.architecture, Some(json!("")));
        assert_eq!(s.reserved_concurrency, Some(json!(0)));
        assert_eq!(s.maximum_retry_attempts, Some(json!(0)));
        assert_eq!(s.maximum_event_age, None);
        assert_eq!(s.destinations, Some(Destinations::default()));
        assert_eq!(s.vpc, VpcSetting::Off);
        assert_eq!(s.depends_on, vec![json!("A")]);
        assert_eq!(settings(json!({})).vpc, VpcSetting::Unset);
    }

    #[test]
    fn url_cors_lists() {
        let s = settings(
            json!({"url": {"cors": {"allowedMethods": ["GET", "GET"], "allowedOrigins": null, "allowedHeaders": false}}}),
        );
        let cors = s.url.unwrap().cors.unwrap();
        assert_eq!(cors.allowed_methods, CorsList::Given(json!(["GET"])));
        assert_eq!(cors.allowed_origins, CorsList::Removed);
        assert_eq!(cors.allowed_headers, CorsList::Default);
        let plain = settings(json!({"url": true})).url.unwrap();
        assert!(!plain.aws_iam && plain.cors.is_none());
    }
}
