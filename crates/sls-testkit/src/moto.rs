//! The moto server and the throw-away CA (feature `moto`, on by default).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::{
    form_encode, is_unwanted_var, moto_launcher_path, moto_python_path, moto_server_path,
    trust_policy, xml_value, ALLOW_ALL,
};

/// A throw-away certificate authority and a server certificate signed by it for
/// `IP:127.0.0.1` and `DNS:localhost`.
pub struct TestCa {
    /// The CA certificate (PEM): what a client must trust.
    pub ca_pem: String,
    /// The server certificate (PEM).
    pub server_cert_pem: String,
    /// The server's private key (PEM).
    pub server_key_pem: String,
}

impl TestCa {
    /// Generates a new CA and server certificate (ECDSA P-256; fast).
    pub fn generate() -> TestCa {
        use rcgen::{
            BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, Issuer, KeyPair,
            KeyUsagePurpose,
        };
        let ca_key = KeyPair::generate().expect("generate CA key");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, "sls test CA");
        ca_params.distinguished_name = dn;
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_cert = ca_params.self_signed(&ca_key).expect("self-sign CA");
        let issuer = Issuer::new(ca_params, ca_key);

        let server_key = KeyPair::generate().expect("generate server key");
        let mut params =
            CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
                .expect("server params");
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, "localhost");
        params.distinguished_name = dn;
        let server_cert = params
            .signed_by(&server_key, &issuer)
            .expect("sign server certificate");
        TestCa {
            ca_pem: ca_cert.pem(),
            server_cert_pem: server_cert.pem(),
            server_key_pem: server_key.serialize_pem(),
        }
    }

    /// The CA certificate with newlines escaped as `\n`, the way the `ca`
    /// environment variable carries PEM text.
    pub fn ca_pem_escaped(&self) -> String {
        self.ca_pem.trim_end().replace('\n', "\\n")
    }
}

/// An IAM user moto created with full access, and its access key.
#[derive(Debug, Clone)]
pub struct AdminUser {
    pub arn: String,
    pub access_key_id: String,
    pub secret_access_key: String,
}

/// A running moto server on 127.0.0.1; killed when dropped.
pub struct MotoServer {
    child: Child,
    port: u16,
    tls: Option<Tls>,
    dir: tempfile::TempDir,
}

struct Tls {
    ca: TestCa,
    ca_file: PathBuf,
    config: Arc<rustls::ClientConfig>,
}

