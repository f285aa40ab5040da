//! A fault-injecting HTTP proxy on loopback, for testing how sls behaves when AWS misbehaves.
//!
//! [`FaultProxy`] sits between sls (`AWS_ENDPOINT_URL=<proxy>`) and a moto server and forwards
//! every request, except where a [`Rule`] says otherwise: answer HTTP 500, answer with
//! throttling, reset the connection, add latency, or forward the request and then lose the
//! answer (the server acted, the client never hears of it); or change what AWS would answer:
//! add headers to the answer (Lambda's `X-Amz-Function-Error`), replace text in its body (a
//! code location on an AWS host → a loopback server), or answer for the server (an error moto
//! never gives). Rules pick requests by AWS
//! operation (`CreateStack`, `UpdateStack`, `PutObject`, …) and fire with a probability drawn
//! from a seeded generator, optionally a limited number of times, so every run is repeatable.
//!
//! One request per client connection (`Connection: close` both ways) keeps the forwarding
//! simple; the SDK opens a new connection when the old one is closed. Plain HTTP only:
//! moto runs without TLS in these tests. Everything listens and connects on 127.0.0.1.

use std::collections::BTreeMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// What to do to a request a rule matches.
#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    /// Answer HTTP 500 `InternalFailure` without forwarding.
    ServerError,
    /// Answer the service's throttling error (HTTP 400 `Throttling`, S3 503 `SlowDown`).
    Throttle,
    /// Close the connection without an answer, before forwarding.
    Reset,
    /// Wait this long, then forward.
    Latency(Duration),
    /// Forward, let the server act, then close the connection without passing the answer on.
    LostAnswer,
    /// Forward, then add these headers to the answer.
    AddHeaders(Vec<(String, String)>),
    /// Forward, then replace every `from` in the answer's body with `to`.
    ReplaceInBody { from: String, to: String },
    /// Answer this without forwarding (status, `x-amzn-ErrorType` and a JSON body for an error).
    Respond { status: u16, body: String },
}

/// A fault, which requests it applies to, how likely it is, and how often it may fire.
#[derive(Clone, Debug)]
pub struct Rule {
    /// The AWS operation name (`CreateStack`, `PutObject`, …), or `*` for every request.
    pub operation: String,
    pub fault: Fault,
    /// Chance per matching request, 0.0 to 1.0.
    pub probability: f64,
    /// At most this many times (`None`: no limit).
    pub limit: Option<u32>,
}

impl Rule {
    /// A rule that always fires on `operation`.
    pub fn always(operation: &str, fault: Fault) -> Rule {
        Rule {
            operation: operation.to_string(),
            fault,
            probability: 1.0,
            limit: None,
        }
    }

    /// A rule that fires with `probability` on `operation`.
    pub fn sometimes(operation: &str, fault: Fault, probability: f64) -> Rule {
        Rule {
            probability,
            ..Rule::always(operation, fault)
        }
    }

    /// Fires at most `n` times.
    pub fn times(mut self, n: u32) -> Rule {
        self.limit = Some(n);
        self
    }
}

/// What the proxy saw: requests per operation, faults injected per operation and per kind
/// (`server_error`, `throttle`, `reset`, `latency`, `lost_answer`).
#[derive(Clone, Debug, Default)]
pub struct Stats {
    pub requests: BTreeMap<String, u32>,
    pub faults: BTreeMap<String, u32>,
    pub kinds: BTreeMap<&'static str, u32>,
}

impl Fault {
    fn kind(&self) -> &'static str {
        match self {
            Fault::ServerError => "server_error",
            Fault::Throttle => "throttle",
            Fault::Reset => "reset",
            Fault::Latency(_) => "latency",
            Fault::LostAnswer => "lost_answer",
            Fault::AddHeaders(_) => "add_headers",
            Fault::ReplaceInBody { .. } => "replace_in_body",
            Fault::Respond { .. } => "respond",
        }
    }
}

struct Shared {
    rules: Vec<(Rule, u32)>,
    rng: u64,
    stats: Stats,
}

/// The proxy; stops when dropped.
pub struct FaultProxy {
    port: u16,
    stop: Arc<AtomicBool>,
    shared: Arc<Mutex<Shared>>,
    accept: Option<thread::JoinHandle<()>>,
}

