//! Web identity, credential_process, SSO, container and instance metadata.
//! Web identity runs with moto's checking OFF (unsigned calls get HTTP 500 while it is on).
use crate::common;
use sls_hint::Hint;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use common::*;
use sls_aws::{
    caller_identity, resolve_credentials, sdk_config, AwsSettings, ErrorKind, MfaPrompt,
    NoMfaPrompt,
};
use sls_credentials::plan::Plan;
use sls_testkit::{MotoServer, TestEnv};

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn none() -> Arc<dyn MfaPrompt> {
    Arc::new(NoMfaPrompt)
}

fn offline(t: &TestEnv) -> AwsSettings {
    // Nothing listens here: a test that needs no network fails loudly if it tries.
    settings(t, "http://127.0.0.1:9")
}

#[test]
fn web_identity_token_file_is_read_and_exchanged() {
    let moto = MotoServer::start();
    let role = moto.create_open_role("web");
    let t = TestEnv::new();
    let s = settings(&t, &moto.endpoint());
    let token = t.home_path().join("token");
    std::fs::write(&token, "eyJhbGciOi.token.value\n").unwrap();
    let plan = Plan::WebIdentity {
        profile: None,
        role_arn: role.clone(),
        token_file: token.clone(),
        session_name: Some("ci-run".into()),
    };
    rt().block_on(async {
        let conf = sdk_config(&s, &plan, none()).await.unwrap();
        let who = caller_identity(&conf).await.unwrap();
        assert_eq!(who.arn, "arn:aws:sts::123456789012:assumed-role/web/ci-run");

        std::fs::remove_file(&token).unwrap();
        let err = resolve_credentials(&s, &plan, none()).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::WebIdentity);
        assert!(err.what().contains(&token.display().to_string()), "{err}");
        assert!(err.what().contains("AWS_WEB_IDENTITY_TOKEN_FILE"), "{err}");
    });
}

fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p
}

fn process_plan(cmd: String) -> Plan {
    Plan::Process {
        profile: "proc".into(),
        command: cmd,
    }
}

