//! Shared helpers for sls-aws integration tests.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use sls_aws::{AwsError, AwsSettings, MfaPrompt};
use sls_credentials::plan::{Origin, Plan, Secret, StaticKeys};
use sls_testkit::TestEnv;

pub fn settings(t: &TestEnv, endpoint: &str) -> AwsSettings {
    let mut env = t.env.clone();
    env.insert("AWS_ENDPOINT_URL".into(), endpoint.into());
    AwsSettings::new("us-east-1", env, t.home_path(), t.home_path())
}

pub fn static_plan(profile: &str, key: &str, secret: &str) -> Plan {
    Plan::Static {
        keys: StaticKeys {
            access_key_id: key.into(),
            secret_access_key: Secret::new(secret),
            session_token: None,
            expiration: None,
        },
        origin: Origin::Profile {
            name: profile.into(),
            file: PathBuf::from("/dev/null"),
        },
    }
}

pub fn role_plan(profile: &str, role_arn: &str, source: Plan, mfa_serial: Option<&str>) -> Plan {
    Plan::AssumeRole {
        profile: profile.into(),
        role_arn: role_arn.into(),
        source: Box::new(source),
        mfa_serial: mfa_serial.map(str::to_string),
        external_id: None,
        session_name: None,
        duration_seconds: None,
    }
}

/// Answers a fixed code and counts how often it was asked.
#[derive(Default)]
pub struct CountingMfa {
    pub code: String,
    pub asked: AtomicUsize,
    pub serials: Mutex<Vec<String>>,
}

impl CountingMfa {
    pub fn new(code: &str) -> Arc<CountingMfa> {
        Arc::new(CountingMfa {
            code: code.into(),
            ..Default::default()
        })
    }
    pub fn count(&self) -> usize {
        self.asked.load(Ordering::SeqCst)
    }
}

impl MfaPrompt for CountingMfa {
    fn ask(&self, serial: &str) -> Result<String, AwsError> {
        self.asked.fetch_add(1, Ordering::SeqCst);
        self.serials.lock().unwrap().push(serial.to_string());
        Ok(self.code.clone())
    }
}

/// A tiny HTTP proxy on loopback: CONNECT tunnels and absolute-form forwarding,
/// counting connections. Only ever connects to 127.0.0.1 targets.
pub struct CountingProxy {
    pub port: u16,
    pub connections: Arc<AtomicUsize>,
}

impl CountingProxy {
    pub fn start() -> CountingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let connections = Arc::new(AtomicUsize::new(0));
        let count = connections.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                count.fetch_add(1, Ordering::SeqCst);
                std::thread::spawn(move || {
                    let _ = handle(client);
                });
            }
        });
        CountingProxy { port, connections }
    }
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
    pub fn count(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

fn read_head(s: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if s.read(&mut byte)? == 0 {
            break;
        }
        head.push(byte[0]);
    }
    Ok(head)
}

fn handle(mut client: TcpStream) -> std::io::Result<()> {
    let head = read_head(&mut client)?;
    let text = String::from_utf8_lossy(&head).to_string();
    let first = text.lines().next().unwrap_or("").to_string();
    let mut parts = first.split_whitespace();
    let method = parts.next().unwrap_or("");
    let target = parts.next().unwrap_or("");
    let (authority, rewritten) = if method == "CONNECT" {
        (target.to_string(), None)
    } else {
        let rest = target.strip_prefix("http://").unwrap_or(target);
        let (auth, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let path = if path.is_empty() { "/" } else { path };
        let new_head = text.replacen(target, path, 1);
        (auth.to_string(), Some(new_head))
    };
    let port: u16 = authority
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or(80);
    // Loopback only, whatever the request says.
    let mut upstream = TcpStream::connect(("127.0.0.1", port))?;
    match rewritten {
        None => client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")?,
        Some(h) => upstream.write_all(h.as_bytes())?,
    }
    let mut c2 = client.try_clone()?;
    let mut u2 = upstream.try_clone()?;
    let t = std::thread::spawn(move || {
        let _ = std::io::copy(&mut u2, &mut c2);
        let _ = c2.shutdown(Shutdown::Write);
    });
    let _ = std::io::copy(&mut client, &mut upstream);
    let _ = upstream.shutdown(Shutdown::Write);
    let _ = t.join();
    Ok(())
}
