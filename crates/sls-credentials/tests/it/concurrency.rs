//! Concurrent writers never lose each other's profiles, and killed writers
//! never leave a partial file. Child processes are this test binary itself,
//! re-run with `--ignored --exact concurrency::child_writer` and instructions in the environment.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sls_credentials::{configure_credentials, Document, FileKind, ProfileFile, ProfileSet};

const KEY: &str = "AKIACONCURRENT000000";

/// Runs only as a child: adds profiles `<prefix>-0 .. <prefix>-<count-1>`. Ignored in a normal
/// run (it would have nothing to do); the parent runs it with `--ignored --exact`.
#[test]
#[ignore = "the concurrency tests run it as a child process"]
fn child_writer() {
    let (Ok(path), Ok(prefix)) = (
        std::env::var("SLS_CREDS_CHILD_PATH"),
        std::env::var("SLS_CREDS_CHILD_PREFIX"),
    ) else {
        panic!("child_writer runs only as a child of the concurrency tests");
    };
    let count: usize = std::env::var("SLS_CREDS_CHILD_COUNT")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(1);
    for i in 0..count {
        configure_credentials(
            Path::new(&path),
            &format!("{prefix}-{i}"),
            KEY,
            "s3cr3t",
            false,
        )
        .unwrap();
    }
}

fn spawn_child(path: &Path, prefix: &str, count: usize) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "concurrency::child_writer",
            "--test-threads=1",
            "--quiet",
        ])
        .env("SLS_CREDS_CHILD_PATH", path)
        .env("SLS_CREDS_CHILD_PREFIX", prefix)
        .env("SLS_CREDS_CHILD_COUNT", count.to_string())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

fn profiles(path: &Path) -> ProfileSet {
    ProfileSet::new(
        ProfileFile::load(path.to_path_buf(), FileKind::Credentials),
        ProfileFile::from_text(PathBuf::from("/nonexistent"), FileKind::Config, None),
    )
}

/// Every section is complete: header, key line, secret line.
fn assert_well_formed(path: &Path) {
    let text = std::fs::read_to_string(path).unwrap();
    assert_eq!(Document::parse(&text).render(), text);
    let set = profiles(path);
    for name in set.profile_names() {
        let p = set.get(&name).unwrap();
        assert_eq!(p.get("aws_access_key_id"), Some(KEY), "{name} in\n{text}");
        assert_eq!(
            p.get("aws_secret_access_key"),
            Some("s3cr3t"),
            "{name} in\n{text}"
        );
    }
}

#[test]
fn twenty_processes_each_add_a_profile() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".aws").join("credentials");
    let children: Vec<Child> = (0..20)
        .map(|i| spawn_child(&path, &format!("proc{i}"), 1))
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    let set = profiles(&path);
    for i in 0..20 {
        assert!(set.get(&format!("proc{i}-0")).is_some(), "proc{i} lost");
    }
    assert_eq!(set.profile_names().len(), 20);
    assert_well_formed(&path);
}

#[test]
fn twenty_threads_each_add_a_profile() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("credentials");
    std::thread::scope(|s| {
        for i in 0..20 {
            let path = &path;
            s.spawn(move || {
                configure_credentials(path, &format!("t{i}"), KEY, "s3cr3t", false).unwrap()
            });
        }
    });
    assert_eq!(profiles(&path).profile_names().len(), 20);
    assert_well_formed(&path);
}

fn pseudo_random(seed: u64) -> u64 {
    // xorshift on the clock: enough to vary kill times, no extra crate.
    let mut x = seed
        ^ SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    x
}

#[test]
fn killed_writers_never_leave_a_partial_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("credentials");
    for round in 0..3u64 {
        let mut children: Vec<Child> = (0..8)
            .map(|i| spawn_child(&path, &format!("r{round}w{i}"), 200))
            .collect();
        for (i, c) in children.iter_mut().enumerate() {
            std::thread::sleep(Duration::from_millis(pseudo_random(i as u64 + round) % 40));
            let _ = c.kill();
        }
        for mut c in children {
            let _ = c.wait();
        }
        if path.exists() {
            assert_well_formed(&path);
        }
        let temps = std::fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .ends_with(".tmp")
            })
            .count();
        eprintln!(
            "round {round}: {} profiles written, {temps} temp files left by killed writers",
            profiles(&path).profile_names().len()
        );
    }
    // A last writer still works after all the kills (no stuck lock) and
    // removes any temp file a killed writer left.
    configure_credentials(&path, "after-kills", KEY, "s3cr3t", false).unwrap();
    assert_well_formed(&path);
    let mut left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, vec!["credentials"]);
}
