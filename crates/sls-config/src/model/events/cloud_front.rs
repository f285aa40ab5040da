//! `cloudFront` settings (Lambda@Edge): the event type, then the origin, path pattern, body
//! and behaviour settings and the cache policy; and `provider.cloudFront.cachePolicies`.
//!
//! v3 checks the function's memory and timeout against Lambda@Edge's limits right after the
//! event type, with the values its `prepareFunctions` sets; the compiler does that check, so
//! what v3 checks after it is kept apart ([`CloudFront::settings`]) and reported after it.

use serde_json::{json, Map, Value};

use super::check::{self, err, Result};
use super::Parsed;
use crate::is_truthy as truthy;

const FAMILY: &str = "cloudFront";
const KEYS: &[&str] = &[
    "behavior",
    "cachePolicy",
    "eventType",
    "isDefaultOrigin",
    "includeBody",
    "origin",
    "pathPattern",
];
const EVENT_TYPES: &[&str] = &[
    "viewer-request",
    "origin-request",
    "origin-response",
    "viewer-response",
];
const ORIGIN_KEYS: &[&str] = &[
    "ConnectionAttempts",
    "ConnectionTimeout",
    "CustomOriginConfig",
    "DomainName",
    "OriginAccessControlId",
    "OriginCustomHeaders",
    "OriginPath",
    "S3OriginConfig",
];
const BEHAVIOR_KEYS: &[&str] = &[
    "AllowedMethods",
    "CachedMethods",
    "CachePolicyId",
    "Compress",
    "FieldLevelEncryptionId",
    "OriginRequestPolicyId",
    "ResponseHeadersPolicyId",
    "SmoothStreaming",
    "TrustedSigners",
    "ViewerProtocolPolicy",
    "TrustedKeyGroups",
    "MaxTTL",
    "MinTTL",
    "DefaultTTL",
    "ForwardedValues",
];

/// A `cloudFront` event: `- cloudFront: {eventType, origin, ...}`.
#[derive(Debug, Clone, PartialEq)]
pub struct CloudFront {
    /// `eventType`, one of v3's four; `None` when not set.
    pub event_type: Option<String>,
    /// The other settings, or the error the compiler reports after the Lambda@Edge limits.
    pub settings: Parsed<CloudFrontSettings>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CloudFrontSettings {
    /// `pathPattern`, v3's schema checked.
    pub path_pattern: Option<String>,
    /// The origin as v3's `createOrigin` makes it (a URL read into an origin object), without
    /// its `Id` (v3's naming, the compiler's).
    pub origin: Map<String, Value>,
    pub is_default_origin: bool,
    pub include_body: Option<bool>,
    /// `behavior`: CloudFormation cache behaviour properties, as written.
    pub behavior: Option<Map<String, Value>>,
    pub cache_policy: Option<CachePolicyRef>,
}

/// An event's `cachePolicy`: by id, or by the name of a `provider.cloudFront.cachePolicies`
/// entry (the compiler checks it is one).
#[derive(Debug, Clone, PartialEq)]
pub enum CachePolicyRef {
    Id(Value),
    Name(String),
}

/// `provider.cloudFront`: only `cachePolicies`.
#[derive(Debug, Clone, PartialEq)]
pub struct CloudFrontProvider {
    /// `cachePolicies` in order, or the error the compiler reports when it compiles them.
    pub cache_policies: Parsed<Vec<CachePolicy>>,
}

impl Default for CloudFrontProvider {
    fn default() -> Self {
        CloudFrontProvider {
            cache_policies: Ok(Vec::new()),
        }
    }
}

/// One `provider.cloudFront.cachePolicies` entry: its name and `CachePolicyConfig`.
#[derive(Debug, Clone, PartialEq)]
pub struct CachePolicy {
    pub name: String,
    pub config: Map<String, Value>,
}

impl CloudFront {
    /// The error for an event that is not an object (a bare `- cloudFront` included).
    pub fn not_an_object(function: &str, index: usize) -> crate::model::ModelError {
        err(
            check::path(function, index, FAMILY, ""),
            "must be an object with `eventType` and `origin` (see the Serverless Framework v3 docs for cloudFront events)",
        )
    }
}

pub(super) fn parse(function: &str, index: usize, settings: Option<&Value>) -> Result<CloudFront> {
    let at = |p: &str| check::path(function, index, FAMILY, p);
    let Some(Value::Object(o)) = settings else {
        return Err(CloudFront::not_an_object(function, index));
    };
    if let Some(k) = o.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return Err(err(
            at(k),
            format!("unknown property; use one of {}", KEYS.join(", ")),
        ));
    }
    let event_type = match o.get("eventType") {
        None | Some(Value::Null) => None,
        Some(Value::String(t)) if EVENT_TYPES.contains(&t.as_str()) => Some(t.clone()),
        Some(v) => {
            return Err(err(
                at("eventType"),
                format!("must be one of {}, got {v}", EVENT_TYPES.join(", ")),
            ))
        }
    };
    Ok(CloudFront {
        event_type,
        settings: parse_settings(o, &at),
    })
}