#[test]
fn credential_process_success_and_failures() {
    let t = TestEnv::new();
    let s = offline(&t);
    let dir = t.home_path();
    // Arguments with spaces survive the split (no shell involved).
    let ok = script(
        dir,
        "ok.sh",
        r#"[ "$1" = "two words" ] || { echo "bad arg: $1" >&2; exit 3; }
echo '{"Version": 1, "AccessKeyId": "AKIAPROCESSPROCESS01", "SecretAccessKey": "procsecret", "SessionToken": "tok", "Expiration": "2099-01-01T00:00:00Z"}'"#,
    );
    rt().block_on(async {
        let keys = resolve_credentials(&s, &process_plan(format!("{} 'two words'", ok.display())), none())
            .await
            .unwrap();
        assert_eq!(keys.access_key_id, "AKIAPROCESSPROCESS01");
        assert_eq!(keys.secret_access_key.expose(), "procsecret");
        assert_eq!(keys.session_token.as_ref().unwrap().expose(), "tok");
        assert_eq!(keys.expiration.as_deref(), Some("2099-01-01T00:00:00Z"));

        // Static keys only: no token, no expiry.
        let min = script(dir, "min.sh", r#"echo '{"Version":1,"AccessKeyId":"AKIAMIN","SecretAccessKey":"s"}'"#);
        let keys = resolve_credentials(&s, &process_plan(min.display().to_string()), none()).await.unwrap();
        assert!(keys.session_token.is_none() && keys.expiration.is_none());

        let cases: Vec<(PathBuf, &str)> = vec![
            (script(dir, "fail.sh", "echo '{\"SecretAccessKey\":\"LEAKEDSTDOUT\"}'; echo 'token expired, run login' >&2; exit 2"), "exit code 2"),
            (script(dir, "badjson.sh", "echo 'LEAKEDSTDOUT not json'"), "valid JSON"),
            (script(dir, "v2.sh", r#"echo '{"Version":2,"AccessKeyId":"a","SecretAccessKey":"LEAKEDSTDOUT"}'"#), "Version"),
            (script(dir, "nosecret.sh", r#"echo '{"Version":1,"AccessKeyId":"LEAKEDSTDOUT"}'"#), "SecretAccessKey"),
            (script(dir, "badexp.sh", r#"echo '{"Version":1,"AccessKeyId":"a","SecretAccessKey":"LEAKEDSTDOUT","Expiration":"soon"}'"#), "Expiration"),
        ];
        for (path, expect) in cases {
            let err = resolve_credentials(&s, &process_plan(path.display().to_string()), none()).await.unwrap_err();
            let shown = format!("{err}\n{err:?}");
            assert_eq!(err.kind(), ErrorKind::Process);
            assert!(shown.contains(expect), "{shown}");
            assert!(shown.contains("profile \"proc\""), "{shown}");
            assert!(!shown.contains("LEAKEDSTDOUT"), "stdout must never be shown: {shown}");
        }
        let err = resolve_credentials(&s, &process_plan(format!("{}/fail.sh", dir.display())), none()).await.unwrap_err();
        assert!(err.what().contains("token expired, run login"), "stderr is shown: {err}");

        let err = resolve_credentials(&s, &process_plan("/no/such/tool --x".into()), none()).await.unwrap_err();
        assert!(err.what().contains("could not be started"), "{err}");
        let err = resolve_credentials(&s, &process_plan("tool 'unbalanced".into()), none()).await.unwrap_err();
        assert!(err.what().contains("unbalanced"), "{err}");
    });
}

/// A stand-in for the SSO portal's GetRoleCredentials and SSO OIDC's
/// CreateToken (moto serves neither): answers one request per connection on
/// loopback and reports each request it saw.
fn sso_portal() -> (String, std::sync::mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for mut c in listener.incoming().flatten() {
            let req = read_request(&mut c);
            let _ = tx.send(req.clone());
            let (status, error_type, body) = if req.starts_with("POST /token") {
                if req.contains(r#""refreshToken":"good-refresh""#)
                    && req.contains(r#""grantType":"refresh_token""#)
                {
                    (
                        "200 OK",
                        None,
                        r#"{"accessToken":"good-token","expiresIn":3600,"refreshToken":"next-refresh","tokenType":"Bearer"}"#,
                    )
                } else {
                    (
                        "400 Bad Request",
                        Some("InvalidGrantException"),
                        r#"{"error":"invalid_grant","error_description":"refresh token expired"}"#,
                    )
                }
            } else if req
                .to_ascii_lowercase()
                .contains("x-amz-sso_bearer_token: good-token")
            {
                (
                    "200 OK",
                    None,
                    r#"{"roleCredentials":{"accessKeyId":"ASIASSOSSOSSOSSO0001","secretAccessKey":"ssosecret","sessionToken":"ssotoken","expiration":4102444800000}}"#,
                )
            } else {
                (
                    "401 Unauthorized",
                    Some("UnauthorizedException"),
                    r#"{"message":"Session token not found or invalid"}"#,
                )
            };
            let resp = format!(
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\n{}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                error_type
                    .map(|t| format!("x-amzn-ErrorType: {t}\r\n"))
                    .unwrap_or_default(),
                body.len()
            );
            let _ = c.write_all(resp.as_bytes());
        }
    });
    (url, rx)
}

/// Reads one HTTP/1.1 request: the head, then Content-Length bytes of body.
fn read_request(c: &mut std::net::TcpStream) -> String {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = c.read(&mut buf).unwrap_or(0);
        if n == 0 {
            break;
        }
        data.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&data);
        if let Some(head_end) = text.find("\r\n\r\n") {
            let length = text[..head_end]
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            if data.len() >= head_end + 4 + length {
                break;
            }
        }
    }
    String::from_utf8_lossy(&data).into_owned()
}

#[test]
fn sso_uses_the_aws_cli_token_cache() {
    let t = TestEnv::new();
    let (portal, requests) = sso_portal();
    let mut s = offline(&t);
    s.env.insert("AWS_ENDPOINT_URL_SSO".into(), portal.clone());
    s.env.insert("AWS_ENDPOINT_URL_SSO_OIDC".into(), portal);
    let plan = Plan::Sso {
        profile: "dev-sso".into(),
        session_name: Some("my-sso".into()),
        start_url: "https://example.awsapps.com/start".into(),
        sso_region: "eu-west-1".into(),
        account_id: "111122223333".into(),
        role_name: "Developer".into(),
    };
    let cache = t.home_path().join(".aws/sso/cache");
    std::fs::create_dir_all(&cache).unwrap();
    // sha1("my-sso")
    let token_file = cache.join("0ad374308c5a4e22f723adf10145eafad7c4031c.json");
    rt().block_on(async {
        // No token yet.
        let err = resolve_credentials(&s, &plan, none()).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Sso);
        assert!(err.hint().unwrap().contains("sls sso login --aws-profile dev-sso"), "{:?}", err.hint());

        std::fs::write(&token_file, r#"{"startUrl":"https://example.awsapps.com/start","region":"eu-west-1","accessToken":"good-token","expiresAt":"2099-01-01T00:00:00Z"}"#).unwrap();
        let keys = resolve_credentials(&s, &plan, none()).await.unwrap();
        assert_eq!(keys.access_key_id, "ASIASSOSSOSSOSSO0001");
        assert_eq!(keys.secret_access_key.expose(), "ssosecret");
        assert_eq!(keys.expiration.as_deref(), Some("2100-01-01T00:00:00Z"));
        let req = requests.recv().unwrap();
        assert!(req.starts_with("GET /federation/credentials?"), "{req}");
        assert!(req.contains("role_name=Developer") && req.contains("account_id=111122223333"), "{req}");

        // Expired token: no call, the same advice.
        std::fs::write(&token_file, r#"{"accessToken":"good-token","expiresAt":"2020-01-01T00:00:00Z"}"#).unwrap();
        let err = resolve_credentials(&s, &plan, none()).await.unwrap_err();
        assert!(err.hint().unwrap().contains("sls sso login --aws-profile dev-sso"));

        // An sso-session token about to expire is refreshed through SSO OIDC and
        // written back for the AWS CLI (same file, private), then used.
        let soon = sls_aws_time_in(60);
        std::fs::write(&token_file, format!(r#"{{"startUrl":"https://example.awsapps.com/start","region":"eu-west-1","accessToken":"old-token","expiresAt":"{soon}","clientId":"cid","clientSecret":"csecret","registrationExpiresAt":"2099-01-01T00:00:00Z","refreshToken":"good-refresh"}}"#)).unwrap();
        while requests.try_recv().is_ok() {}
        let keys = resolve_credentials(&s, &plan, none()).await.unwrap();
        assert_eq!(keys.access_key_id, "ASIASSOSSOSSOSSO0001");
        let create_token = requests.recv().unwrap();
        assert!(create_token.starts_with("POST /token"), "{create_token}");
        assert!(create_token.contains(r#""clientId":"cid""#), "{create_token}");
        let saved: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&token_file).unwrap()).unwrap();
        assert_eq!(saved["accessToken"], "good-token");
        assert_eq!(saved["refreshToken"], "next-refresh");
        assert_eq!(saved["clientSecret"], "csecret");
        assert_eq!(saved["startUrl"], "https://example.awsapps.com/start");
        let new_expiry = sls_aws::time::parse_iso8601(saved["expiresAt"].as_str().unwrap()).unwrap();
        assert!(new_expiry > std::time::SystemTime::now() + std::time::Duration::from_secs(3000));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&token_file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }

        // An expired token whose refresh is refused: log in again.
        std::fs::write(&token_file, r#"{"accessToken":"old-token","expiresAt":"2020-01-01T00:00:00Z","clientId":"cid","clientSecret":"csecret","refreshToken":"stale-refresh","region":"eu-west-1"}"#).unwrap();
        let err = resolve_credentials(&s, &plan, none()).await.unwrap_err();
        assert!(err.hint().unwrap().contains("sls sso login --aws-profile dev-sso"));
        assert!(!format!("{err}{err:?}").contains("stale-refresh"));

        // The portal refuses the token.
        std::fs::write(&token_file, r#"{"accessToken":"revoked","expiresAt":"2099-01-01T00:00:00Z"}"#).unwrap();
        let err = resolve_credentials(&s, &plan, none()).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Sso, "{err:?}");
    });
}

#[test]
fn container_and_instance_metadata_are_never_contacted_here() {
    let t = TestEnv::new();
    let s = offline(&t);
    rt().block_on(async {
        let err = resolve_credentials(&s, &Plan::InstanceMetadata, none())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Provider);
        assert!(err.what().contains("AWS_EC2_METADATA_DISABLED"), "{err}");
        let err = resolve_credentials(&s, &Plan::Container, none())
            .await
            .unwrap_err();
        assert!(
            err.what()
                .contains("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"),
            "{err}"
        );
    });
}

#[test]
fn static_sdk_config_needs_no_network_and_is_fast() {
    let t = TestEnv::new();
    let s = offline(&t);
    rt().block_on(async {
        let plan = static_plan("p", "AKIAIOSFODNN7EXAMPLE", "secret");
        let _ = sdk_config(&s, &plan, none()).await.unwrap();
        let n = 20;
        let start = std::time::Instant::now();
        for _ in 0..n {
            let _ = sdk_config(&s, &plan, none()).await.unwrap();
        }
        eprintln!(
            "static sdk_config: {:?} per build (avg of {n})",
            start.elapsed() / n
        );
        let conf = sdk_config(&s, &plan, none()).await.unwrap();
        assert_eq!(conf.region().unwrap().as_ref(), "us-east-1");
        // AWS_ENDPOINT_URL from the snapshot reaches clients built from the config.
        assert_eq!(
            sls_aws::service_endpoint(&conf, "STS").as_deref(),
            Some("http://127.0.0.1:9")
        );
    });
}

/// An ISO 8601 time `secs` seconds from now, as the token cache writes it.
fn sls_aws_time_in(secs: u64) -> String {
    sls_aws::time::format_rfc3339(
        std::time::SystemTime::now() + std::time::Duration::from_secs(secs),
    )
}
