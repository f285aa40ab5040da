//! `cloudFront` events (Lambda@Edge): v3's refusals, with v3's messages, the property path and
//! what to do, before anything is written; and what v3 logs while compiling. The templates
//! themselves are compared with v3's in the corpus (`ev-cloudfront`, `ev-cloudfront-paths`).

use serde_json::{json, Value};
use sls_deploy::{package, PackageInput, PackageResult};

fn service(region: &str, functions: Value) -> Value {
    json!({
        "service": "edge",
        "provider": {"name": "aws", "stage": "dev", "region": region, "runtime": "nodejs18.x"},
        "functions": functions
    })
}

fn run(config: &Value) -> (Result<PackageResult, sls_deploy::DeployError>, bool) {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("handler.js"),
        "exports.h = async () => 1;\n",
    )
    .unwrap();
    let out = tmp.path().join(".serverless");
    let region = config["provider"]["region"].as_str().unwrap().to_string();
    let r = package(&PackageInput {
        service_dir: tmp.path(),
        config,
        stage: "dev",
        region: &region,
        out_dir: &out,
        config_file_name: Some("serverless.yml"),
        timestamp: None,
    });
    (r, out.exists())
}

/// The error's text; nothing may have been written.
fn refused(config: Value) -> String {
    let (r, written) = run(&config);
    let Err(e) = r else { panic!("must be refused") };
    let e = e.to_string();
    assert!(!written, "nothing may be written: {e}");
    e
}

fn one(event: Value) -> Value {
    json!({"hello": {"handler": "handler.h", "events": [{"cloudFront": event}]}})
}

#[test]
fn only_us_east_1() {
    let e = refused(service(
        "eu-west-1",
        one(json!({"eventType": "viewer-request", "origin": "https://example.com"})),
    ));
    assert!(
        e.contains("\"provider.region\"")
            && e.contains(
                "CloudFront associated functions have to be deployed to the us-east-1 region"
            )
            && e.contains("--region us-east-1"),
        "{e}"
    );
}

#[test]
fn memory_and_timeout_limits_per_event_type() {
    let mut f = one(json!({"eventType": "viewer-request", "origin": "https://example.com"}));
    f["hello"]["memorySize"] = json!(256);
    let e = refused(service("us-east-1", f));
    assert!(
        e.contains("\"functions.hello.memorySize\"")
            && e.contains("\"hello\" memorySize is greater than 128 which is not supported by Lambda@Edge functions of type \"viewer-request\""),
        "{e}"
    );
    let mut f = one(json!({"eventType": "origin-request", "origin": "https://example.com"}));
    f["hello"]["timeout"] = json!(31);
    let e = refused(service("us-east-1", f));
    assert!(
        e.contains("\"functions.hello.timeout\"")
            && e.contains("\"hello\" timeout is greater than 30 which is not supported by Lambda@Edge functions of type \"origin-request\""),
        "{e}"
    );
    // Without an event type, v3 applies the viewer limits and calls the type "default".
    let mut f = one(json!({"origin": "https://example.com"}));
    f["hello"]["timeout"] = json!(6);
    let e = refused(service("us-east-1", f));
    assert!(e.contains("of type \"default\""), "{e}");
    // Origin events allow up to 10240 MB and 30 s.
    let mut f = one(json!({"eventType": "origin-response", "origin": "https://example.com"}));
    f["hello"]["memorySize"] = json!(10240);
    f["hello"]["timeout"] = json!(30);
    let (r, _) = run(&service("us-east-1", f));
    let t = r.unwrap().update_template;
    let props = &t["Resources"]["HelloLambdaFunction"]["Properties"];
    assert_eq!(
        (&props["MemorySize"], &props["Timeout"]),
        (&json!(10240), &json!(30))
    );
}

#[test]
fn cache_policy_by_name_must_be_configured() {
    let e = refused(service(
        "us-east-1",
        one(
            json!({"eventType": "viewer-request", "origin": "https://example.com", "cachePolicy": {"name": "nope"}}),
        ),
    ));
    assert!(
        e.contains("functions.hello.events[0].cloudFront.cachePolicy.name")
            && e.contains("Event references not configured cache policy 'nope'")
            && e.contains("provider.cloudFront.cachePolicies"),
        "{e}"
    );
}

