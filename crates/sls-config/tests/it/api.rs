//! The public API: finding files, phase 1, external (AWS) sources, print options.

use std::path::Path;

use serde_json::{json, Value};
use sls_config::{
    find_service_file, read_service_file, render_print, resolve_phase1, resolve_service,
    CliOptions, ConfigError, Context, Env, ExternalRequest, ExternalSource, PrintFormat,
};

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

fn resolve(
    dir: &Path,
    options: &CliOptions,
    env: &Env,
    ext: Option<&dyn ExternalSource>,
) -> Result<Value, ConfigError> {
    let ctx = Context {
        options,
        env,
        instance_id: "42".into(),
    };
    let path = find_service_file(dir, None)?.expect("service file");
    let file = read_service_file(&path)?;
    let p1 = resolve_phase1(&file, &ctx)?;
    Ok(resolve_service(&file, &ctx, &p1, ext)?.config)
}

#[test]
fn finds_files_in_v3_order_and_refuses_js() {
    let d = tempfile::tempdir().unwrap();
    assert_eq!(find_service_file(d.path(), None).unwrap(), None);
    write(d.path(), "serverless.json", "{}");
    write(d.path(), "serverless.yaml", "a: 1");
    assert_eq!(
        find_service_file(d.path(), None)
            .unwrap()
            .unwrap()
            .file_name()
            .unwrap(),
        "serverless.yaml"
    );
    let js = tempfile::tempdir().unwrap();
    write(js.path(), "serverless.js", "module.exports = {}");
    let err = find_service_file(js.path(), None).unwrap_err();
    assert!(matches!(err, ConfigError::UnsupportedFormat { .. }));
    assert!(err.to_string().contains("not supported"), "{err}");
    assert!(err.to_string().contains("serverless.yml"), "{err}");
}

#[test]
fn explicit_config_path() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "other.yml", "service: x\n");
    let p = find_service_file(d.path(), Some(Path::new("other.yml")))
        .unwrap()
        .unwrap();
    assert!(p.ends_with("other.yml"));
    let e = find_service_file(d.path(), Some(Path::new("nope.yml"))).unwrap_err();
    assert_eq!(
        e.to_string(),
        "Invalid \"--config\" value: Cannot find \"nope.yml\" in service folder"
    );
    let e = find_service_file(d.path(), Some(Path::new("x.toml"))).unwrap_err();
    assert!(e.to_string().contains("Unsupported file extension"), "{e}");
    assert!(matches!(
        find_service_file(d.path(), Some(Path::new("serverless.ts"))),
        Err(ConfigError::UnsupportedFormat { .. })
    ));
}

#[test]
fn parse_errors_name_file_line_and_column() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "serverless.yml",
        "service: x\nprovider:\n  name: aws\n   bad: indent\n",
    );
    let e = read_service_file(&d.path().join("serverless.yml")).unwrap_err();
    match &e {
        ConfigError::Syntax { name, line, .. } => {
            assert_eq!(name, "serverless.yml");
            assert_eq!(*line, 4);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(
        e.to_string()
            .starts_with("Cannot parse \"serverless.yml\": "),
        "{e}"
    );
    write(d.path(), "serverless.json", "{\"a\": }");
    let e = read_service_file(&d.path().join("serverless.json")).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("Cannot parse \"serverless.json\": JSON parse error"),
        "{e}"
    );
    write(d.path(), "serverless.yaml", "- a\n- b\n");
    let e = read_service_file(&d.path().join("serverless.yaml")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "Invalid configuration at \"serverless.yaml\": Plain object expected"
    );
}

#[test]
fn phase1_stage_region_profile() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "serverless.yml",
        "service: x\nprovider:\n  name: aws\n  stage: ${opt:stage, 'qa'}\n  region: ${env:REGION, 'eu-west-1'}\n  profile: ${self:custom.profiles.${sls:stage}}\ncustom:\n  profiles:\n    qa: qa-profile\n    prod: prod-profile\n  later: ${ssm:/not/needed/in/phase1}\n",
    );
    let file = read_service_file(&d.path().join("serverless.yml")).unwrap();
    let env = Env::new();
    let options = CliOptions::default();
    let ctx = Context {
        options: &options,
        env: &env,
        instance_id: "1".into(),
    };
    let p1 = resolve_phase1(&file, &ctx).unwrap();
    assert_eq!(p1.stage, "qa");
    assert_eq!(p1.region, "eu-west-1");
    assert_eq!(p1.profile.as_deref(), Some("qa-profile"));
    assert_eq!(
        p1.profile_expression.as_deref(),
        Some("${self:custom.profiles.${sls:stage}}")
    );

    let options = CliOptions {
        stage: Some("prod".into()),
        region: Some("ap-south-1".into()),
        ..Default::default()
    };
    let env: Env = [("REGION".to_string(), "us-west-1".to_string())]
        .into_iter()
        .collect();
    let ctx = Context {
        options: &options,
        env: &env,
        instance_id: "1".into(),
    };
    let p1 = resolve_phase1(&file, &ctx).unwrap();
    assert_eq!(
        (p1.stage.as_str(), p1.region.as_str()),
        ("prod", "ap-south-1")
    );
    assert_eq!(p1.profile.as_deref(), Some("prod-profile"));

    // Without AWS, the ssm variable is a clear error in phase 2.
    let e = resolve_service(&file, &ctx, &p1, None).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("Cannot resolve variable at \"custom.later\""),
        "{msg}"
    );
    assert!(msg.contains("need AWS access"), "{msg}");
}