impl MotoServer {
    /// Starts moto over plain HTTP. Panics with a hint when moto is not installed.
    pub fn start() -> MotoServer {
        Self::try_start(false).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Starts moto over HTTPS with a freshly generated private CA
    /// ([`MotoServer::ca`], [`MotoServer::ca_file`]).
    pub fn start_https() -> MotoServer {
        Self::try_start(true).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Starts moto over HTTP with the launcher's opt-in fix for body-less requests: with
    /// checking on, GET/DELETE requests to Lambda and API Gateway (`GetFunctionConfiguration`,
    /// `DeleteFunction`, …) are then signature-checked over the empty body they have instead
    /// of failing for every caller (`moto_launcher.py`, third fix).
    pub fn start_checking_bodyless() -> MotoServer {
        Self::launch(false, true).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Starts moto over HTTP with AWS's managed IAM policies loaded (moto leaves them out
    /// unless asked, at startup: `MOTO_IAM_LOAD_MANAGED_POLICIES`), for code that attaches one.
    pub fn start_with_managed_policies() -> MotoServer {
        Self::launch_with(false, false, &[("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")])
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Starts moto; an error says what went wrong.
    pub fn try_start(https: bool) -> Result<MotoServer, String> {
        Self::launch(https, false)
    }

    fn launch(https: bool, bodyless_fix: bool) -> Result<MotoServer, String> {
        Self::launch_with(https, bodyless_fix, &[])
    }

    fn launch_with(
        https: bool,
        bodyless_fix: bool,
        env: &[(&str, &str)],
    ) -> Result<MotoServer, String> {
        let exe = moto_server_path().ok_or_else(|| {
            "moto_server not found: run scripts/setup-moto.sh (installs .venv-moto), \
             or set SLS_MOTO_SERVER to its path"
                .to_string()
        })?;
        let dir = tempfile::Builder::new()
            .prefix("sls-moto-")
            .tempdir()
            .map_err(|e| format!("cannot create a temporary directory: {e}"))?;
        let log_path = dir.path().join("moto.log");
        let log = std::fs::File::create(&log_path)
            .map_err(|e| format!("cannot create {}: {e}", log_path.display()))?;
        let log2 = log
            .try_clone()
            .map_err(|e| format!("cannot clone log handle: {e}"))?;

        // Through the launcher when moto's Python is known, so that form-encoded
        // requests from the Rust SDK pass signature checks (moto_launcher.py).
        let mut cmd = match moto_python_path(&exe) {
            Some(python) => {
                let mut c = Command::new(python);
                c.arg(moto_launcher_path());
                c
            }
            // The opt-in fix lives in the launcher: a test relying on it must not run without.
            None if bodyless_fix => {
                return Err(format!(
                    "the body-less signature fix needs moto's Python next to {} (the launcher)",
                    exe.display()
                ))
            }
            None => Command::new(&exe),
        };
        cmd.args(["-H", "127.0.0.1", "-p", "0"]);
        if bodyless_fix {
            cmd.env("SLS_MOTO_FIX_BODYLESS", "1");
        }
        let tls = if https {
            let ca = TestCa::generate();
            let cert = dir.path().join("server.pem");
            let key = dir.path().join("server.key");
            let ca_file = dir.path().join("ca.pem");
            write(&cert, &ca_cert_chain(&ca))?;
            write(&key, &ca.server_key_pem)?;
            write(&ca_file, &ca.ca_pem)?;
            cmd.arg("-c").arg(&cert).arg("-k").arg(&key);
            let config = client_config(&ca.ca_pem)?;
            Some(Tls {
                ca,
                ca_file,
                config,
            })
        } else {
            None
        };
        // moto itself must not pick up the machine's proxy or CA settings.
        for (k, _) in std::env::vars_os() {
            let k = k.to_string_lossy().to_string();
            if is_unwanted_var(&k) {
                cmd.env_remove(&k);
            }
        }
        cmd.envs(env.iter().copied());
        cmd.stdin(Stdio::null())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(log2));
        let child = cmd
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", exe.display()))?;
        spawn_watchdog(child.id());

        let mut server = MotoServer {
            child,
            port: 0,
            tls,
            dir,
        };
        let deadline = Instant::now() + Duration::from_secs(90);
        let scheme = if https { "https" } else { "http" };
        let needle = format!("Running on {scheme}://127.0.0.1:");
        loop {
            let text = std::fs::read_to_string(&log_path).unwrap_or_default();
            if let Some(pos) = text.find(&needle) {
                let digits: String = text[pos + needle.len()..]
                    .chars()
                    .take_while(|c| c.is_ascii_digit())
                    .collect();
                if let Ok(port) = digits.parse() {
                    server.port = port;
                    break;
                }
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                return Err(format!("moto_server exited early ({status}):\n{text}"));
            }
            if Instant::now() > deadline {
                return Err(format!("moto_server did not start within 90 s:\n{text}"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        loop {
            if let Ok((200, _)) = server.request("GET", "/moto-api/data.json", &[], "") {
                return Ok(server);
            }
            if Instant::now() > deadline {
                return Err("moto_server never answered /moto-api/data.json".to_string());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The base URL, e.g. `http://127.0.0.1:40209` (HTTPS mode: `https://…`).
    pub fn endpoint(&self) -> String {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    /// The port moto listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The private CA (HTTPS mode only).
    pub fn ca(&self) -> Option<&TestCa> {
        self.tls.as_ref().map(|t| &t.ca)
    }

    /// A file holding the CA certificate (HTTPS mode only).
    pub fn ca_file(&self) -> Option<&Path> {
        self.tls.as_ref().map(|t| t.ca_file.as_path())
    }

    /// A scratch directory that lives as long as the server.
    pub fn scratch_dir(&self) -> &Path {
        self.dir.path()
    }

    /// Wipes all state (users, roles, buckets, stacks…).
    pub fn reset(&self) {
        self.expect_ok("POST", "/moto-api/reset", &[], "");
    }

    /// Turns signature and IAM policy checking on (`reset-auth 0`).
    pub fn enable_auth(&self) {
        self.expect_ok(
            "POST",
            "/moto-api/reset-auth",
            &[("Content-Type", "text/plain")],
            "0",
        );
    }

    /// Turns checking off again (`reset-auth inf`).
    pub fn disable_auth(&self) {
        self.expect_ok(
            "POST",
            "/moto-api/reset-auth",
            &[("Content-Type", "text/plain")],
            "inf",
        );
    }

    /// Calls an AWS query-protocol action (IAM, STS…) as moto's default
    /// identity. Only works while auth checking is off. Returns the XML body;
    /// panics on an HTTP error.
    pub fn query(&self, service: &str, version: &str, params: &[(&str, &str)]) -> String {
        let mut body = String::new();
        for (k, v) in params {
            if !body.is_empty() {
                body.push('&');
            }
            body.push_str(&form_encode(k));
            body.push('=');
            body.push_str(&form_encode(v));
        }
        body.push_str(&format!("&Version={version}"));
        let auth = default_identity(service);
        self.expect_ok(
            "POST",
            "/",
            &[
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Authorization", &auth),
            ],
            &body,
        )
    }

    /// Creates an IAM user and returns its ARN.
    pub fn create_user(&self, name: &str) -> String {
        let xml = self.query(
            "iam",
            "2010-05-08",
            &[("Action", "CreateUser"), ("UserName", name)],
        );
        xml_value(&xml, "Arn").unwrap_or_default()
    }

    /// Creates an access key for a user: `(access_key_id, secret_access_key)`.
    pub fn create_access_key(&self, user: &str) -> (String, String) {
        let xml = self.query(
            "iam",
            "2010-05-08",
            &[("Action", "CreateAccessKey"), ("UserName", user)],
        );
        (
            xml_value(&xml, "AccessKeyId").unwrap_or_default(),
            xml_value(&xml, "SecretAccessKey").unwrap_or_default(),
        )
    }

    /// Attaches an inline policy to a user.
    pub fn put_user_policy(&self, user: &str, policy_name: &str, policy_json: &str) {
        self.query(
            "iam",
            "2010-05-08",
            &[
                ("Action", "PutUserPolicy"),
                ("UserName", user),
                ("PolicyName", policy_name),
                ("PolicyDocument", policy_json),
            ],
        );
    }

    /// Creates a user with an access key and an inline policy allowing everything.
    pub fn create_admin_user(&self, name: &str) -> AdminUser {
        let arn = self.create_user(name);
        self.put_user_policy(name, "all", ALLOW_ALL);
        let (access_key_id, secret_access_key) = self.create_access_key(name);
        AdminUser {
            arn,
            access_key_id,
            secret_access_key,
        }
    }

    /// Creates a role with the given trust policy and returns its ARN.
    pub fn create_role(&self, name: &str, trust_policy_json: &str) -> String {
        let xml = self.query(
            "iam",
            "2010-05-08",
            &[
                ("Action", "CreateRole"),
                ("RoleName", name),
                ("AssumeRolePolicyDocument", trust_policy_json),
            ],
        );
        xml_value(&xml, "Arn").unwrap_or_default()
    }

    /// Attaches an inline policy to a role.
    pub fn put_role_policy(&self, role: &str, policy_name: &str, policy_json: &str) {
        self.query(
            "iam",
            "2010-05-08",
            &[
                ("Action", "PutRolePolicy"),
                ("RoleName", role),
                ("PolicyName", policy_name),
                ("PolicyDocument", policy_json),
            ],
        );
    }

    /// Creates a role that any principal may assume (trust `"AWS": "*"`; moto
    /// matches trust principals literally, so `:root` would not admit users),
    /// with an allow-all inline policy; returns its ARN.
    pub fn create_open_role(&self, name: &str) -> String {
        let arn = self.create_role(name, &trust_policy(&["*"]));
        self.put_role_policy(name, "all", ALLOW_ALL);
        arn
    }

    /// Puts an SSM parameter (`String`, `SecureString`, `StringList`) as moto's default
    /// identity. Only works while auth checking is off.
    pub fn put_parameter(&self, name: &str, kind: &str, value: &str) {
        let json = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
        let body = format!(
            r#"{{"Name": "{}", "Type": "{}", "Value": "{}"}}"#,
            json(name),
            json(kind),
            json(value)
        );
        self.expect_ok(
            "POST",
            "/",
            &[
                ("Content-Type", "application/x-amz-json-1.1"),
                ("X-Amz-Target", "AmazonSSM.PutParameter"),
                ("Authorization", &default_identity("ssm")),
            ],
            &body,
        );
    }

    /// Creates an S3 bucket (path style) as moto's default identity, checking off.
    pub fn create_bucket(&self, bucket: &str) {
        self.expect_ok(
            "PUT",
            &format!("/{bucket}"),
            &[("Authorization", &default_identity("s3"))],
            "",
        );
    }

    /// Puts an object into a bucket as moto's default identity, checking off.
    pub fn put_object(&self, bucket: &str, key: &str, body: &str) {
        self.expect_ok(
            "PUT",
            &format!("/{bucket}/{key}"),
            &[("Authorization", &default_identity("s3"))],
            body,
        );
    }

    /// Switches Lambda to moto's backend that runs no code (no docker): Invoke answers with the
    /// request's payload, or with the next result queued by [`MotoServer::queue_lambda_results`].
    /// Call it before functions are created (they live in that backend's own store).
    pub fn lambda_without_docker(&self) {
        self.expect_ok(
            "POST",
            "/moto-api/config",
            &[("Content-Type", "application/json")],
            r#"{"lambda": {"use_docker": false}}"#,
        );
    }

    /// Queues what the next Invoke calls answer (docker-less Lambda), in order.
    pub fn queue_lambda_results(&self, region: &str, results: &[&str]) {
        let body = serde_json::json!({"results": results, "region": region}).to_string();
        self.expect_ok(
            "POST",
            "/moto-api/static/lambda-simple/response",
            &[("Content-Type", "application/json")],
            &body,
        );
    }

    /// One CloudWatch Logs call (JSON protocol) as moto's default identity, checking off.
    pub fn logs_call(&self, action: &str, body: &serde_json::Value) -> Result<String, String> {
        self.json_call("logs", &format!("Logs_20140328.{action}"), body)
    }

    /// One ECR call (JSON protocol, e.g. `CreateRepository`, `PutImage`) as moto's default
    /// identity, checking off.
    pub fn ecr_call(&self, action: &str, body: &serde_json::Value) -> Result<String, String> {
        let target = format!("AmazonEC2ContainerRegistry_V20150921.{action}");
        self.json_call("ecr", &target, body)
    }

    /// One JSON-protocol call of `service` (its signing name) with `X-Amz-Target: target`.
    fn json_call(
        &self,
        service: &str,
        target: &str,
        body: &serde_json::Value,
    ) -> Result<String, String> {
        match self.request(
            "POST",
            "/",
            &[
                ("Content-Type", "application/x-amz-json-1.1"),
                ("X-Amz-Target", target),
                ("Authorization", &default_identity(service)),
            ],
            &body.to_string(),
        )? {
            (200, text) => Ok(text),
            (status, text) => Err(format!("{target}: HTTP {status}: {text}")),
        }
    }

    /// Puts `(epoch ms, message)` events into a log stream of `group` (both created if missing).
    pub fn put_log_events(&self, group: &str, stream: &str, events: &[(i64, String)]) {
        // Already there is fine: deploys create the function's log group.
        let _ = self.logs_call(
            "CreateLogGroup",
            &serde_json::json!({"logGroupName": group}),
        );
        let _ = self.logs_call(
            "CreateLogStream",
            &serde_json::json!({"logGroupName": group, "logStreamName": stream}),
        );
        let events: Vec<serde_json::Value> = events
            .iter()
            .map(|(t, m)| serde_json::json!({"timestamp": t, "message": m}))
            .collect();
        let body = serde_json::json!({
            "logGroupName": group, "logStreamName": stream, "logEvents": events
        });
        if let Err(e) = self.logs_call("PutLogEvents", &body) {
            panic!("{e}");
        }
    }

    /// Puts one datapoint of an `AWS/Lambda` metric for a function (CloudWatch PutMetricData).
    pub fn put_lambda_metric(&self, function: &str, metric: &str, value: f64, unit: &str) {
        let value = value.to_string();
        self.query(
            "monitoring",
            "2010-08-01",
            &[
                ("Action", "PutMetricData"),
                ("Namespace", "AWS/Lambda"),
                ("MetricData.member.1.MetricName", metric),
                ("MetricData.member.1.Value", &value),
                ("MetricData.member.1.Unit", unit),
                (
                    "MetricData.member.1.Dimensions.member.1.Name",
                    "FunctionName",
                ),
                ("MetricData.member.1.Dimensions.member.1.Value", function),
            ],
        );
    }

    fn expect_ok(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> String {
        match self.request(method, path, headers, body) {
            Ok((status, text)) if (200..300).contains(&status) => text,
            Ok((status, text)) => panic!("moto {method} {path}: HTTP {status}: {text}"),
            Err(e) => panic!("moto {method} {path}: {e}"),
        }
    }

    /// One HTTP/1.1 request to the server (`Connection: close`); returns status and body.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Result<(u16, String), String> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port))
            .map_err(|e| format!("connect 127.0.0.1:{}: {e}", self.port))?;
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .map_err(|e| e.to_string())?;
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.port,
            body.len()
        );
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str("\r\n");
        req.push_str(body);
        let mut raw = Vec::new();
        match &self.tls {
            None => {
                stream
                    .write_all(req.as_bytes())
                    .map_err(|e| e.to_string())?;
                let _ = stream.read_to_end(&mut raw);
            }
            Some(tls) => {
                let name = rustls_pki_types::ServerName::try_from("localhost")
                    .map_err(|e| e.to_string())?;
                let conn = rustls::ClientConnection::new(tls.config.clone(), name)
                    .map_err(|e| e.to_string())?;
                let mut s = rustls::StreamOwned::new(conn, stream);
                s.write_all(req.as_bytes()).map_err(|e| e.to_string())?;
                let _ = s.read_to_end(&mut raw);
            }
        }
        parse_response(&raw)
    }
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn ca_cert_chain(ca: &TestCa) -> String {
    // The server presents its certificate followed by the CA (a full chain).
    format!("{}{}", ca.server_cert_pem, ca.ca_pem)
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn client_config(ca_pem: &str) -> Result<Arc<rustls::ClientConfig>, String> {
    use rustls_pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_pki_types::CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        let cert = cert.map_err(|e| format!("bad CA PEM: {e}"))?;
        roots.add(cert).map_err(|e| format!("bad CA: {e}"))?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// Kills `pid` when this test process goes away (a panic, `process::exit`, or a
/// static server whose `Drop` never runs), so no moto server is left behind.
fn spawn_watchdog(pid: u32) {
    let parent = std::process::id();
    let script = format!(
        "while kill -0 {parent} 2>/dev/null && kill -0 {pid} 2>/dev/null; do sleep 1; done; kill {pid} 2>/dev/null"
    );
    let _ = Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
}

fn parse_response(raw: &[u8]) -> Result<(u16, String), String> {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("malformed HTTP response: {text}"))?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("no status in: {head}"))?;
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_string()
    };
    Ok((status, body))
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}

/// An `Authorization` header naming moto's default key and `service` (moto routes by the
/// service in the credential scope; the signature is not checked while checking is off).
fn default_identity(service: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=00"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ca_generates() {
        let ca = TestCa::generate();
        assert!(ca.ca_pem.contains("BEGIN CERTIFICATE"));
        assert!(!ca.ca_pem_escaped().contains('\n'));
        client_config(&ca.ca_pem).unwrap();
    }
}
