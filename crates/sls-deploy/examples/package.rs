//! Packages a service folder: `cargo run --release -p sls-deploy --example package -- DIR CONFIG.json`
//! (CONFIG.json: the resolved configuration, e.g. from `serverless print --format json`).
//! Used by benches/bench.sh.

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        eprintln!("usage: package SERVICE_DIR CONFIG_JSON");
        std::process::exit(2);
    }
    let dir = std::path::Path::new(&args[1]);
    let text = match std::fs::read_to_string(&args[2]) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("cannot read {}: {e}", args[2]);
            std::process::exit(1);
        }
    };
    let config: serde_json::Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("{}: {e}", args[2]);
            std::process::exit(1);
        }
    };
    let stage = config["provider"]["stage"]
        .as_str()
        .unwrap_or("dev")
        .to_string();
    let region = config["provider"]["region"]
        .as_str()
        .unwrap_or("us-east-1")
        .to_string();
    let input = sls_deploy::PackageInput {
        service_dir: dir,
        config: &config,
        stage: &stage,
        region: &region,
        out_dir: &dir.join(".serverless"),
        config_file_name: Some("serverless.yml"),
        timestamp: None,
    };
    match sls_deploy::package(&input) {
        Ok(r) => {
            for a in &r.artifacts {
                println!("{} {}", a.file_name, a.sha256);
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