#[test]
fn invalid_stage_is_refused() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "serverless.yml",
        "service: x\nprovider:\n  name: aws\n",
    );
    let file = read_service_file(&d.path().join("serverless.yml")).unwrap();
    let env = Env::new();
    let options = CliOptions {
        stage: Some("my stage".into()),
        ..Default::default()
    };
    let ctx = Context {
        options: &options,
        env: &env,
        instance_id: "1".into(),
    };
    let e = resolve_phase1(&file, &ctx).unwrap_err();
    assert!(matches!(e, ConfigError::InvalidStage { .. }), "{e}");
}

#[test]
fn profile_behind_aws_source_is_inaccessible() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "serverless.yml",
        "service: x\nprovider:\n  name: aws\n  profile: ${ssm:/profile}\n",
    );
    let e = resolve(d.path(), &CliOptions::default(), &Env::new(), None).unwrap_err();
    assert_eq!(
        e.to_string(),
        "Cannot resolve serverless.yml: \"provider.profile\" property is not accessible (configured behind variables which cannot be resolved at this stage)"
    );
}

struct FakeAws;
impl ExternalSource for FakeAws {
    fn resolve(
        &self,
        source: &str,
        address: &str,
        params: &[String],
    ) -> Result<Option<Value>, sls_config::SourceError> {
        match (source, address) {
            ("ssm", "/app/url") => Ok(Some(json!(format!("https://x{}", params.join(","))))),
            ("ssm", "/app/list") => Ok(Some(json!(["a", "b"]))),
            ("cf", "stack.Out") => Ok(Some(json!("from-cf"))),
            ("aws", "accountId") => Ok(Some(json!("123456789012"))),
            ("s3", "bucket/denied") => Err("Access Denied".into()),
            _ => Ok(None),
        }
    }
}

#[test]
fn external_sources_resolve_in_phase2() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "serverless.yml",
        "service: x\nprovider:\n  name: aws\ncustom:\n  url: ${ssm:/app/url}\n  regional: ${ssm(eu-west-1):/app/url}\n  list: ${ssm:/app/list}\n  cf: ${cf:stack.Out}\n  account: arn:${aws:accountId}\n  region: ${aws:region}\n  missing: ${ssm:/nope, 'fallback'}\n  nested: ${self:custom.${ssm:/nope, 'url'}}\n",
    );
    let cfg = resolve(
        d.path(),
        &CliOptions::default(),
        &Env::new(),
        Some(&FakeAws),
    )
    .unwrap();
    assert_eq!(
        cfg["custom"],
        json!({"url": "https://x", "regional": "https://xeu-west-1", "list": ["a", "b"], "cf": "from-cf",
               "account": "arn:123456789012", "region": "us-east-1", "missing": "fallback", "nested": "https://x"})
    );

    write(
        d.path(),
        "serverless.yml",
        "service: x\nprovider:\n  name: aws\ncustom:\n  s3: ${s3:bucket/denied}\n",
    );
    let e = resolve(
        d.path(),
        &CliOptions::default(),
        &Env::new(),
        Some(&FakeAws),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "Cannot resolve serverless.yml: Variables resolution errored with:\n  - Cannot resolve variable at \"custom.s3\": Access Denied"
    );
}

#[test]
fn print_path_transform_and_formats() {
    let cfg = json!({"service": "s", "provider": {"name": "aws", "stage": "dev"}, "list": ["a", "b"], "zero": 0});
    assert_eq!(
        render_print(&cfg, PrintFormat::Text, Some("provider.name"), None).unwrap(),
        "aws\n"
    );
    assert_eq!(
        render_print(&cfg, PrintFormat::Text, Some("provider"), Some("keys")).unwrap(),
        "name\nstage\n"
    );
    assert_eq!(
        render_print(&cfg, PrintFormat::Text, Some("list"), None).unwrap(),
        "a\nb\n"
    );
    assert_eq!(
        render_print(&cfg, PrintFormat::Json, Some("provider"), None).unwrap(),
        "{\n  \"name\": \"aws\",\n  \"stage\": \"dev\"\n}\n"
    );
    assert_eq!(
        render_print(&cfg, PrintFormat::Yaml, Some("provider"), None).unwrap(),
        "name: aws\nstage: dev\n\n"
    );
    let e = render_print(&cfg, PrintFormat::Text, Some("provider"), None).unwrap_err();
    assert_eq!(e.to_string(), "Cannot print an object as \"text\"");
    // v3 treats falsy values as missing.
    let e = render_print(&cfg, PrintFormat::Json, Some("zero"), None).unwrap_err();
    assert_eq!(e.to_string(), "Path \"zero\" not found");
    let e = render_print(&cfg, PrintFormat::Json, Some("nope.deeper"), None).unwrap_err();
    assert_eq!(e.to_string(), "Path \"nope.deeper\" not found");
    let e = render_print(&cfg, PrintFormat::Json, None, Some("values")).unwrap_err();
    assert_eq!(e.to_string(), "Transform can only be \"keys\"");
    assert!("xml".parse::<PrintFormat>().is_err());
}