/// What v3 checks after the Lambda@Edge limits, in its order.
fn parse_settings(
    o: &Map<String, Value>,
    at: &dyn Fn(&str) -> String,
) -> Result<CloudFrontSettings> {
    let path_pattern = match o.get("pathPattern") {
        None | Some(Value::Null) => None,
        Some(Value::String(p)) if valid_path_pattern(p) => Some(p.clone()),
        Some(v) => {
            return Err(err(
                at("pathPattern"),
                format!("must be a CloudFront path pattern (letters, digits and _.*?$/~\"'@:+- or &amp;, such as /images/*), got {v}"),
            ))
        }
    };
    let bool_of = |k: &str| match o.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(v) => Err(err(at(k), format!("must be true or false, got {v}"))),
    };
    Ok(CloudFrontSettings {
        path_pattern,
        origin: origin(o.get("origin"), at)?,
        is_default_origin: bool_of("isDefaultOrigin")?.unwrap_or(false),
        include_body: bool_of("includeBody")?,
        behavior: behavior_settings(o.get("behavior"), at)?,
        cache_policy: cache_policy(o.get("cachePolicy"), at)?,
    })
}

/// v3's `pathPattern` schema: `^([A-Za-z0-9_.*?$/~"'@:+-]|&amp;)+$`.
fn valid_path_pattern(p: &str) -> bool {
    let mut rest = p;
    if rest.is_empty() {
        return false;
    }
    while let Some(c) = rest.chars().next() {
        if let Some(r) = rest.strip_prefix("&amp;") {
            rest = r;
        } else if c.is_ascii_alphanumeric() || "_.*?$/~\"'@:+-".contains(c) {
            rest = &rest[1..];
        } else {
            return false;
        }
    }
    true
}

/// v3 `createOrigin`: a URL string (`s3://` for an S3 origin, anything else a custom origin
/// that matches the viewer's protocol), or an origin object as CloudFormation takes it.
fn origin(v: Option<&Value>, at: &dyn Fn(&str) -> String) -> Result<Map<String, Value>> {
    match v {
        Some(Value::String(s)) => origin_from_url(s).ok_or_else(|| {
            err(
                at("origin"),
                format!("\"{s}\" is not a URL: use one such as https://example.com/path (a custom origin) or s3://bucket.s3.amazonaws.com (an S3 origin)"),
            )
        }),
        Some(Value::Object(o)) => {
            check_origin_object(o, at)?;
            Ok(o.clone())
        }
        _ => Err(err(
            at("origin"),
            "is required: a URL (https://example.com/path, s3://bucket.s3.amazonaws.com) or an origin object with `DomainName` and `CustomOriginConfig` or `S3OriginConfig`",
        )),
    }
}

