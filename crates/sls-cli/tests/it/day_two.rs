//! The day-two commands against moto on loopback: `invoke -f`, `logs` (pages, filter, times,
//! `--tail` ended by Ctrl-C), `deploy list [functions]`, `rollback -t`, `rollback function`
//! and `metrics`, with v3's output pinned as insta snapshots.
//!
//! What moto 5.2.5 cannot do is added by the fault proxy in front of it, and said where: its
//! docker-less Lambda echoes the payload (or returns results queued through its API) but never
//! sends `X-Amz-Function-Error` or `LogResult`, and answers an Invoke of a function it does not
//! know; GetFunction's code location is a made-up URL on an AWS host, which the proxy rewrites
//! to a loopback server holding the version's zip. Nothing leaves 127.0.0.1.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common;
use common::{get_function, Run, Sls};
use sls_testkit::faults::{Fault, FaultProxy, Rule};
use sls_testkit::{BytesServer, MotoServer};

const SERVICE: &str = "service: day2\nprovider:\n  name: aws\n  runtime: nodejs20.x\nfunctions:\n  hello:\n    handler: handler.hello\n";
const INVOKE: &str = "POST /2015-03-31/functions/day2-dev-hello/invocations";

/// moto with docker-less Lambda, the proxy in front of it, and the service deployed once.
fn deployed() -> (MotoServer, FaultProxy, Sls) {
    let moto = MotoServer::start();
    moto.lambda_without_docker();
    let proxy = FaultProxy::start(moto.port(), 23, vec![]);
    let mut sls = Sls::new();
    sls.env("AWS_ENDPOINT_URL", &proxy.endpoint())
        .env("AWS_ACCESS_KEY_ID", "AKIADAYTWO")
        .env("AWS_SECRET_ACCESS_KEY", "day2-secret-not-shown")
        .env("AWS_REGION", "us-east-1");
    sls.file("serverless.yml", SERVICE);
    sls.file("handler.js", "exports.hello = async () => 1;\n");
    sls.run(&["deploy"]).ok();
    (moto, proxy, sls)
}

/// Both streams with the test's paths, endpoint and changing numbers made stable.
fn shown(sls: &Sls, run: &Run, stable: &[(&str, &str)]) -> String {
    let mut text = format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        run.code, run.stdout, run.stderr
    );
    for (from, to) in stable {
        text = text.replace(from, to);
    }
    text = text.replace(&sls.cwd.display().to_string(), "[CWD]");
    if let Some(endpoint) = sls.env.get("AWS_ENDPOINT_URL") {
        text = text.replace(endpoint, "[ENDPOINT]");
    }
    assert!(!text.contains("day2-secret-not-shown"), "{text}");
    seconds_made_stable(&text)
}

/// `(12s)` at the end of a line → `(Ns)`.
fn seconds_made_stable(text: &str) -> String {
    let mut out = String::new();
    for line in text.split_inclusive('\n') {
        let (body, end) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        let stable = body.strip_suffix("s)").and_then(|rest| {
            let open = rest.rfind('(')?;
            rest[open + 1..]
                .chars()
                .all(|c| c.is_ascii_digit())
                .then(|| format!("{}(Ns)", &rest[..open]))
        });
        out.push_str(stable.as_deref().unwrap_or(body));
        out.push_str(end);
    }
    out
}