impl FaultProxy {
    /// Starts a proxy on a free loopback port in front of `upstream_port` (on 127.0.0.1).
    pub fn start(upstream_port: u16, seed: u64, rules: Vec<Rule>) -> FaultProxy {
        let listener = TcpListener::bind(("127.0.0.1", 0)).expect("bind a loopback port");
        let port = listener.local_addr().expect("local address").port();
        let stop = Arc::new(AtomicBool::new(false));
        let shared = Arc::new(Mutex::new(Shared {
            rules: rules.into_iter().map(|r| (r, 0)).collect(),
            // xorshift must not start at 0.
            rng: seed | 1,
            stats: Stats::default(),
        }));
        let accept = {
            let stop = stop.clone();
            let shared = shared.clone();
            thread::spawn(move || {
                for conn in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(conn) = conn else { continue };
                    let shared = shared.clone();
                    thread::spawn(move || {
                        let _ = serve(conn, upstream_port, &shared);
                    });
                }
            })
        };
        FaultProxy {
            port,
            stop,
            shared,
            accept: Some(accept),
        }
    }

    /// `http://127.0.0.1:<port>`, for `AWS_ENDPOINT_URL`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Replaces the rules (counts start again).
    pub fn set_rules(&self, rules: Vec<Rule>) {
        let mut s = self.shared.lock().unwrap_or_else(|e| e.into_inner());
        s.rules = rules.into_iter().map(|r| (r, 0)).collect();
    }

    /// A copy of what the proxy has seen so far.
    pub fn stats(&self) -> Stats {
        let s = self.shared.lock().unwrap_or_else(|e| e.into_inner());
        s.stats.clone()
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.accept.take() {
            let _ = t.join();
        }
    }
}

/// One request as read from the client.
struct Request {
    head: String,
    body: Vec<u8>,
    operation: String,
    json_protocol: bool,
    s3: bool,
}

fn serve(client: TcpStream, upstream_port: u16, shared: &Mutex<Shared>) -> io::Result<()> {
    client.set_read_timeout(Some(Duration::from_secs(60)))?;
    let mut reader = BufReader::new(client.try_clone()?);
    let Some(req) = read_request(&mut reader)? else {
        return Ok(());
    };
    let fault = decide(shared, &req.operation);
    let mut client = client;
    match fault {
        Some(Fault::ServerError) => respond_error(&mut client, &req, 500, "InternalFailure"),
        Some(Fault::Throttle) if req.s3 => respond_error(&mut client, &req, 503, "SlowDown"),
        Some(Fault::Throttle) => {
            let code = if req.json_protocol {
                "ThrottlingException"
            } else {
                "Throttling"
            };
            respond_error(&mut client, &req, 400, code)
        }
        Some(Fault::Reset) => client.shutdown(Shutdown::Both),
        Some(Fault::Latency(d)) => {
            thread::sleep(d);
            let answer = forward(&req, upstream_port)?;
            client.write_all(&answer)
        }
        Some(Fault::LostAnswer) => {
            forward(&req, upstream_port)?;
            client.shutdown(Shutdown::Both)
        }
        Some(Fault::AddHeaders(headers)) => {
            let answer = forward(&req, upstream_port)?;
            client.write_all(&with_headers(&answer, &headers))
        }
        Some(Fault::ReplaceInBody { from, to }) => {
            let answer = forward(&req, upstream_port)?;
            client.write_all(&replaced_body(&answer, &from, &to))
        }
        Some(Fault::Respond { status, body }) => {
            let answer = format!(
                "HTTP/1.1 {status} Answered\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            client.write_all(answer.as_bytes())
        }
        None => {
            let answer = forward(&req, upstream_port)?;
            client.write_all(&answer)
        }
    }
}

/// The head and body of a whole HTTP answer (a body sent chunked is de-chunked).
fn split_answer(answer: &[u8]) -> (String, Vec<u8>) {
    let at = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(answer.len());
    let head = String::from_utf8_lossy(&answer[..at]).into_owned();
    let body = answer.get(at + 4..).unwrap_or_default().to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        return (head, dechunk(&body));
    }
    (head, body)
}

fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = body.windows(2).position(|w| w == b"\r\n") {
        let size = std::str::from_utf8(&body[..eol])
            .ok()
            .and_then(|s| usize::from_str_radix(s.trim(), 16).ok())
            .unwrap_or(0);
        let start = eol + 2;
        if size == 0 || body.len() < start + size {
            break;
        }
        out.extend_from_slice(&body[start..start + size]);
        body = &body[(start + size + 2).min(body.len())..];
    }
    out
}

