//! `cloudFront` events, Lambda@Edge (v3 `compile/events/cloud-front.js`): one
//! `AWS::CloudFront::Distribution` for the whole service, with an origin per distinct origin
//! and a cache behaviour per path pattern and origin, each associating the function's
//! *version*; an invoke permission per function for `edgelambda.amazonaws.com`; the cache
//! policies of `provider.cloudFront.cachePolicies`; and the Lambda@Edge settings of the
//! functions: versioned, 128 MB and 5 s unless set, no environment, no VPC, retained on delete.
//!
//! Like v3, events that share an origin id (or a path pattern and origin) are merged with
//! v3's `extendDeep` (lodash `assignWith`: values already there win, arrays are united,
//! objects merged), quirks included.

use serde_json::{json, Map, Value};

use super::common::{self, err, js_truthy, path};
use crate::error::Result;
use crate::naming;
use crate::resource_types::{CLOUDFRONT_CACHE_POLICY, CLOUDFRONT_DISTRIBUTION, LAMBDA_VERSION};
use sls_config::model::{EventKind, Function, Service};

const FAMILY: &str = "cloudFront";

/// The settings of a `cloudFront` event written as an object key.
fn settings_of(kind: &EventKind) -> Option<&Value> {
    match kind {
        EventKind::CloudFront(Some(s)) => Some(s),
        _ => None,
    }
}
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
/// AWS's managed `Managed-CachingOptimized` policy, v3's default for a behaviour.
const CACHING_OPTIMIZED: &str = "658327ea-f89d-4fab-a63d-7e88639e58f6";
const PERMISSIONS_DOC: &str =
    "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/lambda-edge-permissions.html";

/// One checked `cloudFront` event.
pub(super) struct Edge<'a> {
    event_type: Option<&'a str>,
    /// Set only when a non-empty string (v3 ignores anything else).
    path_pattern: Option<&'a str>,
    /// The origin as v3's `createOrigin` makes it, `Id` included.
    origin: Map<String, Value>,
    is_default_origin: bool,
    include_body: Option<bool>,
    behavior: Option<&'a Map<String, Value>>,
    cache_policy: Option<CachePolicyRef<'a>>,
}

enum CachePolicyRef<'a> {
    Id(&'a Value),
    Name(&'a str),
}

/// Checks one event (v3's schema and `validate`: the Lambda@Edge memory and timeout limits).
pub(super) fn parse<'a>(
    f: &Function,
    index: usize,
    settings: Option<&'a Value>,
) -> Result<Edge<'a>> {
    let at = |p: &str| path(f, index, FAMILY, p);
    let Some(Value::Object(o)) = settings else {
        return Err(err(
            at(""),
            "must be an object with `eventType` and `origin` (see the Serverless Framework v3 docs for cloudFront events)",
        ));
    };
    if let Some(k) = o.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return Err(err(
            at(k),
            format!("unknown property; use one of {}", KEYS.join(", ")),
        ));
    }
    let event_type = match o.get("eventType") {
        None | Some(Value::Null) => None,
        Some(Value::String(t)) if EVENT_TYPES.contains(&t.as_str()) => Some(t.as_str()),
        Some(v) => {
            return Err(err(
                at("eventType"),
                format!("must be one of {}, got {v}", EVENT_TYPES.join(", ")),
            ))
        }
    };
    check_limits(f, event_type)?;
    let path_pattern = match o.get("pathPattern") {
        None | Some(Value::Null) => None,
        Some(Value::String(p)) if valid_path_pattern(p) => Some(p.as_str()),
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
    Ok(Edge {
        event_type,
        path_pattern,
        origin: origin(o.get("origin"), &at)?,
        is_default_origin: bool_of("isDefaultOrigin")?.unwrap_or(false),
        include_body: bool_of("includeBody")?,
        behavior: behavior_settings(o.get("behavior"), &at)?,
        cache_policy: cache_policy(o.get("cachePolicy"), &at)?,
    })
}

