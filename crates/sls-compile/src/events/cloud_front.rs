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
use crate::error::{DeployError, Result};
use crate::naming;
use crate::resource_types::{CLOUDFRONT_CACHE_POLICY, CLOUDFRONT_DISTRIBUTION, LAMBDA_VERSION};
use sls_config::model::events::{CachePolicyRef, CloudFront, CloudFrontSettings, Parsed};
use sls_config::model::{EventKind, Function, Service};

const FAMILY: &str = "cloudFront";

/// The parsed settings of a `cloudFront` event written as an object key.
fn settings_of(kind: &EventKind) -> Option<&Parsed<CloudFront>> {
    match kind {
        EventKind::CloudFront(Some(parsed)) => Some(parsed),
        _ => None,
    }
}
/// AWS's managed `Managed-CachingOptimized` policy, v3's default for a behaviour.
const CACHING_OPTIMIZED: &str = "658327ea-f89d-4fab-a63d-7e88639e58f6";
const PERMISSIONS_DOC: &str =
    "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/lambda-edge-permissions.html";

/// One checked `cloudFront` event.
pub(super) struct Edge<'a> {
    event_type: Option<&'a str>,
    settings: &'a CloudFrontSettings,
    /// The origin with its `Id` (v3's naming).
    origin: Map<String, Value>,
}

/// Checks one event: its settings, with v3's Lambda@Edge memory and timeout limits right
/// after the event type (as v3 `validate` does, on the function as it is at this point).
pub(super) fn parse<'a>(f: &Function, parsed: &'a Parsed<CloudFront>) -> Result<Edge<'a>> {
    let cf = common::parsed(parsed)?;
    let event_type = cf.event_type.as_deref();
    check_limits(f, event_type)?;
    let settings = common::parsed(&cf.settings)?;
    let mut origin = settings.origin.clone();
    let id = naming::cloud_front_origin_id(&Value::Object(origin.clone()));
    origin.insert("Id".into(), json!(id));
    Ok(Edge {
        event_type,
        settings,
        origin,
    })
}

/// Checks one event of `f` (a bare `- cloudFront` is refused as not an object).
pub(super) fn check_event(
    f: &Function,
    index: usize,
    parsed: Option<&Parsed<CloudFront>>,
) -> Result<()> {
    match parsed {
        Some(parsed) => parse(f, parsed).map(drop),
        None => Err(DeployError::from(CloudFront::not_an_object(&f.key, index))),
    }
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

/// v3 `prepareFunctions` (`before:package:compileFunctions`): a function with a `cloudFront`
/// event is versioned, with 128 MB and 5 s unless it sets its own memory and timeout (the
/// provider's are not used). The configuration shows the same, as v3's state does.
pub fn prepare_functions(service: &mut Service, config: &mut Value) {
    for f in &mut service.functions {
        if !f
            .events
            .iter()
            .any(|e| settings_of(&e.kind).is_some_and(|p| p.is_ok()))
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

/// v3 `compileCloudFrontCachePolicies`: an `AWS::CloudFront::CachePolicy` per
/// `provider.cloudFront.cachePolicies` entry, named `<service>-<stage>-<name>`. Returns the
/// names.
fn compile_cache_policies(service: &Service, t: &mut Value) -> Result<Vec<String>> {
    let policies = common::parsed(&service.provider.cloud_front.cache_policies)?;
    for policy in policies {
        let mut c = policy.config.clone();
        let full =
            naming::cloud_front_cache_policy_name(&service.name, &service.stage, &policy.name);
        c.insert("Name".into(), json!(full));
        t["Resources"][naming::cloud_front_cache_policy_logical_id(&policy.name)] = json!({
            "Type": CLOUDFRONT_CACHE_POLICY,
            "Properties": {"CachePolicyConfig": c}
        });
    }
    Ok(policies.iter().map(|p| p.name.clone()).collect())
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
pub(super) fn compile_all(service: &Service, t: &mut Value) -> Result<()> {
    let policies = compile_cache_policies(service, t)?;
    let mut d = Distribution::default();
    for f in &service.functions {
        for (index, parsed) in common::events_of(f, settings_of) {
            let edge = parse(f, parsed)?;
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
        if edge.settings.is_default_origin {
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
    if let Some(user) = &edge.settings.behavior {
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
    match &edge.settings.cache_policy {
        Some(CachePolicyRef::Id(id)) => {
            b.insert("CachePolicyId".into(), id.clone());
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
    if let Some(i) = edge.settings.include_body {
        association.insert("IncludeBody".into(), json!(i));
    }
    b.insert("TargetOriginId".into(), origin_id.clone());
    b.insert("LambdaFunctionAssociations".into(), json!([association]));
    if let Some(p) = &edge.settings.path_pattern {
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
pub fn notices(service: &Service, t: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let events: Vec<&CloudFront> = service
        .functions
        .iter()
        .flat_map(|f| {
            f.events
                .iter()
                .filter_map(|e| settings_of(&e.kind)?.as_ref().ok())
        })
        .collect();
    let uses = |name: &str| {
        events.iter().any(|e| {
            matches!(&e.settings, Ok(s) if matches!(&s.cache_policy, Some(CachePolicyRef::Name(n)) if n == name))
        })
    };
    if let Ok(policies) = &service.provider.cloud_front.cache_policies {
        for policy in policies {
            if !uses(&policy.name) {
                out.push(format!("Warning: Setting \"provider.cloudFront.cachePolicies.{}\" is not used by any cloudFront event configuration.", policy.name));
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
