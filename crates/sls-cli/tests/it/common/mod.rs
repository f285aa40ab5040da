//! Drives the built `sls` binary in a throw-away HOME and working directory,
//! with a clean environment: nothing of this machine's AWS settings leaks in.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use sls_testkit::{minimal_env, write_file, TempHome};

pub struct Sls {
    /// The temporary HOME and working directory (sls-testkit).
    pub root: TempHome,
    pub home: PathBuf,
    pub cwd: PathBuf,
    pub env: BTreeMap<String, String>,
    pub stdin: Option<String>,
}

#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    /// Asserts success and returns self, showing both streams on failure.
    pub fn ok(self) -> Run {
        assert_eq!(
            self.code, 0,
            "expected success\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    pub fn failed(self, code: i32) -> Run {
        assert_eq!(
            self.code, code,
            "expected exit {code}\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

impl Sls {
    /// A temporary HOME and working directory; the child's environment is only
    /// `HOME`, `PATH` and `AWS_EC2_METADATA_DISABLED=true` (`minimal_env`).
    pub fn new() -> Sls {
        let root = TempHome::new();
        let home = root.home().to_path_buf();
        let cwd = root.cwd().to_path_buf();
        let env = minimal_env(&home);
        Sls {
            root,
            home,
            cwd,
            env,
            stdin: None,
        }
    }

    pub fn env(&mut self, key: &str, value: &str) -> &mut Self {
        self.env.insert(key.into(), value.into());
        self
    }

    pub fn remove_env(&mut self, key: &str) -> &mut Self {
        self.env.remove(key);
        self
    }

    pub fn stdin(&mut self, text: &str) -> &mut Self {
        self.stdin = Some(text.into());
        self
    }

    /// Writes a file relative to the working directory.
    pub fn file(&self, rel: &str, content: &str) -> PathBuf {
        write(&self.cwd.join(rel), content)
    }

    /// Writes a file relative to HOME.
    pub fn home_file(&self, rel: &str, content: &str) -> PathBuf {
        write(&self.home.join(rel), content)
    }

    pub fn credentials(&self, content: &str) -> PathBuf {
        self.home_file(".aws/credentials", content)
    }

    pub fn config(&self, content: &str) -> PathBuf {
        self.home_file(".aws/config", content)
    }

    pub fn read_home(&self, rel: &str) -> String {
        std::fs::read_to_string(self.home.join(rel)).unwrap_or_default()
    }

    pub fn run(&self, args: &[&str]) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_sls"));
        cmd.args(args)
            .current_dir(&self.cwd)
            .env_clear()
            .envs(&self.env)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .stdin(if self.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            });
        let mut child = cmd.spawn().expect("spawn sls");
        if let Some(text) = &self.stdin {
            let mut stdin = child.stdin.take().unwrap();
            stdin.write_all(text.as_bytes()).unwrap();
        }
        let out = child.wait_with_output().expect("wait sls");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// The access key id `sls credentials export` resolves (unmasked), or the failed run.
    pub fn chosen_key(&self, args: &[&str]) -> Result<String, Run> {
        let mut full = vec!["credentials", "export", "--format", "json"];
        full.extend_from_slice(args);
        let run = self.run(&full);
        if run.code != 0 {
            return Err(run);
        }
        Ok(run.json()["AccessKeyId"]
            .as_str()
            .unwrap_or_default()
            .to_string())
    }
}

pub fn write(path: &Path, content: &str) -> PathBuf {
    write_file(path, content)
}

/// A credentials-file section with static keys whose secret is derived from the key id.
pub fn profile(name: &str, key: &str) -> String {
    format!("[{name}]\naws_access_key_id = {key}\naws_secret_access_key = secret-of-{key}\n\n")
}

/// A fixture service of sls-deploy's tests (`crates/sls-deploy/tests/fixtures/<rel>`).
pub fn deploy_fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../sls-deploy/tests/fixtures")
        .join(rel)
}

/// Copies the folder `from` into `to` (created), recursively.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// Lambda's GetFunction of `name` on moto (loopback only), as JSON.
pub fn get_function(moto: &sls_testkit::MotoServer, name: &str) -> serde_json::Value {
    let auth = "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20260101/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=00";
    let (status, body) = moto
        .request(
            "GET",
            &format!("/2015-03-31/functions/{name}"),
            &[("Authorization", auth)],
            "",
        )
        .unwrap();
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}
