//! A stand-in for IAM Identity Center on loopback: SSO OIDC (RegisterClient,
//! StartDeviceAuthorization, CreateToken for the device-code and refresh-token
//! grants) and the SSO portal (GetRoleCredentials, Logout), speaking the
//! services' REST-JSON wire format closely enough for the AWS SDKs.
//!
//! It is a stand-in, honestly: no real IAM Identity Center can run here (it
//! needs an AWS organisation, a browser and a person to approve the code), and
//! moto does not emulate SSO OIDC's device flow. What it checks is the
//! protocol a client must follow (which calls, which fields, the bearer token),
//! with fake values only; clients reach it through `AWS_ENDPOINT_URL_SSO_OIDC`
//! and `AWS_ENDPOINT_URL_SSO`. It listens on 127.0.0.1 only.
//!
//! CreateToken (device-code grant) answers from a script: each poll takes the
//! next [`TokenAnswer`]; when the script is used up, it issues the token.

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// The fake secrets the stand-in hands out; tests assert they never appear in output.
pub const ACCESS_TOKEN: &str = "fake-sso-access-token-4f1c2b";
pub const REFRESHED_ACCESS_TOKEN: &str = "fake-sso-refreshed-token-8e0d";
pub const REFRESH_TOKEN: &str = "fake-sso-refresh-token-a71e";
pub const CLIENT_ID: &str = "fake-client-id-0001";
pub const CLIENT_SECRET: &str = "fake-client-secret-9d2e77";
pub const DEVICE_CODE: &str = "fake-device-code-55aa31";
pub const USER_CODE: &str = "FAKE-CODE";
pub const ROLE_ACCESS_KEY_ID: &str = "ASIAFAKESTANDIN00001";
pub const ROLE_SECRET: &str = "fake-role-secret-7a3b90";
pub const ROLE_SESSION_TOKEN: &str = "fake-role-session-token-c4d5";

/// One answer to a device-code CreateToken poll.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenAnswer {
    /// `authorization_pending`: not approved yet.
    Pending,
    /// `slow_down`: poll less often.
    SlowDown,
    /// `access_denied`: the user refused.
    AccessDenied,
    /// `expired_token`: the device code expired unapproved.
    Expired,
    /// The token (with a refresh token when [`Options::refresh_token`] is set).
    Token,
}

/// How the stand-in behaves.
#[derive(Clone, Debug)]
pub struct Options {
    /// CreateToken answers, in order; then [`TokenAnswer::Token`].
    pub script: Vec<TokenAnswer>,
    /// StartDeviceAuthorization's `interval` (seconds; 0 leaves it out).
    pub interval: i32,
    /// StartDeviceAuthorization's `expiresIn` (seconds).
    pub code_expires_in: i32,
    /// Whether CreateToken issues a refresh token.
    pub refresh_token: bool,
    /// The token's lifetime (seconds).
    pub token_expires_in: i32,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            script: vec![TokenAnswer::Pending],
            interval: 1,
            code_expires_in: 600,
            refresh_token: true,
            token_expires_in: 8 * 3600,
        }
    }
}

/// A request the stand-in received.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: String,
    /// Path and query.
    pub path: String,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub at: Instant,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The JSON body (`Null` when there is none).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// The operation, by path.
    pub fn operation(&self) -> &'static str {
        let path = self.path.split('?').next().unwrap_or_default();
        match (self.method.as_str(), path) {
            ("POST", "/client/register") => "RegisterClient",
            ("POST", "/device_authorization") => "StartDeviceAuthorization",
            ("POST", "/token") => "CreateToken",
            ("GET", "/federation/credentials") => "GetRoleCredentials",
            ("POST", "/logout") => "Logout",
            _ => "Unknown",
        }
    }
}

struct State {
    options: Options,
    script: VecDeque<TokenAnswer>,
    requests: Vec<Request>,
}

