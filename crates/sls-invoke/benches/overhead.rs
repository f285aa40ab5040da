//! What sls-invoke adds over starting the wrapper yourself, measured in-process so that the two
//! sides alternate run by run (fair on a shared, busy machine).
//!
//!   CARGO_TARGET_DIR=… cargo bench -p sls-invoke --bench overhead [-- RUNS]
//!
//! Prints medians of: `plan()` alone; `plan()` + `prepare()` (temp folder, wrapper and input
//! written); a full `invoke_local` of a trivial Node.js handler; and `node invoke.cjs input.json`
//! spawned directly with the same environment. Needs `node` on PATH.

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;
use sls_invoke::{invoke_local_with, plan, prepare, InvokeRequest, Logs};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let runs: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(30);
    let svc = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        svc.path().join("handler.js"),
        "exports.hello = async (event) => ({ message: 'hello', input: event });",
    )
    .expect("write handler");
    let process_env: BTreeMap<String, String> = std::env::vars().collect();
    let req = InvokeRequest {
        service_dir: svc.path().to_path_buf(),
        config: json!({
            "service": "bench",
            "provider": {"name": "aws", "runtime": "nodejs20.x", "environment": {"A": "1"}},
            "functions": {"hello": {"handler": "handler.hello", "environment": {"B": "2"}}}
        }),
        function: "hello".into(),
        stage: "dev".into(),
        region: "us-east-1".into(),
        event: json!({"a": 1}),
        context_override: None,
        env_overrides: vec![("C".into(), "3".into())],
        process_env,
        credentials: Some(("AKIAEXAMPLE".into(), "secret".into(), None)),
    };

    let p = plan(&req).expect("plan");
    let direct_dir = tempfile::tempdir().expect("temp dir");
    let direct = prepare(&p, &req, direct_dir.path()).expect("prepare");

    let (mut t_plan, mut t_prepare, mut t_invoke, mut t_direct) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for i in 0..runs + 3 {
        let warm = i < 3;

        let t = Instant::now();
        let p = plan(&req).expect("plan");
        let d_plan = t.elapsed();
        let dir = tempfile::tempdir().expect("temp dir");
        prepare(&p, &req, dir.path()).expect("prepare");
        let d_prepare = t.elapsed();

        let t = Instant::now();
        let out = invoke_local_with(&req, Logs::Capture).expect("invoke");
        let d_invoke = t.elapsed();
        assert_eq!(out.exit_code, 0, "{out:?}");

        let t = Instant::now();
        let status = Command::new(&direct.program)
            .args(&direct.args)
            .env_clear()
            .envs(&p.env)
            .current_dir(&p.task_root)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .status()
            .expect("node runs");
        let d_direct = t.elapsed();
        assert!(status.success());

        if !warm {
            t_plan.push(d_plan);
            t_prepare.push(d_prepare);
            t_invoke.push(d_invoke);
            t_direct.push(d_direct);
        }
    }
    let (plan_m, prep_m, inv_m, dir_m) = (
        median(t_plan),
        median(t_prepare),
        median(t_invoke),
        median(t_direct),
    );
    println!("runs: {runs} (medians)");
    println!("plan()                      {:8.3} ms", ms(plan_m));
    println!("plan() + prepare()          {:8.3} ms", ms(prep_m));
    println!("node invoke.cjs (direct)    {:8.3} ms", ms(dir_m));
    println!("invoke_local (everything)   {:8.3} ms", ms(inv_m));
    println!(
        "overhead                    {:8.3} ms",
        ms(inv_m) - ms(dir_m)
    );
}
