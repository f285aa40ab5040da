//! The Serverless v3 credential chain, end to end through the built binary
//! (compat.md section 1): which key `sls credentials export` resolves.

use crate::common;
use common::{profile, Sls};

const SERVICE_WITH_PROFILE: &str = "service: svc\nprovider:\n  name: aws\n  profile: team\n";

fn all_layers() -> Sls {
    let sls = Sls::new();
    sls.credentials(&format!(
        "{}{}{}{}{}",
        profile("default", "AKIADEFAULT000000001"),
        profile("team", "AKIATEAM00000000002"),
        profile("envprofile", "AKIAENVPROFILE00003"),
        profile("stageprofile", "AKIASTAGEPROFILE004"),
        profile("cli", "AKIACLIPROFILE00005"),
    ));
    sls.file("serverless.yml", SERVICE_WITH_PROFILE);
    sls
}

#[test]
fn layer_1_default_profile() {
    let sls = all_layers();
    std::fs::remove_file(sls.cwd.join("serverless.yml")).unwrap();
    assert_eq!(sls.chosen_key(&[]).unwrap(), "AKIADEFAULT000000001");
}

#[test]
fn layer_1_aws_default_profile_names_another_profile() {
    let mut sls = all_layers();
    std::fs::remove_file(sls.cwd.join("serverless.yml")).unwrap();
    sls.env("AWS_DEFAULT_PROFILE", "cli");
    assert_eq!(sls.chosen_key(&[]).unwrap(), "AKIACLIPROFILE00005");
}

#[test]
fn layer_1_missing_aws_default_profile_is_silent_and_does_not_fall_back_to_default() {
    let mut sls = all_layers();
    std::fs::remove_file(sls.cwd.join("serverless.yml")).unwrap();
    sls.env("AWS_DEFAULT_PROFILE", "nope");
    let run = sls.chosen_key(&[]).unwrap_err();
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("No AWS credentials found"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("doesn't seem to be configured"),
        "{}",
        run.stderr
    );
}

#[test]
fn layer_2_provider_profile_beats_default() {
    let sls = all_layers();
    assert_eq!(sls.chosen_key(&[]).unwrap(), "AKIATEAM00000000002");
}

#[test]
fn layer_3_env_keys_beat_provider_profile() {
    let mut sls = all_layers();
    sls.env("AWS_ACCESS_KEY_ID", "AKIAENVKEYS00000006")
        .env("AWS_SECRET_ACCESS_KEY", "env-secret");
    assert_eq!(sls.chosen_key(&[]).unwrap(), "AKIAENVKEYS00000006");
}

#[test]
fn layer_4_aws_profile_beats_env_keys() {
    let mut sls = all_layers();
    sls.env("AWS_ACCESS_KEY_ID", "AKIAENVKEYS00000006")
        .env("AWS_SECRET_ACCESS_KEY", "env-secret")
        .env("AWS_PROFILE", "envprofile");
    assert_eq!(sls.chosen_key(&[]).unwrap(), "AKIAENVPROFILE00003");
}

#[test]
fn layer_5_stage_keys_beat_aws_profile() {
    let mut sls = all_layers();
    sls.env("AWS_PROFILE", "envprofile")
        .env("AWS_PROD_ACCESS_KEY_ID", "AKIASTAGEKEYS000007")
        .env("AWS_PROD_SECRET_ACCESS_KEY", "stage-secret");
    assert_eq!(
        sls.chosen_key(&["--stage", "prod"]).unwrap(),
        "AKIASTAGEKEYS000007"
    );
    // Another stage does not see them.
    assert_eq!(
        sls.chosen_key(&["--stage", "test"]).unwrap(),
        "AKIAENVPROFILE00003"
    );
}

#[test]
fn layer_5_default_stage_dev_uses_aws_dev_keys() {
    let mut sls = all_layers();
    sls.env("AWS_DEV_ACCESS_KEY_ID", "AKIADEVKEYS00000008")
        .env("AWS_DEV_SECRET_ACCESS_KEY", "dev-secret");
    assert_eq!(sls.chosen_key(&[]).unwrap(), "AKIADEVKEYS00000008");
}

#[test]
fn layer_6_stage_profile_beats_stage_keys() {
    let mut sls = all_layers();
    sls.env("AWS_PROD_ACCESS_KEY_ID", "AKIASTAGEKEYS000007")
        .env("AWS_PROD_SECRET_ACCESS_KEY", "stage-secret")
        .env("AWS_PROD_PROFILE", "stageprofile");
    assert_eq!(
        sls.chosen_key(&["-s", "prod"]).unwrap(),
        "AKIASTAGEPROFILE004"
    );
}