/// v3 `validate`: a function's own `memorySize`/`timeout` within Lambda@Edge's limits for the
/// event type (origin events: 10240 MB, 30 s; viewer events and no type: 128 MB, 5 s).
fn check_limits(f: &Function, event_type: Option<&str>) -> Result<()> {
    let (max_memory, max_timeout) = match event_type {
        Some("origin-request" | "origin-response") => (10240.0, 30.0),
        _ => (128.0, 5.0),
    };
    let shown = event_type.unwrap_or("default");
    let number = |v: &Option<Value>| match v {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    let key = &f.key;
    if number(&f.memory_size).is_some_and(|m| m > max_memory) {
        return Err(err(
            format!("functions.{key}.memorySize"),
            format!("\"{key}\" memorySize is greater than {max_memory} which is not supported by Lambda@Edge functions of type \"{shown}\"; lower it to {max_memory} or less"),
        ));
    }
    if number(&f.timeout).is_some_and(|t| t > max_timeout) {
        return Err(err(
            format!("functions.{key}.timeout"),
            format!("\"{key}\" timeout is greater than {max_timeout} which is not supported by Lambda@Edge functions of type \"{shown}\"; lower it to {max_timeout} or less"),
        ));
    }
    Ok(())
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
    let mut o = match v {
        Some(Value::String(s)) => origin_from_url(s).ok_or_else(|| {
            err(
                at("origin"),
                format!("\"{s}\" is not a URL: use one such as https://example.com/path (a custom origin) or s3://bucket.s3.amazonaws.com (an S3 origin)"),
            )
        })?,
        Some(Value::Object(o)) => {
            check_origin_object(o, at)?;
            o.clone()
        }
        _ => {
            return Err(err(
                at("origin"),
                "is required: a URL (https://example.com/path, s3://bucket.s3.amazonaws.com) or an origin object with `DomainName` and `CustomOriginConfig` or `S3OriginConfig`",
            ))
        }
    };
    let id = naming::cloud_front_origin_id(&Value::Object(o.clone()));
    o.insert("Id".into(), json!(id));
    Ok(o)
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

fn behavior_settings<'a>(
    v: Option<&'a Value>,
    at: &dyn Fn(&str) -> String,
) -> Result<Option<&'a Map<String, Value>>> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(b)) => match b.keys().find(|k| !BEHAVIOR_KEYS.contains(&k.as_str())) {
            Some(k) => Err(err(
                at(&format!("behavior.{k}")),
                format!("unknown property; use one of {}", BEHAVIOR_KEYS.join(", ")),
            )),
            None => Ok(Some(b)),
        },
        Some(v) => Err(err(
            at("behavior"),
            format!("must be an object of cache behaviour properties (ViewerProtocolPolicy, AllowedMethods, ...), got {v}"),
        )),
    }
}

fn cache_policy<'a>(
    v: Option<&'a Value>,
    at: &dyn Fn(&str) -> String,
) -> Result<Option<CachePolicyRef<'a>>> {
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
                (Some(id), None) if js_truthy(id) => Ok(Some(CachePolicyRef::Id(id))),
                (None, Some(Value::String(n))) if !n.is_empty() => {
                    Ok(Some(CachePolicyRef::Name(n)))
                }
                _ => Err(shape()),
            }
        }
        Some(_) => Err(shape()),
    }
}

/// v3 `prepareFunctions` (`before:package:compileFunctions`): a function with a `cloudFront`
/// event is versioned, with 128 MB and 5 s unless it sets its own memory and timeout (the
/// provider's are not used). The configuration shows the same, as v3's state does.
pub fn prepare_functions(service: &mut Service, config: &mut Value) {
    for f in &mut service.functions {
        if !f
            .events
            .iter()
            .any(|e| settings_of(&e.kind).is_some_and(js_truthy))
        {
            continue;
        }
        f.version_function = Some(true);
        if !f.memory_size.as_ref().is_some_and(js_truthy) {
            f.memory_size = Some(json!(128));
        }
        if !f.timeout.as_ref().is_some_and(js_truthy) {
            f.timeout = Some(json!(5));
        }
        if let Some(Value::Object(raw)) = config
            .get_mut("functions")
            .and_then(|fns| fns.get_mut(&f.key))
        {
            raw.insert("versionFunction".into(), json!(true));
            raw.insert(
                "memorySize".into(),
                f.memory_size.clone().unwrap_or_default(),
            );
            raw.insert("timeout".into(), f.timeout.clone().unwrap_or_default());
        }
    }
}