fn chain(n: usize) -> String {
    let mut y = String::from("service: x\nprovider:\n  name: aws\ncustom:\n");
    for i in 0..n {
        y.push_str(&format!("  a{i}: ${{self:custom.a{}}}\n", i + 1));
    }
    y.push_str(&format!("  a{n}: end\n"));
    y
}

#[test]
fn long_reference_chains_resolve_or_fail_cleanly() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "serverless.yml", &chain(60));
    let cfg = resolve(d.path(), &CliOptions::default(), &Env::new(), None).unwrap();
    assert_eq!(cfg["custom"]["a0"], json!("end"));
    // Far beyond any real service: an error, never a stack overflow.
    write(d.path(), "serverless.yml", &chain(1000));
    let e = resolve(d.path(), &CliOptions::default(), &Env::new(), None).unwrap_err();
    assert!(
        e.to_string().contains("Excessive variables nest depth"),
        "{e}"
    );
}

#[test]
fn yaml_error_message_reads_well() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "serverless.yml",
        "service: bad\nprovider:\n  name: aws\n  runtime: [nodejs18.x\ncustom: x\n",
    );
    let e = read_service_file(&d.path().join("serverless.yml")).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.starts_with("Cannot parse \"serverless.yml\": "),
        "{msg}"
    );
    assert!(msg.contains("line 5"), "{msg}");
}

/// Wraps [`FakeAws`], logging prefetches and the requests `resolve` really answers.
#[derive(Default)]
struct LoggingAws {
    prefetched: std::cell::RefCell<Vec<Vec<String>>>,
    resolved: std::cell::RefCell<Vec<String>>,
}

fn request_text(r: &ExternalRequest) -> String {
    format!("{}({}):{}", r.source, r.params.join(","), r.address)
}

impl ExternalSource for LoggingAws {
    fn resolve(
        &self,
        source: &str,
        address: &str,
        params: &[String],
    ) -> Result<Option<Value>, sls_config::SourceError> {
        self.resolved
            .borrow_mut()
            .push(format!("{source}({}):{address}", params.join(",")));
        FakeAws.resolve(source, address, params)
    }

    fn prefetch(&self, requests: &[ExternalRequest]) {
        self.prefetched
            .borrow_mut()
            .push(requests.iter().map(request_text).collect());
    }
}

#[test]
fn aws_variables_known_up_front_are_prefetched_together() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "serverless.yml",
        "service: x\nprovider:\n  name: aws\ncustom:\n  stage: ${sls:stage}\n  url: ${ssm:/app/url}\n  again: ${ssm:/app/url}\n  regional: ${ssm(eu-west-1):/app/${self:custom.name}}\n  name: url\n  cf: ${cf:stack.Out}\n  missing: ${ssm:/nope, 'fallback'}\n  dependent: ${cf:${ssm:/app/url}.Out, 'none'}\n",
    );
    let aws = LoggingAws::default();
    let cfg = resolve(d.path(), &CliOptions::default(), &Env::new(), Some(&aws)).unwrap();
    assert_eq!(cfg["custom"]["regional"], "https://xeu-west-1");
    assert_eq!(cfg["custom"]["dependent"], "none");
    // One prefetch with every request whose address is known without AWS,
    // each once; the one whose address needs an AWS value is not in it.
    assert_eq!(
        *aws.prefetched.borrow(),
        vec![vec![
            "ssm():/app/url".to_string(),
            "ssm(eu-west-1):/app/url".into(),
            "cf():stack.Out".into(),
            "ssm():/nope".into(),
        ]]
    );
    // The dependent lookup is answered afterwards, through resolve.
    assert!(aws
        .resolved
        .borrow()
        .contains(&"cf():https://x.Out".to_string()));

    // No AWS variable: no prefetch and no AWS request at all.
    write(
        d.path(),
        "serverless.yml",
        "service: x\nprovider:\n  name: aws\ncustom:\n  a: ${sls:stage}\n",
    );
    let aws = LoggingAws::default();
    let cfg = resolve(d.path(), &CliOptions::default(), &Env::new(), Some(&aws)).unwrap();
    assert_eq!(cfg["custom"]["a"], "dev");
    assert!(aws.prefetched.borrow().is_empty());
    assert!(aws.resolved.borrow().is_empty());
}
