//! A minimal driver for benchmarks and manual checks; the real command line is sls-cli's.
//!
//! ```text
//! invoke_driver run SERVICE_DIR CONFIG.json FUNCTION [DATA]   # like `sls invoke local`
//! invoke_driver prepare SERVICE_DIR CONFIG.json FUNCTION DIR [DATA]
//!     # writes the wrapper and its input into DIR and prints the command line (one argument a
//!     # line), so a benchmark can run the wrapper with node/python3 directly
//! ```
//! Stage `dev`, region `us-east-1`, the environment of this process as the snapshot.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use sls_invoke::{parse_event_input, plan, prepare, run_plan, InvokeRequest, Logs};

fn main() -> ExitCode {
    match real_main() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("Error: {e}");
            ExitCode::from(1)
        }
    }
}

fn real_main() -> Result<ExitCode, Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: invoke_driver run|prepare SERVICE_DIR CONFIG.json FUNCTION [DIR] [DATA]";
    let (mode, service_dir, config_path, function) = match args.as_slice() {
        [m, s, c, f, ..] => (m.as_str(), PathBuf::from(s), PathBuf::from(c), f.clone()),
        _ => return Err(usage.into()),
    };
    let (prepare_dir, data) = match mode {
        "prepare" => (args.get(4).map(PathBuf::from), args.get(5)),
        "run" => (None, args.get(4)),
        _ => return Err(usage.into()),
    };
    let config = serde_json::from_str(&std::fs::read_to_string(&config_path)?)?;
    let event = parse_event_input(data.map(String::as_str), None, None, false, &service_dir)?;
    let req = InvokeRequest {
        service_dir,
        config,
        function,
        stage: "dev".into(),
        region: "us-east-1".into(),
        event,
        context_override: None,
        env_overrides: Vec::new(),
        process_env: std::env::vars().collect(),
        credentials: None,
    };
    if let Some(dir) = prepare_dir {
        let p = plan(&req)?;
        let cmd = prepare(&p, &req, Path::new(&dir))?;
        println!("{}", cmd.program.display());
        for a in &cmd.args {
            println!("{}", a.display());
        }
        return Ok(ExitCode::SUCCESS);
    }
    let p = plan(&req)?;
    for w in &p.warnings {
        eprintln!("Warning: {w}");
    }
    let outcome = run_plan(&p, &req, Logs::Inherit)?;
    if let Some(msg) = outcome.status.message(&req.function) {
        eprintln!("{msg}");
    }
    if !outcome.stdout.is_empty() {
        println!("{}", outcome.stdout);
    }
    Ok(ExitCode::from(outcome.exit_code.clamp(0, 255) as u8))
}