#[test]
fn layer_7_aws_profile_option_beats_everything() {
    let mut sls = all_layers();
    sls.env("AWS_ACCESS_KEY_ID", "AKIAENVKEYS00000006")
        .env("AWS_SECRET_ACCESS_KEY", "env-secret")
        .env("AWS_PROFILE", "envprofile")
        .env("AWS_PROD_PROFILE", "stageprofile");
    assert_eq!(
        sls.chosen_key(&["-s", "prod", "--aws-profile", "cli"])
            .unwrap(),
        "AKIACLIPROFILE00005"
    );
    assert_eq!(
        sls.chosen_key(&["-s", "prod", "--aws-profile=cli"])
            .unwrap(),
        "AKIACLIPROFILE00005"
    );
}

#[test]
fn empty_aws_profile_option_counts_as_not_given() {
    let sls = all_layers();
    assert_eq!(
        sls.chosen_key(&["--aws-profile="]).unwrap(),
        "AKIATEAM00000000002"
    );
}

#[test]
fn missing_provider_profile_is_an_error_even_when_a_later_layer_would_win() {
    let mut sls = all_layers();
    sls.file(
        "serverless.yml",
        "service: svc\nprovider:\n  name: aws\n  profile: ghost\n",
    );
    sls.env("AWS_ACCESS_KEY_ID", "AKIAENVKEYS00000006")
        .env("AWS_SECRET_ACCESS_KEY", "env-secret");
    let run = sls.chosen_key(&[]).unwrap_err();
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("AWS profile \"ghost\" doesn't seem to be configured"),
        "{}",
        run.stderr
    );
}

#[test]
fn aws_profile_option_skips_a_missing_provider_profile() {
    let sls = all_layers();
    sls.file(
        "serverless.yml",
        "service: svc\nprovider:\n  name: aws\n  profile: ghost\n",
    );
    assert_eq!(
        sls.chosen_key(&["--aws-profile", "cli"]).unwrap(),
        "AKIACLIPROFILE00005"
    );
}

#[test]
fn missing_aws_profile_env_is_an_error() {
    let mut sls = all_layers();
    sls.env("AWS_PROFILE", "ghost");
    let run = sls.chosen_key(&[]).unwrap_err();
    assert!(
        run.stderr
            .contains("AWS profile \"ghost\" doesn't seem to be configured"),
        "{}",
        run.stderr
    );
}

#[test]
fn per_stage_profile_through_variables() {
    let sls = all_layers();
    sls.file(
        "serverless.yml",
        "service: svc\nprovider:\n  name: aws\n  profile: ${self:custom.profiles.${sls:stage}}\ncustom:\n  profiles:\n    dev: team\n    prod: stageprofile\n",
    );
    assert_eq!(sls.chosen_key(&[]).unwrap(), "AKIATEAM00000000002");
    assert_eq!(
        sls.chosen_key(&["--stage", "prod"]).unwrap(),
        "AKIASTAGEPROFILE004"
    );
    let show = sls.run(&["credentials", "show", "--stage", "prod"]).ok();
    assert!(
        show.stdout.contains("${self:custom.profiles.${sls:stage}}"),
        "{}",
        show.stdout
    );
}

#[test]
fn stage_env_names_upper_case_the_stage_and_keep_hyphens() {
    let mut sls = all_layers();
    sls.env("AWS_MY-STAGE_ACCESS_KEY_ID", "AKIAHYPHENSTAGE0009")
        .env("AWS_MY-STAGE_SECRET_ACCESS_KEY", "hyphen-secret")
        .env("AWS_QA_ACCESS_KEY_ID", "AKIAMIXEDCASE000010")
        .env("AWS_QA_SECRET_ACCESS_KEY", "qa-secret");
    assert_eq!(
        sls.chosen_key(&["-s", "my-stage"]).unwrap(),
        "AKIAHYPHENSTAGE0009"
    );
    assert_eq!(
        sls.chosen_key(&["-s", "Qa"]).unwrap(),
        "AKIAMIXEDCASE000010"
    );
}

#[test]
fn empty_and_undefined_env_values_count_as_unset() {
    let mut sls = all_layers();
    sls.env("AWS_PROFILE", "")
        .env("AWS_ACCESS_KEY_ID", "undefined")
        .env("AWS_SECRET_ACCESS_KEY", "x");
    assert_eq!(sls.chosen_key(&[]).unwrap(), "AKIATEAM00000000002");
    sls.env("AWS_PROFILE", "undefined");
    assert_eq!(sls.chosen_key(&[]).unwrap(), "AKIATEAM00000000002");
}

#[test]
fn env_values_are_not_trimmed() {
    let mut sls = all_layers();
    sls.env("AWS_PROFILE", " envprofile");
    let run = sls.chosen_key(&[]).unwrap_err();
    assert!(
        run.stderr
            .contains("AWS profile \" envprofile\" doesn't seem to be configured"),
        "{}",
        run.stderr
    );
}