#[test]
fn distribution_conflicts_as_v3_refuses_them() {
    let ev = |t: &str, origin: &str, extra: Value| {
        let mut e = json!({"cloudFront": {"eventType": t, "origin": origin}});
        e["cloudFront"]
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        e
    };
    // Two default origins.
    let e = refused(service(
        "us-east-1",
        json!({"hello": {"handler": "handler.h", "events": [
            ev("viewer-request", "https://a.example.com", json!({"isDefaultOrigin": true})),
            ev("origin-request", "https://b.example.com", json!({"isDefaultOrigin": true, "pathPattern": "/b/*"})),
        ]}}),
    ));
    assert!(
        e.contains("functions.hello.events[1].cloudFront.isDefaultOrigin")
            && e.contains("Found more than one cloudfront event with \"isDefaultOrigin\" defined"),
        "{e}"
    );
    // One path pattern on two origins.
    let e = refused(service(
        "us-east-1",
        json!({"hello": {"handler": "handler.h", "events": [
            ev("viewer-request", "https://a.example.com", json!({"pathPattern": "/x/*"})),
            ev("origin-request", "https://b.example.com", json!({"pathPattern": "/x/*"})),
        ]}}),
    ));
    assert!(
        e.contains("Found more than one behavior with the same PathPattern"),
        "{e}"
    );
    // Two functions on one behaviour with the same event type.
    let e = refused(service(
        "us-east-1",
        json!({
            "a": {"handler": "handler.h", "events": [ev("viewer-request", "https://a.example.com", json!({}))]},
            "b": {"handler": "handler.h", "events": [ev("viewer-request", "https://a.example.com", json!({}))]},
        }),
    ));
    assert!(
        e.contains("functions.b.events[0].cloudFront")
            && e.contains(
                "The event type of a function association must be unique in the cache behavior"
            ),
        "{e}"
    );
    // Every behaviour has a pattern, several origins, none the default.
    let e = refused(service(
        "us-east-1",
        json!({"hello": {"handler": "handler.h", "events": [
            ev("viewer-request", "https://a.example.com", json!({"pathPattern": "/a/*"})),
            ev("origin-request", "https://b.example.com", json!({"pathPattern": "/b/*"})),
        ]}}),
    ));
    assert!(
        e.contains("Found more than one origin but none of the cloudfront event has \"isDefaultOrigin\" defined")
            && e.contains("isDefaultOrigin: true"),
        "{e}"
    );
}

#[test]
fn bad_event_settings_name_their_path() {
    for (event, needle) in [
        (
            json!({"eventType": "viewer-request"}),
            "events[0].cloudFront.origin\": is required",
        ),
        (
            json!({"eventType": "sometimes", "origin": "https://a.com"}),
            "events[0].cloudFront.eventType",
        ),
        (json!({"origin": "example.com"}), "is not a URL"),
        (
            json!({"origin": "https://a.com", "pathPattern": "/a b"}),
            "events[0].cloudFront.pathPattern",
        ),
        (
            json!({"origin": "https://a.com", "behavior": {"Nope": 1}}),
            "events[0].cloudFront.behavior.Nope",
        ),
        (
            json!({"origin": "https://a.com", "cachePolicy": {"id": "x", "name": "y"}}),
            "events[0].cloudFront.cachePolicy",
        ),
        (
            json!({"origin": {"DomainName": "a.com"}}),
            "exactly one of `CustomOriginConfig` and `S3OriginConfig`",
        ),
        (
            json!({"origin": "https://a.com", "includeBody": "yes"}),
            "events[0].cloudFront.includeBody",
        ),
        (
            json!({"origin": "https://a.com", "ttl": 1}),
            "events[0].cloudFront.ttl",
        ),
    ] {
        let e = refused(service("us-east-1", one(event.clone())));
        assert!(e.contains(needle), "{event}: {e}");
    }
    let mut c = service("us-east-1", one(json!({"origin": "https://a.com"})));
    c["provider"]["cloudFront"] = json!({"cachePolicies": {"p": {}}, "other": 1});
    assert!(refused(c).contains("provider.cloudFront.other"));
}

#[test]
fn what_v3_logs_while_compiling() {
    // An unused cache policy is a warning; a service without the generated role is reminded
    // of Lambda@Edge's permissions.
    let mut c = service(
        "us-east-1",
        one(json!({"eventType": "viewer-request", "origin": "https://a.com"})),
    );
    c["provider"]["cloudFront"] = json!({"cachePolicies": {"unused": {"DefaultTTL": 1}}});
    c["provider"]["iam"] = json!({"role": "arn:aws:iam::123456789012:role/given"});
    let (r, _) = run(&c);
    let r = r.unwrap();
    assert_eq!(
        r.notices,
        [
            "Warning: Setting \"provider.cloudFront.cachePolicies.unused\" is not used by any cloudFront event configuration.",
            "Remember to add required lambda@edge permissions to your execution role. Documentation: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/lambda-edge-permissions.html",
        ]
    );
    // The cache policy is compiled all the same, named `<service>-<stage>-<name>`.
    assert_eq!(
        r.update_template["Resources"]["CloudFrontCachePolicyUnused"]["Properties"]
            ["CachePolicyConfig"]["Name"],
        json!("edge-dev-unused")
    );
    // The state shows the function as v3 prepared it.
    let f = &r.state["service"]["functions"]["hello"];
    assert_eq!(
        (&f["versionFunction"], &f["memorySize"], &f["timeout"]),
        (&json!(true), &json!(128), &json!(5))
    );
}