/// The running stand-in; stops accepting when dropped (the listener thread
/// lives on, idle, until the test process ends).
pub struct SsoStandIn {
    endpoint: String,
    state: Arc<Mutex<State>>,
}

impl SsoStandIn {
    pub fn start(options: Options) -> SsoStandIn {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the SSO stand-in on loopback");
        let endpoint = format!(
            "http://127.0.0.1:{}",
            listener.local_addr().expect("local address").port()
        );
        let state = Arc::new(Mutex::new(State {
            script: options.script.iter().copied().collect(),
            options,
            requests: Vec::new(),
        }));
        let shared = Arc::downgrade(&state);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let Some(state) = shared.upgrade() else { break };
                std::thread::spawn(move || serve(stream, &state));
            }
        });
        SsoStandIn { endpoint, state }
    }

    /// `http://127.0.0.1:PORT`, for `AWS_ENDPOINT_URL_SSO_OIDC` and `AWS_ENDPOINT_URL_SSO`.
    pub fn endpoint(&self) -> String {
        self.endpoint.clone()
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<Request> {
        self.state.lock().expect("stand-in state").requests.clone()
    }

    /// The requests of one operation (`CreateToken`, `Logout`, …).
    pub fn calls(&self, operation: &str) -> Vec<Request> {
        self.requests()
            .into_iter()
            .filter(|r| r.operation() == operation)
            .collect()
    }

    /// Replaces the CreateToken script (for a second login against the same stand-in).
    pub fn set_script(&self, script: Vec<TokenAnswer>) {
        let mut s = self.state.lock().expect("stand-in state");
        s.script = script.into_iter().collect();
    }
}

fn serve(mut stream: TcpStream, state: &Mutex<State>) {
    let Some(req) = read_request(&mut stream) else {
        return;
    };
    let (status, error, body) = answer(&req, state);
    state.lock().expect("stand-in state").requests.push(req);
    let error_header = error
        .map(|e| format!("x-amzn-ErrorType: {e}\r\n"))
        .unwrap_or_default();
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\n{error_header}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes());
    let _ = stream.flush();
}

type Answer = (&'static str, Option<&'static str>, String);

fn ok(body: serde_json::Value) -> Answer {
    ("200 OK", None, body.to_string())
}

fn oauth_error(status: &'static str, kind: &'static str, error: &str) -> Answer {
    (
        status,
        Some(kind),
        serde_json::json!({"error": error, "error_description": format!("stand-in: {error}")})
            .to_string(),
    )
}

