//! `sls config credentials` end to end: what v3 does, minus its data loss.

use crate::common;
use common::Sls;
use std::os::unix::fs::PermissionsExt;

const RICH: &str = "\u{feff}# my credentials\r\n[default]\r\naws_access_key_id = AKIAOLDDEFAULT00001\r\naws_secret_access_key = old-default-secret\r\nregion = eu-west-1 ; inline comment\r\n\r\n[role-only]\r\nrole_arn = arn:aws:iam::123456789012:role/x\r\nsource_profile = default\r\n";

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn creates_a_private_file_in_a_private_folder() {
    let sls = Sls::new();
    sls.run(&[
        "config",
        "credentials",
        "--provider",
        "aws",
        "--key",
        "AKIANEW000000000001",
        "--secret",
        "new-secret",
    ])
    .ok();
    let path = sls.home.join(".aws/credentials");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "[default]\naws_access_key_id=AKIANEW000000000001\naws_secret_access_key=new-secret\n"
    );
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(&sls.home.join(".aws")), 0o700);
}

#[test]
fn success_message_on_stderr_and_no_secret_anywhere() {
    let sls = Sls::new();
    let run = sls
        .run(&[
            "config",
            "credentials",
            "-p",
            "AWS",
            "-k",
            "AKIANEW000000000001",
            "-s",
            "top-secret-value",
            "-n",
            "team",
        ])
        .ok();
    assert!(
        run.stderr.contains("Profile \"team\" has been configured"),
        "{}",
        run.stderr
    );
    assert!(!run.all().contains("top-secret-value"));
}

#[test]
fn appends_a_new_profile_keeping_every_byte() {
    let sls = Sls::new();
    let path = sls.credentials(RICH);
    sls.run(&[
        "config",
        "credentials",
        "--provider",
        "aws",
        "-k",
        "AKIANEW000000000001",
        "-s",
        "s3cr3t",
        "--profile",
        "new",
    ])
    .ok();
    let after = std::fs::read_to_string(&path).unwrap();
    assert!(after.starts_with(RICH), "{after:?}");
    assert!(
        after.ends_with(
            "[new]\r\naws_access_key_id=AKIANEW000000000001\r\naws_secret_access_key=s3cr3t\r\n"
        ),
        "{after:?}"
    );
}

#[test]
fn refuses_an_existing_profile_without_overwrite_and_leaves_the_file_identical() {
    let sls = Sls::new();
    let path = sls.credentials(RICH);
    let run = sls
        .run(&[
            "config",
            "credentials",
            "--provider",
            "aws",
            "-k",
            "AKIANEW000000000001",
            "-s",
            "x",
        ])
        .failed(1);
    assert!(run.stderr.contains(
        "Profile \"default\" is already configured in ~/.aws/credentials. Use the overwrite flag (\"-o\" or \"--overwrite\") to force the update."
    ), "{}", run.stderr);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), RICH);
    // A role-only profile counts as configured too.
    sls.run(&[
        "config",
        "credentials",
        "--provider",
        "aws",
        "-k",
        "AKIANEW000000000001",
        "-s",
        "x",
        "-n",
        "role-only",
    ])
    .failed(1);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), RICH);
}

#[test]
fn overwrite_changes_only_the_two_key_lines() {
    let sls = Sls::new();
    let path = sls.credentials(RICH);
    sls.run(&[
        "config",
        "credentials",
        "--provider",
        "aws",
        "-k",
        "AKIAREPLACED0000001",
        "-s",
        "replaced",
        "-o",
    ])
    .ok();
    let after = std::fs::read_to_string(&path).unwrap();
    let expected = RICH
        .replace(
            "aws_access_key_id = AKIAOLDDEFAULT00001",
            "aws_access_key_id = AKIAREPLACED0000001",
        )
        .replace(
            "aws_secret_access_key = old-default-secret",
            "aws_secret_access_key = replaced",
        );
    assert_eq!(after, expected);
}

