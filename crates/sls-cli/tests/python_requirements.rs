//! The built-in serverless-python-requirements through the `sls` binary, with real pip and no
//! network: the wheel is built by the test (python's zipfile) and installed with
//! `--no-index --find-links`.

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

fn python_ok() -> bool {
    let ok = Command::new("python3")
        .args(["-m", "pip", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("skipped: python3 -m pip is not available");
    }
    ok
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
    if !python_ok() {
        return;
    }
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