/// `provider.cloudFront`: only `cachePolicies`, an object of cache policy configurations.
fn provider_cache_policies(config: &Value) -> Result<Map<String, Value>> {
    let cf = match config["provider"].get("cloudFront") {
        None | Some(Value::Null) => return Ok(Map::new()),
        Some(Value::Object(cf)) => cf,
        Some(v) => {
            return Err(err(
                "provider.cloudFront".into(),
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
    let mut out = Map::new();
    match cf.get("cachePolicies") {
        None | Some(Value::Null) => {}
        Some(Value::Object(p)) => {
            for (name, c) in p {
                if !c.is_object() {
                    return Err(err(
                        format!("provider.cloudFront.cachePolicies.{name}"),
                        "must be an object: the policy's CachePolicyConfig (DefaultTTL, MinTTL, MaxTTL, ParametersInCacheKeyAndForwardedToOrigin, ...)",
                    ));
                }
                out.insert(name.clone(), c.clone());
            }
        }
        Some(v) => {
            return Err(err(
                "provider.cloudFront.cachePolicies".into(),
                format!("must be an object of named cache policies, got {v}"),
            ))
        }
    }
    Ok(out)
}

/// v3 `compileCloudFrontCachePolicies`: an `AWS::CloudFront::CachePolicy` per entry, named
/// `<service>-<stage>-<name>`. Returns the names.
fn compile_cache_policies(service: &Service, config: &Value, t: &mut Value) -> Result<Vec<String>> {
    let policies = provider_cache_policies(config)?;
    for (name, c) in &policies {
        let mut c = c.as_object().cloned().unwrap_or_default();
        let full = naming::cloud_front_cache_policy_name(&service.name, &service.stage, name);
        c.insert("Name".into(), json!(full));
        t["Resources"][naming::cloud_front_cache_policy_logical_id(name)] = json!({
            "Type": CLOUDFRONT_CACHE_POLICY,
            "Properties": {"CachePolicyConfig": c}
        });
    }
    Ok(policies.keys().cloned().collect())
}

/// A cache behaviour (CloudFormation's `CacheBehavior`), in v3's key order.
type Behavior = Map<String, Value>;

/// The distribution as v3 builds it up, event by event.
#[derive(Default)]
struct Distribution {
    origins: Vec<Map<String, Value>>,
    default_origin: Option<usize>,
    /// Each behaviour, with the property paths of the events merged into it.
    behaviors: Vec<(Behavior, Vec<String>)>,
    /// Each event's function key and version logical id, in event order.
    functions: Vec<(String, String)>,
}

/// v3 `compileCloudFrontEvents` (after `compileCloudFrontCachePolicies`), at its place among
/// the families (after sqs, before httpApi).
pub(super) fn compile_all(service: &Service, config: &Value, t: &mut Value) -> Result<()> {
    let policies = compile_cache_policies(service, config, t)?;
    let mut d = Distribution::default();
    for f in &service.functions {
        for (index, settings) in common::events_of(f, settings_of) {
            if !js_truthy(settings) {
                continue;
            }
            let edge = parse(f, index, Some(settings))?;
            let version = edge_function(f, t);
            d.add(f, index, &edge, version, &policies)?;
        }
    }
    if d.functions.is_empty() {
        return Ok(());
    }
    if service.region != "us-east-1" {
        return Err(err(
            "provider.region".into(),
            format!("CloudFront associated functions have to be deployed to the us-east-1 region (this service deploys to {}); set `provider.region: us-east-1` or deploy with `--region us-east-1`", service.region),
        ));
    }
    let (default_behavior, cache_behaviors) = d.behaviors()?;
    add_permissions(&d.functions, t);
    add_role_settings(t);
    let mut dc = json!({
        "Comment": format!("{} {}", service.name, service.stage),
        "Enabled": true,
        "DefaultCacheBehavior": default_behavior,
        "Origins": d.origins,
    });
    if !cache_behaviors.is_empty() {
        dc["CacheBehaviors"] =
            Value::Array(cache_behaviors.into_iter().map(Value::Object).collect());
    }
    t["Resources"][naming::CLOUDFRONT_DISTRIBUTION_LOGICAL_ID] = json!({
        "Type": CLOUDFRONT_DISTRIBUTION,
        "Properties": {"DistributionConfig": dc}
    });
    let dist = naming::CLOUDFRONT_DISTRIBUTION_LOGICAL_ID;
    t["Outputs"][dist] =
        json!({"Description": "CloudFront Distribution Id", "Value": {"Ref": dist}});
    t["Outputs"][naming::CLOUDFRONT_DISTRIBUTION_DOMAIN_NAME_LOGICAL_ID] = json!({
        "Description": "CloudFront Distribution Domain Name",
        "Value": {"Fn::GetAtt": [dist, "DomainName"]}
    });
    Ok(())
}

/// v3: a Lambda@Edge function has no VPC and no environment, and is retained when the stack
/// is deleted (its replicas outlive it). Returns its version's logical id; while checking
/// (no functions compiled yet) a stand-in per function, so that checks see distinct versions.
fn edge_function(f: &Function, t: &mut Value) -> String {
    let fn_id = naming::lambda_logical_id(&f.key);
    let stand_in = || naming::lambda_version_logical_id(&f.key, "");
    let Some(resources) = t.get_mut("Resources").and_then(Value::as_object_mut) else {
        return stand_in();
    };
    if let Some(Value::Object(res)) = resources.get_mut(&fn_id) {
        if let Some(Value::Object(props)) = res.get_mut("Properties") {
            props.remove("VpcConfig");
            props.remove("Environment");
        }
        res.insert("DeletionPolicy".into(), json!("Retain"));
    }
    resources
        .iter()
        .find(|(_, r)| {
            r["Type"] == LAMBDA_VERSION && r["Properties"]["FunctionName"]["Ref"] == fn_id.as_str()
        })
        .map_or_else(stand_in, |(id, _)| id.clone())
}

impl Distribution {
    /// One event: its origin (merged into one with the same id), its behaviour (merged into
    /// one with the same path pattern and origin).
    fn add(
        &mut self,
        f: &Function,
        index: usize,
        edge: &Edge,
        version: String,
        policies: &[String],
    ) -> Result<()> {
        let at = |p: &str| path(f, index, FAMILY, p);
        let id = edge.origin["Id"].clone();
        let origin = match self.origins.iter().position(|o| o["Id"] == id) {
            Some(i) => {
                extend_deep(&mut self.origins[i], &Value::Object(edge.origin.clone()));
                i
            }
            None => {
                self.origins.push(edge.origin.clone());
                self.origins.len() - 1
            }
        };
        if edge.is_default_origin {
            if self.default_origin.is_some_and(|d| d != origin) {
                return Err(err(
                    at("isDefaultOrigin"),
                    "Found more than one cloudfront event with \"isDefaultOrigin\" defined; set it on the events of one origin only",
                ));
            }
            self.default_origin = Some(origin);
        }
        let behavior = behavior(edge, &id, &version, policies, &at)?;
        let existing = self.behaviors.iter().position(|(b, _)| {
            b.get("PathPattern") == behavior.get("PathPattern") && b["TargetOriginId"] == id
        });
        match existing {
            Some(i) => {
                extend_deep(&mut self.behaviors[i].0, &Value::Object(behavior));
                self.behaviors[i].1.push(at(""));
            }
            None => self.behaviors.push((behavior, vec![at("")])),
        }
        self.functions.push((f.key.clone(), version));
        Ok(())
    }

    /// The default cache behaviour and the others, after v3's checks. The behaviour without a
    /// path pattern is the default; when every one has a pattern, v3 makes a default from the
    /// first (without its pattern and functions) for the default origin.
    fn behaviors(&mut self) -> Result<(Behavior, Vec<Behavior>)> {
        // A stable sort, as v3's: those without a pattern first.
        self.behaviors
            .sort_by_key(|(b, _)| b.get("PathPattern").is_some_and(js_truthy));
        self.check_behaviors()?;
        let mut all: Vec<Behavior> = self.behaviors.iter().map(|(b, _)| b.clone()).collect();
        if all[0].get("PathPattern").is_some_and(js_truthy) {
            let origin = match self.default_origin {
                Some(i) => i,
                None if self.origins.len() > 1 => {
                    return Err(err(
                        self.behaviors[0].1[0].clone(),
                        "Found more than one origin but none of the cloudfront event has \"isDefaultOrigin\" defined; set `isDefaultOrigin: true` on the events of the origin for paths no pattern matches",
                    ))
                }
                None => 0,
            };
            let mut default = all[0].clone();
            default.remove("PathPattern");
            default.remove("LambdaFunctionAssociations");
            default.insert("TargetOriginId".into(), self.origins[origin]["Id"].clone());
            all.insert(0, default);
        }
        let default = all.remove(0);
        Ok((default, all))
    }

    /// v3: one behaviour per path pattern, and one function per event type in a behaviour.
    fn check_behaviors(&self) -> Result<()> {
        for (i, (b, paths)) in self.behaviors.iter().enumerate() {
            let pattern = b.get("PathPattern");
            if self.behaviors[..i]
                .iter()
                .any(|(o, _)| o.get("PathPattern") == pattern)
            {
                return Err(err(
                    paths[0].clone(),
                    "Found more than one behavior with the same PathPattern; give each origin its own pathPattern",
                ));
            }
        }
        for (b, paths) in &self.behaviors {
            let types: Vec<&Value> = b["LambdaFunctionAssociations"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|a| a.get("EventType").unwrap_or(&Value::Null))
                .collect();
            if types
                .iter()
                .enumerate()
                .any(|(i, t)| types[..i].contains(t))
            {
                return Err(err(
                    paths.last().cloned().unwrap_or_default(),
                    "The event type of a function association must be unique in the cache behavior; use one function per event type and path pattern",
                ));
            }
        }
        Ok(())
    }
}

/// An event's cache behaviour, as v3 builds it: `allow-all`, the user's `behavior`, the cache
/// policy (by id, by name from `provider.cloudFront.cachePolicies`, or AWS's
/// CachingOptimized unless the behaviour sets legacy cache settings), the origin and the
/// function association.
fn behavior(
    edge: &Edge,
    origin_id: &Value,
    version: &str,
    policies: &[String],
    at: &dyn Fn(&str) -> String,
) -> Result<Map<String, Value>> {
    let mut b = Map::new();
    b.insert("ViewerProtocolPolicy".into(), json!("allow-all"));
    let mut default_policy = true;
    if let Some(user) = edge.behavior {
        b.extend(user.clone());
        if user.get("CachePolicyId").is_some_and(js_truthy) {
            default_policy = false;
        }
        let set = |k: &str| user.get(k).is_some_and(|v| !v.is_null());
        if user.get("ForwardedValues").is_some_and(js_truthy)
            || set("MaxTTL")
            || set("MinTTL")
            || set("DefaultTTL")
        {
            default_policy = false;
        }
    }
    match &edge.cache_policy {
        Some(CachePolicyRef::Id(id)) => {
            b.insert("CachePolicyId".into(), (*id).clone());
            default_policy = false;
        }
        Some(CachePolicyRef::Name(name)) => {
            if !policies.iter().any(|p| p == name) {
                return Err(err(
                    at("cachePolicy.name"),
                    format!("Event references not configured cache policy '{name}'; define it under provider.cloudFront.cachePolicies"),
                ));
            }
            let id = naming::cloud_front_cache_policy_logical_id(name);
            b.insert("CachePolicyId".into(), json!({"Ref": id}));
            default_policy = false;
        }
        None => {}
    }
    if default_policy {
        b.insert("CachePolicyId".into(), json!(CACHING_OPTIMIZED));
    }
    let mut association = Map::new();
    if let Some(t) = edge.event_type {
        association.insert("EventType".into(), json!(t));
    }
    association.insert("LambdaFunctionARN".into(), json!({"Ref": version}));
    if let Some(i) = edge.include_body {
        association.insert("IncludeBody".into(), json!(i));
    }
    b.insert("TargetOriginId".into(), origin_id.clone());
    b.insert("LambdaFunctionAssociations".into(), json!([association]));
    if let Some(p) = edge.path_pattern {
        b.insert("PathPattern".into(), json!(p));
    }
    Ok(b)
}

/// v3's `extendDeep`: lodash `assignWith` where a value already there wins, arrays are united
/// (deep equality) and objects merged; a string merged into an object adds its characters by
/// index, as JavaScript does (they then come first, as integer keys do in a JS object).
fn extend_deep(object: &mut Map<String, Value>, source: &Value) {
    let entries: Vec<(String, Value)> = match source {
        Value::Object(m) => m.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        Value::Array(a) => a
            .iter()
            .cloned()
            .enumerate()
            .map(|(i, v)| (i.to_string(), v))
            .collect(),
        Value::String(s) => s
            .chars()
            .enumerate()
            .map(|(i, c)| (i.to_string(), json!(c.to_string())))
            .collect(),
        _ => Vec::new(),
    };
    for (k, b) in entries {
        match object.get_mut(&k) {
            Some(Value::Array(a)) => {
                // lodash `uniqWith(a.concat(b), isEqual)`: the first of equal items stays.
                let added = match b {
                    Value::Array(items) => items,
                    other => vec![other],
                };
                let mut united: Vec<Value> = Vec::with_capacity(a.len() + added.len());
                for v in a.drain(..).chain(added) {
                    if !united.contains(&v) {
                        united.push(v);
                    }
                }
                *a = united;
            }
            Some(Value::Object(a)) => extend_deep(a, &b),
            Some(_) => {}
            None => {
                object.insert(k, b);
            }
        }
    }
    sls_config::js_order(object);
}

/// An invoke permission per Lambda@Edge function, on its version, for CloudFront's
/// `edgelambda.amazonaws.com` from this distribution.
fn add_permissions(functions: &[(String, String)], t: &mut Value) {
    for (key, version) in functions {
        let source = json!({"Fn::Join": ["", ["", "arn:", {"Ref": "AWS::Partition"}, ":cloudfront::", {"Ref": "AWS::AccountId"}, ":distribution/", {"Ref": naming::CLOUDFRONT_DISTRIBUTION_LOGICAL_ID}]]});
        let function = json!({"Ref": version});
        t["Resources"][naming::lambda_at_edge_invoke_permission_logical_id(key)] = json!({
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "FunctionName": function,
                "Action": "lambda:InvokeFunction",
                "Principal": "edgelambda.amazonaws.com",
                "SourceArn": source
            }
        });
    }
}

/// v3: the generated role may also be assumed by `edgelambda.amazonaws.com`, and may write
/// logs in every region (Lambda@Edge logs where the function ran).
fn add_role_settings(t: &mut Value) {
    let Some(role) = t["Resources"].get_mut(naming::ROLE_LOGICAL_ID) else {
        return;
    };
    let trust = role.pointer_mut("/Properties/AssumeRolePolicyDocument/Statement");
    if let Some(Value::Array(statements)) = trust {
        let lambda = statements.iter_mut().find(|s| {
            s["Principal"]["Service"]
                .as_array()
                .is_some_and(|a| a.iter().any(|x| x == "lambda.amazonaws.com"))
        });
        if let Some(Value::Array(services)) =
            lambda.and_then(|s| s.pointer_mut("/Principal/Service"))
        {
            services.push(json!("edgelambda.amazonaws.com"));
        }
    }
    if let Some(Value::Array(list)) =
        role.pointer_mut("/Properties/Policies/0/PolicyDocument/Statement")
    {
        list.push(json!({
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:TagResource"],
            "Resource": [{"Fn::Sub": "arn:${AWS::Partition}:logs:*:*:*"}]
        }));
    }
}

/// What v3 logs while compiling: a warning per cache policy no event uses, and, when the
/// service has Lambda@Edge functions but no generated role, a reminder of their permissions.
pub fn notices(service: &Service, config: &Value, t: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let events: Vec<&Value> = service
        .functions
        .iter()
        .flat_map(|f| {
            f.events
                .iter()
                .filter_map(|e| settings_of(&e.kind).filter(|s| js_truthy(s)))
        })
        .collect();
    if let Ok(policies) = provider_cache_policies(config) {
        for name in policies.keys() {
            if !events
                .iter()
                .any(|e| e["cachePolicy"]["name"] == name.as_str())
            {
                out.push(format!("Warning: Setting \"provider.cloudFront.cachePolicies.{name}\" is not used by any cloudFront event configuration."));
            }
        }
    }
    if !events.is_empty() && t["Resources"].get(naming::ROLE_LOGICAL_ID).is_none() {
        out.push(format!("Remember to add required lambda@edge permissions to your execution role. Documentation: {PERMISSIONS_DOC}"));
    }
    out
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

    #[test]
    fn extend_deep_keeps_what_is_there_and_unites_arrays() {
        let mut a = json!({"x": 1, "l": [1, 2], "o": {"k": 1}})
            .as_object()
            .unwrap()
            .clone();
        extend_deep(
            &mut a,
            &json!({"x": 2, "l": [2, 3], "o": {"k": 2, "j": 3}, "n": 4}),
        );
        assert_eq!(
            Value::Object(a),
            json!({"x": 1, "l": [1, 2, 3], "o": {"k": 1, "j": 3}, "n": 4})
        );
        // A string into an object: its characters by index, first (JS key order).
        let mut a = json!({"o": {"Ref": "P"}}).as_object().unwrap().clone();
        extend_deep(&mut a, &json!({"o": "ab"}));
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            r#"{"o":{"0":"a","1":"b","Ref":"P"}}"#
        );
    }
}