#[test]
fn writes_where_aws_shared_credentials_file_points_and_names_it_in_messages() {
    let mut sls = Sls::new();
    let alt = sls.file(
        "alt-creds",
        "[default]\naws_access_key_id = A\naws_secret_access_key = B\n",
    );
    sls.env("AWS_SHARED_CREDENTIALS_FILE", alt.to_str().unwrap());
    let run = sls
        .run(&[
            "config",
            "credentials",
            "--provider",
            "aws",
            "-k",
            "AKIANEW000000000001",
            "-s",
            "x",
        ])
        .failed(1);
    assert!(run.stderr.contains(alt.to_str().unwrap()), "{}", run.stderr);
    sls.run(&[
        "config",
        "credentials",
        "--provider",
        "aws",
        "-k",
        "AKIANEW000000000001",
        "-s",
        "x",
        "-n",
        "two",
    ])
    .ok();
    assert!(std::fs::read_to_string(&alt).unwrap().contains("[two]"));
    assert!(!sls.home.join(".aws/credentials").exists());
}

#[test]
fn other_providers_and_missing_keys_are_refused() {
    let sls = Sls::new();
    let run = sls
        .run(&[
            "config",
            "credentials",
            "--provider",
            "GCP",
            "-k",
            "a",
            "-s",
            "b",
        ])
        .failed(1);
    assert!(
        run.stderr
            .contains("Provider \"gcp\" is not supported. Supported providers are: \"aws\"."),
        "{}",
        run.stderr
    );
    let run = sls
        .run(&["config", "credentials", "--provider", "aws", "-k", "a"])
        .failed(1);
    assert!(
        run.stderr
            .contains("Please include --key and --secret options for AWS."),
        "{}",
        run.stderr
    );
    assert!(!sls.home.join(".aws/credentials").exists());
}

#[test]
fn input_that_would_corrupt_the_file_is_refused_before_writing() {
    let sls = Sls::new();
    let path = sls.credentials(RICH);
    for (name, key, secret) in [
        ("evil]\n[default", "AKIAOK0000000000001", "ok"),
        (" padded", "AKIAOK0000000000001", "ok"),
        ("a[b", "AKIAOK0000000000001", "ok"),
        ("fresh", "AKIA WITH SPACE", "ok"),
        ("fresh", "AKIAOK0000000000001", "line\nbreak"),
    ] {
        let run = sls.run(&[
            "config",
            "credentials",
            "--provider",
            "aws",
            "-k",
            key,
            "-s",
            secret,
            "-n",
            name,
        ]);
        assert_eq!(run.code, 1, "{name:?}/{key:?} was accepted: {}", run.all());
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            RICH,
            "{name:?} changed the file"
        );
    }
}

#[test]
fn works_in_a_folder_whose_service_file_does_not_resolve() {
    let sls = Sls::new();
    sls.file(
        "serverless.yml",
        "service: x\nprovider:\n  profile: ${self:nope}\n  bad: [unclosed\n",
    );
    sls.run(&[
        "config",
        "credentials",
        "--provider",
        "aws",
        "-k",
        "AKIANEW000000000001",
        "-s",
        "x",
    ])
    .ok();
}

#[test]
fn twenty_concurrent_writers_all_land() {
    let sls = Sls::new();
    let children: Vec<_> = (0..20)
        .map(|i| {
            std::process::Command::new(env!("CARGO_BIN_EXE_sls"))
                .args([
                    "config",
                    "credentials",
                    "--provider",
                    "aws",
                    "-k",
                    &format!("AKIACONCURRENT{i:05}"),
                    "-s",
                    "x",
                    "-n",
                    &format!("p{i}"),
                ])
                .env_clear()
                .envs(&sls.env)
                .current_dir(&sls.cwd)
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    let text = sls.read_home(".aws/credentials");
    for i in 0..20 {
        assert!(
            text.contains(&format!("[p{i}]\naws_access_key_id=AKIACONCURRENT{i:05}\n")),
            "p{i} missing:\n{text}"
        );
    }
}
