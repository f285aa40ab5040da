//! Bad `http` / `httpApi` input: each a clear error naming the property path (v3's wording
//! where it has one), and nothing written to `.serverless/`.

use serde_json::{json, Value};
use sls_deploy::{package, PackageInput};

fn run(cfg: &Value) -> String {
    let t = tempfile::tempdir().unwrap();
    std::fs::write(t.path().join("handler.js"), "exports.h = async () => 1;\n").unwrap();
    let out = t.path().join(".serverless");
    let err = package(&PackageInput {
        service_dir: t.path(),
        config: cfg,
        stage: "dev",
        region: "us-east-1",
        out_dir: &out,
        config_file_name: Some("serverless.yml"),
        timestamp: None,
    })
    .expect_err("must be refused");
    let written: Vec<_> = std::fs::read_dir(&out)
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(written.is_empty(), "nothing written, found {written:?}");
    err.to_string()
}

fn svc(events: Value) -> Value {
    json!({
        "service": "demo",
        "provider": {"name": "aws", "stage": "dev", "region": "us-east-1"},
        "functions": {
            "hello": {"handler": "handler.h", "events": events},
            "auth": {"handler": "handler.h"}
        }
    })
}

fn expect(cfg: Value, needles: &[&str]) {
    let e = run(&cfg);
    for n in needles {
        assert!(e.contains(n), "{e:?} should contain {n:?}");
    }
}

#[test]
fn path_with_an_invalid_character() {
    expect(
        svc(json!([{"http": {"path": "users/a b", "method": "get"}}])),
        &["functions.hello.events[0].http.path", "a b"],
    );
    expect(
        svc(json!([{"http": {"path": "users/{id", "method": "get"}}])),
        &["functions.hello.events[0].http.path", "{id"],
    );
    expect(
        svc(json!([{"httpApi": {"path": "no-slash", "method": "get"}}])),
        &["functions.hello.events[0].httpApi.path"],
    );
}

#[test]
fn authorizer_naming_an_unknown_function() {
    expect(
        svc(json!([{"http": {"path": "a", "method": "get", "authorizer": "nope"}}])),
        &[
            "functions.hello.events[0].http.authorizer",
            "Function \"nope\" doesn't exist in this Service",
        ],
    );
    // v3 checks the function before the settings that follow the authorizer (`cors`).
    expect(
        svc(json!([{"http": {"path": "a", "method": "get", "authorizer": "nope", "cors": "yes"}}])),
        &[
            "functions.hello.events[0].http.authorizer",
            "Function \"nope\" doesn't exist in this Service",
        ],
    );
    let mut cfg =
        svc(json!([{"httpApi": {"path": "/a", "method": "get", "authorizer": "missing"}}]));
    expect(
        cfg.clone(),
        &["Event references not configured authorizer 'missing'"],
    );
    cfg["provider"]["httpApi"] =
        json!({"authorizers": {"a": {"type": "request", "functionName": "nope"}}});
    expect(
        cfg,
        &[
            "provider.httpApi.authorizers.a.functionName",
            "Function \"nope\" for HTTP API authorizer \"a\" not found in service",
        ],
    );
}

#[test]
fn cors_of_the_wrong_type() {
    expect(
        svc(json!([{"http": {"path": "a", "method": "get", "cors": "yes"}}])),
        &[
            "functions.hello.events[0].http.cors",
            "must be true or an object",
        ],
    );
    expect(
        svc(json!([{"http": {"path": "a", "method": "get", "cors": {"origin": "*", "bogus": 1}}}])),
        &["functions.hello.events[0].http.cors.bogus"],
    );
    let mut cfg = svc(json!([{"httpApi": "GET /a"}]));
    cfg["provider"]["httpApi"] = json!({"cors": 12});
    expect(cfg, &["provider.httpApi.cors"]);
}

#[test]
fn http_integration_without_a_uri() {
    expect(
        svc(json!([{"http": {"path": "a", "method": "get", "integration": "http"}}])),
        &[
            "functions.hello.events[0].http.request.uri",
            "You need to set the request uri when using the HTTP integration",
        ],
    );
    expect(
        svc(json!([{"http": {"path": "a", "method": "get", "integration": "http-proxy"}}])),
        &["You need to set the request uri when using the HTTP_PROXY integration"],
    );
}

#[test]
fn unknown_keys_and_unsupported_settings_are_refused() {
    expect(
        svc(json!([{"http": {"path": "a", "method": "get", "caching": {"enabled": true}}}])),
        &["functions.hello.events[0].http.caching", "unknown property"],
    );
    expect(
        svc(
            json!([{"http": {"path": "a", "method": "get", "request": {"template": {"a/b": "x"}}}}]),
        ),
        &["functions.hello.events[0].http.request.template"],
    );
    let mut cfg = svc(json!([{"http": "GET a"}]));
    cfg["provider"]["logs"] = json!({"restApi": {"levle": "INFO"}});
    expect(cfg.clone(), &["provider.logs.restApi.levle"]);
    cfg["provider"]["logs"] = json!({"restApi": {"level": "DEBUG"}});
    expect(
        cfg.clone(),
        &["provider.logs.restApi.level", "INFO or ERROR"],
    );
    cfg["provider"].as_object_mut().unwrap().remove("logs");
    // Applied to the stage after the deployment (`aws::api_gateway_stage`, moto_api_gateway.rs).
    cfg["provider"]["tracing"] = json!({"apiGateway": true});
    cfg["provider"]["tags"] = json!({"a": "b"});
    cfg["provider"]["stackTags"] = json!({"c": "d"});
    cfg["provider"]["apiGateway"] = json!({"metrics": true});
    let t = tempfile::tempdir().unwrap();
    std::fs::write(t.path().join("handler.js"), "exports.h = async () => 1;\n").unwrap();
    package(&PackageInput {
        service_dir: t.path(),
        config: &cfg,
        stage: "dev",
        region: "us-east-1",
        out_dir: &t.path().join(".serverless"),
        config_file_name: Some("serverless.yml"),
        timestamp: None,
    })
    .expect("tracing, metrics and stage tags are honoured");
    for k in ["tracing", "tags", "stackTags"] {
        cfg["provider"].as_object_mut().unwrap().remove(k);
    }
    cfg["provider"]["apiGateway"] = json!({"restApiId": "abc"});
    expect(cfg, &["provider.apiGateway.restApiRootResourceId"]);
    expect(
        svc(json!([{"websocket": {"route": "$connect", "authorizer": "nope"}}])),
        &[
            "functions.hello.events[0].websocket.authorizer",
            "Function \"nope\"",
        ],
    );
    let mut cfg = svc(json!([{"websocket": "$connect"}]));
    cfg["provider"]["logs"] = json!({"websocket": {"level": "DEBUG"}});
    expect(
        cfg,
        &[
            "provider.logs.websocket.level",
            "Support values are INFO, ERROR, got DEBUG",
        ],
    );
}
