//! The built-in serverless-python-requirements through the `sls` binary, with real pip and no
//! network: the wheels are built by the test (python's zipfile) or are the sls-deploy pyreq
//! fixtures' local wheels, installed with `--no-index --find-links`. The layer and module
//! fixtures deploy to moto on loopback.

use std::path::Path;
use std::process::{Command, Output};

fn sls(dir: &Path, home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sls"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .expect("sls runs")
}

/// pip is required, not optional: `scripts/test.sh` checks for it, so a test never passes
/// without running it.
fn require_pip() {
    let ok = Command::new("python3")
        .args(["-m", "pip", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "python3 -m pip is not available: these tests run the real pip (see README \"Tests\")"
    );
}

const WHEEL: &str = r#"
import sys, zipfile
d = sys.argv[1]
z = zipfile.ZipFile(d + "/tinypkg-1.0-py3-none-any.whl", "w")
files = {
    "tinypkg/__init__.py": "NAME = 'tinypkg'\n",
    "tinypkg-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: tinypkg\nVersion: 1.0\n",
    "tinypkg-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: t\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
}
for n, b in files.items():
    z.writestr(n, b)
z.writestr("tinypkg-1.0.dist-info/RECORD", "".join(n + ",,\n" for n in files) + "tinypkg-1.0.dist-info/RECORD,,\n")
z.close()
"#;

fn service(extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let wheels = dir.path().join("wheels");
    std::fs::create_dir_all(&wheels).unwrap();
    let st = Command::new("python3")
        .args(["-c", WHEEL])
        .arg(&wheels)
        .status()
        .unwrap();
    assert!(st.success());
    std::fs::write(
        dir.path().join("serverless.yml"),
        format!(
            "service: pyreq\nprovider:\n  name: aws\n  runtime: python3.11\nplugins:\n  - serverless-python-requirements\npackage:\n  patterns: ['!wheels/**']\ncustom:\n  pythonRequirements:\n    pipCmdExtraArgs: ['--no-index', '--find-links {}']\n{extra}functions:\n  hello:\n    handler: handler.hello\n",
            wheels.display()
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("handler.py"),
        "def hello(e, c):\n    return 1\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("requirements.txt"), "tinypkg\n").unwrap();
    dir
}

#[test]
fn package_installs_then_reuses_the_cache() {
    require_pip();
    let home = tempfile::tempdir().unwrap();
    let dir = service("");
    let out = sls(dir.path(), home.path(), &["package"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let line = stderr
        .lines()
        .find(|l| l.starts_with("Using sls's built-in serverless-python-requirements: pip "))
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(
        line.contains(", python3.") && !line.contains("cached"),
        "{line}"
    );
    assert!(!stderr.contains("skipped:"), "{stderr}");
    let zip = std::fs::read(dir.path().join(".serverless/pyreq.zip")).unwrap();
    let first = zip.clone();
    assert!(
        zip.windows(19).any(|w| w == b"tinypkg/__init__.py"),
        "the requirement is in the zip"
    );

    let out = sls(dir.path(), home.path(), &["package"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with("Using sls's built-in") && l.ends_with("(cached)")),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read(dir.path().join(".serverless/pyreq.zip")).unwrap(),
        first
    );
}

#[test]
fn unsupported_option_stops_package_by_name() {
    let home = tempfile::tempdir().unwrap();
    // dockerizePip is honoured with manylinux wheels; a build image cannot be.
    let dir = service("    dockerizePip: true\n    dockerImage: my/image\n");
    let out = sls(dir.path(), home.path(), &["package"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("custom.pythonRequirements.dockerImage"),
        "{stderr}"
    );
    assert!(!dir.path().join(".serverless").exists());
}

use crate::common;

/// A v3-recorded fixture of sls-deploy (tests/fixtures/pyreq/<case>) with its local wheels.
fn pyreq_fixture(case: &str) -> common::Sls {
    use common::copy_dir;
    let fixtures = common::deploy_fixture("pyreq");
    let mut sls = common::Sls::new();
    copy_dir(&fixtures.join(case).join("service"), &sls.cwd);
    copy_dir(&fixtures.join("wheels"), &sls.cwd.join("wheels"));
    sls.env("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "secret");
    sls
}

fn describe_stack(moto: &sls_testkit::MotoServer, stack: &str) -> String {
    let auth = "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20260101/us-east-1/cloudformation/aws4_request, SignedHeaders=host, Signature=00";
    let (status, body) = moto
        .request(
            "POST",
            "/",
            &[
                ("Authorization", auth),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ],
            &format!("Action=DescribeStacks&StackName={stack}&Version=2010-05-15"),
        )
        .unwrap();
    assert_eq!(status, 200, "{body}");
    body
}

fn stack_output(body: &str, key: &str) -> String {
    let at = body
        .find(&format!("<OutputKey>{key}</OutputKey>"))
        .unwrap_or_else(|| panic!("no output {key}: {body}"));
    let rest = &body[at..];
    let start = rest.find("<OutputValue>").unwrap() + "<OutputValue>".len();
    rest[start..start + rest[start..].find("</OutputValue>").unwrap()].to_string()
}

#[test]
fn layer_and_module_services_deploy_to_moto() {
    require_pip();
    let moto = sls_testkit::MotoServer::start();

    // layer: the requirements go up as the layer the function references.
    let mut sls = pyreq_fixture("layer");
    sls.env("AWS_ENDPOINT_URL", &moto.endpoint());
    let run = sls.run(&["deploy"]).ok();
    assert!(
        run.stdout.contains("pyreq-layer-dev-hello"),
        "{}",
        run.all()
    );
    // moto's CloudFormation does not create AWS::Lambda::LayerVersion (ListLayerVersions stays
    // empty, the function's Layers are dropped), so check what sls controls: the stack's layer
    // outputs and the layer zip uploaded at the S3Key the template names.
    let auth = |service: &str| {
        format!("AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20260101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=00")
    };
    let body = describe_stack(&moto, "pyreq-layer-dev");
    let output = |key: &str| stack_output(&body, key);
    let key = output("PythonRequirementsLambdaLayerS3Key");
    assert!(key.ends_with("/pythonRequirements.zip"), "{key}");
    let bucket = output("ServerlessDeploymentBucketName");
    let (status, _) = moto
        .request(
            "GET",
            &format!("/{bucket}/{key}"),
            &[("Authorization", auth("s3").as_str())],
            "",
        )
        .unwrap();
    assert_eq!(status, 200, "the layer zip is uploaded at {key}");
    assert_eq!(
        output("PythonRequirementsLambdaLayerHash").len(),
        40,
        "{body}"
    );
    let v = common::get_function(&moto, "pyreq-layer-dev-hello");
    let size = std::fs::metadata(sls.cwd.join(".serverless/pyreq-layer.zip"))
        .unwrap()
        .len();
    assert_eq!(v["Configuration"]["CodeSize"].as_u64(), Some(size), "{v}");

    // Redeploy with the same requirements: the layer keeps its deployed S3 key (v3's
    // compareWithLastLayer), so no new layer version; then nothing changed at all: skipped.
    let run = sls.run(&["deploy"]).ok();
    let again = describe_stack(&moto, "pyreq-layer-dev");
    assert_eq!(
        stack_output(&again, "PythonRequirementsLambdaLayerS3Key"),
        key,
        "{}",
        run.all()
    );
    let run = sls.run(&["deploy"]).ok();
    assert!(
        run.all().contains("Service files not changed"),
        "{}",
        run.all()
    );
    sls.run(&["remove"]).ok();

    // individually + module: the module's functions run from the moved zips.
    let mut sls = pyreq_fixture("individually");
    sls.env("AWS_ENDPOINT_URL", &moto.endpoint());
    let run = sls.run(&["deploy"]).ok();
    assert!(
        run.stdout.contains("pyreq-individually-dev-sub"),
        "{}",
        run.all()
    );
    for (f, zip) in [
        ("hello", "hello.zip"),
        ("sub", "sub-pyreq-individually-dev-sub.zip"),
        ("subtwo", "sub-pyreq-individually-dev-subtwo.zip"),
    ] {
        let v = common::get_function(&moto, &format!("pyreq-individually-dev-{f}"));
        let size = std::fs::metadata(sls.cwd.join(".serverless").join(zip))
            .unwrap()
            .len();
        assert_eq!(
            v["Configuration"]["CodeSize"].as_u64(),
            Some(size),
            "{f}: {v}"
        );
    }
    sls.run(&["remove"]).ok();
}
