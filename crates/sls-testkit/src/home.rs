//! A throw-away HOME and working directory, and environment snapshots that
//! keep this machine's settings out of a test. Needs no TLS or moto, so the
//! crates that only test files (sls-credentials, sls-invoke) use it with
//! `default-features = false`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// An environment snapshot, as the sls libraries take it.
pub type Env = BTreeMap<String, String>;

/// Variables a test environment must never inherit from the machine: AWS
/// settings, TLS trust overrides and proxies (these machines export some globally).
pub fn is_unwanted_var(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    upper.starts_with("AWS_")
        || upper.starts_with("SSL_")
        || upper.starts_with("SLS_")
        || upper.starts_with("SERVERLESS_")
        || upper.ends_with("_PROXY")
        || upper.ends_with("_CA_BUNDLE")
        || matches!(
            upper.as_str(),
            "PROXY" | "CA" | "CAFILE" | "HTTPS_CA" | "HTTPS_CAFILE" | "NODE_EXTRA_CA_CERTS"
        )
}

/// The process environment without AWS, TLS-trust and proxy variables, plus
/// `HOME=<home>` and `AWS_EC2_METADATA_DISABLED=true`.
pub fn clean_env(home: &Path) -> Env {
    let mut env: Env = std::env::vars()
        .filter(|(k, _)| !is_unwanted_var(k))
        .collect();
    env.insert("HOME".into(), home.display().to_string());
    env.insert("AWS_EC2_METADATA_DISABLED".into(), "true".into());
    env
}

/// The smallest environment for running sls: `HOME=<home>`, this machine's
/// `PATH`, and `AWS_EC2_METADATA_DISABLED=true`. Nothing else leaks in (for a
/// child started with `env_clear`).
pub fn minimal_env(home: &Path) -> Env {
    let mut env = Env::new();
    env.insert("HOME".into(), home.display().to_string());
    env.insert("PATH".into(), std::env::var("PATH").unwrap_or_default());
    env.insert("AWS_EC2_METADATA_DISABLED".into(), "true".into());
    env
}

/// Only what a child runtime (node, python through pyenv) needs from this
/// machine: `PATH`, `HOME`, `TMPDIR`, `LANG` and `PYENV*`; nothing AWS.
pub fn runtime_env() -> Env {
    std::env::vars()
        .filter(|(k, _)| {
            matches!(k.as_str(), "PATH" | "HOME" | "TMPDIR" | "LANG") || k.starts_with("PYENV")
        })
        .collect()
}

/// Writes `content` to `path`, creating parent directories; returns the path.
pub fn write_file(path: &Path, content: impl AsRef<[u8]>) -> PathBuf {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .unwrap_or_else(|e| panic!("create {}: {e}", parent.display()));
    }
    std::fs::write(path, content).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    path.to_path_buf()
}

/// A temporary folder holding a HOME (`<root>/home`) and a working directory
/// (`<root>/work`), both created; removed on drop.
pub struct TempHome {
    root: tempfile::TempDir,
    home: PathBuf,
    cwd: PathBuf,
}

impl TempHome {
    pub fn new() -> TempHome {
        let root = tempfile::Builder::new()
            .prefix("sls-test-")
            .tempdir()
            .expect("create a temporary directory");
        let home = root.path().join("home");
        let cwd = root.path().join("work");
        for d in [&home, &cwd] {
            std::fs::create_dir_all(d).expect("create a test directory");
        }
        TempHome { root, home, cwd }
    }

    /// The folder holding both.
    pub fn root(&self) -> &Path {
        self.root.path()
    }

    pub fn home(&self) -> &Path {
        &self.home
    }

    /// The working directory (a service folder).
    pub fn cwd(&self) -> &Path {
        &self.cwd
    }

    /// `~/.aws`, created if missing.
    pub fn aws_dir(&self) -> PathBuf {
        let p = self.home.join(".aws");
        std::fs::create_dir_all(&p).expect("create ~/.aws");
        p
    }

    /// Writes a file relative to HOME (e.g. `.aws/credentials`).
    pub fn home_file(&self, rel: &str, content: impl AsRef<[u8]>) -> PathBuf {
        write_file(&self.home.join(rel), content)
    }

    /// Writes a file relative to the working directory.
    pub fn file(&self, rel: &str, content: impl AsRef<[u8]>) -> PathBuf {
        write_file(&self.cwd.join(rel), content)
    }
}

impl Default for TempHome {
    fn default() -> Self {
        Self::new()
    }
}

/// A temporary HOME (with an empty `~/.aws`) and a clean environment pointing at it.
pub struct TestEnv {
    pub home: tempfile::TempDir,
    pub env: Env,
}

impl TestEnv {
    pub fn new() -> TestEnv {
        let home = tempfile::Builder::new()
            .prefix("sls-home-")
            .tempdir()
            .expect("create a temporary HOME");
        let _ = std::fs::create_dir_all(home.path().join(".aws"));
        let env = clean_env(home.path());
        TestEnv { home, env }
    }

    pub fn home_path(&self) -> &Path {
        self.home.path()
    }

    /// Sets a variable in the snapshot (builder style).
    pub fn with(mut self, key: &str, value: &str) -> TestEnv {
        self.env.insert(key.to_string(), value.to_string());
        self
    }

    /// Writes `~/.aws/<name>` (e.g. `config`, `credentials`) and returns its path.
    pub fn write_aws_file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.home.path().join(".aws").join(name);
        std::fs::write(&path, text).expect("write aws file");
        path
    }
}

impl Default for TestEnv {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_env_drops_machine_settings() {
        let home = Path::new("/tmp/h");
        let env = clean_env(home);
        assert!(env
            .keys()
            .all(|k| !k.starts_with("AWS_") || k == "AWS_EC2_METADATA_DISABLED"));
        assert!(!env.contains_key("SSL_CERT_FILE"));
        assert!(!env.contains_key("HTTPS_PROXY"));
        assert_eq!(env.get("HOME").map(String::as_str), Some("/tmp/h"));
    }

    #[test]
    fn unwanted_vars() {
        for v in [
            "AWS_CA_BUNDLE",
            "https_proxy",
            "NO_PROXY",
            "ca",
            "cafile",
            "SSL_CERT_DIR",
        ] {
            assert!(is_unwanted_var(v), "{v}");
        }
        for v in ["PATH", "HOME", "LANG"] {
            assert!(!is_unwanted_var(v), "{v}");
        }
    }

    #[test]
    fn minimal_and_runtime_envs_hold_nothing_aws() {
        let env = minimal_env(Path::new("/tmp/h"));
        assert_eq!(
            env.keys().collect::<Vec<_>>(),
            ["AWS_EC2_METADATA_DISABLED", "HOME", "PATH"]
        );
        assert!(runtime_env().keys().all(|k| !is_unwanted_var(k)));
    }

    #[test]
    fn temp_home_has_home_and_work() {
        let t = TempHome::new();
        assert!(t.home().is_dir() && t.cwd().is_dir());
        let p = t.home_file(".aws/credentials", "[x]\n");
        assert_eq!(p, t.aws_dir().join("credentials"));
        assert_eq!(
            std::fs::read_to_string(t.file("a/b.txt", "y")).unwrap(),
            "y"
        );
    }
}
