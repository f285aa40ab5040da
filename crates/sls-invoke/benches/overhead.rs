//! What sls-invoke adds over starting the wrapper yourself, measured in-process so that the two
//! sides alternate run by run (fair on a shared, busy machine).
//!
//!   CARGO_TARGET_DIR=… cargo bench -p sls-invoke --bench overhead [-- RUNS]
//!
//! Prints medians of: `plan()` alone; `plan()` + `prepare()` (temp folder, wrapper and input
//! written); a full `invoke_local` of a trivial Node.js handler; and `node invoke.cjs input.json`
//! spawned directly with the same environment, as wall time and as CPU time (user + system of
//! this process and its children: steadier than wall time when other work shares the cores).
//! Needs `node` on PATH.

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;
use sls_invoke::{invoke_local_with, plan, prepare, InvokeRequest, Logs};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// CPU time (user + system) used so far by this process and its waited-for children.
fn cpu_now() -> Duration {
    let mut total = Duration::ZERO;
    for who in [libc::RUSAGE_SELF, libc::RUSAGE_CHILDREN] {
        // SAFETY: getrusage only writes the struct we own.
        let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
        if unsafe { libc::getrusage(who, &mut ru) } == 0 {
            for tv in [ru.ru_utime, ru.ru_stime] {
                total += Duration::from_secs(tv.tv_sec as u64)
                    + Duration::from_micros(tv.tv_usec as u64);
            }
        }
    }
    total
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
    let (mut c_invoke, mut c_direct) = (Vec::new(), Vec::new());
    for i in 0..runs + 3 {
        let warm = i < 3;

        let t = Instant::now();
        let p = plan(&req).expect("plan");
        let d_plan = t.elapsed();
        let dir = tempfile::tempdir().expect("temp dir");
        prepare(&p, &req, dir.path()).expect("prepare");
        let d_prepare = t.elapsed();

        let c = cpu_now();
        let t = Instant::now();
        let out = invoke_local_with(&req, Logs::Capture).expect("invoke");
        let d_invoke = t.elapsed();
        let cpu_invoke = cpu_now() - c;
        assert_eq!(out.exit_code, 0, "{out:?}");

        let c = cpu_now();
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
        let cpu_direct = cpu_now() - c;
        assert!(status.success());

        if !warm {
            t_plan.push(d_plan);
            t_prepare.push(d_prepare);
            t_invoke.push(d_invoke);
            t_direct.push(d_direct);
            c_invoke.push(cpu_invoke);
            c_direct.push(cpu_direct);
        }
    }
    // Paired differences cancel load that drifts slowly between runs.
    let paired = |a: &[Duration], b: &[Duration]| {
        let mut d: Vec<f64> = a.iter().zip(b).map(|(x, y)| ms(*x) - ms(*y)).collect();
        d.sort_by(f64::total_cmp);
        d[d.len() / 2]
    };
    let paired_wall = paired(&t_invoke, &t_direct);
    let paired_cpu = paired(&c_invoke, &c_direct);
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
        "overhead (wall)             {:8.3} ms",
        ms(inv_m) - ms(dir_m)
    );
    let (ci, cd) = (median(c_invoke), median(c_direct));
    println!("cpu: node direct            {:8.3} ms", ms(cd));
    println!("cpu: invoke_local           {:8.3} ms", ms(ci));
    println!("overhead (cpu)              {:8.3} ms", ms(ci) - ms(cd));
    println!("median paired difference    {paired_wall:8.3} ms wall, {paired_cpu:.3} ms cpu");
}