#[test]
fn invoke_prints_the_payload_log_and_function_errors_as_v3() {
    let (moto, proxy, sls) = deployed();

    // moto echoes the event: pretty JSON, four spaces, keys in order.
    let run = sls.run(&["invoke", "-f", "hello", "-d", r#"{"b":1,"a":[true]}"#]);
    insta::assert_snapshot!("invoke_echo", shown(&sls, &run, &[]));

    // A result queued through moto's API, an event from a YAML file relative to the service,
    // and from stdin.
    moto.queue_lambda_results("us-east-1", &[r#"{"statusCode":200}"#]);
    sls.file("events/e.yml", "from: file\n");
    let run = sls
        .run(&["invoke", "-f", "hello", "-p", "events/e.yml"])
        .ok();
    assert_eq!(run.stdout, "{\n    \"statusCode\": 200\n}\n");
    let run = sls
        .run(&["invoke", "-f", "hello", "-p", "events/e.yml"])
        .ok();
    assert_eq!(run.stdout, "{\n    \"from\": \"file\"\n}\n");
    let mut piped = Sls::new();
    piped.env = sls.env.clone();
    piped.file("serverless.yml", SERVICE);
    piped.stdin(r#"{"from":"stdin"}"#);
    let run = piped.run(&["invoke", "-f", "hello"]).ok();
    assert_eq!(run.stdout, "{\n    \"from\": \"stdin\"\n}\n");
    // --raw sends the text as a JSON string.
    let run = sls
        .run(&["invoke", "-f", "hello", "-d", "{x", "--raw"])
        .ok();
    assert_eq!(run.stdout, "\"{x\"\n");

    // --log: the decoded LogResult after v3's separator (moto sends none: the proxy adds it).
    let log = "START RequestId: r1 Version: $LATEST\n2023-11-14T22:13:20.001Z\tr1\tINFO\thi\nEND RequestId: r1\n";
    let encoded = base64(log);
    proxy.set_rules(vec![Rule::always(
        INVOKE,
        Fault::AddHeaders(vec![("X-Amz-Log-Result".into(), encoded)]),
    )]);
    let run = sls.run(&["invoke", "-f", "hello", "-d", "{}", "--log"]);
    insta::assert_snapshot!("invoke_log", shown(&sls, &run, &[]));

    // A function error: the payload is shown and the exit code is 1.
    proxy.set_rules(vec![Rule::always(
        INVOKE,
        Fault::AddHeaders(vec![("X-Amz-Function-Error".into(), "Unhandled".into())]),
    )]);
    let run = sls.run(&["invoke", "-f", "hello", "-d", r#"{"errorMessage":"boom"}"#]);
    insta::assert_snapshot!("invoke_function_error", shown(&sls, &run, &[]));

    // Not deployed (Lambda's 404, which moto's docker-less backend never gives), and not in the
    // service at all.
    proxy.set_rules(vec![Rule::always(
        INVOKE,
        Fault::Respond {
            status: 404,
            body: r#"{"__type":"ResourceNotFoundException","Message":"Function not found"}"#.into(),
        },
    )]);
    let run = sls.run(&["invoke", "-f", "hello"]);
    insta::assert_snapshot!("invoke_not_deployed", shown(&sls, &run, &[]));
    proxy.set_rules(vec![]);
    let run = sls.run(&["invoke", "-f", "nope"]);
    insta::assert_snapshot!("invoke_unknown_function", shown(&sls, &run, &[]));

    // Event invocations go through (moto answers 202).
    let before = proxy.stats().requests.get(INVOKE).copied().unwrap_or(0);
    sls.run(&["invoke", "-f", "hello", "-t", "Event", "-d", "{}"])
        .ok();
    assert_eq!(proxy.stats().requests[INVOKE], before + 1);
}

fn base64(text: &str) -> String {
    const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in text.as_bytes().chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

const GROUP: &str = "/aws/lambda/day2-dev-hello";

#[test]
fn logs_reads_every_page_filters_and_formats_as_v3() {
    let (moto, _proxy, sls) = deployed();
    let now = now_ms();
    // More than moto's page of 10,000 events: the last ones are on the second page.
    let many: Vec<(i64, String)> = (0..10_050)
        .map(|i| (now - 60_000 + i / 1000, format!("line {i:05}\n")))
        .collect();
    moto.put_log_events(GROUP, "bulk", &many[..5000]);
    moto.put_log_events(GROUP, "bulk2", &many[5000..]);
    let run = sls.run(&["logs", "-f", "hello"]).ok();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 10_050, "{}", run.stderr);
    assert_eq!(lines[10_049], "line 10049");

    // Lambda's own lines (the dates in them are what is shown), a filter pattern and a time
    // window in epoch milliseconds. CloudWatch (and moto) refuse events older than 14 days, so
    // their timestamps are recent.
    let t = now - 30_000;
    let lambda_lines = [
        (t, "START RequestId: r1 Version: $LATEST\n".to_string()),
        (
            t + 1,
            "2023-11-14T22:13:20.002Z\tr1\tINFO\thello\n  and more\n".into(),
        ),
        (
            t + 2,
            "[ERROR]\t2023-11-14T22:13:20.003Z\tr1\tboom\n".into(),
        ),
        (t + 3, "END RequestId: r1\n".into()),
        (t + 4, "REPORT RequestId: r1\tDuration: 1.00 ms\t\n".into()),
    ];
    moto.put_log_events(GROUP, "recent", &lambda_lines);
    let (from, to) = (t.to_string(), (t + 10).to_string());
    let window = [
        "logs",
        "-f",
        "hello",
        "--startTime",
        &from,
        "--endTime",
        &to,
    ];
    let run = sls.run(&window);
    insta::assert_snapshot!("logs_lambda_lines", shown(&sls, &run, &[]));
    let mut filtered = window.to_vec();
    filtered.extend(["--filter", "boom"]);
    let run = sls.run(&filtered).ok();
    assert_eq!(
        run.stdout,
        "2023-11-14 22:13:20.003 (+00:00)\tr1\t[ERROR]\tboom\n"
    );

    let run = sls.run(&["logs", "-f", "hello", "--startTime", "yesterday"]);
    insta::assert_snapshot!("logs_bad_time", shown(&sls, &run, &[]));
}

#[test]
fn logs_tail_prints_new_events_once_and_ends_at_ctrl_c() {
    let (moto, _proxy, sls) = deployed();
    moto.put_log_events(GROUP, "s", &[(now_ms(), "first\n".into())]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_sls"))
        // v3's default window with --tail is the last 10 s: on a loaded machine sls can take
        // longer than that to start, and "first" would fall outside it.
        .args([
            "logs",
            "-f",
            "hello",
            "--tail",
            "-i",
            "100",
            "--startTime",
            "5m",
        ])
        .current_dir(&sls.cwd)
        .env_clear()
        .envs(&sls.env)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Lines come through a thread so a missing one fails the test instead of hanging it.
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if tx.send(line.unwrap_or_default()).is_err() {
                break;
            }
        }
    });
    let pid = child.id();
    let next = move || match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(line) => line,
        Err(e) => {
            let _ = Command::new("kill").arg(pid.to_string()).status();
            panic!("sls logs --tail printed no further line within 60 s ({e})");
        }
    };
    assert_eq!(next(), "first");
    // Same timestamp as an event already shown, then a later one: each printed once.
    let t = now_ms();
    moto.put_log_events(GROUP, "s", &[(t, "second\n".into()), (t, "third\n".into())]);
    assert_eq!(next(), "second");
    assert_eq!(next(), "third");
    moto.put_log_events(GROUP, "s", &[(t + 5, "fourth\n".into())]);
    assert_eq!(next(), "fourth");

    // A few more polls show nothing again; then Ctrl-C.
    moto.put_log_events(GROUP, "s", &[(t + 6, "fifth\n".into())]);
    assert_eq!(next(), "fifth");
    let sent = Instant::now();
    let pid = child.id().to_string();
    Command::new("kill").args(["-INT", &pid]).status().unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(sent.elapsed() < Duration::from_secs(10));
    assert!(
        !stderr.contains("panicked") && !stderr.contains("Error"),
        "{stderr}"
    );
}

fn function_sha(moto: &MotoServer) -> String {
    get_function(moto, "day2-dev-hello")["Configuration"]["CodeSha256"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// The timestamps `deploy list` printed, oldest first.
fn timestamps(run: &Run) -> Vec<String> {
    run.stdout
        .lines()
        .filter_map(|l| l.strip_prefix("Timestamp: "))
        .map(str::to_string)
        .collect()
}

#[test]
fn deploy_list_and_rollback_to_an_earlier_deployment() {
    let (moto, _proxy, sls) = deployed();
    let v1 = function_sha(&moto);
    sls.file("handler.js", "exports.hello = async () => 2;\n");
    sls.run(&["deploy"]).ok();
    let v2 = function_sha(&moto);
    assert_ne!(v1, v2);

    let started = Instant::now();
    let run = sls.run(&["deploy", "list"]).ok();
    eprintln!("sls deploy list: {:?}", started.elapsed());
    let stamps = timestamps(&run);
    assert_eq!(stamps.len(), 2, "{}", run.stdout);
    assert!(stamps[0] < stamps[1], "oldest first");
    let stable: Vec<(String, String)> = stamps
        .iter()
        .enumerate()
        .map(|(i, s)| (s.clone(), format!("[TIMESTAMP{}]", i + 1)))
        .collect();
    let mut replace: Vec<(&str, &str)> = stable
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let dates: Vec<String> = run
        .stdout
        .lines()
        .filter(|l| l.ends_with(" UTC"))
        .map(str::to_string)
        .collect();
    for d in &dates {
        replace.push((d.as_str(), "[DATE]"));
    }
    insta::assert_snapshot!("deploy_list", shown(&sls, &run, &replace));

    let run = sls.run(&["deploy", "list", "functions"]).ok();
    insta::assert_snapshot!("deploy_list_functions", shown(&sls, &run, &[]));

    // Without a timestamp: how to choose, and the list.
    let run = sls.run(&["rollback"]).ok();
    assert!(
        run.stderr.contains("sls rollback -t <timestamp>"),
        "{}",
        run.stderr
    );
    assert_eq!(timestamps(&run), stamps);

    // Back to the first deployment: its template, so its code.
    let run = sls.run(&["rollback", "-t", &stamps[0]]);
    insta::assert_snapshot!("rollback", shown(&sls, &run, &replace));
    assert_eq!(function_sha(&moto), v1);

    let run = sls.run(&["rollback", "-t", "1600000000000"]);
    insta::assert_snapshot!("rollback_unknown_timestamp", shown(&sls, &run, &[]));
}

#[test]
fn rollback_function_puts_a_version_code_back() {
    let (moto, proxy, sls) = deployed();
    let v1_zip = std::fs::read(sls.cwd.join(".serverless/day2.zip")).unwrap();
    let v1 = function_sha(&moto);
    sls.file("handler.js", "exports.hello = async () => 2;\n");
    sls.run(&["deploy"]).ok();
    assert_ne!(function_sha(&moto), v1);

    // GetFunction's code location is on an AWS host: the proxy points it at a loopback server
    // that holds version 1's zip.
    let code = BytesServer::start(v1_zip);
    let host = "https://awslambda-us-east-1-tasks.s3.us-east-1.amazonaws.com";
    proxy.set_rules(vec![Rule::always(
        "GET /2015-03-31/functions/day2-dev-hello",
        Fault::ReplaceInBody {
            from: host.into(),
            to: code.origin(),
        },
    )]);
    let run = sls.run(&[
        "rollback",
        "function",
        "-f",
        "hello",
        "--function-version",
        "1",
    ]);
    insta::assert_snapshot!(
        "rollback_function",
        shown(&sls, &run, &[(&code.origin(), "[CODE]")])
    );
    assert_eq!(code.served(), 1);
    assert_eq!(function_sha(&moto), v1);

    let run = sls.run(&[
        "rollback",
        "function",
        "-f",
        "hello",
        "--function-version",
        "9",
    ]);
    insta::assert_snapshot!("rollback_function_unknown_version", shown(&sls, &run, &[]));
}

#[test]
fn metrics_sum_the_functions_figures() {
    let (moto, _proxy, sls) = deployed();
    moto.put_lambda_metric("day2-dev-hello", "Invocations", 3.0, "Count");
    moto.put_lambda_metric("day2-dev-hello", "Invocations", 2.0, "Count");
    moto.put_lambda_metric("day2-dev-hello", "Errors", 1.0, "Count");
    moto.put_lambda_metric("day2-dev-hello", "Duration", 10.0, "Milliseconds");
    moto.put_lambda_metric("other", "Invocations", 100.0, "Count");
    let window = [
        "--startTime",
        "1h",
        "--endTime",
        &(now_ms() + 60_000).to_string(),
    ];
    let mut args = vec!["metrics"];
    args.extend(window);
    let run = sls.run(&args).ok();
    let dates = run.stdout.lines().nth(1).unwrap_or_default().to_string();
    insta::assert_snapshot!(
        "metrics_service",
        shown(&sls, &run, &[(dates.as_str(), "[START] - [END]")])
    );
    let mut args = vec!["metrics", "-f", "hello"];
    args.extend(window);
    let run = sls.run(&args).ok();
    assert!(run.stdout.starts_with("hello\n"), "{}", run.stdout);
    assert!(run.stdout.contains("invocations: 5\n"), "{}", run.stdout);
}

#[test]
fn the_commands_are_listed_in_help() {
    let run = Sls::new().run(&["--help"]).ok();
    for command in ["invoke", "logs", "rollback", "metrics"] {
        assert!(
            run.stdout
                .lines()
                .any(|l| l.trim_start().starts_with(command)),
            "{command}:\n{}",
            run.stdout
        );
    }
    let run = Sls::new().run(&["deploy", "--help"]).ok();
    assert!(run.stdout.contains("list"), "{}", run.stdout);
}

#[test]
fn credentials_policy_adds_the_day_two_statements_on_request() {
    let sls = Sls::new();
    sls.file("serverless.yml", SERVICE);
    sls.file("handler.js", "exports.hello = async () => 1;\n");
    let sids = |args: &[&str]| -> Vec<String> {
        let run = sls.run(args).ok();
        run.json()["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["Sid"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    let plain = sids(&["credentials", "policy", "--json"]);
    assert!(!plain.iter().any(|s| s.starts_with("DayTwo")), "{plain:?}");
    let full = sids(&["credentials", "policy", "--json", "--day-two"]);
    for sid in ["DayTwoFunctions", "DayTwoLogs", "DayTwoMetrics"] {
        assert!(full.iter().any(|s| s == sid), "{sid}: {full:?}");
    }
    assert_eq!(full.len(), plain.len() + 3);
}