fn answer(req: &Request, state: &Mutex<State>) -> Answer {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default();
    let body = req.json();
    let field = |k: &str| body.get(k).and_then(|v| v.as_str()).unwrap_or_default();
    let client_ok = field("clientId") == CLIENT_ID && field("clientSecret") == CLIENT_SECRET;
    match req.operation() {
        "RegisterClient" => {
            if field("clientType") != "public" || field("clientName").is_empty() {
                return oauth_error(
                    "400 Bad Request",
                    "InvalidRequestException",
                    "invalid_request",
                );
            }
            ok(serde_json::json!({
                "clientId": CLIENT_ID,
                "clientSecret": CLIENT_SECRET,
                "clientIdIssuedAt": now,
                "clientSecretExpiresAt": now + 90 * 86_400,
            }))
        }
        "StartDeviceAuthorization" => {
            if !client_ok {
                return oauth_error(
                    "400 Bad Request",
                    "InvalidClientException",
                    "invalid_client",
                );
            }
            let o = state.lock().expect("stand-in state").options.clone();
            let mut out = serde_json::json!({
                "deviceCode": DEVICE_CODE,
                "userCode": USER_CODE,
                "verificationUri": "https://device.sso.stand-in.invalid/",
                "verificationUriComplete": format!("https://device.sso.stand-in.invalid/?user_code={USER_CODE}"),
                "expiresIn": o.code_expires_in,
            });
            if o.interval > 0 {
                out["interval"] = o.interval.into();
            }
            ok(out)
        }
        "CreateToken" => {
            if !client_ok {
                return oauth_error(
                    "400 Bad Request",
                    "InvalidClientException",
                    "invalid_client",
                );
            }
            let (options, next) = {
                let mut s = state.lock().expect("stand-in state");
                let next = if field("grantType") == "refresh_token" {
                    None
                } else {
                    Some(s.script.pop_front().unwrap_or(TokenAnswer::Token))
                };
                (s.options.clone(), next)
            };
            let token = |access: &str| {
                let mut out = serde_json::json!({
                    "accessToken": access,
                    "tokenType": "Bearer",
                    "expiresIn": options.token_expires_in,
                });
                if options.refresh_token {
                    out["refreshToken"] = REFRESH_TOKEN.into();
                }
                ok(out)
            };
            match next {
                None if field("refreshToken") == REFRESH_TOKEN => token(REFRESHED_ACCESS_TOKEN),
                None => oauth_error("400 Bad Request", "InvalidGrantException", "invalid_grant"),
                Some(_)
                    if field("deviceCode") != DEVICE_CODE
                        || field("grantType") != "urn:ietf:params:oauth:grant-type:device_code" =>
                {
                    oauth_error("400 Bad Request", "InvalidGrantException", "invalid_grant")
                }
                Some(TokenAnswer::Pending) => oauth_error(
                    "400 Bad Request",
                    "AuthorizationPendingException",
                    "authorization_pending",
                ),
                Some(TokenAnswer::SlowDown) => {
                    oauth_error("400 Bad Request", "SlowDownException", "slow_down")
                }
                Some(TokenAnswer::AccessDenied) => {
                    oauth_error("400 Bad Request", "AccessDeniedException", "access_denied")
                }
                Some(TokenAnswer::Expired) => {
                    oauth_error("400 Bad Request", "ExpiredTokenException", "expired_token")
                }
                Some(TokenAnswer::Token) => token(ACCESS_TOKEN),
            }
        }
        "GetRoleCredentials" => {
            let bearer = req.header("x-amz-sso_bearer_token").unwrap_or_default();
            if bearer != ACCESS_TOKEN && bearer != REFRESHED_ACCESS_TOKEN {
                return (
                    "401 Unauthorized",
                    Some("UnauthorizedException"),
                    r#"{"message":"Session token not found or invalid"}"#.to_string(),
                );
            }
            ok(serde_json::json!({"roleCredentials": {
                "accessKeyId": ROLE_ACCESS_KEY_ID,
                "secretAccessKey": ROLE_SECRET,
                "sessionToken": ROLE_SESSION_TOKEN,
                "expiration": (now + 3600) * 1000,
            }}))
        }
        "Logout" => ("200 OK", None, String::new()),
        _ => (
            "404 Not Found",
            Some("UnknownOperationException"),
            "{}".to_string(),
        ),
    }
}

/// Reads one HTTP/1.1 request: the head, then `Content-Length` bytes of body.
fn read_request(stream: &mut TcpStream) -> Option<Request> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let (head_end, length) = loop {
        let n = stream.read(&mut buf).ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&buf[..n]);
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..end]).into_owned();
            let length = head
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.trim()
                        .eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            break (end, length);
        }
    };
    while data.len() < head_end + 4 + length {
        let n = stream.read(&mut buf).ok()?;
        if n == 0 {
            break;
        }
        data.extend_from_slice(&buf[..n]);
    }
    let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
    let mut lines = head.lines();
    let mut first = lines.next()?.split_whitespace();
    let method = first.next()?.to_string();
    let path = first.next()?.to_string();
    let headers = lines
        .filter_map(|l| {
            let (k, v) = l.split_once(':')?;
            Some((k.trim().to_ascii_lowercase(), v.trim().to_string()))
        })
        .collect();
    let end = (head_end + 4 + length).min(data.len());
    Some(Request {
        method,
        path,
        headers,
        body: String::from_utf8_lossy(&data[head_end + 4..end]).into_owned(),
        at: Instant::now(),
    })
}
