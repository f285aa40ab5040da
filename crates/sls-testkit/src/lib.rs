//! Test harness shared by the sls crates' integration tests.
//!
//! - [`MotoServer`]: a moto server on loopback (plain HTTP, or HTTPS with a
//!   throw-away CA generated here), started through `moto_launcher.py` (moto
//!   then checks form-encoded signatures over the body as sent, which the Rust
//!   SDK needs while auth checking is on), killed on drop, with `reset`, auth
//!   switching and small IAM helpers (plain HTTP query calls; moto accepts them
//!   unsigned while auth checking is off, so create users/roles *before*
//!   [`MotoServer::enable_auth`]).
//! - [`clean_env`] / [`TestEnv`]: an environment map without the machine's
//!   `AWS_*`, TLS and proxy variables, with a private temporary `HOME`.
//! - [`sso::SsoStandIn`]: a loopback stand-in for SSO OIDC and the SSO portal
//!   (no real IAM Identity Center can run in a test).
//! - [`TestCa`]: a throw-away CA and a server certificate for `127.0.0.1` / `localhost`.
//!
//! Everything talks to 127.0.0.1 only. This is test code: failures panic with
//! a message that says what to do.

use std::path::{Path, PathBuf};

#[cfg(feature = "moto")]
pub mod faults;
mod home;
#[cfg(feature = "moto")]
mod moto;
mod serve;
pub mod sso;

pub use home::{
    clean_env, is_unwanted_var, minimal_env, runtime_env, write_file, Env, TempHome, TestEnv,
};
#[cfg(feature = "moto")]
pub use moto::{AdminUser, MotoServer, TestCa};
pub use serve::BytesServer;

/// The workspace root (two levels above this crate's manifest).
pub fn workspace_root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| here.to_path_buf())
}

/// Where the moto server executable is: `SLS_MOTO_SERVER`, else
/// `<workspace>/.venv-moto/bin/moto_server` (see `scripts/setup-moto.sh`), else
/// `moto_server` on `PATH`.
pub fn moto_server_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("SLS_MOTO_SERVER") {
        if !p.is_empty() {
            return Some(PathBuf::from(p));
        }
    }
    let venv = workspace_root().join(".venv-moto/bin/moto_server");
    if venv.is_file() {
        return Some(venv);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("moto_server"))
        .find(|p| p.is_file())
}

/// The launcher that starts moto with the form-body signature fix (see the file).
pub fn moto_launcher_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("moto_launcher.py")
}

/// The Python interpreter that has moto installed: `SLS_MOTO_PYTHON`, else the
/// interpreter named on the first line of the `moto_server` script (a pip
/// entry point, e.g. `.venv-moto/bin/python3`), else `python` next to it.
pub fn moto_python_path(moto_server: &Path) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("SLS_MOTO_PYTHON") {
        if !p.is_empty() {
            return Some(PathBuf::from(p));
        }
    }
    let head = std::fs::read(moto_server).ok()?;
    let first = head.split(|b| *b == b'\n').next().unwrap_or_default();
    let first = String::from_utf8_lossy(first);
    if let Some(interp) = first.strip_prefix("#!") {
        let interp = PathBuf::from(interp.trim());
        if interp.is_absolute() && interp.is_file() {
            return Some(interp);
        }
    }
    let sibling = moto_server.with_file_name("python");
    sibling.is_file().then_some(sibling)
}

/// Allows every action on every resource.
pub const ALLOW_ALL: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

/// A trust policy letting the given principals (ARNs, or `*`) assume the role.
/// Note: moto compares principals literally (an account's `:root` does not admit its users).
pub fn trust_policy(principals: &[&str]) -> String {
    let list: Vec<String> = principals.iter().map(|p| format!("\"{p}\"")).collect();
    // A single principal as a plain string: moto does not match `["*"]`.
    let aws = if list.len() == 1 {
        list[0].clone()
    } else {
        format!("[{}]", list.join(","))
    };
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":{aws}}},"Action":"sts:AssumeRole"}}]}}"#
    )
}

/// A trust policy letting any principal of `account` assume the role (real AWS semantics).
pub fn trust_account_policy(account: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{account}:root"}},"Action":["sts:AssumeRole","sts:AssumeRoleWithWebIdentity","sts:TagSession"]}}]}}"#
    )
}

/// A policy document as moto can evaluate it: moto honours resource ARNs only for S3, SQS,
/// IAM and STS (`local-aws.md`), so a statement with an action of any other service gets
/// `"Resource": "*"` (test the scoping of those by reading the policy instead).
pub fn widened_for_moto(doc: &serde_json::Value) -> serde_json::Value {
    let mut doc = doc.clone();
    let statements = doc["Statement"].as_array_mut().into_iter().flatten();
    for s in statements {
        let scoped_by_moto = s["Action"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(serde_json::Value::as_str)
            .all(|a| {
                ["s3:", "iam:", "sts:", "sqs:"]
                    .iter()
                    .any(|p| a.starts_with(p))
            });
        if !scoped_by_moto {
            s["Resource"] = serde_json::Value::from("*");
        }
    }
    doc
}

/// The text of the first `<tag>…</tag>` in an XML body.
pub fn xml_value(xml: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&close)? + start;
    Some(xml[start..end].to_string())
}

/// `application/x-www-form-urlencoded` encoding of one key or value.
pub fn form_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_and_form() {
        assert_eq!(
            xml_value("<a><Arn>x</Arn></a>", "Arn").as_deref(),
            Some("x")
        );
        assert_eq!(form_encode("a b/{}"), "a%20b%2F%7B%7D");
    }
}