fn check_origin_object(o: &Map<String, Value>, at: &dyn Fn(&str) -> String) -> Result<()> {
    if let Some(k) = o.keys().find(|k| !ORIGIN_KEYS.contains(&k.as_str())) {
        return Err(err(
            at(&format!("origin.{k}")),
            format!("unknown property; use one of {}", ORIGIN_KEYS.join(", ")),
        ));
    }
    if !o
        .get("DomainName")
        .is_some_and(|d| d.is_string() || d.is_object())
    {
        return Err(err(
            at("origin.DomainName"),
            "is required: the origin's domain name (a string or a CloudFormation function)",
        ));
    }
    let custom = o.contains_key("CustomOriginConfig");
    if custom == o.contains_key("S3OriginConfig") {
        return Err(err(
            at("origin"),
            "needs exactly one of `CustomOriginConfig` and `S3OriginConfig`",
        ));
    }
    let policy = &o.get("CustomOriginConfig").unwrap_or(&Value::Null)["OriginProtocolPolicy"];
    if custom
        && !["http-only", "match-viewer", "https-only"].contains(&policy.as_str().unwrap_or(""))
    {
        return Err(err(
            at("origin.CustomOriginConfig.OriginProtocolPolicy"),
            format!("must be http-only, match-viewer or https-only, got {policy}"),
        ));
    }
    Ok(())
}

/// Node's legacy `url.parse` as v3 uses it: the host name (lower-cased, without user or port)
/// and the path when it is more than `/`.
fn origin_from_url(s: &str) -> Option<Map<String, Value>> {
    let (scheme, rest) = s.trim().split_once("://")?;
    let scheme_ok = !scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    if !scheme_ok || rest.chars().any(char::is_whitespace) {
        return None;
    }
    let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (host, tail) = rest.split_at(host_end);
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let host = match host.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
        _ => host,
    };
    if host.is_empty() {
        return None;
    }
    let path = &tail[..tail.find(['?', '#']).unwrap_or(tail.len())];
    let mut o = Map::new();
    o.insert("DomainName".into(), json!(host.to_lowercase()));
    if path.len() > 1 {
        o.insert("OriginPath".into(), json!(path));
    }
    if scheme.eq_ignore_ascii_case("s3") {
        o.insert("S3OriginConfig".into(), json!({}));
    } else {
        o.insert(
            "CustomOriginConfig".into(),
            json!({"OriginProtocolPolicy": "match-viewer"}),
        );
    }
    Some(o)
}

fn behavior_settings(
    v: Option<&Value>,
    at: &dyn Fn(&str) -> String,
) -> Result<Option<Map<String, Value>>> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(b)) => match b.keys().find(|k| !BEHAVIOR_KEYS.contains(&k.as_str())) {
            Some(k) => Err(err(
                at(&format!("behavior.{k}")),
                format!("unknown property; use one of {}", BEHAVIOR_KEYS.join(", ")),
            )),
            None => Ok(Some(b.clone())),
        },
        Some(v) => Err(err(
            at("behavior"),
            format!("must be an object of cache behaviour properties (ViewerProtocolPolicy, AllowedMethods, ...), got {v}"),
        )),
    }
}

fn cache_policy(v: Option<&Value>, at: &dyn Fn(&str) -> String) -> Result<Option<CachePolicyRef>> {
    let shape = || {
        err(
            at("cachePolicy"),
            "must be an object with either `id` (a cache policy id) or `name` (a policy of provider.cloudFront.cachePolicies)",
        )
    };
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(c)) => {
            if c.len() != 1 {
                return Err(shape());
            }
            match (c.get("id"), c.get("name")) {
                (Some(id), None) if truthy(id) => Ok(Some(CachePolicyRef::Id(id.clone()))),
                (None, Some(Value::String(n))) if !n.is_empty() => {
                    Ok(Some(CachePolicyRef::Name(n.clone())))
                }
                _ => Err(shape()),
            }
        }
        Some(_) => Err(shape()),
    }
}

impl CloudFrontProvider {
    pub(crate) fn from_json(p: &Map<String, Value>) -> Self {
        CloudFrontProvider {
            cache_policies: cache_policies(p.get("cloudFront")),
        }
    }
}