/// The answer again, with `extra` headers and the body's length recomputed.
fn rebuild(head: &str, body: &[u8], extra: &[(String, String)]) -> Vec<u8> {
    let mut out = String::new();
    for line in head.lines() {
        let name = line
            .split_once(':')
            .map(|(k, _)| k.trim().to_ascii_lowercase());
        if matches!(
            name.as_deref(),
            Some("content-length" | "transfer-encoding")
        ) {
            continue;
        }
        out.push_str(line);
        out.push_str("\r\n");
    }
    for (k, v) in extra {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

fn with_headers(answer: &[u8], headers: &[(String, String)]) -> Vec<u8> {
    let (head, body) = split_answer(answer);
    rebuild(&head, &body, headers)
}

fn replaced_body(answer: &[u8], from: &str, to: &str) -> Vec<u8> {
    let (head, body) = split_answer(answer);
    let body = String::from_utf8_lossy(&body).replace(from, to);
    rebuild(&head, body.as_bytes(), &[])
}

/// Counts the request and picks the first rule that matches and fires.
fn decide(shared: &Mutex<Shared>, operation: &str) -> Option<Fault> {
    let mut s = shared.lock().unwrap_or_else(|e| e.into_inner());
    *s.stats.requests.entry(operation.to_string()).or_default() += 1;
    for i in 0..s.rules.len() {
        let (rule, fired) = &s.rules[i];
        if rule.operation != "*" && rule.operation != operation {
            continue;
        }
        if rule.limit.is_some_and(|l| *fired >= l) {
            continue;
        }
        let p = rule.probability;
        let draw = next_unit(&mut s.rng);
        if draw < p {
            let fault = s.rules[i].0.fault.clone();
            s.rules[i].1 += 1;
            *s.stats.faults.entry(operation.to_string()).or_default() += 1;
            *s.stats.kinds.entry(fault.kind()).or_default() += 1;
            return Some(fault);
        }
    }
    None
}

/// xorshift64*: repeatable for a seed, good enough to spread faults.
fn next_unit(state: &mut u64) -> f64 {
    let mut x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
}

fn read_request(reader: &mut BufReader<TcpStream>) -> io::Result<Option<Request>> {
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        let end = line == "\r\n" || line == "\n";
        head.push_str(&line);
        if end {
            break;
        }
    }
    let header = |name: &str| -> Option<String> {
        head.lines().skip(1).find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_string())
        })
    };
    let mut body = Vec::new();
    if let Some(len) = header("content-length").and_then(|v| v.parse::<usize>().ok()) {
        body.resize(len, 0);
        reader.read_exact(&mut body)?;
    } else if header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        // Keep the chunked framing as sent; the upstream reads it the same way.
        loop {
            let mut size_line = String::new();
            reader.read_line(&mut size_line)?;
            body.extend_from_slice(size_line.as_bytes());
            let size = usize::from_str_radix(size_line.trim().split(';').next().unwrap_or("0"), 16)
                .unwrap_or(0);
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk)?;
            body.extend_from_slice(&chunk);
            if size == 0 {
                break;
            }
        }
    }
    let request_line = head.lines().next().unwrap_or_default().to_string();
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let path = parts.next().unwrap_or_default().to_string();
    let target = header("x-amz-target");
    let auth = header("authorization").unwrap_or_default();
    let s3 = auth.contains("/s3/aws4_request");
    let operation = if let Some(t) = &target {
        t.rsplit('.').next().unwrap_or(t).to_string()
    } else if let Some(action) = form_action(&body).or_else(|| query_action(&path)) {
        action
    } else if s3 {
        s3_operation(&method, &path)
    } else {
        format!("{method} {}", path.split('?').next().unwrap_or(&path))
    };
    let json_protocol = target.is_some() || auth.contains("/lambda/aws4_request");
    Ok(Some(Request {
        head,
        body,
        operation,
        json_protocol,
        s3,
    }))
}

fn form_action(body: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    text.split('&')
        .find_map(|kv| kv.strip_prefix("Action="))
        .map(str::to_string)
}

fn query_action(path: &str) -> Option<String> {
    let query = path.split_once('?')?.1;
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix("Action="))
        .map(str::to_string)
}

/// A rough S3 operation name from method and path (path-style addressing).
fn s3_operation(method: &str, path: &str) -> String {
    let (p, query) = path.split_once('?').unwrap_or((path, ""));
    let has_key = p.trim_start_matches('/').contains('/');
    match (method, has_key) {
        ("PUT", true) => "PutObject",
        ("GET", true) => "GetObject",
        ("HEAD", true) => "HeadObject",
        ("DELETE", true) => "DeleteObject",
        ("POST", false) if query.contains("delete") => "DeleteObjects",
        ("GET", false) if query.contains("versions") => "ListObjectVersions",
        ("GET", false) => "ListObjectsV2",
        ("PUT", false) => "CreateBucket",
        ("DELETE", false) => "DeleteBucket",
        ("HEAD", false) => "HeadBucket",
        _ => "S3Other",
    }
    .to_string()
}