#[test]
fn env_key_without_secret_is_ignored_as_a_pair() {
    let mut sls = all_layers();
    sls.env("AWS_ACCESS_KEY_ID", "AKIALONELYKEY000011");
    assert_eq!(sls.chosen_key(&[]).unwrap(), "AKIATEAM00000000002");
}

#[test]
fn shared_credentials_file_replaces_the_default_file_and_may_be_relative() {
    let mut sls = all_layers();
    sls.file("creds/alt", &profile("team", "AKIAALTFILE00000012"));
    sls.env("AWS_SHARED_CREDENTIALS_FILE", "creds/alt");
    assert_eq!(sls.chosen_key(&[]).unwrap(), "AKIAALTFILE00000012");
}

#[test]
fn shared_credentials_file_missing_or_a_directory_means_no_profiles() {
    let mut sls = all_layers();
    std::fs::remove_file(sls.cwd.join("serverless.yml")).unwrap();
    sls.env("AWS_SHARED_CREDENTIALS_FILE", "does/not/exist");
    let run = sls.chosen_key(&[]).unwrap_err();
    assert!(
        run.stderr.contains("No AWS credentials found"),
        "{}",
        run.stderr
    );
    std::fs::create_dir_all(sls.cwd.join("adir")).unwrap();
    sls.env("AWS_SHARED_CREDENTIALS_FILE", "adir");
    let run = sls.chosen_key(&[]).unwrap_err();
    assert!(
        run.stderr.contains("No AWS credentials found"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}

#[test]
fn config_file_profiles_are_read_without_aws_sdk_load_config() {
    let sls = Sls::new();
    sls.config("[profile team]\naws_access_key_id = AKIACONFIGFILE00013\naws_secret_access_key = cfg-secret\n");
    sls.file("serverless.yml", SERVICE_WITH_PROFILE);
    assert_eq!(sls.chosen_key(&[]).unwrap(), "AKIACONFIGFILE00013");
}

#[test]
fn incomplete_named_profile_is_an_error_naming_the_missing_key() {
    let sls = Sls::new();
    sls.credentials("[team]\naws_access_key_id = AKIAHALFPROFILE0014\n");
    sls.file("serverless.yml", SERVICE_WITH_PROFILE);
    let run = sls.chosen_key(&[]).unwrap_err();
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("team"), "{}", run.stderr);
    assert!(
        run.stderr.contains("aws_secret_access_key"),
        "{}",
        run.stderr
    );
}

#[test]
fn override_notice_names_the_winner_only_when_two_sources_are_set() {
    let mut sls = all_layers();
    let run = sls.run(&["credentials", "export"]).ok();
    assert!(
        !run.stderr.to_lowercase().contains("overrides"),
        "{}",
        run.stderr
    );
    sls.env("AWS_PROFILE", "envprofile");
    let run = sls.run(&["credentials", "export"]).ok();
    let notice: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("AWS_PROFILE"))
        .collect();
    assert_eq!(notice.len(), 1, "{}", run.stderr);
}

#[test]
fn show_masks_the_key_and_never_prints_the_secret() {
    let mut sls = all_layers();
    sls.env("AWS_PROFILE", "envprofile");
    let run = sls.run(&["credentials", "show"]).ok();
    assert!(run.stdout.contains("AKIA…0003"), "{}", run.stdout);
    assert!(!run.all().contains("AKIAENVPROFILE00003"), "{}", run.all());
    assert!(!run.all().contains("secret-of-"), "{}", run.all());
    let json = sls.run(&["credentials", "show", "--json"]).ok().json();
    assert_eq!(json["stage"], "dev");
    assert_eq!(json["region"], "us-east-1");
    assert_eq!(json["accessKeyId"], "AKIA…0003");
    assert!(
        json["chain"]
            .as_array()
            .map(|a| a.len() >= 7)
            .unwrap_or(false),
        "{json}"
    );
}

#[test]
fn export_env_format_prints_export_lines() {
    let mut sls = Sls::new();
    sls.env("AWS_ACCESS_KEY_ID", "AKIAEXPORT000000015")
        .env("AWS_SECRET_ACCESS_KEY", "exp/secret+1")
        .env("AWS_SESSION_TOKEN", "tok");
    let run = sls.run(&["credentials", "export", "--format", "env"]).ok();
    assert!(
        run.stdout
            .contains("export AWS_ACCESS_KEY_ID=AKIAEXPORT000000015\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("export AWS_SECRET_ACCESS_KEY=exp/secret+1\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("export AWS_SESSION_TOKEN=tok\n"),
        "{}",
        run.stdout
    );
    let json = sls.run(&["credentials", "export"]).ok().json();
    assert_eq!(json["Version"], 1);
    assert_eq!(json["SessionToken"], "tok");
    assert!(json.get("Expiration").is_none());
}