/// `provider.cloudFront`: only `cachePolicies`, an object of cache policy configurations.
fn cache_policies(cf: Option<&Value>) -> Result<Vec<CachePolicy>> {
    let cf = match cf {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Object(cf)) => cf,
        Some(v) => {
            return Err(err(
                "provider.cloudFront",
                format!("must be an object with `cachePolicies`, got {v}"),
            ))
        }
    };
    if let Some(k) = cf.keys().find(|k| *k != "cachePolicies") {
        return Err(err(
            format!("provider.cloudFront.{k}"),
            "unknown property; only `cachePolicies` is supported (as in v3)",
        ));
    }
    let policies = match cf.get("cachePolicies") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Object(p)) => p,
        Some(v) => {
            return Err(err(
                "provider.cloudFront.cachePolicies",
                format!("must be an object of named cache policies, got {v}"),
            ))
        }
    };
    let mut out = Vec::new();
    for (name, c) in policies {
        let Value::Object(config) = c else {
            return Err(err(
                format!("provider.cloudFront.cachePolicies.{name}"),
                "must be an object: the policy's CachePolicyConfig (DefaultTTL, MinTTL, MaxTTL, ParametersInCacheKeyAndForwardedToOrigin, ...)",
            ));
        };
        out.push(CachePolicy {
            name: name.clone(),
            config: config.clone(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_origins_as_node_parses_them() {
        let o = origin_from_url("https://User@App.Example.com:8443/base/x?q=1").unwrap();
        assert_eq!(
            Value::Object(o),
            json!({"DomainName": "app.example.com", "OriginPath": "/base/x", "CustomOriginConfig": {"OriginProtocolPolicy": "match-viewer"}})
        );
        let o = origin_from_url("s3://bucket.s3.amazonaws.com").unwrap();
        assert_eq!(
            Value::Object(o),
            json!({"DomainName": "bucket.s3.amazonaws.com", "S3OriginConfig": {}})
        );
        assert!(origin_from_url("https://example.com/")
            .unwrap()
            .get("OriginPath")
            .is_none());
        assert!(origin_from_url("example.com").is_none());
        assert!(origin_from_url("https:///x").is_none());
    }

    #[test]
    fn path_patterns_as_v3s_schema() {
        assert!(valid_path_pattern("/images/*.jpg"));
        assert!(valid_path_pattern("/a&amp;b"));
        assert!(!valid_path_pattern("/a&b"));
        assert!(!valid_path_pattern("/a b"));
        assert!(!valid_path_pattern(""));
    }

    /// An error after the event type is kept apart: the compiler reports it after the
    /// Lambda@Edge limits, as v3 does.
    #[test]
    fn errors_after_the_event_type_are_kept_apart() {
        let cf = parse(
            "f",
            0,
            Some(&json!({"eventType": "origin-request", "origin": "nope"})),
        )
        .unwrap();
        assert_eq!(cf.event_type.as_deref(), Some("origin-request"));
        assert_eq!(
            cf.settings.unwrap_err().path,
            "functions.f.events[0].cloudFront.origin"
        );
        let e = parse("f", 0, Some(&json!({"eventType": "x"}))).unwrap_err();
        assert_eq!(e.path, "functions.f.events[0].cloudFront.eventType");
    }

    #[test]
    fn cache_policies_keep_their_order() {
        let p = json!({"cloudFront": {"cachePolicies": {"b": {"MinTTL": 0}, "a": {}}}});
        let names: Vec<String> = CloudFrontProvider::from_json(p.as_object().unwrap())
            .cache_policies
            .unwrap()
            .into_iter()
            .map(|c| c.name)
            .collect();
        assert_eq!(names, ["b", "a"]);
        let p = json!({"cloudFront": {"cachePolicies": {"a": 1}}});
        let e = CloudFrontProvider::from_json(p.as_object().unwrap())
            .cache_policies
            .unwrap_err();
        assert_eq!(e.path, "provider.cloudFront.cachePolicies.a");
    }
}