/// Sends the request upstream with `Connection: close` and returns the whole answer.
fn forward(req: &Request, upstream_port: u16) -> io::Result<Vec<u8>> {
    let mut up = TcpStream::connect(("127.0.0.1", upstream_port))?;
    up.set_read_timeout(Some(Duration::from_secs(120)))?;
    let mut head = String::new();
    for line in req.head.lines() {
        if line.is_empty() {
            continue;
        }
        if line
            .split_once(':')
            .is_some_and(|(k, _)| k.trim().eq_ignore_ascii_case("connection"))
        {
            continue;
        }
        head.push_str(line);
        head.push_str("\r\n");
    }
    head.push_str("Connection: close\r\n\r\n");
    up.write_all(head.as_bytes())?;
    up.write_all(&req.body)?;
    let mut answer = Vec::new();
    up.read_to_end(&mut answer)?;
    Ok(answer)
}

fn respond_error(client: &mut TcpStream, req: &Request, status: u16, code: &str) -> io::Result<()> {
    let reason = match status {
        400 => "Bad Request",
        503 => "Service Unavailable",
        _ => "Internal Server Error",
    };
    let (content_type, body) = if req.json_protocol {
        (
            "application/x-amz-json-1.1",
            format!(r#"{{"__type":"{code}","message":"injected by the test proxy"}}"#),
        )
    } else if req.s3 {
        (
            "application/xml",
            format!(
                "<Error><Code>{code}</Code><Message>injected by the test proxy</Message></Error>"
            ),
        )
    } else {
        (
            "text/xml",
            format!(
                "<ErrorResponse><Error><Type>Receiver</Type><Code>{code}</Code><Message>injected by the test proxy</Message></Error><RequestId>0</RequestId></ErrorResponse>"
            ),
        )
    };
    let answer = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nx-amzn-ErrorType: {code}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    client.write_all(answer.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_gives_the_same_draws() {
        let (mut a, mut b) = (42u64, 42u64);
        let xs: Vec<f64> = (0..5).map(|_| next_unit(&mut a)).collect();
        let ys: Vec<f64> = (0..5).map(|_| next_unit(&mut b)).collect();
        assert_eq!(xs, ys);
        assert!(xs.iter().all(|x| (0.0..1.0).contains(x)));
    }

    #[test]
    fn rules_fire_by_operation_and_limit() {
        let shared = Mutex::new(Shared {
            rules: vec![(Rule::always("CreateStack", Fault::ServerError).times(2), 0)],
            rng: 7,
            stats: Stats::default(),
        });
        assert_eq!(decide(&shared, "DescribeStacks"), None);
        assert_eq!(decide(&shared, "CreateStack"), Some(Fault::ServerError));
        assert_eq!(decide(&shared, "CreateStack"), Some(Fault::ServerError));
        assert_eq!(decide(&shared, "CreateStack"), None);
        let s = shared.lock().unwrap();
        assert_eq!(s.stats.requests["CreateStack"], 3);
        assert_eq!(s.stats.faults["CreateStack"], 2);
    }

    #[test]
    fn answers_are_rewritten_with_their_length() {
        let answer = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
        let out = String::from_utf8(replaced_body(answer, "ell", "ipp")).unwrap();
        assert_eq!(out, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhippo");
        let out = with_headers(answer, &[("X-A".into(), "1".into())]);
        assert!(String::from_utf8(out)
            .unwrap()
            .contains("X-A: 1\r\nContent-Length: 5"));
        let chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
        let out = String::from_utf8(replaced_body(chunked, "b", "bb")).unwrap();
        assert!(out.ends_with("Content-Length: 4\r\n\r\nabbc"), "{out}");
    }

    #[test]
    fn operations_are_named_as_aws_names_them() {
        assert_eq!(
            form_action(b"Action=CreateStack&Version=2010-05-15").as_deref(),
            Some("CreateStack")
        );
        assert_eq!(s3_operation("PUT", "/bucket/a/b.zip"), "PutObject");
        assert_eq!(s3_operation("GET", "/bucket?list-type=2"), "ListObjectsV2");
    }
}
