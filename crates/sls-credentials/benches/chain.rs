//! Resolving a profile from a 1-profile vs a 10,000-profile credentials file
//! (goal: at most 3x), and `configure_credentials` (locked, atomic, fsynced).

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};
use sls_credentials::{
    configure_credentials, load_profiles, resolve_chain, resolve_chain_with, ChainInput, Env,
};

fn file_with(n: usize) -> String {
    let mut s = String::with_capacity(n * 110);
    for i in 0..n {
        s.push_str(&format!(
            "[profile-{i}]\naws_access_key_id = AKIA{i:016}\naws_secret_access_key = secret{i:034}\nregion = eu-west-1\n\n"
        ));
    }
    s
}

fn env_for(dir: &Path, profile: &str) -> Env {
    let mut env = Env::new();
    env.insert("AWS_EC2_METADATA_DISABLED".into(), "true".into());
    env.insert("AWS_PROFILE".into(), profile.into());
    env.insert(
        "AWS_SHARED_CREDENTIALS_FILE".into(),
        dir.join("credentials").to_string_lossy().into_owned(),
    );
    env.insert(
        "AWS_CONFIG_FILE".into(),
        dir.join("config").to_string_lossy().into_owned(),
    );
    env
}

fn bench_resolve(c: &mut Criterion) {
    for n in [1usize, 10_000] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("credentials"), file_with(n)).unwrap();
        std::fs::write(dir.path().join("config"), "[default]\nregion = eu-west-1\n").unwrap();
        // the last profile: the worst case for a scan
        let env = env_for(dir.path(), &format!("profile-{}", n - 1));
        let input = ChainInput {
            env: &env,
            home: dir.path(),
            cwd: dir.path(),
            stage: "dev",
            aws_profile_option: None,
            provider_profile: None,
            provider_profile_expression: None,
        };
        assert!(resolve_chain(&input).unwrap().plan.is_some());
        c.bench_function(
            &format!("resolve_chain/{n}_profiles (read + resolve)"),
            |b| b.iter(|| black_box(resolve_chain(black_box(&input)).unwrap())),
        );
        let set = load_profiles(&env, dir.path(), dir.path());
        c.bench_function(
            &format!("resolve_chain_with/{n}_profiles (preloaded)"),
            |b| b.iter(|| black_box(resolve_chain_with(black_box(&input), &set).unwrap())),
        );
    }
}

fn bench_configure(c: &mut Criterion) {
    for n in [1usize, 1_000] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("credentials");
        std::fs::write(&path, file_with(n)).unwrap();
        c.bench_function(
            &format!("configure_credentials/overwrite_in_{n}_profiles"),
            |b| {
                b.iter(|| {
                    configure_credentials(
                        black_box(&path),
                        "profile-0",
                        "AKIANEWNEWNEWNEW0000",
                        "newsecret",
                        true,
                    )
                    .unwrap()
                })
            },
        );
    }
}

criterion_group!(benches, bench_resolve, bench_configure);
criterion_main!(benches);
